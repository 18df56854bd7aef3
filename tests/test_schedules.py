"""knockkit.schedules over real HTTP: bodies, repeat-rule checks, limits and decoding."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import schedules
from knockkit.models import BulkOperation, Schedule, ScheduleRepeat, User
from tests.wire import assert_headers, example, only, schema

UTC = dt.timezone.utc
SCHEDULE_ID = "123e4567-e89b-12d3-a456-426614174000"
# The spec's own repeat rule example, nulls and __typename included.
SPEC_RULE = example("ScheduleRepeatRule")


def schedules_body() -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = example("SchedulesResponse")
    body[0]["future_field"] = {"kept": True}
    return body


def assert_schedule(schedule: Schedule) -> None:
    assert isinstance(schedule, Schedule)
    assert (schedule.id, schedule.workflow, schedule.typename) == (SCHEDULE_ID, "workflow_123", "Schedule")
    assert isinstance(schedule.recipient, User) and schedule.recipient.id == "jane"
    assert schedule.repeats == [
        ScheduleRepeat(typename="ScheduleRepeat", days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                       frequency="daily", interval=1)
    ]  # fmt: skip
    assert [rule.to_dict() for rule in schedule.repeats] == [SPEC_RULE]
    assert schedule.inserted_at == dt.datetime(2021, 1, 1, tzinfo=UTC)
    assert schedule.next_occurrence_at is None
    assert schedule.extra == {"future_field": {"kept": True}}


def test_create_sends_the_schedule(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/schedules", method="POST").respond_with_json(schedules_body())
    recipients = ["user_123", {"id": "dr_sattler", "email": "ellie@ingen.net"}, {"id": "p1", "collection": "projects"}]
    repeats = [{"frequency": "weekly", "days": ["mon", "fri"], "hours": 9, "minutes": 30}, SPEC_RULE]

    created = schedules.create(
        client,
        "comment-created",
        recipients=recipients,
        repeats=repeats,
        scheduled_at=dt.datetime(2025, 1, 6, 9, 30, tzinfo=UTC),
        actor={"id": "dnedry", "name": "Dennis Nedry"},
        data={"key": "value"},
        tenant="acme_corp",
    )

    request = only(httpserver)
    assert (request.method, request.path, request.query) == ("POST", "/v1/schedules", [])
    assert_headers(request, body=True)
    assert request.body == {
        "workflow": "comment-created",
        "recipients": recipients,
        "repeats": repeats,
        "scheduled_at": "2025-01-06T09:30:00Z",
        "actor": {"id": "dnedry", "name": "Dennis Nedry"},
        "data": {"key": "value"},
        "tenant": "acme_corp",
    }
    assert isinstance(created, list) and len(created) == 1
    assert_schedule(created[0])


def test_create_is_not_retried_after_reaching_knock(httpserver: HTTPServer, client: knockkit.Client) -> None:
    # A second POST would create a second set of schedules.
    httpserver.expect_request("/v1/schedules", method="POST").respond_with_json({"message": "oops"}, status=502)
    with pytest.raises(knockkit.ServerError):
        schedules.create(client, "digest", recipients=["u1"], repeats=[{"frequency": "daily"}])
    assert len(httpserver.log) == 1


def test_update_sends_only_what_is_given(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/schedules", method="PUT").respond_with_json(schedules_body())

    updated = schedules.update(
        client,
        [SCHEDULE_ID],
        repeats=[{"frequency": "monthly", "day_of_month": 1, "interval": 2}],
        ending_at="2026-01-01T00:00:00Z",
        tenant={"id": "acme_corp", "name": "Acme"},
    )

    request = only(httpserver)
    assert (request.method, request.path, request.query) == ("PUT", "/v1/schedules", [])
    assert_headers(request, body=True)
    assert request.body == {
        "schedule_ids": [SCHEDULE_ID],
        "repeats": [{"frequency": "monthly", "day_of_month": 1, "interval": 2}],
        "ending_at": "2026-01-01T00:00:00Z",
        "tenant": {"id": "acme_corp", "name": "Acme"},
    }
    assert_schedule(updated[0])


def test_list_sends_workflow_and_filters(httpserver: HTTPServer, client: knockkit.Client) -> None:
    listed = example("ListSchedulesResponse")
    listed["entries"] = schedules_body()
    listed["page_info"]["after"] = "cursor-2"
    httpserver.expect_request("/v1/schedules", method="GET").respond_with_json(listed)

    page = schedules.list(
        client,
        "workflow_123",
        recipients=["jane", {"id": "p1", "collection": "projects"}],
        tenant="acme_corp",
        after="cursor-1",
        page_size=50,
    )

    request = only(httpserver)
    assert (request.method, request.path) == ("GET", "/v1/schedules")
    assert request.query == [
        ("workflow", "workflow_123"),
        ("recipients[0]", "jane"),
        ("recipients[1][id]", "p1"),
        ("recipients[1][collection]", "projects"),
        ("tenant", "acme_corp"),
        ("after", "cursor-1"),
        ("page_size", "50"),
    ]
    assert_headers(request, body=False)
    assert_schedule(page[0])
    assert page.next_params == {"after": "cursor-2"}


def test_delete_sends_the_ids_in_the_body(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/schedules", method="DELETE").respond_with_json(schedules_body())

    deleted = schedules.delete(client, [SCHEDULE_ID])

    request = only(httpserver)
    assert (request.method, request.path, request.query) == ("DELETE", "/v1/schedules", [])
    assert_headers(request, body=True)
    assert request.body == {"schedule_ids": [SCHEDULE_ID]}
    assert_schedule(deleted[0])


def test_bulk_create_posts_the_schedules(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/schedules/bulk/create", method="POST").respond_with_json(
        {**example("BulkOperation"), "future_field": {"kept": True}}
    )
    items = [
        {"workflow": "comment-created", "recipient": "dnedry", "repeats": [SPEC_RULE], "tenant": "acme_corp"},
        {"workflow": "comment-created", "recipient": {"id": "esattler"}, "data": {"key": "value"}},
    ]

    op = schedules.bulk_create(client, items)

    request = only(httpserver)
    assert (request.method, request.path, request.query) == ("POST", "/v1/schedules/bulk/create", [])
    assert_headers(request, body=True)
    assert request.body == {"schedules": items}
    assert isinstance(op, BulkOperation)
    assert (op.id, op.status) == (SCHEDULE_ID, "processing")
    assert op.extra == {"future_field": {"kept": True}}


# --- limits and validation ------------------------------------------------------------------


def test_create_limits_recipients_to_100(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(ValueError, match="recipients has 101 items; Knock accepts at most 100 per request"):
        schedules.create(client, "digest", recipients=[f"u{i}" for i in range(101)])
    assert httpserver.log == []


def test_bulk_create_limits_schedules_to_1000(httpserver: HTTPServer, client: knockkit.Client) -> None:
    items = [{"workflow": "digest", "recipient": "u"}] * 1001
    with pytest.raises(ValueError, match="schedules has 1001 items; Knock accepts at most 1000 per request"):
        schedules.bulk_create(client, items)
    assert httpserver.log == []


@pytest.mark.parametrize(
    ("rule", "error", "message"),
    [
        ({"frequency": "yearly"}, ValueError, r"repeats\[0\]\['frequency'\] must be one of daily, weekly, monthly"),
        ({"hours": 9}, ValueError, r"repeats\[0\] needs a 'frequency'"),
        ({"frequency": "daily", "hour": 9}, ValueError, r"repeats\[0\] has unknown key\(s\) \['hour'\]"),
        ({"frequency": "weekly", "days": ["monday"]}, ValueError, r"\['days'\]\[0\] must be one of mon, tue"),
        ({"frequency": "weekly", "days": "mon"}, TypeError, r"\['days'\] must be a list"),
        ({"frequency": "daily", "hours": "9"}, TypeError, r"\['hours'\] must be a whole number, not str"),
        ({"frequency": "daily", "minutes": True}, TypeError, r"\['minutes'\] must be a whole number, not bool"),
        ({"frequency": "daily", "interval": None}, TypeError, r"\['interval'\] must be a whole number"),
        ("daily", TypeError, r"repeats\[0\] must be a mapping"),
    ],
)
def test_repeat_rules_are_checked_against_the_spec(
    httpserver: HTTPServer, client: knockkit.Client, rule: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        schedules.create(client, "digest", recipients=["u1"], repeats=[rule])
    with pytest.raises(error, match=message):
        schedules.update(client, [SCHEDULE_ID], repeats=[rule])
    assert httpserver.log == []


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"recipients": []}, ValueError, "recipients needs at least 1"),
        ({"recipients": ["u1"], "repeats": {"frequency": "daily"}}, TypeError, "repeats must be a list"),
        ({"recipients": [{"name": "no id"}]}, ValueError, r"recipients\[0\] must have a non-empty string 'id'"),
        ({"recipients": ["u1"], "actor": 7}, TypeError, "actor must be an id string or a mapping"),
        ({"recipients": ["u1"], "data": ["x"]}, TypeError, "data must be a mapping"),
        ({"recipients": ["u1"], "scheduled_at": dt.date(2025, 1, 1)}, TypeError, "scheduled_at must be a timezone"),
        (
            {"recipients": ["u1"], "scheduled_at": dt.datetime(2025, 1, 1)},
            ValueError,
            "scheduled_at must be timezone-aware",
        ),
    ],
)
def test_create_checks_its_arguments(
    httpserver: HTTPServer, client: knockkit.Client, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        schedules.create(client, "digest", **kwargs)
    assert httpserver.log == []


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda c: schedules.update(c, []), ValueError, "schedule_ids needs at least 1"),
        (lambda c: schedules.delete(c, SCHEDULE_ID), TypeError, "schedule_ids must be a list"),
        (lambda c: schedules.list(c, ""), ValueError, "workflow must be a non-empty workflow key"),
        (lambda c: schedules.list(c, "w", recipients=[{"id": "p1"}]), ValueError, "object reference"),
        (
            lambda c: schedules.bulk_create(c, [{"workflow": "w", "recipients": ["u"]}]),
            ValueError,
            r"schedules\[0\] needs one 'recipient'",
        ),
        (
            lambda c: schedules.bulk_create(c, [{"workflow": "w", "recipient": "u", "repeats": [{}]}]),
            ValueError,
            r"schedules\[0\]\['repeats'\]\[0\] needs a 'frequency'",
        ),
        (lambda c: schedules.bulk_create(c, [{"recipient": "u"}]), ValueError, r"schedules\[0\]\['workflow'\]"),
    ],
)
def test_other_bad_input_is_caught_before_sending(
    httpserver: HTTPServer, client: knockkit.Client, call: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call(client)
    assert httpserver.log == []


def test_repeat_rule_constants_match_the_spec() -> None:
    rule = schema("ScheduleRepeatRule")["properties"]
    assert tuple(rule["frequency"]["enum"]) == schedules.REPEAT_FREQUENCIES
    assert tuple(rule["days"]["items"]["enum"]) == schedules.WEEKDAYS
    assert set(rule) == schedules._REPEAT_KEYS
