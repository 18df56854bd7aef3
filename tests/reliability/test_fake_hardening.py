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
from typing import Any, NamedTuple

import pytest
import urllib3

import knockkit
from knockkit import users, workflows
from knockkit.testing import FakeKnock
from knockkit.testing._http_server import MAX_BODY, MAX_CONNECTIONS

HOST = "127.0.0.1"


@pytest.fixture
def fake() -> Iterator[FakeKnock]:
    with FakeKnock() as running:
        running.add_workflow("dinosaurs-loose", steps=["email"])
        yield running


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]  # names lower-cased
    body: Any  # parsed JSON, or None without a body
    trailing: bytes  # whatever came after the first answer
    closed: bool  # the fake closed the connection after answering


def read_until_closed(conn: socket.socket, wait: float) -> tuple[bytes, bool]:
    """Everything the fake sends until it closes the connection (True) or stays quiet for ``wait`` seconds."""
    conn.settimeout(wait)
    received = b""
    try:
        while chunk := conn.recv(65536):
            received += chunk
    except TimeoutError:
        return received, False
    except ConnectionResetError:
        pass
    return received, True


def parse_answer(received: bytes, closed: bool) -> Answer:
    head, found, rest = received.partition(b"\r\n\r\n")
    assert found, f"no complete answer: {received[:200]!r}"
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (h.partition(":") for h in header_lines)}
    length = int(headers.get("content-length", "0"))
    body = json.loads(rest[:length]) if length else None
    return Answer(int(status_line.split()[1]), headers, body, rest[length:], closed)


def exchange(fake: FakeKnock, data: bytes, *, wait: float = 5.0) -> Answer:
    """Send bytes on a fresh connection; the first answer, what followed it, and whether the fake closed."""
    with socket.create_connection((HOST, fake.port), timeout=wait) as conn:
        conn.sendall(data)
        return parse_answer(*read_until_closed(conn, wait))


def authorized(fake: FakeKnock, request_line: str, *headers: str, body: bytes = b"") -> bytes:
    lines = [request_line, f"Host: {HOST}", f"Authorization: Bearer {fake.api_key}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def closing(fake: FakeKnock, method: str, target: str, body: bytes = b"") -> bytes:
    """A well-formed request (JSON body) after which the fake closes the connection."""
    return authorized(fake, f"{method} {target} HTTP/1.1", "Content-Type: application/json",
                      f"Content-Length: {len(body)}", "Connection: close", body=body)  # fmt: skip


def with_length(fake: FakeKnock, target: str, length: str, body: bytes, *extra: str) -> bytes:
    """A kept-alive PUT whose Content-Length header says ``length`` whatever the body is."""
    return authorized(fake, f"PUT {target} HTTP/1.1", "Content-Type: application/json",
                      f"Content-Length: {length}", *extra, body=body)  # fmt: skip


def assert_knock_error(answer: Answer, status: int, code: str | None = None) -> None:
    assert answer.status == status, answer
    assert set(answer.body) == {"code", "message", "status", "type"} and answer.body["status"] == status, answer
    assert code is None or answer.body["code"] == code, answer.body
    assert answer.headers.get("x-request-id"), answer.headers


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


def open_idle(fake: FakeKnock, count: int) -> list[socket.socket]:
    return [socket.create_connection((HOST, fake.port), timeout=5) for _ in range(count)]


def test_idle_connections_take_no_threads_and_are_closed_after_a_while() -> None:
    # Both ends are in this process; fewer than the limit, so that none is closed to make room.
    count = min(MAX_CONNECTIONS - 12, (raise_open_files(4500) - 200) // 2)
    with FakeKnock(idle_timeout=1.0) as fake:  # 15 s by default; shortened so the test is quick
        before = threading.active_count()
        idle = open_idle(fake, count)
        try:
            time.sleep(0.3)
            assert threading.active_count() <= before + 40  # a bounded pool, not a thread per connection
            # A real request is answered while they sit there.
            began = time.monotonic()
            assert users.identify(fake.client(), "jhammond", {}).id == "jhammond"
            assert time.monotonic() - began < 1.0
            # The server closes them once they have been idle too long.
            assert all(read_until_closed(conn, 10.0) == (b"", True) for conn in idle[:50])
        finally:
            for conn in idle:
                conn.close()


def test_past_the_connection_limit_the_longest_idle_connection_makes_room(fake: FakeKnock) -> None:
    if raise_open_files(4 * MAX_CONNECTIONS) < 2 * MAX_CONNECTIONS + 200:
        pytest.skip("needs about 2 x MAX_CONNECTIONS file descriptors (client and server ends)")
    idle = open_idle(fake, MAX_CONNECTIONS)
    try:
        answer = exchange(fake, closing(fake, "GET", "/v1/users/u1"))
        assert_knock_error(answer, 404)
        assert read_until_closed(idle[0], 5.0) == (b"", True)  # the oldest, closed to make room
        assert read_until_closed(idle[-1], 0.05) == (b"", False)  # the newest is still open
    finally:
        for conn in idle:
            conn.close()


def test_at_the_connection_limit_with_none_idle_a_new_connection_waits_its_turn() -> None:
    with FakeKnock(max_connections=2) as fake:
        _none_idle_then_one_closes(fake)


def _none_idle_then_one_closes(fake: FakeKnock) -> None:
    # Two requests stopped part-way: each holds a worker, neither connection is idle.
    busy = open_idle(fake, 2)
    try:
        for conn in busy:
            conn.sendall(authorized(fake, "GET /v1/users/u1 HTTP/1.1", "Connection: close")[:-2])
        server, deadline = fake._server, time.monotonic() + 10

        def both_taken() -> bool:  # accepted, and handed to workers (none left idle)
            return len(server._open) == 2 and not server._waiting

        while not both_taken() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert both_taken()
        with socket.create_connection((HOST, fake.port), timeout=5) as waiting:
            waiting.sendall(closing(fake, "GET", "/v1/users/u2"))
            assert read_until_closed(waiting, 0.3) == (b"", False)  # left in the listen backlog
            busy[0].sendall(b"\r\n")  # one request completes: its connection closes, making room
            assert parse_answer(*read_until_closed(busy[0], 5.0)).status == 404
            assert parse_answer(*read_until_closed(waiting, 5.0)).status == 404
    finally:
        for conn in busy:
            conn.close()


def test_a_connection_silent_for_the_idle_timeout_is_closed_between_or_within_requests() -> None:
    with FakeKnock(idle_timeout=0.2) as fake:
        with socket.create_connection((HOST, fake.port), timeout=5) as kept_alive:
            kept_alive.sendall(authorized(fake, "GET /v1/users/u1 HTTP/1.1"))
            answer, closed = read_until_closed(kept_alive, 5.0)
            assert answer.startswith(b"HTTP/1.1 404") and closed  # answered, then closed once idle
        # A request that stops half-way is dropped as well: no worker waits on it for ever.
        with socket.create_connection((HOST, fake.port), timeout=5) as stalled:
            stalled.sendall(b"GET /v1/users/u1 HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            assert read_until_closed(stalled, 5.0) == (b"", True)
        assert users.identify(fake.client(), "u1", {}).id == "u1"  # still serving


@pytest.mark.parametrize("idle_timeout", [0, -1.0, float("inf"), float("nan"), True, "15"])
def test_an_idle_timeout_that_is_not_a_positive_number_is_refused(idle_timeout: Any) -> None:
    with pytest.raises(ValueError, match="idle_timeout must be a finite number of seconds > 0"):
        FakeKnock(idle_timeout=idle_timeout)


@pytest.mark.parametrize("max_connections", [0, -1, 2.0, True, "512"])
def test_a_connection_limit_that_is_not_a_whole_number_from_1_is_refused(max_connections: Any) -> None:
    with pytest.raises(ValueError, match="max_connections must be a whole number >= 1"):
        FakeKnock(max_connections=max_connections)


# --- 16. query strings that would build huge or deep values ---------------------------------------


@pytest.mark.parametrize(
    "query",
    ["x[20000000]=1", "status[99999999999999999999]=sent", "x" + "[a]" * 50 + "=1", "x[0][1001]=1"],
    ids=["huge index", "huger index", "deep nesting", "nested huge index"],
)
def test_a_query_that_would_build_a_huge_or_deep_value_is_a_400(fake: FakeKnock, query: str) -> None:
    tracemalloc.start()
    try:
        answer = exchange(fake, closing(fake, "GET", f"/v1/users?{query}"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_knock_error(answer, 400, "invalid_query")
    assert query.partition("=")[0][:40] in answer.body["message"]  # names the parameter
    assert peak < 20 * 1024 * 1024  # not hundreds of MB for a list of twenty million slots


@pytest.mark.parametrize(
    "query",
    [
        "x" + "[a]" * 5000 + "=1",
        "x" + "[0]" * 5000 + "=1",
        "x" + "[]" * 5000 + "=1",
        "x[1]=a",  # an index that skips ahead would leave holes: only 0 to the list's length
        "x[0]=a&x[2]=b",
        "x[]=a&x[5][id]=p",
    ],
    ids=["deep map", "deep list", "deep append", "index gap", "later gap", "gap after append"],
)
def test_a_query_too_deep_or_with_index_gaps_is_a_400(fake: FakeKnock, query: str) -> None:
    assert_knock_error(exchange(fake, closing(fake, "GET", f"/v1/users?{query}")), 400, "invalid_query")


def test_a_non_ascii_digit_in_brackets_is_a_key_not_an_index(fake: FakeKnock) -> None:
    """``"²".isdigit()`` is true and ``int("²")`` fails: only ASCII digits make an index."""
    answer = exchange(fake, closing(fake, "GET", "/v1/users?x%5B%C2%B2%5D=1&y%5B%D9%A3%5D=2&z[0][%C2%B2]=3"))
    assert answer.status == 200
    assert fake.requests[-1].query == {"x": {"²": "1"}, "y": {"٣": "2"}, "z": [{"²": "3"}]}


def test_knocks_query_style_still_parses_within_the_bounds(fake: FakeKnock) -> None:
    query = "&".join(f"objects[{i}][id]=p{i}&objects[{i}][collection]=projects" for i in range(1000))
    answer = exchange(fake, closing(fake, "GET", f"/v1/users?{query}&a[b][c][d][e][f][g]=deep"))
    assert answer.status == 200
    recorded = fake.requests[-1].query
    assert len(recorded["objects"]) == 1000 and recorded["objects"][999] == {"id": "p999", "collection": "projects"}
    assert recorded["a"] == {"b": {"c": {"d": {"e": {"f": {"g": "deep"}}}}}}


def test_ordinary_bracket_queries_still_work(fake: FakeKnock) -> None:
    client = fake.client()
    users.identify(client, "jhammond", {})
    assert users.list(client, page_size=5).entries[0].id == "jhammond"


# --- 17. Content-Length that cannot frame a body -------------------------------------------------


@pytest.mark.parametrize("length", ["abc", "-1", "+16", "16x", "1e3", "0x10", "\u0661\u0662", "10, 10", ""])
def test_an_unusable_content_length_is_a_400_and_closes_the_connection(
    fake: FakeKnock, length: str, capfd: pytest.CaptureFixture[str]
) -> None:
    users.identify(fake.client(), "jhammond", {"name": "John Hammond"})
    hidden = authorized(fake, "DELETE /v1/users/jhammond HTTP/1.1", "Content-Length: 0")
    answer = exchange(fake, with_length(fake, "/v1/users/jhammond", length, hidden))
    assert_knock_error(answer, 400, "invalid_request")
    assert answer.closed and answer.trailing == b""  # the body was never read as a second request
    assert fake.user("jhammond") is not None  # the hidden DELETE did not run
    assert "DELETE" not in {r.method for r in fake.requests}
    assert "Traceback" not in capfd.readouterr().err


def test_two_different_content_lengths_are_a_400(fake: FakeKnock) -> None:
    body = b'{"name": "Alan"}'
    answer = exchange(fake, with_length(fake, "/v1/users/agrant", str(len(body)), body, "Content-Length: 2"))
    assert_knock_error(answer, 400, "invalid_request")
    assert answer.closed and fake.user("agrant") is None


@pytest.mark.parametrize("length", [str(64 * 1024 * 1024), "9" * 40])
def test_a_body_over_the_limit_is_a_413_without_being_read(fake: FakeKnock, length: str) -> None:
    answer = exchange(fake, with_length(fake, "/v1/users/u1", length, b'{"name": "Alan"}'))
    assert_knock_error(answer, 413, "request_too_large")
    assert str(MAX_BODY) in answer.body["message"]
    assert answer.closed and answer.trailing == b"" and fake.user("u1") is None


def test_chunked_bodies_are_refused_plainly_not_read_as_requests(fake: FakeKnock) -> None:
    users.identify(fake.client(), "jhammond", {})
    hidden = authorized(fake, "DELETE /v1/users/jhammond HTTP/1.1", "Content-Length: 0")
    chunks = f"{len(hidden):x}\r\n".encode() + hidden + b"\r\n0\r\n\r\n"
    answer = exchange(fake, authorized(fake, "PUT /v1/users/u1 HTTP/1.1", "Transfer-Encoding: chunked", body=chunks))
    assert_knock_error(answer, 400, "invalid_request")
    assert answer.closed and answer.trailing == b""
    assert fake.user("u1") is None and fake.user("jhammond") is not None


def test_a_body_shorter_than_its_content_length_is_refused(fake: FakeKnock) -> None:
    with socket.create_connection((HOST, fake.port), timeout=5) as conn:
        conn.sendall(with_length(fake, "/v1/users/agrant", "100", b'{"name": "Alan"}'))
        conn.shutdown(socket.SHUT_WR)  # the client gives up part-way, after a body that parses as JSON
        answer = parse_answer(*read_until_closed(conn, 5.0))
    assert_knock_error(answer, 400, "invalid_request")
    assert "16 of the 100 bytes" in answer.body["message"]
    assert answer.closed and fake.user("agrant") is None


def test_a_body_within_the_limit_is_read_whole(fake: FakeKnock) -> None:
    bio = "x" * 200_000
    assert users.identify(fake.client(), "agrant", {"bio": bio}).properties["bio"] == bio
    assert fake.user("agrant").properties["bio"] == bio  # type: ignore[union-attr]


# --- 18. idempotency and atomicity --------------------------------------------------------------


def test_an_idempotency_key_reused_with_other_parameters_is_an_error(fake: FakeKnock) -> None:
    fake.add_workflow("park-closed", steps=["email"])
    client = fake.client()
    first = workflows.trigger(client, "dinosaurs-loose", recipients=["jhammond"], idempotency_key="alert-1")
    with pytest.raises(knockkit.UnprocessableEntityError) as info:
        workflows.trigger(client, "dinosaurs-loose", recipients=["agrant"], idempotency_key="alert-1")
    assert info.value.code == "idempotency_key_reused"
    with pytest.raises(knockkit.UnprocessableEntityError):  # the same key on another workflow
        workflows.trigger(client, "park-closed", recipients=["jhammond"], idempotency_key="alert-1")
    assert fake.user("agrant") is None and len(fake.runs()) == 1
    replay = workflows.trigger(client, "dinosaurs-loose", recipients=["jhammond"], idempotency_key="alert-1")
    assert replay.workflow_run_id == first.workflow_run_id and len(fake.runs()) == 1


def test_an_idempotent_replay_ignores_json_key_order_and_spacing(fake: FakeKnock) -> None:
    def trigger(body: bytes) -> Answer:
        data = closing(fake, "POST", "/v1/workflows/dinosaurs-loose/trigger", body)
        return exchange(fake, data.replace(b"\r\n\r\n", b"\r\nIdempotency-Key: order-7\r\n\r\n", 1))

    first = trigger(b'{"recipients": ["jhammond"], "data": {"a": 1, "b": [1, 2]}}')
    again = trigger(b'{"data":{"b":[1,2],"a":1},"recipients":["jhammond"]}')
    assert first.status == again.status == 200 and "idempotent-replayed" not in first.headers
    assert again.headers.get("idempotent-replayed") == "true" and again.body == first.body
    changed = trigger(b'{"data":{"b":[2,1],"a":1},"recipients":["jhammond"]}')  # list order counts
    assert_knock_error(changed, 422, "idempotency_key_reused")
    assert len(fake.runs()) == 1


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


WF = "dinosaurs-loose"
#: Requests refused with 422 part-way through what they would change (knockkit refuses them
#: before sending, so they go straight to the wire).
REFUSED = {
    "trigger-bad-recipient": ("POST", f"/v1/workflows/{WF}/trigger", {
        "recipients": ["jhammond", {"id": "agrant", "name": "Alan"}, {"id": ""}],
        "actor": {"id": "dnedry", "name": "Dennis"}, "tenant": {"id": "jurassic-park", "name": "Jurassic Park"},
    }),
    "trigger-bad-preferences": ("POST", f"/v1/workflows/{WF}/trigger", {
        "recipients": ["jhammond", {"id": "agrant", "preferences": {"default": {"bogus": True}}}],
        "tenant": "jurassic-park",
    }),
    "trigger-bad-tenant": ("POST", f"/v1/workflows/{WF}/trigger", {
        "recipients": ["jhammond"], "actor": {"id": "dnedry", "name": "Dennis"}, "tenant": {"name": "no id"},
    }),
    "identify-bad-channel-data": ("PUT", "/v1/users/agrant", {"name": "Alan", "channel_data": "nope"}),
    "identify-bad-preferences": ("PUT", "/v1/users/agrant", {"name": "Alan", "preferences": {"default": 1}}),
    "object-bad-preferences": ("PUT", "/v1/objects/projects/p1", {
        "name": "Renamed", "preferences": {"default": {"__persistence_strategy__": "sideways"}},
    }),
    "object-new-bad-channel-data": ("PUT", "/v1/objects/projects/p2", {"channel_data": {"c1": "nope"}}),
    "subscribe-bad-recipient": ("POST", "/v1/objects/projects/p1/subscriptions", {
        "recipients": ["jhammond", {"id": "agrant", "name": "Alan"}, 42],
    }),
    "schedule-bad-recipient": ("POST", "/v1/schedules", {
        "workflow": WF, "recipients": ["jhammond", {"id": ""}], "repeats": [{"frequency": "daily"}],
    }),
    "schedule-bad-tenant": ("POST", "/v1/schedules", {
        "workflow": WF, "recipients": ["jhammond", "agrant"], "actor": "dnedry", "tenant": 7,
        "repeats": [{"frequency": "daily"}],
    }),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_refused_request_changes_nothing(fake: FakeKnock, case: str) -> None:
    """Requests that identify inline (recipients, actor, tenant) refused for a later part
    leave nothing behind, and an object they would have updated as it was."""
    assert exchange(fake, closing(fake, "PUT", "/v1/objects/projects/p1", b'{"name": "Isla Nublar"}')).status == 200
    method, path, body = REFUSED[case]
    assert_knock_error(exchange(fake, closing(fake, method, path, json.dumps(body).encode())), 422)
    for user_id in ("jhammond", "agrant", "dnedry"):
        assert fake.user(user_id) is None, user_id
    assert fake.tenant("jurassic-park") is None and fake.object("projects", "p2") is None
    assert fake.object("projects", "p1").properties == {"name": "Isla Nublar"}  # type: ignore[union-attr]
    assert fake.runs() == [] and fake.messages() == []
    for listing in ("/v1/objects/projects/p1/subscriptions", f"/v1/schedules?workflow={WF}"):
        listed = exchange(fake, closing(fake, "GET", listing))
        assert listed.status == 200 and listed.body["entries"] == [], (listing, listed.body)
