"""Fixtures for the reliability suite: a misbehaving loopback server and fast-retrying clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import knockkit
from tests.conftest import TEST_KEY
from tests.conftest import make_client as any_transport
from tests.reliability._server import FaultServer

# Small waits so the suite stays fast: the first retry waits 37-50 ms, the second 75-100 ms.
BACKOFF = 0.05
TIMEOUT = 0.3
# The least time two retries must have waited, with full jitter (0.75 of the nominal delay).
MIN_BACKOFF_TWO_RETRIES = 0.75 * (BACKOFF + 2 * BACKOFF)


def min_backoff(attempts: int) -> float:
    """The least time the retries of ``attempts`` attempts must have waited, with full jitter."""
    return 0.75 * sum(BACKOFF * 2**retry for retry in range(attempts - 1))


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as running:
        yield running
    assert running.handler_errors == []


def make_client(server: FaultServer, kind: str = "sync", **changes: object) -> knockkit.Client:
    """A fast-retrying client of ``kind`` ("sync" or "async") for the server."""
    settings: dict[str, object] = {
        "api_key": TEST_KEY,
        "base_url": server.url,
        "backoff_factor": BACKOFF,
        "timeout": TIMEOUT,
        "connect_timeout": TIMEOUT,
        "max_retries": 2,
        **changes,
    }
    return any_transport(kind, **settings)


@pytest.fixture
def client(server: FaultServer) -> knockkit.Client:
    return make_client(server)


@pytest.fixture
def any_client(server: FaultServer, transport: str) -> knockkit.Client:
    """``client`` for each transport in turn (call endpoint functions through tests.conftest.call)."""
    return make_client(server, transport)
