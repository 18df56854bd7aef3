"""Workflow runs of declared workflows: trigger (one run per recipient, object recipients
bringing their subscribers), hold at delay and batch steps, release, cancel. Workflows
loaded from a directory run in the engine instead (``_local.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from knockkit.testing.stores.base import (
    JsonDict,
    RKey,
    check_mapping,
    invalid,
    new_id,
    not_found,
    now,
    public,
    ref_of,
    rkey_of,
)
from knockkit.testing.stores.bulk import BulkStore
from knockkit.testing.stores.workflows import Step, Workflow, preference_block

__all__ = ["RunsStore"]


class RunsStore(BulkStore):
    """Recipient runs of declared workflows."""

    def trigger(self, key: str, body: Mapping[str, Any]) -> JsonDict:
        """Run workflow ``key`` for every recipient (and the subscribers of object recipients)."""
        workflow = self.workflows.get(key)
        local = self.local if workflow is None and self.local is not None and self.local.knows(key) else None
        if workflow is None and local is None:
            raise not_found(f"the workflow {key!r}")
        recipients = body.get("recipients")
        if not isinstance(recipients, list) or not recipients:
            raise invalid("recipients must be a non-empty list")
        if len(recipients) > 1000:
            raise invalid("recipients has more than 1000 entries")
        data = body.get("data")
        if data is not None:
            check_mapping(data, "data")
        settings = body.get("settings") or {}
        check_mapping(settings, "settings")
        cancellation_key = body.get("cancellation_key")
        if cancellation_key is not None and not isinstance(cancellation_key, str):
            raise invalid("cancellation_key must be a string")
        actor = self.identify_recipient(body["actor"], "actor") if body.get("actor") is not None else None
        tenant = self._inline_tenant(body.get("tenant"))
        keys = [self.identify_recipient(ref, f"recipients[{i}]") for i, ref in enumerate(recipients)]
        run_id = str(uuid.uuid4())
        stamp = now()
        for recipient in self._fan_out(keys, actor):
            run: JsonDict = {
                "id": str(uuid.uuid4()),
                "workflow_run_id": run_id,
                "workflow": key,
                "recipient": ref_of(recipient),
                "actor": ref_of(actor) if actor else None,
                "tenant": tenant,
                "status": "processing",
                "error_count": 0,
                "trigger_source": {"type": "api", "cancellation_key": cancellation_key},
                "inserted_at": stamp,
                "updated_at": stamp,
                "_seq": self.next_seq(),
                "_key": recipient,
                "_data": data or {},
                "_skip_delay": settings.get("skip_delay") is True,
                "_position": 0,
                "_activities": [{"actor": actor, "data": data or {}, "inserted_at": stamp, "id": new_id()}],
                "_events": [],
            }
            self.runs[run["id"]] = run
            if local is not None:
                local.start(run)
            else:
                assert workflow is not None
                self._advance(run, workflow)
        return {"workflow_run_id": run_id}

    def _fan_out(self, keys: Iterable[RKey], actor: RKey | None) -> list[RKey]:
        """Each recipient once, in order; an object brings its subscribers, less the actor."""
        seen: dict[RKey, None] = {}
        for key in keys:
            seen.setdefault(key)
            if key[0] == "object":
                for subscriber in self.subscriptions.get((key[1], key[2]), {}):
                    if subscriber != actor:
                        seen.setdefault(subscriber)
        return list(seen)

    def _advance(self, run: JsonDict, workflow: Workflow) -> None:
        """Execute steps from the run's position until a hold step or the end."""
        steps = workflow.steps
        while run["_position"] < len(steps):
            step = steps[run["_position"]]
            if step.holds and not (step.type == "delay" and run["_skip_delay"]):
                if step.type == "batch" and self._join_batch(run, step):
                    return
                run["_held"] = step.ref
                run["updated_at"] = now()
                return
            if not step.holds:
                self._execute(run, workflow, step)
            run["_position"] += 1
        run.pop("_held", None)
        run["status"] = "completed"
        run["updated_at"] = now()

    def _join_batch(self, run: JsonDict, step: Step) -> bool:
        """Fold this run into one held at the same batch step for the same recipient."""
        for other in self.runs.values():
            if (
                other is not run and other.get("_held") == step.ref and other["status"] == "processing"
                and other["workflow"] == run["workflow"] and other["_key"] == run["_key"]
                and other["tenant"] == run["tenant"]
            ):  # fmt: skip
                other["_activities"].extend(run["_activities"])
                run["status"] = "completed"
                run["_events"].append({"step": step.ref, "skipped": f"merged into batch run {other['id']}"})
                return True
        return False

    def release(self, predicate: Callable[[JsonDict], bool]) -> int:
        """Move every held run that matches past its hold step; the number released."""
        released = 0
        for run in list(self.runs.values()):
            if run["status"] == "processing" and run.get("_held") and not run.get("_local") and predicate(run):
                run.pop("_held")
                run["_position"] += 1
                self._advance(run, self.workflows[run["workflow"]])
                released += 1
        return released

    def cancel(self, key: str, body: Mapping[str, Any]) -> None:
        local = self.local if key not in self.workflows and self.local is not None and self.local.knows(key) else None
        if key not in self.workflows and local is None:
            raise not_found(f"the workflow {key!r}")
        cancellation_key = body.get("cancellation_key")
        if not isinstance(cancellation_key, str) or not cancellation_key:
            raise invalid("cancellation_key must be a non-empty string")
        recipients = body.get("recipients")
        only: set[RKey] | None = None
        if recipients is not None:
            if not isinstance(recipients, list):
                raise invalid("recipients must be a list")
            only = {rkey_of(ref, f"recipients[{i}]") for i, ref in enumerate(recipients)}
        if local is not None:
            local.cancel(key, cancellation_key, only)
            return
        for run in self.runs.values():
            if (
                run["workflow"] == key and run["status"] == "processing" and run.get("_held")
                and run["trigger_source"]["cancellation_key"] == cancellation_key
                and (only is None or run["_key"] in only)
            ):  # fmt: skip
                run["status"] = "cancelled"
                run.pop("_held")
                run["updated_at"] = now()

    def _execute(self, run: JsonDict, workflow: Workflow, step: Step) -> None:
        """A channel step: create a message when the recipient can receive it and may."""
        key: RKey = run["_key"]
        reason = self.undeliverable(key, step)
        if reason is None:
            reason = preference_block(self.resolved_preferences(key, run["tenant"]), workflow, step)
        if reason is not None:
            run["_events"].append({"step": step.ref, "skipped": reason})
            return
        self.send(run, workflow, step)

    def render_run(self, run: Mapping[str, Any], *, events: bool = False) -> JsonDict:
        rendered: JsonDict = {"__typename": "WorkflowRecipientRun", **public(run)}
        if events:
            rendered["events"] = [
                {
                    "__typename": "WorkflowRecipientRunEvent",
                    "id": f"{run['id']}-{index}",
                    "event": "message_enqueued" if "message_id" in event else "step_skipped",
                    "status": "ok",  # the spec allows ok and error; a skipped step is not an error
                    "step_ref": event["step"],
                    "step_type": "channel",
                    "attempt": 1,
                    "data": {k: v for k, v in event.items() if k != "step"},
                    "inserted_at": run["updated_at"],
                }
                for index, event in enumerate(run["_events"])
            ]
        return rendered
