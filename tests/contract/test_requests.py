"""One sample call per mapped knockkit function, against a loopback server that answers with
the spec's example response; every request it receives is validated against the spec's
operation with openapi-core (see harness.py for the listed adjustments), and the value the
function returns must be the model its operation's response describes."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import re
import typing
from collections.abc import Mapping
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

import knockkit
from knockkit import models
from tests.conftest import call as run_call
from tests.conftest import collect
from tests.contract import harness

UTC = dt.timezone.utc
USER = "jhammond"
OTHER_USER = "dnedry"
COLLECTION = "projects"
OBJECT = "isla-nublar"
TENANT = "ingen"
WORKFLOW = "dinosaurs-loose"
CHANNEL = "4b0c8e3e-9d3f-4f43-8c6b-3f1d7a2f5e61"  # channel ids are UUIDs in the spec
MESSAGE = "2w3YUpTTOxuDvZFji8OMsKrG176"
MESSAGE_2 = "2w3YVRbPXMIh8Zq6oBFcVDA5xes"
SCHEDULE = "123e4567-e89b-12d3-a456-426614174000"
BULK_OPERATION = "0b9d3c4e-7f8a-4a1b-9c2d-3e4f5a6b7c8d"
RUN = "550e8400-e29b-41d4-a716-446655440000"
GUIDE = "7e9dc78c-b3b1-4127-a54e-71f1899b831a"
AUDIENCE = "vip-visitors"
SINCE = dt.datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
UNTIL = dt.datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
OBJECT_REF = {"id": OBJECT, "collection": COLLECTION}
TOKEN_HOLDER = {"object_id": OBJECT, "collection": COLLECTION}
REPEAT = {"frequency": "weekly", "interval": 1, "days": ["mon", "thu"], "hours": 9, "minutes": 30}
PREFERENCES = {
    "channel_types": {"email": True, "sms": False},
    "workflows": {WORKFLOW: {"channel_types": {"sms": True}}},
    "categories": {"marketing": False},
}

PREFERENCE_SET_OF_USER = ("PUT", "/v1/users/{user_id}/preferences/{id}")
PREFERENCE_SET_OF_OBJECT = ("PUT", "/v1/objects/{collection}/{object_id}/preferences/{id}")


@dataclasses.dataclass
class Call:
    function: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    operation: tuple[str, str] | None = None  # for helpers: the operation they use
    respond: Any = None  # a replacement for the example response body

    def __str__(self) -> str:
        return self.function


def call(function: str, *args: Any, **kwargs: Any) -> Call:
    return Call(function, args, kwargs)


def helper(operation: tuple[str, str], function: str, *args: Any, **kwargs: Any) -> Call:
    return Call(function, args, kwargs, operation=operation)


CALLS: list[Call] = [
    # workflows
    call("workflows.cancel", WORKFLOW, "fence-alert-42", recipients=[USER, OBJECT_REF]),
    call(
        "workflows.trigger",
        WORKFLOW,
        recipients=[USER, {"id": "agrant", "email": "agrant@ingen.net", "name": "Alan Grant"}, OBJECT_REF],
        actor=OTHER_USER,
        data={"paddock": "rex", "severity": 3, "since": SINCE},
        tenant=TENANT,
        cancellation_key="fence-alert-42",
        settings={"sandbox_mode": True},
        idempotency_key="trigger-0001",
    ),
    # workflow recipient runs
    call(
        "workflow_recipient_runs.list",
        workflow=WORKFLOW,
        status=["completed", "processing"],
        tenant=TENANT,
        has_errors=False,
        recipient=OBJECT_REF,
        starting_at=SINCE,
        ending_at=UNTIL,
        after="cursor-1",
        page_size=25,
    ),
    call("workflow_recipient_runs.get", RUN),
    # users
    call("users.list", include=["preferences"], after="cursor-1", page_size=10, order="asc"),
    call("users.bulk_delete", [USER, OTHER_USER]),
    call(
        "users.bulk_identify",
        [{"id": USER, "name": "John Hammond", "email": "jhammond@ingen.net"}, {"id": OTHER_USER, "role": "it"}],
    ),
    call("users.bulk_set_preferences", [USER, OTHER_USER], PREFERENCES),
    call("users.get", "john.hammond+park@ingen.net"),  # an id that needs percent-encoding
    call(
        "users.identify",
        USER,
        {"name": "John Hammond", "email": "jhammond@ingen.net", "timezone": "America/Costa_Rica", "founder": True},
    ),
    call("users.delete", USER),
    call("users.merge", USER, OTHER_USER),
    call("users.get_preference_center_config", USER),
    call("users.create_preference_center_url", USER),
    call("users.list_preferences", USER),
    call("users.get_preferences", USER, preference_set="default", tenant=TENANT),
    call("users.set_preferences", USER, PREFERENCES, preference_set="default", merge=True),
    call("users.unset_preferences", USER, preference_set="park-staff"),
    call("users.get_channel_data", USER, CHANNEL),
    call("users.set_channel_data", USER, CHANNEL, {"tokens": ["apns-token-1", "apns-token-2"]}),
    call("users.unset_channel_data", USER, CHANNEL),
    call(
        "users.list_messages",
        USER,
        page_size=20,
        tenant=TENANT,
        channel_id=CHANNEL,
        status=["delivered", "sent"],
        engagement_status=["seen", "unread"],
        message_ids=[MESSAGE, MESSAGE_2],
        workflow_categories=["alerts"],
        source=WORKFLOW,
        workflow_run_id=RUN,
        workflow_recipient_run_id=RUN,
        trigger_data={"paddock": "rex"},
        inserted_at={"gte": SINCE, "lt": UNTIL},
    ),
    call("users.list_schedules", USER, workflow=WORKFLOW, tenant=TENANT, before="cursor-2", page_size=5),
    call("users.list_subscriptions", USER, include=["preferences"], objects=[OBJECT_REF], page_size=10),
    helper(PREFERENCE_SET_OF_USER, "users.set_channel_types_preferences", USER, {"email": True, "sms": False}),
    helper(PREFERENCE_SET_OF_USER, "users.set_channel_type_preferences", USER, "email", True),
    helper(
        PREFERENCE_SET_OF_USER, "users.set_workflows_preferences", USER, {WORKFLOW: {"channel_types": {"sms": True}}}
    ),
    helper(PREFERENCE_SET_OF_USER, "users.set_workflow_preferences", USER, WORKFLOW, False),
    helper(PREFERENCE_SET_OF_USER, "users.set_categories_preferences", USER, {"marketing": False}),
    helper(
        PREFERENCE_SET_OF_USER,
        "users.set_category_preferences",
        USER,
        "transactional",
        {"channel_types": {"email": True}},
        preference_set="park-staff",
    ),
    # feeds
    call(
        "feeds.list_items",
        USER,
        CHANNEL,
        status="unread",
        archived="exclude",
        source=WORKFLOW,
        tenant=TENANT,
        has_tenant=True,
        workflow_categories=["alerts"],
        trigger_data={"paddock": "rex"},
        locale="en-US",
        exclude="entries.archived_at",
        mode="compact",
        inserted_at={"gt": SINCE},
        after="cursor-1",
        page_size=20,
    ),
    call("feeds.get_settings", USER, CHANNEL),
    # guides
    call("guides.reset_engagement", USER, guide_key="park-tour", tenant=TENANT),
    call(
        "guides.mark_archived",
        USER,
        channel_id=CHANNEL,
        guide_id=GUIDE,
        guide_key="park-tour",
        guide_step_ref="visitor-center",
        is_final=True,
        unthrottled=False,
        tenant=TENANT,
    ),
    call("guides.mark_unarchived", USER, guide_key="park-tour", tenant=TENANT),
    call(
        "guides.mark_interacted",
        USER,
        channel_id=CHANNEL,
        guide_id=GUIDE,
        guide_key="park-tour",
        guide_step_ref="visitor-center",
        metadata={"button": "next"},
        tenant=TENANT,
    ),
    call(
        "guides.mark_seen",
        USER,
        channel_id=CHANNEL,
        guide_id=GUIDE,
        guide_key="park-tour",
        guide_step_ref="visitor-center",
        content={"title": "Welcome", "body": "Life finds a way."},
        data={"tour_id": "dna-lab"},
        tenant=TENANT,
    ),
    call("guides.list", USER, CHANNEL, tenant=TENANT, data={"plan": "premium"}, type="banner"),
    # objects
    call("objects.get_channel_data", COLLECTION, OBJECT, CHANNEL),
    call(
        "objects.set_channel_data",
        COLLECTION,
        OBJECT,
        CHANNEL,
        {"connections": [{"incoming_webhook": {"url": "https://hooks.slack.com/services/T0/B0/xyz"}}]},
    ),
    call("objects.unset_channel_data", COLLECTION, OBJECT, CHANNEL),
    call("objects.list", COLLECTION, include=["preferences"], after="cursor-1", page_size=5),
    call("objects.bulk_delete", COLLECTION, [OBJECT, "isla-sorna"]),
    call("objects.bulk_set", COLLECTION, [{"id": OBJECT, "name": "Isla Nublar"}, {"id": "isla-sorna", "area_km2": 58}]),
    call(
        "objects.bulk_add_subscriptions",
        COLLECTION,
        [
            {
                "id": OBJECT,
                "recipients": [USER, {"id": "isla-sorna", "collection": COLLECTION}],
                "properties": {"role": "owner"},
            }
        ],
    ),
    call("objects.bulk_delete_subscriptions", COLLECTION, [{"id": OBJECT, "recipients": [USER, OTHER_USER]}]),
    call("objects.get", COLLECTION, OBJECT),
    call("objects.set", COLLECTION, OBJECT, {"name": "Isla Nublar", "area_km2": 22, "status": "closed"}),
    call("objects.delete", COLLECTION, OBJECT),
    call("objects.list_preferences", COLLECTION, OBJECT),
    call("objects.get_preferences", COLLECTION, OBJECT, preference_set="default"),
    call("objects.set_preferences", COLLECTION, OBJECT, PREFERENCES, merge=False),
    call("objects.unset_preferences", COLLECTION, OBJECT, preference_set="default"),
    call(
        "objects.list_subscriptions",
        COLLECTION,
        OBJECT,
        mode="object",
        include=["preferences"],
        recipients=[USER, OBJECT_REF],
        page_size=10,
    ),
    call(
        "objects.add_subscriptions",
        COLLECTION,
        OBJECT,
        [USER, {"id": "agrant", "email": "agrant@ingen.net"}],
        properties={"role": "watcher"},
    ),
    call("objects.delete_subscriptions", COLLECTION, OBJECT, [USER, OBJECT_REF]),
    call("objects.list_schedules", COLLECTION, OBJECT, workflow=WORKFLOW, tenant=TENANT, page_size=5),
    call(
        "objects.list_messages",
        COLLECTION,
        OBJECT,
        status=["bounced"],
        engagement_status=["read"],
        trigger_data={"paddock": "rex"},
        inserted_at={"lte": UNTIL},
        page_size=10,
    ),
    helper(PREFERENCE_SET_OF_OBJECT, "objects.set_channel_types_preferences", COLLECTION, OBJECT, {"email": True}),
    helper(PREFERENCE_SET_OF_OBJECT, "objects.set_channel_type_preferences", COLLECTION, OBJECT, "sms", False),
    helper(
        PREFERENCE_SET_OF_OBJECT,
        "objects.set_workflows_preferences",
        COLLECTION,
        OBJECT,
        {WORKFLOW: {"channel_types": {"email": True}}},
    ),
    helper(PREFERENCE_SET_OF_OBJECT, "objects.set_workflow_preferences", COLLECTION, OBJECT, WORKFLOW, True),
    helper(PREFERENCE_SET_OF_OBJECT, "objects.set_categories_preferences", COLLECTION, OBJECT, {"marketing": True}),
    helper(PREFERENCE_SET_OF_OBJECT, "objects.set_category_preferences", COLLECTION, OBJECT, "marketing", False),
    # schedules
    call(
        "schedules.bulk_create",
        [
            {"workflow": WORKFLOW, "recipient": USER, "repeats": [REPEAT], "data": {"paddock": "rex"}},
            {"workflow": WORKFLOW, "recipient": OBJECT_REF, "scheduled_at": UNTIL, "tenant": TENANT},
        ],
    ),
    call("schedules.list", WORKFLOW, recipients=[USER, OBJECT_REF], tenant=TENANT, page_size=10),
    call(
        "schedules.create",
        WORKFLOW,
        recipients=[USER, OBJECT_REF],
        repeats=[REPEAT],
        scheduled_at=SINCE,
        ending_at=UNTIL,
        actor=OTHER_USER,
        data={"paddock": "rex"},
        tenant=TENANT,
    ),
    call("schedules.update", [SCHEDULE], repeats=[{"frequency": "daily", "hours": 8}], data={"paddock": "raptor"}),
    call("schedules.delete", [SCHEDULE]),
    # tenants
    call("tenants.list", tenant_id=TENANT, name="InGen", page_size=10),
    call("tenants.bulk_delete", [TENANT, "biosyn"]),
    call("tenants.bulk_set", [TENANT, {"id": "biosyn", "name": "BioSyn Genetics"}]),
    call("tenants.get", TENANT, resolve_full_preference_settings=True),
    call(
        "tenants.set",
        TENANT,
        {"name": "InGen", "hq": "Palo Alto"},
        settings={"branding": {"primary_color": "#DF1A22"}},
        resolve_full_preference_settings=False,
    ),
    call("tenants.delete", TENANT),
    # channels
    call(
        "channels.bulk_update_message_status",
        CHANNEL,
        "archive",
        archived="exclude",
        delivery_status="delivered",
        engagement_status="seen",
        has_tenant=True,
        newer_than=SINCE,
        older_than=UNTIL,
        recipient_ids=[USER],
        tenants=[TENANT],
        trigger_data={"paddock": "rex"},
        workflows=[WORKFLOW],
    ),
    # messages
    call(
        "messages.list",
        page_size=10,
        tenant=TENANT,
        channel_id=CHANNEL,
        status=["delivered", "undelivered"],
        engagement_status=["link_clicked"],
        message_ids=[MESSAGE],
        workflow_categories=["alerts"],
        source=WORKFLOW,
        workflow_run_id=RUN,
        trigger_data={"paddock": "rex"},
        inserted_at={"gt": SINCE, "lte": UNTIL},
    ),
    call("messages.batch_archive", [MESSAGE, MESSAGE_2]),
    call("messages.batch_get_content", [MESSAGE, MESSAGE_2]),
    call("messages.batch_mark_as_interacted", [MESSAGE], metadata={"action": "acknowledged"}),
    call("messages.batch_mark_as_read", [MESSAGE, MESSAGE_2]),
    call("messages.batch_mark_as_seen", [MESSAGE, MESSAGE_2]),
    call("messages.batch_unarchive", [MESSAGE]),
    call("messages.batch_mark_as_unread", [MESSAGE]),
    call("messages.batch_mark_as_unseen", [MESSAGE]),
    call("messages.get", MESSAGE),
    call("messages.list_activities", MESSAGE, trigger_data={"paddock": "rex"}, page_size=10),
    call("messages.archive", MESSAGE),
    call("messages.unarchive", MESSAGE),
    call("messages.get_content", MESSAGE),
    call("messages.list_delivery_logs", MESSAGE, after="cursor-1", page_size=5),
    call("messages.list_events", MESSAGE, before="cursor-2", page_size=5),
    call("messages.mark_as_interacted", MESSAGE, metadata={"action": "acknowledged"}),
    call("messages.mark_as_read", MESSAGE),
    call("messages.mark_as_unread", MESSAGE),
    call("messages.mark_as_seen", MESSAGE),
    call("messages.mark_as_unseen", MESSAGE),
    # bulk operations
    call("bulk_operations.get", BULK_OPERATION),
    Call(
        "bulk_operations.wait",
        (BULK_OPERATION,),
        {"timeout": 5.0, "interval": 0.01},
        operation=("GET", "/v1/bulk_operations/{id}"),
        respond={**harness.example_response("GET", "/v1/bulk_operations/{id}")[1], "status": "completed"},
    ),
    # audiences
    call("audiences.list_members", AUDIENCE),
    call(
        "audiences.add_members",
        AUDIENCE,
        [{"user": {"id": USER}, "tenant": TENANT}, {"user": {"id": "agrant", "email": "agrant@ingen.net"}}],
        create_audience=True,
    ),
    call("audiences.remove_members", AUDIENCE, [{"user": {"id": USER}, "tenant": TENANT}]),
    # providers
    call("providers.ms_teams.check_auth", CHANNEL, tenant=TENANT),
    call(
        "providers.ms_teams.list_channels",
        CHANNEL,
        team_id="team-id-1",
        ms_teams_tenant_object=TOKEN_HOLDER,
        filter="displayName eq 'Control Room'",
        select="id,displayName",
    ),
    call("providers.ms_teams.revoke_access", CHANNEL, tenant=TENANT),
    call(
        "providers.ms_teams.list_teams",
        CHANNEL,
        tenant=TENANT,
        filter="displayName eq 'Park Ops'",
        select="id,displayName",
        top=10,
        skip_token="token-for-next-page",
    ),
    call("providers.slack.check_auth", CHANNEL, tenant=TENANT),
    call(
        "providers.slack.list_channels",
        CHANNEL,
        access_token_object=TOKEN_HOLDER,
        cursor="dXNlcjpVMDYxTkZUVDI=",
        limit=100,
        exclude_archived=True,
        types="public_channel,private_channel",
        team_id="T01234567890",
    ),
    call("providers.slack.revoke_access", CHANNEL, tenant=TENANT),
    # integrations
    call("integrations.census_custom_destination", "sync.batch", {"records": [{"id": USER}]}, id="rpc-1"),
    call("integrations.hightouch_embedded_destination", "sync.batch", {"records": [{"id": USER}]}, id="rpc-1"),
    # top-level helpers
    helper(("GET", "/v1/users"), "paginate", "users.list", page_size=2),
]

#: Mapped functions that send no request.
NO_REQUEST = {"sign_user_token": "signs a JWT locally"}

#: The spec's response schema names whose knockkit model has another name.
MODEL_FOR_SCHEMA = {
    "TriggerWorkflowResponse": "TriggerResult",
    "WorkflowRecipientRunDetail": "WorkflowRecipientRun",
    "PreferenceCenterSignedUrlResponse": "PreferenceCenterUrl",
    "InAppFeedItem": "FeedItem",
    "UserInAppFeedSettingsResponse": "FeedSettings",
    "SetTenantResponse": "Tenant",
    "MessageContents": "MessageContent",
    "MessageDeliveryLog": "DeliveryLog",
    "MsTeamsAuthCheckResponse": "AuthCheck",
    "SlackAuthCheckResponse": "AuthCheck",
}

_RESULTS: dict[str, str] = {}


def expected_operation(item: Call) -> tuple[str, str]:
    if item.operation:
        return item.operation
    rows = [row for row in harness.canonical_rows() if row.function == item.function]
    assert len(rows) == 1, f"{item.function} is not a canonical function of the map"
    return rows[0].operation


def test_the_table_has_one_call_per_mapped_function() -> None:
    named = [item.function for item in CALLS]
    duplicates = [name for name, n in collections.Counter(named).items() if n > 1]
    assert not duplicates, f"more than one sample call for {duplicates}"
    missing = sorted(set(harness.mapped_functions()) - set(named) - set(NO_REQUEST))
    assert not missing, f"mapped functions without a sample call: {missing}"
    unknown = sorted(set(named) - set(harness.mapped_functions()))
    assert not unknown, f"sample calls for functions the map does not name: {unknown}"


def answer(item: Call, request: Request) -> Response:
    """The loopback Knock: the example response of the operation the request matches."""
    found = harness.find_operation(request.method, request.path)
    if found is None:
        body = {
            "code": "not_found",
            "message": "no such operation (contract server)",
            "status": 404,
            "type": "api_error",
        }
        return Response(harness.to_json(body), status=404, content_type="application/json")
    status, example = harness.example_response(request.method.upper(), found[0])
    if item.respond is not None:
        example = item.respond
    if example is None:
        return Response(status=status)
    return Response(harness.to_json(example), status=status, content_type="application/json")


def _run(item: Call, fn: Any, client: knockkit.Client) -> Any:
    if item.function == "paginate":
        listed, why = harness.resolve_function(item.args[0])
        assert listed is not None, why
        return collect(listed, client, *item.args[1:], **item.kwargs)
    return run_call(fn, client, *item.args, **item.kwargs)


@pytest.mark.parametrize("item", CALLS, ids=str)
def test_request_matches_the_spec(item: Call, httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    client = any_client
    fn, why = harness.resolve_function(item.function)
    if fn is None:
        pytest.skip(f"knockkit.{item.function} does not exist yet ({why}); test_coverage names it")
    httpserver.expect_request(re.compile("^/")).respond_with_handler(lambda request: answer(item, request))
    raised: BaseException | None = None
    result: Any = None
    try:
        result = _run(item, fn, client)
    except Exception as exc:
        raised = exc
    recorded = [request for request, _ in httpserver.log]
    assert recorded, f"knockkit.{item.function} sent no request" + (f" (it raised {raised!r})" if raised else "")

    method, template = expected_operation(item)
    problems = []
    for request in recorded:
        validation = harness.validate_request(request)
        if validation.operation != (method, template):
            validation.errors.insert(0, f"expected operation {method} {template}")
        problems.extend([validation.report()] if validation.errors else [])
        problems.extend(_path_id_problems(item, validation))
    _RESULTS[item.function] = "invalid" if problems else "valid"
    assert not problems, f"knockkit.{item.function} sent requests the spec rejects:\n" + "\n".join(problems)
    if raised is not None:
        raise raised
    _check_result(item, fn, template, result)


def _path_id_problems(item: Call, validation: harness.Validation) -> list[str]:
    """Ids go into the path in URL order (CONTRIBUTING: client, then path ids in URL order)."""
    if not validation.template or item.function == "paginate":
        return []
    names = re.findall(r"\{([^}]+)\}", validation.template)
    values = [validation.path_params.get(name) for name in names]
    leading = []
    for arg in item.args:
        if not isinstance(arg, str):
            break
        leading.append(arg)
    passed = [*item.args, *item.kwargs.values()]
    problems = []
    for name, value in zip(names, values, strict=True):
        if value not in passed and value != "default":
            problems.append(f"path parameter {name}={value!r} is none of the arguments given")
    in_path = [arg for arg in leading if arg in values]
    if in_path != [v for v in values if v in in_path]:
        problems.append(f"path ids {in_path} are not in URL order {dict(zip(names, values, strict=True))}")
    return problems


def _check_result(item: Call, fn: Any, template: str, result: Any) -> None:
    method = expected_operation(item)[0]
    if item.function == "paginate":
        _, example = harness.example_response(method, template)
        assert all(isinstance(u, models.User) for u in result) and len(result) == len(example["entries"])
        return
    returns = typing.get_type_hints(fn)["return"]
    kind, schema = harness.response_shape(method, template)
    _, example = harness.example_response(method, template)
    if item.respond is not None:
        example = item.respond
    origin = typing.get_origin(returns)
    model_name = MODEL_FOR_SCHEMA.get(schema or "", schema)
    expected_model = getattr(models, model_name, None) if model_name else None

    if returns is type(None):
        assert result is None
        # Only responses with nothing to read may be dropped: no content, or an acknowledgement.
        assert kind == "none" or (isinstance(example, dict) and set(example) <= {"ok", "status"}), (
            f"knockkit.{item.function} returns None but the response carries {example!r:.200}"
        )
    elif origin is models.Page:
        (item_type,) = typing.get_args(returns)
        assert isinstance(result, models.Page), f"expected a Page, got {type(result).__name__}"
        assert all(isinstance(entry, item_type) for entry in result.entries)
        lists = [v for v in example.values() if isinstance(v, list)]
        key_list = example.get("entries", example.get("items"))
        assert len(result.entries) == len(key_list if key_list is not None else lists[0])
        assert kind == "page" or (kind == "object" and len(lists) == 1), (kind, schema)
        if kind == "page" and expected_model is not None:
            assert item_type is expected_model, f"{item_type.__name__} for the spec's {schema}"
    elif origin is list:
        (item_type,) = typing.get_args(returns)
        assert kind == "list", f"returns a list but the spec's response is {kind} {schema}"
        assert isinstance(result, list) and len(result) == len(example)
        assert all(isinstance(entry, item_type) for entry in result)
        if expected_model is not None:
            assert item_type is expected_model, f"{item_type.__name__} for the spec's {schema}"
    elif origin is dict or returns is dict:
        assert kind == "object" and isinstance(result, dict) and result == example
    else:
        assert isinstance(returns, type) and issubclass(returns, models.Model), returns
        assert isinstance(result, returns), f"expected {returns.__name__}, got {type(result).__name__}"
        assert kind == "object", f"returns one {returns.__name__} but the spec's response is {kind} {schema}"
        if expected_model is not None:
            assert returns is expected_model, f"{returns.__name__} for the spec's {schema}"
    if isinstance(result, models.Model) or (isinstance(result, list) and result):
        _assert_json_like(models.unstructure(result))


def _assert_json_like(value: Any) -> None:
    if isinstance(value, Mapping):
        for v in value.values():
            _assert_json_like(v)
    elif isinstance(value, list):
        for v in value:
            _assert_json_like(v)
    else:
        assert value is None or isinstance(value, (str, int, float, bool)), type(value)


def test_a_wrong_path_fails_validation() -> None:
    """The validator is not vacuous: a typo'd path, an undeclared query parameter and a
    body that breaks its schema are all rejected."""
    from werkzeug.test import EnvironBuilder

    def build(method: str, path: str, query: str = "", body: Any = None) -> Request:
        builder = EnvironBuilder(method=method, path=path, query_string=query, json=body,
                                 headers={"Authorization": "Bearer sk_test"})  # fmt: skip
        return builder.get_request()

    assert harness.validate_request(build("GET", "/v1/object/projects/p1")).errors
    assert harness.validate_request(build("GET", "/v1/objects/projects/p1")).errors == []
    assert harness.validate_request(build("GET", "/v1/users", "page_sise=10")).errors
    assert harness.validate_request(build("GET", "/v1/users", "page_size=ten")).errors
    assert harness.validate_request(build("GET", "/v1/messages", "status=delivered")).errors  # not status[]
    assert harness.validate_request(build("GET", "/v1/messages", "inserted_at.gte=2026-01-01")).errors
    assert harness.validate_request(build("POST", "/v1/workflows/w/trigger", body={"recipient": [USER]})).errors
    typo = {"recipients": [USER], "cancelation_key": "k"}
    assert harness.validate_request(build("POST", "/v1/workflows/w/trigger", body=typo)).errors
    assert harness.validate_request(build("POST", "/v1/workflows/w/trigger", body={"recipients": [USER]})).errors == []
    assert harness.validate_request(build("PUT", "/v1/users/u", body=None)).errors  # body required
    assert harness.validate_request(build("GET", "/v1/users/u")).errors == []
    no_auth = EnvironBuilder(method="GET", path="/v1/users/u").get_request()
    assert harness.validate_request(no_auth).errors


def test_summary() -> None:
    """Runs last in this module: the figure for the terminal summary."""
    valid = sum(1 for v in _RESULTS.values() if v == "valid")
    harness.SUMMARY["requests"] = (
        f"requests: {valid} of {len(CALLS)} sample calls sent requests the spec accepts "
        f"({len(_RESULTS)} ran; {len(NO_REQUEST)} mapped function sends none: {', '.join(NO_REQUEST)})"
    )
