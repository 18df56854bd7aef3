"""Open batches and throttle windows: the state that spans runs.

A batch is keyed by workflow, batch step, recipient, tenant and (if the step has one)
the rendered batch key; the run that opened it (its *owner*) carries it past the batch
step when it closes, and every later trigger with the same key adds its activity and
ends. A throttle window is keyed by workflow, step, recipient and throttle key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from knockkit.testing.engine.clock import add_duration
from knockkit.testing.engine.model import BatchStep
from knockkit.testing.engine.runs import Activity

__all__ = ["Batches", "OpenBatch", "Throttles", "merged_batch_data"]

Key = tuple[Any, ...]


@attrs.define(kw_only=True)
class OpenBatch:
    key: Key
    step: BatchStep
    owner: str | None  # the run that continues when the batch closes (None until one joins, in flush_leading mode)
    activities: list[Activity]
    opened_at: dt.datetime
    closes_at: dt.datetime | None  # None: when released
    limit_at: dt.datetime | None  # sliding windows never extend past this


class Batches:
    def __init__(self) -> None:
        self._open: dict[Key, OpenBatch] = {}

    def get(self, key: Key, at: dt.datetime) -> OpenBatch | None:
        """The batch open for ``key`` at ``at`` (an ownerless one past its close is dropped:
        in flush_leading mode a batch nobody joined closes with nothing to send)."""
        batch = self._open.get(key)
        if batch is not None and batch.owner is None and batch.closes_at is not None and batch.closes_at <= at:
            del self._open[key]
            return None
        return batch

    def open(self, key: Key, step: BatchStep, owner: str | None, activities: list[Activity], at: dt.datetime,
             closes_at: dt.datetime | None) -> OpenBatch:  # fmt: skip
        limit_at = None
        if step.window_type == "sliding" and step.extension_limit is not None:
            limit_at = add_duration(at, step.extension_limit)
        batch = OpenBatch(key=key, step=step, owner=owner, activities=list(activities), opened_at=at,
                          closes_at=closes_at and max(closes_at, at), limit_at=limit_at)  # fmt: skip
        self._open[key] = batch
        return batch

    def join(self, batch: OpenBatch, activities: list[Activity], at: dt.datetime) -> None:
        """Add activities; slide the window and close it early as the step says."""
        batch.activities.extend(activities)
        step = batch.step
        if step.window_type == "sliding" and step.window is not None:
            batch.closes_at = add_duration(at, step.window)
            if batch.limit_at is not None:
                batch.closes_at = min(batch.closes_at, batch.limit_at)
        if step.max_activities is not None and len(batch.activities) >= step.max_activities:
            batch.closes_at = at
        if batch.closes_at is not None:
            batch.closes_at = max(batch.closes_at, at)

    def owned_by(self, run_id: str) -> OpenBatch | None:
        return next((b for b in self._open.values() if b.owner == run_id), None)

    def close(self, run_id: str) -> OpenBatch | None:
        batch = self.owned_by(run_id)
        if batch is not None:
            del self._open[batch.key]
        return batch

    def remove(self, chosen: Callable[[Activity], bool]) -> list[Activity]:
        """Take the chosen activities out of every open batch (cancellation)."""
        removed: list[Activity] = []
        for batch in self._open.values():
            removed.extend(a for a in batch.activities if chosen(a))
            batch.activities = [a for a in batch.activities if not chosen(a)]
        return removed

    def expire(self, at: dt.datetime) -> None:
        for key in [k for k, b in self._open.items() if b.owner is None and b.closes_at and b.closes_at <= at]:
            del self._open[key]


def merged_batch_data(activities: list[Activity]) -> dict[str, Any]:
    """The ``data`` a run has after its batch closes, by Knock's rules: the activities'
    data merged in order (later keys win), nested objects and lists dropped, strings cut
    to 256 characters."""
    merged: dict[str, Any] = {}
    for activity in activities:
        for key, value in activity.data.items():
            if isinstance(value, (Mapping, list, tuple)):
                continue
            merged[key] = value[:256] if isinstance(value, str) else value
    return merged


class Throttles:
    """Per key: when the current window closes and how many runs it has let through."""

    def __init__(self) -> None:
        self._windows: dict[Key, tuple[dt.datetime, int]] = {}

    def window(self, key: Key, at: dt.datetime) -> tuple[dt.datetime, int] | None:
        current = self._windows.get(key)
        return current if current is not None and at < current[0] else None

    def count(self, key: Key, closes_at: dt.datetime) -> int:
        """Let one more run through the window; the number let through so far."""
        current = self._windows.get(key)
        count = current[1] + 1 if current is not None and current[0] == closes_at else 1
        self._windows[key] = (closes_at, count)
        return count
