"""Every answer FakeKnock gives in a broad scenario fits the response schema Knock's OpenAPI
spec documents for that operation (validated by openapi-core on the contract harness's
adjusted spec, so the fake is held to the same reading of the spec as knockkit)."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import pytest
import urllib3
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

import knockkit
from knockkit import (
    audiences,
    bulk_operations,
    channels,
    feeds,
    messages,
    objects,
    schedules,
    tenants,
    users,
    workflow_recipient_runs,
    workflows,
)
from knockkit.providers import ms_teams, slack
from knockkit.testing import FakeKnock, Step
from tests.contract import harness

APNS = "8209a4f2-4a1d-4f9c-9f0e-0c7a8e4d2b11"
SLACK = "7c1e0042-5ef2-411a-a43b-e541acb139ed"
TEAMS = "4f8d2b1a-9c3e-4a6f-8b7d-1e2f3a4b5c6d"
ENTRA_TENANT = "0d9a3c4e-1b2f-4a5d-8e6f-7a8b9c0d1e2f"
FEED = FakeKnock.channel_id("in_app_feed")


class RecordingPool(urllib3.PoolManager):
    """A transport that keeps every request and response knockkit exchanges with the fake."""

    def __init__(self) -> None:
        super().__init__()
        self.exchanges: list[tuple[str, str, Any, dict[str, str], urllib3.BaseHTTPResponse]] = []

    def urlopen(self, method: str, url: str, redirect: bool = True, **kw: Any) -> urllib3.BaseHTTPResponse:
        response = super().urlopen(method, url, redirect=redirect, **kw)
        # knockkit reads the body itself (preload_content=False): keep a copy, hand on a replay.
        data = response.read(decode_content=False)
        replay = urllib3.HTTPResponse(
            body=io.BytesIO(data), headers=response.headers, status=response.status,
            reason=response.reason, preload_content=False,
        )  # fmt: skip
        kept = urllib3.HTTPResponse(body=data, headers=response.headers, status=response.status)
        self.exchanges.append((method, url, kw.get("body"), dict(kw.get("headers") or {}), kept))
        return replay


def scenario(fake: FakeKnock, client: knockkit.Client) -> None:
    fake.add_workflow("dinosaurs-loose", steps=["in_app_feed", "email", "delay", Step("push", channel_id=APNS)],
                      categories=["safety"])  # fmt: skip
    fake.add_workflow("comments", steps=["batch", "in_app_feed"])
    users.identify(client, "jhammond", {"name": "John Hammond", "email": "jhammond@ingen.net", "cane": "amber"})
    users.identify(client, "agrant", {"name": "Alan Grant", "email": "agrant@ingen.net"})
    users.get(client, "jhammond")
    users.list(client, page_size=1)
    users.set_preferences(client, "jhammond", {"channel_types": {"email": True}, "workflows": {"x": False}})
    users.set_category_preferences(client, "agrant", "safety", {"channel_types": {"sms": False}})
    users.get_preferences(client, "jhammond", tenant="jurassic-park")
    users.list_preferences(client, "jhammond")
    users.set_channel_data(client, "jhammond", APNS, {"tokens": ["apns-1"]})
    users.get_channel_data(client, "jhammond", APNS)
    objects.set(client, "parks", "isla-nublar", {"name": "Isla Nublar"})
    objects.get(client, "parks", "isla-nublar")
    objects.list(client, "parks")
    objects.set_preferences(client, "parks", "isla-nublar", {"channel_types": {"email": False}})
    objects.list_preferences(client, "parks", "isla-nublar")
    objects.set_channel_data(client, "parks", "isla-nublar", APNS, {"tokens": ["t"]})
    objects.add_subscriptions(client, "parks", "isla-nublar", ["jhammond", "agrant"], properties={"role": "x"})
    objects.list_subscriptions(client, "parks", "isla-nublar")
    users.list_subscriptions(client, "jhammond")
    tenants.set(client, "jurassic-park", {"name": "Jurassic Park"}, settings={"branding": {"primary_color": "#000"}})
    tenants.get(client, "jurassic-park")
    tenants.list(client)
    objects.get(client, "$tenants", "jurassic-park")  # a tenant is an object of $tenants
    objects.list(client, "$tenants")
    members = [{"user": {"id": "jhammond"}, "tenant": "jurassic-park"}, {"user": {"id": "agrant", "name": "Alan"}}]
    audiences.add_members(client, "beta-testers", members, create_audience=True)
    audiences.list_members(client, "beta-testers", page_size=1)
    audiences.remove_members(client, "beta-testers", [{"user": {"id": "agrant"}}])
    run = workflows.trigger(
        client, "dinosaurs-loose", recipients=["jhammond", {"id": "isla-nublar", "collection": "parks"}],
        actor="agrant", tenant="jurassic-park", data={"type": "trex"}, cancellation_key="k1",
    )  # fmt: skip
    workflows.trigger(client, "comments", recipients=["jhammond"], actor="agrant", data={"text": "hi"})
    workflows.cancel(client, "dinosaurs-loose", "k1", recipients=["agrant"])
    fake.release()
    page = messages.list(client, page_size=2, workflow_run_id=run.workflow_run_id, status=["sent"])
    message_id = page.entries[0].id
    messages.get(client, message_id)
    messages.mark_as_seen(client, message_id)
    messages.mark_as_read(client, message_id)
    messages.mark_as_interacted(client, message_id, metadata={"k": "v"})
    messages.archive(client, message_id)
    messages.unarchive(client, message_id)
    messages.mark_as_unread(client, message_id)
    messages.mark_as_unseen(client, message_id)
    messages.batch_mark_as_read(client, [m.id for m in page])
    messages.batch_archive(client, [message_id])
    users.list_messages(client, "jhammond", engagement_status=["unread"])
    messages.list_events(client, message_id, page_size=3)
    messages.list_delivery_logs(client, message_id)
    # A user's message: the spec's Recipient is a oneOf [User, Object] whose branches overlap (User
    # takes additional properties), so an object recipient in an Activity matches both branches.
    users_message = users.list_messages(client, "jhammond", workflow_run_id=run.workflow_run_id).entries[0].id
    messages.list_activities(client, users_message, trigger_data={"type": "trex"})
    objects.list_messages(client, "parks", "isla-nublar")
    feeds.list_items(client, "jhammond", FEED, archived="include")
    feeds.get_settings(client, "jhammond", FEED)
    runs = workflow_recipient_runs.list(client, workflow="dinosaurs-loose")
    workflow_recipient_runs.get(client, runs.entries[0].id)
    created = schedules.create(
        client, "dinosaurs-loose", recipients=["jhammond"], actor="agrant",
        repeats=[{"frequency": "daily", "hours": 9}], data={"a": 1}, tenant="jurassic-park",
    )  # fmt: skip
    schedules.list(client, "dinosaurs-loose")
    users.list_schedules(client, "jhammond")
    schedules.update(client, [created[0].id], data={"a": 2})
    schedules.delete(client, [created[0].id])
    operation = users.bulk_identify(client, [{"id": "u1"}])
    bulk_operations.get(client, operation.id)
    objects.bulk_set(client, "parks", [{"id": "p1"}])
    tenants.bulk_set(client, ["t1"])
    channels.bulk_update_message_status(client, FEED, "seen")
    providers(fake, client)
    message_details(fake, client)
    users.merge(client, "jhammond", "u1")
    objects.delete_subscriptions(client, "parks", "isla-nublar", ["agrant"])
    users.unset_channel_data(client, "jhammond", APNS)
    tenants.delete(client, "t1")
    users.delete(client, "agrant")


def providers(fake: FakeKnock, client: knockkit.Client) -> None:
    """Slack and Teams, connected through the tenant's channel data, then revoked."""
    fake.add_slack_channels(SLACK, [{"id": "C01", "name": "general"}, {"id": "G02", "name": "ops", "is_private": True}])
    fake.add_ms_teams_teams(TEAMS, [{"id": "team-1", "displayName": "Rangers"}, {"id": "team-2", "displayName": "Ops"}])
    fake.add_ms_teams_channels(TEAMS, "team-1", [{"id": "ch-1", "displayName": "General"}])
    tenants.set(client, "jurassic-park", {"channel_data": {
        SLACK: {"token": {"access_token": "xoxb-1"}, "connections": []},
        TEAMS: {"ms_teams_tenant_id": ENTRA_TENANT, "connections": []},
    }})  # fmt: skip
    slack.check_auth(client, SLACK, tenant="jurassic-park")
    first = slack.list_channels(client, SLACK, tenant="jurassic-park", limit=1)
    slack.list_channels(client, SLACK, tenant="jurassic-park", limit=1, **(first.next_params or {}))
    slack.revoke_access(client, SLACK, tenant="jurassic-park")
    slack.check_auth(client, SLACK, tenant="jurassic-park")  # not connected any more
    ms_teams.check_auth(client, TEAMS, tenant="jurassic-park")
    teams = ms_teams.list_teams(client, TEAMS, tenant="jurassic-park", top=1)
    ms_teams.list_teams(client, TEAMS, tenant="jurassic-park", top=1, **(teams.next_params or {}))
    ms_teams.list_channels(client, TEAMS, team_id="team-1", tenant="jurassic-park")
    ms_teams.revoke_access(client, TEAMS, tenant="jurassic-park")
    ms_teams.check_auth(client, TEAMS, tenant="jurassic-park")


def message_details(fake: FakeKnock, client: knockkit.Client) -> None:
    """A message of every channel type with contents, and a batched one with several activities."""
    fake.add_workflow("every-channel", steps=["in_app_feed", "email", "sms", Step("push", channel_id=APNS),
                                              Step("chat", channel_id=SLACK)])  # fmt: skip
    users.identify(client, "esattler", {
        "email": "esattler@ingen.net", "phone_number": "+15555550101",
        "channel_data": {APNS: {"tokens": ["apns-2"]}, SLACK: {"connections": [{"user_id": "U01"}]}},
    })  # fmt: skip
    run = workflows.trigger(client, "every-channel", recipients=["esattler"], actor="agrant", data={"park": "A"})
    ids = [m.id for m in messages.list(client, workflow_run_id=run.workflow_run_id)]
    for message_id in ids:
        messages.get_content(client, message_id)
        messages.list_events(client, message_id)
    messages.batch_get_content(client, ids)
    batched = messages.list(client, source="comments").entries[0].id
    messages.list_activities(client, batched)


def exchanges() -> list[tuple[str, str, Any, dict[str, str], urllib3.BaseHTTPResponse]]:
    pool = RecordingPool()
    with FakeKnock() as fake:
        scenario(fake, fake.client(transport=pool))
    pool.clear()
    return pool.exchanges


EXCHANGES = exchanges()


@pytest.mark.parametrize(
    "exchange", EXCHANGES, ids=[f"{i:02d}-{m} {urlsplit(u).path}" for i, (m, u, *_) in enumerate(EXCHANGES)]
)
def test_the_answer_fits_the_spec(exchange: tuple[str, str, Any, dict[str, str], urllib3.BaseHTTPResponse]) -> None:
    method, url, body, headers, response = exchange
    split = urlsplit(url)
    assert 200 <= response.status < 300
    assert response.headers.get("x-request-id")
    request = EnvironBuilder(
        method=method, path=split.path, query_string=split.query, headers=headers, data=body
    ).get_request()
    found = harness.find_operation(method, request.path)
    assert found is not None, f"{method} {request.path} is not an operation of the spec"
    answer = Response(response.data, status=response.status, headers=dict(response.headers))
    result = harness.openapi().unmarshal_response(harness.RecordedRequest(request), WerkzeugOpenAPIResponse(answer))
    errors = [harness.describe_error(e) for e in result.errors]
    assert not errors, f"{method} {url} -> {response.status} {response.data[:300]!r}\n" + "\n".join(errors)


def test_the_scenario_covers_the_emulated_operations() -> None:
    covered = {(m, harness.find_operation(m, urlsplit(u).path)[0]) for m, u, *_ in EXCHANGES}  # type: ignore[index]
    assert len(covered) >= 69, sorted(covered)
