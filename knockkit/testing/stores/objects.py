"""Objects of any collection, their subscriptions, and recipients (a user or an object)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from knockkit.testing.stores.base import (
    JsonDict,
    RKey,
    check_mapping,
    deep_merge,
    describe_key,
    invalid,
    not_found,
    now,
    public,
    rkey_of,
)
from knockkit.testing.stores.users import UsersStore

__all__ = ["ObjectsStore"]


class ObjectsStore(UsersStore):
    """Objects and subscriptions, and what works on any recipient."""

    def set_object(
        self, collection: str, object_id: str, properties: Mapping[str, Any], *, as_tenant: bool = False
    ) -> JsonDict:
        """Create or update an object (a tenant is the object ``$tenants/{id}``); properties
        deep-merge, ``channel_data`` and ``preferences`` go to their own stores. The objects
        API also takes the properties nested under ``properties``; the tenants API does not
        (there a ``properties`` key is a custom property like any other)."""
        props = dict(check_mapping(properties, "the tenant" if as_tenant else "the object"))
        extras = {k: props.pop(k, None) for k in ("channel_data", "preferences")}
        for key in ("id", "collection", "__typename"):
            props.pop(key, None)
        created_at = props.pop("created_at", None)
        if not as_tenant and isinstance(props.get("properties"), Mapping):  # accept the nested form too
            props = {**props.pop("properties"), **props}
        existing = self.objects.get((collection, object_id))
        if existing is None:
            existing = {
                "id": object_id, "collection": collection, "properties": {},
                "created_at": created_at, "_seq": self.next_seq(),
            }  # fmt: skip
        obj = dict(existing)
        obj["properties"] = deep_merge(existing["properties"], props)
        obj["updated_at"] = now()
        self.objects[(collection, object_id)] = obj
        self._inline_extras(("object", collection, object_id), extras)
        return obj

    def delete_object(self, collection: str, object_id: str) -> None:
        self.objects.pop((collection, object_id), None)
        self.subscriptions.pop((collection, object_id), None)
        self._forget(("object", collection, object_id))

    def identify_recipient(self, ref: object, where: str = "recipient") -> RKey:
        """Resolve a recipient in a request, identifying it inline when it carries properties;
        an id Knock has not seen yet is created, as Knock does."""
        key = rkey_of(ref, where)
        props = {k: v for k, v in ref.items() if k not in ("id", "collection")} if isinstance(ref, Mapping) else {}
        if key[0] == "user":
            if props or key[1] not in self.users:
                self.identify_user(key[1], props)
        elif props or (key[1], key[2]) not in self.objects:
            self.set_object(key[1], key[2], props)
        return key

    def exists(self, key: RKey) -> bool:
        return key[1] in self.users if key[0] == "user" else (key[1], key[2]) in self.objects

    def require(self, key: RKey) -> None:
        if not self.exists(key):
            kind = "user" if key[0] == "user" else "object"
            raise not_found(f"the {kind} {describe_key(key)!r}")

    def profile(self, key: RKey) -> Mapping[str, Any]:
        """The properties a channel step reads (email, phone_number) for a recipient."""
        if key[0] == "user":
            return self.users.get(key[1], {})
        obj = self.objects.get((key[1], key[2]))
        return obj["properties"] if obj else {}

    def render_object(self, obj: Mapping[str, Any]) -> JsonDict:
        return {"__typename": "Object", **public(obj)}

    def render_recipient(self, key: RKey) -> JsonDict:
        if key[0] == "user":
            user = self.users.get(key[1]) or {"id": key[1], "created_at": None, "updated_at": now()}
            return self.render_user(user)
        obj = self.objects.get((key[1], key[2])) or {
            "id": key[2], "collection": key[1], "properties": {}, "created_at": None, "updated_at": now(),
        }  # fmt: skip
        return self.render_object(obj)

    # --- subscriptions -----------------------------------------------------------------------

    def subscribe(self, collection: str, object_id: str, recipients: object, properties: object) -> list[JsonDict]:
        self.require(("object", collection, object_id))
        if not isinstance(recipients, list):
            raise invalid("recipients must be a list")
        if properties is not None:
            check_mapping(properties, "properties")
        subscribers = self.subscriptions.setdefault((collection, object_id), {})
        created = []
        for index, ref in enumerate(recipients):
            key = self.identify_recipient(ref, f"recipients[{index}]")
            stamp = now()
            entry = subscribers.get(key) or {"inserted_at": stamp, "_seq": self.next_seq()}
            entry = {**entry, "properties": properties, "updated_at": stamp}
            subscribers[key] = entry
            created.append(self.render_subscription(collection, object_id, key))
        return created

    def unsubscribe(self, collection: str, object_id: str, recipients: object) -> list[JsonDict]:
        self.require(("object", collection, object_id))
        if not isinstance(recipients, list):
            raise invalid("recipients must be a list")
        subscribers = self.subscriptions.get((collection, object_id), {})
        removed = []
        for index, ref in enumerate(recipients):
            key = rkey_of(ref, f"recipients[{index}]")
            if key in subscribers:
                removed.append(self.render_subscription(collection, object_id, key))
                del subscribers[key]
        return removed

    def render_subscription(self, collection: str, object_id: str, key: RKey) -> JsonDict:
        entry = self.subscriptions[(collection, object_id)][key]
        return {
            "__typename": "Subscription",
            "object": self.render_object(self.objects[(collection, object_id)]),
            "recipient": self.render_recipient(key),
            "properties": entry.get("properties"),
            "inserted_at": entry["inserted_at"],
            "updated_at": entry["updated_at"],
        }
