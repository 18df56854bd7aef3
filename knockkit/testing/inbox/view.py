"""What the inbox page shows, as JSON: recipients, messages with their rendered content,
runs with each step's outcome and reason, the request log, the clock.

This module is the inbox's only reader of the fake's internals (its state's records and the
local engine's runs); everything it returns is plain JSON for ``inbox.js``. It never reads a
request's headers, query or body, so the API key cannot reach the page.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from knockkit.testing.stores import CONTENT_CHANNEL_TYPES, JsonDict, RKey, State, describe_key

if TYPE_CHECKING:
    from knockkit.testing._http_server import RecordedRequest
    from knockkit.testing._server import FakeKnock
    from knockkit.testing.engine import StepOutcome

__all__ = ["REQUESTS_SHOWN", "snapshot"]

#: The newest requests the page lists (the fake keeps them all; the page need not).
REQUESTS_SHOWN = 200


def snapshot(fake: FakeKnock) -> JsonDict:
    """Everything the page draws, taken under the state's lock (one consistent moment)."""
    state: State = fake._state
    with state.lock:
        runs = [_run(state, r) for r in sorted(state.runs.values(), key=lambda r: r["_seq"])]
        # A loaded workflow's message was sent at its step's time on the workflows' clock.
        sent_at = {s["message_id"]: s["at"] for run in runs for s in run["steps"] if s["message_id"] and s["at"]}
        messages = [_message(state, m, sent_at) for m in sorted(state.messages.values(), key=lambda m: m["_seq"])]
        return {
            "clock": _clock(state),
            "recipients": _recipients(state),
            "messages": messages,
            "runs": runs,
            "requests": [_request(r) for r in reversed(fake.requests[-REQUESTS_SHOWN:])],
        }


def _stamp(when: dt.datetime | None) -> str | None:
    return None if when is None else when.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _clock(state: State) -> JsonDict | None:
    """None when no workflows are loaded: declared workflows have no clock, only release()."""
    if state.local is None:
        return None
    engine = state.local.engine
    return {"now": _stamp(engine.clock.now()), "real_time": engine.clock.real_time,
            "next_wake": _stamp(engine.next_wake())}  # fmt: skip


def _recipients(state: State) -> list[JsonDict]:
    """Identified users, then any other recipient a run or message names, each once."""
    keys: list[RKey] = [("user", user_id) for user_id in state.users]
    for record in [*state.runs.values(), *state.messages.values()]:
        if record["_key"] not in keys:
            keys.append(record["_key"])
    shown = []
    for key in keys:
        profile = state.profile(key)
        shown.append({
            "key": _label(key), "kind": key[0], "name": _text(profile.get("name")),
            "email": _text(profile.get("email")), "phone_number": _text(profile.get("phone_number")),
        })  # fmt: skip
    return shown


def _label(key: RKey) -> str:
    """``jhammond`` for a user, ``projects/raptor-pen`` for an object."""
    return describe_key(key)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


# --- messages ------------------------------------------------------------------------------------


def _message(state: State, message: Mapping[str, Any], sent_at: Mapping[str, str]) -> JsonDict:
    rendered = state.render_message(message)
    return {
        "id": message["id"], "recipient": _label(message["_key"]), "channel_type": message["_channel_type"],
        "workflow": message["workflow"], "step_ref": message["source"].get("step_ref"),
        "status": message["status"], "engagement": rendered["engagement_statuses"], "tenant": message["tenant"],
        "inserted_at": message["inserted_at"], "sent_at": sent_at.get(message["id"], message["inserted_at"]),
        "content": _content(state, message),
    }  # fmt: skip


def _content(state: State, message: Mapping[str, Any]) -> JsonDict:
    """The message's content as the page draws it, from Knock's content shape."""
    kind = message["_channel_type"]
    if kind not in CONTENT_CHANNEL_TYPES:  # a webhook step: the request it would send
        request = message.get("_content")
        if request is None:
            return {}
        return {"method": request.method, "url": request.url, "body": request.body}  # never its headers
    data = state.render_content(message)["data"]
    if kind == "email":
        return {"subject": data["subject_line"], "from": data["from"], "to": data["to"],
                "html": data["html_body"], "text": data["text_body"]}  # fmt: skip
    if kind == "sms":
        return {"to": data["to"], "body": data["body"]}
    if kind == "push":
        return {"title": data["title"], "body": data["body"]}
    if kind == "chat":
        template = data["template"]
        text = "\n\n".join(str(b.get("content") or "") for b in template.get("blocks") or [])
        json_body = template.get("json_content")
        return {"summary": template.get("summary"), "text": text,
                "json": None if json_body is None else json.dumps(json_body, indent=2)}  # fmt: skip
    return _feed_item(data["blocks"])


def _feed_item(blocks: list[Mapping[str, Any]]) -> JsonDict:
    """An in-app item's markdown body, its action URL and its buttons."""
    body, action_url, buttons = "", None, []
    for block in blocks:
        if block.get("type") == "markdown":
            body += str(block.get("content") or "")
        elif block.get("type") == "text" and block.get("name") == "action_url":
            action_url = _text(block.get("content"))
        elif block.get("type") == "button_set":
            buttons += [{"label": _text(b.get("label")), "action": _text(b.get("action"))}
                        for b in block.get("buttons") or [] if isinstance(b, Mapping)]  # fmt: skip
    return {"body": body, "action_url": action_url, "buttons": buttons}


# --- runs ----------------------------------------------------------------------------------------


def _run(state: State, run: Mapping[str, Any]) -> JsonDict:
    shown: JsonDict = {
        "id": run["id"], "workflow": run["workflow"], "recipient": _label(run["_key"]), "status": run["status"],
        "held_at": run.get("_held"), "held_until": None, "cancellation_key": run["trigger_source"]["cancellation_key"],
        "inserted_at": run["inserted_at"], "loaded": bool(run.get("_local")),
    }  # fmt: skip
    if run.get("_local") and state.local is not None:
        view = state.local.engine.run(run["id"])
        shown["held_until"] = _stamp(view.held_until)
        shown["steps"] = [_outcome(o) for o in view.outcomes]
    else:
        declared = state.workflows.get(run["workflow"])
        kinds = {step.ref: step.type for step in declared.steps} if declared else {}
        shown["steps"] = [_event(event, kinds.get(event["step"], "")) for event in run["_events"]]
        if run.get("_held"):
            held = {"ref": run["_held"], "kind": kinds.get(run["_held"], ""), "status": "held", "until": None,
                    "reason": "until released", "message_id": None, "at": None}  # fmt: skip
            shown["steps"].append(held)
    return shown


def _outcome(outcome: StepOutcome) -> JsonDict:
    """One step of a loaded workflow's run, with the engine's reason."""
    return {"ref": outcome.step_ref, "kind": outcome.channel_type or outcome.step_type, "status": outcome.status,
            "reason": outcome.reason, "until": _stamp(outcome.until), "message_id": outcome.message_id,
            "at": _stamp(outcome.at)}  # fmt: skip


def _event(event: Mapping[str, Any], kind: str) -> JsonDict:
    """One step of a declared workflow's run (``add_workflow``): sent, or skipped and why."""
    sent = event.get("message_id")
    return {"ref": event["step"], "kind": kind, "status": "sent" if sent else "skipped",
            "reason": event.get("skipped", ""), "until": None, "message_id": sent, "at": None}  # fmt: skip


# --- requests ------------------------------------------------------------------------------------


def _request(request: RecordedRequest) -> JsonDict:
    """Method, path, status and time only: never headers (the key), query or body."""
    return {"method": request.method, "path": request.path, "status": request.status,
            "at": _stamp(request.received_at), "ms": request.elapsed_ms}  # fmt: skip
