"""In-app feeds: a user's feed items on an in-app channel, and the feed's settings.

``list_items`` returns a ``knockkit.Page`` of ``FeedItem``; the feed's
``meta`` (unread and unseen counts) and ``vars`` are in ``page.extra``:

```python
page = feeds.list_items(client, "jhammond", channel_id, status="unread")
page.extra["meta"]["unread_count"]
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from knockkit._client import Client
from knockkit._common import json_param, range_filter
from knockkit._endpoint import endpoint
from knockkit._http import request
from knockkit.models import FeedItem, FeedSettings, Page
from knockkit.params import TimeRange

__all__ = ["get_settings", "list_items"]


@endpoint
def list_items(
    client: Client,
    user_id: str,
    channel_id: str,
    *,
    status: str | None = None,
    archived: str | None = None,
    source: str | None = None,
    tenant: str | None = None,
    has_tenant: bool | None = None,
    workflow_categories: Sequence[str] | None = None,
    trigger_data: Mapping[str, Any] | None = None,
    locale: str | None = None,
    exclude: str | None = None,
    mode: str | None = None,
    inserted_at: TimeRange | None = None,
    after: str | None = None,
    before: str | None = None,
    page_size: int | None = None,
) -> Page[FeedItem]:
    """One page of a user's in-app feed on a channel; every filter given narrows it.

    Args:
        client: the client to send with.
        user_id: the feed's user.
        channel_id: the in-app feed channel.
        status: ``unread``, ``read``, ``unseen``, ``seen`` or ``all``.
        archived: ``exclude``, ``include`` or ``only``.
        source: items of this workflow key.
        tenant: items for this tenant.
        has_tenant: items with a tenant (``True``) or without one (``False``).
        workflow_categories: items of workflows in any of these categories.
        trigger_data: a mapping matched against the data the workflow was triggered with.
        locale: render the items in this locale (``en-US``); Knock's default is the locale
            they were rendered in.
        exclude: comma-separated field paths to leave out of the response
            (``entries.archived_at``).
        mode: ``rich`` (Knock's default) or ``compact`` (no activities, flatter data).
        inserted_at: a range of when the items were created: ``{"gte": datetime(...)}``.
        after: the cursor to read the page after (a page's ``next_params`` give it).
        before: the cursor to read the page before.
        page_size: entries per page (Knock's default is 50).

    Returns:
        One page of feed items; the feed's ``meta`` and ``vars`` are in ``page.extra``.
    """
    query = {
        "status": status,
        "archived": archived,
        "source": source,
        "tenant": tenant,
        "has_tenant": has_tenant,
        "workflow_categories": workflow_categories,
        "trigger_data": json_param("trigger_data", trigger_data),
        "locale": locale,
        "exclude": exclude,
        "mode": mode,
        "inserted_at": range_filter("inserted_at", inserted_at),
        "after": after,
        "before": before,
        "page_size": page_size,
    }
    return request(
        client, "GET", "/v1/users/{user_id}/feeds/{id}", user_id=user_id, id=channel_id, query=query,
        into=Page[FeedItem],
    )  # fmt: skip


@endpoint
def get_settings(client: Client, user_id: str, channel_id: str) -> FeedSettings:
    """The settings of a user's in-app feed on a channel (``features``, e.g. ``branding_required``)."""
    return request(
        client, "GET", "/v1/users/{user_id}/feeds/{id}/settings", user_id=user_id, id=channel_id, into=FeedSettings
    )
