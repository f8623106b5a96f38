"""Tests of ``voordenken classify`` (bot.app.classify.classify_main) with in-memory streams."""

from __future__ import annotations

import io
import json

from bot.app.classify import classify_main


def run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = classify_main(argv, io.StringIO(stdin), out, err)
    return code, out.getvalue(), err.getvalue()


def test_text_arguments_one_verdict_each() -> None:
    code, out, _ = run(["ik pak de schuldhulpverlening op", "goedemorgen allemaal"])
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    assert lines[0].startswith("task talk") and "“ik pak de schuldhulpverlening op”" in lines[0]
    assert lines[1].startswith("ok")


def test_names_option() -> None:
    code, out, _ = run(["--names", "Mark,Sarah", "Mark, you're on comms"])
    assert code == 0 and out.startswith("task talk")


def test_jsonl_adds_fields_and_reports_bad_lines() -> None:
    stdin = "\n".join(
        [
            json.dumps({"text": "wie gaat dat doen?", "id": 1}),
            "{not json",
            json.dumps({"text": "thanks everyone", "id": 2}),
            json.dumps({"no_text": True}),
        ]
    )
    code, out, err = run(["--jsonl"], stdin)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code != 0
    assert [r["id"] for r in rows] == [1, 2]
    assert rows[0]["task_talk"] is True and rows[0]["lang"] == "nl" and isinstance(rows[0]["score"], float)
    assert rows[1]["task_talk"] is False and rows[1]["lang"] == "en"
    assert "line 2" in err and "line 4" in err


def test_jsonl_reads_a_reply_with_its_context() -> None:
    stdin = json.dumps({"text": "doe ik", "context": "wie belt de corporatie?"}) + "\n"
    code, out, _ = run(["--jsonl"], stdin)
    assert code == 0 and json.loads(out)["task_talk"] is True


def test_explain_prints_the_evidence_and_what_weighed_most() -> None:
    code, out, _ = run(["--explain", "The waiting list is the issue. So I'll call the GGD tomorrow!"])
    assert code == 0
    assert "evidence: “" in out and "call the GGD" in out.split("evidence:")[1].splitlines()[0]
    assert "held at gentle from" in out and "features: " in out


def test_a_missing_model_file_is_one_clear_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(["--model", str(tmp_path / "nope.gz"), "hello"])
    assert code == 2 and err.startswith("voordenken classify: cannot read the task-talk model")


def test_usage_errors() -> None:
    assert run([])[0] == 2
    assert run(["--strictness", "loud", "x"])[0] == 2
