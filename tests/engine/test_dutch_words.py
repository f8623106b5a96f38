"""In a Dutch channel the words people are shown are the words they type: klaar, zorg, streng."""

from __future__ import annotations

from tests.engine.chat import Chat

LONG_CLAIM = ("Ik pak de huisbezoeken op, en daarna bel ik de woningcorporatie over de huurachterstanden, "
              "dan mail ik de school en regel ik een overleg met de wijkagent voor volgende week dinsdag.")


def commands(chat: Chat, said: object) -> list[str]:
    return [button.command for effect in said.effects for button in getattr(effect, "buttons", ())]  # type: ignore[attr-defined]


def test_the_redirect_quotes_what_the_person_wrote(chat_nl: Chat) -> None:
    chat_nl.say("anna", "/probleem start")
    said = chat_nl.say("bram", "ik pak de huisbezoeken op")
    assert said.replies[0].startswith(
        "Dank je, Bram. Je schreef: “ik pak de huisbezoeken op” — dat klinkt als taakverdeling. "
        "Ik heb het geparkeerd (#1)")
    assert commands(chat_nl, said) == ["/probleem geentaak 1"]


def quoted(reply: str) -> str:
    return reply.split("“", 1)[1].split("”", 1)[0]


def test_a_long_message_is_quoted_by_the_words_that_made_the_guard_think_so(chat_nl: Chat, chat: Chat) -> None:
    chat_nl.say("anna", "/probleem start")
    said = chat_nl.say("bram", LONG_CLAIM)
    quote = quoted(said.replies[0])
    assert said.replies[0].startswith("Dank je, Bram. Je schreef: “")
    assert quote and quote in LONG_CLAIM and len(quote) < len(LONG_CLAIM)  # their own words, not all of them

    chat.say("alice", "/problem start")
    long_claim = ("I'll take the home visits,\nand then I will call the housing corporation about the rent arrears, "
                  "email the school and set up a meeting with the police next Tuesday.")
    said = chat.say("bob", long_claim)
    quote = quoted(said.replies[0])
    assert quote and quote in " ".join(long_claim.split()) and len(quote) < len(long_claim)
    assert said.replies[0].endswith("For now: What is the problem?")


def test_buttons_and_hints_show_the_dutch_commands(chat_nl: Chat) -> None:
    said = chat_nl.say("anna", "/probleem start")
    assert commands(chat_nl, said) == ["/probleem klaar", "/probleem volgende"]
    chat_nl.say("bram", "Jongeren in Noord bouwen schulden op.")
    for _ in range(6):
        said = chat_nl.say("anna", "/probleem volgende")
    assert commands(chat_nl, said) == ["/probleem stem", "/probleem concept"]  # open the vote, edit the draft
    said = chat_nl.say("anna", "/probleem stem")
    assert commands(chat_nl, said) == ["/probleem akkoord", "/probleem zorg <tekst>", "/probleem bezwaar <reden>",
                                       "/probleem onthoud"]
    said = chat_nl.say("bram", "/probleem bezwaar")
    assert said.effects[0].command == "/probleem bezwaar <reden>"  # type: ignore[attr-defined]
    said = chat_nl.say("anna", "/probleem reset")
    assert "Doorgaan? /probleem reset bevestig." in said
    assert commands(chat_nl, said) == ["/probleem reset bevestig"]


def test_the_guard_levels_are_dutch_words_in_status_and_in_what_people_type(chat_nl: Chat) -> None:
    chat_nl.say("anna", "/probleem start")
    said = chat_nl.say("anna", "/probleem bewaker")
    assert "De bewaker staat op mild. Kies uit: uit, meekijken, mild of streng" in said
    assert "De bewaker staat op streng" in chat_nl.say("anna", "/probleem bewaker streng")
    assert "Bewaker: streng." in chat_nl.say("anna", "/probleem status")
    assert "De bewaker kijkt alleen mee" in chat_nl.say("anna", "/probleem bewaker meekijken")
    assert "Ik reageer op taakpraat met een notitie" in chat_nl.say("anna", "/probleem omleiden privé")
    # the English words work in a Dutch channel too
    assert "De bewaker staat op streng" in chat_nl.say("anna", "/problem guard strict")


def test_a_typo_is_answered_with_the_dutch_command(chat_nl: Chat) -> None:
    said = chat_nl.say("anna", "/probleem klar")
    assert "Bedoel je /probleem klaar?" in said


def test_the_export_names_the_votes_as_people_cast_them(chat_nl: Chat) -> None:
    chat_nl.say("anna", "/probleem start")
    chat_nl.say("bram", "Jongeren in Noord bouwen schulden op.")
    for _ in range(6):
        chat_nl.say("anna", "/probleem volgende")
    chat_nl.say("anna", "/probleem stem")
    chat_nl.say("anna", "/probleem akkoord")
    chat_nl.say("bram", "/probleem zorg de cijfers zijn oud")
    export = chat_nl.say("anna", "/probleem exporteer").private[0]
    assert "- v1 **Anna**: Akkoord" in export
    assert "- v1 **Bram**: Zorg — de cijfers zijn oud" in export
