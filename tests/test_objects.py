"""knockkit.objects over real HTTP: paths, queries, bodies, limits and decoding."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import objects
from knockkit.models import (
    BulkOperation,
    ChannelData,
    ChannelTypePreferences,
    Message,
    Object,
    Page,
    PreferenceSet,
    PushChannelData,
    Schedule,
    ScheduleRepeat,
    Subscription,
    User,
)
from tests.wire import assert_headers, example, only

UTC = dt.timezone.utc
# A space and a non-ASCII letter check that ids are percent-encoded as one segment.
COLLECTION, COLLECTION_PATH = "dino assets", "dino%20assets"
OBJECT_ID, OBJECT_PATH = "specimen 25:β", "specimen%2025:%CE%B2"
BASE = f"/v1/objects/{COLLECTION_PATH}/{OBJECT_PATH}"
DECODED = f"/v1/objects/{COLLECTION}/{OBJECT_ID}"
CHANNEL_ID = "123e4567-e89b-12d3-a456-426614174000"
OP_ID = "123e4567-e89b-12d3-a456-426614174000"


def with_extra(body: dict[str, Any]) -> dict[str, Any]:
    """A spec example plus a key Knock may add later."""
    return {**body, "future_field": {"kept": True}}


def assert_object(obj: Object) -> None:
    assert isinstance(obj, Object)
    assert (obj.id, obj.collection, obj.typename) == ("specimen_25", "assets", "Object")
    assert obj.properties["config"] == {"biz": "baz", "foo": "bar"}
    assert obj.created_at is None
    assert obj.updated_at == dt.datetime(2024, 5, 22, 12, tzinfo=UTC)
    assert obj.extra == {"future_field": {"kept": True}}


def assert_bulk_operation(op: BulkOperation) -> None:
    assert isinstance(op, BulkOperation)
    assert (op.id, op.status, op.estimated_total_rows, op.error_items) == (OP_ID, "processing", 1000, [])
    assert op.inserted_at == dt.datetime(2024, 5, 22, 12, tzinfo=UTC)
    assert op.extra == {"future_field": {"kept": True}}


# --- objects ----------------------------------------------------------------------------


def test_list_sends_include_and_cursor(httpserver: HTTPServer, client: knockkit.Client) -> None:
    listed = example("ListObjectsResponse")
    listed["entries"][0]["future_field"] = {"kept": True}
    listed["page_info"]["after"] = "cursor-2"
    httpserver.expect_request(f"/v1/objects/{COLLECTION}", method="GET").respond_with_json(listed)

    page = objects.list(client, COLLECTION, include=["preferences"], after="cursor-1", page_size=25)

    request = only(httpserver)
    assert (request.method, request.path) == ("GET", f"/v1/objects/{COLLECTION_PATH}")
    assert request.query == [("include[]", "preferences"), ("after", "cursor-1"), ("page_size", "25")]
    assert_headers(request, body=False)
    assert isinstance(page, Page) and len(page) == 1
    assert_object(page.entries[0])
    assert page.page_info.page_size == 25
    assert page.next_params == {"after": "cursor-2"}


def test_get_encodes_the_ids(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(DECODED, method="GET").respond_with_json(with_extra(example("Object")))

    obj = objects.get(client, COLLECTION, OBJECT_ID)

    request = only(httpserver)
    assert (request.method, request.path, request.query) == ("GET", BASE, [])
    assert_headers(request, body=False)
    assert_object(obj)


def test_set_sends_the_properties_as_the_body(httpserver: HTTPServer, client: knockkit.Client) -> None:
    properties = {
        "name": "My product",
        "locale": "en-US",
        "price": 100,
        "channel_data": {CHANNEL_ID: {"tokens": ["push_token_123"]}},
        "preferences": {"default": {"channel_types": {"email": True}}},
    }
    httpserver.expect_request(DECODED, method="PUT").respond_with_json(with_extra(example("Object")))

    obj = objects.set(client, COLLECTION, OBJECT_ID, properties)

    request = only(httpserver)
    assert (request.method, request.path) == ("PUT", BASE)
    assert_headers(request, body=True)
    assert request.body == properties
    assert_object(obj)


def test_set_without_properties_sends_an_empty_object(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(DECODED, method="PUT").respond_with_json(example("Object"))
    objects.set(client, COLLECTION, OBJECT_ID)
    assert only(httpserver).body == {}


def test_delete(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(DECODED, method="DELETE").respond_with_data("", status=204)

    assert objects.delete(client, COLLECTION, OBJECT_ID) is None

    request = only(httpserver)
    assert (request.method, request.path, request.body) == ("DELETE", BASE, None)
    assert_headers(request, body=False)


# --- bulk jobs -------------------------------------------------------------------------


BULK_CASES: list[tuple[str, Callable[..., BulkOperation], Any, dict[str, Any]]] = [
    (
        "set",
        objects.bulk_set,
        [{"id": "project_1", "name": "My project"}],
        {"objects": [{"id": "project_1", "name": "My project"}]},
    ),
    ("delete", objects.bulk_delete, ["obj_123", "obj_456"], {"object_ids": ["obj_123", "obj_456"]}),
    (
        "subscriptions/add",
        objects.bulk_add_subscriptions,
        [{"id": "project-1", "properties": None, "recipients": [{"id": "user_1"}, "user_2"]}],
        {"subscriptions": [{"id": "project-1", "properties": None, "recipients": [{"id": "user_1"}, "user_2"]}]},
    ),
    (
        "subscriptions/delete",
        objects.bulk_delete_subscriptions,
        [{"id": "object-1", "recipients": [{"collection": "projects", "id": "project-1"}, "user-1"]}],
        {
            "subscriptions": [
                {"id": "object-1", "recipients": [{"collection": "projects", "id": "project-1"}, "user-1"]}
            ]
        },
    ),
]


@pytest.mark.parametrize(("action", "fn", "items", "body"), BULK_CASES, ids=[case[0] for case in BULK_CASES])
def test_bulk_jobs_post_their_items_and_return_the_operation(
    httpserver: HTTPServer,
    client: knockkit.Client,
    action: str,
    fn: Callable[..., BulkOperation],
    items: Any,
    body: dict[str, Any],
) -> None:
    path = f"/v1/objects/{COLLECTION}/bulk/{action}"
    httpserver.expect_request(path, method="POST").respond_with_json(with_extra(example("BulkOperation")))

    op = fn(client, COLLECTION, items)

    request = only(httpserver)
    assert (request.method, request.path, request.query) == ("POST", f"/v1/objects/{COLLECTION_PATH}/bulk/{action}", [])
    assert_headers(request, body=True)
    assert request.body == body
    assert_bulk_operation(op)


def test_bulk_job_posts_are_not_retried_after_reaching_knock(httpserver: HTTPServer, client: knockkit.Client) -> None:
    # Starting the same job twice would do the work twice: a 503 is reported, not retried.
    httpserver.expect_request("/v1/objects/projects/bulk/delete", method="POST").respond_with_json(
        {"code": "unavailable", "message": "try later", "status": 503, "type": "api_error"}, status=503
    )
    with pytest.raises(knockkit.ServerError):
        objects.bulk_delete(client, "projects", ["p1"])
    assert len(httpserver.log) == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: objects.bulk_set(c, "projects", [{"id": f"p{i}"} for i in range(1001)]), "objects has 1001 items"),
        (lambda c: objects.bulk_delete(c, "projects", [f"p{i}" for i in range(1001)]), "object_ids has 1001 items"),
        (
            lambda c: objects.bulk_add_subscriptions(c, "projects", [{"id": "p", "recipients": ["u"]}] * 1001),
            "subscriptions has 1001 items",
        ),
        (
            lambda c: objects.bulk_delete_subscriptions(c, "projects", [{"id": "p", "recipients": ["u"]}] * 1001),
            "subscriptions has 1001 items",
        ),
    ],
    ids=["bulk_set", "bulk_delete", "bulk_add_subscriptions", "bulk_delete_subscriptions"],
)
def test_bulk_limit_is_checked_before_sending(
    httpserver: HTTPServer, client: knockkit.Client, call: Callable[[knockkit.Client], Any], message: str
) -> None:
    with pytest.raises(ValueError, match=rf"{message}; Knock accepts at most 1000 per request"):
        call(client)
    assert httpserver.log == []


def test_bulk_add_subscriptions_limits_recipients_per_object(httpserver: HTTPServer, client: knockkit.Client) -> None:
    groups = [{"id": "p1", "recipients": ["u"]}, {"id": "p2", "recipients": [f"u{i}" for i in range(101)]}]
    with pytest.raises(
        ValueError, match=r"subscriptions\[1\]\['recipients'\] has 101 items; Knock accepts at most 100"
    ):
        objects.bulk_add_subscriptions(client, "projects", groups)
    assert httpserver.log == []


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda c: objects.bulk_set(c, "projects", []), ValueError, "objects needs at least 1"),
        (lambda c: objects.bulk_set(c, "projects", [{"name": "no id"}]), ValueError, r"objects\[0\] must be"),
        (lambda c: objects.bulk_delete(c, "projects", "p1"), TypeError, "object_ids must be a list"),
        (lambda c: objects.bulk_delete(c, "projects", [1]), TypeError, r"object_ids\[0\] must be a string"),
        (
            lambda c: objects.bulk_add_subscriptions(c, "projects", [{"recipients": ["u"]}]),
            ValueError,
            r"subscriptions\[0\] must be a mapping with a non-empty string 'id'",
        ),
        (
            lambda c: objects.bulk_delete_subscriptions(c, "projects", [{"id": "p", "recipients": [{"id": "x"}]}]),
            ValueError,
            "object reference with 'id' and 'collection'",
        ),
    ],
)
def test_bulk_items_are_validated_before_sending(
    httpserver: HTTPServer,
    client: knockkit.Client,
    call: Callable[[knockkit.Client], Any],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        call(client)
    assert httpserver.log == []


# --- preferences -------------------------------------------------------------------------


def preference_set(id: str = "default") -> dict[str, Any]:
    return with_extra({**example("PreferenceSet"), "__typename": "PreferenceSet", "id": id})


def assert_preference_set(prefs: PreferenceSet, id: str = "default") -> None:
    assert isinstance(prefs, PreferenceSet)
    assert prefs.id == id
    assert prefs.categories is not None and prefs.categories["marketing"] is False
    assert isinstance(prefs.channel_types, ChannelTypePreferences) and prefs.channel_types.email is True
    assert prefs.commercial_subscribed is True
    assert prefs.extra == {"future_field": {"kept": True}}


def test_list_preferences_returns_every_set(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"{DECODED}/preferences", method="GET").respond_with_json(
        [preference_set(), preference_set("tenant-a")]
    )

    sets = objects.list_preferences(client, COLLECTION, OBJECT_ID)

    request = only(httpserver)
    assert (request.method, request.path, request.query) == ("GET", f"{BASE}/preferences", [])
    assert_headers(request, body=False)
    assert [p.id for p in sets] == ["default", "tenant-a"]
    assert_preference_set(sets[0])


def test_get_preferences_defaults_to_the_default_set(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"{DECODED}/preferences/default", method="GET").respond_with_json(preference_set())
    httpserver.expect_request(f"{DECODED}/preferences/tenant a", method="GET").respond_with_json(
        preference_set("tenant a")
    )

    assert_preference_set(objects.get_preferences(client, COLLECTION, OBJECT_ID))
    assert_preference_set(objects.get_preferences(client, COLLECTION, OBJECT_ID, preference_set="tenant a"), "tenant a")

    paths = [entry[0].environ["RAW_URI"] for entry in httpserver.log]
    assert paths == [f"{BASE}/preferences/default", f"{BASE}/preferences/tenant%20a"]


def test_set_preferences_replaces_or_merges(httpserver: HTTPServer, client: knockkit.Client) -> None:
    prefs = {"channel_types": {"email": True}, "workflows": {"dinosaurs-loose": {"channel_types": {"email": False}}}}
    httpserver.expect_request(f"{DECODED}/preferences/default", method="PUT").respond_with_json(preference_set())

    assert_preference_set(objects.set_preferences(client, COLLECTION, OBJECT_ID, prefs))
    objects.set_preferences(client, COLLECTION, OBJECT_ID, prefs, merge=True)

    replaced, merged = (entry[0] for entry in httpserver.log)
    assert (replaced.method, replaced.environ["RAW_URI"]) == ("PUT", f"{BASE}/preferences/default")
    assert replaced.get_json() == prefs
    assert merged.get_json() == {**prefs, "__persistence_strategy__": "merge"}


def test_set_preferences_rejects_unknown_keys(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(ValueError, match=r"preferences has unknown key\(s\) \['email'\]"):
        objects.set_preferences(client, COLLECTION, OBJECT_ID, {"email": True})
    assert httpserver.log == []


def test_unset_preferences(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"{DECODED}/preferences/marketing", method="DELETE").respond_with_data("", status=204)

    assert objects.unset_preferences(client, COLLECTION, OBJECT_ID, preference_set="marketing") is None

    request = only(httpserver)
    assert (request.method, request.path, request.body) == ("DELETE", f"{BASE}/preferences/marketing", None)
    assert_headers(request, body=False)


GRANULAR: list[tuple[Callable[..., PreferenceSet], tuple[Any, ...], dict[str, Any]]] = [
    (
        objects.set_channel_types_preferences,
        ({"email": True, "sms": False},),
        {"channel_types": {"email": True, "sms": False}},
    ),
    (objects.set_channel_type_preferences, ("email", False), {"channel_types": {"email": False}}),
    (
        objects.set_workflows_preferences,
        ({"dinosaurs-loose": {"channel_types": {"email": True}}},),
        {"workflows": {"dinosaurs-loose": {"channel_types": {"email": True}}}},
    ),
    (objects.set_workflow_preferences, ("dinosaurs-loose", True), {"workflows": {"dinosaurs-loose": True}}),
    (objects.set_categories_preferences, ({"marketing": False},), {"categories": {"marketing": False}}),
    (
        objects.set_category_preferences,
        ("transactional", {"channel_types": {"email": False}}),
        {"categories": {"transactional": {"channel_types": {"email": False}}}},
    ),
]


@pytest.mark.parametrize(("fn", "args", "body"), GRANULAR, ids=[case[0].__name__ for case in GRANULAR])
def test_granular_preference_helpers_merge_into_the_set(
    httpserver: HTTPServer,
    client: knockkit.Client,
    fn: Callable[..., PreferenceSet],
    args: tuple[Any, ...],
    body: dict[str, Any],
) -> None:
    # Never the deprecated per-key endpoints: the set's PUT with the merge strategy.
    httpserver.expect_request(f"{DECODED}/preferences/tenant-a", method="PUT").respond_with_json(
        preference_set("tenant-a")
    )

    prefs = fn(client, COLLECTION, OBJECT_ID, *args, preference_set="tenant-a")

    request = only(httpserver)
    assert (request.method, request.path, request.query) == ("PUT", f"{BASE}/preferences/tenant-a", [])
    assert_headers(request, body=True)
    assert request.body == {**body, "__persistence_strategy__": "merge"}
    assert_preference_set(prefs, "tenant-a")


def test_granular_setting_must_be_a_bool_or_mapping(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(TypeError, match="setting must be True, False or a mapping"):
        objects.set_workflow_preferences(client, COLLECTION, OBJECT_ID, "dinosaurs-loose", "yes")  # type: ignore[arg-type]
    assert httpserver.log == []


# --- channel data ------------------------------------------------------------------------

CHANNEL_DATA_PATH = f"{BASE}/channel_data/{CHANNEL_ID}"


def assert_channel_data(data: ChannelData) -> None:
    assert isinstance(data, ChannelData)
    assert (data.channel_id, data.typename) == (CHANNEL_ID, "ChannelData")
    assert isinstance(data.data, PushChannelData) and data.data.tokens == ["push_token_1"]
    assert data.extra == {"future_field": {"kept": True}}


def test_get_channel_data(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"{DECODED}/channel_data/{CHANNEL_ID}", method="GET").respond_with_json(
        with_extra(example("ChannelData"))
    )

    data = objects.get_channel_data(client, COLLECTION, OBJECT_ID, CHANNEL_ID)

    request = only(httpserver)
    assert (request.method, request.path, request.query) == ("GET", CHANNEL_DATA_PATH, [])
    assert_headers(request, body=False)
    assert_channel_data(data)


def test_set_channel_data_wraps_the_data(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"{DECODED}/channel_data/{CHANNEL_ID}", method="PUT").respond_with_json(
        with_extra(example("ChannelData"))
    )

    data = objects.set_channel_data(client, COLLECTION, OBJECT_ID, CHANNEL_ID, {"tokens": ["push_token_1"]})

    request = only(httpserver)
    assert (request.method, request.path) == ("PUT", CHANNEL_DATA_PATH)
    assert_headers(request, body=True)
    assert request.body == {"data": {"tokens": ["push_token_1"]}}
    assert_channel_data(data)


def test_unset_channel_data(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"{DECODED}/channel_data/{CHANNEL_ID}", method="DELETE").respond_with_data("", status=204)

    assert objects.unset_channel_data(client, COLLECTION, OBJECT_ID, CHANNEL_ID) is None

    request = only(httpserver)
    assert (request.method, request.path, request.body) == ("DELETE", CHANNEL_DATA_PATH, None)
    assert_headers(request, body=False)


# --- subscriptions -----------------------------------------------------------------------


def subscription() -> dict[str, Any]:
    return with_extra(example("Subscription"))


def assert_subscription(sub: Subscription) -> None:
    assert isinstance(sub, Subscription)
    assert sub.typename == "Subscription"
    assert isinstance(sub.object, Object) and sub.object.id == "specimen_25"
    assert sub.object.properties["name"] == "Velociraptor"
    assert isinstance(sub.recipient, User) and sub.recipient.id == "jane"
    assert sub.inserted_at == dt.datetime(2021, 1, 1, tzinfo=UTC)
    assert sub.extra == {"future_field": {"kept": True}}


def test_list_subscriptions_sends_every_filter(httpserver: HTTPServer, client: knockkit.Client) -> None:
    listed = {"entries": [subscription()], "page_info": {"__typename": "PageInfo", "after": None, "page_size": 10}}
    httpserver.expect_request(f"{DECODED}/subscriptions", method="GET").respond_with_json(listed)

    page = objects.list_subscriptions(
        client,
        COLLECTION,
        OBJECT_ID,
        mode="recipient",
        include=["preferences"],
        recipients=["jane", {"id": "project-1", "collection": "projects"}],
        objects=[{"id": "specimen_25", "collection": "assets"}],
        before="cursor-0",
        page_size=10,
    )

    request = only(httpserver)
    assert (request.method, request.path) == ("GET", f"{BASE}/subscriptions")
    assert request.query == [
        ("mode", "recipient"),
        ("include[]", "preferences"),
        # a list mixing ids and references goes fully indexed, never as recipients[]= and [1][id]= at once
        ("recipients[0]", "jane"),
        ("recipients[1][id]", "project-1"),
        ("recipients[1][collection]", "projects"),
        ("objects[0][id]", "specimen_25"),
        ("objects[0][collection]", "assets"),
        ("before", "cursor-0"),
        ("page_size", "10"),
    ]
    assert_headers(request, body=False)
    assert len(page) == 1 and page.next_params is None
    assert_subscription(page[0])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"mode": "everyone"}, ValueError, "mode must be one of recipient, object"),
        ({"objects": ["specimen_25"]}, TypeError, r"objects\[0\] must be a mapping"),
        ({"objects": [{"id": "specimen_25"}]}, ValueError, r"objects\[0\] must be a user id or an object reference"),
        ({"recipients": [""]}, ValueError, r"recipients\[0\] must not be an empty id"),
        ({"page_size": 51}, ValueError, "page_size must be a whole number from 1 to 50"),
    ],
)
def test_list_subscriptions_checks_filters(
    httpserver: HTTPServer, client: knockkit.Client, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        objects.list_subscriptions(client, COLLECTION, OBJECT_ID, **kwargs)
    assert httpserver.log == []


def test_add_subscriptions_upserts_recipients(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"{DECODED}/subscriptions", method="POST").respond_with_json([subscription()])
    recipients = ["user_1", {"id": "user_2", "email": "user_2@ingen.net"}, {"id": "p1", "collection": "projects"}]

    subs = objects.add_subscriptions(client, COLLECTION, OBJECT_ID, recipients, properties={"role": "owner"})

    request = only(httpserver)
    assert (request.method, request.path, request.query) == ("POST", f"{BASE}/subscriptions", [])
    assert_headers(request, body=True)
    assert request.body == {"recipients": recipients, "properties": {"role": "owner"}}
    assert len(subs) == 1
    assert_subscription(subs[0])


def test_add_subscriptions_is_retried_because_it_is_an_upsert(httpserver: HTTPServer, client: knockkit.Client) -> None:
    path = f"{DECODED}/subscriptions"
    httpserver.expect_oneshot_request(path, method="POST").respond_with_json({"message": "busy"}, status=503)
    httpserver.expect_oneshot_request(path, method="POST").respond_with_json([subscription()])

    subs = objects.add_subscriptions(client, COLLECTION, OBJECT_ID, ["user_1"])

    assert len(httpserver.log) == 2
    assert [entry[0].get_json() for entry in httpserver.log] == [{"recipients": ["user_1"]}] * 2
    assert_subscription(subs[0])


def test_add_subscriptions_limits_recipients(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(ValueError, match="recipients has 101 items; Knock accepts at most 100 per request"):
        objects.add_subscriptions(client, COLLECTION, OBJECT_ID, [f"u{i}" for i in range(101)])
    with pytest.raises(ValueError, match="recipients needs at least 1"):
        objects.add_subscriptions(client, COLLECTION, OBJECT_ID, [])
    with pytest.raises(TypeError, match="properties must be a mapping"):
        objects.add_subscriptions(client, COLLECTION, OBJECT_ID, ["u"], properties=["x"])  # type: ignore[arg-type]
    assert httpserver.log == []


def test_delete_subscriptions_sends_references_in_the_body(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"{DECODED}/subscriptions", method="DELETE").respond_with_json([subscription()])
    recipients = ["user_123", {"id": "p1", "collection": "projects"}]

    subs = objects.delete_subscriptions(client, COLLECTION, OBJECT_ID, recipients)

    request = only(httpserver)
    assert (request.method, request.path) == ("DELETE", f"{BASE}/subscriptions")
    assert_headers(request, body=True)
    assert request.body == {"recipients": recipients}
    assert_subscription(subs[0])


# --- messages and schedules ----------------------------------------------------------------


def test_list_messages_sends_the_message_filters(httpserver: HTTPServer, client: knockkit.Client) -> None:
    listed = example("ListMessagesResponse")
    listed["items"][0]["future_field"] = {"kept": True}
    listed["page_info"]["after"] = "cursor-2"
    httpserver.expect_request(f"{DECODED}/messages", method="GET").respond_with_json(listed)

    page = objects.list_messages(
        client,
        COLLECTION,
        OBJECT_ID,
        page_size=5,
        tenant="ingen",
        channel_id=CHANNEL_ID,
        status=["delivered"],
        engagement_status=["unread", "unseen"],
        source="dinosaurs-loose",
        trigger_data={"attraction_id": "paddock_rex_01"},
        inserted_at={"gte": dt.datetime(2025, 1, 1, tzinfo=UTC)},
    )

    request = only(httpserver)
    assert (request.method, request.path) == ("GET", f"{BASE}/messages")
    assert request.query == [
        ("page_size", "5"),
        ("tenant", "ingen"),
        ("channel_id", CHANNEL_ID),
        ("status[]", "delivered"),
        ("engagement_status[]", "unread"),
        ("engagement_status[]", "unseen"),
        ("source", "dinosaurs-loose"),
        ("trigger_data", '{"attraction_id":"paddock_rex_01"}'),
        ("inserted_at[gte]", "2025-01-01T00:00:00Z"),
    ]
    assert_headers(request, body=False)
    message = page[0]
    assert isinstance(message, Message)
    assert message.id == listed["items"][0]["id"]
    assert message.extra == {"future_field": {"kept": True}}
    assert page.next_params == {"after": "cursor-2"}


def test_list_schedules(httpserver: HTTPServer, client: knockkit.Client) -> None:
    listed = example("ListSchedulesResponse")
    listed["entries"][0]["future_field"] = {"kept": True}
    httpserver.expect_request(f"{DECODED}/schedules", method="GET").respond_with_json(listed)

    page = objects.list_schedules(client, COLLECTION, OBJECT_ID, workflow="digest", tenant="ingen", after="c1")

    request = only(httpserver)
    assert (request.method, request.path) == ("GET", f"{BASE}/schedules")
    assert request.query == [("workflow", "digest"), ("tenant", "ingen"), ("after", "c1")]
    assert_headers(request, body=False)
    schedule = page[0]
    assert isinstance(schedule, Schedule)
    assert (schedule.id, schedule.workflow) == ("123e4567-e89b-12d3-a456-426614174000", "workflow_123")
    assert schedule.repeats is not None and isinstance(schedule.repeats[0], ScheduleRepeat)
    assert schedule.repeats[0].frequency == "daily"
    assert schedule.extra == {"future_field": {"kept": True}}


@pytest.mark.parametrize("bad_id", ["", "..", "a/b"])
def test_bad_ids_are_rejected_before_sending(httpserver: HTTPServer, client: knockkit.Client, bad_id: str) -> None:
    with pytest.raises(ValueError, match="object_id"):
        objects.get_channel_data(client, COLLECTION, bad_id, CHANNEL_ID)
    assert httpserver.log == []


def test_list_subscriptions_sends_plain_ids_in_bracket_form(httpserver: HTTPServer, client: knockkit.Client) -> None:
    listed = {"entries": [], "page_info": {"__typename": "PageInfo", "after": None, "page_size": 50}}
    httpserver.expect_request(f"{DECODED}/subscriptions", method="GET").respond_with_json(listed)

    page = objects.list_subscriptions(client, COLLECTION, OBJECT_ID, recipients=["jane", "john"])

    assert only(httpserver).query == [("recipients[]", "jane"), ("recipients[]", "john")]
    assert page.entries == []
