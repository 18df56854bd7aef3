"""knockkit.messages over real HTTP: paths, queries, bodies, limits and decoding."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import messages
from knockkit.models import (
    Activity,
    DeliveryLog,
    DeliveryLogRequest,
    DeliveryLogResponse,
    EmailContent,
    Message,
    MessageContent,
    MessageEvent,
    ObjectReference,
    Page,
    SmsContent,
    User,
)
from tests.conftest import TEST_KEY, raw_path

MESSAGE_ID = "1jNa XzB2RZX3LY8wVQnfCKyPnv7"  # the space checks percent-encoding
ENCODED_ID = "1jNa%20XzB2RZX3LY8wVQnfCKyPnv7"

# As in the spec's examples for the engagement endpoints, plus a key Knock may add later.
MESSAGE: dict[str, Any] = {
    "__typename": "Message",
    "actors": ["user_123"],
    "archived_at": None,
    "channel_id": "123e4567-e89b-12d3-a456-426614174000",
    "clicked_at": None,
    "data": {"foo": "bar"},
    "engagement_statuses": ["seen", "read"],
    "id": "1jNaXzB2RZX3LY8wVQnfCKyPnv7",
    "inserted_at": "2021-01-01T00:00:00Z",
    "interacted_at": None,
    "link_clicked_at": None,
    "metadata": {"external_id": "123e4567-e89b-12d3-a456-426614174000"},
    "read_at": "2025-01-01T00:02:00Z",
    "recipient": "user_123",
    "scheduled_at": None,
    "seen_at": "2025-01-01T00:01:00Z",
    "source": {
        "__typename": "NotificationSource",
        "categories": ["collaboration"],
        "key": "comment-created",
        "step_ref": "email_step_1",
        "version_id": "123e4567-e89b-12d3-a456-426614174000",
    },
    "status": "sent",
    "tenant": "tenant_123",
    "updated_at": "2021-01-01T00:00:00Z",
    "workflow": "comment-created",
    "future_field": {"kept": True},
}
PAGE_INFO = {"__typename": "PageInfo", "after": None, "before": None, "page_size": 25}
SMS_CONTENT = {
    "__typename": "MessageContent",
    "data": {"__typename": "MessageSmsContent", "body": "URGENT: Power failure detected.", "to": "+15553982647"},
    "inserted_at": "1993-06-11T20:30:00Z",
    "message_id": "2w3YUpTTOxuDvZFji8OMsKrG176",
}
IDS = ["2w3YUpTTOxuDvZFji8OMsKrG176", "2w3YVRbPXMIh8Zq6oBFcVDA5xes"]


def sent(httpserver: HTTPServer, index: int = -1) -> tuple[str, str, list[tuple[str, str]], Any]:
    """(method, raw path, decoded query pairs in order, request) of a logged request."""
    request = httpserver.log[index][0]
    path, _, query = raw_path(httpserver, index).partition("?")
    return request.method, path, parse_qsl(query, keep_blank_values=True), request


def assert_auth(request: Any, *, body: bool) -> None:
    assert request.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"].startswith("knockkit/")
    assert ("Content-Type" in request.headers) is body
    if body:
        assert request.headers["Content-Type"] == "application/json"


def assert_message(message: Message) -> None:
    assert isinstance(message, Message)
    assert message.id == "1jNaXzB2RZX3LY8wVQnfCKyPnv7"
    assert message.typename == "Message"
    assert message.engagement_statuses == ["seen", "read"]
    assert message.read_at == dt.datetime(2025, 1, 1, 0, 2, tzinfo=dt.timezone.utc)
    assert message.source is not None and message.source.key == "comment-created"
    assert message.extra == {"future_field": {"kept": True}}
    # to_dict gives back exactly the keys received, at every depth
    assert message.to_dict() == {**MESSAGE, "future_field": {"kept": True}}


# --- lists and reads ------------------------------------------------------------------


def test_list_sends_every_filter_and_decodes_items(httpserver: HTTPServer, client: knockkit.Client) -> None:
    listed = {
        "items": [MESSAGE],
        "page_info": {**PAGE_INFO, "after": "cursor-2"},
    }
    httpserver.expect_request("/v1/messages", method="GET").respond_with_json(listed)

    page = messages.list(
        client,
        after="cursor-1",
        page_size=25,
        tenant="tenant_123",
        channel_id="123e4567-e89b-12d3-a456-426614174000",
        status=["delivered", "sent"],
        engagement_status=["unread"],
        message_ids=IDS,
        workflow_categories=["collaboration"],
        source="comment-created",
        workflow_run_id="789e0123-f45a-67b8-c901-234567890abc",
        workflow_recipient_run_id="def01234-a56b-78c9-d012-345678901bcd",
        trigger_data={"comment_id": "123"},
        inserted_at={"gte": dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc), "lt": "2025-02-01T00:00:00Z"},
    )

    method, path, query, request = sent(httpserver)
    assert (method, path) == ("GET", "/v1/messages")
    assert query == [
        ("after", "cursor-1"),
        ("page_size", "25"),
        ("tenant", "tenant_123"),
        ("channel_id", "123e4567-e89b-12d3-a456-426614174000"),
        ("status[]", "delivered"),
        ("status[]", "sent"),
        ("engagement_status[]", "unread"),
        ("message_ids[]", IDS[0]),
        ("message_ids[]", IDS[1]),
        ("workflow_categories[]", "collaboration"),
        ("source", "comment-created"),
        ("workflow_run_id", "789e0123-f45a-67b8-c901-234567890abc"),
        ("workflow_recipient_run_id", "def01234-a56b-78c9-d012-345678901bcd"),
        ("trigger_data", '{"comment_id":"123"}'),
        ("inserted_at[gte]", "2025-01-01T00:00:00Z"),
        ("inserted_at[lt]", "2025-02-01T00:00:00Z"),
    ]
    assert_auth(request, body=False)
    assert isinstance(page, Page)
    assert len(page) == 1
    assert_message(page[0])
    assert page.page_info.page_size == 25
    assert page.next_params == {"after": "cursor-2"}


def test_list_with_no_filters_sends_no_query(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/messages").respond_with_json({"items": [], "page_info": PAGE_INFO})

    page = messages.list(client)

    assert raw_path(httpserver) == "/v1/messages"
    assert page.entries == [] and page.next_params is None


def test_list_rejects_more_than_50_message_ids_before_sending(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    with pytest.raises(ValueError, match=r"message_ids has 51 items; Knock accepts at most 50"):
        messages.list(client, message_ids=[f"m{i}" for i in range(51)])
    assert httpserver.log == []


def test_paginate_follows_the_after_cursor_of_items_lists(httpserver: HTTPServer, client: knockkit.Client) -> None:
    second = {**MESSAGE, "id": "second"}
    httpserver.expect_ordered_request("/v1/messages").respond_with_json(
        {"items": [MESSAGE], "page_info": {**PAGE_INFO, "after": "c2"}}
    )
    httpserver.expect_ordered_request("/v1/messages").respond_with_json({"items": [second], "page_info": PAGE_INFO})

    ids = [m.id for m in knockkit.paginate(messages.list, client, page_size=1)]

    assert ids == ["1jNaXzB2RZX3LY8wVQnfCKyPnv7", "second"]
    assert sent(httpserver, 0)[2] == [("page_size", "1")]
    assert sent(httpserver, 1)[2] == [("after", "c2"), ("page_size", "1")]


def test_get_encodes_the_id(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/messages/{MESSAGE_ID}", method="GET").respond_with_json(MESSAGE)

    message = messages.get(client, MESSAGE_ID)

    method, path, query, request = sent(httpserver)
    assert (method, path, query) == ("GET", f"/v1/messages/{ENCODED_ID}", [])
    assert_auth(request, body=False)
    assert_message(message)


def test_get_content_keeps_the_channel_specific_data(httpserver: HTTPServer, client: knockkit.Client) -> None:
    email = {
        "__typename": "MessageContent",
        "data": {
            "__typename": "MessageEmailContent",
            "from": "noreply@ingen.net",
            "html_body": "<p>Life finds a way</p>",
            "subject_line": "Fences down",
            "to": "agrant@ingen.net",
        },
        "inserted_at": "1993-06-11T20:30:00Z",
        "message_id": "2w3YUpTTOxuDvZFji8OMsKrG176",
        "rendered_by": "future key",
    }
    httpserver.expect_request(f"/v1/messages/{MESSAGE_ID}/content", method="GET").respond_with_json(email)

    content = messages.get_content(client, MESSAGE_ID)

    assert sent(httpserver)[:3] == ("GET", f"/v1/messages/{ENCODED_ID}/content", [])
    assert isinstance(content, MessageContent)
    assert content.message_id == "2w3YUpTTOxuDvZFji8OMsKrG176"
    assert content.typename == "MessageContent"
    assert content.data == EmailContent(
        typename="MessageEmailContent",
        from_="noreply@ingen.net",
        html_body="<p>Life finds a way</p>",
        subject_line="Fences down",
        to="agrant@ingen.net",
    )
    assert content.to_dict() == email  # "from" on the wire
    assert content.inserted_at == dt.datetime(1993, 6, 11, 20, 30, tzinfo=dt.timezone.utc)
    assert content.extra == {"rendered_by": "future key"}


def test_batch_get_content_sends_ids_as_an_array(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/messages/batch/content", method="GET").respond_with_json([SMS_CONTENT])

    contents = messages.batch_get_content(client, IDS)

    method, path, query, request = sent(httpserver)
    assert (method, path) == ("GET", "/v1/messages/batch/content")
    assert query == [("message_ids[]", IDS[0]), ("message_ids[]", IDS[1])]
    assert_auth(request, body=False)
    assert isinstance(contents, list) and len(contents) == 1
    assert isinstance(contents[0], MessageContent)
    assert contents[0].data == SmsContent(
        typename="MessageSmsContent", to="+15553982647", body="URGENT: Power failure detected."
    )


@pytest.mark.parametrize(
    ("ids", "error"),
    [([f"m{i}" for i in range(51)], "message_ids has 51 items; Knock accepts at most 50"), ([], "at least 1")],
)
def test_batch_get_content_checks_the_id_count(
    httpserver: HTTPServer, client: knockkit.Client, ids: list[str], error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        messages.batch_get_content(client, ids)
    assert httpserver.log == []


def test_list_events_decodes_items(httpserver: HTTPServer, client: knockkit.Client) -> None:
    events = {
        "items": [
            {
                "__typename": "MessageEvent",
                "data": None,
                "id": "2FVHPWxRqNuXQ9krvNP5A6Z4qXe",
                "inserted_at": "2021-01-01T00:00:00Z",
                "recipient": "user_123",
                "type": "message.sent",
            },
            {
                "__typename": "MessageEvent",
                "data": {"reason": "clicked"},
                "id": "2FVHPWxRqNuXQ9krvNP5A6Z4qXf",
                "inserted_at": "2021-01-01T00:01:00Z",
                "recipient": {"collection": "projects", "id": "project_123"},
                "type": "message.read",
                "environment_id": "future key",
            },
        ],
        "page_info": PAGE_INFO,
    }
    httpserver.expect_request(f"/v1/messages/{MESSAGE_ID}/events", method="GET").respond_with_json(events)

    page = messages.list_events(client, MESSAGE_ID, before="b1", page_size=2)

    method, path, query, request = sent(httpserver)
    assert (method, path) == ("GET", f"/v1/messages/{ENCODED_ID}/events")
    assert query == [("before", "b1"), ("page_size", "2")]
    assert_auth(request, body=False)
    assert all(isinstance(e, MessageEvent) for e in page)
    assert [e.type for e in page] == ["message.sent", "message.read"]
    assert page[0].recipient == "user_123" and page[0].data is None
    assert page[1].recipient == ObjectReference(collection="projects", id="project_123")
    assert page[1].extra == {"environment_id": "future key"}
    assert page[1].inserted_at == dt.datetime(2021, 1, 1, 0, 1, tzinfo=dt.timezone.utc)


def test_list_activities_sends_trigger_data_as_json(httpserver: HTTPServer, client: knockkit.Client) -> None:
    activities = {
        "items": [
            {
                "__typename": "Activity",
                "actor": None,
                "data": {"foo": "bar"},
                "id": "2FVHPWxRqNuXQ9krvNP5A6Z4qXe",
                "inserted_at": "2024-01-01T00:00:00Z",
                "recipient": {
                    "__typename": "User",
                    "avatar": None,
                    "created_at": None,
                    "email": "jane@ingen.net",
                    "id": "jane",
                    "name": "Jane Doe",
                    "phone_number": None,
                    "timezone": None,
                    "updated_at": "2024-05-22T12:00:00Z",
                },
                "updated_at": "2024-01-01T00:00:00Z",
            }
        ],
        "page_info": PAGE_INFO,
    }
    httpserver.expect_request(f"/v1/messages/{MESSAGE_ID}/activities", method="GET").respond_with_json(activities)

    page = messages.list_activities(client, MESSAGE_ID, trigger_data={"comment_id": "123"}, after="a1")

    method, path, query, _ = sent(httpserver)
    assert (method, path) == ("GET", f"/v1/messages/{ENCODED_ID}/activities")
    assert query == [("trigger_data", '{"comment_id":"123"}'), ("after", "a1")]
    (activity,) = page.entries
    assert isinstance(activity, Activity)
    assert activity.id == "2FVHPWxRqNuXQ9krvNP5A6Z4qXe"
    assert activity.actor is None
    assert isinstance(activity.recipient, User) and activity.recipient.email == "jane@ingen.net"
    assert activity.data == {"foo": "bar"}
    assert activity.inserted_at == dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def test_list_delivery_logs_decodes_items(httpserver: HTTPServer, client: knockkit.Client) -> None:
    log = {
        "__typename": "MessageDeliveryLog",
        "environment_id": "123e4567-e89b-12d3-a456-426614174000",
        "id": "2FVHPWxRqNuXQ9krvNP5A6Z4qXe",
        "inserted_at": "2021-01-01T00:00:00Z",
        "request": {
            "body": {"html_content": "<html></html>"},
            "headers": {"Content-Type": "application/json"},
            "host": "localhost",
            "method": "GET",
            "path": "/",
            "query": "?foo=bar",
        },
        "response": {"body": "accepted", "headers": {"Content-Type": "text/plain"}, "status": 200},
        "service_name": "Postmark",
    }
    httpserver.expect_request(f"/v1/messages/{MESSAGE_ID}/delivery_logs", method="GET").respond_with_json(
        {"items": [log], "page_info": {**PAGE_INFO, "after": "next"}}
    )

    page = messages.list_delivery_logs(client, MESSAGE_ID, page_size=10)

    method, path, query, _ = sent(httpserver)
    assert (method, path, query) == ("GET", f"/v1/messages/{ENCODED_ID}/delivery_logs", [("page_size", "10")])
    (entry,) = page.entries
    assert isinstance(entry, DeliveryLog)
    assert entry.service_name == "Postmark"
    assert entry.request == DeliveryLogRequest(
        body={"html_content": "<html></html>"},
        headers={"Content-Type": "application/json"},
        host="localhost",
        method="GET",
        path="/",
        query="?foo=bar",
    )
    assert entry.response == DeliveryLogResponse(body="accepted", headers={"Content-Type": "text/plain"}, status=200)
    assert entry.to_dict() == log
    assert page.next_params == {"after": "next"}


# --- engagement, one message ----------------------------------------------------------

SINGLE_MARKS: list[tuple[Callable[..., Message], str, str]] = [
    (messages.mark_as_seen, "PUT", "seen"),
    (messages.mark_as_unseen, "DELETE", "seen"),
    (messages.mark_as_read, "PUT", "read"),
    (messages.mark_as_unread, "DELETE", "read"),
    (messages.archive, "PUT", "archived"),
    (messages.unarchive, "DELETE", "archived"),
    (messages.mark_as_interacted, "PUT", "interacted"),
]


@pytest.mark.parametrize(("fn", "method", "status"), SINGLE_MARKS, ids=[f[0].__name__ for f in SINGLE_MARKS])
def test_single_marks_use_the_canonical_path(
    httpserver: HTTPServer, client: knockkit.Client, fn: Callable[..., Message], method: str, status: str
) -> None:
    httpserver.expect_request(f"/v1/messages/{MESSAGE_ID}/{status}", method=method).respond_with_json(MESSAGE)

    message = fn(client, MESSAGE_ID)

    sent_method, path, query, request = sent(httpserver)
    assert (sent_method, path, query) == (method, f"/v1/messages/{ENCODED_ID}/{status}", [])
    assert request.get_data() == b""
    assert_auth(request, body=False)
    assert_message(message)


def test_mark_as_interacted_sends_metadata(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/messages/{MESSAGE_ID}/interacted", method="PUT").respond_with_json(MESSAGE)
    metadata = {"action": "clicked_cta", "button": 2, "primary": True, "score": 0.5, "note": None}

    message = messages.mark_as_interacted(client, MESSAGE_ID, metadata=metadata)

    method, path, _, request = sent(httpserver)
    assert (method, path) == ("PUT", f"/v1/messages/{ENCODED_ID}/interacted")
    assert_auth(request, body=True)
    assert json.loads(request.get_data()) == {"metadata": metadata}
    assert_message(message)


BAD_METADATA = [
    ({f"k{i}": i for i in range(6)}, r"metadata has 6 keys; Knock accepts at most 5"),
    ({"cta": {"label": "Reserve"}}, r"metadata\['cta'\] is a dict; interaction metadata must be flat"),
    ({"tags": ["a", "b"]}, r"metadata\['tags'\] is a list; interaction metadata must be flat"),
]


@pytest.mark.parametrize(("metadata", "error"), BAD_METADATA, ids=["too-many-keys", "nested-dict", "list"])
def test_interacted_metadata_limits_are_checked_before_sending(
    httpserver: HTTPServer, client: knockkit.Client, metadata: dict[str, Any], error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        messages.mark_as_interacted(client, MESSAGE_ID, metadata=metadata)
    with pytest.raises(ValueError, match=error):
        messages.batch_mark_as_interacted(client, IDS, metadata=metadata)
    assert httpserver.log == []


def test_interacted_metadata_must_be_a_mapping(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(TypeError, match="metadata must be a mapping"):
        messages.mark_as_interacted(client, MESSAGE_ID, metadata=["clicked"])  # type: ignore[arg-type]
    assert httpserver.log == []


# --- engagement, in batches -----------------------------------------------------------

BATCH_MARKS: list[tuple[Callable[..., list[Message]], str]] = [
    (messages.batch_mark_as_seen, "seen"),
    (messages.batch_mark_as_unseen, "unseen"),
    (messages.batch_mark_as_read, "read"),
    (messages.batch_mark_as_unread, "unread"),
    (messages.batch_mark_as_interacted, "interacted"),
    (messages.batch_archive, "archived"),
    (messages.batch_unarchive, "unarchived"),
]
BATCH_IDS = [f[0].__name__ for f in BATCH_MARKS]


@pytest.mark.parametrize(("fn", "action"), BATCH_MARKS, ids=BATCH_IDS)
def test_batch_marks_post_the_ids(
    httpserver: HTTPServer, client: knockkit.Client, fn: Callable[..., list[Message]], action: str
) -> None:
    httpserver.expect_request(f"/v1/messages/batch/{action}", method="POST").respond_with_json([MESSAGE])

    updated = fn(client, IDS)

    method, path, query, request = sent(httpserver)
    assert (method, path, query) == ("POST", f"/v1/messages/batch/{action}", [])
    assert_auth(request, body=True)
    assert json.loads(request.get_data()) == {"message_ids": IDS}
    assert isinstance(updated, list) and len(updated) == 1
    assert_message(updated[0])


def test_batch_mark_as_interacted_sends_metadata(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/messages/batch/interacted", method="POST").respond_with_json([MESSAGE])

    messages.batch_mark_as_interacted(client, IDS[:1], metadata={"key": "value"})

    assert json.loads(httpserver.log[-1][0].get_data()) == {"message_ids": IDS[:1], "metadata": {"key": "value"}}


@pytest.mark.parametrize(("fn", "action"), BATCH_MARKS, ids=BATCH_IDS)
def test_batch_marks_check_the_id_count_before_sending(
    httpserver: HTTPServer, client: knockkit.Client, fn: Callable[..., list[Message]], action: str
) -> None:
    with pytest.raises(ValueError, match="message_ids has 51 items; Knock accepts at most 50 per request"):
        fn(client, [f"m{i}" for i in range(51)])
    with pytest.raises(ValueError, match="message_ids needs at least 1"):
        fn(client, [])
    with pytest.raises(TypeError, match="message_ids must be a list"):
        fn(client, "2w3YUpTTOxuDvZFji8OMsKrG176")
    assert httpserver.log == []


def test_batch_marks_accept_exactly_50_ids(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/messages/batch/read", method="POST").respond_with_json([])
    ids = [f"m{i}" for i in range(50)]

    assert messages.batch_mark_as_read(client, ids) == []
    assert json.loads(httpserver.log[-1][0].get_data()) == {"message_ids": ids}


def test_batch_marks_are_retried_because_they_are_idempotent(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    httpserver.expect_ordered_request("/v1/messages/batch/seen", method="POST").respond_with_json(
        {"code": "unavailable", "message": "try again", "status": 503, "type": "api_error"}, status=503
    )
    httpserver.expect_ordered_request("/v1/messages/batch/seen", method="POST").respond_with_json([MESSAGE])

    updated = messages.batch_mark_as_seen(client, IDS)

    assert len(httpserver.log) == 2
    assert [json.loads(r.get_data()) for r, _ in httpserver.log] == [{"message_ids": IDS}] * 2
    assert_message(updated[0])


def test_batch_interacted_is_not_retried_once_it_reached_knock(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    # A repeated interaction would be recorded twice, unlike seen/read/archived.
    httpserver.expect_request("/v1/messages/batch/interacted", method="POST").respond_with_json(
        {"code": "unavailable", "message": "try again", "status": 503, "type": "api_error"}, status=503
    )
    with pytest.raises(knockkit.ServerError):
        messages.batch_mark_as_interacted(client, IDS[:1])
    assert len(httpserver.log) == 1


def test_message_ids_filter_is_limited_for_every_message_list(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    too_many = [f"m{i}" for i in range(51)]
    with pytest.raises(ValueError, match="message_ids has 51 items; Knock accepts at most 50"):
        messages.list(client, message_ids=too_many)
    with pytest.raises(ValueError, match="message_ids has 51 items"):
        knockkit.users.list_messages(client, "jhammond", message_ids=too_many)
    with pytest.raises(ValueError, match="message_ids has 51 items"):
        knockkit.objects.list_messages(client, "projects", "p1", message_ids=too_many)
    assert httpserver.log == []
