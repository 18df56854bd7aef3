"""Chat providers: what Slack and Microsoft Teams would list (declared by the test) and
the tokens Knock holds for them (in the token holder's channel data)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from knockkit.testing.stores.audiences import AudiencesStore
from knockkit.testing.stores.base import JsonDict, RKey

__all__ = ["ProvidersStore"]


class ProvidersStore(AudiencesStore):
    """Slack and Microsoft Teams connections."""

    def chat_data(self, holder: RKey, channel_id: str) -> Mapping[str, Any]:
        """The channel data the token holder (an object) has for this Knock channel, or {}."""
        return self.channel_data.get(holder, {}).get(channel_id) or {}

    def slack_token(self, holder: RKey, channel_id: str) -> str | None:
        """The Slack access token Knock holds (``{"token": {"access_token": ...}}``), if any."""
        token = self.chat_data(holder, channel_id).get("token")
        access_token = token.get("access_token") if isinstance(token, Mapping) else None
        return access_token if isinstance(access_token, str) and access_token else None

    def ms_teams_tenant_id(self, holder: RKey, channel_id: str) -> str | None:
        """The Microsoft Entra tenant id Knock holds (``{"ms_teams_tenant_id": ...}``), if any."""
        tenant_id = self.chat_data(holder, channel_id).get("ms_teams_tenant_id")
        return tenant_id if isinstance(tenant_id, str) and tenant_id else None

    def revoke_chat_access(self, holder: RKey, channel_id: str, field: str) -> None:
        """Drop the token (``token`` or ``ms_teams_tenant_id``) from the holder's channel data,
        keeping its connections."""
        stored = self.channel_data[holder][channel_id]
        self.channel_data[holder][channel_id] = {"connections": [], **{k: v for k, v in stored.items() if k != field}}

    def declare_provider_items(
        self, store: dict[Any, list[JsonDict]], where: Any, items: Iterable[Mapping[str, Any]],
        required: tuple[str, ...], defaults: Mapping[str, Any],
    ) -> None:  # fmt: skip
        """Add the channels or teams a test declares (an item with a known id replaces it)."""
        if isinstance(items, (Mapping, str)):
            raise TypeError(f"pass a list of mappings, each with {' and '.join(map(repr, required))}")
        added = []
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise TypeError(f"item {index} must be a mapping, not {type(item).__name__}")
            missing = [k for k in required if not isinstance(item.get(k), str) or not item[k]]
            if missing:
                raise ValueError(f"item {index} needs a non-empty string {' and '.join(repr(k) for k in missing)}")
            added.append({**defaults, **json.loads(json.dumps(dict(item)))})
        current = store.setdefault(where, [])
        for item in added:
            current[:] = [c for c in current if c["id"] != item["id"]]
            current.append(item)
