"""knockkit.workflow_recipient_runs over real HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import workflow_recipient_runs
from knockkit.models import ObjectReference, Page, TriggerSource, WorkflowRecipientRun, WorkflowRecipientRunEvent
from tests.conftest import TEST_KEY, raw_path

# The spec's WorkflowRecipientRun example, plus a key Knock may add later.
RUN: dict[str, Any] = {
    "__typename": "WorkflowRecipientRun",
    "actor": "user_456",
    "error_count": 0,
    "id": "550e8400-e29b-41d4-a716-446655440000",
    "inserted_at": "2025-01-01T00:00:00Z",
    "recipient": "user_123",
    "status": "completed",
    "tenant": "tenant_abc",
    "trigger_source": {"cancellation_key": "comment-123-user-456", "type": "api"},
    "updated_at": "2025-01-01T00:05:00Z",
    "workflow": "comment-created",
    "workflow_run_id": "660e8400-e29b-41d4-a716-446655440000",
    "duration_ms": 1200,
}
PAGE_INFO = {"__typename": "PageInfo", "after": None, "before": None, "page_size": 25}


def sent(httpserver: HTTPServer, index: int = -1) -> tuple[str, str, list[tuple[str, str]]]:
    request = httpserver.log[index][0]
    assert request.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert "Content-Type" not in request.headers
    path, _, query = raw_path(httpserver, index).partition("?")
    return request.method, path, parse_qsl(query)


def test_list_sends_filters_and_decodes_items(httpserver: HTTPServer, client: knockkit.Client) -> None:
    object_run = {**RUN, "recipient": {"collection": "projects", "id": "project_123"}, "actor": None}
    httpserver.expect_request("/v1/workflow_recipient_runs", method="GET").respond_with_json(
        {"items": [RUN, object_run], "page_info": {**PAGE_INFO, "after": "c2"}}
    )

    page = workflow_recipient_runs.list(
        client,
        workflow="comment-created",
        status=["completed", "cancelled"],
        tenant="tenant_abc",
        has_errors=False,
        recipient={"collection": "projects", "id": "project_123"},
        starting_at=dt.datetime(2025, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        ending_at="2025-02-01T00:00:00Z",
        page_size=25,
    )

    assert sent(httpserver) == (
        "GET",
        "/v1/workflow_recipient_runs",
        [
            ("workflow", "comment-created"),
            ("status[]", "completed"),
            ("status[]", "cancelled"),
            ("tenant", "tenant_abc"),
            ("has_errors", "false"),
            ("recipient[collection]", "projects"),
            ("recipient[id]", "project_123"),
            ("starting_at", "2025-01-01T00:00:00Z"),
            ("ending_at", "2025-02-01T00:00:00Z"),
            ("page_size", "25"),
        ],
    )
    assert isinstance(page, Page)
    first, second = page.entries
    assert isinstance(first, WorkflowRecipientRun)
    assert (first.id, first.workflow, first.status, first.error_count) == (
        "550e8400-e29b-41d4-a716-446655440000", "comment-created", "completed", 0,
    )  # fmt: skip
    assert first.recipient == "user_123" and first.actor == "user_456"
    assert first.trigger_source == TriggerSource(cancellation_key="comment-123-user-456", type="api")
    assert first.updated_at == dt.datetime(2025, 1, 1, 0, 5, tzinfo=dt.timezone.utc)
    assert first.events is None
    assert first.extra == {"duration_ms": 1200}
    assert second.recipient == ObjectReference(collection="projects", id="project_123") and second.actor is None
    assert page.next_params == {"after": "c2"}


def test_list_takes_a_user_id_as_recipient(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/workflow_recipient_runs").respond_with_json({"items": [], "page_info": PAGE_INFO})

    page = workflow_recipient_runs.list(client, recipient="user_123")

    assert sent(httpserver) == ("GET", "/v1/workflow_recipient_runs", [("recipient", "user_123")])
    assert page.entries == []


@pytest.mark.parametrize(
    ("recipient", "error"),
    [
        ("", ValueError),
        ({"id": "project_123"}, ValueError),
        ({"id": "p1", "collection": ""}, ValueError),
        (["user_123"], TypeError),
    ],
)
def test_list_checks_the_recipient_before_sending(
    httpserver: HTTPServer, client: knockkit.Client, recipient: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match="recipient must"):
        workflow_recipient_runs.list(client, recipient=recipient)
    assert httpserver.log == []


def test_paginate_walks_runs(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_ordered_request("/v1/workflow_recipient_runs").respond_with_json(
        {"items": [RUN], "page_info": {**PAGE_INFO, "after": "c2"}}
    )
    httpserver.expect_ordered_request("/v1/workflow_recipient_runs").respond_with_json(
        {"items": [{**RUN, "id": "run-2"}], "page_info": PAGE_INFO}
    )

    ids = [run.id for run in knockkit.paginate(workflow_recipient_runs.list, client, workflow="comment-created")]

    assert ids == ["550e8400-e29b-41d4-a716-446655440000", "run-2"]
    assert sent(httpserver, 1)[2] == [("workflow", "comment-created"), ("after", "c2")]


def test_get_decodes_the_events(httpserver: HTTPServer, client: knockkit.Client) -> None:
    detail = {
        **RUN,
        "events": [
            {
                "__typename": "WorkflowRecipientRunEvent",
                "attempt": 1,
                "data": {"channel_type": "email", "message_id": "2FVHPWxRqNuXQ9krvNP5A6Z4qXe"},
                "event": "message_enqueued",
                "id": "2FVHPWxRqNuXQ9krvNP5A6Z4qXe",
                "inserted_at": "2025-01-01T00:00:00Z",
                "status": "ok",
                "step_ref": "email_step_1",
                "step_type": "channel",
                "trace_id": "future key",
            }
        ],
    }
    httpserver.expect_request("/v1/workflow_recipient_runs/run 1", method="GET").respond_with_json(detail)

    run = workflow_recipient_runs.get(client, "run 1")

    assert sent(httpserver) == ("GET", "/v1/workflow_recipient_runs/run%201", [])
    assert isinstance(run, WorkflowRecipientRun)
    assert run.workflow_run_id == "660e8400-e29b-41d4-a716-446655440000"
    assert run.events is not None
    (event,) = run.events
    assert isinstance(event, WorkflowRecipientRunEvent)
    assert (event.event, event.status, event.attempt, event.step_ref) == ("message_enqueued", "ok", 1, "email_step_1")
    assert event.data == {"channel_type": "email", "message_id": "2FVHPWxRqNuXQ9krvNP5A6Z4qXe"}
    assert event.inserted_at == dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    assert event.extra == {"trace_id": "future key"}
    assert run.to_dict().items() >= detail.items()
