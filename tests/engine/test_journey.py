"""The whole path, as a team would live it: questions, guard, draft, objection, agreement, tasks."""

from __future__ import annotations

from bot.core.model import Phase
from tests.engine.chat import Chat

ANSWERS_EN = [
    "Young people in Noord run up debts with phone contracts and nobody notices in time.",
    "Mostly 17 to 23 year olds, and often their parents.",
    "We know of about 40 cases this year; we do not know how many never reach us.",
    "Housing sees rent arrears months before anyone else does.",
    "Each of us sees one piece at a different moment.",
    "They get an overview and help before the debt turns into eviction.",
]

ANSWERS_NL = [
    "Jongeren in Noord bouwen schulden op met telefoonabonnementen en niemand ziet het op tijd.",
    "Vooral jongeren van 17 tot 23, en vaak hun ouders.",
    "We kennen zo'n 40 gevallen dit jaar; hoeveel ons nooit bereiken weten we niet.",
    "De woningcorporatie ziet huurachterstand maanden eerder dan de rest.",
    "Ieder van ons ziet een stukje, op een ander moment.",
    "Dat ze overzicht en hulp krijgen voordat de schuld tot een uitzetting leidt.",
]


def test_the_whole_journey_in_english(chat: Chat) -> None:
    said = chat.say("alice", "/problem start young people and debts")
    assert "Session started. Facilitator: Alice." in said
    assert "Question 1 of 6: What is the problem?" in said

    # The first answer is recorded silently: the bot does not echo every answer.
    assert not chat.say("bob", ANSWERS_EN[0])

    said = chat.say("carol", "I'll take care of the housing part, I know the landlords.")
    assert len(said.replies) == 1 and "parked it (#" in said.replies[0]
    assert "What is the problem?" in said.replies[0]
    assert "Not task talk" in chat.buttons(said)

    for answer in ANSWERS_EN[1:]:
        said = chat.say("alice", "/problem next")
        chat.say("bob", answer)
    said = chat.say("alice", "/problem next")
    assert chat.state.phase is Phase.DRAFTING
    assert "version 1" in said
    assert ANSWERS_EN[0] in said and ANSWERS_EN[5] in said
    assert "housing part" not in said  # parked task talk never becomes an answer

    said = chat.say("alice", "/problem vote")
    assert "at least 2 people agree and no objection stands" in said
    assert "0 of 3 have voted" in said
    assert set(chat.buttons(said)) == {"Agree", "Concern", "Object", "Abstain"}

    said = chat.say("bob", "/problem agree")
    assert "1 of 3 have voted" in said.edits[0]
    said = chat.say("carol", "/problem object it leaves out the parents")
    assert "Carol objects to version 1: it leaves out the parents" in said
    assert chat.state.phase is Phase.DRAFTING

    said = chat.say("carol", "/problem draft Young people in Noord and their parents run up debts nobody sees.")
    assert "proposes version 2" in said
    chat.say("alice", "/problem vote")
    chat.say("alice", "/problem agree")
    chat.say("bob", "/problem agree")
    said = chat.say("carol", "/problem concern we need numbers on the parents")
    assert chat.state.phase is Phase.AGREED
    assert "We have a shared problem statement (version 2, 2 agreeing" in said
    assert "Concern from Carol: we need numbers on the parents" in said
    assert "I'll take care of the housing part" in said  # the parked proposal comes back

    said = chat.say("alice", "/problem task @carol share the rent-arrears signal monthly")
    assert "Task 1 recorded: Carol: share the rent-arrears signal monthly" in said
    assert "share the rent-arrears signal monthly" in chat.say("bob", "/problem tasks").private[0]
    said = chat.say("carol", "/problem done 1")
    assert "Task 1 is done" in said
    assert "(done)" in chat.say("bob", "/problem tasks").private[0]


def test_the_whole_journey_in_dutch(chat: Chat) -> None:
    said = chat.say("anna", "/probleem start jongeren en schulden")
    assert chat.state.language == "nl"
    assert "Vraag 1 van 6: Wat is het probleem?" in said

    chat.say("bram", ANSWERS_NL[0])
    said = chat.say("cees", "Ik pak de schuldhulpverlening op")
    assert "geparkeerd (#" in said.replies[0]

    for answer in ANSWERS_NL[1:]:
        chat.say("anna", "/probleem volgende")
        chat.say("bram", answer)
    said = chat.say("anna", "/probleem volgende")
    assert "Concept-probleemstelling, versie 1" in said
    assert "heb ik dit concept gemaakt (versie 1)" in said

    said = chat.say("anna", "/probleem stem")
    assert "minstens 2 mensen instemmen en er geen bezwaar staat" in said
    chat.say("bram", "/probleem akkoord")
    said = chat.say("cees", "/probleem bezwaar de ouders ontbreken")
    assert "Cees maakt bezwaar tegen versie 1: de ouders ontbreken" in said
    assert chat.state.phase is Phase.DRAFTING

    chat.say("cees", "/probleem concept Jongeren in Noord en hun ouders bouwen schulden op die niemand ziet.")
    chat.say("anna", "/probleem stem")
    chat.say("anna", "/probleem akkoord")
    chat.say("bram", "/probleem akkoord")
    said = chat.say("cees", "/probleem onthoud")
    assert chat.state.phase is Phase.AGREED
    assert "We hebben een gezamenlijke probleemstelling (versie 2" in said
    assert "Ik pak de schuldhulpverlening op" in said

    said = chat.say("anna", "/probleem taak @cees belt de corporatie")
    assert "Taak 1 vastgelegd: Cees: belt de corporatie" in said


def test_a_session_started_in_english_can_switch_to_dutch(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    said = chat.say("bob", "/problem lang nl")
    assert "Ik spreek in dit kanaal Nederlands." in said
    assert "Vraag 2 van 6" in chat.say("alice", "/problem next")
