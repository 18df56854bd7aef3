"""Slack and Microsoft Teams, as Knock proxies them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from knockkit.testing.routes.table import Call, Reply, make_cursor, ok, query_bool, read_cursor, route
from knockkit.testing.stores import JsonDict, KnockFault, RKey, State, invalid

# --- chat providers: Slack and Microsoft Teams -------------------------------------------------
#
# The token holder is an object named in the query (JSON); it is connected when its channel
# data for the Knock channel holds a Slack token or a Teams tenant id. What Slack and Graph
# would list comes from the test (FakeKnock.add_slack_channels and friends).

#: Knock's answer (and the fake's auth-check reason) when the holder has no token.
NOT_CONNECTED = "Access token not set."


def _holder(call: Call, name: str) -> RKey:
    """The object a JSON-encoded ``{"object_id", "collection"}`` query parameter names."""
    raw = call.query.get(name)
    if not isinstance(raw, str) or not raw:
        raise invalid(f"{name} is required")
    try:
        ref = json.loads(raw)
    except ValueError:
        ref = None
    names = ("object_id", "collection")
    if not isinstance(ref, Mapping) or not all(isinstance(ref.get(k), str) and ref[k] for k in names):
        raise invalid(f'{name} must be a JSON-encoded {{"object_id": ..., "collection": ...}}')
    return ("object", ref["collection"], ref["object_id"])


def _connected(token: str | None) -> None:
    """Knock's 403 for a list or a revoke when the holder has no token."""
    if token is None:
        raise KnockFault(403, "authorization", NOT_CONNECTED, "authentication_error")


def _provider_page(items: list[JsonDict], options: Mapping[str, Any], cursor: str, size: str,
                   default: int, maximum: int) -> tuple[list[JsonDict], str | None]:  # fmt: skip
    """A provider's page: ``options[size]`` items from the offset ``options[cursor]`` encodes,
    and the cursor of the next page (None on the last)."""
    raw_size = options.get(size, default)
    try:
        limit = int(raw_size)
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= maximum:
        raise invalid(f"query_options[{size}] must be from 1 to {maximum}")
    start = 0
    if options.get(cursor):
        start = read_cursor(f"query_options[{cursor}]", options[cursor])
    following = start + limit
    return items[start:following], (make_cursor(following) if following < len(items) else None)


def _options(call: Call) -> Mapping[str, Any]:
    options = call.query.get("query_options")
    return options if isinstance(options, Mapping) else {}


def _slack_type(channel: Mapping[str, Any]) -> str:
    if channel.get("is_im"):
        return "im"
    if channel.get("is_mpim"):
        return "mpim"
    return "private_channel" if channel.get("is_private") else "public_channel"


@route("GET", "/v1/providers/slack/{channel_id}/auth_check")
def slack_auth_check(state: State, call: Call) -> Reply:
    if state.slack_token(_holder(call, "access_token_object"), call.params["channel_id"]):
        return ok({"connection": {"ok": True}})
    return ok({"connection": {"ok": False, "reason": NOT_CONNECTED}})


@route("GET", "/v1/providers/slack/{channel_id}/channels")
def list_slack_channels(state: State, call: Call) -> Reply:
    channel_id = call.params["channel_id"]
    _connected(state.slack_token(_holder(call, "access_token_object"), channel_id))
    options = _options(call)
    types = set(str(options.get("types") or "public_channel,private_channel").split(","))
    exclude_archived = query_bool(options, "exclude_archived") is not False  # Knock's default: true
    team_id = options.get("team_id")
    kept = [
        c for c in state.slack_channels.get(channel_id, [])
        if _slack_type(c) in types and not (exclude_archived and c.get("is_archived"))
        and team_id in (None, c.get("context_team_id"))
    ]  # fmt: skip
    chosen, next_cursor = _provider_page(kept, options, "cursor", "limit", 200, 1000)
    return ok({"slack_channels": chosen, "next_cursor": next_cursor})


@route("PUT", "/v1/providers/slack/{channel_id}/revoke_access")
def revoke_slack_access(state: State, call: Call) -> Reply:
    holder, channel_id = _holder(call, "access_token_object"), call.params["channel_id"]
    _connected(state.slack_token(holder, channel_id))
    state.revoke_chat_access(holder, channel_id, "token")
    return ok({"ok": "ok"})


@route("GET", "/v1/providers/ms-teams/{channel_id}/auth_check")
def ms_teams_auth_check(state: State, call: Call) -> Reply:
    tenant_id = state.ms_teams_tenant_id(_holder(call, "ms_teams_tenant_object"), call.params["channel_id"])
    if tenant_id:
        return ok({"connection": {"ok": True, "ms_teams_tenant_id": tenant_id}})
    return ok({"connection": {"ok": False, "reason": NOT_CONNECTED, "ms_teams_tenant_id": None}})


@route("GET", "/v1/providers/ms-teams/{channel_id}/teams")
def list_ms_teams_teams(state: State, call: Call) -> Reply:
    channel_id = call.params["channel_id"]
    _connected(state.ms_teams_tenant_id(_holder(call, "ms_teams_tenant_object"), channel_id))
    # $filter and $select are Graph's OData: recorded, not evaluated.
    teams = state.ms_teams_teams.get(channel_id, [])
    chosen, skip_token = _provider_page(teams, _options(call), "$skiptoken", "$top", 100, 999)
    return ok({"ms_teams_teams": chosen, "skip_token": skip_token})


@route("GET", "/v1/providers/ms-teams/{channel_id}/channels")
def list_ms_teams_channels(state: State, call: Call) -> Reply:
    channel_id = call.params["channel_id"]
    _connected(state.ms_teams_tenant_id(_holder(call, "ms_teams_tenant_object"), channel_id))
    team_id = call.query.get("team_id")
    if not isinstance(team_id, str) or not team_id:
        raise invalid("team_id is required")
    channels = [  # archived and private channels are left out, as Knock does by default
        c for c in state.ms_teams_channels.get((channel_id, team_id), [])
        if not c.get("isArchived") and c.get("membershipType") != "private"
    ]  # fmt: skip
    return ok({"ms_teams_channels": channels})


@route("PUT", "/v1/providers/ms-teams/{channel_id}/revoke_access")
def revoke_ms_teams_access(state: State, call: Call) -> Reply:
    holder, channel_id = _holder(call, "ms_teams_tenant_object"), call.params["channel_id"]
    _connected(state.ms_teams_tenant_id(holder, channel_id))
    state.revoke_chat_access(holder, channel_id, "ms_teams_tenant_id")
    return ok({"ok": "ok"})
