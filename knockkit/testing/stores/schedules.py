"""Schedules: a workflow triggered for a recipient at set times, fired when the fake's
clock passes them (the engine's clock when workflows are loaded, else the wall clock)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from knockkit.testing.stores.base import JsonDict, KnockFault, invalid, not_found, now, parse_time, public, ref_of
from knockkit.testing.stores.runs import RunsStore

__all__ = ["SchedulesStore"]

#: Occurrences one call fires at most (a clock moved a year past an hourly schedule stops here).
MAX_OCCURRENCES = 1000


class SchedulesStore(RunsStore):
    """Schedules, and triggering their occurrences."""

    def create_schedule(self, body: Mapping[str, Any], recipient: object) -> JsonDict:
        workflow = body.get("workflow")
        known = isinstance(workflow, str) and (workflow in self.workflows or (
            self.local is not None and self.local.knows(workflow)))  # fmt: skip
        if not known:
            raise not_found(f"the workflow {workflow!r}")
        repeats = body.get("repeats") or []
        if not isinstance(repeats, list):
            raise invalid("repeats must be a list")
        stamp = now()
        schedule: JsonDict = {
            "id": str(uuid.uuid4()),
            "workflow": workflow,
            "_key": self.identify_recipient(recipient),
            "_seq": self.next_seq(),
            "inserted_at": stamp,
            "last_occurrence_at": None,
        }
        self.update_schedule(schedule, body)
        return schedule

    def update_schedule(self, schedule: JsonDict, body: Mapping[str, Any]) -> None:
        if "actor" in body:
            actor = body["actor"]
            schedule["_actor"] = self.identify_recipient(actor, "actor") if actor is not None else None
        if "tenant" in body:
            schedule["tenant"] = self._inline_tenant(body["tenant"])
        if "data" in body:
            schedule["data"] = body["data"]
        if "scheduled_at" in body:
            schedule["next_occurrence_at"] = body["scheduled_at"]
        if "repeats" in body:
            schedule["repeats"] = [{"__typename": "ScheduleRepeat", "interval": 1, **r} for r in body["repeats"] or []]
            # An interval counts its periods from the first occurrence (every second week from its week).
            schedule["_repeats_from"] = body.get("scheduled_at")
            if "scheduled_at" not in body:
                schedule["next_occurrence_at"] = self._next_occurrence(schedule, self.clock_now())
                schedule["_repeats_from"] = schedule["next_occurrence_at"]
        if "ending_at" in body:
            schedule["_ending_at"] = body["ending_at"]
        schedule.setdefault("repeats", [])
        schedule.setdefault("data", None)
        schedule.setdefault("tenant", None)
        schedule.setdefault("_actor", None)
        schedule.setdefault("next_occurrence_at", None)
        schedule["updated_at"] = now()

    def render_schedule(self, schedule: Mapping[str, Any]) -> JsonDict:
        actor = schedule["_actor"]
        return {
            "__typename": "Schedule",
            **public(schedule),
            "recipient": self.render_recipient(schedule["_key"]),
            "actor": self.render_recipient(actor) if actor else None,
        }

    # --- firing ---------------------------------------------------------------------------------

    def clock_now(self) -> dt.datetime:
        """The fake's time: the loaded workflows' clock, else the wall clock."""
        local = self.local
        return local.engine.clock.now() if local is not None else dt.datetime.now(dt.timezone.utc)

    def next_schedule_time(self) -> dt.datetime | None:
        """When the next schedule falls due (for the real-time timer), or None."""
        times = [t for t in (parse_time(s["next_occurrence_at"]) for s in self.schedules.values()) if t]
        return min(times) if times else None

    def fire_due_schedules(self) -> int:
        """Trigger every occurrence the clock has passed, oldest first (each schedule moves
        to its next occurrence by its repeat rules, or ends); the number fired."""
        at = self.clock_now()
        fired = 0
        while fired < MAX_OCCURRENCES:
            due = [(when, s["_seq"], s) for s in self.schedules.values()
                   if (when := parse_time(s["next_occurrence_at"])) is not None and when <= at]  # fmt: skip
            if not due:
                break
            when, _, schedule = min(due, key=lambda d: (d[0], d[1]))
            self._fire(schedule, when)
            fired += 1
        return fired

    def _fire(self, schedule: JsonDict, when: dt.datetime) -> None:
        from knockkit.testing.engine.clock import format_timestamp

        body: JsonDict = {"recipients": [ref_of(schedule["_key"])], "data": schedule["data"] or {},
                          "tenant": schedule["tenant"]}  # fmt: skip
        if schedule["_actor"]:
            body["actor"] = ref_of(schedule["_actor"])
        try:
            self.trigger(schedule["workflow"], body)
        except KnockFault as fault:  # e.g. the workflow is gone: this occurrence sends nothing
            schedule["_last_error"] = fault.message
        schedule["last_occurrence_at"] = format_timestamp(when)
        schedule["next_occurrence_at"] = self._next_occurrence(schedule, when)
        schedule["updated_at"] = now()

    def _next_occurrence(self, schedule: Mapping[str, Any], after: dt.datetime) -> str | None:
        """The first time after ``after`` that a repeat rule allows, in the recipient's
        timezone (UTC without one) and its interval, or None past ``ending_at`` or without rules."""
        from knockkit.testing.engine.clock import format_timestamp

        zone = self.profile(schedule["_key"]).get("timezone")
        zone = zone if isinstance(zone, str) else None
        anchor = parse_time(schedule.get("_repeats_from"))  # None: the first occurrence is being found
        rules = schedule.get("repeats") or []
        times = [t for t in (_next_time(rule, after, zone, anchor) for rule in rules) if t is not None]
        ending = parse_time(schedule.get("_ending_at"))
        if not times or (ending is not None and min(times) > ending):
            return None
        return format_timestamp(min(times))


def _next_time(rule: Mapping[str, Any], after: dt.datetime, zone: str | None,
               anchor: dt.datetime | None) -> dt.datetime | None:  # fmt: skip
    """The rule's next time after ``after`` whose period (the hour, day, week or month, by
    the rule's frequency) is a whole number of ``interval`` periods from the anchor's (the
    first occurrence): with an interval of 2, every second week from the first one's."""
    from knockkit.testing.engine.clock import _zone, next_window

    interval = rule.get("interval")
    every = interval if isinstance(interval, int) and not isinstance(interval, bool) and interval > 1 else 1
    if anchor is None:
        every, anchor = 1, after
    tz, frequency = _zone(zone), str(rule.get("frequency"))
    when = next_window(rule, after, zone)
    for _ in range(MAX_OCCURRENCES):
        if when is None or _periods(frequency, anchor.astimezone(tz), when.astimezone(tz)) % every == 0:
            return when
        when = next_window(rule, when, zone)
    return None


def _periods(frequency: str, start: dt.datetime, end: dt.datetime) -> int:
    """Whole periods of ``frequency`` from the one holding ``start`` to the one holding ``end``."""
    if frequency == "hourly":
        whole_hours = [t.replace(minute=0, second=0, microsecond=0) for t in (start, end)]
        return (whole_hours[1] - whole_hours[0]) // dt.timedelta(hours=1)
    if frequency == "daily":
        return (end.date() - start.date()).days
    if frequency == "weekly":
        return ((end.date() - start.date()).days + start.weekday() - end.weekday()) // 7
    return (end.year - start.year) * 12 + end.month - start.month
