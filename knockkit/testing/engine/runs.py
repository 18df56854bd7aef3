"""The values the engine takes and gives: a trigger in; runs, step outcomes and the
state of a run's messages out. All plain data; `RunState` is the engine's own
mutable record, the rest are frozen."""

from __future__ import annotations

import datetime as dt
import secrets
import string
from collections.abc import Mapping
from typing import Any

import attrs

from knockkit.testing.engine.clock import format_timestamp
from knockkit.testing.engine.content import Content
from knockkit.testing.engine.model import WorkflowDefinition

__all__ = ["Activity", "MessageState", "Run", "RunState", "StepOutcome", "Trigger", "TriggerResult", "recipient_key"]

_BASE62 = string.digits + string.ascii_letters
#: What a step outcome can be. "held": the run waits (until ``StepOutcome.until``);
#: "passed": a function step did its work; "halted": the run stops at this step.
STATUSES = ("sent", "failed", "skipped", "held", "passed", "halted", "cancelled")


def new_id() -> str:
    """An id shaped like Knock's message ids (27 base62 characters)."""
    return "".join(secrets.choice(_BASE62) for _ in range(27))


def recipient_key(recipient: Mapping[str, Any] | str) -> tuple[str, ...]:
    """("user", id) or ("object", collection, id) for a serialized recipient or user id."""
    if isinstance(recipient, str):
        return ("user", recipient)
    recipient_id = recipient.get("id")
    if not isinstance(recipient_id, str) or not recipient_id:
        raise ValueError("a recipient needs a non-empty string 'id'")
    collection = recipient.get("collection")
    if isinstance(collection, str) and collection and recipient.get("__typename") != "User":
        return ("object", collection, recipient_id)
    return ("user", recipient_id)


def _mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    return None if value is None else dict(value)


def _keys(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        raise TypeError("audiences must be a collection of audience keys, not a string")
    return frozenset(value)


@attrs.frozen(kw_only=True)
class Trigger:
    """One recipient's trigger: who, by whom, with what.

    ``recipient``, ``actor`` and ``tenant`` are serialized as Knock serializes them to
    templates (``{"id": ..., "name": ..., custom properties}``; an object also has
    ``collection``). ``audiences`` are the keys of the audiences the recipient belongs
    to (for ``is_audience_member`` conditions). ``workflow_run_id`` groups the recipient
    runs of one API trigger call.
    """

    recipient: Mapping[str, Any] = attrs.field(converter=dict)
    actor: Mapping[str, Any] | None = attrs.field(default=None, converter=_mapping)
    data: Mapping[str, Any] = attrs.field(factory=dict, converter=dict)
    tenant: Mapping[str, Any] | None = attrs.field(default=None, converter=_mapping)
    cancellation_key: str | None = None
    workflow_run_id: str | None = None
    audiences: frozenset[str] = attrs.field(default=frozenset(), converter=_keys)
    skip_delays: bool = False

    def __attrs_post_init__(self) -> None:
        recipient_key(self.recipient)
        if self.actor is not None:
            recipient_key(self.actor)


@attrs.frozen(kw_only=True)
class Activity:
    """One trigger folded into a run (several after a batch closes)."""

    id: str
    run_id: str
    actor: Mapping[str, Any] | None
    recipient: Mapping[str, Any]
    data: Mapping[str, Any]
    inserted_at: dt.datetime
    cancellation_key: str | None = None

    def to_template(self) -> dict[str, Any]:
        """As templates see it: the trigger data at the top level, plus Knock's fields."""
        stamp = format_timestamp(self.inserted_at)
        return {**self.data, "id": self.id, "actor": self.actor, "recipient": self.recipient,
                "inserted_at": stamp, "updated_at": stamp}  # fmt: skip


@attrs.frozen(kw_only=True)
class MessageState:
    """The message a channel step made (for ``refs.<ref>.*`` conditions): its delivery
    status and engagement statuses (seen, read, interacted, link_clicked, archived)."""

    message_id: str | None
    delivery_status: str
    engagement: frozenset[str] = frozenset()

    def to_condition(self) -> dict[str, Any]:
        statuses = set(self.engagement)
        if "seen" in statuses and "read" not in statuses:
            statuses.add("seen_not_read")
        if "read" in statuses and "link_clicked" not in statuses:
            statuses.add("read_not_link_clicked")
        return {"delivery_status": self.delivery_status, "engagement_status": sorted(statuses),
                "message_id": self.message_id}  # fmt: skip


@attrs.frozen(kw_only=True)
class StepOutcome:
    """What one step did for one recipient run.

    ``content`` is the rendered message (``sent``) or the request a fetch step made;
    ``message_id`` is the id the engine gave the message (``sent`` and ``failed``: a
    failed message is one whose template did not render, with ``reason`` saying why).
    ``until`` is when a ``held`` run continues. ``at`` is the clock time of the step.
    """

    run_id: str
    workflow: str
    recipient: tuple[str, ...]
    step_ref: str
    step_type: str
    status: str
    at: dt.datetime
    reason: str = ""
    until: dt.datetime | None = None
    channel_type: str | None = None
    channel_key: str | None = None
    content: Content | None = None
    message_id: str | None = None

    def line(self) -> str:
        """One readable line, as the terminal prints it."""
        who = "/".join(self.recipient[1:])
        kind = self.channel_type or self.step_type
        text = f"{self.workflow} → {who} · {self.step_ref} ({kind}): {self.status}"
        if self.until is not None:
            text += f" until {format_timestamp(self.until)}"
        return f"{text} — {self.reason}" if self.reason else text


@attrs.frozen(kw_only=True)
class Run:
    """A recipient run as the engine has it now (a snapshot)."""

    id: str
    workflow_run_id: str
    workflow: str
    recipient: Mapping[str, Any]
    recipient_key: tuple[str, ...]
    actor: Mapping[str, Any] | None
    tenant: Mapping[str, Any] | None
    data: Mapping[str, Any]
    cancellation_key: str | None
    status: str  # processing, completed, cancelled
    held_at: str | None  # the ref of the step holding the run
    held_until: dt.datetime | None
    ended_reason: str | None
    total_activities: int
    outcomes: tuple[StepOutcome, ...]
    inserted_at: dt.datetime
    updated_at: dt.datetime


@attrs.frozen(kw_only=True)
class TriggerResult:
    """The run a trigger started, and every outcome the call produced (this run's and any
    other run's, e.g. a batch that a maximum activity count closed)."""

    run: Run
    outcomes: tuple[StepOutcome, ...]


@attrs.define(kw_only=True)
class RunState:
    """The engine's record of one recipient run (mutable; never handed out)."""

    id: str
    workflow_run_id: str
    definition: WorkflowDefinition
    trigger: Trigger
    key: tuple[str, ...]
    data: dict[str, Any]
    seq: int
    inserted_at: dt.datetime
    updated_at: dt.datetime
    status: str = "processing"
    position: tuple[int, ...] = (0,)
    wake_at: dt.datetime | None = None  # when a held run goes on (None: when released)
    activities: list[Activity] = attrs.field(factory=list)
    rendered_activities: list[Activity] | None = None  # after a batch: the ones templates see
    refs: dict[str, MessageState] = attrs.field(factory=dict)
    outcomes: list[StepOutcome] = attrs.field(factory=list)
    ended_reason: str | None = None
    held_ref: str | None = None  # the step holding the run

    def view(self) -> Run:
        return Run(
            id=self.id, workflow_run_id=self.workflow_run_id, workflow=self.definition.key,
            recipient=self.trigger.recipient, recipient_key=self.key, actor=self.trigger.actor,
            tenant=self.trigger.tenant, data=dict(self.data), cancellation_key=self.trigger.cancellation_key,
            status=self.status, held_at=self.held_ref, held_until=self.wake_at, ended_reason=self.ended_reason,
            total_activities=len(self.activities), outcomes=tuple(self.outcomes),
            inserted_at=self.inserted_at, updated_at=self.updated_at,
        )  # fmt: skip
