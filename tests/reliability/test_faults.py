"""The fault matrix: what each kind of failure on the wire turns into.

Three operations cover the three retry classes of the executor:

- ``get``: a GET, retried on connection errors, read errors and retryable statuses;
- ``trigger``: a POST carrying an Idempotency-Key, retried like a GET with the same key;
- ``merge``: a POST without one, retried only when the request cannot have been sent.

Each case asserts the exception and its fields (or the recovered value), the attempts
that reached the server, a loose lower bound on the time the retries waited, and for
triggers that every attempt carried the same Idempotency-Key. Clients retry twice with a
50 ms backoff factor and a 0.3 s timeout (see conftest.py).
"""

from __future__ import annotations

import email.utils
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

import knockkit
from knockkit import errors, users, workflows
from knockkit.models import TriggerResult, User
from tests.conftest import TEST_KEY
from tests.conftest import call as run_call
from tests.conftest import make_client as any_transport
from tests.reliability._server import (
    Close,
    FaultServer,
    Hang,
    Raw,
    Request,
    Reset,
    Respond,
    json_response,
    knock_error,
    sequence,
)
from tests.reliability.conftest import MIN_BACKOFF_TWO_RETRIES, TIMEOUT, make_client, min_backoff

USER = {"__typename": "User", "id": "u1", "name": "Ellie Sattler", "updated_at": "2024-05-01T12:00:00Z"}
RUN = {"workflow_run_id": "run_1"}

Call = Callable[[knockkit.Client], Any]


@pytest.fixture
def client(any_client: knockkit.Client) -> knockkit.Client:
    """Every test here runs once per transport: the same assertions, attempts and delays."""
    return any_client
OPERATIONS: dict[str, tuple[str, str, Call, Respond]] = {
    "get": ("GET", "/v1/users/u1", lambda c: users.get(c, "u1"), json_response(200, USER)),
    "trigger": (
        "POST",
        "/v1/workflows/dinosaurs-loose/trigger",
        lambda c: workflows.trigger(c, "dinosaurs-loose", recipients=["jhammond"], data={"n": 1}),
        json_response(200, RUN),
    ),
    "merge": ("POST", "/v1/users/u1/merge", lambda c: users.merge(c, "u1", "u2"), json_response(200, USER)),
}
RETRIED = {"get": 3, "trigger": 3, "merge": 1}  # attempts when every attempt fails after sending


def timed(call: Call, client: knockkit.Client) -> tuple[Any, float]:
    started = time.monotonic()
    try:
        return run_call(call, client), time.monotonic() - started
    except knockkit.KnockError as exc:
        return exc, time.monotonic() - started


def assert_same_idempotency_key(requests: list[Request]) -> None:
    keys = {r.headers.get("idempotency-key") for r in requests}
    assert len(keys) == 1 and None not in keys and "" not in keys, keys


def check_wire(op: str, server: FaultServer, attempts: int) -> None:
    method, path, _, _ = OPERATIONS[op]
    assert len(server.requests) == attempts
    assert all((r.method, r.path) == (method, path) for r in server.requests)
    if op == "trigger":
        assert_same_idempotency_key(server.requests)
    else:
        assert all("idempotency-key" not in r.headers for r in server.requests)


def check_recovered(op: str, value: Any) -> None:
    if op == "trigger":
        assert value == TriggerResult(workflow_run_id="run_1")
    else:
        assert isinstance(value, User) and value.id == "u1" and value.name == "Ellie Sattler"


def check_connection_error(op: str, exc: Any, attempts: int, *, timeout: bool = False) -> None:
    method, path, _, _ = OPERATIONS[op]
    assert isinstance(exc, errors.APIConnectionError), exc
    assert isinstance(exc, errors.APITimeoutError) is timeout, exc
    assert (exc.method, exc.path, exc.attempts) == (method, path, attempts)
    assert f"after {attempts} attempt(s)" in str(exc)


# --- no connection at all ------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("op", OPERATIONS)
def test_connection_refused_is_retried_for_every_method(op: str, transport: str) -> None:
    # Nothing was sent, so even a POST without an idempotency key is retried.
    client = any_transport(
        transport,
        api_key=TEST_KEY, base_url=f"http://127.0.0.1:{closed_port()}", backoff_factor=0.05, max_retries=2
    )
    exc, elapsed = timed(OPERATIONS[op][2], client)
    check_connection_error(op, exc, 3)
    assert "failed to reach" in str(exc) and "(Connection refused)" in str(exc)
    assert elapsed >= MIN_BACKOFF_TWO_RETRIES


# --- resets --------------------------------------------------------------------------------


@pytest.mark.parametrize("op", OPERATIONS)
def test_reset_before_the_request_is_read(server: FaultServer, client: knockkit.Client, op: str) -> None:
    server.on_connect = lambda serial: Reset()
    exc, elapsed = timed(OPERATIONS[op][2], client)
    # Usually the client cannot tell whether the request went out before the reset (a read
    # error: a POST without a key is not sent again). When the reset lands while the
    # connection is still being set up, it is a connect error, and sending again is safe;
    # each attempt is one reading or the other, so a POST without a key makes 1 to 3.
    attempts = getattr(exc, "attempts", 0)
    assert (1 <= attempts <= 3) if RETRIED[op] == 1 else attempts == RETRIED[op], exc
    check_connection_error(op, exc, attempts)
    assert server.connections == attempts
    assert server.requests == []
    assert elapsed >= min_backoff(attempts)  # (a POST without a key may have made only two)


@pytest.mark.parametrize("op", OPERATIONS)
@pytest.mark.parametrize("drop", [Reset(), Close()], ids=["reset", "closed"])
def test_connection_dropped_after_the_request_is_read(
    server: FaultServer, client: knockkit.Client, op: str, drop: Reset | Close
) -> None:
    server.handler = lambda request: drop
    exc, elapsed = timed(OPERATIONS[op][2], client)
    check_connection_error(op, exc, RETRIED[op])
    check_wire(op, server, RETRIED[op])
    if RETRIED[op] > 1:
        assert elapsed >= MIN_BACKOFF_TWO_RETRIES


@pytest.mark.parametrize("op", ["get", "trigger"])
def test_one_reset_then_the_answer(server: FaultServer, client: knockkit.Client, op: str) -> None:
    server.handler = sequence(Reset(), OPERATIONS[op][3])
    value, elapsed = timed(OPERATIONS[op][2], client)
    check_recovered(op, value)
    check_wire(op, server, 2)
    assert server.connections == 2
    assert elapsed >= 0.75 * 0.05


# --- timeouts ------------------------------------------------------------------------------


@pytest.mark.parametrize("op", OPERATIONS)
def test_read_timeout(server: FaultServer, client: knockkit.Client, op: str) -> None:
    server.handler = lambda request: Hang()
    exc, elapsed = timed(OPERATIONS[op][2], client)
    check_connection_error(op, exc, RETRIED[op], timeout=True)
    assert "timed out" in str(exc)
    check_wire(op, server, RETRIED[op])
    assert elapsed >= 0.95 * TIMEOUT * RETRIED[op]


def test_a_trigger_that_timed_out_is_sent_again_with_its_key(server: FaultServer, client: knockkit.Client) -> None:
    server.handler = sequence(Hang(), OPERATIONS["trigger"][3])
    value, elapsed = timed(OPERATIONS["trigger"][2], client)
    check_recovered("trigger", value)
    check_wire("trigger", server, 2)
    assert elapsed >= 0.95 * TIMEOUT


# --- 429 -----------------------------------------------------------------------------------


def test_429_retry_after_seconds_is_honoured(server: FaultServer, client: knockkit.Client) -> None:
    server.handler = sequence(knock_error(429, "rate_limited", **{"retry-after": "1"}), OPERATIONS["get"][3])
    value, elapsed = timed(OPERATIONS["get"][2], client)
    check_recovered("get", value)
    check_wire("get", server, 2)
    assert server.requests[1].at - server.requests[0].at >= 0.9
    assert elapsed >= 0.9


def test_429_retry_after_http_date_is_honoured(server: FaultServer, client: knockkit.Client) -> None:
    def limited(request: Request) -> Respond:
        # Two seconds ahead, truncated to whole seconds by the format: a wait of 1 to 2 s.
        return knock_error(429, "rate_limited", **{"retry-after": email.utils.formatdate(time.time() + 2, usegmt=True)})

    server.handler = sequence(limited, OPERATIONS["trigger"][3])
    value, _ = timed(OPERATIONS["trigger"][2], client)
    check_recovered("trigger", value)
    check_wire("trigger", server, 2)
    assert server.requests[1].at - server.requests[0].at >= 0.9


def test_429_without_retry_after_backs_off_then_raises(server: FaultServer, client: knockkit.Client) -> None:
    server.handler = lambda request: knock_error(429, "rate_limited", "slow down")
    exc, elapsed = timed(OPERATIONS["get"][2], client)
    assert isinstance(exc, errors.RateLimitError)
    assert (exc.status, exc.code, exc.message, exc.retry_after) == (429, "rate_limited", "slow down", None)
    assert (exc.request_id, exc.method, exc.path) == ("req_429", "GET", "/v1/users/u1")
    assert exc.body == {"code": "rate_limited", "message": "slow down", "status": 429, "type": "api_error"}
    check_wire("get", server, 3)
    assert elapsed >= MIN_BACKOFF_TWO_RETRIES


def test_429_retry_after_every_time_raises_with_retry_after(server: FaultServer, client: knockkit.Client) -> None:
    server.handler = lambda request: knock_error(429, "rate_limited", **{"retry-after": "1"})
    exc, elapsed = timed(OPERATIONS["trigger"][2], client)
    assert isinstance(exc, errors.RateLimitError)
    assert exc.retry_after == 1.0
    check_wire("trigger", server, 3)
    assert elapsed >= 1.8


def test_429_with_an_unreadable_retry_after_falls_back_to_backoff(server: FaultServer, client: knockkit.Client) -> None:
    # Regression: urllib3 raised InvalidHeader, reported as a connection error.
    server.handler = sequence(knock_error(429, **{"retry-after": "soon"}), OPERATIONS["get"][3])
    value, elapsed = timed(OPERATIONS["get"][2], client)
    check_recovered("get", value)
    check_wire("get", server, 2)
    assert elapsed >= 0.75 * 0.05


def test_429_on_a_post_without_idempotency_key_is_not_retried(server: FaultServer, client: knockkit.Client) -> None:
    server.handler = lambda request: knock_error(429, **{"retry-after": "1"})
    exc, _ = timed(OPERATIONS["merge"][2], client)
    assert isinstance(exc, errors.RateLimitError) and exc.retry_after == 1.0
    check_wire("merge", server, 1)


# --- 5xx bursts ----------------------------------------------------------------------------

BURSTS = {
    "shorter than the budget": [500, 502],
    "as long as the budget": [500, 502, 503],
    "longer than the budget": [503, 503, 503, 503, 503, 503],
}


@pytest.mark.parametrize("op", ["get", "trigger"])
@pytest.mark.parametrize("burst", BURSTS.values(), ids=BURSTS.keys())
def test_5xx_burst(server: FaultServer, client: knockkit.Client, op: str, burst: list[int]) -> None:
    server.handler = sequence(*(knock_error(s, "server_error", f"failure {s}") for s in burst), OPERATIONS[op][3])
    result, elapsed = timed(OPERATIONS[op][2], client)
    if len(burst) < 3:
        check_recovered(op, result)
    else:
        assert isinstance(result, errors.ServerError)
        method, path, _, _ = OPERATIONS[op]
        last = burst[2]
        assert (result.status, result.code, result.message) == (last, "server_error", f"failure {last}")
        assert (result.request_id, result.method, result.path) == (f"req_{last}", method, path)
        assert result.body["status"] == last
    check_wire(op, server, 3)
    assert [r.connection for r in server.requests] == [1, 1, 1]  # a 5xx does not cost the connection
    assert elapsed >= MIN_BACKOFF_TWO_RETRIES


def test_500_on_a_post_without_idempotency_key_is_not_retried(server: FaultServer, client: knockkit.Client) -> None:
    server.handler = sequence(knock_error(500), OPERATIONS["merge"][3])
    exc, _ = timed(OPERATIONS["merge"][2], client)
    assert isinstance(exc, errors.ServerError) and exc.status == 500
    check_wire("merge", server, 1)


# --- bodies that are not what they should be -----------------------------------------------

HTML = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"


@pytest.mark.parametrize("op", ["get", "trigger"])
def test_html_where_json_was_expected(server: FaultServer, client: knockkit.Client, op: str) -> None:
    server.handler = lambda request: Respond(200, HTML, {"content-type": "text/html"})
    exc, _ = timed(OPERATIONS[op][2], client)
    assert isinstance(exc, errors.APIResponseValidationError)
    assert exc.status == 200 and exc.body is None
    assert "not JSON" in exc.message and "Bad Gateway" in exc.message
    check_wire(op, server, 1)  # a 2xx was processed: never sent again


def test_html_error_page_from_a_proxy(server: FaultServer, client: knockkit.Client) -> None:
    server.handler = lambda request: Respond(502, HTML, {"content-type": "text/html"})
    exc, _ = timed(OPERATIONS["get"][2], client)
    assert isinstance(exc, errors.ServerError)
    assert (exc.status, exc.code, exc.body, exc.request_id) == (502, None, None, None)
    assert exc.message.startswith("Bad Gateway: <html>")
    check_wire("get", server, 3)


@pytest.mark.parametrize("op", ["get", "trigger"])
def test_truncated_json_body(server: FaultServer, client: knockkit.Client, op: str) -> None:
    truncated = b'{"id": "u1", "workflow_run_id": "ru'
    server.handler = lambda request: Respond(200, truncated, {"content-type": "application/json"})
    exc, _ = timed(OPERATIONS[op][2], client)
    assert isinstance(exc, errors.APIResponseValidationError)
    assert exc.status == 200 and exc.body is None and "not JSON" in exc.message
    check_wire(op, server, 1)


@pytest.mark.parametrize("op", OPERATIONS)
def test_connection_closed_in_the_middle_of_the_body(server: FaultServer, client: knockkit.Client, op: str) -> None:
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n"
    server.handler = lambda request: Raw(head + b'{"id": "u1", "na')
    exc, _ = timed(OPERATIONS[op][2], client)
    check_connection_error(op, exc, RETRIED[op])
    check_wire(op, server, RETRIED[op])


@pytest.mark.parametrize("op", ["get", "trigger"])
def test_2xx_with_an_empty_body(server: FaultServer, client: knockkit.Client, op: str) -> None:
    server.handler = lambda request: Respond(200, b"", {"content-type": "application/json"})
    exc, _ = timed(OPERATIONS[op][2], client)
    assert isinstance(exc, errors.APIResponseValidationError)
    assert exc.status == 200 and exc.body is None and "empty" in exc.message
    check_wire(op, server, 1)


@pytest.mark.parametrize("status", [200, 204])
def test_empty_body_where_none_is_read(server: FaultServer, client: knockkit.Client, status: int) -> None:
    server.handler = lambda request: Respond(status)
    assert run_call(users.delete, client, "u1") is None
    assert [(r.method, r.path) for r in server.requests] == [("DELETE", "/v1/users/u1")]


def test_the_budget_follows_the_client(server: FaultServer, transport: str) -> None:
    server.handler = lambda request: knock_error(503)
    exc, _ = timed(OPERATIONS["trigger"][2], make_client(server, transport, max_retries=4, backoff_factor=0.001))
    assert isinstance(exc, errors.ServerError)
    check_wire("trigger", server, 5)
