"""Issue 8, the fake's side: what a hostile or careless client can do to FakeKnock.

Each test talks to a real FakeKnock on 127.0.0.1, over knockkit, urllib3 or raw sockets.
"""

from __future__ import annotations

import json
import resource
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3

import knockkit
from knockkit import users, workflows
from knockkit.testing import FakeKnock


@pytest.fixture
def fake() -> Iterator[FakeKnock]:
    with FakeKnock() as running:
        running.add_workflow("dinosaurs-loose", steps=["email"])
        yield running


def raw_exchange(fake: FakeKnock, data: bytes, *, wait: float = 2.0) -> bytes:
    """Send bytes on a fresh connection; everything the fake answers until it closes or goes quiet."""
    with socket.create_connection(("127.0.0.1", fake.port), timeout=wait) as conn:
        conn.sendall(data)
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received


def status_and_body(answer: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    lines = head.split(b"\r\n")
    length = int(next(line.split(b":")[1] for line in lines if line.lower().startswith(b"content-length")))
    return status, json.loads(body[:length])


def authorized(fake: FakeKnock, request_line: str, *headers: str, body: bytes = b"") -> bytes:
    lines = [request_line, "Host: 127.0.0.1", f"Authorization: Bearer {fake.api_key}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# --- 15. many clients at once, idle connections -------------------------------------------------


def test_64_clients_connecting_at_once_are_all_served(fake: FakeKnock) -> None:
    users.identify(fake.client(), "jhammond", {"name": "John Hammond"})
    start = threading.Barrier(64)
    results: list[object] = []

    def one() -> None:
        client = fake.client(connect_timeout=0.5, timeout=5.0, max_retries=0, transport=urllib3.PoolManager())
        start.wait()
        began = time.monotonic()
        try:
            results.append((users.get(client, "jhammond").name, time.monotonic() - began))
        except knockkit.KnockError as exc:
            results.append(exc)

    threads = [threading.Thread(target=one) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    failures = [r for r in results if not isinstance(r, tuple)]
    assert failures == [] and len(results) == 64
    assert max(seconds for _, seconds in results) < 2.0  # type: ignore[misc]  # no SYN retransmits (1 s each)


def raise_open_files(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return min(target, resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def test_idle_connections_take_no_threads_and_are_closed_after_a_while(fake: FakeKnock) -> None:
    count = min(2000, (raise_open_files(4500) - 200) // 2)  # both ends are in this process
    fake._server.idle_timeout = 1.0  # 15 s by default; shortened so the test is quick
    before = threading.active_count()
    idle = [socket.create_connection(("127.0.0.1", fake.port), timeout=5) for _ in range(count)]
    try:
        time.sleep(0.3)
        assert threading.active_count() <= before + 40  # a bounded pool, not a thread per connection
        # A real request is answered while they sit there.
        began = time.monotonic()
        assert users.identify(fake.client(), "jhammond", {}).id == "jhammond"
        assert time.monotonic() - began < 1.0
        # The server closes them once they have been idle too long.
        time.sleep(1.5)
        closed = 0
        for conn in idle[:50]:
            conn.settimeout(2.0)
            closed += conn.recv(1) == b""
        assert closed == 50
    finally:
        for conn in idle:
            conn.close()


# --- 16. query strings that would build huge or deep values ---------------------------------------


@pytest.mark.parametrize(
    "query",
    ["x[20000000]=1", "status[99999999999999999999]=sent", "x" + "[a]" * 50 + "=1", "x%5B%C2%B2%5D=1", "x[0][1001]=1"],
    ids=["huge index", "huger index", "deep nesting", "non-ASCII digit", "nested huge index"],
)
def test_a_query_that_would_build_a_huge_or_deep_value_is_a_400(fake: FakeKnock, query: str) -> None:
    tracemalloc.start()
    try:
        answer = raw_exchange(fake, authorized(fake, f"GET /v1/users?{query} HTTP/1.1", "Connection: close"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    status, body = status_and_body(answer)
    assert status == 400 and body["code"] == "invalid_query" and body["status"] == 400 and body["type"]
    assert b"x-request-id:" in answer.lower()
    assert peak < 20 * 1024 * 1024  # not hundreds of MB for a list of twenty million slots


def test_ordinary_bracket_queries_still_work(fake: FakeKnock) -> None:
    client = fake.client()
    users.identify(client, "jhammond", {})
    assert users.list(client, page_size=5).entries[0].id == "jhammond"


# --- 17. Content-Length that cannot frame a body -------------------------------------------------


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "\u0661\u0662", "10, 10"])
def test_an_unusable_content_length_is_a_400_and_closes_the_connection(
    fake: FakeKnock, length: str, capfd: pytest.CaptureFixture[str]
) -> None:
    users.identify(fake.client(), "jhammond", {"name": "John Hammond"})
    hidden = authorized(fake, "DELETE /v1/users/jhammond HTTP/1.1", "Content-Length: 0")
    request = authorized(
        fake, "PUT /v1/users/jhammond HTTP/1.1", "Content-Type: application/json",
        f"Content-Length: {length}", body=hidden,
    ).replace(length.encode(), length.encode("utf-8"))  # fmt: skip
    answer = raw_exchange(fake, request)
    status, body = status_and_body(answer)
    assert status == 400 and body["code"] == "invalid_request"
    assert answer.count(b"HTTP/1.1") == 1  # the body was never read as a second request
    assert fake.user("jhammond") is not None  # the hidden DELETE did not run
    assert "Traceback" not in capfd.readouterr().err


def test_a_body_over_the_limit_is_a_413_without_being_read(fake: FakeKnock) -> None:
    request = authorized(fake, "PUT /v1/users/u1 HTTP/1.1", f"Content-Length: {64 * 1024 * 1024}")
    status, body = status_and_body(raw_exchange(fake, request))
    assert status == 413 and body["code"] == "request_too_large"
    assert fake.user("u1") is None


def test_chunked_bodies_are_refused_plainly(fake: FakeKnock) -> None:
    request = authorized(fake, "PUT /v1/users/u1 HTTP/1.1", "Transfer-Encoding: chunked", body=b"2\r\n{}\r\n0\r\n\r\n")
    status, _ = status_and_body(raw_exchange(fake, request))
    assert status == 400 and fake.user("u1") is None


# --- 18. idempotency and atomicity --------------------------------------------------------------


def test_an_idempotency_key_reused_with_other_parameters_is_an_error(fake: FakeKnock) -> None:
    client = fake.client()
    first = workflows.trigger(client, "dinosaurs-loose", recipients=["jhammond"], idempotency_key="alert-1")
    with pytest.raises(knockkit.UnprocessableEntityError) as info:
        workflows.trigger(client, "dinosaurs-loose", recipients=["agrant"], idempotency_key="alert-1")
    assert info.value.code == "idempotency_key_reused"
    assert fake.user("agrant") is None and len(fake.runs()) == 1
    replay = workflows.trigger(client, "dinosaurs-loose", recipients=["jhammond"], idempotency_key="alert-1")
    assert replay.workflow_run_id == first.workflow_run_id


def post_trigger(fake: FakeKnock, body: dict[str, Any]) -> urllib3.BaseHTTPResponse:
    # Straight to the wire: knockkit itself refuses these bodies before sending.
    return urllib3.request(
        "POST", f"{fake.url}/v1/workflows/dinosaurs-loose/trigger", body=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {fake.api_key}", "Content-Type": "application/json"},
    )  # fmt: skip


def test_a_refused_trigger_changes_nothing(fake: FakeKnock) -> None:
    response = post_trigger(fake, {
        "recipients": [{"id": "newcomer", "name": "New"}, "jhammond", {"name": "no id"}],
        "tenant": {"id": "new-park", "name": "New Park"},
        "actor": {"id": "dnedry", "name": "Dennis"},
    })  # fmt: skip
    assert response.status == 422
    assert fake.user("newcomer") is None and fake.user("jhammond") is None and fake.user("dnedry") is None
    assert fake.tenant("new-park") is None and fake.runs() == [] and fake.messages() == []


def test_a_refused_request_leaves_earlier_state_as_it_was(fake: FakeKnock) -> None:
    client = fake.client()
    users.identify(client, "jhammond", {"name": "John Hammond", "channel_data": {}})
    response = post_trigger(fake, {"recipients": [{"id": "jhammond", "name": "Renamed"}, {"bad": 1}]})
    assert response.status == 422
    assert fake.user("jhammond").name == "John Hammond"  # type: ignore[union-attr]
