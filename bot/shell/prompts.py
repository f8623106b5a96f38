"""Load ``prompts/<lang>.yaml`` into a validated :class:`~bot.core.script.Script`.

This is shell code (it reads files); the schema is checked with pydantic so a malformed
file is refused at start with the file, the field and what was expected.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core.script import LanguagePack, Question, Script, ScriptError, validate

DEFAULT_PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"


class _QuestionFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    id: str = Field(min_length=1, pattern=r"^[a-z_][a-z0-9_]*$")
    title: str = Field(min_length=1)
    prompt: str = Field(min_length=1)


class _PackFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    language: str = Field(pattern=r"^[a-z]{2}$")
    name: str
    questions: list[_QuestionFile] = Field(min_length=1)
    draft_template: str = Field(min_length=1)
    aliases: dict[str, list[str]] = Field(default_factory=dict)
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
    )


def load_script(directory: Path | None = None, default_language: str = "en") -> Script:
    """Read every ``<lang>.yaml`` in ``directory`` (default: the bundled ``prompts/``)."""
    directory = directory or DEFAULT_PROMPTS_DIR
    files = sorted(directory.glob("[a-z][a-z].yaml"))
    if not files:
        raise ScriptError(f"{directory}: no language files (expected e.g. en.yaml, nl.yaml)")
    packs = {path.stem: load_pack(path) for path in files}
    required = {"en", "nl"}
    if not required <= set(packs):
        raise ScriptError(f"{directory}: missing language file(s) {sorted(required - set(packs))}")
    origin = {path.stem: str(path) for path in files}
    return validate(Script(packs=packs, default_language=default_language), origin)
