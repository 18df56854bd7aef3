"""Schedules: run a workflow for recipients at a time, or on repeat rules.

```python
schedules.create(client, "daily-digest", recipients=["jhammond"],
                 repeats=[{"frequency": "daily", "hours": 9, "minutes": 0}])
```

Repeat rules are mappings checked against the spec's ScheduleRepeatRule before sending.
"""

from __future__ import annotations

import builtins
import datetime as _dt
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from knockkit._client import Client
from knockkit._common import (
    MAX_BULK_ITEMS,
    check_choice,
    check_count,
    check_ids,
    check_mapping,
    check_recipient,
    check_recipients,
)
from knockkit._endpoint import endpoint
from knockkit._http import request
from knockkit.models import BulkOperation, Page, Schedule
from knockkit.params import RecipientParam, RecipientRef, ScheduleParams, ScheduleRepeatParams, TenantParam

__all__ = ["MAX_RECIPIENTS", "REPEAT_FREQUENCIES", "WEEKDAYS", "bulk_create", "create", "delete", "list", "update"]

#: Knock's limit on recipients per schedule create.
MAX_RECIPIENTS = 100

# The spec's ScheduleRepeatRule: its enumerations and its keys.
REPEAT_FREQUENCIES = ("daily", "weekly", "monthly", "hourly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_REPEAT_INTS = ("interval", "day_of_month", "hours", "minutes")
_REPEAT_KEYS = frozenset({"__typename", "frequency", "days", *_REPEAT_INTS})

Recipient = RecipientParam  # a user id, an inline user, or an object (inline or by reference)
When = _dt.datetime | str


def _check_repeat(name: str, rule: object) -> Mapping[str, Any]:
    if not isinstance(rule, Mapping):
        raise TypeError(f"{name} must be a mapping such as {{'frequency': 'daily'}}, not {type(rule).__name__}")
    unknown = sorted(set(rule) - _REPEAT_KEYS)
    if unknown:
        raise ValueError(f"{name} has unknown key(s) {unknown}; allowed: {', '.join(sorted(_REPEAT_KEYS))}")
    if "frequency" not in rule:
        raise ValueError(f"{name} needs a 'frequency' ({', '.join(REPEAT_FREQUENCIES)})")
    check_choice(f"{name}['frequency']", rule["frequency"], REPEAT_FREQUENCIES)
    for key in _REPEAT_INTS:
        value = rule.get(key)
        # The spec lets these be null, except interval.
        if key not in rule or (value is None and key != "interval"):
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name}['{key}'] must be a whole number, not {type(value).__name__}")
    if rule.get("days") is not None:
        for index, day in enumerate(check_count(f"{name}['days']", rule["days"], sys.maxsize)):
            check_choice(f"{name}['days'][{index}]", day, WEEKDAYS)
    return rule


def _check_repeats(name: str, repeats: object) -> Sequence[Mapping[str, Any]]:
    checked = check_count(name, repeats, sys.maxsize)
    for index, rule in enumerate(checked):
        _check_repeat(f"{name}[{index}]", rule)
    return checked


def _options(
    *,
    repeats: Sequence[ScheduleRepeatParams] | None,
    scheduled_at: When | None,
    ending_at: When | None,
    actor: RecipientParam | None,
    data: Mapping[str, Any] | None,
    tenant: TenantParam | None,
    where: str = "",
) -> dict[str, Any]:
    """The body keys schedules share (create, update and each bulk item); ``None`` is not sent.
    ``where`` names the bulk item in error messages."""

    def name(key: str) -> str:
        return f"{where}[{key!r}]" if where else key

    body: dict[str, Any] = {}
    if repeats is not None:
        body["repeats"] = _check_repeats(name("repeats"), repeats)
    for key, when in (("scheduled_at", scheduled_at), ("ending_at", ending_at)):
        if when is not None:
            if not isinstance(when, (_dt.datetime, str)):
                raise TypeError(f"{name(key)} must be a timezone-aware datetime or an ISO 8601 string")
            if isinstance(when, _dt.datetime) and when.tzinfo is None:
                raise ValueError(f"{name(key)} must be timezone-aware (for example tzinfo=datetime.timezone.utc)")
            body[key] = when
    if actor is not None:
        check_recipient(name("actor"), actor)
        body["actor"] = actor
    if data is not None:
        body["data"] = check_mapping(name("data"), data)
    if tenant is not None:
        check_recipient(name("tenant"), tenant)
        body["tenant"] = tenant
    return body


@endpoint
def create(
    client: Client,
    workflow: str,
    *,
    recipients: Sequence[RecipientParam],
    repeats: Sequence[ScheduleRepeatParams] | None = None,
    scheduled_at: When | None = None,
    ending_at: When | None = None,
    actor: RecipientParam | None = None,
    data: Mapping[str, Any] | None = None,
    tenant: TenantParam | None = None,
) -> builtins.list[Schedule]:
    """Schedule ``workflow`` for up to 100 recipients (one schedule each).

    Args:
        client: the client to send with.
        workflow: the key of the workflow to run.
        recipients: up to 100 user ids, inline users or objects.
        repeats: makes it recurring: ``[{"frequency": "weekly", "days": ["mon"], "hours": 9}]``.
        scheduled_at: when the schedule starts (a timezone-aware datetime or ISO 8601 text).
        ending_at: when it ends (the same forms).
        actor: who or what the runs are on behalf of (an id, or inline).
        data: the data each run is triggered with.
        tenant: the tenant to run for (an id, or inline).

    Returns:
        The schedules created, one per recipient.
    """
    body: dict[str, Any] = {
        "workflow": _check_workflow(workflow),
        "recipients": check_recipients("recipients", recipients, MAX_RECIPIENTS),
    }
    body |= _options(
        repeats=repeats, scheduled_at=scheduled_at, ending_at=ending_at, actor=actor, data=data, tenant=tenant
    )
    return request(client, "POST", "/v1/schedules", json=body, into=builtins.list[Schedule])


@endpoint
def update(
    client: Client,
    schedule_ids: Sequence[str],
    *,
    repeats: Sequence[ScheduleRepeatParams] | None = None,
    scheduled_at: When | None = None,
    ending_at: When | None = None,
    actor: RecipientParam | None = None,
    data: Mapping[str, Any] | None = None,
    tenant: TenantParam | None = None,
) -> builtins.list[Schedule]:
    """Give every schedule in ``schedule_ids`` the same new values; arguments left ``None``
    are not sent."""
    body: dict[str, Any] = {"schedule_ids": check_ids("schedule_ids", schedule_ids)}
    body |= _options(
        repeats=repeats, scheduled_at=scheduled_at, ending_at=ending_at, actor=actor, data=data, tenant=tenant
    )
    return request(client, "PUT", "/v1/schedules", json=body, into=builtins.list[Schedule])


@endpoint
def list(
    client: Client,
    workflow: str,
    *,
    recipients: Sequence[RecipientRef] | None = None,
    tenant: str | None = None,
    after: str | None = None,
    before: str | None = None,
    page_size: int | None = None,
) -> Page[Schedule]:
    """One page of a workflow's schedules, optionally only those of some recipients
    (user ids or ``{"id", "collection"}``) or of a tenant."""
    if recipients is not None:
        check_recipients("recipients", recipients, reference=True)
    query = {
        "workflow": _check_workflow(workflow), "recipients": recipients, "tenant": tenant,
        "after": after, "before": before, "page_size": page_size,
    }  # fmt: skip
    return request(client, "GET", "/v1/schedules", query=query, into=Page[Schedule])


@endpoint
def delete(client: Client, schedule_ids: Sequence[str]) -> builtins.list[Schedule]:
    """Delete schedules; returns the deleted schedules."""
    body = {"schedule_ids": check_ids("schedule_ids", schedule_ids)}
    return request(client, "DELETE", "/v1/schedules", json=body, into=builtins.list[Schedule])


@endpoint
def bulk_create(client: Client, schedules: Sequence[ScheduleParams]) -> BulkOperation:
    """Create up to 1,000 schedules in one asynchronous job.

    Each item is a mapping with ``workflow``, one ``recipient`` and optionally ``repeats``,
    ``scheduled_at``, ``ending_at``, ``actor``, ``data`` and ``tenant``.
    """
    check_count("schedules", schedules, MAX_BULK_ITEMS, minimum=1)
    for index, item in enumerate(schedules):
        name = f"schedules[{index}]"
        check_mapping(name, item)
        _check_workflow(item.get("workflow"), f"{name}['workflow']")
        if "recipient" not in item:
            raise ValueError(f"{name} needs one 'recipient' (bulk schedules have a single recipient each)")
        check_recipient(f"{name}['recipient']", item["recipient"])
        _options(
            repeats=item.get("repeats"), scheduled_at=item.get("scheduled_at"), ending_at=item.get("ending_at"),
            actor=item.get("actor"), data=item.get("data"), tenant=item.get("tenant"), where=name,
        )  # fmt: skip
    return request(client, "POST", "/v1/schedules/bulk/create", json={"schedules": schedules}, into=BulkOperation)


def _check_workflow(workflow: object, name: str = "workflow") -> str:
    if not isinstance(workflow, str) or not workflow:
        raise ValueError(f"{name} must be a non-empty workflow key")
    return workflow
