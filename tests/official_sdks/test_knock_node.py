"""Knock's official Node SDK (``@knocklabs/node``, pinned in ``node/package.json``) against the
standalone fake, only its base URL changed. ``node/scenarios.mjs`` runs the seed scenarios once
and prints a report; each scenario here is one test, which needs it ok and then checks the fake's
state through knockkit (``state.CHECKS``), so a scenario cannot pass by the SDK doing nothing.

Without node or ``npm ci --prefix tests/official_sdks/node`` the tests skip, and fail under
CI=true (.ci/run installs both)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.official_sdks.conftest import Standalone, skip_or_fail
from tests.official_sdks.state import CHECKS, SCENARIOS

NODE_DIR = Path(__file__).parent / "node"


@pytest.fixture(scope="module")
def node_report(standalone: Standalone) -> dict[str, dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        skip_or_fail("node is not on PATH")
    if not (NODE_DIR / "node_modules" / "@knocklabs" / "node" / "package.json").is_file():
        skip_or_fail("@knocklabs/node is not installed (npm ci --prefix tests/official_sdks/node)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNOCK")}
    env.update(KNOCK_BASE_URL=standalone.url, KNOCK_API_KEY=standalone.api_key,
               KNOCKKIT_FEED_CHANNEL_ID=standalone.channel_ids["in_app_feed"],
               KNOCKKIT_PUSH_CHANNEL_ID=standalone.channel_ids["push"])  # fmt: skip
    done = subprocess.run([node, "scenarios.mjs"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    return {entry["name"]: entry for entry in report}


def test_the_script_runs_every_scenario(node_report: dict[str, dict[str, Any]]) -> None:
    assert list(node_report) == list(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario(name: str, node_report: dict[str, dict[str, Any]], standalone: Standalone) -> None:
    entry = node_report.get(name)
    assert entry is not None, f"scenarios.mjs did not report {name}"
    assert entry["ok"], entry["detail"]
    CHECKS[name](standalone.client(), standalone, "js", entry["detail"] or {})
