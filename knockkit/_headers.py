"""``Headers``: a read-only, case-insensitive mapping of HTTP headers; and the headers a
client sends with every request.

One type for the headers a client sends on every request (``Client(headers=...)``) and the
headers of a response (``knockkit.with_response``): looked up in any case, shown with the
names as given, hashable so that a client holding one stays a hashable value.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from knockkit._version import __version__

__all__ = ["NO_HEADERS", "OWN_HEADERS", "USER_AGENT", "Headers", "client_headers"]

USER_AGENT = f"knockkit/{__version__} python/{sys.version.split()[0]}"  # what platform.python_version() says


class Headers(Mapping[str, str]):
    """Read-only HTTP headers: ``headers["x-request-id"] == headers["X-Request-Id"]``.

    A name given more than once keeps every value, joined with ``", "`` as HTTP allows.
    """

    __slots__ = ("_hash", "_items")

    def __init__(self, headers: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        items: dict[str, tuple[str, str]] = {}
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        for name, value in pairs:
            key = name.lower()
            seen = items.get(key)
            items[key] = (name, value) if seen is None else (seen[0], f"{seen[1]}, {value}")
        self._items = items
        self._hash: int | None = None

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def lower_items(self) -> Iterator[tuple[str, str]]:
        """``(lower-case name, value)`` pairs."""
        return ((key, value) for key, (_, value) in self._items.items())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        if not all(isinstance(name, str) for name in other):
            return False
        theirs = other if isinstance(other, Headers) else Headers(other)
        return dict(self.lower_items()) == dict(theirs.lower_items())

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self.lower_items()))
        return self._hash

    def __repr__(self) -> str:
        return f"Headers({dict(self._items.values())!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Headers, (list(self._items.values()),))


NO_HEADERS = Headers()

#: What every request carries besides the client's ``headers=`` and the request's own. (The
#: executors add Authorization, so that no frame an error is raised from holds the key.)
#: Plain dicts, never changed: ``{**a, **b}`` merges a dict in C, any other mapping in Python.
OWN_HEADERS: dict[str, str] = {"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "identity"}
_NONE: dict[str, str] = {}


def client_headers(extra: Headers, own: bool) -> dict[str, str]:
    """The headers a client adds to each request: knockkit's own with the client's
    ``headers=`` (``extra``) over them, in any case.

    ``own=False`` leaves knockkit's own out, for an aiohttp session that sends them by
    default (and that lets a request's header replace a default one, in any case): the
    client's alone. (aiohttp merges each header a request passes into a copy of its session's
    defaults one at a time, in Python; the defaults themselves are copied in C.)
    """
    if extra is NO_HEADERS:
        return OWN_HEADERS if own else _NONE
    return _with_own(extra) if own else _as_given(extra)


@functools.lru_cache(maxsize=64)
def _with_own(extra: Headers) -> dict[str, str]:
    headers = {name: value for name, value in OWN_HEADERS.items() if name not in extra}
    headers.update(extra.items())
    return headers


@functools.lru_cache(maxsize=64)
def _as_given(extra: Headers) -> dict[str, str]:
    return dict(extra.items())
