"""Tenants: Knock keeps them as the objects of ``$tenants``; the tenants API shows them
with their custom properties at the top level."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from knockkit.testing.stores.base import TENANTS, JsonDict, invalid
from knockkit.testing.stores.objects import ObjectsStore

__all__ = ["TenantsStore"]


def _settings(settings: Any) -> Any:
    """A tenant's settings as Knock shows them: its preference set is a PreferenceSet, whose
    ``id`` is always ``default`` (the set that tenant's recipients start from)."""
    if not isinstance(settings, Mapping) or not isinstance(settings.get("preference_set"), Mapping):
        return settings
    return {**settings, "preference_set": {**settings["preference_set"], "id": "default"}}


class TenantsStore(ObjectsStore):
    """Tenants, on the objects store."""

    def set_tenant(self, tenant_id: str, properties: Mapping[str, Any]) -> JsonDict:
        """A tenant is the object ``$tenants/{tenant_id}``: its name, settings and custom
        properties are the object's properties."""
        return self.set_object(TENANTS, tenant_id, properties, as_tenant=True)

    def tenant(self, tenant_id: str) -> JsonDict | None:
        return self.objects.get((TENANTS, tenant_id))

    def render_tenant(self, tenant: Mapping[str, Any]) -> JsonDict:
        """A ``$tenants`` object as the tenants API shows it: custom properties at the top level."""
        return {
            "__typename": "Tenant",
            **tenant["properties"],
            "id": tenant["id"],
            "name": tenant["properties"].get("name"),
            "settings": _settings(tenant["properties"].get("settings")),
            "created_at": tenant["created_at"],
            "updated_at": tenant["updated_at"],
        }

    def _inline_tenant(self, tenant: object) -> str | None:
        if tenant is None:
            return None
        if isinstance(tenant, str) and tenant:
            if self.tenant(tenant) is None:
                self.set_tenant(tenant, {})
            return tenant
        if isinstance(tenant, Mapping) and isinstance(tenant.get("id"), str) and tenant["id"]:
            self.set_tenant(tenant["id"], {k: v for k, v in tenant.items() if k != "id"})
            return str(tenant["id"])
        raise invalid("tenant must be a tenant id or a mapping with an 'id'")
