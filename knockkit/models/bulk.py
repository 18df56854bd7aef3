"""Bulk operations: Knock's asynchronous jobs over many users, objects, tenants or messages."""

from __future__ import annotations

from collections.abc import Mapping

from knockkit.models._base import Datetime, Json, Model, model, unknown_keys

__all__ = ["BulkOperation", "BulkOperationError"]


@model(kw_only=True)
class BulkOperationError(Model):
    """An item the job could not process: its ``id`` (and ``collection``, for objects)."""

    id: str | None = None
    collection: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class BulkOperation(Model):
    """An asynchronous bulk job; ``status`` is queued, processing, completed or failed."""

    id: str
    name: str | None = None
    status: str | None = None
    estimated_total_rows: int | None = None
    processed_rows: int | None = None
    success_count: int | None = None
    error_count: int | None = None
    error_items: list[BulkOperationError] | None = None
    progress_path: str | None = None
    inserted_at: Datetime = None
    updated_at: Datetime = None
    started_at: Datetime = None
    completed_at: Datetime = None
    failed_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed")
