"""Audience members."""

from __future__ import annotations

from knockkit.testing.routes.table import NO_CONTENT, Call, Reply, body_of, items_of, ok, page, query_bool, route
from knockkit.testing.stores import State


@route("GET", "/v1/audiences/{key}/members")
def list_audience_members(state: State, call: Call) -> Reply:
    members = state.audience(call.params["key"])
    entries = [{**entry, "_member": member} for member, entry in members.items()]
    return ok(page(entries, call.query, lambda e: state.render_audience_member(e["_member"], e)))


@route("POST", "/v1/audiences/{key}/members")
def add_audience_members(state: State, call: Call) -> Reply:
    create = query_bool(call.query, "create_audience") is True
    state.add_audience_members(call.params["key"], items_of(body_of(call), "members"), create)
    return NO_CONTENT


@route("DELETE", "/v1/audiences/{key}/members")
def remove_audience_members(state: State, call: Call) -> Reply:
    state.remove_audience_members(call.params["key"], items_of(body_of(call), "members"))
    return NO_CONTENT
