"""The pytest plugin (entry point ``pytest11: knockkit``): ``knock``, ``knock_client`` and
``knock_async_client``.

::

    def test_alert(knock, knock_client):
        knock.add_workflow("dinosaurs-loose", steps=["email"])
        ...
        knock.assert_message_sent(recipient="jhammond", channel_type="email")

pytest loads this module in every session of a project that installs knockkit, so it
imports only pytest and typing names; the fake itself is imported inside the fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from knockkit._client import AsyncClient, Client
    from knockkit.testing._server import FakeKnock

__all__ = ["knock", "knock_async_client", "knock_client", "knockkit_fake_server"]


@pytest.fixture(scope="session")
def knockkit_fake_server() -> Iterator[FakeKnock]:
    """One FakeKnock for the whole session (starting one per test would cost a thread each)."""
    from knockkit.testing._server import FakeKnock

    with FakeKnock() as fake:
        yield fake


@pytest.fixture
def knock(knockkit_fake_server: FakeKnock) -> FakeKnock:
    """A running FakeKnock, reset before the test: no entities, workflows, requests or faults."""
    knockkit_fake_server.reset()
    return knockkit_fake_server


@pytest.fixture
def knock_client(knock: FakeKnock) -> Client:
    """A knockkit.Client pointed at the ``knock`` fake, with retries that wait milliseconds."""
    return knock.client()


@pytest.fixture
def knock_async_client(knock: FakeKnock) -> AsyncClient:
    """A knockkit.AsyncClient pointed at the ``knock`` fake (await the endpoint functions)."""
    return knock.async_client()
