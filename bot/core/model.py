"""Value objects shared by the engine, the service layer and the adapters.

Everything here is a frozen dataclass of plain data so the engine stays pure and the
storage layer can serialise it to JSON (a channel's state as a head document plus one
row per answer, draft, parked item and task).

Channel keys are platform-qualified strings (``console:demo``, ``slack:T1:C1``,
``telegram:-1001``); the part before the first colon names the platform whose
transport delivers that channel's messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.card import StatementCard
from bot.core.guard import Lesson, TaskTalkModel


class Phase(StrEnum):
    IDLE = "idle"
    ANALYSIS = "analysis"
    DRAFTING = "drafting"
    VOTING = "voting"
    AGREED = "agreed"


class Strictness(StrEnum):
    OFF = "off"
    OBSERVE = "observe"
    GENTLE = "gentle"
    STRICT = "strict"


class LanguageSource(StrEnum):
    """Why a channel speaks its language: only a language nobody chose follows how people write."""

    DEFAULT = "default"  # the deployment's language, or a purged channel's
    CHOSEN = "chosen"  # /problem lang, or a session started with another language's command (/probleem)
    DETECTED = "detected"  # the topic or the first answers were clearly in this language


class Choice(StrEnum):
    AGREE = "agree"
    CONCERN = "concern"
    OBJECT = "object"
    ABSTAIN = "abstain"


class TickKind(StrEnum):
    """What a scheduled wake-up is for (also the ``kind`` text of the wakeups table)."""

    CHECKIN = "checkin"
    CHECKIN_MISSED = "checkin_missed"  # the shell found the check-in slot too late to post
    REVIEW = "review"
    VOTE_DEADLINE = "vote_deadline"


class ButtonAction(StrEnum):
    CMD = "cmd"  # the value is a subcommand with its arguments
    VOTE = "vote"  # "<choice>:<version>"
    RELEASE = "release"  # the id of a parked message
    DRAFT = "draft"  # "<version>": edit that draft; with ``text``, the edited text is the next version


class MessageKind(StrEnum):
    """What a message is, so a platform may render it differently."""

    QUESTION = "question"
    DRAFT = "draft"
    VOTE = "vote"
    RESULT = "result"
    REDIRECT = "redirect"
    CHECKIN = "checkin"
    INFO = "info"


class Outcome(StrEnum):
    AGREED = "agreed"
    OBJECTED = "objected"
    NO_QUORUM = "no_quorum"
    SUPERSEDED = "superseded"  # a newer draft was proposed while the round was open


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


def platform_of(channel: str) -> str:
    """The platform prefix of a channel key (``slack:T1:C1`` -> ``slack``)."""
    return channel.split(":", 1)[0]


# --------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class Sender:
    """Who caused an event. ``id`` is the stable platform user id; ``name`` is for display."""

    id: str
    name: str
    is_admin: bool = False  # platform channel/workspace admin (may act as facilitator)
    title: str = ""  # what the platform's profile says the person does (Slack's title): offered by /problem iam


@dataclass(frozen=True, slots=True, kw_only=True)
class TextMessage:
    """A plain chat message in the channel (or in a thread of it)."""

    event_id: str
    channel: str
    sender: Sender
    text: str
    message_id: str | None = None
    thread_id: str | None = None
    # The draft version whose message this replies to (Telegram): the reply is the next
    # version when that draft is still the current one, else an ordinary message.
    draft_reply: int | None = None
    # The text of the person's message this one replies to, where the platform says (Telegram):
    # the guard reads a short reply with it ("who takes the schools?" → "I can").
    replying_to: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandIssued:
    """``/problem <text>``; ``text`` is everything after the command word.

    ``command_word`` is that word as the adapter saw it, without the slash (``probleem``):
    the engine knows from the language files which language it belongs to.
    """

    event_id: str
    channel: str
    sender: Sender
    text: str
    command_word: str = ""
    message_id: str | None = None
    thread_id: str | None = None
    trigger: str | None = None  # as in ButtonPressed: Slack's trigger_id, to answer with a dialog
    # The person's message this command replies to, where the platform says (Telegram):
    # ``/problem park`` as a reply parks that message.
    replying_to: Said | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonPressed:
    """A button from one of our messages. ``text`` carries a typed reason (modal/reply).

    ``trigger`` is an opaque handle the platform gave the press for answering it with a
    dialog (Slack's ``trigger_id``, valid for seconds); the engine only hands it on, in
    :class:`AskReason`.
    """

    event_id: str
    channel: str
    sender: Sender
    action: ButtonAction
    value: str
    text: str | None = None
    message_id: str | None = None
    trigger: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Tick:
    """A scheduled wake-up for a channel (check-in, vote deadline, review)."""

    event_id: str
    channel: str
    kind: TickKind


@dataclass(frozen=True, slots=True, kw_only=True)
class Throttled:
    """A command or button the shell refused because its sender floods the channel.

    ``notify`` is true for the first refusal of a burst, so the sender is told once.
    """

    event_id: str
    channel: str
    sender: Sender
    notify: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftWritten:
    """The draft a language model wrote for ``version`` (asked for by :class:`WriteDraft`).

    The shell sends it only when the model answered with usable text; the engine takes it
    only while that version is still the bot's own, unvoted draft.
    """

    event_id: str
    channel: str
    version: int
    text: str


InboundEvent = TextMessage | CommandIssued | ButtonPressed | Tick | Throttled | DraftWritten


# --------------------------------------------------------------------------- effects


@dataclass(frozen=True, slots=True)
class Button:
    """A button; ``command`` is the typed equivalent shown where buttons do not exist."""

    label: str
    action: ButtonAction
    value: str
    command: str
    style: str | None = None  # "primary" | "danger" | None


@dataclass(frozen=True, slots=True)
class Mention:
    """A person named in a message's text, so a platform can turn the name into a real mention."""

    user: str
    name: str


class ChangeKind(StrEnum):
    SAME = "same"
    ADDED = "added"
    REMOVED = "removed"
    GAP = "gap"  # unchanged words left out between two changes


@dataclass(frozen=True, slots=True)
class Change:
    """A run of words of a word-level diff, marked up by each platform its own way."""

    kind: ChangeKind
    text: str = ""


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed since the previous draft version: ``label`` (a sentence), then ``parts``
    (none when the label says it all: rewritten, or nothing changed)."""

    label: str
    parts: tuple[Change, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Post:
    """A public message in the channel. ``key`` names it so it can be edited later."""

    text: str
    kind: MessageKind = MessageKind.INFO
    title: str | None = None
    buttons: tuple[Button, ...] = ()
    key: str | None = None
    mentions: tuple[Mention, ...] = ()  # people named in ``text`` whom the platform should notify
    changes: Changes | None = None  # a new draft version: shown after ``text``


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """A reply to one user message (in its thread where the platform has threads)."""

    text: str
    message_id: str | None
    thread_id: str | None = None
    kind: MessageKind = MessageKind.INFO
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class React(Reply):
    """A light touch on one user message: a reaction where the platform has them.

    ``name`` says what the reaction means (``parked``); each platform picks its emoji. It is
    a :class:`Reply` whose ``text`` is one short line, so a platform without reactions (or
    one that refuses this reaction) says that line instead.
    """

    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Notify:
    """A note meant for one user only (ephemeral where possible, else a reply).

    ``name`` is the user's display name, for platforms that address the note by mention.
    """

    user: str
    text: str
    name: str = ""
    message_id: str | None = None
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class AskReason(Notify):
    """Ask ``user`` why they have a concern about (or object to) ``version``.

    Only the engine decides that a vote needs a reason; each platform asks its own way (a
    dialog, a reply prompt, the command to type). It is a :class:`Notify` whose ``text``
    says how to give the reason by ``command``, so where no dialog can be shown the note
    still tells the user what to do. ``language`` is the channel's, for the platform's own
    texts; ``trigger`` the pressed button's (see :class:`ButtonPressed`).
    """

    choice: Choice
    version: int
    command: str
    language: str
    trigger: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AskDraft(Notify):
    """Offer ``user`` the current draft (``version``, ``draft``) to edit.

    Like :class:`AskReason`: Slack opens a dialog with the draft filled in (with
    ``trigger``), Telegram a reply prompt titled ``title``; elsewhere it is the note ``text``
    (the draft and how to propose a new version). The edited text comes back as a
    ``ButtonPressed(DRAFT, "<version>", text=…)``, so an edit of an old version is refused.
    """

    version: int
    draft: str
    title: str
    language: str
    trigger: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Edit:
    """Replace the text of an earlier keyed ``Post`` (e.g. the vote count)."""

    key: str
    text: str
    kind: MessageKind = MessageKind.INFO
    title: str | None = None
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    """Ask the shell to send a ``Tick(kind)`` to this channel at ``at`` (UTC)."""

    kind: TickKind
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Unschedule:
    kind: TickKind


@dataclass(frozen=True, slots=True, kw_only=True)
class Observed:
    """Something the shell may count (guard held/released/observed); never shown to users."""

    what: str
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Purge:
    """Delete everything stored about this channel's content; only the fact stays in the log."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WriteDraft:
    """Ask the shell to have the deployment's language model write draft ``version``.

    ``instructions`` and ``material`` (the topic, the questions, the answers with their
    authors' names and disciplines) are all it may send; its answer comes back as a
    :class:`DraftWritten` whose id is ``draft-model:<cause>`` (``cause``: the event that made
    the draft). Nothing comes back when the model fails: the offline draft stands.
    """

    version: int
    instructions: str
    material: str
    cause: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PostCard:
    """The statement card, a picture, posted in the channel.

    ``text`` goes with it (Slack's alt text, Telegram's caption, the console's line): the
    statement in words, for whoever cannot see the picture. The platform draws ``card`` with
    the drawing the app hands it.
    """

    card: StatementCard
    text: str
    buttons: tuple[Button, ...] = ()  # none today; every outbound message has the field


@dataclass(frozen=True, slots=True, kw_only=True)
class PrivateNote(Notify):
    """A note only ``user`` may see, even where the channel has no private replies (Telegram):
    there it is a direct message, and where that cannot be sent the channel gets ``fallback``
    instead (which says how to make it possible), never ``text``."""

    fallback: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SharePage:
    """Give ``user`` a private link to this channel's session page, valid until ``until``.

    The core has no randomness: the shell mints the link (random, signed, stored), writes it
    into ``text`` for ``{link}`` and sends it as a :class:`PrivateNote` in the same transaction.
    """

    user: str
    name: str
    text: str
    fallback: str
    until: datetime
    base_url: str  # the link is <base_url>/page/<token>
    message_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RevokePages:
    """This channel's page links stop working: ``user``'s, or every one (None)."""

    user: str | None = None


# An AskReason, AskDraft or PrivateNote is a Notify, a React a Reply: stored as one.
OutboundMessage = Post | Reply | Notify | Edit | PostCard
Effect = (Post | Reply | Notify | Edit | PostCard | Schedule | Unschedule | Observed | Purge | WriteDraft | SharePage
          | RevokePages)


# --------------------------------------------------------------------------- state


@dataclass(frozen=True, slots=True)
class Answer:
    step: int
    user: str
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Draft:
    version: int
    text: str
    author: str  # user id, or "bot" for the composed draft
    at: datetime


@dataclass(frozen=True, slots=True)
class Vote:
    user: str
    choice: Choice
    version: int
    reason: str = ""
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class VoteRound:
    number: int
    version: int
    opened_by: str
    opened_at: datetime
    deadline: datetime | None = None
    votes: tuple[Vote, ...] = ()
    outcome: Outcome | None = None  # None while open
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Statement:
    text: str
    version: int
    agreed_at: datetime


@dataclass(frozen=True, slots=True)
class Said:
    """A chat message kept as the context of the next one ("who takes the schools?" → "I can")."""

    user: str
    text: str
    message_id: str | None = None
    name: str = ""  # the author's display name, for an author who is not a participant yet


@dataclass(frozen=True, slots=True)
class ParkedItem:
    id: int
    user: str
    text: str
    at: datetime
    cue: str = ""
    message_id: str | None = None
    released: bool = False
    released_by: str | None = None
    task: int | None = None  # the task made from it after agreement; it does not come back again


@dataclass(frozen=True, slots=True)
class Task:
    id: int
    owner: str
    text: str
    created_by: str
    at: datetime
    status: TaskStatus = TaskStatus.OPEN


@dataclass(frozen=True, slots=True)
class CheckinState:
    """Scheduled check-ins and deadlines of one channel (times in UTC, rules in local time)."""

    rule: str = ""  # canonical schedule, e.g. "weekly mon 09:00"; "" = no check-ins
    paused_until: str | None = None  # ISO date (local) on which check-ins resume
    mentions: bool = True  # mention people who have not contributed yet
    vote_deadline: datetime | None = None
    review_at: datetime | None = None
    last_posted_at: datetime | None = None
    last_activity_at: datetime | None = None
    backed_off: bool = False  # said "nothing new" once; quiet until something changes
    next_at: datetime | None = None  # the slot the shell was asked to wake us for
    unanswered: int = 0  # check-ins in a row that were followed by no activity
    last_mentioned_at: datetime | None = None  # the last check-in that mentioned people


@dataclass(frozen=True, slots=True)
class Policy:
    """A deployment's choices the engine applies; the app builds it from settings (the core reads none)."""

    # A check-in mentions people at most once per this long in a channel (0: no limit), so
    # that asking again and again cannot page a whole team again and again.
    checkin_mention_cooldown: timedelta = timedelta(minutes=60)
    # Someone whose task talk was held back gets the full redirect once; their next held
    # messages within the window (at most this many) get a light touch instead of a lecture.
    redirect_light_touches: int = 3
    redirect_light_window: timedelta = timedelta(minutes=30)
    timezone: str = "UTC"  # of a channel that starts afresh (new, or purged)
    draft_model: bool = False  # a language model may rewrite version 1 of the draft (WriteDraft)
    # The learned task-talk model the shell read from its file; without one the guard holds nothing.
    guard: TaskTalkModel | None = None
    # Session pages: the public URL of the HTTP server that serves them ("": none is served
    # here), and how long a link works.
    page_url: str = ""
    page_lifetime: timedelta = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Redirected:
    """When ``user`` last got the full redirect, and how many light touches followed it."""

    user: str
    at: datetime
    light: int = 0


@dataclass(frozen=True, slots=True)
class PendingConfirm:
    """``command`` (reset, purge) asked ``user`` to confirm; only that user's confirmation counts."""

    command: str
    user: str


@dataclass(frozen=True, slots=True)
class ChannelState:
    """Everything the engine knows about one channel. Replaced, never mutated."""

    channel: str
    language: str = "en"
    language_source: LanguageSource = LanguageSource.DEFAULT
    phase: Phase = Phase.IDLE
    topic: str = ""
    facilitator: str | None = None
    participants: dict[str, str] = field(default_factory=dict)  # user id -> display name
    step: int = 0
    ready: frozenset[str] = frozenset()
    answers: tuple[Answer, ...] = ()
    drafts: tuple[Draft, ...] = ()
    rounds: tuple[VoteRound, ...] = ()
    statement: Statement | None = None
    parked: tuple[ParkedItem, ...] = ()
    tasks: tuple[Task, ...] = ()
    strictness: Strictness = Strictness.GENTLE
    private_redirects: bool = False  # redirect task talk privately to its author instead of replying
    timezone: str = "UTC"
    checkins: CheckinState = field(default_factory=CheckinState)
    observed: tuple[ParkedItem, ...] = ()  # what observe mode would have held (last few)
    redirected: tuple[Redirected, ...] = ()  # per person: the last full redirect (light touches follow)
    pending_confirm: PendingConfirm | None = None  # a two-step command awaiting its confirmation
    next_id: int = 1
    recent_events: tuple[str, ...] = ()  # last event ids, so decide() is idempotent too
    started_at: datetime | None = None
    last_said: Said | None = None  # the channel's last chat message, the context of a short reply
    lessons: tuple[Lesson, ...] = ()  # the guard's corrections in this channel (newest last)
    # user id -> the organisation or discipline they speak for (/problem iam); kept across sessions
    perspectives: dict[str, str] = field(default_factory=dict)

    @property
    def current_draft(self) -> Draft | None:
        return self.drafts[-1] if self.drafts else None

    @property
    def open_round(self) -> VoteRound | None:
        last = self.rounds[-1] if self.rounds else None
        return last if last is not None and last.outcome is None else None

    @property
    def contributors(self) -> tuple[str, ...]:
        """Users who answered at least one question, in order of first answer."""
        seen: dict[str, None] = {}
        for answer in self.answers:
            seen.setdefault(answer.user, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class Decision:
    state: ChannelState
    effects: tuple[Effect, ...] = ()
