"""The question script and everything the bot says, per language, as validated data.

The YAML files in ``prompts/`` are parsed by :func:`bot.shell.prompts.load_script`; this module
only holds the value objects and their validation, so the engine can use them purely.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field


class ScriptError(ValueError):
    """A prompts file is malformed; the message names the file, the field and what is expected."""


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    title: str
    prompt: str


@dataclass(frozen=True, slots=True)
class LanguagePack:
    language: str
    name: str  # the language's own name ("Nederlands")
    questions: tuple[Question, ...]
    texts: Mapping[str, str]
    draft_template: str
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Script:
    packs: Mapping[str, LanguagePack]
    default_language: str = "en"

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
