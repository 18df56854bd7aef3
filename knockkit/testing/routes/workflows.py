"""Workflows (trigger, cancel), their recipient runs, and the fake's clock."""

from __future__ import annotations

import json

from knockkit.testing.routes.table import NO_CONTENT, Call, Reply, body_of, ok, page, query_list, route
from knockkit.testing.stores import KnockFault, State, invalid, not_found, parse_time, rkey_of


@route("POST", "/v1/workflows/{key}/trigger")
def trigger_workflow(state: State, call: Call) -> Reply:
    # Only trigger honours Idempotency-Key: a repeat of the same request replays the first
    # successful answer; the key reused for different parameters is an error, as in Knock.
    idempotency_key = call.headers.get("idempotency-key")
    fingerprint = json.dumps([call.params["key"], call.body], sort_keys=True, default=str)
    if idempotency_key and idempotency_key in state.idempotency:
        first, status, body = state.idempotency[idempotency_key]
        if first != fingerprint:
            raise KnockFault(
                422, "idempotency_key_reused",
                "this Idempotency-Key was used with different parameters; reuse a key only to retry the same request",
            )  # fmt: skip
        return ok(body, status, {"idempotent-replayed": "true"})
    result = state.trigger(call.params["key"], body_of(call))
    if idempotency_key:
        state.idempotency[idempotency_key] = (fingerprint, 200, result)
    return ok(result)


@route("POST", "/_fake/clock/advance")
def advance_clock(state: State, call: Call) -> Reply:
    """Not Knock's: move the clock of loaded workflows (``{"seconds": N}``, also ``minutes``,
    ``hours``, ``days``, ``weeks``; or ``{"to": "2025-03-03T09:05:00Z"}``); the new time and
    the lines of what the due runs did."""
    body = body_of(call)
    if state.local is None:
        raise invalid("the fake has loaded no workflows, so it has no clock (start it with --workflows DIR)")
    units = ("seconds", "minutes", "hours", "days", "weeks")
    unknown = sorted(set(body) - {*units, "to"})
    if unknown or not body or ("to" in body and len(body) > 1):
        raise invalid(f"the body must be {{'to': time}} or amounts of {', '.join(units)}; got keys {sorted(body)}")
    clock, lines = state.local.engine.clock, state.local.lines
    before = len(lines)
    try:
        if "to" in body:
            to = parse_time(body["to"])
            if to is None:
                raise invalid("to must be an ISO 8601 time with a timezone")
            now = clock.set(to)
        else:
            amounts = {unit: body[unit] for unit in units if unit in body}
            for unit, amount in amounts.items():
                if isinstance(amount, bool) or not isinstance(amount, (int, float)):
                    raise invalid(f"{unit} must be a number, not {type(amount).__name__}")
            now = clock.advance(**amounts)
    except ValueError as exc:
        raise invalid(str(exc)) from None
    return ok({"now": now.isoformat().replace("+00:00", "Z"), "outcomes": lines[before:]})


@route("POST", "/v1/workflows/{key}/cancel")
def cancel_workflow(state: State, call: Call) -> Reply:
    state.cancel(call.params["key"], body_of(call))
    return NO_CONTENT


@route("GET", "/v1/workflow_recipient_runs")
def list_runs(state: State, call: Call) -> Reply:
    query = call.query
    statuses = query_list(query, "status")
    recipient = rkey_of(query["recipient"]) if query.get("recipient") else None
    runs = [
        r for r in state.runs.values()
        if query.get("workflow") in (None, r["workflow"]) and query.get("tenant") in (None, r["tenant"])
        and (statuses is None or r["status"] in statuses) and recipient in (None, r["_key"])
    ]  # fmt: skip
    return ok(page(runs, query, state.render_run, key="items", newest_first=True))


@route("GET", "/v1/workflow_recipient_runs/{id}")
def get_run(state: State, call: Call) -> Reply:
    run = state.runs.get(call.params["id"])
    if run is None:
        raise not_found(f"the workflow recipient run {call.params['id']!r}")
    return ok(state.render_run(run, events=True))
