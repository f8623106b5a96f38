"""What the shipped guard does with messages a team would write (issue 14's examples and traps).

The broad measurement lives in the blind sets (tests/guard/test_blind_figures.py and
``make bench``); these are the cases people reported, each a promise to a user.
"""

from __future__ import annotations

import pytest

from bot.core.guard import Verdict, detect
from bot.core.model import Strictness
from tests.shipped_guard import shipped_guard


def judge(text: str, names: tuple[str, ...] = (), context: str | None = None) -> Verdict:
    return detect(text, shipped_guard(), names, context=context)


@pytest.mark.parametrize("text", [
    "I'll take care of the housing part",
    "ik pak de schuldhulpverlening voor de gezinnen in Noord wel op",
    "Dat regel ik morgen wel met de corporatie",
    "who's going to call the school?",
    "wie pakt dit op?",
    "Let's split it: police does the visits, we do the debt intake",
    "laten we de taken verdelen",
    pytest.param("that one is for the finance people", marks=pytest.mark.xfail(
        strict=True, reason="known miss: 0.60 against gentle's 0.73, held at strict only (docs/guard.md)")),
    "dat zou door de wijkagent opgepakt moeten worden",
    "AP: Mark belt vrijdag de huisarts",
])
def test_task_talk_people_write_is_held(text: str) -> None:
    assert judge(text, ("Mark", "Sarah")).holds(Strictness.GENTLE), text


@pytest.mark.parametrize("text", [
    "Who is responsible for the square in the municipality's view?",
    "let's first understand why families drop out before we decide who does what",
    "Het probleem is dat niemand zich verantwoordelijk voelt voor de nazorg",
    "Last year the police handled all the reports and that went wrong",
    "I take your point about the waiting lists",
    "I'll share my screen in a second",
    "goedemorgen allemaal!",
    "/problem status",
])
def test_analysis_and_ordinary_chat_pass(text: str) -> None:
    assert not judge(text).holds(Strictness.GENTLE), text


def test_a_name_from_the_roster_is_an_assignment_whatever_its_spelling() -> None:
    assert judge("sarah can u take the landlord calls", ("Sarah", "Tom")).task_talk


def test_a_short_reply_is_read_with_the_message_before_it() -> None:
    assert judge("I can", context="Who can take the schools?").task_talk
    assert not judge("I can").task_talk
    assert not judge("I can", context="Can everyone see my screen?").task_talk
    assert judge("doe ik", context="wie belt de corporatie?").task_talk


@pytest.mark.parametrize(("text", "aside"), [
    ("Good point about the waiting list. Sarah, can you take the intake calls this week?", "waiting list"),
    ("Goed punt over de wachtlijst. Ik pak de huisbezoeken in Noord wel op.", "wachtlijst"),
])
def test_the_evidence_is_quoted_from_the_users_own_words(text: str, aside: str) -> None:
    verdict = judge(text, ("Sarah", "Tom"))
    assert verdict.task_talk and verdict.cue is not None
    assert verdict.cue in text and aside not in verdict.cue  # their words, and only the part that divides work


def test_strict_holds_everything_gentle_holds_and_more() -> None:
    model = shipped_guard()
    assert model.strict < model.gentle
    borderline = judge("I'll look up the figures for Noord")
    assert not borderline.task_talk or borderline.strict
    assert not judge("x").holds(Strictness.OFF) and not judge("ik pak het op").holds(Strictness.OBSERVE)
