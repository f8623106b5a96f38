"""The question script and everything the bot says, per language, as validated data.

The YAML files in ``prompts/`` are parsed by :func:`bot.shell.prompts.load_script`; this module
only holds the value objects and their validation, so the engine can use them purely.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core import schedule
from bot.core.model import Strictness

# What users type besides free text, by group: the meanings the engine knows. A language file
# gives each meaning its spellings (``words:``); a group with one meaning is written as a list.
# The words of every language are accepted in every channel.
WORD_MEANINGS: Mapping[str, tuple[str, ...]] = {
    "command": ("command",),  # the slash command (without "/"); the first is the one shown
    "confirm": ("confirm",),  # "/problem reset confirm"
    "deadline": ("deadline",),  # the flag of "/problem vote --until fri 17:00"
    "checkin": ("status", "now", "off", "on", "pause", "resume", "mentions"),
    "redirect": ("thread", "private"),
    "guard": tuple(Strictness),
    "export": ("md", "json"),
    "page": ("share", "revoke"),  # "/problem page revoke"
    "from_parked": ("from_parked",),  # "/problem task from-parked 3 [@owner]" (the button's command)
    "schedule": schedule.MEANINGS,
}

Spellings = Mapping[str, tuple[str, ...]]  # meaning -> how it is written
Lexicon = Mapping[str, str]  # a word as typed (lower case) -> its meaning


class ScriptError(ValueError):
    """A prompts file is malformed; the message names the file, the field and what is expected."""


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    title: str
    prompt: str


@dataclass(frozen=True, slots=True)
class DraftWords:
    """A language's word lists for writing the first draft (``draft_words:``; see draft_writer)."""

    greetings: frozenset[str] = frozenset()
    meta: frozenset[str] = frozenset()  # talk about the talk: "i agree", "+1"
    introductions: tuple[str, ...] = ()  # "{discipline} here"
    question_starts: frozenset[str] = frozenset()
    stopwords: frozenset[str] = frozenset()
    attributed: tuple[str, ...] = ()  # question ids whose sentences name their author


@dataclass(frozen=True, slots=True)
class LanguagePack:
    language: str
    name: str  # the language's own name ("Nederlands")
    questions: tuple[Question, ...]
    texts: Mapping[str, str]
    draft_template: str
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    words: Mapping[str, Spellings] = field(default_factory=dict)  # group -> meaning -> spellings
    draft_words: DraftWords = field(default_factory=DraftWords)


@dataclass(frozen=True, slots=True)
class Script:
    packs: Mapping[str, LanguagePack]
    default_language: str = "en"
    _lexicons: Mapping[str, Lexicon] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lexicons: dict[str, dict[str, str]] = {}
        for pack in self.packs.values():
            for group, spellings in pack.words.items():
                for meaning, words in spellings.items():
                    lexicons.setdefault(group, {}).update(dict.fromkeys(words, meaning))
        object.__setattr__(self, "_lexicons", lexicons)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.packs)

    def pack(self, language: str) -> LanguagePack:
        return self.packs.get(language) or self.packs[self.default_language]

    def questions(self, language: str) -> tuple[Question, ...]:
        return self.pack(language).questions

    def text(self, language: str, key: str, **params: object) -> str:
        """The text ``key`` in ``language`` with ``params`` filled in."""
        return self.pack(language).texts[key].format_map(params).strip("\n")

    def lexicon(self, group: str) -> Lexicon:
        """Every language's words of ``group`` (see :data:`WORD_MEANINGS`) -> their meaning."""
        return self._lexicons.get(group, {})

    def means(self, group: str, word: str) -> str | None:
        """What ``word`` means in ``group``, in whichever language it was typed."""
        return self.lexicon(group).get(word.lower())

    def command_words(self) -> dict[str, str]:
        """The slash-command words (without "/") of every language -> that language."""
        return {word: lang for lang, pack in self.packs.items() for word in pack.words["command"]["command"]}

    def command_language(self, word: str) -> str | None:
        """The language a command word asks for; None for the default language's words,
        which leave the channel in its own language (as ``/problem`` always did)."""
        language = self.command_words().get(word.lower())
        return None if language == self.default_language else language

    def word(self, language: str, group: str, meaning: str | None = None) -> str:
        """How people of ``language`` write ``meaning`` (by default the group's one meaning)."""
        return self.pack(language).words[group][meaning or group][0]

    def command_word(self, language: str) -> str:
        """The command as people of ``language`` type it: ``/probleem``."""
        return "/" + self.word(language, "command")

    def subcommand(self, language: str, name: str) -> str:
        """How people of ``language`` type the subcommand ``name``: its first spelling in the
        language's ``aliases`` (``ready`` -> ``klaar``), or ``name`` when it has none."""
        spellings = self.pack(language).aliases.get(name)
        return spellings[0] if spellings else name

    def typed(self, language: str, command: str) -> str:
        """``command``, written with the canonical words (``/problem reset confirm``), as people of
        ``language`` type it (``/probleem reset bevestig``): the command word, the subcommand and
        each word people type (confirm, guard, redirect, check-in words) in that language."""
        head, _, rest = command.partition(" ")
        if not head.startswith("/"):
            return command
        name, _, args = rest.partition(" ")
        words = [self.command_word(language)]
        if name:
            words.append(self.subcommand(language, name))
        words += [self._word_in(language, word) for word in args.split(" ") if word]
        return " ".join(words)

    def _word_in(self, language: str, word: str) -> str:
        """A typed word (``confirm``, ``strict``) or a placeholder (``<reason>``, from the text
        ``arg_reason``) in ``language``; other words as they are."""
        if word.startswith("<") and word.endswith(">"):
            return f"<{self.pack(language).texts.get('arg_' + word[1:-1], word[1:-1])}>"
        for group in ("confirm", "guard", "redirect", "checkin", "export", "page"):
            meaning = self.means(group, word)
            if meaning is not None:
                spellings = self.pack(language).words.get(group, {})
                return (spellings.get(meaning) or (word,))[0]
        return word

    def aliases(self) -> dict[str, str]:
        """Every spelling of a subcommand (all languages) -> its canonical name."""
        table: dict[str, str] = {}
        for pack in self.packs.values():
            for canonical, spellings in pack.aliases.items():
                table[canonical] = canonical
                for spelling in spellings:
                    table[spelling.lower()] = canonical
        return table


def placeholders(template: str) -> set[str]:
    """Names used as ``{name}`` in a format template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def validate(script: Script, origin: Mapping[str, str] | None = None) -> Script:
    """Check that every language says the same things with the same placeholders.

    ``origin`` maps a language to the file it came from, for error messages.
    """
    origin = origin or {}
    if script.default_language not in script.packs:
        raise ScriptError(f"prompts: default language {script.default_language!r} has no file")
    reference = script.packs[script.default_language]
    ref_ids = [q.id for q in reference.questions]
    for lang, pack in script.packs.items():
        where = origin.get(lang, lang)
        ids = [q.id for q in pack.questions]
        if ids != ref_ids:
            raise ScriptError(f"{where}: field 'questions': expected the ids {ref_ids} in that order, got {ids}")
        unknown = placeholders(pack.draft_template) - set(ids) - {"topic"}
        if unknown:
            raise ScriptError(
                f"{where}: field 'draft_template': names unknown answer(s) {sorted(unknown)}; "
                f"expected question ids {ids} or 'topic'"
            )
        _validate_words(pack, where)
        _validate_draft_words(pack, ids, where)
    _no_word_means_two_things(script, origin)
    validate_texts({lang: pack.texts for lang, pack in script.packs.items()}, script.default_language, origin)
    return script


def validate_texts(texts: Mapping[str, Mapping[str, str]], reference_language: str,
                   origin: Mapping[str, str] | None = None) -> None:
    """Every language has the reference language's text keys, each with the same placeholders."""
    origin = origin or {}
    reference = texts[reference_language]
    for lang, own in texts.items():
        where = origin.get(lang, lang)
        missing = set(reference) - set(own)
        if missing:
            raise ScriptError(f"{where}: field 'texts': missing {sorted(missing)}")
        extra = set(own) - set(reference)
        if extra:
            raise ScriptError(f"{where}: field 'texts': unknown key(s) {sorted(extra)}")
        for key, template in own.items():
            try:
                mine = placeholders(template)
            except ValueError as exc:
                raise ScriptError(f"{where}: field 'texts.{key}': not a valid template ({exc})") from exc
            theirs = placeholders(reference[key])
            if mine != theirs:
                raise ScriptError(
                    f"{where}: field 'texts.{key}': expected placeholders {sorted(theirs)}, got {sorted(mine)}"
                )


def _validate_words(pack: LanguagePack, where: str) -> None:
    """Every meaning spelled, nothing else; words are single lower-case tokens."""
    for group, meanings in WORD_MEANINGS.items():
        spellings = pack.words.get(group, {})
        missing = [m for m in meanings if not spellings.get(m)]
        if missing:
            raise ScriptError(f"{where}: field 'words.{group}': missing words for {missing}")
        extra = set(spellings) - set(meanings)
        if extra:
            raise ScriptError(f"{where}: field 'words.{group}': unknown meaning(s) {sorted(extra)}; "
                              f"expected {list(meanings)}")
        for meaning, words in spellings.items():
            for word in words:
                if word != word.lower() or word.split() != [word]:
                    raise ScriptError(f"{where}: field 'words.{group}.{meaning}': {word!r} is not one "
                                      f"lower-case word")
    extra_groups = set(pack.words) - set(WORD_MEANINGS)
    if extra_groups:
        raise ScriptError(f"{where}: field 'words': unknown group(s) {sorted(extra_groups)}")


def _validate_draft_words(pack: LanguagePack, ids: list[str], where: str) -> None:
    """Attributed questions exist; an introduction names the discipline once."""
    unknown = sorted(set(pack.draft_words.attributed) - set(ids))
    if unknown:
        raise ScriptError(f"{where}: field 'draft_words.attributed': unknown question id(s) {unknown}; "
                          f"expected some of {ids}")
    for pattern in pack.draft_words.introductions:
        if pattern.count("{discipline}") != 1:
            raise ScriptError(f"{where}: field 'draft_words.introductions': {pattern!r} must contain "
                              "{discipline} once")


def _no_word_means_two_things(script: Script, origin: Mapping[str, str]) -> None:
    """Words of all languages are accepted everywhere, so one word has one meaning in its group
    (and a command word belongs to one language)."""
    for group in WORD_MEANINGS:
        seen: dict[str, tuple[str, str]] = {}  # word -> (meaning, language)
        for lang, pack in script.packs.items():
            for meaning, words in pack.words[group].items():
                meant = lang if group == "command" else meaning
                for word in words:
                    before = seen.setdefault(word, (meant, lang))
                    if before[0] != meant:
                        raise ScriptError(
                            f"{origin.get(lang, lang)}: field 'words.{group}': {word!r} already means "
                            f"{before[0]!r} in {origin.get(before[1], before[1])}"
                        )
