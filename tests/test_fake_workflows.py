"""FakeKnock's workflows: declaring them, trigger semantics (inline identification, fan-out,
who can receive what, preferences), run ids, holds, batches, cancellation, idempotency."""

from __future__ import annotations

import json

import pytest
import urllib3

import knockkit
from knockkit import feeds, messages, objects, tenants, users, workflow_recipient_runs, workflows
from knockkit.models import ChannelTypePreferences, ObjectReference, PushChannelData
from knockkit.testing import FakeKnock, Step

WF = "dinosaurs-loose"
APNS = "8209a4f2-4a1d-4f9c-9f0e-0c7a8e4d2b11"
FEED = FakeKnock.channel_id("in_app_feed")
EMAIL = FakeKnock.channel_id("email")


def sent(fake: FakeKnock, **criteria: object) -> list[tuple[object, str]]:
    """(recipient, channel type) of each message, oldest first."""
    return [(m.recipient, m.channel.type if m.channel else "") for m in fake.messages(**criteria)]


# --- declaring workflows ---------------------------------------------------------------------


def test_steps_as_names_steps_and_mappings(knock: FakeKnock) -> None:
    workflow = knock.add_workflow(
        WF,
        steps=["in_app_feed", Step("push", channel_id=APNS), {"type": "email", "ref": "welcome"}, "delay"],
        categories=["safety"],
    )
    feed, push, email, delay = workflow.steps
    assert (feed.type, feed.channel_id, feed.ref) == ("in_app_feed", FEED, "in_app_feed_1")
    assert (push.channel_id, email.ref, delay.channel_id) == (APNS, "welcome", None)
    assert workflow.categories == ("safety",) and workflow.commercial is False
    assert FakeKnock.channel_id("push") == FakeKnock.channel_id("push") != FakeKnock.channel_id("chat")


@pytest.mark.parametrize("steps", [["telegram"], [{"channel_id": "x"}], [{"type": "email", "colour": "red"}], [42]])
def test_bad_steps_are_refused(knock: FakeKnock, steps: list[object]) -> None:
    with pytest.raises((ValueError, TypeError)):
        knock.add_workflow(WF, steps=steps)  # type: ignore[arg-type]


def test_unknown_workflow_gives_knocks_404(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    with pytest.raises(knockkit.NotFoundError) as caught:
        workflows.trigger(knock_client, "no-such-workflow", recipients=["jhammond"])
    assert caught.value.code == "resource_missing"
    assert caught.value.body == {
        "code": "resource_missing", "message": "The workflow 'no-such-workflow' was not found",
        "status": 404, "type": "api_error",
    }  # fmt: skip
    with pytest.raises(knockkit.NotFoundError):
        workflows.cancel(knock_client, "no-such-workflow", "key-1")
    assert knock.runs() == [] and knock.user("jhammond") is None


def test_redeclaring_replaces_the_workflow(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow(WF, steps=["email"])
    knock.add_workflow(WF, steps=["in_app_feed"])
    workflows.trigger(knock_client, WF, recipients=[{"id": "jhammond", "email": "j@ingen.net"}])
    assert sent(knock) == [("jhammond", "in_app_feed")]


# --- trigger semantics ------------------------------------------------------------------------


def test_trigger_identifies_recipients_actor_and_tenant_inline(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow(WF, steps=["in_app_feed"])
    users.identify(knock_client, "jhammond", {"name": "John Hammond", "park": {"name": "Jurassic", "open": False}})
    workflows.trigger(
        knock_client, WF,
        recipients=[{"id": "jhammond", "park": {"open": True}}, {"id": "agrant", "email": "agrant@ingen.net"}],
        actor={"id": "dnedry", "name": "Dennis Nedry"},
        tenant={"id": "jurassic-park", "name": "Jurassic Park"},
    )  # fmt: skip
    hammond = knock.user("jhammond")
    assert hammond is not None and hammond.name == "John Hammond"
    assert hammond.properties["park"] == {"name": "Jurassic", "open": True}  # deep merge
    grant, nedry = knock.user("agrant"), knock.user("dnedry")
    assert grant is not None and grant.email == "agrant@ingen.net"
    assert nedry is not None and nedry.name == "Dennis Nedry"
    tenant = knock.tenant("jurassic-park")
    assert tenant is not None and tenant.name == "Jurassic Park"
    assert sent(knock) == [("jhammond", "in_app_feed"), ("agrant", "in_app_feed")]
    assert [m.actors for m in knock.messages()] == [["dnedry"], ["dnedry"]]
    assert {m.tenant for m in knock.messages()} == {"jurassic-park"}


def test_inline_channel_data_and_preferences(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow(WF, steps=[Step("push", channel_id=APNS), "email"])
    recipient = {
        "id": "jhammond", "email": "j@ingen.net",
        "channel_data": {APNS: {"tokens": ["apns-1"]}},
        "preferences": {"default": {"channel_types": {"email": False}}},
    }  # fmt: skip
    workflows.trigger(knock_client, WF, recipients=[recipient])
    assert sent(knock) == [("jhammond", "push")]
    data = users.get_channel_data(knock_client, "jhammond", APNS).data
    assert isinstance(data, PushChannelData) and data.tokens == ["apns-1"]


def test_object_recipients_fan_out_to_subscribers(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow(WF, steps=["in_app_feed"])
    objects.set(knock_client, "parks", "isla-nublar", {"name": "Isla Nublar"})
    objects.add_subscriptions(knock_client, "parks", "isla-nublar", ["jhammond", "agrant", "dnedry", "imalcolm"])
    workflows.trigger(
        knock_client, WF, recipients=[{"id": "isla-nublar", "collection": "parks"}, "agrant"], actor="dnedry"
    )
    # The object itself, each subscriber once (agrant is also named directly), never the actor.
    assert sent(knock) == [
        (ObjectReference(id="isla-nublar", collection="parks"), "in_app_feed"),
        ("jhammond", "in_app_feed"),
        ("agrant", "in_app_feed"),
        ("imalcolm", "in_app_feed"),
    ]
    assert len({r.workflow_run_id for r in knock.runs()}) == 1


def test_a_message_only_where_the_recipient_can_receive_it(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow(WF, steps=["in_app_feed", "email", "sms", Step("push", channel_id=APNS), "chat"])
    users.identify(knock_client, "bare", {})
    users.identify(knock_client, "full", {"email": "full@ingen.net", "phone_number": "+15555550100"})
    users.set_channel_data(knock_client, "full", APNS, {"tokens": ["t1"]})
    users.set_channel_data(knock_client, "full", FakeKnock.channel_id("chat"), {"connections": [{"user_id": "U1"}]})
    users.set_channel_data(knock_client, "bare", FakeKnock.channel_id("push"), {"tokens": ["t2"]})  # another channel
    users.set_channel_data(knock_client, "bare", APNS, {"tokens": []})  # no token: nothing to push to
    workflows.trigger(knock_client, WF, recipients=["bare", "full"])
    assert sent(knock, recipient="full") == [
        ("full", "in_app_feed"), ("full", "email"), ("full", "sms"), ("full", "push"), ("full", "chat"),
    ]  # fmt: skip
    assert sent(knock, recipient="bare") == [("bare", "in_app_feed")]
    (bare_run,) = knock.runs(recipient="bare")
    assert bare_run.skipped == (
        "email_2: the recipient has no email",
        "sms_3: the recipient has no phone_number",
        f"push_4: the recipient has no push channel data for channel {APNS}",
        f"chat_5: the recipient has no chat channel data for channel {FakeKnock.channel_id('chat')}",
    )


@pytest.mark.parametrize(
    ("preferences", "expected"),
    [
        ({"channel_types": {"email": False}}, ["in_app_feed"]),
        ({"workflows": {WF: False}}, []),
        ({"workflows": {WF: {"channel_types": {"in_app_feed": False}}}}, ["email"]),
        ({"workflows": {"other": False}}, ["in_app_feed", "email"]),
        ({"categories": {"safety": False}}, []),
        ({"categories": {"safety": {"channel_types": {"email": False}}}}, ["in_app_feed"]),
        ({"categories": {"marketing": False}}, ["in_app_feed", "email"]),
        ({"channel_types": {"email": False}, "channels": {EMAIL: True}}, ["in_app_feed", "email"]),
        ({"channels": {FakeKnock.channel_id("in_app_feed"): False}}, ["email"]),
        ({"channel_types": {"email": {"conditions": [{"variable": "x", "operator": "equal_to", "argument": 1}]}}},
         ["in_app_feed", "email"]),
        ({"commercial_subscribed": False}, ["in_app_feed", "email"]),  # not a commercial workflow
    ],
)  # fmt: skip
def test_preferences_decide_each_step(knock: FakeKnock, knock_client: knockkit.Client, preferences: dict[str, object],
                                      expected: list[str]) -> None:  # fmt: skip
    knock.add_workflow(WF, steps=["in_app_feed", "email"], categories=["safety", "alerts"])
    users.identify(knock_client, "jhammond", {"email": "j@ingen.net"})
    users.set_preferences(knock_client, "jhammond", preferences)
    workflows.trigger(knock_client, WF, recipients=["jhammond"])
    assert [kind for _, kind in sent(knock)] == expected


def test_commercial_workflows_need_commercial_subscribed(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow("newsletter", steps=["email"], commercial=True)
    for user_id, subscribed in (("in", True), ("out", False), ("unset", None)):
        users.identify(knock_client, user_id, {"email": f"{user_id}@ingen.net"})
        if subscribed is not None:
            users.set_preferences(knock_client, user_id, {"commercial_subscribed": subscribed})
    workflows.trigger(knock_client, "newsletter", recipients=["in", "out", "unset"])
    assert sent(knock) == [("in", "email"), ("unset", "email")]
    (out,) = knock.runs(recipient="out")
    assert out.skipped == ("email_1: commercial_subscribed is false for a commercial workflow",)


def test_per_tenant_preference_sets(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow(WF, steps=["in_app_feed", "email"])
    users.identify(knock_client, "jhammond", {"email": "j@ingen.net"})
    users.set_preferences(knock_client, "jhammond", {"channel_types": {"email": False}}, preference_set="jurassic-park")
    tenants.set(knock_client, "isla-sorna", settings={"preference_set": {"channel_types": {"in_app_feed": False}}})
    workflows.trigger(knock_client, WF, recipients=["jhammond"], tenant="jurassic-park")
    workflows.trigger(knock_client, WF, recipients=["jhammond"], tenant="isla-sorna")
    workflows.trigger(knock_client, WF, recipients=["jhammond"])
    assert [(m.tenant, m.channel.type if m.channel else "") for m in knock.messages()] == [
        ("jurassic-park", "in_app_feed"),
        ("isla-sorna", "email"),
        (None, "in_app_feed"),
        (None, "email"),
    ]
    resolved = users.get_preferences(knock_client, "jhammond", tenant="isla-sorna")
    assert resolved.channel_types == ChannelTypePreferences(in_app_feed=False)
    # The user's default set overrides the tenant's defaults.
    users.set_preferences(knock_client, "jhammond", {"channel_types": {"in_app_feed": True}})
    workflows.trigger(knock_client, WF, recipients=["jhammond"], tenant="isla-sorna")
    in_sorna = [("jhammond", "email"), ("jhammond", "in_app_feed"), ("jhammond", "email")]
    assert sent(knock, tenant="isla-sorna") == in_sorna


def test_run_ids_link_messages_to_the_trigger(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow(WF, steps=["in_app_feed", "email"], categories=["safety"])
    users.identify(knock_client, "jhammond", {"email": "j@ingen.net"})
    result = workflows.trigger(knock_client, WF, recipients=["jhammond", "agrant"], data={"type": "trex"})
    runs = knock.runs()
    assert {r.workflow_run_id for r in runs} == {result.workflow_run_id}
    for run in runs:
        for message_id in run.message_ids:
            message = messages.get(knock_client, message_id)
            assert message.source is not None
            assert message.source.workflow_run_id == result.workflow_run_id
            assert message.source.workflow_recipient_run_id == run.id
            assert message.source.key == WF and message.source.categories == ["safety"]
            assert message.workflow == WF and message.data == {"type": "trex"}
    page = messages.list(knock_client, workflow_run_id=result.workflow_run_id)
    assert len(page) == 3
    api_run = workflow_recipient_runs.get(knock_client, runs[0].id)
    assert api_run.status == "completed" and api_run.workflow_run_id == result.workflow_run_id
    assert [e.event for e in api_run.events or []] == ["message_enqueued", "message_enqueued"]
    listed = workflow_recipient_runs.list(knock_client, workflow=WF, recipient="agrant")
    assert [r.id for r in listed] == [runs[1].id]


# --- holds, batches and cancellation ------------------------------------------------------------


def test_a_delay_holds_the_run_until_released(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow(WF, steps=["in_app_feed", "delay", "email", "delay", "sms"])
    users.identify(knock_client, "jhammond", {"email": "j@ingen.net", "phone_number": "+15555550100"})
    users.identify(knock_client, "agrant", {"email": "a@ingen.net"})
    workflows.trigger(knock_client, WF, recipients=["jhammond", "agrant"])
    assert sent(knock) == [("jhammond", "in_app_feed"), ("agrant", "in_app_feed")]
    assert {(r.status, r.held_at) for r in knock.runs()} == {("processing", "delay_2")}
    assert knock.release(recipient="jhammond") == 1  # one step at a time, narrowed to a recipient
    assert sent(knock)[-1] == ("jhammond", "email")
    assert knock.release(WF) == 2  # jhammond past the second delay, agrant past the first
    assert knock.release() == 1  # agrant's second delay (no phone number: no sms)
    assert knock.release() == 0
    assert sent(knock)[2:] == [("jhammond", "email"), ("jhammond", "sms"), ("agrant", "email")]
    assert {r.status for r in knock.runs()} == {"completed"}


def test_skip_delay_setting_runs_straight_through(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow(WF, steps=["delay", "in_app_feed"])
    workflows.trigger(knock_client, WF, recipients=["jhammond"], settings={"skip_delay": True})
    assert sent(knock) == [("jhammond", "in_app_feed")]


def test_a_batch_folds_later_triggers_into_the_held_run(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow("comments", steps=["batch", "in_app_feed"])
    for actor, text in (("agrant", "first"), ("esattler", "second"), ("agrant", "third")):
        workflows.trigger(knock_client, "comments", recipients=["jhammond"], actor=actor, data={"text": text})
    workflows.trigger(knock_client, "comments", recipients=["jhammond"], tenant="other", data={"text": "apart"})
    assert knock.messages() == []
    assert knock.release("comments") == 2  # one batch per recipient and tenant
    first, _apart = knock.messages()
    assert first.actors == ["agrant", "esattler"] and first.data == {"text": "first"}
    item = feeds.list_items(knock_client, "jhammond", FakeKnock.channel_id("in_app_feed"), tenant=None)
    totals = {entry.tenant: (entry.total_activities, entry.total_actors) for entry in item}
    assert totals == {None: (3, 2), "other": (1, 0)}
    assert [a.data for a in item.entries[-1].activities or []] == [{"text": t} for t in ("first", "second", "third")]


def test_cancel_stops_held_runs_for_all_or_some_recipients(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow(WF, steps=["in_app_feed", "delay", "email"])
    people = ["jhammond", "agrant", "imalcolm", "esattler"]
    for person in people:
        users.identify(knock_client, person, {"email": f"{person}@ingen.net"})
    workflows.trigger(knock_client, WF, recipients=people, cancellation_key="alert-1")
    workflows.trigger(knock_client, WF, recipients=["jhammond"], cancellation_key="alert-2")
    workflows.cancel(knock_client, WF, "alert-1", recipients=["esattler", "agrant"])
    workflows.cancel(knock_client, WF, "unknown-key")  # harmless
    assert [r.recipient for r in knock.runs(status="cancelled")] == ["agrant", "esattler"]
    workflows.cancel(knock_client, WF, "alert-2")
    assert knock.release() == 2
    assert sent(knock, channel_type="email") == [("jhammond", "email"), ("imalcolm", "email")]
    workflows.cancel(knock_client, WF, "alert-1")  # the rest already completed: nothing to stop
    assert [r.status for r in knock.runs()] == ["completed", "cancelled", "completed", "cancelled", "cancelled"]


def test_a_cancelled_run_never_resumes(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow(WF, steps=["delay", "in_app_feed"])
    workflows.trigger(knock_client, WF, recipients=["jhammond"], cancellation_key="k")
    workflows.cancel(knock_client, WF, "k")
    assert knock.release() == 0
    assert knock.messages() == []


# --- idempotency ---------------------------------------------------------------------------------


def test_a_repeated_idempotency_key_replays_the_first_response(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow(WF, steps=["in_app_feed"])
    first = workflows.trigger(knock_client, WF, recipients=["jhammond"], idempotency_key="alert-42")
    again = workflows.trigger(knock_client, WF, recipients=["jhammond"], idempotency_key="alert-42")
    assert first.workflow_run_id == again.workflow_run_id
    assert sent(knock) == [("jhammond", "in_app_feed")]
    response = urllib3.request(
        "POST", f"{knock.url}/v1/workflows/{WF}/trigger", body=json.dumps({"recipients": ["jhammond"]}).encode(),
        headers={"Authorization": f"Bearer {knock.api_key}", "Idempotency-Key": "alert-42",
                 "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.headers["idempotent-replayed"] == "true"
    assert response.json() == {"workflow_run_id": first.workflow_run_id}
    other = workflows.trigger(knock_client, WF, recipients=["jhammond"])  # a fresh key each call
    assert other.workflow_run_id != first.workflow_run_id


def test_a_failed_trigger_is_not_remembered(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    with pytest.raises(knockkit.NotFoundError):
        workflows.trigger(knock_client, WF, recipients=["jhammond"], idempotency_key="k")
    knock.add_workflow(WF, steps=["in_app_feed"])
    workflows.trigger(knock_client, WF, recipients=["jhammond"], idempotency_key="k")
    assert len(knock.messages()) == 1


def test_a_lost_response_is_retried_without_notifying_twice(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow(WF, steps=["in_app_feed"])
    knock.drop_next(path=f"/v1/workflows/{WF}/trigger", processed=True)
    result = workflows.trigger(knock_client, WF, recipients=["jhammond"])
    first, retry = knock.requests
    assert first.status is None and retry.status == 200
    assert first.header("idempotency-key") == retry.header("idempotency-key")
    assert len(knock.messages()) == 1 and knock.runs()[0].workflow_run_id == result.workflow_run_id
