"""The sample workflow directory in examples/knock/workflows loads, every channel step of
every workflow renders, and examples/knock/preview.py tells the story on the engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from knockkit.testing.engine import ChannelStep, EmailContent, Renderer, load_workflows

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / "examples" / "knock" / "workflows"
DEFINITIONS = load_workflows(WORKFLOWS)
CHANNEL_STEPS = [(key, step) for key, workflow in DEFINITIONS.items() for step in workflow.walk()
                 if isinstance(step, ChannelStep)]  # fmt: skip
SCOPE: dict[str, Any] = {
    "recipient": {"id": "jhammond", "name": "John Hammond", "locale": "en-GB", "timezone": "Europe/London"},
    "actor": {"id": "esattler", "name": "Ellie Sattler"},
    "tenant": {"id": "ingen", "name": "InGen"},
    "vars": {"app_url": "https://park.example"},
    "data": {"page_id": "p", "page_name": "Raptor pen", "preview": "Fence", "trial_days": 3, "order_id": "A-1",
             "tracking_url": "https://t.example", "total": 10, "shipped_at": "2025-03-03T08:00:00Z",
             "invoice_id": "INV-1", "amount_due": 5, "currency": "GBP", "due_at": "2025-03-05T00:00:00Z"},
    "timestamp": "2025-03-03T09:00:00.000000Z",
    "total_activities": 2, "total_actors": 2,
    "activities": [{"id": "1", "preview": "Fence", "actor": {"name": "Ellie Sattler"}},
                   {"id": "2", "preview": "Clever girl", "actor": {"name": "Alan Grant"}}],
    "actors": [{"name": "Ellie Sattler"}, {"name": "Alan Grant"}],
}  # fmt: skip


def test_the_examples_cover_every_channel_and_step_type() -> None:
    channels = {step.channel_type for _, step in CHANNEL_STEPS}
    assert channels == {"email", "sms", "push", "chat", "in_app_feed"}
    kinds = {step.type for workflow in DEFINITIONS.values() for step in workflow.walk()}
    assert {"delay", "batch", "branch", "throttle"} <= kinds
    assert any(step.conditions for _, step in CHANNEL_STEPS) and any(w.conditions for w in DEFINITIONS.values())
    assert any(step.template_files for _, step in CHANNEL_STEPS)


@pytest.mark.parametrize(("key", "step"), CHANNEL_STEPS, ids=[f"{k}/{s.ref}" for k, s in CHANNEL_STEPS])
def test_every_example_channel_step_renders(key: str, step: ChannelStep) -> None:
    content = Renderer().channel(step, SCOPE)
    rendered = content.as_dict()
    assert rendered["channel_type"] == step.channel_type
    text = " ".join(str(v) for v in rendered.values())
    assert "{{" not in text and "{%" not in text
    assert any(name in text for name in ("John", "Ellie", "Raptor", "A-1", "INV-1", "InGen"))
    if isinstance(content, EmailContent):
        assert content.subject and content.html_body and content.text_body


def run_example(name: str) -> str:
    """The stdout of examples/knock/NAME run with this checkout and no KNOCK_* variables; it must exit 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNOCK_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "knock" / name)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_preview_script_tells_the_story() -> None:
    out = run_example("preview.py")
    assert "welcome → jhammond · email_1 (email): sent" in out
    assert "subject: Welcome to InGen, John Hammond" in out
    assert "new-comment → jhammond · batch_1 (batch): passed — batch elapsed with 2 activities" in out
    assert "**Ellie Sattler** and 1 other left 2 comments on *Raptor pen*" in out
    assert "- Alan Grant: Clever girl" in out
    assert "throttle_1 (throttle): skipped — throttled" in out
    assert "took branch 'Express'" in out and "took branch 'Default'" in out
    assert ":receipt: Invoice *INV-7* for InGen (€1,200.00) is due Mar 5." in out
    assert out.rstrip().endswith("7 runs, 9 messages, 0 template errors")


def test_the_local_knock_script_serves_rendered_messages() -> None:
    out = run_example("local_knock.py")
    assert "embedded fake Knock" in out
    assert "    subject: Welcome to Jurassic Park, John Hammond\n" in out
    assert "    Welcome to Jurassic Park, John Hammond! Reply STOP to opt out.\n" in out
    after_batch = out.split("The clock moves 5 minutes on:\n")[1].split("The clock moves 10 minutes on:\n")
    assert "**Ellie Sattler** and 1 other left 2 comments on *Raptor pen*" in after_batch[0]
    assert "subject: 2 new comments on Raptor pen" in after_batch[1]
    assert "- Alan Grant: Clever girl" in after_batch[1]


def test_the_local_knock_script_leaves_its_messages_in_the_inbox() -> None:
    import json

    import urllib3

    env = {k: v for k, v in os.environ.items() if not k.startswith("KNOCK_")}
    env["PYTHONPATH"] = str(ROOT)
    script = ROOT / "examples" / "knock" / "local_knock.py"
    with subprocess.Popen([sys.executable, str(script), "--inbox"], cwd=ROOT, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:  # fmt: skip
        try:
            assert proc.stdout is not None
            lines = iter(proc.stdout.readline, "")
            line = next((text for text in lines if text.startswith("The inbox shows all of this at ")), "")
            assert line, proc.stderr.read() if proc.stderr else ""
            url = line.split(" at ", 1)[1].split()[0]
            page = urllib3.request("GET", url, retries=False)
            assert page.status == 200 and b"<title>" in page.data
            state = json.loads(urllib3.request("GET", url + "_fake/inbox/state", retries=False).data)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    emails = [m["content"] for m in state["messages"] if m["channel_type"] == "email"]
    subjects = {content["subject"] for content in emails}
    assert {"Welcome to Jurassic Park, John Hammond", "2 new comments on Raptor pen"} <= subjects
    assert {run["workflow"] for run in state["runs"]} == {"welcome", "new-comment"}
