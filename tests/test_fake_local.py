"""FakeKnock running workflows from a Knock CLI directory through the local engine: rendered
messages over the API, held runs continued by the clock, cancel and release, the terminal."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3

import knockkit
from knockkit import messages, users, workflows
from knockkit.testing import FakeKnock

pytest.importorskip("liquid")

WORKFLOWS = Path(__file__).resolve().parents[1] / "examples" / "knock" / "workflows"
APP_URL = "https://park.example"
COMMENT = {"page_id": "raptor-pen", "page_name": "Raptor pen", "preview": "The fence is down"}
ELLIE = {"id": "esattler", "name": "Ellie Sattler"}


@pytest.fixture
def fake() -> Iterator[FakeKnock]:
    with FakeKnock(workflows_dir=WORKFLOWS, vars={"app_url": APP_URL}) as server:
        yield server


@pytest.fixture
def client(fake: FakeKnock) -> Iterator[knockkit.Client]:
    knock = fake.client()
    users.identify(knock, "jhammond", {"name": "John Hammond", "email": "jhammond@ingen.net",
                                       "phone_number": "+15555550100"})  # fmt: skip
    yield knock


def contents(client: knockkit.Client, fake: FakeKnock, workflow: str) -> list[dict[str, object]]:
    """Each message's content over GET /v1/messages/{id}/content, oldest first."""
    return [messages.get_content(client, m.id).data.to_dict() for m in fake.messages(workflow=workflow)]


def test_a_loaded_workflow_renders_its_messages(fake: FakeKnock, client: knockkit.Client) -> None:
    result = workflows.trigger(client, "welcome", recipients=["jhammond"], data={"trial_days": 14})

    request = fake.requests[-1]
    assert (request.method, request.path) == ("POST", "/v1/workflows/welcome/trigger")
    assert request.body == {"recipients": ["jhammond"], "data": {"trial_days": 14}}
    email, sms = contents(client, fake, "welcome")
    assert email["subject_line"] == "Welcome to Jurassic Park, John Hammond"
    assert email["to"] == "jhammond@ingen.net"
    assert '<a href="https://park.example/dashboard">' in str(email["html_body"])
    assert "trial runs for 14 days" in str(email["text_body"])
    assert sms == {"__typename": "MessageSmsContent", "to": "+15555550100",
                   "body": "Welcome to Jurassic Park, John Hammond! Reply STOP to opt out.\n"}  # fmt: skip
    (run,) = fake.runs(workflow="welcome")
    assert run.workflow_run_id == result.workflow_run_id and run.status == "completed"
    assert run.skipped == (f"push_1: the recipient has no push channel data for channel {fake.channel_id('push')}",)
    assert [m.id for m in fake.messages(workflow="welcome")] == list(run.message_ids)


def test_step_conditions_and_trigger_frequency_come_from_the_workflow(fake: FakeKnock,
                                                                     client: knockkit.Client) -> None:  # fmt: skip
    users.identify(client, "agrant", {"name": "Alan Grant", "email": "agrant@ingen.net"})
    workflows.trigger(client, "welcome", recipients=["agrant"])
    workflows.trigger(client, "welcome", recipients=["agrant"])  # once_per_recipient

    assert [(m.channel.type if m.channel else None) for m in fake.messages(recipient="agrant")] == ["email"]  # type: ignore[index]
    first, second = fake.runs(recipient="agrant")
    assert first.skipped[0] == ("sms_1: condition: recipient.phone_number not_empty was false "
                                "(recipient.phone_number is not set)")  # fmt: skip
    assert second.skipped == ("trigger: trigger_frequency once_per_recipient: already run for this recipient",)
    assert second.message_ids == ()


def test_declared_workflows_keep_their_behaviour_next_to_loaded_ones(fake: FakeKnock,
                                                                     client: knockkit.Client) -> None:  # fmt: skip
    fake.add_workflow("welcome", steps=["in_app_feed"])  # a declared workflow wins over a loaded one
    workflows.trigger(client, "welcome", recipients=["jhammond"], data={"trial_days": 14})

    (message,) = fake.messages(workflow="welcome")
    content = messages.get_content(client, message.id).data.to_dict()
    assert content["blocks"][0]["content"] == '{"trial_days": 14}'  # type: ignore[index]


def test_an_unknown_workflow_is_still_a_404(client: knockkit.Client) -> None:
    with pytest.raises(knockkit.NotFoundError, match="workflow 'nope'"):
        workflows.trigger(client, "nope", recipients=["jhammond"])


def test_load_workflows_returns_the_keys_and_reset_forgets_the_runs(fake: FakeKnock,
                                                                   client: knockkit.Client) -> None:  # fmt: skip
    assert fake.load_workflows(WORKFLOWS) == ["invoice-due", "new-comment", "order-shipped", "welcome"]
    workflows.trigger(client, "welcome", recipients=["jhammond"])
    fake.reset()
    users.identify(client, "jhammond", {"name": "John Hammond", "email": "jhammond@ingen.net"})
    workflows.trigger(client, "welcome", recipients=["jhammond"])  # once per recipient: a new engine

    (run,) = fake.runs()
    assert run.status == "completed" and len(run.message_ids) == 1


def test_without_the_local_extra_loading_says_what_to_install() -> None:
    code = ("import sys; sys.modules['liquid'] = None\n"
            "from knockkit.testing import FakeKnock\n"
            f"FakeKnock(workflows_dir={str(WORKFLOWS)!r})")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "ImportError: running loaded workflows needs the 'local' extra: pip install 'knockkit[local]' " \
        "(missing: liquid)" in done.stderr


def test_a_bad_directory_fails_when_the_fake_starts(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "workflow.json").write_text('{"steps": [{"ref": "d", "type": "delay"}]}')
    with pytest.raises(ValueError, match=r"broken/workflow\.json"):
        FakeKnock(workflows_dir=tmp_path)


# --- the clock ---------------------------------------------------------------------------------


def post_clock(fake: FakeKnock, body: Any) -> urllib3.BaseHTTPResponse:
    return urllib3.request("POST", fake.url + "/_fake/clock/advance", json=body,
                           headers={"Authorization": f"Bearer {fake.api_key}"}, retries=False)  # fmt: skip


def comment(client: knockkit.Client, actor: dict[str, str], preview: str) -> None:
    workflows.trigger(client, "new-comment", recipients=["jhammond"], actor=actor, data={**COMMENT, "preview": preview})


def test_the_clock_closes_batches_and_ends_delays(fake: FakeKnock, client: knockkit.Client) -> None:
    comment(client, ELLIE, "The fence is down")
    fake.clock.advance(minutes=2)
    comment(client, {"id": "agrant", "name": "Alan Grant"}, "Clever girl")
    assert fake.messages(workflow="new-comment") == [] and fake.runs()[0].held_at == "batch_1"

    fake.clock.advance(minutes=3)  # the 5-minute batch window closes
    (feed,) = contents(client, fake, "new-comment")
    assert feed["blocks"][0]["content"] == "**Ellie Sattler** and 1 other left 2 comments on *Raptor pen*\n"  # type: ignore[index]
    assert fake.runs()[0].held_at == "delay_1"

    fake.clock.set(fake.clock.now() + dt.timedelta(minutes=10))  # the delay ends: the unread feed item gets an email
    _feed_item, email = contents(client, fake, "new-comment")
    assert email["subject_line"] == "2 new comments on Raptor pen"
    assert "<li><strong>Alan Grant</strong>: Clever girl</li>" in str(email["html_body"])
    assert [r.status for r in fake.runs()] == ["completed", "completed"]


def test_reading_the_feed_item_skips_the_email(fake: FakeKnock, client: knockkit.Client) -> None:
    comment(client, ELLIE, "The fence is down")
    fake.clock.advance(minutes=5)
    (feed,) = fake.messages(workflow="new-comment")
    messages.mark_as_read(client, feed.id)
    fake.clock.advance(minutes=10)

    assert [m.id for m in fake.messages(workflow="new-comment")] == [feed.id]
    (run,) = fake.runs()
    assert run.status == "completed" and run.skipped[0].startswith("email_1: condition: ")


def test_the_clock_over_http(fake: FakeKnock, client: knockkit.Client) -> None:
    comment(client, ELLIE, "The fence is down")
    before = fake.clock.now()

    reply = post_clock(fake, {"minutes": 5})
    assert reply.status == 200
    answer = reply.json()
    moved = dt.datetime.fromisoformat(answer["now"].replace("Z", "+00:00")) - before
    assert dt.timedelta(minutes=5) <= moved < dt.timedelta(minutes=6)  # the clock follows real time between jumps
    assert answer["outcomes"][:2] == [
        "new-comment → jhammond · batch_1 (batch): passed — batch elapsed with 1 activity",
        "new-comment → jhammond · in_app_feed_1 (in_app_feed): sent"]  # fmt: skip
    assert answer["outcomes"][2].startswith("new-comment → jhammond · delay_1 (delay): held until ")
    later = (before + dt.timedelta(minutes=20)).isoformat()
    assert post_clock(fake, {"to": later}).json()["outcomes"] == [
        "new-comment → jhammond · delay_1 (delay): passed — delay elapsed",
        "new-comment → jhammond · email_1 (email): sent"]  # fmt: skip


@pytest.mark.parametrize("body, message", [
    ({}, "the body must be"), ({"fortnights": 1}, "got keys ['fortnights']"),
    ({"seconds": "5"}, "seconds must be a number"),
    ({"seconds": -5}, "only moves forward"), ({"to": "yesterday"}, "ISO 8601"), ([1], "must be a JSON object"),
])  # fmt: skip
def test_a_bad_clock_request_is_a_422(fake: FakeKnock, body: Any, message: str) -> None:
    reply = post_clock(fake, body)
    assert reply.status == 422 and message in reply.json()["message"]


def test_without_loaded_workflows_there_is_no_clock_route() -> None:
    with FakeKnock() as fake:
        reply = post_clock(fake, {"seconds": 1})
        assert reply.status == 422 and "--workflows DIR" in reply.json()["message"]
        assert post_clock(fake, None).status == 422


def test_release_and_cancel_reach_loaded_workflows(fake: FakeKnock, client: knockkit.Client) -> None:
    workflows.trigger(client, "new-comment", recipients=["jhammond"], data=COMMENT, cancellation_key="c1")
    users.identify(client, "agrant", {"name": "Alan Grant", "email": "agrant@ingen.net"})
    workflows.trigger(client, "new-comment", recipients=["agrant"], data=COMMENT, cancellation_key="c2")

    assert fake.release(recipient="jhammond") == 1  # past the batch, on to the delay
    assert [r.held_at for r in fake.runs()] == ["delay_1", "batch_1"]
    workflows.cancel(client, "new-comment", "c2")  # its activity leaves the batch; the batch closes empty
    assert fake.release() == 2
    assert [r.status for r in fake.runs()] == ["completed", "cancelled"]
    assert fake.runs()[1].skipped[-1] == "batch_1: the batch closed with no activities (all were cancelled)"
    assert [(m.recipient, (m.channel.type if m.channel else None)) for m in fake.messages()] == [  # type: ignore[index]
        ("jhammond", "in_app_feed"), ("jhammond", "email")]


# --- the terminal ------------------------------------------------------------------------------


def test_the_standalone_server_loads_workflows_and_prints_each_step() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNOCK_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "knockkit.testing", "--port", "0", "--workflows", str(WORKFLOWS),
         "--var", f"app_url={APP_URL}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        banner = []
        while not banner or not banner[-1].startswith("Press Ctrl-C"):
            banner.append(process.stdout.readline())
        url = re.search(r"http://127\.0\.0\.1:\d+", banner[0])
        key = re.search(r"API key: (\S+)", banner[1])
        assert url and key, banner
        assert f"  push: {FakeKnock.channel_id('push')}\n" in banner
        assert "workflow new-comment (loaded): batch_1 -> in_app_feed_1 -> delay_1 -> email_1\n" in banner
        assert f"inbox (open in a browser): {url.group(0)}/\n" in banner
        assert b"<title>Inbox" in urllib3.request("GET", url.group(0) + "/").data
        client = knockkit.Client(api_key=key.group(1), base_url=url.group(0), backoff_factor=0.001)
        users.identify(client, "jhammond", {"name": "John Hammond", "email": "jhammond@ingen.net"})
        workflows.trigger(client, "welcome", recipients=["jhammond"], data={"trial_days": 14})
        moved = urllib3.request("POST", url.group(0) + "/_fake/clock/advance", json={"minutes": 1},
                                headers={"Authorization": f"Bearer {key.group(1)}"})  # fmt: skip
        assert moved.status == 200
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "welcome → jhammond · email_1 (email): sent\n" in err
    assert ("welcome → jhammond · sms_1 (sms): skipped — condition: recipient.phone_number not_empty was false "
            "(recipient.phone_number is not set)\n") in err  # fmt: skip
    assert "POST /_fake/clock/advance -> 200" in err


def test_the_standalone_server_names_a_malformed_workflow_file(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "workflow.json").write_text("{")
    result = subprocess.run([sys.executable, "-m", "knockkit.testing", "--port", "0", "--workflows", str(tmp_path)],
                            capture_output=True, text=True, timeout=30)  # fmt: skip
    assert result.returncode == 2
    assert "broken/workflow.json" in result.stderr and "Traceback" not in result.stderr
