"""A raw-socket HTTP/1.1 server on 127.0.0.1 that misbehaves on request.

pytest-httpserver always answers well-formed HTTP; these tests also need a server that
resets a connection before or after reading the request, hangs, closes mid-body, or
counts how many connections are open at once. Each test gives the server a handler
that turns a parsed :class:`Request` into an :class:`Action`.

Every socket has a timeout and every thread is a daemon that ends when its connection
does, so a test that goes wrong cannot leave the server running or blocked for long.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

_IDLE_TIMEOUT = 10.0  # seconds a connection may sit idle before the server drops it
_MAX_REQUEST = 4 * 1024 * 1024


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # the request target exactly as sent
    headers: dict[str, str]  # names lower-cased
    body: bytes
    connection: int  # serial number of the connection it came on
    peer_port: int  # the client's local port
    at: float  # time.monotonic() when it was fully read

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    def segments(self) -> list[str]:
        """The decoded path segments (UTF-8, strictly), as a server framework sees them."""
        return [unquote(part, errors="strict") for part in self.path.split("/")[1:]]

    def json(self) -> Any:
        return json.loads(self.body)


# --- what the server does with a request -------------------------------------------------


@dataclass(frozen=True)
class Respond:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    close: bool = False  # close the connection after answering


@dataclass(frozen=True)
class Reset:
    """Abort the connection with a TCP RST instead of answering."""


@dataclass(frozen=True)
class Close:
    """Close the connection (FIN) without answering."""


@dataclass(frozen=True)
class Hang:
    """Never answer: wait until the client gives up and closes (or `seconds` pass)."""

    seconds: float = _IDLE_TIMEOUT


@dataclass(frozen=True)
class Raw:
    """Send these bytes as they are, then close the connection."""

    data: bytes


@dataclass(frozen=True)
class Drip:
    """Send these bytes in pieces of `size`, `interval` seconds apart, then keep the
    connection open for `hold` seconds (or until the client closes it)."""

    data: bytes
    interval: float = 0.0
    size: int = 1
    hold: float = 0.0


Action = Respond | Reset | Close | Hang | Raw | Drip
Handler = Callable[[Request], Action]

REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 409: "Conflict", 422: "Unprocessable Entity", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}  # fmt: skip


def json_response(status: int, body: Any, **headers: str) -> Respond:
    return Respond(status, json.dumps(body).encode(), {"content-type": "application/json", **headers})


def knock_error(status: int, code: str = "error", message: str = "something went wrong", **headers: str) -> Respond:
    body = {"code": code, "message": message, "status": status, "type": "api_error"}
    return json_response(status, body, **{"x-request-id": f"req_{status}", **headers})


def _reset(conn: socket.socket) -> None:
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


class FaultServer:
    """Serve `handler` on 127.0.0.1 until `stop()`; record what arrived.

    `on_connect`, when given, runs for each accepted connection before anything is
    read; returning an action (Reset, Close, ...) applies it at once.
    """

    def __init__(self, handler: Handler | None = None) -> None:
        self.handler: Handler = handler or (lambda request: Respond(200, b"{}"))
        self.on_connect: Callable[[int], Action | None] | None = None
        self.requests: list[Request] = []
        self.handler_errors: list[BaseException] = []  # a handler that raised: a bug in the test
        self.connections = 0  # accepted so far
        self.open_now = 0
        self.max_open = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._conns: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._accept_loop, name="fault-server", daemon=True)
        self._thread.start()

    # --- lifecycle ---------------------------------------------------------------

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.connections = 0
            self.max_open = self.open_now

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- serving -----------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                serial = self.connections
                self.open_now += 1
                self.max_open = max(self.max_open, self.open_now)
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn, serial), daemon=True).start()

    def _serve(self, conn: socket.socket, serial: int) -> None:
        reset = False
        try:
            conn.settimeout(_IDLE_TIMEOUT)
            peer_port = conn.getpeername()[1]
            if self.on_connect is not None:
                action = self.on_connect(serial)
                if action is not None:
                    reset = self._apply(conn, action, keep_alive=False) == "reset"
                    return
            buffer = b""
            while not self._stopping.is_set():
                request, buffer = self._read_request(conn, buffer, serial, peer_port)
                if request is None:
                    return
                with self._lock:
                    self.requests.append(request)
                try:
                    action = self.handler(request)
                except Exception as exc:
                    with self._lock:
                        self.handler_errors.append(exc)
                    action = Respond(599, repr(exc).encode(), close=True)
                outcome = self._apply(conn, action, keep_alive=True)
                if outcome != "keep":
                    reset = outcome == "reset"
                    return
        except OSError:
            return
        finally:
            with self._lock:
                self.open_now -= 1
                self._conns.discard(conn)
            if not reset:
                conn.close()

    def _read_request(
        self, conn: socket.socket, buffer: bytes, serial: int, peer_port: int
    ) -> tuple[Request | None, bytes]:
        while b"\r\n\r\n" not in buffer:
            chunk = conn.recv(65536)
            if not chunk or len(buffer) > _MAX_REQUEST:
                return None, b""
            buffer += chunk
        head, _, rest = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return None, b""
            rest += chunk
        request = Request(method, target, headers, rest[:length], serial, peer_port, time.monotonic())
        return request, rest[length:]

    def _apply(self, conn: socket.socket, action: Action, *, keep_alive: bool) -> str:
        """Carry out an action: 'keep' (the connection stays open), 'closed' or 'reset'."""
        if isinstance(action, Reset):
            _reset(conn)
            return "reset"
        if isinstance(action, Close):
            return "closed"
        if isinstance(action, Hang):
            conn.settimeout(action.seconds)
            try:
                while conn.recv(65536):  # until the client closes its end (after its timeout)
                    pass
            except OSError:
                pass
            return "closed"
        if isinstance(action, Raw):
            conn.sendall(action.data)
            return "closed"
        if isinstance(action, Drip):
            for start in range(0, len(action.data), action.size):
                if self._stopping.is_set():
                    break
                conn.sendall(action.data[start : start + action.size])
                time.sleep(action.interval)
            if action.hold:
                self._apply(conn, Hang(action.hold), keep_alive=False)
            return "closed"
        reason = REASONS.get(action.status, "Unknown")
        headers = {"content-length": str(len(action.body)), **action.headers}
        if action.close or not keep_alive:
            headers["connection"] = "close"
        head = f"HTTP/1.1 {action.status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        conn.sendall(head.encode("latin-1") + b"\r\n" + action.body)
        return "closed" if action.close or not keep_alive else "keep"


def sequence(*actions: Action | Callable[[Request], Action]) -> Handler:
    """A handler that answers the n-th request with the n-th action (the last one repeats)."""
    lock = threading.Lock()
    count = 0

    def handler(request: Request) -> Action:
        nonlocal count
        with lock:
            index = min(count, len(actions) - 1)
            count += 1
        action = actions[index]
        return action(request) if callable(action) else action

    return handler
