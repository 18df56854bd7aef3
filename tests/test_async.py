"""AsyncClient's own promises: the value, event loops and sessions, cancellation, no leaks.

What every endpoint does with an AsyncClient is shown by the contract tests and the
reliability suite, which run for both transports; this file covers what only async has.
"""

from __future__ import annotations

import asyncio
import gc
import random
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

import knockkit
from knockkit import users, workflows
from knockkit.testing import FakeKnock
from tests.conftest import TEST_KEY
from tests.reliability._server import FaultServer, Hang, Request, json_response, sequence

ROOT = Path(__file__).resolve().parent.parent
USER = {"__typename": "User", "id": "u1", "name": "Ellie Sattler", "updated_at": "2024-05-01T12:00:00Z"}


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as running:
        yield running
    assert running.handler_errors == []


def test_async_client_has_the_same_fields_validation_and_masking_as_client() -> None:
    fields = [(f.name, f.default) for f in attrs.fields(knockkit.Client)]
    assert [(f.name, f.default) for f in attrs.fields(knockkit.AsyncClient)] == fields
    aclient = knockkit.AsyncClient(api_key=TEST_KEY, branch="feature-x")
    assert TEST_KEY not in repr(aclient) and "sk_test_***" in repr(aclient)
    assert aclient.evolve(branch=None) == knockkit.AsyncClient(api_key=TEST_KEY)
    assert isinstance(aclient.evolve(max_retries=0), knockkit.AsyncClient)
    assert aclient != knockkit.Client(api_key=TEST_KEY, branch="feature-x")  # a different kind of value
    with pytest.raises(ValueError, match="branch contains"):
        knockkit.AsyncClient(api_key=TEST_KEY, branch="a b")


def test_a_declared_instance_resolves_an_async_client_like_a_client(monkeypatch: pytest.MonkeyPatch) -> None:
    class AsyncSample(knockkit.KnockInstance, app="async-sample"):
        pass

    monkeypatch.setenv("KNOCK_API_KEY", TEST_KEY)
    knockkit.configure("async-sample", AsyncSample, branch="staging", timeout=5.0)
    aclient = AsyncSample.async_client(max_retries=0)
    assert isinstance(aclient, knockkit.AsyncClient)
    assert attrs.asdict(aclient) == attrs.asdict(AsyncSample.client(max_retries=0))


def test_bad_input_is_refused_at_the_call_before_anything_is_awaited() -> None:
    aclient = knockkit.AsyncClient(api_key=TEST_KEY, base_url="http://127.0.0.1:9")
    with pytest.raises(ValueError, match="user_id must not contain"):
        users.get(aclient, "a/b")  # no coroutine was made, so none is left un-awaited


def test_one_client_under_successive_event_loops_without_leaks(server: FaultServer) -> None:
    server.handler = lambda request: json_response(200, USER)
    aclient = knockkit.AsyncClient(api_key=TEST_KEY, base_url=server.url)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        for _ in range(3):
            assert asyncio.run(users.get(aclient, "u1")).id == "u1"
        gc.collect()
    # One connection per loop: each loop's session was closed with the loop.
    assert server.connections == 3 and len(server.requests) == 3


def test_aclose_closes_the_running_loops_pool(server: FaultServer) -> None:
    server.handler = lambda request: json_response(200, USER)
    aclient = knockkit.AsyncClient(api_key=TEST_KEY, base_url=server.url)

    async def twice() -> None:
        await users.get(aclient, "u1")
        await users.get(aclient, "u1")  # the same connection
        await knockkit.aclose()
        await users.get(aclient, "u1")  # a new pool, a new connection
        await knockkit.aclose()

    asyncio.run(twice())
    assert [r.connection for r in server.requests] == [1, 1, 2]


def test_a_cancelled_call_leaves_no_half_used_connection(server: FaultServer) -> None:
    server.handler = sequence(Hang(2.0), json_response(200, USER))
    aclient = knockkit.AsyncClient(api_key=TEST_KEY, base_url=server.url, timeout=5.0)

    async def cancel_then_call() -> str:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(users.get(aclient, "u1"), 0.2)
        return (await users.get(aclient, "u1")).id

    assert asyncio.run(cancel_then_call()) == "u1"
    # The cancelled request's connection was closed, not reused for the next request.
    assert [r.connection for r in server.requests] == [1, 2]


def test_a_script_with_asyncio_run_prints_no_warning(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent("""
        import asyncio
        import knockkit
        from knockkit import users, workflows
        from knockkit.testing import FakeKnock

        with FakeKnock() as fake:
            fake.add_workflow("dinosaurs-loose", steps=["email"])
            aclient = knockkit.AsyncClient(api_key=fake.api_key, base_url=fake.url)

            async def main():
                await users.identify(aclient, "jhammond", {"email": "jhammond@ingen.net"})
                run = await workflows.trigger(aclient, "dinosaurs-loose", recipients=["jhammond"])
                print("run", bool(run.workflow_run_id))

            asyncio.run(main())
            asyncio.run(main())
    """))
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error::ResourceWarning", str(script)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["run True", "run True"]
    assert "Unclosed" not in done.stderr and "Warning" not in done.stderr, done.stderr


@pytest.mark.anyio
async def test_under_pytest_with_anyio_the_fake_serves_async_clients(anyio_backend: str) -> None:
    with FakeKnock() as fake:
        aclient = knockkit.AsyncClient(api_key=fake.api_key, base_url=fake.url)
        user = await users.identify(aclient, "jhammond", {"name": "John Hammond"})
        assert user.name == "John Hammond"
        assert fake.user("jhammond") is not None
        assert [r.path for r in fake.requests] == ["/v1/users/jhammond"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_every_request_carries_the_same_headers_on_both_transports(server: FaultServer) -> None:
    server.handler = lambda request: json_response(200, USER)
    for client in (knockkit.Client(api_key=TEST_KEY, base_url=server.url, branch="b1"),
                   knockkit.AsyncClient(api_key=TEST_KEY, base_url=server.url, branch="b1")):  # fmt: skip
        result = users.get(client, "u1")
        if isinstance(client, knockkit.AsyncClient):
            result = asyncio.run(result)  # type: ignore[arg-type]
        assert result.id == "u1"
    sync_headers, async_headers = (_significant(r) for r in server.requests)
    assert sync_headers == async_headers
    assert sync_headers["authorization"] == f"Bearer {TEST_KEY}" and sync_headers["x-knock-branch"] == "b1"
    assert sync_headers["accept-encoding"] == "identity"


def _significant(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.headers.items() if k not in ("host", "connection")}



def test_500_concurrent_triggers_through_the_fakes_faults_make_exactly_500_runs() -> None:
    rng = random.Random(20241204)
    with FakeKnock() as fake:
        fake.add_workflow("dinosaurs-loose", steps=["in_app_feed"])
        for _ in range(6):  # seeded bursts of each kind of fault, in a seeded order
            kind = rng.choice(["503", "429", "dropped after processing", "dropped before"])
            n = rng.randint(10, 30)
            if kind == "503":
                fake.fail_next(n, status=503, path="/v1/workflows/*/trigger")
            elif kind == "429":
                fake.fail_next(n, status=429, retry_after=0, path="/v1/workflows/*/trigger")
            else:
                fake.drop_next(n, path="/v1/workflows/*/trigger", processed=kind.startswith("dropped after"))
        aclient = fake.async_client(max_retries=6, timeout=10.0)

        async def all_at_once() -> list[str]:
            calls = [workflows.trigger(aclient, "dinosaurs-loose", recipients=[f"user-{i}"]) for i in range(500)]
            return [run.workflow_run_id for run in await asyncio.gather(*calls)]

        run_ids = asyncio.run(all_at_once())
        runs = fake.runs(workflow="dinosaurs-loose")
        assert len(runs) == 500 and sorted(run_ids) == sorted(r.workflow_run_id for r in runs)
        assert len({str(r.recipient) for r in runs}) == 500
        assert len(fake.requests) > 500 + 60  # the faults happened and were retried


def test_the_plugins_async_client_fixture_points_at_the_fake(
    knock: FakeKnock, knock_async_client: knockkit.AsyncClient
) -> None:
    assert isinstance(knock_async_client, knockkit.AsyncClient) and knock_async_client.base_url == knock.url
    user = asyncio.run(users.identify(knock_async_client, "jhammond", {"name": "John Hammond"}))
    assert user.name == "John Hammond" and knock.user("jhammond") is not None


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)  # fmt: skip


def test_import_knockkit_loads_no_async_transport() -> None:
    done = run_python("""
        import sys
        import knockkit
        from knockkit import users, workflows
        client = knockkit.AsyncClient(api_key="sk_test_x")
        loaded = [m for m in ("aiohttp", "knockkit._transport.aio") if m in sys.modules]
        print(loaded)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_without_aiohttp_the_first_async_request_names_the_extra() -> None:
    done = run_python("""
        import asyncio, sys
        sys.modules["aiohttp"] = None  # as if it were not installed
        import knockkit
        from knockkit import users
        aclient = knockkit.AsyncClient(api_key="sk_test_x", base_url="http://127.0.0.1:9")
        try:
            asyncio.run(users.get(aclient, "u1"))
        except ImportError as exc:
            print(exc)
    """)
    assert done.returncode == 0, done.stderr
    assert "pip install 'knockkit[async]'" in done.stdout
