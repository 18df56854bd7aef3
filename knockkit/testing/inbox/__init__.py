"""The fake's inbox: a web page at ``/`` (and ``/_fake/``) showing what the fake did.

Recipients and their messages rendered per channel, workflow runs with each step's outcome,
the request log, and buttons that move the clock and release held runs. The page is plain
HTML, CSS and JavaScript shipped in ``static/`` (nothing fetched from elsewhere); it polls
``GET /_fake/inbox/state`` (`knockkit.testing.inbox.view`) every second.

Who may use it: the fake listens on 127.0.0.1 only, and a browser cannot send the API key,
so the page and its read-only JSON are served without the key, but only to a request whose
``Host`` is the fake's own loopback address (a page of another site that rebinds a DNS name
to 127.0.0.1 is refused). The page never shows the key, headers or bodies. The buttons'
POSTs must also come from the fake's own origin (``Origin``) and carry the token this fake
embedded in its page (``X-Knockkit-Inbox-Token``), which another site's page cannot read.
"""

from __future__ import annotations

import hmac
import json
import math
import secrets
import sys
import traceback
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from knockkit.testing._server import FakeKnock

__all__ = ["PREFIX", "Inbox", "InboxReply"]

#: (status, body bytes, headers): the inbox answers with bytes of its own content type.
InboxReply = tuple[int, bytes, dict[str, str]]

PREFIX = "/_fake/inbox"
PAGE_PATHS = ("/", "/_fake", PREFIX)
TOKEN_HEADER = "x-knockkit-inbox-token"
_TOKEN_SLOT = "__KNOCKKIT_INBOX_TOKEN__"
_STATIC = {"inbox.css": "text/css; charset=utf-8", "inbox.js": "text/javascript; charset=utf-8"}
#: The page and what it loads come from the fake alone; email HTML (in a sandboxed srcdoc
#: frame, which inherits this policy) may use inline styles and data: images, nothing remote.
_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
           "connect-src 'self'; frame-src 'self' about:; base-uri 'none'; form-action 'none'; "
           "frame-ancestors 'none'")  # fmt: skip
#: The longest jump the advance button takes (ten years), so a typo fails plainly.
MAX_MINUTES = 10 * 366 * 24 * 60


def handles(path: str) -> bool:
    """Whether the inbox answers this (percent-decoded, normalised) path."""
    return path in PAGE_PATHS or path.startswith(PREFIX + "/")


class Inbox:
    """The inbox of one fake: its page, its JSON, its two buttons."""

    def __init__(self, fake: FakeKnock) -> None:
        self._fake = fake
        self._token = secrets.token_urlsafe(24)  # for this fake's page only; never logged

    def __repr__(self) -> str:
        return "<Inbox>"

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> InboxReply:
        """The reply to a request `handles` accepted (``headers`` with lower-cased names)."""
        try:
            return self._route(method, path, headers, body)
        except Exception as exc:  # a bug in the inbox: say so on the page rather than drop the connection
            traceback.print_exc(file=sys.stderr)
            return _error(500, f"the inbox failed on {method} {path}: {type(exc).__name__}: {exc}")

    def _route(self, method: str, path: str, headers: dict[str, str], body: bytes) -> InboxReply:
        if not self._own_host(headers.get("host")):
            return _error(403, "the inbox answers only requests addressed to the fake's own 127.0.0.1 address")
        if path in PAGE_PATHS:
            return self._page() if method == "GET" else _error(405, "the page is GET only")
        name = path[len(PREFIX) + 1:]
        if name.startswith("static/"):
            return _static(name[7:]) if method == "GET" else _error(405, "static files are GET only")
        if name == "state" and method == "GET":
            from knockkit.testing.inbox.view import snapshot

            return _json(200, snapshot(self._fake))
        actions = {"advance": self._advance, "release": self._release}
        if name not in actions:
            return _error(404, f"no inbox endpoint {path}")
        if method != "POST":
            return _error(405, f"{path} takes POST")
        refusal = self._refusal(headers)
        if refusal is not None:
            return _error(403, refusal)
        try:
            parsed = json.loads(body) if body else {}
        except ValueError:
            return _error(400, "the body must be JSON")
        if not isinstance(parsed, dict):
            return _error(400, "the body must be a JSON object")
        return actions[name](parsed)

    # --- who may ask ---------------------------------------------------------------------------

    def _origins(self) -> tuple[str, ...]:
        port = self._fake.port
        return (f"127.0.0.1:{port}", f"localhost:{port}")

    def _own_host(self, host: str | None) -> bool:
        return host is not None and host.lower() in self._origins()

    def _refusal(self, headers: dict[str, str]) -> str | None:
        """Why a button's POST is refused: another origin, or not this page's token."""
        origin = headers.get("origin", "")
        if origin.lower() not in tuple(f"http://{o}" for o in self._origins()):
            return "the inbox's buttons work from the inbox page only (Origin is not the fake's)"
        if not hmac.compare_digest(headers.get(TOKEN_HEADER, "").encode(), self._token.encode()):
            return "the inbox's buttons need the token of the page this fake served (reload the page)"
        return None

    # --- what it serves ------------------------------------------------------------------------

    def _page(self) -> InboxReply:
        html = _read("index.html").decode().replace(_TOKEN_SLOT, self._token)
        return 200, html.encode(), {"Content-Type": "text/html; charset=utf-8", **_NO_CACHE,
                                    "Content-Security-Policy": _POLICY}  # fmt: skip

    def _advance(self, body: dict[str, Any]) -> InboxReply:
        minutes = body.get("minutes")
        if set(body) != {"minutes"} or isinstance(minutes, bool) or not isinstance(minutes, (int, float)):
            return _error(400, "the body must be {\"minutes\": N}")
        if not (math.isfinite(minutes) and 0 < minutes <= MAX_MINUTES):
            return _error(400, f"minutes must be more than 0 and at most {MAX_MINUTES}")
        if not self._fake.loaded_workflows():
            return _error(409, "no workflows are loaded, so there is no clock (start the fake with --workflows DIR)")
        now = self._fake.clock.advance(minutes=minutes)
        return _json(200, {"now": now.isoformat().replace("+00:00", "Z")})

    def _release(self, body: dict[str, Any]) -> InboxReply:
        if body:
            return _error(400, "the body must be empty or {}")
        return _json(200, {"released": self._fake.release()})


_NO_CACHE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def _read(name: str) -> bytes:
    return resources.files("knockkit.testing.inbox").joinpath("static").joinpath(name).read_bytes()


def _static(name: str) -> InboxReply:
    if name not in _STATIC:  # a fixed list: no path from the request reaches the file system
        return _error(404, f"no inbox file {name!r}")
    return 200, _read(name), {"Content-Type": _STATIC[name], **_NO_CACHE}


def _json(status: int, body: Any) -> InboxReply:
    return status, json.dumps(body).encode(), {"Content-Type": "application/json; charset=utf-8", **_NO_CACHE}


def _error(status: int, message: str) -> InboxReply:
    return _json(status, {"error": message})
