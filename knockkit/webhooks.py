"""Verify the signature Knock puts on outbound webhooks and on signed fetch-step requests.

Knock signs each request with the endpoint's signing secret and sends one header:

```text
x-knock-signature: t=<unix time in milliseconds>,s=<base64 HMAC-SHA256 of "<t>.<raw body>">
```

Pass the body exactly as it arrived (bytes, or the undecoded text), never JSON that was
parsed and serialized again: a single changed space breaks the signature:

```python
from knockkit import webhooks

event = webhooks.verify(request.body, request.headers.get("x-knock-signature"), secret)
if event["type"] == "message.delivered":
    ...
```

Or let a ``Receiver`` verify, decode each delivery into an ``Event`` and call your
handlers by event type; ``knockkit.contrib`` mounts one in Django, Flask and Starlette/FastAPI.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import fnmatch
import hashlib
import hmac
import inspect
import json
import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from knockkit._settings import EnvVar
from knockkit.errors import WebhookVerificationError
from knockkit.models import Datetime, Json, Message, Model, WorkflowRecipientRun, structure
from knockkit.models._base import model, unknown_keys

__all__ = ["DEFAULT_TOLERANCE", "HEADER", "Event", "Receiver", "parse_event", "sign", "verify"]

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
    _check_tolerance(tolerance)
    timestamp, signatures = _parse_header(signature_header)
    _check_timestamp(timestamp, tolerance, time.time() if now is None else now)
    expected = _mac(key, timestamp, body)
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


def sign(payload: bytes | str, secret: str | bytes, *, timestamp: float | None = None) -> str:
    """The ``x-knock-signature`` header Knock would send with ``payload``, to test a receiver.

    Args:
        payload: The request body, as bytes or text (sent exactly so).
        secret: The signing secret.
        timestamp: The Unix time in seconds to sign at; defaults to now.
    """
    body = _raw_body(payload)
    key = _secret_bytes(secret)
    if timestamp is None:
        timestamp = time.time()
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)) or not 0 <= timestamp < 10**12:
        raise ValueError(f"timestamp must be a Unix time in seconds, got {timestamp!r}")
    t = str(int(timestamp * 1000))
    return f"t={t},s={base64.b64encode(_mac(key, t, body)).decode()}"


def _mac(key: bytes, timestamp: str, body: bytes) -> bytes:
    """Knock's signature: HMAC-SHA256 of "<timestamp in ms>.<raw body>"."""
    return hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256).digest()


def _check_tolerance(tolerance: object) -> None:
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not tolerance >= 0:
        raise ValueError(f"tolerance must be a number of seconds >= 0, got {tolerance!r}")


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


# --- typed events and a receiver that dispatches them -------------------------------------

#: Where rejected deliveries are logged: the reason only, never the secret, header or body.
logger = logging.getLogger("knockkit.webhooks")

Handler = Callable[["Event"], Any]
H = TypeVar("H", bound=Handler)
M = TypeVar("M", bound=Model)
#: A signing secret, or where to read it when a delivery arrives: ``knockkit.env("VAR")`` or
#: a function (``lambda: settings.KNOCK_WEBHOOK_SECRET``).
Secret = str | bytes | EnvVar | Callable[[], "str | bytes | None"]


@model(kw_only=True)
class Event(Model):
    """One event Knock delivered: ``type`` (``"message.delivered"``), when it happened, the
    entity it is about (``data``) and the context some types add (``event_data``, e.g. a
    bounce's ``failure_reason``). Keys Knock adds later are kept in ``extra``."""

    type: str
    created_at: Datetime = None
    data: Mapping[str, Json] | None = None
    event_data: Mapping[str, Json] | None = None
    #: an event id, if the payload carries one (Knock's documented payload does not)
    id: str | None = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()

    @property
    def message(self) -> Message | None:
        """``data`` decoded as a ``knockkit.models.Message``, for ``message.*`` events."""
        return self._data_as("message.", Message)

    @property
    def workflow_recipient_run(self) -> WorkflowRecipientRun | None:
        """``data`` decoded as a workflow recipient run, for ``workflow_recipient_run.*`` events."""
        return self._data_as("workflow_recipient_run.", WorkflowRecipientRun)

    def _data_as(self, type_prefix: str, model: builtins.type[M]) -> M | None:  # (`type` is a field here)
        if not self.type.startswith(type_prefix) or self.data is None:
            return None
        result: M = structure(self.data, model)
        return result

    @property
    def key(self) -> str:
        """The same for every delivery of this event, different for every other event: the
        event's ``id`` when the payload has one, else a digest of its type and content (Knock
        sends a retried delivery with the same payload). Record it to skip repeats."""
        if self.id:
            return self.id
        content = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), default=str)
        return f"{self.type}:{hashlib.sha256(content.encode()).hexdigest()[:40]}"


def parse_event(event: Mapping[str, Any]) -> Event:
    """Decode a verified event (what ``verify`` returns) into an ``Event``.

    Raises:
        WebhookVerificationError: the JSON object is not shaped like a Knock event (no
            ``type``, or a field of the wrong type).
    """
    try:
        result: Event = structure(event, Event)
    except Exception as exc:  # the converter's errors differ by field; all mean "not an event"
        raise WebhookVerificationError(f"the signed body is not a Knock event: {exc}") from None
    return result


class Receiver:
    """Verifies Knock's webhook deliveries and calls your handlers by event type.

    ```python
    receiver = webhooks.Receiver(secret=knockkit.env("KNOCK_WEBHOOK_SECRET"))

    @receiver.on("message.bounced", "message.undelivered")
    def stop_emailing(event: webhooks.Event) -> None:
        ...
    ```

    A delivery whose signature is missing, wrong or stale, or whose body is not an event, is
    answered 400: no handler runs, and the reason (never the secret) is logged as a warning
    on ``knockkit.webhooks``. A valid one is answered 204 once every handler whose pattern
    matches its type (exact, ``"message.*"`` or ``"*"``) has returned, in the order
    registered; an event no handler matches is acknowledged too. A handler that raises makes
    the framework answer 500, and Knock delivers the event again later: make handlers
    idempotent with ``Event.key``.

    The framework adapters in ``knockkit.contrib`` mount a receiver in Django, Flask and
    Starlette/FastAPI; elsewhere call ``respond`` with the raw body and the header.
    """

    #: The body of a 400 answer (the reason is logged, not sent).
    REJECTED = "rejected: not a validly signed, current Knock event"

    def __init__(self, secret: Secret, *, tolerance: float = DEFAULT_TOLERANCE) -> None:
        if not (isinstance(secret, (str, bytes, EnvVar)) or callable(secret)):
            raise TypeError(
                f"secret must be a str, bytes, knockkit.env(...) or a function, not {type(secret).__name__}"
            )
        if isinstance(secret, (str, bytes)) and not secret:
            raise ValueError("secret must not be empty")
        _check_tolerance(tolerance)
        self._secret = secret
        self.tolerance = tolerance
        self._handlers: list[tuple[str, Handler]] = []

    def __repr__(self) -> str:
        return f"<Receiver handling {sorted({pattern for pattern, _ in self._handlers})}>"

    def on(self, *event_types: str) -> Callable[[H], H]:
        """Register the decorated function for these event types (or patterns)."""
        if not event_types or not all(isinstance(t, str) and t for t in event_types):
            raise ValueError('on() needs one or more event types, such as "message.bounced" or "message.*"')

        def register(handler: H) -> H:
            if not callable(handler):
                raise TypeError(f"a handler must be callable, not {type(handler).__name__}")
            self._handlers += [(event_type, handler) for event_type in event_types]
            return handler

        return register

    def handlers_for(self, event_type: str) -> list[Handler]:
        """The handlers an event of this type calls, in the order registered."""
        return [handler for pattern, handler in self._handlers if fnmatch.fnmatchcase(event_type, pattern)]

    def accept(self, body: bytes | str, signature_header: str | bytes | None) -> Event | None:
        """The verified, decoded event; None (after logging why) if it must be rejected."""
        try:
            return parse_event(verify(body, signature_header, self._read_secret(), tolerance=self.tolerance))
        except WebhookVerificationError as exc:
            logger.warning("rejected a Knock webhook delivery (answered 400): %s", exc)
            return None

    def dispatch(self, event: Event) -> None:
        """Call the handlers of ``event`` (synchronous ones only: async apps use the Starlette route)."""
        for handler in self.handlers_for(event.type):
            if inspect.iscoroutinefunction(handler):
                raise TypeError(
                    f"handler {handler.__qualname__} is async: mount this receiver with "
                    "knockkit.contrib.starlette, or make the handler a plain function"
                )
            handler(event)

    def respond(self, body: bytes | str, signature_header: str | bytes | None) -> int:
        """Handle one delivery and return the status to answer: 400 if rejected, else 204."""
        event = self.accept(body, signature_header)
        if event is None:
            return 400
        self.dispatch(event)
        return 204

    def _read_secret(self) -> str | bytes:
        source = self._secret
        if isinstance(source, (str, bytes)):
            return source
        value = source.read() if isinstance(source, EnvVar) else source()
        if not value:
            where = f"the variable {source.name}" if isinstance(source, EnvVar) else "the secret function"
            # A server fault, not the sender's: the framework answers 500 and Knock retries later.
            raise ValueError(f"no webhook signing secret: {where} gave none")
        return value
