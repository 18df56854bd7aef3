"""The pytest plugin, loaded through the ``pytest11`` entry point (as a user's project
would load it), the light import it promises, and the quickstart example."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

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
        heavy = [m for m in ("knockkit.testing._server", "knockkit.testing.stores", "http.server", "cattrs")
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
            [sys.executable, str(ROOT / "examples" / "quickstart.py"), "--yes"], capture_output=True, text=True,
            env=env, timeout=120, cwd=ROOT,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.returncode == 0, result.stderr
    assert f"Running against the Knock API at {url}" in result.stdout
    assert "embedded fake" not in result.stdout
    assert "jhammond  email        sent" in result.stdout
    assert "so far (Knock sends asynchronously)" in result.stdout


def _quickstart_with_a_key(fake_url: str, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNOCK_")}
    env |= {"KNOCK_API_KEY": key, "KNOCK_BASE_URL": fake_url}
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py"), *args], capture_output=True, text=True, env=env,
        timeout=120, cwd=ROOT, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_quickstart_with_a_key_and_no_terminal_refuses_to_write_without_yes() -> None:
    from knockkit.testing import FakeKnock

    with FakeKnock() as fake:
        result = _quickstart_with_a_key(fake.url, fake.api_key)
        assert result.returncode == 1, result.stderr
        assert "This writes to the Knock environment at " + fake.url in result.stdout
        assert "Refusing to write without asking" in result.stdout and "--yes" in result.stdout
        assert fake.requests == []  # nothing was sent


def test_quickstart_turns_a_missing_workflow_into_a_message() -> None:
    from knockkit.testing import FakeKnock

    with FakeKnock() as fake:  # no workflow declared: the trigger is a 404
        result = _quickstart_with_a_key(fake.url, fake.api_key, "--yes")
        assert result.returncode == 1
        assert "Traceback" not in result.stderr, result.stderr
        assert f"The workflow 'dinosaurs-loose' does not exist in this Knock environment ({fake.url})" in result.stderr
        triggers = [r for r in fake.requests if r.path.endswith("/trigger")]
        sent = [(r.method, r.path, r.status) for r in triggers]
        assert sent == [("POST", "/v1/workflows/dinosaurs-loose/trigger", 404)]


def _pytest_in(tmp_path: Path, test_source: str, env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run pytest (with this checkout's plugin) on one test file in ``tmp_path``, as a user's project would."""
    (tmp_path / "test_user.py").write_text(textwrap.dedent(test_source))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNOCK_")}
    env |= {"PYTHONPATH": str(ROOT), **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_user.py"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip


def test_a_failed_fake_assertion_reports_the_test_line_not_the_fakes_source(tmp_path: Path) -> None:
    result = _pytest_in(tmp_path, """
        def test_alert(knock, knock_client):
            knock.add_workflow("dinosaurs-loose", steps=["email"])
            knock.assert_message_sent(recipient="jhammond", channel_type="email")
    """, {})  # fmt: skip
    assert result.returncode == 1, result.stdout
    assert "test_user.py:4: AssertionError" in result.stdout
    assert "AssertionError: expected at least one message, found 0" in result.stdout
    assert "_server.py" not in result.stdout and "plugin.py" not in result.stdout, result.stdout


REAL_ENV_TESTS = """
    import os

    import pytest

    import knockkit

    class MyKnock(knockkit.KnockInstance, app="myapp"):
        pass

    def test_a_forgetful_test_cannot_use_the_shell_key():
        assert "KNOCK_API_KEY" not in os.environ and "KNOCK_BRANCH" not in os.environ
        with pytest.raises(knockkit.ApiKeyMissingError):
            MyKnock.client()

    @pytest.mark.knock_real_environment
    def test_an_opted_in_test_sees_it():
        assert os.environ["KNOCK_API_KEY"] == "sk_real_looking_key"
        assert os.environ["KNOCK_BRANCH"] == "staging"
"""


def test_a_key_for_real_knock_is_hidden_from_tests_unless_they_opt_in(tmp_path: Path) -> None:
    result = _pytest_in(tmp_path, REAL_ENV_TESTS, {"KNOCK_API_KEY": "sk_real_looking_key", "KNOCK_BRANCH": "staging"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert "sk_real_looking_key" not in result.stdout + result.stderr


def test_a_key_for_a_loopback_knock_is_left_alone(tmp_path: Path) -> None:
    result = _pytest_in(tmp_path, """
        import os

        def test_sees_the_local_knock():
            assert os.environ["KNOCK_API_KEY"] == "sk_local"
            assert os.environ["KNOCK_BASE_URL"] == "http://127.0.0.1:8111"
    """, {"KNOCK_API_KEY": "sk_local", "KNOCK_BASE_URL": "http://127.0.0.1:8111"})  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


REAL_HOST_TESTS = """
    import os

    import pytest

    import knockkit
    from knockkit import users

    def client():
        # Not a KNOCK_* variable and not the fake: what the environment guard alone cannot catch.
        return knockkit.Client(api_key=os.environ["MY_KNOCK_KEY"], base_url="http://api.knock.app", max_retries=0)

    def test_a_request_to_a_real_host_is_refused():
        with pytest.raises(RuntimeError, match="refused a request to api.knock.app .not a local host.") as info:
            users.get(client(), "u1")
        assert "knock_real_environment" in str(info.value) and os.environ["MY_KNOCK_KEY"] not in str(info.value)

    async def refused_async():
        with pytest.raises(RuntimeError, match="refused a request to api.knock.app"):
            aclient = knockkit.AsyncClient(api_key=os.environ["MY_KNOCK_KEY"], base_url="http://api.knock.app")
            await users.get(aclient, "u1")

    def test_so_is_an_async_one():
        import asyncio
        asyncio.run(refused_async())

    @pytest.mark.knock_real_environment
    def test_an_opted_in_test_reaches_it():
        assert users.get(client(), "u1").id == "u1"
"""


def test_a_request_to_a_host_that_is_not_local_is_refused_unless_the_test_opts_in(
    tmp_path: Path, httpserver: Any
) -> None:
    # The "real host" is reached through a forward proxy on loopback that answers itself, so
    # the test sees exactly which requests would have left the machine.
    httpserver.expect_request("/v1/users/u1", method="GET").respond_with_json({"id": "u1"})
    proxy = httpserver.url_for("/").rstrip("/")
    env = {"MY_KNOCK_KEY": "sk_real_looking_key", "HTTP_PROXY": proxy, "http_proxy": proxy, "NO_PROXY": ""}
    result = _pytest_in(tmp_path, REAL_HOST_TESTS, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
    sent = [(r.method, r.url, r.headers.get("Authorization")) for r in (entry[0] for entry in httpserver.log)]
    assert sent == [("GET", "http://api.knock.app/v1/users/u1", "Bearer sk_real_looking_key")]
