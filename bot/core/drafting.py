"""Compose the first draft problem statement from the analysis answers."""

from __future__ import annotations

from bot.core.model import ChannelState
from bot.core.script import Script


def compose_draft(state: ChannelState, script: Script) -> str:
    """Fill the language's ``draft_template`` with each question's answers.

    Each placeholder becomes the answers to that question joined in the order given, so
    the draft reads as the team's own words; a question nobody answered shows a gap
    marker the team will notice and fill in.
    """
    pack = script.pack(state.language)
    gap = script.text(state.language, "draft_gap")
    values: dict[str, str] = {"topic": state.topic or gap}
    for step, question in enumerate(pack.questions):
        texts = [a.text for a in state.answers if a.step == step]
        values[question.id] = " ".join(_sentence(t) for t in texts) if texts else gap
    return pack.draft_template.format_map(values).strip()


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?", "…")) else text + "."
