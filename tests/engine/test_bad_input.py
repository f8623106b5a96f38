"""Bad input gets a clear, polite answer and changes nothing it should not."""

from __future__ import annotations

import pytest

from bot.core.commands import MAX_MESSAGE_CHARS
from tests.engine.chat import Chat


def test_commands_before_a_session_say_how_to_start(chat: Chat) -> None:
    said = chat.say("alice", "/problem agree")
    assert said.private == ["No session is running in this channel. Start one with /problem start [topic]."]


def test_plain_chat_without_a_session_is_ignored_and_not_stored(chat: Chat) -> None:
    before = chat.state
    assert not chat.say("alice", "morning all")
    assert chat.state.answers == before.answers and chat.state.parked == ()


def test_an_unknown_subcommand_gets_a_suggestion(chat: Chat) -> None:
    said = chat.say("alice", "/problem strat")
    assert said.private == [
        "I don't know the command 'strat'. Did you mean /problem start? /problem help lists everything."
    ]


def test_an_unknown_word_without_a_near_match_points_to_help(chat: Chat) -> None:
    assert "/problem help lists what I can do" in chat.say("alice", "/problem xyzzy")


def test_a_bare_command_shows_help(chat: Chat) -> None:
    assert "/problem start [topic]" in chat.say("alice", "/problem")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/problem agree", "No agreement round is open."),
        ("/problem tasks", "Tasks come after we agree"),
        ("/problem done 3", "There is no task 3."),
        ("/problem draft", "There is no draft yet."),
        ("/problem draft our own text", "We are still answering the analysis questions"),
        ("/problem vote", "There is no draft to vote on yet."),
        ("/problem reopen because", "Only an agreed statement can be reopened."),
        ("/problem lang de", "Choose a language: /problem lang en | nl."),
        ("/problem export pdf", "Choose a format"),
        ("/problem start", "A session is already running here"),
        ("/problem notask", "You have no parked message to release."),
        ("/problem notask 99", "There is no parked message #99."),
    ],
)
def test_commands_in_the_wrong_phase_or_with_bad_arguments(chat: Chat, command: str, expected: str) -> None:
    chat.say("alice", "/problem start")
    before = (chat.state.phase, chat.state.answers, chat.state.rounds, chat.state.tasks, chat.state.drafts)
    said = chat.say("bob", command)
    assert expected in said.text
    after = (chat.state.phase, chat.state.answers, chat.state.rounds, chat.state.tasks, chat.state.drafts)
    assert after == before


def test_handing_over_to_someone_who_has_not_taken_part_is_refused(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    assert "Say who takes over" in chat.say("alice", "/problem facilitator @nobody")
    assert chat.state.facilitator == "alice"


def test_a_task_needs_an_owner_after_agreement(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    chat.say("bob", "Nobody follows up after a report.")
    for _ in range(6):
        chat.say("alice", "/problem next")
    chat.say("alice", "/problem vote")
    chat.say("alice", "/problem agree")
    chat.say("bob", "/problem agree")
    assert "Give an owner and a task" in chat.say("alice", "/problem task call the landlord")
    assert "Give an owner and a task" in chat.say("alice", "/problem task @bob")
    assert chat.state.tasks == ()


def test_an_overlong_message_is_refused_and_nothing_is_recorded(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    said = chat.say("bob", "x" * (MAX_MESSAGE_CHARS + 1))
    assert f"at most {MAX_MESSAGE_CHARS}" in said.text
    assert chat.state.answers == ()


def test_empty_lines_and_control_characters(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    assert not chat.say("bob", "   \t  ")
    assert not chat.say("bob", "\x00\x07\u202e")
    chat.say("bob", "Reports\x00 get\u202e lost")
    assert [a.text for a in chat.state.answers] == ["Reports get lost"]


def test_the_same_event_twice_changes_nothing(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    event = chat.event("bob", "Reports get lost between teams.")
    chat.apply(event)
    state = chat.state
    assert not chat.apply(event)
    assert chat.state == state
