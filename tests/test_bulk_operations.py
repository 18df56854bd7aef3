"""knockkit.bulk_operations over real HTTP: get, and wait polling until a job finishes."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import bulk_operations
from knockkit.bulk_operations import BulkOperationTimeoutError
from knockkit.models import BulkOperation, BulkOperationError
from tests.wire import assert_headers, example, only, sent

OP_ID = "123e4567-e89b-12d3-a456-426614174000"
PATH = f"/v1/bulk_operations/{OP_ID}"


def operation(status: str, processed: int = 0, **changes: Any) -> dict[str, Any]:
    """The spec's example in a given state, plus a key Knock may add later."""
    return {
        **example("BulkOperation"),
        "status": status,
        "processed_rows": processed,
        "future_field": {"kept": True},
        **changes,
    }


def test_get_returns_the_operation(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(PATH, method="GET").respond_with_json(operation("processing", 10))

    op = bulk_operations.get(client, OP_ID)

    request = only(httpserver)
    assert (request.method, request.path, request.query) == ("GET", PATH, [])
    assert_headers(request, body=False)
    assert isinstance(op, BulkOperation)
    assert (op.id, op.name, op.status, op.processed_rows) == (OP_ID, "Bulk operation name", "processing", 10)
    assert op.progress_path == f"https://api.switchboard.com/v1/bulk_operations/{OP_ID}"
    assert op.inserted_at == dt.datetime(2024, 5, 22, 12, tzinfo=dt.timezone.utc)
    assert op.completed_at is None and not op.finished
    assert op.extra == {"future_field": {"kept": True}}


def test_wait_polls_until_completed(httpserver: HTTPServer, client: knockkit.Client) -> None:
    for body in (
        operation("processing", 0),
        operation("processing", 600),
        operation("completed", 1000, success_count=1000, completed_at="2024-05-22T12:05:00Z"),
    ):
        httpserver.expect_ordered_request(PATH, method="GET").respond_with_json(body)
    seen: list[BulkOperation] = []

    op = bulk_operations.wait(client, OP_ID, timeout=30, interval=0.001, on_progress=seen.append)

    assert len(httpserver.log) == 3
    for index in range(3):
        request = sent(httpserver, index)
        assert (request.method, request.path, request.body) == ("GET", PATH, None)
        assert_headers(request, body=False)
    assert [(s.status, s.processed_rows) for s in seen] == [("processing", 0), ("processing", 600), ("completed", 1000)]
    assert op is seen[-1]
    assert op.finished and op.success_count == 1000
    assert op.completed_at == dt.datetime(2024, 5, 22, 12, 5, tzinfo=dt.timezone.utc)


def test_wait_returns_a_failed_operation(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_ordered_request(PATH, method="GET").respond_with_json(operation("queued"))
    httpserver.expect_ordered_request(PATH, method="GET").respond_with_json(
        operation("failed", 3, error_count=1, error_items=[{"id": "u1", "collection": None}])
    )

    op = bulk_operations.wait(client, OP_ID, interval=0.001)

    assert len(httpserver.log) == 2
    assert (op.status, op.error_count, op.error_items) == ("failed", 1, [BulkOperationError(id="u1")])


def test_wait_raises_a_timeout_naming_the_operation(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(PATH, method="GET").respond_with_json(operation("processing", 250))
    seen: list[BulkOperation] = []

    # timeout=0: one look, then give up (no sleeping, no timing in the test)
    with pytest.raises(BulkOperationTimeoutError) as info:
        bulk_operations.wait(client, OP_ID, timeout=0, interval=0.001, on_progress=seen.append)

    error = info.value
    assert isinstance(error, TimeoutError) and isinstance(error, knockkit.KnockError)
    assert (error.operation_id, error.status) == (OP_ID, "processing")
    assert error.operation is seen[-1]
    assert OP_ID in str(error) and "last status: processing" in str(error)
    assert "250 of 1000 rows" in str(error)
    assert len(httpserver.log) == 1
    for restored in (pickle.loads(pickle.dumps(error)), copy.copy(error)):  # as a worker process sends it back
        assert type(restored) is BulkOperationTimeoutError
        assert (restored.args, str(restored), restored.timeout) == (error.args, str(error), 0)
        assert restored.operation == error.operation


def test_wait_keeps_polling_until_the_timeout(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(PATH, method="GET").respond_with_json(operation("processing"))
    with pytest.raises(TimeoutError, match=f"bulk operation {OP_ID} did not finish within 0.05 s"):
        bulk_operations.wait(client, OP_ID, timeout=0.05, interval=0.001)
    assert len(httpserver.log) >= 1


def test_wait_passes_api_errors_through(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(PATH, method="GET").respond_with_json(
        {"code": "resource_missing", "message": "not found", "status": 404, "type": "invalid_request_error"},
        status=404,
        headers={"x-request-id": "req-1"},
    )
    with pytest.raises(knockkit.NotFoundError) as info:
        bulk_operations.wait(client, OP_ID, interval=0.001)
    assert (info.value.code, info.value.request_id) == ("resource_missing", "req-1")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timeout": -1}, "timeout must be a number of seconds >= 0"),
        ({"interval": 0}, "interval must be a number of seconds > 0"),
        ({"interval": True}, "interval must be a number of seconds > 0"),
    ],
)
def test_wait_checks_its_arguments(
    httpserver: HTTPServer, client: knockkit.Client, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        bulk_operations.wait(client, OP_ID, **kwargs)
    assert httpserver.log == []
