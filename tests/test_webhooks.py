"""knockkit.webhooks.verify against requests signed the way Knock documents it:
``x-knock-signature: t=<unix ms>,s=<base64 HMAC-SHA256 of "<t>.<raw body>">``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

import knockkit
from knockkit import webhooks
from knockkit.errors import KnockError, WebhookVerificationError

SECRET = "whsec_test_9c2f61d0a4b84e7e"
NOW = 1_763_800_000.0  # seconds; signatures below are made relative to it
BODY = (
    b'{"type": "message.delivered", "created_at": "2025-11-22T08:26:40Z",'
    b' "data": {"id": "2FVHPWxRqNuXQ9krvNP5A6Z4qXe", "status": "delivered"}}'
)


def sign(body: bytes, timestamp_ms: int, secret: str = SECRET) -> str:
    """The header Knock sends, computed independently of knockkit."""
    mac = hmac.new(secret.encode(), f"{timestamp_ms}.".encode() + body, hashlib.sha256).digest()
    return f"t={timestamp_ms},s={base64.b64encode(mac).decode()}"


def ms(seconds: float) -> int:
    return round(seconds * 1000)


def test_valid_signature_returns_the_event() -> None:
    event = webhooks.verify(BODY, sign(BODY, ms(NOW)), SECRET, now=NOW)
    assert event == json.loads(BODY)
    assert event["data"]["status"] == "delivered"


def test_str_payload_and_bytes_secret_and_header() -> None:
    header = sign(BODY, ms(NOW))
    assert webhooks.verify(BODY.decode(), header.encode(), SECRET.encode(), now=NOW)["type"] == "message.delivered"


def test_real_clock_is_the_default() -> None:
    header = sign(BODY, int(time.time() * 1000))
    assert webhooks.verify(BODY, header, SECRET)["type"] == "message.delivered"


def test_non_ascii_body_is_signed_as_utf8() -> None:
    body = '{"type": "message.sent", "data": {"name": "Ellie Sattler \u2013 pal\u00e9obotaniste"}}'.encode()
    event = webhooks.verify(body, sign(body, ms(NOW)), SECRET, now=NOW)
    assert event["data"]["name"].endswith("pal\u00e9obotaniste")


def test_whitespace_and_order_in_header_are_tolerated_and_any_signature_may_match() -> None:
    good = sign(BODY, ms(NOW)).split(",")[1]
    other = sign(BODY, ms(NOW), secret="old-secret").split(",")[1]
    header = f" {other} , t={ms(NOW)}, {good} "
    assert webhooks.verify(BODY, header, SECRET, now=NOW)["type"] == "message.delivered"


def test_error_class_is_a_knock_error_and_exported() -> None:
    assert issubclass(WebhookVerificationError, KnockError)
    assert "WebhookVerificationError" in knockkit.errors.__all__


# --- failure modes ---------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "   ", b""])
def test_missing_header(header: str | bytes | None) -> None:
    with pytest.raises(WebhookVerificationError, match="no x-knock-signature header"):
        webhooks.verify(BODY, header, SECRET, now=NOW)


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        "t=1763800000000",  # no signature
        "s=abc=",  # no timestamp
        "t=,s=abc=",
        "t=1763800000000,s=",
        "t=1763800000000;s=abc=",
        "t=1763800000000,t=1763800000000,s=YWJj",  # two timestamps
        "t=1763800000.5,s=YWJj",  # not whole milliseconds
        "t=-1763800000000,s=YWJj",
        "t=1e12,s=YWJj",
        "t=" + "9" * 400 + ",s=YWJj",
        "t=1763800000000,s=not base64!",
        "v1=abc,t=1763800000000",
    ],
)
def test_malformed_header(header: str) -> None:
    with pytest.raises(WebhookVerificationError, match="malformed"):
        webhooks.verify(BODY, header, SECRET, now=NOW)


def test_non_ascii_bytes_header_is_malformed() -> None:
    with pytest.raises(WebhookVerificationError, match="malformed"):
        webhooks.verify(BODY, "t=1,s=\u00e9".encode(), SECRET, now=NOW)


def test_stale_timestamp() -> None:
    with pytest.raises(WebhookVerificationError, match=r"3600 s old, beyond the tolerance of 300 s"):
        webhooks.verify(BODY, sign(BODY, ms(NOW - 3600)), SECRET, now=NOW)


def test_timestamp_in_the_future() -> None:
    with pytest.raises(WebhookVerificationError, match=r"600 s in the future"):
        webhooks.verify(BODY, sign(BODY, ms(NOW + 600)), SECRET, now=NOW)


def test_timestamp_in_seconds_gets_a_hint() -> None:
    with pytest.raises(WebhookVerificationError, match="looks like seconds"):
        webhooks.verify(BODY, sign(BODY, int(NOW)), SECRET, now=NOW)


def test_stale_is_checked_even_when_the_signature_is_valid_for_the_old_timestamp() -> None:
    # a replayed delivery: genuine signature, old timestamp
    header = sign(BODY, ms(NOW - 301))
    with pytest.raises(WebhookVerificationError, match="old"):
        webhooks.verify(BODY, header, SECRET, now=NOW)


@pytest.mark.parametrize(
    "header",
    [
        sign(BODY, ms(NOW), secret="another-secret"),
        sign(BODY + b" ", ms(NOW)),
        # right signature for another timestamp
        f"t={ms(NOW) + 1}," + sign(BODY, ms(NOW)).split(",")[1],
        # hex instead of base64, still valid base64 characters
        f"t={ms(NOW)},s=" + hmac.new(SECRET.encode(), f"{ms(NOW)}.".encode() + BODY, hashlib.sha256).hexdigest(),
    ],
)
def test_wrong_signature(header: str) -> None:
    with pytest.raises(WebhookVerificationError, match="does not match") as info:
        webhooks.verify(BODY, header, SECRET, now=NOW)
    message = str(info.value)
    assert SECRET not in message
    expected = sign(BODY, ms(NOW)).split("s=")[1]
    assert expected not in message


def test_reserialized_json_fails() -> None:
    header = sign(BODY, ms(NOW))
    reserialized = json.dumps(json.loads(BODY), separators=(",", ":"))
    with pytest.raises(WebhookVerificationError, match="raw request body"):
        webhooks.verify(reserialized, header, SECRET, now=NOW)


@pytest.mark.parametrize("body", [b"not json", b"", b"\xff\xfe", b"[1, 2]", b'"text"'])
def test_body_not_a_json_object(body: bytes) -> None:
    with pytest.raises(WebhookVerificationError, match=r"not JSON|not an object"):
        webhooks.verify(body, sign(body, ms(NOW)), SECRET, now=NOW)


def test_secret_never_in_any_message() -> None:
    cases = [
        (BODY, None),
        (BODY, "garbage"),
        (BODY, sign(BODY, ms(NOW - 3600))),
        (BODY, sign(BODY, ms(NOW), secret="x")),
        (b"nope", sign(b"nope", ms(NOW))),
    ]
    for body, header in cases:
        with pytest.raises(WebhookVerificationError) as info:
            webhooks.verify(body, header, SECRET, now=NOW)
        assert SECRET not in str(info.value)
        assert SECRET not in repr(info.value)


def test_parsed_payload_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="raw request body"):
        webhooks.verify(json.loads(BODY), sign(BODY, ms(NOW)), SECRET, now=NOW)


@pytest.mark.parametrize("secret", ["", b""])
def test_empty_secret(secret: str | bytes) -> None:
    with pytest.raises(ValueError, match="secret"):
        webhooks.verify(BODY, sign(BODY, ms(NOW)), secret, now=NOW)


@pytest.mark.parametrize("tolerance", [-1, float("nan"), True, "300"])
def test_bad_tolerance(tolerance: object) -> None:
    with pytest.raises(ValueError, match="tolerance"):
        webhooks.verify(BODY, sign(BODY, ms(NOW)), SECRET, tolerance=tolerance, now=NOW)  # type: ignore[arg-type]


# --- the tolerance boundary ------------------------------------------------------------


@pytest.mark.parametrize("tolerance", [300, 10, 0])
@pytest.mark.parametrize("direction", [-1, 1], ids=["past", "future"])
def test_tolerance_boundary(tolerance: int, direction: int) -> None:
    at_edge = ms(NOW) + direction * tolerance * 1000
    assert webhooks.verify(BODY, sign(BODY, at_edge), SECRET, tolerance=tolerance, now=NOW)
    beyond = at_edge + direction  # one millisecond further
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        webhooks.verify(BODY, sign(BODY, beyond), SECRET, tolerance=tolerance, now=NOW)


def test_default_tolerance_is_five_minutes() -> None:
    assert webhooks.DEFAULT_TOLERANCE == 300
    assert webhooks.verify(BODY, sign(BODY, ms(NOW - 300)), SECRET, now=NOW)
    with pytest.raises(WebhookVerificationError):
        webhooks.verify(BODY, sign(BODY, ms(NOW - 300) - 1), SECRET, now=NOW)
