"""Objects: set, read and delete them in collections; their preferences, channel data,
subscriptions, messages and schedules.

Every function takes a ``knockkit.Client`` first, then ids in URL order:

```python
objects.set(client, "projects", "project-1", {"name": "My project", "price": 100})
objects.add_subscriptions(client, "projects", "project-1", ["jhammond", "agrant"])
```
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any, cast

from knockkit._client import Client
from knockkit._common import (
    MAX_BULK_ITEMS,
    check_choice,
    check_count,
    check_entities,
    check_ids,
    check_mapping,
    check_object_refs,
    check_recipients,
    check_setting,
    message_filters,
    preference_body,
)
from knockkit._endpoint import endpoint
from knockkit._http import request
from knockkit.models import (
    BulkOperation,
    ChannelData,
    Message,
    Object,
    Page,
    PreferenceSet,
    Schedule,
    Subscription,
)
from knockkit.params import (
    ChannelDataParams,
    ChannelSetting,
    ChannelTypeName,
    ChannelTypesParams,
    ObjectRef,
    PreferenceSetParams,
    RecipientParam,
    RecipientRef,
    SubscriptionParams,
    SubscriptionRefParams,
    TimeRange,
    WorkflowSetting,
)

__all__ = [
    "MAX_SUBSCRIPTION_RECIPIENTS",
    "add_subscriptions",
    "bulk_add_subscriptions",
    "bulk_delete",
    "bulk_delete_subscriptions",
    "bulk_set",
    "delete",
    "delete_subscriptions",
    "get",
    "get_channel_data",
    "get_preferences",
    "list",
    "list_messages",
    "list_preferences",
    "list_schedules",
    "list_subscriptions",
    "set",
    "set_categories_preferences",
    "set_category_preferences",
    "set_channel_data",
    "set_channel_type_preferences",
    "set_channel_types_preferences",
    "set_preferences",
    "set_workflow_preferences",
    "set_workflows_preferences",
    "unset_channel_data",
    "unset_preferences",
]

#: Knock's limit on recipients subscribed to an object in one request.
MAX_SUBSCRIPTION_RECIPIENTS = 100

SUBSCRIPTION_MODES = ("recipient", "object")

_OBJECT = "/v1/objects/{collection}/{id}"
_PREFERENCE_SET = "/v1/objects/{collection}/{object_id}/preferences/{id}"
_CHANNEL_DATA = "/v1/objects/{collection}/{object_id}/channel_data/{channel_id}"
_SUBSCRIPTIONS = "/v1/objects/{collection}/{object_id}/subscriptions"


@endpoint
def list(
    client: Client,
    collection: str,
    *,
    include: Sequence[str] | None = None,
    after: str | None = None,
    before: str | None = None,
    page_size: int | None = None,
) -> Page[Object]:
    """One page of the objects in a collection (``include=["preferences"]`` to embed them)."""
    query = {"include": include, "after": after, "before": before, "page_size": page_size}
    return request(client, "GET", "/v1/objects/{collection}", collection=collection, query=query, into=Page[Object])


@endpoint
def get(client: Client, collection: str, id: str) -> Object:
    return request(client, "GET", _OBJECT, collection=collection, id=id, into=Object)


@endpoint
def set(client: Client, collection: str, id: str, properties: Mapping[str, Any] | None = None) -> Object:
    """Create or update an object. ``properties`` may hold ``name``, ``locale``, ``timezone``,
    ``channel_data``, ``preferences`` and any custom keys (returned under ``.properties``)."""
    body = check_mapping("properties", properties) if properties is not None else {}
    return request(client, "PUT", _OBJECT, collection=collection, id=id, json=body, into=Object)


@endpoint
def delete(client: Client, collection: str, id: str) -> None:
    return request(client, "DELETE", _OBJECT, collection=collection, id=id)


@endpoint
def bulk_set(client: Client, collection: str, objects: Sequence[Mapping[str, Any]]) -> BulkOperation:
    """Set up to 1,000 objects (each a mapping with an ``id``) in one asynchronous job."""
    return request(
        client, "POST", "/v1/objects/{collection}/bulk/set", collection=collection,
        json={"objects": check_entities("objects", objects)}, into=BulkOperation,
    )  # fmt: skip


@endpoint
def bulk_delete(client: Client, collection: str, object_ids: Sequence[str]) -> BulkOperation:
    """Delete up to 1,000 objects of a collection in one asynchronous job."""
    check_ids("object_ids", object_ids, MAX_BULK_ITEMS)
    return request(
        client, "POST", "/v1/objects/{collection}/bulk/delete", collection=collection,
        json={"object_ids": object_ids}, into=BulkOperation,
    )  # fmt: skip


def _check_subscription_groups(
    subscriptions: object, *, reference: bool, recipient_limit: int | None
) -> Sequence[Mapping[str, Any]]:
    """``[{"id": object_id, "recipients": [...]}, ...]``, as the bulk subscription jobs take them."""
    groups = check_count("subscriptions", subscriptions, MAX_BULK_ITEMS, minimum=1)
    for index, group in enumerate(groups):
        name = f"subscriptions[{index}]"
        if not isinstance(group, Mapping) or not isinstance(group.get("id"), str) or not group["id"]:
            raise ValueError(f"{name} must be a mapping with a non-empty string 'id' (the object's id)")
        check_recipients(f"{name}['recipients']", group.get("recipients"), recipient_limit, reference=reference)
        if group.get("properties") is not None:
            check_mapping(f"{name}['properties']", group["properties"])
    return groups


@endpoint
def bulk_add_subscriptions(
    client: Client, collection: str, subscriptions: Sequence[SubscriptionParams]
) -> BulkOperation:
    """Subscribe recipients to up to 1,000 objects of a collection in one asynchronous job.

    Each item is ``{"id": object_id, "recipients": [...], "properties": {...}}`` with at
    most 100 recipients (user ids, inline users or inline objects).
    """
    groups = _check_subscription_groups(subscriptions, reference=False, recipient_limit=MAX_SUBSCRIPTION_RECIPIENTS)
    return request(
        client, "POST", "/v1/objects/{collection}/bulk/subscriptions/add", collection=collection,
        json={"subscriptions": groups}, into=BulkOperation,
    )  # fmt: skip


@endpoint
def bulk_delete_subscriptions(
    client: Client, collection: str, subscriptions: Sequence[SubscriptionRefParams]
) -> BulkOperation:
    """Unsubscribe recipients from up to 1,000 objects of a collection in one asynchronous job.

    Each item is ``{"id": object_id, "recipients": [user_id or {"id", "collection"}, ...]}``.
    """
    groups = _check_subscription_groups(subscriptions, reference=True, recipient_limit=None)
    return request(
        client, "POST", "/v1/objects/{collection}/bulk/subscriptions/delete", collection=collection,
        json={"subscriptions": groups}, into=BulkOperation,
    )  # fmt: skip


# --- preferences -------------------------------------------------------------------


@endpoint
def list_preferences(client: Client, collection: str, object_id: str) -> builtins.list[PreferenceSet]:
    """Every preference set of an object (not paginated)."""
    return request(
        client, "GET", "/v1/objects/{collection}/{object_id}/preferences", collection=collection,
        object_id=object_id, into=builtins.list[PreferenceSet],
    )  # fmt: skip


@endpoint
def get_preferences(
    client: Client, collection: str, object_id: str, *, preference_set: str = "default"
) -> PreferenceSet:
    return request(
        client, "GET", _PREFERENCE_SET, collection=collection, object_id=object_id, id=preference_set,
        into=PreferenceSet,
    )  # fmt: skip


@endpoint
def set_preferences(
    client: Client,
    collection: str,
    object_id: str,
    preferences: PreferenceSetParams,
    *,
    preference_set: str = "default",
    merge: bool = False,
) -> PreferenceSet:
    """Replace an object's preference set, or with ``merge=True`` change only the keys given.

    ``preferences`` may hold ``channel_types``, ``workflows``, ``categories``, ``channels``
    and ``commercial_subscribed``.
    """
    body = preference_body(preferences, merge=merge)
    return request(
        client, "PUT", _PREFERENCE_SET, collection=collection, object_id=object_id, id=preference_set,
        json=body, into=PreferenceSet,
    )  # fmt: skip


@endpoint
def unset_preferences(client: Client, collection: str, object_id: str, *, preference_set: str = "default") -> None:
    return request(client, "DELETE", _PREFERENCE_SET, collection=collection, object_id=object_id, id=preference_set)


@endpoint
def set_channel_types_preferences(
    client: Client, collection: str, object_id: str, channel_types: ChannelTypesParams, *,
    preference_set: str = "default",
) -> PreferenceSet:  # fmt: skip
    """Merge channel-type settings: ``{"email": True, "sms": False}``."""
    check_mapping("channel_types", channel_types)
    prefs: PreferenceSetParams = {"channel_types": channel_types}
    return set_preferences(client, collection, object_id, prefs, preference_set=preference_set, merge=True)


@endpoint
def set_channel_type_preferences(
    client: Client, collection: str, object_id: str, channel_type: ChannelTypeName, setting: ChannelSetting, *,
    preference_set: str = "default",
) -> PreferenceSet:  # fmt: skip
    """Set one channel type: ``True``/``False`` or ``{"conditions": [...]}``."""
    prefs = cast(PreferenceSetParams, {"channel_types": {channel_type: check_setting("setting", setting)}})
    return set_preferences(client, collection, object_id, prefs, preference_set=preference_set, merge=True)


@endpoint
def set_workflows_preferences(
    client: Client, collection: str, object_id: str, workflows: Mapping[str, WorkflowSetting], *,
    preference_set: str = "default",
) -> PreferenceSet:  # fmt: skip
    """Merge per-workflow settings: ``{"dinosaurs-loose": {"channel_types": {"email": True}}}``."""
    check_mapping("workflows", workflows)
    prefs: PreferenceSetParams = {"workflows": workflows}
    return set_preferences(client, collection, object_id, prefs, preference_set=preference_set, merge=True)


@endpoint
def set_workflow_preferences(
    client: Client, collection: str, object_id: str, workflow: str, setting: WorkflowSetting, *,
    preference_set: str = "default",
) -> PreferenceSet:  # fmt: skip
    """Set one workflow: ``True``/``False`` or ``{"channel_types": {...}}``."""
    prefs = cast(PreferenceSetParams, {"workflows": {workflow: check_setting("setting", setting)}})
    return set_preferences(client, collection, object_id, prefs, preference_set=preference_set, merge=True)


@endpoint
def set_categories_preferences(
    client: Client, collection: str, object_id: str, categories: Mapping[str, WorkflowSetting], *,
    preference_set: str = "default",
) -> PreferenceSet:  # fmt: skip
    """Merge per-category settings: ``{"marketing": False}``."""
    check_mapping("categories", categories)
    prefs: PreferenceSetParams = {"categories": categories}
    return set_preferences(client, collection, object_id, prefs, preference_set=preference_set, merge=True)


@endpoint
def set_category_preferences(
    client: Client, collection: str, object_id: str, category: str, setting: WorkflowSetting, *,
    preference_set: str = "default",
) -> PreferenceSet:  # fmt: skip
    """Set one category: ``True``/``False`` or ``{"channel_types": {...}}``."""
    prefs = cast(PreferenceSetParams, {"categories": {category: check_setting("setting", setting)}})
    return set_preferences(client, collection, object_id, prefs, preference_set=preference_set, merge=True)


# --- channel data ------------------------------------------------------------------


@endpoint
def get_channel_data(client: Client, collection: str, object_id: str, channel_id: str) -> ChannelData:
    return request(
        client, "GET", _CHANNEL_DATA, collection=collection, object_id=object_id, channel_id=channel_id,
        into=ChannelData,
    )  # fmt: skip


@endpoint
def set_channel_data(
    client: Client, collection: str, object_id: str, channel_id: str, data: ChannelDataParams
) -> ChannelData:
    """Set an object's data for a channel, e.g. ``{"connections": [...]}`` for Slack."""
    body = {"data": check_mapping("data", data)}
    return request(
        client, "PUT", _CHANNEL_DATA, collection=collection, object_id=object_id, channel_id=channel_id,
        json=body, into=ChannelData,
    )  # fmt: skip


@endpoint
def unset_channel_data(client: Client, collection: str, object_id: str, channel_id: str) -> None:
    return request(client, "DELETE", _CHANNEL_DATA, collection=collection, object_id=object_id, channel_id=channel_id)


# --- subscriptions -----------------------------------------------------------------


@endpoint
def list_subscriptions(
    client: Client,
    collection: str,
    object_id: str,
    *,
    mode: str | None = None,
    include: Sequence[str] | None = None,
    recipients: Sequence[RecipientRef] | None = None,
    objects: Sequence[ObjectRef] | None = None,
    after: str | None = None,
    before: str | None = None,
    page_size: int | None = None,
) -> Page[Subscription]:
    """One page of an object's subscribers (``mode="object"``, Knock's default), or of the
    objects it subscribes to (``mode="recipient"``).

    Args:
        client: the client to send with.
        collection: the object's collection.
        object_id: the object's id.
        mode: ``"object"`` (its subscribers) or ``"recipient"`` (what it subscribes to).
        include: extra fields to embed in each subscription.
        recipients: with ``mode="object"``, only these subscribers (user ids or
            ``{"id", "collection"}``).
        objects: with ``mode="recipient"``, only these subscribed-to objects
            (``{"id", "collection"}``).
        after: the cursor to read the page after (a page's ``next_params`` give it).
        before: the cursor to read the page before.
        page_size: entries per page (Knock's default is 50).

    Returns:
        One page of subscriptions.
    """
    if mode is not None:
        check_choice("mode", mode, SUBSCRIPTION_MODES)
    if recipients is not None:
        check_recipients("recipients", recipients, reference=True)
    if objects is not None:
        check_object_refs("objects", objects)
    query = {
        "mode": mode, "include": include, "recipients": recipients, "objects": objects,
        "after": after, "before": before, "page_size": page_size,
    }  # fmt: skip
    return request(
        client, "GET", _SUBSCRIPTIONS, collection=collection, object_id=object_id, query=query,
        into=Page[Subscription],
    )  # fmt: skip


@endpoint
def add_subscriptions(
    client: Client,
    collection: str,
    object_id: str,
    recipients: Sequence[RecipientParam],
    *,
    properties: Mapping[str, Any] | None = None,
) -> builtins.list[Subscription]:
    """Subscribe up to 100 recipients (user ids, inline users or inline objects) to an object;
    existing subscriptions are updated with ``properties``."""
    body: dict[str, Any] = {"recipients": check_recipients("recipients", recipients, MAX_SUBSCRIPTION_RECIPIENTS)}
    if properties is not None:
        body["properties"] = check_mapping("properties", properties)
    # An upsert: sending it twice leaves the same subscriptions, so a retry is harmless.
    return request(
        client, "POST", _SUBSCRIPTIONS, collection=collection, object_id=object_id, json=body,
        into=builtins.list[Subscription], retry_safe=True,
    )  # fmt: skip


@endpoint
def delete_subscriptions(
    client: Client, collection: str, object_id: str, recipients: Sequence[RecipientRef]
) -> builtins.list[Subscription]:
    """Unsubscribe recipients (user ids or ``{"id", "collection"}``) from an object; returns
    the deleted subscriptions."""
    body = {"recipients": check_recipients("recipients", recipients, reference=True)}
    return request(
        client, "DELETE", _SUBSCRIPTIONS, collection=collection, object_id=object_id, json=body,
        into=builtins.list[Subscription],
    )  # fmt: skip


# --- lists of things about an object -------------------------------------------------


@endpoint
def list_messages(
    client: Client,
    collection: str,
    id: str,
    *,
    after: str | None = None,
    before: str | None = None,
    page_size: int | None = None,
    tenant: str | None = None,
    channel_id: str | None = None,
    status: Sequence[str] | None = None,
    engagement_status: Sequence[str] | None = None,
    message_ids: Sequence[str] | None = None,
    workflow_categories: Sequence[str] | None = None,
    source: str | None = None,
    workflow_run_id: str | None = None,
    workflow_recipient_run_id: str | None = None,
    trigger_data: Mapping[str, Any] | None = None,
    inserted_at: TimeRange | None = None,
) -> Page[Message]:
    """One page of the messages sent to an object; the filters are ``messages.list``'s.

    ``inserted_at`` is a range: ``{"gte": datetime(...), "lt": ...}``; ``trigger_data`` a
    mapping matched against the data the workflow was triggered with.
    """
    query = message_filters(
        after=after, before=before, page_size=page_size, tenant=tenant, channel_id=channel_id,
        status=status, engagement_status=engagement_status, message_ids=message_ids,
        workflow_categories=workflow_categories, source=source, workflow_run_id=workflow_run_id,
        workflow_recipient_run_id=workflow_recipient_run_id, trigger_data=trigger_data,
        inserted_at=inserted_at,
    )  # fmt: skip
    return request(
        client, "GET", "/v1/objects/{collection}/{id}/messages", collection=collection, id=id, query=query,
        into=Page[Message],
    )  # fmt: skip


@endpoint
def list_schedules(
    client: Client,
    collection: str,
    id: str,
    *,
    workflow: str | None = None,
    tenant: str | None = None,
    after: str | None = None,
    before: str | None = None,
    page_size: int | None = None,
) -> Page[Schedule]:
    """One page of the schedules that have this object as recipient."""
    query = {"workflow": workflow, "tenant": tenant, "after": after, "before": before, "page_size": page_size}
    return request(
        client, "GET", "/v1/objects/{collection}/{id}/schedules", collection=collection, id=id, query=query,
        into=Page[Schedule],
    )  # fmt: skip
