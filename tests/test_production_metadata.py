"""``knockkit.with_response``: a call's value with its response's metadata (issue 10, item 1)."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import attrs
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import knockkit
from knockkit import _http, users, workflows
from knockkit.models import User
from tests.conftest import TEST_KEY, call

USER = {"__typename": "User", "id": "jhammond", "name": "John Hammond"}
UNAVAILABLE = {"code": "unavailable", "message": "try again", "status": 503, "type": "api_error"}


def test_value_status_headers_and_request_id(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/jhammond", method="GET").respond_with_json(
        USER, headers={"X-Request-Id": "req_123", "X-RateLimit-Remaining": "99"}
    )
    response = call(knockkit.with_response, users.get, any_client, "jhammond")

    assert isinstance(response, knockkit.Response)
    assert response.value == User(id="jhammond", name="John Hammond", typename="User")
    assert response.status == 200
    assert response.request_id == "req_123"
    assert response.headers["x-ratelimit-remaining"] == "99"
    assert response.headers["X-RATELIMIT-REMAINING"] == "99"
    assert response.headers.get("content-type") == "application/json"
    assert response.idempotent_replayed is False
    assert response.attempts == 1
    assert response.elapsed >= 0
    assert len(httpserver.log) == 1 and httpserver.log[0][0].path == "/v1/users/jhammond"


def test_a_response_is_frozen_and_its_headers_read_only(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/jhammond").respond_with_json(USER)
    response = call(knockkit.with_response, users.get, any_client, "jhammond")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        response.status = 500
    with pytest.raises(TypeError):
        response.headers["X-New"] = "v"


def test_a_replayed_trigger_and_its_retries(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_ordered_request("/v1/workflows/wf/trigger").respond_with_json(UNAVAILABLE, status=503)
    httpserver.expect_ordered_request("/v1/workflows/wf/trigger").respond_with_json(
        {"workflow_run_id": "run_1"}, headers={"Idempotent-Replayed": "true", "x-request-id": "req_2"}
    )
    response = call(
        knockkit.with_response, workflows.trigger, any_client, "wf", recipients=["jhammond"], idempotency_key="k-1"
    )
    assert response.value.workflow_run_id == "run_1"
    assert (response.idempotent_replayed, response.attempts, response.request_id) == (True, 2, "req_2")
    assert [r.headers["Idempotency-Key"] for r, _ in httpserver.log] == ["k-1", "k-1"]


def test_a_call_without_a_body(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/jhammond", method="DELETE").respond_with_data("", status=204)
    response = call(knockkit.with_response, users.delete, any_client, "jhammond")
    assert (response.value, response.status) == (None, 204)
    assert httpserver.log[0][0].method == "DELETE"


def test_errors_are_raised_as_without_it(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/nobody").respond_with_json(
        {"code": "not_found", "message": "no such user"}, status=404, headers={"x-request-id": "req_404"}
    )
    with pytest.raises(knockkit.NotFoundError) as info:
        call(knockkit.with_response, users.get, any_client, "nobody")
    assert info.value.request_id == "req_404"


def test_bad_arguments_raise_at_the_call_before_anything_is_awaited(
    httpserver: HTTPServer, any_client: knockkit.Client
) -> None:
    with pytest.raises(ValueError, match="user_id must not be empty"):
        knockkit.with_response(users.get, any_client, "")
    with pytest.raises(TypeError, match="with_response needs an endpoint function first, not str"):
        knockkit.with_response("users.get", any_client)  # type: ignore[call-overload]
    assert httpserver.log == []


def test_a_function_that_sends_nothing_is_refused(any_client: knockkit.Client) -> None:
    async def nothing(client: Any) -> int:
        return 1

    def sync_nothing(client: Any) -> int:
        return 1

    with pytest.raises(TypeError, match=r"sent no request through knockkit; with_response takes an endpoint"):
        call(knockkit.with_response, nothing if isinstance(any_client, knockkit.AsyncClient) else sync_nothing,
             any_client)  # fmt: skip


def test_header_values_are_redacted_like_everything_from_the_server(
    httpserver: HTTPServer, any_client: knockkit.Client
) -> None:
    httpserver.expect_request("/v1/users/jhammond").respond_with_json(USER, headers={"X-Echo": f"key {TEST_KEY}"})
    response = call(knockkit.with_response, users.get, any_client, "jhammond")
    assert response.headers["x-echo"] == "key [REDACTED]"
    assert TEST_KEY not in repr(response)


def test_calls_without_it_capture_nothing(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/jhammond").respond_with_json(USER)
    call(knockkit.with_response, users.get, any_client, "jhammond")
    assert _http.CAPTURED.get() is None
    assert call(users.get, any_client, "jhammond").id == "jhammond"


def _numbered(request: Request) -> Response:
    user_id = request.path.rsplit("/", 1)[1]
    body = json.dumps({"id": user_id})
    return Response(body, content_type="application/json", headers={"x-request-id": f"req-{user_id}"})


def test_concurrent_tasks_each_get_their_own(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/users/u0").respond_with_handler(_numbered)
    for i in range(1, 20):
        httpserver.expect_request(f"/v1/users/u{i}").respond_with_handler(_numbered)
    aclient = knockkit.AsyncClient(api_key=TEST_KEY, base_url=httpserver.url_for("/"))

    async def main() -> list[knockkit.Response[User]]:
        return await asyncio.gather(*(knockkit.with_response(users.get, aclient, f"u{i}") for i in range(20)))

    for i, response in enumerate(asyncio.run(main())):
        assert (response.value.id, response.request_id) == (f"u{i}", f"req-u{i}")


def test_concurrent_threads_each_get_their_own(httpserver: HTTPServer, client: knockkit.Client) -> None:
    for i in range(8):
        httpserver.expect_request(f"/v1/users/u{i}").respond_with_handler(_numbered)
    results: dict[int, tuple[str, str | None]] = {}

    def work(i: int) -> None:
        for _ in range(5):
            response = knockkit.with_response(users.get, client, f"u{i}")
            results[i] = (response.value.id, response.request_id)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {i: (f"u{i}", f"req-u{i}") for i in range(8)}
