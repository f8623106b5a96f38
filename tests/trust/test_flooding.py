"""Hostile input: a user flooding commands is slowed down, told once, and others are unaffected."""

from __future__ import annotations

from bot.shell.flood import FloodGuard
from tests.trust.conftest import Team

BURST = FloodGuard().burst


async def test_a_command_flood_is_slowed_down_and_the_sender_is_told_once(team: Team) -> None:
    await team.say("alice", "/problem start")
    for _ in range(BURST + 20):
        await team.say("mallory", "/problem status")

    slow = [t for t in team.heard() if "sending commands very quickly" in t]
    assert len(slow) == 1
    statuses = [t for t in team.heard() if t.startswith("Phase:")]
    assert len(statuses) == BURST  # the burst allowance; the other 20 were refused

async def test_others_keep_working_while_one_user_floods(team: Team) -> None:
    await team.say("alice", "/problem start")
    for _ in range(BURST + 10):
        await team.say("mallory", "/problem ready")
    await team.say("alice", "/problem next")
    assert any("Who experiences this problem" in t for t in team.heard())


async def test_after_a_pause_the_flooder_may_speak_again(team: Team) -> None:
    await team.say("alice", "/problem start")
    for _ in range(BURST + 5):
        await team.say("mallory", "/problem status")
    before = len(team.heard())
    team.clock.advance(FloodGuard().refill_seconds * 2)
    await team.say("mallory", "/problem status")
    assert len(team.heard()) == before + 1 and team.heard()[-1].startswith("Phase:")


async def test_plain_messages_are_never_throttled_because_they_may_be_answers(team: Team) -> None:
    await team.say("alice", "/problem start")
    for n in range(40):
        await team.say("bob", f"Observation {n}: reports get lost between teams.")
    state = await team.app.service.get_state(team.channel)
    assert state is not None and len(state.answers) == 40
