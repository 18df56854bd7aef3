"""The local workflow engine: triggers in, step outcomes out, time from a `Clock`.

```python
engine = Engine(Clock(), workflows=load_workflows("knock/workflows"))
result = engine.trigger("new-comment", Trigger(recipient={"id": "jhammond", "email": ...}))
for outcome in result.outcomes: print(outcome.line())
engine.clock.advance(minutes=5)
for outcome in engine.run_due(): print(outcome.line())   # what the delay held, now sent
```

It knows nothing of HTTP or of the fake's store: the caller passes each recipient's
serialized profile in, and turns ``sent`` outcomes into messages. It is not thread-safe;
the caller serializes calls (the fake holds its lock around them).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from knockkit.testing.engine.clock import Clock
from knockkit.testing.engine.model import Branch, BranchStep, Step, WorkflowDefinition
from knockkit.testing.engine.render import Renderer
from knockkit.testing.engine.runs import (
    Activity,
    MessageState,
    Run,
    RunState,
    StepOutcome,
    Trigger,
    TriggerResult,
    new_id,
    recipient_key,
)
from knockkit.testing.engine.steps import Action, FetchHook, GateHook, StepRunner

__all__ = ["Engine"]


class Engine:
    """Runs workflow definitions for recipients.

    ``vars`` are the environment variables templates see as ``vars``. ``gate`` decides
    whether a recipient can get a channel step's message (return a reason to skip it);
    ``fetch`` answers fetch steps' requests (the engine never sends them). Every call
    that moves runs returns the `StepOutcome` values it produced, in order.
    """

    def __init__(
        self, clock: Clock | None = None, *, workflows: Mapping[str, WorkflowDefinition] | None = None,
        vars: Mapping[str, Any] | None = None, gate: GateHook | None = None, fetch: FetchHook | None = None,
    ) -> None:  # fmt: skip
        self.clock = clock or Clock()
        self.workflows: dict[str, WorkflowDefinition] = dict(workflows or {})
        self._steps = StepRunner(Renderer(), dict(vars or {}), gate, fetch)
        self._runs: dict[str, RunState] = {}
        self._messages: dict[str, tuple[str, str]] = {}  # message id -> (run id, step ref)
        self._triggered: set[tuple[Any, ...]] = set()  # for once-per-recipient workflows
        self._seq = 0

    # --- driving runs --------------------------------------------------------------------------

    def trigger(self, workflow: str, trigger: Trigger, *, run_id: str | None = None) -> TriggerResult:
        """Start ``workflow`` for one recipient now; runs what it can until a hold or the end."""
        definition = self.workflows.get(workflow)
        if definition is None:
            raise KeyError(f"no workflow {workflow!r} (known: {', '.join(sorted(self.workflows)) or 'none'})")
        if not isinstance(trigger, Trigger):
            raise TypeError(f"trigger must be a Trigger, not {type(trigger).__name__}")
        if run_id is not None and run_id in self._runs:
            raise ValueError(f"run_id {run_id!r} is already a run's id")
        now = self.clock.now()
        outcomes = self._drain(now)
        self._seq += 1
        run = RunState(
            id=run_id or str(uuid.uuid4()), workflow_run_id=trigger.workflow_run_id or str(uuid.uuid4()),
            definition=definition, trigger=trigger, key=recipient_key(trigger.recipient), data=dict(trigger.data),
            seq=self._seq, inserted_at=now, updated_at=now,
        )  # fmt: skip
        run.activities = [Activity(id=new_id(), run_id=run.id, actor=trigger.actor, recipient=trigger.recipient,
                                   data=dict(trigger.data), inserted_at=now,
                                   cancellation_key=trigger.cancellation_key)]  # fmt: skip
        self._runs[run.id] = run
        halt = self._gatekeep(run, now)
        if halt is not None:
            outcomes.append(self._finish(run, halt, now, outcome=True))
        else:
            outcomes += self._advance(run, now)
        outcomes += self._drain(now)
        return TriggerResult(run=run.view(), outcomes=tuple(outcomes))

    def run_due(self) -> list[StepOutcome]:
        """Continue every run whose delay or batch window has ended by the clock's now."""
        return self._drain(self.clock.now())

    def advance(self, **delta: float) -> list[StepOutcome]:
        """``clock.advance(**delta)`` and then `run_due`."""
        self.clock.advance(**delta)
        return self.run_due()

    def release(self, chosen: Callable[[Run], bool] | None = None) -> list[StepOutcome]:
        """Continue held runs (those ``chosen`` picks, or all) past their delay or batch
        step now, whatever the clock says."""
        now = self.clock.now()
        outcomes = self._drain(now)
        for run in self._held():
            if chosen is None or chosen(run.view()):
                outcomes += self._resume(run, now, released=True)
        return outcomes + self._drain(now)

    def cancel(self, workflow: str, cancellation_key: str,
               recipients: Iterable[Mapping[str, Any] | str] | None = None) -> list[StepOutcome]:  # fmt: skip
        """Cancel the held runs of ``workflow`` triggered with ``cancellation_key`` (for the
        given recipients, or all), and take their activities out of open batches."""
        now = self.clock.now()
        outcomes = self._drain(now)
        only = None if recipients is None else {recipient_key(r) for r in recipients}

        def chosen(run: RunState) -> bool:
            return (run.definition.key == workflow and run.trigger.cancellation_key == cancellation_key
                    and (only is None or run.key in only))  # fmt: skip

        removed = {a.run_id for a in self._steps.batches.remove(
            lambda a: a.cancellation_key == cancellation_key and a.run_id in self._runs
            and chosen(self._runs[a.run_id]))}  # fmt: skip
        for run in sorted(self._runs.values(), key=lambda r: r.seq):
            if not chosen(run) or run.status == "cancelled":
                continue
            if run.status == "completed" and run.id in removed:
                outcomes.append(self._cancelled(run, now, "its activity was taken out of the open batch"))
            elif run.status == "processing" and self._steps.batches.owned_by(run.id) is not None:
                if run.id in removed:  # the batch stays open; this run still carries the others' activities
                    outcome = self._note(run, now, "its activity was taken out of the batch, which stays open")
                    outcomes.append(outcome)
            elif run.status == "processing":
                outcomes.append(self._cancelled(run, now, f"cancellation key {cancellation_key!r}"))
        return outcomes

    def _note(self, run: RunState, now: dt.datetime, reason: str) -> StepOutcome:
        step = self._current(run)
        outcome = StepOutcome(run_id=run.id, workflow=run.definition.key, recipient=run.key,
                              step_ref=step.ref if step else "", step_type=step.type if step else "",
                              status="cancelled", at=now, reason=reason)  # fmt: skip
        run.outcomes.append(outcome)
        run.updated_at = now
        return outcome

    def _cancelled(self, run: RunState, now: dt.datetime, reason: str) -> StepOutcome:
        outcome = self._note(run, now, reason)
        run.status, run.wake_at, run.held_ref, run.ended_reason = "cancelled", None, None, reason
        return outcome

    def update_message(self, message_id: str, *, delivery_status: str | None = None,
                       engagement: Iterable[str] | None = None) -> None:  # fmt: skip
        """Tell the engine what became of a message it produced (the fake's message was
        marked seen, read, ...), for later ``refs.<ref>.*`` conditions. ``engagement``
        replaces the message's set of engagement statuses."""
        if message_id not in self._messages:
            raise KeyError(f"the engine made no message {message_id!r}")
        run_id, ref = self._messages[message_id]
        state = self._runs[run_id].refs[ref]
        self._runs[run_id].refs[ref] = MessageState(
            message_id=message_id, delivery_status=delivery_status or state.delivery_status,
            engagement=frozenset(engagement) if engagement is not None else state.engagement,
        )  # fmt: skip

    # --- inspecting ----------------------------------------------------------------------------

    def runs(self, *, workflow: str | None = None, status: str | None = None) -> list[Run]:
        return [r.view() for r in sorted(self._runs.values(), key=lambda r: r.seq)
                if workflow in (None, r.definition.key) and status in (None, r.status)]  # fmt: skip

    def run(self, run_id: str) -> Run:
        return self._runs[run_id].view()

    def next_wake(self) -> dt.datetime | None:
        """When the next held run is due (for a real-time clock's timer), or None."""
        times = [r.wake_at for r in self._held() if r.wake_at is not None]
        return min(times) if times else None

    # --- saving (a host that keeps state across restarts) ----------------------------------------

    def export_state(self) -> dict[str, Any]:
        """What the engine carries between calls, for a host to save: runs (by id), the
        messages' runs, once-per-recipient marks, the run counter, open batches and throttle
        windows. Live objects, not copies: the host encodes them before anything changes."""
        steps = self._steps
        return {"runs": self._runs, "messages": self._messages, "triggered": self._triggered, "seq": self._seq,
                "batches": steps.batches, "throttles": steps.throttles}  # fmt: skip

    def import_state(self, state: Mapping[str, Any]) -> None:
        """Put back what `export_state` gave (decoded from the host's file)."""
        self._runs, self._messages = dict(state["runs"]), dict(state["messages"])
        self._triggered, self._seq = set(state["triggered"]), int(state["seq"])
        self._steps.batches, self._steps.throttles = state["batches"], state["throttles"]

    # --- the run loop --------------------------------------------------------------------------

    def _held(self) -> list[RunState]:
        never = dt.datetime.max.replace(tzinfo=dt.timezone.utc)  # held until released
        return sorted((r for r in self._runs.values() if r.status == "processing" and r.held_ref is not None),
                      key=lambda r: (r.wake_at or never, r.seq))  # fmt: skip

    def _drain(self, now: dt.datetime) -> list[StepOutcome]:
        outcomes: list[StepOutcome] = []
        while True:
            due = next((r for r in self._held() if r.wake_at is not None and r.wake_at <= now), None)
            if due is None:
                break
            assert due.wake_at is not None
            outcomes += self._resume(due, due.wake_at)  # a run goes on at the time it was due
        self._steps.batches.expire(now)
        return outcomes

    def _resume(self, run: RunState, at: dt.datetime, *, released: bool = False) -> list[StepOutcome]:
        step = self._current(run)
        assert step is not None
        run.wake_at, run.held_ref = None, None
        outcomes = [self._apply(run, self._steps.resume(run, step, at, released=released), at)]
        return outcomes + self._advance(run, at)

    def _advance(self, run: RunState, at: dt.datetime) -> list[StepOutcome]:
        """Run steps from the run's position until it holds or ends."""
        outcomes: list[StepOutcome] = []
        while run.status == "processing" and run.held_ref is None:
            step = self._current(run)
            if step is not None:
                outcomes.append(self._apply(run, self._steps.run(run, step, at), at))
                continue
            _steps, branch = self._frame(run.definition, run.position)
            if branch is None:
                self._finish(run, None, at)
            elif branch.terminates:
                self._finish(run, f"branch {branch.name!r} ends the workflow", at)
            else:
                parent = run.position[:-2]
                run.position = (*parent[:-1], parent[-1] + 1)
        return outcomes

    def _apply(self, run: RunState, action: Action, at: dt.datetime) -> StepOutcome:
        run.outcomes.append(action.outcome)
        run.updated_at = at
        if action.outcome.message_id is not None:
            self._messages[action.outcome.message_id] = (run.id, action.outcome.step_ref)
        if action.reschedule is not None:
            owner = self._runs[action.reschedule[0]]
            owner.wake_at = action.reschedule[1]
        if action.then == "hold":
            run.wake_at, run.held_ref = action.until, action.outcome.step_ref
        elif action.then == "enter":
            assert action.branch is not None
            run.position = (*run.position, action.branch, 0)
        elif action.then == "stop":
            self._finish(run, action.outcome.reason, at, status=action.end_status)
        else:
            run.position = (*run.position[:-1], run.position[-1] + 1)
        return action.outcome

    def _finish(self, run: RunState, reason: str | None, at: dt.datetime, *, status: str = "completed",
                outcome: bool = False) -> StepOutcome:  # fmt: skip
        run.status, run.ended_reason, run.updated_at, run.wake_at, run.held_ref = status, reason, at, None, None
        result = StepOutcome(run_id=run.id, workflow=run.definition.key, recipient=run.key, step_ref="trigger",
                             step_type="trigger", status="halted", at=at, reason=reason or "")  # fmt: skip
        if outcome:
            run.outcomes.append(result)
        return result

    def _gatekeep(self, run: RunState, now: dt.datetime) -> str | None:
        """Why the run halts before its first step: the trigger's conditions, or a
        once-per-recipient workflow already run for this recipient (and tenant)."""
        from knockkit.testing.engine.conditions import evaluate

        definition = run.definition
        verdict = evaluate(definition.conditions, self._steps.scope(run, now), now, audiences=run.trigger.audiences)
        if not verdict:
            return f"trigger condition: {verdict.reason}"
        if definition.trigger_frequency == "every_trigger":
            return None
        tenant = (run.trigger.tenant or {}).get("id") if definition.trigger_frequency.endswith("tenant") else None
        once = (definition.key, run.key, tenant)
        if once in self._triggered:
            return f"trigger_frequency {definition.trigger_frequency}: already run for this recipient"
        self._triggered.add(once)
        return None

    def _current(self, run: RunState) -> Step | None:
        steps, _ = self._frame(run.definition, run.position)
        return steps[run.position[-1]] if run.position[-1] < len(steps) else None

    @staticmethod
    def _frame(definition: WorkflowDefinition, position: tuple[int, ...]) -> tuple[tuple[Step, ...], Branch | None]:
        """The steps the run is walking (the workflow's, or a branch's) and that branch."""
        steps, branch = definition.steps, None
        for index in range(0, len(position) - 1, 2):
            step = steps[position[index]]
            assert isinstance(step, BranchStep)
            branch = step.branches[position[index + 1]]
            steps = branch.steps
        return steps, branch

