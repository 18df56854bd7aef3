"""The immutable ``Client`` value every endpoint function takes first."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import attrs

if TYPE_CHECKING:
    from typing_extensions import Self

    from knockkit._transport.observe import RequestEvent

from knockkit._checks import check_header_name, check_header_value
from knockkit._headers import NO_HEADERS, Headers

__all__ = [
    "CLIENT_FIELDS",
    "DEFAULT_BASE_URL",
    "NO_HEADERS",
    "UNRESOLVED",
    "AsyncClient",
    "Client",
    "aclose",
    "mask_key",
    "unknown_fields_message",
]

DEFAULT_BASE_URL = "https://api.knock.app"


def mask_key(key: object) -> str:
    """How an API key is shown anywhere a person might read it: its kind, never its value."""
    if not isinstance(key, str):
        return "<unset>"
    for prefix in ("sk_test_", "sk_live_", "sk_", "pk_test_", "pk_"):
        if key.startswith(prefix):
            return f"'{prefix}***'"
    return "'***'"


def _check_api_key(_: Any, __: Any, key: str) -> None:
    # Messages describe the key but never contain it.
    check_header_value("api_key", key, secret=True)
    if key.startswith("pk_"):
        raise ValueError(
            "api_key is a public key (pk_...); server-side calls need the secret key (sk_...) "
            "from the Knock dashboard under Developers > API keys"
        )


def _normalize_base_url(url: str) -> str:
    return _checked_base_url(url)


@functools.lru_cache(maxsize=64)
def _checked_base_url(url: object) -> str:
    if not isinstance(url, str):
        raise TypeError(f"base_url must be a string, not {type(url).__name__}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"base_url must start with https:// or http://, got {url!r}")
    if not parts.hostname:
        raise ValueError(f"base_url must name a host, got {url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("base_url must not carry a query, a fragment or credentials")
    url = url.rstrip("/")
    if url.endswith("/v1"):
        # Every path knockkit sends starts with /v1/: this would become /v1/v1/... and a 404.
        raise ValueError(
            f"base_url must not end in /v1 (knockkit adds /v1/... to every path): use {url[:-3]!r}, not {url!r}"
        )
    return url


def _check_branch(_: Any, __: Any, branch: object) -> None:
    if branch is not None:
        check_header_value("branch", branch)


#: Headers knockkit sets itself, which ``headers=`` may not override: why, and what to use.
RESERVED_HEADERS: Mapping[str, str] = {
    "authorization": "it carries api_key; pass api_key= instead",
    "idempotency-key": "it is per call; pass idempotency_key= to workflows.trigger or knockkit.request",
    "x-knock-branch": "pass branch= instead",
    "content-type": "knockkit sends every body as JSON (application/json)",
    "content-length": "knockkit frames each request itself",
    "transfer-encoding": "knockkit frames each request itself",
    "host": "it comes from base_url",
    "connection": "knockkit's connection pools manage connections",
    "accept-encoding": "knockkit reads bodies as sent (identity), within max_response_bytes",
}


def _to_headers(value: object) -> Headers:
    """``headers=``: extra headers for every request, each name and value checked."""
    if value is NO_HEADERS or value is None:
        return NO_HEADERS
    if not isinstance(value, Mapping):
        raise TypeError(f"headers must be a mapping of header names to values, not {type(value).__name__}")
    seen: set[str] = set()
    for name, text in value.items():
        key = check_header_name("headers", name).lower()
        if key in RESERVED_HEADERS:
            raise ValueError(f"headers cannot set {name}: {RESERVED_HEADERS[key]}")
        if key in seen:
            raise ValueError(f"headers gives {name!r} twice (header names are case-insensitive)")
        seen.add(key)
        check_header_value(f"headers[{name!r}]", text, spaces=True)
    return Headers(value) if value else NO_HEADERS


def _mask_headers(headers: Headers) -> str:
    # Values may be credentials of the caller's own (a gateway key): show only the names.
    return repr({name: "***" for name in headers})


Hook = Callable[["RequestEvent"], object]


def _check_hook(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not callable(value):
        raise TypeError(
            f"{attribute.name} must be a function taking a knockkit.RequestEvent, not {type(value).__name__}"
        )


def _check_hooks(_: Any, __: Any, value: object) -> None:
    if value is None:
        return
    methods = [getattr(value, name, None) for name in ("on_request", "on_response")]
    if all(method is None for method in methods) or not all(m is None or callable(m) for m in methods):
        raise TypeError(
            f"hooks must be an object with an on_request and/or on_response method, not {type(value).__name__}"
        )


def _check_bool(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{attribute.name} must be True or False, not {value!r}")


#: A client's ``_proxy`` until its first request reads the environment (_transport.proxies).
UNRESOLVED: Any = object()

_MAX_SECONDS = 86_400.0


def _check_positive(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    # NaN and infinity pass "> 0" and would reach the socket layer; a day is far past any use.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= _MAX_SECONDS:
        raise ValueError(f"{attribute.name} must be a positive number of seconds (at most 86400), got {value!r}")


def _check_byte_count(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{attribute.name} must be a whole number of bytes above 0, got {value!r}")


def _check_retries(_: Any, __: Any, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"max_retries must be a whole number >= 0, got {value!r}")


def _check_backoff(_: Any, __: Any, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"backoff_factor must be a number >= 0, got {value!r}")


@attrs.frozen(kw_only=True)
class _Settings:
    """The fields and validation that ``Client`` and ``AsyncClient`` share."""

    api_key: str = attrs.field(validator=_check_api_key, repr=mask_key)
    base_url: str = attrs.field(default=DEFAULT_BASE_URL, converter=_normalize_base_url)
    branch: str | None = attrs.field(default=None, validator=_check_branch)
    timeout: float = attrs.field(default=60.0, validator=_check_positive)
    connect_timeout: float = attrs.field(default=10.0, validator=_check_positive)
    max_retries: int = attrs.field(default=2, validator=_check_retries)
    backoff_factor: float = attrs.field(default=0.5, validator=_check_backoff)
    max_retry_after: float = attrs.field(default=60.0, validator=_check_positive)
    max_response_bytes: int = attrs.field(default=32 * 1024 * 1024, validator=_check_byte_count)
    headers: Headers = attrs.field(default=NO_HEADERS, converter=_to_headers, repr=_mask_headers)
    # Hooks, like the transport, are not part of what makes two clients equal.
    on_request: Hook | None = attrs.field(default=None, validator=_check_hook, eq=False, repr=False)
    on_response: Hook | None = attrs.field(default=None, validator=_check_hook, eq=False, repr=False)
    hooks: Any = attrs.field(default=None, validator=_check_hooks, eq=False, repr=False)
    trust_env: bool = attrs.field(default=True, validator=_check_bool)
    transport: Any = attrs.field(default=None, eq=False, repr=False)
    # Derived from the environment on the first request; never shown (it may hold credentials).
    _proxy: Any = attrs.field(init=False, default=UNRESOLVED, eq=False, repr=False)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Pretty printers that know attrs classes (Hypothesis's, when it reports a failing
        # test's arguments) print each field's value, bypassing repr's mask; IPython's
        # convention makes them print the repr instead.
        printer.text(repr(self))

    def evolve(self, **changes: Any) -> Self:
        """A copy with some fields changed: ``client.evolve(branch=None, max_retries=5)``."""
        unknown = sorted(set(changes) - set(CLIENT_FIELDS))
        if unknown:
            raise TypeError(unknown_fields_message("evolve()", "field", unknown))
        return attrs.evolve(self, **changes)


class Client(_Settings):
    """Everything a request needs, as one immutable value; endpoint functions called with
    it return their result.

    Build it directly (``Client(api_key="sk_...")``) or from a declared instance
    (``MyKnock.client()``). Vary it with ``evolve``; clients are cheap to create and
    those with the same ``transport`` (by default, all of them) share connection pools.

    Attributes:
        api_key: the secret key (``sk_...``). Never shown by ``repr``, ``str`` or errors.
        base_url: the API's origin, ``https://api.knock.app`` unless overridden.
        branch: send every request to this Knock branch (``X-Knock-Branch``).
        timeout: seconds one attempt may take in all (connect, send, headers and body):
            a deadline, not a per-read timeout.
        connect_timeout: seconds to wait for a connection, within ``timeout``.
        max_retries: retries after the first attempt (connection errors, 408, 409, 429, 5xx).
        backoff_factor: first retry delay in seconds; doubles per retry, capped at 8 s, jittered.
        max_retry_after: the longest ``Retry-After`` honoured, in seconds.
        max_response_bytes: the largest response body read (32 MiB); a larger one raises
            ``APIResponseValidationError`` without being read.
        headers: extra headers sent with every request (``{"X-App-Name": "billing"}``),
            checked like the others; ``Authorization``, ``Idempotency-Key``,
            ``X-Knock-Branch``, ``Content-Type`` and the framing headers are knockkit's own.
        on_request: called with a ``knockkit.RequestEvent`` before each attempt.
        on_response: called with a ``knockkit.RequestEvent`` after each attempt (a status,
            or the reason there was none). A hook that raises is logged, never breaks the call.
        hooks: one object with ``on_request`` and/or ``on_response`` methods (an
            instrumentation), called after the two functions above.
        trust_env: send through the proxy that ``HTTPS_PROXY`` / ``HTTP_PROXY`` /
            ``ALL_PROXY`` name for ``base_url`` (unless ``NO_PROXY`` exempts it), as
            requests and httpx do; read on the client's first request. ``False`` ignores them.
        transport: a ``urllib3.PoolManager`` (or ``ProxyManager``) to send through, used as
            it is (no proxy from the environment); ``None`` uses knockkit's shared,
            fork-safe pool manager.
    """

    # attrs made _Settings (fields, validation, repr, eq, hash, evolve); a subclass that adds
    # no fields needs only its own name, so attrs is not run again for it at import.
    __slots__ = ()


class AsyncClient(_Settings):
    """``Client``'s twin for asyncio code: the same fields, defaults and validation, but
    endpoint functions called with it return an awaitable of their result
    (``user = await users.get(aclient, "jhammond")``).

    Requests go through aiohttp (``pip install 'knockkit[async]'``), with one connection
    pool per event loop shared by every ``AsyncClient``; ``await knockkit.aclose()`` closes
    the running loop's pool. ``transport`` may be an ``aiohttp.ClientSession`` of your own.
    """

    __slots__ = ()  # (as Client's)


async def aclose() -> None:
    """Close knockkit's connection pool for the running event loop, if it opened one (a new
    one opens with the next request). Await it on shutdown, e.g. at the end of a FastAPI lifespan."""
    aio = sys.modules.get("knockkit._transport.aio")  # never imported: nothing to close
    if aio is not None:
        await aio.aclose()


CLIENT_FIELDS: tuple[str, ...] = tuple(a.name for a in attrs.fields(Client) if a.init)


def unknown_fields_message(where: str, kind: str, unknown: list[str]) -> str:
    """``evolve(): unknown field(s) ['brnach'] (did you mean 'branch'?); known: api_key, ...``."""
    import difflib

    guesses = [match for name in unknown for match in difflib.get_close_matches(name, CLIENT_FIELDS, n=1)]
    hint = f" (did you mean {', '.join(map(repr, guesses))}?)" if guesses else ""
    return f"{where}: unknown {kind}(s) {unknown}{hint}; known: {', '.join(CLIENT_FIELDS)}"
