"""Schedules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from knockkit.testing.routes.table import Call, Reply, body_of, items_of, ok, page, query_list, recipient_of, route
from knockkit.testing.stores import JsonDict, RKey, State, invalid, not_found, rkey_of


def _schedules_reply(state: State, call: Call, key: RKey | None) -> Reply:
    query = call.query
    wanted = query_list(query, "recipients")
    only = {rkey_of(r, "recipients") for r in wanted} if wanted else None
    chosen = [
        s for s in state.schedules.values()
        if query.get("workflow") in (None, s["workflow"]) and query.get("tenant") in (None, s["tenant"])
        and key in (None, s["_key"]) and (only is None or s["_key"] in only)
    ]  # fmt: skip
    return ok(page(chosen, query, state.render_schedule))


@route("GET", "/v1/schedules")
def list_schedules(state: State, call: Call) -> Reply:
    if not call.query.get("workflow"):
        raise invalid("workflow is required")
    return _schedules_reply(state, call, None)


@route("GET", "/v1/users/{user_id}/schedules")
def list_user_schedules(state: State, call: Call) -> Reply:
    return _schedules_reply(state, call, recipient_of(state, call))


@route("GET", "/v1/objects/{collection}/{id}/schedules")
def list_object_schedules(state: State, call: Call) -> Reply:
    return _schedules_reply(state, call, recipient_of(state, call))


@route("POST", "/v1/schedules")
def create_schedules(state: State, call: Call) -> Reply:
    body = body_of(call)
    recipients = items_of(body, "recipients", 100)
    created = [state.create_schedule(body, recipient) for recipient in recipients]
    for schedule in created:
        state.schedules[schedule["id"]] = schedule
    return ok([state.render_schedule(s) for s in created])


def _schedules_named(state: State, body: Mapping[str, Any]) -> list[JsonDict]:
    ids = items_of(body, "schedule_ids", 100)
    missing = [i for i in ids if i not in state.schedules]
    if missing:
        raise not_found(f"the schedule(s) {missing}")
    return [state.schedules[i] for i in ids]


@route("PUT", "/v1/schedules")
def update_schedules(state: State, call: Call) -> Reply:
    body = body_of(call)
    chosen = _schedules_named(state, body)
    changes = {k: v for k, v in body.items() if k != "schedule_ids"}
    for schedule in chosen:
        state.update_schedule(schedule, changes)
    return ok([state.render_schedule(s) for s in chosen])


@route("DELETE", "/v1/schedules")
def delete_schedules(state: State, call: Call) -> Reply:
    chosen = _schedules_named(state, body_of(call))
    for schedule in chosen:
        del state.schedules[schedule["id"]]
    return ok([state.render_schedule(s) for s in chosen])


@route("POST", "/v1/schedules/bulk/create")
def bulk_create_schedules(state: State, call: Call) -> Reply:
    def apply(item: Any) -> None:
        if not isinstance(item, Mapping) or "recipient" not in item:
            raise invalid("each schedule needs a workflow and a recipient")
        schedule = state.create_schedule(item, item["recipient"])
        state.schedules[schedule["id"]] = schedule

    return ok(state.bulk("schedules.create", items_of(body_of(call), "schedules"), apply))
