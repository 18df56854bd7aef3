"""The OpenTelemetry and Prometheus example of docs/production.md, run as written on both clients."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import CollectorRegistry
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import users
from tests.conftest import call
from tests.test_production_errors import free_port

PAGE = Path(__file__).resolve().parent.parent / "docs" / "production.md"
UNAVAILABLE = {"code": "unavailable", "message": "try again", "status": 503, "type": "api_error"}


def example() -> dict[str, Any]:
    """The namespace the page's telemetry block defines."""
    found = re.search(r"<!-- example: telemetry -->\n```python\n(.*?)```", PAGE.read_text(), re.S)
    assert found is not None, "docs/production.md lost its telemetry example"
    namespace: dict[str, Any] = {"__name__": "telemetry_example"}
    exec(compile(found.group(1), f"{PAGE}:telemetry", "exec"), namespace)
    return namespace


@pytest.fixture
def telemetry() -> tuple[Any, InMemorySpanExporter, CollectorRegistry]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    registry = CollectorRegistry()
    return example()["KnockTelemetry"](tracer_provider=provider, registry=registry), exporter, registry


def test_spans_and_metrics_for_each_attempt(
    httpserver: HTTPServer, any_client: knockkit.Client, telemetry: tuple[Any, InMemorySpanExporter, CollectorRegistry]
) -> None:
    hooks, exporter, registry = telemetry
    httpserver.expect_ordered_request("/v1/users/u1").respond_with_json(UNAVAILABLE, status=503)
    httpserver.expect_ordered_request("/v1/users/u1").respond_with_json({"id": "u1"}, headers={"x-request-id": "r1"})
    httpserver.expect_ordered_request("/v1/users/nobody").respond_with_json({"message": "no"}, status=404)
    client = any_client.evolve(hooks=hooks)

    call(users.get, client, "u1")
    with pytest.raises(knockkit.NotFoundError):
        call(users.get, client, "nobody")

    spans = exporter.get_finished_spans()
    assert [span.name for span in spans] == ["GET /v1/users/{user_id}"] * 3
    assert all(span.kind is SpanKind.CLIENT for span in spans)
    first, second, missing = (dict(span.attributes or {}) for span in spans)
    assert first == {
        "http.request.method": "GET",
        "url.template": "/v1/users/{user_id}",
        "url.full": f"{any_client.base_url}/v1/users/u1",
        "server.address": "localhost",
        "http.request.resend_count": 0,
        "http.response.status_code": 503,
    }
    assert second["http.request.resend_count"] == 1 and second["knock.request_id"] == "r1"
    assert missing["url.full"].endswith("/v1/users/nobody")
    assert [span.status.status_code for span in spans] == [StatusCode.ERROR, StatusCode.UNSET, StatusCode.ERROR]
    assert hooks.spans == {}

    def attempts(status: str) -> float | None:
        labels = {"method": "GET", "endpoint": "/v1/users/{user_id}", "status": status}
        return registry.get_sample_value("knock_requests_total", labels)

    assert (attempts("503"), attempts("200"), attempts("404")) == (1.0, 1.0, 1.0)
    count = registry.get_sample_value(
        "knock_request_duration_seconds_count", {"method": "GET", "endpoint": "/v1/users/{user_id}"}
    )
    assert count == 3.0


def test_a_failed_attempt_ends_its_span_with_the_reason(
    transport: str, telemetry: tuple[Any, InMemorySpanExporter, CollectorRegistry]
) -> None:
    hooks, exporter, registry = telemetry
    cls = knockkit.AsyncClient if transport == "async" else knockkit.Client
    client = cls(api_key="sk_test_telemetry_1", base_url=f"http://127.0.0.1:{free_port()}", max_retries=0, hooks=hooks)
    with pytest.raises(knockkit.APIConnectionError):
        call(users.get, client, "u1")
    (span,) = exporter.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description is not None and span.status.description.endswith("(Connection refused)")
    labels = {"method": "GET", "endpoint": "/v1/users/{user_id}", "status": "none"}
    assert registry.get_sample_value("knock_requests_total", labels) == 1.0


def test_a_cancelled_call_leaves_no_span_open(
    httpserver: HTTPServer, telemetry: tuple[Any, InMemorySpanExporter, CollectorRegistry]
) -> None:
    import threading

    hooks, exporter, _ = telemetry
    release = threading.Event()

    def slow(request: Any) -> Any:
        release.wait(5)
        from werkzeug import Response

        return Response("{}", content_type="application/json")

    httpserver.expect_request("/v1/users/u1").respond_with_handler(slow)
    aclient = knockkit.AsyncClient(api_key="sk_test_telemetry_1", base_url=httpserver.url_for("/"), hooks=hooks)

    async def main() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(users.get(aclient, "u1"), 0.2)

    try:
        asyncio.run(main())
    finally:
        release.set()
        # Let the handler finish, so its late log entry does not land in the next test's log.
        deadline = time.monotonic() + 5
        while not httpserver.log and time.monotonic() < deadline:
            time.sleep(0.02)
    (span,) = exporter.get_finished_spans()
    assert span.status.description == "CancelledError"
    assert hooks.spans == {}
