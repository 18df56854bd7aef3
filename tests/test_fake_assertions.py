"""What a test reads back from the fake: messages as models, assertion helpers with
readable failures, users/objects/tenants, runs and recorded requests."""

from __future__ import annotations

import pytest

import knockkit
from knockkit import objects, tenants, users, workflows
from knockkit.models import Message, User
from knockkit.testing import FakeKnock

WF = "dinosaurs-loose"


@pytest.fixture
def triggered(knock: FakeKnock, knock_client: knockkit.Client) -> str:
    knock.add_workflow(WF, steps=["in_app_feed", "email", "delay", "sms"], categories=["safety"])
    users.identify(knock_client, "jhammond", {"name": "John Hammond", "email": "jhammond@ingen.net", "cane": "amber"})
    users.identify(knock_client, "agrant", {"name": "Alan Grant"})
    result = workflows.trigger(
        knock_client, WF, recipients=["jhammond", "agrant"], actor="dnedry", tenant="jurassic-park",
        data={"type": "trex", "priority": 1}, cancellation_key="alert-1",
    )  # fmt: skip
    return result.workflow_run_id


def test_messages_returns_models_oldest_first(knock: FakeKnock, triggered: str) -> None:
    sent = knock.messages()
    assert all(isinstance(m, Message) for m in sent)
    assert [(m.recipient, m.channel.type if m.channel else None) for m in sent] == [
        ("jhammond", "in_app_feed"), ("jhammond", "email"), ("agrant", "in_app_feed"),
    ]  # fmt: skip
    assert [m.id for m in knock.messages(recipient="jhammond", channel_type="email")] == [sent[1].id]
    assert knock.messages(workflow="other") == []
    assert len(knock.messages(tenant="jurassic-park", status="sent")) == 3
    assert sent[0].source and sent[0].source.workflow_run_id == triggered


def test_assert_message_sent_returns_the_matches(knock: FakeKnock, triggered: str) -> None:
    (email,) = knock.assert_message_sent(recipient="jhammond", workflow=WF, channel_type="email", data={"type": "trex"})
    assert email.recipient == "jhammond"
    assert len(knock.assert_message_sent(workflow=WF, count=3)) == 3
    knock.assert_no_message_sent(recipient="agrant", channel_type="email")
    knock.assert_no_message_sent(data={"type": "raptor"})


def test_a_failed_assertion_says_what_happened(knock: FakeKnock, triggered: str) -> None:
    with pytest.raises(AssertionError) as caught:
        knock.assert_message_sent(recipient="agrant", channel_type="email")
    text = str(caught.value)
    assert text.splitlines()[0] == (
        "expected at least one message, found 0 matching recipient='agrant', channel_type='email'"
    )
    assert "Messages sent (3):" in text
    data = '{"priority": 1, "type": "trex"}'
    assert f"  dinosaurs-loose email -> jhammond [sent] tenant=jurassic-park data={data}" in text
    assert "Steps that sent nothing (1):\n  dinosaurs-loose email_2 -> agrant: the recipient has no email" in text
    held = "  dinosaurs-loose -> jhammond: held at delay_3 (cancellation_key='alert-1')"
    assert f"Runs held or cancelled (2):\n{held}" in text
    with pytest.raises(AssertionError, match=r"expected exactly 2 messages, found 3"):
        knock.assert_message_sent(workflow=WF, count=2)
    with pytest.raises(AssertionError, match="expected no message, found 1"):
        knock.assert_no_message_sent(recipient="agrant")


def test_describe_hints_at_missing_workflows(knock: FakeKnock) -> None:
    with pytest.raises(AssertionError, match=r"No workflows declared: call fake.add_workflow"):
        knock.assert_message_sent(recipient="jhammond")


def test_entities_as_models(knock: FakeKnock, knock_client: knockkit.Client, triggered: str) -> None:
    hammond = knock.user("jhammond")
    assert isinstance(hammond, User)
    assert (hammond.name, hammond.email) == ("John Hammond", "jhammond@ingen.net")
    assert hammond.properties == {"cane": "amber"}
    assert knock.user("nobody") is None
    tenant = knock.tenant("jurassic-park")
    assert tenant is not None and tenant.id == "jurassic-park"  # created by the trigger
    tenants.set(knock_client, "jurassic-park", {"name": "Jurassic Park"})
    assert knock.tenant("jurassic-park").name == "Jurassic Park"  # type: ignore[union-attr]
    objects.set(knock_client, "parks", "isla-nublar", {"name": "Isla Nublar"})
    park = knock.object("parks", "isla-nublar")
    assert park is not None and park.properties == {"name": "Isla Nublar"}
    assert knock.object("parks", "isla-sorna") is None


def test_runs(knock: FakeKnock, knock_client: knockkit.Client, triggered: str) -> None:
    hammond, grant = knock.runs(workflow=WF)
    assert (hammond.recipient, hammond.actor, hammond.tenant) == ("jhammond", "dnedry", "jurassic-park")
    assert (hammond.status, hammond.held_at, hammond.cancellation_key) == ("processing", "delay_3", "alert-1")
    assert hammond.workflow_run_id == grant.workflow_run_id == triggered
    assert len(hammond.message_ids) == 2 and grant.skipped == ("email_2: the recipient has no email",)
    workflows.cancel(knock_client, WF, "alert-1", recipients=["agrant"])
    assert [r.recipient for r in knock.runs(status="cancelled")] == ["agrant"]
    assert knock.runs(recipient="jhammond") == [hammond]


def test_recorded_requests(knock: FakeKnock, triggered: str) -> None:
    trigger = next(r for r in knock.requests if r.path.endswith("/trigger"))
    assert trigger.method == "POST" and trigger.status == 200
    assert trigger.body["cancellation_key"] == "alert-1"
    assert trigger.body["recipients"] == ["jhammond", "agrant"]
    assert trigger.header("Authorization") == "Bearer sk_test_***"
    assert trigger.header("idempotency-key")
    assert trigger.header("x-missing") is None
