"""Shared fixtures: a loopback HTTP server and a client pointed at it.

Every test runs with the KNOCK_* environment cleared, so settings resolution is
exactly what the test sets up. The API key used here is fake; the secrets tests
check that it never appears in output.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

import knockkit

TEST_KEY = "sk_test_7f3a9c1e5b2d4068a1"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in ("KNOCK_API_KEY", "KNOCK_BRANCH", "KNOCK_BASE_URL", "KNOCK_SIGNING_KEY"):
        monkeypatch.delenv(var, raising=False)
    yield


@pytest.fixture
def client(httpserver: HTTPServer) -> knockkit.Client:
    """A client for the test's loopback server, with retries that wait only milliseconds."""
    return knockkit.Client(api_key=TEST_KEY, base_url=httpserver.url_for("/"), backoff_factor=0.001)


def raw_path(httpserver: HTTPServer, index: int = -1) -> str:
    """The request target exactly as it was sent (werkzeug decodes request.path)."""
    return str(httpserver.log[index][0].environ["RAW_URI"])
