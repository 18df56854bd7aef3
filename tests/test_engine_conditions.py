"""Knock's condition operators, variables, arguments and all/any groups."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from knockkit.testing.engine import Condition, ConditionGroup, evaluate
from knockkit.testing.engine.conditions import lookup

UTC = dt.timezone.utc
NOW = dt.datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

SCOPE: dict[str, Any] = {
    "data": {"plan": "pro", "count": 21, "price": "9.5", "flag": True, "tags": ["vip", "beta"], "empty": "",
             "nothing": None, "none": [], "role": "senior engineer", "created": "2025-06-15T00:00:00Z",
             "soon": "2025-03-05T09:00:00Z", "past": "2025-02-01T00:00:00Z", "items": [{"name": "a"}]},
    "recipient": {"id": "jhammond", "email": "jh@ingen.net", "roles": ["admin", "editor", "viewer"]},
    "actor": {"id": "dnedry", "plan": "pro"},
    "tenant": {"id": "ingen", "slack_alerts": True},
    "vars": {"threshold": 20},
    "workflow": {"key": "alerts", "categories": ["safety"]},
    "run": {"total_activities": 6, "total_actors": 2},
    "refs": {
        "in_app_feed_1": {"delivery_status": "sent", "engagement_status": ["seen", "seen_not_read"]},
        "email_1": {"delivery_status": "skipped", "engagement_status": []},
        "push_1": {"delivery_status": "delivered", "engagement_status": ["read", "read_not_link_clicked", "seen"]},
    },
}  # fmt: skip


def holds(variable: str, operator: str, argument: Any = None, scope: dict[str, Any] = SCOPE) -> bool:
    group = ConditionGroup(mode="all", items=(Condition(variable=variable, operator=operator, argument=argument),))
    return evaluate(group, scope, NOW, audiences=("beta-testers",)).passed


CASES = [
    # equal_to / not_equal_to: JSON arguments, loose numbers and booleans, "" for missing values
    ("data.plan", "equal_to", "pro", True),
    ("data.plan", "equal_to", "free", False),
    ("data.count", "equal_to", "21", True),
    ("data.price", "equal_to", "9.50", True),
    ("data.flag", "equal_to", "true", True),
    ("data.flag", "equal_to", "false", False),
    ("data.missing", "equal_to", '""', True),
    ("data.nothing", "equal_to", "null", True),
    ("data.plan", "not_equal_to", "free", True),
    ("data.plan", "not_equal_to", "pro", False),
    ("data.tags", "equal_to", '["vip", "beta"]', True),
    # ordering
    ("data.count", "greater_than", "18", True),
    ("data.count", "greater_than", "21", False),
    ("data.count", "greater_than_or_equal_to", "21", True),
    ("data.count", "less_than", "50", True),
    ("data.count", "less_than_or_equal_to", "20", False),
    ("data.price", "less_than", "10", True),
    ("data.plan", "greater_than", "1", False),
    ("data.missing", "greater_than", "1", False),
    # contains: substring, membership either way, any shared item
    ("data.role", "contains", "engineer", True),
    ("data.role", "contains", "designer", False),
    ("data.tags", "contains", "vip", True),
    ("data.tags", "contains", "alpha", False),
    ("data.tags", "contains", '["alpha", "beta"]', True),
    ("data.plan", "contains", '["pro", "team"]', True),
    ("data.tags", "not_contains", "alpha", True),
    ("data.tags", "not_contains", '["vip"]', False),
    ("data.role", "not_contains", "engineer", False),
    ("recipient.roles", "contains_all", '["admin", "editor"]', True),
    ("recipient.roles", "contains_all", '["admin", "owner"]', False),
    ("recipient.roles", "contains_all", "admin", True),
    ("recipient.roles", "not_contains_all", '["admin", "owner"]', True),
    ("recipient.roles", "not_contains_all", '["admin", "editor"]', False),
    ("data.plan", "contains_all", '["pro"]', False),
    # presence
    ("data.empty", "empty", None, True),
    ("data.none", "empty", None, True),
    ("data.missing", "empty", None, True),
    ("data.plan", "empty", None, False),
    ("data.plan", "not_empty", None, True),
    ("data.nothing", "not_empty", None, False),
    ("data.empty", "exists", None, True),
    ("data.nothing", "exists", None, False),
    ("data.missing", "exists", None, False),
    ("data.missing", "not_exists", None, True),
    ("data.nothing", "not_exists", None, True),
    ("data.empty", "not_exists", None, False),
    # numbers between (inclusive)
    ("data.count", "is_between", "[20, 21]", True),
    ("data.count", "is_between", "[22, 30]", False),
    ("data.count", "is_between", "20", False),
    # timestamps: absolute, relative to the clock, between, against now
    ("data.created", "is_timestamp", None, True),
    ("data.plan", "is_timestamp", None, False),
    ("data.soon", "is_timestamp_before", "7 days from now", True),
    ("data.soon", "is_timestamp_before", "1 day from now", False),
    ("data.past", "is_timestamp_on_or_after", "40 days ago", True),
    ("data.past", "is_timestamp_on_or_after", "2 weeks ago", False),
    ("data.past", "is_timestamp_before", "2025-03-01T00:00:00Z", True),
    ("data.created", "is_timestamp_between", '["2025-01-01", "2025-12-31"]', True),
    ("data.created", "is_timestamp_between", '["2025-01-01", "2025-06-15"]', True),
    ("data.created", "is_timestamp_between", '["2024-01-01", "2024-12-31"]', False),
    ("data.past", "is_timestamp_before_now", None, True),
    ("data.soon", "is_timestamp_before_now", None, False),
    ("data.soon", "is_timestamp_on_or_after_now", None, True),
    ("data.plan", "is_timestamp_before", "7 days from now", False),
    ("data.soon", "is_timestamp_before", "whenever", False),
    # dynamic arguments, bare and as a Liquid variable
    ("data.count", "greater_than", "vars.threshold", True),
    ("actor.plan", "equal_to", "data.plan", True),
    ("actor.plan", "equal_to", "{{ data.plan }}", True),
    ("data.soon", "is_timestamp_on_or_after", "{{ data.past }}", True),
    # every prefix and nested paths
    ("tenant.slack_alerts", "equal_to", "true", True),
    ("workflow.categories", "contains", "safety", True),
    ("run.total_activities", "greater_than", "5", True),
    ("data.items[0].name", "equal_to", "a", True),
    ("data.items.0.name", "equal_to", "a", True),
    ("data.items[3].name", "exists", None, False),
    # audiences (argument: the audience key)
    ("recipient", "is_audience_member", "beta-testers", True),
    ("recipient", "is_audience_member", "vips", False),
    ("recipient", "is_not_audience_member", "vips", True),
]


@pytest.mark.parametrize(("variable", "operator", "argument", "expected"), CASES)
def test_operators(variable: str, operator: str, argument: Any, expected: bool) -> None:
    assert holds(variable, operator, argument) is expected


MESSAGE_CASES = [
    ("email_1", "delivery_status", "equal_to", "skipped", True),  # has been skipped
    ("in_app_feed_1", "delivery_status", "not_equal_to", "skipped", True),
    ("in_app_feed_1", "delivery_status", "greater_than_or_equal_to", "sent", True),  # has been sent
    ("email_1", "delivery_status", "less_than", "sent", True),  # has not been sent
    ("in_app_feed_1", "delivery_status", "greater_than_or_equal_to", "delivered", False),
    ("push_1", "delivery_status", "greater_than_or_equal_to", "delivered", True),
    ("never_ran", "delivery_status", "less_than", "sent", True),
    ("never_ran", "delivery_status", "equal_to", "skipped", False),
    ("in_app_feed_1", "engagement_status", "contains", "seen", True),
    ("in_app_feed_1", "engagement_status", "contains", "seen_not_read", True),
    ("in_app_feed_1", "engagement_status", "not_contains", "read", True),
    ("push_1", "engagement_status", "contains", "read_not_link_clicked", True),
    ("push_1", "engagement_status", "not_contains", "read", False),
    ("email_1", "engagement_status", "not_contains", "seen", True),
    ("in_app_feed_1", "delivery_status", "greater_than", "no_such_case", False),
]


@pytest.mark.parametrize(("ref", "field", "operator", "case", "expected"), MESSAGE_CASES)
def test_message_status_conditions(ref: str, field: str, operator: str, case: str, expected: bool) -> None:
    """The ``$message.<case>`` models of Knock's step-conditions docs."""
    assert holds(f"refs.{ref}.{field}", operator, f"$message.{case}") is expected


def test_groups_all_any_and_nesting_with_the_reason_for_a_failure() -> None:
    plan_pro = Condition(variable="data.plan", operator="equal_to", argument="pro")
    plan_free = Condition(variable="data.plan", operator="equal_to", argument="free")
    no_email = Condition(variable="recipient.email", operator="not_exists")
    assert evaluate(ConditionGroup(mode="all", items=(plan_pro, plan_free)), SCOPE, NOW).reason == (
        "data.plan equal_to 'free' was false (data.plan is \"pro\")"
    )
    assert evaluate(ConditionGroup(mode="any", items=(plan_free, plan_pro)), SCOPE, NOW).passed
    verdict = evaluate(ConditionGroup(mode="any", items=(plan_free, no_email)), SCOPE, NOW)
    assert not verdict and verdict.reason == (
        "none held: data.plan equal_to 'free' was false (data.plan is \"pro\"); "
        'recipient.email not_exists was false (recipient.email is "jh@ingen.net")'
    )
    nested = ConditionGroup(mode="any", items=(plan_free, ConditionGroup(mode="all", items=(plan_pro,))))
    assert evaluate(nested, SCOPE, NOW)
    assert evaluate(None, SCOPE, NOW) and evaluate(ConditionGroup(mode="all", items=()), SCOPE, NOW)
    missing = Condition(variable="data.gone", operator="equal_to", argument="x")
    assert evaluate(ConditionGroup(mode="all", items=(missing,)), SCOPE, NOW).reason == (
        "data.gone equal_to 'x' was false (data.gone is not set)"
    )


def test_lookup_walks_mappings_and_lists() -> None:
    assert lookup(SCOPE, "data.items[0].name") == "a"
    assert lookup(SCOPE, "data.tags[-1]") == "beta"
    assert repr(lookup(SCOPE, "data.tags.x")) == "<missing>"
