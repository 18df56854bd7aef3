"""Users: identify, merge, delete (with everything that names them), render."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from knockkit.testing.stores.base import JsonDict, RKey, check_mapping, deep_merge, not_found, now, public
from knockkit.testing.stores.preferences import PreferencesStore

__all__ = ["UsersStore"]

_USER_FIELDS = ("name", "email", "phone_number", "avatar", "timezone", "locale")


class UsersStore(PreferencesStore):
    """Users, on top of preferences and channel data."""

    def identify_user(self, user_id: str, properties: Mapping[str, Any]) -> JsonDict:
        """Create or update a user; nested properties deep-merge, ``channel_data`` and
        ``preferences`` go to their own stores."""
        props = dict(check_mapping(properties, "the user"))
        extras = {k: props.pop(k, None) for k in ("channel_data", "preferences")}
        props.pop("id", None)
        props.pop("__typename", None)
        stamp = now()
        user = self.users.get(user_id)
        if user is None:
            user = {"id": user_id, "_seq": self.next_seq(), "created_at": None}
        user = deep_merge(user, props)
        user["updated_at"] = stamp
        self.users[user_id] = user
        self._inline_extras(("user", user_id), extras)
        return user

    def delete_user(self, user_id: str) -> None:
        self.users.pop(user_id, None)
        self._forget(("user", user_id))

    def _forget(self, key: RKey) -> None:
        self.preferences.pop(key, None)
        self.channel_data.pop(key, None)
        for subscribers in self.subscriptions.values():
            subscribers.pop(key, None)
        if key[0] == "user":
            for members in self.audiences.values():
                for member in [m for m in members if m[0] == key[1]]:
                    del members[member]

    def merge_users(self, user_id: str, from_user_id: str) -> JsonDict:
        """Merge ``from_user_id`` into ``user_id`` (the target's values win), then delete it."""
        if user_id not in self.users:
            raise not_found(f"the user {user_id!r}")
        source = self.users.get(from_user_id)
        if source is None:
            raise not_found(f"the user {from_user_id!r}")
        target = self.users[user_id]
        merged = deep_merge({k: v for k, v in source.items() if k not in ("id", "_seq")}, target)
        merged["updated_at"] = now()
        self.users[user_id] = merged
        for store in (self.preferences, self.channel_data):
            moved = store.get(("user", from_user_id), {})
            store.setdefault(("user", user_id), {}).update(
                {k: v for k, v in moved.items() if k not in store[("user", user_id)]}
            )
        self.delete_user(from_user_id)
        return merged

    def render_user(self, user: Mapping[str, Any]) -> JsonDict:
        rendered: JsonDict = {"__typename": "User", "id": user["id"]}
        rendered.update({f: None for f in _USER_FIELDS if f != "locale"})
        rendered.update(public(user))
        return rendered
