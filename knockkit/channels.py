"""Channels: change the status of many of a channel's messages at once.

```python
job = channels.bulk_update_message_status(client, channel_id, "archive", older_than=cutoff)
```
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

from knockkit._client import Client
from knockkit._common import check_choice, check_ids, json_param
from knockkit._endpoint import endpoint
from knockkit._http import request
from knockkit.models import BulkOperation

__all__ = ["ACTIONS", "bulk_update_message_status"]

# The spec's enumerations for this operation.
ACTIONS = (
    "seen", "unseen", "read", "unread", "archived", "unarchived", "interacted", "archive", "unarchive", "delete",
)  # fmt: skip
ARCHIVED = ("exclude", "include", "only")
DELIVERY_STATUSES = ("queued", "sent", "delivered", "delivery_attempted", "undelivered", "not_sent", "bounced")
ENGAGEMENT_STATUSES = ("seen", "unseen", "read", "unread", "archived", "unarchived", "link_clicked", "interacted")


@endpoint
def bulk_update_message_status(
    client: Client,
    channel_id: str,
    action: str,
    *,
    archived: str | None = None,
    delivery_status: str | None = None,
    engagement_status: str | None = None,
    has_tenant: bool | None = None,
    newer_than: _dt.datetime | str | None = None,
    older_than: _dt.datetime | str | None = None,
    recipient_ids: Sequence[str] | None = None,
    tenants: Sequence[str] | None = None,
    trigger_data: Mapping[str, Any] | None = None,
    workflows: Sequence[str] | None = None,
) -> BulkOperation:
    """Apply ``action`` to a channel's messages, all of them or those matching the filters, in
    one asynchronous job.

    Args:
        client: the client to send with.
        channel_id: the channel whose messages to update.
        action: one of ``ACTIONS`` (``"archive"``, ``"read"``, ``"delete"``, ...).
        archived: ``exclude``, ``include`` or ``only`` archived messages.
        delivery_status: messages with this delivery status: ``queued``, ``sent``, ``delivered``,
            ``delivery_attempted``, ``undelivered``, ``not_sent`` or ``bounced``.
        engagement_status: messages with this engagement status: ``seen``, ``unseen``, ``read``,
            ``unread``, ``archived``, ``unarchived``, ``link_clicked`` or ``interacted``.
        has_tenant: messages with a tenant (``True``) or without one (``False``).
        newer_than: messages created after this time (a datetime or ISO 8601 text).
        older_than: messages created before this time.
        recipient_ids: messages to these recipients.
        tenants: messages for these tenants.
        trigger_data: a mapping matched against the data the workflow was triggered with.
        workflows: messages of these workflow keys.

    Returns:
        The bulk operation (``bulk_operations.wait`` follows it to the end).
    """
    check_choice("action", action, ACTIONS)
    for name, value, choices in (
        ("archived", archived, ARCHIVED),
        ("delivery_status", delivery_status, DELIVERY_STATUSES),
        ("engagement_status", engagement_status, ENGAGEMENT_STATUSES),
    ):
        if value is not None:
            check_choice(name, value, choices)
    for name, ids in (("recipient_ids", recipient_ids), ("tenants", tenants), ("workflows", workflows)):
        if ids is not None:
            check_ids(name, ids)
    filters = {
        "archived": archived, "delivery_status": delivery_status, "engagement_status": engagement_status,
        "has_tenant": has_tenant, "newer_than": newer_than, "older_than": older_than,
        "recipient_ids": recipient_ids, "tenants": tenants, "workflows": workflows,
        # Knock reads trigger_data as a JSON-encoded string.
        "trigger_data": json_param("trigger_data", trigger_data),
    }  # fmt: skip
    body = {k: v for k, v in filters.items() if v is not None}
    return request(
        client, "POST", "/v1/channels/{channel_id}/messages/bulk/{action}", channel_id=channel_id, action=action,
        json=body, into=BulkOperation,
    )  # fmt: skip
