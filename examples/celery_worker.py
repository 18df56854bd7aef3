"""Celery with knockkit: the app enqueues triggers, workers send them, Knock runs each once.

    python examples/celery_worker.py        # enqueue, and run a worker in this process

Without KNOCK_API_KEY it starts an embedded fake Knock (knockkit.testing.FakeKnock) on
127.0.0.1, makes it fail and drop some requests, and shows that every trigger still ran exactly
once; with KNOCK_API_KEY (sk_...) it triggers "dinosaurs-loose" three times in your Knock
environment. In production run workers the usual way, from examples/ with a real broker:

    CELERY_BROKER_URL=redis://localhost:6379/0 KNOCK_API_KEY=sk_... celery -A celery_worker worker
"""

from __future__ import annotations

import os

from _target import embedded_fake, real_knock, say
from celery import Celery
from celery.contrib.testing.worker import start_worker

import knockkit
from knockkit import KnockInstance
from knockkit.contrib import jobs
from knockkit.contrib.celery import trigger_task


class ParkKnock(KnockInstance, app="park"):
    pass


WORKFLOW = "dinosaurs-loose"
app = Celery(
    "park",
    broker=os.environ.get("CELERY_BROKER_URL", "memory://"),
    backend=os.environ.get("CELERY_RESULT_BACKEND", "cache+memory://"),
)
app.conf.broker_transport_options = {"polling_interval": 0.05}
app.conf.worker_hijack_root_logger = False
# The task: workflows.trigger's arguments; an Idempotency-Key fixed when it is enqueued.
send_alert = trigger_task(app, ParkKnock, retry_backoff=0.1)


def enqueue(count: int) -> list[str]:
    say(f"\n1. The app enqueues {count} alerts; one is enqueued twice for the same app event")
    ids = [send_alert.delay(WORKFLOW, recipients=[f"visitor-{n}"], data={"n": n}).id for n in range(count)]
    # The same app event enqueued twice (a double click, a web request retried): one key for both.
    key = jobs.idempotency_key(WORKFLOW, "alert-0042")
    ids += [send_alert.delay(WORKFLOW, recipients=["jhammond"], idempotency_key=key).id for _ in range(2)]
    return ids


def work(task_ids: list[str]) -> set[str]:
    say("\n2. A worker sends them (in this process; `celery -A celery_worker worker` in production)")
    with start_worker(app, pool="threads", concurrency=4, perform_ping_check=False, loglevel="CRITICAL"):
        run_ids = {app.AsyncResult(task_id).get(timeout=60) for task_id in task_ids}
    say(f"   {len(task_ids)} tasks succeeded -> {len(run_ids)} distinct workflow runs")
    return run_ids


def main() -> None:
    if real_knock():
        say("Running against the Knock API (KNOCK_API_KEY is set).")
        work(enqueue(1))
        return
    with embedded_fake() as fake:
        fake.add_workflow(WORKFLOW, ["in_app_feed"])
        knockkit.configure("park", ParkKnock, api_key=fake.api_key, base_url=fake.url, backoff_factor=0.01)
        say("Nothing leaves this machine. The fake will answer 5 triggers with 503 and drop the answer")
        say("to 3 it has processed (as when a connection breaks on the way back).")
        fake.fail_next(5, status=503, path="/v1/workflows/*/trigger")
        fake.drop_next(3, processed=True, path="/v1/workflows/*/trigger")
        task_ids = enqueue(20)
        work(task_ids)
        sent = [r for r in fake.requests if r.path.endswith("/trigger")]
        runs = fake.runs(workflow=WORKFLOW)
        events = len(task_ids) - 1  # two tasks carry the same app event
        say(f"\n3. The fake saw {len(sent)} trigger requests and ran the workflow {len(runs)} times for {events} "
            f"app events, through {sum(r.status == 503 for r in sent)} 503s and "
            f"{sum(r.status is None for r in sent)} lost answers.")
        if len(runs) != events:
            raise SystemExit(f"expected exactly {events} workflow runs, the fake ran {len(runs)}")
        say("   Each app event ran exactly once.")


if __name__ == "__main__":
    main()
