"""Faults a test injects into the fake: error answers, dropped connections, slow answers."""

from __future__ import annotations

import fnmatch
import math

import attrs

from knockkit.testing.routes import Reply, fault_reply
from knockkit.testing.stores import KnockFault, State

__all__ = ["Fault", "FaultInjection", "injected_reply"]

_FAULT_BODIES = {
    429: ("rate_limit_exceeded", "rate_limit_error"),
    401: ("api_key_missing", "authentication_error"),
}


@attrs.define
class Fault:
    kind: str  # "fail", "drop" or "slow"
    remaining: int
    method: str | None
    path: str | None
    status: int = 503
    retry_after: float | None = None
    seconds: float = 0.0
    processed: bool = False

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or fnmatch.fnmatchcase(path, self.path)
        )


class FaultInjection:
    """``fail_next``, ``drop_next``, ``slow_next`` and ``latency`` of ``FakeKnock``."""

    _state: State
    _faults: list[Fault]
    _latency: float

    def fail_next(
        self, n: int = 1, *, status: int = 503, retry_after: float | None = None, method: str | None = None,
        path: str | None = None,
    ) -> None:  # fmt: skip
        """Answer the next ``n`` matching requests with ``status`` in Knock's error shape,
        without touching state. ``retry_after`` (seconds, rounded up) adds a Retry-After
        header; ``method`` and ``path`` (a glob such as ``/v1/workflows/*/trigger``) narrow it."""
        if not 400 <= status <= 599:
            raise ValueError("status must be an error status (400-599)")
        self._add_fault(Fault("fail", n, method, path, status=status, retry_after=retry_after))

    def drop_next(
        self, n: int = 1, *, method: str | None = None, path: str | None = None, processed: bool = False
    ) -> None:
        """Close the connection of the next ``n`` matching requests without answering.

        With ``processed=True`` the request is handled first (state changes, as when a
        response is lost on the way back), which is what idempotency keys protect against."""
        self._add_fault(Fault("drop", n, method, path, processed=processed))

    def slow_next(self, n: int = 1, *, seconds: float, method: str | None = None, path: str | None = None) -> None:
        """Wait ``seconds`` before answering the next ``n`` matching requests."""
        self._add_fault(Fault("slow", n, method, path, seconds=seconds))

    @property
    def latency(self) -> float:
        """Seconds added before every answer (0 by default)."""
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("latency must be >= 0 seconds")
        with self._state.lock:
            self._latency = float(seconds)

    def _add_fault(self, fault: Fault) -> None:
        if isinstance(fault.remaining, bool) or not isinstance(fault.remaining, int) or fault.remaining < 1:
            raise ValueError("n must be a whole number >= 1")
        fault.method = fault.method.upper() if fault.method else None
        with self._state.lock:
            self._faults.append(fault)

    def _take_faults(self, method: str, path: str) -> tuple[Fault | None, float]:
        """The fail/drop fault this request meets (if any), and how long to wait first."""
        with self._state.lock:
            delay = self._latency
            chosen: Fault | None = None
            for fault in self._faults:
                if fault.remaining and fault.matches(method, path):
                    if fault.kind == "slow":
                        delay += fault.seconds
                        fault.remaining -= 1
                    elif chosen is None:
                        chosen = fault
                        fault.remaining -= 1
            self._faults = [f for f in self._faults if f.remaining]
            return chosen, delay


def injected_reply(fault: Fault) -> Reply:
    if fault.status in _FAULT_BODIES:
        code, kind = _FAULT_BODIES[fault.status]
    elif fault.status >= 500:
        code, kind = "service_unavailable", "api_error"
    else:
        code, kind = "bad_request", "invalid_request_error"
    message = f"injected by FakeKnock.fail_next (status {fault.status})"
    status, body, headers = fault_reply(KnockFault(fault.status, code, message, kind))
    if fault.retry_after is not None:
        headers["Retry-After"] = str(max(0, math.ceil(fault.retry_after)))
    return status, body, headers
