"""Where a terminal has no buttons or reactions, the console shows what to type or one short line."""

from __future__ import annotations

from adapters.console.render import render
from bot.core.model import React
from bot.core.script import Script
from tests.engine.chat import Chat


def test_make_this_a_task_shows_the_numbered_command_to_type(script: Script) -> None:
    chat = Chat(script)
    chat.say("alice", "/problem start")
    chat.say("bob", "Reports about young people get lost between the police and the youth team.")
    chat.say("carol", "I'll call the landlords tomorrow.")
    for _ in range(6):
        chat.say("alice", "/problem next")
    chat.say("alice", "/problem vote")
    for person in ("alice", "bob"):
        chat.say(person, "/problem agree")
    said = chat.say("carol", "/problem agree")
    shown = "\n".join(render(effect) for effect in said.effects if getattr(effect, "buttons", ()))
    assert "[Make #1 a task: /problem task from-parked 1]" in shown


def test_a_light_touch_is_one_short_line(script: Script) -> None:
    chat = Chat(script)
    chat.say("alice", "/problem start")
    chat.say("carol", "I'll call the landlords tomorrow.")
    said = chat.say("carol", "I'll take the schools as well.")
    assert [render(effect) for effect in said.effects if isinstance(effect, React)] == [
        "voordenken ↩ Parked this one too (#2). Not task talk? /problem notask 2"]
