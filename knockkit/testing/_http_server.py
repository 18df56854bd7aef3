"""The fake's HTTP/1.1 server: keep-alive connections on a bounded pool of worker threads.

``http.server.ThreadingHTTPServer`` listens with a backlog of 5 and gives every connection
a thread for its whole life, so a burst of clients is refused and idle connections pile
up threads. Here the listen backlog is 128, a connection waiting for its next request
sits in a selector (no thread), only a readable connection is handed to a worker, one
request at a time, and a connection idle for ``idle_timeout`` seconds is closed.
HTTP pipelining is not supported (no common client pipelines).
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import socketserver
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["PooledHTTPServer"]


class PooledHTTPServer(socketserver.TCPServer):
    request_queue_size = 128
    allow_reuse_address = True
    #: Worker threads answering requests; connections beyond them wait without a thread.
    workers = 32
    #: Seconds a kept-alive connection may wait for its next request before it is closed.
    idle_timeout = 15.0

    def __init__(self, address: tuple[str, int], handler: Any) -> None:
        super().__init__(address, handler)
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="fake-knock-worker")
        self._selector = selectors.DefaultSelector()
        self._lock = threading.Lock()
        self._waiting: dict[socket.socket, float] = {}  # connection -> when it began to wait
        self._open: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="fake-knock-connections", daemon=True)
        self._watcher.start()

    # --- socketserver hooks ---------------------------------------------------------------

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self._open.add(request)
        self._wait(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._open.discard(request)
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
