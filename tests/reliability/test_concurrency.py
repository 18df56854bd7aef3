"""One client shared by threads, and a client used across os.fork()."""

from __future__ import annotations

import os
import signal
import threading
import time
import warnings

import pytest
import urllib3

import knockkit
from knockkit import users
from knockkit._transport.sync import shared_pool as _shared_pool
from tests.reliability._server import FaultServer, Request, Respond, json_response
from tests.reliability.conftest import make_client


def echo_user(request: Request) -> Respond:
    """Answer GET /v1/users/{id} with that user, so every caller can check it got its own."""
    return json_response(200, {"__typename": "User", "id": request.segments()[-1]})


def hammer(client: knockkit.Client, threads: int, calls: int) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(t: int) -> None:
        start.wait()
        try:
            for i in range(calls):
                user_id = f"t{t}-{i}"
                user = users.get(client, user_id)
                assert user.id == user_id, (user.id, user_id)
        except BaseException as exc:  # collected and re-raised by the test
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(t,), daemon=True) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers), "a worker thread hung"
    return errors


def test_8_threads_share_one_client_within_the_pool(server: FaultServer) -> None:
    server.handler = echo_user
    client = make_client(server, timeout=10.0)
    errors = hammer(client, threads=8, calls=500)
    assert errors == []
    assert len(server.requests) == 8 * 500
    maxsize = _shared_pool().connection_pool_kw.get("maxsize", 1)
    assert server.max_open <= min(8, maxsize)
    # The pool keeps and reuses its connections: no connection per request.
    assert server.connections <= 8


def test_a_blocking_transport_bounds_open_connections(server: FaultServer) -> None:
    server.handler = echo_user
    transport = urllib3.PoolManager(maxsize=2, block=True)
    client = make_client(server, timeout=10.0, transport=transport)
    errors = hammer(client, threads=8, calls=100)
    assert errors == []
    assert len(server.requests) == 800
    assert server.max_open <= 2
    transport.clear()


def wait_for_child(pid: int, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child did not finish")
        time.sleep(0.01)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_uses_its_own_connections(server: FaultServer, client: knockkit.Client) -> None:
    server.handler = echo_user
    assert users.get(client, "parent-before").id == "parent-before"  # the parent now has a pooled connection

    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork() with threads running
        pid = os.fork()
    if pid == 0:  # the child: report through the pipe, and never return into pytest
        code = 1
        try:
            os.close(read_end)
            found = [users.get(client, f"child-{i}").id for i in range(3)]
            os.write(write_end, repr(found).encode())
            code = 0
        except BaseException as exc:
            os.write(write_end, repr(exc).encode()[:2000])
        finally:
            os._exit(code)

    os.close(write_end)
    try:
        exit_code = wait_for_child(pid, 30)
        report = os.read(read_end, 4096).decode()
    finally:
        os.close(read_end)
    assert exit_code == 0, report
    assert report == repr(["child-0", "child-1", "child-2"])

    assert users.get(client, "parent-after").id == "parent-after"
    ports: dict[str, set[int]] = {"parent": set(), "child": set()}
    for request in server.requests:
        ports[request.segments()[-1].split("-")[0]].add(request.peer_port)
    assert ports["child"] and ports["parent"]
    assert not ports["child"] & ports["parent"], ports  # no socket was shared
    assert len(ports["parent"]) == 1  # and the parent's pooled connection survived the fork
