"""Audiences: list, add and remove the members of a static audience.

```python
audiences.add_members(client, "beta-testers", [{"user": {"id": "dr_sattler"}, "tenant": "ingen"}])
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from knockkit._client import Client
from knockkit._common import MAX_BULK_ITEMS, check_count, check_mapping
from knockkit._endpoint import endpoint
from knockkit._http import request
from knockkit.models import AudienceMember, Page
from knockkit.params import AudienceMemberParams

__all__ = ["add_members", "list_members", "remove_members"]

_MEMBERS = "/v1/audiences/{key}/members"


def _check_members(members: object) -> Sequence[Mapping[str, Any]]:
    """Up to 1,000 ``{"user": {"id": ..., ...}, "tenant": ...}`` mappings."""
    checked = check_count("members", members, MAX_BULK_ITEMS, minimum=1)
    for index, member in enumerate(checked):
        name = f"members[{index}]"
        user = check_mapping(name, member).get("user")
        if not isinstance(user, Mapping) or not isinstance(user.get("id"), str) or not user["id"]:
            raise ValueError(f"{name} must have a 'user' mapping with a non-empty string 'id'")
        tenant = member.get("tenant")
        if tenant is not None and not isinstance(tenant, str):
            raise TypeError(f"{name}['tenant'] must be a tenant id string, not {type(tenant).__name__}")
    return checked


@endpoint
def list_members(
    client: Client, key: str, *, after: str | None = None, before: str | None = None, page_size: int | None = None
) -> Page[AudienceMember]:
    """One page of the members of an audience.

    The spec declares no cursor parameters here, but the response carries ``page_info``;
    knockkit sends Knock's usual cursors so that ``knockkit.paginate`` can follow it.
    """
    query = {"after": after, "before": before, "page_size": page_size}
    return request(client, "GET", _MEMBERS, key=key, query=query, into=Page[AudienceMember])


@endpoint
def add_members(
    client: Client, key: str, members: Sequence[AudienceMemberParams], *, create_audience: bool | None = None
) -> None:
    """Add up to 1,000 members (``{"user": {"id": ...}, "tenant": ...}``; users are identified
    inline); ``create_audience=True`` creates the audience if it does not exist."""
    body = {"members": _check_members(members)}
    # Membership is a set: adding the same members again leaves the audience as it was.
    query = {"create_audience": create_audience}
    return request(client, "POST", _MEMBERS, key=key, query=query, json=body, retry_safe=True)


@endpoint
def remove_members(client: Client, key: str, members: Sequence[AudienceMemberParams]) -> None:
    """Remove up to 1,000 members (``{"user": {"id": ...}, "tenant": ...}``)."""
    return request(client, "DELETE", _MEMBERS, key=key, json={"members": _check_members(members)})
