"""Editing a draft like a document: the Edit button, the offer of the current text to
edit, and what changed since the previous version.

The new version itself goes the one way every version goes (``agreement.draft``); this
module only says how an edit is offered and shown.
"""

from __future__ import annotations

from bot.core.context import Turn
from bot.core.model import AskDraft, Button, ButtonAction, ButtonPressed, Changes, CommandIssued, Draft
from bot.core.wordiff import word_diff

EDIT_COMMAND = "/problem draft"


def edit_button(turn: Turn, version: int) -> Button:
    """On a draft message: opens the draft for editing (a dialog on Slack)."""
    return turn.button("button_edit_draft", ButtonAction.DRAFT, str(version), EDIT_COMMAND)


def offer(turn: Turn, current: Draft) -> None:
    """Offer the sender the current draft to edit: a dialog with it filled in where the
    platform has one (the press's or command's trigger), else the draft and how to change it."""
    event, sender = turn.event, turn.sender
    text = "\n\n".join([
        turn.t("draft_show", version=current.version, text=current.text).rstrip(),
        turn.t("draft_edit_how"),
    ])
    turn.emit(AskDraft(
        user=sender.id,
        name=sender.name,
        text=text,
        message_id=getattr(event, "message_id", None),
        version=current.version,
        draft=current.text,
        title=turn.t("draft_title", version=current.version),
        language=turn.state.language,
        trigger=event.trigger if isinstance(event, ButtonPressed | CommandIssued) else None,
    ))


def changes(turn: Turn, previous: Draft | None, text: str, version: int) -> Changes | None:
    """What changed from ``previous`` to ``text`` (the new ``version``), short."""
    if previous is None:
        return None
    diff = word_diff(previous.text, text)
    before = previous.version
    if diff.unchanged:
        return Changes(turn.t("draft_changes_spacing", previous=before))
    if diff.rewritten:
        return Changes(turn.t("draft_changes_rewritten", previous=before, version=version))
    if diff.shown < diff.runs:
        return Changes(turn.t("draft_changes_some", previous=before, shown=diff.shown, count=diff.runs), diff.parts)
    return Changes(turn.t("draft_changes", previous=before), diff.parts)
