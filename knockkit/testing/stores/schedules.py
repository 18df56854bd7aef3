"""Schedules: a workflow triggered for a recipient at set times."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from knockkit.testing.stores.base import JsonDict, invalid, not_found, now, public
from knockkit.testing.stores.messages import MessagesStore

__all__ = ["SchedulesStore"]


class SchedulesStore(MessagesStore):
    """Schedules."""

    def create_schedule(self, body: Mapping[str, Any], recipient: object) -> JsonDict:
        workflow = body.get("workflow")
        if not self.knows_workflow(workflow):
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
        if "repeats" in body:
            schedule["repeats"] = [{"__typename": "ScheduleRepeat", "interval": 1, **r} for r in body["repeats"] or []]
        if "scheduled_at" in body:
            schedule["next_occurrence_at"] = body["scheduled_at"]
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
