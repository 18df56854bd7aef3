"""Bulk operations: the asynchronous jobs that bulk endpoints start, and waiting for them.

```python
job = users.bulk_identify(client, many_users)
job = bulk_operations.wait(client, job.id, timeout=120)
if job.status == "failed" or job.error_count:
    ...
```
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import cast

from knockkit._client import AsyncClient, Client
from knockkit._endpoint import endpoint
from knockkit._http import request
from knockkit.errors import KnockError
from knockkit.models import BulkOperation

__all__ = ["BulkOperationTimeoutError", "get", "wait"]


class BulkOperationTimeoutError(KnockError, TimeoutError):
    """A bulk operation did not finish within ``wait``'s timeout. It may still finish later."""

    def __init__(self, operation: BulkOperation, timeout: float) -> None:
        super().__init__(
            f"bulk operation {operation.id} did not finish within {timeout:g} s; last status: {operation.status}"
            f" ({operation.processed_rows} of {operation.estimated_total_rows} rows processed)"
        )
        self.operation_id = operation.id
        self.status = operation.status
        #: the last state seen
        self.operation = operation
        self.timeout = timeout

    def __reduce__(self) -> tuple[type[BulkOperationTimeoutError], tuple[BulkOperation, float]]:
        # Its args are the message alone (two args would make a TimeoutError read them as
        # errno and strerror): pickle and copy rebuild it from what it was made of.
        return type(self), (self.operation, self.timeout)


@endpoint
def get(client: Client, id: str) -> BulkOperation:
    """The current state of a bulk operation."""
    return request(client, "GET", "/v1/bulk_operations/{id}", id=id, into=BulkOperation)


@endpoint
def wait(
    client: Client,
    id: str,
    *,
    timeout: float = 300.0,
    interval: float = 1.0,
    on_progress: Callable[[BulkOperation], object] | None = None,
) -> BulkOperation:
    """Poll a bulk operation until it is completed or failed.

    Args:
        client: the client to poll with.
        id: the bulk operation's id.
        timeout: seconds to wait in all.
        interval: seconds between two polls.
        on_progress: called with every state seen, the final one included.

    Returns:
        The operation's final state (check ``status`` and ``error_count``).

    Raises:
        BulkOperationTimeoutError: ``timeout`` seconds passed first (a ``TimeoutError``).
    """
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout >= 0:
        raise ValueError(f"timeout must be a number of seconds >= 0, got {timeout!r}")
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not interval > 0:
        raise ValueError(f"interval must be a number of seconds > 0, got {interval!r}")
    deadline = time.monotonic() + timeout
    if isinstance(client, AsyncClient):
        # The same loop, awaited (request() returns a coroutine for an AsyncClient).
        return cast(BulkOperation, _wait_async(client, id, deadline, timeout, interval, on_progress))
    while True:
        operation = get(client, id)
        pause = _pause(operation, deadline, timeout, interval, on_progress)
        if pause is None:
            return operation
        time.sleep(pause)


async def _wait_async(
    client: AsyncClient,
    id: str,
    deadline: float,
    timeout: float,
    interval: float,
    on_progress: Callable[[BulkOperation], object] | None,
) -> BulkOperation:
    while True:
        operation = await get(client, id)
        pause = _pause(operation, deadline, timeout, interval, on_progress)
        if pause is None:
            return operation
        await asyncio.sleep(pause)


def _pause(
    operation: BulkOperation,
    deadline: float,
    timeout: float,
    interval: float,
    on_progress: Callable[[BulkOperation], object] | None,
) -> float | None:
    """Seconds until the next poll, or ``None`` once the operation is finished."""
    if on_progress is not None:
        on_progress(operation)
    if operation.finished:
        return None
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise BulkOperationTimeoutError(operation, timeout)
    return min(interval, remaining)
