"""Knock's HTTP surface over the fake's state: one small handler per spec path.

Each handler takes the :class:`State` (its lock already held) and a :class:`Call`
(decoded path ids, Knock-style query, JSON body, headers) and returns a :data:`Reply`.
Paths are written exactly as in Knock's OpenAPI spec.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import attrs

from knockkit.testing._state import (
    CONTENT_CHANNEL_TYPES,
    TENANTS,
    JsonDict,
    KnockFault,
    RKey,
    State,
    describe_key,
    invalid,
    not_found,
    parse_time,
    rkey_of,
)

__all__ = ["Call", "Reply", "dispatch", "parse_query"]

#: (status, JSON body or None for no body, extra headers)
Reply = tuple[int, Any, dict[str, str]]
Handler = Callable[[State, "Call"], Reply]

MAX_PAGE_SIZE = 50


@attrs.frozen
class Call:
    method: str
    params: Mapping[str, str]
    query: Mapping[str, Any]
    body: Any
    headers: Mapping[str, str]  # lower-cased names


# --- Knock's query style -------------------------------------------------------------------


# Bounds on what a query may ask the fake to build: Knock's lists hold at most 1,000 items,
# and no parameter nests deeper than a few brackets.
MAX_QUERY_INDEX = 1000
MAX_QUERY_DEPTH = 8


def bad_query(message: str) -> KnockFault:
    return KnockFault(400, "invalid_query", message)


def _key_parts(key: str) -> list[str]:
    """``a[b][0]`` -> ``["a", "b", "0"]``; ``a[]`` -> ``["a", ""]``."""
    head, _, rest = key.partition("[")
    parts = [head]
    while rest:
        inner, _, rest = rest.partition("]")
        parts.append(inner)
        if len(parts) > MAX_QUERY_DEPTH:
            raise bad_query(f"query parameter {head!r} nests deeper than {MAX_QUERY_DEPTH} brackets")
        rest = rest[1:] if rest.startswith("[") else ""
    return parts


def _index(part: str, container: list[Any]) -> int:
    if not part.isdigit():
        return len(container)
    if not part.isascii() or len(part) > 4 or int(part) > MAX_QUERY_INDEX:
        raise bad_query(f"query index [{part}] is not a number from 0 to {MAX_QUERY_INDEX}")
    return int(part)


def _put(container: Any, parts: list[str], value: str) -> None:
    head, rest = parts[0], parts[1:]
    if isinstance(container, list):
        if head == "":
            if not rest:
                container.append(value)
                return
            container.append(None)
            index = len(container) - 1
        else:
            index = _index(head, container)
            container.extend([None] * (index + 1 - len(container)))
        if not rest:
            container[index] = value
            return
        if not isinstance(container[index], (dict, list)):
            container[index] = [] if rest[0] == "" or rest[0].isdigit() else {}
        _put(container[index], rest, value)
        return
    if not rest:
        container[head] = value
        return
    child = container.get(head)
    if not isinstance(child, (dict, list)):
        child = [] if rest[0] == "" or rest[0].isdigit() else {}
        container[head] = child
    _put(child, rest, value)


def parse_query(query: str) -> dict[str, Any]:
    """Knock's query style back into values: ``status[]=a`` -> ``{"status": ["a"]}``,
    ``inserted_at[gte]=t`` -> ``{"inserted_at": {"gte": "t"}}``,
    ``objects[0][id]=p`` -> ``{"objects": [{"id": "p"}]}``. Values stay strings. Indices
    past 1,000 and nesting past 8 brackets are a 400 (``KnockFault``)."""
    parsed: dict[str, Any] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=10_000)
    except ValueError:
        raise bad_query("the query has more than 10000 parameters") from None
    for key, value in pairs:
        _put(parsed, _key_parts(key), value)
    return parsed


def _list(query: Mapping[str, Any], name: str) -> list[Any] | None:
    value = query.get(name)
    if value is None:
        return None
    return [v for v in value if v is not None] if isinstance(value, list) else [value]


def _bool(query: Mapping[str, Any], name: str) -> bool | None:
    value = query.get(name)
    if value is None:
        return None
    if value in ("true", "false"):
        return bool(value == "true")
    raise invalid(f"{name} must be true or false")


# --- pagination ---------------------------------------------------------------------------


def _cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"fake:{seq}".encode()).decode().rstrip("=")


def _read_cursor(name: str, value: object) -> int:
    try:
        text = base64.urlsafe_b64decode(str(value) + "=" * (-len(str(value)) % 4)).decode()
        if text.startswith("fake:"):
            return int(text[5:])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise invalid(f"{name} is not a cursor this server returned")


def page(
    records: Iterable[Mapping[str, Any]],
    query: Mapping[str, Any],
    render: Callable[[Any], JsonDict],
    *,
    key: str = "entries",
    newest_first: bool = False,
) -> JsonDict:
    """One page of a list with Knock's cursors (``after``, ``before``, ``page_size``)."""
    raw_size = query.get("page_size", MAX_PAGE_SIZE)
    try:
        size = int(raw_size)
    except (TypeError, ValueError):
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise invalid(f"page_size must be from 1 to {MAX_PAGE_SIZE}")
    ordered = sorted(records, key=lambda r: r["_seq"], reverse=newest_first)
    position = {r["_seq"]: i for i, r in enumerate(ordered)}

    def later(seq: int, than: int) -> bool:
        return seq < than if newest_first else seq > than

    if query.get("after"):
        mark = _read_cursor("after", query["after"])
        chosen = [r for r in ordered if later(r["_seq"], mark)][:size]
    elif query.get("before"):
        mark = _read_cursor("before", query["before"])
        chosen = [r for r in ordered if later(mark, r["_seq"])][-size:]
    else:
        chosen = ordered[:size]
    after = before = None
    if chosen:
        if position[chosen[-1]["_seq"]] < len(ordered) - 1:
            after = _cursor(chosen[-1]["_seq"])
        if position[chosen[0]["_seq"]] > 0:
            before = _cursor(chosen[0]["_seq"])
    page_info = {"__typename": "PageInfo", "after": after, "before": before, "page_size": size}
    return {key: [render(r) for r in chosen], "page_info": page_info}


# --- routing ------------------------------------------------------------------------------

_ROUTES: list[tuple[str, tuple[str, ...], Handler]] = []


def route(method: str, template: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _ROUTES.append((method, tuple(template.strip("/").split("/")), handler))
        return handler

    return register


def dispatch(state: State, method: str, segments: Sequence[str], query: Mapping[str, Any], body: Any,
             headers: Mapping[str, str]) -> Reply | None:  # fmt: skip
    """The handler's reply, or None when no route matches (Knock's router 404)."""
    best: tuple[int, Handler, dict[str, str]] | None = None
    for route_method, template, handler in _ROUTES:
        if route_method != method or len(template) != len(segments):
            continue
        params: dict[str, str] = {}
        literals = 0
        for part, segment in zip(template, segments, strict=True):
            if part.startswith("{"):
                params[part[1:-1]] = segment
            elif part == segment:
                literals += 1
            else:
                break
        else:
            # "/v1/messages/batch/content" beats "/v1/messages/{message_id}/content".
            if best is None or literals > best[0]:
                best = (literals, handler, params)
    if best is None:
        return None
    return best[1](state, Call(method, best[2], query, body, headers))


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return status, body, headers or {}


NO_CONTENT: Reply = (204, None, {})


def _body(call: Call) -> Mapping[str, Any]:
    if call.body is None:
        return {}
    if not isinstance(call.body, Mapping):
        raise invalid("the request body must be a JSON object")
    return call.body


def _items(body: Mapping[str, Any], name: str, limit: int = 1000) -> list[Any]:
    value = body.get(name)
    if not isinstance(value, list):
        raise invalid(f"{name} must be a list")
    if len(value) > limit:
        raise invalid(f"{name} has {len(value)} items; at most {limit} are allowed")
    return value


def _user(state: State, user_id: str) -> JsonDict:
    user = state.users.get(user_id)
    if user is None:
        raise not_found(f"the user {user_id!r}")
    return user


def _object(state: State, collection: str, object_id: str) -> JsonDict:
    obj = state.objects.get((collection, object_id))
    if obj is None:
        raise not_found(f"the object {describe_key(('object', collection, object_id))!r}")
    return obj


def _recipient(state: State, call: Call) -> RKey:
    """The recipient a /users/{user_id}/... or /objects/{collection}/{id}/... path names."""
    params = call.params
    if "user_id" in params:
        key: RKey = ("user", params["user_id"])
    else:
        key = ("object", params["collection"], params.get("object_id") or params["id"])
    state.require(key)
    return key


# --- users ----------------------------------------------------------------------------------


@route("GET", "/v1/users")
def list_users(state: State, call: Call) -> Reply:
    order = call.query.get("order", "asc")
    if order not in ("asc", "desc"):
        raise invalid("order must be asc or desc")
    return ok(page(state.users.values(), call.query, state.render_user, newest_first=order == "desc"))


@route("GET", "/v1/users/{user_id}")
def get_user(state: State, call: Call) -> Reply:
    return ok(state.render_user(_user(state, call.params["user_id"])))


@route("PUT", "/v1/users/{user_id}")
def identify_user(state: State, call: Call) -> Reply:
    return ok(state.render_user(state.identify_user(call.params["user_id"], _body(call))))


@route("DELETE", "/v1/users/{user_id}")
def delete_user(state: State, call: Call) -> Reply:
    state.delete_user(call.params["user_id"])
    return NO_CONTENT


@route("POST", "/v1/users/{user_id}/merge")
def merge_user(state: State, call: Call) -> Reply:
    from_user_id = _body(call).get("from_user_id")
    if not isinstance(from_user_id, str) or not from_user_id:
        raise invalid("from_user_id must be a non-empty string")
    return ok(state.render_user(state.merge_users(call.params["user_id"], from_user_id)))


@route("POST", "/v1/users/bulk/identify")
def bulk_identify_users(state: State, call: Call) -> Reply:
    def apply(user: Any) -> None:
        if not isinstance(user, Mapping) or not isinstance(user.get("id"), str):
            raise invalid("each user needs an id")
        state.identify_user(user["id"], user)

    return ok(state.bulk("users.identify", _items(_body(call), "users"), apply))


@route("POST", "/v1/users/bulk/delete")
def bulk_delete_users(state: State, call: Call) -> Reply:
    return ok(state.bulk("users.delete", _items(_body(call), "user_ids"), lambda uid: state.delete_user(str(uid))))


@route("POST", "/v1/users/bulk/preferences")
def bulk_set_user_preferences(state: State, call: Call) -> Reply:
    body = _body(call)
    prefs = body.get("preferences")
    if not isinstance(prefs, Mapping):
        raise invalid("preferences must be an object")
    set_id = str(prefs.get("id") or "default")

    def apply(user_id: Any) -> None:
        key: RKey = ("user", str(user_id))
        state.require(key)
        state.set_preferences(key, set_id, prefs)

    return ok(state.bulk("users.set_preferences", _items(body, "user_ids"), apply))


# --- preferences and channel data (users and objects) ------------------------------------------


def _list_preferences(state: State, call: Call) -> Reply:
    key = _recipient(state, call)
    sets = state.preferences.get(key) or {"default": {}}
    return ok([state.preference_set(key, set_id) for set_id in sets])


def _get_preferences(state: State, call: Call) -> Reply:
    key = _recipient(state, call)
    tenant = call.query.get("tenant")
    return ok(state.preference_set(key, call.params["id"], tenant if isinstance(tenant, str) else None))


def _set_preferences(state: State, call: Call) -> Reply:
    return ok(state.set_preferences(_recipient(state, call), call.params["id"], _body(call)))


def _unset_preferences(state: State, call: Call) -> Reply:
    state.preferences.get(_recipient(state, call), {}).pop(call.params["id"], None)
    return NO_CONTENT


def _get_channel_data(state: State, call: Call) -> Reply:
    return ok(state.render_channel_data(_recipient(state, call), call.params["channel_id"]))


def _set_channel_data(state: State, call: Call) -> Reply:
    body = _body(call)
    if "data" not in body:
        raise invalid("data is required")
    return ok(state.set_channel_data(_recipient(state, call), call.params["channel_id"], body["data"]))


def _unset_channel_data(state: State, call: Call) -> Reply:
    state.channel_data.get(_recipient(state, call), {}).pop(call.params["channel_id"], None)
    return NO_CONTENT


for _prefix in ("/v1/users/{user_id}", "/v1/objects/{collection}/{object_id}"):
    route("GET", _prefix + "/preferences")(_list_preferences)
    route("GET", _prefix + "/preferences/{id}")(_get_preferences)
    route("PUT", _prefix + "/preferences/{id}")(_set_preferences)
    route("DELETE", _prefix + "/preferences/{id}")(_unset_preferences)
    route("GET", _prefix + "/channel_data/{channel_id}")(_get_channel_data)
    route("PUT", _prefix + "/channel_data/{channel_id}")(_set_channel_data)
    route("DELETE", _prefix + "/channel_data/{channel_id}")(_unset_channel_data)


# --- objects ----------------------------------------------------------------------------------


@route("GET", "/v1/objects/{collection}")
def list_objects(state: State, call: Call) -> Reply:
    collection = call.params["collection"]
    objects = [o for (c, _), o in state.objects.items() if c == collection]
    return ok(page(objects, call.query, state.render_object))


@route("GET", "/v1/objects/{collection}/{id}")
def get_object(state: State, call: Call) -> Reply:
    return ok(state.render_object(_object(state, call.params["collection"], call.params["id"])))


@route("PUT", "/v1/objects/{collection}/{id}")
def set_object(state: State, call: Call) -> Reply:
    return ok(state.render_object(state.set_object(call.params["collection"], call.params["id"], _body(call))))


@route("DELETE", "/v1/objects/{collection}/{id}")
def delete_object(state: State, call: Call) -> Reply:
    state.delete_object(call.params["collection"], call.params["id"])
    return NO_CONTENT


@route("POST", "/v1/objects/{collection}/bulk/set")
def bulk_set_objects(state: State, call: Call) -> Reply:
    collection = call.params["collection"]

    def apply(obj: Any) -> None:
        if not isinstance(obj, Mapping) or not isinstance(obj.get("id"), str):
            raise invalid("each object needs an id")
        state.set_object(collection, obj["id"], obj)

    return ok(state.bulk("objects.set", _items(_body(call), "objects"), apply))


@route("POST", "/v1/objects/{collection}/bulk/delete")
def bulk_delete_objects(state: State, call: Call) -> Reply:
    collection = call.params["collection"]
    ids = _items(_body(call), "object_ids")
    return ok(state.bulk("objects.delete", ids, lambda oid: state.delete_object(collection, str(oid))))


@route("POST", "/v1/objects/{collection}/bulk/subscriptions/add")
def bulk_add_subscriptions(state: State, call: Call) -> Reply:
    collection = call.params["collection"]

    def apply(item: Any) -> None:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise invalid("each subscription needs the object id")
        if (collection, item["id"]) not in state.objects:
            state.set_object(collection, item["id"], {})
        state.subscribe(collection, item["id"], item.get("recipients"), item.get("properties"))

    return ok(state.bulk("objects.add_subscriptions", _items(_body(call), "subscriptions"), apply))


@route("POST", "/v1/objects/{collection}/bulk/subscriptions/delete")
def bulk_delete_subscriptions(state: State, call: Call) -> Reply:
    collection = call.params["collection"]

    def apply(item: Any) -> None:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise invalid("each subscription needs the object id")
        state.unsubscribe(collection, item["id"], item.get("recipients"))

    return ok(state.bulk("objects.delete_subscriptions", _items(_body(call), "subscriptions"), apply))


@route("GET", "/v1/objects/{collection}/{object_id}/subscriptions")
def list_object_subscriptions(state: State, call: Call) -> Reply:
    collection, object_id = call.params["collection"], call.params["object_id"]
    key: RKey = ("object", collection, object_id)
    state.require(key)
    if call.query.get("mode") == "recipient":  # what this object is subscribed to
        return _subscriptions_of(state, call, key, "objects")
    wanted = _list(call.query, "recipients")
    only = {rkey_of(r, "recipients") for r in wanted} if wanted else None
    entries = [
        {**entry, "_render": (collection, object_id, sub)}
        for sub, entry in state.subscriptions.get((collection, object_id), {}).items()
        if only is None or sub in only
    ]
    return ok(page(entries, call.query, lambda e: state.render_subscription(*e["_render"])))


@route("POST", "/v1/objects/{collection}/{object_id}/subscriptions")
def add_subscriptions(state: State, call: Call) -> Reply:
    body = _body(call)
    recipients = _items(body, "recipients", 100)
    return ok(state.subscribe(call.params["collection"], call.params["object_id"], recipients, body.get("properties")))


@route("DELETE", "/v1/objects/{collection}/{object_id}/subscriptions")
def delete_subscriptions(state: State, call: Call) -> Reply:
    recipients = _items(_body(call), "recipients", 100)
    return ok(state.unsubscribe(call.params["collection"], call.params["object_id"], recipients))


@route("GET", "/v1/users/{user_id}/subscriptions")
def list_user_subscriptions(state: State, call: Call) -> Reply:
    return _subscriptions_of(state, call, _recipient(state, call), "objects")


def _subscriptions_of(state: State, call: Call, key: RKey, filter_name: str) -> Reply:
    wanted = _list(call.query, filter_name)
    only = {(str(o.get("collection")), str(o.get("id"))) for o in wanted if isinstance(o, Mapping)} if wanted else None
    entries = [
        {**subscribers[key], "_render": (collection, object_id, key)}
        for (collection, object_id), subscribers in state.subscriptions.items()
        if key in subscribers and (only is None or (collection, object_id) in only)
    ]
    return ok(page(entries, call.query, lambda e: state.render_subscription(*e["_render"])))


# --- tenants ----------------------------------------------------------------------------------
#
# A tenant is the object $tenants/{id}: these routes read and write the objects store.


@route("GET", "/v1/tenants")
def list_tenants(state: State, call: Call) -> Reply:
    tenant_id, name = call.query.get("tenant_id"), call.query.get("name")
    tenants = [
        t for (collection, _), t in state.objects.items()
        if collection == TENANTS and tenant_id in (None, t["id"]) and name in (None, t["properties"].get("name"))
    ]  # fmt: skip
    return ok(page(tenants, call.query, state.render_tenant))


@route("GET", "/v1/tenants/{id}")
def get_tenant(state: State, call: Call) -> Reply:
    tenant = state.tenant(call.params["id"])
    if tenant is None:
        raise not_found(f"the tenant {call.params['id']!r}")
    return ok(state.render_tenant(tenant))


@route("PUT", "/v1/tenants/{id}")
def set_tenant(state: State, call: Call) -> Reply:
    return ok(state.render_tenant(state.set_tenant(call.params["id"], _body(call))))


@route("DELETE", "/v1/tenants/{id}")
def delete_tenant(state: State, call: Call) -> Reply:
    state.delete_object(TENANTS, call.params["id"])
    return NO_CONTENT


@route("POST", "/v1/tenants/bulk/set")
def bulk_set_tenants(state: State, call: Call) -> Reply:
    def apply(tenant: Any) -> None:
        if isinstance(tenant, str):
            state.set_tenant(tenant, {})
        elif isinstance(tenant, Mapping) and isinstance(tenant.get("id"), str):
            state.set_tenant(tenant["id"], tenant)
        else:
            raise invalid("each tenant must be an id or a mapping with an id")

    return ok(state.bulk("tenants.set", _items(_body(call), "tenants"), apply))


@route("POST", "/v1/tenants/bulk/delete")
def bulk_delete_tenants(state: State, call: Call) -> Reply:
    ids = _list(call.query, "tenant_ids") or []

    def apply(tenant_id: Any) -> None:
        state.delete_object(TENANTS, str(tenant_id))

    return ok(state.bulk("tenants.delete", ids, apply))


# --- audiences --------------------------------------------------------------------------------


@route("GET", "/v1/audiences/{key}/members")
def list_audience_members(state: State, call: Call) -> Reply:
    members = state.audience(call.params["key"])
    entries = [{**entry, "_member": member} for member, entry in members.items()]
    return ok(page(entries, call.query, lambda e: state.render_audience_member(e["_member"], e)))


@route("POST", "/v1/audiences/{key}/members")
def add_audience_members(state: State, call: Call) -> Reply:
    create = _bool(call.query, "create_audience") is True
    state.add_audience_members(call.params["key"], _items(_body(call), "members"), create)
    return NO_CONTENT


@route("DELETE", "/v1/audiences/{key}/members")
def remove_audience_members(state: State, call: Call) -> Reply:
    state.remove_audience_members(call.params["key"], _items(_body(call), "members"))
    return NO_CONTENT


# --- workflows --------------------------------------------------------------------------------


@route("POST", "/v1/workflows/{key}/trigger")
def trigger_workflow(state: State, call: Call) -> Reply:
    # Only trigger honours Idempotency-Key: a repeat of the same request replays the first
    # successful answer; the key reused for different parameters is an error, as in Knock.
    idempotency_key = call.headers.get("idempotency-key")
    fingerprint = json.dumps([call.params["key"], call.body], sort_keys=True, default=str)
    if idempotency_key and idempotency_key in state.idempotency:
        first, status, body = state.idempotency[idempotency_key]
        if first != fingerprint:
            raise KnockFault(
                422, "idempotency_key_reused",
                "this Idempotency-Key was used with different parameters; reuse a key only to retry the same request",
            )  # fmt: skip
        return ok(body, status, {"idempotent-replayed": "true"})
    result = state.trigger(call.params["key"], _body(call))
    if idempotency_key:
        state.idempotency[idempotency_key] = (fingerprint, 200, result)
    return ok(result)


@route("POST", "/v1/workflows/{key}/cancel")
def cancel_workflow(state: State, call: Call) -> Reply:
    state.cancel(call.params["key"], _body(call))
    return NO_CONTENT


@route("GET", "/v1/workflow_recipient_runs")
def list_runs(state: State, call: Call) -> Reply:
    query = call.query
    statuses = _list(query, "status")
    recipient = rkey_of(query["recipient"]) if query.get("recipient") else None
    runs = [
        r for r in state.runs.values()
        if query.get("workflow") in (None, r["workflow"]) and query.get("tenant") in (None, r["tenant"])
        and (statuses is None or r["status"] in statuses) and recipient in (None, r["_key"])
    ]  # fmt: skip
    return ok(page(runs, query, state.render_run, key="items", newest_first=True))


@route("GET", "/v1/workflow_recipient_runs/{id}")
def get_run(state: State, call: Call) -> Reply:
    run = state.runs.get(call.params["id"])
    if run is None:
        raise not_found(f"the workflow recipient run {call.params['id']!r}")
    return ok(state.render_run(run, events=True))


# --- messages ---------------------------------------------------------------------------------


def message_matches(message: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    """The filters of Knock's message lists, as knockkit sends them."""
    for name, field in (("tenant", "tenant"), ("channel_id", "channel_id"), ("source", "workflow")):
        if query.get(name) is not None and message.get(field) != query[name]:
            return False
    source = message["source"]
    for name in ("workflow_run_id", "workflow_recipient_run_id"):
        if query.get(name) is not None and source.get(name) != query[name]:
            return False
    statuses = _list(query, "status")
    if statuses and message["status"] not in statuses:
        return False
    ids = _list(query, "message_ids")
    if ids and message["id"] not in ids:
        return False
    categories = _list(query, "workflow_categories")
    if categories and not set(categories) & set(source.get("categories") or ()):
        return False
    engagement = _list(query, "engagement_status")
    if engagement and not any(_engaged(message, e) for e in engagement):
        return False
    return _trigger_data_matches(message, query) and _inserted_matches(message, query)


def _engaged(message: Mapping[str, Any], status: str) -> bool:
    negated = status.startswith("un")
    field = f"{status[2:] if negated else status}_at"
    if field not in message:
        raise invalid(f"unknown engagement_status {status!r}")
    return bool(message[field]) != negated


def _trigger_data_matches(message: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    raw = query.get("trigger_data")
    if raw is None:
        return True
    try:
        wanted = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise invalid("trigger_data must be a JSON-encoded object") from None
    if not isinstance(wanted, Mapping):
        raise invalid("trigger_data must be a JSON-encoded object")
    data = message.get("data") or {}
    return all(data.get(k) == v for k, v in wanted.items())


def _inserted_matches(message: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    bounds = query.get("inserted_at")
    if not isinstance(bounds, Mapping):
        return True
    inserted = parse_time(message["inserted_at"])
    assert inserted is not None
    for op, raw in bounds.items():
        limit = parse_time(raw)
        if limit is None or op not in ("gt", "gte", "lt", "lte"):
            raise invalid(f"inserted_at[{op}] must be an ISO 8601 timestamp")
        if not {"gt": inserted > limit, "gte": inserted >= limit, "lt": inserted < limit, "lte": inserted <= limit}[op]:
            return False
    return True


def _messages_reply(state: State, call: Call, messages: Iterable[Mapping[str, Any]]) -> Reply:
    chosen = [m for m in messages if message_matches(m, call.query)]
    return ok(page(chosen, call.query, state.render_message, key="items", newest_first=True))


@route("GET", "/v1/messages")
def list_messages(state: State, call: Call) -> Reply:
    return _messages_reply(state, call, state.messages.values())


@route("GET", "/v1/users/{user_id}/messages")
def list_user_messages(state: State, call: Call) -> Reply:
    key = _recipient(state, call)
    return _messages_reply(state, call, (m for m in state.messages.values() if m["_key"] == key))


@route("GET", "/v1/objects/{collection}/{id}/messages")
def list_object_messages(state: State, call: Call) -> Reply:
    key = _recipient(state, call)
    return _messages_reply(state, call, (m for m in state.messages.values() if m["_key"] == key))


@route("GET", "/v1/messages/{message_id}")
def get_message(state: State, call: Call) -> Reply:
    return ok(state.render_message(state.message(call.params["message_id"])))


@route("GET", "/v1/messages/{message_id}/content")
def get_message_content(state: State, call: Call) -> Reply:
    return ok(state.render_content(state.message(call.params["message_id"])))


@route("GET", "/v1/messages/batch/content")
def batch_get_message_content(state: State, call: Call) -> Reply:
    ids = _list(call.query, "message_ids")
    if not ids:
        raise invalid("message_ids is required")
    if len(ids) > 50:
        raise invalid(f"message_ids has {len(ids)} items; at most 50 are allowed")
    found = [state.messages[i] for i in ids if isinstance(i, str) and i in state.messages]
    return ok([state.render_content(m) for m in found if m["_channel_type"] in CONTENT_CHANNEL_TYPES])


@route("GET", "/v1/messages/{message_id}/events")
def list_message_events(state: State, call: Call) -> Reply:
    message = state.message(call.params["message_id"])
    render = functools.partial(state.render_event, message)
    return ok(page(message["_events"], call.query, render, key="items", newest_first=True))


@route("GET", "/v1/messages/{message_id}/activities")
def list_message_activities(state: State, call: Call) -> Reply:
    message = state.message(call.params["message_id"])
    activities = [{**a, "_seq": index} for index, a in enumerate(message["_activities"])]
    chosen = [a for a in activities if _trigger_data_matches(a, call.query)]
    render = functools.partial(state.render_activity, message)
    return ok(page(chosen, call.query, render, key="items", newest_first=True))


@route("GET", "/v1/messages/{message_id}/delivery_logs")
def list_message_delivery_logs(state: State, call: Call) -> Reply:
    state.message(call.params["message_id"])  # the fake calls no provider, so it logs nothing
    return ok(page([], call.query, dict, key="items", newest_first=True))


def _marker(status: str, on: bool) -> Handler:
    def mark(state: State, call: Call) -> Reply:
        message = state.message(call.params["message_id"])
        return ok(state.mark(message, status, on, _body(call).get("metadata")))

    return mark


for _status in ("seen", "read", "interacted", "archived"):
    route("PUT", f"/v1/messages/{{message_id}}/{_status}")(_marker(_status, True))
for _status, _alias in (("seen", "unseen"), ("read", "unread"), ("archived", "unarchived")):
    route("DELETE", f"/v1/messages/{{message_id}}/{_status}")(_marker(_status, False))
    route("DELETE", f"/v1/messages/{{message_id}}/{_alias}")(_marker(_status, False))

_BATCH = {
    "seen": ("seen", True), "unseen": ("seen", False), "read": ("read", True), "unread": ("read", False),
    "interacted": ("interacted", True), "archived": ("archived", True), "unarchived": ("archived", False),
}  # fmt: skip


def _batch_marker(action: str) -> Handler:
    status, on = _BATCH[action]

    def mark(state: State, call: Call) -> Reply:
        body = _body(call)
        ids = _items(body, "message_ids", 50)
        found = [state.messages[i] for i in ids if isinstance(i, str) and i in state.messages]
        return ok([state.mark(message, status, on, body.get("metadata")) for message in found])

    return mark


for _action in _BATCH:
    route("POST", f"/v1/messages/batch/{_action}")(_batch_marker(_action))


@route("POST", "/v1/channels/{channel_id}/messages/bulk/{action}")
def bulk_update_channel_messages(state: State, call: Call) -> Reply:
    action = call.params["action"]
    aliases = {"archive": "archived", "unarchive": "unarchived"}
    action = aliases.get(action, action)
    if action not in _BATCH and action != "delete":
        raise invalid(f"unknown action {call.params['action']!r}")
    body = _body(call)
    query: dict[str, Any] = {"channel_id": call.params["channel_id"], "trigger_data": body.get("trigger_data")}
    bounds = {op: body[name] for op, name in (("gt", "newer_than"), ("lt", "older_than")) if body.get(name)}
    if bounds:
        query["inserted_at"] = bounds
    if body.get("delivery_status"):
        query["status"] = [body["delivery_status"]]
    if body.get("engagement_status"):
        query["engagement_status"] = [body["engagement_status"]]
    recipients, tenants, workflows = body.get("recipient_ids"), body.get("tenants"), body.get("workflows")
    archived = body.get("archived", "include")
    chosen = [
        m for m in state.messages.values()
        if message_matches(m, query)
        and (not recipients or m["recipient"] in recipients)
        and (not tenants or m["tenant"] in tenants)
        and (not workflows or m["workflow"] in workflows)
        and (body.get("has_tenant") is None or bool(m["tenant"]) == body["has_tenant"])
        and (archived != "exclude" or not m["archived_at"]) and (archived != "only" or m["archived_at"])
    ]  # fmt: skip

    def apply(message: JsonDict) -> None:
        if action == "delete":
            state.messages.pop(message["id"], None)
        else:
            state.mark(message, *_BATCH[action])

    return ok(state.bulk(f"channels.messages.{action}", chosen, apply))


# --- feeds ------------------------------------------------------------------------------------


def _feed_matches(message: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    archived = query.get("archived", "exclude")
    if (archived == "exclude" and message["archived_at"]) or (archived == "only" and not message["archived_at"]):
        return False
    status = query.get("status", "all")
    if status != "all" and not _engaged(message, status):
        return False
    has_tenant = _bool(query, "has_tenant")
    if has_tenant is not None and bool(message["tenant"]) != has_tenant:
        return False
    narrowed = {k: query[k] for k in ("source", "tenant", "workflow_categories", "trigger_data", "inserted_at")
                if k in query}  # fmt: skip
    return message_matches(message, narrowed)


@route("GET", "/v1/users/{user_id}/feeds/{id}")
def list_feed_items(state: State, call: Call) -> Reply:
    key = _recipient(state, call)
    feed = [
        m for m in state.messages.values()
        if m["_key"] == key and m["_channel_type"] == "in_app_feed" and m["channel_id"] == call.params["id"]
    ]  # fmt: skip
    chosen = [m for m in feed if _feed_matches(m, call.query)]
    result = page(chosen, call.query, state.render_feed_item, newest_first=True)
    unarchived = [m for m in feed if not m["archived_at"]]
    result["meta"] = {
        "__typename": "FeedMetadata",
        "total_count": len(chosen),
        "unread_count": sum(1 for m in unarchived if not m["read_at"]),
        "unseen_count": sum(1 for m in unarchived if not m["seen_at"]),
    }
    result["vars"] = {}
    return ok(result)


@route("GET", "/v1/users/{user_id}/feeds/{id}/settings")
def feed_settings(state: State, call: Call) -> Reply:
    _recipient(state, call)
    return ok({"features": {"branding_required": False}})


# --- schedules --------------------------------------------------------------------------------


def _schedules_reply(state: State, call: Call, key: RKey | None) -> Reply:
    query = call.query
    wanted = _list(query, "recipients")
    only = {rkey_of(r, "recipients") for r in wanted} if wanted else None
    chosen = [
        s for s in state.schedules.values()
        if query.get("workflow") in (None, s["workflow"]) and query.get("tenant") in (None, s["tenant"])
        and key in (None, s["_key"]) and (only is None or s["_key"] in only)
    ]  # fmt: skip
    return ok(page(chosen, query, state.render_schedule))


@route("GET", "/v1/schedules")
def list_schedules(state: State, call: Call) -> Reply:
    if not call.query.get("workflow"):
        raise invalid("workflow is required")
    return _schedules_reply(state, call, None)


@route("GET", "/v1/users/{user_id}/schedules")
def list_user_schedules(state: State, call: Call) -> Reply:
    return _schedules_reply(state, call, _recipient(state, call))


@route("GET", "/v1/objects/{collection}/{id}/schedules")
def list_object_schedules(state: State, call: Call) -> Reply:
    return _schedules_reply(state, call, _recipient(state, call))


@route("POST", "/v1/schedules")
def create_schedules(state: State, call: Call) -> Reply:
    body = _body(call)
    recipients = _items(body, "recipients", 100)
    created = [state.create_schedule(body, recipient) for recipient in recipients]
    for schedule in created:
        state.schedules[schedule["id"]] = schedule
    return ok([state.render_schedule(s) for s in created])


def _schedules_named(state: State, body: Mapping[str, Any]) -> list[JsonDict]:
    ids = _items(body, "schedule_ids", 100)
    missing = [i for i in ids if i not in state.schedules]
    if missing:
        raise not_found(f"the schedule(s) {missing}")
    return [state.schedules[i] for i in ids]


@route("PUT", "/v1/schedules")
def update_schedules(state: State, call: Call) -> Reply:
    body = _body(call)
    chosen = _schedules_named(state, body)
    changes = {k: v for k, v in body.items() if k != "schedule_ids"}
    for schedule in chosen:
        state.update_schedule(schedule, changes)
    return ok([state.render_schedule(s) for s in chosen])


@route("DELETE", "/v1/schedules")
def delete_schedules(state: State, call: Call) -> Reply:
    chosen = _schedules_named(state, _body(call))
    for schedule in chosen:
        del state.schedules[schedule["id"]]
    return ok([state.render_schedule(s) for s in chosen])


@route("POST", "/v1/schedules/bulk/create")
def bulk_create_schedules(state: State, call: Call) -> Reply:
    def apply(item: Any) -> None:
        if not isinstance(item, Mapping) or "recipient" not in item:
            raise invalid("each schedule needs a workflow and a recipient")
        schedule = state.create_schedule(item, item["recipient"])
        state.schedules[schedule["id"]] = schedule

    return ok(state.bulk("schedules.create", _items(_body(call), "schedules"), apply))


# --- chat providers: Slack and Microsoft Teams -------------------------------------------------
#
# The token holder is an object named in the query (JSON); it is connected when its channel
# data for the Knock channel holds a Slack token or a Teams tenant id. What Slack and Graph
# would list comes from the test (FakeKnock.add_slack_channels and friends).

#: Knock's answer (and the fake's auth-check reason) when the holder has no token.
NOT_CONNECTED = "Access token not set."


def _holder(call: Call, name: str) -> RKey:
    """The object a JSON-encoded ``{"object_id", "collection"}`` query parameter names."""
    raw = call.query.get(name)
    if not isinstance(raw, str) or not raw:
        raise invalid(f"{name} is required")
    try:
        ref = json.loads(raw)
    except ValueError:
        ref = None
    names = ("object_id", "collection")
    if not isinstance(ref, Mapping) or not all(isinstance(ref.get(k), str) and ref[k] for k in names):
        raise invalid(f'{name} must be a JSON-encoded {{"object_id": ..., "collection": ...}}')
    return ("object", ref["collection"], ref["object_id"])


def _connected(token: str | None) -> None:
    """Knock's 403 for a list or a revoke when the holder has no token."""
    if token is None:
        raise KnockFault(403, "authorization", NOT_CONNECTED, "authentication_error")


def _provider_page(items: list[JsonDict], options: Mapping[str, Any], cursor: str, size: str,
                   default: int, maximum: int) -> tuple[list[JsonDict], str | None]:  # fmt: skip
    """A provider's page: ``options[size]`` items from the offset ``options[cursor]`` encodes,
    and the cursor of the next page (None on the last)."""
    raw_size = options.get(size, default)
    try:
        limit = int(raw_size)
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= maximum:
        raise invalid(f"query_options[{size}] must be from 1 to {maximum}")
    start = 0
    if options.get(cursor):
        start = _read_cursor(f"query_options[{cursor}]", options[cursor])
    following = start + limit
    return items[start:following], (_cursor(following) if following < len(items) else None)


def _options(call: Call) -> Mapping[str, Any]:
    options = call.query.get("query_options")
    return options if isinstance(options, Mapping) else {}


def _slack_type(channel: Mapping[str, Any]) -> str:
    if channel.get("is_im"):
        return "im"
    if channel.get("is_mpim"):
        return "mpim"
    return "private_channel" if channel.get("is_private") else "public_channel"


@route("GET", "/v1/providers/slack/{channel_id}/auth_check")
def slack_auth_check(state: State, call: Call) -> Reply:
    if state.slack_token(_holder(call, "access_token_object"), call.params["channel_id"]):
        return ok({"connection": {"ok": True}})
    return ok({"connection": {"ok": False, "reason": NOT_CONNECTED}})


@route("GET", "/v1/providers/slack/{channel_id}/channels")
def list_slack_channels(state: State, call: Call) -> Reply:
    channel_id = call.params["channel_id"]
    _connected(state.slack_token(_holder(call, "access_token_object"), channel_id))
    options = _options(call)
    types = set(str(options.get("types") or "public_channel,private_channel").split(","))
    exclude_archived = _bool(options, "exclude_archived") is not False  # Knock's default: true
    team_id = options.get("team_id")
    kept = [
        c for c in state.slack_channels.get(channel_id, [])
        if _slack_type(c) in types and not (exclude_archived and c.get("is_archived"))
        and team_id in (None, c.get("context_team_id"))
    ]  # fmt: skip
    chosen, next_cursor = _provider_page(kept, options, "cursor", "limit", 200, 1000)
    return ok({"slack_channels": chosen, "next_cursor": next_cursor})


@route("PUT", "/v1/providers/slack/{channel_id}/revoke_access")
def revoke_slack_access(state: State, call: Call) -> Reply:
    holder, channel_id = _holder(call, "access_token_object"), call.params["channel_id"]
    _connected(state.slack_token(holder, channel_id))
    state.revoke_chat_access(holder, channel_id, "token")
    return ok({"ok": "ok"})


@route("GET", "/v1/providers/ms-teams/{channel_id}/auth_check")
def ms_teams_auth_check(state: State, call: Call) -> Reply:
    tenant_id = state.ms_teams_tenant_id(_holder(call, "ms_teams_tenant_object"), call.params["channel_id"])
    if tenant_id:
        return ok({"connection": {"ok": True, "ms_teams_tenant_id": tenant_id}})
    return ok({"connection": {"ok": False, "reason": NOT_CONNECTED, "ms_teams_tenant_id": None}})


@route("GET", "/v1/providers/ms-teams/{channel_id}/teams")
def list_ms_teams_teams(state: State, call: Call) -> Reply:
    channel_id = call.params["channel_id"]
    _connected(state.ms_teams_tenant_id(_holder(call, "ms_teams_tenant_object"), channel_id))
    # $filter and $select are Graph's OData: recorded, not evaluated.
    teams = state.ms_teams_teams.get(channel_id, [])
    chosen, skip_token = _provider_page(teams, _options(call), "$skiptoken", "$top", 100, 999)
    return ok({"ms_teams_teams": chosen, "skip_token": skip_token})


@route("GET", "/v1/providers/ms-teams/{channel_id}/channels")
def list_ms_teams_channels(state: State, call: Call) -> Reply:
    channel_id = call.params["channel_id"]
    _connected(state.ms_teams_tenant_id(_holder(call, "ms_teams_tenant_object"), channel_id))
    team_id = call.query.get("team_id")
    if not isinstance(team_id, str) or not team_id:
        raise invalid("team_id is required")
    channels = [  # archived and private channels are left out, as Knock does by default
        c for c in state.ms_teams_channels.get((channel_id, team_id), [])
        if not c.get("isArchived") and c.get("membershipType") != "private"
    ]  # fmt: skip
    return ok({"ms_teams_channels": channels})


@route("PUT", "/v1/providers/ms-teams/{channel_id}/revoke_access")
def revoke_ms_teams_access(state: State, call: Call) -> Reply:
    holder, channel_id = _holder(call, "ms_teams_tenant_object"), call.params["channel_id"]
    _connected(state.ms_teams_tenant_id(holder, channel_id))
    state.revoke_chat_access(holder, channel_id, "ms_teams_tenant_id")
    return ok({"ok": "ok"})


# --- bulk operations --------------------------------------------------------------------------


@route("GET", "/v1/bulk_operations/{id}")
def get_bulk_operation(state: State, call: Call) -> Reply:
    operation = state.bulk_operations.get(call.params["id"])
    if operation is None:
        raise not_found(f"the bulk operation {call.params['id']!r}")
    return ok(operation)


def fault_reply(fault: KnockFault) -> Reply:
    return ok(fault.body(), fault.status)
