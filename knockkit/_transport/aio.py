"""The aiohttp executor: the same attempts as ``sync``, awaited; the policy decides the rest.

One ``aiohttp.ClientSession`` per event loop, shared by every ``AsyncClient`` (as the sync
side shares one pool manager per process). A session is closed when its loop shuts down
(``asyncio.run``, pytest-asyncio and anyio all finalize async generators, and one is
registered per session for that) or by ``await knockkit.aclose()``.

``timeout`` is aiohttp's ``total``: a deadline for connecting, sending and reading the whole
body. Bodies are never inflated (``auto_decompress=False``) and read only up to the budget.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import AsyncIterator
from typing import Any

try:
    import aiohttp
except ImportError:  # pragma: no cover - depends on the installation
    raise ImportError(
        "knockkit.AsyncClient needs aiohttp: install the extra with  pip install 'knockkit[async]'"
    ) from None

from knockkit._client import AsyncClient
from knockkit._headers import OWN_HEADERS, client_headers
from knockkit._http import finish
from knockkit._transport import observe, policy, proxies
from knockkit._transport.policy import MAX_ERROR_BODY, Outcome

__all__ = ["aclose", "execute"]

_CHUNK = 64 * 1024

# --- sessions, one per event loop ------------------------------------------------------------

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[aiohttp.ClientSession, AsyncIterator[None]]]
_sessions = weakref.WeakKeyDictionary()
#: The loop and session of the last lookup. It keeps a closed loop alive only until another
#: loop makes a request; its session is closed with that loop all the same. Whatever closes
#: a session forgets it here first, so a session found here is open.
_last: tuple[asyncio.AbstractEventLoop | None, aiohttp.ClientSession | None] = (None, None)


def _forget(session: aiohttp.ClientSession) -> None:
    global _last
    if _last[1] is session:
        _last = (None, None)


async def _closed_with_the_loop(session: aiohttp.ClientSession) -> AsyncIterator[None]:
    # Registered with the loop as an async generator: the loop's shutdown_asyncgens()
    # closes it, and so the session, before the loop itself closes.
    try:
        yield
    finally:
        _forget(session)
        await session.close()


def _open_session() -> aiohttp.ClientSession | None:
    """The running loop's session if it has one open (most calls: no await, no weak reference made)."""
    loop = asyncio.get_running_loop()
    last_loop, last_session = _last
    if last_loop is loop:
        return last_session
    entry = _sessions.get(loop)
    return entry[0] if entry is not None and not entry[0].closed else None


async def _new_session() -> aiohttp.ClientSession:
    global _last
    loop = asyncio.get_running_loop()
    # knockkit's own headers are the session's defaults, copied in C for each request, rather
    # than merged into them one by one in Python (client_headers leaves them out for it).
    session = aiohttp.ClientSession(headers=OWN_HEADERS, auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar())
    # aiohttp (3.9+) silently sends an idempotent request again when a connection drops; the
    # policy alone decides retries, so that attempts are counted and backed off alike on both
    # transports. (The same switch aiohttp's own test client uses.)
    if hasattr(session, "_retry_connection"):
        session._retry_connection = False
    closer = _closed_with_the_loop(session)
    _sessions[loop] = (session, closer)
    _last = (loop, session)
    await closer.__anext__()
    return session


async def aclose() -> None:
    """Close knockkit's connection pool for the running event loop (a new one opens on the
    next request). Call it on shutdown, for example in a FastAPI lifespan."""
    entry = _sessions.pop(asyncio.get_running_loop(), None)
    if entry is not None:
        _forget(entry[0])
        await entry[1].aclose()  # type: ignore[attr-defined]


_DIRECT: dict[str, Any] = {}


def _through(proxy: proxies.Proxy, url: str) -> dict[str, Any]:
    """aiohttp's arguments for a proxy. Its URL carries no credentials, so that no error shows
    them; for a tunnel (https) they go to the proxy with the CONNECT."""
    auth = proxy.authorization()
    if auth is None or not url.startswith("https:"):
        return {"proxy": proxy.url}
    return {"proxy": proxy.url, "proxy_headers": {"Proxy-Authorization": auth}}


def _proxy_auth(proxy: proxies.Proxy, url: str) -> dict[str, str]:
    """For plain HTTP through a proxy, the credentials go with the request itself (aiohttp
    sends ``proxy_headers`` only with a CONNECT, and deprecates its ``proxy_auth``)."""
    if url.startswith("https:"):
        return _DIRECT
    auth = proxy.authorization()
    return _DIRECT if auth is None else {"Proxy-Authorization": auth}


@functools.lru_cache(maxsize=64)
def _timeout(connect: float, total: float) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=total, sock_connect=min(connect, total))


# --- attempts -------------------------------------------------------------------------------


async def execute(
    client: AsyncClient,
    method: str,
    template: str,
    path: str,
    url: str,
    body: bytes | None,
    headers: dict[str, str],
    safe: bool,
    into: Any,
) -> Any:
    """Attempts until one is final (the policy decides what to keep and whether to go on),
    then the caller's result of it: the coroutine an endpoint function returns.

    Each attempt is sent here rather than in a coroutine of its own: every await of a request
    passes through each coroutine on the way, and this is the one knockkit adds. What the
    network or the server did becomes an ``Outcome``; cancellation propagates, and closes the
    connection rather than return it half-read to the pool. The Authorization header is made
    in the call (never a local), so that no frame left on a traceback holds the key.
    """
    attempts = observe.Attempts(client, method, template, path, safe)
    while True:
        attempt = attempts.begin()
        response = None
        try:
            proxy = None if client.transport or client._proxy is None else proxies.route(client)
            session = client.transport or _open_session() or await _new_session()
            extra, proxy_args = (_DIRECT, _DIRECT) if proxy is None else (_proxy_auth(proxy, url), _through(proxy, url))
            response = await session.request(
                method,
                url,
                data=body,
                headers={
                    "Authorization": "Bearer " + client.api_key,
                    **client_headers(client.headers, session is client.transport),
                    **headers,
                    **extra,
                },
                timeout=_timeout(client.connect_timeout, client.timeout),
                allow_redirects=False,
                **proxy_args,
            )
            limit = policy.body_budget(client, response.status, attempt, safe)
            declared = response.content_length
            if limit and declared is not None and declared <= limit and "content-encoding" not in response.headers:
                # The usual answer, read here (one coroutine less); _read handles the others.
                data = await response.read()
                response.release()
                outcome = Outcome(response.status, response.reason or "", response.headers, data)
            else:
                outcome = await _read(response, limit)
        except aiohttp.ConnectionTimeoutError as exc:
            outcome = _failed(response, "connect-timeout", exc)
        except aiohttp.ClientConnectorError as exc:
            outcome = _failed(response, "connect", exc)
        except asyncio.TimeoutError as exc:
            outcome = _failed(response, "timeout", exc)
        except (aiohttp.ClientError, OSError) as exc:
            outcome = _failed(response, "read", exc)
        except BaseException as exc:  # cancelled, interrupted, or a proxy setting that cannot be used
            if response is not None:
                response.close()
            attempts.interrupted(exc)
            raise
        delay = attempts.next_delay(outcome)
        if delay is None:
            return finish(client, method, path, outcome, into)
        await asyncio.sleep(delay)


def _failed(response: aiohttp.ClientResponse | None, failure: str, exc: BaseException) -> Outcome:
    """An attempt that got no (whole) response: its connection is closed, not reused."""
    if response is not None:
        response.close()
    return Outcome(failure=failure, detail=policy.describe(exc))


async def _read(response: aiohttp.ClientResponse, budget: int) -> Outcome:
    headers = response.headers
    encoding = headers.get("content-encoding")
    if encoding is not None and encoding.strip().lower() in ("", "identity"):
        encoding = None
    declared = response.content_length
    overflow = False
    data = b""
    if encoding is not None or budget == 0:
        if encoding is None and declared is not None and declared <= MAX_ERROR_BODY:
            await response.read()  # small: drain it so the connection is reused
        else:
            response.close()
    elif declared is not None and declared <= budget:
        data = await response.read()
    else:
        data, overflow = await _read_at_most(response, budget)
        if overflow:
            response.close()
    response.release()
    return Outcome(response.status, response.reason or "", headers, data, overflow=overflow, encoding=encoding)


async def _read_at_most(response: aiohttp.ClientResponse, budget: int) -> tuple[bytes, bool]:
    chunks = []
    size = 0
    while size <= budget:
        chunk = await response.content.read(min(_CHUNK, budget + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    data = b"".join(chunks)
    return data[:budget], size > budget

