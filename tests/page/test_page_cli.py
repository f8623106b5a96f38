"""``voordenken page``: a console session into a SQLite file, then its page, as an operator runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SESSION = """\
alice: /problem start nuisance in the <b>neighbourhood</b>
bob: Reports get lost between the police and the youth team.
bob: Who is going to call the landlord?
alice: /problem next
alice: /problem next
alice: /problem next
alice: /problem next
alice: /problem next
alice: /problem next
alice: /problem vote
alice: /problem agree
bob: /problem agree
"""


def voordenken(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "VOORDENKEN_"))}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "bot.app.cli", *args], input=stdin, capture_output=True, text=True,
                          env=environment, cwd=cwd, timeout=120)


@pytest.fixture
def database(tmp_path: Path) -> str:
    database = f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"
    result = voordenken("console", "--channel", "team", "--database", database, cwd=tmp_path, stdin=SESSION)
    assert result.returncode == 0, result.stderr
    assert "We have a shared problem statement" in result.stdout
    return database


def test_the_page_of_a_console_session_holds_its_agreed_statement(database: str, tmp_path: Path) -> None:
    out = tmp_path / "session.html"
    result = voordenken("page", "--channel", "team", "--out", str(out), "--database", database, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{out}\n"
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<blockquote class="statement">Problem: Reports get lost between the police and the youth team.' in page
    assert "Who is going to call the landlord?" in page  # the parking lot
    assert "nuisance in the &lt;b&gt;neighbourhood&lt;/b&gt;" in page
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left

    again = voordenken("page", "--channel", "console:team", "--out", "again.html", "--database", database, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout == "again.html\n"
    assert (tmp_path / "again.html").read_text(encoding="utf-8").count("<blockquote") == 1


def test_an_unknown_channel_or_a_purged_one_writes_nothing(database: str, tmp_path: Path) -> None:
    out = tmp_path / "nowhere.html"
    for channel in ("nowhere", "slack:T1:C1", ""):
        result = voordenken("page", "--channel", channel, "--out", str(out), "--database", database, cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr == f"voordenken: no session found for channel '{channel}'\n"
        assert result.stdout == ""
        assert not out.exists()

    purged = voordenken("console", "--channel", "team", "--database", database, cwd=tmp_path,
                        stdin="alice: /problem purge\nalice: /problem purge confirm\n")
    assert purged.returncode == 0, purged.stderr
    result = voordenken("page", "--channel", "team", "--out", str(out), "--database", database, cwd=tmp_path)
    assert result.returncode == 1 and "no session found for channel 'team'" in result.stderr
    assert not out.exists()


def test_a_page_that_cannot_be_written_is_a_one_line_error(database: str, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "session.html"
    result = voordenken("page", "--channel", "team", "--out", str(out), "--database", database, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and f"cannot write '{out}'" in result.stderr
    assert not out.parent.exists()
