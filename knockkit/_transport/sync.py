"""The urllib3 executor: sends one attempt and reports an Outcome; the policy decides the rest.

Two things urllib3 does not do are added here. ``timeout`` is a deadline for the whole
attempt (urllib3's read timeout restarts on every byte, so a server that drips bytes
could hold a call forever): the pools knockkit makes use connections whose response
reader gives each socket read only the time left. And bodies are read only up to the
budget the policy gives, never inflated (``decode_content=False``).
"""

from __future__ import annotations

import functools
import http.client
import io
import os
import socket
import threading
import time
from collections.abc import Mapping
from typing import Any

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError, ProxyError, ReadTimeoutError
from urllib3.util.retry import Retry

from knockkit._client import Client
from knockkit._headers import client_headers
from knockkit._transport import observe, policy, proxies
from knockkit._transport.policy import MAX_ERROR_BODY, Outcome

__all__ = ["execute", "send", "shared_pool"]

_CHUNK = 64 * 1024

# --- the attempt deadline -----------------------------------------------------------------

_attempt = threading.local()


class _DeadlineReader(io.RawIOBase):
    """The socket's own reader, letting each read wait only until the attempt's deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        # The socket's raw reader keeps the descriptor open while the response is read,
        # even after http.client closes the connection ("Connection: close").
        self._raw = sock.makefile("rb", buffering=0)
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the attempt's deadline passed")
        self._sock.settimeout(left)
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineSocket:
    """What http.client's response sees as its socket: only ``makefile`` is used."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
        deadline = getattr(_attempt, "deadline", None)
        super().__init__(sock if deadline is None else _DeadlineSocket(sock, deadline), *args, **kwargs)  # type: ignore[arg-type]


class _HTTPConnection(HTTPConnection):
    response_class = _DeadlineResponse


class _HTTPSConnection(HTTPSConnection):
    response_class = _DeadlineResponse


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


# --- the shared pool --------------------------------------------------------------------

_pool_lock = threading.Lock()
_shared: urllib3.PoolManager | None = None


def shared_pool() -> urllib3.PoolManager:
    """One pool manager for the process: clients with the same base URL share a pool.

    maxsize is the number of idle connections kept per host; beyond it, extra
    connections are opened for concurrent threads and closed after use.
    """
    global _shared
    pool = _shared
    if pool is None:
        with _pool_lock:
            if _shared is None:
                manager = urllib3.PoolManager(num_pools=16, maxsize=32)
                manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
                _shared = manager
            pool = _shared
    return pool


_proxied: dict[tuple[str, str | None], urllib3.ProxyManager] = {}


def proxy_pool(proxy: proxies.Proxy) -> urllib3.ProxyManager:
    """One ``ProxyManager`` per proxy for the process, its pools knockkit's own (so the
    attempt deadline holds through the proxy, tunnel included)."""
    key = (proxy.url, proxy.authorization())
    pool = _proxied.get(key)
    if pool is None:
        with _pool_lock:
            pool = _proxied.get(key)
            if pool is None:
                auth = {"Proxy-Authorization": key[1]} if key[1] else None
                # The URL carries no credentials: urllib3 would not use them, and may show it.
                pool = urllib3.ProxyManager(proxy.url, num_pools=16, maxsize=32, proxy_headers=auth)
                pool.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
                _proxied[key] = pool
    return pool


def _pool(client: Client) -> urllib3.PoolManager:
    proxy = proxies.route(client)
    return shared_pool() if proxy is None else proxy_pool(proxy)


def _forget_pool_in_child() -> None:
    # A forked child must never write to its parent's sockets: start with no pool.
    global _shared, _pool_lock, _proxied
    _shared = None
    _proxied = {}
    _pool_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_in_child)


# Retries are the policy's: urllib3 makes one attempt and re-raises what went wrong.
# (One shared value: urllib3 would build a new Retry from ``retries=False`` on every call.)
_ONE_ATTEMPT = Retry(total=False, redirect=False, raise_on_redirect=False)


@functools.lru_cache(maxsize=64)
def _timeout(connect: float, total: float) -> urllib3.Timeout:
    # No ``total``: the deadline reader above bounds the whole attempt, and urllib3 would
    # recompute a total on every request (and validate it on every clone).
    return urllib3.Timeout(connect=min(connect, total), read=total)


# --- attempts -------------------------------------------------------------------------------


def execute(
    client: Client,
    method: str,
    template: str,
    path: str,
    url: str,
    body: bytes | None,
    headers: dict[str, str],
    safe: bool,
) -> Outcome:
    """Attempts until one is final; the policy decides what to keep and whether to go on."""
    attempts = observe.Attempts(client, method, template, path, safe)
    while True:
        try:
            outcome = send(client, method, url, body, headers, attempts.begin(), safe)
        except BaseException as exc:  # cancelled, interrupted, or a proxy setting that cannot be used
            attempts.interrupted(exc)
            raise
        delay = attempts.next_delay(outcome)
        if delay is None:
            return outcome
        time.sleep(delay)


# --- one attempt --------------------------------------------------------------------------


def send(
    client: Client,
    method: str,
    url: str,
    body: bytes | None,
    headers: Mapping[str, str],
    attempt: int,
    safe: bool,
) -> Outcome:
    """Send one attempt; never raises for what the network or the server did.

    ``headers`` are the request's own; the client's and the Authorization header are added
    here (the key here so that no frame left on an error's traceback holds it). ``attempt``
    (1 for the first) and ``safe`` tell the policy how many body bytes to keep.
    """
    # (A client that found no proxy goes straight to the shared pool.)
    pool = client.transport or (shared_pool() if client._proxy is None else _pool(client))
    _attempt.deadline = time.monotonic() + client.timeout
    try:
        response = pool.urlopen(
            method,
            url,
            body=body,
            headers={"Authorization": "Bearer " + client.api_key, **client_headers(client.headers, True), **headers},
            retries=_ONE_ATTEMPT,
            timeout=_timeout(client.connect_timeout, client.timeout),
            redirect=False,
            preload_content=False,
        )
        return _read(response, policy.body_budget(client, response.status, attempt, safe))
    except NewConnectionError as exc:  # (a subclass of ConnectTimeoutError)
        failure, detail = "connect", policy.describe(exc)
    except ConnectTimeoutError as exc:
        failure, detail = "connect-timeout", policy.describe(exc)
    except ReadTimeoutError as exc:
        failure, detail = "timeout", policy.describe(exc)
    except ProxyError as exc:  # what went wrong on the way to the proxy, or with its tunnel
        inner = exc.original_error
        failure = (
            "connect"
            if isinstance(inner, NewConnectionError)
            else "connect-timeout"
            if isinstance(inner, ConnectTimeoutError)
            else "read"
        )
        detail = policy.describe(exc)
    except (HTTPError, OSError) as exc:
        failure, detail = "read", policy.describe(exc)
    finally:
        _attempt.deadline = None
    return Outcome(failure=failure, detail=detail)


def _read(response: urllib3.BaseHTTPResponse, budget: int) -> Outcome:
    headers = response.headers
    # (``in`` first: HTTPHeaderDict.get raises and catches a KeyError for a missing name.)
    encoding = headers["content-encoding"] if "content-encoding" in headers else None  # noqa: SIM401
    if encoding is not None and encoding.strip().lower() in ("", "identity"):
        encoding = None
    declared = _content_length(headers["content-length"]) if "content-length" in headers else None
    overflow = False
    if encoding is not None or budget == 0:
        if encoding is None and declared is not None and declared <= MAX_ERROR_BODY:
            response.read(decode_content=False)  # small: drain it so the connection is reused
        else:
            _discard(response)
        data = b""
    elif declared is not None and declared <= budget:
        data = response.read(decode_content=False)
    else:
        data, overflow = _read_at_most(response, budget)
        if overflow:
            _discard(response)
    return Outcome(response.status, response.reason or "", headers, data, overflow=overflow, encoding=encoding)


def _read_at_most(response: urllib3.BaseHTTPResponse, budget: int) -> tuple[bytes, bool]:
    chunks = []
    size = 0
    while size <= budget:
        chunk = response.read(min(_CHUNK, budget + 1 - size), decode_content=False)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    data = b"".join(chunks)
    return data[:budget], size > budget


def _discard(response: urllib3.BaseHTTPResponse) -> None:
    # Unread bytes would be taken for the next response: close the connection instead.
    response.close()
    response.release_conn()


def _content_length(value: str | None) -> int | None:
    # Only ASCII digits: "²".isdigit() is true, and a hostile length may be any text.
    value = (value or "").strip()
    if not value or len(value) > 20 or not (value.isascii() and value.isdigit()):
        return None
    return int(value)
