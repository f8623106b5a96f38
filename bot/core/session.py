"""Session life cycle and the analysis phase: start, questions, readiness, status, reset."""

from __future__ import annotations

import json
from dataclasses import replace

from bot.core import channel_language, checkins, draft_writer, parking, perspectives, redraft
from bot.core import export as exporting
from bot.core.context import Turn, resolve_user
from bot.core.model import (
    Answer,
    Button,
    ButtonAction,
    ChannelState,
    CommandIssued,
    Draft,
    DraftWritten,
    Edit,
    LanguageSource,
    MessageKind,
    Observed,
    PendingConfirm,
    Phase,
    Purge,
    TickKind,
    Unschedule,
    WriteDraft,
)


def start(turn: Turn, args: str) -> None:
    state = turn.state
    if state.phase is not Phase.IDLE:
        turn.tell("already_running", phase=turn.t(f"phase_{state.phase.value}"))
        return
    word = turn.event.command_word if isinstance(turn.event, CommandIssued) else ""
    chosen = turn.script.command_language(word)
    if chosen is not None:
        language, source = chosen, LanguageSource.CHOSEN
    else:
        language, source = channel_language.at_start(turn, state.language, state.language_source, args)
    sender = turn.sender
    turn.begin(ChannelState(
        channel=state.channel,
        language=language,
        language_source=source,
        phase=Phase.ANALYSIS,
        topic=args,
        facilitator=sender.id,
        participants={sender.id: sender.name},
        strictness=state.strictness,
        private_redirects=state.private_redirects,
        timezone=state.timezone,
        checkins=state.checkins,
        next_id=state.next_id,
        recent_events=state.recent_events,
        started_at=turn.now,
        perspectives=state.perspectives,  # people keep what they speak for from one session to the next
    ))
    topic = turn.t("topic_line", topic=args) if args else ""
    turn.post(
        turn.t("started", facilitator=sender.name, topic_line=topic, count=len(turn.questions)),
        title=turn.t("started_title"),
    )
    if language != state.language and source is LanguageSource.DETECTED:
        channel_language.announce(turn, state.language)
    ask_question(turn)


def ask_question(turn: Turn) -> None:
    question = turn.question
    number = turn.state.step + 1
    buttons = (
        turn.button("button_ready", ButtonAction.CMD, "ready", "/problem ready"),
        turn.button("button_next", ButtonAction.CMD, "next", "/problem next", "primary"),
    )
    turn.post(
        "\n".join([turn.t("question", prompt=question.prompt), *perspectives.room_lines(turn)]),
        kind=MessageKind.QUESTION,
        title=turn.t("question_title", number=number, total=len(turn.questions), title=question.title),
        buttons=buttons,
        key=f"question:{number}",
    )


def record_answer(turn: Turn, text: str) -> None:
    turn.join()
    answer = Answer(turn.state.step, turn.sender.id, text, turn.now)
    turn.update(answers=(*turn.state.answers, answer))
    channel_language.after_answer(turn)


def next_step(turn: Turn, args: str) -> None:
    if turn.state.phase is not Phase.ANALYSIS:
        turn.tell("next_not_in_analysis")
        return
    advance(turn)


def advance(turn: Turn) -> None:
    """Move to the next question, or from the last question to drafting."""
    if turn.state.step + 1 < len(turn.questions):
        turn.update(step=turn.state.step + 1, ready=frozenset())
        ask_question(turn)
        return
    text = draft_writer.write_draft(turn.state, turn.script) if turn.state.answers else ""
    if not text.strip():  # every question skipped: no empty version 1 to vote on
        turn.enter(Phase.DRAFTING, ready=frozenset())
        turn.post(turn.t("nothing_to_draft"), kind=MessageKind.DRAFT)
        return
    version = len(turn.state.drafts) + 1
    draft = Draft(version, text, "bot", turn.now)
    turn.enter(Phase.DRAFTING, ready=frozenset(), drafts=(*turn.state.drafts, draft))
    turn.post(
        turn.t("draft_composed", text=text, version=version),
        kind=MessageKind.DRAFT,
        title=turn.t("draft_title", version=version),
        buttons=(_open_vote(turn), redraft.edit_button(turn, version)),
        key=f"draft:{version}",
    )
    if turn.policy.draft_model:
        turn.emit(WriteDraft(version=version, instructions=draft_writer.model_instructions(turn.state, turn.script),
                             material=draft_writer.model_material(turn.state, turn.script),
                             cause=turn.event.event_id))


def draft_written(turn: Turn, event: DraftWritten) -> None:
    """A language model's version of the bot's draft replaces it, in place, while nobody has
    touched it yet (no other version, no vote); otherwise it comes too late and is dropped."""
    state = turn.state
    draft = state.current_draft
    text = draft_writer.usable(event.text)
    if (state.phase is not Phase.DRAFTING or draft is None or draft.version != event.version
            or draft.author != "bot" or state.open_round is not None or text is None):
        turn.emit(Observed(what="draft_model_dropped"))
        return
    text = draft_writer.with_credits(text, state, turn.script)
    turn.update(drafts=(*state.drafts[:-1], replace(draft, text=text, at=turn.now)))
    turn.emit(Edit(key=f"draft:{draft.version}", text=turn.t("draft_written", text=text, version=draft.version),
                   kind=MessageKind.DRAFT, title=turn.t("draft_title", version=draft.version),
                   buttons=(_open_vote(turn), redraft.edit_button(turn, draft.version))))
    turn.emit(Observed(what="draft_model_used"))


def _open_vote(turn: Turn) -> Button:
    return turn.button("button_open_vote", ButtonAction.CMD, "vote", "/problem vote", "primary")


def back(turn: Turn, args: str) -> None:
    state = turn.state
    if state.phase is Phase.DRAFTING:
        turn.enter(Phase.ANALYSIS, step=len(turn.questions) - 1, ready=frozenset())
    elif state.phase is Phase.ANALYSIS and state.step > 0:
        turn.update(step=state.step - 1, ready=frozenset())
    else:
        turn.tell("back_impossible")
        return
    ask_question(turn)


def ready(turn: Turn, args: str) -> None:
    if turn.state.phase is not Phase.ANALYSIS:
        turn.tell("next_not_in_analysis")
        return
    marked = turn.state.ready | {turn.sender.id}
    turn.update(ready=marked)
    waiting = [uid for uid in turn.state.participants if uid not in marked]
    if not waiting:
        turn.post(turn.t("all_ready"))
        advance(turn)
        return
    turn.tell("ready_noted", ready=len(marked), total=len(turn.state.participants),
              waiting=", ".join(turn.name(uid) for uid in waiting))


def status(turn: Turn, args: str) -> None:
    state = turn.state
    lines = [turn.t("status_phase", phase=turn.t(f"phase_{state.phase.value}"))]
    if state.phase is Phase.IDLE:
        lines.append(turn.t("status_idle"))
    else:
        lines.append(turn.t("status_facilitator", facilitator=turn.name(state.facilitator)))
    if state.phase is Phase.ANALYSIS:
        contributed = {a.user for a in state.answers if a.step == state.step}
        lines.append(turn.t("status_question", number=state.step + 1, total=len(turn.questions),
                            title=turn.question.title))
        lines.append(turn.t("status_contributed", count=len(contributed), total=len(state.participants),
                            names=", ".join(turn.name(u) for u in contributed) or "-"))
        lines += perspectives.room_lines(turn)
    if state.current_draft is not None and state.phase in (Phase.DRAFTING, Phase.VOTING):
        # What is being worked on now, not the statement agreed before a reopen.
        lines.append(turn.t("status_draft", version=state.current_draft.version, text=state.current_draft.text))
    vote_round = state.open_round
    if vote_round is not None:
        voted = {v.user for v in vote_round.votes}
        lines.append(turn.t("status_votes", voted=len(voted), total=len(state.participants),
                            waiting=", ".join(turn.name(u) for u in state.participants if u not in voted) or "-"))
    if state.statement is not None and state.phase is Phase.AGREED:
        lines.append(turn.t("status_statement", version=state.statement.version, text=state.statement.text))
    if state.perspectives:
        lines.append(turn.t("status_perspectives", people=", ".join(
            f"{turn.name(user)}: {discipline}" for user, discipline in state.perspectives.items()
            if user in state.participants) or "-"))
    lines += perspectives.balance_lines(turn)
    lines.append(turn.t("status_guard", strictness=parking.strictness_word(turn, state.strictness),
                        parked=sum(1 for p in state.parked if not p.released)))
    if state.checkins.next_at is not None:
        lines.append(turn.t("status_checkin", next=checkins.when(turn, state.checkins.next_at)))
    for item in state.observed[-5:]:
        lines.append(turn.t("status_observed", user=turn.name(item.user), text=item.text, cue=item.cue))
    turn.tell_text("\n".join(lines))


def lang(turn: Turn, args: str) -> None:
    choice = args.strip().lower()
    if choice not in turn.script.packs:
        turn.tell("lang_usage", languages=" | ".join(turn.script.languages))
        return
    turn.update(language=choice, language_source=LanguageSource.CHOSEN)
    turn.post(turn.t("lang_set", name=turn.script.pack(choice).name))


def help_(turn: Turn, args: str) -> None:
    turn.tell("help")


def _confirmed(turn: Turn, args: str, command: str) -> bool:
    """Two-step commands: the first call asks; the same person's ``<command> confirm`` proceeds."""
    pending = PendingConfirm(command, turn.sender.id)
    if turn.script.means("confirm", args.strip()) and turn.state.pending_confirm == pending:
        turn.update(pending_confirm=None)
        return True
    turn.update(pending_confirm=pending)
    confirm = turn.script.word(turn.state.language, "confirm")
    turn.tell_text(turn.t(f"{command}_confirm"),
                   (turn.button(f"button_confirm_{command}", ButtonAction.CMD, f"{command} {confirm}",
                                f"/problem {command} {confirm}", "danger"),))
    return False


def reset(turn: Turn, args: str) -> None:
    """End the session; channel settings (language, guard, time zone, check-in rule) stay."""
    if not _confirmed(turn, args, "reset"):
        return
    state = turn.state
    checkins = replace(state.checkins, vote_deadline=None, review_at=None)
    turn.begin(ChannelState(channel=state.channel, language=state.language,
                            language_source=state.language_source, strictness=state.strictness,
                            private_redirects=state.private_redirects, timezone=state.timezone,
                            checkins=checkins, next_id=state.next_id, recent_events=state.recent_events,
                            perspectives=state.perspectives))
    turn.emit(Unschedule(kind=TickKind.VOTE_DEADLINE))
    turn.emit(Unschedule(kind=TickKind.REVIEW))
    turn.post(turn.t("reset_done", user=turn.sender.name))


def purge(turn: Turn, args: str) -> None:
    """Really delete this channel's content (answers, drafts, votes, parked, tasks, sent messages,
    and its settings: language, time zone, check-ins).

    Anyone may purge a channel where no session runs (a team's right to be forgotten);
    while one runs, only its facilitator may.
    """
    if turn.state.phase is not Phase.IDLE and not turn.steers():
        return
    if not _confirmed(turn, args, "purge"):
        return
    state = turn.state
    done = turn.t("purge_done", user=turn.sender.name)  # in the language the team chose
    # Its settings are the channel's too: it starts again as a new channel would.
    turn.begin(ChannelState(channel=state.channel, language=turn.script.default_language,
                            timezone=turn.policy.timezone, recent_events=state.recent_events))
    turn.emit(Purge())
    turn.post(done)


def hand_over(turn: Turn, args: str) -> None:
    target = resolve_user(turn, args)
    if target is None:
        turn.tell("facilitator_usage")
        return
    turn.update(facilitator=target)
    turn.post(turn.t("facilitator_set", user=turn.name(target)))


def export(turn: Turn, args: str) -> None:
    kind = turn.script.means("export", args.strip()) if args.strip() else "md"
    if kind == "json":
        turn.tell_text(json.dumps(exporting.to_json(turn.state), ensure_ascii=False, indent=2))
    elif kind == "md":
        turn.tell_text(exporting.to_markdown(turn.state, turn.script))
    else:
        turn.tell("export_usage")
