"""Schedules fire when the fake's clock passes them: each occurrence triggers the workflow for
the schedule's recipient (with its actor, tenant and data), then the schedule moves to its next
occurrence by its repeat rules, or ends."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from knockkit import schedules, users, workflows
from knockkit.testing import FakeKnock

pytest.importorskip("liquid")  # the clock is the local engine's

UTC = dt.timezone.utc


def next_nine(after: dt.datetime) -> dt.datetime:
    nine = after.replace(hour=9, minute=0, second=0, microsecond=0)
    return nine if nine > after else nine + dt.timedelta(days=1)


def stamp(when: dt.datetime) -> str:
    return when.isoformat(timespec="microseconds").replace("+00:00", "Z")


@pytest.fixture
def fake() -> Iterator[FakeKnock]:
    with FakeKnock() as server:
        server.add_workflow("fence-check", steps=["in_app_feed"])
        yield server


def test_a_daily_schedule_fires_as_the_clock_passes_each_occurrence(fake: FakeKnock) -> None:
    client = fake.client()
    users.identify(client, "jhammond", {"name": "John Hammond"})
    start = fake.clock.now()
    (created,) = schedules.create(client, "fence-check", recipients=["jhammond"], actor="rarnold",
                                  tenant="ingen", data={"fence": "east"},
                                  repeats=[{"frequency": "daily", "hours": 9}])  # fmt: skip
    first = next_nine(start)
    assert created.next_occurrence_at == first and created.last_occurrence_at is None
    assert fake.requests[-1].body["repeats"] == [{"frequency": "daily", "hours": 9}]

    fake.clock.set(first + dt.timedelta(minutes=1))
    (message,) = fake.messages(workflow="fence-check")
    assert (message.recipient, message.tenant, message.data) == ("jhammond", "ingen", {"fence": "east"})
    assert message.actors == ["rarnold"]
    (schedule,) = schedules.list(client, workflow="fence-check").entries
    assert (schedule.last_occurrence_at, schedule.next_occurrence_at) == (first, first + dt.timedelta(days=1))

    fake.clock.advance(days=2)  # two more nine o'clocks passed: each fires once
    assert len(fake.messages(workflow="fence-check")) == 3
    (schedule,) = schedules.list(client, workflow="fence-check").entries
    assert schedule.next_occurrence_at == first + dt.timedelta(days=3)


def test_repeats_follow_the_recipients_timezone(fake: FakeKnock) -> None:
    from zoneinfo import ZoneInfo

    client = fake.client()
    users.identify(client, "jhammond", {"name": "John Hammond", "timezone": "America/Costa_Rica"})
    (created,) = schedules.create(client, "fence-check", recipients=["jhammond"],
                                  repeats=[{"frequency": "daily", "hours": 9}])  # fmt: skip
    local_now = fake.clock.now().astimezone(ZoneInfo("America/Costa_Rica"))
    assert created.next_occurrence_at == next_nine(local_now)  # 15:00 UTC: Costa Rica is UTC-6


def occurrences(fake: FakeKnock, count: int) -> list[dt.datetime]:
    """The next ``count`` occurrences of the fake's one schedule, moving the clock past each."""
    seen = []
    for _ in range(count):
        (schedule,) = schedules.list(fake.client(), workflow="fence-check").entries
        assert schedule.next_occurrence_at is not None
        seen.append(schedule.next_occurrence_at)
        fake.clock.set(schedule.next_occurrence_at + dt.timedelta(minutes=1))
    return seen


def test_an_interval_counts_periods_from_when_the_repeats_were_set(fake: FakeKnock) -> None:
    monday = dt.datetime(2031, 1, 6, 6, 0, tzinfo=UTC)  # a Monday, after the wall clock
    fake.clock.set(monday)
    client = fake.client()
    schedules.create(client, "fence-check", recipients=["jhammond"],
                     repeats=[{"frequency": "weekly", "interval": 2, "days": ["mon", "wed"], "hours": 9}])  # fmt: skip
    day = dt.timedelta(days=1)
    nine = monday.replace(hour=9)
    assert occurrences(fake, 4) == [nine, nine + 2 * day, nine + 14 * day, nine + 16 * day]
    assert len(fake.messages()) == 4

    fake.reset()
    fake.add_workflow("fence-check", steps=["in_app_feed"])
    schedules.create(client, "fence-check", recipients=["jhammond"],
                     repeats=[{"frequency": "daily", "interval": 3, "hours": 9}])  # fmt: skip
    start = next_nine(fake.clock.now())
    assert occurrences(fake, 3) == [start, start + 3 * day, start + 6 * day]


def test_a_one_off_schedule_fires_once_and_an_ended_one_stops(fake: FakeKnock) -> None:
    client = fake.client()
    now = fake.clock.now()
    schedules.create(client, "fence-check", recipients=["jhammond"], scheduled_at=stamp(now + dt.timedelta(hours=1)))
    schedules.create(client, "fence-check", recipients=["esattler"], repeats=[{"frequency": "hourly", "minutes": 0}],
                     ending_at=stamp(now + dt.timedelta(hours=3)))  # fmt: skip

    fake.clock.advance(hours=6)

    assert len(fake.messages(recipient="jhammond")) == 1
    assert len(fake.messages(recipient="esattler")) == 3  # the hours before ending_at
    assert [s.next_occurrence_at for s in schedules.list(client, workflow="fence-check").entries] == [None, None]


def test_requests_alone_move_no_clock_and_fire_nothing(fake: FakeKnock) -> None:
    client = fake.client()
    past = stamp(fake.clock.now() - dt.timedelta(hours=1))
    schedules.create(client, "fence-check", recipients=["jhammond"], scheduled_at=past)
    workflows.trigger(client, "fence-check", recipients=["esattler"])  # requests alone move no clock
    assert fake.messages(recipient="jhammond") == []

    fake.clock.advance(seconds=1)  # a schedule already past fires at the next move
    (schedule,) = schedules.list(client, workflow="fence-check").entries
    assert len(fake.messages(recipient="jhammond")) == 1 and schedule.next_occurrence_at is None


def test_loaded_workflows_can_be_scheduled_and_real_time_fires_them(tmp_path: Path) -> None:
    (tmp_path / "fence-check").mkdir()
    (tmp_path / "fence-check" / "workflow.json").write_text(
        '{"name": "Fence check", "steps": [{"ref": "in_app_feed_1", "type": "channel", '
        '"channel_type": "in_app_feed", "template": {"markdown_body": "Check the {{ data.fence }} fence"}}]}')
    with FakeKnock(workflows_dir=tmp_path, real_time=True) as fake:
        client = fake.client()
        soon = fake.clock.now() + dt.timedelta(seconds=1)
        schedules.create(client, "fence-check", recipients=["jhammond"], scheduled_at=soon, data={"fence": "east"})
        requests = len(fake.requests)
        deadline = time.monotonic() + 10  # nothing but the real-time timer fires it
        while not (sent := fake.messages()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(sent) == 1 and sent[0].data == {"fence": "east"}
        assert len(fake.requests) == requests
