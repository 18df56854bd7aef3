"""The fake's HTTP/1.1 server: keep-alive connections on a bounded pool of worker threads.

``http.server.ThreadingHTTPServer`` listens with a backlog of 5 and gives every connection
a thread for its whole life, so a burst of clients is refused and idle connections pile
up threads. Here the listen backlog is 128, a connection waiting for its next request
sits in a selector (no thread), only a readable connection is handed to a worker, one
request at a time, and a connection silent for ``idle_timeout`` seconds (between requests
or part-way through one) is closed. Past ``max_connections`` open connections the one idle
longest is closed to make room; when none is idle, new ones wait in the listen backlog.
HTTP pipelining is not supported (no common client pipelines).

`FakeServer` and `FakeHandler` serve a `FakeKnock` on it: framing,
the body and query read, faults applied, the request recorded, the answer written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import selectors
import socket
import socketserver
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import attrs

from knockkit._client import mask_key
from knockkit.testing import inbox
from knockkit.testing._faults import injected_reply
from knockkit.testing.routes import Reply, fault_reply, parse_query
from knockkit.testing.stores import KnockFault

if TYPE_CHECKING:
    from knockkit.testing._server import FakeKnock

__all__ = ["MAX_BODY", "MAX_CONNECTIONS", "FakeServer", "PooledHTTPServer", "RecordedRequest"]

#: The largest request body the fake reads (Knock's bulk requests stay far below it).
MAX_BODY = 8 * 1024 * 1024
#: Open connections the fake keeps by default; past them the longest-idle one is closed to make room.
MAX_CONNECTIONS = 512


class PooledHTTPServer(socketserver.TCPServer):
    request_queue_size = 128
    allow_reuse_address = True
    #: Worker threads answering requests; connections beyond them wait without a thread.
    workers = 32

    def __init__(
        self,
        address: tuple[str, int],
        handler: Any,
        *,
        idle_timeout: float = 15.0,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        super().__init__(address, handler)
        #: Seconds a connection may stay silent, between requests or within one, before it is closed.
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="fake-knock-worker")
        self._selector = selectors.DefaultSelector()
        self._lock = threading.Lock()
        self._room = threading.Condition(self._lock)  # notified when a connection closes
        self._waiting: dict[socket.socket, float] = {}  # connection -> when it began to wait, oldest first
        self._open: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="fake-knock-connections", daemon=True)
        self._watcher.start()

    # --- socketserver hooks ---------------------------------------------------------------

    def get_request(self) -> tuple[socket.socket, Any]:
        if not self._make_room():
            # Every open connection is being served: leave the new one in the listen backlog.
            # socketserver takes the OSError as "nothing accepted" and asks again.
            with self._room:
                self._room.wait(timeout=0.05)
            raise OSError("at max_connections with none idle")
        return super().get_request()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self._open.add(request)
        self._wait(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._open.discard(request)
            self._room.notify_all()
        super().shutdown_request(request)

    def server_close(self) -> None:
        self._stopping.set()
        super().server_close()
        self._watcher.join(timeout=5)
        with self._lock:
            waiting = list(self._waiting)
        for connection in waiting:
            if self._take(connection):
                self.shutdown_request(connection)
        self.close_connections()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._selector.close()

    def close_connections(self) -> None:
        """Close every connection, waiting or being served (a worker blocked on one wakes)."""
        with self._lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    # --- connections between requests -----------------------------------------------------

    def _wait(self, connection: socket.socket, address: Any) -> None:
        with self._lock:
            if self._stopping.is_set():
                waiting = False
            else:
                self._waiting[connection] = time.monotonic()
                self._selector.register(connection, selectors.EVENT_READ, address)
                waiting = True
        if not waiting:
            self.shutdown_request(connection)

    def _watch(self) -> None:
        # A connection registered while select() waits is seen by that same wait (epoll, kqueue).
        while not self._stopping.is_set():
            for key, _ in self._selector.select(timeout=0.05):
                connection: socket.socket = key.fileobj  # type: ignore[assignment]  # registered sockets only
                if self._take(connection):
                    self._pool.submit(self._serve_one, connection, key.data)
            self._close_idle()

    def _take(self, connection: socket.socket) -> bool:
        with self._lock:
            if self._waiting.pop(connection, None) is None:
                return False
            self._selector.unregister(connection)
            return True

    def _make_room(self) -> bool:
        """Whether another connection may be accepted, after closing the longest-idle one if
        the fake is at ``max_connections``."""
        with self._lock:
            if len(self._open) < self.max_connections:
                return True
            oldest = next(iter(self._waiting), None)
        if oldest is None or not self._take(oldest):
            return False
        self.shutdown_request(oldest)
        return True

    def _close_idle(self) -> None:
        cutoff = time.monotonic() - self.idle_timeout
        with self._lock:
            idle = [c for c, since in self._waiting.items() if since < cutoff]
        for connection in idle:
            if self._take(connection):
                self.shutdown_request(connection)

    def _serve_one(self, connection: socket.socket, address: Any) -> None:
        """Answer one request; the handler's ``close_connection`` says whether to keep it."""
        keep = False
        try:
            handler: Any = self.RequestHandlerClass(connection, address, self)  # type: ignore[arg-type]
            keep = not handler.close_connection  # an http.server handler's verdict
        except Exception:
            self.handle_error(connection, address)
        if keep and not self._stopping.is_set():
            self._wait(connection, address)
        else:
            self.shutdown_request(connection)



@attrs.frozen(kw_only=True)
class RecordedRequest:
    """A request the fake received, as a test may want to assert on it."""

    method: str
    #: the path with each id percent-decoded (``/v1/users/a b``)
    path: str
    #: the path exactly as sent (``/v1/users/a%20b``)
    raw_path: str
    #: the query in Knock's style, parsed (``{"status": ["sent"], "inserted_at": {"gte": "..."}}``)
    query: Mapping[str, Any]
    #: headers as sent, except the API key in ``Authorization``, which is masked
    headers: Mapping[str, str]
    #: the parsed JSON body (the raw text if it was not JSON; ``None`` without a body)
    body: Any
    #: the status answered; ``None`` when the connection was dropped on purpose
    status: int | None
    request_id: str
    #: when the request arrived (UTC), and how long the fake took to answer it
    received_at: dt.datetime | None = None
    elapsed_ms: float | None = None

    def header(self, name: str) -> str | None:
        """A header by case-insensitive name."""
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


class FakeServer(PooledHTTPServer):
    def __init__(self, address: tuple[str, int], fake: FakeKnock, *, idle_timeout: float, max_connections: int) -> None:
        self.fake = fake
        super().__init__(address, FakeHandler, idle_timeout=idle_timeout, max_connections=max_connections)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (getfqdn), which can be slow; skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout, a closed pool) is normal in tests: no traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as urllib3's pools expect
    # Small answers on a kept-alive connection: without TCP_NODELAY, Nagle's algorithm and
    # the client's delayed ACK add about 40 ms to every request.
    disable_nagle_algorithm = True
    server: FakeServer

    def setup(self) -> None:
        super().setup()
        # Each read of a request waits at most the idle timeout: a client that stalls
        # part-way through a request is dropped as an idle one is.
        self.connection.settimeout(self.server.idle_timeout)

    def handle(self) -> None:
        # One request per call: between requests the connection waits in the server's
        # selector, without a thread (PooledHTTPServer).
        self.close_connection = True
        self.handle_one_request()

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _handle(self) -> None:
        fake = self.server.fake
        received, started = dt.datetime.now(dt.timezone.utc), time.perf_counter()
        request_id = uuid.uuid4().hex
        split = urlsplit(self.path)
        stripped = split.path.strip("/")
        segments = [unquote(s) for s in stripped.split("/")] if stripped else []
        path = "/" + "/".join(segments)
        refused = self._unreadable_request()
        if refused is not None:
            # The connection is closed after the answer: what follows cannot be framed.
            self.close_connection = True
            self._send(fault_reply(refused), request_id)
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if len(raw) < length:  # the client closed part-way: the body is not whole, whatever it parses as
            self.close_connection = True
            message = f"the body ended after {len(raw)} of the {length} bytes its Content-Length announced"
            self._send(fault_reply(KnockFault(400, "invalid_request", message)), request_id)
            return
        body: Any = None
        bad_json = False
        if raw:
            try:
                body = json.loads(raw)
            except (ValueError, RecursionError):
                body, bad_json = raw.decode("utf-8", "replace"), True
        headers = {k.lower(): v for k, v in self.headers.items()}
        if inbox.handles(path):  # the inbox page and its JSON: not Knock's API, not recorded
            self._send(fake._inbox.answer(self.command, path, headers, raw), request_id)
            return
        try:
            query = parse_query(split.query)
        except KnockFault as refusal:
            self._send(fault_reply(refusal), request_id)
            return
        fault, delay = fake._take_faults(self.command, path)
        if delay:
            time.sleep(delay)
        if fault is not None and fault.kind == "drop":
            if fault.processed:
                fake._answer(self.command, segments, query, body, headers, bad_json)
            reply: Reply | None = None
        elif fault is not None:
            reply = injected_reply(fault)
        else:
            reply = fake._answer(self.command, segments, query, body, headers, bad_json)
        fake._record(
            RecordedRequest(
                method=self.command, path=path, raw_path=split.path, query=query, headers=_masked(self.headers.items()),
                body=body, status=reply[0] if reply else None, request_id=request_id, received_at=received,
                elapsed_ms=(time.perf_counter() - started) * 1000,
            )
        )  # fmt: skip
        if reply is None:
            self.close_connection = True  # no answer: the client sees the connection close
        else:
            self._send(reply, request_id)
        if fake._log:
            outcome = reply[0] if reply else "dropped"
            elapsed = (time.perf_counter() - started) * 1000
            sys.stderr.write(f"{self.command} {self.path} -> {outcome} ({elapsed:.1f} ms)\n")

    def _unreadable_request(self) -> KnockFault | None:
        """A body the fake will not read: no usable Content-Length, or too large."""
        if self.headers.get("Transfer-Encoding"):
            return KnockFault(400, "invalid_request", "send the body with a Content-Length, not Transfer-Encoding")
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            return None
        value = lengths[0].strip()
        if len(lengths) > 1 or not (value.isascii() and value.isdigit()):
            return KnockFault(400, "invalid_request", "Content-Length must be one non-negative whole number")
        if int(value) > MAX_BODY:
            return KnockFault(413, "request_too_large", f"the body is over {MAX_BODY} bytes")
        return None

    def _send(self, reply: Reply, request_id: str) -> None:
        status, body, extra = reply  # a bytes body comes with its own Content-Type (the inbox's)
        data = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None and not isinstance(body, bytes):
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", request_id)
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # _handle logs one line per request when asked to


def _masked(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers as sent, with the API key replaced by its kind (``Bearer sk_test_***``)."""
    masked = {}
    for name, value in headers:
        if name.lower() == "authorization" and value.startswith("Bearer "):
            value = "Bearer " + mask_key(value[7:]).strip("'")
        masked[name] = value
    return masked
