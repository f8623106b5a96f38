"""The shipped guard keeps its figures on the blind test, which nobody tuned it to.

Blind set ``a`` was written from benchmarks/corpus/GUIDELINE.md alone, by writers who never
saw the model, its features or its training data, and frozen (``FROZEN.sha256``) before
the model was trained. The floors (``benchmarks/guard_eval.FLOORS``) are issue 14's figures
where the model reaches them, and just under what it reaches where it does not yet;
``make bench`` prints the issue's targets, met or not, for set ``a`` and the later set ``b``.
"""

from __future__ import annotations

import pytest

from benchmarks.guard_data import blind_set, corpus_digest, current_digests, frozen_digests
from benchmarks.guard_eval import FLOORS, score
from tests.shipped_guard import shipped_guard


@pytest.mark.parametrize("name", ["a", "b"])
def test_the_blind_sets_are_unchanged_since_they_were_frozen(name: str) -> None:
    assert current_digests(name) == frozen_digests(name)


def test_the_shipped_model_was_trained_on_the_corpus_in_the_repository() -> None:
    assert shipped_guard().info["corpus_sha256"] == corpus_digest(), "run make train-guard and commit the model"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_single_messages_are_held_precisely_and_strict_catches_most(lang: str) -> None:
    examples = blind_set("a")[f"singles_{lang}"]
    gentle, strict = score(shipped_guard(), examples), score(shipped_guard(), examples, strict=True)
    floor = FLOORS["singles"]
    assert gentle.precision >= floor["precision"], gentle.line()
    assert gentle.recall >= floor["recall"], gentle.line()
    assert strict.recall >= floor["strict_recall"], strict.line()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_chat_register_keeps_its_f1_with_few_false_alarms(lang: str) -> None:
    result = score(shipped_guard(), [e for e in blind_set("a")["chat"] if e.lang == lang])
    assert result.f1 >= FLOORS["chat"]["f1"], result.line()
    assert result.false_alarms <= FLOORS["chat"]["false_alarms"], result.line()


def test_whole_conversations_rarely_interrupt_ordinary_talk() -> None:
    result = score(shipped_guard(), blind_set("a")["threads"])
    assert result.false_alarms <= FLOORS["threads"]["false_alarms"], result.line()
    assert result.recall >= FLOORS["threads"]["recall"], result.line()
