"""Exactly-once triggers from Celery.

```python
from celery import Celery
from knockkit.contrib.celery import trigger_task

app = Celery("myapp", broker="redis://localhost:6379/0")
trigger = trigger_task(app, MyKnock)                   # a task on your app

trigger.delay("order-placed", recipients=["jhammond"], data={"order": 42})
```

The trigger's Idempotency-Key is fixed when the task is enqueued (derived from the task id
Celery assigns then, or the ``idempotency_key`` you pass) and is the same on every attempt:
the client's own retries, Celery retries, and a redelivery after a worker died. So however
often the task runs, Knock runs the workflow once (within its 24-hour idempotency window).

Knock's 429 and 5xx answers and connection errors become Celery retries, waiting what
Retry-After says or backing off exponentially (``knockkit.contrib.jobs.retry_delay``); a
trigger Knock refused (another 4xx) fails at once, unretried.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from celery import Celery, Task

from knockkit import workflows
from knockkit._settings import KnockInstance
from knockkit.contrib import jobs
from knockkit.params import RecipientParam, TenantParam, TriggerSettings

__all__ = ["task_idempotency_key", "trigger_task"]


def task_idempotency_key(workflow: str, task_id: str) -> str:
    """The Idempotency-Key a trigger task uses when it is given none: one per task id."""
    return jobs.idempotency_key(workflow, f"celery-task:{task_id}")


def trigger_task(
    app: Celery,
    instance: type[KnockInstance],
    *,
    name: str | None = None,
    max_retries: int = 10,
    retry_backoff: float = 1.0,
    retry_backoff_max: float = 600.0,
    **task_options: Any,
) -> Task[..., str]:
    """Register, on ``app``, a task that triggers a workflow with a client of ``instance``.

    The task takes ``workflows.trigger``'s arguments (``workflow, *, recipients, actor,
    data, tenant, cancellation_key, settings, idempotency_key``), which must be
    JSON-serializable, and returns the workflow run id. It is ``acks_late`` with
    ``reject_on_worker_lost``, so a task whose worker died is run again (with the same key).

    Args:
        app: the Celery app to register the task on.
        instance: the declared ``KnockInstance`` whose client the task triggers with.
        name: the task's name; ``knockkit.trigger.<instance class name>`` when not given.
        max_retries: retries before the task fails with Knock's error.
        retry_backoff: the first wait between retries, in seconds, doubling per retry.
        retry_backoff_max: the longest wait between retries, in seconds.
        **task_options: other Celery task options.

    Returns:
        The registered task.
    """
    if not (isinstance(instance, type) and issubclass(instance, KnockInstance)) or instance is KnockInstance:
        raise TypeError("instance must be a declared KnockInstance subclass (class MyKnock(KnockInstance, app=...))")

    def trigger(
        self: Task[..., str],
        workflow: str,
        *,
        recipients: Sequence[RecipientParam],
        actor: RecipientParam | None = None,
        data: Mapping[str, Any] | None = None,
        tenant: TenantParam | None = None,
        cancellation_key: str | None = None,
        settings: TriggerSettings | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        task_id = self.request.id
        if idempotency_key is None and task_id:  # None when the function is called directly
            idempotency_key = task_idempotency_key(workflow, task_id)
        try:
            result = workflows.trigger(
                instance.client(), workflow, recipients=recipients, actor=actor, data=data, tenant=tenant,
                cancellation_key=cancellation_key, settings=settings, idempotency_key=idempotency_key,
            )  # fmt: skip
        except Exception as exc:
            delay = jobs.retry_delay(exc, self.request.retries, base=retry_backoff, cap=retry_backoff_max)
            if delay is None:
                raise
            raise self.retry(exc=exc, countdown=delay) from None
        return result.workflow_run_id

    # shared=False: the task belongs to this app only (Celery would otherwise add it to every app).
    options: dict[str, Any] = {"acks_late": True, "reject_on_worker_lost": True, "shared": False, **task_options}
    register: Any = app.task  # celery-types' overloads cannot take **options; the call is plain Celery
    task: Task[..., str] = register(
        bind=True, name=name or f"knockkit.trigger.{instance.__name__}", max_retries=max_retries, **options
    )(trigger)
    return task
