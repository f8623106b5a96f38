"""Export a channel's session as JSON (for tools) or Markdown (for a report)."""

from __future__ import annotations

from typing import Any

from bot.core.dates import calendar
from bot.core.model import ChannelState
from bot.core.script import Script


def to_json(state: ChannelState) -> dict[str, Any]:
    names = state.participants

    def who(user: str) -> str:
        return names.get(user, user)

    statement = state.statement
    return {
        "channel": state.channel,
        "phase": state.phase.value,
        "language": state.language,
        "topic": state.topic,
        "facilitator": who(state.facilitator) if state.facilitator else None,
        "statement": None if statement is None else {
            "text": statement.text,
            "version": statement.version,
            "agreed_at": statement.agreed_at.isoformat(),
        },
        "drafts": [
            {"version": d.version, "text": d.text, "author": who(d.author), "at": d.at.isoformat()}
            for d in state.drafts
        ],
        "answers": [{"step": a.step + 1, "user": who(a.user), "text": a.text} for a in state.answers],
        "votes": [
            {"round": r.number, "version": v.version, "user": who(v.user), "choice": v.choice.value,
             "reason": v.reason}
            for r in state.rounds for v in r.votes
        ],
        "rounds": [
            {"round": r.number, "version": r.version, "outcome": r.outcome or "open"} for r in state.rounds
        ],
        "parked": [
            {"user": who(p.user), "text": p.text, "released": p.released, "at": p.at.isoformat()}
            for p in state.parked
        ],
        "tasks": [{"id": t.id, "owner": who(t.owner), "text": t.text, "status": t.status} for t in state.tasks],
    }


def to_markdown(state: ChannelState, script: Script) -> str:
    lang = state.language
    data = to_json(state)

    def t(key: str, **params: object) -> str:
        return script.text(lang, key, **params)

    out = [f"# {t('md_title', topic=state.topic or state.channel)}", ""]
    out.append(t("md_phase", phase=t(f"phase_{state.phase.value}")))
    out.append("")
    out.append(f"## {t('md_statement')}")
    if state.statement is not None:
        out += ["", "> " + data["statement"]["text"].replace("\n", "\n> "), "",
                t("md_agreed_at", version=data["statement"]["version"],
                  at=calendar(script, lang).moment(state.statement.agreed_at, state.timezone))]
    elif state.current_draft is not None:
        out += ["", t("md_not_agreed", version=state.current_draft.version), "",
                "> " + state.current_draft.text.replace("\n", "\n> ")]
    else:
        out += ["", t("md_none")]
    out += ["", f"## {t('md_answers')}"]
    for number, question in enumerate(script.questions(lang), start=1):
        answers = [a for a in data["answers"] if a["step"] == number]
        out += ["", f"### {number}. {question.title}"]
        out += [f"- **{a['user']}**: {a['text']}" for a in answers] or [f"- {t('md_none')}"]
    if data["votes"]:
        out += ["", f"## {t('md_votes')}", ""]
        out += [f"- v{v['version']} **{v['user']}**: {t('button_' + v['choice'])}"  # the label people voted with
                + (f" — {v['reason']}" if v["reason"] else "")
                for v in data["votes"]]
    out += ["", f"## {t('md_parked')}", ""]
    out += [f"- **{p['user']}**: {p['text']}" + (f" ({t('md_released')})" if p["released"] else "")
            for p in data["parked"]] or [f"- {t('md_none')}"]
    out += ["", f"## {t('md_tasks')}", ""]
    out += [f"- [{'x' if k['status'] == 'done' else ' '}] **{k['owner']}**: {k['text']}" for k in data["tasks"]] \
        or [f"- {t('md_none')}"]
    return "\n".join(out) + "\n"
