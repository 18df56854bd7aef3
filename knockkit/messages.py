"""Messages: list and read them, their contents, events, activities and delivery logs,
and mark their engagement status (seen, read, interacted, archived), one at a time or
up to 50 at once.

```python
messages.mark_as_read(client, "1jNaXzB2RZX3LY8wVQnfCKyPnv7")
messages.batch_archive(client, ["2w3YUpTTOxuDvZFji8OMsKrG176", "2w3YVRbPXMIh8Zq6oBFcVDA5xes"])
```
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

from knockkit._client import Client
from knockkit._common import MAX_BATCH_MESSAGES, check_ids, check_mapping, json_param, message_filters
from knockkit._endpoint import endpoint
from knockkit._http import request
from knockkit.models import Activity, DeliveryLog, Message, MessageContent, MessageEvent, Page
from knockkit.params import TimeRange

__all__ = [
    "MAX_BATCH_MESSAGES",
    "MAX_INTERACTED_METADATA_KEYS",
    "archive",
    "batch_archive",
    "batch_get_content",
    "batch_mark_as_interacted",
    "batch_mark_as_read",
    "batch_mark_as_seen",
    "batch_mark_as_unread",
    "batch_mark_as_unseen",
    "batch_unarchive",
    "get",
    "get_content",
    "list",
    "list_activities",
    "list_delivery_logs",
    "list_events",
    "mark_as_interacted",
    "mark_as_read",
    "mark_as_seen",
    "mark_as_unread",
    "mark_as_unseen",
    "unarchive",
]

MAX_INTERACTED_METADATA_KEYS = 5
"""Knock's limit on keys in an interaction's metadata, which must also be flat."""

_MESSAGE = "/v1/messages/{message_id}"


def _check_metadata(metadata: object) -> Mapping[str, Any]:
    """Interaction metadata: at most 5 keys, each holding a scalar."""
    checked = check_mapping("metadata", metadata)
    if len(checked) > MAX_INTERACTED_METADATA_KEYS:
        raise ValueError(
            f"metadata has {len(checked)} keys; Knock accepts at most {MAX_INTERACTED_METADATA_KEYS} per interaction"
        )
    for key, value in checked.items():
        if isinstance(value, (Mapping, builtins.list, tuple, set, frozenset)):
            raise ValueError(
                f"metadata[{key!r}] is a {type(value).__name__}; interaction metadata must be flat (scalar values only)"
            )
    return checked


@endpoint
def list(
    client: Client,
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
    """One page of the environment's messages; every filter given narrows it.

    Args:
        client: the client to send with.
        after: the cursor to read the page after (a page's ``next_params`` give it).
        before: the cursor to read the page before.
        page_size: entries per page (Knock's default is 50).
        tenant: messages sent for this tenant.
        channel_id: messages sent on this channel.
        status: messages with one of these delivery statuses (``sent``, ``delivered``, ...).
        engagement_status: messages with one of these engagement statuses (``seen``,
            ``read``, ``archived``, ...).
        message_ids: at most 50 message ids (the other filters still apply).
        workflow_categories: messages of workflows in any of these categories.
        source: messages triggered by this workflow key.
        workflow_run_id: messages of this workflow run (as a trigger returned it).
        workflow_recipient_run_id: messages of this recipient's run of a workflow.
        trigger_data: a mapping matched against the data the workflow was triggered with.
        inserted_at: a range of when the messages were created:
            ``{"gte": datetime(...), "lt": ...}``.

    Returns:
        One page of messages.
    """
    query = message_filters(
        after=after, before=before, page_size=page_size, tenant=tenant, channel_id=channel_id,
        status=status, engagement_status=engagement_status, message_ids=message_ids,
        workflow_categories=workflow_categories, source=source, workflow_run_id=workflow_run_id,
        workflow_recipient_run_id=workflow_recipient_run_id, trigger_data=trigger_data,
        inserted_at=inserted_at,
    )  # fmt: skip
    return request(client, "GET", "/v1/messages", query=query, into=Page[Message])


@endpoint
def get(client: Client, message_id: str) -> Message:
    return request(client, "GET", _MESSAGE, message_id=message_id, into=Message)


@endpoint
def get_content(client: Client, message_id: str) -> MessageContent:
    """The rendered contents of a message (email, SMS, push, chat or in-app, per its channel)."""
    return request(client, "GET", "/v1/messages/{message_id}/content", message_id=message_id, into=MessageContent)


@endpoint
def batch_get_content(client: Client, message_ids: Sequence[str]) -> builtins.list[MessageContent]:
    """The rendered contents of up to 50 messages in one request."""
    query = {"message_ids": check_ids("message_ids", message_ids, MAX_BATCH_MESSAGES)}
    return request(client, "GET", "/v1/messages/batch/content", query=query, into=builtins.list[MessageContent])


@endpoint
def list_events(
    client: Client, message_id: str, *, after: str | None = None, before: str | None = None,
    page_size: int | None = None,
) -> Page[MessageEvent]:  # fmt: skip
    """One page of a message's events (``message.sent``, ``message.read``, ...)."""
    query = {"after": after, "before": before, "page_size": page_size}
    return request(
        client, "GET", "/v1/messages/{message_id}/events", message_id=message_id, query=query,
        into=Page[MessageEvent],
    )  # fmt: skip


@endpoint
def list_activities(
    client: Client,
    message_id: str,
    *,
    trigger_data: Mapping[str, Any] | None = None,
    after: str | None = None,
    before: str | None = None,
    page_size: int | None = None,
) -> Page[Activity]:
    """One page of the activities (triggers) batched into a message."""
    query = {
        "trigger_data": json_param("trigger_data", trigger_data),
        "after": after,
        "before": before,
        "page_size": page_size,
    }
    return request(
        client, "GET", "/v1/messages/{message_id}/activities", message_id=message_id, query=query,
        into=Page[Activity],
    )  # fmt: skip


@endpoint
def list_delivery_logs(
    client: Client, message_id: str, *, after: str | None = None, before: str | None = None,
    page_size: int | None = None,
) -> Page[DeliveryLog]:  # fmt: skip
    """One page of the provider requests and responses Knock logged for a message."""
    query = {"after": after, "before": before, "page_size": page_size}
    return request(
        client, "GET", "/v1/messages/{message_id}/delivery_logs", message_id=message_id, query=query,
        into=Page[DeliveryLog],
    )  # fmt: skip


# --- engagement, one message ----------------------------------------------------------


@endpoint
def mark_as_seen(client: Client, message_id: str) -> Message:
    return request(client, "PUT", "/v1/messages/{message_id}/seen", message_id=message_id, into=Message)


@endpoint
def mark_as_unseen(client: Client, message_id: str) -> Message:
    return request(client, "DELETE", "/v1/messages/{message_id}/seen", message_id=message_id, into=Message)


@endpoint
def mark_as_read(client: Client, message_id: str) -> Message:
    return request(client, "PUT", "/v1/messages/{message_id}/read", message_id=message_id, into=Message)


@endpoint
def mark_as_unread(client: Client, message_id: str) -> Message:
    return request(client, "DELETE", "/v1/messages/{message_id}/read", message_id=message_id, into=Message)


@endpoint
def mark_as_interacted(client: Client, message_id: str, *, metadata: Mapping[str, Any] | None = None) -> Message:
    """Mark a message as interacted with, optionally saying how (at most 5 flat keys)."""
    body = None if metadata is None else {"metadata": _check_metadata(metadata)}
    return request(
        client, "PUT", "/v1/messages/{message_id}/interacted", message_id=message_id, json=body, into=Message
    )


@endpoint
def archive(client: Client, message_id: str) -> Message:
    """Archive a message, hiding it from the default feed."""
    return request(client, "PUT", "/v1/messages/{message_id}/archived", message_id=message_id, into=Message)


@endpoint
def unarchive(client: Client, message_id: str) -> Message:
    return request(client, "DELETE", "/v1/messages/{message_id}/archived", message_id=message_id, into=Message)


# --- engagement, in batches -----------------------------------------------------------


def _batch(
    client: Client, path: str, message_ids: Sequence[str], *, retry_safe: bool = True, **fields: Any
) -> builtins.list[Message]:
    body = {"message_ids": check_ids("message_ids", message_ids, MAX_BATCH_MESSAGES), **fields}
    # Setting seen/read/archived leaves the same state when repeated, so a retry is harmless.
    return request(client, "POST", path, json=body, into=builtins.list[Message], retry_safe=retry_safe)


@endpoint
def batch_mark_as_seen(client: Client, message_ids: Sequence[str]) -> builtins.list[Message]:
    """Mark up to 50 messages as seen; returns the updated messages."""
    return _batch(client, "/v1/messages/batch/seen", message_ids)


@endpoint
def batch_mark_as_unseen(client: Client, message_ids: Sequence[str]) -> builtins.list[Message]:
    return _batch(client, "/v1/messages/batch/unseen", message_ids)


@endpoint
def batch_mark_as_read(client: Client, message_ids: Sequence[str]) -> builtins.list[Message]:
    return _batch(client, "/v1/messages/batch/read", message_ids)


@endpoint
def batch_mark_as_unread(client: Client, message_ids: Sequence[str]) -> builtins.list[Message]:
    return _batch(client, "/v1/messages/batch/unread", message_ids)


@endpoint
def batch_mark_as_interacted(
    client: Client, message_ids: Sequence[str], *, metadata: Mapping[str, Any] | None = None
) -> builtins.list[Message]:
    """Mark up to 50 messages as interacted with, optionally with metadata (at most 5 flat keys)."""
    fields = {} if metadata is None else {"metadata": _check_metadata(metadata)}
    # Not retried once it reached Knock: a repeat would record a second interaction.
    return _batch(client, "/v1/messages/batch/interacted", message_ids, retry_safe=False, **fields)


@endpoint
def batch_archive(client: Client, message_ids: Sequence[str]) -> builtins.list[Message]:
    return _batch(client, "/v1/messages/batch/archived", message_ids)


@endpoint
def batch_unarchive(client: Client, message_ids: Sequence[str]) -> builtins.list[Message]:
    return _batch(client, "/v1/messages/batch/unarchived", message_ids)
