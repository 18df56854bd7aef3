"""knockkit.channels over real HTTP: bulk message status updates for a channel."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import channels
from knockkit.models import BulkOperation
from tests.wire import assert_headers, example, only, spec

CHANNEL_ID = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
OP_ID = "123e4567-e89b-12d3-a456-426614174000"


def bulk_operation() -> dict[str, Any]:
    return {**example("BulkOperation"), "future_field": {"kept": True}}


def test_bulk_update_sends_every_filter(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/channels/{CHANNEL_ID}/messages/bulk/seen", method="POST").respond_with_json(
        bulk_operation()
    )

    op = channels.bulk_update_message_status(
        client,
        CHANNEL_ID,
        "seen",
        archived="include",
        delivery_status="delivered",
        engagement_status="seen",
        has_tenant=True,
        newer_than=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
        older_than="2024-02-01T00:00:00Z",
        recipient_ids=["recipient1", "recipient2"],
        tenants=["tenant1", "tenant2"],
        trigger_data={"key": "value"},
        workflows=["workflow1", "workflow2"],
    )

    request = only(httpserver)
    assert (request.method, request.path, request.query) == (
        "POST",
        f"/v1/channels/{CHANNEL_ID}/messages/bulk/seen",
        [],
    )
    assert_headers(request, body=True)
    # The spec's example body, timestamps and JSON-encoded trigger_data included.
    assert request.body == {
        **example("BulkUpdateMessagesForChannelRequest"),
        "older_than": "2024-02-01T00:00:00Z",
    }
    assert isinstance(op, BulkOperation)
    assert (op.id, op.status) == (OP_ID, "processing")
    assert op.extra == {"future_field": {"kept": True}}


def test_bulk_update_without_filters_sends_an_empty_body(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/channels/{CHANNEL_ID}/messages/bulk/archive", method="POST").respond_with_json(
        bulk_operation()
    )

    channels.bulk_update_message_status(client, CHANNEL_ID, "archive")

    request = only(httpserver)
    assert request.path == f"/v1/channels/{CHANNEL_ID}/messages/bulk/archive"
    assert request.body == {}
    assert_headers(request, body=True)


def test_bulk_update_is_not_retried_after_reaching_knock(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/channels/{CHANNEL_ID}/messages/bulk/delete", method="POST").respond_with_json(
        {"message": "unavailable"}, status=503
    )
    with pytest.raises(knockkit.ServerError):
        channels.bulk_update_message_status(client, CHANNEL_ID, "delete")
    assert len(httpserver.log) == 1


@pytest.mark.parametrize(
    ("action", "kwargs", "error", "message"),
    [
        ("archiv", {}, ValueError, "action must be one of seen, unseen, read"),
        (None, {}, TypeError, "action must be a string"),
        ("read", {"archived": "all"}, ValueError, "archived must be one of exclude, include, only"),
        ("read", {"delivery_status": "opened"}, ValueError, "delivery_status must be one of queued"),
        ("read", {"engagement_status": "clicked"}, ValueError, "engagement_status must be one of seen"),
        ("read", {"tenants": "tenant1"}, TypeError, "tenants must be a list"),
        ("read", {"trigger_data": '{"key":"value"}'}, TypeError, "trigger_data must be a mapping"),
    ],
)
def test_bad_arguments_are_caught_before_sending(
    httpserver: HTTPServer,
    client: knockkit.Client,
    action: Any,
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        channels.bulk_update_message_status(client, CHANNEL_ID, action, **kwargs)
    assert httpserver.log == []


def test_enumerations_match_the_spec() -> None:
    operation = spec()["paths"]["/v1/channels/{channel_id}/messages/bulk/{action}"]["post"]
    (action,) = (p for p in operation["parameters"] if p["name"] == "action")
    body = spec()["components"]["schemas"]["BulkUpdateMessagesForChannelRequest"]["properties"]
    assert tuple(action["schema"]["enum"]) == channels.ACTIONS
    assert tuple(body["archived"]["enum"]) == channels.ARCHIVED
    assert tuple(body["delivery_status"]["enum"]) == channels.DELIVERY_STATUSES
    assert tuple(body["engagement_status"]["enum"]) == channels.ENGAGEMENT_STATUSES
