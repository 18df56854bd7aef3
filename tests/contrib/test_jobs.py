"""knockkit.contrib.jobs: stable idempotency keys from app event ids, and which failures a job
runner should retry (and after how long), with errors as the client raises them over the wire."""

from __future__ import annotations

import uuid

import pytest

from knockkit import workflows
from knockkit.contrib import jobs
from knockkit.errors import APIConnectionError, APIError, RateLimitError
from knockkit.testing import FakeKnock


def test_idempotency_key_is_stable_distinct_and_within_knocks_limit() -> None:
    key = jobs.idempotency_key("order-placed", "order-456")
    assert key == jobs.idempotency_key("order-placed", "order-456")
    assert key.startswith("knockkit:") and len(key) == 73
    others = {
        jobs.idempotency_key("order-placed", "order-457"),
        jobs.idempotency_key("order-shipped", "order-456"),
        jobs.idempotency_key("order-placed:order", "456"),
        jobs.idempotency_key("order-placed", 456),
    }
    assert key not in others and len(others) == 4
    assert jobs.idempotency_key("w", 456) == jobs.idempotency_key("w", "456")  # the id's text is what counts
    the_id = uuid.UUID("5b0d8c3e-2f4a-4b6c-9d8e-7f1a2b3c4d5e")
    assert jobs.idempotency_key("w", the_id) == jobs.idempotency_key("w", str(the_id))


@pytest.mark.parametrize(
    ("workflow", "event_id", "error", "match"),
    [
        ("", "e1", ValueError, "workflow must be a non-empty string"),
        ("w", " ", ValueError, "event_id must not be empty"),
        ("w", True, TypeError, "event_id must be a str, int or UUID"),
        ("w", 1.5, TypeError, "event_id must be a str, int or UUID"),
        ("w", None, TypeError, "event_id must be a str, int or UUID"),
    ],
)
def test_idempotency_key_rejects_bad_input(workflow: str, event_id: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        jobs.idempotency_key(workflow, event_id)  # type: ignore[arg-type]


def knock_error(fake: FakeKnock, status: int, retry_after: float | None = None) -> APIError:
    """The error a trigger raises when the fake answers ``status`` (no client retries)."""
    fake.fail_next(1, status=status, retry_after=retry_after, path="/v1/workflows/*/trigger")
    with pytest.raises(APIError) as info:
        workflows.trigger(fake.client(max_retries=0), "dinosaurs-loose", recipients=["jhammond"])
    return info.value


def test_retry_after_is_the_wait_when_knock_sends_it(fake: FakeKnock) -> None:
    error = knock_error(fake, 429, retry_after=7)
    assert isinstance(error, RateLimitError) and error.retry_after == 7
    assert jobs.retry_delay(error, 0) == 7.0
    assert jobs.retry_delay(error, 5, cap=1.0) == 7.0  # Knock's word wins over the backoff cap


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503])
def test_what_the_client_retries_backs_off_exponentially(fake: FakeKnock, status: int) -> None:
    error = knock_error(fake, status)
    for attempt, full in ((0, 2.0), (1, 4.0), (3, 16.0), (10, 60.0)):
        delay = jobs.retry_delay(error, attempt, base=2.0, cap=60.0)
        assert delay is not None and 0.75 * full <= delay <= full


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_what_knock_refused_is_not_retried(fake: FakeKnock, status: int) -> None:
    assert jobs.retry_delay(knock_error(fake, status), 0) is None


def test_connection_errors_are_retried_and_other_errors_are_not(fake: FakeKnock) -> None:
    fake.drop_next(1, path="/v1/workflows/*/trigger")
    with pytest.raises(APIConnectionError) as info:
        workflows.trigger(fake.client(max_retries=0), "dinosaurs-loose", recipients=["jhammond"])
    assert jobs.retry_delay(info.value, 0, base=1.0) is not None
    assert jobs.retry_delay(ValueError("recipients must not be empty"), 0) is None
    assert jobs.retry_delay(KeyError("x"), 0) is None
    with pytest.raises(ValueError, match="attempt must be a whole number >= 0"):
        jobs.retry_delay(info.value, -1)
