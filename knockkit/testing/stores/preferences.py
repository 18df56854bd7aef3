"""Preference sets and channel data, of users and objects alike (keyed by recipient)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from knockkit.testing.stores.base import (
    TENANTS,
    JsonDict,
    RKey,
    StoreBase,
    check_mapping,
    deep_merge,
    describe_key,
    invalid,
    not_found,
)
from knockkit.testing.stores.workflows import PREFERENCE_KEYS

__all__ = ["PreferencesStore"]


def _full_push_data(data: Mapping[str, Any]) -> JsonDict:
    """Push data as Knock stores and returns it: tokens and devices both filled in
    (``target_arns`` and devices for Amazon SNS), whichever of the two was sent."""
    stored = dict(data)
    for many, one in (("tokens", "token"), ("target_arns", "target_arn")):
        devices = stored.get("devices")
        if many in stored and "devices" not in stored and isinstance(stored[many], list):
            stored["devices"] = [{one: item, "locale": None, "timezone": None} for item in stored[many]]
        elif (
            many not in stored
            and isinstance(devices, list)
            and devices
            and all(isinstance(d, Mapping) and one in d for d in devices)
        ):
            stored[many] = [d[one] for d in devices]
    return stored


class PreferencesStore(StoreBase):
    """A recipient's preference sets (resolved with its tenant's defaults) and channel data."""

    def set_preferences(self, key: RKey, set_id: str, body: Mapping[str, Any]) -> JsonDict:
        """Replace a preference set, or deep-merge into it with ``__persistence_strategy__: "merge"``."""
        prefs = dict(body)
        strategy = prefs.pop("__persistence_strategy__", "replace")
        if strategy not in ("merge", "replace"):
            raise invalid("__persistence_strategy__ must be 'merge' or 'replace'")
        prefs.pop("id", None)
        prefs.pop("__typename", None)
        unknown = sorted(set(prefs) - set(PREFERENCE_KEYS))
        if unknown:
            raise invalid(f"unknown preference key(s) {unknown}; allowed: {', '.join(PREFERENCE_KEYS)}")
        sets = self.preferences.setdefault(key, {})
        base = sets.get(set_id, {}) if strategy == "merge" else {}
        sets[set_id] = deep_merge(base, prefs)
        return self.preference_set(key, set_id)

    def preference_set(self, key: RKey, set_id: str, tenant: str | None = None) -> JsonDict:
        stored = self.resolved_preferences(key, tenant) if tenant else self.preferences.get(key, {}).get(set_id, {})
        rendered: JsonDict = {"__typename": "PreferenceSet", "id": set_id}
        rendered.update({k: stored.get(k) for k in PREFERENCE_KEYS})
        return rendered

    def resolved_preferences(self, key: RKey, tenant: str | None) -> JsonDict:
        """The preferences a run uses: the tenant's defaults, under the recipient's default
        set, under the recipient's set for that tenant (the set whose id is the tenant id)."""
        own = self.preferences.get(key, {})
        merged: JsonDict = {}
        record = self.objects.get((TENANTS, tenant)) if tenant else None
        if record is not None:
            defaults = (record["properties"].get("settings") or {}).get("preference_set")
            if isinstance(defaults, Mapping):
                merged = deep_merge(merged, {k: v for k, v in defaults.items() if k in PREFERENCE_KEYS})
        merged = deep_merge(merged, own.get("default", {}))
        if tenant and tenant in own:
            merged = deep_merge(merged, own[tenant])
        return merged

    def set_channel_data(self, key: RKey, channel_id: str, data: object) -> JsonDict:
        self.channel_data.setdefault(key, {})[channel_id] = _full_push_data(check_mapping(data, "data"))
        return self.render_channel_data(key, channel_id)

    def render_channel_data(self, key: RKey, channel_id: str) -> JsonDict:
        data = self.channel_data.get(key, {}).get(channel_id)
        if data is None:
            raise not_found(f"channel data for {describe_key(key)!r} on channel {channel_id!r}")
        return {"__typename": "ChannelData", "channel_id": channel_id, "data": data}

    def _inline_extras(self, key: RKey, extras: Mapping[str, Any]) -> None:
        channel_data = extras.get("channel_data")
        if channel_data is not None:
            for channel_id, data in check_mapping(channel_data, "channel_data").items():
                self.set_channel_data(key, channel_id, data)
        preferences = extras.get("preferences")
        if preferences is not None:
            for set_id, prefs in check_mapping(preferences, "preferences").items():
                self.set_preferences(key, set_id, check_mapping(prefs, f"preferences.{set_id}"))
