"""The fake's state and the Knock semantics applied to it.

Everything lives in plain dicts shaped like Knock's JSON, in one :class:`State` guarded by
one lock (``State.lock``); the HTTP layer and :class:`~knockkit.testing.FakeKnock` take it
around every call. Keys starting with ``_`` are the fake's own bookkeeping and are never
rendered (``__typename`` is Knock's own). Nothing here knows about HTTP.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import secrets
import string
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

__all__ = [
    "CHANNEL_TYPES",
    "CONTENT_CHANNEL_TYPES",
    "HOLD_STEPS",
    "TENANTS",
    "KnockFault",
    "State",
    "Step",
    "Workflow",
    "default_channel_id",
]

JsonDict = dict[str, Any]
#: ("user", id) or ("object", collection, id): how the fake names a recipient.
RKey = tuple[str, ...]

CHANNEL_TYPES = ("in_app_feed", "email", "sms", "push", "chat", "http")
#: The channel types whose messages have contents in Knock's spec (not http).
CONTENT_CHANNEL_TYPES = ("in_app_feed", "email", "sms", "push", "chat")
#: Function steps that hold a run until FakeKnock.release() (so it can be cancelled).
HOLD_STEPS = ("delay", "batch")
PREFERENCE_KEYS = ("channel_types", "channels", "workflows", "categories", "commercial_subscribed")
_USER_FIELDS = ("name", "email", "phone_number", "avatar", "timezone", "locale")
_NAMESPACE = uuid.UUID("6f1c2b7e-4a3d-4e8f-9b0a-5c6d7e8f9a0b")
_BASE62 = string.digits + string.ascii_letters
#: Knock keeps tenants as the objects of this collection (one store serves both APIs).
TENANTS = "$tenants"
_ENGAGEMENT = {
    "seen": "seen_at",
    "read": "read_at",
    "interacted": "interacted_at",
    "link_clicked": "link_clicked_at",
    "archived": "archived_at",
}
#: The event a cleared engagement status records (interacted and link_clicked are never cleared).
_UNDONE = {"seen": "message.unseen", "read": "message.unread", "archived": "message.unarchived"}
#: The sender of the email contents the fake shows (it renders no templates, so has no real one).
FAKE_SENDER = "knock@fake.knockkit.invalid"


def default_channel_id(channel_type: str) -> str:
    """The channel id a step of this type uses when the workflow does not name one (stable)."""
    return str(uuid.uuid5(_NAMESPACE, f"knockkit-fake:{channel_type}"))


# Held by State but never changed by a request: left out of checkpoints.
_NOT_STATE = frozenset({"lock", "workflows"})


def _copy_two_levels(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v for k, v in value.items()}
    return value


class KnockFault(Exception):
    """An error response in Knock's ``{code, message, status, type}`` shape."""

    def __init__(self, status: int, code: str, message: str, type: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.type = type

    def body(self) -> JsonDict:
        return {"code": self.code, "message": self.message, "status": self.status, "type": self.type}


def not_found(what: str) -> KnockFault:
    return KnockFault(404, "resource_missing", f"{what[:1].upper()}{what[1:]} was not found", "api_error")


def invalid(message: str) -> KnockFault:
    return KnockFault(422, "invalid_params", message)


# --- workflows -------------------------------------------------------------------------


def _check_step_type(_: Any, __: Any, value: str) -> None:
    if value not in CHANNEL_TYPES + HOLD_STEPS:
        known = ", ".join(CHANNEL_TYPES + HOLD_STEPS)
        raise ValueError(f"unknown step type {value!r}; FakeKnock knows: {known}")


@attrs.frozen
class Step:
    """One workflow step: a channel step (``"email"``, ``"push"``, ...) or a hold step.

    ``channel_id`` is the Knock channel the step sends through (push and chat steps need
    the recipient's channel data for exactly this id); it defaults to
    :func:`default_channel_id` of the type. ``"delay"`` and ``"batch"`` steps hold the
    run until :meth:`FakeKnock.release`; a batch step also folds later triggers for the
    same recipient into the held run as extra activities.
    """

    type: str = attrs.field(validator=_check_step_type)
    channel_id: str | None = attrs.field(default=None, kw_only=True)
    ref: str | None = attrs.field(default=None, kw_only=True)
    provider: str | None = attrs.field(default=None, kw_only=True)

    @property
    def holds(self) -> bool:
        return self.type in HOLD_STEPS


def make_step(value: object, index: int) -> Step:
    """A Step from ``"email"``, ``Step(...)`` or ``{"type"/"channel_type": ..., "channel_id": ...}``."""
    if isinstance(value, Step):
        step = value
    elif isinstance(value, str):
        step = Step(value)
    elif isinstance(value, Mapping):
        fields = dict(value)
        kind = fields.pop("type", None) or fields.pop("channel_type", None)
        if not isinstance(kind, str):
            raise ValueError(f"steps[{index}] needs a 'type' (a channel type, 'delay' or 'batch')")
        unknown = sorted(set(fields) - {"channel_id", "ref", "provider"})
        if unknown:
            raise ValueError(f"steps[{index}] has unknown key(s) {unknown}")
        step = Step(kind, **fields)
    else:
        raise TypeError(f"steps[{index}] must be a step type, a mapping or a Step, not {type(value).__name__}")
    channel_id = step.channel_id
    if channel_id is None and not step.holds:
        channel_id = default_channel_id(step.type)
    return attrs.evolve(step, channel_id=channel_id, ref=step.ref or f"{step.type}_{index + 1}")


@attrs.frozen(kw_only=True)
class Workflow:
    key: str
    steps: tuple[Step, ...]
    categories: tuple[str, ...] = ()
    commercial: bool = False
    version_id: str = attrs.field(factory=lambda: str(uuid.uuid4()))


# --- small helpers ----------------------------------------------------------------------


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_time(value: object) -> _dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        parsed = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.timezone.utc)


def new_id() -> str:
    """A 27-character id like Knock's message ids (KSUID-sized, base62)."""
    return "".join(secrets.choice(_BASE62) for _ in range(27))


def deep_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> JsonDict:
    """``patch`` merged into a copy of ``base``: nested mappings merge, anything else replaces."""
    merged = dict(base)
    for key, value in patch.items():
        old = merged.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = json.loads(json.dumps(value))  # a private copy
    return merged


def public(record: Mapping[str, Any]) -> JsonDict:
    """A record without the fake's bookkeeping (``_seq``, ``_key``...; ``__typename`` stays)."""
    return {k: v for k, v in record.items() if not k.startswith("_") or k.startswith("__")}


def rkey_of(ref: object, where: str = "recipient") -> RKey:
    """The key of a recipient reference: a user id, ``{"id": ...}`` or ``{"id", "collection"}``."""
    if isinstance(ref, str) and ref:
        return ("user", ref)
    if isinstance(ref, Mapping) and isinstance(ref.get("id"), str) and ref["id"]:
        collection = ref.get("collection")
        if collection is None:
            return ("user", ref["id"])
        if isinstance(collection, str) and collection:
            return ("object", collection, ref["id"])
    raise invalid(f"{where} must be a user id or a mapping with an 'id' (and 'collection' for objects)")


def ref_of(key: RKey) -> Any:
    """How Knock writes a recipient reference in messages and runs."""
    return key[1] if key[0] == "user" else {"id": key[2], "collection": key[1]}


def describe_key(key: RKey) -> str:
    return key[1] if key[0] == "user" else f"{key[1]}/{key[2]}"


def _member_key(member: object, index: int) -> tuple[str, str | None]:
    """(user id, tenant) of ``{"user": {"id": ...}, "tenant": ...}`` in an audience request."""
    where = f"members[{index}]"
    checked = _check_mapping(member, where)
    user, tenant = checked.get("user"), checked.get("tenant")
    if not isinstance(user, Mapping) or not isinstance(user.get("id"), str) or not user["id"]:
        raise invalid(f"{where}.user must be an object with a non-empty string id")
    if tenant is not None and (not isinstance(tenant, str) or not tenant):
        raise invalid(f"{where}.tenant must be a tenant id or null")
    return user["id"], tenant


def _check_mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise invalid(f"{where} must be an object")
    return value


def _nonempty(data: object) -> bool:
    """Whether channel data holds anything to deliver to (tokens, devices, connections...)."""
    return isinstance(data, Mapping) and any(bool(v) for v in data.values())


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


def _setting_blocks(setting: object, step: Step) -> bool:
    """A workflow or category setting: ``False``, or a mapping whose channels/channel types opt out."""
    if setting is False:
        return True
    if isinstance(setting, Mapping):
        return _channel_blocks(setting, step)
    return False


def _channel_blocks(prefs: Mapping[str, Any], step: Step) -> bool:
    # A setting for the exact channel beats the one for its channel type.
    channels = prefs.get("channels")
    if isinstance(channels, Mapping) and step.channel_id in channels:
        return channels[step.channel_id] is False
    types = prefs.get("channel_types")
    return isinstance(types, Mapping) and types.get(step.type) is False


def preference_block(prefs: Mapping[str, Any], workflow: Workflow, step: Step) -> str | None:
    """Why the preferences stop this step, or None. Any opt-out wins; conditions count as opt-in."""
    if _channel_blocks(prefs, step):
        return f"preferences opt out of {step.type}"
    workflows = prefs.get("workflows")
    if isinstance(workflows, Mapping) and _setting_blocks(workflows.get(workflow.key), step):
        return f"preferences opt out of workflow {workflow.key}"
    categories = prefs.get("categories")
    if isinstance(categories, Mapping):
        for category in workflow.categories:
            if _setting_blocks(categories.get(category), step):
                return f"preferences opt out of category {category}"
    if workflow.commercial and prefs.get("commercial_subscribed") is False:
        return "commercial_subscribed is false for a commercial workflow"
    return None


# --- the state ---------------------------------------------------------------------------


class State:
    """Every entity the fake knows, as Knock-shaped dicts. Callers hold ``lock``."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        self._seq = 0
        self.users: dict[str, JsonDict] = {}
        # Objects of every collection, tenants included (collection "$tenants").
        self.objects: dict[tuple[str, str], JsonDict] = {}
        self.preferences: dict[RKey, dict[str, JsonDict]] = {}
        self.channel_data: dict[RKey, dict[str, JsonDict]] = {}
        # (collection, object id) -> subscriber key -> {properties, inserted_at, updated_at}
        self.subscriptions: dict[tuple[str, str], dict[RKey, JsonDict]] = {}
        self.workflows: dict[str, Workflow] = {}
        self.runs: dict[str, JsonDict] = {}
        self.messages: dict[str, JsonDict] = {}
        self.schedules: dict[str, JsonDict] = {}
        self.bulk_operations: dict[str, JsonDict] = {}
        # audience key -> (user id, tenant or None) -> {added_at, _seq}
        self.audiences: dict[str, dict[tuple[str, str | None], JsonDict]] = {}
        # What the chat providers would answer, as the test declared it, per Knock channel id
        # (and Teams team id): Slack channels, Teams teams, Teams channels.
        self.slack_channels: dict[str, list[JsonDict]] = {}
        self.ms_teams_teams: dict[str, list[JsonDict]] = {}
        self.ms_teams_channels: dict[tuple[str, str], list[JsonDict]] = {}
        # Idempotency-Key -> (fingerprint of the request, status, body) of the first successful trigger
        self.idempotency: dict[str, tuple[str, int, JsonDict]] = {}

    def checkpoint(self) -> dict[str, Any]:
        """A copy of everything a request can change, put back by :meth:`restore` when the
        request is refused: Knock applies a request whole or not at all.

        Two levels are copied (each store, and each store's inner mappings such as a
        recipient's preference sets): records themselves are replaced on change, never
        edited in place (``deep_merge`` copies), so that is enough, in time linear in the
        number of records rather than in their size.
        """
        return {name: _copy_two_levels(value) for name, value in vars(self).items() if name not in _NOT_STATE}

    def restore(self, saved: dict[str, Any]) -> None:
        vars(self).update(saved)

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # --- users, objects, tenants ----------------------------------------------------------

    def identify_user(self, user_id: str, properties: Mapping[str, Any]) -> JsonDict:
        """Create or update a user; nested properties deep-merge, ``channel_data`` and
        ``preferences`` go to their own stores."""
        props = dict(_check_mapping(properties, "the user"))
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

    def set_object(
        self, collection: str, object_id: str, properties: Mapping[str, Any], *, as_tenant: bool = False
    ) -> JsonDict:
        """Create or update an object (a tenant is the object ``$tenants/{id}``); properties
        deep-merge, ``channel_data`` and ``preferences`` go to their own stores. The objects
        API also takes the properties nested under ``properties``; the tenants API does not
        (there a ``properties`` key is a custom property like any other)."""
        props = dict(_check_mapping(properties, "the tenant" if as_tenant else "the object"))
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

    def set_tenant(self, tenant_id: str, properties: Mapping[str, Any]) -> JsonDict:
        """A tenant is the object ``$tenants/{tenant_id}``: its name, settings and custom
        properties are the object's properties."""
        return self.set_object(TENANTS, tenant_id, properties, as_tenant=True)

    def tenant(self, tenant_id: str) -> JsonDict | None:
        return self.objects.get((TENANTS, tenant_id))

    def _inline_extras(self, key: RKey, extras: Mapping[str, Any]) -> None:
        channel_data = extras.get("channel_data")
        if channel_data is not None:
            for channel_id, data in _check_mapping(channel_data, "channel_data").items():
                self.set_channel_data(key, channel_id, data)
        preferences = extras.get("preferences")
        if preferences is not None:
            for set_id, prefs in _check_mapping(preferences, "preferences").items():
                self.set_preferences(key, set_id, _check_mapping(prefs, f"preferences.{set_id}"))

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

    def delete_user(self, user_id: str) -> None:
        self.users.pop(user_id, None)
        self._forget(("user", user_id))

    def delete_object(self, collection: str, object_id: str) -> None:
        self.objects.pop((collection, object_id), None)
        self.subscriptions.pop((collection, object_id), None)
        self._forget(("object", collection, object_id))

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
        self.require(("user", user_id))
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

    # --- preferences and channel data -------------------------------------------------------

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
        record = self.tenant(tenant) if tenant else None
        if record is not None:
            defaults = (record["properties"].get("settings") or {}).get("preference_set")
            if isinstance(defaults, Mapping):
                merged = deep_merge(merged, {k: v for k, v in defaults.items() if k in PREFERENCE_KEYS})
        merged = deep_merge(merged, own.get("default", {}))
        if tenant and tenant in own:
            merged = deep_merge(merged, own[tenant])
        return merged

    def set_channel_data(self, key: RKey, channel_id: str, data: object) -> JsonDict:
        self.channel_data.setdefault(key, {})[channel_id] = _full_push_data(_check_mapping(data, "data"))
        return self.render_channel_data(key, channel_id)

    def render_channel_data(self, key: RKey, channel_id: str) -> JsonDict:
        data = self.channel_data.get(key, {}).get(channel_id)
        if data is None:
            raise not_found(f"channel data for {describe_key(key)!r} on channel {channel_id!r}")
        return {"__typename": "ChannelData", "channel_id": channel_id, "data": data}

    # --- subscriptions -----------------------------------------------------------------------

    def subscribe(self, collection: str, object_id: str, recipients: object, properties: object) -> list[JsonDict]:
        self.require(("object", collection, object_id))
        if not isinstance(recipients, list):
            raise invalid("recipients must be a list")
        if properties is not None:
            _check_mapping(properties, "properties")
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

    # --- audiences ------------------------------------------------------------------------------

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

    # --- chat providers: Slack and Microsoft Teams ------------------------------------------

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

    # --- rendering -----------------------------------------------------------------------------

    def render_user(self, user: Mapping[str, Any]) -> JsonDict:
        rendered: JsonDict = {"__typename": "User", "id": user["id"]}
        rendered.update({f: None for f in _USER_FIELDS if f != "locale"})
        rendered.update(public(user))
        return rendered

    def render_object(self, obj: Mapping[str, Any]) -> JsonDict:
        return {"__typename": "Object", **public(obj)}

    def render_tenant(self, tenant: Mapping[str, Any]) -> JsonDict:
        """A ``$tenants`` object as the tenants API shows it: custom properties at the top level."""
        return {
            "__typename": "Tenant",
            **tenant["properties"],
            "id": tenant["id"],
            "name": tenant["properties"].get("name"),
            "settings": tenant["properties"].get("settings"),
            "created_at": tenant["created_at"],
            "updated_at": tenant["updated_at"],
        }

    def render_recipient(self, key: RKey) -> JsonDict:
        if key[0] == "user":
            user = self.users.get(key[1]) or {"id": key[1], "created_at": None, "updated_at": now()}
            return self.render_user(user)
        obj = self.objects.get((key[1], key[2])) or {
            "id": key[2], "collection": key[1], "properties": {}, "created_at": None, "updated_at": now(),
        }  # fmt: skip
        return self.render_object(obj)

    # --- workflows: trigger, hold, cancel --------------------------------------------------------

    def trigger(self, key: str, body: Mapping[str, Any]) -> JsonDict:
        """Run workflow ``key`` for every recipient (and the subscribers of object recipients)."""
        workflow = self.workflows.get(key)
        if workflow is None:
            raise not_found(f"the workflow {key!r}")
        recipients = body.get("recipients")
        if not isinstance(recipients, list) or not recipients:
            raise invalid("recipients must be a non-empty list")
        if len(recipients) > 1000:
            raise invalid("recipients has more than 1000 entries")
        data = body.get("data")
        if data is not None:
            _check_mapping(data, "data")
        settings = body.get("settings") or {}
        _check_mapping(settings, "settings")
        cancellation_key = body.get("cancellation_key")
        if cancellation_key is not None and not isinstance(cancellation_key, str):
            raise invalid("cancellation_key must be a string")
        actor = self.identify_recipient(body["actor"], "actor") if body.get("actor") is not None else None
        tenant = self._inline_tenant(body.get("tenant"))
        keys = [self.identify_recipient(ref, f"recipients[{i}]") for i, ref in enumerate(recipients)]
        run_id = str(uuid.uuid4())
        stamp = now()
        for recipient in self._fan_out(keys, actor):
            run: JsonDict = {
                "id": str(uuid.uuid4()),
                "workflow_run_id": run_id,
                "workflow": key,
                "recipient": ref_of(recipient),
                "actor": ref_of(actor) if actor else None,
                "tenant": tenant,
                "status": "processing",
                "error_count": 0,
                "trigger_source": {"type": "api", "cancellation_key": cancellation_key},
                "inserted_at": stamp,
                "updated_at": stamp,
                "_seq": self.next_seq(),
                "_key": recipient,
                "_data": data or {},
                "_skip_delay": settings.get("skip_delay") is True,
                "_position": 0,
                "_activities": [{"actor": actor, "data": data or {}, "inserted_at": stamp, "id": new_id()}],
                "_events": [],
            }
            self.runs[run["id"]] = run
            self._advance(run, workflow)
        return {"workflow_run_id": run_id}

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

    def _fan_out(self, keys: Iterable[RKey], actor: RKey | None) -> list[RKey]:
        """Each recipient once, in order; an object brings its subscribers, less the actor."""
        seen: dict[RKey, None] = {}
        for key in keys:
            seen.setdefault(key)
            if key[0] == "object":
                for subscriber in self.subscriptions.get((key[1], key[2]), {}):
                    if subscriber != actor:
                        seen.setdefault(subscriber)
        return list(seen)

    def _advance(self, run: JsonDict, workflow: Workflow) -> None:
        """Execute steps from the run's position until a hold step or the end."""
        steps = workflow.steps
        while run["_position"] < len(steps):
            step = steps[run["_position"]]
            if step.holds and not (step.type == "delay" and run["_skip_delay"]):
                if step.type == "batch" and self._join_batch(run, step):
                    return
                run["_held"] = step.ref
                run["updated_at"] = now()
                return
            if not step.holds:
                self._execute(run, workflow, step)
            run["_position"] += 1
        run.pop("_held", None)
        run["status"] = "completed"
        run["updated_at"] = now()

    def _join_batch(self, run: JsonDict, step: Step) -> bool:
        """Fold this run into one held at the same batch step for the same recipient."""
        for other in self.runs.values():
            if (
                other is not run and other.get("_held") == step.ref and other["status"] == "processing"
                and other["workflow"] == run["workflow"] and other["_key"] == run["_key"]
                and other["tenant"] == run["tenant"]
            ):  # fmt: skip
                other["_activities"].extend(run["_activities"])
                run["status"] = "completed"
                run["_events"].append({"step": step.ref, "skipped": f"merged into batch run {other['id']}"})
                return True
        return False

    def release(self, predicate: Callable[[JsonDict], bool]) -> int:
        """Move every held run that matches past its hold step; the number released."""
        released = 0
        for run in list(self.runs.values()):
            if run["status"] == "processing" and run.get("_held") and predicate(run):
                run.pop("_held")
                run["_position"] += 1
                self._advance(run, self.workflows[run["workflow"]])
                released += 1
        return released

    def cancel(self, key: str, body: Mapping[str, Any]) -> None:
        if key not in self.workflows:
            raise not_found(f"the workflow {key!r}")
        cancellation_key = body.get("cancellation_key")
        if not isinstance(cancellation_key, str) or not cancellation_key:
            raise invalid("cancellation_key must be a non-empty string")
        recipients = body.get("recipients")
        only: set[RKey] | None = None
        if recipients is not None:
            if not isinstance(recipients, list):
                raise invalid("recipients must be a list")
            only = {rkey_of(ref, f"recipients[{i}]") for i, ref in enumerate(recipients)}
        for run in self.runs.values():
            if (
                run["workflow"] == key and run["status"] == "processing" and run.get("_held")
                and run["trigger_source"]["cancellation_key"] == cancellation_key
                and (only is None or run["_key"] in only)
            ):  # fmt: skip
                run["status"] = "cancelled"
                run.pop("_held")
                run["updated_at"] = now()

    def _execute(self, run: JsonDict, workflow: Workflow, step: Step) -> None:
        """A channel step: create a message when the recipient can receive it and may."""
        key: RKey = run["_key"]
        reason = self._undeliverable(key, step)
        if reason is None:
            reason = preference_block(self.resolved_preferences(key, run["tenant"]), workflow, step)
        if reason is not None:
            run["_events"].append({"step": step.ref, "skipped": reason})
            return
        stamp = now()
        actors: list[Any] = []
        for activity in run["_activities"]:
            actor = ref_of(activity["actor"]) if activity["actor"] else None
            if actor is not None and actor not in actors:
                actors.append(actor)
        message: JsonDict = {
            "__typename": "Message",
            "id": new_id(),
            "channel_id": step.channel_id,
            "channel": {
                "id": step.channel_id,
                "key": f"fake-{step.type}",
                "name": f"Fake {step.type}",
                "type": step.type,
                "provider": step.provider or f"fake_{step.type}",
                "created_at": stamp,
                "updated_at": stamp,
            },
            "recipient": run["recipient"],
            "actors": actors,
            "status": "sent",
            "source": {
                "__typename": "NotificationSource",
                "key": workflow.key,
                "version_id": workflow.version_id,
                "categories": list(workflow.categories),
                "step_ref": step.ref,
                "workflow_run_id": run["workflow_run_id"],
                "workflow_recipient_run_id": run["id"],
            },
            "tenant": run["tenant"],
            "workflow": workflow.key,
            "data": run["_data"],
            "metadata": {},
            "recipient_snapshot": self._snapshot(key),
            "inserted_at": stamp,
            "updated_at": stamp,
            "scheduled_at": None,
            "seen_at": None,
            "read_at": None,
            "interacted_at": None,
            "link_clicked_at": None,
            "clicked_at": None,
            "archived_at": None,
            "_seq": self.next_seq(),
            "_key": key,
            "_channel_type": step.type,
            "_activities": list(run["_activities"]),
            "_to": self._address(key, step),
            "_events": [],
        }
        self._event(message, "message.sent", stamp)
        self.messages[message["id"]] = message
        run["_events"].append({"step": step.ref, "message_id": message["id"], "channel_type": step.type})

    def _snapshot(self, key: RKey) -> JsonDict:
        profile = self.profile(key)
        user_id = key[1] if key[0] == "user" else None
        return {"name": profile.get("name"), "email": profile.get("email"), "user_id": user_id}

    def _address(self, key: RKey, step: Step) -> Any:
        """Where the message went, as its content shows it: an email, a phone number, a push
        token, a chat connection (None for in-app and http)."""
        if step.type in ("email", "sms"):
            return self.profile(key).get("phone_number" if step.type == "sms" else "email")
        data = self.channel_data.get(key, {}).get(str(step.channel_id)) or {}
        if step.type == "push":
            for many in ("tokens", "target_arns", "player_ids"):
                if isinstance(data.get(many), list) and data[many]:
                    return str(data[many][0])
            return ""
        if step.type == "chat":
            connections = data.get("connections")
            if isinstance(connections, list) and connections and isinstance(connections[0], Mapping):
                return dict(connections[0])
            return {k: v for k, v in data.items() if k != "connections"}
        return None

    def _undeliverable(self, key: RKey, step: Step) -> str | None:
        profile = self.profile(key)
        if step.type == "email" and not profile.get("email"):
            return "the recipient has no email"
        if step.type == "sms" and not profile.get("phone_number"):
            return "the recipient has no phone_number"
        if step.type in ("push", "chat"):
            data = self.channel_data.get(key, {}).get(str(step.channel_id))
            if not _nonempty(data):
                return f"the recipient has no {step.type} channel data for channel {step.channel_id}"
        return None

    # --- messages --------------------------------------------------------------------------------

    def message(self, message_id: str) -> JsonDict:
        message = self.messages.get(message_id)
        if message is None:
            raise not_found(f"the message {message_id!r}")
        return message

    def render_message(self, message: Mapping[str, Any]) -> JsonDict:
        rendered = public(message)
        rendered["engagement_statuses"] = [name for name, field in _ENGAGEMENT.items() if message.get(field)]
        return rendered

    def mark(self, message: JsonDict, status: str, on: bool, metadata: object = None) -> JsonDict:
        """Set or clear an engagement timestamp (seen, read, interacted, archived, link_clicked),
        recording an event for each status that changes (and for every interaction)."""
        stamp = now()
        if status == "interacted" and on:
            # Interacting implies the message was seen and read.
            self._engage(message, "seen", True, stamp)
            self._engage(message, "read", True, stamp)
            message["interacted_at"] = message["interacted_at"] or stamp
            if isinstance(metadata, Mapping):
                message["metadata"] = deep_merge(message.get("metadata") or {}, metadata)
            self._event(message, "message.interacted", stamp, dict(metadata) if isinstance(metadata, Mapping) else None)
        else:
            self._engage(message, status, on, stamp)
        message["updated_at"] = stamp
        return self.render_message(message)

    def _engage(self, message: JsonDict, status: str, on: bool, stamp: str) -> None:
        field = _ENGAGEMENT[status]
        if on and not message[field]:
            message[field] = stamp
            self._event(message, f"message.{status}", stamp)
        elif not on and message[field]:
            message[field] = None
            self._event(message, _UNDONE[status], stamp)

    def _event(self, message: JsonDict, kind: str, stamp: str, data: JsonDict | None = None) -> None:
        message["_events"].append({"id": new_id(), "type": kind, "data": data, "inserted_at": stamp,
                                   "_seq": self.next_seq()})  # fmt: skip

    def render_event(self, message: Mapping[str, Any], event: Mapping[str, Any]) -> JsonDict:
        return {"__typename": "MessageEvent", **public(event), "recipient": message["recipient"]}

    def render_activity(self, message: Mapping[str, Any], activity: Mapping[str, Any]) -> JsonDict:
        """One trigger folded into the message, with its actor and the recipient in full."""
        return {
            "__typename": "Activity",
            "id": activity["id"],
            "actor": self.render_recipient(activity["actor"]) if activity["actor"] else None,
            "data": activity["data"],
            "recipient": self.render_recipient(message["_key"]),
            "inserted_at": activity["inserted_at"],
            "updated_at": activity["inserted_at"],
        }

    def render_content(self, message: Mapping[str, Any]) -> JsonDict:
        """The message's contents in Knock's shape for its channel type. The fake renders no
        templates: the subject or title is the workflow key, the body the trigger data as JSON."""
        kind, data, to = message["_channel_type"], message["data"], message["_to"]
        if kind not in CONTENT_CHANNEL_TYPES:  # the spec has no content shape for http (webhook) messages
            raise not_found(f"the content of {kind} message {message['id']!r}")
        title, text = str(message["workflow"]), json.dumps(data, sort_keys=True)
        escaped = html.escape(text)
        content: JsonDict
        if kind == "email":
            content = {
                "__typename": "MessageEmailContent", "from": FAKE_SENDER, "to": to, "cc": None, "bcc": None,
                "reply_to": None, "subject_line": title, "text_body": text, "html_body": f"<pre>{escaped}</pre>",
            }  # fmt: skip
        elif kind == "sms":
            content = {"__typename": "MessageSmsContent", "to": to, "body": text}
        elif kind == "push":
            content = {"__typename": "MessagePushContent", "token": to, "title": title, "body": text, "data": data}
        elif kind == "chat":
            blocks = [{"type": "text", "name": "body", "content": text}]
            template = {"summary": title, "blocks": blocks, "json_content": None}
            content = {"__typename": "MessageChatContent", "connection": to, "template": template, "metadata": None}
        else:
            assert kind == "in_app_feed", kind
            block = {"type": "markdown", "name": "body", "content": text, "rendered": f"<p>{escaped}</p>"}
            content = {"__typename": "MessageInAppFeedContent", "blocks": [block]}
        return {"__typename": "MessageContent", "message_id": message["id"], "data": content,
                "inserted_at": message["inserted_at"]}  # fmt: skip

    def render_feed_item(self, message: Mapping[str, Any]) -> JsonDict:
        activities = [self.render_activity(message, activity) for activity in message["_activities"]]
        actors: list[JsonDict] = []
        for activity in activities:
            actor = activity["actor"]
            if actor is not None and all(a["id"] != actor["id"] for a in actors):
                actors.append(actor)
        source = message["source"]
        engagement = ("read_at", "seen_at", "archived_at", "interacted_at", "link_clicked_at", "clicked_at")
        return {
            "__typename": "FeedItem",
            "id": message["id"],
            "activities": activities,
            "actors": actors,
            "blocks": [],
            "data": message["data"],
            "source": {
                "__typename": "Workflow",
                "key": source["key"],
                "version_id": source["version_id"],
                "categories": source["categories"],
            },
            "tenant": message["tenant"],
            "total_activities": len(activities),
            "total_actors": len(actors),
            "inserted_at": message["inserted_at"],
            "updated_at": message["updated_at"],
            **{field: message[field] for field in engagement},
        }

    # --- schedules and bulk operations -----------------------------------------------------------

    def create_schedule(self, body: Mapping[str, Any], recipient: object) -> JsonDict:
        workflow = body.get("workflow")
        if not isinstance(workflow, str) or workflow not in self.workflows:
            raise not_found(f"the workflow {workflow!r}")
        repeats = body.get("repeats") or []
        if not isinstance(repeats, list):
            raise invalid("repeats must be a list")
        stamp = now()
        schedule: JsonDict = {
            "id": str(uuid.uuid4()),
            "workflow": workflow,
            "_key": self.identify_recipient(recipient),
            "_seq": self.next_seq(),
            "inserted_at": stamp,
            "last_occurrence_at": None,
        }
        self.update_schedule(schedule, body)
        return schedule

    def update_schedule(self, schedule: JsonDict, body: Mapping[str, Any]) -> None:
        if "actor" in body:
            actor = body["actor"]
            schedule["_actor"] = self.identify_recipient(actor, "actor") if actor is not None else None
        if "tenant" in body:
            schedule["tenant"] = self._inline_tenant(body["tenant"])
        if "data" in body:
            schedule["data"] = body["data"]
        if "repeats" in body:
            schedule["repeats"] = [{"__typename": "ScheduleRepeat", "interval": 1, **r} for r in body["repeats"] or []]
        if "scheduled_at" in body:
            schedule["next_occurrence_at"] = body["scheduled_at"]
        if "ending_at" in body:
            schedule["_ending_at"] = body["ending_at"]
        schedule.setdefault("repeats", [])
        schedule.setdefault("data", None)
        schedule.setdefault("tenant", None)
        schedule.setdefault("_actor", None)
        schedule.setdefault("next_occurrence_at", None)
        schedule["updated_at"] = now()

    def render_schedule(self, schedule: Mapping[str, Any]) -> JsonDict:
        actor = schedule["_actor"]
        return {
            "__typename": "Schedule",
            **public(schedule),
            "recipient": self.render_recipient(schedule["_key"]),
            "actor": self.render_recipient(actor) if actor else None,
        }

    def bulk(self, name: str, items: Sequence[Any], apply: Callable[[Any], object]) -> JsonDict:
        """Apply a bulk job at once; its record reads "completed" from then on."""
        errors = []
        for index, item in enumerate(items):
            try:
                apply(item)
            except KnockFault as fault:
                errors.append({"index": index, "message": fault.message})
        stamp = now()
        operation_id = str(uuid.uuid4())
        self.bulk_operations[operation_id] = {
            "__typename": "BulkOperation",
            "id": operation_id,
            "name": name,
            "status": "completed",
            "estimated_total_rows": len(items),
            "processed_rows": len(items),
            "success_count": len(items) - len(errors),
            "error_count": len(errors),
            "error_items": errors,
            "progress_path": f"/v1/bulk_operations/{operation_id}",
            "inserted_at": stamp,
            "updated_at": stamp,
            "started_at": stamp,
            "completed_at": stamp,
            "failed_at": None,
        }
        # Knock answers the POST before the job runs: report it queued there.
        return {
            **self.bulk_operations[operation_id],
            "status": "queued", "processed_rows": 0, "success_count": 0, "error_count": 0,
            "error_items": [], "started_at": None, "completed_at": None,
        }  # fmt: skip

    # --- recipient runs --------------------------------------------------------------------------

    def render_run(self, run: Mapping[str, Any], *, events: bool = False) -> JsonDict:
        rendered: JsonDict = {"__typename": "WorkflowRecipientRun", **public(run)}
        if events:
            rendered["events"] = [
                {
                    "__typename": "WorkflowRecipientRunEvent",
                    "id": f"{run['id']}-{index}",
                    "event": "message_enqueued" if "message_id" in event else "step_skipped",
                    "status": "ok",  # the spec allows ok and error; a skipped step is not an error
                    "step_ref": event["step"],
                    "step_type": "channel",
                    "attempt": 1,
                    "data": {k: v for k, v in event.items() if k != "step"},
                    "inserted_at": run["updated_at"],
                }
                for index, event in enumerate(run["_events"])
            ]
        return rendered
