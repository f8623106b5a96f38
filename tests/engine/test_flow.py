"""The flow of a session (issue 15): empty drafts, how a round ends, task numbers, parked
proposals as tasks, status while drafting, a light touch for repeated task talk, dates."""

from __future__ import annotations

from datetime import timedelta

from bot.core.model import Policy, React
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


# --------------------------------------------------------------------------- empty drafts


def test_skipping_every_question_says_there_is_nothing_to_draft_and_no_vote_opens(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    for _ in range(5):
        chat.say("alice", "/problem next")
    said = chat.say("alice", "/problem next")
    assert said.public == ["Nobody has answered a question yet, so there is nothing to draft. Write a first "
                           "version with /problem draft <text>, or go back to the questions with /problem back."]
    assert chat.state.drafts == ()
    said = chat.say("alice", "/problem vote")
    assert said.private == ["There is no draft to vote on yet. Write one with /problem draft <text>, "
                            "then open the round."]
    assert chat.state.open_round is None
    assert "version 1" in chat.say("bob", "/problem draft Reports get lost between two teams.")
    assert "Agreement round on version 1" in chat.say("alice", "/problem vote")


def test_in_dutch_too(chat_nl: Chat) -> None:
    chat_nl.say("alice", "/probleem start")
    for _ in range(6):
        said = chat_nl.say("alice", "/probleem volgende")
    assert "er valt nog niets te schrijven" in said.public[0]
    said = chat_nl.say("alice", "/probleem stem")
    assert said.private == ["Er is nog geen concept om over te stemmen. Schrijf er een met /probleem concept "
                            "<tekst> en open dan de ronde."]


# --------------------------------------------------------------------------- how a round ends


def test_the_vote_message_says_who_it_waits_for_and_how_the_round_ends(chat: Chat) -> None:
    to_drafting(chat, "bob", "carol", "dave")
    said = chat.say("alice", "/problem vote")
    assert ("Waiting for Alice, Bob, Carol and Dave. The round closes when everyone has voted, "
            "or when Alice closes it (/problem close).") in said.public[0]
    chat.say("alice", "/problem agree")
    chat.say("bob", "/problem agree")
    said = chat.say("carol", "/problem agree")
    assert said.edits[0].endswith("Waiting for Dave. The round closes when everyone has voted, "
                                  "or when Alice closes it (/problem close).")


def test_with_a_deadline_the_vote_message_names_it(chat: Chat) -> None:
    to_drafting(chat, "bob")
    said = chat.say("alice", "/problem vote --until fri 17:00")
    assert ("Waiting for Alice and Bob. The round closes when everyone has voted, at the deadline, "
            "or when Alice closes it (/problem close).") in said.public[0]


def test_the_dutch_vote_message_says_it_in_dutch(chat_nl: Chat) -> None:
    to_drafting(chat_nl, "bob", answer=ANTWOORD)
    chat_nl.say("alice", "/probleem stem")
    said = chat_nl.say("bob", "/probleem akkoord")
    assert said.edits[0].endswith("We wachten nog op Alice. De ronde sluit als iedereen heeft gestemd, "
                                  "of als Alice hem sluit (/probleem sluit).")


# --------------------------------------------------------------------------- task numbers


def test_the_first_task_is_task_1_and_done_1_closes_it(chat: Chat) -> None:
    to_drafting(chat, "bob")
    chat.say("carol", "I'll call the landlords tomorrow.")  # parked: it takes a number too
    agree_on_it(chat, "bob", "carol")
    said = chat.say("alice", "/problem task @bob call the youth team")
    assert "Task 1 recorded: Bob: call the youth team" in said
    assert "Task 2 recorded" in chat.say("alice", "/problem task @alice write the summary")
    assert "Task 1 is done (Bob: call the youth team), marked by Bob." in chat.say("bob", "/problem done 1")


# --------------------------------------------------------------------------- status while drafting


def test_status_while_drafting_again_shows_the_new_draft_not_the_old_statement(chat: Chat) -> None:
    to_drafting(chat, "bob")
    agree_on_it(chat, "bob")
    assert "Agreed statement (version 1)" in chat.say("bob", "/problem status").private[0]
    chat.say("bob", "/problem reopen the schools are missing")
    chat.say("bob", "/problem draft Reports get lost between police, youth team and schools.")
    status = chat.say("carol", "/problem status").private[0]
    assert "Current draft (version 2): Reports get lost between police, youth team and schools." in status
    assert "Agreed statement" not in status


def test_dutch_status_while_drafting(chat_nl: Chat) -> None:
    to_drafting(chat_nl, "bob", answer=ANTWOORD)
    status = chat_nl.say("bob", "/probleem status").private[0]
    assert "Huidig concept (versie 1): " in status


# --------------------------------------------------------------------------- parked proposals become tasks


def agreed_with_parked(chat: Chat) -> list[str]:
    """Bob answers, Carol's task talk is parked (#1), Dave proposes a task by command (#2); all agree.

    Returns what the bot said when the round closed, public texts only.
    """
    chat.say("alice", "/problem start")
    chat.say("bob", ANSWER)
    chat.say("carol", "I'll call the landlords tomorrow.")
    said = chat.say("dave", "/problem task @bob ask the schools for their numbers")
    assert said.private == ["Tasks come after we agree on the problem statement. I have parked your "
                            "proposal (#2); it comes back as a candidate task once we agree."]
    for _ in range(6):
        chat.say("alice", "/problem next")
    chat.say("alice", "/problem vote")
    for person in ("alice", "bob", "carol"):
        chat.say(person, "/problem agree")
    return chat.say("dave", "/problem agree").public


def test_pressing_make_this_a_task_records_it_with_its_author_or_the_person_it_named(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    chat.say("bob", ANSWER)
    chat.say("carol", "I'll call the landlords tomorrow.")
    chat.say("dave", "/problem task @bob ask the schools for their numbers")
    for _ in range(6):
        chat.say("alice", "/problem next")
    chat.say("alice", "/problem vote")
    for person in ("alice", "bob", "carol"):
        chat.say(person, "/problem agree")
    said = chat.say("dave", "/problem agree")
    candidates = next(text for text in said.public if text.startswith("Parked proposals, now candidate tasks"))
    assert "1. Carol: I'll call the landlords tomorrow." in candidates
    assert "2. Dave: @bob ask the schools for their numbers" in candidates
    assert "/problem task from-parked 2" not in candidates  # the numbered command is the buttons' fallback
    buttons = chat.buttons(said)
    assert buttons["Make #1 a task"] == ("cmd", "task from-parked 1")
    assert buttons["Make #2 a task"] == ("cmd", "task from-parked 2")

    said = chat.press("alice", *buttons["Make #1 a task"])
    assert said.public == ["Task 1 recorded: Carol: I'll call the landlords tomorrow."]
    said = chat.press("alice", *buttons["Make #2 a task"])
    assert said.public == ["Task 2 recorded: Bob: ask the schools for their numbers"]
    assert chat.press("bob", *buttons["Make #1 a task"]).private == ["Parked proposal #1 is already task 1."]


def test_typed_it_may_name_another_owner(chat: Chat) -> None:
    agreed_with_parked(chat)
    said = chat.say("bob", "/problem task from-parked 1 @dave")
    assert said.public == ["Task 1 recorded: Dave: I'll call the landlords tomorrow."]
    assert "There is no parked message #9" in chat.say("bob", "/problem task from-parked 9")


def test_after_a_reopen_only_proposals_not_yet_tasks_come_back(chat: Chat) -> None:
    agreed_with_parked(chat)
    chat.say("alice", "/problem task from-parked 1")
    chat.say("alice", "/problem reopen the schools are missing")
    chat.say("alice", "/problem draft Reports get lost between police, youth team and schools.")
    chat.say("alice", "/problem vote")
    for person in ("alice", "bob", "carol"):
        chat.say(person, "/problem agree")
    said = chat.say("dave", "/problem agree")
    candidates = next(text for text in said.public if text.startswith("Parked proposals"))
    assert "landlords" not in candidates
    assert "2. Dave: @bob ask the schools" in candidates
    assert set(chat.buttons(said)) == {"Make #2 a task"}


def test_from_parked_before_agreement_says_tasks_come_after(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    assert chat.say("bob", "/problem task from-parked 1").private == [
        "Tasks come after we agree on the problem statement."]


def test_in_dutch_the_button_and_its_command_are_dutch(chat_nl: Chat) -> None:
    chat_nl.say("alice", "/probleem start")
    chat_nl.say("bob", ANTWOORD)
    said = chat_nl.say("carol", "/probleem taak @bob belt de corporatie")
    assert said.private == ["Taken komen nadat we het eens zijn over de probleemstelling. Ik heb je voorstel "
                            "geparkeerd (#1); het komt terug als mogelijke taak zodra we het eens zijn."]
    for _ in range(6):
        chat_nl.say("alice", "/probleem volgende")
    chat_nl.say("alice", "/probleem stem")
    chat_nl.say("alice", "/probleem akkoord")
    chat_nl.say("bob", "/probleem akkoord")
    said = chat_nl.say("carol", "/probleem akkoord")
    button = next(b for effect in said.effects for b in getattr(effect, "buttons", ())
                  if b.label == "Maak van #1 een taak")
    assert button.command.startswith("/probleem ") and button.command.endswith(" geparkeerd 1")
    said = chat_nl.press("alice", button.action, button.value)
    assert said.public == ["Taak 1 vastgelegd: Bob: belt de corporatie"]


# --------------------------------------------------------------------------- a light touch after the redirect


def test_repeated_task_talk_gets_the_full_redirect_once_then_a_light_touch(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    said = chat.say("carol", "I'll call the landlords tomorrow.")
    assert "that sounds like dividing the work" in said.replies[0]
    for number in (2, 3, 4):
        said = chat.say("carol", "I'll take the schools as well.")
        (touch,) = said.effects[-1:]
        assert isinstance(touch, React) and touch.name == "parked" and touch.message_id == f"e{chat.counter}"
        assert said.replies == [f"Parked this one too (#{number}). Not task talk? /problem notask {number}"]
    said = chat.say("carol", "And I'll do the parents.")  # three light touches: the full redirect again
    assert "that sounds like dividing the work" in said.replies[0]
    assert "that sounds like dividing the work" in chat.say("bob", "I will phone the police.").replies[0]  # per person
    assert len(chat.state.parked) == 6  # every one is parked all the same


def test_the_light_touch_lasts_a_while_only(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    chat.say("carol", "I'll call the landlords tomorrow.")
    chat.now += timedelta(minutes=31)
    assert "that sounds like dividing the work" in chat.say("carol", "I'll take the schools as well.").replies[0]


def test_with_private_redirects_the_short_line_is_private_too(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    chat.say("alice", "/problem redirect private")
    chat.say("carol", "I'll call the landlords tomorrow.")
    said = chat.say("carol", "I'll take the schools as well.")
    assert said.private == ["Parked this one too (#2). Not task talk? /problem notask 2"]
    assert not said.replies


def test_the_dutch_light_touch(chat_nl: Chat) -> None:
    chat_nl.say("alice", "/probleem start")
    chat_nl.say("carol", "Ik pak de schuldhulpverlening op.")
    said = chat_nl.say("carol", "Ik bel morgen de corporatie wel.")
    assert said.replies == ["Deze heb ik ook geparkeerd (#2). Niet als taak bedoeld? /probleem geentaak 2"]


def test_light_touches_can_be_switched_off(chat: Chat) -> None:
    chat.policy = Policy(redirect_light_touches=0)
    chat.say("alice", "/problem start")
    chat.say("carol", "I'll call the landlords tomorrow.")
    assert "that sounds like dividing the work" in chat.say("carol", "I'll take the schools as well.").replies[0]
