"""Execute one step of one run: what it produced (a `StepOutcome`) and what the
run does next (an `Action`: go on, wait until a time, enter a branch, or stop).

The engine owns the runs and the order of things; this module owns what each step type
means, as Knock's docs describe it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from knockkit.testing.engine.batches import Batches, Throttles, merged_batch_data
from knockkit.testing.engine.clock import add_duration, format_timestamp, resolve_until
from knockkit.testing.engine.conditions import MISSING, evaluate, lookup
from knockkit.testing.engine.content import HttpRequest
from knockkit.testing.engine.model import (
    BatchStep,
    BranchStep,
    ChannelStep,
    DelayStep,
    Duration,
    FetchStep,
    Step,
    ThrottleStep,
    UpdateDataStep,
)
from knockkit.testing.engine.render import Renderer, TemplateError
from knockkit.testing.engine.runs import MessageState, Run, RunState, StepOutcome, new_id

__all__ = ["Action", "FetchHook", "GateHook", "StepRunner"]

#: ``gate(run, step)``: why the recipient cannot get this channel step's message
#: (preferences, no email, no channel data), or None to send it.
GateHook = Callable[[Run, ChannelStep], "str | None"]
#: ``fetch(request, run)``: the JSON object a fetch step's request answers (merged into
#: ``data``), or None; an exception fails the step and halts the run, as on Knock.
FetchHook = Callable[[HttpRequest, Run], "Mapping[str, Any] | None"]


@attrs.frozen(kw_only=True)
class Action:
    outcome: StepOutcome
    then: str = "next"  # "next", "hold", "enter", "stop"
    until: dt.datetime | None = None  # for "hold": None holds until released
    branch: int | None = None
    end_status: str = "completed"
    reschedule: tuple[str, dt.datetime | None] | None = None  # (run id, time): a batch owner's new close time


class StepRunner:
    def __init__(self, renderer: Renderer, vars: Mapping[str, Any], gate: GateHook | None,
                 fetch: FetchHook | None) -> None:  # fmt: skip
        self.renderer, self.vars, self.gate, self.fetch = renderer, vars, gate, fetch
        self.batches = Batches()
        self.throttles = Throttles()

    # --- the run's variables ----------------------------------------------------------------

    def scope(self, run: RunState, at: dt.datetime, message_id: str | None = None) -> dict[str, Any]:
        """The template variables (and condition scope) of ``run`` at ``at``."""
        shown = run.rendered_activities if run.rendered_activities is not None else run.activities
        actors: dict[Any, Mapping[str, Any]] = {}
        for activity in run.activities:
            if activity.actor is not None:
                actors.setdefault(activity.actor.get("id"), activity.actor)
        shown_actors = list({a.actor.get("id"): a.actor for a in shown if a.actor is not None}.values())
        definition, stamp = run.definition, format_timestamp(at)
        return {
            "recipient": dict(run.trigger.recipient), "actor": run.trigger.actor, "data": dict(run.data),
            "tenant": run.trigger.tenant, "vars": dict(self.vars), "timestamp": stamp,
            "total_activities": len(run.activities), "total_actors": len(actors),
            "activities": [a.to_template() for a in shown], "actors": shown_actors,
            "workflow": {"key": definition.key, "name": definition.name, "categories": list(definition.categories),
                         "commercial": definition.commercial, "override_preferences": definition.override_preferences},
            "current_message": {"id": message_id, "inserted_at": stamp, "updated_at": stamp} if message_id else None,
            "run": {"total_activities": len(run.activities), "total_actors": len(actors)},
            "refs": {ref: state.to_condition() for ref, state in run.refs.items()},
        }  # fmt: skip

    def _value(self, text: str, scope: Mapping[str, Any], field: str) -> Any:
        """A batch or throttle key: Liquid when it has ``{{``, else a path in ``data``
        (``page_id`` is ``data.page_id``), as Knock resolves it."""
        if "{{" in text or "{%" in text:
            return self.renderer.text(text, scope, field)
        return lookup(scope, text if text.startswith("data.") else f"data.{text}")

    def _until(self, run: RunState, scope: Mapping[str, Any], at: dt.datetime, path: str | None,
               offset: Duration | None, field: str) -> tuple[dt.datetime | None, str]:  # fmt: skip
        """When a window closes: ``offset`` from now, or the value at ``path`` (a timestamp,
        duration or window rule) shifted by ``offset``; (None, why) when it does not resolve."""
        if path is None:
            return (add_duration(at, offset) if offset else at), ""
        value = lookup(scope, path if "." in path else f"data.{path}")
        timezone = run.trigger.recipient.get("timezone")
        until = resolve_until(None if value is MISSING else value, at, timezone if isinstance(timezone, str) else None)
        if until is None:
            shown = "not set" if value is MISSING else json.dumps(value, default=str)
            return None, f"{field} {path!r} is not a timestamp, duration or window rule ({shown})"
        return (add_duration(until, offset) if offset else until), ""

    def _outcome(self, run: RunState, step: Step, status: str, at: dt.datetime, **fields: Any) -> StepOutcome:
        return StepOutcome(run_id=run.id, workflow=run.definition.key, recipient=run.key, step_ref=step.ref,
                           step_type=step.type, status=status, at=at, **fields)  # fmt: skip

    # --- running a step ------------------------------------------------------------------------

    def run(self, run: RunState, step: Step, at: dt.datetime) -> Action:
        scope = self.scope(run, at)
        verdict = evaluate(step.conditions, scope, at, audiences=run.trigger.audiences)
        extra = {"channel_type": step.channel_type, "channel_key": step.channel_key} if isinstance(
            step, ChannelStep) else {}  # fmt: skip
        if not verdict:
            if isinstance(step, ChannelStep):
                run.refs[step.ref] = MessageState(message_id=None, delivery_status="skipped")
            return Action(outcome=self._outcome(run, step, "skipped", at, reason=f"condition: {verdict.reason}",
                                                **extra))  # fmt: skip
        handlers: dict[type, Callable[[RunState, Any, dt.datetime, Mapping[str, Any]], Action]] = {
            ChannelStep: lambda run, step, at, _: self._channel(run, step, at), DelayStep: self._delay,
            BatchStep: self._batch, ThrottleStep: self._throttle, BranchStep: self._branch, FetchStep: self._fetch,
            UpdateDataStep: self._update_data,
        }  # fmt: skip
        handler = handlers.get(type(step))
        try:
            if handler is not None:
                return handler(run, step, at, scope)
        except TemplateError as error:  # a key or setting template that did not render
            return Action(outcome=self._outcome(run, step, "failed", at, reason=error.reason, **extra))
        reason = f"{step.type} steps are not emulated by the local engine"
        return Action(outcome=self._outcome(run, step, "skipped", at, reason=reason))

    def resume(self, run: RunState, step: Step, at: dt.datetime, *, released: bool = False) -> Action:
        """The held step ends: a delay elapses, or the batch the run owns closes."""
        why = "released" if released else "elapsed"
        if not isinstance(step, BatchStep):
            return Action(outcome=self._outcome(run, step, "passed", at, reason=f"delay {why}"))
        batch = self.batches.close(run.id)
        activities = sorted(batch.activities if batch else [], key=lambda a: a.inserted_at)
        if not activities:
            reason = "the batch closed with no activities (all were cancelled)"
            return Action(outcome=self._outcome(run, step, "halted", at, reason=reason), then="stop",
                          end_status="cancelled")  # fmt: skip
        run.activities = activities
        limit = step.render_limit
        run.rendered_activities = activities[:limit] if step.order == "asc" else activities[-limit:]
        run.data = merged_batch_data(activities)
        reason = f"batch {why} with {len(activities)} activit{'y' if len(activities) == 1 else 'ies'}"
        return Action(outcome=self._outcome(run, step, "passed", at, reason=reason))

    def _channel(self, run: RunState, step: ChannelStep, at: dt.datetime) -> Action:
        extra: dict[str, Any] = {"channel_type": step.channel_type, "channel_key": step.channel_key}
        if step.channel_type == "in_app_guide":
            run.refs[step.ref] = MessageState(message_id=None, delivery_status="skipped")
            return Action(outcome=self._outcome(run, step, "skipped", at, reason="in-app guides are not emulated",
                                                **extra))  # fmt: skip
        blocked = self.gate(run.view(), step) if self.gate else None
        if blocked:
            run.refs[step.ref] = MessageState(message_id=None, delivery_status="skipped")
            return Action(outcome=self._outcome(run, step, "skipped", at, reason=blocked, **extra))
        message_id = new_id()
        try:
            content = self.renderer.channel(step, self.scope(run, at, message_id))
        except TemplateError as error:
            run.refs[step.ref] = MessageState(message_id=message_id, delivery_status="undelivered")
            return Action(outcome=self._outcome(run, step, "failed", at, reason=error.reason, message_id=message_id,
                                                **extra))  # fmt: skip
        run.refs[step.ref] = MessageState(message_id=message_id, delivery_status="sent")
        note = "send windows are not emulated: sent at once" if step.send_windows else ""
        return Action(outcome=self._outcome(run, step, "sent", at, reason=note, content=content,
                                            message_id=message_id, **extra))  # fmt: skip

    def _delay(self, run: RunState, step: DelayStep, at: dt.datetime, scope: Mapping[str, Any]) -> Action:
        if run.trigger.skip_delays:
            return Action(outcome=self._outcome(run, step, "skipped", at, reason="the trigger skips delays"))
        if step.delay_for is None and step.delay_until_field_path is None:
            return Action(outcome=self._outcome(run, step, "held", at, reason="until released"), then="hold")
        until, why = self._until(run, scope, at, step.delay_until_field_path, step.delay_for, "delay_until_field_path")
        if until is None:
            return Action(outcome=self._outcome(run, step, "skipped", at, reason=why))
        if until <= at:
            return Action(outcome=self._outcome(run, step, "passed", at, reason="the delay had already elapsed"))
        return Action(outcome=self._outcome(run, step, "held", at, until=until), then="hold", until=until)

    def _batch(self, run: RunState, step: BatchStep, at: dt.datetime, scope: Mapping[str, Any]) -> Action:
        tenant = (run.trigger.tenant or {}).get("id")
        batch_key = self._value(step.batch_key, scope, "batch_key") if step.batch_key else None
        if step.batch_key and batch_key in (MISSING, None, ""):
            reason = f"batch_key {step.batch_key!r} resolved to nothing; the batch is skipped"
            return Action(outcome=self._outcome(run, step, "skipped", at, reason=reason))
        key = (run.definition.key, step.ref, run.key, tenant, None if batch_key is None else str(batch_key))
        batch = self.batches.get(key, at)
        if batch is not None:
            self.batches.join(batch, run.activities, at)
            if batch.owner is None:  # flush_leading: the first item went on alone; this run carries the rest
                batch.owner = run.id
                return Action(outcome=self._outcome(run, step, "held", at, until=batch.closes_at), then="hold",
                              until=batch.closes_at)  # fmt: skip
            closes = format_timestamp(batch.closes_at) if batch.closes_at else "when released"
            reason = f"added to the batch of run {batch.owner} ({len(batch.activities)} activities, closes {closes})"
            return Action(outcome=self._outcome(run, step, "batched", at, reason=reason), then="stop",
                          reschedule=(batch.owner, batch.closes_at))  # fmt: skip
        if step.window is None and step.until_field_path is None:
            closes_at, why = None, "until released"
        else:
            closes_at, why = self._until(run, scope, at, step.until_field_path, step.window, "batch_until_field_path")
        if closes_at is None and why != "until released":
            return Action(outcome=self._outcome(run, step, "skipped", at, reason=why))
        if step.flush_leading:
            self.batches.open(key, step, None, [], at, closes_at)
            until = format_timestamp(closes_at) if closes_at else "released"
            reason = f"the leading item goes on at once; batch open until {until}"
            return Action(outcome=self._outcome(run, step, "passed", at, reason=reason))
        opened = self.batches.open(key, step, run.id, run.activities, at, closes_at)
        return Action(outcome=self._outcome(run, step, "held", at, until=opened.closes_at, reason=why), then="hold",
                      until=opened.closes_at)  # fmt: skip

    def _throttle(self, run: RunState, step: ThrottleStep, at: dt.datetime, scope: Mapping[str, Any]) -> Action:
        throttle_key = self._value(step.throttle_key, scope, "throttle_key") if step.throttle_key else None
        if step.throttle_key and throttle_key in (MISSING, None, ""):
            reason = f"throttle_key {step.throttle_key!r} resolved to nothing; the throttle is skipped"
            return Action(outcome=self._outcome(run, step, "skipped", at, reason=reason))
        key = (run.definition.key, step.ref, run.key, None if throttle_key is None else str(throttle_key))
        window = self.throttles.window(key, at)
        if window is None:
            closes_at, why = self._until(run, scope, at, step.window_field_path, step.window,
                                         "throttle_window_field_path")  # fmt: skip
            if closes_at is None:
                return Action(outcome=self._outcome(run, step, "skipped", at, reason=why))
        else:
            closes_at = window[0]
            if window[1] >= step.limit:
                until = format_timestamp(closes_at)
                reason = f"throttled: {window[1]} run(s) already passed in the window until {until}"
                return Action(outcome=self._outcome(run, step, "skipped", at, reason=reason), then="stop")
        count = self.throttles.count(key, closes_at)
        reason = f"{count} of {step.limit} in the window until {format_timestamp(closes_at)}"
        return Action(outcome=self._outcome(run, step, "passed", at, reason=reason))

    def _branch(self, run: RunState, step: BranchStep, at: dt.datetime, scope: Mapping[str, Any]) -> Action:
        for index, branch in enumerate(step.branches):
            if evaluate(branch.conditions, scope, at, audiences=run.trigger.audiences):
                reason = f"took branch {branch.name!r}"
                return Action(outcome=self._outcome(run, step, "passed", at, reason=reason), then="enter",
                              branch=index)  # fmt: skip
        return Action(outcome=self._outcome(run, step, "passed", at, reason="no branch matched"))

    def _fetch(self, run: RunState, step: FetchStep, at: dt.datetime, scope: Mapping[str, Any]) -> Action:
        try:
            request = self.renderer.request(step, scope)
        except TemplateError as error:
            return Action(outcome=self._outcome(run, step, "failed", at, reason=error.reason), then="stop")
        if self.fetch is None:
            reason = "request not sent (no fetch responder); data unchanged"
            return Action(outcome=self._outcome(run, step, "passed", at, reason=reason, content=request))
        try:
            answer = self.fetch(request, run.view())
        except Exception as exc:  # the responder's failure is the request's failure
            reason = f"the request failed: {exc}"
            return Action(outcome=self._outcome(run, step, "failed", at, reason=reason, content=request), then="stop")
        return self._merge(run, step, at, answer, request)

    def _update_data(self, run: RunState, step: UpdateDataStep, at: dt.datetime, scope: Mapping[str, Any]) -> Action:
        rendered = self.renderer.text(step.data, scope, "settings.data")
        try:
            answer = json.loads(rendered)
        except ValueError:
            raise TemplateError("settings.data", f"did not render to a JSON object: {rendered[:80]!r}") from None
        if not isinstance(answer, dict):
            raise TemplateError("settings.data", "did not render to a JSON object")
        return self._merge(run, step, at, answer, None)

    def _merge(self, run: RunState, step: Step, at: dt.datetime, answer: object, request: HttpRequest | None) -> Action:
        if answer is not None and not isinstance(answer, Mapping):
            reason = f"the answer is not a JSON object ({type(answer).__name__})"
            return Action(outcome=self._outcome(run, step, "failed", at, reason=reason, content=request), then="stop")
        run.data.update(answer or {})  # shallow, as Knock merges
        keys = ", ".join(sorted(answer or {})) or "nothing"
        return Action(outcome=self._outcome(run, step, "passed", at, reason=f"merged into data: {keys}",
                                            content=request))  # fmt: skip
