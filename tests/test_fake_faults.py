"""Faults on demand: injected error statuses (with Retry-After), dropped connections
(before or after the request is handled), latency, and how knockkit's retries meet them."""

from __future__ import annotations

import time

import pytest

import knockkit
from knockkit import users, workflows
from knockkit.testing import FakeKnock


def test_fail_next_answers_in_knocks_error_shape(knock: FakeKnock) -> None:
    knock.fail_next(status=503)
    with pytest.raises(knockkit.ServerError) as caught:
        users.get(knock.client(max_retries=0), "jhammond")
    error = caught.value
    assert (error.status, error.code, error.type) == (503, "service_unavailable", "api_error")
    assert set(error.body) == {"code", "message", "status", "type"} and error.request_id
    assert knock.user("jhammond") is None


def test_retries_ride_out_transient_failures(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.fail_next(2, status=503)
    assert users.identify(knock_client, "jhammond", {"name": "John"}).name == "John"
    assert [r.status for r in knock.requests] == [503, 503, 200]
    knock.fail_next(3, status=500)
    with pytest.raises(knockkit.ServerError):
        users.get(knock_client, "jhammond")  # 1 try + 2 retries, all failed
    assert [r.status for r in knock.requests][3:] == [500, 500, 500]


def test_rate_limits_carry_retry_after(knock: FakeKnock) -> None:
    knock.fail_next(status=429, retry_after=2)
    with pytest.raises(knockkit.RateLimitError) as caught:
        users.get(knock.client(max_retries=0), "jhammond")
    assert caught.value.retry_after == 2.0
    assert (caught.value.code, caught.value.type) == ("rate_limit_exceeded", "rate_limit_error")
    knock.fail_next(status=429)
    users.identify(knock.client(max_retries=1), "jhammond", {})
    started, retried = knock.requests[-2:]
    assert (started.status, retried.status) == (429, 200)


def test_retry_after_is_honoured(knock: FakeKnock) -> None:
    knock.fail_next(status=429, retry_after=0.2)  # sent as whole seconds, rounded up: 1
    began = time.perf_counter()
    users.identify(knock.client(max_retries=1), "jhammond", {})
    assert time.perf_counter() - began >= 0.9


def test_faults_can_be_narrowed_by_method_and_path(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow("dinosaurs-loose", steps=["in_app_feed"])
    knock.fail_next(status=400, method="post", path="/v1/workflows/*/trigger")
    users.identify(knock_client, "jhammond", {})  # not a trigger: untouched
    with pytest.raises(knockkit.BadRequestError):
        workflows.trigger(knock_client, "dinosaurs-loose", recipients=["jhammond"])
    workflows.trigger(knock_client, "dinosaurs-loose", recipients=["jhammond"])  # the fault is spent
    assert [r.status for r in knock.requests] == [200, 400, 200]


def test_a_dropped_connection_is_retried_when_safe(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    users.identify(knock_client, "jhammond", {})
    knock.drop_next(method="GET")
    assert users.get(knock_client, "jhammond").id == "jhammond"
    assert [r.status for r in knock.requests][1:] == [None, 200]


def test_a_dropped_post_is_not_retried_without_an_idempotency_key(knock: FakeKnock,
                                                                  knock_client: knockkit.Client) -> None:  # fmt: skip
    users.identify(knock_client, "jhammond", {})
    users.identify(knock_client, "guest", {})
    knock.drop_next(path="/v1/users/*/merge")
    with pytest.raises(knockkit.APIConnectionError) as caught:
        users.merge(knock_client, "jhammond", "guest")
    assert caught.value.attempts == 1
    assert knock.requests[-1].status is None and knock.user("guest") is not None


def test_a_dropped_trigger_is_retried_with_its_idempotency_key(knock: FakeKnock,
                                                               knock_client: knockkit.Client) -> None:  # fmt: skip
    knock.add_workflow("dinosaurs-loose", steps=["in_app_feed"])
    knock.drop_next(2, path="/v1/workflows/dinosaurs-loose/trigger", processed=True)
    workflows.trigger(knock_client, "dinosaurs-loose", recipients=["jhammond"])
    keys = {r.header("Idempotency-Key") for r in knock.requests}
    assert [r.status for r in knock.requests] == [None, None, 200] and len(keys) == 1
    assert len(knock.messages()) == 1


def test_latency_and_slow_answers(knock: FakeKnock) -> None:
    users.identify(knock.client(), "jhammond", {})
    knock.latency = 0.3
    with pytest.raises(knockkit.APITimeoutError):
        users.get(knock.client(timeout=0.1, max_retries=0), "jhammond")
    knock.latency = 0
    knock.slow_next(1, seconds=0.3)
    assert users.get(knock.client(timeout=0.15, max_retries=1), "jhammond").id == "jhammond"
    began = time.perf_counter()
    knock.slow_next(seconds=0.2, path="/v1/users/*")
    users.get(knock.client(), "jhammond")
    assert time.perf_counter() - began >= 0.2


@pytest.mark.parametrize(
    "call",
    [
        lambda fake: fake.fail_next(0),
        lambda fake: fake.fail_next(status=200),
        lambda fake: fake.drop_next(-1),
        lambda fake: setattr(fake, "latency", -1),
    ],
)
def test_fault_arguments_are_checked(knock: FakeKnock, call: object) -> None:
    with pytest.raises(ValueError):
        call(knock)  # type: ignore[operator]
