"""Check a tenant's Slack connection, list its Slack channels and revoke its token (the seed
scenario "Slack").

    python examples/slack.py

Without KNOCK_API_KEY it runs against an embedded fake Knock on 127.0.0.1 (knockkit.testing).
That fake does not serve Knock's three Slack provider endpoints, so this script then starts a
small stub of those endpoints of its own (a stdlib http.server on 127.0.0.1 with made-up
channels) and sends the Slack calls there, saying so. Nothing reaches Knock or Slack.

With KNOCK_API_KEY set it uses your Knock environment: KNOCK_SLACK_CHANNEL_ID is the id of your
Knock Slack channel and KNOCK_SLACK_TENANT the tenant that holds the Slack access token (it
skips the Slack steps, saying so, when either is not set). It revokes the token only when
KNOCK_SLACK_REVOKE=1, since that disconnects the tenant's Slack.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from _target import connect, say

import knockkit
from knockkit import NotFoundError, tenants
from knockkit.providers import slack

# The seed scenario's ids; on Knock they come from KNOCK_SLACK_CHANNEL_ID and KNOCK_SLACK_TENANT.
SLACK_CHANNEL_ID = "7c1e0042-5ef2-411a-a43b-e541acb139ed"
TENANT = "tenant-123"


def run(client: knockkit.Client, channel_id: str, tenant: str, *, page_limit: int, revoke: bool) -> None:
    say(f"\n1. Check the Slack connection of tenant {tenant}")
    auth = slack.check_auth(client, channel_id, tenant=tenant)
    say(f"   ok={auth.connection.ok}" + (f", reason={auth.connection.reason}" if auth.connection.reason else ""))

    say("\n2. One page of public channels (limit=200, archived excluded)")
    page = slack.list_channels(client, channel_id, tenant=tenant, limit=200, exclude_archived=True,
                               types="public_channel")  # fmt: skip
    say(f"   {len(page)} channel(s): {', '.join('#' + c.name for c in page if c.name)}")
    say(f"   next page: {page.next_params or 'none'}")

    say(f"\n3. Every channel, public and private, {page_limit} per request (knockkit.paginate follows next_cursor)")
    channels = knockkit.paginate(slack.list_channels, client, channel_id, tenant=tenant, limit=page_limit,
                                 types="public_channel,private_channel")  # fmt: skip
    for channel in itertools.islice(channels, 50):
        say(f"   {channel.id}  #{channel.name}{' (private)' if channel.is_private else ''}")

    say("\n4. Revoke the access token")
    if not revoke:
        say("   skipped: it disconnects the tenant's Slack; set KNOCK_SLACK_REVOKE=1 to run it")
        return
    slack.revoke_access(client, channel_id, tenant=tenant)
    auth = slack.check_auth(client, channel_id, tenant=tenant)
    say(f"   revoked; check_auth now says ok={auth.connection.ok}, reason={auth.connection.reason}")


def main() -> None:
    with connect() as target:
        if target.fake is None:
            channel_id = target.setting("KNOCK_SLACK_CHANNEL_ID", "", "the id of your Knock Slack channel")
            tenant = target.setting("KNOCK_SLACK_TENANT", "", "the tenant that holds the Slack access token")
            if channel_id and tenant:
                run(target.client, channel_id, tenant, page_limit=200,
                    revoke=os.environ.get("KNOCK_SLACK_REVOKE") == "1")  # fmt: skip
            return

        tenants.set(target.client, TENANT, {"name": "Tenant 123"})
        say(f"\nset the tenant {TENANT} on the fake")
        if fake_serves_slack(target.client):
            run(target.client, SLACK_CHANNEL_ID, TENANT, page_limit=2, revoke=True)
            return
        with SlackStub() as stub:
            say(
                f"\nThe fake Knock does not serve the Slack provider endpoints, so this example started its own stub"
                f" of them at {stub.url} (stdlib http.server, made-up channels); the Slack calls below go there."
            )
            run(target.client.evolve(base_url=stub.url), SLACK_CHANNEL_ID, TENANT, page_limit=2, revoke=True)
            say(f"\nThe stub received access_token_object={stub.holders[0]} (the tenant, JSON-encoded)")


def fake_serves_slack(client: knockkit.Client) -> bool:
    """Whether the fake answers Slack's auth check (Knock's router answers 404 without a code)."""
    try:
        slack.check_auth(client, SLACK_CHANNEL_ID, tenant=TENANT)
    except NotFoundError as exc:
        return exc.code is not None
    return True


# --- a loopback stand-in for Knock's Slack provider endpoints -------------------------------


STUB_CHANNELS = [
    {"id": "C01ALERTS01", "name": "park-alerts", "is_private": False, "is_archived": False},
    {"id": "C01GENERAL1", "name": "general", "is_private": False, "is_archived": False},
    {"id": "C01RAPTORS1", "name": "raptor-paddock", "is_private": False, "is_archived": False},
    {"id": "C01OLDNEWS1", "name": "opening-day", "is_private": False, "is_archived": True},
    {"id": "G01CONTROL1", "name": "control-room", "is_private": True, "is_archived": False},
]


class SlackStub:
    """GET .../auth_check, GET .../channels and PUT .../revoke_access of
    /v1/providers/slack/{channel_id}, answered from memory in Knock's response shapes."""

    def __init__(self) -> None:
        self.revoked: set[str] = set()
        self.holders: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> SlackStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, method: str, path: str, query: dict[str, str], authorized: bool) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if len(parts) != 5 or parts[:3] != ["v1", "providers", "slack"]:
            return 404, {"errors": {"detail": "404 Not Found"}}
        if not authorized:
            return 401, error(401, "api_key_missing", "No API key provided", "authentication_error")
        try:
            holder = json.loads(query["access_token_object"])
            key = f"{holder['collection']}/{holder['object_id']}"
        except (KeyError, TypeError, ValueError):
            return 422, error(422, "invalid_params", "access_token_object must be a JSON object reference")
        self.holders.append(query["access_token_object"])
        operation = parts[4]
        if (method, operation) == ("GET", "auth_check"):
            revoked = key in self.revoked
            return 200, {"connection": {"ok": not revoked, "reason": "token_revoked" if revoked else None}}
        if (method, operation) == ("PUT", "revoke_access"):
            self.revoked.add(key)
            return 200, {"ok": "ok"}
        if (method, operation) == ("GET", "channels"):
            return 200, self.channels(query)
        return 404, {"errors": {"detail": "404 Not Found"}}

    def channels(self, query: dict[str, str]) -> dict[str, Any]:
        """One page, as Slack's conversations.list pages them (types, exclude_archived, limit, cursor)."""
        types = set(query.get("query_options[types]", "public_channel").split(","))
        exclude_archived = query.get("query_options[exclude_archived]", "true") == "true"
        chosen = [
            c for c in STUB_CHANNELS
            if ("private_channel" if c["is_private"] else "public_channel") in types
            and not (exclude_archived and c["is_archived"])
        ]  # fmt: skip
        start = int(base64.b64decode(query["query_options[cursor]"])) if query.get("query_options[cursor]") else 0
        limit = int(query.get("query_options[limit]", "200"))
        rows = [{**c, "is_im": False, "context_team_id": "T01JURASSIC"} for c in chosen[start : start + limit]]
        more = start + limit < len(chosen)
        next_cursor = base64.b64encode(str(start + limit).encode()).decode() if more else None
        return {"slack_channels": rows, "next_cursor": next_cursor}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                split = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(split.query).items()}
                authorized = (self.headers.get("Authorization") or "").startswith("Bearer sk_")
                status, body = stub.answer(self.command, split.path, query, authorized)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_PUT = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def error(status: int, code: str, message: str, kind: str = "invalid_request_error") -> dict[str, Any]:
    return {"code": code, "message": message, "status": status, "type": kind}


if __name__ == "__main__":
    main()
