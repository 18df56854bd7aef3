"""The one entry point: every request knockkit sends goes through ``request``.

Path, query and body encoding and decoding live here; the rules every attempt obeys
(retries, Retry-After, body budgets, errors, redaction) live in ``_transport.policy`` and
the wire in ``_transport.sync``. Endpoint functions only name the method, the path
template (as written in Knock's OpenAPI spec), the ids, the query, the body and the type
to return.
"""

from __future__ import annotations

import datetime as _dt
import enum
import json as _json
import math
import os
import re
from collections.abc import Callable, Coroutine, Iterable, Mapping
from contextvars import ContextVar
from typing import Any, TypeVar, overload
from urllib.parse import quote

from knockkit import _guard
from knockkit._checks import MAX_USER_ID_LENGTH, check_header_value, check_id
from knockkit._client import AsyncClient, Client
from knockkit._transport import policy
from knockkit._transport.sync import execute
from knockkit.models._codec import structure

__all__ = [
    "CAPTURED",
    "AnyJson",
    "encode_body",
    "encode_json",
    "encode_query",
    "new_idempotency_key",
    "request",
    "segment",
]

T = TypeVar("T")

MAX_IDEMPOTENCY_KEY_LENGTH = 255
MAX_PAGE_SIZE = 50


# --- encoding ------------------------------------------------------------------------


def segment(name: str, value: object) -> str:
    """Check an id and percent-encode it as exactly one path segment.

    Args:
        name: the argument's name, as errors name it; a ``user_id`` is at most 256 characters.
        value: the id: a non-empty string, not ``.`` or ``..``, without ``/`` or ``#``.

    Returns:
        The id, percent-encoded.

    Raises:
        TypeError: ``value`` is not a string.
        ValueError: ``value`` breaks one of the rules above, or is not valid Unicode text.
    """
    # Most ids: unreserved characters only, so nothing to encode (quote is Python code) and
    # nothing check_id refuses, once "." and ".." and the user id length are ruled out.
    if (
        value.__class__ is str
        and _UNRESERVED.fullmatch(value)
        and len(value) <= MAX_USER_ID_LENGTH
        and value not in _DOTS
    ):
        return value
    checked = check_id(name, value, user=name == "user_id")
    try:
        return quote(checked, safe="$:@")
    except UnicodeEncodeError:  # a lone surrogate, e.g. from a badly decoded file name
        raise ValueError(f"{name} is not valid Unicode text (it holds a lone surrogate): {value!r}") from None


#: What ``quote(..., safe="$:@")`` leaves as it is, and what ``quote(..., safe="")`` does.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~$:@-]+")
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]+")
_DOTS = (".", "..")


def _format_time(value: _dt.datetime | _dt.date) -> str:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            raise ValueError("datetimes sent to Knock must be timezone-aware (for example tzinfo=UTC)")
        return value.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def _scalar(value: object, where: str) -> object:
    """The one rule for values outside JSON's own types, in a query or a body: enums by
    value, datetimes as ISO 8601 in UTC, and no NaN or infinity (not JSON)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where} is {value}; Knock takes only finite numbers")
    if isinstance(value, (_dt.datetime, _dt.date)):
        return _format_time(value)
    return value


def _add_query(pairs: list[tuple[str, str]], key: str, value: object) -> None:
    if value.__class__ is str:  # the usual values (a cursor, an id, a status; page_size), first
        pairs.append((key, value))
        return
    if value.__class__ is int:
        pairs.append((key, str(value)))
        return
    value = _scalar(value, f"query parameter {key!r}")
    if value is None:
        return
    if isinstance(value, bool):
        pairs.append((key, "true" if value else "false"))
    elif isinstance(value, str):
        pairs.append((key, value))
    elif isinstance(value, (int, float)):
        pairs.append((key, str(value)))
    elif isinstance(value, (list, tuple)):
        # Knock reads lists of objects by index (objects[0][id]=...) and lists of scalars as
        # a[]=...; a list mixing both is indexed throughout, or the two forms would collide.
        indexed = any(isinstance(item, Mapping) for item in value)
        for index, item in enumerate(value):
            _add_query(pairs, f"{key}[{index}]" if indexed else key + "[]", item)
    elif isinstance(value, Mapping):
        for sub, item in value.items():
            _add_query(pairs, f"{key}[{sub}]", item)
    else:
        raise TypeError(f"query parameter {key!r} cannot be a {type(value).__name__}")


def encode_query(params: Mapping[str, object]) -> str:
    """Knock's query style: ``a[]=1&a[]=2`` for lists, ``k[sub]=v`` for nested keys
    (``objects[0][id]=...`` for mappings inside lists),
    ``true``/``false`` for booleans; ``None`` means the parameter is not sent."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        _add_query(pairs, key, value)
    # Brackets are percent-encoded (%5B %5D), as RFC 3986 asks and urllib3 would do anyway;
    # Knock decodes the name before reading its brackets.
    return "&".join(f"{_quoted(k)}={_quoted(v)}" for k, v in pairs)


def _quoted(text: str) -> str:
    return text if _PLAIN.fullmatch(text) else quote(text, safe="")


def _json_default(value: object) -> object:
    converted = _scalar(value, "value")
    if converted is value:
        raise TypeError(type(value).__name__)
    return converted


def _place(path: tuple[object, ...]) -> str:
    return str(path[0]) + "".join(f"[{part!r}]" for part in path[1:])


def _locate_unencodable(value: object, path: tuple[object, ...]) -> str | None:
    """The first place in a body json.dumps cannot encode, e.g. ``data['when']``."""
    stack: list[tuple[object, tuple[object, ...], frozenset[int]]] = [(value, path, frozenset())]
    while stack:
        item, where, open_ = stack.pop()
        if isinstance(item, (Mapping, list, tuple)):
            if id(item) in open_:
                return f"{_place(where)} (a reference to a container it is inside of)"
            inner = open_ | {id(item)}
            pairs = item.items() if isinstance(item, Mapping) else enumerate(item)
            for key, child in reversed(list(pairs)):
                if isinstance(item, Mapping) and not isinstance(key, str):
                    return f"{_place(where)} key {key!r}"
                stack.append((child, (*where, key), inner))
            continue
        if isinstance(item, _dt.datetime) and item.tzinfo is None:
            return f"{_place(where)} (a datetime without a timezone)"
        if isinstance(item, float) and not math.isfinite(item):
            return f"{_place(where)} (={item})"
        if not (item is None or isinstance(item, (str, int, float, enum.Enum, _dt.date))):
            return f"{_place(where)} (a {type(item).__name__})"
    return None


def _non_string_key(value: object, path: tuple[object, ...]) -> str | None:
    """json.dumps writes ``{1: "a"}`` as ``{"1": "a"}`` (and ``{1: .., "1": ..}`` as two equal
    keys): find such a key instead. Iterative, so any depth json.dumps accepted is walked.
    Containers whose keys are all ``str`` and whose values hold nothing nested are passed
    over by set checks in C (most bodies are that), without a Python loop."""
    if value.__class__ in _LEAVES or not isinstance(value, _CONTAINERS):
        return None
    stack: list[tuple[Any, tuple[object, ...]]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, (list, tuple)):
            if _LEAVES.issuperset(map(type, item)):
                continue
            pairs: Iterable[tuple[object, object]] = enumerate(item)
        else:  # a mapping: nothing else is pushed
            if not _STR.issuperset(map(type, item)):
                for key in item:
                    if not isinstance(key, str):
                        return f"{_place(where)} key {key!r} cannot be sent as JSON: keys must be strings"
            if _LEAVES.issuperset(map(type, item.values())):
                continue
            pairs = item.items()
        for key, child in pairs:
            if child.__class__ not in _LEAVES and isinstance(child, _CONTAINERS):
                stack.append((child, (*where, key)))
    return None


#: Values with nothing inside: the walk above skips them without asking the Mapping ABC (a
#: Python-level check); the plain containers are tried before it, for the same reason.
_LEAVES = frozenset({str, int, float, bool, type(None)})
_STR = frozenset({str})
_CONTAINERS = (dict, list, tuple, Mapping)
_ascii = _json.encoder.encode_basestring_ascii


def _c_encoder() -> Any:
    """json's own C encoder factory, as ``json.dumps`` calls it, if it is here and answers as
    expected (it is not documented: a Python that changed it gets ``json.dumps`` instead)."""
    make = getattr(_json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    try:
        probe = "".join(make({}, None, _ascii, None, ":", ",", False, False, False)({"a": [1, 2.5, None]}, 0))
    except Exception:
        return None
    return make if probe == '{"a":[1,2.5,null]}' else None


#: Made per call as ``json.dumps`` makes it (``markers`` is per call), without the Python
#: layers around it: ``dumps``, a new ``JSONEncoder``, ``iterencode``.
_c_make_encoder = _c_encoder()


def _dumps(value: object) -> str:
    if _c_make_encoder is None:  # pragma: no cover - CPython has it
        return _json.dumps(value, separators=(",", ":"), default=_json_default, allow_nan=False)
    chunks = _c_make_encoder({}, _json_default, _ascii, None, ":", ",", False, False, False)(value, 0)
    return "".join(chunks)


def encode_json(value: object, where: str = "body") -> str:
    """JSON text for a body or a JSON-encoded parameter, naming the place that cannot be sent."""
    try:
        text = _dumps(value)
    except RecursionError:
        raise ValueError(f"{where} is nested too deeply to send as JSON") from None
    except (TypeError, ValueError) as exc:
        place = _locate_unencodable(value, (where,)) or where
        raise TypeError(f"{place} cannot be sent as JSON: {exc}") from None
    problem = _non_string_key(value, (where,))
    if problem:
        raise TypeError(problem)
    return text


def encode_body(body: object) -> bytes:
    """JSON-encode a request body, naming the field that cannot be encoded."""
    return encode_json(body).encode()


def new_idempotency_key() -> str:
    """A random UUID (version 4), as ``str(uuid.uuid4())`` writes it, made without the uuid
    module (its import and its UUID object cost more than the key)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


# --- the executor --------------------------------------------------------------------


@overload
def request(
    client: Client,
    method: str,
    template: str,
    /,
    *,
    into: type[T],
    query: Mapping[str, object] | None = ...,
    json: object = ...,
    idempotency_key: str | None = ...,
    retry_safe: bool | None = ...,
    **path_params: str,
) -> T: ...


@overload
def request(
    client: Client,
    method: str,
    template: str,
    /,
    *,
    into: None = ...,
    query: Mapping[str, object] | None = ...,
    json: object = ...,
    idempotency_key: str | None = ...,
    retry_safe: bool | None = ...,
    **path_params: str,
) -> None: ...


def request(
    client: Client | AsyncClient,
    method: str,
    template: str,
    /,
    *,
    into: Any = None,
    query: Mapping[str, object] | None = None,
    json: object = None,
    idempotency_key: str | None = None,
    retry_safe: bool | None = None,
    **path_params: str,
) -> Any:
    """Send one logical request (with its retries) and decode the response.

    ``template`` is the spec's path (``/v1/users/{user_id}``); ``path_params`` fill it,
    each validated and encoded as one segment. ``into`` is the type to decode the JSON
    body into (``None``: the body is not read; ``dict``: returned as decoded JSON).
    ``retry_safe`` defaults to True for every method but POST, and to True for a POST
    that carries an ``idempotency_key``.

    With a ``Client`` this returns the result; with an ``AsyncClient``, a coroutine of it.
    Everything that can be checked before the network is checked here, at call time, for both.
    """
    if not isinstance(client, (Client, AsyncClient)):
        raise TypeError(
            f"the first argument must be a knockkit.Client or knockkit.AsyncClient, not {type(client).__name__}"
        )
    if _guard.check is not None:  # set by the pytest plugin during a test
        _guard.check(client.base_url)
    path = template
    if path_params:
        segments = {}
        for name, value in path_params.items():  # (a loop: a comprehension is one more frame)
            segments[name] = segment(name, value)
        path = template.format_map(segments)
    url = client.base_url + path
    if query:
        page_size = query.get("page_size")
        if page_size is not None and (
            isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE
        ):
            raise ValueError(f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}, got {page_size!r}")
        encoded = encode_query(query)
        if encoded:
            url += "?" + encoded
    headers = {}  # this request's own: the executor adds the client's (_headers.client_headers)
    if client.branch:
        headers["X-Knock-Branch"] = client.branch
    body = None
    if json is not None:
        body = encode_body(json)
        headers["Content-Type"] = "application/json"
    if idempotency_key is not None:
        headers["Idempotency-Key"] = check_header_value("idempotency_key", idempotency_key, spaces=True)
    if retry_safe is None:
        retry_safe = method != "POST" or idempotency_key is not None
    if isinstance(client, AsyncClient):
        return (_aexecute or _load_aio())(client, method, template, path, url, body, headers, retry_safe, into)
    return finish(client, method, path, execute(client, method, template, path, url, body, headers, retry_safe), into)


_aexecute: Callable[..., Coroutine[Any, Any, Any]] | None = None


def _load_aio() -> Callable[..., Coroutine[Any, Any, Any]]:
    """The aiohttp executor, imported on the first async request (and aiohttp with it)."""
    global _aexecute
    from knockkit._transport import aio

    _aexecute = aio.execute
    return aio.execute


#: Set by ``knockkit.with_response`` for the calls it makes: the final outcome of every request
#: is appended to the list. Read once per request; unset (``None``), it costs nothing more.
CAPTURED: ContextVar[list[policy.Outcome] | None] = ContextVar("knockkit_captured", default=None)


class AnyJson:
    """``into=AnyJson``: the decoded JSON, whatever its shape (``None`` for an empty body)."""


def finish(client: Client | AsyncClient, method: str, path: str, outcome: policy.Outcome, into: Any) -> Any:
    """The caller's result of a final outcome, or the error it comes to."""
    captured = CAPTURED.get()
    if captured is not None:
        captured.append(outcome)
    # (One test for the usual answer: an attempt that got no response has status 0.)
    if not 200 <= outcome.status < 300 or outcome.overflow or outcome.encoding is not None:
        if outcome.failure is not None:
            raise policy.connection_error(client, method, path, outcome)
        if not 200 <= outcome.status < 300:
            raise policy.api_error(client, method, path, outcome)
        raise policy.oversized(client, method, path, outcome)
    body = outcome.body
    if into is None or (into is AnyJson and not body):
        return None
    # Parse the JSON body and structure it into ``into``; a clear error if it does not fit.
    if not body:
        raise policy.invalid_response(client, method, path, outcome, "expected a JSON body, got an empty one")
    # The errors are raised outside except blocks: the exceptions they replace quote the
    # body (which may echo the key) and would stay reachable as __context__.
    is_json, parsed = policy.parse_json(body)
    if not is_json:
        raise policy.invalid_response(client, method, path, outcome, "the response is not JSON")
    if into is AnyJson:
        return parsed
    if into is dict:
        if not isinstance(parsed, dict):
            raise policy.invalid_response(client, method, path, outcome, "expected a JSON object", parsed)
        return parsed
    try:
        return structure(parsed, into)
    except Exception as exc:  # RecursionError included: a shape nested past what decoding follows
        problem = _first_error(exc)
    name = getattr(into, "__name__", str(into))
    why = f"the response does not fit {name} ({problem})"
    raise policy.invalid_response(client, method, path, outcome, why, parsed)


def _first_error(exc: BaseException) -> str:
    # cattrs groups errors; the innermost message is the useful one.
    while True:
        inner = getattr(exc, "exceptions", None)
        if not inner:
            return f"{type(exc).__name__}: {exc}"
        exc = inner[0]
