"""``knockkit.request``: send what knockkit does not wrap (yet) through the same executor.

Everything but the path is the endpoint functions' own machinery: query and body encoding,
headers, retries, errors, redaction, hooks, ``with_response``. The path is the caller's: it
is checked (a ``/v1/`` path, every character one a URL path may hold), never rewritten.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar, overload

from knockkit import _http
from knockkit._client import AsyncClient, Client

__all__ = ["request"]

T = TypeVar("T")

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# RFC 3986's pchar: unreserved, sub-delims, ':' and '@'; anything else is percent-encoded.
_PCHAR = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_ENCODE_HINT = "encode ids with knockkit.segment('user_id', user_id)"


def check_path(path: object) -> str:
    """A path the caller built: ``/v1/`` then non-empty segments of URL path characters."""
    if not isinstance(path, str):
        raise TypeError(f"path must be a string, not {type(path).__name__}")
    if not path.startswith("/v1/"):
        raise ValueError(f"path must start with /v1/ (base_url holds the rest of the address), got {path!r}")
    if "?" in path:
        raise ValueError(f"path must not carry a query string; pass query={{...}} instead: {path!r}")
    for segment in path[1:].split("/"):
        if segment in ("", ".", ".."):
            raise ValueError(f"path has an empty, '.' or '..' segment: {path!r}")
    for index, char in enumerate(path):
        if char == "%" and not _ESCAPE.match(path, index):
            raise ValueError(f"path has a '%' not followed by two hex digits at position {index}: {path!r}")
        if char not in _PCHAR and char not in "/%":
            raise ValueError(
                f"path has {char!r} at position {index}, which a URL path cannot hold as it is; {_ENCODE_HINT}"
            )
    return path


def _check_into(into: object) -> None:
    if into is None or isinstance(into, type) or typing.get_origin(into) is not None:
        return
    raise TypeError(f"into must be a type (a knockkit model, Page[User], dict, ...), not {into!r}")


@overload
def request(
    client: Client,
    method: str,
    path: str,
    *,
    query: Mapping[str, object] | None = ...,
    json: object = ...,
    idempotency_key: str | None = ...,
    into: None = ...,
) -> Any: ...


@overload
def request(
    client: Client,
    method: str,
    path: str,
    *,
    query: Mapping[str, object] | None = ...,
    json: object = ...,
    idempotency_key: str | None = ...,
    into: type[T],
) -> T: ...


@overload
def request(
    client: AsyncClient,
    method: str,
    path: str,
    *,
    query: Mapping[str, object] | None = ...,
    json: object = ...,
    idempotency_key: str | None = ...,
    into: None = ...,
) -> Coroutine[Any, Any, Any]: ...


@overload
def request(
    client: AsyncClient,
    method: str,
    path: str,
    *,
    query: Mapping[str, object] | None = ...,
    json: object = ...,
    idempotency_key: str | None = ...,
    into: type[T],
) -> Coroutine[Any, Any, T]: ...


def request(
    client: Client | AsyncClient,
    method: str,
    path: str,
    *,
    query: Mapping[str, object] | None = None,
    json: object = None,
    idempotency_key: str | None = None,
    into: Any = None,
) -> Any:
    """Send a request to any Knock endpoint, for what knockkit does not wrap yet.

    Retries follow the same rules as the endpoint functions': every method but POST is
    retried; a POST only when it carries ``idempotency_key`` or never reached Knock.

    Args:
        client: a ``Client``, or an ``AsyncClient`` (then the call returns an awaitable).
        method: ``GET``, ``POST``, ``PUT``, ``PATCH`` or ``DELETE``, in capitals.
        path: starts with ``/v1/``; ids in it are yours to encode, with
            ``knockkit.segment("user_id", user_id)``.
        query: query parameters, encoded as the endpoint functions encode theirs.
        json: the body, sent as JSON.
        idempotency_key: pass one only where Knock honours it.
        into: the type to decode the body into (``knockkit.models.User``, ``Page[User]``).

    Returns:
        The decoded JSON (``None`` for an empty body), or with ``into=`` the body decoded
        into that type.
    """
    if method not in METHODS:
        shown = method if isinstance(method, str) else type(method).__name__
        raise ValueError(f"method must be one of {', '.join(METHODS)} (in capitals), got {shown!r}")
    _check_into(into)
    return _http.request(
        typing.cast(Client, client),  # typed for Client; it takes either (see _endpoint)
        method,
        check_path(path),
        query=query,
        json=json,
        idempotency_key=idempotency_key,
        into=_http.AnyJson if into is None else into,
    )
