"""A fast loopback server that answers Knock-shaped JSON, for bench/run.py.

Run it as its own process so that its CPU is not counted against the client:

    python bench/server.py            # prints "PORT <n>" and serves until stdin closes

It is a single-threaded asyncio HTTP/1.1 server with keep-alive. Every response is
built from pre-encoded bytes, so the server costs little and answers the same bytes to
every client library. It knows only the endpoints the benchmark calls:

    GET  /v1/users?page_size=50&after=<cursor>   a page of 50 users (10,000 in all)
    GET  /v1/messages?page_size=50&after=<cursor>   a page of 50 messages (2,000 in all), each with a
                                                 recipient, actors, a source and a channel nested in it
    GET  /v1/users/{id}                          one user
    PUT  /v1/users/{id}                          one user (identify)
    POST /v1/workflows/{key}/trigger             {"workflow_run_id": ...}

It listens on 127.0.0.1 only and exits when its standard input is closed (so it never
outlives the benchmark that started it).
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Callable
from urllib.parse import parse_qs, unquote

TOTAL_USERS = 10_000
TOTAL_MESSAGES = 2_000
PAGE_SIZE = 50


def user(index: int) -> dict[str, object]:
    """A user as Knock returns it: known fields, custom properties flattened at the top."""
    return {
        "__typename": "User",
        "id": f"user-{index:05d}",
        "name": f"User Number {index}",
        "email": f"user{index}@example.com",
        "phone_number": None,
        "avatar": None,
        "timezone": "America/New_York",
        "locale": None,
        "created_at": None,
        "updated_at": "2024-05-01T12:34:56.789Z",
        "plan": "pro",
        "seats": index % 7,
    }


def message(index: int) -> dict[str, object]:
    """A message as Knock lists it. Every other recipient is an object reference, the rest user ids."""
    recipient: object = f"user-{index:05d}"
    if index % 2:
        recipient = {"id": f"project-{index}", "collection": "projects"}
    stamp = "2024-05-01T12:34:56.789Z"
    return {
        "__typename": "Message",
        "id": f"2w3YUpTTOxuDvZFji8OMs{index:06d}",
        "channel_id": "123e4567-e89b-12d3-a456-426614174000",
        "channel": {
            "id": "123e4567-e89b-12d3-a456-426614174000", "key": "postmark", "name": "Postmark",
            "provider": "postmark", "type": "email", "created_at": stamp, "updated_at": stamp,
        },
        "recipient": recipient,
        "actors": ["dnedry", {"id": "park-1", "collection": "parks"}],
        "status": "delivered",
        "engagement_statuses": ["seen", "read"],
        "source": {
            "__typename": "NotificationSource", "key": "dinosaurs-loose", "categories": ["safety"],
            "version_id": "789e0123-f45a-67b8-c901-234567890abc", "step_ref": "email_1", "type": "workflow",
            "workflow_run_id": "789e0123-f45a-67b8-c901-234567890abd", "workflow_recipient_run_id": None,
        },
        "tenant": "jurassic-park",
        "workflow": "dinosaurs-loose",
        "data": {"type": "trex", "priority": index % 3},
        "metadata": None,
        "inserted_at": stamp, "updated_at": stamp, "scheduled_at": None, "seen_at": stamp, "read_at": stamp,
        "interacted_at": None, "link_clicked_at": None, "clicked_at": None, "archived_at": None,
    }  # fmt: skip


def _page(
    start: int, total: int = TOTAL_USERS, item: Callable[[int], dict[str, object]] = user, key: str = "entries"
) -> bytes:
    end = min(start + PAGE_SIZE, total)
    after = f"c{end:05d}" if end < total else None
    before = f"c{start:05d}" if start else None
    body = {
        key: [item(i) for i in range(start, end)],
        "page_info": {"__typename": "PageInfo", "after": after, "before": before, "page_size": PAGE_SIZE},
    }
    return json.dumps(body, separators=(",", ":")).encode()


def _response(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\n"
        "content-type: application/json; charset=utf-8\r\n"
        "cache-control: max-age=0, private, must-revalidate\r\n"
        f"x-request-id: F{uuid.uuid4().hex[:20]}\r\n"
        f"content-length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode() + body


PAGES = {start: _response("200 OK", _page(start)) for start in range(0, TOTAL_USERS, PAGE_SIZE)}
MESSAGE_PAGES = {
    start: _response("200 OK", _page(start, TOTAL_MESSAGES, message, "items"))
    for start in range(0, TOTAL_MESSAGES, PAGE_SIZE)
}
USER_BODY = json.dumps(user(1), separators=(",", ":")).encode()
NOT_FOUND = _response(
    "404 Not Found", b'{"code":"resource_missing","message":"not found","status":404,"type":"api_error"}'
)


def answer(method: bytes, target: bytes) -> bytes:
    path, _, query = target.partition(b"?")
    if path == b"/v1/users" and method == b"GET":
        params = parse_qs(query.decode())
        after = params.get("after", ["c00000"])[0]
        return PAGES.get(int(after[1:]), NOT_FOUND)
    if path == b"/v1/messages" and method == b"GET":
        params = parse_qs(query.decode())
        after = params.get("after", ["c00000"])[0]
        return MESSAGE_PAGES.get(int(after[1:]), NOT_FOUND)
    if path.startswith(b"/v1/users/") and method in (b"GET", b"PUT"):
        user_id = unquote(path[10:].decode())
        body = USER_BODY.replace(b'"user-00001"', json.dumps(user_id).encode(), 1)
        return _response("200 OK", body)
    if path.startswith(b"/v1/workflows/") and path.endswith(b"/trigger") and method == b"POST":
        return _response("200 OK", b'{"workflow_run_id":"%s"}' % str(uuid.uuid4()).encode())
    return NOT_FOUND


class _Http(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        out = []
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            lines = self.buffer[:end].split(b"\r\n")
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                break
            method, target, _ = lines[0].split(b" ", 2)
            self.buffer = self.buffer[end + 4 + length :]
            out.append(answer(method, target))
        if out:
            self.transport.write(b"".join(out))


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Http, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    # Serve until the parent closes our stdin (or dies).
    stdin_closed = loop.run_in_executor(None, sys.stdin.buffer.read)
    async with server:
        await stdin_closed


if __name__ == "__main__":
    asyncio.run(_serve())
