"""Request-building pieces shared by several resource modules (users, objects, messages)."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

from knockkit._checks import check_id
from knockkit._http import encode_json

__all__ = [
    "MAX_BATCH_MESSAGES",
    "MAX_BULK_ITEMS",
    "check_choice",
    "check_count",
    "check_entities",
    "check_ids",
    "check_mapping",
    "check_object_refs",
    "check_recipient",
    "check_recipients",
    "check_setting",
    "json_param",
    "message_filters",
    "preference_body",
    "range_filter",
    "token_holder",
]

#: Knock's limit on items in one bulk request.
MAX_BULK_ITEMS = 1000
#: Knock's limit on message ids in one batch request, and in the ``message_ids`` filter.
MAX_BATCH_MESSAGES = 50

PREFERENCE_KEYS = frozenset({"channel_types", "channels", "workflows", "categories", "commercial_subscribed"})
_RANGE_KEYS = frozenset({"gt", "gte", "lt", "lte"})


def check_count(name: str, items: object, limit: int, *, minimum: int = 0) -> Sequence[Any]:
    """A list argument, checked against Knock's size limit before anything is sent."""
    if items.__class__ is not list and (isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence)):
        raise TypeError(f"{name} must be a list, not {type(items).__name__}")
    if not minimum <= len(items) <= limit:
        if len(items) > limit:
            raise ValueError(f"{name} has {len(items)} items; Knock accepts at most {limit} per request")
        raise ValueError(f"{name} needs at least {minimum} item(s)")
    return items


def check_entities(name: str, items: object) -> Sequence[Mapping[str, Any]]:
    """1 to 1,000 mappings, each with a non-empty string ``id`` (users or objects to set in bulk)."""
    checked = check_count(name, items, MAX_BULK_ITEMS, minimum=1)
    for index, item in enumerate(checked):
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str) or not item["id"]:
            raise ValueError(f"{name}[{index}] must be a mapping with a non-empty string 'id'")
    return checked


def check_mapping(name: str, value: object) -> Mapping[str, Any]:
    if value.__class__ is not dict and not isinstance(value, Mapping):  # a dict skips the ABC's check
        raise TypeError(f"{name} must be a mapping (dict), not {type(value).__name__}")
    return value


def check_setting(name: str, value: object) -> bool | Mapping[str, Any]:
    """A preference setting: ``True``/``False``, or a mapping such as ``{"channel_types": ...}``."""
    if not isinstance(value, (bool, Mapping)):
        raise TypeError(f"{name} must be True, False or a mapping, not {type(value).__name__}")
    return value


def preference_body(preferences: Mapping[str, Any], *, merge: bool, with_id: bool = False) -> dict[str, Any]:
    """The body of a preference-set PUT; ``merge=True`` changes only the keys given.

    ``with_id`` admits the set's ``id`` ("default" or a tenant id), which bulk requests carry
    in the body because they have no path to name the set in.
    """
    check_mapping("preferences", preferences)
    allowed = PREFERENCE_KEYS | {"id"} if with_id else PREFERENCE_KEYS
    unknown = sorted(set(preferences) - allowed - {"__persistence_strategy__"})
    if unknown:
        raise ValueError(f"preferences has unknown key(s) {unknown}; allowed: {', '.join(sorted(allowed))}")
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


def token_holder(param: str, tenant: str | None, holder: Mapping[str, Any] | None) -> str:
    """The JSON-encoded object that holds a chat provider's token (Slack's ``access_token_object``,
    Teams' ``ms_teams_tenant_object``): a tenant by id, or an explicit ``{"object_id", "collection"}``."""
    if (tenant is None) == (holder is None):
        raise ValueError(f"name the token holder with exactly one of tenant= or {param}=")
    if tenant is not None:
        if not isinstance(tenant, str) or not tenant:
            raise ValueError("tenant must be a non-empty string")
        holder = {"object_id": tenant, "collection": "$tenants"}
    return encode_json(check_mapping(param, holder), param)


def check_object_refs(name: str, refs: object) -> Sequence[Mapping[str, Any]]:
    """A non-empty list of object references ``{"id": ..., "collection": ...}``."""
    checked = check_count(name, refs, sys.maxsize, minimum=1)
    for index, ref in enumerate(checked):
        if not isinstance(ref, Mapping):
            raise TypeError(f"{name}[{index}] must be a mapping with 'id' and 'collection'")
        check_recipient(name, ref, reference=True, index=index)
    return checked


def json_param(name: str, value: Mapping[str, Any] | None) -> str | None:
    """A query parameter Knock reads as a JSON-encoded string."""
    if value is None:
        return None
    return encode_json(check_mapping(name, value), name)


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
    if message_ids is not None:
        check_ids("message_ids", message_ids, MAX_BATCH_MESSAGES)
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


# --- ids, recipients and enumerations (objects, tenants, schedules, channels) -------------


def check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    """A value of one of the spec's enumerations."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def check_ids(name: str, ids: object, limit: int | None = None, *, user: bool = False) -> Sequence[str]:
    """A non-empty list of ids, at most ``limit`` of them, each valid as a path id
    (``knockkit._checks.check_id``): bulk jobs name resources Knock addresses by path."""
    checked = check_count(name, ids, sys.maxsize if limit is None else limit, minimum=1)
    for index, value in enumerate(checked):
        check_id(f"{name}[{index}]", value, user=user)
    return checked


def check_recipient(name: str, value: object, *, reference: bool = False, index: int | None = None) -> None:
    """A user id, or a mapping with a non-empty ``id`` (an inline user, or an object with
    ``collection``). ``reference=True`` (the spec's RecipientReference) allows only an id
    or an object reference ``{"id": ..., "collection": ...}``. ``index``: its place in a list
    named ``name`` (the message says ``name[index]``)."""
    if value.__class__ is str and value:  # the usual case, first and without building a name
        return
    where = name if index is None else f"{name}[{index}]"
    if isinstance(value, str):
        if not value:
            raise ValueError(f"{where} must not be an empty id")
        return
    if value.__class__ is not dict and not isinstance(value, Mapping):
        raise TypeError(f"{where} must be an id string or a mapping with an 'id', not {type(value).__name__}")
    assert isinstance(value, Mapping)
    if not isinstance(value.get("id"), str) or not value["id"]:
        raise ValueError(f"{where} must have a non-empty string 'id'")
    if reference and (not isinstance(value.get("collection"), str) or not value["collection"]):
        raise ValueError(f"{where} must be a user id or an object reference with 'id' and 'collection'")


def check_recipients(
    name: str, recipients: object, limit: int | None = None, *, reference: bool = False
) -> Sequence[Any]:
    """One to ``limit`` recipients, each checked by ``check_recipient``."""
    checked = check_count(name, recipients, sys.maxsize if limit is None else limit, minimum=1)
    for index, recipient in enumerate(checked):
        check_recipient(name, recipient, reference=reference, index=index)
    return checked
