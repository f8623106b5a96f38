"""``make test`` without a PostgreSQL server says so in its last lines, not only in a long skip list."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TESTS = '''
import pytest

@pytest.mark.postgres
def test_marked():
    pytest.skip("PostgreSQL at 127.0.0.1:5432 is unreachable: postgres: ConnectionRefusedError")

def test_through_the_fixture():
    pytest.skip("PostgreSQL at 127.0.0.1:5432 is unreachable: postgres: ConnectionRefusedError")

def test_other_skip():
    pytest.skip("needs a terminal")

def test_plain():
    pass
'''


def run_pytest(folder: Path) -> list[str]:
    (folder / "conftest.py").write_text("from tests.conftest import pytest_terminal_summary  # noqa: F401\n")
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
                             "-W", "ignore::pytest.PytestUnknownMarkWarning", "-ra", "-q", str(folder)],
                            capture_output=True, text=True, cwd=folder, env=environment, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()


def test_skipped_postgresql_tests_are_counted_in_the_last_lines(tmp_path: Path) -> None:
    (tmp_path / "test_tiny.py").write_text(TESTS)
    last = run_pytest(tmp_path)[-4:]
    assert "2 PostgreSQL test(s) SKIPPED" in last[0]
    assert last[1] == "why: PostgreSQL at 127.0.0.1:5432 is unreachable: postgres: ConnectionRefusedError"
    assert last[2].startswith("To run them, start PostgreSQL on 127.0.0.1:5432")
    assert last[3].startswith("1 passed, 3 skipped")


def test_a_run_without_postgresql_skips_says_nothing_more(tmp_path: Path) -> None:
    (tmp_path / "test_tiny.py").write_text("def test_plain():\n    pass\n")
    assert not any("PostgreSQL" in line for line in run_pytest(tmp_path))
