"""Shared fixtures: a loopback HTTP server and a client pointed at it.

Every test runs with the KNOCK_* environment cleared, so settings resolution is
exactly what the test sets up. The API key used here is fake; the secrets tests
check that it never appears in output.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

import knockkit

TEST_KEY = "sk_test_7f3a9c1e5b2d4068a1"


#: Read by clients (trust_env): a machine's own proxy settings must not reroute the tests.
PROXY_VARS = tuple(f"{name}_proxy" for name in ("http", "https", "all", "no"))


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in ("KNOCK_API_KEY", "KNOCK_BRANCH", "KNOCK_BASE_URL", "KNOCK_SIGNING_KEY", "KNOCK_LOG"):
        monkeypatch.delenv(var, raising=False)
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.upper(), raising=False)
    yield


@pytest.fixture
def client(httpserver: HTTPServer) -> knockkit.Client:
    """A client for the test's loopback server, with retries that wait only milliseconds."""
    return knockkit.Client(api_key=TEST_KEY, base_url=httpserver.url_for("/"), backoff_factor=0.001)


# --- both transports ----------------------------------------------------------------------

TRANSPORTS = ("sync", "async")


def make_client(kind: str, **settings: Any) -> knockkit.Client:
    """A ``Client``, or for ``"async"`` an ``AsyncClient`` with the same settings (typed as a
    Client so that tests read the same; pass what it returns to :func:`call`)."""
    cls = knockkit.AsyncClient if kind == "async" else knockkit.Client
    return cls(**settings)  # type: ignore[return-value]


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call an endpoint function; with an AsyncClient, run the coroutine to its result on a
    fresh event loop (as ``asyncio.run`` in a script would)."""
    result = fn(*args, **kwargs)
    if inspect.iscoroutine(result):
        return asyncio.run(result)
    return result


def collect(fn: Callable[..., Any], client: Any, *args: Any, **kwargs: Any) -> list[Any]:
    """Every item ``paginate`` (or ``apaginate`` for an AsyncClient) yields."""
    if isinstance(client, knockkit.AsyncClient):

        async def gather() -> list[Any]:
            return [item async for item in knockkit.apaginate(fn, client, *args, **kwargs)]

        return asyncio.run(gather())
    return list(knockkit.paginate(fn, client, *args, **kwargs))


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def any_client(httpserver: HTTPServer, transport: str) -> knockkit.Client:
    """``client`` for each transport in turn."""
    return make_client(transport, api_key=TEST_KEY, base_url=httpserver.url_for("/"), backoff_factor=0.001)


def raw_path(httpserver: HTTPServer, index: int = -1) -> str:
    """The request target exactly as it was sent (werkzeug decodes request.path)."""
    return str(httpserver.log[index][0].environ["RAW_URI"])


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium under Playwright (see tests/browser.py); one per test module:
    Playwright's sync API keeps an asyncio loop marked running while it is open, which would
    make every later ``asyncio.run`` in the session fail."""
    from tests.browser import launch

    yield from launch()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A fresh page (own context: no cookies or storage shared between tests)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()
