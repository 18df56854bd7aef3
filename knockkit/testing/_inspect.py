"""What a test reads back from the fake: messages, runs, entities, requests, and the
assertions that explain themselves when they fail."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from knockkit.testing.stores import JsonDict, State, describe_key, rkey_of

if TYPE_CHECKING:
    from knockkit.models import Message, Object, Tenant, User
    from knockkit.testing._http_server import RecordedRequest

__all__ = ["Inspection", "RecipientRun"]


@attrs.frozen(kw_only=True)
class RecipientRun:
    """One recipient's run of a triggered workflow, as the fake sees it."""

    id: str
    workflow_run_id: str
    workflow: str
    recipient: Any
    actor: Any
    tenant: str | None
    #: "processing" (held at a delay or batch step), "completed" or "cancelled"
    status: str
    cancellation_key: str | None
    #: the ref of the delay or batch step holding the run, if any
    held_at: str | None
    #: one line per channel step that sent nothing, with the reason
    skipped: tuple[str, ...]
    message_ids: tuple[str, ...]


class Inspection:
    """The reading and asserting half of ``FakeKnock``."""

    _state: State
    _requests: list[RecordedRequest]

    def messages(
        self,
        *,
        recipient: str | Mapping[str, str] | None = None,
        workflow: str | None = None,
        channel_type: str | None = None,
        status: str | None = None,
        tenant: str | None = None,
    ) -> list[Message]:
        """The messages the fake has created, oldest first, as ``knockkit.models.Message``."""
        from knockkit.models import Message, structure

        with self._state.lock:
            rendered = [self._state.render_message(m) for m in self._matching(recipient, workflow, channel_type)]
        return [
            structure(m, Message) for m in rendered
            if status in (None, m["status"]) and tenant in (None, m["tenant"])
        ]  # fmt: skip

    def _matching(self, recipient: object, workflow: str | None, channel_type: str | None) -> list[JsonDict]:
        wanted = rkey_of(recipient) if recipient is not None else None
        return sorted(
            (
                m for m in self._state.messages.values()
                if wanted in (None, m["_key"]) and workflow in (None, m["workflow"])
                and channel_type in (None, m["_channel_type"])
            ),
            key=lambda m: m["_seq"],
        )  # fmt: skip

    def assert_message_sent(
        self,
        *,
        recipient: str | Mapping[str, str] | None = None,
        workflow: str | None = None,
        channel_type: str | None = None,
        data: Mapping[str, Any] | None = None,
        count: int | None = None,
    ) -> list[Message]:
        """Assert that messages matching all the given criteria were created (exactly
        ``count`` of them, if given) and return them. ``data`` matches a subset of the
        trigger data. On failure the AssertionError lists every message sent, every step
        that sent nothing (with the reason) and every run still held or cancelled."""
        found = self._assert_count(recipient, workflow, channel_type, data)
        if (count is None and not found) or (count is not None and len(found) != count):
            wanted = "at least one message" if count is None else f"exactly {count} message{'s' * (count != 1)}"
            self._fail(f"expected {wanted}, found {len(found)}", recipient, workflow, channel_type, data)
        return found

    def assert_no_message_sent(
        self,
        *,
        recipient: str | Mapping[str, str] | None = None,
        workflow: str | None = None,
        channel_type: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """Assert that no message matches all the given criteria."""
        found = self._assert_count(recipient, workflow, channel_type, data)
        if found:
            self._fail(f"expected no message, found {len(found)}", recipient, workflow, channel_type, data)

    def _assert_count(
        self, recipient: object, workflow: str | None, channel_type: str | None, data: Mapping[str, Any] | None
    ) -> list[Message]:
        from knockkit.models import Message, structure

        with self._state.lock:
            matching = [
                self._state.render_message(m) for m in self._matching(recipient, workflow, channel_type)
                if data is None or all((m["data"] or {}).get(k) == v for k, v in data.items())
            ]  # fmt: skip
        return [structure(m, Message) for m in matching]

    def _fail(self, what: str, recipient: object, workflow: str | None, channel_type: str | None,
              data: Mapping[str, Any] | None) -> None:  # fmt: skip
        criteria = {"recipient": recipient, "workflow": workflow, "channel_type": channel_type, "data": data}
        wanted = ", ".join(f"{k}={v!r}" for k, v in criteria.items() if v is not None) or "any message"
        raise AssertionError(f"{what} matching {wanted}\n{self.describe()}")

    def describe(self) -> str:
        """What the fake did, for people: messages sent, steps skipped and why, runs held or cancelled."""
        with self._state.lock:
            state = self._state
            messages = sorted(state.messages.values(), key=lambda m: m["_seq"])
            runs = sorted(state.runs.values(), key=lambda r: r["_seq"])
            lines = [f"Messages sent ({len(messages)}):"]
            lines += [
                f"  {m['workflow']} {m['_channel_type']} -> {describe_key(m['_key'])} [{m['status']}]"
                f" tenant={m['tenant']} data={json.dumps(m['data'], sort_keys=True)}"
                for m in messages
            ]
            skipped = [(r, e) for r in runs for e in r["_events"] if "skipped" in e]
            if skipped:
                lines.append(f"Steps that sent nothing ({len(skipped)}):")
                lines += [
                    f"  {r['workflow']} {e['step']} -> {describe_key(r['_key'])}: {e['skipped']}" for r, e in skipped
                ]
            waiting = [r for r in runs if r["status"] == "cancelled" or r.get("_held")]
            if waiting:
                lines.append(f"Runs held or cancelled ({len(waiting)}):")
                lines += [
                    f"  {r['workflow']} -> {describe_key(r['_key'])}: "
                    + (f"held at {r['_held']}" if r.get("_held") else "cancelled")
                    + f" (cancellation_key={r['trigger_source']['cancellation_key']!r})"
                    for r in waiting
                ]
            if not state.workflows:
                lines.append("No workflows declared: call fake.add_workflow(key, steps=[...]) first.")
        return "\n".join(lines)

    def runs(
        self, *, workflow: str | None = None, recipient: str | Mapping[str, str] | None = None,
        status: str | None = None,
    ) -> list[RecipientRun]:  # fmt: skip
        """The recipient runs of triggered workflows, oldest first."""
        wanted = rkey_of(recipient) if recipient is not None else None
        with self._state.lock:
            return [
                RecipientRun(
                    id=r["id"], workflow_run_id=r["workflow_run_id"], workflow=r["workflow"],
                    recipient=r["recipient"], actor=r["actor"], tenant=r["tenant"], status=r["status"],
                    cancellation_key=r["trigger_source"]["cancellation_key"], held_at=r.get("_held"),
                    skipped=tuple(f"{e['step']}: {e['skipped']}" for e in r["_events"] if "skipped" in e),
                    message_ids=tuple(e["message_id"] for e in r["_events"] if "message_id" in e),
                )
                for r in sorted(self._state.runs.values(), key=lambda r: r["_seq"])
                if workflow in (None, r["workflow"]) and wanted in (None, r["_key"])
                and status in (None, r["status"])
            ]  # fmt: skip

    def user(self, user_id: str) -> User | None:
        """The user as Knock would return it, or None."""
        from knockkit.models import User, structure

        with self._state.lock:
            user = self._state.users.get(user_id)
            rendered = self._state.render_user(user) if user else None
        return structure(rendered, User) if rendered else None

    def object(self, collection: str, object_id: str) -> Object | None:
        from knockkit.models import Object, structure

        with self._state.lock:
            obj = self._state.objects.get((collection, object_id))
            rendered = self._state.render_object(obj) if obj else None
        return structure(rendered, Object) if rendered else None

    def tenant(self, tenant_id: str) -> Tenant | None:
        from knockkit.models import Tenant, structure

        with self._state.lock:
            tenant = self._state.tenant(tenant_id)
            rendered = self._state.render_tenant(tenant) if tenant else None
        return structure(rendered, Tenant) if rendered else None

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in the order answered (a copy)."""
        with self._state.lock:
            return list(self._requests)
