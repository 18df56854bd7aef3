"""In-app guides: the guides a user is eligible for on a channel, and the user's
engagement with a guide step (seen, interacted, archived).

```python
page = guides.list(client, "jhammond", channel_id, tenant="ingen_isla_nublar")
guides.mark_seen(client, "jhammond", channel_id=channel_id, guide_id=page[0].id,
                 guide_key=page[0].key, guide_step_ref="step_1", content={"title": "..."})
```
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from knockkit._client import Client
from knockkit._common import check_mapping, json_param
from knockkit._endpoint import endpoint
from knockkit._http import request
from knockkit.models import Guide, Page

__all__ = ["list", "mark_archived", "mark_interacted", "mark_seen", "mark_unarchived", "reset_engagement"]


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    return value


def _step(channel_id: str, guide_id: str, guide_key: str, guide_step_ref: str, tenant: str | None) -> dict[str, Any]:
    """The fields that name a guide step, common to the seen, interacted and archived marks."""
    body = {
        "channel_id": _text("channel_id", channel_id),
        "guide_id": _text("guide_id", guide_id),
        "guide_key": _text("guide_key", guide_key),
        "guide_step_ref": _text("guide_step_ref", guide_step_ref),
    }
    if tenant is not None:
        body["tenant"] = _text("tenant", tenant)
    return body


def _by_key(guide_key: str, tenant: str | None) -> dict[str, Any]:
    body = {"guide_key": _text("guide_key", guide_key)}
    if tenant is not None:
        body["tenant"] = _text("tenant", tenant)
    return body


@endpoint
def list(
    client: Client,
    user_id: str,
    channel_id: str,
    *,
    tenant: str | None = None,
    data: Mapping[str, Any] | None = None,
    type: str | None = None,
) -> Page[Guide]:
    """The guides a user is eligible for on an in-app channel.

    Args:
        client: the client to send with.
        user_id: the user.
        channel_id: the in-app channel.
        tenant: the tenant to target and render the guides for.
        data: data to target and render the guides with.
        type: only guides of this type.

    Returns:
        The guides, as one page: the response is not paginated; its ``guide_groups``,
        ``guide_group_display_logs`` and ``ineligible_guides`` are in ``page.extra``.
    """
    query = {"tenant": tenant, "data": json_param("data", data), "type": type}
    return request(
        client, "GET", "/v1/users/{user_id}/guides/{channel_id}", user_id=user_id, channel_id=channel_id,
        query=query, into=Page[Guide],
    )  # fmt: skip


@endpoint
def mark_seen(
    client: Client,
    user_id: str,
    *,
    channel_id: str,
    guide_id: str,
    guide_key: str,
    guide_step_ref: str,
    content: Mapping[str, Any],
    data: Mapping[str, Any] | None = None,
    tenant: str | None = None,
) -> None:
    """Record that a user has seen a guide step.

    Args:
        client: the client to send with.
        user_id: the user.
        channel_id: the in-app channel the guide is shown on.
        guide_id: the guide's id (``Guide.id``).
        guide_key: the guide's key.
        guide_step_ref: the step's ref.
        content: the content the user was shown.
        data: the data the guide was rendered with.
        tenant: the tenant the guide was shown for.
    """
    body = _step(channel_id, guide_id, guide_key, guide_step_ref, tenant)
    body["content"] = check_mapping("content", content)
    if data is not None:
        body["data"] = check_mapping("data", data)
    return request(client, "PUT", "/v1/users/{user_id}/guides/messages/seen", user_id=user_id, json=body)


@endpoint
def mark_interacted(
    client: Client,
    user_id: str,
    *,
    channel_id: str,
    guide_id: str,
    guide_key: str,
    guide_step_ref: str,
    metadata: Mapping[str, Any] | None = None,
    tenant: str | None = None,
) -> None:
    """Record that a user has interacted with a guide step.

    Args:
        client: the client to send with.
        user_id: the user.
        channel_id: the in-app channel the guide is shown on.
        guide_id: the guide's id (``Guide.id``).
        guide_key: the guide's key.
        guide_step_ref: the step's ref.
        metadata: how the user interacted (the button pressed, say).
        tenant: the tenant the guide was shown for.
    """
    body = _step(channel_id, guide_id, guide_key, guide_step_ref, tenant)
    if metadata is not None:
        body["metadata"] = check_mapping("metadata", metadata)
    return request(client, "PUT", "/v1/users/{user_id}/guides/messages/interacted", user_id=user_id, json=body)


@endpoint
def mark_archived(
    client: Client,
    user_id: str,
    *,
    channel_id: str,
    guide_id: str,
    guide_key: str,
    guide_step_ref: str,
    is_final: bool | None = None,
    unthrottled: bool | None = None,
    tenant: str | None = None,
) -> None:
    """Record that a user has archived (dismissed) a guide step.

    Args:
        client: the client to send with.
        user_id: the user.
        channel_id: the in-app channel the guide is shown on.
        guide_id: the guide's id (``Guide.id``).
        guide_key: the guide's key.
        guide_step_ref: the step's ref.
        is_final: Knock's ``is_final``: whether the guide is final.
        unthrottled: the guide bypasses its group's throttle: archiving it opens no new
            throttle window.
        tenant: the tenant the guide was shown for.
    """
    body = _step(channel_id, guide_id, guide_key, guide_step_ref, tenant)
    if is_final is not None:
        body["is_final"] = is_final
    if unthrottled is not None:
        body["unthrottled"] = unthrottled
    return request(client, "PUT", "/v1/users/{user_id}/guides/messages/archived", user_id=user_id, json=body)


@endpoint
def mark_unarchived(client: Client, user_id: str, *, guide_key: str, tenant: str | None = None) -> None:
    """Record that a user's guide is no longer archived."""
    body = _by_key(guide_key, tenant)
    return request(client, "DELETE", "/v1/users/{user_id}/guides/messages/archived", user_id=user_id, json=body)


@endpoint
def reset_engagement(client: Client, user_id: str, *, guide_key: str, tenant: str | None = None) -> None:
    """Forget a user's engagement with a guide, so that it is shown as new again."""
    body = _by_key(guide_key, tenant)
    return request(client, "PUT", "/v1/users/{user_id}/guides/engagements/reset", user_id=user_id, json=body)
