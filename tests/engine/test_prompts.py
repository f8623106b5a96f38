"""A malformed prompts/ folder is refused at start, naming the file, the field and what is expected."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.core.script import ScriptError
from bot.shell.prompts import DEFAULT_PROMPTS_DIR, load_script


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    for name in ("en.yaml", "nl.yaml"):
        shutil.copy(DEFAULT_PROMPTS_DIR / name, tmp_path / name)
    return tmp_path


def edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_the_bundled_prompts_load_in_both_languages() -> None:
    script = load_script()
    assert set(script.languages) == {"en", "nl"}
    assert [q.id for q in script.questions("nl")] == [q.id for q in script.questions("en")]
    assert len(script.questions("en")) == 6


def test_the_default_language_is_the_only_file_required(prompts: Path) -> None:
    (prompts / "nl.yaml").unlink()
    assert load_script(prompts).languages == ("en",)
    with pytest.raises(ScriptError, match=r"missing language file nl\.yaml \(the default language\)"):
        load_script(prompts, default_language="nl")


def test_a_field_of_the_wrong_type_is_named(prompts: Path) -> None:
    edit(prompts / "nl.yaml", lambda d: d["questions"][0].update(title=42))
    with pytest.raises(ScriptError, match=r"nl\.yaml: field 'questions\.0\.title': Input should be a valid string"):
        load_script(prompts)


def test_a_template_naming_an_unknown_answer_is_refused(prompts: Path) -> None:
    edit(prompts / "en.yaml", lambda d: d.update(draft_template="Problem: {problem}. Budget: {budget}"))
    with pytest.raises(ScriptError, match=r"en\.yaml: field 'draft_template': names unknown answer\(s\) \['budget'\]"):
        load_script(prompts)


def test_draft_words_naming_an_unknown_question_or_no_discipline_are_refused(prompts: Path) -> None:
    edit(prompts / "nl.yaml", lambda d: d["draft_words"].update(attributed=["perspectives", "budget"]))
    with pytest.raises(ScriptError, match=r"nl\.yaml: field 'draft_words\.attributed': unknown question id\(s\) "
                                          r"\['budget'\]"):
        load_script(prompts)
    edit(prompts / "nl.yaml", lambda d: d["draft_words"].update(attributed=[], introductions=["hier"]))
    with pytest.raises(ScriptError, match=r"nl\.yaml: field 'draft_words\.introductions': 'hier' must contain "
                                          r"\{discipline\} once"):
        load_script(prompts)


def test_a_text_missing_in_one_language_is_refused(prompts: Path) -> None:
    edit(prompts / "nl.yaml", lambda d: d["texts"].pop("redirect"))
    with pytest.raises(ScriptError, match=r"nl\.yaml: field 'texts': missing \['redirect'\]"):
        load_script(prompts)


def test_a_text_with_other_placeholders_is_refused(prompts: Path) -> None:
    edit(prompts / "nl.yaml", lambda d: d["texts"].update(task_added="Taak {nummer}: {owner}: {text}"))
    expected = r"field 'texts\.task_added': expected placeholders \['id', 'owner', 'text'\]"
    with pytest.raises(ScriptError, match=expected):
        load_script(prompts)


def test_questions_must_match_across_languages(prompts: Path) -> None:
    edit(prompts / "nl.yaml", lambda d: d["questions"].pop())
    with pytest.raises(ScriptError, match=r"nl\.yaml: field 'questions': expected the ids"):
        load_script(prompts)


def test_broken_yaml_is_refused(prompts: Path) -> None:
    (prompts / "en.yaml").write_text("texts: [unclosed", encoding="utf-8")
    with pytest.raises(ScriptError, match=r"en\.yaml: cannot be read as YAML"):
        load_script(prompts)


def test_a_meaning_without_words_is_refused(prompts: Path) -> None:
    edit(prompts / "nl.yaml", lambda d: d["words"]["checkin"].pop("pause"))
    with pytest.raises(ScriptError, match=r"nl\.yaml: field 'words\.checkin': missing words for \['pause'\]"):
        load_script(prompts)


def test_a_missing_word_group_is_named(prompts: Path) -> None:
    edit(prompts / "nl.yaml", lambda d: d["words"].pop("schedule"))
    with pytest.raises(ScriptError, match=r"nl\.yaml: field 'words\.schedule': Field required"):
        load_script(prompts)


def test_a_word_that_means_two_things_is_refused(prompts: Path) -> None:
    # Every language's words work in every channel, so "nu" cannot be both "now" and "off".
    edit(prompts / "nl.yaml", lambda d: d["words"]["checkin"]["off"].append("nu"))
    with pytest.raises(ScriptError, match=r"nl\.yaml: field 'words\.checkin': 'nu' already means 'now'"):
        load_script(prompts)


def test_a_command_word_belongs_to_one_language(prompts: Path) -> None:
    edit(prompts / "nl.yaml", lambda d: d["words"].update(command=["probleem", "problem"]))
    with pytest.raises(ScriptError, match=r"nl\.yaml: field 'words\.command': 'problem' already means 'en'"):
        load_script(prompts)


def test_a_word_is_one_lower_case_token(prompts: Path) -> None:
    edit(prompts / "en.yaml", lambda d: d["words"]["schedule"]["tomorrow"].append("the day after"))
    with pytest.raises(ScriptError, match=r"en\.yaml: field 'words\.schedule\.tomorrow': 'the day after' is not one"):
        load_script(prompts)


def test_platform_texts_live_beside_their_platform() -> None:
    for language in ("en", "nl"):
        keys = yaml.safe_load((DEFAULT_PROMPTS_DIR / f"{language}.yaml").read_text(encoding="utf-8"))["texts"]
        assert not [key for key in keys if key.startswith(("slack_", "telegram_"))]
    script = load_script()
    assert script.text("nl", "slack_reason_submit") == "Verstuur"
    assert script.text("en", "telegram_reason_toast") == "Reply to my message below with your reason."


def test_a_language_without_a_platform_file_speaks_the_default_languages(prompts: Path) -> None:
    (prompts / "slack").mkdir()
    shutil.copy(DEFAULT_PROMPTS_DIR / "slack" / "en.yaml", prompts / "slack" / "en.yaml")
    script = load_script(prompts)
    assert script.text("nl", "slack_reason_submit") == script.text("en", "slack_reason_submit") == "Send"


def test_a_platform_text_missing_in_one_language_is_refused(prompts: Path) -> None:
    shutil.copytree(DEFAULT_PROMPTS_DIR / "telegram", prompts / "telegram")
    edit(prompts / "telegram" / "nl.yaml", lambda d: d["texts"].pop("telegram_reason_toast"))
    with pytest.raises(ScriptError, match=r"telegram/nl\.yaml: field 'texts': missing \['telegram_reason_toast'\]"):
        load_script(prompts)


def test_a_platform_text_with_another_platforms_name_is_refused(prompts: Path) -> None:
    (prompts / "slack").mkdir()
    (prompts / "slack" / "en.yaml").write_text("language: en\ntexts:\n  telegram_x: hi\n", encoding="utf-8")
    with pytest.raises(ScriptError, match=r"keys must start with 'slack_'"):
        load_script(prompts)
