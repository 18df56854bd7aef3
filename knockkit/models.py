"""Typed, frozen values for what Knock returns, and the one converter that reads them.

Every model keeps every key it was given: keys it does not name are kept in
``.properties`` on users and tenants (where Knock flattens custom properties into the
top level) and in ``.extra`` elsewhere, and :func:`unstructure` puts them back. So a
field Knock adds tomorrow never breaks decoding and is never lost.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

import attrs

if TYPE_CHECKING:
    import cattrs

__all__ = [
    "Activity",
    "AudienceMember",
    "AuthCheck",
    "BulkOperation",
    "ChannelData",
    "Connection",
    "DeliveryLog",
    "FeedItem",
    "FeedSettings",
    "Guide",
    "Message",
    "MessageContent",
    "MessageEvent",
    "Model",
    "MsTeamsChannel",
    "MsTeamsTeam",
    "Object",
    "Page",
    "PageInfo",
    "PreferenceCenterUrl",
    "PreferenceSet",
    "Schedule",
    "SlackChannel",
    "Subscription",
    "Tenant",
    "TriggerResult",
    "User",
    "WorkflowRecipientRun",
    "WorkflowRecipientRunEvent",
    "structure",
    "unstructure",
]

T = TypeVar("T")

Json = Any  # a decoded JSON value whose shape the spec leaves open
Datetime = _dt.datetime | None


class Model:
    """Base of every model. ``_extra`` names the field that holds unknown keys."""

    __slots__ = ()
    _extra: ClassVar[str] = "extra"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict: every key the value was decoded from, unknown ones included,
        and every field the model names (``None`` where Knock left it out)."""
        result: dict[str, Any] = unstructure(self)
        return result


def _model(cls: type[T]) -> type[T]:
    return attrs.frozen(kw_only=True)(cls)


def _unknown_keys() -> Any:
    """The field that keeps the keys a model does not name."""
    return attrs.field(factory=dict, repr=False)


@_model
class PageInfo(Model):
    after: str | None = None
    before: str | None = None
    page_size: int | None = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class User(Model):
    """A Knock user. Custom properties (anything Knock does not define) are in ``properties``."""

    _extra: ClassVar[str] = "properties"
    id: str
    name: str | None = None
    email: str | None = None
    phone_number: str | None = None
    avatar: str | None = None
    timezone: str | None = None
    locale: str | None = None
    created_at: Datetime = None
    updated_at: Datetime = None
    typename: str | None = None
    properties: Mapping[str, Json] = _unknown_keys()


@_model
class Object(Model):
    """An object in a collection; its custom properties are nested under ``properties``."""

    id: str
    collection: str | None = None
    properties: Mapping[str, Json] = attrs.field(factory=dict)
    created_at: Datetime = None
    updated_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class Tenant(Model):
    """A tenant. Custom properties are in ``properties``, as for users."""

    _extra: ClassVar[str] = "properties"
    id: str
    name: str | None = None
    settings: Mapping[str, Json] | None = None
    created_at: Datetime = None
    updated_at: Datetime = None
    typename: str | None = None
    properties: Mapping[str, Json] = _unknown_keys()


@_model
class PreferenceSet(Model):
    id: str
    channel_types: Mapping[str, Json] | None = None
    channels: Mapping[str, Json] | None = None
    workflows: Mapping[str, Json] | None = None
    categories: Mapping[str, Json] | None = None
    commercial_subscribed: Json = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class ChannelData(Model):
    channel_id: str
    data: Mapping[str, Json] = attrs.field(factory=dict)
    provider: str | None = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class BulkOperation(Model):
    """An asynchronous bulk job; ``status`` is queued, processing, completed or failed."""

    id: str
    name: str | None = None
    status: str | None = None
    estimated_total_rows: int | None = None
    processed_rows: int | None = None
    success_count: int | None = None
    error_count: int | None = None
    error_items: list[Json] | None = None
    progress_path: str | None = None
    inserted_at: Datetime = None
    updated_at: Datetime = None
    started_at: Datetime = None
    completed_at: Datetime = None
    failed_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed")


@_model
class Message(Model):
    """A message produced by a workflow run for one recipient on one channel."""

    id: str
    channel_id: str | None = None
    channel: Mapping[str, Json] | None = None
    recipient: Json = None
    actors: list[Json] | None = None
    status: str | None = None
    engagement_statuses: list[str] | None = None
    source: Mapping[str, Json] | None = None
    tenant: str | None = None
    workflow: str | None = None
    data: Mapping[str, Json] | None = None
    metadata: Mapping[str, Json] | None = None
    recipient_snapshot: Mapping[str, Json] | None = None
    inserted_at: Datetime = None
    updated_at: Datetime = None
    scheduled_at: Datetime = None
    seen_at: Datetime = None
    read_at: Datetime = None
    interacted_at: Datetime = None
    link_clicked_at: Datetime = None
    clicked_at: Datetime = None
    archived_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class Schedule(Model):
    id: str
    workflow: str | None = None
    recipient: Json = None
    actor: Json = None
    data: Mapping[str, Json] | None = None
    tenant: str | None = None
    repeats: list[Json] | None = None
    inserted_at: Datetime = None
    updated_at: Datetime = None
    last_occurrence_at: Datetime = None
    next_occurrence_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class Subscription(Model):
    """A recipient's subscription to an object."""

    recipient: Json = None
    object: Object | None = None
    properties: Mapping[str, Json] | None = None
    inserted_at: Datetime = None
    updated_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class TriggerResult(Model):
    workflow_run_id: str
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class PreferenceCenterUrl(Model):
    url: str
    token: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class Connection(Model):
    ok: bool
    reason: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class AuthCheck(Model):
    """Whether a chat provider connection (Slack, Microsoft Teams) works."""

    connection: Connection
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class SlackChannel(Model):
    id: str
    name: str | None = None
    is_private: bool | None = None
    is_im: bool | None = None
    context_team_id: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


# --- models for objects, tenants, schedules, audiences, bulk operations, integrations ---


@_model
class AudienceMember(Model):
    """A user's membership of an audience (for one tenant, or none)."""

    user_id: str
    user: User | None = None
    tenant: str | None = None
    added_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


# --- models for messages, feeds, guides, workflow recipient runs, Microsoft Teams ---


@_model
class MessageContent(Model):
    """A message's rendered contents; ``data`` depends on the channel type (see its ``__typename``)."""

    message_id: str
    data: Mapping[str, Json] | None = None
    inserted_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class MessageEvent(Model):
    """Something that happened to a message; ``type`` is e.g. ``message.sent`` or ``message.read``."""

    id: str
    type: str | None = None
    recipient: Json = None
    data: Mapping[str, Json] | None = None
    inserted_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class Activity(Model):
    """One trigger that contributed to a (possibly batched) message."""

    id: str
    actor: Json = None
    recipient: Json = None
    data: Mapping[str, Json] | None = None
    inserted_at: Datetime = None
    updated_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class DeliveryLog(Model):
    """The request Knock sent to a provider for a message, and the provider's response."""

    id: str
    environment_id: str | None = None
    service_name: str | None = None
    request: Mapping[str, Json] | None = None
    response: Mapping[str, Json] | None = None
    inserted_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class FeedItem(Model):
    """An entry of a user's in-app feed."""

    id: str
    activities: list[Activity] | None = None
    actors: list[Json] | None = None
    blocks: list[Json] | None = None
    data: Mapping[str, Json] | None = None
    source: Mapping[str, Json] | None = None
    tenant: str | None = None
    total_activities: int | None = None
    total_actors: int | None = None
    inserted_at: Datetime = None
    updated_at: Datetime = None
    seen_at: Datetime = None
    read_at: Datetime = None
    interacted_at: Datetime = None
    link_clicked_at: Datetime = None
    clicked_at: Datetime = None
    archived_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class FeedSettings(Model):
    features: Mapping[str, Json] | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class Guide(Model):
    """An in-app guide a user is eligible for, with its steps and their engagement."""

    id: str
    key: str | None = None
    type: str | None = None
    active: bool | None = None
    channel_id: str | None = None
    semver: str | None = None
    steps: list[Json] | None = None
    activation_url_patterns: list[Json] | None = None
    activation_url_rules: list[Json] | None = None
    bypass_global_group_limit: bool | None = None
    dashboard_url: str | None = None
    inserted_at: Datetime = None
    updated_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class WorkflowRecipientRunEvent(Model):
    id: str
    event: str | None = None
    status: str | None = None
    attempt: int | None = None
    step_ref: str | None = None
    step_type: str | None = None
    data: Mapping[str, Json] | None = None
    inserted_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class WorkflowRecipientRun(Model):
    """One recipient's run of a workflow; ``events`` is filled only when fetched on its own."""

    id: str
    workflow_run_id: str | None = None
    workflow: str | None = None
    status: str | None = None
    recipient: Json = None
    actor: Json = None
    tenant: str | None = None
    error_count: int | None = None
    trigger_source: Mapping[str, Json] | None = None
    events: list[WorkflowRecipientRunEvent] | None = None
    inserted_at: Datetime = None
    updated_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


# Microsoft Graph's names are camelCase; the fields keep them so that every key round-trips.
@_model
class MsTeamsChannel(Model):
    id: str
    displayName: str | None = None
    description: str | None = None
    createdDateTime: str | None = None  # Graph's precision varies; kept as sent
    isArchived: bool | None = None
    membershipType: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@_model
class MsTeamsTeam(Model):
    id: str
    displayName: str | None = None
    description: str | None = None
    extra: Mapping[str, Json] = _unknown_keys()


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page of a list: iterate it, or read ``entries`` and ``page_info``.

    ``next_params`` holds the arguments that fetch the following page (``{"after": ...}``
    for Knock's cursors), or ``None`` on the last page; :func:`knockkit.paginate` uses it.
    """

    entries: list[T]
    page_info: PageInfo = attrs.field(factory=PageInfo)
    next_params: Mapping[str, str] | None = None
    #: other top-level keys of the response (for example a feed's ``meta`` and ``vars``)
    extra: Mapping[str, Json] = attrs.field(factory=dict, repr=False)

    def __iter__(self) -> Iterator[T]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> T:
        return self.entries[index]

    @property
    def has_next(self) -> bool:
        return bool(self.next_params)


# --- the converter ------------------------------------------------------------------


def _parse_time(value: Any, _: Any) -> _dt.datetime:
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
    return _dt.datetime.fromisoformat(value)


def _format_time(value: _dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _wire_name(field: attrs.Attribute[Any]) -> str:
    return "__typename" if field.name == "typename" else field.name


def _keep(value: Any, _: Any) -> Any:
    return value


_SCALARS = (str, int, float, bool)


def _mistyped(kind: type, value: Any, wire: str) -> Any:
    """A scalar of another type than declared: an int is a fine float, nothing else is
    coerced (cattrs would turn null into "None")."""
    if kind is float and value.__class__ is int:
        return float(value)
    raise TypeError(f"{wire!r} should be {kind.__name__}, not {type(value).__name__}")


def _reader(conv: cattrs.Converter, field_type: Any) -> tuple[type | None, Any]:
    """How to read a field: (scalar type to check, or None to keep as decoded; no hook),
    or (None, a hook taking (value, wire key)). ``None`` is accepted for every field:
    Knock marks most fields nullable."""
    args = getattr(field_type, "__args__", ())
    present = [a for a in args if a is not type(None)]
    inner = present[0] if type(None) in args and len(present) == 1 else field_type
    if inner is Any or inner in (Mapping[str, Json], list[Json]):
        return None, None
    if inner in _SCALARS:
        return inner, None
    if inner is _dt.datetime:
        return None, _parse_time  # called directly: the commonest hook, one call less
    hook = conv.get_structure_hook(inner)
    return None, lambda value, wire: hook(value, inner)


@functools.cache
def _converter() -> cattrs.Converter:
    """Built on first use, so that importing knockkit does not import cattrs."""
    from cattrs.gen import make_dict_unstructure_fn, override
    from cattrs.preconf.json import make_converter

    conv = make_converter()
    conv.register_structure_hook(_dt.datetime, _parse_time)
    conv.register_unstructure_hook(_dt.datetime, _format_time)
    # Free-form JSON is passed through as decoded, not copied.
    free_form = (Mapping[str, Json], list[Json])
    conv.register_structure_hook_func(lambda t: t in free_form, _keep)

    def is_model(cls: Any) -> bool:
        return isinstance(cls, type) and issubclass(cls, Model) and attrs.has(cls)

    def structure_factory(cls: type[Model]) -> Any:
        # A plan per model, made once, so decoding is a loop of dict look-ups: cattrs'
        # generated functions cost about twice as much per user, more than parsing its JSON.
        # Scalars and free-form JSON are checked inline (kind None: kept as decoded); nested
        # models, timestamps and other types go through the converter's hooks.
        extra_name = cls._extra
        fields = [f for f in attrs.fields(attrs.resolve_types(cast(Any, cls))) if f.name != extra_name]
        known = frozenset(_wire_name(f) for f in fields)
        required = [_wire_name(f) for f in fields if f.default is attrs.NOTHING]
        plain, hooked = [], []
        for f in fields:
            kind, hook = _reader(conv, f.type)
            if hook is None:
                plain.append((f.alias, _wire_name(f), kind))
            else:
                hooked.append((f.alias, _wire_name(f), hook))

        def structure_model(data: Any, _: Any) -> Model:
            if data.__class__ is not dict and not isinstance(data, Mapping):
                raise TypeError(f"expected a JSON object for {cls.__name__}, got {type(data).__name__}")
            for wire in required:
                if data.get(wire) is None:
                    raise KeyError(f"{cls.__name__} needs {wire!r}, which the response does not have (or is null)")
            kwargs: dict[str, Any] = {extra_name: {k: v for k, v in data.items() if k not in known}}
            for name, wire, kind in plain:
                if wire in data:
                    value = kwargs[name] = data[wire]
                    if kind is not None and value.__class__ is not kind and value is not None:
                        kwargs[name] = _mistyped(kind, value, wire)
            for name, wire, hook in hooked:
                if wire in data:
                    value = data[wire]
                    kwargs[name] = None if value is None else hook(value, wire)
            return cls(**kwargs)

        return structure_model

    def unstructure_factory(cls: type[Model]) -> Any:
        extra_name = cls._extra
        fields = attrs.fields(cast(Any, cls))
        overrides = {f.name: override(rename=_wire_name(f)) for f in fields if f.name != extra_name}
        overrides[extra_name] = override(omit=True)
        base = make_dict_unstructure_fn(cls, conv, **overrides)  # type: ignore[arg-type]

        def unstructure_model(value: Model) -> dict[str, Any]:
            known: dict[str, Any] = base(value)
            return {**getattr(value, extra_name), **known}

        return unstructure_model

    conv.register_structure_hook_factory(is_model, structure_factory)
    conv.register_unstructure_hook_factory(is_model, unstructure_factory)
    return conv


# Cursor keys of lists that do not use Knock's page_info, and the keyword that takes them.
_OTHER_CURSORS = {"next_cursor": "cursor", "skip_token": "skip_token"}


def _structure_page(data: Any, item: Any) -> Page[Any]:
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a JSON object holding a list, got {type(data).__name__}")
    conv = _converter()
    if "entries" in data or "items" in data:
        key = "entries" if "entries" in data else "items"
    else:  # provider lists: {"slack_channels": [...], "next_cursor": ...}
        lists = [k for k, v in data.items() if isinstance(v, list)]
        if len(lists) != 1:
            raise TypeError(f"expected one list in the response, found {len(lists)}")
        key = lists[0]
    page_info = conv.structure(data.get("page_info") or {}, PageInfo)
    next_params = {"after": page_info.after} if page_info.after else None
    for cursor_key, param in _OTHER_CURSORS.items():
        if data.get(cursor_key):
            next_params = {param: data[cursor_key]}
    extra = {k: v for k, v in data.items() if k not in (key, "page_info")}
    raw = data[key] or []
    entries = None
    if raw.__class__ is list:
        hook = conv.get_structure_hook(item)
        try:
            entries = [hook(entry, item) for entry in raw]
        except Exception:
            entries = None  # cattrs' list structuring below gives the detailed error
    if entries is None:
        entries = conv.structure(raw, list[item])
    return Page(
        entries=entries,
        page_info=page_info,
        next_params=next_params,
        extra=extra,
    )


def structure(data: Any, into: Any) -> Any:
    """Decode JSON data (as parsed by ``json.loads``) into a model or a typed container."""
    if getattr(into, "__origin__", None) is Page:
        return _structure_page(data, into.__args__[0])
    return _converter().structure(data, into)


def unstructure(value: Any) -> Any:
    """Encode a model (or a container of models) back into JSON-compatible data."""
    if isinstance(value, Page):
        return {**value.extra, "entries": unstructure(value.entries), "page_info": unstructure(value.page_info)}
    return _converter().unstructure(value)
