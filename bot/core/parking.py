"""The guard, the parking lot and, after agreement, the task list.

Before agreement a message that divides or claims work is answered with a short redirect
and parked; nothing is lost: parked items come back as candidate tasks once the
statement is agreed, and a false positive is released with one command or button.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.context import Turn, resolve_user
from bot.core.guard import detect
from bot.core.model import (
    Answer,
    ButtonAction,
    MessageKind,
    Observed,
    ParkedItem,
    Phase,
    Strictness,
    Task,
    TaskStatus,
)
from bot.core.text import excerpt

OBSERVED_KEPT = 20
BEFORE_AGREEMENT = (Phase.ANALYSIS, Phase.DRAFTING, Phase.VOTING)


def held_back(turn: Turn, text: str, message_id: str | None) -> bool:
    """Run the guard on a chat message; park and redirect it when it is task talk."""
    state = turn.state
    if state.phase not in BEFORE_AGREEMENT or state.strictness is Strictness.OFF:
        return False
    verdict = detect(text, names=tuple(state.participants.values()))
    if state.strictness is Strictness.OBSERVE:
        if verdict.holds(Strictness.GENTLE):
            item = ParkedItem(0, turn.sender.id, text, turn.now, verdict.cue or "")
            turn.update(observed=(*state.observed, item)[-OBSERVED_KEPT:])
            turn.emit(Observed(what="guard_observed", detail=verdict.cue or ""))
        return False
    if not verdict.holds(state.strictness):
        return False
    park(turn, text, verdict.cue or "", message_id)
    return True


def park(turn: Turn, text: str, cue: str, message_id: str | None) -> ParkedItem:
    turn.join()
    item = ParkedItem(turn.next_id(), turn.sender.id, text, turn.now, cue, message_id)
    turn.update(parked=(*turn.state.parked, item))
    turn.emit(Observed(what="guard_held", detail=cue))
    if turn.state.phase is Phase.ANALYSIS:
        where = turn.t("redirect_question", title=turn.question.title)
    else:
        where = turn.t("redirect_statement")
    text_out = turn.t("redirect", user=turn.sender.name, quote=excerpt(text), cue=cue or "…", where=where,
                      id=item.id)
    button = turn.button("button_not_task", ButtonAction.RELEASE, str(item.id), f"/problem notask {item.id}")
    if turn.state.private_redirects:
        turn.tell_text(text_out, (button,))
    else:
        turn.reply_text(text_out, kind=MessageKind.REDIRECT, buttons=(button,))
    return item


def redirect(turn: Turn, args: str) -> None:
    """Choose where redirects go: a reply in the message's thread, or a private note."""
    choice = turn.script.means("redirect", args.strip())
    if choice is None:
        turn.tell("redirect_usage")
        return
    if not turn.steers():
        return
    turn.update(private_redirects=choice == "private")
    turn.post(turn.t(f"redirect_set_{choice}"))


def guard(turn: Turn, args: str) -> None:
    choice = args.strip()
    if not choice:
        turn.tell("guard_current", strictness=strictness_word(turn, turn.state.strictness))
        return
    level = turn.script.means("guard", choice)
    if level is None:
        turn.tell("guard_usage")
        return
    if not turn.steers():
        return
    strictness = Strictness(level)
    turn.update(strictness=strictness)
    turn.post(turn.t(f"guard_set_{strictness.value}"))


def strictness_word(turn: Turn, strictness: Strictness) -> str:
    """The guard's level as the channel's language writes it (``streng``)."""
    return turn.script.word(turn.state.language, "guard", strictness.value)


def parked(turn: Turn, args: str) -> None:
    items = turn.state.parked
    if not items:
        turn.tell("parked_empty")
        return
    lines = [
        turn.t("parked_line_released" if p.released else "parked_line", id=p.id, user=turn.name(p.user), text=p.text)
        for p in items
    ]
    turn.tell_text(turn.t("parked_header", count=len(items)) + "\n" + "\n".join(lines))


def notask(turn: Turn, args: str) -> None:
    if args.strip():
        release_button(turn, args.strip())
        return
    mine = [p for p in turn.state.parked if p.user == turn.sender.id and not p.released]
    if not mine:
        turn.tell("notask_nothing")
        return
    _release(turn, mine[-1])


def release_button(turn: Turn, value: str) -> None:
    item = next((p for p in turn.state.parked if str(p.id) == value.lstrip("#")), None)
    if item is None:
        turn.tell("parked_unknown", id=value)
        return
    if item.released:
        turn.tell("already_released", id=item.id)
        return
    if item.user != turn.sender.id and not turn.is_facilitator:
        turn.tell("release_not_yours", user=turn.name(item.user),
                  facilitator=turn.name(turn.state.facilitator))
        return
    _release(turn, item)


def _release(turn: Turn, item: ParkedItem) -> None:
    """Undo a false positive: the message counts as a normal contribution."""
    released = replace(item, released=True, released_by=turn.sender.id)
    turn.update(parked=tuple(released if p.id == item.id else p for p in turn.state.parked))
    turn.emit(Observed(what="guard_released", detail=item.cue))
    if turn.state.phase is Phase.ANALYSIS:
        answer = Answer(turn.state.step, item.user, item.text, turn.now)
        turn.update(answers=(*turn.state.answers, answer))
        turn.tell("released_as_answer", id=item.id, title=turn.question.title)
    else:
        turn.tell("released", id=item.id)


def task(turn: Turn, args: str) -> None:
    if turn.state.phase is not Phase.AGREED:
        if not args:
            turn.tell("task_usage")
            return
        park(turn, f"/problem task {args}", "task", getattr(turn.event, "message_id", None))
        return
    owner_text, _, text = args.partition(" ")
    if not owner_text.startswith(("@", "<@")) or not text.strip():
        turn.tell("task_usage")
        return
    owner = resolve_user(turn, owner_text) or owner_text.lstrip("<@").rstrip(">")
    new = Task(turn.next_id(), owner, text.strip(), turn.sender.id, turn.now)
    turn.update(tasks=(*turn.state.tasks, new))
    turn.post(turn.t("task_added", id=new.id, owner=turn.name(owner), text=new.text))


def tasks(turn: Turn, args: str) -> None:
    if not turn.state.tasks:
        key = "tasks_empty" if turn.state.phase is Phase.AGREED else "tasks_before_agreement"
        turn.tell(key)
        return
    lines = [
        turn.t("task_line_done" if t.status is TaskStatus.DONE else "task_line", id=t.id, owner=turn.name(t.owner),
               text=t.text)
        for t in turn.state.tasks
    ]
    turn.tell_text(turn.t("tasks_header") + "\n" + "\n".join(lines))


def done(turn: Turn, args: str) -> None:
    wanted = args.strip().lstrip("#")
    item = next((t for t in turn.state.tasks if str(t.id) == wanted), None)
    if item is None:
        turn.tell("task_unknown", id=wanted or "?")
        return
    if item.status is TaskStatus.DONE:
        turn.tell("task_already_done", id=item.id)
        return
    finished = replace(item, status=TaskStatus.DONE)
    turn.update(tasks=tuple(finished if t.id == item.id else t for t in turn.state.tasks))
    turn.post(turn.t("task_done", id=item.id, owner=turn.name(item.owner), text=item.text, user=turn.sender.name))
