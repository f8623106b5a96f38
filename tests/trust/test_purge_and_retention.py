"""Sensitive content: a purge really deletes a channel's content; only the fact is kept."""

from __future__ import annotations

from sqlalchemy import text

from bot.core.model import Phase
from tests.trust.conftest import Team

SENSITIVE = "The father threatened the neighbours again on Tuesday."


async def stored_text(team: Team) -> str:
    """Everything in the database, as one string, to search for content."""
    async with team.app.engine.connect() as connection:
        tables = (await connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))).scalars()
        dump = []
        for table in list(tables):
            rows = (await connection.execute(text(f'SELECT * FROM "{table}"'))).all()
            dump.extend(str(value) for row in rows for value in row)  # Row's repr truncates
    return "\n".join(dump)


async def test_a_purge_needs_the_facilitator_and_a_confirmation(team: Team) -> None:
    await team.say("alice", "/problem start")
    await team.say("bob", SENSITIVE)
    await team.say("bob", "/problem purge")
    assert "Only the facilitator" in team.heard()[-1]
    await team.say("alice", "/problem purge")
    assert "To go ahead: /problem purge confirm" in team.heard()[-1]
    assert SENSITIVE in await stored_text(team)


async def test_a_confirmed_purge_leaves_no_content_in_the_database(team: Team) -> None:
    await team.say("alice", "/problem start")
    await team.say("bob", SENSITIVE)
    await team.say("bob", "Who is going to call the police about him?")  # parked
    await team.say("alice", "/problem purge")
    await team.say("alice", "/problem purge confirm")
    assert "alice purged this channel's session data" in team.heard()[-1]
    dump = await stored_text(team)
    assert SENSITIVE not in dump and "call the police" not in dump
    state = await team.app.service.get_state(team.channel)
    assert state is None or (state.phase is Phase.IDLE and state.answers == () and state.parked == ())
    log = await team.app.service.repository.event_log(team.channel)
    assert any("Purge" in str(entry) for entry in log)  # the fact that a purge happened is kept


async def test_ordinary_chat_the_guard_lets_through_is_not_stored(team: Team) -> None:
    await team.say("bob", "Anyone up for lunch? I had the most awful week.")
    await team.say("alice", "/problem start")
    await team.say("alice", "/problem vote")  # refused: no draft
    assert "awful week" not in await stored_text(team)


async def test_retention_deletes_channels_idle_longer_than_the_period(team: Team) -> None:
    from datetime import timedelta

    await team.say("alice", "/problem start")
    await team.say("bob", SENSITIVE)
    team.clock.advance(timedelta(days=100).total_seconds())
    assert await team.app.service.purge_expired(timedelta(days=180)) == []
    team.clock.advance(timedelta(days=81).total_seconds())
    assert await team.app.service.purge_expired(timedelta(days=180)) == [team.channel]
    assert SENSITIVE not in await stored_text(team)


async def test_delivered_messages_do_not_linger_in_the_database(team: Team) -> None:
    from datetime import timedelta

    from bot.app.runner import DELIVERED_KEPT

    await team.say("alice", "/problem start")
    await team.say("bob", "Who is going to call the police about him?")  # parked; a redirect is sent
    assert "that sounds like dividing the work" in "\n".join(team.heard())
    team.clock.advance((DELIVERED_KEPT + timedelta(hours=1)).total_seconds())
    assert await team.app.service.repository.prune(team.clock.now() - DELIVERED_KEPT) > 0
    assert await team.app.service.repository.outbox() == []
    assert await team.app.service.repository.processed_count() == 0
