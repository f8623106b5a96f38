"""An operator's mistake ends in one line saying what to do and a non-zero exit, never a traceback.

What can be understood is accepted instead: a file path is an SQLite database, ``sqlite://`` and
``postgresql://`` get the async drivers the bot ships with.
"""

from __future__ import annotations

import asyncio
import io
import os
import socket
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from bot.app import cli
from bot.app.settings import Settings
from bot.shell import logs
from tests.console.test_console import voordenken
from tests.storage.pg import postgres_url_or_skip


class Run:
    """``voordenken <argv>`` in this process: its exit code, what it printed, what it complained."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def complained_once(self) -> str:
        """The one line on stderr (asserting there is exactly one, and no traceback)."""
        lines = self.err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in self.err, self.err
        return lines[0]


@pytest.fixture
def operator(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
             ) -> Iterator[Callable[..., Run]]:
    """Runs the CLI as an operator in an empty folder, with none of this machine's settings."""
    for name in list(os.environ):
        if name.startswith(("VOORDENKEN_", "SLACK_", "TELEGRAM_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    def run(*argv: str, stdin: str = "") -> Run:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = cli.main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    with logs.restored():
        yield run


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database (skipped when the server is unreachable, unless required)."""
    async with postgres_url_or_skip() as url:
        yield url


def free_port() -> int:
    """A port nothing listens on (taken from the system, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- what can be understood is accepted -----------------------------------------------------

def test_a_plain_path_given_as_database_is_an_sqlite_file(
    operator: Callable[..., Run], tmp_path: Path,
) -> None:
    started = operator("console", "--channel", "wijk", "--user", "alice", "--database", str(tmp_path / "team.db"),
                       stdin="/problem start nuisance in the neighbourhood\n")
    assert started.code == 0, started.err
    assert "Question 1 of 6" in started.out
    assert (tmp_path / "team.db").exists()

    listed = operator("channels", "--database", "team.db")  # relative to where the operator stands
    assert "console:wijk" in listed.out


def test_sqlite_without_a_driver_is_accepted(
    operator: Callable[..., Run], tmp_path: Path,
) -> None:
    result = operator("console", "--user", "alice", "--database", "sqlite:///plain.db", stdin="/problem start\n")
    assert result.code == 0, result.err
    assert "Session started. Facilitator: alice." in result.out
    assert (tmp_path / "plain.db").exists()


@pytest.mark.parametrize("written", ["postgresql://bot:s3cret@db.example:5432/voordenken",
                                     "postgres://bot:s3cret@db.example:5432/voordenken"])
def test_postgresql_without_a_driver_suffix_gets_asyncpg(written: str) -> None:
    assert Settings(database_url=written).database_url == "postgresql+asyncpg://bot:s3cret@db.example:5432/voordenken"


def test_the_environment_variable_is_understood_the_same_way(tmp_path: Path) -> None:
    result = voordenken("config", env={"VOORDENKEN_DATABASE_URL": "postgresql://bot:hunter2@db/voordenken"})
    assert result.returncode == 0, result.stderr
    assert "VOORDENKEN_DATABASE_URL=postgresql+asyncpg://bot:***@db/voordenken" in result.stdout

    path = tmp_path / "file.db"
    assert Settings(database_url=str(path)).database_url == f"sqlite+aiosqlite:///{path}"
    assert Settings(database_url="sqlite+aiosqlite:///:memory:").database_url == "sqlite+aiosqlite:///:memory:"


@pytest.mark.postgres
async def test_postgresql_written_plainly_works_against_the_real_server(pg_url: str) -> None:
    plain = pg_url.replace("postgresql+asyncpg://", "postgresql://")
    result = await asyncio.to_thread(voordenken, "channels", "--database", plain)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "no channel has a session yet\n"


# --- the rest is explained in one line ----------------------------------------------------

def test_a_database_in_a_missing_folder_says_which_folder_to_create(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = voordenken("console", "--database", str(missing / "team.db"), stdin="/problem start\n")
    assert result.returncode == 2
    assert result.stderr == (f"voordenken: cannot open the database: the folder {missing} does not exist; "
                             f"create it (mkdir -p {missing}) or give another path\n")
    assert not missing.exists()


@pytest.mark.parametrize("url", ["mysql://bot@db/voordenken", "http://example.org/db"])
def test_an_unknown_scheme_says_what_to_write(
    operator: Callable[..., Run], url: str,
) -> None:
    result = operator("channels", "--database", url)
    assert result.code == 2
    line = result.complained_once()
    assert line.startswith("voordenken: configuration error: VOORDENKEN_DATABASE_URL: unknown database scheme")
    assert "use a file path (./voordenken.db), sqlite:///file.db or postgresql://user:password@host:5432/db" in line


def test_a_driver_that_is_not_installed_says_to_leave_it_out(operator: Callable[..., Run]) -> None:
    line = operator("channels", "--database", "postgresql+psycopg2://bot:hunter2@db/voordenken").complained_once()
    assert "the database driver 'psycopg2' is not installed; leave it out (postgresql://...)" in line
    assert "hunter2" not in line


def test_a_wrong_port_says_nothing_answers_there(operator: Callable[..., Run]) -> None:
    port = free_port()
    result = operator("channels", "--database", f"postgresql://bot:hunter2@127.0.0.1:{port}/voordenken")
    assert result.code == 2
    assert result.complained_once() == (f"voordenken: cannot open the database: nothing answers at 127.0.0.1:{port}; "
                                        f"is PostgreSQL running there, on that port?")


def test_an_unknown_host_says_to_check_the_host(operator: Callable[..., Run]) -> None:
    result = operator("inbox", "list", "--database", "postgresql://bot@no-such-host.invalid/voordenken")
    assert result.code == 2
    assert "the host 'no-such-host.invalid' is unknown; check the host in the database URL" in result.complained_once()


@pytest.mark.postgres
async def test_a_missing_database_on_the_server_says_how_to_create_it(pg_url: str) -> None:
    missing = pg_url.rsplit("/", 1)[0].replace("postgresql+asyncpg://", "postgresql://") + "/no_such_database"
    result = await asyncio.to_thread(voordenken, "channels", "--database", missing)
    assert result.returncode == 2
    assert result.stderr == (
        "voordenken: cannot open the database: PostgreSQL at 127.0.0.1:5432 has no database 'no_such_database'; "
        "create it (createdb no_such_database) or fix the name in the URL\n")


def test_an_unknown_log_level_lists_the_valid_ones(
    operator: Callable[..., Run], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOORDENKEN_LOG_LEVEL", "LOUD")
    result = operator("console", stdin="/problem start\n")
    assert result.code == 2
    assert result.complained_once() == ("voordenken: configuration error: VOORDENKEN_LOG_LEVEL: 'LOUD' is not a "
                                        "log level; use one of DEBUG, INFO, WARNING, ERROR, CRITICAL")


def test_a_log_level_in_lower_case_is_fine() -> None:
    assert Settings(log_level="debug").log_level == "DEBUG"
    assert Settings(log_level="warn").log_level == "WARNING"


# --- the small things an operator looks for -------------------------------------------------

def test_version() -> None:
    from importlib.metadata import version

    result = voordenken("--version")
    assert result.returncode == 0
    assert result.stdout == f"voordenken {version('voordenken')}\n"


def test_channels_lists_each_session_without_its_text(operator: Callable[..., Run]) -> None:
    operator("console", "--channel", "wijk", "--database", "chat.db",
             stdin="alice: /problem start nuisance in the neighbourhood\nbob: Reports get lost between the teams.\n")
    operator("console", "--channel", "buurt", "--database", "chat.db",
             stdin="alice: /problem language nl\nalice: /problem start geluidsoverlast\n")
    result = operator("channels", "--database", "chat.db")
    assert result.code == 0, result.err
    header, *rows = result.out.splitlines()
    assert header.split() == ["CHANNEL", "PHASE", "LANGUAGE", "LAST", "ACTIVITY"]
    assert [row.split()[:3] for row in rows] == [["console:buurt", "analysis", "nl"],
                                                 ["console:wijk", "analysis", "en"]]
    assert all(row.endswith(" UTC") for row in rows)
    for text in ("nuisance", "Reports", "geluidsoverlast", "alice", "bob"):
        assert text not in result.out


def test_commands_do_not_print_alembics_progress(tmp_path: Path) -> None:
    result = voordenken("db", "upgrade", "--database", str(tmp_path / "fresh.db"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "database is up to date\n"
    assert result.stderr == ""


def test_the_console_speaks_as_the_person_at_the_keyboard(tmp_path: Path) -> None:
    result = voordenken("console", "--database", str(tmp_path / "chat.db"), stdin="/problem start\n",
                        env={"LOGNAME": "dana", "USER": "dana"})
    assert "Session started. Facilitator: dana." in result.stdout


def test_the_console_speaks_as_you_when_the_system_has_no_name(monkeypatch: pytest.MonkeyPatch) -> None:
    def nameless() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.setattr(cli.getpass, "getuser", nameless)
    assert cli.default_speaker() == "you"
