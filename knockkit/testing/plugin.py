"""The pytest plugin (entry point ``pytest11: knockkit``).

Fixtures:

- ``knock``: a running FakeKnock, reset before each test;
- ``knock_client``: a ``knockkit.Client`` pointed at ``knock``;
- ``knock_async_client``: the same as a ``knockkit.AsyncClient`` (await the endpoint functions);
- ``knockkit_fake_server``: the session's one FakeKnock, not reset (the others build on it).

```python
def test_alert(knock, knock_client):
    knock.add_workflow("dinosaurs-loose", steps=["email"])
    ...
    knock.assert_message_sent(recipient="jhammond", channel_type="email")
```

While the plugin is active, a test cannot reach a real Knock environment by mistake:

- unless ``KNOCK_BASE_URL`` names a loopback host, ``KNOCK_API_KEY``, ``KNOCK_BASE_URL`` and
  ``KNOCK_BRANCH`` are removed from ``os.environ`` for the test, so a test that forgets to
  point its client at the fake fails with ``ApiKeyMissingError`` instead of writing to Knock;
- a request to a host that is not local (loopback addresses, ``localhost``, and the reserved
  names ``*.test``, ``*.invalid``, ``*.example``, ``*.localhost``, which never reach a server)
  is refused with a ``RuntimeError`` before anything is sent, whatever client made it and
  wherever its key came from.

A test marked ``@pytest.mark.knock_real_environment`` keeps the variables and may reach any host.
A failing assertion of the fake (``knock.assert_message_sent(...)``) reports the test's line,
not the fake's source.

pytest loads this module in every session of a project that installs knockkit, so it
imports only pytest, typing and light standard-library names; the fake itself is imported
inside the fixtures.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from knockkit._client import AsyncClient, Client
    from knockkit.testing._server import FakeKnock

__all__ = ["knock", "knock_async_client", "knock_client", "knockkit_fake_server"]

#: The marker that lets a test see the real Knock environment of the shell.
REAL_ENVIRONMENT_MARKER = "knock_real_environment"
#: The variables that make a client talk to a Knock environment (see knockkit's settings resolution).
ENVIRONMENT_VARIABLES = ("KNOCK_API_KEY", "KNOCK_BASE_URL", "KNOCK_BRANCH")
_LOOPBACK_HOSTS = {"localhost", "::1"}
#: Names reserved never to resolve on the internet (RFC 2606, RFC 6761): tests use them freely.
_RESERVED_SUFFIXES = (".test", ".invalid", ".example", ".localhost")


def _is_local(base_url: str) -> bool:
    host = (urlsplit(base_url).hostname or "").rstrip(".")
    return host in _LOOPBACK_HOSTS or host.startswith("127.") or host.endswith(_RESERVED_SUFFIXES)


def _points_at_real_knock() -> bool:
    """Whether KNOCK_API_KEY is set for a host that is not local (KNOCK_BASE_URL unset means api.knock.app)."""
    if not os.environ.get("KNOCK_API_KEY"):
        return False
    return not _is_local(os.environ.get("KNOCK_BASE_URL") or "https://api.knock.app")


def _refuse_real_hosts(base_url: str) -> None:
    """The check the plugin sets in ``knockkit._guard`` during a test not marked for real Knock."""
    __tracebackhide__ = True
    if not _is_local(base_url):
        host = urlsplit(base_url).hostname
        raise RuntimeError(
            f"knockkit's pytest plugin refused a request to {host} (not a local host): point the client at the fake "
            f"(the knock_client fixture, or MyKnock.client(base_url=knock.url)), or mark the test "
            f"@pytest.mark.{REAL_ENVIRONMENT_MARKER} if it must reach a real Knock environment"
        )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{REAL_ENVIRONMENT_MARKER}: let this test see KNOCK_API_KEY/KNOCK_BASE_URL/KNOCK_BRANCH "
        "of the shell even when they name a real Knock host, and send requests to hosts that are not local",
    )  # fmt: skip


def pytest_report_header(config: pytest.Config) -> str | None:
    if _points_at_real_knock():
        return (
            "knockkit: KNOCK_API_KEY names a real Knock host; tests do not see KNOCK_API_KEY, KNOCK_BASE_URL and "
            f"KNOCK_BRANCH unless marked @pytest.mark.{REAL_ENVIRONMENT_MARKER}"
        )
    return None


@pytest.fixture(autouse=True)
def _knockkit_hide_real_knock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep tests that did not ask for it away from real Knock hosts (see the module docstring)."""
    __tracebackhide__ = True
    if request.node.get_closest_marker(REAL_ENVIRONMENT_MARKER) is not None:
        return
    if _points_at_real_knock():
        for name in ENVIRONMENT_VARIABLES:
            monkeypatch.delenv(name, raising=False)
    # knockkit is imported already (it holds this plugin); the guard module imports nothing.
    from knockkit import _guard

    monkeypatch.setattr(_guard, "check", _refuse_real_hosts)


def _hide_assertion_frames(excinfo: Any) -> bool:
    """For pytest's ``__tracebackhide__``: hide the fake's frames for its failed assertions only
    (a crash inside the fake still shows where it happened)."""
    return bool(excinfo.errisinstance(AssertionError))


@pytest.fixture(scope="session")
def knockkit_fake_server() -> Iterator[FakeKnock]:
    """One FakeKnock for the whole session (starting one per test would cost a thread each)."""
    __tracebackhide__ = True
    from knockkit.testing import _inspect, _server

    # pytest reads __tracebackhide__ from a frame's module globals too: this hides the assertion
    # helpers of FakeKnock (knock.assert_message_sent, ...) from the tracebacks of failing tests.
    for module in (_server, _inspect):
        vars(module).setdefault("__tracebackhide__", _hide_assertion_frames)
    with _server.FakeKnock() as fake:
        yield fake


@pytest.fixture
def knock(knockkit_fake_server: FakeKnock) -> FakeKnock:
    """A running FakeKnock, reset before the test: no entities, workflows, requests or faults."""
    __tracebackhide__ = True
    knockkit_fake_server.reset()
    return knockkit_fake_server


@pytest.fixture
def knock_client(knock: FakeKnock) -> Client:
    """A knockkit.Client pointed at the ``knock`` fake, with retries that wait milliseconds."""
    __tracebackhide__ = True
    return knock.client()


@pytest.fixture
def knock_async_client(knock: FakeKnock) -> AsyncClient:
    """A knockkit.AsyncClient pointed at the ``knock`` fake (await the endpoint functions)."""
    __tracebackhide__ = True
    return knock.async_client()
