"""Version 1 of the statement reads as a statement: the team's answers, sorted, not pasted.

Greetings, questions and "+1" stay out, two people saying the same thing become one sentence
crediting both, the perspectives name their discipline, the whole fits in a short read, and
the last line names everyone who answered, so nobody's answer silently disappears.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.draft_writer import write_draft
from bot.core.model import Answer, ChannelState, DraftWritten, Phase, Policy, WriteDraft
from bot.core.script import Script
from tests.engine.chat import Chat, Said

Turns = Sequence[Sequence[tuple[str, str]]]  # per question: (who, what they said)

TEAM_EN: Turns = [
    [("carol", "Hi all! Housing corporation here."),
     ("bob", "Police here. Young people in Noord run up debts with phone contracts, and nobody notices in time."),
     ("carol", "Young people in Noord run up debts with phone contracts and nobody notices it in time."),
     ("dave", "Do we know how many families this is?"),
     ("alice", "+1")],
    [("dave", "Mostly 17 to 23 year olds, and often their parents."),
     ("alice", "I agree.")],
    [("bob", "We know of about 40 cases this year; we do not know how many never reach us."),
     ("dave", "who is going to call the landlords")],
    [("bob", "Police sees the crime that follows, not the debt that comes before it."),
     ("carol", "Housing sees rent arrears months before anyone else does."),
     ("dave", "Youth care sees the stress at home, and shame that stops young people asking for help.")],
    [("carol", "Each of us sees one piece at a different moment; nobody sees the whole line.")],
    [("dave", "They get an overview and help before the debt turns into eviction.")],
]

TEAM_NL: Turns = [
    [("carol", "Hoi allemaal! Woningcorporatie hier."),
     ("bob", "Politie hier. Jongeren in Noord bouwen schulden op met telefoonabonnementen, "
             "en niemand ziet het op tijd."),
     ("carol", "Jongeren in Noord bouwen schulden op met telefoonabonnementen en niemand ziet het echt op tijd."),
     ("dave", "Weten we hoeveel gezinnen dit zijn?"),
     ("alice", "+1")],
    [("dave", "Vooral jongeren van 17 tot 23, en vaak hun ouders."),
     ("alice", "Mee eens.")],
    [("bob", "We kennen zo'n 40 gevallen dit jaar; hoeveel ons nooit bereiken weten we niet."),
     ("dave", "wie belt de verhuurders")],
    [("bob", "De politie ziet de criminaliteit die volgt, niet de schuld die eraan voorafgaat."),
     ("carol", "Wij zien huurachterstand maanden eerder dan de rest."),
     ("dave", "Jeugdzorg ziet de stress thuis, en schaamte die jongeren stil maakt.")],
    [("carol", "Ieder van ons ziet een stukje op een ander moment; niemand ziet de hele lijn.")],
    [("dave", "Ze krijgen overzicht en hulp voordat de schuld tot een uitzetting leidt.")],
]


def run_session(chat: Chat, turns: Turns, command: str = "/problem") -> Said:
    """Alice starts and moves on after each question; returns what the bot said at the end."""
    chat.say("alice", f"{command} start young people and debts")
    said = None
    for answers in turns:
        for user, text in answers:
            chat.say(user, text)
        said = chat.say("alice", f"{command} next")
    assert said is not None and chat.state.phase is Phase.DRAFTING
    return said


def statement_words(draft: str) -> int:
    """Words of the statement itself, without its last line (who it was drawn from)."""
    return len(draft.rsplit("\n\n", 1)[0].split())


def test_version_1_is_a_readable_statement_in_english(chat: Chat) -> None:
    said = run_session(chat, TEAM_EN)
    draft = chat.state.current_draft.text  # type: ignore[union-attr]
    assert draft in said.public[0]
    # Statements only: no greeting, no introduction, no question, no "+1" or "I agree".
    for chatter in ("Hi all", "Housing corporation here", "Police here", "Do we know", "+1", "I agree",
                    "who is going to call"):
        assert chatter not in draft
    # Bob and Carol said the same thing: it is there once, crediting both.
    assert draft.count("phone contracts") == 1
    assert "nobody notices in time (police: Bob, housing corporation: Carol)." in draft
    # The perspectives say whose they are: the discipline people introduced themselves with.
    assert "(police: Bob)" in draft and "(housing corporation: Carol)" in draft and "(Dave)" in draft
    assert draft.splitlines()[0].startswith("Problem: Young people in Noord")
    assert statement_words(draft) <= 150
    # Everyone is named, Alice too, whose "+1" and "I agree." are not quoted.
    assert draft.endswith("Drawn from the answers of Carol (housing corporation), Bob (police), Dave and Alice. "
                          "4 answers are not quoted here; /problem export shows every answer.")


def test_the_vote_message_and_check_ins_quote_the_draft_without_naming_everyone_again(chat: Chat) -> None:
    # On Slack a name is a mention: naming every contributor in each vote message and check-in
    # would page the whole team each time. Version 1's own post names them once.
    said = run_session(chat, TEAM_EN)
    assert "Drawn from the answers of" in said.public[0]

    checkin = chat.say("alice", "/problem checkin now")
    opened = chat.say("alice", "/problem vote")

    for text in (checkin.public[0], opened.public[0]):
        assert "Problem: Young people in Noord" in text
        assert "Drawn from the answers of" not in text


def test_version_1_is_a_readable_statement_in_dutch(script: object) -> None:
    chat = Chat(script, language="nl")  # type: ignore[arg-type]
    said = run_session(chat, TEAM_NL, "/probleem")
    draft = chat.state.current_draft.text  # type: ignore[union-attr]
    assert draft in said.public[0]
    for chatter in ("Hoi allemaal", "Woningcorporatie hier", "Politie hier", "Weten we", "+1", "Mee eens",
                    "wie belt"):
        assert chatter not in draft
    assert draft.count("telefoonabonnementen") == 1
    assert "niemand ziet het echt op tijd (politie: Bob, woningcorporatie: Carol)." in draft
    assert "(politie: Bob)" in draft and "(woningcorporatie: Carol)" in draft
    assert draft.splitlines()[0].startswith("Probleem: Jongeren in Noord")
    assert statement_words(draft) <= 150
    assert draft.endswith("Gemaakt uit de antwoorden van Carol (woningcorporatie), Bob (politie), Dave en Alice. "
                          "4 antwoorden staan hier niet in; /probleem export laat alle antwoorden zien.")


def test_the_answers_left_out_are_in_the_export(chat: Chat) -> None:
    run_session(chat, TEAM_EN)
    said = chat.say("dave", "/problem export")
    assert "Do we know how many families this is?" in said
    assert "**Alice**: +1" in said


def test_a_merged_sentence_credits_both_authors(chat: Chat) -> None:
    turns: list[list[tuple[str, str]]] = [[] for _ in TEAM_EN]
    turns[3] = [("bob", "Police sees the crime that follows the debt, months too late."),
                ("carol", "Police sees the crime that follows the debt, months too late!"),
                ("dave", "Youth care sees the stress at home.")]
    run_session(chat, turns)
    draft = chat.state.current_draft.text  # type: ignore[union-attr]
    assert draft.count("crime that follows") == 1
    assert "(Bob, Carol)" in draft
    assert "(Dave)" in draft


def test_a_long_session_still_reads_in_half_a_minute(chat: Chat) -> None:
    said = {
        "bob": "Rent arrears in Noord pile up for months before the housing corporation hears anything at all.",
        "carol": "Phone contracts and buy-now-pay-later schemes reach teenagers through apps their parents never see.",
        "dave": "Schools notice absence and tired pupils, but rarely connect that with money worries at home.",
        "erin": "Collection agencies add fees so quickly that a small bill doubles within one single year.",
        "frank": "Parents often carry debts themselves, so asking them for help feels impossible to their children.",
    }
    turns = [[(person, f"{text[:-1]}, as we said about point {number}.") for person, text in said.items()]
             for number in range(1, 7)]
    run_session(chat, turns)
    draft = chat.state.current_draft.text  # type: ignore[union-attr]
    assert statement_words(draft) <= 150
    # Every question still has something, and nobody who answered is missing.
    assert "(not answered yet)" not in draft
    assert "Drawn from the answers of Bob, Carol, Dave, Erin and Frank." in draft
    assert "answers are not quoted here" in draft


def test_a_question_nobody_answered_shows_its_gap(chat: Chat) -> None:
    turns: list[list[tuple[str, str]]] = [[] for _ in TEAM_EN]
    turns[0] = [("bob", "Young people in Noord run up debts nobody sees in time.")]
    turns[1] = [("carol", "Hello everyone!"), ("carol", "Are the parents affected too?")]
    run_session(chat, turns)
    draft = chat.state.current_draft.text  # type: ignore[union-attr]
    assert "Affected: (not answered yet)" in draft
    assert draft.endswith("Drawn from the answers of Bob and Carol. 2 answers are not quoted here; "
                          "/problem export shows every answer.")


def test_the_same_answers_make_the_same_draft(script: object) -> None:
    drafts = []
    for _ in range(2):
        chat = Chat(script)  # type: ignore[arg-type]
        run_session(chat, TEAM_EN)
        drafts.append(chat.state.current_draft.text)  # type: ignore[union-attr]
    assert drafts[0] == drafts[1]


@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["ann", "bo", "cy"]), st.text(min_size=1)),
                min_size=1, max_size=12),
       st.sampled_from(["en", "nl"]))
@settings(max_examples=150, deadline=None)
def test_whatever_people_type_the_draft_names_everyone(script: Script,
                                                       answers: list[tuple[int, str, str]], language: str) -> None:
    at = datetime(2026, 3, 2, tzinfo=UTC)
    state = ChannelState(channel="console:any", language=language,
                         participants={"ann": "Ann", "bo": "Bo", "cy": "Cy"},
                         answers=tuple(Answer(step, user, text, at) for step, user, text in answers))
    draft = write_draft(state, script)
    last = draft.rsplit("\n\n", 1)[-1]
    for user in {user for _, user, _ in answers}:
        assert state.participants[user] in last
    assert write_draft(state, script) == draft


# --------------------------------------------------------------------------- a language model writes it


def model_chat(script: object, language: str = "en") -> Chat:
    return Chat(script, language=language, policy=Policy(draft_model=True))  # type: ignore[arg-type]


def asked(said: Said) -> WriteDraft:
    [ask] = [e for e in said.effects if isinstance(e, WriteDraft)]
    return ask


def written(chat: Chat, ask: WriteDraft, text: str) -> Said:
    return chat.apply(DraftWritten(event_id=f"draft-model:{ask.cause}", channel=chat.channel,
                                   version=ask.version, text=text))


MODEL_DRAFT = ("Problem: young people in Noord run into phone debts nobody sees in time.\n"
               "What each discipline sees: police sees the crime after it (police: Bob).")


def test_without_a_model_nothing_is_asked(chat: Chat) -> None:
    said = run_session(chat, TEAM_EN)
    assert not [e for e in said.effects if isinstance(e, WriteDraft)]


def test_the_model_is_asked_with_the_answers_names_and_disciplines_only(script: object) -> None:
    chat = model_chat(script)
    said = run_session(chat, TEAM_EN)
    ask = asked(said)
    assert ask.version == 1
    # The offline draft is posted at once: the team never waits for the model.
    assert "Drawn from the answers of" in said.public[0]
    assert "Topic: young people and debts." in ask.material
    assert "## What does your discipline see?" in ask.material
    assert "- Bob (police): Police sees the crime that follows, not the debt that comes before it." in ask.material
    assert "- Alice: +1" in ask.material
    assert "in English, at most 150 words" in ask.instructions
    assert "Problem: …" in ask.instructions  # the form is the language's draft template


def test_the_models_draft_replaces_version_1_in_place(script: object) -> None:
    chat = model_chat(script)
    ask = asked(run_session(chat, TEAM_EN))
    said = written(chat, ask, MODEL_DRAFT)
    [edit] = said.edits
    assert "A language model wrote this draft from your answers (version 1):" in edit
    assert chat.state.current_draft.version == 1  # type: ignore[union-attr]
    # Who it was drawn from is never left to the model.
    assert chat.state.current_draft.text == (  # type: ignore[union-attr]
        MODEL_DRAFT + "\n\nDrawn from the answers of Carol (housing corporation), Bob (police), Dave and Alice.")
    said = chat.say("alice", "/problem vote")
    assert "police sees the crime after it" in said


def test_the_models_draft_in_dutch(script: object) -> None:
    chat = model_chat(script, "nl")
    ask = asked(run_session(chat, TEAM_NL, "/probleem"))
    assert "de probleemstelling in het Nederlands" in ask.instructions
    assert "- Bob (politie): Politie hier." in ask.material
    said = written(chat, ask, "Probleem: jongeren in Noord raken ongezien in de schulden.")
    assert "Een taalmodel schreef dit concept uit jullie antwoorden (versie 1):" in said.edits[0]
    assert chat.state.current_draft.text.endswith(  # type: ignore[union-attr]
        "Gemaakt uit de antwoorden van Carol (woningcorporatie), Bob (politie), Dave en Alice.")


def test_a_model_draft_that_comes_too_late_or_is_junk_changes_nothing(script: object) -> None:
    chat = model_chat(script)
    ask = asked(run_session(chat, TEAM_EN))
    offline = chat.state.current_draft.text  # type: ignore[union-attr]
    for junk in ("", "   ", "```python\nprint('hi')\n```x", "word " * 400):
        assert not written(chat, ask, junk).edits
    assert chat.state.current_draft.text == offline  # type: ignore[union-attr]
    # Once the team has moved on (a vote on version 1), the model's draft is dropped.
    chat.say("alice", "/problem vote")
    assert not written(chat, ask, MODEL_DRAFT).edits
    assert chat.state.current_draft.text == offline  # type: ignore[union-attr]


def test_a_model_draft_after_someone_proposed_a_version_is_dropped(script: object) -> None:
    chat = model_chat(script)
    ask = asked(run_session(chat, TEAM_EN))
    chat.say("bob", "/problem draft Our own words for it.")
    assert not written(chat, ask, MODEL_DRAFT).edits
    assert chat.state.current_draft.text == "Our own words for it."  # type: ignore[union-attr]
