"""Exactly-once under faults: 500 triggers enqueued to Celery; Knock (the fake) answers some
with 503 and drops the connection of others after processing them; worker processes are
stopped or killed mid-run and replaced. However often each task runs, the fake must count
exactly 500 workflow runs, one per task.

- memory broker: real workers in this process (start_worker), stopped mid-run (warm shutdown:
  what they had prefetched goes back to the queue) and restarted;
- Redis broker: ``celery worker`` processes, killed with SIGKILL mid-run (their unacknowledged
  tasks are delivered again to the next worker, with the same task id, hence the same key).

Each run prints its figures (pytest -s shows them).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("celery", reason="the Celery integration needs Celery: pip install knockkit[celery]")

from celery import Celery
from celery.contrib.testing.worker import start_worker

import knockkit
from knockkit.testing import FakeKnock

from .celery_worker import FAST_CLIENT, CeleryKnock, make_app, register_trigger
from .conftest import broker_urls

ROOT = Path(__file__).resolve().parents[2]
TRIGGERS = 500
WORKFLOW = "dinosaurs-loose"
TRIGGER_PATH = "/v1/workflows/*/trigger"
DEADLINE = 60  # seconds for the whole run; it takes a few


def wait_for(what: object, done: Callable[[], bool], deadline: float) -> None:
    while not done():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def inject_faults(fake: FakeKnock) -> None:
    """503s (the client retries them, and a burst outlasts its retries: then Celery retries)
    and answers lost after Knock processed the trigger (only the idempotency key saves those)."""
    fake.fail_next(40, status=503, path=TRIGGER_PATH)
    fake.drop_next(40, processed=True, path=TRIGGER_PATH)


def enqueue(trigger: Any) -> list[str]:
    return [
        trigger.delay(WORKFLOW, recipients=[f"visitor-{n}"], data={"n": n}).id for n in range(TRIGGERS)
    ]


class Finished:
    """A check that every task has succeeded (it fails the test if one failed)."""

    def __init__(self, app: Celery, task_ids: list[str]) -> None:
        self.app = app
        self.pending = set(task_ids)

    def __call__(self) -> bool:
        for task_id in list(self.pending):
            meta = self.app.backend.get_task_meta(task_id)
            if meta["status"] == "SUCCESS":
                self.pending.discard(task_id)
            elif meta["status"] == "FAILURE":
                pytest.fail(f"task {task_id} failed: {meta['result']!r}")
        return not self.pending

    def __str__(self) -> str:
        return f"every task to succeed ({len(self.pending)} still pending)"


def run_count(fake: FakeKnock) -> int:
    return len(fake.runs(workflow=WORKFLOW))


def check_exactly_once(fake: FakeKnock, label: str, started: float, restarts: int) -> None:
    runs = fake.runs(workflow=WORKFLOW)
    triggers = [r for r in fake.requests if r.path == f"/v1/workflows/{WORKFLOW}/trigger"]
    keys = {r.header("Idempotency-Key") for r in triggers}
    statuses = [r.status for r in triggers]
    processed = statuses.count(200) + statuses.count(None)  # the drops were processed before the drop
    figures = (
        f"{label}: {TRIGGERS} tasks -> {len(runs)} workflow runs; {len(triggers)} trigger requests "
        f"({statuses.count(503)} answered 503, {statuses.count(None)} dropped after processing, "
        f"{processed - len(runs)} idempotent replays), {len(keys)} distinct keys, "
        f"{restarts} worker restarts, {time.monotonic() - started:.1f} s"
    )
    print(figures)
    assert len(runs) == TRIGGERS, figures
    assert sorted(r.recipient for r in runs) == sorted(f"visitor-{n}" for n in range(TRIGGERS))
    assert len(keys) == TRIGGERS and None not in keys
    # every injected fault was met (3 batches of 40 each), and each processed drop was replayed
    assert (statuses.count(503), statuses.count(None)) == (120, 120), figures
    assert processed - len(runs) >= 120, figures


def test_exactly_once_with_workers_restarted_in_process(fake: FakeKnock) -> None:
    started = time.monotonic()
    deadline = started + DEADLINE
    knockkit.configure("celery-tests", CeleryKnock, api_key=fake.api_key, base_url=fake.url, **FAST_CLIENT)
    app = make_app("memory://", "cache+memory://", queue=f"knockkit-faults-{uuid.uuid4().hex[:8]}")
    trigger = register_trigger(app)
    task_ids = enqueue(trigger)
    all_done = Finished(app, task_ids)
    for stop_at in (150, 350, None):
        inject_faults(fake)
        with start_worker(app, pool="threads", concurrency=4, perform_ping_check=False, shutdown_timeout=30):
            if stop_at is None:
                wait_for(all_done, all_done, deadline)
            else:  # stop this worker mid-run
                wait_for(f"{stop_at} runs", lambda n=stop_at: run_count(fake) >= n, deadline)
    check_exactly_once(fake, "memory broker, in-process workers", started, restarts=2)


def worker_process(broker: str, queue: str, fake: FakeKnock, name: str, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNOCK")}
    env.update(
        KNOCKKIT_TEST_BROKER_URL=broker, KNOCKKIT_TEST_BACKEND_URL=broker, KNOCKKIT_TEST_QUEUE=queue,
        KNOCK_API_KEY=fake.api_key, KNOCK_BASE_URL=fake.url, PYTHONPATH=str(ROOT),
    )  # fmt: skip
    command = [
        sys.executable, "-m", "celery", "-A", "tests.contrib.celery_worker", "worker", "--pool", "threads",
        "--concurrency", "4", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--loglevel", "ERROR", "--hostname", f"{name}@knockkit-tests",
    ]  # fmt: skip
    with log.open("ab") as output:  # the worker's own messages, shown if the test fails
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def crash(app: Celery, worker: subprocess.Popen[bytes], hostname: str, queue: str, fake: FakeKnock) -> None:
    """SIGKILL a worker while it holds tasks, some with a trigger Knock has yet to process.

    The worker first stops fetching (so no message is in flight inside its Redis client: kombu's
    Redis transport loses a message popped by BRPOP but not yet recorded as unacknowledged,
    which is the broker's limit, not knockkit's); it keeps running the tasks it holds, and the
    next four triggers are held by the fake for a second, then processed after the worker is gone.
    """
    fake.slow_next(4, seconds=1.0, path=TRIGGER_PATH)
    replies = app.control.cancel_consumer(queue, destination=[hostname], reply=True, timeout=10)
    assert replies, f"{hostname} did not answer cancel_consumer"
    time.sleep(0.3)  # let the held triggers reach the fake (if fewer do, fewer replays; the outcome holds)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)


def test_exactly_once_with_worker_processes_killed(
    fake: FakeKnock, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    log = tmp_path / "workers.log"
    started = time.monotonic()
    deadline = started + DEADLINE
    broker, backend = broker_urls(request, "redis")
    queue = f"knockkit-faults-{uuid.uuid4().hex[:8]}"
    app = make_app(broker, backend, queue=queue)
    task_ids = enqueue(register_trigger(app))
    all_done = Finished(app, task_ids)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        for index, kill_at in enumerate((150, 350, None)):
            inject_faults(fake)
            workers.append(worker_process(broker, queue, fake, f"w{index}", log))
            if kill_at is None:
                wait_for(all_done, all_done, deadline)
            else:  # kill this worker mid-run, tasks in hand
                wait_for(f"{kill_at} runs", lambda n=kill_at: run_count(fake) >= n, deadline)
                crash(app, workers[-1], f"w{index}@knockkit-tests", queue, fake)
    except BaseException:
        print(log.read_text(errors="replace"))
        raise
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
    check_exactly_once(fake, "Redis broker, worker processes killed", started, restarts=2)
