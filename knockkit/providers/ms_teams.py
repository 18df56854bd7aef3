"""Microsoft Teams, through the Teams app connected to a Knock channel.

Knock keeps the Microsoft Entra tenant id on a tenant or another object; name that
holder with ``tenant="acme"`` or ``ms_teams_tenant_object={"object_id": ..., "collection": ...}``.
Lists take Microsoft Graph's OData options (``filter``, ``select``, ``top``) without the ``$``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from knockkit._client import Client
from knockkit._common import token_holder
from knockkit._endpoint import endpoint
from knockkit._http import request
from knockkit.models import AuthCheck, MsTeamsChannel, MsTeamsTeam, Page
from knockkit.params import TokenHolder

__all__ = ["check_auth", "list_channels", "list_teams", "ms_teams_tenant_object", "revoke_access"]


def ms_teams_tenant_object(tenant: str | None, tenant_object: Mapping[str, Any] | None) -> str:
    """The JSON-encoded ``ms_teams_tenant_object`` query value for a tenant or an explicit object."""
    return token_holder("ms_teams_tenant_object", tenant, tenant_object)


_holder = ms_teams_tenant_object


@endpoint
def check_auth(
    client: Client,
    channel_id: str,
    *,
    tenant: str | None = None,
    ms_teams_tenant_object: TokenHolder | None = None,
) -> AuthCheck:
    """Whether the Teams connection works: ``result.connection.ok`` (and ``.reason`` if not)."""
    query = {"ms_teams_tenant_object": _holder(tenant, ms_teams_tenant_object)}
    return request(
        client, "GET", "/v1/providers/ms-teams/{channel_id}/auth_check", channel_id=channel_id,
        query=query, into=AuthCheck,
    )  # fmt: skip


@endpoint
def list_channels(
    client: Client,
    channel_id: str,
    *,
    team_id: str,
    tenant: str | None = None,
    ms_teams_tenant_object: TokenHolder | None = None,
    filter: str | None = None,
    select: str | None = None,
) -> Page[MsTeamsChannel]:
    """The channels of one Microsoft Teams team (archived and private ones are left out by default).

    Args:
        client: the client to send with.
        channel_id: the Knock chat channel for Microsoft Teams.
        team_id: the team whose channels to list.
        tenant: the tenant that holds the Microsoft Entra tenant id (give this or
            ``ms_teams_tenant_object``).
        ms_teams_tenant_object: the object that holds it: ``{"object_id": ..., "collection": ...}``.
        filter: Graph's ``$filter`` (``"displayName eq 'General'"``).
        select: Graph's ``$select`` (the properties to return).

    Returns:
        The team's channels.

    Raises:
        ValueError: ``team_id`` is empty, or neither or both of ``tenant`` and
            ``ms_teams_tenant_object`` are given.
    """
    if not isinstance(team_id, str) or not team_id:
        raise ValueError("team_id must be a non-empty string")
    query = {
        "ms_teams_tenant_object": _holder(tenant, ms_teams_tenant_object),
        "team_id": team_id,
        "query_options": {"$filter": filter, "$select": select},
    }
    return request(
        client, "GET", "/v1/providers/ms-teams/{channel_id}/channels", channel_id=channel_id,
        query=query, into=Page[MsTeamsChannel],
    )  # fmt: skip


@endpoint
def list_teams(
    client: Client,
    channel_id: str,
    *,
    tenant: str | None = None,
    ms_teams_tenant_object: TokenHolder | None = None,
    filter: str | None = None,
    select: str | None = None,
    top: int | None = None,
    skip_token: str | None = None,
) -> Page[MsTeamsTeam]:
    """One page of the Microsoft Teams teams in the tenant; ``Page.next_params`` carries Graph's
    skip token, so ``knockkit.paginate(ms_teams.list_teams, client, channel_id, tenant=...)`` walks them all.

    Args:
        client: the client to send with.
        channel_id: the Knock chat channel for Microsoft Teams.
        tenant: the tenant that holds the Microsoft Entra tenant id (give this or
            ``ms_teams_tenant_object``).
        ms_teams_tenant_object: the object that holds it: ``{"object_id": ..., "collection": ...}``.
        filter: Graph's ``$filter``.
        select: Graph's ``$select`` (the properties to return).
        top: Graph's ``$top``: teams per page.
        skip_token: Graph's ``$skiptoken`` for the next page (a page's ``next_params`` give it).

    Returns:
        One page of teams.

    Raises:
        ValueError: neither or both of ``tenant`` and ``ms_teams_tenant_object`` are given.
    """
    options = {"$filter": filter, "$select": select, "$top": top, "$skiptoken": skip_token}
    query = {"ms_teams_tenant_object": _holder(tenant, ms_teams_tenant_object), "query_options": options}
    return request(
        client, "GET", "/v1/providers/ms-teams/{channel_id}/teams", channel_id=channel_id,
        query=query, into=Page[MsTeamsTeam],
    )  # fmt: skip


@endpoint
def revoke_access(
    client: Client,
    channel_id: str,
    *,
    tenant: str | None = None,
    ms_teams_tenant_object: TokenHolder | None = None,
) -> None:
    """Remove the Microsoft Entra tenant id Knock holds for this tenant or object."""
    query = {"ms_teams_tenant_object": _holder(tenant, ms_teams_tenant_object)}
    path = "/v1/providers/ms-teams/{channel_id}/revoke_access"
    return request(client, "PUT", path, channel_id=channel_id, query=query)
