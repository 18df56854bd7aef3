"""A minimal forward proxy on 127.0.0.1 for the proxy tests: CONNECT tunnels and absolute-URI requests.

Whatever host a client asks for, the proxy connects to that port on 127.0.0.1, so that a
client can be pointed at ``http://knock.test:PORT`` (a name only the proxy "resolves"):
a request that reaches the server went through the proxy. It records every request head it
reads, and answers 407 to requests without the credentials it was given.

Each connection has a thread (daemons, with socket timeouts), so a test that goes wrong
cannot leave the proxy running or blocked for long.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import threading
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

_TIMEOUT = 10.0
_MAX_HEAD = 64 * 1024


@dataclass(frozen=True)
class Seen:
    method: str
    target: str  # "knock.test:443" for CONNECT, the absolute URI otherwise
    headers: dict[str, str]  # names lower-cased


class ForwardProxy:
    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        self.seen: list[Seen] = []
        self.errors: list[BaseException] = []
        self._expected = None
        if credentials is not None:
            token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
            self._expected = f"Basic {token}"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._sockets: list[socket.socket] = []
        self._closed = False

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ForwardProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object | TracebackType | None) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked on it
        self._listener.close()
        for sock in list(self._sockets):
            with contextlib.suppress(OSError):
                sock.close()

    # --- serving ------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            conn.settimeout(_TIMEOUT)
            self._sockets.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            with conn:
                buffered = b""
                while True:  # requests on one client connection, one upstream connection each
                    head, buffered = _read_head(conn, buffered)
                    if head is None:
                        return
                    method, target, headers = _parse_head(head)
                    self.seen.append(Seen(method, target, headers))
                    if self._expected is not None and headers.get("proxy-authorization") != self._expected:
                        conn.sendall(
                            b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                            b'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n'
                        )
                        continue
                    if method == "CONNECT":
                        self._tunnel(conn, target)
                        return
                    buffered = self._forward(conn, method, target, headers, buffered)
        except (OSError, ValueError) as exc:
            if not self._closed and not isinstance(exc, (ConnectionError, TimeoutError)):
                self.errors.append(exc)

    def _upstream(self, port: int) -> socket.socket:
        upstream = socket.create_connection(("127.0.0.1", port), timeout=_TIMEOUT)
        self._sockets.append(upstream)
        return upstream

    def _tunnel(self, conn: socket.socket, target: str) -> None:
        upstream = self._upstream(int(target.rsplit(":", 1)[1]))
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        pump = threading.Thread(target=_copy, args=(upstream, conn), daemon=True)
        pump.start()
        _copy(conn, upstream)
        pump.join(_TIMEOUT)
        upstream.close()

    def _forward(
        self, conn: socket.socket, method: str, target: str, headers: dict[str, str], buffered: bytes
    ) -> bytes:
        parts = urlsplit(target)
        length = int(headers.get("content-length", "0"))
        while len(buffered) < length:
            chunk = conn.recv(65536)
            if not chunk:
                raise ConnectionError("client closed mid-body")
            buffered += chunk
        body, buffered = buffered[:length], buffered[length:]
        kept = [(k, v) for k, v in headers.items() if not k.startswith("proxy-") and k != "connection"]
        origin_form = parts.path + (f"?{parts.query}" if parts.query else "")
        lines = [f"{method} {origin_form} HTTP/1.1", *(f"{k}: {v}" for k, v in kept), "Connection: close"]
        with self._upstream(parts.port or 80) as upstream:
            upstream.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            _copy(upstream, conn, shut=False)  # streamed as it comes, until the server closes
        return buffered


def _read_head(conn: socket.socket, buffered: bytes) -> tuple[bytes | None, bytes]:
    while b"\r\n\r\n" not in buffered:
        chunk = conn.recv(65536)
        if not chunk:
            return None, b""
        buffered += chunk
        if len(buffered) > _MAX_HEAD:
            raise ValueError("request head too large")
    head, _, rest = buffered.partition(b"\r\n\r\n")
    return head, rest


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    line, *fields = head.decode("latin-1").split("\r\n")
    method, target, _ = line.split(" ", 2)
    headers = {}
    for field in fields:
        name, _, value = field.partition(":")
        headers[name.strip().lower()] = value.strip()
    return method, target, headers


def _copy(source: socket.socket, sink: socket.socket, *, shut: bool = True) -> None:
    with contextlib.suppress(OSError):
        while True:
            chunk = source.recv(65536)
            if not chunk:
                break
            sink.sendall(chunk)
    if shut:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
