"""In-app feeds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from knockkit.testing.routes.messages import engaged, message_matches
from knockkit.testing.routes.table import Call, Reply, ok, page, query_bool, recipient_of, route
from knockkit.testing.stores import State


def _feed_matches(message: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    archived = query.get("archived", "exclude")
    if (archived == "exclude" and message["archived_at"]) or (archived == "only" and not message["archived_at"]):
        return False
    status = query.get("status", "all")
    if status != "all" and not engaged(message, status):
        return False
    has_tenant = query_bool(query, "has_tenant")
    if has_tenant is not None and bool(message["tenant"]) != has_tenant:
        return False
    narrowed = {k: query[k] for k in ("source", "tenant", "workflow_categories", "trigger_data", "inserted_at")
                if k in query}  # fmt: skip
    return message_matches(message, narrowed)


@route("GET", "/v1/users/{user_id}/feeds/{id}")
def list_feed_items(state: State, call: Call) -> Reply:
    key = recipient_of(state, call)
    feed = [
        m for m in state.messages.values()
        if m["_key"] == key and m["_channel_type"] == "in_app_feed" and m["channel_id"] == call.params["id"]
    ]  # fmt: skip
    chosen = [m for m in feed if _feed_matches(m, call.query)]
    result = page(chosen, call.query, state.render_feed_item, newest_first=True)
    unarchived = [m for m in feed if not m["archived_at"]]
    result["meta"] = {
        "__typename": "FeedMetadata",
        "total_count": len(chosen),
        "unread_count": sum(1 for m in unarchived if not m["read_at"]),
        "unseen_count": sum(1 for m in unarchived if not m["seen_at"]),
    }
    result["vars"] = {}
    return ok(result)


@route("GET", "/v1/users/{user_id}/feeds/{id}/settings")
def feed_settings(state: State, call: Call) -> Reply:
    recipient_of(state, call)
    return ok({"features": {"branding_required": False}})
