"""Bulk operations."""

from __future__ import annotations

from knockkit.testing.routes.table import Call, Reply, ok, route
from knockkit.testing.stores import State, not_found


@route("GET", "/v1/bulk_operations/{id}")
def get_bulk_operation(state: State, call: Call) -> Reply:
    operation = state.bulk_operations.get(call.params["id"])
    if operation is None:
        raise not_found(f"the bulk operation {call.params['id']!r}")
    return ok(operation)
