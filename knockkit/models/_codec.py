"""The one converter: JSON (as ``json.loads`` returns it) into models, and models back into JSON.

Each model gets, once, a descriptor per field made from its annotation: a scalar whose type
is checked, a timestamp, or a nested value read by a reader made from the type (a model, a
list, a mapping, or a union told apart by a ``Pick``). Decoding a model checks the JSON
object and its required fields, and makes an instance around the object without calling
``__init__``; every other field is read, checked and kept in the instance on first access.
Keys no field names are kept (``extra``/``properties``).

Why not cattrs: its generated functions cost about twice as much per object as eager plans
did, and importing it and building its converter cost more than the rest of a first call
(see docs/performance.md); every shape here is a model, a scalar, a list, a mapping or a
union, which the readers cover in one place.

Nothing is coerced: a value of another type than declared is a ``TypeError`` naming the
model and key (an int is accepted where a float is declared), a missing or null required
field a ``KeyError``, a timestamp that is not ISO 8601 a ``ValueError``. Messages never quote
the value: a field may echo the API key.
"""

from __future__ import annotations

import collections.abc
import datetime as _dt
import sys
import threading
import types
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Protocol, Union, cast

import attrs

from knockkit.models._base import Model, Pick, build
from knockkit.models.pages import Page, PageInfo

__all__ = ["structure", "unstructure"]


class Reader(Protocol):
    """(a JSON value, the JSON object it sits in or None) -> the decoded value."""

    def __call__(self, value: Any, parent: Any = None, /) -> Any: ...


def _keep(value: Any, _parent: Any = None) -> Any:
    """The reader of free-form JSON: the value as decoded."""
    return value


_NoneType = type(None)
_SAME: Any = object()  # a union member that is the value's own class: the value is kept as is
#: Where a decoded instance keeps the JSON object its fields are read from (not a field: not in eq or repr).
JSON_KEY = "__knockkit_json__"
_ABSENT: Any = object()  # a key the JSON object does not have
_LOCK = threading.RLock()
_DECODERS: dict[Any, Reader] = {}
_MAKING: set[type] = set()
_FAILURES = (TypeError, ValueError, KeyError)
_KIND_NAMES = {dict: "a JSON object", list: "a JSON array", _NoneType: "null"}
_new = object.__new__


def wire_name(field_name: str) -> str:
    """``typename`` is ``__typename`` on the wire; a name ending in ``_`` (``from_``) is a Python keyword."""
    if field_name == "typename":
        return "__typename"
    return field_name[:-1] if field_name.endswith("_") else field_name


# --- errors ---------------------------------------------------------------------------


def _kind_name(kind: type) -> str:
    return _KIND_NAMES.get(kind, kind.__name__)


def _located(exc: Exception, where: str) -> Exception:
    """The same kind of error, its message prefixed with where it happened (``recipient: ...``)."""
    message = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
    joined = where + message if message.startswith("[") else f"{where}: {message}"
    return type(exc)(joined)


def _read_items(read: Reader, items: list[Any]) -> list[Any]:
    try:
        return list(map(read, items))  # the parent is None: readers default it
    except _FAILURES:
        for index, item in enumerate(items):  # find which item, for the message
            try:
                read(item, None)
            except _FAILURES as exc:
                raise _located(exc, f"[{index}]") from None
        raise


# --- readers for values of a type -------------------------------------------------------


def parse_time(value: Any, _parent: Any = None) -> _dt.datetime:
    if value.__class__ is str and value[-1:] == "Z":  # the common case: Knock's "...Z"
        try:
            # Python 3.11+ reads "Z" itself, and gives the same value as "+00:00".
            return _dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, _dt.datetime):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 timestamp, got {type(value).__name__}")
    if value.endswith(("Z", "z")):  # Python 3.10's fromisoformat does not read "Z"
        value = value[:-1] + "+00:00"
    try:
        return _dt.datetime.fromisoformat(value)
    except ValueError:
        pass
    # Not quoted, and raised outside the except block (whose error quotes it, as __context__):
    # fields are read after the response's own redaction, and a value may echo a key.
    raise ValueError(f"not an ISO 8601 timestamp ({len(value)} characters)")


# Python 3.11+ reads Knock's "...Z" timestamps itself: the fast path of a timestamp field.
_from_iso: Callable[[Any], _dt.datetime] = _dt.datetime.fromisoformat if sys.version_info >= (3, 11) else parse_time


def _container_kind(tp: Any) -> type | None:
    """``dict`` for models and mappings, ``list`` for lists, else None."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return _container_kind(typing.get_args(tp)[0])
    if isinstance(tp, type) and issubclass(tp, Model):
        return dict
    if origin in (dict, Mapping, collections.abc.Mapping) or tp is dict:
        return dict
    if origin in (list, collections.abc.Sequence) or tp is list:
        return list
    if origin in (Union, types.UnionType):
        return dict  # a union of models and mappings (a Pick tells them apart)
    return None


def _scalar_reader(kind: type) -> Reader:
    allowed = frozenset({kind, int} if kind is float else {kind})
    convert: Callable[[Any], Any] = float if kind is float else (lambda value: value)  # an int is a fine float

    def read(value: Any, _parent: Any = None) -> Any:
        if value.__class__ not in allowed:
            raise TypeError(f"expected {_kind_name(kind)}, not {type(value).__name__}")
        return convert(value)

    return read


def _list_reader(item_type: Any) -> Reader:
    item = reader(item_type)
    if item is None:

        def read_json_list(value: Any, _parent: Any = None) -> Any:
            if value.__class__ is list:
                return value
            raise TypeError(f"expected a JSON array, not {type(value).__name__}")

        return read_json_list
    if item_type in (str, int, bool):  # checked in one C-level pass
        allowed = frozenset({item_type})

        def read_scalars(value: Any, _parent: Any = None) -> Any:
            if value.__class__ is list and allowed.issuperset(map(type, value)):
                return value
            if value.__class__ is list:
                return _read_items(item, value)  # names the bad item
            raise TypeError(f"expected a JSON array, not {type(value).__name__}")

        return read_scalars

    def read_list(value: Any, _parent: Any = None) -> Any:
        if value.__class__ is list:
            return _read_items(item, value)
        raise TypeError(f"expected a JSON array, not {type(value).__name__}")

    return read_list


def _mapping_reader(value_type: Any) -> Reader:
    item = reader(value_type)

    def read_mapping(value: Any, _parent: Any = None) -> Any:
        if not isinstance(value, Mapping):
            raise TypeError(f"expected a JSON object, not {type(value).__name__}")
        if item is None:
            return value
        result = {}
        for key, entry in value.items():
            try:
                result[key] = entry if entry is None else item(entry, None)
            except _FAILURES as exc:
                raise _located(exc, f"[{key!r}]") from None
        return result

    return read_mapping


def _union_reader(union: Any, pick: Pick | None) -> Reader:
    """Reads a value of a union by its JSON kind; objects of several models are told apart by ``pick``."""
    by_kind: dict[type, Reader] = {}
    objects: list[Any] = []
    for member in typing.get_args(union):
        kind = _container_kind(member)
        if member is _NoneType:
            continue
        if kind is dict:
            objects.append(member)
        elif kind is list:
            by_kind[list] = _list_reader(typing.get_args(member)[0] if typing.get_args(member) else Any)
        elif member is _dt.datetime:
            by_kind[str] = parse_time
        elif member in (str, int, float, bool):
            by_kind[member] = _SAME  # the value's class is the member's: nothing to check
            if member is float:
                by_kind.setdefault(int, _scalar_reader(float))  # an int is a fine float
        else:
            raise TypeError(f"no reader for {member!r} in {union!r}")
    models = [m for m in objects if isinstance(m, type) and issubclass(m, Model)]
    keep_mapping = len(models) < len(objects)
    if len(objects) == 1 and pick is None:
        by_kind[dict] = reader(objects[0]) or _mapping_reader(Any)
    elif objects:
        if pick is None:
            raise TypeError(f"{union!r} holds several object types: annotate it with a Pick")
        by_kind[dict] = _picking_reader(pick, {m: decoder(m) for m in models}, keep_mapping)
    names = " or ".join(_kind_name(kind) for kind in by_kind)

    def read_union(value: Any, parent: Any = None) -> Any:
        read = by_kind.get(value.__class__)
        if read is _SAME:
            return value
        if read is None:
            raise TypeError(f"expected {names}, not {type(value).__name__}")
        return read(value, parent)

    return read_union


def _picking_reader(pick: Pick, readers: dict[type, Reader], keep_mapping: bool) -> Reader:
    def read_picked(value: Any, parent: Any = None) -> Any:
        chosen = pick.choose(value, parent)
        if chosen is not None:
            return readers[chosen](value, parent)
        if keep_mapping:
            return value
        raise TypeError(f"an object that is none of {', '.join(m.__name__ for m in readers)}")

    return read_picked


def reader(tp: Any) -> Reader | None:
    """How to read a (non-null) value of type ``tp``; ``None``: keep it as decoded (free-form JSON)."""
    if tp is Any:
        return None
    origin = typing.get_origin(tp)
    if origin is Annotated:
        base, *extras = typing.get_args(tp)
        picks = [extra for extra in extras if isinstance(extra, Pick)]
        return _union_reader(base, picks[0] if picks else None)
    if origin in (Union, types.UnionType):
        return _union_reader(tp, None)
    if isinstance(tp, type) and issubclass(tp, Model):
        return decoder(tp)
    if tp in (str, int, float, bool):
        return _scalar_reader(tp)
    if tp is _dt.datetime:
        return parse_time
    kind = _container_kind(tp)
    args = typing.get_args(tp)
    if kind is list:
        return _list_reader(args[0] if args else Any)
    if kind is dict:
        return _mapping_reader(args[1] if args else Any)
    raise TypeError(f"no reader for {tp!r}")


# --- models -----------------------------------------------------------------------------


def decoder(cls: type[Model]) -> Reader:
    """The reader of a model, made once (a model that holds itself gets a late-bound reader)."""
    found = _DECODERS.get(cls)
    if found is not None:
        return found
    with _LOCK:
        found = _DECODERS.get(cls)
        if found is None:
            if cls in _MAKING:

                def late_bound(data: Any, parent: Any = None) -> Any:
                    return _DECODERS[cls](data, parent)

                return late_bound
            _MAKING.add(cls)
            try:
                found = _DECODERS[cls] = _make_decoder(cls)
            finally:
                _MAKING.discard(cls)
    return found


# Free-form JSON: only its kind is checked.
_FREE_FORM: dict[Any, type] = {
    Mapping[str, Any]: dict,
    typing.Mapping[str, Any]: dict,
    dict[str, Any]: dict,
    list[Any]: list,
}


def _field_plan(tp: Any) -> tuple[str, Any]:
    """How to read a field: ("check", allowed types), ("time", None), ("read", its type) or ("keep", None)."""
    members = typing.get_args(tp) if typing.get_origin(tp) in (Union, types.UnionType) else (tp,)
    present = [m for m in members if m is not _NoneType]
    inner = present[0] if len(present) == 1 else tp
    if inner is Any:
        return "keep", None
    if inner in (str, int, bool, float):
        return "check", frozenset({inner, _NoneType} | ({int} if inner is float else set()))
    if inner is _dt.datetime:
        return "time", None
    if inner in _FREE_FORM:
        return "check", frozenset({_FREE_FORM[inner], _NoneType})
    return "read", inner


class _Field:
    """A field of decoded instances: read from the instance's JSON object on first access, then
    kept in the instance's ``__dict__`` (where a value made in code has it from the start, so
    this descriptor, a non-data one, is not consulted again)."""

    __slots__ = ("name", "read")

    def __init__(self, name: str, read: Callable[[dict[str, Any]], Any]) -> None:
        self.name = name
        self.read = read

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        values = instance.__dict__
        data = values.get(JSON_KEY)
        if data is None:
            raise AttributeError(self.name)
        value = values[self.name] = self.read(data)
        return value


class _Checked(_Field):
    """A scalar or free-form field, whose check is its value's type: the usual case is done
    here, without calling the reader (absent keys, ints read as floats, errors)."""

    __slots__ = ("kinds", "wire")

    def __init__(self, name: str, wire: str, kinds: frozenset[type], read: Callable[[dict[str, Any]], Any]) -> None:
        super().__init__(name, read)
        self.wire = wire
        self.kinds = kinds  # without int where a float is declared: the reader makes it a float

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is not None:
            values = instance.__dict__
            data = values.get(JSON_KEY)
            if data is not None:
                value = data.get(self.wire, _ABSENT)
                if value.__class__ in self.kinds:
                    values[self.name] = value
                    return value
        return super().__get__(instance, owner)


def _field_reader(model: str, wire: str, tp: Any, factory: Callable[[], Any] | None) -> Callable[[dict[str, Any]], Any]:
    """How one field is read from its model's JSON object (``factory``: what an absent key gives)."""
    how, detail = _field_plan(tp)
    where = f"{model}.{wire}"

    def absent(data: dict[str, Any]) -> Any:
        return factory() if factory is not None and wire not in data else None

    if how == "keep":
        return lambda data: data[wire] if wire in data else absent(data)
    if how == "check":
        allowed: frozenset[type] = detail
        kinds = _declared(allowed)

        def read_checked(data: dict[str, Any]) -> Any:
            value = data.get(wire, _ABSENT)
            if value.__class__ in allowed:
                return float(value) if value.__class__ is int and float in allowed else value
            if value is _ABSENT:
                return absent(data)
            raise TypeError(f"{where} should be {kinds}, not {type(value).__name__}")

        return read_checked
    if how == "time":

        def read_time(data: dict[str, Any]) -> Any:
            value = data.get(wire)
            if value is None:
                return None
            try:
                return _from_iso(value)
            except (TypeError, ValueError):  # not text, or 3.10 and "Z": the full rule, or its error
                pass
            try:
                return parse_time(value)
            except (TypeError, ValueError) as exc:
                raise _located(exc, where) from None

        return read_time
    nested: list[Reader] = []  # made on first use: a first call builds only the models it reads

    def read_nested(data: dict[str, Any]) -> Any:
        value = data.get(wire)
        if value is None:
            return absent(data)
        if not nested:
            nested.append(reader(detail) or _keep)
        try:
            return nested[0](value, data)
        except _FAILURES as exc:
            raise _located(exc, where) from None

    return read_nested


def _required(model: str, wire: str, value: Any, allowed: frozenset[type]) -> Any:
    """The value of a required field that failed the quick check: an int where a float is declared, or an error."""
    if value is None:
        raise KeyError(f"{model} needs {wire!r}, which the response does not have (or is null)")
    if value.__class__ is int and float in allowed:
        return float(value)
    raise TypeError(f"{model}.{wire} should be {_declared(allowed)}, not {type(value).__name__}")


def _declared(allowed: frozenset[type]) -> str:
    """The declared type of a checked field, from the types its value may have ("str", "float")."""
    declared = allowed - {_NoneType} - ({int} if float in allowed else set())  # an int is a fine float
    return " or ".join(sorted(_kind_name(kind) for kind in declared))


def _make_decoder(cls: type[Model]) -> Reader:
    """Decoding checks what must hold for an instance to exist at all (a JSON object, with its
    required keys not null) and makes the instance around the object. Each field is read,
    checked and kept on first access (see ``_Field``). Why: a page of 50 users read eagerly
    cost about 2x its ``json.loads``, and most callers read a few fields of each entry; a
    value of the wrong type still raises, naming the model and key, when it is read."""
    build(cls)
    if "__slots__" in cls.__dict__:  # the decoder fills an instance's __dict__
        raise TypeError(f"{cls.__name__} is slotted: make models with knockkit.models._base.model")
    name, extra_name = cls.__name__, cls._extra
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = [field for field in attrs.fields(cast(Any, cls)) if field.name != extra_name]
    known = frozenset(wire_name(field.name) for field in fields)
    # Required keys are checked on decoding, and so are their types where that is one C-level test.
    checks: list[tuple[str, str, frozenset[type]]] = []  # wire, field name, the types its value may have
    present: list[str] = []
    for field in fields:
        wire = wire_name(field.name)
        how, allowed = _field_plan(hints[field.name])
        quick = allowed - {int} if how == "check" and float in allowed else allowed  # an int goes to the reader
        factory = None
        if field.default is attrs.NOTHING:
            if how == "check":
                checks.append((wire, field.name, quick - {_NoneType}))
            else:
                present.append(wire)
        elif isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            factory = field.default.factory
        elif field.default is not None:
            raise TypeError(f"{name}.{field.name}: model fields default to None (or a factory)")
        read = _field_reader(name, wire, hints[field.name], factory)
        descriptor = _Checked(field.name, wire, quick, read) if how == "check" else _Field(field.name, read)
        setattr(cls, field.name, descriptor)
    setattr(cls, extra_name, _Field(extra_name, lambda data: {k: v for k, v in data.items() if k not in known}))

    def decode(data: Any, _parent: Any = None) -> Any:
        if data.__class__ is not dict:
            data = _as_dict(name, data)
        instance = _new(cls)
        values = instance.__dict__
        values[JSON_KEY] = data
        for wire, field_name, allowed in checks:  # kept now: they are checked anyway
            value = data.get(wire)
            values[field_name] = value if value.__class__ in allowed else _required(name, wire, value, allowed)
        for wire in present:
            if data.get(wire) is None:
                _required(name, wire, None, frozenset())
        return instance

    if len(checks) != 1 or present:
        return decode
    ((only_wire, only_field, only_allowed),) = checks

    def decode_one(data: Any, _parent: Any = None) -> Any:
        # The same as decode for the most common model, one required checked key (an id):
        # without the loops' set-up, as it runs once per entry of every page.
        if data.__class__ is not dict:
            data = _as_dict(name, data)
        instance = _new(cls)
        values = instance.__dict__
        values[JSON_KEY] = data
        value = data.get(only_wire)
        if value.__class__ not in only_allowed:
            value = _required(name, only_wire, value, only_allowed)
        values[only_field] = value
        return instance

    return decode_one


def _as_dict(model: str, data: Any) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a JSON object for {model}, got {type(data).__name__}")
    return dict(data)


# --- pages ------------------------------------------------------------------------------

# Cursor keys of lists that do not use Knock's page_info, and the keyword that takes them.
_OTHER_CURSORS = {"next_cursor": "cursor", "skip_token": "skip_token"}


def _page_reader(item_type: Any) -> Reader:
    item = reader(item_type) or _keep
    read_page_info = decoder(PageInfo)

    def read_page(data: Any, _parent: Any = None) -> Page[Any]:
        if not isinstance(data, Mapping):
            raise TypeError(f"expected a JSON object holding a list, got {type(data).__name__}")
        if "entries" in data or "items" in data:
            key = "entries" if "entries" in data else "items"
        else:  # provider lists: {"slack_channels": [...], "next_cursor": ...}
            lists = [k for k, v in data.items() if isinstance(v, list)]
            if len(lists) != 1:
                raise TypeError(f"expected one list in the response, found {len(lists)}")
            key = lists[0]
        try:
            page_info = read_page_info(data.get("page_info") or {}, data)
        except _FAILURES as exc:
            raise _located(exc, "page_info") from None
        next_params = {"after": page_info.after} if page_info.after else None
        for cursor_key, param in _OTHER_CURSORS.items():
            if data.get(cursor_key):
                next_params = {param: data[cursor_key]}
        raw = data[key] or []
        if raw.__class__ is not list:
            raise TypeError(f"{key!r} should be a JSON array, not {type(raw).__name__}")
        try:
            entries = _read_items(item, raw)
        except _FAILURES as exc:
            raise _located(exc, key) from None
        extra = {k: v for k, v in data.items() if k not in (key, "page_info")}
        return Page(entries=entries, page_info=page_info, next_params=next_params, extra=extra)

    return read_page


def _reader_for(into: Any) -> Reader:
    found = _DECODERS.get(into)
    if found is None:
        is_page = typing.get_origin(into) is Page
        found = _page_reader(typing.get_args(into)[0]) if is_page else reader(into) or _keep
        with _LOCK:
            _DECODERS[into] = found
    return found


def structure(data: Any, into: Any) -> Any:
    """Decode JSON data (as parsed by ``json.loads``) into a model or a typed container
    (``Page[Model]``, ``list[Model]``, ``dict[str, Any]``...)."""
    return (_DECODERS.get(into) or _reader_for(into))(data, None)


# --- encoding ---------------------------------------------------------------------------

_PLAIN = frozenset({str, int, float, bool, _NoneType})
_WIRES: dict[type, list[tuple[str, str]]] = {}


def _format_time(value: _dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _wires(cls: type[Model]) -> list[tuple[str, str]]:
    found = _WIRES.get(cls)
    if found is None:
        fields = attrs.fields(cast(Any, cls))  # a model class
        found = _WIRES[cls] = [(f.name, wire_name(f.name)) for f in fields if f.name != cls._extra]
    return found


def unstructure(value: Any) -> Any:
    """Encode a model (or a container of models) back into JSON-compatible data: its fields
    under their wire keys (a decoded value: the keys it was decoded from; a value made in
    code: every field), then every unknown key it was decoded with."""
    kind = value.__class__
    if kind in _PLAIN:
        return value
    if kind is list or kind is tuple:
        return [unstructure(item) for item in value]
    if isinstance(value, Model):
        data = value.__dict__.get(JSON_KEY)  # decoded: the keys it was decoded from
        wires = _wires(kind) if data is None else [(name, wire) for name, wire in _wires(kind) if wire in data]
        encoded = {wire: unstructure(getattr(value, name)) for name, wire in wires}
        for key, item in getattr(value, kind._extra).items():
            encoded[key] = unstructure(item)
        return encoded
    if isinstance(value, Mapping):
        return {key: unstructure(item) for key, item in value.items()}
    if isinstance(value, _dt.datetime):
        return _format_time(value)
    if isinstance(value, Page):
        encoded = {key: unstructure(item) for key, item in value.extra.items()}
        return {**encoded, "entries": unstructure(value.entries), "page_info": unstructure(value.page_info)}
    return value
