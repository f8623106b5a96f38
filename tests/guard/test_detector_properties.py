"""Property tests: the detector never raises and always returns a well-formed verdict."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.guard import Verdict, detect
from bot.core.model import Strictness
from tests.shipped_guard import shipped_guard


def _well_formed(verdict: Verdict) -> None:
    assert isinstance(verdict, Verdict)
    assert 0.0 <= verdict.score <= 1.0
    assert verdict.lang in ("nl", "en")
    assert verdict.task_talk == verdict.holds(Strictness.GENTLE)
    assert not verdict.holds(Strictness.OFF) and not verdict.holds(Strictness.OBSERVE)


@given(st.text(), st.lists(st.text(max_size=20), max_size=5), st.none() | st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_arbitrary_unicode_never_raises(text: str, names: list[str], context: str | None) -> None:
    _well_formed(detect(text, shipped_guard(), names, context=context))


_WORDS = st.sampled_from(
    [
        "ik",
        "pak",
        "op",
        "wie",
        "gaat",
        "I'll",
        "call",
        "not",
        "niet",
        "@mark",
        "\x01",
        "…",
        "😀",
        ",",
        ".",
        "actiepunt:",
        "who",
        "is",
        "going",
        "to",
        "the",
        "landlord",
        "verdelen",
        "laten",
        "we",
        "\n",
        "İ",
    ]
)


@given(
    st.lists(_WORDS, max_size=60).map(" ".join),
    st.lists(st.sampled_from(["Mark", "Ben", "", "@"]), max_size=3),
)
@settings(max_examples=300, deadline=None)
def test_cue_like_word_salad_never_raises(text: str, names: list[str]) -> None:
    _well_formed(detect(text, shipped_guard(), names))


@given(st.text(min_size=1, max_size=50))
@settings(max_examples=10, deadline=None)
def test_long_input_100k_chars(chunk: str) -> None:
    text = (chunk * (100_000 // len(chunk) + 1))[:100_000]
    _well_formed(detect(text, shipped_guard()))


def test_long_task_talk_input() -> None:
    text = ("ik pak de schuldhulpverlening op " * 4000)[:100_000]
    _well_formed(detect(text, shipped_guard(), ["Mark"]))
    assert detect(text, shipped_guard()).task_talk
