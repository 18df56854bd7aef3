"""Users: identify, read, delete and merge them; their preferences, channel data,
messages, schedules and subscriptions.

Every function takes a ``knockkit.Client`` first, then ids in URL order:

```python
users.identify(client, "jhammond", {"name": "John Hammond", "email": "jhammond@ingen.net"})
```
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

from knockkit._client import Client
from knockkit._common import (
    MAX_BULK_ITEMS,
    check_choice,
    check_entities,
    check_ids,
    check_mapping,
    check_object_refs,
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
    Page,
    PreferenceCenterUrl,
    PreferenceSet,
    Schedule,
    Subscription,
    User,
)
from knockkit.params import (
    BulkPreferenceSetParams,
    ChannelDataParams,
    ChannelSetting,
    ChannelTypeName,
    ChannelTypesParams,
    ObjectRef,
    PreferenceSetParams,
    TimeRange,
    WorkflowSetting,
)

__all__ = [
    "bulk_delete",
    "bulk_identify",
    "bulk_set_preferences",
    "create_preference_center_url",
    "delete",
    "get",
    "get_channel_data",
    "get_preference_center_config",
    "get_preferences",
    "identify",
    "list",
    "list_messages",
    "list_preferences",
    "list_schedules",
    "list_subscriptions",
    "merge",
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

_USER = "/v1/users/{user_id}"
_PREFERENCE_SET = "/v1/users/{user_id}/preferences/{id}"
_CHANNEL_DATA = "/v1/users/{user_id}/channel_data/{channel_id}"


@endpoint
def list(
    client: Client,
    *,
    include: Sequence[str] | None = None,
    after: str | None = None,
    before: str | None = None,
    page_size: int | None = None,
    order: Literal["asc", "desc"] | None = None,
) -> Page[User]:
    """One page of the environment's users (``include=["preferences"]`` to embed them;
    ``order="asc"`` or ``"desc"`` for the sort order, Knock's own when not given)."""
    if order is not None:
        check_choice("order", order, ("asc", "desc"))
    query = {"include": include, "after": after, "before": before, "page_size": page_size, "order": order}
    return request(client, "GET", "/v1/users", query=query, into=Page[User])


@endpoint
def get(client: Client, user_id: str) -> User:
    return request(client, "GET", _USER, user_id=user_id, into=User)


@endpoint
def identify(client: Client, user_id: str, properties: Mapping[str, Any] | None = None) -> User:
    """Create or update a user. Keys Knock does not define are stored as custom properties."""
    body = check_mapping("properties", properties) if properties is not None else {}
    return request(client, "PUT", _USER, user_id=user_id, json=body, into=User)


@endpoint
def delete(client: Client, user_id: str) -> None:
    return request(client, "DELETE", _USER, user_id=user_id)


@endpoint
def merge(client: Client, user_id: str, from_user_id: str) -> User:
    """Merge ``from_user_id`` into ``user_id``; the merged-from user is deleted."""
    if not isinstance(from_user_id, str):
        raise TypeError(f"from_user_id must be a string, not {type(from_user_id).__name__}")
    if not from_user_id:
        raise ValueError("from_user_id must not be empty")
    body = {"from_user_id": from_user_id}
    return request(client, "POST", "/v1/users/{user_id}/merge", user_id=user_id, json=body, into=User)


@endpoint
def bulk_identify(client: Client, users: Sequence[Mapping[str, Any]]) -> BulkOperation:
    """Identify up to 1,000 users (each a mapping with an ``id``) in one asynchronous job."""
    body = {"users": check_entities("users", users)}
    return request(client, "POST", "/v1/users/bulk/identify", json=body, into=BulkOperation)


@endpoint
def bulk_delete(client: Client, user_ids: Sequence[str]) -> BulkOperation:
    """Delete up to 1,000 users in one asynchronous job."""
    check_ids("user_ids", user_ids, MAX_BULK_ITEMS, user=True)
    return request(client, "POST", "/v1/users/bulk/delete", json={"user_ids": user_ids}, into=BulkOperation)


@endpoint
def bulk_set_preferences(
    client: Client, user_ids: Sequence[str], preferences: BulkPreferenceSetParams
) -> BulkOperation:
    """Set one preference set on up to 1,000 users in one asynchronous job.

    ``preferences`` may name the set with ``"id"`` ("default" unless given, or a tenant id).
    """
    check_ids("user_ids", user_ids, MAX_BULK_ITEMS, user=True)
    body = {"user_ids": user_ids, "preferences": preference_body(preferences, merge=False, with_id=True)}
    return request(client, "POST", "/v1/users/bulk/preferences", json=body, into=BulkOperation)


# --- preferences -------------------------------------------------------------------


@endpoint
def list_preferences(client: Client, user_id: str) -> builtins.list[PreferenceSet]:
    """Every preference set of a user (not paginated)."""
    return request(
        client, "GET", "/v1/users/{user_id}/preferences", user_id=user_id, into=builtins.list[PreferenceSet]
    )


@endpoint
def get_preferences(
    client: Client, user_id: str, *, preference_set: str = "default", tenant: str | None = None
) -> PreferenceSet:
    """A user's preference set (``tenant=`` resolves it for that tenant)."""
    return request(
        client, "GET", _PREFERENCE_SET, user_id=user_id, id=preference_set,
        query={"tenant": tenant}, into=PreferenceSet,
    )  # fmt: skip


@endpoint
def set_preferences(
    client: Client,
    user_id: str,
    preferences: PreferenceSetParams,
    *,
    preference_set: str = "default",
    merge: bool = False,
) -> PreferenceSet:
    """Replace a preference set, or with ``merge=True`` change only the keys given.

    ``preferences`` may hold ``channel_types``, ``workflows``, ``categories``, ``channels``
    and ``commercial_subscribed``.
    """
    body = preference_body(preferences, merge=merge)
    return request(client, "PUT", _PREFERENCE_SET, user_id=user_id, id=preference_set, json=body, into=PreferenceSet)


@endpoint
def unset_preferences(client: Client, user_id: str, *, preference_set: str = "default") -> None:
    return request(client, "DELETE", _PREFERENCE_SET, user_id=user_id, id=preference_set)


@endpoint
def set_channel_types_preferences(
    client: Client, user_id: str, channel_types: ChannelTypesParams, *, preference_set: str = "default"
) -> PreferenceSet:
    """Merge channel-type settings: ``{"email": True, "sms": False}``."""
    check_mapping("channel_types", channel_types)
    prefs: PreferenceSetParams = {"channel_types": channel_types}
    return set_preferences(client, user_id, prefs, preference_set=preference_set, merge=True)


@endpoint
def set_channel_type_preferences(
    client: Client, user_id: str, channel_type: ChannelTypeName, setting: ChannelSetting, *,
    preference_set: str = "default",
) -> PreferenceSet:  # fmt: skip
    """Set one channel type: ``set_channel_type_preferences(client, "jhammond", "email", True)``."""
    prefs = cast(PreferenceSetParams, {"channel_types": {channel_type: check_setting("setting", setting)}})
    return set_preferences(client, user_id, prefs, preference_set=preference_set, merge=True)


@endpoint
def set_workflows_preferences(
    client: Client, user_id: str, workflows: Mapping[str, WorkflowSetting], *, preference_set: str = "default"
) -> PreferenceSet:
    """Merge per-workflow settings: ``{"dinosaurs-loose": {"channel_types": {"email": True}}}``."""
    check_mapping("workflows", workflows)
    prefs: PreferenceSetParams = {"workflows": workflows}
    return set_preferences(client, user_id, prefs, preference_set=preference_set, merge=True)


@endpoint
def set_workflow_preferences(
    client: Client, user_id: str, workflow: str, setting: WorkflowSetting, *,
    preference_set: str = "default",
) -> PreferenceSet:  # fmt: skip
    """Set one workflow: ``True``/``False`` or ``{"channel_types": {...}}``."""
    prefs = cast(PreferenceSetParams, {"workflows": {workflow: check_setting("setting", setting)}})
    return set_preferences(client, user_id, prefs, preference_set=preference_set, merge=True)


@endpoint
def set_categories_preferences(
    client: Client, user_id: str, categories: Mapping[str, WorkflowSetting], *, preference_set: str = "default"
) -> PreferenceSet:
    """Merge per-category settings: ``{"marketing": False}``."""
    check_mapping("categories", categories)
    prefs: PreferenceSetParams = {"categories": categories}
    return set_preferences(client, user_id, prefs, preference_set=preference_set, merge=True)


@endpoint
def set_category_preferences(
    client: Client, user_id: str, category: str, setting: WorkflowSetting, *,
    preference_set: str = "default",
) -> PreferenceSet:  # fmt: skip
    """Set one category: ``True``/``False`` or ``{"channel_types": {...}}``."""
    prefs = cast(PreferenceSetParams, {"categories": {category: check_setting("setting", setting)}})
    return set_preferences(client, user_id, prefs, preference_set=preference_set, merge=True)


@endpoint
def get_preference_center_config(client: Client, user_id: str) -> dict[str, Any]:
    """The hosted preference center's configuration for a user, as Knock returns it."""
    return request(client, "GET", "/v1/users/{user_id}/preference_center/config", user_id=user_id, into=dict)


@endpoint
def create_preference_center_url(client: Client, user_id: str) -> PreferenceCenterUrl:
    """A signed URL to the hosted preference center for this user."""
    return request(
        client, "POST", "/v1/users/{user_id}/preference_center/signed_url", user_id=user_id,
        into=PreferenceCenterUrl, retry_safe=True,
    )  # fmt: skip


# --- channel data ------------------------------------------------------------------


@endpoint
def get_channel_data(client: Client, user_id: str, channel_id: str) -> ChannelData:
    return request(client, "GET", _CHANNEL_DATA, user_id=user_id, channel_id=channel_id, into=ChannelData)


@endpoint
def set_channel_data(client: Client, user_id: str, channel_id: str, data: ChannelDataParams) -> ChannelData:
    """Set a user's data for a channel, e.g. ``{"tokens": [apns_token]}`` for push."""
    body = {"data": check_mapping("data", data)}
    return request(
        client, "PUT", _CHANNEL_DATA, user_id=user_id, channel_id=channel_id, json=body, into=ChannelData
    )


@endpoint
def unset_channel_data(client: Client, user_id: str, channel_id: str) -> None:
    return request(client, "DELETE", _CHANNEL_DATA, user_id=user_id, channel_id=channel_id)


# --- lists of things about a user --------------------------------------------------


@endpoint
def list_messages(
    client: Client,
    user_id: str,
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
    """One page of the messages sent to a user; the filters are ``messages.list``'s.

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
    return request(client, "GET", "/v1/users/{user_id}/messages", user_id=user_id, query=query, into=Page[Message])


@endpoint
def list_schedules(
    client: Client,
    user_id: str,
    *,
    workflow: str | None = None,
    tenant: str | None = None,
    after: str | None = None,
    before: str | None = None,
    page_size: int | None = None,
) -> Page[Schedule]:
    """One page of the schedules that have this user as recipient."""
    query = {"workflow": workflow, "tenant": tenant, "after": after, "before": before, "page_size": page_size}
    return request(
        client, "GET", "/v1/users/{user_id}/schedules", user_id=user_id, query=query, into=Page[Schedule]
    )


@endpoint
def list_subscriptions(
    client: Client,
    user_id: str,
    *,
    include: Sequence[str] | None = None,
    objects: Sequence[ObjectRef] | None = None,
    after: str | None = None,
    before: str | None = None,
    page_size: int | None = None,
) -> Page[Subscription]:
    """One page of the objects this user is subscribed to.

    ``objects`` narrows the list to some objects: ``[{"collection": "projects", "id": "p1"}]``.
    """
    if objects is not None:
        check_object_refs("objects", objects)
    query = {"include": include, "objects": objects, "after": after, "before": before, "page_size": page_size}
    return request(
        client, "GET", "/v1/users/{user_id}/subscriptions", user_id=user_id, query=query, into=Page[Subscription]
    )
