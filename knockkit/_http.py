"""The one executor: every request knockkit sends goes through :func:`request`.

Headers, path and query encoding, retries, status-to-error mapping and decoding live
here and nowhere else. Endpoint functions only name the method, the path template (as
written in Knock's OpenAPI spec), the ids, the query, the body and the type to return.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json as _json
import logging
import os
import platform
import random
import re
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any, TypeVar, overload
from urllib.parse import quote

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    InvalidHeader,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

from knockkit._client import Client
from knockkit._version import __version__
from knockkit.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    RateLimitError,
    error_for_status,
)

__all__ = ["encode_query", "new_idempotency_key", "request", "segment"]

T = TypeVar("T")

logger = logging.getLogger("knockkit")

USER_AGENT = f"knockkit/{__version__} python/{platform.python_version()}"
MAX_ID_LENGTH = 256
MAX_IDEMPOTENCY_KEY_LENGTH = 255
MAX_PAGE_SIZE = 50
# Statuses worth another attempt: timeouts, lock conflicts, rate limits, server errors.
RETRY_STATUSES = frozenset({408, 409, 429, *range(500, 600)})
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_EXCERPT_CHARS = 200


# --- transport -----------------------------------------------------------------------

_pool_lock = threading.Lock()
_shared: urllib3.PoolManager | None = None


def _shared_pool() -> urllib3.PoolManager:
    """One pool manager for the process: clients with the same base URL share a pool.

    maxsize is the number of idle connections kept per host; beyond it, extra
    connections are opened for concurrent threads and closed after use.
    """
    global _shared
    pool = _shared
    if pool is None:
        with _pool_lock:
            if _shared is None:
                _shared = urllib3.PoolManager(num_pools=16, maxsize=32)
            pool = _shared
    return pool


def _forget_pool_in_child() -> None:
    # A forked child must never write to its parent's sockets: start with no pool.
    global _shared, _pool_lock
    _shared = None
    _pool_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_in_child)


# --- retries -----------------------------------------------------------------------


class _Retry(Retry):
    """urllib3's Retry with the official SDKs' backoff: 0.5 s * 2**n, at most 8 s, jittered.

    (urllib3's own backoff does not wait at all before the first retry.)
    """

    attempts = 1

    def __init__(self, *args: Any, max_retry_after: float = 60.0, **kwargs: Any) -> None:
        # Our own cap on Retry-After: urllib3's retry_after_max exists only from 2.7, and is an int.
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after

    def new(self, **kwargs: Any) -> _Retry:
        new = super().new(**kwargs)
        new.max_retry_after = self.max_retry_after
        return new

    def get_backoff_time(self) -> float:
        errors = len(self.history)
        if errors == 0:
            return 0.0
        delay: float = min(self.backoff_factor * 2 ** (errors - 1), self.backoff_max)
        return delay * (1 - 0.25 * random.random())

    def increment(self, *args: Any, **kwargs: Any) -> _Retry:
        try:
            new = super().increment(*args, **kwargs)
        except Exception as exc:
            # Remember how many attempts were made, for the error knockkit raises.
            exc.__dict__["_knockkit_attempts"] = len(self.history) + 1
            raise
        new.attempts = len(new.history) + 1
        return new

    def get_retry_after(self, response: urllib3.BaseHTTPResponse) -> float | None:
        # A Retry-After that is neither seconds nor an HTTP date is ignored (the usual
        # backoff applies); urllib3 would raise InvalidHeader, which knockkit would have
        # reported as a connection error although the server answered.
        try:
            seconds = super().get_retry_after(response)
        except InvalidHeader:
            return None
        return None if seconds is None else min(seconds, self.max_retry_after)


@functools.lru_cache(maxsize=64)
def _retry_policy(retries: int, backoff: float, max_retry_after: float, safe: bool) -> _Retry:
    """The Retry for a request; cached because Retry values are immutable.

    ``safe`` requests (idempotent methods, or POSTs with an idempotency key or that are
    idempotent by nature) are retried on connection errors, read errors and retryable
    statuses. Other POSTs are retried only when the request never reached the server.
    """
    return _Retry(
        total=retries,
        connect=retries,
        read=retries if safe else 0,
        status=retries,
        other=retries if safe else 0,
        redirect=0,
        raise_on_redirect=False,
        raise_on_status=False,
        # An empty allowed_methods would mean "every verb"; name them explicitly.
        allowed_methods=_IDEMPOTENT_METHODS | {"POST", "PATCH"} if safe else _IDEMPOTENT_METHODS,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff,
        backoff_max=8.0,
        respect_retry_after_header=True,
        max_retry_after=max_retry_after,
    )


@functools.lru_cache(maxsize=64)
def _timeout(connect: float, read: float) -> urllib3.Timeout:
    return urllib3.Timeout(connect=connect, read=read)


# --- encoding ------------------------------------------------------------------------


def segment(name: str, value: object) -> str:
    """Validate an id and percent-encode it as exactly one path segment."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    if value in (".", ".."):
        raise ValueError(f"{name} must not be '.' or '..'")
    if "/" in value or "#" in value:
        raise ValueError(f"{name} must not contain '/' or '#' (got {value!r})")
    if name == "user_id" and len(value) > MAX_ID_LENGTH:
        raise ValueError(f"user_id is {len(value)} characters long; Knock allows at most {MAX_ID_LENGTH}")
    try:
        return quote(value, safe="$:@")
    except UnicodeEncodeError:  # a lone surrogate, e.g. from a badly decoded file name
        raise ValueError(f"{name} is not valid Unicode text (it holds a lone surrogate): {value!r}") from None


def _format_time(value: _dt.datetime | _dt.date) -> str:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            raise ValueError("datetimes sent to Knock must be timezone-aware (for example tzinfo=UTC)")
        return value.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def _add_query(pairs: list[tuple[str, str]], key: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        pairs.append((key, "true" if value else "false"))
    elif isinstance(value, (str, int, float)):
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
    elif isinstance(value, (_dt.datetime, _dt.date)):
        pairs.append((key, _format_time(value)))
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
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


def _json_default(value: object) -> object:
    if isinstance(value, (_dt.datetime, _dt.date)):
        return _format_time(value)
    raise TypeError(type(value).__name__)


def _locate_unencodable(value: object, where: str, _open: frozenset[int] = frozenset()) -> str | None:
    """The first place in a body json.dumps cannot encode, e.g. ``data['when']``."""
    if isinstance(value, (Mapping, list, tuple)):
        if id(value) in _open:
            return f"{where} (a reference to a container it is inside of)"
        _open = _open | {id(value)}
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{where} key {key!r}"
            found = _locate_unencodable(item, f"{where}[{key!r}]", _open)
            if found:
                return found
        return None
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = _locate_unencodable(item, f"{where}[{index}]", _open)
            if found:
                return found
        return None
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return f"{where} (={value})"
    if isinstance(value, _dt.datetime) and value.tzinfo is None:
        return f"{where} (a datetime without a timezone)"
    if value is None or isinstance(value, (str, int, float, bool, _dt.datetime, _dt.date)):
        return None
    return f"{where} (a {type(value).__name__})"


def encode_body(body: object) -> bytes:
    """JSON-encode a request body, naming the field that cannot be encoded."""
    try:
        return _json.dumps(body, separators=(",", ":"), default=_json_default, allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        place = _locate_unencodable(body, "body") or "body"
        raise TypeError(f"{place} cannot be sent as JSON: {exc}") from None


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


# --- errors --------------------------------------------------------------------------

_SECRETISH = re.compile(r"(sk|pk)_[A-Za-z0-9_\-]{6,}|Bearer\s+\S+")


def _redact(text: str, client: Client) -> str:
    """Text from the server, as shown in errors: the client's key, and anything like a key, removed."""
    return _SECRETISH.sub("[REDACTED]", text.replace(client.api_key, "[REDACTED]"))


def _excerpt(data: bytes, client: Client) -> str:
    text = _redact(data[: _EXCERPT_CHARS * 4].decode("utf-8", "replace"), client)
    text = " ".join(text.split())
    return text[:_EXCERPT_CHARS] + ("..." if len(text) > _EXCERPT_CHARS else "")


def _error(client: Client, method: str, path: str, response: urllib3.BaseHTTPResponse) -> APIError:
    status = response.status
    data = response.data
    body: Any = None
    try:
        body = _json.loads(data) if data else None
    except ValueError:
        body = None
    fields = body if isinstance(body, dict) else {}
    message = fields.get("message")
    if isinstance(message, str) and message:
        message = _redact(message, client)  # a server may echo the Authorization header
    else:
        message = response.reason or "error"
        if data and body is None:
            message += f": {_excerpt(data, client)}"
    code = fields.get("code")
    kwargs: dict[str, Any] = {
        "code": _redact(code, client) if isinstance(code, str) else None,
        "type": fields.get("type") if isinstance(fields.get("type"), str) else None,
        "request_id": response.headers.get("x-request-id"),
        "body": body,
        "method": method,
        "path": path,
    }
    cls = error_for_status(status)
    if cls is RateLimitError:
        return RateLimitError(status, message, retry_after=_retry_after(response), **kwargs)
    return cls(status, message, **kwargs)


def _retry_after(response: urllib3.BaseHTTPResponse) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return Retry().parse_retry_after(value)
    except Exception:
        return None


def _connection_error(exc: Exception, method: str, path: str, client: Client) -> APIConnectionError:
    reason = exc.reason if isinstance(exc, MaxRetryError) and exc.reason is not None else exc
    attempts = int(exc.__dict__.get("_knockkit_attempts") or 1)
    host = client.base_url
    if isinstance(reason, (ReadTimeoutError, ConnectTimeoutError)) and not isinstance(
        reason, NewConnectionError
    ):
        return APITimeoutError(
            f"{method} {path} timed out after {attempts} attempt(s) against {host}",
            method=method,
            path=path,
            attempts=attempts,
        )
    detail = type(reason).__name__
    return APIConnectionError(
        f"{method} {path} failed to reach {host} after {attempts} attempt(s): {detail}",
        method=method,
        path=path,
        attempts=attempts,
    )


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
    client: Client,
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
    """
    if not isinstance(client, Client):
        raise TypeError(f"the first argument must be a knockkit.Client, not {type(client).__name__}")
    path = template.format_map({k: segment(k, v) for k, v in path_params.items()}) if path_params else template
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
    headers = {
        "Authorization": "Bearer " + client.api_key,
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
    }
    if client.branch:
        headers["X-Knock-Branch"] = client.branch
    body = None
    if json is not None:
        body = encode_body(json)
        headers["Content-Type"] = "application/json"
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    if retry_safe is None:
        retry_safe = method != "POST" or idempotency_key is not None
    retries = _retry_policy(client.max_retries, client.backoff_factor, client.max_retry_after, retry_safe)
    pool = client.transport or _shared_pool()
    started = time.perf_counter()
    try:
        response = pool.urlopen(
            method,
            url,
            body=body,
            headers=headers,
            retries=retries,
            timeout=_timeout(client.connect_timeout, client.timeout),
            redirect=False,
            preload_content=True,
        )
    except HTTPError as exc:
        error = _connection_error(exc, method, path, client)
        logger.debug("%s %s -> no response (%s)", method, path, error)
        raise error from None
    used = response.retries
    attempts = used.attempts if isinstance(used, _Retry) else 1
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "%s %s -> %s in %.1f ms, %d attempt(s), request id %s",
            method,
            path,
            response.status,
            (time.perf_counter() - started) * 1000,
            attempts,
            response.headers.get("x-request-id"),
        )
    if not 200 <= response.status < 300:
        raise _error(client, method, path, response)
    if into is None:
        return None
    return decode(response.data, into, client=client, status=response.status, method=method, path=path)


def decode(data: bytes, into: Any, *, client: Client, status: int, method: str, path: str) -> Any:
    """Parse a JSON body and structure it into ``into``; a clear error if it does not fit."""
    from knockkit.models import structure

    def invalid(why: str, parsed: Any = None) -> APIResponseValidationError:
        excerpt = _excerpt(data, client) if data else "<empty body>"
        return APIResponseValidationError(
            status, f"{_redact(why, client)}; body starts: {excerpt}", body=parsed, method=method, path=path
        )

    if not data:
        raise invalid("expected a JSON body, got an empty one")
    # The errors are raised outside the except blocks: the exceptions they replace quote
    # the body (which may echo the key) and would stay reachable as __context__.
    try:
        parsed = _json.loads(data)
        is_json = True
    except ValueError:
        is_json = False
    if not is_json:
        raise invalid("the response is not JSON")
    if into is dict:
        if not isinstance(parsed, dict):
            raise invalid("expected a JSON object", parsed)
        return parsed
    try:
        return structure(parsed, into)
    except Exception as exc:
        problem = _first_error(exc)
    name = getattr(into, "__name__", str(into))
    raise invalid(f"the response does not fit {name} ({problem})", parsed)


def _first_error(exc: BaseException) -> str:
    # cattrs groups errors; the innermost message is the useful one.
    while True:
        inner = getattr(exc, "exceptions", None)
        if not inner:
            return f"{type(exc).__name__}: {exc}"
        exc = inner[0]
