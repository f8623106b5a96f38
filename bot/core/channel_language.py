"""The language a channel speaks when nobody chose one: the language its people write in.

A session started with a Dutch topic, or whose first answers are Dutch, runs in Dutch (and an
English one in English where the default is Dutch). The bot says so once, with the command
that switches back. A choice (``/problem lang``, or starting with another language's command,
``/probleem``) always wins: detection only moves a channel whose language nobody chose.
"""

from __future__ import annotations

from bot.core.context import Turn
from bot.core.guard.language import confident_language
from bot.core.model import LanguageSource

FIRST_ANSWERS = 3  # the answers that may set a channel's language; later ones never do
AGREEING = 2  # how many of them must clearly be in the other language (and none in the channel's)


def at_start(turn: Turn, language: str, source: LanguageSource, topic: str) -> tuple[str, LanguageSource]:
    """The language a session starts in: a chosen one stays; otherwise a clear topic decides."""
    if source is LanguageSource.CHOSEN:
        return language, source
    found = confident_language(topic) if topic else None
    if found is None or found not in turn.script.packs:
        return language, LanguageSource.DEFAULT
    return found, LanguageSource.DETECTED


def after_answer(turn: Turn) -> None:
    """Follow the first answers' language, once, if the channel's language was nobody's choice."""
    state = turn.state
    if state.language_source is not LanguageSource.DEFAULT or len(state.answers) > FIRST_ANSWERS:
        return
    found = [confident_language(answer.text) for answer in state.answers[:FIRST_ANSWERS]]
    if state.language in found:
        return
    for language in turn.script.languages:
        if language != state.language and found.count(language) >= AGREEING:
            previous = state.language
            turn.update(language=language, language_source=LanguageSource.DETECTED)
            announce(turn, previous)
            return


def announce(turn: Turn, previous: str) -> None:
    """Say, in the new language, that the bot speaks it now and how to go back."""
    switch_back = turn.script.typed(previous, f"/problem lang {previous}")
    turn.post(turn.t("lang_detected", name=language_name(turn, turn.state.language),
                     previous=language_name(turn, previous), switch_back=switch_back))


def language_name(turn: Turn, language: str) -> str:
    """A language's name in the channel's language (``Engels``); else its own name."""
    return turn.script.pack(turn.state.language).texts.get(f"language_name_{language}") \
        or turn.script.pack(language).name
