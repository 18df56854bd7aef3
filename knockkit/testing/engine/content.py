"""What a rendered step produced: one frozen value per channel type, and the HTTP request
a webhook channel or fetch step would send. Plain data; ``as_dict()`` gives JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import attrs

__all__ = [
    "ChatContent",
    "Content",
    "EmailContent",
    "HttpRequest",
    "InAppFeedContent",
    "PushContent",
    "SmsContent",
]


class _Value:
    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self, recurse=True, value_serializer=_serialize)  # type: ignore[arg-type]


def _serialize(_: Any, __: Any, value: Any) -> Any:
    if isinstance(value, tuple):
        return [list(v) if isinstance(v, tuple) else v for v in value]
    return value


@attrs.frozen(kw_only=True)
class EmailContent(_Value):
    """An email: subject, HTML body and text body (derived from the HTML when the
    template has no text body). Layouts (``settings.layout_key``) are not applied."""

    subject: str
    html_body: str
    text_body: str
    channel_type: str = "email"


@attrs.frozen(kw_only=True)
class SmsContent(_Value):
    """An SMS body; ``to_number`` when the template overrides the recipient's number."""

    body: str
    to_number: str | None = None
    channel_type: str = "sms"


@attrs.frozen(kw_only=True)
class PushContent(_Value):
    """A push notification; a ``silent`` one (delivery_type silent) carries no body."""

    title: str
    body: str | None
    silent: bool = False
    channel_type: str = "push"


@attrs.frozen(kw_only=True)
class ChatContent(_Value):
    """A chat message: markdown, or the decoded ``json_body`` (e.g. Slack blocks)."""

    summary: str | None
    markdown: str | None
    json_body: Any = None
    channel_type: str = "chat"


@attrs.frozen(kw_only=True)
class InAppFeedContent(_Value):
    """An in-app feed item's blocks in Knock's shape (``markdown`` body with ``content``
    and ``rendered`` HTML, ``text`` action_url, ``button_set`` actions)."""

    blocks: tuple[Mapping[str, Any], ...]
    action_url: str | None = None
    channel_type: str = "in_app_feed"

    @property
    def body(self) -> str:
        """The rendered markdown body (source, not HTML)."""
        return next((str(b["content"]) for b in self.blocks if b.get("name") == "body"), "")


@attrs.frozen(kw_only=True)
class HttpRequest(_Value):
    """A request a webhook channel step or fetch step would send (never sent by the
    engine). ``url`` includes the query string; ``url`` is None when a webhook step
    leaves the request to its channel's settings."""

    method: str
    url: str | None
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    channel_type: str = "http"

    @staticmethod
    def build(method: str, url: str | None, query: list[tuple[str, str]], **fields: Any) -> HttpRequest:
        if url is not None and query:
            parts = urlsplit(url)
            joined = "&".join(p for p in (parts.query, urlencode(query)) if p)
            url = urlunsplit(parts._replace(query=joined))
        return HttpRequest(method=method.upper(), url=url, **fields)


Content = EmailContent | SmsContent | PushContent | ChatContent | InAppFeedContent | HttpRequest
