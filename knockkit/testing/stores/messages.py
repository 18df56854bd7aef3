"""Messages: what a channel step sends, engagement and its events, and the shapes the
messages, feeds and contents APIs show."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

from knockkit.testing.stores.base import JsonDict, RKey, deep_merge, new_id, not_found, now, public, ref_of
from knockkit.testing.stores.providers import ProvidersStore
from knockkit.testing.stores.workflows import CONTENT_CHANNEL_TYPES, Step, Workflow

__all__ = ["FAKE_SENDER", "MessagesStore"]

_ENGAGEMENT = {
    "seen": "seen_at",
    "read": "read_at",
    "interacted": "interacted_at",
    "link_clicked": "link_clicked_at",
    "archived": "archived_at",
}
#: The event a cleared engagement status records (interacted and link_clicked are never cleared).
_UNDONE = {"seen": "message.unseen", "read": "message.unread", "archived": "message.unarchived"}
#: The sender of the email contents the fake shows (it renders no templates, so has no real one).
FAKE_SENDER = "knock@fake.knockkit.invalid"


def _nonempty(data: object) -> bool:
    """Whether channel data holds anything to deliver to (tokens, devices, connections...)."""
    return isinstance(data, Mapping) and any(bool(v) for v in data.values())


class MessagesStore(ProvidersStore):
    """Messages and their engagement."""

    def send(self, run: JsonDict, workflow: Workflow, step: Step, content: Any = None, *,
             message_id: str | None = None) -> JsonDict:  # fmt: skip
        """Store the message a channel step sent; ``content`` is the engine's rendered
        content (None: the fake's placeholder content)."""
        key: RKey = run["_key"]
        stamp = now()
        actors: list[Any] = []
        for activity in run["_activities"]:
            actor = ref_of(activity["actor"]) if activity["actor"] else None
            if actor is not None and actor not in actors:
                actors.append(actor)
        message: JsonDict = {
            "__typename": "Message",
            "id": message_id or new_id(),
            "channel_id": step.channel_id,
            "channel": {
                "id": step.channel_id,
                "key": f"fake-{step.type}",
                "name": f"Fake {step.type}",
                "type": step.type,
                "provider": step.provider or f"fake_{step.type}",
                "created_at": stamp,
                "updated_at": stamp,
            },
            "recipient": run["recipient"],
            "actors": actors,
            "status": "sent",
            "source": {
                "__typename": "NotificationSource",
                "key": workflow.key,
                "version_id": workflow.version_id,
                "categories": list(workflow.categories),
                "step_ref": step.ref,
                "workflow_run_id": run["workflow_run_id"],
                "workflow_recipient_run_id": run["id"],
            },
            "tenant": run["tenant"],
            "workflow": workflow.key,
            "data": run["_data"],
            "metadata": {},
            "recipient_snapshot": self._snapshot(key),
            "inserted_at": stamp,
            "updated_at": stamp,
            "scheduled_at": None,
            "seen_at": None,
            "read_at": None,
            "interacted_at": None,
            "link_clicked_at": None,
            "clicked_at": None,
            "archived_at": None,
            "_seq": self.next_seq(),
            "_key": key,
            "_channel_type": step.type,
            "_activities": list(run["_activities"]),
            "_to": self._address(key, step),
            "_events": [],
            "_content": content,
        }
        self._event(message, "message.sent", stamp)
        self.messages[message["id"]] = message
        run["_events"].append({"step": step.ref, "message_id": message["id"], "channel_type": step.type})
        return message

    def _snapshot(self, key: RKey) -> JsonDict:
        profile = self.profile(key)
        user_id = key[1] if key[0] == "user" else None
        return {"name": profile.get("name"), "email": profile.get("email"), "user_id": user_id}

    def _address(self, key: RKey, step: Step) -> Any:
        """Where the message went, as its content shows it: an email, a phone number, a push
        token, a chat connection (None for in-app and http)."""
        if step.type in ("email", "sms"):
            return self.profile(key).get("phone_number" if step.type == "sms" else "email")
        data = self.channel_data.get(key, {}).get(str(step.channel_id)) or {}
        if step.type == "push":
            for many in ("tokens", "target_arns", "player_ids"):
                if isinstance(data.get(many), list) and data[many]:
                    return str(data[many][0])
            return ""
        if step.type == "chat":
            connections = data.get("connections")
            if isinstance(connections, list) and connections and isinstance(connections[0], Mapping):
                return dict(connections[0])
            return {k: v for k, v in data.items() if k != "connections"}
        return None

    def undeliverable(self, key: RKey, step: Step) -> str | None:
        profile = self.profile(key)
        if step.type == "email" and not profile.get("email"):
            return "the recipient has no email"
        if step.type == "sms" and not profile.get("phone_number"):
            return "the recipient has no phone_number"
        if step.type in ("push", "chat"):
            data = self.channel_data.get(key, {}).get(str(step.channel_id))
            if not _nonempty(data):
                return f"the recipient has no {step.type} channel data for channel {step.channel_id}"
        return None

    def message(self, message_id: str) -> JsonDict:
        message = self.messages.get(message_id)
        if message is None:
            raise not_found(f"the message {message_id!r}")
        return message

    def render_message(self, message: Mapping[str, Any]) -> JsonDict:
        rendered = public(message)
        rendered["engagement_statuses"] = [name for name, field in _ENGAGEMENT.items() if message.get(field)]
        return rendered

    def mark(self, message: JsonDict, status: str, on: bool, metadata: object = None) -> JsonDict:
        """Set or clear an engagement timestamp (seen, read, interacted, archived, link_clicked),
        recording an event for each status that changes (and for every interaction)."""
        stamp = now()
        if status == "interacted" and on:
            # Interacting implies the message was seen and read.
            self._engage(message, "seen", True, stamp)
            self._engage(message, "read", True, stamp)
            message["interacted_at"] = message["interacted_at"] or stamp
            if isinstance(metadata, Mapping):
                message["metadata"] = deep_merge(message.get("metadata") or {}, metadata)
            self._event(message, "message.interacted", stamp, dict(metadata) if isinstance(metadata, Mapping) else None)
        else:
            self._engage(message, status, on, stamp)
        message["updated_at"] = stamp
        if self.local is not None and message.get("_content") is not None:
            engagement = [name for name, field in _ENGAGEMENT.items() if message.get(field)]
            self.local.engine.update_message(message["id"], engagement=engagement)
        return self.render_message(message)

    def _engage(self, message: JsonDict, status: str, on: bool, stamp: str) -> None:
        field = _ENGAGEMENT[status]
        if on and not message[field]:
            message[field] = stamp
            self._event(message, f"message.{status}", stamp)
        elif not on and message[field]:
            message[field] = None
            self._event(message, _UNDONE[status], stamp)

    def _event(self, message: JsonDict, kind: str, stamp: str, data: JsonDict | None = None) -> None:
        message["_events"].append({"id": new_id(), "type": kind, "data": data, "inserted_at": stamp,
                                   "_seq": self.next_seq()})  # fmt: skip

    def render_event(self, message: Mapping[str, Any], event: Mapping[str, Any]) -> JsonDict:
        return {"__typename": "MessageEvent", **public(event), "recipient": message["recipient"]}

    def render_activity(self, message: Mapping[str, Any], activity: Mapping[str, Any]) -> JsonDict:
        """One trigger folded into the message, with its actor and the recipient in full."""
        return {
            "__typename": "Activity",
            "id": activity["id"],
            "actor": self.render_recipient(activity["actor"]) if activity["actor"] else None,
            "data": activity["data"],
            "recipient": self.render_recipient(message["_key"]),
            "inserted_at": activity["inserted_at"],
            "updated_at": activity["inserted_at"],
        }

    def render_content(self, message: Mapping[str, Any]) -> JsonDict:
        """The message's contents in Knock's shape for its channel type. The fake renders no
        templates: the subject or title is the workflow key, the body the trigger data as JSON."""
        kind, data, to = message["_channel_type"], message["data"], message["_to"]
        if kind not in CONTENT_CHANNEL_TYPES:  # the spec has no content shape for http (webhook) messages
            raise not_found(f"the content of {kind} message {message['id']!r}")
        content: JsonDict
        if message.get("_content") is not None:
            from knockkit.testing._local import content_shape

            content = content_shape(message["_content"], to, data)
            return {"__typename": "MessageContent", "message_id": message["id"], "data": content,
                    "inserted_at": message["inserted_at"]}  # fmt: skip
        title, text = str(message["workflow"]), json.dumps(data, sort_keys=True)
        escaped = html.escape(text)
        if kind == "email":
            content = {
                "__typename": "MessageEmailContent", "from": FAKE_SENDER, "to": to, "cc": None, "bcc": None,
                "reply_to": None, "subject_line": title, "text_body": text, "html_body": f"<pre>{escaped}</pre>",
            }  # fmt: skip
        elif kind == "sms":
            content = {"__typename": "MessageSmsContent", "to": to, "body": text}
        elif kind == "push":
            content = {"__typename": "MessagePushContent", "token": to, "title": title, "body": text, "data": data}
        elif kind == "chat":
            blocks = [{"type": "text", "name": "body", "content": text}]
            template = {"summary": title, "blocks": blocks, "json_content": None}
            content = {"__typename": "MessageChatContent", "connection": to, "template": template, "metadata": None}
        else:
            assert kind == "in_app_feed", kind
            block = {"type": "markdown", "name": "body", "content": text, "rendered": f"<p>{escaped}</p>"}
            content = {"__typename": "MessageInAppFeedContent", "blocks": [block]}
        return {"__typename": "MessageContent", "message_id": message["id"], "data": content,
                "inserted_at": message["inserted_at"]}  # fmt: skip

    def render_feed_item(self, message: Mapping[str, Any]) -> JsonDict:
        activities = [self.render_activity(message, activity) for activity in message["_activities"]]
        actors: list[JsonDict] = []
        for activity in activities:
            actor = activity["actor"]
            if actor is not None and all(a["id"] != actor["id"] for a in actors):
                actors.append(actor)
        source = message["source"]
        engagement = ("read_at", "seen_at", "archived_at", "interacted_at", "link_clicked_at", "clicked_at")
        return {
            "__typename": "FeedItem",
            "id": message["id"],
            "activities": activities,
            "actors": actors,
            "blocks": self.render_content(message)["data"]["blocks"],  # an item shows its in-app content
            "data": message["data"],
            "source": {
                "__typename": "Workflow",
                "key": source["key"],
                "version_id": source["version_id"],
                "categories": source["categories"],
            },
            "tenant": message["tenant"],
            "total_activities": len(activities),
            "total_actors": len(actors),
            "inserted_at": message["inserted_at"],
            "updated_at": message["updated_at"],
            **{field: message[field] for field in engagement},
        }
