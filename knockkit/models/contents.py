"""A message's rendered contents, one model per channel type, and the blocks of in-app feed messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from knockkit.models._base import Datetime, Json, Model, Pick, model, unknown_keys

__all__ = [
    "ChatBlock",
    "ChatContent",
    "ChatTemplate",
    "EmailContent",
    "FeedBlock",
    "FeedButton",
    "FeedButtonSetBlock",
    "FeedContentBlock",
    "InAppFeedContent",
    "MessageContent",
    "MessageContentKind",
    "PushContent",
    "SmsContent",
]


@model(kw_only=True)
class FeedContentBlock(Model):
    """A ``markdown`` or ``text`` block: its source ``content`` and the ``rendered`` result."""

    name: str | None = None
    type: str | None = None
    content: str | None = None
    rendered: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class FeedButton(Model):
    name: str | None = None
    label: str | None = None
    action: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class FeedButtonSetBlock(Model):
    name: str | None = None
    type: str | None = None
    buttons: list[FeedButton] | None = None
    extra: Mapping[str, Json] = unknown_keys()


def _block_kind(block: Mapping[str, Any], _parent: object) -> type | None:
    kind = block.get("type")
    if kind == "button_set":
        return FeedButtonSetBlock
    return FeedContentBlock if kind in ("markdown", "text") else None


#: A block of an in-app feed message; a block type Knock adds later stays the mapping it sent.
FeedBlock = Annotated[FeedContentBlock | FeedButtonSetBlock | Mapping[str, Json], Pick(_block_kind)]


@model(kw_only=True)
class EmailContent(Model):
    """An email as rendered. ``from_`` is ``from`` on the wire (a Python keyword)."""

    from_: str | None = None
    to: str | None = None
    cc: str | None = None
    bcc: str | None = None
    reply_to: str | None = None
    subject_line: str | None = None
    html_body: str | None = None
    text_body: str | None = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class SmsContent(Model):
    to: str | None = None
    body: str | None = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class PushContent(Model):
    token: str | None = None
    title: str | None = None
    body: str | None = None
    data: Mapping[str, Json] | None = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class ChatBlock(Model):
    name: str | None = None
    type: str | None = None
    content: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class ChatTemplate(Model):
    summary: str | None = None
    blocks: list[ChatBlock] | None = None
    json_content: Mapping[str, Json] | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class ChatContent(Model):
    """A chat message as rendered; ``connection`` is the provider's (free-form)."""

    template: ChatTemplate | None = None
    connection: Mapping[str, Json] | None = None
    metadata: Mapping[str, Json] | None = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class InAppFeedContent(Model):
    blocks: list[FeedBlock] | None = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


_CONTENT_KINDS: dict[str, type] = {
    "MessageEmailContent": EmailContent,
    "MessageSmsContent": SmsContent,
    "MessagePushContent": PushContent,
    "MessageChatContent": ChatContent,
    "MessageInAppFeedContent": InAppFeedContent,
}


def _content_kind(data: Mapping[str, Any], _parent: object) -> type | None:
    return _CONTENT_KINDS.get(data.get("__typename") or "")


#: A message's contents by channel type (told apart by ``__typename``), or the mapping as sent.
MessageContentKind = Annotated[
    EmailContent | SmsContent | PushContent | ChatContent | InAppFeedContent | Mapping[str, Json],
    Pick(_content_kind),
]


@model(kw_only=True)
class MessageContent(Model):
    """A message's rendered contents; ``data`` is typed by channel type."""

    message_id: str
    data: MessageContentKind | None = None
    inserted_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()
