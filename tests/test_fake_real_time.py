"""FakeKnock(real_time=True): held runs of loaded workflows go on when their delay ends on
the wall clock, with no request arriving (the timer wakes at the engine's next due time)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from knockkit import messages, users, workflows
from knockkit.testing import FakeKnock

pytest.importorskip("liquid")

DELAYED = """{"name": "Fence alert", "steps": [
    {"ref": "delay_1", "type": "delay", "settings": {"delay_for": {"unit": "seconds", "value": 2}}},
    {"ref": "sms_1", "type": "channel", "channel_type": "sms", "template": {"text_body": "The {{ data.fence }} fence"}}
]}"""


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    (tmp_path / "fence-alert").mkdir()
    (tmp_path / "fence-alert" / "workflow.json").write_text(DELAYED)
    return tmp_path


def wait_for_messages(fake: FakeKnock, seconds: float) -> list[object]:
    deadline = time.monotonic() + seconds
    while not (found := fake.messages()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return list(found)


def test_a_delay_ends_on_the_wall_clock_with_no_request(directory: Path) -> None:
    with FakeKnock(workflows_dir=directory, real_time=True) as fake:
        client = fake.client()
        users.identify(client, "jhammond", {"name": "John Hammond", "phone_number": "+15555550100"})
        workflows.trigger(client, "fence-alert", recipients=["jhammond"], data={"fence": "east"})
        (run,) = fake.runs()
        assert (run.status, run.held_at) == ("processing", "delay_1")
        requests_before = len(fake.requests)

        (sms,) = wait_for_messages(fake, 10)

        assert len(fake.requests) == requests_before  # nothing but the timer moved the run
        assert messages.get_content(client, sms.id).data.to_dict() == {  # type: ignore[attr-defined]
            "__typename": "MessageSmsContent", "to": "+15555550100", "body": "The east fence"}  # fmt: skip
        assert fake.runs()[0].status == "completed"


def test_without_real_time_a_clock_move_sends_it(directory: Path) -> None:
    with FakeKnock(workflows_dir=directory) as fake:
        client = fake.client()
        users.identify(client, "jhammond", {"name": "John Hammond", "phone_number": "+15555550100"})
        workflows.trigger(client, "fence-alert", recipients=["jhammond"], data={"fence": "east"})
        assert fake.messages() == []
        fake.clock.advance(seconds=2)
        (sms,) = fake.messages()
        assert sms.recipient == "jhammond"


def test_real_time_without_the_local_extra_says_what_to_install() -> None:
    code = ("import sys; sys.modules['liquid'] = None\n"
            "from knockkit.testing.__main__ import main\n"
            "main(['--port', '0', '--real-time'])")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "running loaded workflows needs the 'local' extra: pip install 'knockkit[local]'" in done.stderr
    assert "Traceback" not in done.stderr
