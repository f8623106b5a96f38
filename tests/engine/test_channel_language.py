"""A channel speaks the language its people write in, unless someone chose one."""

from __future__ import annotations

import pytest

from bot.core.model import LanguageSource
from bot.core.script import Script
from bot.shell.prompts import load_script
from tests.engine.chat import Chat

SWITCHED_TO_DUTCH = "Ik ga verder in het Nederlands; met /problem lang en zet je het terug op Engels."
SWITCHED_TO_ENGLISH = "I'll carry on in English; /probleem taal nl switches back to Dutch."


@pytest.fixture(scope="module")
def dutch_default() -> Script:
    """The script of a deployment whose default language is Dutch (VOORDENKEN_LANGUAGE=nl)."""
    return load_script(default_language="nl")


def test_a_dutch_topic_starts_a_dutch_session_and_says_how_to_switch_back(chat: Chat) -> None:
    said = chat.say("anna", "/problem start dakloosheid in Zuid")
    assert chat.state.language == "nl"
    assert "Sessie gestart. Gespreksleider: Anna. Onderwerp: dakloosheid in Zuid." in said
    assert SWITCHED_TO_DUTCH in said.public
    assert "Vraag 1 van 6: Wat is het probleem?" in said

    said = chat.say("anna", "/problem lang en")
    assert "I will speak English in this channel." in said
    assert "Question 1 of 6" not in said  # the language changes, the session goes on
    chat.say("bram", "Jongeren slapen bij vrienden op de bank en niemand weet het.")
    said = chat.say("cees", "Ik denk dat de school het als eerste merkt.")
    assert chat.state.language == "en"  # a choice is not undone by how people write
    assert "Nederlands" not in said


def test_an_english_topic_in_an_english_channel_says_nothing_about_language(chat: Chat) -> None:
    said = chat.say("alice", "/problem start young people and debts")
    assert chat.state.language == "en"
    assert chat.state.language_source is LanguageSource.DETECTED
    assert "carry on" not in said and "Nederlands" not in said


def test_the_first_dutch_answers_turn_the_channel_dutch_once(chat: Chat) -> None:
    chat.say("anna", "/problem start")
    assert not chat.say("bram", "Jongeren in Noord bouwen schulden op en niemand ziet het op tijd.")
    said = chat.say("cees", "Bij ons op school zien we het pas als ze niet meer komen.")
    assert said.public == [SWITCHED_TO_DUTCH]
    assert chat.state.language == "nl"
    assert "Vraag 2 van 6: Wie worden erdoor geraakt?" in chat.say("anna", "/problem next")

    # said once: English answers later on do not flip it back
    assert not chat.say("dirk", "Mostly young people between 17 and 23, and their parents.")
    assert not chat.say("erik", "The landlords see it first, but they do not tell anyone.")
    assert chat.state.language == "nl"


def test_one_answer_in_the_channels_own_language_keeps_it(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    chat.say("bob", "I think the school notices it first.")
    chat.say("anna", "Jongeren in Noord bouwen schulden op en niemand ziet het op tijd.")
    said = chat.say("cees", "Bij ons op school zien we het pas als ze niet meer komen.")
    assert chat.state.language == "en"
    assert not said


def test_short_answers_decide_nothing(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    chat.say("bob", "ok")
    chat.say("carol", "Ja")
    chat.say("dave", "Noord")
    assert chat.state.language == "en"


def test_a_language_chosen_before_the_session_wins_over_a_dutch_topic(chat: Chat) -> None:
    chat.say("alice", "/problem lang en")
    said = chat.say("alice", "/problem start dakloosheid in Zuid")
    assert "Question 1 of 6" in said
    assert "Nederlands" not in said
    chat.say("bram", "Jongeren slapen bij vrienden op de bank en niemand weet het.")
    chat.say("cees", "Ik denk dat de school het als eerste merkt.")
    assert chat.state.language == "en"


def test_starting_with_the_dutch_command_is_a_choice(chat: Chat) -> None:
    said = chat.say("anna", "/probleem start young people and debts")
    assert chat.state.language == "nl"
    assert "Vraag 1 van 6" in said and "English" not in said
    chat.say("bob", "Young people run up debts with phone contracts.")
    chat.say("carol", "We only see it when the rent is months behind.")
    assert chat.state.language == "nl"


def test_a_reset_keeps_the_channels_language_and_whether_it_was_chosen(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    chat.say("alice", "/problem lang nl")
    chat.say("alice", "/problem reset")
    chat.say("alice", "/problem reset confirm")
    said = chat.say("alice", "/problem start youth at risk")
    assert chat.state.language == "nl" and "Vraag 1 van 6" in said


def test_where_dutch_is_the_default_an_english_topic_starts_an_english_session(dutch_default: Script) -> None:
    chat = Chat(dutch_default, language="nl")
    said = chat.say("alice", "/probleem start young people and debts")
    assert chat.state.language == "en"
    assert SWITCHED_TO_ENGLISH in said.public
    assert "Question 1 of 6: What is the problem?" in said


def test_where_dutch_is_the_default_the_first_english_answers_turn_it_english(dutch_default: Script) -> None:
    chat = Chat(dutch_default, language="nl")
    chat.say("anna", "/probleem start")
    chat.say("bob", "Young people in Noord run up debts and nobody notices in time.")
    said = chat.say("carol", "We only see it when the rent is months behind.")
    assert said.public == [SWITCHED_TO_ENGLISH]
    assert chat.state.language == "en"


def test_where_dutch_is_the_default_the_english_command_is_a_choice(dutch_default: Script) -> None:
    chat = Chat(dutch_default, language="nl")
    said = chat.say("alice", "/problem start dakloosheid in Zuid")
    assert chat.state.language == "en"
    assert "Question 1 of 6" in said and "Nederlands" not in said
