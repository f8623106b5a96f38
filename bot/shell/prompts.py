"""Load ``prompts/<lang>.yaml`` into a validated :class:`~bot.core.script.Script`.

This is shell code (it reads files); the schema is checked with pydantic so a malformed
file is refused at start with the file, the field and what was expected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core.script import LanguagePack, Question, Script, ScriptError, validate

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
    schedule: dict[str, _Spellings]

    def spellings(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """group -> meaning -> spellings; a group written as a list has one meaning, its own name."""
        result: dict[str, dict[str, tuple[str, ...]]] = {}
        for group, value in self:
            meanings = {group: value} if isinstance(value, list) else value
            result[group] = {meaning: tuple(words) for meaning, words in meanings.items()}
        return result


class _PackFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    language: str = Field(pattern=r"^[a-z]{2}$")
    name: str
    questions: list[_QuestionFile] = Field(min_length=1)
    draft_template: str = Field(min_length=1)
    aliases: dict[str, list[str]] = Field(default_factory=dict)
    words: _WordsFile
    texts: dict[str, str]


def load_pack(path: Path) -> LanguagePack:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScriptError(f"{path}: cannot be read as YAML ({exc})") from exc
    try:
        data = _PackFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ScriptError(f"{path}: field '{loc}': {first['msg']}") from exc
    if data.language != path.stem:
        raise ScriptError(f"{path}: field 'language': expected {path.stem!r} (the file name), got {data.language!r}")
    return LanguagePack(
        language=data.language,
        name=data.name,
        questions=tuple(Question(q.id, q.title.strip(), q.prompt.strip()) for q in data.questions),
        texts=dict(data.texts),
        draft_template=data.draft_template,
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
    origin = {language: str(path) for language, path in files.items()}
    return validate(Script(packs=packs, default_language=default_language), origin)
