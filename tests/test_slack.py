"""Wire tests for knockkit.providers.slack: check_auth, list_channels, revoke_access."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit.models import AuthCheck, Connection, Page, PageInfo, SlackChannel
from knockkit.providers import slack
from tests.conftest import TEST_KEY, raw_path

CHANNEL_ID = "123e4567-e89b-12d3-a456-426614174000"
BASE = f"/v1/providers/slack/{CHANNEL_ID}"

# access_token_object as sent for tenant="acme" and for the spec's example object.
ACME = "%7B%22object_id%22%3A%22acme%22%2C%22collection%22%3A%22%24tenants%22%7D"
PROJECT = "%7B%22object_id%22%3A%22project_123%22%2C%22collection%22%3A%22projects%22%7D"
PROJECT_OBJECT = {"object_id": "project_123", "collection": "projects"}

# The spec's response examples.
AUTH_CHECK = {"connection": {"ok": True}}
CHANNELS = {
    "next_cursor": None,
    "slack_channels": [
        {
            "context_team_id": "T01234567890",
            "id": "C01234567890",
            "is_im": False,
            "is_private": False,
            "name": "general",
        }
    ],
}
REVOKED = {"ok": "ok"}

# --- helpers -----------------------------------------------------------------------------


def respond(httpserver: HTTPServer, method: str, path: str, body: Any, *, query: dict[str, str] | None = None) -> None:
    httpserver.expect_oneshot_request(path, method=method, query_string=query).respond_with_json(body)


def sent_target(httpserver: HTTPServer, index: int = -1) -> str:
    """The request target as sent, except that brackets in query *names* read as brackets.

    urllib3 percent-encodes "[" and "]" anywhere in a query and servers decode them back,
    so ``query_options%5Bcursor%5D`` is the parameter ``query_options[cursor]``. The path,
    the values and every other character are compared exactly as sent.
    """
    path, question, query = raw_path(httpserver, index).partition("?")
    pairs = []
    for pair in query.split("&") if query else []:
        name, equals, value = pair.partition("=")
        pairs.append(name.replace("%5B", "[").replace("%5D", "]") + equals + value)
    return path + question + "&".join(pairs)


def check_request(httpserver: HTTPServer, method: str, target: str, *, branch: str | None = None) -> Any:
    """Assert the only request the server got: method, raw path and query, headers, no body."""
    assert len(httpserver.log) == 1, [r.path for r, _ in httpserver.log]
    request = httpserver.log[0][0]
    assert request.method == method
    assert sent_target(httpserver) == target
    assert request.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert request.headers["User-Agent"].startswith("knockkit/")
    assert request.headers["Accept"] == "application/json"
    assert request.headers.get("X-Knock-Branch") == branch
    assert request.headers.get("Idempotency-Key") is None
    assert request.headers.get("Content-Type") is None
    assert request.get_data() == b""
    return request


def token_holder(request: Any) -> Any:
    """The access_token_object query parameter, decoded from its JSON."""
    return json.loads(request.args["access_token_object"])


def assert_nothing_sent(httpserver: HTTPServer) -> None:
    assert httpserver.log == []


# --- check_auth ---------------------------------------------------------------------------


def test_check_auth_for_a_tenant(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "GET", f"{BASE}/auth_check", AUTH_CHECK)

    result = slack.check_auth(client, CHANNEL_ID, tenant="acme")

    request = check_request(httpserver, "GET", f"{BASE}/auth_check?access_token_object={ACME}")
    assert token_holder(request) == {"object_id": "acme", "collection": "$tenants"}
    assert isinstance(result, AuthCheck)
    assert result == AuthCheck(connection=Connection(ok=True))
    assert result.connection.ok is True
    assert result.connection.reason is None


def test_check_auth_for_an_object_reports_a_broken_connection(httpserver: HTTPServer, client: knockkit.Client) -> None:
    body = {"connection": {"ok": False, "reason": "token_revoked", "scopes": []}, "checked": "slack"}
    respond(httpserver, "GET", f"{BASE}/auth_check", body)

    result = slack.check_auth(client.evolve(branch="feature-x"), CHANNEL_ID, access_token_object=PROJECT_OBJECT)

    request = check_request(httpserver, "GET", f"{BASE}/auth_check?access_token_object={PROJECT}", branch="feature-x")
    assert token_holder(request) == PROJECT_OBJECT
    assert result.connection.ok is False
    assert result.connection.reason == "token_revoked"
    assert result.connection.extra == {"scopes": []}
    assert result.extra == {"checked": "slack"}


# --- list_channels ------------------------------------------------------------------------


def test_list_channels_sends_every_query_option(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "GET", f"{BASE}/channels", CHANNELS)

    page = slack.list_channels(
        client,
        CHANNEL_ID,
        tenant="acme",
        cursor="dGVhbTpDMDYxRkE1UEI=",
        limit=100,
        exclude_archived=True,
        types="public_channel,private_channel",
        team_id="T01234567890",
    )

    request = check_request(
        httpserver,
        "GET",
        f"{BASE}/channels?access_token_object={ACME}"
        "&query_options[cursor]=dGVhbTpDMDYxRkE1UEI%3D"
        "&query_options[limit]=100"
        "&query_options[exclude_archived]=true"
        "&query_options[types]=public_channel%2Cprivate_channel"
        "&query_options[team_id]=T01234567890",
    )
    assert token_holder(request) == {"object_id": "acme", "collection": "$tenants"}
    assert request.args["query_options[cursor]"] == "dGVhbTpDMDYxRkE1UEI="
    assert request.args["query_options[types]"] == "public_channel,private_channel"

    assert isinstance(page, Page)
    assert page.entries == [
        SlackChannel(id="C01234567890", name="general", is_private=False, is_im=False, context_team_id="T01234567890")
    ]
    assert page.entries[0].extra == {}
    assert page.next_params is None
    assert not page.has_next
    assert page.page_info == PageInfo()
    assert page.extra == {"next_cursor": None}


def test_list_channels_with_an_object_and_no_options(httpserver: HTTPServer, client: knockkit.Client) -> None:
    body = {
        "next_cursor": "bmV4dA==",
        "slack_channels": [{**CHANNELS["slack_channels"][0], "is_archived": False}],  # type: ignore[index]
    }
    respond(httpserver, "GET", f"{BASE}/channels", body)

    page = slack.list_channels(client, CHANNEL_ID, access_token_object=PROJECT_OBJECT, exclude_archived=False)

    check_request(
        httpserver, "GET", f"{BASE}/channels?access_token_object={PROJECT}&query_options[exclude_archived]=false"
    )
    assert [channel.name for channel in page] == ["general"]
    assert page.entries[0].extra == {"is_archived": False}
    assert page.next_params == {"cursor": "bmV4dA=="}
    assert page.has_next


def test_paginate_follows_slacks_next_cursor(httpserver: HTTPServer, client: knockkit.Client) -> None:
    def channels(*names: str, next_cursor: str | None) -> dict[str, Any]:
        return {"next_cursor": next_cursor, "slack_channels": [{"id": f"C_{n}", "name": n} for n in names]}

    holder = json.dumps({"object_id": "acme", "collection": "$tenants"}, separators=(",", ":"))
    first = {"access_token_object": holder, "query_options[limit]": "2"}
    respond(httpserver, "GET", f"{BASE}/channels", channels("general", "random", next_cursor="c2"), query=first)
    respond(
        httpserver,
        "GET",
        f"{BASE}/channels",
        channels("raptors", "trex", next_cursor="c3"),
        query={**first, "query_options[cursor]": "c2"},
    )
    # Slack ends a walk with an empty cursor.
    respond(
        httpserver,
        "GET",
        f"{BASE}/channels",
        channels("visitors", next_cursor=""),
        query={**first, "query_options[cursor]": "c3"},
    )

    items = knockkit.paginate(slack.list_channels, client, CHANNEL_ID, tenant="acme", limit=2)
    assert_nothing_sent(httpserver)

    assert next(items).name == "general"
    assert len(httpserver.log) == 1

    rest = list(items)
    assert [channel.name for channel in rest] == ["random", "raptors", "trex", "visitors"]
    assert all(isinstance(channel, SlackChannel) for channel in rest)
    assert [sent_target(httpserver, i) for i in range(len(httpserver.log))] == [
        f"{BASE}/channels?access_token_object={ACME}&query_options[limit]=2",
        f"{BASE}/channels?access_token_object={ACME}&query_options[cursor]=c2&query_options[limit]=2",
        f"{BASE}/channels?access_token_object={ACME}&query_options[cursor]=c3&query_options[limit]=2",
    ]


# --- revoke_access ------------------------------------------------------------------------


def test_revoke_access_for_a_tenant(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "PUT", f"{BASE}/revoke_access", REVOKED)

    assert slack.revoke_access(client, CHANNEL_ID, tenant="acme") is None

    request = check_request(httpserver, "PUT", f"{BASE}/revoke_access?access_token_object={ACME}")
    assert token_holder(request) == {"object_id": "acme", "collection": "$tenants"}


def test_revoke_access_for_an_object(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "PUT", f"{BASE}/revoke_access", REVOKED)

    result = slack.revoke_access(client.evolve(branch="feature-x"), CHANNEL_ID, access_token_object=PROJECT_OBJECT)

    assert result is None
    request = check_request(
        httpserver, "PUT", f"{BASE}/revoke_access?access_token_object={PROJECT}", branch="feature-x"
    )
    assert token_holder(request) == PROJECT_OBJECT


# --- the token holder and the channel id ------------------------------------------------

FUNCTIONS: list[Callable[..., Any]] = [slack.check_auth, slack.list_channels, slack.revoke_access]


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda fn: fn.__name__)
@pytest.mark.parametrize(
    "holder",
    [{}, {"tenant": "acme", "access_token_object": PROJECT_OBJECT}],
    ids=["neither", "both"],
)
def test_exactly_one_token_holder_is_required(
    httpserver: HTTPServer, client: knockkit.Client, fn: Callable[..., Any], holder: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="exactly one of tenant= or access_token_object="):
        fn(client, CHANNEL_ID, **holder)
    assert_nothing_sent(httpserver)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda fn: fn.__name__)
@pytest.mark.parametrize(
    ("holder", "error"),
    [({"tenant": ""}, ValueError), ({"access_token_object": "project_123"}, TypeError)],
    ids=["empty-tenant", "string-object"],
)
def test_bad_token_holders_raise_before_sending(
    httpserver: HTTPServer,
    client: knockkit.Client,
    fn: Callable[..., Any],
    holder: dict[str, Any],
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        fn(client, CHANNEL_ID, **holder)
    assert_nothing_sent(httpserver)


@pytest.mark.parametrize(
    ("channel_id", "encoded"),
    [("slack prod", "slack%20prod"), ("what?", "what%3F"), ("café", "caf%C3%A9")],
)
def test_channel_ids_go_as_one_encoded_segment(
    httpserver: HTTPServer, client: knockkit.Client, channel_id: str, encoded: str
) -> None:
    respond(httpserver, "GET", f"/v1/providers/slack/{channel_id}/auth_check", AUTH_CHECK)

    slack.check_auth(client, channel_id, tenant="acme")

    check_request(httpserver, "GET", f"/v1/providers/slack/{encoded}/auth_check?access_token_object={ACME}")


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda fn: fn.__name__)
@pytest.mark.parametrize("bad", ["a/b", "a#b", "", ".", ".."])
def test_bad_channel_ids_raise_before_sending(
    httpserver: HTTPServer, client: knockkit.Client, fn: Callable[..., Any], bad: str
) -> None:
    with pytest.raises(ValueError):
        fn(client, bad, tenant="acme")
    assert_nothing_sent(httpserver)


def test_every_public_function_is_covered() -> None:
    # access_token_object is the query-value builder the three endpoint functions share.
    assert sorted(slack.__all__) == ["access_token_object", "check_auth", "list_channels", "revoke_access"]
    assert slack.access_token_object("acme", None) == '{"object_id":"acme","collection":"$tenants"}'
    assert slack.access_token_object(None, PROJECT_OBJECT) == '{"object_id":"project_123","collection":"projects"}'
