"""Knock's conditions: ``variable operator argument``, grouped with ``all`` / ``any``.

A variable is ``<prefix>.<path>`` with prefix ``data``, ``recipient``, ``actor``,
``tenant``, ``vars``, ``workflow``, ``run`` or ``refs`` (``refs.email_1.delivery_status``
and ``refs.email_1.engagement_status``, the message of an earlier step). A missing value
compares as ``""``, as in Knock. An argument is a static JSON literal (``"5"`` is the
number 5, ``"true"`` a boolean, anything that is not JSON a string), a dynamic
``<prefix>.<path>`` or ``{{ <prefix>.<path> }}``, a message status case
(``$message.sent``), or for timestamp operators a relative time (``"7 days ago"``,
``"3 hours from now"``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection, Mapping
from typing import Any

import attrs

from knockkit.testing.engine.clock import parse_timestamp
from knockkit.testing.engine.model import Condition, ConditionGroup

__all__ = ["DELIVERY_STATUSES", "PREFIXES", "Verdict", "evaluate", "lookup"]

PREFIXES = ("data", "recipient", "actor", "tenant", "vars", "workflow", "run", "refs")
#: Delivery statuses lowest first, as Knock ranks them for ``refs.<ref>.delivery_status``
#: comparisons (a step that made no message is "skipped", below them all).
DELIVERY_STATUSES = (
    "skipped", "undelivered", "bounced", "delivery_attempted", "queued", "not_sent", "sent", "delivered",
)  # fmt: skip
_DYNAMIC = re.compile(r"^(?:\{\{\s*)?((?:" + "|".join(PREFIXES) + r")(?:\.[^\s{}]+)+)(?:\s*\}\})?$")
_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+(minute|hour|day|week)s?\s+(ago|from now)\s*$", re.IGNORECASE)
_SEGMENT = re.compile(r"[^.\[\]]+")


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


@attrs.frozen
class Verdict:
    """Whether conditions hold, and (when they do not) which ones failed and why."""

    passed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.passed


def lookup(scope: Mapping[str, Any], path: str) -> Any:
    """The value at ``data.items[0].name``-style ``path`` in ``scope``, or ``MISSING``."""
    value: Any = scope
    for segment in _SEGMENT.findall(path):
        if isinstance(value, Mapping) and segment in value:
            value = value[segment]
        elif isinstance(value, (list, tuple)) and segment.lstrip("-").isdigit() and -len(value) <= int(segment) < len(
            value
        ):
            value = value[int(segment)]
        else:
            return MISSING
    return value


def evaluate(
    group: ConditionGroup | None, scope: Mapping[str, Any], now: dt.datetime, *, audiences: Collection[str] = ()
) -> Verdict:
    """Evaluate conditions against the run's ``scope`` (a mapping of the prefixes above)
    at time ``now``; ``audiences`` are the keys of the audiences the recipient is in."""
    if group is None:
        return Verdict(True)
    return _Evaluator(scope, now, audiences).group(group)


class _Evaluator:
    def __init__(self, scope: Mapping[str, Any], now: dt.datetime, audiences: Collection[str]) -> None:
        self.scope, self.now, self.audiences = scope, now, audiences

    def group(self, group: ConditionGroup) -> Verdict:
        verdicts = [self.group(i) if isinstance(i, ConditionGroup) else self.one(i) for i in group.items]
        failed = [v.reason for v in verdicts if not v.passed]
        if group.mode == "all":
            return Verdict(not failed, failed[0] if failed else "")
        if any(v.passed for v in verdicts) or not verdicts:
            return Verdict(True)
        return Verdict(False, " and ".join(failed) if len(failed) == 1 else "none held: " + "; ".join(failed))

    def one(self, condition: Condition) -> Verdict:
        value = lookup(self.scope, condition.variable)
        argument = self.argument(condition.argument)
        passed = _OPERATORS[condition.operator](self, value, argument)
        if passed:
            return Verdict(True)
        shown = "not set" if value is MISSING else json.dumps(value, default=str)
        return Verdict(False, f"{condition} was false ({condition.variable} is {shown})")

    def argument(self, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        if raw.startswith("$message."):
            return _Status(raw[len("$message."):])
        match = _DYNAMIC.match(raw.strip())
        if match:
            return lookup(self.scope, match.group(1))
        try:
            return json.loads(raw)
        except ValueError:
            return raw

    def timestamp(self, value: Any) -> dt.datetime | None:
        if isinstance(value, str):
            match = _RELATIVE.match(value)
            if match:
                amount, unit, direction = float(match.group(1)), match.group(2).lower(), match.group(3).lower()
                delta = dt.timedelta(**{f"{unit}s": amount})
                return self.now - delta if direction == "ago" else self.now + delta
        return parse_timestamp(value)


@attrs.frozen
class _Status:
    """A ``$message.<case>`` argument."""

    name: str


def _plain(value: Any) -> Any:
    return "" if value is MISSING else value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def _equal(a: Any, b: Any) -> bool:
    a, b = _plain(a), b.name if isinstance(b, _Status) else _plain(b)
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return bool(a == b)
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return x == y
    return _text(a) == _text(b)


def _order(a: Any, b: Any) -> tuple[float, float] | None:
    """Comparable keys for an ordering operator, or None when the values do not compare."""
    if isinstance(b, _Status):
        statuses = ("", *DELIVERY_STATUSES)
        if b.name not in statuses:
            return None
        a_name = _plain(a)
        return (float(statuses.index(a_name)) if a_name in statuses else -1.0, float(statuses.index(b.name)))
    x, y = _number(_plain(a)), _number(_plain(b))
    return None if x is None or y is None else (x, y)


def _items(value: Any) -> list[Any] | None:
    return list(value) if isinstance(value, (list, tuple)) else None


def _contains(a: Any, b: Any) -> bool:
    a, b = _plain(a), b.name if isinstance(b, _Status) else _plain(b)
    left, right = _items(a), _items(b)
    if left is not None and right is not None:
        return any(_equal(x, y) for x in left for y in right)
    if left is not None:
        return any(_equal(x, b) for x in left)
    if right is not None:
        return any(_equal(a, y) for y in right)
    return isinstance(a, str) and _text(b) in a


def _contains_all(a: Any, b: Any) -> bool:
    left = _items(_plain(a))
    right = _items(_plain(b))
    if right is None:
        right = [b.name if isinstance(b, _Status) else b]
    return left is not None and all(any(_equal(x, y) for x in left) for y in right)


def _empty(value: Any) -> bool:
    return value is MISSING or value is None or value == "" or (isinstance(value, (list, dict)) and not value)


def _between(e: _Evaluator, value: Any, argument: Any, as_time: bool) -> bool:
    bounds = _items(argument)
    if bounds is None or len(bounds) != 2:
        return False
    if as_time:
        low, high, v = e.timestamp(bounds[0]), e.timestamp(bounds[1]), e.timestamp(_plain(value))
        if isinstance(bounds[1], str) and len(bounds[1].strip()) == 10 and high is not None:
            high += dt.timedelta(days=1)  # a bare end date includes that whole day
            return low is not None and v is not None and low <= v < high
        return low is not None and high is not None and v is not None and low <= v <= high
    x, lo, hi = _number(_plain(value)), _number(bounds[0]), _number(bounds[1])
    return x is not None and lo is not None and hi is not None and lo <= x <= hi


def _when(e: _Evaluator, value: Any, argument: Any, before: bool) -> bool:
    v, limit = e.timestamp(_plain(value)), e.timestamp(argument)
    if v is None or limit is None:
        return False
    return v < limit if before else v >= limit


def _compare(test: Any) -> Any:
    def operator(_: _Evaluator, value: Any, argument: Any) -> bool:
        keys = _order(value, argument)
        return keys is not None and bool(test(*keys))

    return operator


_OPERATORS: dict[str, Any] = {
    "equal_to": lambda e, v, a: _equal(v, a),
    "not_equal_to": lambda e, v, a: not _equal(v, a),
    "greater_than": _compare(lambda x, y: x > y),
    "less_than": _compare(lambda x, y: x < y),
    "greater_than_or_equal_to": _compare(lambda x, y: x >= y),
    "less_than_or_equal_to": _compare(lambda x, y: x <= y),
    "contains": lambda e, v, a: _contains(v, a),
    "not_contains": lambda e, v, a: not _contains(v, a),
    "contains_all": lambda e, v, a: _contains_all(v, a),
    "not_contains_all": lambda e, v, a: _items(_plain(v)) is not None and not _contains_all(v, a),
    "empty": lambda e, v, a: _empty(v),
    "not_empty": lambda e, v, a: not _empty(v),
    "exists": lambda e, v, a: v is not MISSING and v is not None,
    "not_exists": lambda e, v, a: v is MISSING or v is None,
    "is_timestamp": lambda e, v, a: e.timestamp(_plain(v)) is not None,
    "is_timestamp_before": lambda e, v, a: _when(e, v, a, before=True),
    "is_timestamp_on_or_after": lambda e, v, a: _when(e, v, a, before=False),
    "is_timestamp_before_now": lambda e, v, a: _when(e, v, e.now, before=True),
    "is_timestamp_on_or_after_now": lambda e, v, a: _when(e, v, e.now, before=False),
    "is_timestamp_between": lambda e, v, a: _between(e, v, a, as_time=True),
    "is_between": lambda e, v, a: _between(e, v, a, as_time=False),
    "is_audience_member": lambda e, v, a: _text(_plain(a)) in e.audiences,
    "is_not_audience_member": lambda e, v, a: _text(_plain(a)) not in e.audiences,
}
