"""Telegram updates -> engine events. Pure: no I/O, no clock, fuzzable.

The user always comes from the update itself (``message.from_user`` /
``callback_query.from_user``), never from callback data or text, so a forged or
replayed button cannot vote for someone else. Text and names are cleaned of lone
surrogates (``bot.core.text.clean``), which storage cannot encode.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from telegram import CallbackQuery, Message, MessageEntity, User

from bot.core.model import ButtonAction, ButtonPressed, Choice, CommandIssued, Said, Sender, TextMessage
from bot.core.text import clean

PLATFORM = "telegram"
REASON_CHOICES = (Choice.CONCERN, Choice.OBJECT)
_CALLBACK = re.compile(
    r"^(?:v:(agree|concern|object|abstain):(\d{1,9})|r:(\d{1,9})|c:([a-z][a-z ]{0,40})|d:(\d{1,9}))$")
_USER_LINK = re.compile(r"^tg://user\?id=(\d+)$")


def channel_key(chat_id: int | str) -> str:
    return f"{PLATFORM}:{chat_id}"


def chat_id_of(channel: str) -> int:
    """The chat id of a ``telegram:<chat id>`` channel key."""
    platform, _, rest = channel.partition(":")
    if platform != PLATFORM or not rest:
        raise ValueError(f"not a Telegram channel: {channel!r}")
    return int(rest.split(":", 1)[0])


def event_id(update_id: int) -> str:
    """Telegram numbers updates per bot; the service's table de-duplicates on this."""
    return f"{PLATFORM}:{update_id}"


def display_name(user: User) -> str:
    if user.first_name:
        return user.first_name
    return f"@{user.username}" if user.username else str(user.id)


def sender_of(user: User, is_admin: bool = False) -> Sender:
    return Sender(id=str(user.id), name=clean(display_name(user)), is_admin=is_admin)


def thread_of(message: Message) -> str | None:
    """Forum topics have a thread id; ordinary groups do not."""
    if message.is_topic_message and message.message_thread_id is not None:
        return str(message.message_thread_id)
    return None


def split_command(message: Message) -> tuple[str, str] | None:
    """``("problem", "start jongeren")`` for ``/problem@Bot start jongeren``.

    The rest is the text after the command entity, with its own whitespace kept (a
    multi-line draft stays multi-line); ``None`` when the message is not a command.
    """
    text = message.text
    if not text or not message.entities:
        return None
    entity = message.entities[0]
    if entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
        return None
    try:
        command = message.parse_entity(entity)
    except UnicodeDecodeError:  # an entity that splits a surrogate pair: not a command Telegram made
        return None
    word = command[1:].split("@", 1)[0].lower()
    rest = clean(text[len(command):].strip())
    return word, rest


def command_event(update_id: int, message: Message, is_admin: bool,
                  command_words: Collection[str]) -> CommandIssued | None:
    """Our command (one of ``command_words``, from the language files) as an engine event."""
    parts = split_command(message)
    user = message.from_user
    if parts is None or user is None or user.is_bot:
        return None
    word, rest = parts
    if word not in command_words:
        return None
    return CommandIssued(
        event_id=event_id(update_id),
        channel=channel_key(message.chat_id),
        sender=sender_of(user, is_admin),
        text=rest,
        command_word=word,
        message_id=str(message.message_id),
        thread_id=thread_of(message),
        replying_to=_replied(message),
    )


def _replied(message: Message) -> Said | None:
    """The person's message this one replies to (not the bot's), as the engine keeps one."""
    replied = message.reply_to_message
    if replied is None or not replied.text or replied.from_user is None or replied.from_user.is_bot:
        return None
    author = sender_of(replied.from_user)
    return Said(author.id, clean(replied.text)[:4000], str(replied.message_id), author.name)


def text_event(update_id: int, message: Message, draft_reply: int | None = None) -> TextMessage | None:
    user = message.from_user
    if user is None or user.is_bot or not message.text:
        return None
    return TextMessage(
        event_id=event_id(update_id),
        channel=channel_key(message.chat_id),
        sender=sender_of(user),
        text=clean(message.text),
        message_id=str(message.message_id),
        thread_id=thread_of(message),
        draft_reply=draft_reply,
        replying_to=_replied_text(message),
    )


def _replied_text(message: Message) -> str | None:
    said = _replied(message)
    return said.text[:1000] if said is not None else None


# --------------------------------------------------------------------------- draft replies


def build_title_patterns(titles: Iterable[str], version_mark: str) -> tuple[re.Pattern[str], ...]:
    """Each language's draft title, rendered with ``version_mark``, as a pattern for a first line."""
    return tuple(re.compile(re.escape(title).replace(re.escape(version_mark), r"(\d{1,9})", 1))
                 for title in titles)


def draft_reply(message: Message, bot_id: int, titles: Iterable[re.Pattern[str]]) -> int | None:
    """The version of the draft whose message (or edit prompt) from this bot ``message`` replies to.

    Stateless, like the reason prompts: the version is read back from the replied-to message's
    first line, the draft's title; the engine takes the reply as the next version only while
    that version is the current one.
    """
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id or not replied.text:
        return None
    if replied.chat.id != message.chat.id:
        return None
    first = replied.text.split("\n", 1)[0].strip()
    for pattern in titles:
        match = pattern.fullmatch(first)
        if match is not None:
            return int(match.group(1))
    return None


def parse_callback(data: str | None) -> tuple[ButtonAction, str] | None:
    """``v:agree:3`` -> ``("vote", "agree:3")``; ``r:12`` -> release; ``c:ready`` -> cmd; ``d:3`` -> draft."""
    if not data:
        return None
    match = _CALLBACK.match(data)
    if match is None:
        return None
    choice, version, parked, command, draft = match.groups()
    if draft is not None:
        return ButtonAction.DRAFT, str(int(draft))
    if choice is not None:
        return ButtonAction.VOTE, f"{choice}:{int(version)}"
    if parked is not None:
        return ButtonAction.RELEASE, str(int(parked))
    return ButtonAction.CMD, command.strip()


def button_event(update_id: int, query: CallbackQuery, is_admin: bool) -> ButtonPressed | None:
    """A press on one of our inline buttons; ``None`` for unknown data or a lost message."""
    parsed = parse_callback(query.data)
    message = query.message
    if parsed is None or message is None or query.from_user.is_bot:
        return None
    action, value = parsed
    return ButtonPressed(
        event_id=event_id(update_id),
        channel=channel_key(message.chat.id),
        sender=sender_of(query.from_user, is_admin),
        action=action,
        value=value,
        message_id=str(message.message_id),
    )


# --------------------------------------------------------------------------- reasons


@dataclass(frozen=True, slots=True)
class ReasonPattern:
    """Recognises our own reason prompt from its text: which choice, which version."""

    choice: Choice
    pattern: re.Pattern[str]


def build_reason_patterns(
    texts: Mapping[tuple[str, Choice], str], user_mark: str, version_mark: str
) -> tuple[ReasonPattern, ...]:
    """``texts[(language, choice)]`` is the prompt rendered with the two marks."""
    patterns = []
    for (_, choice), text in texts.items():
        regex = re.escape(text).replace(re.escape(user_mark), "(?P<user>.+?)", 1)
        regex = regex.replace(re.escape(version_mark), r"(?P<version>\d{1,9})", 1)
        patterns.append(ReasonPattern(choice, re.compile(regex, re.S)))
    return tuple(patterns)


def mentioned_user(message: Message) -> str | None:
    """The id of the user a message mentions by id (``text_mention`` / ``tg://user?id=``)."""
    for entity in message.entities or ():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            return str(entity.user.id)
        if entity.type == MessageEntity.TEXT_LINK and entity.url:
            match = _USER_LINK.match(entity.url)
            if match:
                return match.group(1)
    return None


def reason_event(
    update_id: int, message: Message, bot_id: int, patterns: Iterable[ReasonPattern], is_admin: bool = False
) -> ButtonPressed | None:
    """A reply to our reason prompt by the user it asked -> that user's vote with its reason.

    Stateless: the choice and version are read back from the prompt's own text (only a
    message *from this bot* counts), and the asked user from its mention. A reply by
    anyone else is not a vote (``None``: it stays an ordinary message).
    """
    prompt = message.reply_to_message
    user = message.from_user
    if prompt is None or user is None or user.is_bot or not message.text:
        return None
    if prompt.from_user is None or prompt.from_user.id != bot_id or not prompt.text:
        return None
    if prompt.chat.id != message.chat.id:
        return None
    for candidate in patterns:
        match = candidate.pattern.fullmatch(prompt.text)
        if match is None:
            continue
        if mentioned_user(prompt) != str(user.id):
            return None
        return ButtonPressed(
            event_id=event_id(update_id),
            channel=channel_key(message.chat_id),
            sender=sender_of(user, is_admin),
            action=ButtonAction.VOTE,
            value=f"{candidate.choice.value}:{int(match.group('version'))}",
            text=clean(message.text).strip(),
            message_id=str(message.message_id),
        )
    return None
