"""knockkit.providers.ms_teams over real HTTP."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit.models import AuthCheck, MsTeamsChannel, MsTeamsTeam, Page
from knockkit.providers import ms_teams
from tests.conftest import TEST_KEY, raw_path

CHANNEL_ID = "knock teams"  # the space checks percent-encoding
ENCODED_CHANNEL = "knock%20teams"
TENANT_HOLDER = {"object_id": "acme", "collection": "$tenants"}
PROJECT_HOLDER = {"collection": "projects", "object_id": "project_123"}


def sent(httpserver: HTTPServer, index: int = -1) -> tuple[str, str, list[tuple[str, str]]]:
    """(method, raw path, decoded query pairs) of a logged request, with its auth header checked."""
    request = httpserver.log[index][0]
    assert request.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert "Content-Type" not in request.headers
    path, _, query = raw_path(httpserver, index).partition("?")
    return request.method, path, parse_qsl(query)


def holder(pairs: list[tuple[str, str]]) -> Any:
    """The decoded JSON of the ms_teams_tenant_object query parameter (it must come first)."""
    key, value = pairs[0]
    assert key == "ms_teams_tenant_object"
    return json.loads(value)


def test_check_auth_for_a_tenant(httpserver: HTTPServer, client: knockkit.Client) -> None:
    body = {"connection": {"ms_teams_tenant_id": "a Microsoft Teams tenant ID", "ok": True}}
    httpserver.expect_request(f"/v1/providers/ms-teams/{CHANNEL_ID}/auth_check", method="GET").respond_with_json(body)

    result = ms_teams.check_auth(client, CHANNEL_ID, tenant="acme")

    method, path, query = sent(httpserver)
    assert (method, path) == ("GET", f"/v1/providers/ms-teams/{ENCODED_CHANNEL}/auth_check")
    assert len(query) == 1 and holder(query) == TENANT_HOLDER
    assert isinstance(result, AuthCheck)
    assert result.connection.ok is True and result.connection.reason is None
    assert result.connection.ms_teams_tenant_id == "a Microsoft Teams tenant ID"
    assert result.to_dict() == body


def test_check_auth_for_an_object_reports_why_not(httpserver: HTTPServer, client: knockkit.Client) -> None:
    body = {"connection": {"ok": False, "reason": "token_revoked", "ms_teams_tenant_id": None}}
    httpserver.expect_request(f"/v1/providers/ms-teams/{CHANNEL_ID}/auth_check").respond_with_json(body)

    result = ms_teams.check_auth(client, CHANNEL_ID, ms_teams_tenant_object=PROJECT_HOLDER)

    assert holder(sent(httpserver)[2]) == PROJECT_HOLDER
    assert result.connection.ok is False and result.connection.reason == "token_revoked"


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"tenant": "acme", "ms_teams_tenant_object": PROJECT_HOLDER}, {"tenant": ""}],
    ids=["neither", "both", "empty-tenant"],
)
def test_the_token_holder_is_checked_before_sending(
    httpserver: HTTPServer, client: knockkit.Client, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="tenant"):
        ms_teams.check_auth(client, CHANNEL_ID, **kwargs)
    with pytest.raises(ValueError, match="tenant"):
        ms_teams.list_teams(client, CHANNEL_ID, **kwargs)
    with pytest.raises(ValueError, match="tenant"):
        ms_teams.revoke_access(client, CHANNEL_ID, **kwargs)
    assert httpserver.log == []


def test_list_channels_sends_team_and_odata_options(httpserver: HTTPServer, client: knockkit.Client) -> None:
    body = {
        "ms_teams_channels": [
            {"displayName": "General", "id": "channel-id-1"},
            {
                "createdDateTime": "2020-05-27T19:22:25.692Z",
                "displayName": "Raptor Pen",
                "id": "channel-id-2",
                "isArchived": False,
                "membershipType": "standard",
                "email": "raptors@ingen.net",
            },
        ]
    }
    httpserver.expect_request(f"/v1/providers/ms-teams/{CHANNEL_ID}/channels", method="GET").respond_with_json(body)

    page = ms_teams.list_channels(
        client, CHANNEL_ID, team_id="team-id-1", tenant="acme", filter="displayName eq 'General'", select="id"
    )

    method, path, query = sent(httpserver)
    assert (method, path) == ("GET", f"/v1/providers/ms-teams/{ENCODED_CHANNEL}/channels")
    assert holder(query) == TENANT_HOLDER
    assert query[1:] == [
        ("team_id", "team-id-1"),
        ("query_options[$filter]", "displayName eq 'General'"),
        ("query_options[$select]", "id"),
    ]
    assert isinstance(page, Page)
    general, raptors = page.entries
    assert isinstance(general, MsTeamsChannel)
    assert (general.id, general.displayName, general.isArchived) == ("channel-id-1", "General", None)
    assert (raptors.isArchived, raptors.membershipType) == (False, "standard")
    assert raptors.createdDateTime == "2020-05-27T19:22:25.692Z"
    assert raptors.extra == {"email": "raptors@ingen.net"}
    assert page.next_params is None


def test_list_channels_needs_a_team(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(ValueError, match="team_id must be a non-empty string"):
        ms_teams.list_channels(client, CHANNEL_ID, team_id="", tenant="acme")
    assert httpserver.log == []


def test_list_teams_sends_odata_options_and_exposes_the_skip_token(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    body = {"ms_teams_teams": [{"displayName": "Engineering Team", "id": "team-id-1"}], "skip_token": "token-2"}
    httpserver.expect_request(f"/v1/providers/ms-teams/{CHANNEL_ID}/teams", method="GET").respond_with_json(body)

    page = ms_teams.list_teams(
        client, CHANNEL_ID, ms_teams_tenant_object=PROJECT_HOLDER, filter="startswith(displayName,'E')",
        select="id,displayName", top=10, skip_token="token-1",
    )  # fmt: skip

    method, path, query = sent(httpserver)
    assert (method, path) == ("GET", f"/v1/providers/ms-teams/{ENCODED_CHANNEL}/teams")
    assert holder(query) == PROJECT_HOLDER
    assert query[1:] == [
        ("query_options[$filter]", "startswith(displayName,'E')"),
        ("query_options[$select]", "id,displayName"),
        ("query_options[$top]", "10"),
        ("query_options[$skiptoken]", "token-1"),
    ]
    (team,) = page.entries
    assert isinstance(team, MsTeamsTeam)
    assert (team.id, team.displayName) == ("team-id-1", "Engineering Team")
    assert page.next_params == {"skip_token": "token-2"}


def test_paginate_follows_the_teams_skip_token(httpserver: HTTPServer, client: knockkit.Client) -> None:
    teams_path = f"/v1/providers/ms-teams/{CHANNEL_ID}/teams"
    httpserver.expect_ordered_request(teams_path).respond_with_json(
        {"ms_teams_teams": [{"displayName": "Engineering", "id": "team-1"}], "skip_token": "page-2-token"}
    )
    httpserver.expect_ordered_request(teams_path).respond_with_json(
        {"ms_teams_teams": [{"displayName": "Security", "id": "team-2"}], "skip_token": None}
    )

    teams = list(knockkit.paginate(ms_teams.list_teams, client, CHANNEL_ID, tenant="acme", top=1))

    assert [t.id for t in teams] == ["team-1", "team-2"]
    assert len(httpserver.log) == 2
    first, second = sent(httpserver, 0)[2], sent(httpserver, 1)[2]
    assert first[1:] == [("query_options[$top]", "1")]
    assert second[1:] == [("query_options[$top]", "1"), ("query_options[$skiptoken]", "page-2-token")]
    assert holder(first) == holder(second) == TENANT_HOLDER


def test_revoke_access(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/providers/ms-teams/{CHANNEL_ID}/revoke_access", method="PUT").respond_with_json(
        {"ok": "ok"}
    )

    assert ms_teams.revoke_access(client, CHANNEL_ID, tenant="acme") is None

    method, path, query = sent(httpserver)
    assert (method, path) == ("PUT", f"/v1/providers/ms-teams/{ENCODED_CHANNEL}/revoke_access")
    assert len(query) == 1 and holder(query) == TENANT_HOLDER
    assert httpserver.log[-1][0].get_data() == b""


def test_revoke_access_without_a_token_raises_permission_denied(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    error = {"code": "authorization", "message": "Access token not set.", "status": 403, "type": "authentication_error"}
    httpserver.expect_request(f"/v1/providers/ms-teams/{CHANNEL_ID}/revoke_access").respond_with_json(
        error, status=403, headers={"x-request-id": "req-1"}
    )

    with pytest.raises(knockkit.PermissionDeniedError) as raised:
        ms_teams.revoke_access(client, CHANNEL_ID, tenant="acme")

    assert raised.value.message == "Access token not set."
    assert raised.value.code == "authorization"
    assert raised.value.request_id == "req-1"
    assert len(httpserver.log) == 1
