"""Workflow recipient runs: one recipient's run of a workflow, with its events.

```python
for run in knockkit.paginate(workflow_recipient_runs.list, client, workflow="dinosaurs-loose"):
    print(run.id, run.status)
```
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

from knockkit._client import Client
from knockkit._common import check_recipient
from knockkit._endpoint import endpoint
from knockkit._http import request
from knockkit.models import Page, WorkflowRecipientRun
from knockkit.params import RecipientRef

__all__ = ["get", "list"]


@endpoint
def list(
    client: Client,
    *,
    workflow: str | None = None,
    status: Sequence[str] | None = None,
    tenant: str | None = None,
    has_errors: bool | None = None,
    recipient: RecipientRef | None = None,
    starting_at: _dt.datetime | str | None = None,
    ending_at: _dt.datetime | str | None = None,
    after: str | None = None,
    before: str | None = None,
    page_size: int | None = None,
) -> Page[WorkflowRecipientRun]:
    """One page of the environment's workflow recipient runs; every filter given narrows it.

    Args:
        client: the client to send with.
        workflow: runs of this workflow key.
        status: runs in one of these states: queued, processing, paused, completed, cancelled.
        tenant: runs for this tenant.
        has_errors: ``True`` for only the runs that had errors.
        recipient: runs for this recipient: a user id or ``{"id": "p1", "collection": "projects"}``.
        starting_at: runs started after this time (a timezone-aware datetime or ISO 8601 text).
        ending_at: runs started before this time (the same forms).
        after: the cursor to read the page after (a page's ``next_params`` give it).
        before: the cursor to read the page before.
        page_size: entries per page (Knock's default is 50).

    Returns:
        One page of workflow recipient runs.
    """
    if recipient is not None:
        check_recipient("recipient", recipient, reference=True)
    query = {
        "workflow": workflow,
        "status": status,
        "tenant": tenant,
        "has_errors": has_errors,
        "recipient": recipient,
        "starting_at": starting_at,
        "ending_at": ending_at,
        "after": after,
        "before": before,
        "page_size": page_size,
    }
    return request(client, "GET", "/v1/workflow_recipient_runs", query=query, into=Page[WorkflowRecipientRun])


@endpoint
def get(client: Client, run_id: str) -> WorkflowRecipientRun:
    """A workflow recipient run with its ``events`` (steps executed, messages enqueued, errors)."""
    return request(client, "GET", "/v1/workflow_recipient_runs/{id}", id=run_id, into=WorkflowRecipientRun)
