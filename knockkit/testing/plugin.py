"""The pytest plugin (entry point ``pytest11: knockkit``).

Fixtures:

- ``knock``: a running FakeKnock, reset before each test;
- ``knock_client``: a ``knockkit.Client`` pointed at ``knock``;
- ``knock_async_client``: the same as a ``knockkit.AsyncClient`` (await the endpoint functions);
- ``knockkit_fake_server``: the session's one FakeKnock, not reset (the others build on it).

::

    def test_alert(knock, knock_client):
        knock.add_workflow("dinosaurs-loose", steps=["email"])
        ...
        knock.assert_message_sent(recipient="jhammond", channel_type="email")

While the plugin is active, a test does not see a real Knock environment exported in the shell:
unless ``KNOCK_BASE_URL`` names a loopback host, ``KNOCK_API_KEY``, ``KNOCK_BASE_URL`` and
``KNOCK_BRANCH`` are removed from ``os.environ`` for the test, so a test that forgets to point
its client at the fake fails with ``ApiKeyMissingError`` instead of writing to Knock. A test
marked ``@pytest.mark.knock_real_environment`` keeps them. A failing assertion of the fake
(``knock.assert_message_sent(...)``) reports the test's line, not the fake's source.

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
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _points_at_real_knock() -> bool:
    """Whether KNOCK_API_KEY is set for a non-loopback host (KNOCK_BASE_URL unset means api.knock.app)."""
    if not os.environ.get("KNOCK_API_KEY"):
        return False
    host = urlsplit(os.environ.get("KNOCK_BASE_URL") or "https://api.knock.app").hostname or ""
    return host not in _LOOPBACK_HOSTS


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{REAL_ENVIRONMENT_MARKER}: let this test see KNOCK_API_KEY/KNOCK_BASE_URL/KNOCK_BRANCH "
        "of the shell even when they name a real (non-loopback) Knock host",
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
    """Keep a key exported in the shell away from tests that did not ask for it (see the module docstring)."""
    __tracebackhide__ = True
    if _points_at_real_knock() and request.node.get_closest_marker(REAL_ENVIRONMENT_MARKER) is None:
        for name in ENVIRONMENT_VARIABLES:
            monkeypatch.delenv(name, raising=False)


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
