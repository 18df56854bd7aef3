"""The fake's inbox over real HTTP: the page and its files, the JSON it polls (rendered
messages, step outcomes with reasons, the request log without the key), its buttons and who
may press them (the banner line is checked in test_fake_local)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3

import knockkit
from knockkit import users, workflows
from knockkit.testing import FAKE_API_KEY, FakeKnock
from tests.test_fake_local import APP_URL, WORKFLOWS

pytest.importorskip("liquid")

JOHN = {"name": "John Hammond", "email": "jhammond@ingen.net"}


@pytest.fixture
def fake() -> Iterator[FakeKnock]:
    """A fake serving examples/knock/workflows, with John Hammond (no phone number) identified."""
    with FakeKnock(workflows_dir=WORKFLOWS, vars={"app_url": APP_URL}) as server:
        users.identify(server.client(), "jhammond", JOHN)
        yield server


@pytest.fixture
def client(fake: FakeKnock) -> knockkit.Client:
    return fake.client()


def get(fake: FakeKnock, path: str, **headers: str) -> urllib3.BaseHTTPResponse:
    return urllib3.request("GET", fake.url + path, headers=headers or None, retries=False)


def state(fake: FakeKnock) -> dict[str, Any]:
    response = get(fake, "/_fake/inbox/state")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    answer: dict[str, Any] = response.json()
    return answer


def token_of(fake: FakeKnock) -> str:
    found = re.search(r'name="knockkit-inbox-token" content="([^"]+)"', get(fake, "/").data.decode())
    assert found
    return found.group(1)


def press(fake: FakeKnock, action: str, body: Any, **headers: str) -> urllib3.BaseHTTPResponse:
    """A button's POST as the page sends it (its origin and token), unless headers say otherwise."""
    sent = {"Origin": fake.url, "X-Knockkit-Inbox-Token": token_of(fake), "Content-Type": "application/json"}
    sent.update(headers)
    return urllib3.request("POST", f"{fake.url}/_fake/inbox/{action}", body=json.dumps(body).encode(),
                           headers={k: v for k, v in sent.items() if v}, retries=False)  # fmt: skip


def test_the_state_shows_the_rendered_email_and_why_steps_sent_nothing(fake: FakeKnock,
                                                                      client: knockkit.Client) -> None:  # fmt: skip
    workflows.trigger(client, "welcome", recipients=["jhammond"], data={"trial_days": 14})

    shown = state(fake)
    assert shown["recipients"] == [{"key": "jhammond", "kind": "user", "name": "John Hammond",
                                    "email": "jhammond@ingen.net", "phone_number": None}]  # fmt: skip
    (email,) = shown["messages"]
    (sent,) = fake.messages()
    assert email["id"] == sent.id
    assert (email["recipient"], email["channel_type"], email["workflow"], email["step_ref"], email["status"]) == (
        "jhammond", "email", "welcome", "email_1", "sent")  # fmt: skip
    assert email["content"]["subject"] == "Welcome to Jurassic Park, John Hammond"
    assert email["content"]["to"] == "jhammond@ingen.net"
    assert email["content"]["html"].startswith("<h1>Welcome, John Hammond!</h1>")
    assert '<a href="https://park.example/dashboard">' in email["content"]["html"]
    assert "trial runs for 14 days" in email["content"]["text"]
    (run,) = shown["runs"]
    assert (run["workflow"], run["recipient"], run["status"], run["held_at"]) == (
        "welcome", "jhammond", "completed", None)  # fmt: skip
    assert [(s["ref"], s["kind"], s["status"], s["reason"]) for s in run["steps"]] == [
        ("email_1", "email", "sent", ""),
        ("sms_1", "sms", "skipped",
         "condition: recipient.phone_number not_empty was false (recipient.phone_number is not set)"),
        ("push_1", "push", "skipped", f"the recipient has no push channel data for channel {fake.channel_id('push')}"),
    ]  # fmt: skip
    assert run["steps"][0]["message_id"] == sent.id


def test_the_request_log_has_method_path_status_and_time_never_the_key_or_bodies(
    fake: FakeKnock, client: knockkit.Client
) -> None:
    workflows.trigger(client, "welcome", recipients=["jhammond"], data={"trial_days": 14, "secret": "s3cr3t"})
    with pytest.raises(knockkit.AuthenticationError):
        users.get(fake.client(api_key="sk_test_wrong_key_123456"), "jhammond")

    response = get(fake, "/_fake/inbox/state")
    shown = response.json()
    assert [(r["method"], r["path"], r["status"]) for r in shown["requests"]] == [
        ("GET", "/v1/users/jhammond", 401),
        ("POST", "/v1/workflows/welcome/trigger", 200),
        ("PUT", "/v1/users/jhammond", 200),
    ]  # newest first  # fmt: skip
    assert all(set(r) == {"method", "path", "status", "at", "ms"} for r in shown["requests"])
    received = [dt.datetime.fromisoformat(r["at"].replace("Z", "+00:00")) for r in shown["requests"]]
    assert received == sorted(received, reverse=True)
    assert received[0] == fake.requests[-1].received_at
    text = response.data.decode()
    for secret in (FAKE_API_KEY, "sk_test_wrong_key_123456", "sk_test_***", "Bearer", "s3cr3t"):
        assert secret not in text
    assert FAKE_API_KEY not in get(fake, "/").data.decode()


def test_inbox_requests_need_no_key_and_are_not_recorded(fake: FakeKnock) -> None:
    before = fake.requests
    for path in ("/", "/_fake/", "/_fake/inbox", "/_fake/inbox/state", "/_fake/inbox/static/inbox.js"):
        assert get(fake, path).status == 200, path
    assert fake.requests == before
    # Knock's own routes still want the key.
    assert urllib3.request("GET", fake.url + "/v1/users", retries=False).status == 401


def test_the_page_and_its_files(fake: FakeKnock) -> None:
    page = get(fake, "/")
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "default-src 'none'" in policy
    html = page.data.decode()
    assert '<script src="/_fake/inbox/static/inbox.js" defer></script>' in html
    assert "__KNOCKKIT_INBOX_TOKEN__" not in html
    assert get(fake, "/_fake/").data == page.data
    assert token_of(fake) == token_of(fake)  # one token per fake
    with FakeKnock() as other:
        assert token_of(other) != token_of(fake)
    script = get(fake, "/_fake/inbox/static/inbox.js")
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert 'frame.setAttribute("sandbox", "")' in script.data.decode()
    assert "innerHTML" not in script.data.decode()
    assert get(fake, "/_fake/inbox/static/inbox.css").headers["Content-Type"] == "text/css; charset=utf-8"
    for missing in ("/_fake/inbox/static/index.html", "/_fake/inbox/static/../__init__.py", "/_fake/inbox/nope"):
        response = get(fake, missing)
        assert response.status == 404, missing
        assert "error" in response.json()


def test_another_host_name_is_refused(fake: FakeKnock) -> None:
    # A page of another site whose DNS name now points at 127.0.0.1 (DNS rebinding) sends its own Host.
    for path in ("/", "/_fake/inbox/state"):
        response = get(fake, path, Host="attacker.example")
        assert response.status == 403
        assert "own 127.0.0.1 address" in response.json()["error"]
    assert get(fake, "/", Host=f"localhost:{fake.port}").status == 200


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"Origin": ""}, "Origin is not the fake's"),
        ({"Origin": "http://attacker.example"}, "Origin is not the fake's"),
        ({"X-Knockkit-Inbox-Token": ""}, "need the token"),
        ({"X-Knockkit-Inbox-Token": "guessed"}, "need the token"),
    ],
)
def test_buttons_need_the_pages_origin_and_token(fake: FakeKnock, client: knockkit.Client,
                                                 headers: dict[str, str], message: str) -> None:  # fmt: skip
    workflows.trigger(client, "new-comment", recipients=["jhammond"], actor={"id": "esattler"},
                      data={"page_id": "p", "page_name": "P", "preview": "hi"})  # fmt: skip
    before = fake.clock.now()
    for action, body in (("advance", {"minutes": 60}), ("release", {})):
        response = press(fake, action, body, **headers)
        assert response.status == 403
        assert message in response.json()["error"]
    assert fake.runs()[0].status == "processing"
    assert fake.clock.now() - before < dt.timedelta(minutes=1)


def test_advance_continues_held_runs(fake: FakeKnock, client: knockkit.Client) -> None:
    comment = {"page_id": "raptor-pen", "page_name": "Raptor pen", "preview": "The fence is down"}
    workflows.trigger(client, "new-comment", recipients=["jhammond"], actor={"id": "esattler", "name": "Ellie"},
                      data=comment)  # fmt: skip
    (run,) = state(fake)["runs"]
    assert (run["status"], run["held_at"]) == ("processing", "batch_1")
    ((step),) = run["steps"]
    assert (step["ref"], step["status"]) == ("batch_1", "held")
    assert step["until"] == run["held_until"]
    before = fake.clock.now()

    moved = press(fake, "advance", {"minutes": 5})

    assert moved.status == 200
    now = dt.datetime.fromisoformat(moved.json()["now"].replace("Z", "+00:00"))
    assert now - before >= dt.timedelta(minutes=5)
    shown = state(fake)
    (feed,) = shown["messages"]
    assert feed["channel_type"] == "in_app_feed"
    assert feed["content"] == {"body": '**Ellie** commented on *Raptor pen*: "The fence is down"\n',
                               "action_url": f"{APP_URL}/pages/raptor-pen", "buttons": []}  # fmt: skip
    (run,) = shown["runs"]
    assert [(s["ref"], s["status"]) for s in run["steps"]] == [
        ("batch_1", "held"), ("batch_1", "passed"), ("in_app_feed_1", "sent"), ("delay_1", "held")]
    assert run["held_at"] == "delay_1"
    # sent at its step's time on the workflows' clock (the batch window's end), not the wall clock's
    assert feed["sent_at"] == run["steps"][2]["at"] == run["steps"][0]["until"]


def test_release_lets_held_runs_go_on(fake: FakeKnock, client: knockkit.Client) -> None:
    fake.add_workflow("dinosaurs-loose", steps=["delay", "email"])
    workflows.trigger(client, "dinosaurs-loose", recipients=["jhammond"])
    (run,) = state(fake)["runs"]
    assert run["steps"] == [{"ref": "delay_1", "kind": "delay", "status": "held", "until": None,
                             "reason": "until released", "message_id": None, "at": None}]  # fmt: skip

    released = press(fake, "release", {})

    assert released.json() == {"released": 1}
    (run,) = state(fake)["runs"]
    assert run["status"] == "completed"
    (email,) = fake.messages()
    assert [(s["ref"], s["status"], s["message_id"]) for s in run["steps"]] == [("email_2", "sent", email.id)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, 'the body must be {"minutes": N}'),
        ({"minutes": "5"}, 'the body must be {"minutes": N}'),
        ({"minutes": True}, 'the body must be {"minutes": N}'),
        ({"minutes": 5, "hours": 1}, 'the body must be {"minutes": N}'),
        ({"minutes": 0}, "minutes must be more than 0"),
        ({"minutes": -5}, "minutes must be more than 0"),
        ({"minutes": 1e12}, "minutes must be more than 0"),
        ([5], "the body must be a JSON object"),
    ],
)
def test_a_bad_advance_is_a_400(fake: FakeKnock, body: Any, message: str) -> None:
    response = press(fake, "advance", body)
    assert response.status == 400
    assert message in response.json()["error"]


def test_methods_are_checked(fake: FakeKnock) -> None:
    assert urllib3.request("POST", fake.url + "/", retries=False).status == 405
    assert get(fake, "/_fake/inbox/advance").status == 405


def test_without_loaded_workflows_there_is_no_clock() -> None:
    with FakeKnock() as fake:
        fake.add_workflow("dinosaurs-loose", steps=["email"])
        client = fake.client()
        users.identify(client, "agrant", {"name": "Alan Grant"})  # no email
        workflows.trigger(client, "dinosaurs-loose", recipients=["agrant"])
        shown = state(fake)
        assert shown["clock"] is None
        (run,) = shown["runs"]
        assert run["steps"] == [{"ref": "email_1", "kind": "email", "status": "skipped", "until": None,
                                 "reason": "the recipient has no email", "message_id": None, "at": None}]  # fmt: skip
        response = press(fake, "advance", {"minutes": 5})
        assert response.status == 409
        assert "no workflows are loaded" in response.json()["error"]
