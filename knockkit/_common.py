"""Request-building pieces shared by several resource modules (users, objects, messages)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "MAX_BULK_ITEMS",
    "check_count",
    "check_mapping",
    "check_setting",
    "json_param",
    "message_filters",
    "preference_body",
    "range_filter",
]

#: Knock's limit on items in one bulk request.
MAX_BULK_ITEMS = 1000

PREFERENCE_KEYS = frozenset({"channel_types", "channels", "workflows", "categories", "commercial_subscribed"})
_RANGE_KEYS = frozenset({"gt", "gte", "lt", "lte"})


def check_count(name: str, items: object, limit: int, *, minimum: int = 0) -> Sequence[Any]:
    """A list argument, checked against Knock's size limit before anything is sent."""
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence):
        raise TypeError(f"{name} must be a list, not {type(items).__name__}")
    if not minimum <= len(items) <= limit:
        if len(items) > limit:
            raise ValueError(f"{name} has {len(items)} items; Knock accepts at most {limit} per request")
        raise ValueError(f"{name} needs at least {minimum} item(s)")
    return items


def check_mapping(name: str, value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping (dict), not {type(value).__name__}")
    return value


def check_setting(name: str, value: object) -> bool | Mapping[str, Any]:
    """A preference setting: ``True``/``False``, or a mapping such as ``{"channel_types": ...}``."""
    if not isinstance(value, (bool, Mapping)):
        raise TypeError(f"{name} must be True, False or a mapping, not {type(value).__name__}")
    return value


def preference_body(preferences: Mapping[str, Any], *, merge: bool) -> dict[str, Any]:
    """The body of a preference-set PUT; ``merge=True`` changes only the keys given."""
    check_mapping("preferences", preferences)
    unknown = sorted(set(preferences) - PREFERENCE_KEYS - {"__persistence_strategy__"})
    if unknown:
        raise ValueError(f"preferences has unknown key(s) {unknown}; allowed: {', '.join(sorted(PREFERENCE_KEYS))}")
    body = dict(preferences)
    if merge:
        body["__persistence_strategy__"] = "merge"
    return body


def range_filter(name: str, value: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """A timestamp range such as ``{"gte": datetime(...), "lt": ...}``, sent as ``name[gte]=...``."""
    if value is None:
        return None
    check_mapping(name, value)
    unknown = sorted(set(value) - _RANGE_KEYS)
    if unknown:
        raise ValueError(f"{name} takes the keys gt, gte, lt, lte; got {unknown}")
    return value


def json_param(name: str, value: Mapping[str, Any] | None) -> str | None:
    """A query parameter Knock reads as a JSON-encoded string."""
    if value is None:
        return None
    check_mapping(name, value)
    return json.dumps(value, separators=(",", ":"))


def message_filters(
    *,
    after: str | None,
    before: str | None,
    page_size: int | None,
    tenant: str | None,
    channel_id: str | None,
    status: Sequence[str] | None,
    engagement_status: Sequence[str] | None,
    message_ids: Sequence[str] | None,
    workflow_categories: Sequence[str] | None,
    source: str | None,
    workflow_run_id: str | None,
    workflow_recipient_run_id: str | None,
    trigger_data: Mapping[str, Any] | None,
    inserted_at: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The query of the message lists (of the environment, of a user, of an object)."""
    return {
        "after": after,
        "before": before,
        "page_size": page_size,
        "tenant": tenant,
        "channel_id": channel_id,
        "status": status,
        "engagement_status": engagement_status,
        "message_ids": message_ids,
        "workflow_categories": workflow_categories,
        "source": source,
        "workflow_run_id": workflow_run_id,
        "workflow_recipient_run_id": workflow_recipient_run_id,
        "trigger_data": json_param("trigger_data", trigger_data),
        "inserted_at": range_filter("inserted_at", inserted_at),
    }
