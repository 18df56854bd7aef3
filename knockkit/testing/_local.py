"""The fake's bridge to the local workflow engine: workflows loaded from a Knock CLI
directory run through `knockkit.testing.engine.Engine`; their ``sent`` outcomes
become the fake's messages, with the rendered content. Callers hold the state's lock.

The engine (and Liquid) is imported only when a directory is loaded, so
``import knockkit.testing`` stays light.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from knockkit.testing.stores import (
    CHANNEL_TYPES,
    JsonDict,
    RKey,
    State,
    Step,
    Workflow,
    default_channel_id,
    preference_block,
)

if TYPE_CHECKING:
    from knockkit.testing.engine import ChannelStep, Clock, Engine, Run, StepOutcome

__all__ = ["LocalWorkflows"]


class LocalWorkflows:
    """Workflow definitions from directories, an engine running them, and the lines it logs."""

    def __init__(self, state: State, clock: Clock, *, vars: Mapping[str, Any] | None = None,
                 log: TextIO | None = None) -> None:  # fmt: skip
        from knockkit.testing.engine import Engine

        _require_local_extra()
        self._state = state
        self._log = log
        self._vars = dict(vars or {})
        self.lines: list[str] = []  # every outcome's line, oldest first (the clock route answers with them)
        self.engine: Engine = Engine(clock, vars=self._vars, gate=self._gate)
        clock.subscribe(lambda _now: self._on_clock())

    def reset(self) -> None:
        """Forget every run (the fake was reset); the loaded workflows and the clock stay."""
        from knockkit.testing.engine import Engine

        self.engine = Engine(self.engine.clock, workflows=self.engine.workflows, vars=self._vars, gate=self._gate)

    def load(self, path: str | os.PathLike[str]) -> list[str]:
        """Load every workflow under ``path`` (replacing ones of the same key); their keys."""
        from knockkit.testing.engine import load_workflows

        loaded = load_workflows(path)
        self.engine.workflows.update(loaded)
        return sorted(loaded)

    def knows(self, key: str) -> bool:
        return key in self.engine.workflows

    # --- runs ----------------------------------------------------------------------------------

    def start(self, run: JsonDict) -> None:
        """Run the engine for one recipient run the state created (same id)."""
        from knockkit.testing.engine import Trigger

        state = self._state
        key: RKey = run["_key"]
        actor = run["_activities"][0]["actor"]
        tenant = state.tenant(run["tenant"]) if run["tenant"] else None
        trigger = Trigger(
            recipient=self._serialized(key), actor=self._serialized(actor) if actor else None, data=run["_data"],
            tenant=self._serialized_tenant(tenant) if tenant else None,
            cancellation_key=run["trigger_source"]["cancellation_key"], workflow_run_id=run["workflow_run_id"],
            skip_delays=run["_skip_delay"],
        )  # fmt: skip
        run["_local"] = True
        result = self.engine.trigger(run["workflow"], trigger, run_id=run["id"])
        self.apply(result.outcomes)

    def release(self, chosen: Callable[[JsonDict], bool]) -> int:
        runs = self._state.runs
        picked = {r.id for r in self.engine.runs(status="processing") if r.held_at and chosen(runs[r.id])}
        self.apply(self.engine.release(lambda r: r.id in picked))
        return len(picked)

    def cancel(self, key: str, cancellation_key: str, recipients: Iterable[RKey] | None) -> None:
        serialized = None if recipients is None else [self._serialized(k) for k in recipients]
        self.apply(self.engine.cancel(key, cancellation_key, serialized))

    def run_due(self) -> None:
        self.apply(self.engine.run_due())

    def _on_clock(self) -> None:
        with self._state.lock:
            self.run_due()
            self._state.fire_due_schedules()  # their runs start at the clock's new time

    def apply(self, outcomes: Iterable[StepOutcome]) -> None:
        """Store each sent message, log each outcome, and copy run status to the state."""
        state = self._state
        touched: set[str] = set()
        for outcome in outcomes:
            touched.add(outcome.run_id)
            self.lines.append(outcome.line())
            if self._log is not None:
                print(outcome.line(), file=self._log, flush=True)
            run = state.runs.get(outcome.run_id)
            if run is None:
                continue
            if outcome.status == "sent" and outcome.channel_type in CHANNEL_TYPES:
                state.send(run, self._workflow(run["workflow"]), self._step(outcome), outcome.content,
                           message_id=outcome.message_id)  # fmt: skip
            elif outcome.status in ("skipped", "failed", "halted", "cancelled"):
                run["_events"].append({"step": outcome.step_ref, "skipped": outcome.reason or outcome.status})
        for run_id in touched:
            self._sync(run_id)

    def _sync(self, run_id: str) -> None:
        run = self._state.runs.get(run_id)
        if run is None:
            return
        view = self.engine.run(run_id)
        run["status"] = view.status
        if view.held_at is not None:
            run["_held"] = view.held_at
        else:
            run.pop("_held", None)

    # --- conversions ---------------------------------------------------------------------------

    def _workflow(self, key: str) -> Workflow:
        definition = self.engine.workflows[key]
        return Workflow(key=key, steps=(), categories=tuple(definition.categories), version_id=key)

    @staticmethod
    def _step(outcome: StepOutcome) -> Step:
        kind = str(outcome.channel_type)
        return Step(kind, channel_id=default_channel_id(kind), ref=outcome.step_ref, provider=outcome.channel_key)

    def _gate(self, run: Run, step: ChannelStep) -> str | None:
        """Why the fake cannot deliver this step to the recipient: no address or channel data,
        or the recipient's preferences opt out."""
        state = self._state
        record = state.runs.get(run.id)
        if record is None or step.channel_type not in CHANNEL_TYPES:
            return None
        fake_step = Step(step.channel_type, channel_id=default_channel_id(step.channel_type), ref=step.ref)
        key: RKey = record["_key"]
        reason = state.undeliverable(key, fake_step)
        if reason is None:
            prefs = state.resolved_preferences(key, record["tenant"])
            reason = preference_block(prefs, self._workflow(run.workflow), fake_step)
        return reason

    def _serialized(self, key: RKey) -> dict[str, Any]:
        """The recipient as templates see it: id, name, custom properties (objects: collection)."""
        profile = _plain(self._state.profile(key))
        if key[0] == "user":
            return {**profile, "id": key[1]}
        return {**profile, "id": key[2], "collection": key[1]}

    @staticmethod
    def _serialized_tenant(tenant: Mapping[str, Any]) -> dict[str, Any]:
        return {**_plain(tenant.get("properties") or {}), "id": tenant["id"]}


def _plain(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}



def _require_local_extra() -> None:
    """Fail when workflows are loaded, not at the first render inside a request."""
    missing = [name for name in ("liquid", "babel", "markdown") if _missing(name)]
    if missing:
        raise ImportError(f"running loaded workflows needs the 'local' extra: pip install 'knockkit[local]' "
                          f"(missing: {', '.join(missing)})")  # fmt: skip


def _missing(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is None
    except ValueError:  # sys.modules[name] is None: imports of it are blocked
        return True


def content_shape(content: Any, to: Any, data: Mapping[str, Any]) -> JsonDict:
    """An engine-rendered message's content in Knock's shape for its channel type
    (``to``: the address the fake recorded; ``data``: the trigger data, for push)."""
    from knockkit.testing.engine import ChatContent, EmailContent, InAppFeedContent, PushContent, SmsContent
    from knockkit.testing.stores.messages import FAKE_SENDER

    if isinstance(content, EmailContent):
        return {"__typename": "MessageEmailContent", "from": FAKE_SENDER, "to": to, "cc": None, "bcc": None,
                "reply_to": None, "subject_line": content.subject, "text_body": content.text_body,
                "html_body": content.html_body}  # fmt: skip
    if isinstance(content, SmsContent):
        return {"__typename": "MessageSmsContent", "to": content.to_number or to, "body": content.body}
    if isinstance(content, PushContent):
        return {"__typename": "MessagePushContent", "token": to, "title": content.title, "body": content.body,
                "data": dict(data)}  # fmt: skip
    if isinstance(content, ChatContent):
        blocks = [{"type": "markdown", "name": "markdown", "content": content.markdown}] if content.markdown else []
        template = {"summary": content.summary, "blocks": blocks, "json_content": content.json_body}
        return {"__typename": "MessageChatContent", "connection": to, "template": template, "metadata": None}
    if isinstance(content, InAppFeedContent):
        return {"__typename": "MessageInAppFeedContent", "blocks": [dict(b) for b in content.blocks]}
    raise TypeError(f"no Knock content shape for {type(content).__name__}")
