"""Audiences: named lists of users (each with an optional tenant)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from knockkit.testing.stores.base import JsonDict, check_mapping, invalid, not_found, now
from knockkit.testing.stores.tenants import TenantsStore

__all__ = ["AudiencesStore"]


def _member_key(member: object, index: int) -> tuple[str, str | None]:
    """(user id, tenant) of ``{"user": {"id": ...}, "tenant": ...}`` in an audience request."""
    where = f"members[{index}]"
    checked = check_mapping(member, where)
    user, tenant = checked.get("user"), checked.get("tenant")
    if not isinstance(user, Mapping) or not isinstance(user.get("id"), str) or not user["id"]:
        raise invalid(f"{where}.user must be an object with a non-empty string id")
    if tenant is not None and (not isinstance(tenant, str) or not tenant):
        raise invalid(f"{where}.tenant must be a tenant id or null")
    return user["id"], tenant


class AudiencesStore(TenantsStore):
    """Audience members."""

    def audience(self, key: str) -> dict[tuple[str, str | None], JsonDict]:
        members = self.audiences.get(key)
        if members is None:
            raise not_found(f"the audience {key!r}")
        return members

    def add_audience_members(self, key: str, members: Sequence[Any], create: bool) -> None:
        """Add members (users identified inline, tenants created as a trigger creates them);
        with ``create`` a missing audience is created. A member already there keeps its ``added_at``."""
        checked = [_member_key(member, index) for index, member in enumerate(members)]
        audience = self.audiences.setdefault(key, {}) if create else self.audience(key)
        for member, (user_id, tenant) in zip(members, checked, strict=True):
            user = member["user"]
            props = {k: v for k, v in user.items() if k != "id"}
            if props or user_id not in self.users:
                self.identify_user(user_id, props)
            if tenant is not None:
                self._inline_tenant(tenant)
            audience.setdefault((user_id, tenant), {"added_at": now(), "_seq": self.next_seq()})

    def remove_audience_members(self, key: str, members: Sequence[Any]) -> None:
        audience = self.audience(key)
        for member in [_member_key(member, index) for index, member in enumerate(members)]:
            audience.pop(member, None)

    def render_audience_member(self, member: tuple[str, str | None], entry: Mapping[str, Any]) -> JsonDict:
        user_id, tenant = member
        return {
            "__typename": "AudienceMember",
            "user_id": user_id,
            "user": self.render_recipient(("user", user_id)),
            "tenant": tenant,
            "added_at": entry["added_at"],
        }
