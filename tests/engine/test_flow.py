"""The flow of a session (issue 15): empty drafts, how a round ends, task numbers, parked
proposals as tasks, status while drafting, a light touch for repeated task talk, dates."""

from __future__ import annotations

from tests.engine.chat import Chat

ANSWER = "Reports about young people get lost between the police and the youth team."
ANTWOORD = "Meldingen over jongeren raken zoek tussen de politie en het jeugdteam."


def to_drafting(chat: Chat, *people: str, answer: str = ANSWER) -> None:
    """alice starts (in the chat's language); each person answers the first question; alice moves on."""
    word = "/probleem" if chat.language == "nl" else "/problem"
    chat.say("alice", f"{word} start")
    for person in people:
        chat.say(person, answer)
    for _ in range(6):
        chat.say("alice", f"{word} next")


def agree_on_it(chat: Chat, *people: str) -> None:
    word = "/probleem" if chat.language == "nl" else "/problem"
    chat.say("alice", f"{word} vote")
    for person in ("alice", *people):
        chat.say(person, f"{word} agree")


# --------------------------------------------------------------------------- dates


def test_messages_and_the_markdown_export_show_dates_as_people_read_them(chat: Chat) -> None:
    chat.say("alice", "/problem tz Europe/Amsterdam")
    to_drafting(chat, "bob")
    said = chat.say("alice", "/problem vote --until 2026-12-07 14:00")
    assert "Deadline: Mon 7 Dec 2026, 14:00." in said
    chat.say("alice", "/problem agree")
    chat.say("bob", "/problem agree")
    export = chat.say("bob", "/problem export").private[0]
    assert "Agreed: version 1, Mon 2 Mar 2026, 10:" in export  # 09:0x UTC is 10:0x in Amsterdam
    assert "2026-03-02" not in export
    said = chat.say("bob", "/problem export json").private[0]
    assert '"agreed_at": "2026-03-02T09:' in said  # data keeps ISO 8601


def test_dutch_dates_use_dutch_names(chat_nl: Chat) -> None:
    chat_nl.say("alice", "/probleem tijdzone Europe/Amsterdam")
    to_drafting(chat_nl, "bob", answer=ANTWOORD)
    said = chat_nl.say("alice", "/probleem stem --tot 2026-12-07 14:00")
    assert "ma 7 dec 2026, 14:00" in said
    chat_nl.say("alice", "/probleem akkoord")
    chat_nl.say("bob", "/probleem akkoord")
    export = chat_nl.say("bob", "/probleem export").private[0]
    assert "Vastgesteld: versie 1, ma 2 mrt 2026, 10:" in export
