"""Exactly-once triggers from any job runner (RQ, Dramatiq, arq, Huey, a cron script, ...).

A job that triggers a workflow can run more than once: the runner retries it after an error,
or runs it again after a worker died, and Knock may have processed the first attempt even
if its answer was lost. Knock drops a repeated trigger that carries the same
``Idempotency-Key`` (for 24 hours), so: fix the key *before* the job is enqueued, from
something that names the app's event, and pass it on every attempt:

```python
from knockkit import workflows
from knockkit.contrib import jobs

def send_order_placed(order_id):                      # the job; may run several times
    workflows.trigger(MyKnock.client(), "order-placed", recipients=[...],
                      idempotency_key=jobs.idempotency_key("order-placed", order_id))
```

and let ``retry_delay`` say whether, and when, a failed attempt should be retried.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid

from knockkit._transport.policy import RETRY_STATUSES
from knockkit.errors import APIConnectionError, APIError

__all__ = ["idempotency_key", "retry_delay"]


def idempotency_key(workflow: str, event_id: str | int | uuid.UUID) -> str:
    """The Idempotency-Key for triggering ``workflow`` once for the app's event ``event_id``
    (an order id, a task id, ...): the same for the same pair, on any machine, at any time,
    and different for any other pair. 73 characters, within Knock's 255."""
    if not isinstance(workflow, str) or not workflow:
        raise ValueError("workflow must be a non-empty string (the key of the workflow to trigger)")
    if isinstance(event_id, bool) or not isinstance(event_id, (str, int, uuid.UUID)):
        raise TypeError(f"event_id must be a str, int or UUID naming the app's event, not {type(event_id).__name__}")
    if isinstance(event_id, str) and not event_id.strip():
        raise ValueError("event_id must not be empty")
    # A digest of both parts, each delimited by JSON, so ("a:b", "c") and ("a", "b:c") differ.
    digest = hashlib.sha256(json.dumps([workflow, str(event_id)]).encode()).hexdigest()
    return f"knockkit:{digest}"


def retry_delay(error: BaseException, attempt: int, *, base: float = 1.0, cap: float = 600.0) -> float | None:
    """Seconds to wait before retrying a trigger that raised ``error``, or None when retrying cannot help.

    Args:
        error: what the attempt raised.
        attempt: the attempt that raised it, 0 for the first.
        base: the first wait, in seconds.
        cap: the longest wait, in seconds.

    Returns:
        Knock's ``Retry-After`` (``RateLimitError.retry_after``) when it sent one; else, for
        what the client itself retries (connection errors, timeouts, 408, 409, 429 and 5xx),
        ``base * 2**attempt`` seconds, at most ``cap``, less up to 25 % jitter; None for
        everything else: a request Knock refused (400, 401, 403, 404, 422) fails the same
        way every time, and so does bad input (``ValueError``, ``TypeError``) or a missing key.
    """
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 0:
        raise ValueError(f"attempt must be a whole number >= 0, got {attempt!r}")
    if isinstance(error, APIError) and error.status not in RETRY_STATUSES:
        return None
    if not isinstance(error, (APIError, APIConnectionError)):
        return None
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        return float(retry_after)
    delay: float = min(cap, base * 2**attempt)
    return delay * (1 - random.random() * 0.25)
