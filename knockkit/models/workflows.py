"""Workflow triggers and the runs they start, one per recipient, with their steps' events."""

from __future__ import annotations

from collections.abc import Mapping

from knockkit.models._base import Datetime, Json, Model, model, unknown_keys
from knockkit.models.recipients import RecipientReference

__all__ = ["TriggerResult", "TriggerSource", "WorkflowRecipientRun", "WorkflowRecipientRunEvent"]


@model(kw_only=True)
class TriggerResult(Model):
    workflow_run_id: str
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class TriggerSource(Model):
    """How a run was started: ``type`` is api, audience, schedule, broadcast, workflow_step..."""

    type: str | None = None
    cancellation_key: str | None = None
    audience_key: str | None = None
    schedule_id: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class WorkflowRecipientRunEvent(Model):
    """A step of a recipient's run: ``event`` happened at ``step_ref`` (``status`` ok or error)."""

    id: str
    event: str | None = None
    status: str | None = None
    attempt: int | None = None
    step_ref: str | None = None
    step_type: str | None = None
    data: Mapping[str, Json] | None = None
    inserted_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class WorkflowRecipientRun(Model):
    """One recipient's run of a workflow; ``events`` is filled only when fetched on its own."""

    id: str
    workflow_run_id: str | None = None
    workflow: str | None = None
    status: str | None = None
    recipient: RecipientReference | None = None
    actor: RecipientReference | None = None
    tenant: str | None = None
    error_count: int | None = None
    trigger_source: TriggerSource | None = None
    events: list[WorkflowRecipientRunEvent] | None = None
    inserted_at: Datetime = None
    updated_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()
