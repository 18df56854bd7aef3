"""The fake's state in an SQLite file (``FakeKnock(db=PATH)``, ``--db PATH``).

One table of JSON rows: ``(family, key, value)``. A family is one of the stores' dicts
(``users``, ``messages``, ``runs``...), one row per entry; the engine's runs, open batches
and throttle windows; and the clock. After each change every entry is pickled in memory
(in C, seeing every nested change; the bytes are compared, never loaded): only the entries
whose pickle changed since the last save are encoded again, and only the rows that differ
are written, in one transaction. ``PRAGMA user_version`` is the file's schema version.

Values are JSON with tags for what JSON lacks: ``{"$tuple": [...]}``, ``{"$set": [...]}``,
``{"$frozenset": [...]}``, ``{"$datetime": iso}``, ``{"$path": str}``, ``{"$dict": [[k, v],
...]}`` (a dict whose keys are not all plain strings), and ``{"$object": "module:Class",
"fields": {...}}`` for the fake's and the engine's own classes (only those are rebuilt).
A dict of the fake's data never has a key starting with ``$`` in plain form: such a dict is
stored as ``$dict`` pairs, so tags cannot be confused with data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import os
import pickle
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

import attrs

from knockkit.testing.stores.base import NOT_DATA

if TYPE_CHECKING:
    from knockkit.testing.stores import State

__all__ = ["SCHEMA_VERSION", "StateFile", "StateFileError", "decode", "encode", "needs_engine", "restore", "snapshot"]

#: The layout of the file (and of the encoded values): bump on any incompatible change.
SCHEMA_VERSION = 1
#: Only classes from these packages are rebuilt from a file.
_REBUILT = ("knockkit.testing.engine.", "knockkit.testing.stores.")
#: A family stored as one row rather than a row per entry.
_WHOLE = ""
_UTC = dt.timezone.utc


class StateFileError(ValueError):
    """The state file cannot be used: not SQLite, another schema version, unreadable rows."""


# --- encoding ------------------------------------------------------------------------------


def encode(value: Any) -> Any:
    """A JSON-ready form of ``value`` (see the module docstring for the tags)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        tag = "$frozenset" if isinstance(value, frozenset) else "$set"
        return {tag: sorted((encode(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, PurePath):
        return {"$path": str(value)}
    cls = type(value)
    if not cls.__module__.startswith(_REBUILT):
        raise TypeError(f"FakeKnock cannot save a {cls.__module__}.{cls.__qualname__} in its state file")
    names = [f.name for f in attrs.fields(cls)] if attrs.has(cls) else list(vars(value))
    return {"$object": f"{cls.__module__}:{cls.__qualname__}", "fields": {n: encode(getattr(value, n)) for n in names}}


def _text(value: Any) -> str:
    """The compact JSON text of an encoded value, as rows hold it."""
    return json.dumps(encode(value), separators=(",", ":"))


def decode(value: Any) -> Any:
    """The value `encode` was given."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$object" in value:
        return _rebuild(value["$object"], value["fields"])
    if len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "$tuple":
            return tuple(decode(v) for v in inner)
        if tag == "$set":
            return {decode(v) for v in inner}
        if tag == "$frozenset":
            return frozenset(decode(v) for v in inner)
        if tag == "$datetime":
            return dt.datetime.fromisoformat(inner)
        if tag == "$path":
            return Path(inner)
        if tag == "$dict":
            return {decode(k): decode(v) for k, v in inner}
    return {k: decode(v) for k, v in value.items()}


def _rebuild(name: str, fields: Mapping[str, Any]) -> Any:
    """An instance of one of the fake's or engine's classes, its fields set as saved
    (``__init__`` is not run: validators and converters already ran when it was made)."""
    module_name, _, qualname = name.partition(":")
    if not module_name.startswith(_REBUILT):
        raise StateFileError(f"the file names a class outside the fake: {name}")
    cls: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        cls = getattr(cls, part, None)
    if not isinstance(cls, type):
        raise StateFileError(f"the file names a class this knockkit does not have: {name}")
    instance: Any = object.__new__(cls)
    if not attrs.has(cls):
        vars(instance).update({k: decode(v) for k, v in fields.items()})
        return instance
    for field in attrs.fields(cls):
        if field.name in fields:
            value = decode(fields[field.name])
        elif isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            value = field.default.factory()
        elif field.default is not attrs.NOTHING:
            value = field.default
        else:
            raise StateFileError(f"{name} in the file has no {field.name!r} (written by another knockkit?)")
        object.__setattr__(instance, field.name, value)
    return instance


# --- the fake's state as families --------------------------------------------------------------

def snapshot(state: State) -> dict[str, Any]:
    """Every family of the fake's state: its stores' dicts (and scalars such as the
    sequence), the engine's state, and the clock's lead over the wall clock."""
    families = {name: value for name, value in vars(state).items() if name not in NOT_DATA}
    local = state.local
    if local is not None:
        for name, value in local.engine.export_state().items():
            families[f"engine.{name}"] = value
        ahead = local.engine.clock.now() - dt.datetime.now(_UTC)
        families["clock"] = {"ahead_seconds": max(0.0, ahead.total_seconds())}
    return families


def restore(state: State, families: Mapping[str, Any]) -> None:
    """Put saved families back (the engine's and the clock's need ``state.local``)."""
    engine = {name[len("engine."):]: value for name, value in families.items() if name.startswith("engine.")}
    for name, value in families.items():
        if name != "clock" and not name.startswith("engine."):
            setattr(state, name, value)
    if state.local is None:
        return
    if engine:
        saved = state.local.engine.export_state()  # an empty family has no rows: keep the fresh value
        saved.update(engine)
        state.local.engine.import_state(saved)
    clock = families.get("clock")
    if isinstance(clock, Mapping) and clock.get("ahead_seconds"):
        state.local.engine.clock.advance(seconds=float(clock["ahead_seconds"]))


def needs_engine(families: Mapping[str, Any]) -> bool:
    """Whether the saved families include the engine's (the fake must make it to restore them)."""
    return "clock" in families or any(name.startswith("engine.") for name in families)


# --- the file ----------------------------------------------------------------------------------


class StateFile:
    """An SQLite file of families; `save` writes what changed since the last save."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        try:
            # The fake's handler threads and its timer share the connection, always under its lock.
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._check_schema()
            # A process that dies keeps every committed request; only a power cut may lose the last ones.
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            self._db.close()
            raise StateFileError(f"{self.path}: not a FakeKnock state file ({exc})") from None
        except StateFileError:
            self._db.close()
            raise
        self._saved: dict[tuple[str, str], str] = {}  # (family, key) -> the value text in the file
        self._prints: dict[tuple[str, str], bytes] = {}  # (family, key) -> the entry's pickle at the last save
        self._key_texts: dict[Any, str] = {}

    def _check_schema(self) -> None:
        (found,) = self._db.execute("PRAGMA user_version").fetchone()
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if found == 0 and not tables:  # a new file
            with self._transaction():
                self._db.execute("CREATE TABLE records (family TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
                                 " PRIMARY KEY (family, key))")  # fmt: skip
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        elif found != SCHEMA_VERSION or "records" not in tables:
            raise StateFileError(
                f"{self.path}: FakeKnock state file has schema version {found}; this knockkit expects version "
                f"{SCHEMA_VERSION} (delete the file to start afresh, or use the knockkit that wrote it)"
            )

    def _key_text(self, key: Any) -> str:
        text = self._key_texts.get(key)
        if text is None:
            text = self._key_texts[key] = json.dumps(encode(key), separators=(",", ":"))
        return text

    def load(self) -> dict[str, Any]:
        """Every family in the file, decoded (dicts in the order their entries were added)."""
        families: dict[str, Any] = {}
        try:
            rows = self._db.execute("SELECT family, key, value FROM records ORDER BY rowid").fetchall()
            for family, key, value in rows:
                self._saved[(family, key)] = value
                if key == _WHOLE:
                    families[family] = decode(json.loads(value))
                else:
                    families.setdefault(family, {})[decode(json.loads(key))] = decode(json.loads(value))
        except (ValueError, TypeError, KeyError, AttributeError, sqlite3.Error) as exc:
            raise StateFileError(f"{self.path}: a saved record cannot be read ({type(exc).__name__}: {exc})") from None
        return families

    def save(self, families: Mapping[str, Any]) -> None:
        """Write the rows that differ from the file, and delete the ones gone, in one transaction."""
        current: dict[tuple[str, str], str] = {}
        prints: dict[tuple[str, str], bytes] = {}
        for family, value in families.items():
            rows = [(self._key_text(k), e) for k, e in value.items()] if isinstance(value, dict) else [(_WHOLE, value)]
            for key, entry in rows:
                row = (family, key)
                prints[row] = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
                saved = self._saved.get(row)
                unchanged = saved is not None and self._prints.get(row) == prints[row]
                current[row] = saved if unchanged and saved is not None else _text(entry)
        changed = [(f, k, v) for (f, k), v in current.items() if self._saved.get((f, k)) != v]
        gone = [row for row in self._saved if row not in current]
        self._prints = prints
        if not changed and not gone:
            return
        with self._transaction():
            self._db.executemany("DELETE FROM records WHERE family = ? AND key = ?", gone)
            self._db.executemany(
                "INSERT INTO records (family, key, value) VALUES (?, ?, ?)"
                " ON CONFLICT (family, key) DO UPDATE SET value = excluded.value", changed,
            )  # fmt: skip
        self._saved = current

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()
