"""The fake's route table and what every handler shares: Knock's query style parsed back
into values, cursor pagination, and the readers of path ids and bodies.

Each handler takes the `State` (its lock already held) and a `Call`
(decoded path ids, Knock-style query, JSON body, headers) and returns a `Reply`.
Paths are written exactly as in Knock's OpenAPI spec.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import attrs

from knockkit.testing.stores import JsonDict, KnockFault, RKey, State, describe_key, invalid, not_found

__all__ = [
    "NO_CONTENT",
    "ROUTES",
    "Call",
    "Handler",
    "Reply",
    "body_of",
    "dispatch",
    "fault_reply",
    "items_of",
    "make_cursor",
    "object_of",
    "ok",
    "page",
    "parse_query",
    "query_bool",
    "query_list",
    "read_cursor",
    "recipient_of",
    "route",
    "user_of",
]

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


def _shown(key: str) -> str:
    return repr(key if len(key) <= 60 else key[:60] + "...")


def _key_parts(key: str) -> list[str]:
    """``a[b][0]`` -> ``["a", "b", "0"]``; ``a[]`` -> ``["a", ""]``."""
    head, _, rest = key.partition("[")
    parts = [head]
    while rest:
        inner, _, rest = rest.partition("]")
        parts.append(inner)
        if len(parts) > MAX_QUERY_DEPTH:
            raise bad_query(f"query parameter {_shown(key)} nests deeper than {MAX_QUERY_DEPTH} brackets")
        rest = rest[1:] if rest.startswith("[") else ""
    return parts


def _is_index(part: str) -> bool:
    return part.isascii() and part.isdigit()  # "²".isdigit() is true, and int("²") fails: a key


def _index(part: str, container: list[Any], key: str) -> int:
    """Where ``[part]`` goes in ``container``: its index, or the end for a key that is not one.
    An index may not skip ahead (``x[1]`` before ``x[0]``): the list would have holes."""
    if not _is_index(part):
        return len(container)
    if len(part) > 4 or int(part) > MAX_QUERY_INDEX:
        raise bad_query(f"query parameter {_shown(key)}: index [{part}] is not a number from 0 to {MAX_QUERY_INDEX}")
    if int(part) > len(container):
        raise bad_query(
            f"query parameter {_shown(key)}: index [{part}] skips list positions "
            f"(indices count up from 0; the next one here is {len(container)})"
        )
    return int(part)


def _joins_last(items: list[Any], key: str) -> bool:
    """Whether ``a[][key]=v`` belongs to the last item of ``a`` (Rack's rule, which the spec's
    ``recipients[]`` of references implies): it does while that item is a mapping without
    ``key``, so ``a[][id]=p&a[][collection]=c&a[][id]=q`` is two items (as knockapi sends them)."""
    return bool(items) and isinstance(items[-1], dict) and key not in items[-1] and key != "" and not _is_index(key)


def _new_child(part: str) -> Any:
    return [] if part == "" or _is_index(part) else {}


def _put(container: Any, parts: list[str], value: str, key: str) -> None:
    head, rest = parts[0], parts[1:]
    if isinstance(container, list):
        if head == "":
            if not rest:
                container.append(value)
                return
            if not _joins_last(container, rest[0]):
                container.append(None)
            index = len(container) - 1
        else:
            index = _index(head, container, key)
            if index == len(container):
                container.append(None)
        if not rest:
            container[index] = value
            return
        if not isinstance(container[index], (dict, list)):
            container[index] = _new_child(rest[0])
        _put(container[index], rest, value, key)
        return
    if not rest:
        container[head] = value
        return
    child = container.get(head)
    if not isinstance(child, (dict, list)):
        child = _new_child(rest[0])
        container[head] = child
    _put(child, rest, value, key)


def parse_query(query: str) -> dict[str, Any]:
    """Knock's query style back into values: ``status[]=a`` -> ``{"status": ["a"]}``,
    ``inserted_at[gte]=t`` -> ``{"inserted_at": {"gte": "t"}}``,
    ``objects[0][id]=p`` and ``objects[][id]=p&objects[][collection]=c`` ->
    ``{"objects": [{"id": "p", ...}]}``. Values stay strings; only ASCII digits make an index.
    Indices past 1,000 or skipping list positions and nesting past 8 brackets are a 400
    (``KnockFault``), so a query costs no more memory than its own length."""
    parsed: dict[str, Any] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=10_000)
    except ValueError:
        raise bad_query("the query has more than 10000 parameters") from None
    for key, value in pairs:
        _put(parsed, _key_parts(key), value, key)
    return parsed


def query_list(query: Mapping[str, Any], name: str) -> list[Any] | None:
    value = query.get(name)
    if value is None:
        return None
    return [v for v in value if v is not None] if isinstance(value, list) else [value]


def query_bool(query: Mapping[str, Any], name: str) -> bool | None:
    value = query.get(name)
    if value is None:
        return None
    if value in ("true", "false"):
        return bool(value == "true")
    raise invalid(f"{name} must be true or false")


# --- pagination ---------------------------------------------------------------------------


def make_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"fake:{seq}".encode()).decode().rstrip("=")


def read_cursor(name: str, value: object) -> int:
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
        mark = read_cursor("after", query["after"])
        chosen = [r for r in ordered if later(r["_seq"], mark)][:size]
    elif query.get("before"):
        mark = read_cursor("before", query["before"])
        chosen = [r for r in ordered if later(mark, r["_seq"])][-size:]
    else:
        chosen = ordered[:size]
    after = before = None
    if chosen:
        if position[chosen[-1]["_seq"]] < len(ordered) - 1:
            after = make_cursor(chosen[-1]["_seq"])
        if position[chosen[0]["_seq"]] > 0:
            before = make_cursor(chosen[0]["_seq"])
    page_info = {"__typename": "PageInfo", "after": after, "before": before, "page_size": size}
    return {key: [render(r) for r in chosen], "page_info": page_info}


# --- routing ------------------------------------------------------------------------------

ROUTES: list[tuple[str, tuple[str, ...], Handler]] = []


def route(method: str, template: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES.append((method, tuple(template.strip("/").split("/")), handler))
        return handler

    return register


def dispatch(state: State, method: str, segments: Sequence[str], query: Mapping[str, Any], body: Any,
             headers: Mapping[str, str]) -> Reply | None:  # fmt: skip
    """The handler's reply, or None when no route matches (Knock's router 404)."""
    best: tuple[int, Handler, dict[str, str]] | None = None
    for route_method, template, handler in ROUTES:
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


def body_of(call: Call) -> Mapping[str, Any]:
    if call.body is None:
        return {}
    if not isinstance(call.body, Mapping):
        raise invalid("the request body must be a JSON object")
    return call.body


def items_of(body: Mapping[str, Any], name: str, limit: int = 1000) -> list[Any]:
    value = body.get(name)
    if not isinstance(value, list):
        raise invalid(f"{name} must be a list")
    if len(value) > limit:
        raise invalid(f"{name} has {len(value)} items; at most {limit} are allowed")
    return value


def user_of(state: State, user_id: str) -> JsonDict:
    user = state.users.get(user_id)
    if user is None:
        raise not_found(f"the user {user_id!r}")
    return user


def object_of(state: State, collection: str, object_id: str) -> JsonDict:
    obj = state.objects.get((collection, object_id))
    if obj is None:
        raise not_found(f"the object {describe_key(('object', collection, object_id))!r}")
    return obj


def recipient_of(state: State, call: Call) -> RKey:
    """The recipient a /users/{user_id}/... or /objects/{collection}/{id}/... path names."""
    params = call.params
    if "user_id" in params:
        key: RKey = ("user", params["user_id"])
    else:
        key = ("object", params["collection"], params.get("object_id") or params["id"])
    state.require(key)
    return key



def fault_reply(fault: KnockFault) -> Reply:
    return ok(fault.body(), fault.status)
