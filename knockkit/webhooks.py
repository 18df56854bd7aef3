"""Verify the signature Knock puts on outbound webhooks and on signed fetch-step requests.

Knock signs each request with the endpoint's signing secret and sends one header::

    x-knock-signature: t=<unix time in milliseconds>,s=<base64 HMAC-SHA256 of "<t>.<raw body>">

Pass the body exactly as it arrived (bytes, or the undecoded text), never JSON that was
parsed and serialized again: a single changed space breaks the signature::

    from knockkit import webhooks

    event = webhooks.verify(request.body, request.headers.get("x-knock-signature"), secret)
    if event["type"] == "message.delivered":
        ...
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import time
from typing import Any

from knockkit.errors import WebhookVerificationError

__all__ = ["HEADER", "DEFAULT_TOLERANCE", "verify"]

#: The request header that carries the signature.
HEADER = "x-knock-signature"
#: How far (in seconds) a signature's timestamp may be from the clock, either way.
DEFAULT_TOLERANCE = 300

# A timestamp below this many milliseconds (March 1973) was almost surely sent in seconds.
_SECONDS_NOT_MS = 10**11


def verify(
    payload: bytes | str,
    signature_header: str | bytes | None,
    secret: str | bytes,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> dict[str, Any]:
    """Check a webhook's ``x-knock-signature`` and return the decoded JSON event.

    Args:
        payload: The raw request body, as bytes or as the undecoded text.
        signature_header: The value of the ``x-knock-signature`` header (``None`` if the
            request had none).
        secret: The signing secret of the webhook (or of the fetch step) in Knock.
        tolerance: How many seconds the signature's timestamp may be older, or further in
            the future, than the clock; a timestamp exactly ``tolerance`` away is accepted.
        now: The current Unix time in seconds; defaults to ``time.time()``. Set it to
            check a delivery that was stored and is verified later.

    Returns:
        The event, decoded from the JSON body.

    Raises:
        WebhookVerificationError: The header is missing or malformed, the timestamp is
            outside the tolerance, the signature does not match, or the body is not a
            JSON object. The message never contains the secret or the expected signature.
        TypeError: ``payload`` or ``secret`` has the wrong type (for example a dict that
            was already parsed from the body).
    """
    body = _raw_body(payload)
    key = _secret_bytes(secret)
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not tolerance >= 0:
        raise ValueError(f"tolerance must be a number of seconds >= 0, got {tolerance!r}")
    timestamp, signatures = _parse_header(signature_header)
    _check_timestamp(timestamp, tolerance, time.time() if now is None else now)
    expected = hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256).digest()
    # Compare with every signature given (there may be several while a secret is rotated),
    # in constant time, and without stopping at the first match.
    matched = False
    for signature in signatures:
        matched |= hmac.compare_digest(expected, signature)
    if not matched:
        raise WebhookVerificationError(
            "the x-knock-signature does not match the body: check the signing secret, and "
            "pass the raw request body (not JSON that was parsed and serialized again)"
        )
    try:
        event = json.loads(body)
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        raise WebhookVerificationError(f"the signed body is not JSON ({type(exc).__name__}: {exc})") from None
    except RecursionError:
        raise WebhookVerificationError("the signed body is JSON nested too deeply to read") from None
    if not isinstance(event, dict):
        raise WebhookVerificationError(f"the signed body is JSON but not an object (got {type(event).__name__})")
    return event


def _raw_body(payload: object) -> bytes:
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return bytes(payload)
    if isinstance(payload, str):
        return payload.encode("utf-8")
    raise TypeError(
        f"payload must be the raw request body (bytes or str), not {type(payload).__name__}; "
        "the signature covers the exact bytes Knock sent"
    )


def _secret_bytes(secret: object) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not isinstance(secret, bytes):
        raise TypeError(f"secret must be a str or bytes, not {type(secret).__name__}")
    if not secret:
        raise ValueError("secret must not be empty")
    return secret


def _parse_header(header: object) -> tuple[str, list[bytes]]:
    """The timestamp (as sent, digits) and the decoded signatures of the header."""
    if isinstance(header, bytes):
        try:
            header = header.decode("ascii")
        except UnicodeDecodeError:
            raise WebhookVerificationError("the x-knock-signature header is malformed: not ASCII") from None
    if header is None or (isinstance(header, str) and not header.strip()):
        raise WebhookVerificationError("the request has no x-knock-signature header")
    if not isinstance(header, str):
        raise TypeError(f"signature_header must be a str, not {type(header).__name__}")
    expected_form = "expected 't=<unix ms>,s=<base64 signature>'"
    timestamps: list[str] = []
    signatures: list[bytes] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not value:
            raise WebhookVerificationError(f"the x-knock-signature header is malformed: {expected_form}")
        if name == "t":
            timestamps.append(value)
        elif name == "s":
            try:
                signatures.append(base64.b64decode(value, validate=True))
            except (binascii.Error, ValueError):
                raise WebhookVerificationError(
                    "the x-knock-signature header is malformed: its s= value is not base64"
                ) from None
        # other keys are ignored, so that a scheme version Knock adds later is not rejected
    if len(timestamps) != 1 or not signatures:
        raise WebhookVerificationError(
            f"the x-knock-signature header is malformed: {expected_form} with one t= and at least one s="
        )
    timestamp = timestamps[0]
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 15:
        raise WebhookVerificationError(
            "the x-knock-signature header is malformed: t= must be a Unix time in milliseconds"
        )
    return timestamp, signatures


def _check_timestamp(timestamp: str, tolerance: float, now: float) -> None:
    sent_ms = int(timestamp)
    age = now - sent_ms / 1000
    if math.isfinite(age) and abs(age) <= tolerance:
        return
    hint = ""
    if sent_ms < _SECONDS_NOT_MS:
        hint = " (it looks like seconds; Knock signs with the time in milliseconds)"
    if age > 0:
        raise WebhookVerificationError(
            f"the x-knock-signature timestamp is {age:.0f} s old, beyond the tolerance of {tolerance:g} s{hint}"
        )
    raise WebhookVerificationError(
        f"the x-knock-signature timestamp is {-age:.0f} s in the future, beyond the tolerance of {tolerance:g} s{hint}"
    )
