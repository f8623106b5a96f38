"""``bot.core.text.clean``: what the edges do to text before the engine and storage see it."""

from __future__ import annotations

from bot.core.text import clean


def test_lone_surrogates_become_replacement_characters_and_real_text_stays() -> None:
    assert clean("Caf\udce9 \ud800x\udfff") == "Caf\ufffd \ufffdx\ufffd"
    real = "café, straße, 😀, 中文, plain"
    assert clean(real) == real
    assert clean(real).encode("utf-8").decode("utf-8") == real
