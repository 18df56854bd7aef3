"""The engine: each step type, the clock releasing held runs, cancellation, conditions on
earlier steps' messages, and the hooks a host (the fake) plugs in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from knockkit.testing.engine import (
    BatchStep,
    Branch,
    BranchStep,
    ChannelStep,
    Clock,
    Condition,
    ConditionGroup,
    DelayStep,
    Duration,
    EmailContent,
    Engine,
    FetchStep,
    HttpRequest,
    InAppFeedContent,
    Run,
    Step,
    StepOutcome,
    ThrottleStep,
    Trigger,
    UnsupportedStep,
    UpdateDataStep,
    WorkflowDefinition,
)

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
JH = {"id": "jhammond", "name": "John Hammond", "email": "jh@ingen.net"}
AG = {"id": "agrant", "name": "Alan Grant"}
NEDRY = {"id": "dnedry", "name": "Dennis Nedry"}
MULDOON = {"id": "muldoon", "name": "Robert Muldoon"}


def minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


def when(variable: str, operator: str, argument: Any = None, mode: str = "all") -> ConditionGroup:
    return ConditionGroup(mode=mode, items=(Condition(variable=variable, operator=operator, argument=argument),))


def feed(ref: str = "in_app_feed_1", body: str = "{{ actor.name }}: {{ data.note }}", **fields: Any) -> ChannelStep:
    return ChannelStep(ref=ref, channel_type="in_app_feed", channel_key="feed", template={"markdown_body": body},
                       **fields)  # fmt: skip


def email(ref: str = "email_1", subject: str = "{{ total_activities }} notes", body: str = "<p>hi</p>",
          **fields: Any) -> ChannelStep:  # fmt: skip
    return ChannelStep(ref=ref, channel_type="email", channel_key="postmark",
                       template={"subject": subject, "html_body": body}, **fields)  # fmt: skip


def delay(ref: str = "delay_1", n: float = 5, **fields: Any) -> DelayStep:
    return DelayStep(ref=ref, delay_for=Duration(value=n, unit="minutes"), **fields)


def engine_for(*steps: Step, key: str = "alerts", **options: Any) -> Engine:
    fields = {k: options.pop(k) for k in ("conditions", "trigger_frequency") if k in options}
    workflow = WorkflowDefinition(key=key, steps=steps, name=key.title(), categories=("safety",), **fields)
    return Engine(Clock(T0), workflows={key: workflow}, vars={"app_url": "https://park.test"}, **options)


def fire(engine: Engine, recipient: dict[str, Any] = JH, actor: dict[str, Any] | None = NEDRY,
         key: str = "alerts", **fields: Any) -> list[StepOutcome]:  # fmt: skip
    return list(engine.trigger(key, Trigger(recipient=recipient, actor=actor, **fields)).outcomes)


def summary(outcomes: list[StepOutcome]) -> list[tuple[str, str]]:
    return [(o.step_ref, o.status) for o in outcomes]


# --- channel steps -------------------------------------------------------------------------------


def test_channel_steps_send_rendered_messages_in_order() -> None:
    engine = engine_for(feed(), email(subject="{{ actor.name }} in {{ workflow.key }} for {{ recipient.name }}"))
    result = engine.trigger("alerts", Trigger(recipient=JH, actor=NEDRY, data={"note": "fence down"},
                                              workflow_run_id="wr-1", cancellation_key="k"))  # fmt: skip
    in_app, mail = result.outcomes
    assert summary(list(result.outcomes)) == [("in_app_feed_1", "sent"), ("email_1", "sent")]
    assert isinstance(in_app.content, InAppFeedContent) and in_app.content.body == "Dennis Nedry: fence down"
    assert mail.content == EmailContent(subject="Dennis Nedry in alerts for John Hammond", html_body="<p>hi</p>",
                                        text_body="hi")  # fmt: skip
    assert (mail.channel_type, mail.channel_key, mail.at, mail.recipient) == ("email", "postmark", T0,
                                                                                ("user", "jhammond"))  # fmt: skip
    assert in_app.message_id and mail.message_id and in_app.message_id != mail.message_id
    assert len(mail.message_id) == 27
    run = result.run
    assert (run.status, run.workflow_run_id, run.cancellation_key, run.held_at, run.ended_reason) == (
        "completed", "wr-1", "k", None, None)  # fmt: skip
    assert run.outcomes == result.outcomes and engine.run(run.id) == run
    assert mail.line() == "alerts → jhammond · email_1 (email): sent"


def test_an_object_recipient_and_no_actor() -> None:
    engine = engine_for(feed(body="{{ recipient.collection }}/{{ recipient.id }} by [{{ actor.name }}]"))
    (sent,) = fire(engine, recipient={"id": "pen-7", "collection": "pens"}, actor=None)
    assert sent.recipient == ("object", "pens", "pen-7")
    assert isinstance(sent.content, InAppFeedContent) and sent.content.body == "pens/pen-7 by []"
    assert sent.line() == "alerts → pens/pen-7 · in_app_feed_1 (in_app_feed): sent"


def test_a_template_error_fails_that_message_and_the_run_goes_on() -> None:
    engine = engine_for(feed(body="{{ data.note | shout }}"), email())
    failed, sent = fire(engine, data={"note": "x"})
    assert (failed.status, failed.reason) == ("failed", "markdown_body line 1: unknown filter 'shout'")
    assert failed.message_id and failed.content is None
    assert sent.status == "sent"


def test_the_gate_skips_a_message_the_recipient_cannot_get() -> None:
    asked: list[tuple[str, str]] = []

    def gate(run: Run, step: ChannelStep) -> str | None:
        asked.append((run.recipient["id"], step.ref))
        return "the recipient has no email" if step.channel_type == "email" and not run.recipient.get("email") else None

    engine = engine_for(feed(), email(), gate=gate)
    assert summary(fire(engine, recipient=AG)) == [("in_app_feed_1", "sent"), ("email_1", "skipped")]
    assert fire(engine, recipient=AG)[1].reason == "the recipient has no email"
    assert summary(fire(engine)) == [("in_app_feed_1", "sent"), ("email_1", "sent")]
    assert asked[:2] == [("agrant", "in_app_feed_1"), ("agrant", "email_1")]


def test_step_conditions_skip_with_the_reason() -> None:
    engine = engine_for(feed(conditions=when("data.priority", "greater_than", "1")), email())
    skipped, sent = fire(engine, data={"priority": 1})
    assert (skipped.status, skipped.reason) == (
        "skipped", "condition: data.priority greater_than '1' was false (data.priority is 1)")  # fmt: skip
    assert sent.status == "sent"
    assert summary(fire(engine, data={"priority": 2})) == [("in_app_feed_1", "sent"), ("email_1", "sent")]


def test_send_windows_are_noted_not_applied() -> None:
    windows = ({"day": "monday", "type": "send", "from": "09:00:00", "until": "17:00:00"},)
    (sent,) = fire(engine_for(feed(send_windows=windows)))
    assert (sent.status, sent.reason) == ("sent", "send windows are not emulated: sent at once")


# --- delays and the clock ------------------------------------------------------------------------


def test_a_delay_holds_the_run_until_the_clock_passes_it() -> None:
    engine = engine_for(feed(), delay(n=5), email())
    outcomes = fire(engine)
    assert summary(outcomes) == [("in_app_feed_1", "sent"), ("delay_1", "held")]
    assert outcomes[1].until == minutes(5) and "held until 2025-03-03T09:05:00.000000Z" in outcomes[1].line()
    (run,) = engine.runs()
    assert (run.status, run.held_at, run.held_until) == ("processing", "delay_1", minutes(5))
    assert engine.next_wake() == minutes(5)
    assert engine.advance(minutes=4) == []
    released = engine.advance(minutes=1)
    assert summary(released) == [("delay_1", "passed"), ("email_1", "sent")]
    assert released[0].reason == "delay elapsed" and released[1].at == minutes(5)
    assert engine.run_due() == [] and engine.next_wake() is None
    assert engine.run(run.id).status == "completed"


def test_a_run_goes_on_at_the_time_it_was_due_so_chained_delays_add_up() -> None:
    engine = engine_for(delay("delay_1", 5), feed("in_app_feed_1"), delay("delay_2", 10), feed("in_app_feed_2"))
    fire(engine)
    outcomes = engine.advance(hours=1)
    assert summary(outcomes) == [("delay_1", "passed"), ("in_app_feed_1", "sent"), ("delay_2", "held"),
                                 ("delay_2", "passed"), ("in_app_feed_2", "sent")]  # fmt: skip
    assert [o.at for o in outcomes] == [minutes(5), minutes(5), minutes(5), minutes(15), minutes(15)]


def test_held_runs_of_several_recipients_continue_in_time_order() -> None:
    engine = engine_for(delay(n=10), feed())
    fire(engine, recipient=JH)
    engine.clock.advance(minutes=3)
    fire(engine, recipient=AG)
    engine.clock.advance(minutes=20)
    sent = [o for o in engine.run_due() if o.status == "sent"]
    assert [(o.recipient[1], o.at) for o in sent] == [("jhammond", minutes(10)), ("agrant", minutes(13))]


def test_a_clock_subscription_releases_runs_as_time_moves() -> None:
    engine = engine_for(delay(n=5), feed())
    heard: list[StepOutcome] = []
    engine.clock.subscribe(lambda now: heard.extend(engine.run_due()))
    fire(engine)
    engine.clock.set(minutes(5))
    assert summary(heard) == [("delay_1", "passed"), ("in_app_feed_1", "sent")]


@pytest.mark.parametrize(
    ("value", "until"),
    [
        ("2025-03-03T12:00:00Z", T0 + dt.timedelta(hours=3)),
        ({"unit": "hours", "value": 2}, T0 + dt.timedelta(hours=2)),
        ({"frequency": "daily", "hours": 17}, T0 + dt.timedelta(hours=8)),
    ],
)
def test_a_dynamic_delay_from_trigger_data(value: object, until: dt.datetime) -> None:
    engine = engine_for(DelayStep(ref="delay_1", delay_until_field_path="data.remind_at"), feed())
    (held,) = fire(engine, data={"remind_at": value})
    assert (held.status, held.until) == ("held", until)


def test_a_dynamic_delay_with_an_offset_from_a_recipient_property() -> None:
    engine = engine_for(DelayStep(ref="delay_1", delay_until_field_path="recipient.visit_at",
                                  delay_for=Duration(value=30, unit="minutes")), feed())  # fmt: skip
    (held,) = fire(engine, recipient={**JH, "visit_at": "2025-03-03T10:00:00Z"})
    assert held.until == T0 + dt.timedelta(minutes=90)


def test_a_delay_that_does_not_resolve_is_skipped_and_a_past_one_passes() -> None:
    engine = engine_for(DelayStep(ref="delay_1", delay_until_field_path="data.remind_at"), feed())
    skipped, sent = fire(engine, data={"remind_at": "soonish"})
    assert (skipped.status, skipped.reason, sent.status) == (
        "skipped", "delay_until_field_path 'data.remind_at' is not a timestamp, duration or window rule (\"soonish\")",
        "sent")  # fmt: skip
    assert fire(engine)[0].reason.endswith("(not set)")
    passed, sent = fire(engine, data={"remind_at": "2025-01-01T00:00:00Z"})
    assert (passed.status, passed.reason) == ("passed", "the delay had already elapsed")


def test_a_trigger_can_skip_delays() -> None:
    skipped, sent = fire(engine_for(delay(), feed()), skip_delays=True)
    assert (skipped.status, skipped.reason, sent.status) == ("skipped", "the trigger skips delays", "sent")


def test_release_lets_chosen_held_runs_go_on_now() -> None:
    engine = engine_for(delay(n=60), feed())
    fire(engine, recipient=JH)
    fire(engine, recipient=AG)
    released = engine.release(lambda run: run.recipient["id"] == "agrant")
    assert [(o.step_ref, o.status, o.reason, o.recipient[1], o.at) for o in released] == [
        ("delay_1", "passed", "delay released", "agrant", T0), ("in_app_feed_1", "sent", "", "agrant", T0)]  # fmt: skip
    assert summary(engine.release()) == [("delay_1", "passed"), ("in_app_feed_1", "sent")]
    assert engine.release() == []


def test_cancel_stops_held_runs_with_the_key_for_the_recipients_given() -> None:
    engine = engine_for(delay(), feed())
    fire(engine, recipient=JH, cancellation_key="alert-1")
    fire(engine, recipient=AG, cancellation_key="alert-1")
    fire(engine, recipient=AG, cancellation_key="alert-2")
    cancelled = engine.cancel("alerts", "alert-1", recipients=["agrant"])
    assert [(o.recipient[1], o.step_ref, o.status, o.reason) for o in cancelled] == [
        ("agrant", "delay_1", "cancelled", "cancellation key 'alert-1'")]  # fmt: skip
    assert engine.cancel("other", "alert-1") == [] and engine.cancel("alerts", "alert-9") == []
    assert len(engine.cancel("alerts", "alert-1")) == 1
    assert engine.cancel("alerts", "alert-1") == []
    assert [r.status for r in engine.runs()] == ["cancelled", "cancelled", "processing"]
    assert engine.runs(status="cancelled")[0].ended_reason == "cancellation key 'alert-1'"
    assert summary(engine.advance(minutes=5)) == [("delay_1", "passed"), ("in_app_feed_1", "sent")]


# --- batches -----------------------------------------------------------------------------------


def batch(**settings: Any) -> BatchStep:
    return BatchStep(ref="batch_1", window=Duration(value=settings.pop("window", 5), unit="minutes"), **settings)


DIGEST = (
    "{{ total_activities }} from {{ total_actors }}: "
    "{% for a in activities %}{{ a.actor.name }}={{ a.note }};{% endfor %} "
    "actors={{ actors | map: 'name' | join: ',' }} data={{ data | json }}"
)


def test_a_batch_collects_later_triggers_for_the_recipient_until_its_window_closes() -> None:
    engine = engine_for(batch(), feed(body=DIGEST))
    (held,) = fire(engine, actor=NEDRY, data={"note": "a", "page": "p1"})
    assert (held.status, held.until) == ("held", minutes(5))
    engine.clock.advance(minutes=1)
    (joined,) = fire(engine, actor=MULDOON, data={"note": "b", "page": "p2", "nested": {"x": 1}})
    assert joined.status == "batched" and joined.reason.startswith(f"added to the batch of run {held.run_id}")
    engine.clock.advance(minutes=1)
    fire(engine, actor=NEDRY, data={"note": "c"})
    (other,) = fire(engine, recipient=AG, data={"note": "z"})
    assert other.status == "held" and other.run_id != held.run_id
    closed, sent = [o for o in engine.advance(minutes=3) if o.recipient == ("user", "jhammond")]
    assert (closed.status, closed.reason, closed.at) == ("passed", "batch elapsed with 3 activities", minutes(5))
    assert isinstance(sent.content, InAppFeedContent)
    assert sent.content.body == (
        '3 from 2: Dennis Nedry=a;Robert Muldoon=b;Dennis Nedry=c; actors=Dennis Nedry,Robert Muldoon '
        'data={"note": "c", "page": "p2"}'
    )
    owner = engine.run(held.run_id)
    assert (owner.status, owner.total_activities) == ("completed", 3)
    assert engine.run(joined.run_id).status == "completed"


def test_a_batch_key_keeps_separate_batches() -> None:
    engine = engine_for(batch(batch_key="page_id"), feed(body="{{ total_activities }} on {{ data.page_id }}"))
    for page in ("A", "B", "A", "B", "A"):
        fire(engine, data={"page_id": page})
    sent = [o.content.body for o in engine.advance(minutes=5) if isinstance(o.content, InAppFeedContent)]
    assert sent == ["3 on A", "2 on B"]
    (skipped, _) = fire(engine, data={})
    assert (skipped.status, skipped.reason) == (
        "skipped", "batch_key 'page_id' resolved to nothing; the batch is skipped")  # fmt: skip


def test_a_liquid_batch_key() -> None:
    engine = engine_for(batch(batch_key="{{ data.kind }}-{{ actor.id }}"), feed(body="{{ total_activities }}"))
    fire(engine, data={"kind": "x"})
    fire(engine, data={"kind": "x"}, actor=MULDOON)
    fire(engine, data={"kind": "x"})
    bodies = [o.content.body for o in engine.advance(minutes=5) if isinstance(o.content, InAppFeedContent)]
    assert bodies == ["2", "1"]


def test_a_full_batch_closes_at_once_and_the_trigger_returns_what_it_released() -> None:
    engine = engine_for(batch(max_activities=3), feed(body="{{ total_activities }}"))
    fire(engine)
    fire(engine)
    outcomes = fire(engine)
    assert summary(outcomes) == [("batch_1", "batched"), ("batch_1", "passed"), ("in_app_feed_1", "sent")]
    assert outcomes[2].run_id != outcomes[0].run_id and outcomes[2].at == T0
    assert isinstance(outcomes[2].content, InAppFeedContent) and outcomes[2].content.body == "3"


@pytest.mark.parametrize(("order", "expected"), [("asc", "0,1"), ("desc", "3,4")])
def test_batch_order_and_render_limit_choose_the_activities_templates_see(order: str, expected: str) -> None:
    engine = engine_for(batch(order=order, render_limit=2),
                        feed(body="{{ activities | map: 'n' | join: ',' }} of {{ total_activities }}"))  # fmt: skip
    for n in range(5):
        fire(engine, data={"n": n})
        engine.clock.advance(seconds=10)
    sent = [o for o in engine.advance(minutes=5) if o.status == "sent"]
    assert isinstance(sent[0].content, InAppFeedContent) and sent[0].content.body == f"{expected} of 5"


def test_a_sliding_window_extends_up_to_its_limit() -> None:
    engine = engine_for(batch(window=10, window_type="sliding", extension_limit=Duration(value=25, unit="minutes")),
                        feed(body="{{ total_activities }}"))  # fmt: skip
    assert fire(engine)[0].until == minutes(10)
    engine.clock.set(minutes(8))
    assert fire(engine)[0].reason.endswith("closes 2025-03-03T09:18:00.000000Z)")
    engine.clock.set(minutes(17))
    assert fire(engine)[0].reason.endswith("closes 2025-03-03T09:25:00.000000Z)")  # 27 capped at 25
    assert engine.advance(minutes=7) == []
    assert summary(engine.advance(minutes=1)) == [("batch_1", "passed"), ("in_app_feed_1", "sent")]


def test_flush_leading_sends_the_first_item_and_batches_the_rest() -> None:
    engine = engine_for(batch(flush_leading=True), feed(body="{{ total_activities }}: {{ data.n }}"))
    first = fire(engine, data={"n": 1})
    assert summary(first) == [("batch_1", "passed"), ("in_app_feed_1", "sent")]
    assert first[0].reason == "the leading item goes on at once; batch open until 2025-03-03T09:05:00.000000Z"
    second = fire(engine, data={"n": 2})
    assert [(o.status, o.until) for o in second] == [("held", minutes(5))]
    assert fire(engine, data={"n": 3})[0].status == "batched"
    sent = engine.advance(minutes=5)[-1]
    assert sent.run_id == second[0].run_id
    assert isinstance(sent.content, InAppFeedContent) and sent.content.body == "2: 3"
    engine.clock.advance(minutes=1)
    fire(engine, data={"n": 4})
    assert engine.advance(minutes=10) == []  # nobody joined: the batch closes with nothing to send
    assert summary(fire(engine, data={"n": 5})) == [("batch_1", "passed"), ("in_app_feed_1", "sent")]


def test_cancelling_batched_runs_takes_their_activities_out() -> None:
    engine = engine_for(batch(), feed(body="{% for a in activities %}{{ a.n }}{% endfor %}"))
    owner = fire(engine, data={"n": 1}, cancellation_key="c1")[0]
    fire(engine, data={"n": 2}, cancellation_key="c2")
    joined = fire(engine, data={"n": 3}, cancellation_key="c3")[0]
    cancelled = engine.cancel("alerts", "c3")
    assert [(o.run_id, o.status, o.reason) for o in cancelled] == [
        (joined.run_id, "cancelled", "its activity was taken out of the open batch")]  # fmt: skip
    note = engine.cancel("alerts", "c1")
    assert [(o.run_id, o.status, o.reason) for o in note] == [
        (owner.run_id, "cancelled", "its activity was taken out of the batch, which stays open")]  # fmt: skip
    sent = engine.advance(minutes=5)[-1]
    assert sent.run_id == owner.run_id and isinstance(sent.content, InAppFeedContent) and sent.content.body == "2"
    assert [r.status for r in engine.runs()] == ["completed", "completed", "cancelled"]


def test_a_batch_whose_activities_were_all_cancelled_sends_nothing() -> None:
    engine = engine_for(batch(), feed())
    owner = fire(engine, cancellation_key="c")[0]
    fire(engine, cancellation_key="c")
    assert len(engine.cancel("alerts", "c")) == 2
    (halted,) = engine.advance(minutes=5)
    assert (halted.status, halted.reason) == ("halted", "the batch closed with no activities (all were cancelled)")
    assert engine.run(owner.run_id).status == "cancelled"


def test_released_batches_close_now() -> None:
    engine = engine_for(batch(window=60), feed(body="{{ total_activities }}"))
    fire(engine)
    fire(engine)
    closed, sent = engine.release()
    assert (closed.reason, sent.at) == ("batch released with 2 activities", T0)


# --- throttles, branches, function steps -----------------------------------------------------------


def test_a_throttle_lets_a_limited_number_of_runs_through_per_window() -> None:
    throttle = ThrottleStep(ref="throttle_1", window=Duration(value=1, unit="hours"), limit=2)
    engine = engine_for(throttle, feed())
    assert summary(fire(engine)) == [("throttle_1", "passed"), ("in_app_feed_1", "sent")]
    engine.clock.advance(minutes=30)
    assert fire(engine)[0].reason == "2 of 2 in the window until 2025-03-03T10:00:00.000000Z"
    third = fire(engine)
    assert summary(third) == [("throttle_1", "skipped")]
    assert third[0].reason == "throttled: 2 run(s) already passed in the window until 2025-03-03T10:00:00.000000Z"
    assert engine.run(third[0].run_id).status == "completed"
    assert summary(fire(engine, recipient=AG)) == [("throttle_1", "passed"), ("in_app_feed_1", "sent")]
    engine.clock.set(minutes(60))
    assert fire(engine)[0].reason == "1 of 2 in the window until 2025-03-03T11:00:00.000000Z"


def test_a_throttle_key_and_a_dynamic_window() -> None:
    throttle = ThrottleStep(ref="throttle_1", window_field_path="data.quiet", throttle_key="alert_id")
    engine = engine_for(throttle, feed())
    quiet = {"unit": "minutes", "value": 10}
    assert fire(engine, data={"alert_id": "a", "quiet": quiet})[0].status == "passed"
    assert fire(engine, data={"alert_id": "a", "quiet": quiet})[0].status == "skipped"
    assert fire(engine, data={"alert_id": "b", "quiet": quiet})[0].status == "passed"
    missing = fire(engine, data={"quiet": quiet})
    assert summary(missing) == [("throttle_1", "skipped"), ("in_app_feed_1", "sent")]
    no_window = fire(engine, data={"alert_id": "c"})
    assert no_window[0].reason == (
        "throttle_window_field_path 'data.quiet' is not a timestamp, duration or window rule (not set)")


def branching(*, terminates: bool) -> Engine:
    return engine_for(
        BranchStep(ref="branch_1", branches=(
            Branch(name="Pro", conditions=when("recipient.plan", "equal_to", "pro"), terminates=terminates,
                   steps=(feed("in_app_feed_pro"),)),
            Branch(name="Trial", conditions=when("data.trial", "equal_to", "true"), steps=()),
            Branch(name="Default", steps=(feed("in_app_feed_default"),)),
        )),
        email(),
    )  # fmt: skip


def test_a_branch_runs_the_first_branch_whose_conditions_hold_then_goes_on() -> None:
    engine = branching(terminates=False)
    assert summary(fire(engine, recipient={**JH, "plan": "pro"})) == [
        ("branch_1", "passed"), ("in_app_feed_pro", "sent"), ("email_1", "sent")]  # fmt: skip
    trial = fire(engine, data={"trial": True})
    assert summary(trial) == [("branch_1", "passed"), ("email_1", "sent")] and trial[0].reason == "took branch 'Trial'"
    assert summary(fire(engine)) == [("branch_1", "passed"), ("in_app_feed_default", "sent"), ("email_1", "sent")]


def test_a_terminating_branch_ends_the_run() -> None:
    engine = branching(terminates=True)
    outcomes = fire(engine, recipient={**JH, "plan": "pro"})
    assert summary(outcomes) == [("branch_1", "passed"), ("in_app_feed_pro", "sent")]
    assert engine.run(outcomes[0].run_id).ended_reason == "branch 'Pro' ends the workflow"


def test_a_branch_with_no_match_and_no_default_goes_on_and_branches_nest_holds() -> None:
    inner = BranchStep(ref="branch_2", branches=(Branch(name="Late", steps=(delay(), feed("in_app_feed_late"))),))
    engine = engine_for(
        BranchStep(ref="branch_1", branches=(
            Branch(name="Never", conditions=when("data.x", "exists"), steps=(feed("in_app_feed_x"),)),)),
        BranchStep(ref="branch_3", branches=(Branch(name="Outer", steps=(inner,)),)),
        email(),
    )  # fmt: skip
    outcomes = fire(engine)
    assert summary(outcomes) == [("branch_1", "passed"), ("branch_3", "passed"), ("branch_2", "passed"),
                                 ("delay_1", "held")]  # fmt: skip
    assert outcomes[0].reason == "no branch matched"
    assert summary(engine.advance(minutes=5)) == [("delay_1", "passed"), ("in_app_feed_late", "sent"),
                                                  ("email_1", "sent")]  # fmt: skip


def test_message_status_conditions_follow_what_became_of_earlier_messages() -> None:
    """Email only if the in-app message was not read during the delay (Knock's escalation)."""
    unread = when("refs.in_app_feed_1.engagement_status", "not_contains", "$message.read")
    engine = engine_for(feed(), delay(), email(conditions=unread))
    read_one = fire(engine, recipient=JH)[0]
    fire(engine, recipient=AG)
    assert read_one.message_id is not None
    engine.update_message(read_one.message_id, engagement={"seen", "read"})
    outcomes = engine.advance(minutes=5)
    assert [(o.recipient[1], o.step_ref, o.status) for o in outcomes if o.step_ref == "email_1"] == [
        ("jhammond", "email_1", "skipped"), ("agrant", "email_1", "sent")]  # fmt: skip
    with pytest.raises(KeyError, match="the engine made no message 'nope'"):
        engine.update_message("nope", delivery_status="delivered")


def test_conditions_on_skipped_steps_and_delivery_status() -> None:
    skipped_feed = feed(conditions=when("data.feed", "equal_to", "true"))
    fallback = email(conditions=when("refs.in_app_feed_1.delivery_status", "equal_to", "$message.skipped"))
    engine = engine_for(skipped_feed, fallback)
    assert summary(fire(engine)) == [("in_app_feed_1", "skipped"), ("email_1", "sent")]
    assert summary(fire(engine, data={"feed": True})) == [("in_app_feed_1", "sent"), ("email_1", "skipped")]
    delivered = email("email_2", conditions=when("refs.email_1.delivery_status", "greater_than_or_equal_to",
                                                 "$message.delivered"))  # fmt: skip
    engine = engine_for(email(), delay(), delivered)
    first = fire(engine)[0]
    assert first.message_id is not None
    engine.update_message(first.message_id, delivery_status="delivered")
    assert summary(engine.advance(minutes=5)) == [("delay_1", "passed"), ("email_2", "sent")]


def test_a_fetch_step_without_a_responder_records_the_request() -> None:
    fetch = FetchStep(ref="fetch_1", method="post", url="https://api.test/{{ recipient.id }}", body="{}")
    passed, _ = fire(engine_for(fetch, feed()))
    assert (passed.status, passed.reason) == ("passed", "request not sent (no fetch responder); data unchanged")
    assert passed.content == HttpRequest(method="POST", url="https://api.test/jhammond", body="{}")


def test_a_fetch_responder_answers_and_the_answer_is_merged_into_data() -> None:
    seen: list[tuple[HttpRequest, str]] = []

    def fetch(request: HttpRequest, run: Run) -> dict[str, Any]:
        seen.append((request, run.recipient["id"]))
        return {"park": "Isla Nublar", "note": "from the API"}

    engine = engine_for(FetchStep(ref="fetch_1", url="https://api.test/{{ data.id }}"),
                        feed(body="{{ data.note }} / {{ data.park }} / {{ data.id }}"), fetch=fetch)  # fmt: skip
    passed, sent = fire(engine, data={"id": 7, "note": "original"})
    assert passed.reason == "merged into data: note, park"
    assert isinstance(sent.content, InAppFeedContent) and sent.content.body == "from the API / Isla Nublar / 7"
    assert seen == [(HttpRequest(method="GET", url="https://api.test/7"), "jhammond")]
    assert engine.run(sent.run_id).data == {"id": 7, "note": "from the API", "park": "Isla Nublar"}


@pytest.mark.parametrize(
    ("answer", "reason"),
    [(RuntimeError("503 from api.test"), "the request failed: 503 from api.test"),
     (["not", "an", "object"], "the answer is not a JSON object (list)")],
)  # fmt: skip
def test_a_failed_fetch_halts_the_run(answer: object, reason: str) -> None:
    def fetch(request: HttpRequest, run: Run) -> Any:
        if isinstance(answer, Exception):
            raise answer
        return answer

    engine = engine_for(FetchStep(ref="fetch_1", url="https://api.test"), feed(), fetch=fetch)
    (failed,) = fire(engine)
    assert (failed.status, failed.reason) == ("failed", reason)
    assert engine.run(failed.run_id).status == "completed" and engine.run(failed.run_id).ended_reason == reason


def test_update_data_merges_rendered_json() -> None:
    update = UpdateDataStep(ref="update_1", data='{"full": "{{ data.first }} {{ data.last }}", "n": 2}')
    passed, sent = fire(engine_for(update, feed(body="{{ data.full }} {{ data.n }}")), data={"first": "J", "last": "H"})
    assert passed.reason == "merged into data: full, n"
    assert isinstance(sent.content, InAppFeedContent) and sent.content.body == "J H 2"
    broken = UpdateDataStep(ref="update_1", data="{{ data.first }}")
    failed, sent = fire(engine_for(broken, feed()), data={"first": "J"})
    assert (failed.status, failed.reason, sent.status) == (
        "failed", "settings.data: did not render to a JSON object: 'J'", "sent")  # fmt: skip


def test_steps_the_engine_does_not_run_are_skipped_with_why() -> None:
    guide = ChannelStep(ref="in_app_guide_1", channel_type="in_app_guide")
    outcomes = fire(engine_for(UnsupportedStep(ref="ai_1", type="ai_agent"), guide, feed()))
    assert [(o.step_ref, o.status, o.reason) for o in outcomes] == [
        ("ai_1", "skipped", "ai_agent steps are not emulated by the local engine"),
        ("in_app_guide_1", "skipped", "in-app guides are not emulated"),
        ("in_app_feed_1", "sent", ""),
    ]


# --- the trigger -----------------------------------------------------------------------------------


def test_trigger_conditions_halt_the_run_before_its_first_step() -> None:
    engine = engine_for(feed(), conditions=when("data.go", "equal_to", "true"))
    (halted,) = fire(engine)
    assert (halted.step_ref, halted.status, halted.reason) == (
        "trigger", "halted", "trigger condition: data.go equal_to 'true' was false (data.go is not set)")  # fmt: skip
    assert engine.run(halted.run_id).status == "completed"
    assert summary(fire(engine, data={"go": True})) == [("in_app_feed_1", "sent")]


@pytest.mark.parametrize(("frequency", "sent"), [("once_per_recipient", 2), ("once_per_recipient_per_tenant", 3)])
def test_trigger_frequency(frequency: str, sent: int) -> None:
    engine = engine_for(feed(), trigger_frequency=frequency)
    for recipient, tenant in ((JH, "a"), (JH, "a"), (JH, "b"), (AG, "a")):
        fire(engine, recipient=recipient, tenant={"id": tenant})
    assert len([o for r in engine.runs() for o in r.outcomes if o.status == "sent"]) == sent
    halted = [o for r in engine.runs() for o in r.outcomes if o.status == "halted"]
    assert halted[0].reason == f"trigger_frequency {frequency}: already run for this recipient"


def test_bad_calls_are_refused() -> None:
    engine = engine_for(feed())
    with pytest.raises(KeyError, match=r"no workflow 'nope' \(known: alerts\)"):
        engine.trigger("nope", Trigger(recipient=JH))
    with pytest.raises(TypeError, match="trigger must be a Trigger, not dict"):
        engine.trigger("alerts", {"recipient": JH})  # type: ignore[arg-type]
    assert engine.runs() == []
    with pytest.raises(ValueError, match="a recipient needs a non-empty string 'id'"):
        Trigger(recipient={"name": "x"})
    with pytest.raises(ValueError, match="a recipient needs a non-empty string 'id'"):
        Trigger(recipient=JH, actor={"id": ""})
    with pytest.raises(TypeError, match="audiences must be a collection of audience keys, not a string"):
        Trigger(recipient=JH, audiences="vips")
    engine.trigger("alerts", Trigger(recipient=JH, audiences=["vips"]), run_id="r1")
    with pytest.raises(ValueError, match="run_id 'r1' is already a run's id"):
        engine.trigger("alerts", Trigger(recipient=JH), run_id="r1")
    assert [r.id for r in engine.runs()] == ["r1"]


def test_runs_are_listed_oldest_first_and_filtered() -> None:
    engine = engine_for(delay(), feed())
    first = engine.trigger("alerts", Trigger(recipient=JH), run_id="run-1")
    second = engine.trigger("alerts", Trigger(recipient=AG))
    assert first.run.id == "run-1" and first.run.workflow_run_id != second.run.workflow_run_id
    assert [r.id for r in engine.runs()] == ["run-1", second.run.id]
    assert engine.runs(workflow="other") == [] and len(engine.runs(status="processing")) == 2
    assert first.run.inserted_at == T0 and first.run.recipient_key == ("user", "jhammond")


def test_a_delay_or_batch_with_no_time_holds_until_released() -> None:
    """How FakeKnock.add_workflow's bare "delay" and "batch" steps behave."""
    engine = engine_for(DelayStep(ref="delay_1"), BatchStep(ref="batch_1"), feed(body="{{ total_activities }}"))
    (held,) = fire(engine)
    assert (held.status, held.until, held.reason) == ("held", None, "until released")
    assert engine.next_wake() is None and engine.advance(days=400) == []
    assert engine.runs()[0].held_at == "delay_1"
    assert summary(engine.release()) == [("delay_1", "passed"), ("batch_1", "held")]
    (second_delay,) = fire(engine)
    engine.release(lambda run: run.id == second_delay.run_id)
    assert engine.runs()[1].status == "completed"  # it joined the first run's batch
    closed, sent = engine.release()
    assert closed.reason == "batch released with 2 activities"
    assert isinstance(sent.content, InAppFeedContent) and sent.content.body == "2"


def test_a_plain_key_is_a_path_in_data_even_when_it_names_a_variable() -> None:
    throttle = ThrottleStep(ref="throttle_1", window=Duration(value=1, unit="hours"), throttle_key="timestamp")
    engine = engine_for(throttle, feed())
    assert fire(engine, data={"timestamp": "a"})[0].status == "passed"
    assert fire(engine, data={"timestamp": "b"})[0].status == "passed"
    assert fire(engine, data={"timestamp": "a"})[0].status == "skipped"
    data_path = engine_for(BatchStep(ref="batch_1", batch_key="data.page"), feed())
    fire(data_path, data={"page": "x"})
    assert fire(data_path, data={"page": "x"})[0].status == "batched"
