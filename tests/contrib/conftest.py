"""Fixtures for the framework integrations: a FakeKnock, Knock-style signing, and settings
(configure() and framework sources) restored after every test."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from knockkit import _settings
from knockkit.testing import FakeKnock

WEBHOOK_SECRET = "whsec_contrib_5f1e9a0c7b3d4e26"
# A message.bounced event in the shape Knock documents for outbound webhooks.
BOUNCED: dict[str, Any] = {
    "__typename": "Event",
    "type": "message.bounced",
    "created_at": "2026-01-31T17:12:59.958652Z",
    "data": {
        "__typename": "Message", "id": "2w3YUpTTOxuDvZFji8OMsKrG176", "status": "bounced",
        "recipient": "jhammond", "workflow": "dinosaurs-loose", "channel_id": "email-channel",
        "inserted_at": "2026-01-31T17:12:50.000000Z",
    },
    "event_data": {"__typename": "EventData", "failure_reason": "hard_bounce", "failure_details": "550"},
}  # fmt: skip


def sign(body: bytes, secret: str = WEBHOOK_SECRET, *, at: float | None = None) -> str:
    """The x-knock-signature Knock sends, computed here independently of knockkit."""
    t = str(int((time.time() if at is None else at) * 1000))
    mac = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).digest()
    return f"t={t},s={base64.b64encode(mac).decode()}"


def event_body(event: dict[str, Any] | None = None, **changes: Any) -> bytes:
    return json.dumps({**(event or BOUNCED), **changes}).encode()


#: Deliveries every receiver must answer 400, without dispatching (see bad_signature_headers).
BAD_SIGNATURES = ["missing", "stale", "wrong secret", "tampered"]


def bad_signature_headers(case: str, body: bytes) -> dict[str, str]:
    """The headers of a delivery of ``body`` whose signature is bad in the way ``case`` says."""
    signature = {
        "missing": None,
        "stale": sign(body, at=time.time() - 301),  # beyond the 300 s tolerance
        "wrong secret": sign(body, "whsec_not_ours"),
        "tampered": sign(body.replace(b"jhammond", b"dnedry")),  # signed, then changed
    }[case]
    return {} if signature is None else {"x-knock-signature": signature}


def assert_rejection_logged(caplog: pytest.LogCaptureFixture) -> None:
    """The rejection was logged as a warning on knockkit.webhooks, and nothing logged holds the secret."""
    assert any(r.name == "knockkit.webhooks" and r.levelname == "WARNING" for r in caplog.records)
    assert WEBHOOK_SECRET not in caplog.text


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """configure() settings and framework sources as they were before the test."""
    monkeypatch.setattr(_settings, "_SETTINGS", dict(_settings._SETTINGS))
    monkeypatch.setattr(_settings, "_SOURCES", _settings._SOURCES)
    yield


@pytest.fixture
def fake(knock: FakeKnock) -> FakeKnock:
    """The plugin's fake (reset), with the workflow the tests trigger."""
    knock.add_workflow("dinosaurs-loose", steps=["email"])
    return knock


# --- Redis, for the Celery tests on a real broker ----------------------------------------------

#: Set by .ci/run to the Redis it started; locally, a redis-server on PATH is started instead.
REDIS_URL_VAR = "KNOCKKIT_TEST_REDIS_URL"


def skip_or_fail(reason: str) -> None:
    """Skip locally; under CI=true (.ci/run) a missing service is a failure, not a skip."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the Redis tests must run)")
    pytest.skip(reason)


def redis_answers(url: str, timeout: float) -> bool:
    import redis

    deadline = time.monotonic() + timeout
    while True:
        try:
            return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
        except redis.RedisError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis on 127.0.0.1: $KNOCKKIT_TEST_REDIS_URL, or a redis-server started for the session."""
    pytest.importorskip("redis", reason="the Redis broker tests need the redis client: pip install celery[redis]")
    url = os.environ.get(REDIS_URL_VAR)
    if url:
        if not redis_answers(url, timeout=5):
            pytest.fail(f"{REDIS_URL_VAR}={url} does not answer PING")
        yield url
        return
    server = shutil.which("redis-server")
    if server is None:
        skip_or_fail(f"no Redis: set {REDIS_URL_VAR} or install redis-server (.ci/run does)")
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"redis://127.0.0.1:{port}/0"
        if not redis_answers(url, timeout=10):
            pytest.fail(f"redis-server on port {port} did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def broker_urls(request: pytest.FixtureRequest, broker: str) -> tuple[str, str]:
    """(broker URL, result backend URL) for "memory" or "redis"."""
    if broker == "memory":
        return "memory://", "cache+memory://"
    url: str = request.getfixturevalue("redis_url")
    return url, url
