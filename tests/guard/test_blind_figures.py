"""The shipped guard reaches issue 14's figures on the blind test, which nobody tuned it to.

Blind set ``a`` was written from benchmarks/corpus/GUIDELINE.md alone, by writers who never
saw the model, its features or its training data, and frozen (``FROZEN.sha256``) before
the model was trained. ``make bench`` prints the same figures and set ``b``'s.
"""

from __future__ import annotations

import pytest

from benchmarks.guard_data import blind_set, corpus_digest, current_digests, frozen_digests
from benchmarks.guard_eval import TARGETS, score
from tests.shipped_guard import shipped_guard


def test_the_blind_set_is_unchanged_since_it_was_frozen() -> None:
    assert current_digests("a") == frozen_digests("a")


def test_the_shipped_model_was_trained_on_the_corpus_in_the_repository() -> None:
    assert shipped_guard().info["corpus_sha256"] == corpus_digest(), "run make train-guard and commit the model"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_single_messages_reach_the_precision_and_recall_floor(lang: str) -> None:
    result = score(shipped_guard(), blind_set("a")[f"singles_{lang}"])
    assert result.precision >= TARGETS["singles"]["precision"], result.line()
    assert result.recall >= TARGETS["singles"]["recall"], result.line()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_chat_register_reaches_the_f1_floor_with_few_false_alarms(lang: str) -> None:
    chat = [e for e in blind_set("a")["chat"] if e.lang == lang]
    result = score(shipped_guard(), chat)
    assert result.f1 >= TARGETS["chat"]["f1"], result.line()
    assert result.false_alarms <= TARGETS["chat"]["false_alarms"], result.line()


def test_whole_threads_rarely_interrupt_ordinary_talk() -> None:
    result = score(shipped_guard(), blind_set("a")["threads"])
    assert result.false_alarms <= TARGETS["threads"]["false_alarms"], result.line()
    assert result.recall >= TARGETS["threads"]["recall"], result.line()
