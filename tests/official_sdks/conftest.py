"""The standalone fake Knock (``python -m knockkit.testing --port 0``) as a subprocess, for
Knock's official SDKs to talk to with only their base URL changed; and a knockkit client on
the same server, to check what the SDKs did from outside them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import knockkit

#: Declared on the server's command line, as a developer would: a delay holds the run so that a
#: cancellation has something to cancel; ``park-digest`` is what the schedules run. The sample
#: Knock workflow directory is loaded too, for messages rendered from templates.
WORKFLOWS = ("dinosaurs-loose=in_app_feed,email,delay,sms", "park-digest=in_app_feed")
WORKFLOWS_DIR = Path(__file__).parents[2] / "examples" / "knock" / "workflows"
BANNER_END = "Press Ctrl-C to stop."


@dataclass(frozen=True)
class Standalone:
    """A running ``python -m knockkit.testing``: what its banner printed, and its log file."""

    url: str
    api_key: str
    channel_ids: dict[str, str]
    log: Path

    def client(self) -> knockkit.Client:
        return knockkit.Client(api_key=self.api_key, base_url=self.url, backoff_factor=0.001)


def skip_or_fail(reason: str) -> None:
    """Skip locally; under CI=true (.ci/run) a missing SDK or runtime is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the official SDK tests must run)")
    pytest.skip(reason)


def _read_banner(stdout: Path, process: subprocess.Popen[bytes], timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = stdout.read_text()
        if BANNER_END in text:
            return text
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"the standalone fake printed no banner (exit {process.poll()}):\n{stdout.read_text()}")


def parse_banner(text: str, log: Path) -> Standalone:
    url = re.search(r"^FakeKnock serving at (http://127\.0\.0\.1:\d+)$", text, re.M)
    key = re.search(r"^API key: (\S+)$", text, re.M)
    assert url and key, text
    channels = dict(re.findall(r"^  (in_app_feed|push|chat): (\S+)$", text, re.M))
    return Standalone(url.group(1), key.group(1), channels, log)


@pytest.fixture(scope="session")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standalone]:
    """One server for the session; each scenario uses its own ids. Its output goes to files (the
    request log would fill an unread pipe and stall the server)."""
    folder = tmp_path_factory.mktemp("standalone")
    stdout, log = folder / "stdout.txt", folder / "requests.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNOCK_")}
    command = [sys.executable, "-m", "knockkit.testing", "--port", "0", "--workflows", str(WORKFLOWS_DIR),
               "--var", "app_url=https://park.example"]  # fmt: skip
    for workflow in WORKFLOWS:
        command += ["--workflow", workflow]
    with stdout.open("wb") as out, log.open("wb") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
    try:
        yield parse_banner(_read_banner(stdout, process), log)
    finally:
        process.terminate()
        process.wait(timeout=10)
