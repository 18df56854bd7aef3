"""FakeKnock's Slack and Microsoft Teams provider endpoints: the token holder named in the query
(a tenant or another object), its channel data deciding the connection, the channels and teams a
test declares, Slack's ``next_cursor`` and Teams' ``skip_token`` pagination, revoking access."""

from __future__ import annotations

import json

import pytest

import knockkit
from knockkit import objects, tenants
from knockkit._http import request
from knockkit.providers import ms_teams, slack
from knockkit.testing import FAKE_SLACK_TEAM_ID, FakeKnock

SLACK = "7c1e0042-5ef2-411a-a43b-e541acb139ed"
TEAMS = "4f8d2b1a-9c3e-4a6f-8b7d-1e2f3a4b5c6d"
ENTRA_TENANT = "0d9a3c4e-1b2f-4a5d-8e6f-7a8b9c0d1e2f"
TOKEN = {"token": {"access_token": "xoxb-jurassic"}, "connections": []}
CHANNELS = [
    {"id": "C01", "name": "park-alerts"},
    {"id": "C02", "name": "general"},
    {"id": "C03", "name": "opening-day", "is_archived": True},
    {"id": "G04", "name": "control-room", "is_private": True},
    {"id": "D05", "name": "hammond", "is_im": True},
    {"id": "C06", "name": "isla-sorna", "context_team_id": "T0SITEB"},
]


def slack_ids(page: knockkit.Page[knockkit.models.SlackChannel]) -> list[str]:
    return [c.id for c in page]


@pytest.fixture
def connected(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    """The tenant jurassic-park holds a Slack token for SLACK; the workspace has CHANNELS."""
    tenants.set(knock_client, "jurassic-park", {"name": "Jurassic Park", "channel_data": {SLACK: TOKEN}})
    knock.add_slack_channels(SLACK, CHANNELS)


# --- Slack ----------------------------------------------------------------------------------------


def test_slack_auth_check_follows_the_holders_channel_data(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    tenants.set(knock_client, "jurassic-park", {"name": "Jurassic Park"})
    not_yet = slack.check_auth(knock_client, SLACK, tenant="jurassic-park")
    assert (not_yet.connection.ok, not_yet.connection.reason) == (False, "Access token not set.")
    objects.set_channel_data(knock_client, "$tenants", "jurassic-park", SLACK, TOKEN)
    assert slack.check_auth(knock_client, SLACK, tenant="jurassic-park").connection.ok is True
    assert slack.check_auth(knock_client, "another-slack-channel", tenant="jurassic-park").connection.ok is False
    assert slack.check_auth(knock_client, SLACK, tenant="isla-sorna").connection.ok is False  # no such tenant
    # Any object can hold the token, not only tenants.
    objects.set(knock_client, "parks", "isla-nublar", {"channel_data": {SLACK: TOKEN}})
    holder = {"object_id": "isla-nublar", "collection": "parks"}
    assert slack.check_auth(knock_client, SLACK, access_token_object=holder).connection.ok is True
    sent = knock.requests[-1]
    assert json.loads(sent.query["access_token_object"]) == holder
    # A token holder without an access token is not connected.
    objects.set_channel_data(knock_client, "parks", "isla-nublar", SLACK, {"token": None, "connections": []})
    assert slack.check_auth(knock_client, SLACK, access_token_object=holder).connection.ok is False


def test_slack_channels_honour_types_and_exclude_archived(knock: FakeKnock, knock_client: knockkit.Client,
                                                          connected: None) -> None:  # fmt: skip
    page = slack.list_channels(knock_client, SLACK, tenant="jurassic-park")
    assert slack_ids(page) == ["C01", "C02", "G04", "C06"]  # Slack's defaults: public and private, not archived
    assert page.next_params is None and page.extra == {"next_cursor": None}
    first = page.entries[0]
    assert (first.name, first.is_private, first.is_im, first.context_team_id) == (
        "park-alerts", False, False, FAKE_SLACK_TEAM_ID,
    )  # fmt: skip
    assert slack_ids(slack.list_channels(knock_client, SLACK, tenant="jurassic-park", types="public_channel")) == [
        "C01", "C02", "C06",
    ]  # fmt: skip
    everything = slack.list_channels(
        knock_client, SLACK, tenant="jurassic-park", types="public_channel,private_channel,im", exclude_archived=False
    )
    assert slack_ids(everything) == ["C01", "C02", "C03", "G04", "D05", "C06"]
    assert everything.entries[2].extra == {"is_archived": True}  # declared keys come back as declared
    assert slack_ids(slack.list_channels(knock_client, SLACK, tenant="jurassic-park", team_id="T0SITEB")) == ["C06"]


def test_slack_channels_page_with_next_cursor(knock: FakeKnock, knock_client: knockkit.Client,
                                              connected: None) -> None:  # fmt: skip
    first = slack.list_channels(knock_client, SLACK, tenant="jurassic-park", limit=3)
    assert slack_ids(first) == ["C01", "C02", "G04"]
    assert first.next_params is not None and set(first.next_params) == {"cursor"}
    cursor = first.next_params["cursor"]
    assert knock.requests[-1].query["query_options"] == {"limit": "3"}
    second = slack.list_channels(knock_client, SLACK, tenant="jurassic-park", limit=3, cursor=cursor)
    assert slack_ids(second) == ["C06"] and second.next_params is None
    assert knock.requests[-1].query["query_options"] == {"limit": "3", "cursor": cursor}
    walked = knockkit.paginate(slack.list_channels, knock_client, SLACK, tenant="jurassic-park", limit=1)
    assert [c.id for c in walked] == ["C01", "C02", "G04", "C06"]
    with pytest.raises(knockkit.UnprocessableEntityError):
        slack.list_channels(knock_client, SLACK, tenant="jurassic-park", cursor="not-a-cursor")
    with pytest.raises(knockkit.UnprocessableEntityError):
        slack.list_channels(knock_client, SLACK, tenant="jurassic-park", limit=1001)


def test_slack_revoke_access_removes_the_token(knock: FakeKnock, knock_client: knockkit.Client,
                                               connected: None) -> None:  # fmt: skip
    webhook = {"incoming_webhook": {"url": "https://hooks.example/1"}}
    objects.set_channel_data(knock_client, "$tenants", "jurassic-park", SLACK, {**TOKEN, "connections": [webhook]})
    assert slack.revoke_access(knock_client, SLACK, tenant="jurassic-park") is None
    assert knock.requests[-1].method == "PUT"
    after = slack.check_auth(knock_client, SLACK, tenant="jurassic-park")
    assert (after.connection.ok, after.connection.reason) == (False, "Access token not set.")
    data = objects.get_channel_data(knock_client, "$tenants", "jurassic-park", SLACK).data
    assert data == {"connections": [webhook]}  # the connections stay
    # Without a token, listing and revoking are Knock's 403.
    with pytest.raises(knockkit.PermissionDeniedError) as caught:
        slack.list_channels(knock_client, SLACK, tenant="jurassic-park")
    assert (caught.value.code, caught.value.message) == ("authorization", "Access token not set.")
    with pytest.raises(knockkit.PermissionDeniedError):
        slack.revoke_access(knock_client, SLACK, tenant="jurassic-park")


def test_the_holder_must_be_a_json_object_reference(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    path = "/v1/providers/slack/{channel_id}/auth_check"
    for value in (None, "not json", json.dumps({"object_id": "jurassic-park"}), json.dumps(["x"])):
        with pytest.raises(knockkit.UnprocessableEntityError):
            request(knock_client, "GET", path, channel_id=SLACK, query={"access_token_object": value}, into=dict)


def test_declared_channels_are_checked_and_replaced_by_id(knock: FakeKnock, knock_client: knockkit.Client,
                                                          connected: None) -> None:  # fmt: skip
    knock.add_slack_channels(SLACK, [{"id": "C02", "name": "general-renamed"}])
    names = [c.name for c in slack.list_channels(knock_client, SLACK, tenant="jurassic-park")]
    assert names == ["park-alerts", "control-room", "isla-sorna", "general-renamed"]
    with pytest.raises(ValueError, match="'name'"):
        knock.add_slack_channels(SLACK, [{"id": "C09"}])
    with pytest.raises(TypeError):
        knock.add_slack_channels(SLACK, {"id": "C09", "name": "one"})  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        knock.add_slack_channels("", CHANNELS)
    knock.reset()
    tenants.set(knock_client, "jurassic-park", {"channel_data": {SLACK: TOKEN}})
    assert len(slack.list_channels(knock_client, SLACK, tenant="jurassic-park")) == 0  # reset forgets them


# --- Microsoft Teams ------------------------------------------------------------------------------


@pytest.fixture
def teams(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    """jurassic-park holds an Entra tenant id for TEAMS; three teams, channels in the first."""
    tenants.set(knock_client, "jurassic-park", {"channel_data": {TEAMS: {"ms_teams_tenant_id": ENTRA_TENANT,
                                                                         "connections": []}}})  # fmt: skip
    knock.add_ms_teams_teams(TEAMS, [
        {"id": "team-1", "displayName": "Rangers"},
        {"id": "team-2", "displayName": "Control Room", "description": "Systems"},
        {"id": "team-3", "displayName": "Genetics"},
    ])  # fmt: skip
    knock.add_ms_teams_channels(TEAMS, "team-1", [
        {"id": "ch-1", "displayName": "General", "createdDateTime": "1993-06-11T09:00:00Z"},
        {"id": "ch-2", "displayName": "Paddocks"},
        {"id": "ch-3", "displayName": "Old tours", "isArchived": True},
        {"id": "ch-4", "displayName": "Leads", "membershipType": "private"},
    ])  # fmt: skip


def test_ms_teams_auth_check(knock: FakeKnock, knock_client: knockkit.Client, teams: None) -> None:
    ok = ms_teams.check_auth(knock_client, TEAMS, tenant="jurassic-park")
    assert ok.connection.ok is True and ok.connection.ms_teams_tenant_id == ENTRA_TENANT
    assert json.loads(knock.requests[-1].query["ms_teams_tenant_object"]) == {
        "object_id": "jurassic-park", "collection": "$tenants",
    }  # fmt: skip
    other = ms_teams.check_auth(knock_client, TEAMS, ms_teams_tenant_object={"object_id": "x", "collection": "parks"})
    assert (other.connection.ok, other.connection.reason) == (False, "Access token not set.")
    # A Slack token is not a Teams connection, and the other way round.
    assert slack.check_auth(knock_client, TEAMS, tenant="jurassic-park").connection.ok is False


def test_ms_teams_teams_page_with_skip_token(knock: FakeKnock, knock_client: knockkit.Client, teams: None) -> None:
    every = ms_teams.list_teams(knock_client, TEAMS, tenant="jurassic-park")
    assert [t.id for t in every] == ["team-1", "team-2", "team-3"] and every.next_params is None
    assert every.extra == {"skip_token": None} and every.entries[1].description == "Systems"
    first = ms_teams.list_teams(knock_client, TEAMS, tenant="jurassic-park", top=2)
    assert [t.displayName for t in first] == ["Rangers", "Control Room"]
    assert first.next_params is not None and set(first.next_params) == {"skip_token"}
    token = first.next_params["skip_token"]
    rest = ms_teams.list_teams(knock_client, TEAMS, tenant="jurassic-park", top=2, skip_token=token)
    assert [t.id for t in rest] == ["team-3"] and rest.next_params is None
    assert knock.requests[-1].query["query_options"] == {"$top": "2", "$skiptoken": token}
    walked = knockkit.paginate(ms_teams.list_teams, knock_client, TEAMS, tenant="jurassic-park", top=1)
    assert [t.id for t in walked] == ["team-1", "team-2", "team-3"]
    # $filter and $select are recorded, not evaluated.
    assert len(ms_teams.list_teams(knock_client, TEAMS, tenant="jurassic-park", filter="displayName eq 'X'")) == 3
    assert knock.requests[-1].query["query_options"] == {"$filter": "displayName eq 'X'"}


def test_ms_teams_channels_leave_out_archived_and_private(knock: FakeKnock, knock_client: knockkit.Client,
                                                          teams: None) -> None:  # fmt: skip
    page = ms_teams.list_channels(knock_client, TEAMS, team_id="team-1", tenant="jurassic-park")
    assert [(c.id, c.displayName) for c in page] == [("ch-1", "General"), ("ch-2", "Paddocks")]
    assert (page.entries[0].createdDateTime, page.entries[0].isArchived, page.entries[0].membershipType) == (
        "1993-06-11T09:00:00Z", False, "standard",
    )  # fmt: skip
    assert knock.requests[-1].query["team_id"] == "team-1"
    assert len(ms_teams.list_channels(knock_client, TEAMS, team_id="team-2", tenant="jurassic-park")) == 0


def test_ms_teams_revoke_access(knock: FakeKnock, knock_client: knockkit.Client, teams: None) -> None:
    ms_teams.revoke_access(knock_client, TEAMS, tenant="jurassic-park")
    assert ms_teams.check_auth(knock_client, TEAMS, tenant="jurassic-park").connection.ok is False
    assert objects.get_channel_data(knock_client, "$tenants", "jurassic-park", TEAMS).data == {"connections": []}
    for call in (
        lambda: ms_teams.list_teams(knock_client, TEAMS, tenant="jurassic-park"),
        lambda: ms_teams.list_channels(knock_client, TEAMS, team_id="team-1", tenant="jurassic-park"),
        lambda: ms_teams.revoke_access(knock_client, TEAMS, tenant="jurassic-park"),
    ):
        with pytest.raises(knockkit.PermissionDeniedError):
            call()


def test_ms_teams_checks_what_knock_requires(knock: FakeKnock, knock_client: knockkit.Client, teams: None) -> None:
    holder = json.dumps({"object_id": "jurassic-park", "collection": "$tenants"})
    with pytest.raises(knockkit.UnprocessableEntityError):  # team_id is required
        request(knock_client, "GET", "/v1/providers/ms-teams/{channel_id}/channels", channel_id=TEAMS,
                query={"ms_teams_tenant_object": holder}, into=dict)  # fmt: skip
    with pytest.raises(knockkit.UnprocessableEntityError):
        ms_teams.list_teams(knock_client, TEAMS, tenant="jurassic-park", top=0)
    with pytest.raises(ValueError, match="'displayName'"):
        knock.add_ms_teams_teams(TEAMS, [{"id": "team-9"}])
    with pytest.raises(ValueError):
        knock.add_ms_teams_channels(TEAMS, "", [{"id": "ch-9", "displayName": "x"}])
