"""The Celery app of the tests: made in-process for start_worker, and run as separate worker
processes by the fault test (``celery -A tests.contrib.celery_worker worker``), which passes
the broker, the queue and the fake Knock in environment variables."""

from __future__ import annotations

import os

from celery import Celery

import knockkit
from knockkit import KnockInstance
from knockkit.contrib.celery import trigger_task


class CeleryKnock(KnockInstance, app="celery-tests"):
    pass


#: Client settings for the fake: retries that wait milliseconds, Retry-After honoured up to 1 s.
FAST_CLIENT = {"backoff_factor": 0.001, "max_retry_after": 1.0}


def make_app(broker_url: str, backend_url: str, queue: str) -> Celery:
    app = Celery("knockkit-tests", broker=broker_url, backend=backend_url, set_as_current=False)
    app.conf.update(
        task_default_queue=queue,
        worker_hijack_root_logger=False,  # leave pytest's log capture alone
        worker_prefetch_multiplier=4,
        result_expires=600,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "polling_interval": 0.01,  # memory://: see a retried task within milliseconds, not a second
            # redis://: a message a killed worker held comes back after 2 s, not an hour; and a
            # worker killed while sweeping for such messages blocks the next sweep 3 s, not 5 min
            "visibility_timeout": 2,
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
            "unacked_mutex_expire": 3,
        },
    )
    return app


def register_trigger(app: Celery) -> object:
    return trigger_task(app, CeleryKnock, retry_backoff=0.01, retry_backoff_max=0.2, max_retries=20)


# For `celery -A tests.contrib.celery_worker worker`: everything from the environment.
app = make_app(
    os.environ.get("KNOCKKIT_TEST_BROKER_URL", "memory://"),
    os.environ.get("KNOCKKIT_TEST_BACKEND_URL", "cache+memory://"),
    os.environ.get("KNOCKKIT_TEST_QUEUE", "knockkit-tests"),
)
trigger = register_trigger(app)
if os.environ.get("KNOCKKIT_TEST_BROKER_URL"):  # a worker process: Knock is the test's fake
    knockkit.configure("celery-tests", CeleryKnock, api_key=knockkit.env("KNOCK_API_KEY"),
                       base_url=knockkit.env("KNOCK_BASE_URL"), **FAST_CLIENT)  # fmt: skip
