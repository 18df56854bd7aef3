"""Liquid rendering per channel type, Knock's Liquid helpers, and template errors that
name the field, the file and the line."""

from __future__ import annotations

import hashlib
import hmac
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from knockkit.testing.engine import (
    ChannelStep,
    ChatContent,
    EmailContent,
    FetchStep,
    HttpRequest,
    InAppFeedContent,
    PushContent,
    Renderer,
    SmsContent,
    TemplateError,
)

ROOT = Path(__file__).resolve().parent.parent
SCOPE: dict[str, Any] = {
    "recipient": {"id": "jhammond", "name": "John Hammond", "email": "jh@ingen.net", "timezone": "America/New_York"},
    "actor": {"id": "dnedry", "name": "Dennis Nedry"},
    "data": {"page": "Raptor pen", "amount": 1234.5, "at": "2023-12-31T19:30:00Z", "tags": ["a", "b", "c"],
             "raw": '{"a": 1}', "version": "1.2.0", "more": ["b", "c", "d"]},
    "tenant": {"id": "ingen", "name": "InGen"},
    "vars": {"app_url": "https://park.test"},
    "timestamp": "2024-01-01T12:00:00.000000Z",
    "total_activities": 3, "total_actors": 2,
    "activities": [{"id": "1", "note": "fence down", "actor": {"name": "Dennis Nedry"}},
                   {"id": "2", "note": "clever girl", "actor": {"name": "Muldoon"}}],
    "actors": [{"name": "Dennis Nedry"}, {"name": "Muldoon"}],
}  # fmt: skip


def step(channel_type: str, template: dict[str, Any], files: dict[str, str] | None = None) -> ChannelStep:
    return ChannelStep(ref=f"{channel_type}_1", channel_type=channel_type, template=template,
                       template_files=files or {})  # fmt: skip


def test_email_renders_subject_html_and_text() -> None:
    content = Renderer().channel(step("email", {
        "subject": "{{ actor.name }} left {{ total_activities }} notes on {{ data.page }}",
        "html_body": "<p>Hi {{ recipient.name }},</p><ul>{% for a in activities %}<li>{{ a.actor.name }}: "
                     "{{ a.note }}</li>{% endfor %}</ul>",
        "text_body": "Hi {{ recipient.name }}",
    }), SCOPE)  # fmt: skip
    assert content == EmailContent(
        subject="Dennis Nedry left 3 notes on Raptor pen",
        html_body="<p>Hi John Hammond,</p><ul><li>Dennis Nedry: fence down</li><li>Muldoon: clever girl</li></ul>",
        text_body="Hi John Hammond",
    )
    assert content.as_dict() == {"subject": content.subject, "html_body": content.html_body,
                                 "text_body": "Hi John Hammond", "channel_type": "email"}  # fmt: skip


def test_an_email_without_a_text_body_gets_one_from_its_html() -> None:
    content = Renderer().channel(step("email", {"subject": "s", "html_body": (
        "<html><head><title>x</title><style>p {color: red}</style></head><body><h1>Hello</h1>"
        "<p>Line <b>one</b><br>line two</p><ul><li>a</li><li>b</li></ul></body></html>")}), SCOPE)  # fmt: skip
    assert isinstance(content, EmailContent)
    assert content.text_body == "Hello\n\nLine one\nline two\n\n- a\n- b"


def test_email_visual_blocks_render_to_html() -> None:
    content = Renderer().channel(step("email", {"subject": "s", "visual_blocks": [
        {"type": "markdown", "content": "# Hi {{ recipient.name }}\n\n*{{ data.page }}*"},
        {"type": "html", "content": "<p>{{ tenant.name }}</p>"},
        {"type": "divider"},
        {"type": "image", "url": "{{ vars.app_url }}/logo.png", "alt": "Logo & co"},
        {"type": "button_set", "buttons": [{"label": "Open", "action": "{{ vars.app_url }}/p?a=1&b=2"}]},
    ]}), SCOPE)  # fmt: skip
    assert isinstance(content, EmailContent)
    assert content.html_body == (
        "<h1>Hi John Hammond</h1>\n<p><em>Raptor pen</em></p>\n<p>InGen</p>\n<hr>\n"
        '<img src="https://park.test/logo.png" alt="Logo &amp; co">\n<a href="https://park.test/p?a=1&amp;b=2">Open</a>'
    )


def test_sms_push_and_chat() -> None:
    renderer = Renderer()
    assert renderer.channel(step("sms", {"text_body": "{{ data.page }}!", "settings": {
        "to_number": "{{ recipient.phone | default: '+15550100' }}"}}), SCOPE) == SmsContent(
        body="Raptor pen!", to_number="+15550100")  # fmt: skip
    assert renderer.channel(step("sms", {"text_body": "x"}), SCOPE) == SmsContent(body="x")
    assert renderer.channel(step("push", {"title": "{{ tenant.name }}", "text_body": "{{ actor.name }}"}), SCOPE) == (
        PushContent(title="InGen", body="Dennis Nedry"))
    assert renderer.channel(step("push", {"title": "t", "text_body": "b", "settings": {"delivery_type": "silent"}}),
                            SCOPE) == PushContent(title="t", body=None, silent=True)  # fmt: skip
    chat = renderer.channel(step("chat", {"summary": "{{ data.page }}", "markdown_body": "*{{ actor.name }}*",
                                          "json_body": '{"blocks": [{"text": "{{ recipient.name }}"}]}'}), SCOPE)
    assert chat == ChatContent(summary="Raptor pen", markdown="*Dennis Nedry*",
                               json_body={"blocks": [{"text": "John Hammond"}]})  # fmt: skip


def test_in_app_feed_blocks_in_knocks_shape() -> None:
    content = Renderer().channel(step("in_app_feed", {
        "markdown_body": "**{{ actor.name }}** on *{{ data.page }}*",
        "action_url": "{{ vars.app_url }}/p",
        "action_buttons": [{"label": "View map", "action": "{{ vars.app_url }}/map"},
                           {"label": "Ignore", "action": "/ignore", "name": "dismiss"}],
    }), SCOPE)  # fmt: skip
    assert content == InAppFeedContent(
        blocks=(
            {"type": "markdown", "name": "body", "content": "**Dennis Nedry** on *Raptor pen*",
             "rendered": "<p><strong>Dennis Nedry</strong> on <em>Raptor pen</em></p>"},
            {"type": "text", "name": "action_url", "content": "https://park.test/p", "rendered": "https://park.test/p"},
            {"type": "button_set", "name": "actions", "buttons": [
                {"label": "View map", "action": "https://park.test/map", "name": "view_map"},
                {"label": "Ignore", "action": "/ignore", "name": "dismiss"}]},
        ),
        action_url="https://park.test/p",
    )  # fmt: skip
    assert content.body == "**Dennis Nedry** on *Raptor pen*"


def test_webhook_and_fetch_requests() -> None:
    renderer = Renderer()
    webhook = renderer.channel(step("http", {
        "method": "put", "url": "https://hooks.test/{{ recipient.id }}?x=1", "body": '{"page": "{{ data.page }}"}',
        "headers": [{"key": "X-Actor", "value": "{{ actor.id }}"}],
        "query_params": [{"key": "tenant", "value": "{{ tenant.id }}"}],
    }), SCOPE)  # fmt: skip
    assert webhook == HttpRequest(method="PUT", url="https://hooks.test/jhammond?x=1&tenant=ingen",
                                  headers=(("X-Actor", "dnedry"),), body='{"page": "Raptor pen"}')  # fmt: skip
    assert webhook.as_dict()["headers"] == [["X-Actor", "dnedry"]]
    assert renderer.channel(step("http", {}), SCOPE) == HttpRequest(method="POST", url=None)
    fetch = FetchStep(ref="fetch_1", method="get", url="https://api.test/users/{{ recipient.id }}",
                      headers='{"Authorization": "Bearer {{ vars.app_url | size }}", "X-N": 2}',
                      query_params=(("page", "{{ data.page }}"),))  # fmt: skip
    assert renderer.request(fetch, SCOPE) == HttpRequest(
        method="GET", url="https://api.test/users/jhammond?page=Raptor+pen",
        headers=(("Authorization", "Bearer 17"), ("X-N", "2")),
    )


HELPERS = [
    ('{{ data.at | timezone: "America/New_York" }}', "2023-12-31T14:30:00-05:00"),
    ('{{ data.at | date: "%-I:%M %p %Z", "America/New_York" }}', "2:30 PM EST"),
    ('{{ data.at | date: "%Y-%m-%d" }}', "2023-12-31"),
    ('{{ "now" | date: "%B %d, %Y" }}', "January 01, 2024"),
    ("{{ timestamp | date }}", "2024-01-01T12:00:00+00:00"),
    ('{{ data.missing | date: "%Y" }}', ""),
    ('{{ data.at | format_date_in_locale: "en-GB", "long" }}', "31 December 2023"),
    ('{{ data.at | format_date_in_locale: "en-US" }}', "12/31/23"),
    ('{{ data.at | format_datetime_in_locale: "en-GB", "medium", "short" }}', "31 Dec 2023, 19:30"),
    ('{{ 10000 | format_number: "en" }}', "10,000"),
    ('{{ 10000.5 | format_number: "de" }}', "10.000,5"),
    ('{{ 10 | currency: "GBP", "en" }}', "£10.00"),
    ("{{ data.amount | currency }}", "$1,234.50"),
    ('{{ 10.99 | rounded_currency: "GBP", "en" }}', "£11"),
    ('{{ data.amount | currency: "EUR", "fr" }}', "1\u202f234,50\xa0€"),
    ("{{ tenant | json }}", '{"id": "ingen", "name": "InGen"}'),
    ("{{ data.missing | json }}", "null"),
    ('{% assign parsed = data.raw | from_json %}{{ parsed.a }}', "1"),
    ('{{ total_actors | pluralize: "user", "users" }}', "users"),
    ('{{ 1 | pluralize: "user", "users" }}', "user"),
    ('{{ 0 | pluralize: "user", "users" }}', "users"),
    ("{{ 'my project name' | titlecase }}", "My Project Name"),
    ("{{ recipient.id | md5 }}", hashlib.md5(b"jhammond").hexdigest()),
    ("{{ recipient.id | sha256 }}", hashlib.sha256(b"jhammond").hexdigest()),
    ('{{ recipient.id | hmac_sha256: "k" }}', hmac.new(b"k", b"jhammond", hashlib.sha256).hexdigest()),
    ('{{ data.tags | intersect: data.more | join: "," }}', "b,c"),
    ("{{ '**hi**' | from_markdown }}", "<p><strong>hi</strong></p>"),
    ('{{ "1.0.0" | compare_versions: "2.0.0" }}{{ data.version | compare_versions: "1.2" }}'
     '{{ "v2.1" | compare_versions: "2.0.9" }}', "-101"),
    ("{{ recipient.name | upcase }} {{ data.tags | size }}", "JOHN HAMMOND 3"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "expected"), HELPERS)
def test_knock_liquid_helpers(source: str, expected: str) -> None:
    assert Renderer().text(source, SCOPE, "field") == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Hi {{ recipient.name | shout }}", "field line 1: unknown filter 'shout'"),
        ("ok\n{% if %}", "field line 2: missing expression"),
        ('{{ data.at | timezone: "Mars/Base" }}', "field line 1: unknown timezone 'Mars/Base'"),
        ('{{ "abc" | currency }}', "field line 1: expected a number, found 'abc'"),
        ('{{ data.at | format_date_in_locale: "xx-YY" }}', "field line 1: unknown locale 'xx-YY'"),
        ('{{ data.at | format_date_in_locale: "en", "huge" }}', "field line 1: date_format must be one of short,"),
        ('{{ "noon" | date: "%H" }}', "field line 1: expected an ISO 8601 timestamp, found 'noon'"),
        ("{{ 'x' | from_json }}", "field line 1: from_json: not JSON"),
        ("{{ 'x' | intersect: 1 }}", "field line 1: intersect expects two arrays"),
        ("{{ 'one' | compare_versions: '1' }}", "field line 1: compare_versions: 'one' is not a semantic version"),
    ],
)
def test_a_template_error_names_the_field_and_line(source: str, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        Renderer().text(source, SCOPE, "field")
    assert caught.value.reason.startswith(message)


def test_a_template_error_names_the_file_it_came_from() -> None:
    broken = step("email", {"subject": "s", "html_body": "<p>\n{{ recipient.name | nope }}</p>"},
                  {"html_body": "email_1/html_body.html"})  # fmt: skip
    with pytest.raises(TemplateError) as caught:
        Renderer().channel(broken, SCOPE)
    error = caught.value
    assert (error.field, error.file, error.line) == ("html_body", "email_1/html_body.html", 2)
    assert error.reason == "email_1/html_body.html line 2: unknown filter 'nope'"


@pytest.mark.parametrize(
    ("channel", "template", "reason"),
    [
        ("chat", {"json_body": "{not json"}, "json_body: did not render to JSON: Expecting property name"),
        ("email", {"subject": "s", "visual_blocks": [{"type": "partial", "key": "cta"}]},
         "visual_blocks[0]: the local engine does not render 'partial' blocks (partials need Knock)"),
        ("in_app_guide", {}, "channel_type: the local engine does not render in_app_guide steps"),
        ("sms", {"text_body": 42}, "text_body: expected a template string, found int"),
        ("http", {"headers": "{{ data.page }}"}, "headers: did not render to a JSON object: 'Raptor pen'"),
        ("http", {"headers": "[1]"}, "headers: did not render to a JSON object"),
    ],
)
def test_content_errors(channel: str, template: dict[str, Any], reason: str) -> None:
    with pytest.raises(TemplateError) as caught:
        Renderer().channel(step(channel, template), SCOPE)
    assert caught.value.reason.startswith(reason)


def test_a_filter_that_breaks_is_a_template_error_too() -> None:
    renderer = Renderer()
    renderer._environment().add_filter("boom", lambda value: 1 / 0)
    with pytest.raises(TemplateError, match="field: ZeroDivisionError: division by zero"):
        renderer.text("{{ 1 | boom }}", SCOPE, "field")


def test_undefined_variables_render_empty_and_parsed_templates_are_reused() -> None:
    renderer = Renderer()
    assert renderer.text("[{{ nothing.here }}]", {}, "f") == "[]"
    assert renderer.text(None, {}, "f") == ""
    assert renderer.text("{{ x }}", {"x": 1}, "f") == "1" and renderer.text("{{ x }}", {"x": 2}, "f") == "2"
    assert len(renderer._parsed) == 2


def test_importing_knockkit_and_the_engine_loads_no_template_engine() -> None:
    code = (
        "import sys, knockkit, knockkit.testing, knockkit.testing.engine\n"
        "loaded = sorted(m for m in ('liquid', 'babel', 'markdown') if m in sys.modules)\n"
        "assert not loaded, loaded\n"
        "from knockkit.testing.engine import Renderer\n"
        "assert Renderer().text('{{ 2 | plus: 2 }}', {}, 'f') == '4'\n"
        "assert 'liquid' in sys.modules\n"
        "print(knockkit.__file__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(ROOT / "knockkit" / "__init__.py")
