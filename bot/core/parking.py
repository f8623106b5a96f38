"""The guard, the parking lot and, after agreement, the task list.

Before agreement a message that divides or claims work is answered with a short redirect
and parked; nothing is lost: parked items come back as candidate tasks once the
statement is agreed, and a false positive is released with one command or button.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.context import Turn, resolve_user
from bot.core.guard import Lesson, detect
from bot.core.model import (
    Answer,
    Button,
    ButtonAction,
    CommandIssued,
    MessageKind,
    Observed,
    ParkedItem,
    Phase,
    React,
    Redirected,
    Said,
    Strictness,
    Task,
    TaskStatus,
    TextMessage,
)
from bot.core.text import excerpt

OBSERVED_KEPT = 20
LESSONS_KEPT = 100  # a channel's corrections the guard remembers (the oldest go first)
MAX_CANDIDATE_BUTTONS = 20  # Slack shows at most 25 elements in a row of buttons
BEFORE_AGREEMENT = (Phase.ANALYSIS, Phase.DRAFTING, Phase.VOTING)


def held_back(turn: Turn, text: str, message_id: str | None) -> bool:
    """Run the guard on a chat message; park and redirect it when it is task talk."""
    state = turn.state
    if state.phase not in BEFORE_AGREEMENT or state.strictness is Strictness.OFF:
        return False
    before = state.last_said
    turn.update(last_said=Said(turn.sender.id, text, message_id))
    model = turn.policy.guard
    if model is None:
        return False
    context = before.text if before is not None and before.user != turn.sender.id else None
    event = turn.event
    if isinstance(event, TextMessage) and event.replying_to:
        context = event.replying_to
    verdict = detect(text, model, tuple(state.participants.values()), context=context, lessons=state.lessons)
    if state.strictness is Strictness.OBSERVE:
        if verdict.holds(Strictness.GENTLE):
            item = ParkedItem(0, turn.sender.id, text, turn.now, verdict.cue or "")
            turn.update(observed=(*state.observed, item)[-OBSERVED_KEPT:])
            turn.emit(Observed(what="guard_observed", detail=_why(verdict.lesson)))
        return False
    if not verdict.holds(state.strictness):
        return False
    park(turn, text, verdict.cue or "", message_id, _why(verdict.lesson))
    return True


def _why(lesson: Lesson | None) -> str:
    """What decided a hold, for the debug log: the model, or the channel's own lesson (never the words)."""
    return "model" if lesson is None else "lesson"


def learn(turn: Turn, text: str, task_talk: bool) -> None:
    """Remember a correction: the next message very like ``text`` gets this label in this channel."""
    kept = tuple(lesson for lesson in turn.state.lessons if lesson.text != text)
    lesson = Lesson(text, task_talk, turn.sender.id, turn.now)
    turn.update(lessons=(*kept, lesson)[-LESSONS_KEPT:])


def park_by_hand(turn: Turn, args: str) -> None:
    """``/problem park``: the message just before (or the one this replies to) was task talk
    the guard let through.

    It is parked as the guard would have, with its author's name, and the channel's guard
    learns from it. The facilitator's call (or its author's own).
    """
    event = turn.event
    said = event.replying_to if isinstance(event, CommandIssued) and event.replying_to else turn.state.last_said
    if args.strip() or said is None:
        turn.tell("park_usage")
        return
    if said.user != turn.sender.id and not turn.is_facilitator:
        turn.tell("park_not_yours", facilitator=turn.name(turn.state.facilitator))
        return
    if turn.state.phase not in BEFORE_AGREEMENT:
        turn.tell("park_after_agreement")
        return
    learn(turn, said.text, True)
    if any(p.text == said.text and p.user == said.user for p in turn.state.parked):
        turn.tell("park_already")
        return
    item = ParkedItem(turn.next_id(), said.user, said.text, turn.now, said.text, said.message_id)
    answers = turn.state.answers
    counted = next((i for i in range(len(answers) - 1, -1, -1)
                    if answers[i].user == said.user and answers[i].text == said.text), None)
    if counted is not None:  # it was taken as an answer: now it waits in the parking lot instead
        answers = answers[:counted] + answers[counted + 1:]
    turn.update(parked=(*turn.state.parked, item), answers=answers)
    turn.emit(Observed(what="guard_held", detail="by_hand"))
    author = turn.state.participants.get(said.user) or said.name or said.user
    turn.post(turn.t("parked_by_hand", id=item.id, user=author, quote=excerpt(said.text)))


def _store(turn: Turn, text: str, cue: str, message_id: str | None, why: str) -> ParkedItem:
    turn.join()
    item = ParkedItem(turn.next_id(), turn.sender.id, text, turn.now, cue, message_id)
    turn.update(parked=(*turn.state.parked, item))
    turn.emit(Observed(what="guard_held", detail=why))
    return item


def park(turn: Turn, text: str, cue: str, message_id: str | None, why: str) -> ParkedItem:
    item = _store(turn, text, cue, message_id, why)
    if _light_touch(turn, item, message_id):
        return item
    if turn.state.phase is Phase.ANALYSIS:
        where = turn.t("redirect_question", title=turn.question.title)
    else:
        where = turn.t("redirect_statement")
    text_out = turn.t("redirect", user=turn.sender.name, quote=excerpt(cue or text), cue=cue or "…", where=where,
                      id=item.id)
    button = turn.button("button_not_task", ButtonAction.RELEASE, str(item.id), f"/problem notask {item.id}")
    if turn.state.private_redirects:
        turn.tell_text(text_out, (button,))
    else:
        turn.reply_text(text_out, kind=MessageKind.REDIRECT, buttons=(button,))
    return item


def _light_touch(turn: Turn, item: ParkedItem, message_id: str | None) -> bool:
    """After someone's full redirect, their next few held messages (within the policy's window)
    get a reaction or one short line: the explanation once, not a lecture each time.

    Returns False when the full redirect is due (and records it as the person's last).
    """
    user, policy = turn.sender.id, turn.policy
    last = next((r for r in turn.state.redirected if r.user == user), None)
    others = tuple(r for r in turn.state.redirected if r.user != user)
    if (last is None or last.light >= policy.redirect_light_touches
            or turn.now - last.at >= policy.redirect_light_window):
        turn.update(redirected=(*others, Redirected(user, turn.now)))
        return False
    turn.update(redirected=(*others, replace(last, light=last.light + 1)))
    line = turn.t("redirect_light", id=item.id)
    event = turn.event
    if turn.state.private_redirects or message_id is None or not isinstance(event, TextMessage):
        turn.tell_text(line)
    else:
        turn.emit(React(text=line, message_id=message_id, thread_id=event.thread_id, kind=MessageKind.REDIRECT,
                        name="parked"))
    return True


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
    turn.emit(Observed(what="guard_released", detail="released"))
    learn(turn, item.text, False)
    if turn.state.phase is Phase.ANALYSIS:
        answer = Answer(turn.state.step, item.user, item.text, turn.now)
        turn.update(answers=(*turn.state.answers, answer))
        turn.tell("released_as_answer", id=item.id, title=turn.question.title)
    else:
        turn.tell("released", id=item.id)


def task(turn: Turn, args: str) -> None:
    first, _, rest = args.partition(" ")
    from_parked = turn.script.means("from_parked", first) is not None
    if turn.state.phase is not Phase.AGREED:
        if from_parked:
            turn.tell("tasks_before_agreement")
        elif not args:
            turn.tell("task_usage")
        else:  # the proposal itself waits, not the command that carried it
            item = _store(turn, args, "task", getattr(turn.event, "message_id", None), "task")
            turn.tell("task_parked", id=item.id)
        return
    if from_parked:
        task_from_parked(turn, rest)
        return
    owner_text, _, text = args.partition(" ")
    if not owner_text.startswith(("@", "<@")) or not text.strip():
        turn.tell("task_usage")
        return
    owner = resolve_user(turn, owner_text) or owner_text.lstrip("<@").rstrip(">")
    new = Task(next_task_number(turn), owner, text.strip(), turn.sender.id, turn.now)
    turn.update(tasks=(*turn.state.tasks, new))
    turn.post(turn.t("task_added", id=new.id, owner=turn.name(owner), text=new.text))


def task_from_parked(turn: Turn, args: str) -> None:
    """``<n> [@owner]``: a parked proposal becomes a task without retyping it.

    Its owner is whoever it named first (``/problem task @bob …`` parked before agreement),
    else its author, unless the command names someone.
    """
    number, _, owner_text = args.strip().partition(" ")
    item = next((p for p in turn.state.parked if str(p.id) == number.lstrip("#")), None)
    if item is None:
        turn.tell("task_from_parked_usage" if not number else "parked_unknown", id=number)
        return
    if item.task is not None:
        turn.tell("parked_already_task", id=item.id, task=item.task)
        return
    named, _, rest = item.text.partition(" ")
    owner, text = item.user, item.text
    mentioned = resolve_user(turn, named) if named.startswith(("@", "<@")) and rest.strip() else None
    if mentioned is not None:
        owner, text = mentioned, rest.strip()
    if owner_text.strip():
        owner = resolve_user(turn, owner_text) or owner_text.strip().lstrip("<@").rstrip(">")
    new = Task(next_task_number(turn), owner, text, turn.sender.id, turn.now)
    turn.update(tasks=(*turn.state.tasks, new),
                parked=tuple(replace(p, task=new.id) if p.id == item.id else p for p in turn.state.parked))
    turn.post(turn.t("task_added", id=new.id, owner=turn.name(owner), text=new.text))


def candidate_buttons(turn: Turn, items: list[ParkedItem]) -> tuple[Button, ...]:
    """One "Make this a task" per parked proposal (where buttons do not exist: the command)."""
    word = turn.script.word(turn.state.language, "from_parked")
    return tuple(
        Button(turn.t("button_make_task", id=p.id), ButtonAction.CMD, f"task {word} {p.id}",
               turn.typed(f"/problem task {word} {p.id}"))
        for p in items[:MAX_CANDIDATE_BUTTONS]
    )


def next_task_number(turn: Turn) -> int:
    """Tasks have numbers of their own (the first is task 1); a state stored before they did
    keeps its tasks' numbers, and the next one follows the highest."""
    return max((t.id for t in turn.state.tasks), default=0) + 1


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
