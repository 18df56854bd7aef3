"""What a test's loopback server received, for the resource-module wire tests
(objects, tenants, schedules, bulk operations, audiences, channels, integrations)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import attrs
import yaml
from pytest_httpserver import HTTPServer

from tests.conftest import TEST_KEY, raw_path

SPEC_PATH = Path(__file__).parent / "data" / "knock-openapi.yml"


@attrs.frozen
class Sent:
    method: str
    path: str  # the raw, still percent-encoded path
    query: list[tuple[str, str]]  # the decoded query pairs, in the order they were sent
    raw_query: str  # as sent (urllib3 percent-encodes the brackets: include%5B%5D=...)
    headers: Any
    body: Any  # the decoded JSON body, or None when there was none


def sent(httpserver: HTTPServer, index: int = -1) -> Sent:
    request = httpserver.log[index][0]
    path, _, query = raw_path(httpserver, index).partition("?")
    body = json.loads(request.get_data()) if request.get_data() else None
    pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    return Sent(request.method, path, pairs, query, request.headers, body)


def only(httpserver: HTTPServer) -> Sent:
    """The one request the test made (a second one would be an unexpected retry)."""
    assert len(httpserver.log) == 1, [entry[0].url for entry in httpserver.log]
    return sent(httpserver)


def assert_headers(request: Sent, *, body: bool) -> None:
    """Knock's auth and content headers; only the trigger endpoint sends an Idempotency-Key."""
    assert request.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"].startswith("knockkit/")
    assert "Idempotency-Key" not in request.headers
    assert "X-Knock-Branch" not in request.headers
    assert (request.headers.get("Content-Type") == "application/json") is body


@functools.cache
def spec() -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open() as file:
        return yaml.load(file, Loader=loader)


def schema(name: str) -> Any:
    return spec()["components"]["schemas"][name]


def example(name: str) -> Any:
    """The spec's example of a component schema: the response bodies the tests serve."""
    return json.loads(json.dumps(schema(name)["example"]))  # a fresh copy each time
