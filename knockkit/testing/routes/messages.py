"""Messages: lists, contents, events, activities, engagement (one, a batch, a channel's)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any

from knockkit.testing.routes.table import (
    Call,
    Handler,
    Reply,
    body_of,
    items_of,
    ok,
    page,
    query_list,
    recipient_of,
    route,
)
from knockkit.testing.stores import CONTENT_CHANNEL_TYPES, JsonDict, State, invalid, parse_time


def message_matches(message: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    """The filters of Knock's message lists, as knockkit sends them."""
    for name, field in (("tenant", "tenant"), ("channel_id", "channel_id"), ("source", "workflow")):
        if query.get(name) is not None and message.get(field) != query[name]:
            return False
    source = message["source"]
    for name in ("workflow_run_id", "workflow_recipient_run_id"):
        if query.get(name) is not None and source.get(name) != query[name]:
            return False
    statuses = query_list(query, "status")
    if statuses and message["status"] not in statuses:
        return False
    ids = query_list(query, "message_ids")
    if ids and message["id"] not in ids:
        return False
    categories = query_list(query, "workflow_categories")
    if categories and not set(categories) & set(source.get("categories") or ()):
        return False
    engagement = query_list(query, "engagement_status")
    if engagement and not any(engaged(message, e) for e in engagement):
        return False
    return trigger_data_matches(message, query) and _inserted_matches(message, query)


def engaged(message: Mapping[str, Any], status: str) -> bool:
    negated = status.startswith("un")
    field = f"{status[2:] if negated else status}_at"
    if field not in message:
        raise invalid(f"unknown engagement_status {status!r}")
    return bool(message[field]) != negated


def trigger_data_matches(message: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    raw = query.get("trigger_data")
    if raw is None:
        return True
    try:
        wanted = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise invalid("trigger_data must be a JSON-encoded object") from None
    if not isinstance(wanted, Mapping):
        raise invalid("trigger_data must be a JSON-encoded object")
    data = message.get("data") or {}
    return all(data.get(k) == v for k, v in wanted.items())


def _inserted_matches(message: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    bounds = query.get("inserted_at")
    if not isinstance(bounds, Mapping):
        return True
    inserted = parse_time(message["inserted_at"])
    assert inserted is not None
    for op, raw in bounds.items():
        limit = parse_time(raw)
        if limit is None or op not in ("gt", "gte", "lt", "lte"):
            raise invalid(f"inserted_at[{op}] must be an ISO 8601 timestamp")
        if not {"gt": inserted > limit, "gte": inserted >= limit, "lt": inserted < limit, "lte": inserted <= limit}[op]:
            return False
    return True


def _messages_reply(state: State, call: Call, messages: Iterable[Mapping[str, Any]]) -> Reply:
    chosen = [m for m in messages if message_matches(m, call.query)]
    return ok(page(chosen, call.query, state.render_message, key="items", newest_first=True))


@route("GET", "/v1/messages")
def list_messages(state: State, call: Call) -> Reply:
    return _messages_reply(state, call, state.messages.values())


@route("GET", "/v1/users/{user_id}/messages")
def list_user_messages(state: State, call: Call) -> Reply:
    key = recipient_of(state, call)
    return _messages_reply(state, call, (m for m in state.messages.values() if m["_key"] == key))


@route("GET", "/v1/objects/{collection}/{id}/messages")
def list_object_messages(state: State, call: Call) -> Reply:
    key = recipient_of(state, call)
    return _messages_reply(state, call, (m for m in state.messages.values() if m["_key"] == key))


@route("GET", "/v1/messages/{message_id}")
def get_message(state: State, call: Call) -> Reply:
    return ok(state.render_message(state.message(call.params["message_id"])))


@route("GET", "/v1/messages/{message_id}/content")
def get_message_content(state: State, call: Call) -> Reply:
    return ok(state.render_content(state.message(call.params["message_id"])))


@route("GET", "/v1/messages/batch/content")
def batch_get_message_content(state: State, call: Call) -> Reply:
    ids = query_list(call.query, "message_ids")
    if not ids:
        raise invalid("message_ids is required")
    if len(ids) > 50:
        raise invalid(f"message_ids has {len(ids)} items; at most 50 are allowed")
    found = [state.messages[i] for i in ids if isinstance(i, str) and i in state.messages]
    return ok([state.render_content(m) for m in found if m["_channel_type"] in CONTENT_CHANNEL_TYPES])


@route("GET", "/v1/messages/{message_id}/events")
def list_message_events(state: State, call: Call) -> Reply:
    message = state.message(call.params["message_id"])
    render = functools.partial(state.render_event, message)
    return ok(page(message["_events"], call.query, render, key="items", newest_first=True))


@route("GET", "/v1/messages/{message_id}/activities")
def list_message_activities(state: State, call: Call) -> Reply:
    message = state.message(call.params["message_id"])
    activities = [{**a, "_seq": index} for index, a in enumerate(message["_activities"])]
    chosen = [a for a in activities if trigger_data_matches(a, call.query)]
    render = functools.partial(state.render_activity, message)
    return ok(page(chosen, call.query, render, key="items", newest_first=True))


@route("GET", "/v1/messages/{message_id}/delivery_logs")
def list_message_delivery_logs(state: State, call: Call) -> Reply:
    state.message(call.params["message_id"])  # the fake calls no provider, so it logs nothing
    return ok(page([], call.query, dict, key="items", newest_first=True))


def _marker(status: str, on: bool) -> Handler:
    def mark(state: State, call: Call) -> Reply:
        message = state.message(call.params["message_id"])
        return ok(state.mark(message, status, on, body_of(call).get("metadata")))

    return mark


for _status in ("seen", "read", "interacted", "archived"):
    route("PUT", f"/v1/messages/{{message_id}}/{_status}")(_marker(_status, True))
for _status, _alias in (("seen", "unseen"), ("read", "unread"), ("archived", "unarchived")):
    route("DELETE", f"/v1/messages/{{message_id}}/{_status}")(_marker(_status, False))
    route("DELETE", f"/v1/messages/{{message_id}}/{_alias}")(_marker(_status, False))

_BATCH = {
    "seen": ("seen", True), "unseen": ("seen", False), "read": ("read", True), "unread": ("read", False),
    "interacted": ("interacted", True), "archived": ("archived", True), "unarchived": ("archived", False),
}  # fmt: skip


def _batch_marker(action: str) -> Handler:
    status, on = _BATCH[action]

    def mark(state: State, call: Call) -> Reply:
        body = body_of(call)
        ids = items_of(body, "message_ids", 50)
        found = [state.messages[i] for i in ids if isinstance(i, str) and i in state.messages]
        return ok([state.mark(message, status, on, body.get("metadata")) for message in found])

    return mark


for _action in _BATCH:
    route("POST", f"/v1/messages/batch/{_action}")(_batch_marker(_action))


@route("POST", "/v1/channels/{channel_id}/messages/bulk/{action}")
def bulk_update_channel_messages(state: State, call: Call) -> Reply:
    action = call.params["action"]
    aliases = {"archive": "archived", "unarchive": "unarchived"}
    action = aliases.get(action, action)
    if action not in _BATCH and action != "delete":
        raise invalid(f"unknown action {call.params['action']!r}")
    body = body_of(call)
    query: dict[str, Any] = {"channel_id": call.params["channel_id"], "trigger_data": body.get("trigger_data")}
    bounds = {op: body[name] for op, name in (("gt", "newer_than"), ("lt", "older_than")) if body.get(name)}
    if bounds:
        query["inserted_at"] = bounds
    if body.get("delivery_status"):
        query["status"] = [body["delivery_status"]]
    if body.get("engagement_status"):
        query["engagement_status"] = [body["engagement_status"]]
    recipients, tenants, workflows = body.get("recipient_ids"), body.get("tenants"), body.get("workflows")
    archived = body.get("archived", "include")
    chosen = [
        m for m in state.messages.values()
        if message_matches(m, query)
        and (not recipients or m["recipient"] in recipients)
        and (not tenants or m["tenant"] in tenants)
        and (not workflows or m["workflow"] in workflows)
        and (body.get("has_tenant") is None or bool(m["tenant"]) == body["has_tenant"])
        and (archived != "exclude" or not m["archived_at"]) and (archived != "only" or m["archived_at"])
    ]  # fmt: skip

    def apply(message: JsonDict) -> None:
        if action == "delete":
            state.messages.pop(message["id"], None)
        else:
            state.mark(message, *_BATCH[action])

    return ok(state.bulk(f"channels.messages.{action}", chosen, apply))
