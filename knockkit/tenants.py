"""Tenants: set, read, list and delete them, one at a time or in bulk.

```python
tenants.set(client, "jurassic-park", {"name": "Jurassic Park"},
            settings={"branding": {"primary_color": "#DF1A22"}})
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from knockkit._client import Client
from knockkit._common import MAX_BULK_ITEMS, check_ids, check_mapping, check_recipients
from knockkit._endpoint import endpoint
from knockkit._http import request
from knockkit.models import BulkOperation, Page, Tenant
from knockkit.params import TenantParam, TenantSettingsParams

__all__ = ["bulk_delete", "bulk_set", "delete", "get", "list", "set"]

_TENANT = "/v1/tenants/{id}"


@endpoint
def list(
    client: Client,
    *,
    tenant_id: str | None = None,
    name: str | None = None,
    after: str | None = None,
    before: str | None = None,
    page_size: int | None = None,
) -> Page[Tenant]:
    """One page of the environment's tenants, optionally filtered by id or name."""
    query = {"tenant_id": tenant_id, "name": name, "after": after, "before": before, "page_size": page_size}
    return request(client, "GET", "/v1/tenants", query=query, into=Page[Tenant])


@endpoint
def get(client: Client, id: str, *, resolve_full_preference_settings: bool | None = None) -> Tenant:
    """A tenant; ``resolve_full_preference_settings=True`` merges the environment's default
    preferences into ``settings["preference_set"]``."""
    query = {"resolve_full_preference_settings": resolve_full_preference_settings}
    return request(client, "GET", _TENANT, id=id, query=query, into=Tenant)


@endpoint
def set(
    client: Client,
    id: str,
    properties: Mapping[str, Any] | None = None,
    *,
    settings: TenantSettingsParams | None = None,
    resolve_full_preference_settings: bool | None = None,
) -> Tenant:
    """Create or update a tenant. ``properties`` holds ``name``, ``channel_data`` and custom
    keys; ``settings`` its ``branding`` and ``preference_set``."""
    body = dict(check_mapping("properties", properties)) if properties is not None else {}
    if settings is not None:
        if "settings" in body:
            raise ValueError("settings is given twice: as the settings argument and as properties['settings']")
        body["settings"] = check_mapping("settings", settings)
    query = {"resolve_full_preference_settings": resolve_full_preference_settings}
    return request(client, "PUT", _TENANT, id=id, query=query, json=body, into=Tenant)


@endpoint
def delete(client: Client, id: str) -> None:
    return request(client, "DELETE", _TENANT, id=id)


@endpoint
def bulk_set(client: Client, tenants: Sequence[TenantParam]) -> BulkOperation:
    """Set up to 1,000 tenants (ids, or mappings with an ``id``) in one asynchronous job."""
    body = {"tenants": check_recipients("tenants", tenants, MAX_BULK_ITEMS)}  # an id or {"id": ..., ...} each
    return request(client, "POST", "/v1/tenants/bulk/set", json=body, into=BulkOperation)


@endpoint
def bulk_delete(client: Client, tenant_ids: Sequence[str]) -> BulkOperation:
    """Delete up to 1,000 tenants in one asynchronous job."""
    check_ids("tenant_ids", tenant_ids, MAX_BULK_ITEMS)
    # Knock takes the ids in the query string (tenant_ids[]=a&tenant_ids[]=b), not in a body.
    query = {"tenant_ids": tenant_ids}
    return request(client, "POST", "/v1/tenants/bulk/delete", query=query, into=BulkOperation)
