"""Session page links on SQLite and PostgreSQL: a link opens its channel's page until it expires
or is revoked; a forged or altered one opens nothing; a purge forgets them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.shell.storage import pages
from bot.shell.storage.database import Transactor
from bot.shell.storage.purge import purge_channel
from bot.shell.storage.tables import page_links

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
CHANNEL = "telegram:-1001"


async def test_a_link_opens_its_channel_until_it_expires(engine: AsyncEngine) -> None:
    db = Transactor(engine)
    token = await db.write(pages.mint, CHANNEL, "u1", NOW, NOW + timedelta(days=30))
    assert len(token.split(".")[0]) >= 22  # 128 bits, base64url
    assert await db.read(pages.channel_of, token, NOW + timedelta(days=29)) == CHANNEL
    assert await db.read(pages.channel_of, token, NOW + timedelta(days=30)) is None
    assert CHANNEL not in token and "u1" not in token


async def test_forged_and_altered_links_open_nothing(engine: AsyncEngine) -> None:
    db = Transactor(engine)
    token = await db.write(pages.mint, CHANNEL, "u1", NOW, NOW + timedelta(days=1))
    random_part, signature = token.split(".")
    other = await db.write(pages.mint, CHANNEL, "u1", NOW, NOW + timedelta(days=1))
    for forged in (f"{random_part}.{other.split('.')[1]}",  # another link's signature
                   f"{other.split('.')[0]}.{signature}",
                   random_part, f"{random_part}.", "", "../../etc/passwd", "a" * 500,
                   f"{random_part}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"):
        assert await db.read(pages.channel_of, forged, NOW) is None, forged


async def test_revoking_ends_ones_own_links_or_the_facilitators_all(engine: AsyncEngine) -> None:
    db = Transactor(engine)
    until = NOW + timedelta(days=1)
    mine = await db.write(pages.mint, CHANNEL, "u1", NOW, until)
    theirs = await db.write(pages.mint, CHANNEL, "u2", NOW, until)
    assert await db.write(pages.revoke, CHANNEL, "u1", NOW) == 1
    assert await db.read(pages.channel_of, mine, NOW) is None
    assert await db.read(pages.channel_of, theirs, NOW) == CHANNEL
    assert await db.write(pages.revoke, CHANNEL, None, NOW) == 1
    assert await db.read(pages.channel_of, theirs, NOW) is None


async def test_a_purge_forgets_the_channels_links(engine: AsyncEngine) -> None:
    db = Transactor(engine)
    token = await db.write(pages.mint, CHANNEL, "u1", NOW, NOW + timedelta(days=1))
    await db.write(pages.mint, "telegram:-1002", "u1", NOW, NOW + timedelta(days=1))
    await db.write(purge_channel, CHANNEL)
    assert await db.read(pages.channel_of, token, NOW) is None

    def count(connection: Connection) -> int:
        return int(connection.execute(select(func.count()).select_from(page_links)).scalar_one())

    assert await db.read(count) == 1  # the other channel's link stays
