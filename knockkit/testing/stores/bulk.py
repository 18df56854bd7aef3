"""Bulk operations: applied at once, their record kept for ``GET /v1/bulk_operations/{id}``."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from knockkit.testing.stores.base import JsonDict, KnockFault, now
from knockkit.testing.stores.messages import MessagesStore

__all__ = ["BulkStore"]


class BulkStore(MessagesStore):
    """Bulk operations."""

    def bulk(self, name: str, items: Sequence[Any], apply: Callable[[Any], object]) -> JsonDict:
        """Apply a bulk job at once; its record reads "completed" from then on."""
        errors = []
        for index, item in enumerate(items):
            try:
                apply(item)
            except KnockFault as fault:
                errors.append({"index": index, "message": fault.message})
        stamp = now()
        operation_id = str(uuid.uuid4())
        self.bulk_operations[operation_id] = {
            "__typename": "BulkOperation",
            "id": operation_id,
            "name": name,
            "status": "completed",
            "estimated_total_rows": len(items),
            "processed_rows": len(items),
            "success_count": len(items) - len(errors),
            "error_count": len(errors),
            "error_items": errors,
            "progress_path": f"/v1/bulk_operations/{operation_id}",
            "inserted_at": stamp,
            "updated_at": stamp,
            "started_at": stamp,
            "completed_at": stamp,
            "failed_at": None,
        }
        # Knock answers the POST before the job runs: report it queued there.
        return {
            **self.bulk_operations[operation_id],
            "status": "queued", "processed_rows": 0, "success_count": 0, "error_count": 0,
            "error_items": [], "started_at": None, "completed_at": None,
        }  # fmt: skip
