"""Workflows: trigger a run for recipients, and cancel runs by cancellation key.

``trigger`` always sends an ``Idempotency-Key`` (yours, or a fresh one per call) and
reuses it on every retry, so a retried trigger never notifies anyone twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from knockkit._client import Client
from knockkit._common import check_mapping, check_recipient, check_recipients
from knockkit._endpoint import endpoint
from knockkit._http import MAX_IDEMPOTENCY_KEY_LENGTH, new_idempotency_key, request
from knockkit.models import TriggerResult
from knockkit.params import RecipientParam, RecipientRef, TenantParam, TriggerSettings

__all__ = ["MAX_RECIPIENTS", "cancel", "trigger"]

MAX_RECIPIENTS = 1000
"""Knock's limit on recipients per trigger (and per cancel)."""

Recipient = RecipientParam  # a user id, an inline user, or an object (inline or by reference)


@endpoint
def trigger(
    client: Client,
    key: str,
    *,
    recipients: Sequence[RecipientParam],
    actor: RecipientParam | None = None,
    data: Mapping[str, Any] | None = None,
    tenant: TenantParam | None = None,
    cancellation_key: str | None = None,
    settings: TriggerSettings | None = None,
    idempotency_key: str | None = None,
) -> TriggerResult:
    """Trigger workflow ``key`` for up to 1,000 recipients.

    Args:
        client: the client to send with.
        key: the workflow's key.
        recipients: up to 1,000 user ids, inline users (``{"id": "u1", "email": ...}``,
            identified as part of the trigger) or object references (``{"id": "p1",
            "collection": "projects"}``).
        actor: who caused the trigger, given as a recipient is.
        data: the variables the workflow's templates and conditions read.
        tenant: a tenant id or an inline tenant.
        cancellation_key: the key that ``cancel`` cancels this run by.
        settings: run settings such as ``{"sandbox_mode": True}``.
        idempotency_key: makes the trigger safe to repeat (and to retry): Knock runs the
            workflow once per key, within its 24-hour idempotency window.

    Returns:
        A ``TriggerResult``, whose ``workflow_run_id`` names the run.
    """
    body: dict[str, Any] = {"recipients": check_recipients("recipients", recipients, MAX_RECIPIENTS)}
    if actor is not None:
        check_recipient("actor", actor)
        body["actor"] = actor
    if data is not None:
        body["data"] = check_mapping("data", data)
    if tenant is not None:
        check_recipient("tenant", tenant)
        body["tenant"] = tenant
    if cancellation_key is not None:
        if not isinstance(cancellation_key, str) or not cancellation_key:
            raise ValueError("cancellation_key must be a non-empty string")
        body["cancellation_key"] = cancellation_key
    if settings is not None:
        body["settings"] = check_mapping("settings", settings)
    if idempotency_key is None:
        idempotency_key = new_idempotency_key()
    elif not isinstance(idempotency_key, str):
        raise TypeError(f"idempotency_key must be a string, not {type(idempotency_key).__name__}")
    elif not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValueError(f"idempotency_key must be a string of 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters")
    return request(
        client, "POST", "/v1/workflows/{key}/trigger", key=key, json=body,
        idempotency_key=idempotency_key, into=TriggerResult,
    )  # fmt: skip


@endpoint
def cancel(
    client: Client, key: str, cancellation_key: str, *, recipients: Sequence[RecipientRef] | None = None
) -> None:
    """Cancel the runs of ``key`` triggered with ``cancellation_key`` (for some recipients only,
    if given). Cancelling twice is harmless, so this is retried like a GET."""
    if not isinstance(cancellation_key, str) or not cancellation_key:
        raise ValueError("cancellation_key must be a non-empty string")
    body: dict[str, Any] = {"cancellation_key": cancellation_key}
    if recipients is not None:
        body["recipients"] = check_recipients("recipients", recipients, MAX_RECIPIENTS)
    return request(client, "POST", "/v1/workflows/{key}/cancel", key=key, json=body, retry_safe=True)
