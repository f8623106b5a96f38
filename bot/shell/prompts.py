"""Load ``prompts/<lang>.yaml`` into a validated :class:`~bot.core.script.Script`.

This is shell code (it reads files); the schema is checked with pydantic so a malformed
file is refused at start with the file, the field and what was expected.

What a platform says itself (its refusals, dialogs, menus) lives beside it, in
``prompts/<platform>/<lang>.yaml``: keys named ``<platform>_...``, checked like the
language files' texts, and added to each language's texts (a language without a file
of its own there gets the default language's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Annotated, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core.script import DraftWords, LanguagePack, Question, Script, ScriptError, validate, validate_texts

DEFAULT_PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"


class _QuestionFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    id: str = Field(min_length=1, pattern=r"^[a-z_][a-z0-9_]*$")
    title: str = Field(min_length=1)
    prompt: str = Field(min_length=1)


_Spellings = Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]


class _WordsFile(BaseModel):
    """The words users type; which meanings each group needs is checked by ``validate``."""

    model_config = ConfigDict(extra="forbid", strict=True)
    command: _Spellings
    confirm: _Spellings
    deadline: _Spellings
    checkin: dict[str, _Spellings]
    redirect: dict[str, _Spellings]
    guard: dict[str, _Spellings]
    export: dict[str, _Spellings]
    page: dict[str, _Spellings]
    from_parked: _Spellings
    schedule: dict[str, _Spellings]

    def spellings(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """group -> meaning -> spellings; a group written as a list has one meaning, its own name."""
        result: dict[str, dict[str, tuple[str, ...]]] = {}
        for group, value in self:
            meanings = {group: value} if isinstance(value, list) else value
            result[group] = {meaning: tuple(words) for meaning, words in meanings.items()}
        return result


class _DraftWordsFile(BaseModel):
    """Word lists for the first draft; optional (a language without them filters less)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    greetings: list[str] = Field(default_factory=list)
    meta: list[str] = Field(default_factory=list)
    introductions: list[str] = Field(default_factory=list)
    question_starts: list[str] = Field(default_factory=list)
    stopwords: list[str] = Field(default_factory=list)
    attributed: list[str] = Field(default_factory=list)

    def value(self) -> DraftWords:
        def words(items: list[str]) -> frozenset[str]:
            return frozenset(item.lower().strip() for item in items)

        return DraftWords(greetings=words(self.greetings), meta=words(self.meta),
                          introductions=tuple(item.lower().strip() for item in self.introductions),
                          question_starts=words(self.question_starts), stopwords=words(self.stopwords),
                          attributed=tuple(self.attributed))


class _PackFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    language: str = Field(pattern=r"^[a-z]{2}$")
    name: str
    questions: list[_QuestionFile] = Field(min_length=1)
    draft_template: str = Field(min_length=1)
    draft_words: _DraftWordsFile = Field(default_factory=_DraftWordsFile)
    aliases: dict[str, list[str]] = Field(default_factory=dict)
    words: _WordsFile
    texts: dict[str, str]


class _PlatformFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    language: str = Field(pattern=r"^[a-z]{2}$")
    texts: dict[str, str]


_File = TypeVar("_File", bound=BaseModel)


def _read(path: Path, model: type[_File]) -> _File:
    """``path`` as ``model``; a ScriptError naming the file and the field otherwise."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScriptError(f"{path}: cannot be read as YAML ({exc})") from exc
    try:
        data = model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ScriptError(f"{path}: field '{loc}': {first['msg']}") from exc
    language = getattr(data, "language", None)
    if language != path.stem:
        raise ScriptError(f"{path}: field 'language': expected {path.stem!r} (the file name), got {language!r}")
    return data


def load_pack(path: Path) -> LanguagePack:
    data = _read(path, _PackFile)
    return LanguagePack(
        language=data.language,
        name=data.name,
        questions=tuple(Question(q.id, q.title.strip(), q.prompt.strip()) for q in data.questions),
        texts=dict(data.texts),
        draft_template=data.draft_template,
        draft_words=data.draft_words.value(),
        aliases={key: tuple(values) for key, values in data.aliases.items()},
        words=data.words.spellings(),
    )


def language_files(directory: Path) -> dict[str, Path]:
    """The languages a prompts folder has a file for (``xx.yaml``) -> that file."""
    return {path.stem: path for path in sorted(directory.glob("[a-z][a-z].yaml"))}


def demo_files(directory: Path | None = None) -> dict[str, Path]:
    """The example conversations ``voordenken demo`` replays: language -> ``demo/<language>.txt``."""
    folder = (directory or DEFAULT_PROMPTS_DIR) / "demo"
    return {path.stem: path for path in sorted(folder.glob("*.txt"))}


def load_script(directory: Path | None = None, default_language: str = "en") -> Script:
    """Read every ``<lang>.yaml`` in ``directory`` (default: the bundled ``prompts/``).

    A language is one file; only the default language's file is required.
    """
    directory = directory or DEFAULT_PROMPTS_DIR
    files = language_files(directory)
    if default_language not in files:
        raise ScriptError(f"{directory}: missing language file {default_language}.yaml (the default language)")
    packs = {language: load_pack(path) for language, path in files.items()}
    for folder in sorted(p for p in directory.iterdir() if p.is_dir()):
        platform_files = sorted(folder.glob("[a-z][a-z].yaml"))
        if platform_files:  # (demo/ holds conversations, not texts)
            packs = _with_platform_texts(packs, folder.name, platform_files, default_language)
    origin = {language: str(path) for language, path in files.items()}
    return validate(Script(packs=packs, default_language=default_language), origin)


def _with_platform_texts(packs: Mapping[str, LanguagePack], platform: str, files: list[Path],
                         default_language: str) -> dict[str, LanguagePack]:
    """``packs`` with the texts of ``prompts/<platform>/<lang>.yaml`` added to each language's."""
    texts = {path.stem: _read(path, _PlatformFile).texts for path in files}
    origin = {path.stem: str(path) for path in files}
    if default_language not in texts:
        raise ScriptError(f"{files[0].parent}: no file for the default language {default_language!r}")
    validate_texts(texts, default_language, origin)
    foreign = sorted(key for key in texts[default_language] if not key.startswith(f"{platform}_"))
    if foreign:
        raise ScriptError(f"{origin[default_language]}: field 'texts': keys must start with "
                          f"'{platform}_', not {foreign}")
    unknown = sorted(set(texts) - set(packs))
    if unknown:
        raise ScriptError(f"{files[0].parent}: language(s) {unknown} have no language file")
    added: dict[str, LanguagePack] = {}
    for language, pack in packs.items():
        own = texts.get(language, texts[default_language])
        twice = sorted(set(own) & set(pack.texts))
        if twice:
            raise ScriptError(f"{origin.get(language, origin[default_language])}: field 'texts': "
                              f"{twice} also in the language file")
        added[language] = replace(pack, texts={**pack.texts, **own})
    return added
