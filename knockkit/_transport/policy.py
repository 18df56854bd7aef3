"""What every attempt obeys, whatever sends it: retries, Retry-After, body budgets, errors, redaction.

An executor sends one attempt and reports an ``Outcome``; the functions here decide
how much of the body to keep, whether and when to try again, and what error the caller
sees. Nothing here does I/O, so the same rules serve every transport.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from knockkit._transport.proxies import via
from knockkit.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    RateLimitError,
    error_for_status,
)

if TYPE_CHECKING:
    from knockkit._client import _Settings as Client  # a Client or an AsyncClient

__all__ = [
    "MAX_ERROR_BODY",
    "RETRY_STATUSES",
    "Outcome",
    "api_error",
    "backoff",
    "body_budget",
    "connection_error",
    "describe",
    "invalid_response",
    "parse_json",
    "parse_retry_after",
    "redact",
    "retry_delay",
]

# Statuses worth another attempt: timeouts, lock conflicts, rate limits, server errors.
RETRY_STATUSES = frozenset({408, 409, 429, *range(500, 600)})
#: How much of an error body is read: enough for Knock's error JSON and an excerpt.
MAX_ERROR_BODY = 64 * 1024
_EXCERPT_CHARS = 200
_BACKOFF_MAX = 8.0
#: The headers of an attempt that got no response.
_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class Outcome:
    """What one attempt came to: a response (``status`` > 0) or a failure to get one.

    ``failure`` is ``"connect"`` or ``"connect-timeout"`` (the request never left),
    ``"timeout"`` or ``"read"`` (it may have reached the server); ``detail`` names the
    underlying error. ``body`` holds at most
    the budget the policy gave; ``overflow`` says there was more, ``encoding`` is a
    Content-Encoding knockkit did not ask for (the body is then left unread).
    """

    __slots__ = (
        "attempts",
        "body",
        "detail",
        "elapsed",
        "encoding",
        "failure",
        "headers",
        "overflow",
        "reason",
        "status",
    )

    # (No keyword-only parameters: their defaults are looked up by name on every call, and
    # one Outcome is made per attempt. Callers name failure, detail, overflow and encoding.)
    def __init__(
        self,
        status: int = 0,
        reason: str = "",
        headers: Mapping[str, str] = _NO_HEADERS,
        body: bytes = b"",
        failure: str | None = None,
        detail: str = "",
        overflow: bool = False,
        encoding: str | None = None,
    ) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.failure = failure
        self.detail = detail
        self.overflow = overflow
        self.encoding = encoding
        self.attempts = 1
        self.elapsed = 0.0  # seconds, from the first attempt to the last


# --- retries ------------------------------------------------------------------------------


def will_retry(client: Client, status: int, attempt: int, safe: bool) -> bool:
    """Whether a response with ``status`` on attempt ``attempt`` (1-based) is tried again.

    Only ``safe`` requests (idempotent methods, or POSTs with an idempotency key or that
    are idempotent by nature) are sent again once the server has answered."""
    return safe and attempt <= client.max_retries and status in RETRY_STATUSES


def body_budget(client: Client, status: int, attempt: int, safe: bool) -> int:
    """How many body bytes an executor keeps for a response: none if it will be retried."""
    if 200 <= status < 300:
        return client.max_response_bytes
    return 0 if will_retry(client, status, attempt, safe) else MAX_ERROR_BODY


def retry_delay(client: Client, outcome: Outcome, attempt: int, safe: bool) -> float | None:
    """Seconds to wait before the next attempt, or ``None`` if this outcome is final."""
    if attempt > client.max_retries:
        return None
    if outcome.failure is not None:
        # A request that never left can always be sent; one that may have arrived only if safe.
        if outcome.failure.startswith("connect") or safe:
            return backoff(client, attempt)
        return None
    # (Most outcomes are a 2xx: the set lookup settles them without a call.)
    if outcome.status not in RETRY_STATUSES or not will_retry(client, outcome.status, attempt, safe):
        return None
    wait = parse_retry_after(outcome.headers.get("retry-after"))
    return backoff(client, attempt) if wait is None else min(wait, client.max_retry_after)


def backoff(client: Client, attempt: int) -> float:
    """The official SDKs' backoff: ``backoff_factor * 2**(n-1)`` s, at most 8 s, minus up to 25% jitter."""
    delay: float = min(client.backoff_factor * 2 ** (attempt - 1), _BACKOFF_MAX)
    return delay * (1 - 0.25 * random.random())


_SECONDS = re.compile(r"[0-9]{1,10}")


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds from now (delta-seconds or an HTTP date); ``None`` if unreadable."""
    if not value:
        return None
    value = value.strip()
    if _SECONDS.fullmatch(value):
        return float(value)
    if len(value) > 40:  # no HTTP date is longer; refuse before parsing hostile input
        return None
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(value)
        seconds = when.timestamp() - time.time()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return max(0.0, seconds)


# --- errors ---------------------------------------------------------------------------------

_SECRETISH = re.compile(r"(sk|pk)_[A-Za-z0-9_\-]{6,}|Bearer\s+\S+")


def redact(text: str, client: Client) -> str:
    """Text that came from the server, as knockkit keeps or logs it: the client's key,
    and anything shaped like a key, replaced by ``[REDACTED]``."""
    return _SECRETISH.sub("[REDACTED]", text.replace(client.api_key, "[REDACTED]"))


def _redact_json(value: Any, client: Client) -> Any:
    if isinstance(value, str):
        return redact(value, client)
    if isinstance(value, dict):
        return {redact(k, client): _redact_json(v, client) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(item, client) for item in value]
    return value


def _excerpt(data: bytes, client: Client) -> str:
    text = redact(data[: _EXCERPT_CHARS * 4].decode("utf-8", "replace"), client)
    text = " ".join(text.split())
    return text[:_EXCERPT_CHARS] + ("..." if len(text) > _EXCERPT_CHARS else "")


def parse_json(data: bytes) -> tuple[bool, Any]:
    """``(True, value)`` for a JSON document, ``(False, None)`` for anything else,
    including JSON nested too deeply for the parser."""
    try:
        # RFC 8259: JSON on the network is UTF-8. Decoding it here and reading it with the
        # decoder's scanner (what raw_decode calls) skips json.loads' encoding detection and
        # three Python layers, on every response; whitespace around the value, and everything
        # else, takes the full path.
        text = data.decode("utf-8")
        value, end = _scan_once(text, 0)
        if end == len(text):
            return True, value
    except (ValueError, RecursionError, StopIteration):
        pass
    try:
        return True, json.loads(data)  # a BOM, UTF-16 or UTF-32: json.loads tells them apart
    except (ValueError, RecursionError):
        return False, None


#: ``(value, end)``, or StopIteration when no value starts at the index.
_scan_once: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def api_error(client: Client, method: str, path: str, outcome: Outcome) -> APIError:
    """The exception for an error status, from Knock's ``{code, message, status, type}``
    body when there is one; every string from the server is redacted."""
    data = outcome.body
    parsed = False
    body: Any = None
    if data and not outcome.overflow and outcome.encoding is None:
        parsed, body = parse_json(data)
    fields = body if isinstance(body, dict) else {}
    message = fields.get("message")
    if isinstance(message, str) and message:
        message = redact(message, client)
    else:
        message = redact(outcome.reason, client) or "error"
        if outcome.encoding is not None:
            message += f" (a {outcome.encoding!r}-encoded body knockkit did not ask for; not read)"
        elif data and not parsed:
            message += f": {_excerpt(data, client)}"
    code, type_ = fields.get("code"), fields.get("type")
    request_id = outcome.headers.get("x-request-id")
    kwargs: dict[str, Any] = {
        "code": redact(code, client) if isinstance(code, str) else None,
        "type": redact(type_, client) if isinstance(type_, str) else None,
        "request_id": redact(request_id, client) if request_id else None,
        "body": _redact_json(body, client) if parsed else None,
        "method": method,
        "path": path,
        "attempts": outcome.attempts,
    }
    cls = error_for_status(outcome.status)
    if cls is RateLimitError:
        return RateLimitError(
            outcome.status, message, retry_after=parse_retry_after(outcome.headers.get("retry-after")), **kwargs
        )
    return cls(outcome.status, message, **kwargs)


def invalid_response(
    client: Client, method: str, path: str, outcome: Outcome, why: str, parsed: Any = None
) -> APIResponseValidationError:
    """A 2xx whose body cannot be what the endpoint returns."""
    data = outcome.body
    excerpt = _excerpt(data, client) if data else "<empty body>"
    return APIResponseValidationError(
        outcome.status,
        f"{redact(why, client)}; body starts: {excerpt}",
        body=_redact_json(parsed, client),
        request_id=redact(outcome.headers.get("x-request-id") or "", client) or None,
        method=method,
        path=path,
    )


def oversized(client: Client, method: str, path: str, outcome: Outcome) -> APIResponseValidationError:
    """The error for a 2xx body knockkit refused to read whole (``overflow``, or an ``encoding``)."""
    if outcome.encoding is not None:
        why = f"the response is {outcome.encoding!r}-encoded although knockkit asked for identity; not read"
    else:
        why = f"the response body is larger than max_response_bytes ({client.max_response_bytes} bytes); not read"
    return APIResponseValidationError(
        outcome.status,
        why,
        request_id=redact(outcome.headers.get("x-request-id") or "", client) or None,
        method=method,
        path=path,
    )


_TUNNEL_FAILED = re.compile(r"Tunnel connection failed: [0-9]{3}[ A-Za-z-]{0,60}")


def describe(exc: BaseException) -> str:
    """An error that kept a request from its answer, as a person reads it: its type, and the
    operating system's reason when there is one (``NewConnectionError (Connection refused)``),
    or a proxy's refusal (``ProxyError (407 Proxy Authentication Required)``)."""
    seen: BaseException | None = exc
    for _ in range(5):  # the reason is a few wrappers down: urllib3 and aiohttp wrap OSErrors
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.strerror:
            # asyncio words a refused connection "Connect call failed (...)": use the errno's text.
            reason = os.strerror(seen.errno) if isinstance(seen.errno, int) and seen.errno > 0 else seen.strerror
            return f"{type(exc).__name__} ({reason})"
        refusal = _proxy_refusal(seen)
        if refusal:
            return f"{type(exc).__name__} ({refusal})"
        seen = getattr(seen, "os_error", None) or getattr(seen, "original_error", None) or seen.__cause__ or (
            seen.__context__
        )
    return type(exc).__name__


def _proxy_refusal(exc: BaseException) -> str | None:
    """A proxy's answer to a CONNECT: http.client's "Tunnel connection failed: 407 ..." (urllib3)
    or aiohttp's ClientHttpProxyError (status and reason only: its text holds the URL)."""
    status, message = getattr(exc, "status", None), getattr(exc, "message", None)
    if type(exc).__name__ == "ClientHttpProxyError" and isinstance(status, int) and isinstance(message, str):
        return f"{status} {message}"[:80]
    if isinstance(exc, OSError) and exc.args and isinstance(exc.args[0], str):
        found = _TUNNEL_FAILED.search(exc.args[0])
        if found:
            return found.group(0).removeprefix("Tunnel connection failed: ").strip()
    return None


def connection_error(client: Client, method: str, path: str, outcome: Outcome) -> APIConnectionError:
    attempts = outcome.attempts
    if outcome.failure is not None and outcome.failure.endswith("timeout"):
        return APITimeoutError(
            f"{method} {path} timed out after {attempts} attempt(s) against {client.base_url}{via(client)} "
            f"(timeout={client.timeout} s per attempt)",
            method=method,
            path=path,
            attempts=attempts,
        )
    return APIConnectionError(
        f"{method} {path} failed to reach {client.base_url}{via(client)} after {attempts} attempt(s): "
        f"{outcome.detail}",
        method=method,
        path=path,
        attempts=attempts,
    )

