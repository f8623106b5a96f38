"""Unit tests for the task-talk detector: each cue family and each trap, in both languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.guard import Verdict, detect
from bot.core.model import Strictness


def holds(text: str, names: tuple[str, ...] = (), strictness: Strictness = Strictness.GENTLE) -> bool:
    return detect(text, names).holds(strictness)


# --- cue families ----------------------------------------------------------------------


def test_claim_english() -> None:
    assert holds("I'll take care of the housing part")
    assert holds("put me down for the training")
    assert holds("leave the landlord calls with me")
    assert holds("ok i'm on it")


def test_claim_dutch_separable_and_v2() -> None:
    assert holds("ik pak de schuldhulpverlening op")
    assert holds("Ik pak de schuldhulpverlening voor de gezinnen in Noord op")
    assert holds("k pak m op")
    assert holds("dat pak ik wel op")
    assert holds("morgen bel ik de corporatie")
    assert holds("ik regel het overleg")
    assert holds("ik neem contact op met veilig thuis")
    assert holds("ik ga het oppakken")


def test_assign_english_with_roster_names() -> None:
    assert holds("Team B should handle the outreach")
    assert holds("Mark, you're on comms", ("Mark", "Sarah"))
    assert holds("sarah can you call the landlord?", ("Sarah",))


def test_assign_dutch() -> None:
    assert holds("jullie moeten eerst de gezinsvoogd bellen")
    assert holds("kun jij de verhuurder bellen?")
    assert holds("Jan belt de corporatie morgen", ("Jan",))


def test_names_come_from_the_roster_not_capitals() -> None:
    # "Ben" is also Dutch for "am": lowercase "ben" is not taken for the participant.
    assert not holds("ik ben er morgen niet", ("Ben",))
    assert holds("Ben, you do the site visits", ("Ben",))


def test_owner_question_both_languages() -> None:
    assert holds("who is going to call the landlord?")
    assert holds("can someone take the housing angle?")
    assert holds("wie gaat dat doen?")
    assert holds("wie wordt eigenaar?")
    assert holds("wie is owner van de outreach?")  # code-switching


def test_action_items_both_languages() -> None:
    assert holds("Actiepunt: Jan belt de corporatie voor vrijdag", ("Jan",))
    assert holds("next steps: Tom contacts the shelter", ("Tom",))


def test_divide_both_languages() -> None:
    assert holds("let's split this up")
    assert holds("laten we de taken verdelen")
    assert holds("zullen we een taakverdeling maken?")


def test_deflect_both_languages() -> None:
    assert holds("that's not our job")
    assert holds("dat valt onder het jeugdteam")


# --- hard negatives ----------------------------------------------------------------------


def test_negated_or_deferred_division_passes() -> None:
    assert not holds("let's not decide who does what yet")
    assert not holds("als we nu het werk verdelen versmallen we de analyse")
    assert not holds("eerst het probleem helder, dan pas de taakverdeling")
    assert not holds("laten we nog niet bepalen wie wat doet")


def test_process_questions_pass() -> None:
    assert not holds("when will we divide the tasks?")
    assert not holds("wanneer gaan we het over de taakverdeling hebben?")


def test_past_and_reported_speech_pass() -> None:
    assert not holds("last week the youth team visited twice")
    assert not holds("Mohammed zei dat hij het zou oppakken", ("Mohammed",))
    assert not holds("vorig jaar pakte de wijkagent dit op en dat ging mis")


def test_problem_analysis_about_responsibility_passes() -> None:
    assert not holds("it's unclear who owns victim follow-up")
    assert not holds("hulpverleners weten niet wie ze moeten bellen")
    assert not holds("het probleem is dat niemand zich verantwoordelijk voelt voor de nazorg")


def test_hypotheticals_pass() -> None:
    assert not holds("if we later split the tasks, the housing part will be huge")
    assert not holds("stel dat het wijkteam de huisbezoeken doet, helpt dat dan?")


def test_social_logistics_pass() -> None:
    assert not holds("I'll be a bit late")
    assert not holds("ik ga even koffie halen")


def test_problem_statement_work_passes() -> None:
    assert not holds("I'll draft a first version of the problem statement")
    assert not holds("ik maak een eerste versie van de probleemstelling")


def test_information_gathering_only_in_strict() -> None:
    assert not holds("I'll look up the figures")
    assert holds("I'll look up the figures", strictness=Strictness.STRICT)
    assert not holds("kun jij de cijfers opvragen?")
    assert holds("kun jij de cijfers opvragen?", strictness=Strictness.STRICT)


def test_facts_thanks_greetings_pass() -> None:
    for text in ("the waiting list is 7 years", "dank jullie wel!", "goedemorgen allemaal", "👍", ""):
        assert not holds(text), text


# --- clause scope, verdict shape, strictness ------------------------------------------------


def test_mixed_message_is_judged_per_clause() -> None:
    assert holds("the problem is that nobody follows up, so I'll take care of housing")
    assert holds("het probleem is dat niemand het oppakt, dus ik pak de huisvesting op")


def test_verdict_carries_language_cue_and_family() -> None:
    verdict = detect("ik pak de schuldhulpverlening op")
    assert isinstance(verdict, Verdict)
    assert verdict.task_talk and verdict.lang == "nl"
    assert verdict.cue == "ik pak … op" and verdict.family == "claim"
    assert 0.0 <= verdict.score <= 1.0
    english = detect("who is going to call the landlord?")
    assert english.lang == "en" and english.family == "owner_question" and english.cue


@pytest.mark.parametrize("strictness", [Strictness.OFF, Strictness.OBSERVE])
def test_off_and_observe_never_hold(strictness: Strictness) -> None:
    assert not detect("laten we de taken verdelen").holds(strictness)


def test_strict_holds_everything_gentle_holds() -> None:
    for text in ("ik regel het overleg", "who's taking the shelter contact?", "let's split this up"):
        verdict = detect(text)
        assert verdict.holds(Strictness.GENTLE) and verdict.holds(Strictness.STRICT)


# --- quality floor on the dev split (regression guard, not a timing test) ---------------

DEV = Path(__file__).resolve().parents[2] / "benchmarks" / "corpus" / "task_talk.dev.jsonl"


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_dev_split_meets_floor(lang: str) -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["lang"] == lang]
    tp = fp = fn = 0
    strict_tp = 0
    for row in rows:
        verdict = detect(row["text"], row.get("names", ()))
        gold = row["task_talk"]
        held = verdict.holds(Strictness.GENTLE)
        tp += held and gold
        fp += held and not gold
        fn += gold and not held
        strict_tp += gold and verdict.holds(Strictness.STRICT)
    positives = tp + fn
    assert len(rows) >= 150 and positives >= 70
    assert tp / (tp + fp) >= 0.95
    assert tp / positives >= 0.90
    assert strict_tp / positives >= 0.95
