"""Chat providers: whether a connection works, and the Slack and Microsoft Teams channels it reaches."""

from __future__ import annotations

from collections.abc import Mapping

from knockkit.models._base import Json, Model, model, unknown_keys

__all__ = ["AuthCheck", "Connection", "MsTeamsChannel", "MsTeamsTeam", "SlackChannel"]


@model(kw_only=True)
class Connection(Model):
    ok: bool
    reason: str | None = None
    ms_teams_tenant_id: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class AuthCheck(Model):
    """Whether a chat provider connection (Slack, Microsoft Teams) works."""

    connection: Connection
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class SlackChannel(Model):
    id: str
    name: str | None = None
    is_private: bool | None = None
    is_im: bool | None = None
    context_team_id: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


# Microsoft Graph's names are camelCase; the fields keep them so that every key round-trips.
@model(kw_only=True)
class MsTeamsChannel(Model):
    id: str
    displayName: str | None = None
    description: str | None = None
    createdDateTime: str | None = None  # Graph's precision varies; kept as sent
    isArchived: bool | None = None
    membershipType: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class MsTeamsTeam(Model):
    id: str
    displayName: str | None = None
    description: str | None = None
    extra: Mapping[str, Json] = unknown_keys()
