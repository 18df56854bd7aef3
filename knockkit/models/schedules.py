"""Schedules: a workflow triggered for a recipient on repeat rules."""

from __future__ import annotations

from collections.abc import Mapping

from knockkit.models._base import Datetime, Json, Model, model, unknown_keys
from knockkit.models.recipients import Recipient

__all__ = ["Schedule", "ScheduleRepeat"]


@model(kw_only=True)
class ScheduleRepeat(Model):
    """A repeat rule: every ``interval`` ``frequency`` (hourly, daily, weekly, monthly), on
    ``days`` (mon..sun) or ``day_of_month``, at ``hours``:``minutes``."""

    frequency: str | None = None
    interval: int | None = None
    days: list[str] | None = None
    day_of_month: int | None = None
    hours: int | None = None
    minutes: int | None = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class Schedule(Model):
    id: str
    workflow: str | None = None
    recipient: Recipient | None = None
    actor: Recipient | None = None
    data: Mapping[str, Json] | None = None
    tenant: str | None = None
    repeats: list[ScheduleRepeat] | None = None
    inserted_at: Datetime = None
    updated_at: Datetime = None
    last_occurrence_at: Datetime = None
    next_occurrence_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()
