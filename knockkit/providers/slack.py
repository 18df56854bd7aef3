"""Slack, through the Slack app connected to a Knock channel.

The Slack access token lives in Knock, on a tenant or another object; name its holder
with ``tenant="acme"`` or ``access_token_object={"object_id": ..., "collection": ...}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from knockkit._client import Client
from knockkit._common import token_holder
from knockkit._endpoint import endpoint
from knockkit._http import request
from knockkit.models import AuthCheck, Page, SlackChannel
from knockkit.params import TokenHolder

__all__ = ["access_token_object", "check_auth", "list_channels", "revoke_access"]


def access_token_object(tenant: str | None, token_object: Mapping[str, Any] | None) -> str:
    """The JSON-encoded ``access_token_object`` query value for a tenant or an explicit object."""
    return token_holder("access_token_object", tenant, token_object)


@endpoint
def check_auth(
    client: Client,
    channel_id: str,
    *,
    tenant: str | None = None,
    access_token_object: TokenHolder | None = None,
) -> AuthCheck:
    """Whether the Slack connection works: ``result.connection.ok`` (and ``.reason`` if not)."""
    query = {"access_token_object": _holder(tenant, access_token_object)}
    return request(
        client, "GET", "/v1/providers/slack/{channel_id}/auth_check", channel_id=channel_id,
        query=query, into=AuthCheck,
    )  # fmt: skip


@endpoint
def list_channels(
    client: Client,
    channel_id: str,
    *,
    tenant: str | None = None,
    access_token_object: TokenHolder | None = None,
    cursor: str | None = None,
    limit: int | None = None,
    exclude_archived: bool | None = None,
    types: str | None = None,
    team_id: str | None = None,
) -> Page[SlackChannel]:
    """One page of the workspace's Slack channels; ``Page.next_params`` carries Slack's cursor,
    so ``knockkit.paginate(slack.list_channels, client, channel_id, tenant=...)`` walks them all.

    Args:
        client: the client to send with.
        channel_id: the Knock chat channel the Slack app is connected to.
        tenant: the tenant that holds the access token (give this or ``access_token_object``).
        access_token_object: the object that holds it: ``{"object_id": ..., "collection": ...}``.
        cursor: Slack's cursor for the next page (a page's ``next_params`` give it).
        limit: channels per page.
        exclude_archived: leave archived channels out.
        types: Slack's comma-separated list of channel types (``"public_channel,private_channel"``).
        team_id: Slack's id of the workspace to list, for an app installed across an organization.

    Returns:
        One page of Slack channels.

    Raises:
        ValueError: neither or both of ``tenant`` and ``access_token_object`` are given.
    """
    options = {
        "cursor": cursor,
        "limit": limit,
        "exclude_archived": exclude_archived,
        "types": types,
        "team_id": team_id,
    }
    query = {"access_token_object": _holder(tenant, access_token_object), "query_options": options}
    return request(
        client, "GET", "/v1/providers/slack/{channel_id}/channels", channel_id=channel_id,
        query=query, into=Page[SlackChannel],
    )  # fmt: skip


@endpoint
def revoke_access(
    client: Client,
    channel_id: str,
    *,
    tenant: str | None = None,
    access_token_object: TokenHolder | None = None,
) -> None:
    """Revoke the Slack access token Knock holds for this tenant or object."""
    query = {"access_token_object": _holder(tenant, access_token_object)}
    return request(client, "PUT", "/v1/providers/slack/{channel_id}/revoke_access", channel_id=channel_id, query=query)


_holder = access_token_object
