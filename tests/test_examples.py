"""Every script in examples/ runs to completion against its embedded fake Knock.

Each runs in a subprocess with every KNOCK_* variable removed from the environment (so with
no KNOCK_API_KEY, and nothing pointing it at another host), must exit 0 within its timeout,
and must say plainly that it ran against the embedded fake.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
TIMEOUT = 60  # seconds per script; each takes well under 2 s
NOTICE = "embedded fake"


def test_the_scenarios_have_scripts() -> None:
    names = {p.stem for p in SCRIPTS}
    scenarios = {
        "identify", "preferences", "channel_data", "trigger_and_cancel", "slack", "sign_token", "multi_tenant",
    }  # fmt: skip
    assert scenarios <= names, f"missing examples: {sorted(scenarios - names)}"


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_example_runs_against_the_embedded_fake(script: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNOCK_")}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = str(EXAMPLES.parent)  # this checkout's knockkit, whatever is installed
    try:
        done = subprocess.run(
            [sys.executable, str(script)], cwd=EXAMPLES.parent, env=env, capture_output=True, text=True,
            timeout=TIMEOUT,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{script.name} did not finish within {TIMEOUT} s; its output so far:\n{exc.stdout}\n{exc.stderr}")
    output = f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    assert done.returncode == 0, f"{script.name} exited with {done.returncode}\n{output}"
    assert NOTICE in done.stdout.lower(), f"{script.name} does not say it runs against an {NOTICE} Knock\n{output}"
