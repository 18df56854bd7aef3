"""Wire tests for every function in knockkit.users.

Each test serves the spec's response example from a loopback server, calls one function,
and asserts the request as it went on the wire (method, raw path and query, headers, JSON
body) and the value returned.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import users
from knockkit.models import (
    BulkOperation,
    ChannelData,
    ChannelTypePreferences,
    Condition,
    ConditionalSetting,
    Message,
    MessageSource,
    Object,
    Page,
    PageInfo,
    PreferenceCenterUrl,
    PreferenceSet,
    PushChannelData,
    PushDevice,
    RecipientSnapshot,
    Schedule,
    ScheduleRepeat,
    Subscription,
    User,
    WorkflowPreference,
)
from tests.conftest import TEST_KEY, raw_path

UTC = dt.timezone.utc
CHANNEL_ID = "123e4567-e89b-12d3-a456-426614174000"

# --- response bodies: the examples of knock-openapi.yml ---------------------------------

USER = {
    "__typename": "User",
    "created_at": None,
    "email": "ian.malcolm@chaos.theory",
    "id": "user_id",
    "name": "Dr. Ian Malcolm",
    "updated_at": "2024-05-22T12:00:00Z",
}
PAGE_INFO = {"__typename": "PageInfo", "after": None, "before": None, "page_size": 25}
BULK_OPERATION = {
    "__typename": "BulkOperation",
    "completed_at": None,
    "error_count": 0,
    "error_items": [],
    "estimated_total_rows": 1000,
    "failed_at": None,
    "id": "123e4567-e89b-12d3-a456-426614174000",
    "inserted_at": "2024-05-22T12:00:00Z",
    "name": "Bulk operation name",
    "processed_rows": 0,
    "progress_path": "https://api.switchboard.com/v1/bulk_operations/123e4567-e89b-12d3-a456-426614174000",
    "started_at": None,
    "status": "processing",
    "success_count": 0,
    "updated_at": "2024-05-22T12:00:00Z",
}
PREFERENCE_SET = {
    "categories": {"marketing": False, "transactional": {"channel_types": {"email": False}}},
    "channel_types": {
        "email": True,
        "push": False,
        "sms": {"conditions": [{"argument": "US", "operator": "equal_to", "variable": "recipient.country_code"}]},
    },
    "commercial_subscribed": True,
    "id": "default",
    "workflows": None,
}
PREFERENCE_CENTER_CONFIG = {
    "account_name": "Acme Inc.",
    "branding": {
        "dark": {
            "icon_url": "https://example.com/icon-dark.png",
            "logo_url": "https://example.com/logo-dark.png",
            "primary_color": "#C02727",
            "primary_color_contrast": "#11E2EC",
        },
        "icon_url": "https://example.com/icon.png",
        "logo_url": "https://example.com/logo.png",
        "primary_color": "#0EA5E9",
        "primary_color_contrast": "#0F172A",
    },
    "config": {
        "body": "Choose which notifications you want to receive.",
        "rows": [
            {
                "channel_types": [],
                "description": "Opt out of receiving comment and reply notifications",
                "identifier": "comments",
                "name": "Comments and replies",
                "type": "category",
            },
            {
                "channel_types": ["email", "sms"],
                "description": "Receive notifications from the following channel types",
                "name": "Channel Types",
                "type": "channel_types",
            },
        ],
        "show_account_name": True,
        "title": "Notification preferences",
    },
    "enabled": True,
    "knock_branding_required": False,
    "user_email": "user@example.com",
}
#: PREFERENCE_SET as decoded: typed at every depth.
DECODED_PREFERENCES = PreferenceSet(
    id="default",
    categories={
        "marketing": False,
        "transactional": WorkflowPreference(channel_types=ChannelTypePreferences(email=False)),
    },
    channel_types=ChannelTypePreferences(
        email=True,
        push=False,
        sms=ConditionalSetting(
            conditions=[Condition(variable="recipient.country_code", operator="equal_to", argument="US")]
        ),
    ),
    commercial_subscribed=True,
)
SIGNED_URL = {"token": "eyJhbGciOiJIUzI1NiJ9...", "url": "https://p.knock.app/p/eyJhbGciOiJIUzI1NiJ9..."}
CHANNEL_DATA = {
    "__typename": "ChannelData",
    "channel_id": CHANNEL_ID,
    "data": {"devices": [{"locale": None, "timezone": None, "token": "device_1"}], "tokens": ["push_token_1"]},
}
RECIPIENT_JANE = {
    "__typename": "User",
    "avatar": None,
    "created_at": None,
    "email": "jane@ingen.net",
    "id": "jane",
    "name": "Jane Doe",
    "phone_number": None,
    "timezone": None,
    "updated_at": "2024-05-22T12:00:00Z",
}
SUBSCRIPTION = {
    "__typename": "Subscription",
    "inserted_at": "2021-01-01T00:00:00Z",
    "object": {
        "__typename": "Object",
        "collection": "assets",
        "created_at": None,
        "id": "specimen_25",
        "properties": {
            "classification": "Theropod",
            "config": {"biz": "baz", "foo": "bar"},
            "name": "Velociraptor",
            "status": "contained",
        },
        "updated_at": "2024-05-22T12:00:00Z",
    },
    "recipient": RECIPIENT_JANE,
    "updated_at": "2021-01-01T00:00:00Z",
}
SCHEDULE = {
    "__typename": "Schedule",
    "actor": None,
    "data": None,
    "id": "123e4567-e89b-12d3-a456-426614174000",
    "inserted_at": "2021-01-01T00:00:00Z",
    "last_occurrence_at": None,
    "next_occurrence_at": None,
    "recipient": RECIPIENT_JANE,
    "repeats": [
        {
            "__typename": "ScheduleRepeat",
            "day_of_month": None,
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "frequency": "daily",
            "hours": None,
            "interval": 1,
            "minutes": None,
        }
    ],
    "tenant": None,
    "updated_at": "2021-01-01T00:00:00Z",
    "workflow": "workflow_123",
}
MESSAGE = {
    "__typename": "Message",
    "actors": ["mr_arnold", "mr_muldoon"],
    "archived_at": None,
    "channel_id": "123e4567-e89b-12d3-a456-426614174000",
    "clicked_at": None,
    "data": {
        "affected_areas": ["visitor_center", "raptor_pen", "trex_paddock"],
        "attraction_id": "paddock_rex_01",
        "evacuation_protocol": "active",
        "message": "Life finds a way",
        "severity": "critical",
        "system_status": "fences_failing",
    },
    "engagement_statuses": ["read", "seen"],
    "id": "2w3YUpTTOxuDvZFji8OMsKrG176",
    "inserted_at": "1993-06-11T21:15:00Z",
    "interacted_at": None,
    "link_clicked_at": None,
    "metadata": {"external_id": "123e4567-e89b-12d3-a456-426614174000"},
    "read_at": "1993-06-11T21:30:00Z",
    "recipient": "dr_grant",
    "recipient_snapshot": {"email": "user@example.com", "name": "John Doe"},
    "scheduled_at": None,
    "seen_at": "1993-06-11T21:29:45Z",
    "source": {
        "__typename": "NotificationSource",
        "categories": ["security", "emergency"],
        "key": "security-breach-alert",
        "step_ref": "alert_step_1",
        "version_id": "123e4567-e89b-12d3-a456-426614174000",
        "workflow_recipient_run_id": "def01234-a56b-78c9-d012-345678901bcd",
        "workflow_run_id": "789e0123-f45a-67b8-c901-234567890abc",
    },
    "status": "sent",
    "tenant": "ingen_isla_nublar",
    "updated_at": "1993-06-11T21:30:05Z",
    "workflow": "security-breach-alert",
}
# The request example of PUT /v1/users/{user_id}/preferences/{id}, without the strategy.
PREFERENCES = {
    "categories": {"marketing": False, "transactional": {"channel_types": {"email": False}}},
    "channel_types": {"email": True},
    "channels": {
        "2f641633-95d3-4555-9222-9f1eb7888a80": {
            "conditions": [{"argument": "US", "operator": "equal_to", "variable": "recipient.country_code"}]
        },
        "aef6e715-df82-4ab6-b61e-b743e249f7b6": True,
    },
    "commercial_subscribed": True,
    "workflows": {"dinosaurs-loose": {"channel_types": {"email": False}}},
}

# --- helpers -----------------------------------------------------------------------------

NO_BODY = object()


def respond(
    httpserver: HTTPServer, method: str, path: str, body: Any = None, *, query: dict[str, str] | None = None
) -> None:
    """Serve one response at the (decoded) path: ``body`` as JSON, or 204 when it is None."""
    handler = httpserver.expect_oneshot_request(path, method=method, query_string=query)
    if body is None:
        handler.respond_with_data("", status=204)
    else:
        handler.respond_with_json(body)


def assert_same_json(actual: Any, expected: Any) -> None:
    """Equal as JSON, types included (``true`` is not ``1``)."""
    assert actual == expected
    assert json.dumps(actual, sort_keys=True) == json.dumps(expected, sort_keys=True)


def sent_target(httpserver: HTTPServer, index: int = -1) -> str:
    """The request target as sent, except that brackets in query *names* read as brackets.

    urllib3 percent-encodes "[" and "]" anywhere in a query (RFC 3986 does not allow them
    raw) and servers decode them back, so ``include%5B%5D`` is the parameter ``include[]``.
    The path, the values and every other character are compared exactly as sent.
    """
    path, question, query = raw_path(httpserver, index).partition("?")
    pairs = []
    for pair in query.split("&") if query else []:
        name, equals, value = pair.partition("=")
        pairs.append(name.replace("%5B", "[").replace("%5D", "]") + equals + value)
    return path + question + "&".join(pairs)


def check_request(
    httpserver: HTTPServer, method: str, target: str, body: Any = NO_BODY, *, branch: str | None = None
) -> Any:
    """Assert the only request the server got: method, raw path and query, headers and JSON body."""
    assert len(httpserver.log) == 1, [r.path for r, _ in httpserver.log]
    request = httpserver.log[0][0]
    assert request.method == method
    assert sent_target(httpserver) == target
    assert request.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert request.headers["User-Agent"].startswith("knockkit/")
    assert request.headers["Accept"] == "application/json"
    assert request.headers.get("X-Knock-Branch") == branch
    assert request.headers.get("Idempotency-Key") is None
    if body is NO_BODY:
        assert request.headers.get("Content-Type") is None
        assert request.get_data() == b""
    else:
        assert request.headers["Content-Type"] == "application/json"
        assert_same_json(json.loads(request.get_data()), body)
    return request


def assert_nothing_sent(httpserver: HTTPServer) -> None:
    assert httpserver.log == []


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def assert_aware_utc(value: dt.datetime | None) -> None:
    assert isinstance(value, dt.datetime)
    assert value.utcoffset() == dt.timedelta(0)


# --- identify, read, delete, merge --------------------------------------------------------


def test_list_sends_include_and_cursors_and_returns_a_page(httpserver: HTTPServer, client: knockkit.Client) -> None:
    body = {"entries": [USER], "page_info": {**PAGE_INFO, "after": "cursor_2", "before": "cursor_0"}}
    respond(httpserver, "GET", "/v1/users", body)

    page = users.list(client, include=["preferences"], after="cursor_1", before="cursor_9", page_size=25)

    check_request(httpserver, "GET", "/v1/users?include[]=preferences&after=cursor_1&before=cursor_9&page_size=25")
    assert isinstance(page, Page)
    assert page.entries == [
        User(
            id="user_id",
            name="Dr. Ian Malcolm",
            email="ian.malcolm@chaos.theory",
            created_at=None,
            updated_at=utc(2024, 5, 22, 12),
            typename="User",
        )
    ]
    assert_aware_utc(page.entries[0].updated_at)
    assert page.page_info == PageInfo(after="cursor_2", before="cursor_0", page_size=25, typename="PageInfo")
    assert page.next_params == {"after": "cursor_2"}
    assert page.has_next
    assert list(page) == page.entries
    assert len(page) == 1
    assert page[0].id == "user_id"


def test_list_query_brackets_go_on_the_wire_percent_encoded(httpserver: HTTPServer, client: knockkit.Client) -> None:
    # Bracket form, with the brackets percent-encoded as RFC 3986 requires (what urllib3 sends anyway).
    respond(httpserver, "GET", "/v1/users", {"entries": [], "page_info": PAGE_INFO})

    users.list(client, include=["preferences"])

    assert raw_path(httpserver) == "/v1/users?include%5B%5D=preferences"


def test_list_without_options_sends_no_query_and_last_page_has_no_next(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    respond(httpserver, "GET", "/v1/users", {"entries": [USER], "page_info": PAGE_INFO})

    page = users.list(client)

    check_request(httpserver, "GET", "/v1/users")
    assert [user.email for user in page] == ["ian.malcolm@chaos.theory"]
    assert page.page_info == PageInfo(after=None, before=None, page_size=25, typename="PageInfo")
    assert page.next_params is None
    assert not page.has_next


@pytest.mark.parametrize("page_size", [0, 51, True, "10"])
def test_list_page_size_outside_1_to_50_raises_before_sending(
    httpserver: HTTPServer, client: knockkit.Client, page_size: Any
) -> None:
    with pytest.raises(ValueError, match="page_size"):
        users.list(client, page_size=page_size)
    assert_nothing_sent(httpserver)


def test_get_returns_user_with_custom_properties(httpserver: HTTPServer, client: knockkit.Client) -> None:
    body = {**USER, "id": "jhammond", "plan": "enterprise", "park": {"island": "Isla Nublar", "open": False}}
    respond(httpserver, "GET", "/v1/users/jhammond", body)

    user = users.get(client, "jhammond")

    check_request(httpserver, "GET", "/v1/users/jhammond")
    assert isinstance(user, User)
    assert user.id == "jhammond"
    assert user.name == "Dr. Ian Malcolm"
    assert user.email == "ian.malcolm@chaos.theory"
    assert user.typename == "User"
    assert user.created_at is None
    assert user.updated_at == utc(2024, 5, 22, 12)
    assert_aware_utc(user.updated_at)
    assert user.properties == {"plan": "enterprise", "park": {"island": "Isla Nublar", "open": False}}


def test_identify_puts_the_properties_as_the_body(httpserver: HTTPServer, client: knockkit.Client) -> None:
    # The request example of PUT /v1/users/{user_id}, plus a custom property.
    properties = {
        "channel_data": {"97c5837d-c65c-4d54-aa39-080eeb81c69d": {"tokens": ["push_token_123"]}},
        "email": "ian.malcolm@chaos.theory",
        "name": "Dr. Ian Malcolm",
        "preferences": {
            "default": {
                "channel_types": {"email": True},
                "workflows": {"dinosaurs-loose": {"channel_types": {"email": True}}},
            }
        },
        "timezone": "America/New_York",
        "favorite_theory": "chaos",
    }
    response = {**USER, "id": "imalcolm", "timezone": "America/New_York", "favorite_theory": "chaos"}
    respond(httpserver, "PUT", "/v1/users/imalcolm", response)

    user = users.identify(client, "imalcolm", properties)

    check_request(httpserver, "PUT", "/v1/users/imalcolm", properties)
    assert isinstance(user, User)
    assert user.id == "imalcolm"
    assert user.timezone == "America/New_York"
    assert user.updated_at == utc(2024, 5, 22, 12)
    assert user.properties == {"favorite_theory": "chaos"}


def test_identify_without_properties_sends_an_empty_object(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "PUT", "/v1/users/user_id", USER)

    user = users.identify(client, "user_id")

    check_request(httpserver, "PUT", "/v1/users/user_id", {})
    assert user.id == "user_id"
    assert user.properties == {}


def test_identify_rejects_properties_that_are_not_a_mapping(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(TypeError, match="properties"):
        users.identify(client, "user_id", [("name", "x")])  # type: ignore[arg-type]
    assert_nothing_sent(httpserver)


def test_delete_sends_delete_and_returns_none(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "DELETE", "/v1/users/dnedry")

    assert users.delete(client, "dnedry") is None

    check_request(httpserver, "DELETE", "/v1/users/dnedry")


def test_merge_posts_from_user_id(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "POST", "/v1/users/user_id/merge", {**USER, "merged_from": ["user_1"]})

    user = users.merge(client, "user_id", "user_1")

    check_request(httpserver, "POST", "/v1/users/user_id/merge", {"from_user_id": "user_1"})
    assert isinstance(user, User)
    assert user.id == "user_id"
    assert user.properties == {"merged_from": ["user_1"]}


@pytest.mark.parametrize(("from_user_id", "error"), [("", ValueError), (None, TypeError), (7, TypeError)])
def test_merge_rejects_a_missing_from_user_id(
    httpserver: HTTPServer, client: knockkit.Client, from_user_id: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match="from_user_id"):
        users.merge(client, "user_id", from_user_id)
    assert_nothing_sent(httpserver)


# --- bulk ---------------------------------------------------------------------------------


def assert_bulk_operation(operation: BulkOperation) -> None:
    assert isinstance(operation, BulkOperation)
    assert operation.id == "123e4567-e89b-12d3-a456-426614174000"
    assert operation.typename == "BulkOperation"
    assert operation.name == "Bulk operation name"
    assert operation.status == "processing"
    assert not operation.finished
    assert operation.estimated_total_rows == 1000
    assert operation.processed_rows == 0
    assert operation.success_count == 0
    assert operation.error_count == 0
    assert operation.error_items == []
    assert operation.progress_path == BULK_OPERATION["progress_path"]
    assert operation.inserted_at == utc(2024, 5, 22, 12)
    assert operation.updated_at == utc(2024, 5, 22, 12)
    assert_aware_utc(operation.inserted_at)
    assert operation.started_at is None
    assert operation.completed_at is None
    assert operation.failed_at is None


def test_bulk_identify_posts_the_users(httpserver: HTTPServer, client: knockkit.Client) -> None:
    items = [{"email": "jane@ingen.net", "id": "user_1", "name": "Jane Doe", "timezone": "America/New_York"}]
    respond(httpserver, "POST", "/v1/users/bulk/identify", {**BULK_OPERATION, "queue": "bulk-low"})

    operation = users.bulk_identify(client, items)

    check_request(httpserver, "POST", "/v1/users/bulk/identify", {"users": items})
    assert_bulk_operation(operation)
    assert operation.extra == {"queue": "bulk-low"}


def test_bulk_identify_accepts_1000_users(httpserver: HTTPServer, client: knockkit.Client) -> None:
    items = [{"id": f"user_{i}"} for i in range(1000)]
    respond(httpserver, "POST", "/v1/users/bulk/identify", BULK_OPERATION)

    users.bulk_identify(client, items)

    check_request(httpserver, "POST", "/v1/users/bulk/identify", {"users": items})


def test_bulk_identify_rejects_1001_users_before_sending(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(ValueError, match="1000"):
        users.bulk_identify(client, [{"id": f"user_{i}"} for i in range(1001)])
    assert_nothing_sent(httpserver)


@pytest.mark.parametrize("item", [{"name": "No Id"}, {"id": ""}, {"id": 42}, "user_1"])
def test_bulk_identify_rejects_users_without_an_id(httpserver: HTTPServer, client: knockkit.Client, item: Any) -> None:
    with pytest.raises(ValueError, match=r"users\[1\]"):
        users.bulk_identify(client, [{"id": "ok"}, item])
    assert_nothing_sent(httpserver)


def test_bulk_delete_posts_the_user_ids(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "POST", "/v1/users/bulk/delete", BULK_OPERATION)

    operation = users.bulk_delete(client, ["user_1", "user_2"])

    check_request(httpserver, "POST", "/v1/users/bulk/delete", {"user_ids": ["user_1", "user_2"]})
    assert_bulk_operation(operation)
    assert operation.extra == {}


def test_bulk_delete_rejects_1001_ids_before_sending(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(ValueError, match="1000"):
        users.bulk_delete(client, [f"user_{i}" for i in range(1001)])
    assert_nothing_sent(httpserver)


def test_bulk_delete_rejects_a_string_or_an_empty_list(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(TypeError, match="user_ids"):
        users.bulk_delete(client, "user_1")
    with pytest.raises(ValueError, match="user_ids"):
        users.bulk_delete(client, [])
    assert_nothing_sent(httpserver)


def test_bulk_set_preferences_posts_ids_and_a_full_preference_set(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    respond(httpserver, "POST", "/v1/users/bulk/preferences", BULK_OPERATION)

    operation = users.bulk_set_preferences(client, ["user_1", "user_2"], PREFERENCES)

    # A bulk set replaces the preference set: no persistence strategy is sent.
    check_request(
        httpserver, "POST", "/v1/users/bulk/preferences", {"user_ids": ["user_1", "user_2"], "preferences": PREFERENCES}
    )
    assert_bulk_operation(operation)


def test_bulk_set_preferences_accepts_the_spec_request_example_with_a_preference_set_id(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    # The spec's request example: preferences carry "id" naming the set ("default" or a tenant id).
    preferences = {**PREFERENCES, "id": "tenant_acme"}
    respond(httpserver, "POST", "/v1/users/bulk/preferences", BULK_OPERATION)

    users.bulk_set_preferences(client, ["user_1", "user_2"], preferences)

    check_request(
        httpserver, "POST", "/v1/users/bulk/preferences", {"user_ids": ["user_1", "user_2"], "preferences": preferences}
    )


def test_bulk_set_preferences_rejects_1001_ids_and_unknown_keys(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    with pytest.raises(ValueError, match="1000"):
        users.bulk_set_preferences(client, [f"user_{i}" for i in range(1001)], {"channel_types": {"email": True}})
    with pytest.raises(ValueError, match="emails"):
        users.bulk_set_preferences(client, ["user_1"], {"emails": True})
    assert_nothing_sent(httpserver)


# --- preferences --------------------------------------------------------------------------


def test_list_preferences_returns_every_set(httpserver: HTTPServer, client: knockkit.Client) -> None:
    tenant_set = {**PREFERENCE_SET, "id": "tenant_acme", "__typename": "PreferenceSet", "source": "tenant"}
    respond(httpserver, "GET", "/v1/users/jhammond/preferences", [PREFERENCE_SET, tenant_set])

    sets = users.list_preferences(client, "jhammond")

    check_request(httpserver, "GET", "/v1/users/jhammond/preferences")
    assert isinstance(sets, list)
    assert all(isinstance(s, PreferenceSet) for s in sets)
    assert [s.id for s in sets] == ["default", "tenant_acme"]
    assert sets[0] == DECODED_PREFERENCES
    assert sets[0].extra == {}
    assert sets[1].typename == "PreferenceSet"
    assert sets[1].extra == {"source": "tenant"}


def test_get_preferences_reads_the_default_set(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "GET", "/v1/users/jhammond/preferences/default", PREFERENCE_SET)

    prefs = users.get_preferences(client, "jhammond")

    check_request(httpserver, "GET", "/v1/users/jhammond/preferences/default")
    assert isinstance(prefs, PreferenceSet)
    assert prefs.id == "default"
    assert prefs.channel_types == DECODED_PREFERENCES.channel_types
    assert prefs.categories == DECODED_PREFERENCES.categories
    assert prefs.commercial_subscribed is True
    assert prefs.to_dict() == PREFERENCE_SET
    assert prefs.workflows is None


def test_get_preferences_for_a_named_set_and_a_tenant(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "GET", "/v1/users/jhammond/preferences/tenant acme", {**PREFERENCE_SET, "id": "tenant acme"})

    prefs = users.get_preferences(client, "jhammond", preference_set="tenant acme", tenant="acme")

    check_request(httpserver, "GET", "/v1/users/jhammond/preferences/tenant%20acme?tenant=acme")
    assert prefs.id == "tenant acme"


def test_set_preferences_replaces_the_set_without_a_persistence_strategy(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    respond(httpserver, "PUT", "/v1/users/jhammond/preferences/default", PREFERENCE_SET)

    prefs = users.set_preferences(client, "jhammond", PREFERENCES)

    request = check_request(httpserver, "PUT", "/v1/users/jhammond/preferences/default", PREFERENCES)
    assert "__persistence_strategy__" not in json.loads(request.get_data())
    assert isinstance(prefs, PreferenceSet)
    assert prefs.id == "default"
    assert prefs.commercial_subscribed is True


def test_set_preferences_merge_on_a_named_set(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "PUT", "/v1/users/jhammond/preferences/tenant_acme", {**PREFERENCE_SET, "id": "tenant_acme"})

    prefs = users.set_preferences(
        client, "jhammond", {"channel_types": {"sms": False}}, preference_set="tenant_acme", merge=True
    )

    check_request(
        httpserver,
        "PUT",
        "/v1/users/jhammond/preferences/tenant_acme",
        {"channel_types": {"sms": False}, "__persistence_strategy__": "merge"},
    )
    assert prefs.id == "tenant_acme"


@pytest.mark.parametrize("merge", [False, True])
def test_set_preferences_rejects_unknown_keys_before_sending(
    httpserver: HTTPServer, client: knockkit.Client, merge: bool
) -> None:
    with pytest.raises(ValueError, match="channel_type"):
        users.set_preferences(client, "jhammond", {"channel_type": {"email": True}}, merge=merge)
    with pytest.raises(TypeError, match="preferences"):
        users.set_preferences(client, "jhammond", ["channel_types"], merge=merge)  # type: ignore[arg-type]
    assert_nothing_sent(httpserver)


# (helper, arguments after client and user id, the preferences it must send)
GRANULAR_HELPERS: list[tuple[Callable[..., PreferenceSet], tuple[Any, ...], dict[str, Any]]] = [
    (
        users.set_channel_types_preferences,
        ({"email": True, "sms": False},),
        {"channel_types": {"email": True, "sms": False}},
    ),
    (users.set_channel_type_preferences, ("email", True), {"channel_types": {"email": True}}),
    (
        users.set_channel_type_preferences,
        ("sms", {"conditions": [{"argument": "US", "operator": "equal_to", "variable": "recipient.country_code"}]}),
        {
            "channel_types": {
                "sms": {
                    "conditions": [{"argument": "US", "operator": "equal_to", "variable": "recipient.country_code"}]
                }
            }
        },
    ),
    (
        users.set_workflows_preferences,
        ({"dinosaurs-loose": {"channel_types": {"email": True}}, "park-closed": False},),
        {"workflows": {"dinosaurs-loose": {"channel_types": {"email": True}}, "park-closed": False}},
    ),
    (users.set_workflow_preferences, ("dinosaurs-loose", False), {"workflows": {"dinosaurs-loose": False}}),
    (
        users.set_workflow_preferences,
        ("dinosaurs-loose", {"channel_types": {"email": True}}),
        {"workflows": {"dinosaurs-loose": {"channel_types": {"email": True}}}},
    ),
    (
        users.set_categories_preferences,
        ({"marketing": False, "transactional": {"channel_types": {"email": False}}},),
        {"categories": {"marketing": False, "transactional": {"channel_types": {"email": False}}}},
    ),
    (users.set_category_preferences, ("marketing", True), {"categories": {"marketing": True}}),
    (
        users.set_category_preferences,
        ("transactional", {"channel_types": {"email": False}}),
        {"categories": {"transactional": {"channel_types": {"email": False}}}},
    ),
]


@pytest.mark.parametrize(("helper", "args", "expected"), GRANULAR_HELPERS)
def test_granular_helpers_merge_into_the_default_set(
    httpserver: HTTPServer,
    client: knockkit.Client,
    helper: Callable[..., PreferenceSet],
    args: tuple[Any, ...],
    expected: dict[str, Any],
) -> None:
    respond(httpserver, "PUT", "/v1/users/jhammond/preferences/default", PREFERENCE_SET)

    prefs = helper(client, "jhammond", *args)

    check_request(
        httpserver,
        "PUT",
        "/v1/users/jhammond/preferences/default",
        {**expected, "__persistence_strategy__": "merge"},
    )
    assert prefs == DECODED_PREFERENCES


@pytest.mark.parametrize(("helper", "args", "expected"), GRANULAR_HELPERS)
def test_granular_helpers_honour_preference_set(
    httpserver: HTTPServer,
    client: knockkit.Client,
    helper: Callable[..., PreferenceSet],
    args: tuple[Any, ...],
    expected: dict[str, Any],
) -> None:
    respond(httpserver, "PUT", "/v1/users/jhammond/preferences/tenant acme", {**PREFERENCE_SET, "id": "tenant acme"})

    prefs = helper(client, "jhammond", *args, preference_set="tenant acme")

    check_request(
        httpserver,
        "PUT",
        "/v1/users/jhammond/preferences/tenant%20acme",
        {**expected, "__persistence_strategy__": "merge"},
    )
    assert prefs.id == "tenant acme"


@pytest.mark.parametrize(
    ("helper", "args"),
    [
        (users.set_channel_types_preferences, (["email"],)),
        (users.set_channel_type_preferences, ("email", "yes")),
        (users.set_workflows_preferences, ("dinosaurs-loose",)),
        (users.set_workflow_preferences, ("dinosaurs-loose", 1)),
        (users.set_categories_preferences, (None,)),
        (users.set_category_preferences, ("marketing", None)),
    ],
)
def test_granular_helpers_reject_wrong_types_before_sending(
    httpserver: HTTPServer, client: knockkit.Client, helper: Callable[..., PreferenceSet], args: tuple[Any, ...]
) -> None:
    with pytest.raises(TypeError):
        helper(client, "jhammond", *args)
    assert_nothing_sent(httpserver)


def test_unset_preferences_deletes_the_default_set(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "DELETE", "/v1/users/jhammond/preferences/default")

    assert users.unset_preferences(client, "jhammond") is None

    check_request(httpserver, "DELETE", "/v1/users/jhammond/preferences/default")


def test_unset_preferences_deletes_a_named_set(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "DELETE", "/v1/users/jhammond/preferences/tenant_acme")

    assert users.unset_preferences(client, "jhammond", preference_set="tenant_acme") is None

    check_request(httpserver, "DELETE", "/v1/users/jhammond/preferences/tenant_acme")


def test_get_preference_center_config_returns_the_json(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "GET", "/v1/users/jhammond/preference_center/config", PREFERENCE_CENTER_CONFIG)

    config = users.get_preference_center_config(client, "jhammond")

    check_request(httpserver, "GET", "/v1/users/jhammond/preference_center/config")
    assert type(config) is dict
    assert_same_json(config, PREFERENCE_CENTER_CONFIG)


def test_create_preference_center_url_posts_without_a_body(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "POST", "/v1/users/jhammond/preference_center/signed_url", {**SIGNED_URL, "expires_in": 3600})

    signed = users.create_preference_center_url(client, "jhammond")

    check_request(httpserver, "POST", "/v1/users/jhammond/preference_center/signed_url")
    assert isinstance(signed, PreferenceCenterUrl)
    assert signed.url == "https://p.knock.app/p/eyJhbGciOiJIUzI1NiJ9..."
    assert signed.token == "eyJhbGciOiJIUzI1NiJ9..."
    assert signed.extra == {"expires_in": 3600}


# --- channel data -------------------------------------------------------------------------


def test_get_channel_data(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "GET", f"/v1/users/jhammond/channel_data/{CHANNEL_ID}", {**CHANNEL_DATA, "provider": "apns"})

    channel_data = users.get_channel_data(client, "jhammond", CHANNEL_ID)

    check_request(httpserver, "GET", f"/v1/users/jhammond/channel_data/{CHANNEL_ID}")
    assert channel_data == ChannelData(
        channel_id=CHANNEL_ID,
        data=PushChannelData(tokens=["push_token_1"], devices=[PushDevice(token="device_1")]),
        provider="apns",
        typename="ChannelData",
    )
    assert channel_data.extra == {}


def test_set_channel_data_wraps_the_data(httpserver: HTTPServer, client: knockkit.Client) -> None:
    response = {**CHANNEL_DATA, "data": {"tokens": ["push_token_1"]}, "connected_at": "2024-05-22T12:00:00Z"}
    respond(httpserver, "PUT", f"/v1/users/jhammond/channel_data/{CHANNEL_ID}", response)

    channel_data = users.set_channel_data(client, "jhammond", CHANNEL_ID, {"tokens": ["push_token_1"]})

    check_request(
        httpserver, "PUT", f"/v1/users/jhammond/channel_data/{CHANNEL_ID}", {"data": {"tokens": ["push_token_1"]}}
    )
    assert isinstance(channel_data, ChannelData)
    assert channel_data.channel_id == CHANNEL_ID
    assert channel_data.data == PushChannelData(tokens=["push_token_1"])
    assert channel_data.extra == {"connected_at": "2024-05-22T12:00:00Z"}


def test_set_channel_data_rejects_data_that_is_not_a_mapping(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(TypeError, match="data"):
        users.set_channel_data(client, "jhammond", CHANNEL_ID, ["push_token_1"])  # type: ignore[arg-type]
    assert_nothing_sent(httpserver)


def test_unset_channel_data(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "DELETE", f"/v1/users/jhammond/channel_data/{CHANNEL_ID}")

    assert users.unset_channel_data(client, "jhammond", CHANNEL_ID) is None

    check_request(httpserver, "DELETE", f"/v1/users/jhammond/channel_data/{CHANNEL_ID}")


# --- lists about a user -------------------------------------------------------------------


def test_list_messages_sends_every_filter(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "GET", "/v1/users/dr_grant/messages", {"items": [MESSAGE], "page_info": PAGE_INFO})

    page = users.list_messages(
        client,
        "dr_grant",
        after="a1",
        before="b1",
        page_size=10,
        tenant="ingen_isla_nublar",
        channel_id=CHANNEL_ID,
        status=["sent", "delivered"],
        engagement_status=["read", "seen"],
        message_ids=["m1", "m2"],
        workflow_categories=["security"],
        source="security-breach-alert",
        workflow_run_id="789e0123-f45a-67b8-c901-234567890abc",
        workflow_recipient_run_id="def01234-a56b-78c9-d012-345678901bcd",
        trigger_data={"severity": "critical"},
        inserted_at={"gte": "2024-01-01T00:00:00Z", "lt": utc(2024, 2, 1)},
    )

    request = check_request(
        httpserver,
        "GET",
        "/v1/users/dr_grant/messages?after=a1&before=b1&page_size=10&tenant=ingen_isla_nublar"
        f"&channel_id={CHANNEL_ID}&status[]=sent&status[]=delivered&engagement_status[]=read"
        "&engagement_status[]=seen&message_ids[]=m1&message_ids[]=m2&workflow_categories[]=security"
        "&source=security-breach-alert&workflow_run_id=789e0123-f45a-67b8-c901-234567890abc"
        "&workflow_recipient_run_id=def01234-a56b-78c9-d012-345678901bcd"
        "&trigger_data=%7B%22severity%22%3A%22critical%22%7D"
        "&inserted_at[gte]=2024-01-01T00%3A00%3A00Z&inserted_at[lt]=2024-02-01T00%3A00%3A00Z",
    )
    decoded = parse_qsl(urlsplit(raw_path(httpserver)).query)
    assert ("inserted_at[gte]", "2024-01-01T00:00:00Z") in decoded
    assert ("inserted_at[lt]", "2024-02-01T00:00:00Z") in decoded
    assert json.loads(request.args["trigger_data"]) == {"severity": "critical"}

    assert isinstance(page, Page)
    assert page.next_params is None
    [message] = page.entries
    assert isinstance(message, Message)
    assert message.id == "2w3YUpTTOxuDvZFji8OMsKrG176"
    assert message.typename == "Message"
    assert message.status == "sent"
    assert message.recipient == "dr_grant"
    assert message.actors == ["mr_arnold", "mr_muldoon"]
    assert message.engagement_statuses == ["read", "seen"]
    assert message.source == MessageSource(
        typename="NotificationSource",
        categories=["security", "emergency"],
        key="security-breach-alert",
        step_ref="alert_step_1",
        version_id="123e4567-e89b-12d3-a456-426614174000",
        workflow_recipient_run_id="def01234-a56b-78c9-d012-345678901bcd",
        workflow_run_id="789e0123-f45a-67b8-c901-234567890abc",
    )
    assert message.recipient_snapshot == RecipientSnapshot(email="user@example.com", name="John Doe")
    assert message.data == MESSAGE["data"]
    assert message.tenant == "ingen_isla_nublar"
    assert message.workflow == "security-breach-alert"
    assert message.inserted_at == utc(1993, 6, 11, 21, 15)
    assert message.read_at == utc(1993, 6, 11, 21, 30)
    assert message.seen_at == utc(1993, 6, 11, 21, 29, 45)
    assert message.updated_at == utc(1993, 6, 11, 21, 30, 5)
    for value in (message.inserted_at, message.read_at, message.seen_at, message.updated_at):
        assert_aware_utc(value)
    assert message.archived_at is None
    assert message.extra == {}


def test_list_messages_converts_aware_datetimes_to_utc(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "GET", "/v1/users/dr_grant/messages", {"items": [], "page_info": PAGE_INFO})
    berlin_winter = dt.timezone(dt.timedelta(hours=1))

    since = dt.datetime(2024, 1, 1, 1, 0, tzinfo=berlin_winter)

    page = users.list_messages(client, "dr_grant", inserted_at={"gt": since})

    check_request(httpserver, "GET", "/v1/users/dr_grant/messages?inserted_at[gt]=2024-01-01T00%3A00%3A00Z")
    assert page.entries == []


def test_list_messages_rejects_naive_datetimes_and_unknown_range_keys(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        users.list_messages(client, "dr_grant", inserted_at={"gte": dt.datetime(2024, 1, 1)})
    with pytest.raises(ValueError, match="inserted_at"):
        users.list_messages(client, "dr_grant", inserted_at={"after": "2024-01-01T00:00:00Z"})
    assert_nothing_sent(httpserver)


def test_list_schedules(httpserver: HTTPServer, client: knockkit.Client) -> None:
    page_info = {**PAGE_INFO, "after": "next_1"}
    respond(httpserver, "GET", "/v1/users/jane/schedules", {"entries": [SCHEDULE], "page_info": page_info})

    page = users.list_schedules(
        client, "jane", workflow="workflow_123", tenant="acme", after="a0", before="b0", page_size=5
    )

    check_request(
        httpserver, "GET", "/v1/users/jane/schedules?workflow=workflow_123&tenant=acme&after=a0&before=b0&page_size=5"
    )
    assert isinstance(page, Page)
    assert page.next_params == {"after": "next_1"}
    [schedule] = page.entries
    assert isinstance(schedule, Schedule)
    assert schedule.id == "123e4567-e89b-12d3-a456-426614174000"
    assert schedule.workflow == "workflow_123"
    assert isinstance(schedule.recipient, User)
    assert schedule.recipient.email == "jane@ingen.net" and schedule.recipient.to_dict() == RECIPIENT_JANE
    assert schedule.repeats == [
        ScheduleRepeat(
            typename="ScheduleRepeat", days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"], frequency="daily",
            interval=1,
        )
    ]  # fmt: skip
    assert schedule.inserted_at == utc(2021, 1, 1)
    assert_aware_utc(schedule.updated_at)
    assert schedule.next_occurrence_at is None
    assert schedule.actor is None
    assert schedule.tenant is None
    assert schedule.typename == "Schedule"


def test_list_subscriptions_sends_include_and_object_references(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    body = {"entries": [{**SUBSCRIPTION, "properties": {"role": "lead"}, "weight": 3}], "page_info": PAGE_INFO}
    respond(httpserver, "GET", "/v1/users/jane/subscriptions", body)

    page = users.list_subscriptions(
        client,
        "jane",
        include=["preferences"],
        objects=[{"id": "p1", "collection": "projects"}, {"id": "specimen_25", "collection": "assets"}],
        after="a0",
        page_size=10,
    )

    check_request(
        httpserver,
        "GET",
        "/v1/users/jane/subscriptions?include[]=preferences"
        "&objects[0][id]=p1&objects[0][collection]=projects"
        "&objects[1][id]=specimen_25&objects[1][collection]=assets&after=a0&page_size=10",
    )
    [subscription] = page.entries
    assert isinstance(subscription, Subscription)
    assert subscription.typename == "Subscription"
    assert isinstance(subscription.recipient, User)
    assert (subscription.recipient.id, subscription.recipient.name) == ("jane", "Jane Doe")
    assert subscription.properties == {"role": "lead"}
    assert subscription.inserted_at == utc(2021, 1, 1)
    assert_aware_utc(subscription.inserted_at)
    assert subscription.extra == {"weight": 3}
    assert isinstance(subscription.object, Object)
    assert subscription.object.id == "specimen_25"
    assert subscription.object.collection == "assets"
    assert subscription.object.properties == SUBSCRIPTION["object"]["properties"]  # type: ignore[index]
    assert subscription.object.updated_at == utc(2024, 5, 22, 12)


@pytest.mark.parametrize(
    ("ref", "error"), [({"id": "p1"}, ValueError), ({"collection": "projects"}, ValueError), ("p1", TypeError)]
)
def test_list_subscriptions_rejects_incomplete_object_references(
    httpserver: HTTPServer, client: knockkit.Client, ref: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match=r"objects\[0\]"):
        users.list_subscriptions(client, "jane", objects=[ref])
    assert_nothing_sent(httpserver)


# --- paginate -----------------------------------------------------------------------------


def users_page(ids: list[str], after: str | None) -> dict[str, Any]:
    return {
        "entries": [{**USER, "id": user_id} for user_id in ids],
        "page_info": {**PAGE_INFO, "after": after, "page_size": 2},
    }


def test_paginate_walks_three_pages_of_users_lazily(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "GET", "/v1/users", users_page(["u1", "u2"], "c1"), query={"page_size": "2"})
    respond(httpserver, "GET", "/v1/users", users_page(["u3", "u4"], "c2"), query={"page_size": "2", "after": "c1"})
    respond(httpserver, "GET", "/v1/users", users_page(["u5"], None), query={"page_size": "2", "after": "c2"})

    items = knockkit.paginate(users.list, client, page_size=2)
    assert_nothing_sent(httpserver)

    first_page = [next(items), next(items)]
    assert [user.id for user in first_page] == ["u1", "u2"]
    assert len(httpserver.log) == 1

    rest = list(items)
    assert [user.id for user in rest] == ["u3", "u4", "u5"]
    assert all(isinstance(user, User) for user in rest)
    assert [sent_target(httpserver, i) for i in range(len(httpserver.log))] == [
        "/v1/users?page_size=2",
        "/v1/users?after=c1&page_size=2",
        "/v1/users?after=c2&page_size=2",
    ]


# --- path encoding ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_id", "encoded"),
    [
        ("John Hammond", "John%20Hammond"),
        ("what?", "what%3F"),
        ("jürgen", "j%C3%BCrgen"),
        ("🦖 rex", "%F0%9F%A6%96%20rex"),
        ("100%&a=b", "100%25%26a%3Db"),
    ],
)
def test_user_ids_go_as_one_encoded_segment(
    httpserver: HTTPServer, client: knockkit.Client, user_id: str, encoded: str
) -> None:
    respond(httpserver, "GET", f"/v1/users/{user_id}", {**USER, "id": user_id})

    user = users.get(client, user_id)

    check_request(httpserver, "GET", f"/v1/users/{encoded}")
    assert httpserver.log[0][0].path == f"/v1/users/{user_id}"
    assert user.id == user_id


def test_a_dollar_id_stays_one_segment(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "GET", "/v1/users/$tenants/channel_data/a b", {**CHANNEL_DATA, "channel_id": "a b"})

    users.get_channel_data(client, "$tenants", "a b")

    # "$" is a legal path character (RFC 3986 sub-delim); either form is one segment.
    assert raw_path(httpserver) in (
        "/v1/users/$tenants/channel_data/a%20b",
        "/v1/users/%24tenants/channel_data/a%20b",
    )
    assert httpserver.log[0][0].path == "/v1/users/$tenants/channel_data/a b"


def test_preference_set_and_channel_ids_are_encoded_too(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "GET", "/v1/users/a?b/channel_data/ü?x", {**CHANNEL_DATA, "channel_id": "ü?x"})
    respond(httpserver, "DELETE", "/v1/users/a b/preferences/t?1")

    users.get_channel_data(client, "a?b", "ü?x")
    users.unset_preferences(client, "a b", preference_set="t?1")

    assert raw_path(httpserver, 0) == "/v1/users/a%3Fb/channel_data/%C3%BC%3Fx"
    assert raw_path(httpserver, 1) == "/v1/users/a%20b/preferences/t%3F1"


BAD_IDS = ["a/b", "a#b", "", ".", ".."]
ID_TAKERS: list[tuple[str, Callable[[knockkit.Client, str], object]]] = [
    ("get", lambda c, bad: users.get(c, bad)),
    ("identify", lambda c, bad: users.identify(c, bad, {"name": "x"})),
    ("delete", lambda c, bad: users.delete(c, bad)),
    ("merge", lambda c, bad: users.merge(c, bad, "user_1")),
    ("list_messages", lambda c, bad: users.list_messages(c, bad)),
    ("set_channel_type_preferences", lambda c, bad: users.set_channel_type_preferences(c, bad, "email", True)),
    ("channel_id", lambda c, bad: users.get_channel_data(c, "jhammond", bad)),
    ("preference_set", lambda c, bad: users.set_preferences(c, "jhammond", {}, preference_set=bad)),
]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize(("where", "call"), ID_TAKERS, ids=[name for name, _ in ID_TAKERS])
def test_bad_ids_raise_before_sending(
    httpserver: HTTPServer,
    client: knockkit.Client,
    where: str,
    call: Callable[[knockkit.Client, str], object],
    bad: str,
) -> None:
    with pytest.raises(ValueError):
        call(client, bad)
    assert_nothing_sent(httpserver)


def test_user_ids_may_have_256_characters_but_not_257(httpserver: HTTPServer, client: knockkit.Client) -> None:
    longest = "u" * 256
    respond(httpserver, "GET", f"/v1/users/{longest}", {**USER, "id": longest})

    assert users.get(client, longest).id == longest
    check_request(httpserver, "GET", f"/v1/users/{longest}")

    with pytest.raises(ValueError, match="256"):
        users.get(client, "u" * 257)
    with pytest.raises(ValueError, match="256"):
        users.set_channel_data(client, "u" * 257, CHANNEL_ID, {"tokens": []})
    assert len(httpserver.log) == 1


def test_non_string_ids_raise_type_error(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(TypeError, match="user_id"):
        users.get(client, 42)  # type: ignore[arg-type]
    assert_nothing_sent(httpserver)


# --- every function: branch header --------------------------------------------------------

# (function name, call, method, raw target, response body or None for 204)
EVERY_FUNCTION: list[tuple[str, Callable[[knockkit.Client], object], str, str, Any]] = [
    ("list", lambda c: users.list(c), "GET", "/v1/users", {"entries": [], "page_info": PAGE_INFO}),
    ("get", lambda c: users.get(c, "u1"), "GET", "/v1/users/u1", USER),
    ("identify", lambda c: users.identify(c, "u1", {"name": "N"}), "PUT", "/v1/users/u1", USER),
    ("delete", lambda c: users.delete(c, "u1"), "DELETE", "/v1/users/u1", None),
    ("merge", lambda c: users.merge(c, "u1", "u2"), "POST", "/v1/users/u1/merge", USER),
    (
        "bulk_identify",
        lambda c: users.bulk_identify(c, [{"id": "u1"}]),
        "POST",
        "/v1/users/bulk/identify",
        BULK_OPERATION,
    ),
    ("bulk_delete", lambda c: users.bulk_delete(c, ["u1"]), "POST", "/v1/users/bulk/delete", BULK_OPERATION),
    (
        "bulk_set_preferences",
        lambda c: users.bulk_set_preferences(c, ["u1"], {"channel_types": {"email": True}}),
        "POST",
        "/v1/users/bulk/preferences",
        BULK_OPERATION,
    ),
    ("list_preferences", lambda c: users.list_preferences(c, "u1"), "GET", "/v1/users/u1/preferences", []),
    (
        "get_preferences",
        lambda c: users.get_preferences(c, "u1"),
        "GET",
        "/v1/users/u1/preferences/default",
        PREFERENCE_SET,
    ),
    (
        "set_preferences",
        lambda c: users.set_preferences(c, "u1", {"channel_types": {"email": True}}),
        "PUT",
        "/v1/users/u1/preferences/default",
        PREFERENCE_SET,
    ),
    (
        "unset_preferences",
        lambda c: users.unset_preferences(c, "u1"),
        "DELETE",
        "/v1/users/u1/preferences/default",
        None,
    ),
    (
        "set_channel_types_preferences",
        lambda c: users.set_channel_types_preferences(c, "u1", {"email": True}),
        "PUT",
        "/v1/users/u1/preferences/default",
        PREFERENCE_SET,
    ),
    (
        "set_channel_type_preferences",
        lambda c: users.set_channel_type_preferences(c, "u1", "email", True),
        "PUT",
        "/v1/users/u1/preferences/default",
        PREFERENCE_SET,
    ),
    (
        "set_workflows_preferences",
        lambda c: users.set_workflows_preferences(c, "u1", {"w": True}),
        "PUT",
        "/v1/users/u1/preferences/default",
        PREFERENCE_SET,
    ),
    (
        "set_workflow_preferences",
        lambda c: users.set_workflow_preferences(c, "u1", "w", True),
        "PUT",
        "/v1/users/u1/preferences/default",
        PREFERENCE_SET,
    ),
    (
        "set_categories_preferences",
        lambda c: users.set_categories_preferences(c, "u1", {"marketing": False}),
        "PUT",
        "/v1/users/u1/preferences/default",
        PREFERENCE_SET,
    ),
    (
        "set_category_preferences",
        lambda c: users.set_category_preferences(c, "u1", "marketing", False),
        "PUT",
        "/v1/users/u1/preferences/default",
        PREFERENCE_SET,
    ),
    (
        "get_preference_center_config",
        lambda c: users.get_preference_center_config(c, "u1"),
        "GET",
        "/v1/users/u1/preference_center/config",
        PREFERENCE_CENTER_CONFIG,
    ),
    (
        "create_preference_center_url",
        lambda c: users.create_preference_center_url(c, "u1"),
        "POST",
        "/v1/users/u1/preference_center/signed_url",
        SIGNED_URL,
    ),
    (
        "get_channel_data",
        lambda c: users.get_channel_data(c, "u1", CHANNEL_ID),
        "GET",
        f"/v1/users/u1/channel_data/{CHANNEL_ID}",
        CHANNEL_DATA,
    ),
    (
        "set_channel_data",
        lambda c: users.set_channel_data(c, "u1", CHANNEL_ID, {"tokens": []}),
        "PUT",
        f"/v1/users/u1/channel_data/{CHANNEL_ID}",
        CHANNEL_DATA,
    ),
    (
        "unset_channel_data",
        lambda c: users.unset_channel_data(c, "u1", CHANNEL_ID),
        "DELETE",
        f"/v1/users/u1/channel_data/{CHANNEL_ID}",
        None,
    ),
    (
        "list_messages",
        lambda c: users.list_messages(c, "u1"),
        "GET",
        "/v1/users/u1/messages",
        {"items": [], "page_info": PAGE_INFO},
    ),
    (
        "list_schedules",
        lambda c: users.list_schedules(c, "u1"),
        "GET",
        "/v1/users/u1/schedules",
        {"entries": [], "page_info": PAGE_INFO},
    ),
    (
        "list_subscriptions",
        lambda c: users.list_subscriptions(c, "u1"),
        "GET",
        "/v1/users/u1/subscriptions",
        {"entries": [], "page_info": PAGE_INFO},
    ),
]


def test_the_branch_table_covers_every_public_function() -> None:
    assert sorted(name for name, *_ in EVERY_FUNCTION) == sorted(users.__all__)
    assert len(users.__all__) == 26


@pytest.mark.parametrize(
    ("name", "call", "method", "target", "response"), EVERY_FUNCTION, ids=[row[0] for row in EVERY_FUNCTION]
)
def test_every_function_sends_the_branch_header(
    httpserver: HTTPServer,
    client: knockkit.Client,
    name: str,
    call: Callable[[knockkit.Client], object],
    method: str,
    target: str,
    response: Any,
) -> None:
    respond(httpserver, method, target, response)

    call(client.evolve(branch="feature-x"))

    assert len(httpserver.log) == 1
    request = httpserver.log[0][0]
    assert request.method == method
    assert sent_target(httpserver) == target
    assert request.headers["X-Knock-Branch"] == "feature-x"
    assert request.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert request.headers["User-Agent"].startswith("knockkit/")
