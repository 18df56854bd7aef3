"""knockkit.contrib.celery with a real Celery worker (celery.contrib.testing.worker.start_worker),
on the in-memory broker and on a real Redis broker, against the fake Knock."""

from __future__ import annotations

import datetime as dt
import gc
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("celery", reason="the Celery integration needs Celery: pip install knockkit[celery]")

from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.signals import before_task_publish

import knockkit
from knockkit.contrib import jobs
from knockkit.contrib.celery import task_idempotency_key, trigger_task
from knockkit.errors import KnockError, UnprocessableEntityError
from knockkit.testing import FakeKnock

from .celery_worker import FAST_CLIENT, CeleryKnock, make_app, register_trigger
from .conftest import broker_urls

TRIGGER_PATH = "/v1/workflows/*/trigger"
TIMEOUT = 20  # seconds to wait for a task's result; each takes milliseconds
LIMITED = "knockkit.tests.limited"  # a trigger task with max_retries=2


@pytest.fixture(scope="module", params=["memory", "redis"])
def celery(request: pytest.FixtureRequest) -> Iterator[tuple[Celery, Any]]:
    """A Celery app on the broker, its trigger task, and one real worker (threads) for the module."""
    broker, backend = broker_urls(request, request.param)
    app = make_app(broker, backend, queue=f"knockkit-tests-{uuid.uuid4().hex[:8]}")
    trigger = register_trigger(app)
    trigger_task(app, CeleryKnock, name=LIMITED, max_retries=2, retry_backoff=0.01)
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
        yield app, trigger
    # The tests' AsyncResults unsubscribe from the result backend when collected: collect them
    # now, while the session's Redis still answers (run alone, this module outlives it otherwise).
    gc.collect()


@pytest.fixture
def knock_for_tasks(fake: FakeKnock) -> FakeKnock:
    """The fake, with CeleryKnock configured for it: one HTTP attempt per task run, so that
    every retry the test sees is a Celery retry."""
    knockkit.configure("celery-tests", CeleryKnock, api_key=fake.api_key, base_url=fake.url, max_retries=0,
                       **FAST_CLIENT)  # fmt: skip
    return fake


@pytest.fixture
def published() -> Iterator[list[dict[str, Any]]]:
    """The headers of every task message published (first sends and Celery retries)."""
    seen: list[dict[str, Any]] = []

    def record(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
        seen.append({**(headers or {}), "_published_at": dt.datetime.now(dt.timezone.utc)})

    before_task_publish.connect(record, weak=False)
    yield seen
    before_task_publish.disconnect(record)


def triggers(fake: FakeKnock) -> list[Any]:
    return [r for r in fake.requests if r.path == "/v1/workflows/dinosaurs-loose/trigger"]


def test_503s_become_celery_retries_with_the_key_fixed_at_enqueue(
    celery: tuple[Celery, Any], knock_for_tasks: FakeKnock, published: list[dict[str, Any]]
) -> None:
    _, trigger = celery
    fake = knock_for_tasks
    fake.fail_next(2, status=503, path=TRIGGER_PATH)
    result = trigger.delay("dinosaurs-loose", recipients=["jhammond"], actor="dnedry", data={"type": "trex"})
    run_id = result.get(timeout=TIMEOUT)
    sent = triggers(fake)
    assert [r.status for r in sent] == [503, 503, 200]
    expected_key = task_idempotency_key("dinosaurs-loose", result.id)
    assert {r.header("Idempotency-Key") for r in sent} == {expected_key}
    assert {r.method for r in sent} == {"POST"}
    assert sent[-1].body == {"recipients": ["jhammond"], "actor": "dnedry", "data": {"type": "trex"}}
    (run,) = fake.runs(workflow="dinosaurs-loose")
    assert run_id == run.workflow_run_id
    ours = [h for h in published if h.get("id") == result.id]
    assert [h["retries"] for h in ours] == [0, 1, 2]


def test_a_trigger_processed_but_unanswered_is_replayed_not_run_twice(
    celery: tuple[Celery, Any], knock_for_tasks: FakeKnock
) -> None:
    _, trigger = celery
    fake = knock_for_tasks
    fake.drop_next(1, processed=True, path=TRIGGER_PATH)
    run_id = trigger.delay("dinosaurs-loose", recipients=["agrant"]).get(timeout=TIMEOUT)
    sent = triggers(fake)
    assert [r.status for r in sent] == [None, 200]  # the first answer was lost on the way back
    assert sent[0].header("Idempotency-Key") == sent[1].header("Idempotency-Key")
    (run,) = fake.runs(workflow="dinosaurs-loose")
    assert run_id == run.workflow_run_id


def test_429_retries_after_what_retry_after_says(
    celery: tuple[Celery, Any], knock_for_tasks: FakeKnock, published: list[dict[str, Any]]
) -> None:
    _, trigger = celery
    fake = knock_for_tasks
    fake.fail_next(1, status=429, retry_after=1, path=TRIGGER_PATH)
    result = trigger.delay("dinosaurs-loose", recipients=["imalcolm"])
    result.get(timeout=TIMEOUT)
    assert [r.status for r in triggers(fake)] == [429, 200]
    (retry,) = [h for h in published if h.get("id") == result.id and h["retries"] == 1]
    countdown = (dt.datetime.fromisoformat(retry["eta"]) - retry["_published_at"]).total_seconds()
    assert 0.9 < countdown <= 1.0  # Retry-After: 1, not the 0.01 s backoff


def test_a_trigger_knock_refused_is_not_retried(
    celery: tuple[Celery, Any], knock_for_tasks: FakeKnock, published: list[dict[str, Any]]
) -> None:
    _, trigger = celery
    fake = knock_for_tasks
    fake.fail_next(1, status=422, path=TRIGGER_PATH)
    result = trigger.delay("dinosaurs-loose", recipients=["esattler"])
    with pytest.raises(UnprocessableEntityError, match="422") as raised:
        result.get(timeout=TIMEOUT)
    # The caller gets Knock's answer through the result backend (JSON by default), not only its text.
    assert (raised.value.status, raised.value.message) == (422, "injected by FakeKnock.fail_next (status 422)")
    assert result.state == "FAILURE"
    assert [r.status for r in triggers(fake)] == [422]
    assert [h["retries"] for h in published if h.get("id") == result.id] == [0]
    assert fake.runs() == []


def test_retries_stop_after_max_retries(celery: tuple[Celery, Any], knock_for_tasks: FakeKnock) -> None:
    app, _ = celery
    fake = knock_for_tasks
    limited = app.tasks[LIMITED]
    fake.fail_next(5, status=500, path=TRIGGER_PATH)
    result = limited.delay("dinosaurs-loose", recipients=["jhammond"])
    with pytest.raises(KnockError, match="500"):
        result.get(timeout=TIMEOUT)
    sent = triggers(fake)
    assert [r.status for r in sent] == [500, 500, 500]  # the first attempt and two retries
    assert len({r.header("Idempotency-Key") for r in sent}) == 1


def test_an_app_event_id_gives_the_same_key_to_every_enqueue(
    celery: tuple[Celery, Any], knock_for_tasks: FakeKnock
) -> None:
    _, trigger = celery
    fake = knock_for_tasks
    key = jobs.idempotency_key("dinosaurs-loose", "order-456")
    first = trigger.delay("dinosaurs-loose", recipients=["jhammond"], idempotency_key=key).get(timeout=TIMEOUT)
    again = trigger.delay("dinosaurs-loose", recipients=["jhammond"], idempotency_key=key).get(timeout=TIMEOUT)
    assert first == again  # the app enqueued the same event twice: Knock ran it once
    assert [r.header("Idempotency-Key") for r in triggers(fake)] == [key, key]
    assert len(fake.runs()) == 1


def test_the_task_function_called_directly_still_triggers(knock_for_tasks: FakeKnock) -> None:
    app = make_app("memory://", "cache+memory://", queue="unused")
    trigger = register_trigger(app)
    run_id = trigger("dinosaurs-loose", recipients=["jhammond"])  # no task id: a fresh key per call
    (run,) = knock_for_tasks.runs()
    assert run_id == run.workflow_run_id
    assert triggers(knock_for_tasks)[0].header("Idempotency-Key")


def test_trigger_task_takes_a_declared_instance() -> None:
    app = make_app("memory://", "cache+memory://", queue="unused")
    with pytest.raises(TypeError, match="declared KnockInstance subclass"):
        trigger_task(app, knockkit.KnockInstance)
    with pytest.raises(TypeError, match="declared KnockInstance subclass"):
        trigger_task(app, "CeleryKnock")  # type: ignore[arg-type]
