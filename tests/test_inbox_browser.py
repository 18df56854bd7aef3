"""The inbox in a real browser (Debian's Chromium under Playwright): a triggered workflow's
email appears rendered in its sandboxed frame, and "Advance clock" sends the step a delay
held, without reloading the page. Saves build/screenshots/inbox.png."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from knockkit import users, workflows
from knockkit.testing import FakeKnock
from tests.browser import screenshot_path

pytest.importorskip("liquid")

EMAIL_HTML = """<h1 style="color:#0b6e4f">Welcome, {{ recipient.name }}!</h1>
<p>Your park pass for <strong>{{ data.park }}</strong> is ready.</p>
<img src="{{ vars.image_host }}/logo.png" alt="">
<script>parent.document.title = "escaped the sandbox";</script>"""

WORKFLOW = {
    "name": "Park pass",
    "steps": [
        {"ref": "email_1", "type": "channel", "channel_type": "email",
         "template": {"subject": "Your pass for {{ data.park }}", "html_body@": "email_1/html_body.html"}},
        {"ref": "delay_1", "type": "delay", "settings": {"delay_for": {"unit": "minutes", "value": 30}}},
        {"ref": "sms_1", "type": "channel", "channel_type": "sms",
         "template": {"text_body": "{{ recipient.name }}, the gates of {{ data.park }} open in 30 minutes."}},
    ],
}  # fmt: skip


@pytest.fixture
def fake(tmp_path: Path, httpserver: HTTPServer) -> Iterator[FakeKnock]:
    folder = tmp_path / "park-pass"
    (folder / "email_1").mkdir(parents=True)
    (folder / "workflow.json").write_text(json.dumps(WORKFLOW))
    (folder / "email_1" / "html_body.html").write_text(EMAIL_HTML)
    # The email's image is on another origin (another loopback server): the page must not load it.
    with FakeKnock(workflows_dir=tmp_path, vars={"image_host": httpserver.url_for("").rstrip("/")}) as server:
        yield server


def test_the_inbox_shows_the_email_and_advancing_the_clock_sends_the_delayed_sms(
    fake: FakeKnock, browser_page: Any, httpserver: HTTPServer
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    elsewhere: list[str] = []  # what the page itself asked for, if not the fake
    page.on("request", lambda r: None if r.frame != page.main_frame or r.url.startswith(fake.url)
            else elsewhere.append(r.url))  # fmt: skip
    client = fake.client()
    users.identify(client, "jhammond", {"name": "John Hammond", "email": "jhammond@ingen.net",
                                        "phone_number": "+15555550100"})  # fmt: skip
    users.identify(client, "esattler", {"name": "Ellie Sattler"})  # no email: her email step is skipped
    workflows.trigger(client, "park-pass", recipients=["jhammond", "esattler"], data={"park": "Isla Nublar"})

    page.goto(fake.url + "/")

    email = page.locator('article.message[data-channel="email"]')
    expect(email).to_have_count(1)
    expect(email.locator(".subject")).to_have_text("Your pass for Isla Nublar")
    frame = email.locator("iframe.email-frame")
    expect(frame).to_have_attribute("sandbox", "")
    body = page.frame_locator("iframe.email-frame")
    expect(body.locator("h1")).to_have_text("Welcome, John Hammond!")
    expect(body.locator("strong")).to_have_text("Isla Nublar")
    expect(page.locator('article.message[data-channel="sms"]')).to_have_count(0)
    runs = page.locator("article.run")
    expect(runs).to_have_count(2)
    expect(page.locator("article.run .held").first).to_contain_text("Held at delay_1 until")
    expect(page.locator("li.step", has_text="the recipient has no email")).to_have_count(1)
    page.evaluate("window.notReloaded = true")

    page.fill("#advance-minutes", "30")
    page.click("#advance")

    sms = page.locator('article.message[data-channel="sms"]')
    expect(sms).to_have_count(1)
    expect(sms).to_contain_text("John Hammond, the gates of Isla Nublar open in 30 minutes.")
    expect(page.locator("#notice")).to_contain_text("Clock advanced 30 min")
    expect(page.locator("article.run .held")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    assert page.title() == "Inbox · knockkit fake Knock"  # the email's script never ran
    page.click("#tab-requests")
    expect(page.locator("table.requests tbody tr")).to_have_count(3)  # two identifies and a trigger
    expect(page.locator("table.requests")).to_contain_text("/v1/workflows/park-pass/trigger")
    page.click("#tab-runs")
    page.screenshot(path=str(screenshot_path("inbox")), full_page=True)
    page.click('button.recipient[data-recipient="esattler"]')  # one recipient's messages and runs
    expect(page.locator("#messages-title")).to_have_text("Messages to esattler")
    expect(page.locator("article.message")).to_have_count(0)
    expect(page.locator("article.run")).to_have_count(1)
    expect(page.locator("article.run li.step").first).to_contain_text("the recipient has no email")
    assert elsewhere == []  # the page and its files come from the fake alone
    assert httpserver.log == []  # and the email's remote image was never fetched
