"""The framework examples run against their embedded fake Knock, with no key, and show what they
promise. tests/test_examples.py runs every examples/*.py (celery_worker.py checks its own
outcome and exits non-zero otherwise); this file checks what the web examples print, and runs
the Django project, which lives in its own directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
MANAGE = EXAMPLES / "django_project" / "manage.py"
TIMEOUT = 60


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KNOCK") and k != "DJANGO_SETTINGS_MODULE"}
    clean.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", PARKSITE_DB=str(tmp_path / "park.sqlite3"), **env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=TIMEOUT
    )


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("flask_app.py", ["handled once: ['stop emailing agrant (hard_bounce)']", "400 'rejected"]),
        ("fastapi_app.py", ["handled once: ['imalcolm got message.delivered']", "400 'rejected"]),
    ],
)
def test_framework_scripts_show_what_they_promise(script: str, expected: list[str], tmp_path: Path) -> None:
    pytest.importorskip(script.split("_")[0])
    done = run([str(EXAMPLES / script)], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "embedded fake Knock" in done.stdout
    for text in expected:
        assert text in done.stdout, done.stdout


def test_django_project_demo(tmp_path: Path) -> None:
    pytest.importorskip("django")
    done = run([str(MANAGE), "demo"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "running against an embedded fake Knock" in done.stdout
    assert "200 {'workflow_run_id'" in done.stdout
    assert "delivery 1: 204" in done.stdout and "delivery 2: 204" in done.stdout
    assert "handled once: ['stop emailing esattler']" in done.stdout
    assert "400 'rejected" in done.stdout


def test_django_project_check_reports_a_public_key_without_showing_it(tmp_path: Path) -> None:
    pytest.importorskip("django")
    public = "pk_test_0f1e2d3c4b5a6978"
    done = run([str(MANAGE), "check"], tmp_path, KNOCK_API_KEY=public)
    assert done.returncode == 1
    assert "(knockkit.E001) settings.KNOCKKIT['ParkKnock']['api_key']: api_key is a public key" in done.stderr
    assert public not in done.stdout + done.stderr
    fine = run([str(MANAGE), "check"], tmp_path, KNOCK_API_KEY="sk_test_0f1e2d3c4b5a6978")
    assert fine.returncode == 0 and "no issues" in fine.stdout
