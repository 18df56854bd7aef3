"""FakeKnock running workflows from a Knock CLI directory through the local engine: rendered
messages over the API, held runs continued by the clock, cancel and release, the terminal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
    return [dict(messages.get_content(client, m.id).data) for m in fake.messages(workflow=workflow)]


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

    assert [(m.channel or {})["type"] for m in fake.messages(recipient="agrant")] == ["email"]  # type: ignore[index]
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
    content = dict(messages.get_content(client, message.id).data)
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


def test_a_bad_directory_fails_when_the_fake_starts(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "workflow.json").write_text('{"steps": [{"ref": "d", "type": "delay"}]}')
    with pytest.raises(ValueError, match=r"broken/workflow\.json"):
        FakeKnock(workflows_dir=tmp_path)
