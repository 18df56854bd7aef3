"""The engine's clock and the time arithmetic of delays, batch and throttle windows."""

from __future__ import annotations

import datetime as dt

import pytest

from knockkit.testing.engine import Clock, Duration
from knockkit.testing.engine.clock import add_duration, format_timestamp, next_window, parse_timestamp, resolve_until

UTC = dt.timezone.utc
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday


def test_a_manual_clock_stands_still_until_moved() -> None:
    clock = Clock(START)
    assert clock.now() == START and clock.now() == START and not clock.real_time
    assert clock.advance(minutes=5) == START + dt.timedelta(minutes=5) == clock.now()
    assert clock.advance(hours=1, seconds=30) == START + dt.timedelta(minutes=65, seconds=30)
    assert clock.set(dt.datetime(2025, 3, 4, tzinfo=UTC)) == dt.datetime(2025, 3, 4, tzinfo=UTC) == clock.now()
    assert repr(clock) == "<Clock 2025-03-04T00:00:00.000000Z (manual)>"


def test_a_clock_only_moves_forward_and_only_with_aware_times() -> None:
    clock = Clock(START)
    with pytest.raises(ValueError, match=r"only moves forward, not by -1 day"):
        clock.advance(days=-1)
    with pytest.raises(ValueError, match=r"2025-03-02T00:00:00.000000Z is before the clock's time"):
        clock.set(dt.datetime(2025, 3, 2, tzinfo=UTC))
    with pytest.raises(ValueError, match="when must be timezone-aware"):
        clock.set(dt.datetime(2025, 3, 4))
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        Clock(dt.datetime(2025, 3, 4))
    with pytest.raises(TypeError, match="when must be a datetime, not str"):
        clock.set("2025-03-04")  # type: ignore[arg-type]
    assert clock.now() == START


def test_a_clock_in_another_zone_reads_in_utc() -> None:
    tokyo = dt.timezone(dt.timedelta(hours=9))
    clock = Clock(dt.datetime(2025, 3, 3, 18, 0, tzinfo=tokyo))
    assert clock.now() == START and clock.now().tzinfo == UTC


def test_subscribers_hear_every_change_until_they_unsubscribe() -> None:
    clock = Clock(START)
    heard: list[dt.datetime] = []
    unsubscribe = clock.subscribe(heard.append)
    clock.advance(minutes=1)
    clock.set(START + dt.timedelta(minutes=10))
    unsubscribe()
    unsubscribe()  # twice is harmless
    clock.advance(minutes=1)
    assert heard == [START + dt.timedelta(minutes=1), START + dt.timedelta(minutes=10)]


def test_a_real_time_clock_follows_the_wall_and_can_jump() -> None:
    clock = Clock(START, real_time=True)
    first = clock.now()
    assert clock.real_time and START <= first < START + dt.timedelta(minutes=1)
    assert clock.now() >= first
    jumped = clock.advance(hours=2)
    assert START + dt.timedelta(hours=2) <= jumped < START + dt.timedelta(hours=2, minutes=1)
    assert "real time" in repr(clock)


def test_a_default_clock_starts_at_the_wall_time() -> None:
    before = dt.datetime.now(UTC)
    now = Clock().now()
    assert before <= now <= dt.datetime.now(UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-03T09:00:00Z", START),
        ("2025-03-03T10:00:00+01:00", START),
        ("2025-03-03T09:00:00", START),
        ("2025-03-03", dt.datetime(2025, 3, 3, tzinfo=UTC)),
        (1741003200, dt.datetime(2025, 3, 3, 12, 0, tzinfo=UTC)),
        (START.replace(tzinfo=None), START),
        ("next tuesday", None),
        ("", None),
        (True, None),
        (None, None),
    ],
)
def test_parse_timestamp(value: object, expected: dt.datetime | None) -> None:
    assert parse_timestamp(value) == expected


def test_format_timestamp_is_utc_with_z() -> None:
    assert format_timestamp(dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))) == (
        "2025-03-03T09:00:00.000000Z"
    )


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        (Duration(value=30, unit="seconds"), START + dt.timedelta(seconds=30)),
        (Duration(value=1.5, unit="hours"), START + dt.timedelta(minutes=90)),
        (Duration(value=2, unit="weeks"), START + dt.timedelta(days=14)),
        (Duration(value=1, unit="months"), dt.datetime(2025, 4, 3, 9, 0, tzinfo=UTC)),
    ],
)
def test_add_duration(duration: Duration, expected: dt.datetime) -> None:
    assert add_duration(START, duration) == expected


def test_a_month_after_january_31st_is_the_end_of_february() -> None:
    end_of_january = dt.datetime(2025, 1, 31, tzinfo=UTC)
    assert add_duration(end_of_january, Duration(value=1, unit="months")) == dt.datetime(2025, 2, 28, tzinfo=UTC)
    assert add_duration(end_of_january, Duration(value=13, unit="months")) == dt.datetime(2026, 2, 28, tzinfo=UTC)
    assert str(Duration(value=1.0, unit="months")) == "1 months" and str(Duration(value=1.5, unit="days")) == "1.5 days"


@pytest.mark.parametrize(
    ("rule", "timezone", "expected"),
    [
        ({"frequency": "daily", "hours": 9, "minutes": 30}, None, dt.datetime(2025, 3, 3, 9, 30, tzinfo=UTC)),
        ({"frequency": "daily", "hours": 9}, None, dt.datetime(2025, 3, 4, 9, 0, tzinfo=UTC)),
        ({"frequency": "hourly", "minutes": 15}, None, dt.datetime(2025, 3, 3, 9, 15, tzinfo=UTC)),
        ({"frequency": "weekly", "days": ["fri"], "hours": 17}, None, dt.datetime(2025, 3, 7, 17, tzinfo=UTC)),
        ({"frequency": "weekly", "days": "weekends"}, None, dt.datetime(2025, 3, 8, tzinfo=UTC)),
        ({"frequency": "monthly", "day_of_month": 15, "hours": 8}, None, dt.datetime(2025, 3, 15, 8, tzinfo=UTC)),
        ({"frequency": "daily", "hours": 9}, "America/New_York", dt.datetime(2025, 3, 3, 14, 0, tzinfo=UTC)),
        ({"frequency": "daily", "hours": 9}, "Not/AZone", dt.datetime(2025, 3, 4, 9, 0, tzinfo=UTC)),
        ({"frequency": "yearly"}, None, None),
        ({"frequency": "daily", "hours": "9"}, None, None),
        ({"frequency": "weekly", "days": ["someday"]}, None, None),
        ({"frequency": "daily", "hours": 25}, None, None),
    ],
)
def test_window_rules(rule: dict[str, object], timezone: str | None, expected: dt.datetime | None) -> None:
    """The first time after START (Monday 09:00 UTC) that the rule allows."""
    assert next_window(rule, START, timezone) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-05T00:00:00Z", dt.datetime(2025, 3, 5, tzinfo=UTC)),
        ({"unit": "minutes", "value": 15}, START + dt.timedelta(minutes=15)),
        ('{"unit": "hours", "value": 2}', START + dt.timedelta(hours=2)),
        ({"frequency": "daily", "hours": 10}, START + dt.timedelta(hours=1)),
        ({"unit": "eons", "value": 1}, None),
        ({"unit": "days", "value": -1}, None),
        ("{broken", None),
        (None, None),
    ],
)
def test_resolve_until_takes_timestamps_durations_and_window_rules(value: object, expected: object) -> None:
    assert resolve_until(value, START) == expected
