"""Fixtures for the framework integrations: a FakeKnock, Knock-style signing, and settings
(configure() and framework sources) restored after every test."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
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
