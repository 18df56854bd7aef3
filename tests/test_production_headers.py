"""Default headers: ``Client(headers=...)`` on every request (issue 10, item 3), for both clients."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import users, workflows
from tests.conftest import TEST_KEY, call

USER = {"id": "jhammond"}


def test_default_headers_go_on_every_request(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/jhammond", method="PUT").respond_with_json(USER)
    httpserver.expect_request("/v1/workflows/wf/trigger", method="POST").respond_with_json({"workflow_run_id": "r"})
    client = any_client.evolve(headers={"X-App-Name": "billing", "X-Trace-Note": "one two"}, branch="feature-x")
    call(users.identify, client, "jhammond", {"name": "John"})
    call(workflows.trigger, client, "wf", recipients=["jhammond"], idempotency_key="order-1")
    for request, _ in httpserver.log:
        assert request.headers["X-App-Name"] == "billing"
        assert request.headers["X-Trace-Note"] == "one two"
        assert request.headers["Authorization"] == f"Bearer {TEST_KEY}"
        assert request.headers["X-Knock-Branch"] == "feature-x"
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["User-Agent"].startswith("knockkit/")
    assert httpserver.log[1][0].headers["Idempotency-Key"] == "order-1"


def test_user_agent_and_accept_may_be_replaced_in_any_case(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/jhammond").respond_with_json(USER)
    client = any_client.evolve(headers={"user-agent": "billing/2.0 knockkit", "ACCEPT": "application/json; q=1"})
    assert call(users.get, client, "jhammond").id == "jhammond"
    request = httpserver.log[0][0]
    assert request.headers.getlist("User-Agent") == ["billing/2.0 knockkit"]
    assert request.headers.getlist("Accept") == ["application/json; q=1"]
    assert request.headers["Accept-Encoding"] == "identity"


def test_a_client_without_headers_sends_only_its_own(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/jhammond").respond_with_json(USER)
    call(users.get, any_client, "jhammond")
    sent = {name.lower() for name, _ in httpserver.log[0][0].headers.items()}
    assert sent == {"host", "authorization", "user-agent", "accept", "accept-encoding"}


def test_an_aiohttp_session_of_your_own_is_sent_every_header(httpserver: HTTPServer) -> None:
    # knockkit's own session sends its own headers as session defaults; a caller's session
    # has none of them, so each request carries them all.
    httpserver.expect_request("/v1/users/jhammond").respond_with_json(USER)

    async def two_gets() -> str:
        async with aiohttp.ClientSession() as session:
            client = knockkit.AsyncClient(
                api_key=TEST_KEY, base_url=httpserver.url_for("/"), transport=session,
                headers={"user-agent": "billing/2.0", "X-App-Name": "billing"},
            )  # fmt: skip
            user = await users.get(client, "jhammond")
            await users.get(client.evolve(headers=None), "jhammond")
            return user.id

    assert asyncio.run(two_gets()) == "jhammond"
    customised, plain = (request for request, _ in httpserver.log)
    assert customised.headers.getlist("User-Agent") == ["billing/2.0"]
    assert customised.headers["X-App-Name"] == "billing"
    assert customised.headers["Accept"] == "application/json"
    assert customised.headers["Accept-Encoding"] == "identity"
    assert customised.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert {name.lower() for name, _ in plain.headers.items()} == {
        "host", "authorization", "user-agent", "accept", "accept-encoding",
    }  # fmt: skip
    assert plain.headers["User-Agent"].startswith("knockkit/")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("Authorization", "it carries api_key; pass api_key= instead"),
        ("idempotency-key", "it is per call; pass idempotency_key= to workflows.trigger or knockkit.request"),
        ("X-Knock-Branch", "pass branch= instead"),
        ("Content-Type", "knockkit sends every body as JSON (application/json)"),
        ("Accept-Encoding", "knockkit reads bodies as sent (identity), within max_response_bytes"),
        ("Host", "it comes from base_url"),
    ],
)
def test_knockkits_own_headers_cannot_be_overridden(name: str, why: str) -> None:
    for cls in (knockkit.Client, knockkit.AsyncClient):
        with pytest.raises(ValueError) as info:
            cls(api_key=TEST_KEY, headers={name: "x"})
        assert str(info.value) == f"headers cannot set {name}: {why}"
        with pytest.raises(ValueError, match=f"^headers cannot set {name}"):
            cls(api_key=TEST_KEY).evolve(headers={name: "x"})


@pytest.mark.parametrize(
    ("headers", "error", "message"),
    [
        ({"X-A": "line\nbreak"}, ValueError, r"headers\['X-A'\] contains whitespace \(U\+000A"),
        ({"X-A": " padded"}, ValueError, r"headers\['X-A'\] contains leading or trailing whitespace"),
        ({"X-A": ""}, ValueError, r"headers\['X-A'\] must not be empty"),
        ({"X-A": 1}, TypeError, r"headers\['X-A'\] must be a string, not int"),
        ({"X A": "v"}, ValueError, r"headers: 'X A' is not a header name"),
        ({"": "v"}, ValueError, r"headers: '' is not a header name"),
        ({"X-Ä": "v"}, ValueError, r"headers: 'X-Ä' is not a header name"),
        ({1: "v"}, TypeError, r"headers: header names must be strings, not int"),
        ({"X-A": "1", "x-a": "2"}, ValueError, r"headers gives 'x-a' twice \(header names are case-insensitive\)"),
        ([("X-A", "1")], TypeError, r"headers must be a mapping of header names to values, not list"),
    ],
)
def test_bad_headers_are_refused_when_the_client_is_made(
    headers: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"^{message}"):
        knockkit.Client(api_key=TEST_KEY, headers=headers)


def test_headers_are_a_read_only_case_insensitive_part_of_the_value() -> None:
    client = knockkit.Client(api_key=TEST_KEY, headers={"X-App-Name": "billing"})
    assert client.headers["x-app-name"] == "billing" and "X-APP-NAME" in client.headers
    assert dict(client.headers) == {"X-App-Name": "billing"}
    with pytest.raises(TypeError):
        client.headers["X-Other"] = "v"  # type: ignore[index]
    same = knockkit.Client(api_key=TEST_KEY, headers={"x-app-name": "billing"})
    assert client == same and hash(client) == hash(same)
    assert client != client.evolve(headers={"X-App-Name": "other"})
    assert client.evolve(headers={}) == knockkit.Client(api_key=TEST_KEY)
    assert "billing" not in repr(client)
    assert "headers={'X-App-Name': '***'}" in repr(client)


def test_declared_instances_take_headers_like_any_setting() -> None:
    class HeaderKnock(knockkit.KnockInstance, app="headers-app"):
        pass

    knockkit.configure("headers-app", HeaderKnock, api_key=TEST_KEY, headers={"X-App-Name": "billing"})
    assert HeaderKnock.client().headers == {"X-App-Name": "billing"}
    assert HeaderKnock.async_client().headers == {"X-App-Name": "billing"}
    assert HeaderKnock.client(headers={"X-Other": "v"}).headers == {"X-Other": "v"}
