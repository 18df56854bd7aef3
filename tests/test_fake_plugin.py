"""The pytest plugin, loaded through the ``pytest11`` entry point (as a user's project
would load it), the light import it promises, and the quickstart example."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent

USER_TESTS = """
import knockkit
from knockkit import users, workflows

URLS = []

def test_first(knock, knock_client):
    URLS.append(knock.url)
    knock.add_workflow("dinosaurs-loose", steps=["in_app_feed", "email"])
    users.identify(knock_client, "jhammond", {"email": "jhammond@ingen.net"})
    workflows.trigger(knock_client, "dinosaurs-loose", recipients=["jhammond"])
    knock.assert_message_sent(recipient="jhammond", channel_type="email")
    knock.fail_next(5)

def test_second_starts_clean(knock, knock_client):
    URLS.append(knock.url)
    assert URLS[0] == URLS[1]  # one server for the session
    assert knock.user("jhammond") is None and knock.messages() == [] and knock.requests == []
    assert isinstance(knock_client, knockkit.Client) and knock_client.base_url == knock.url
    users.identify(knock_client, "agrant", {})  # no fault left over from the first test

def test_failure_output(knock):
    knock.assert_message_sent(recipient="nobody")
"""


def test_fixtures_come_from_the_entry_point(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: expected at least one message, found 0 matching recipient='nobody'"])


def test_the_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user="def test_uses_knock(knock):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:knockkit")
    result.stdout.fnmatch_lines(["*fixture 'knock' not found*"])


def test_loading_the_plugin_does_not_import_the_fake() -> None:
    code = textwrap.dedent(
        """
        import sys
        import knockkit.testing.plugin
        heavy = [m for m in ("knockkit.testing._server", "knockkit.testing._state", "http.server", "cattrs")
                 if m in sys.modules]
        assert not heavy, heavy
        from knockkit.testing import FakeKnock  # imported on first use
        assert "knockkit.testing._server" in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_quickstart_runs_against_the_embedded_fake() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNOCK_")}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's knockkit, whatever is installed
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py")], capture_output=True, text=True, env=env,
        timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "running against an embedded fake Knock at http://127.0.0.1:" in out
    assert "identified esattler: Ellie Sattler <esattler@ingen.net>" in out
    assert "cancelled the run for esattler" in out
    assert "jhammond  push         sent" in out
    assert "esattler  push" not in out
    assert "signing with a throwaway RSA key" in out
    assert "claims: sub=jhammond, expires in 3600 s" in out


def test_quickstart_with_a_key_talks_to_the_api_it_is_given() -> None:
    """With KNOCK_API_KEY the quickstart declares nothing on a fake: here the "real API" is a
    standalone fake on loopback, started with the workflow declared."""
    from knockkit.testing import FakeKnock

    server = subprocess.Popen(
        [sys.executable, "-m", "knockkit.testing", "--port", "0", "--quiet",
         "--workflow", "dinosaurs-loose=in_app_feed,email,delay,push"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        url = server.stdout.readline().split()[-1]
        key = server.stdout.readline().split()[-1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("KNOCK_")}
        env |= {"KNOCK_API_KEY": key, "KNOCK_BASE_URL": url, "KNOCK_PUSH_CHANNEL_ID": FakeKnock.channel_id("push")}
        env["PYTHONPATH"] = str(ROOT)  # this checkout's knockkit, whatever is installed
        result = subprocess.run(
            [sys.executable, str(ROOT / "examples" / "quickstart.py")], capture_output=True, text=True, env=env,
            timeout=120, cwd=ROOT,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.returncode == 0, result.stderr
    assert f"Running against the Knock API at {url}" in result.stdout
    assert "embedded fake" not in result.stdout
    assert "jhammond  email        sent" in result.stdout
    assert "so far (Knock sends asynchronously)" in result.stdout

