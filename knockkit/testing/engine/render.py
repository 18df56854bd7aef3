"""Render channel-step templates and request templates with Liquid (python-liquid).

python-liquid (and babel and markdown, through `.filters`) are imported the first
time something is rendered, never when knockkit or knockkit.testing is imported. A
template that fails (bad syntax, unknown filter, a filter given bad input, a JSON body
that is not JSON) raises `TemplateError` naming the field, the file it came from
and the line; the engine records it on the step instead of stopping the run.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from knockkit.testing.engine.content import (
    ChatContent,
    Content,
    EmailContent,
    HttpRequest,
    InAppFeedContent,
    PushContent,
    SmsContent,
)
from knockkit.testing.engine.model import ChannelStep, FetchStep

if TYPE_CHECKING:
    from liquid import BoundTemplate, Environment

__all__ = ["Renderer", "TemplateError"]


class TemplateError(Exception):
    """A template that could not be rendered; ``reason`` is what Knock's log would say."""

    def __init__(self, field: str, message: str, *, file: str | None = None, line: int | None = None) -> None:
        self.field, self.message, self.file, self.line = field, message, file, line
        where = file or field
        super().__init__(f"{where}{f' line {line}' if line else ''}: {message}")

    @property
    def reason(self) -> str:
        return str(self)


class Renderer:
    """Renders templates against a scope (the template variables of a run).

    One renderer keeps one Liquid environment and a cache of parsed templates; it is
    safe to share between runs (not between threads rendering at once).
    """

    def __init__(self) -> None:
        self._env: Environment | None = None
        self._parsed: dict[str, BoundTemplate] = {}

    def _environment(self) -> Environment:
        if self._env is None:
            from liquid import Environment

            from knockkit.testing.engine import filters

            self._env = Environment()
            filters.install(self._env)
        return self._env

    def text(self, source: object, scope: Mapping[str, Any], field: str, file: str | None = None) -> str:
        """One template string rendered (a non-string is an error, None renders as "")."""
        if source is None:
            return ""
        if not isinstance(source, str):
            raise TemplateError(field, f"expected a template string, found {type(source).__name__}", file=file)
        from liquid.exceptions import LiquidError

        try:
            template = self._parsed.get(source)
            if template is None:
                template = self._parsed[source] = self._environment().from_string(source)
            return template.render(**scope)
        except LiquidError as exc:
            context = exc.context()
            raise TemplateError(field, str(exc.message), file=file, line=context[0] if context else None) from None
        except Exception as exc:  # a filter's own bug must not stop the run either
            raise TemplateError(field, f"{type(exc).__name__}: {exc}", file=file) from None

    def channel(self, step: ChannelStep, scope: Mapping[str, Any]) -> Content:
        """The content a channel step's template renders to for ``scope``."""
        return _ChannelRender(self, step, scope).render()

    def request(self, step: FetchStep, scope: Mapping[str, Any]) -> HttpRequest:
        """The request a fetch step would send."""
        url = self.text(step.url, scope, "url")
        headers = _pairs(self, step.headers, scope, "headers")
        query = _pairs(self, step.query_params, scope, "query_params")
        body = self.text(step.body, scope, "body") if step.body is not None else None
        return HttpRequest.build(step.method, url, query, headers=tuple(headers), body=body)


def _pairs(renderer: Renderer, pairs: tuple[tuple[str, str], ...] | str, scope: Mapping[str, Any],
           field: str) -> list[tuple[str, str]]:  # fmt: skip
    """Rendered key-value pairs; a single template must render to a JSON object."""
    if isinstance(pairs, str):
        rendered = renderer.text(pairs, scope, field)
        try:
            decoded = json.loads(rendered) if rendered.strip() else {}
        except ValueError:
            raise TemplateError(field, f"did not render to a JSON object: {rendered[:80]!r}") from None
        if not isinstance(decoded, dict):
            raise TemplateError(field, "did not render to a JSON object")
        return [(str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in decoded.items()]
    return [(renderer.text(k, scope, f"{field}.key"), renderer.text(v, scope, f"{field}.{k}")) for k, v in pairs]


class _ChannelRender:
    """Renders one channel step: knows which template fields each channel type has."""

    def __init__(self, renderer: Renderer, step: ChannelStep, scope: Mapping[str, Any]) -> None:
        self.renderer, self.step, self.scope = renderer, step, scope
        self.template = step.template

    def field(self, name: str) -> str:
        return self.renderer.text(self.template.get(name), self.scope, name, self.step.template_files.get(name))

    def optional(self, name: str) -> str | None:
        return self.field(name) if self.template.get(name) is not None else None

    def render(self) -> Content:
        kind = self.step.channel_type
        if kind == "email":
            html_body = self.field("html_body") if "html_body" in self.template else self.visual_blocks()
            text_body = self.optional("text_body")
            return EmailContent(subject=self.field("subject"), html_body=html_body,
                                text_body=text_body if text_body is not None else html_to_text(html_body))  # fmt: skip
        if kind == "sms":
            settings = self.template.get("settings") or {}
            to = settings.get("to_number")
            to_number = self.renderer.text(to, self.scope, "settings.to_number") if to else None
            return SmsContent(body=self.field("text_body"), to_number=to_number)
        if kind == "push":
            silent = (self.template.get("settings") or {}).get("delivery_type") == "silent"
            return PushContent(title=self.field("title"), body=None if silent else self.field("text_body"),
                               silent=silent)  # fmt: skip
        if kind == "chat":
            return self.chat()
        if kind == "in_app_feed":
            return self.feed()
        if kind == "http":
            return self.webhook()
        raise TemplateError("channel_type", f"the local engine does not render {kind} steps")

    def chat(self) -> ChatContent:
        json_body: Any = None
        source = self.optional("json_body")
        if source is not None:
            try:
                json_body = json.loads(source)
            except ValueError as exc:
                raise TemplateError("json_body", f"did not render to JSON: {exc}",
                                    file=self.step.template_files.get("json_body")) from None  # fmt: skip
        return ChatContent(summary=self.optional("summary"), markdown=self.optional("markdown_body"),
                           json_body=json_body)  # fmt: skip

    def feed(self) -> InAppFeedContent:
        body = self.field("markdown_body")
        from knockkit.testing.engine.filters import markdown_to_html

        blocks: list[Mapping[str, Any]] = [
            {"type": "markdown", "name": "body", "content": body, "rendered": markdown_to_html(body)}
        ]
        action_url = self.optional("action_url")
        if action_url is not None:
            blocks.append({"type": "text", "name": "action_url", "content": action_url, "rendered": action_url})
        buttons = []
        for index, button in enumerate(self.template.get("action_buttons") or []):
            where = f"action_buttons[{index}]"
            label = self.renderer.text(button.get("label"), self.scope, f"{where}.label")
            action = self.renderer.text(button.get("action"), self.scope, f"{where}.action")
            name = button.get("name") or re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or f"action_{index + 1}"
            buttons.append({"label": label, "action": action, "name": name})
        if buttons:
            blocks.append({"type": "button_set", "name": "actions", "buttons": buttons})
        return InAppFeedContent(blocks=tuple(blocks), action_url=action_url)

    def webhook(self) -> HttpRequest:
        url = self.optional("url")
        headers = _pairs(self.renderer, _template_pairs(self.template.get("headers")), self.scope, "headers")
        query = _pairs(self.renderer, _template_pairs(self.template.get("query_params")), self.scope, "query_params")
        method = str(self.template.get("method") or "post")
        return HttpRequest.build(method, url, query, headers=tuple(headers), body=self.optional("body"))

    def visual_blocks(self) -> str:
        """Email visual blocks as simple HTML (Knock's own block styling is not copied)."""
        from knockkit.testing.engine.filters import markdown_to_html

        parts = []
        for index, block in enumerate(self.template.get("visual_blocks") or []):
            where = f"visual_blocks[{index}]"
            kind = block.get("type")
            file = self.step.template_files.get(f"{where}.content")
            if kind == "markdown":
                parts.append(markdown_to_html(self.renderer.text(block.get("content"), self.scope, where, file)))
            elif kind == "html":
                parts.append(self.renderer.text(block.get("content"), self.scope, where, file))
            elif kind == "divider":
                parts.append("<hr>")
            elif kind == "image":
                url = html.escape(self.renderer.text(block.get("url"), self.scope, f"{where}.url"))
                alt = html.escape(self.renderer.text(block.get("alt"), self.scope, f"{where}.alt"))
                parts.append(f'<img src="{url}" alt="{alt}">')
            elif kind == "button_set":
                for b, button in enumerate(block.get("buttons") or []):
                    label = self.renderer.text(button.get("label"), self.scope, f"{where}.buttons[{b}].label")
                    action = self.renderer.text(button.get("action"), self.scope, f"{where}.buttons[{b}].action")
                    parts.append(f'<a href="{html.escape(action)}">{html.escape(label)}</a>')
            else:
                raise TemplateError(where, f"the local engine does not render {kind!r} blocks (partials need Knock)")
        return "\n".join(parts)


def _template_pairs(value: object) -> tuple[tuple[str, str], ...] | str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return tuple((str(p.get("key", "")), str(p.get("value", ""))) for p in value if isinstance(p, Mapping))
    return ()


class _TextOf(HTMLParser):
    _BLOCKS = frozenset({"p", "div", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote"})
    _HIDDEN = frozenset({"style", "script", "head", "title"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in ("br", "hr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    """A plain-text body from HTML, as Knock autogenerates one when a template has none."""
    parser = _TextOf()
    parser.feed(markup)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
