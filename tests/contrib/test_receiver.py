"""knockkit.webhooks.Receiver and Event without a framework: what every adapter relies on."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

import pytest

import knockkit
from knockkit import webhooks
from knockkit.models import Message, WorkflowRecipientRun
from knockkit.webhooks import Event, Receiver

from .conftest import BOUNCED, WEBHOOK_SECRET, event_body, sign


def recording_receiver(*patterns: str) -> tuple[Receiver, list[tuple[str, Event]]]:
    receiver = Receiver(WEBHOOK_SECRET)
    seen: list[tuple[str, Event]] = []
    for pattern in patterns:
        receiver.on(pattern)(lambda event, pattern=pattern: seen.append((pattern, event)))
    return receiver, seen


def test_a_signed_event_is_parsed_and_dispatched_by_type() -> None:
    receiver, seen = recording_receiver("message.bounced", "message.delivered", "message.*", "*")
    body = event_body()
    assert receiver.respond(body, sign(body)) == 204
    assert [pattern for pattern, _ in seen] == ["message.bounced", "message.*", "*"]
    event = seen[0][1]
    assert (event.type, event.typename) == ("message.bounced", "Event")
    assert event.created_at == dt.datetime(2026, 1, 31, 17, 12, 59, 958652, tzinfo=dt.timezone.utc)
    assert event.event_data == {"__typename": "EventData", "failure_reason": "hard_bounce", "failure_details": "550"}
    message = event.message
    assert isinstance(message, Message)
    assert (message.id, message.status, message.recipient) == ("2w3YUpTTOxuDvZFji8OMsKrG176", "bounced", "jhammond")
    assert event.workflow_recipient_run is None
    assert event.to_dict() == BOUNCED  # every key kept, none added


def test_an_event_no_handler_matches_is_acknowledged() -> None:
    receiver, seen = recording_receiver("message.bounced")
    body = event_body(type="message.read")
    assert receiver.respond(body, sign(body)) == 204
    assert seen == []


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "has no x-knock-signature header"),
        ("t=1,s=", "malformed"),
        ("stale", "s old, beyond the tolerance of 300 s"),
        ("other-secret", "does not match the body"),
        ("tampered", "does not match the body"),
    ],
)
def test_bad_or_stale_signatures_are_400_nothing_dispatched_nothing_secret_logged(
    header: str | None, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    receiver, seen = recording_receiver("*")
    body = event_body()
    signature = {
        "stale": sign(body, at=time.time() - 301),
        "other-secret": sign(body, "whsec_someone_else"),
        "tampered": sign(body.replace(b"hard_bounce", b"soft_bounce")),
    }.get(header or "", header)
    with caplog.at_level(logging.DEBUG):
        assert receiver.respond(body, signature) == 400
    assert seen == []
    (record,) = caplog.records
    assert (record.name, record.levelname) == ("knockkit.webhooks", "WARNING")
    assert reason in record.getMessage()
    assert WEBHOOK_SECRET not in caplog.text
    mac = (signature or "").partition("s=")[2]
    assert not mac or mac not in caplog.text


def test_signed_json_that_is_not_an_event_is_400() -> None:
    receiver, seen = recording_receiver("*")
    for body in (b'{"data": {}}', b'{"type": 42}', b"[1]"):
        assert receiver.respond(body, sign(body)) == 400
    assert seen == []


def test_secret_from_env_is_read_per_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    receiver = Receiver(knockkit.env("KNOCK_WEBHOOK_SECRET"))
    body = event_body()
    with pytest.raises(ValueError, match="no webhook signing secret: the variable KNOCK_WEBHOOK_SECRET gave none"):
        receiver.respond(body, sign(body))
    monkeypatch.setenv("KNOCK_WEBHOOK_SECRET", WEBHOOK_SECRET)
    assert receiver.respond(body, sign(body)) == 204
    assert Receiver(lambda: WEBHOOK_SECRET).respond(body, sign(body)) == 204
    assert WEBHOOK_SECRET not in repr(receiver)


def test_a_handler_error_propagates_so_knock_retries() -> None:
    receiver = Receiver(WEBHOOK_SECRET)

    @receiver.on("message.bounced")
    def broken(event: Event) -> None:
        raise RuntimeError("database down")

    body = event_body()
    with pytest.raises(RuntimeError, match="database down"):
        receiver.respond(body, sign(body))


def test_async_handlers_are_refused_by_the_sync_dispatch() -> None:
    receiver = Receiver(WEBHOOK_SECRET)

    @receiver.on("*")
    async def handler(event: Event) -> None:
        pass

    body = event_body()
    with pytest.raises(TypeError, match=r"is async: mount this receiver with knockkit\.contrib\.starlette"):
        receiver.respond(body, sign(body))


def test_event_key_is_stable_across_deliveries_and_differs_between_events() -> None:
    first = webhooks.parse_event(json.loads(event_body()))
    again = webhooks.parse_event(json.loads(json.dumps(BOUNCED, indent=2)))  # same event, other bytes
    later = webhooks.parse_event(json.loads(event_body(created_at="2026-01-31T17:13:00Z")))
    assert first.key == again.key
    assert first.key != later.key
    assert first.key.startswith("message.bounced:")
    assert webhooks.parse_event({**BOUNCED, "id": "evt_1"}).key == "evt_1"


def test_workflow_recipient_run_events_decode_their_run() -> None:
    event = webhooks.parse_event({
        "type": "workflow_recipient_run.completed",
        "data": {"id": "run_1", "workflow": "dinosaurs-loose", "status": "completed"},
    })  # fmt: skip
    run = event.workflow_recipient_run
    assert isinstance(run, WorkflowRecipientRun)
    assert (run.id, run.status) == ("run_1", "completed")
    assert event.message is None


def test_bad_receiver_arguments_fail_early() -> None:
    with pytest.raises(TypeError, match=r"secret must be a str, bytes, knockkit\.env"):
        Receiver(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="secret must not be empty"):
        Receiver("")
    with pytest.raises(ValueError, match="tolerance must be a number of seconds"):
        Receiver(WEBHOOK_SECRET, tolerance=-1)
    receiver = Receiver(WEBHOOK_SECRET)
    with pytest.raises(ValueError, match="one or more event types"):
        receiver.on()
    with pytest.raises(TypeError, match="a handler must be callable"):
        receiver.on("*")(None)  # type: ignore[arg-type]


def test_sign_makes_the_header_knock_sends() -> None:
    body = event_body()
    assert webhooks.sign(body, WEBHOOK_SECRET, timestamp=1_769_879_579.5) == sign(body, at=1_769_879_579.5)
    assert webhooks.sign(body.decode(), WEBHOOK_SECRET.encode(), timestamp=1_769_879_579.5) == sign(
        body, at=1_769_879_579.5
    )
    assert Receiver(WEBHOOK_SECRET).respond(body, webhooks.sign(body, WEBHOOK_SECRET)) == 204
    with pytest.raises(ValueError, match="timestamp must be a Unix time in seconds"):
        webhooks.sign(body, WEBHOOK_SECRET, timestamp=-1)
    with pytest.raises(TypeError, match="payload must be the raw request body"):
        webhooks.sign({"type": "message.sent"}, WEBHOOK_SECRET)  # type: ignore[arg-type]
