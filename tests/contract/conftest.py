"""Report the contract figures (coverage, requests validated, examples decoded) after the run."""

from __future__ import annotations

import pytest

from tests.contract import harness


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if harness.SUMMARY:
        terminalreporter.section("knockkit contract")
        for key in ("coverage", "requests", "responses"):
            if key in harness.SUMMARY:
                terminalreporter.write_line(harness.SUMMARY[key])
