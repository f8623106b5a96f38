"""Shared fixtures: the bundled script, and an engine chat per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.core.script import Script
from bot.shell.prompts import load_script
from tests.engine.chat import Chat


@pytest.fixture(scope="session")
def script() -> Script:
    return load_script()


@pytest.fixture
def chat(script: Script) -> Chat:
    return Chat(script)


@pytest.fixture
def chat_nl(script: Script) -> Chat:
    return Chat(script, language="nl")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Iterator[None]:
    """Say in the last lines of the run when PostgreSQL tests were skipped, how many and why:
    a green ``make test`` without a server has not tested PostgreSQL at all. (A wrapper, after
    the yield: below pytest's short summary, just above the final count.)"""
    yield
    skipped = [report for report in terminalreporter.stats.get("skipped", ()) if _about_postgres(report)]
    if not skipped:
        return
    reasons = sorted({_skip_reason(report) for report in skipped})
    terminalreporter.write_sep("=", f"{len(skipped)} PostgreSQL test(s) SKIPPED", yellow=True, bold=True)
    for reason in reasons:
        terminalreporter.write_line(f"why: {reason[:300]}")
    terminalreporter.write_line("To run them, start PostgreSQL on 127.0.0.1:5432 (user postgres or root, trust auth, "
                                "a database 'test'); VOORDENKEN_REQUIRE_POSTGRES=1 makes a missing server a failure.")


def _about_postgres(report: pytest.TestReport) -> bool:
    return "postgres" in report.keywords or "PostgreSQL" in _skip_reason(report)


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


# The `browser` fixture (headless Chromium) and its skip count in the last lines: tests/browser.py.
pytest_plugins = ["tests.browser"]
