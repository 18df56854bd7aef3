"""Messages, their events, activities and delivery logs."""

from __future__ import annotations

from collections.abc import Mapping

from knockkit.models._base import Datetime, Json, Model, model, unknown_keys
from knockkit.models.recipients import Recipient, RecipientReference

__all__ = [
    "Activity",
    "DeliveryLog",
    "DeliveryLogRequest",
    "DeliveryLogResponse",
    "Message",
    "MessageChannel",
    "MessageEvent",
    "MessageSource",
    "RecipientSnapshot",
]


@model(kw_only=True)
class MessageChannel(Model):
    """The channel a message went out on (``type`` is email, sms, push, chat, in_app_feed...)."""

    id: str | None = None
    key: str | None = None
    name: str | None = None
    type: str | None = None
    provider: str | None = None
    created_at: Datetime = None
    updated_at: Datetime = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class MessageSource(Model):
    """What produced a message: a workflow (or broadcast, or guide), its version and step, and the run."""

    key: str | None = None
    type: str | None = None
    version_id: str | None = None
    categories: list[str] | None = None
    step_ref: str | None = None
    #: the branches the run took to reach the step (not in Knock's published spec: kept as sent)
    branch_path: Json = None
    workflow_run_id: str | None = None
    workflow_recipient_run_id: str | None = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class RecipientSnapshot(Model):
    """The recipient's details when the message was sent."""

    user_id: str | None = None
    name: str | None = None
    email: str | None = None
    channel_id: str | None = None
    via_incoming_webhook: bool | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class Message(Model):
    """A message produced by a workflow run for one recipient on one channel.

    ``recipient`` and ``actors`` are references: a user's id, or an ``ObjectReference``.
    """

    id: str
    channel_id: str | None = None
    channel: MessageChannel | None = None
    recipient: RecipientReference | None = None
    actors: list[RecipientReference] | None = None
    status: str | None = None
    engagement_statuses: list[str] | None = None
    source: MessageSource | None = None
    tenant: str | None = None
    workflow: str | None = None
    data: Mapping[str, Json] | None = None
    metadata: Mapping[str, Json] | None = None
    recipient_snapshot: RecipientSnapshot | None = None
    inserted_at: Datetime = None
    updated_at: Datetime = None
    scheduled_at: Datetime = None
    seen_at: Datetime = None
    read_at: Datetime = None
    interacted_at: Datetime = None
    link_clicked_at: Datetime = None
    clicked_at: Datetime = None
    archived_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class MessageEvent(Model):
    """Something that happened to a message; ``type`` is e.g. ``message.sent`` or ``message.read``."""

    id: str
    type: str | None = None
    recipient: RecipientReference | None = None
    data: Mapping[str, Json] | None = None
    inserted_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class Activity(Model):
    """One trigger that contributed to a (possibly batched) message."""

    id: str
    actor: Recipient | None = None
    recipient: Recipient | None = None
    data: Mapping[str, Json] | None = None
    inserted_at: Datetime = None
    updated_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class DeliveryLogRequest(Model):
    """The request Knock sent to the provider; ``body`` is a string or a JSON object."""

    method: str | None = None
    host: str | None = None
    path: str | None = None
    query: str | None = None
    headers: Mapping[str, Json] | None = None
    body: str | Mapping[str, Json] | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class DeliveryLogResponse(Model):
    status: int | None = None
    headers: Mapping[str, Json] | None = None
    body: str | Mapping[str, Json] | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class DeliveryLog(Model):
    """The request Knock sent to a provider for a message, and the provider's response."""

    id: str
    environment_id: str | None = None
    service_name: str | None = None
    request: DeliveryLogRequest | None = None
    response: DeliveryLogResponse | None = None
    inserted_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()
