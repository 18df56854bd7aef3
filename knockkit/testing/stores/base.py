"""The fake's data and the helpers every store uses.

Everything lives in plain dicts shaped like Knock's JSON. `StoreBase` declares
every family's dict (the fake's whole data model, in one place) and the bookkeeping
around them: the sequence that orders lists, and the checkpoint a refused request is
rolled back to. Each family's behaviour is a class in its own module of this package,
each built on the one below (see ``stores/__init__.py``). Keys starting with ``_`` are
the fake's own bookkeeping and are never rendered (``__typename`` is Knock's own).
Nothing here knows about HTTP.
"""

from __future__ import annotations

import datetime as _dt
import json
import secrets
import string
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from knockkit.testing._local import LocalWorkflows
    from knockkit.testing.stores.workflows import Workflow

__all__ = [
    "JsonDict",
    "NOT_DATA",
    "KnockFault",
    "RKey",
    "StoreBase",
    "TENANTS",
    "check_mapping",
    "deep_merge",
    "describe_key",
    "invalid",
    "new_id",
    "not_found",
    "now",
    "parse_time",
    "public",
    "ref_of",
    "rkey_of",
]

JsonDict = dict[str, Any]
#: ("user", id) or ("object", collection, id): how the fake names a recipient.
RKey = tuple[str, ...]

_BASE62 = string.digits + string.ascii_letters
#: Knock keeps tenants as the objects of this collection (one store serves both APIs).
TENANTS = "$tenants"

#: What the state holds that is not data: left out of checkpoints and of the state file.
NOT_DATA = frozenset({"lock", "local"})
# Declared workflows are data a request never changes: left out of checkpoints too.
_NOT_STATE = NOT_DATA | {"workflows"}


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


def check_mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise invalid(f"{where} must be an object")
    return value


# --- the data -----------------------------------------------------------------------------


class StoreBase:
    """Every entity the fake knows, as Knock-shaped dicts. Callers hold ``lock``."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        # Workflows from a directory, run by the local engine (FakeKnock(workflows_dir=...)).
        self.local: LocalWorkflows | None = None
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
        """A copy of everything a request can change, put back by `restore` when the
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
