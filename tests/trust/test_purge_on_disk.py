"""After a purge, the purged text is in none of the database's files (issue 17, item 5).

The bytes of the files are read, as someone with a copy of the disk would: SQLite's database
file and its write-ahead log while the bot still runs, whatever SQLite's build default for
``secure_delete``; PostgreSQL's table, index and TOAST files under its data directory.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url

from bot.app.bootstrap import App, bootstrap
from bot.app.cli import purge
from bot.app.settings import Settings
from bot.core.model import CommandIssued, Sender, TextMessage
from bot.shell.storage import database
from tests.service.fakes import FakeClock, FakeTransport
from tests.storage.pg import postgres_url_or_skip

CHANNEL = "fake:T1:C1"
SENSITIVE = "The father threatened the neighbours again on Tuesday."
PARKED = "Who is going to call the police about him?"
# Long enough to be stored out of line (SQLite overflow pages, PostgreSQL TOAST).
LONG = "Details of the debt collector visits, in order: " + " ".join(f"visit {n} at the flat" for n in range(150))
NEEDLES = (b"threatened the neighbours", b"call the police", b"debt collector visits", b"visit 149 at the flat")


class Team:
    def __init__(self, app: App, transport: FakeTransport) -> None:
        self.app, self.transport, self.counter = app, transport, 0

    async def say(self, user: str, words: str) -> None:
        self.counter += 1
        event_id, sender = f"fake:{self.counter}", Sender(user, user)
        if words.startswith("/problem"):
            event: Any = CommandIssued(event_id=event_id, channel=CHANNEL, sender=sender,
                                       text=words.removeprefix("/problem").strip())
        else:
            event = TextMessage(event_id=event_id, channel=CHANNEL, sender=sender, text=words, message_id=event_id)
        await self.app.service.handle(event)

    async def talk(self) -> None:
        await self.say("alice", "/problem start")
        await self.say("bob", SENSITIVE)
        await self.say("carol", LONG)
        await self.say("bob", PARKED)
        for n in range(3):  # the state is saved again and again: old versions of it in free space
            await self.say("alice", f"/problem status {n}")
        await self.say("alice", "/problem next")


async def running_team(url: str) -> Team:
    transport = FakeTransport(platform="fake")
    return Team(await bootstrap(Settings(database_url=url), clock=FakeClock(), transports=[transport]), transport)


def found_in(paths: list[Path]) -> dict[str, list[bytes]]:
    found: dict[str, list[bytes]] = {}
    for path in paths:
        data = path.read_bytes() if path.exists() else b""
        hits = [needle for needle in NEEDLES if needle in data]
        if hits:
            found[path.name] = hits
    return found


# --------------------------------------------------------------------------- SQLite


@pytest.fixture(params=["build default", "upstream default off"])
def secure_delete_default(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """SQLite as built here deletes securely by default; upstream's default is off. The second
    run turns it off on every connection before the project's own settings are applied."""
    if request.param == "upstream default off":
        original = database._configure_sqlite

        def configure(engine: Engine) -> None:
            @event.listens_for(engine, "connect")
            def _off(dbapi_connection: Any, _record: Any) -> None:
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA secure_delete=OFF")
                cursor.close()

            original(engine)

        monkeypatch.setattr(database, "_configure_sqlite", configure)
    yield request.param


def sqlite_files(tmp_path: Path) -> list[Path]:
    return [tmp_path / "team.db", tmp_path / "team.db-wal"]


async def test_secure_delete_is_on_on_every_connection_the_bot_opens(secure_delete_default: str,
                                                                     tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'team.db'}"
    engine = database.make_engine(url)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA secure_delete"))).scalar() == 1
    finally:
        await engine.dispose()
    for wait_for_lock in (True, False):
        sync = database.make_sync_sqlite_engine(url, wait_for_lock=wait_for_lock)
        try:
            with sync.connect() as connection:
                assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1
        finally:
            sync.dispose()


async def test_an_in_chat_purge_leaves_no_copy_in_the_sqlite_files_while_the_bot_runs(
    secure_delete_default: str, tmp_path: Path
) -> None:
    team = await running_team(f"sqlite+aiosqlite:///{tmp_path / 'team.db'}")
    try:
        await team.talk()
        assert found_in(sqlite_files(tmp_path))  # the test can see the text before the purge
        await team.say("alice", "/problem purge")
        await team.say("alice", "/problem purge confirm")
        await team.app.service.drain()  # the scrub after the purge runs in the background
        assert "purged this channel's session data" in team.transport.texts[-1]
        assert found_in(sqlite_files(tmp_path)) == {}
    finally:
        await team.app.close()


async def test_a_cli_purge_leaves_no_copy_in_the_sqlite_files_while_the_bot_runs(
    secure_delete_default: str, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'team.db'}"
    team = await running_team(url)
    try:
        await team.talk()
        assert await purge(Settings(database_url=url), CHANNEL, False, True, io.StringIO(), io.StringIO()) == 0
        assert found_in(sqlite_files(tmp_path)) == {}
    finally:
        await team.app.close()


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async with postgres_url_or_skip() as url:
        yield url


async def pg_files(url: str) -> dict[str, bytes]:
    """Every relation file of the database (tables, indexes, TOAST, catalogs), after a CHECKPOINT
    has written what sits in shared buffers: read from the data directory, or through the server
    (``pg_read_binary_file``, superuser) where this process may not read it."""
    parts = make_url(url)
    connection = await asyncpg.connect(host=parts.host, port=parts.port, user=parts.username, database=parts.database)
    try:
        await connection.execute("CHECKPOINT")
        data_directory = Path(await connection.fetchval("SHOW data_directory"))
        paths = [row[0] for row in await connection.fetch(
            "SELECT pg_relation_filepath(oid) FROM pg_class WHERE pg_relation_filepath(oid) IS NOT NULL")]
        files: dict[str, bytes] = {}
        for relative in paths:
            for segment in (relative, *(f"{relative}.{n}" for n in range(1, 4))):
                path = data_directory / segment
                try:
                    files[segment] = path.read_bytes()
                except FileNotFoundError:
                    break
                except PermissionError:
                    files[segment] = await connection.fetchval("SELECT pg_read_binary_file($1, 0, NULL, true)",
                                                               segment) or b""
        return files
    finally:
        await connection.close()


def needles_in(files: dict[str, bytes]) -> dict[str, list[bytes]]:
    return {name: hits for name, data in files.items() if (hits := [n for n in NEEDLES if n in data])}


async def test_an_in_chat_purge_leaves_no_copy_in_the_postgresql_table_files(pg_url: str) -> None:
    team = await running_team(pg_url)
    try:
        await team.talk()
        assert needles_in(await pg_files(pg_url))  # the test can see the text before the purge
        await team.say("alice", "/problem purge")
        await team.say("alice", "/problem purge confirm")
        await team.app.service.drain()
        assert needles_in(await pg_files(pg_url)) == {}
    finally:
        await team.app.close()


async def test_a_cli_purge_leaves_no_copy_in_the_postgresql_table_files(pg_url: str) -> None:
    team = await running_team(pg_url)
    try:
        await team.talk()
        assert await purge(Settings(database_url=pg_url), CHANNEL, False, True, io.StringIO(), io.StringIO()) == 0
        assert needles_in(await pg_files(pg_url)) == {}
    finally:
        await team.app.close()
