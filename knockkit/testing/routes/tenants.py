"""Tenants."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from knockkit.testing.routes.table import NO_CONTENT, Call, Reply, body_of, items_of, ok, page, query_list, route
from knockkit.testing.stores import TENANTS, State, invalid, not_found

# --- tenants ----------------------------------------------------------------------------------
#
# A tenant is the object $tenants/{id}: these routes read and write the objects store.


@route("GET", "/v1/tenants")
def list_tenants(state: State, call: Call) -> Reply:
    tenant_id, name = call.query.get("tenant_id"), call.query.get("name")
    tenants = [
        t for (collection, _), t in state.objects.items()
        if collection == TENANTS and tenant_id in (None, t["id"]) and name in (None, t["properties"].get("name"))
    ]  # fmt: skip
    return ok(page(tenants, call.query, state.render_tenant))


@route("GET", "/v1/tenants/{id}")
def get_tenant(state: State, call: Call) -> Reply:
    tenant = state.tenant(call.params["id"])
    if tenant is None:
        raise not_found(f"the tenant {call.params['id']!r}")
    return ok(state.render_tenant(tenant))


@route("PUT", "/v1/tenants/{id}")
def set_tenant(state: State, call: Call) -> Reply:
    return ok(state.render_tenant(state.set_tenant(call.params["id"], body_of(call))))


@route("DELETE", "/v1/tenants/{id}")
def delete_tenant(state: State, call: Call) -> Reply:
    state.delete_object(TENANTS, call.params["id"])
    return NO_CONTENT


@route("POST", "/v1/tenants/bulk/set")
def bulk_set_tenants(state: State, call: Call) -> Reply:
    def apply(tenant: Any) -> None:
        if isinstance(tenant, str):
            state.set_tenant(tenant, {})
        elif isinstance(tenant, Mapping) and isinstance(tenant.get("id"), str):
            state.set_tenant(tenant["id"], tenant)
        else:
            raise invalid("each tenant must be an id or a mapping with an id")

    return ok(state.bulk("tenants.set", items_of(body_of(call), "tenants"), apply))


@route("POST", "/v1/tenants/bulk/delete")
def bulk_delete_tenants(state: State, call: Call) -> Reply:
    ids = query_list(call.query, "tenant_ids") or []

    def apply(tenant_id: Any) -> None:
        state.delete_object(TENANTS, str(tenant_id))

    return ok(state.bulk("tenants.delete", ids, apply))
