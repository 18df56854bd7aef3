"""Hooks and logging (issue 10, item 6), for both clients: what a hook sees per attempt, that a
failing hook never breaks a call, the knockkit logger's lines, and the KNOCK_LOG switch."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import users
from tests.conftest import TEST_KEY, call, make_client
from tests.test_production_errors import free_port

ROOT = Path(__file__).resolve().parent.parent
USER = {"id": "j hammond"}
UNAVAILABLE = {"code": "unavailable", "message": "try again", "status": 503, "type": "api_error"}


class Recorder:
    """A hooks= object that keeps what it was given."""

    def __init__(self) -> None:
        self.events: list[tuple[str, knockkit.RequestEvent]] = []

    def on_request(self, event: knockkit.RequestEvent) -> None:
        self.events.append(("request", event))

    def on_response(self, event: knockkit.RequestEvent) -> None:
        self.events.append(("response", event))


def test_hooks_see_every_attempt(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_ordered_request("/v1/users/j hammond").respond_with_json(UNAVAILABLE, status=503)
    httpserver.expect_ordered_request("/v1/users/j hammond").respond_with_json(USER, headers={"x-request-id": "req_7"})
    seen = Recorder()
    client = any_client.evolve(on_request=seen.on_request, on_response=seen.on_response)

    assert call(users.get, client, "j hammond").id == "j hammond"

    assert [kind for kind, _ in seen.events] == ["request", "response", "request", "response"]
    events = [event for _, event in seen.events]
    common = {
        "method": "GET",
        "template": "/v1/users/{user_id}",
        "path": "/v1/users/j%20hammond",
        "base_url": any_client.base_url,
        "call_id": events[0].call_id,
    }
    assert [attrs.evolve(event, elapsed=None) for event in events] == [
        knockkit.RequestEvent(**common, attempt=1),
        knockkit.RequestEvent(**common, attempt=1, status=503, retrying=True),
        knockkit.RequestEvent(**common, attempt=2),
        knockkit.RequestEvent(**common, attempt=2, status=200, request_id="req_7"),
    ]
    assert events[0].elapsed is None and events[2].elapsed is None
    assert events[1].elapsed is not None and events[1].elapsed >= 0
    assert events[3].elapsed is not None and events[3].elapsed >= 0


def test_each_call_has_its_own_call_id(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/j hammond").respond_with_json(USER)
    seen = Recorder()
    client = any_client.evolve(hooks=seen)
    call(users.get, client, "j hammond")
    call(users.get, client, "j hammond")
    ids = [event.call_id for _, event in seen.events]
    assert ids[0] == ids[1] and ids[2] == ids[3] and ids[0] != ids[2]


def test_functions_and_a_hooks_object_are_all_called(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/j hammond").respond_with_json(USER)
    order: list[str] = []
    seen = Recorder()
    client = any_client.evolve(
        on_request=lambda event: order.append("on_request"),
        on_response=lambda event: order.append("on_response"),
        hooks=seen,
    )
    call(users.get, client, "j hammond")
    assert order == ["on_request", "on_response"]
    assert [kind for kind, _ in seen.events] == ["request", "response"]


def test_a_hooks_object_may_have_only_one_method(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/j hammond").respond_with_json(USER)
    statuses: list[int | None] = []

    class Statuses:
        def on_response(self, event: knockkit.RequestEvent) -> None:
            statuses.append(event.status)

    call(users.get, any_client.evolve(hooks=Statuses()), "j hammond")
    assert statuses == [200]


def test_a_failure_reaches_on_response_with_its_reason(transport: str) -> None:
    seen = Recorder()
    client = make_client(
        transport, api_key=TEST_KEY, base_url=f"http://127.0.0.1:{free_port()}", max_retries=1,
        backoff_factor=0.001, hooks=seen,
    )  # fmt: skip
    with pytest.raises(knockkit.APIConnectionError):
        call(users.get, client, "u1")
    responses = [event for kind, event in seen.events if kind == "response"]
    assert [(e.attempt, e.status, e.retrying) for e in responses] == [(1, None, True), (2, None, False)]
    for event in responses:
        assert event.failure is not None and event.failure.endswith("(Connection refused)")


def test_a_hook_that_raises_is_logged_and_the_call_goes_on(
    httpserver: HTTPServer, any_client: knockkit.Client, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request("/v1/users/j hammond").respond_with_json(USER)

    def broken(event: knockkit.RequestEvent) -> None:
        raise RuntimeError("metrics backend is down")

    client = any_client.evolve(on_request=broken, on_response=broken)
    with caplog.at_level(logging.WARNING, logger="knockkit"):
        assert call(users.get, client, "j hammond").id == "j hammond"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage().split(" hook ")[0] for r in warnings] == ["the on_request", "the on_response"]
    assert all(r.exc_info and "metrics backend is down" in str(r.exc_info[1]) for r in warnings)
    assert len(httpserver.log) == 1


def test_an_async_hook_is_refused_at_call_time_without_a_leak(
    httpserver: HTTPServer, any_client: knockkit.Client, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request("/v1/users/j hammond").respond_with_json(USER)

    async def wants_await(event: knockkit.RequestEvent) -> None:
        raise AssertionError("never run")

    with caplog.at_level(logging.WARNING, logger="knockkit"):
        call(users.get, any_client.evolve(on_response=wants_await), "j hammond")
    assert "returned an awaitable; hooks are plain functions" in caplog.text


def test_events_hold_no_key_and_are_read_only(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/j hammond").respond_with_json(USER, headers={"x-request-id": TEST_KEY})
    seen = Recorder()
    call(users.get, any_client.evolve(hooks=seen), "j hammond")
    event = seen.events[-1][1]
    assert event.request_id == "[REDACTED]"
    assert TEST_KEY not in repr(seen.events)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.status = 500  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"on_request": "print"}, "on_request must be a function taking a knockkit.RequestEvent, not str"),
        ({"on_response": 1}, "on_response must be a function taking a knockkit.RequestEvent, not int"),
        ({"hooks": object()}, "hooks must be an object with an on_request and/or on_response method, not object"),
        ({"hooks": print}, "hooks must be an object with an on_request and/or on_response method"),
    ],
)
def test_hooks_that_cannot_be_called_are_refused(changes: dict[str, Any], message: str) -> None:
    for cls in (knockkit.Client, knockkit.AsyncClient):
        with pytest.raises(TypeError, match=f"^{re.escape(message)}"):
            cls(api_key=TEST_KEY, **changes)


def test_hooks_do_not_change_equality_or_repr() -> None:
    client = knockkit.Client(api_key=TEST_KEY)
    hooked = client.evolve(hooks=Recorder(), on_request=print)
    assert hooked == client and hash(hooked) == hash(client)
    assert repr(hooked) == repr(client)


# --- the logger ---------------------------------------------------------------------------


def test_info_logs_each_request_and_each_retry(
    httpserver: HTTPServer, any_client: knockkit.Client, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_ordered_request("/v1/users/j hammond").respond_with_json(UNAVAILABLE, status=503)
    httpserver.expect_ordered_request("/v1/users/j hammond").respond_with_json(USER, headers={"x-request-id": "req_7"})
    with caplog.at_level(logging.INFO, logger="knockkit"):
        call(users.get, any_client, "j hammond")
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "knockkit"]
    assert len(lines) == 2
    assert lines[0][0] == "INFO"
    assert re.fullmatch(r"GET /v1/users/j%20hammond -> 503; retry 1 in 0\.\d\d s", lines[0][1])
    assert lines[1][0] == "INFO" and re.fullmatch(
        r"GET /v1/users/j%20hammond -> 200 in [0-9.]+ ms, 2 attempt\(s\), request id req_7", lines[1][1]
    )


def test_debug_adds_a_line_per_attempt(
    httpserver: HTTPServer, any_client: knockkit.Client, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request("/v1/users/j hammond").respond_with_json(USER)
    with caplog.at_level(logging.DEBUG, logger="knockkit"):
        call(users.get, any_client, "j hammond")
    records = [r for r in caplog.records if r.name == "knockkit"]
    assert [r.levelname for r in records] == ["DEBUG", "INFO"]
    assert records[0].getMessage() == f"GET /v1/users/j%20hammond: attempt 1 to {any_client.base_url}"


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KNOCK_")}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**environ, **env}, capture_output=True, text=True, timeout=60
    )


CALL = """
import asyncio, knockkit
from knockkit import users
client = knockkit.{cls}(api_key={key!r}, base_url={url!r}, max_retries=0)
result = users.get(client, "u1")
if {is_async}:
    asyncio.run(result)
"""


def call_code(transport: str, url: str) -> str:
    cls = "AsyncClient" if transport == "async" else "Client"
    return CALL.format(cls=cls, key=TEST_KEY, url=url, is_async=transport == "async")


@pytest.mark.parametrize("level", ["info", "debug", "DEBUG"])
def test_knock_log_sends_the_logger_to_stderr(httpserver: HTTPServer, transport: str, level: str) -> None:
    httpserver.expect_request("/v1/users/u1").respond_with_json({"id": "u1"}, headers={"x-request-id": "req_1"})
    done = run_python(call_code(transport, httpserver.url_for("/")), KNOCK_LOG=level)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    line = r"knockkit INFO GET /v1/users/u1 -> 200 in [0-9.]+ ms, 1 attempt\(s\), request id req_1"
    assert re.search(line, done.stderr)
    assert ("knockkit DEBUG GET /v1/users/u1: attempt 1" in done.stderr) is (level.lower() == "debug")
    assert TEST_KEY not in done.stderr


def test_without_knock_log_nothing_is_printed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/users/u1").respond_with_json({"id": "u1"})
    done = run_python(call_code("sync", httpserver.url_for("/")))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_an_unknown_knock_log_value_is_reported(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/users/u1").respond_with_json({"id": "u1"})
    done = run_python(call_code("sync", httpserver.url_for("/")), KNOCK_LOG="verbose")
    assert done.returncode == 0
    assert "KNOCK_LOG='verbose' is not one of info, debug" in done.stderr
    assert "GET /v1/users/u1" not in done.stderr


def test_the_logging_snippet_in_the_docs_prints_as_written(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/users/u1").respond_with_json({"id": "u1"}, headers={"x-request-id": "req_1"})
    page = (ROOT / "docs" / "errors-and-retries.md").read_text()
    snippet = re.search(r"## Logging\n.*?```python\n(.*?)```", page, re.S)
    assert snippet is not None
    done = run_python(snippet.group(1) + call_code("sync", httpserver.url_for("/")))
    assert done.returncode == 0, done.stderr
    assert "GET /v1/users/u1 -> 200" in done.stderr and "request id req_1" in done.stderr
