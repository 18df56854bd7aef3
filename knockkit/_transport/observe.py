"""What knockkit tells the outside about its requests: the ``knockkit`` logger and the hooks.

Both transports report here: once per attempt to the hooks (``Client(on_request=...,
on_response=..., hooks=...)``) and the DEBUG log, once per retry and once per logical
request to the INFO log. Nothing here sees a header or a body, so nothing here can leak the
key. A client without hooks, with the logger quiet, pays two checks per request.
"""

from __future__ import annotations

import itertools
import logging
import sys
import warnings
from collections.abc import Callable
from time import perf_counter
from typing import TYPE_CHECKING

import attrs

from knockkit._transport import policy
from knockkit._transport.policy import Outcome, redact
from knockkit._transport.proxies import via

if TYPE_CHECKING:
    from knockkit._client import _Settings as Client

__all__ = [
    "Attempts",
    "RequestEvent",
    "Watch",
    "log_outcome",
    "log_retry",
    "log_to_stderr",
    "logger",
]

logger = logging.getLogger("knockkit")
_INFO, _DEBUG = logging.INFO, logging.DEBUG

_calls = itertools.count(1)


@attrs.frozen(kw_only=True)
class RequestEvent:
    """One attempt of a request, as a hook sees it (read-only; never the key, headers or bodies).

    ``on_request`` receives it before the attempt is sent (``status``, ``elapsed`` and
    ``request_id`` are ``None``); ``on_response`` after it, with either a ``status`` or a
    ``failure`` (the reason no response came: ``"NewConnectionError (Connection refused)"``).

    Attributes:
        method: ``"GET"``, ``"POST"``, ...
        template: the path as Knock's API reference writes it, ``/v1/users/{user_id}``:
            one value per endpoint, fit for metric labels and span names.
        path: the path as sent, ids filled in and percent-encoded (no query).
        base_url: the client's ``base_url``.
        attempt: 1 for the first attempt, 2 for the first retry, ...
        call_id: the same number for every attempt of one call (to pair events up).
        status: the HTTP status, or ``None``.
        elapsed: seconds this attempt took, or ``None``.
        request_id: Knock's ``x-request-id``, or ``None``.
        failure: why no response came, or ``None``.
        retrying: whether another attempt follows this one.
    """

    method: str
    template: str
    path: str
    base_url: str
    attempt: int
    call_id: int
    status: int | None = None
    elapsed: float | None = None
    request_id: str | None = None
    failure: str | None = None
    retrying: bool = False


Hook = Callable[[RequestEvent], object]


def _hooks(client: Client) -> tuple[list[Hook], list[Hook]]:
    before = [h for h in (client.on_request, getattr(client.hooks, "on_request", None)) if h is not None]
    after = [h for h in (client.on_response, getattr(client.hooks, "on_response", None)) if h is not None]
    return before, after


class Watch:
    """The hooks and DEBUG lines of one logical request, attempt by attempt."""

    __slots__ = ("_after", "_before", "_client", "_debug", "_event", "_started")

    def __init__(self, client: Client, method: str, template: str, path: str, debug: bool) -> None:
        self._client = client
        self._before, self._after = _hooks(client)
        self._debug = debug
        self._event = RequestEvent(
            method=method, template=template, path=path, base_url=client.base_url, attempt=1, call_id=next(_calls)
        )
        self._started = 0.0

    def request(self, attempt: int) -> None:
        """Before an attempt is sent."""
        event = self._event = attrs.evolve(self._event, attempt=attempt)
        if self._debug:
            where = event.base_url + via(self._client)
            logger.debug("%s %s: attempt %d to %s", event.method, event.path, attempt, where)
        for hook in self._before:
            _call(hook, "on_request", event)
        self._started = perf_counter()

    def response(self, outcome: Outcome, retrying: bool) -> None:
        """After an attempt, with what it came to."""
        request_id = outcome.headers.get("x-request-id")
        event = attrs.evolve(
            self._event,
            status=outcome.status or None,
            elapsed=perf_counter() - self._started,
            request_id=redact(request_id, self._client) if request_id else None,
            failure=(outcome.detail or None) if outcome.failure is not None else None,
            retrying=retrying,
        )
        for hook in self._after:
            _call(hook, "on_response", event)

    def interrupted(self, exc: BaseException) -> None:
        """An attempt ended by an exception (cancelled, say): on_response hears of it too."""
        self.response(Outcome(failure="interrupted", detail=type(exc).__name__), retrying=False)


def _call(hook: Hook, kind: str, event: RequestEvent) -> None:
    # A hook must never break the call it observes: its errors are logged and the call goes on.
    try:
        result = hook(event)
    except Exception:
        logger.warning("the %s hook %r raised; the request goes on", kind, hook, exc_info=True)
        return
    if hasattr(result, "__await__"):
        close = getattr(result, "close", None)
        if close is not None:
            close()  # a coroutine nobody will await: close it rather than leave a warning behind
        logger.warning("the %s hook %r returned an awaitable; hooks are plain functions, called inline", kind, hook)


# --- the logger -----------------------------------------------------------------------------


class Attempts:
    """The bookkeeping of one logical request's attempts, shared by the sync and async loops:
    each loop only sends and sleeps (``while True: outcome = <send one attempt>(..., a.begin());
    delay = a.next_delay(outcome); if delay is None: return outcome; sleep(delay)``)."""

    __slots__ = ("attempt", "client", "logging", "method", "path", "safe", "started", "watching")

    def __init__(self, client: Client, method: str, template: str, path: str, safe: bool) -> None:
        self.client = client
        self.method = method
        self.path = path
        self.safe = safe
        self.attempt = 1
        self.started = perf_counter()
        # One level check in the usual case: a logger quiet at INFO is quiet at DEBUG too.
        self.logging = logging_ = logger.isEnabledFor(_INFO)
        debug = logging_ and logger.isEnabledFor(_DEBUG)
        if client.on_request is None and client.on_response is None and client.hooks is None and not debug:
            self.watching = None
        else:
            self.watching = Watch(client, method, template, path, debug)

    def begin(self) -> int:
        """Report the attempt about to be sent; its number (1 for the first), which the
        executor gives ``policy.body_budget`` with the response's status."""
        if self.watching is not None:
            self.watching.request(self.attempt)
        return self.attempt

    def interrupted(self, exc: BaseException) -> None:
        """The attempt ended in an exception (cancelled, interrupted, an unusable proxy setting)."""
        if self.watching is not None:
            self.watching.interrupted(exc)

    def next_delay(self, outcome: Outcome) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` if this outcome is final: it
        then carries the request's attempts and time, and is logged at INFO."""
        delay = policy.retry_delay(self.client, outcome, self.attempt, self.safe)
        if self.watching is not None:
            self.watching.response(outcome, retrying=delay is not None)
        if delay is None:
            outcome.attempts = self.attempt
            outcome.elapsed = perf_counter() - self.started
            if self.logging:
                log_outcome(self.client, self.method, self.path, outcome)
            return None
        log_retry(self.method, self.path, outcome, self.attempt, delay)
        self.attempt += 1
        return delay


def log_retry(method: str, path: str, outcome: Outcome, attempt: int, delay: float) -> None:
    """One INFO line per retry."""
    if logger.isEnabledFor(logging.INFO):
        what = outcome.status if outcome.failure is None else f"no response ({outcome.detail})"
        logger.info("%s %s -> %s; retry %d in %.2f s", method, path, what, attempt, delay)


def log_outcome(client: Client, method: str, path: str, outcome: Outcome) -> None:
    """One INFO line per logical request (the request id redacted)."""
    if not logger.isEnabledFor(logging.INFO):
        return
    if outcome.failure is not None:
        logger.info("%s %s -> no response (%s) after %d attempt(s)", method, path, outcome.detail, outcome.attempts)
        return
    request_id = outcome.headers.get("x-request-id")
    logger.info(
        "%s %s -> %s in %.1f ms, %d attempt(s), request id %s",
        method,
        path,
        outcome.status,
        outcome.elapsed * 1000,
        outcome.attempts,
        redact(request_id, client) if request_id else None,
    )


_LEVELS = {"info": logging.INFO, "debug": logging.DEBUG}


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler ``KNOCK_LOG`` adds (a class of its own, so that it is added only once)."""


def log_to_stderr(setting: str) -> None:
    """``KNOCK_LOG=info|debug``: send the ``knockkit`` logger's lines at that level to stderr."""
    level = _LEVELS.get(setting.strip().lower())
    if level is None:
        warnings.warn(
            f"KNOCK_LOG={setting!r} is not one of info, debug; knockkit's logging is left as it is",
            stacklevel=2,
        )
        return
    logger.setLevel(level)
    if not any(isinstance(handler, _StderrHandler) for handler in logger.handlers):
        handler = _StderrHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)

