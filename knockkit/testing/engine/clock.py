"""A clock the tests (or the wall) move, and the time arithmetic of Knock's steps.

Delays, batch windows and throttle windows are times on this clock: nothing waits in
real time unless the clock is ``real_time``, and even then ``advance`` jumps ahead.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from knockkit.testing.engine.model import Duration

__all__ = ["Clock", "add_duration", "format_timestamp", "next_window", "parse_timestamp", "resolve_until"]

UTC = dt.timezone.utc
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_SETS = {"weekdays": _DAYS[:5], "weekends": _DAYS[5:]}


class Clock:
    """The engine's notion of now (always timezone-aware, UTC).

    A manual clock (the default) stands still until `advance` or `set`; a
    ``real_time`` clock follows the wall clock, and ``advance``/``set`` shift it. Either
    only moves forward. Callbacks given to `subscribe` are called with the new time
    after every change (outside the clock's lock), so an engine can release what is due.
    """

    def __init__(self, start: dt.datetime | None = None, *, real_time: bool = False) -> None:
        if start is not None:
            _check_aware(start, "start")
        self._lock = threading.Lock()
        self._base = (start or dt.datetime.now(UTC)).astimezone(UTC)
        self._started = time.monotonic()
        self._real_time = real_time
        self._listeners: list[Callable[[dt.datetime], None]] = []

    @property
    def real_time(self) -> bool:
        return self._real_time

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now()

    def _now(self) -> dt.datetime:
        if self._real_time:
            return self._base + dt.timedelta(seconds=time.monotonic() - self._started)
        return self._base

    def advance(
        self, *, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0, weeks: float = 0
    ) -> dt.datetime:
        """Move the clock forward; the new time."""
        step = dt.timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days, weeks=weeks)
        if step < dt.timedelta(0):
            raise ValueError(f"Clock.advance: the clock only moves forward, not by {step}")
        with self._lock:
            self._base += step
            now = self._now()
        self._notify(now)
        return now

    def set(self, when: dt.datetime) -> dt.datetime:
        """Move the clock forward to ``when`` (timezone-aware); the new time."""
        _check_aware(when, "when")
        with self._lock:
            current = self._now()
            if when < current:
                raise ValueError(f"Clock.set: {format_timestamp(when)} is before the clock's time "
                                 f"{format_timestamp(current)}; the clock only moves forward")  # fmt: skip
            self._base += when - current
            now = self._now()
        self._notify(now)
        return now

    def subscribe(self, callback: Callable[[dt.datetime], None]) -> Callable[[], None]:
        """Call ``callback(now)`` after each change; returns a function that unsubscribes."""
        with self._lock:
            self._listeners.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unsubscribe

    def _notify(self, now: dt.datetime) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(now)

    def __repr__(self) -> str:
        mode = "real time" if self._real_time else "manual"
        return f"<Clock {format_timestamp(self.now())} ({mode})>"


def _check_aware(value: object, name: str) -> None:
    if not isinstance(value, dt.datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (e.g. datetime(..., tzinfo=timezone.utc))")


def format_timestamp(when: dt.datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as Knock writes timestamps."""
    return when.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_timestamp(value: object) -> dt.datetime | None:
    """An aware datetime from an ISO 8601 string (``Z`` or an offset; a bare date is
    midnight UTC, a naive time UTC), a datetime, or Unix seconds; otherwise None."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if _DATE_ONLY.match(text):
        text += "T00:00:00"
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def add_duration(when: dt.datetime, duration: Duration, sign: int = 1) -> dt.datetime:
    """``when`` plus (or, with ``sign=-1``, minus) the duration; months are calendar months."""
    if duration.unit == "months":
        return _add_months(when, sign * int(duration.value))
    seconds = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}[duration.unit]
    return when + dt.timedelta(seconds=sign * duration.value * seconds)


def _add_months(when: dt.datetime, months: int) -> dt.datetime:
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))


def resolve_until(value: object, now: dt.datetime, timezone: str | None = None) -> dt.datetime | None:
    """The time a dynamic delay, batch or throttle window resolves to: an ISO 8601
    timestamp, a duration (``{"unit", "value"}``) from now, or a window rule
    (``{"frequency": "daily", "hours": 9}``) evaluated in ``timezone``; None if invalid."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.lstrip().startswith("{") else value
        except ValueError:
            return None
    if isinstance(value, Mapping) and "frequency" in value:
        return next_window(value, now, timezone)
    if isinstance(value, Mapping) and "unit" in value:
        unit, amount = value.get("unit"), value.get("value")
        if unit not in ("seconds", "minutes", "hours", "days", "weeks", "months"):
            return None
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount < 0:
            return None
        return add_duration(now, Duration(value=amount, unit=str(unit)))
    return parse_timestamp(value)


def next_window(rule: Mapping[str, Any], after: dt.datetime, timezone: str | None = None) -> dt.datetime | None:
    """The next time after ``after`` that a Knock window rule (``frequency`` hourly, daily,
    weekly or monthly; ``days``, ``hours``, ``minutes``, ``day_of_month``) allows, in the
    IANA ``timezone`` (UTC when None or unknown); None when the rule is invalid."""
    frequency = rule.get("frequency")
    hours, minutes = rule.get("hours", 0), rule.get("minutes", 0)
    if frequency not in ("hourly", "daily", "weekly", "monthly"):
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (hours, minutes)):
        return None
    days = _rule_days(rule.get("days"))
    if days is None:
        return None
    zone = _zone(timezone)
    start = after.astimezone(zone).date()
    for offset in range(62):  # two months of days is enough for any rule
        day = start + dt.timedelta(days=offset)
        if (days and _DAYS[day.weekday()] not in days) or (
            frequency == "monthly" and day.day != rule.get("day_of_month", 1)
        ):
            continue
        for hour in range(24) if frequency == "hourly" else (hours,):
            try:
                candidate = dt.datetime.combine(day, dt.time(hour, minutes), zone)
            except ValueError:
                return None
            if candidate > after:
                return candidate.astimezone(UTC)
    return None


def _rule_days(days: object) -> tuple[str, ...] | None:
    if days is None:
        return ()
    if isinstance(days, str):
        return _DAY_SETS.get(days)
    if isinstance(days, list) and all(isinstance(d, str) and d[:3].lower() in _DAYS for d in days):
        return tuple(d[:3].lower() for d in days)
    return None


def _zone(name: str | None) -> dt.tzinfo:
    if not name:
        return UTC
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return UTC

