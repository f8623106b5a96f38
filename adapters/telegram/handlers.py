"""What each PTB handler does with a Telegram update, and how a failed one is kept unconfirmed.

Handlers only translate updates into engine events and hand them to the service; what the
bot says comes back through :class:`~adapters.telegram.transport.TelegramTransport` via the
outbox, the ForceReply prompt that asks for the reason of a concern/objection included. A
button press, a command or a message is let through only for members of the chat
(:mod:`adapters.telegram.access`): a channel's discussion group lets outsiders write. An
outsider's command gets a members-only reply (once a minute per person), their message is
ignored. When Telegram cannot say for now (flood control, network), the update is left
unprocessed and Telegram delivers it again: an answer is never dropped for that.

Reason prompts are stateless: the prompt's own text says which choice and version it is
about and mentions the user it asks (see :func:`translate.reason_event`), so a restart or
another replica still understands the reply. So are draft messages: a reply to one (or to
the prompt the Edit button sends) carries the version read from its title line
(:func:`translate.draft_reply`), and is the next version if that one is still current.

A handler that raises does not get the update confirmed: :func:`process` runs one update and
returns the failure the error handler recorded, and the webhook or the poller has Telegram
deliver it again.
"""

from __future__ import annotations

import contextvars
import logging
from dataclasses import replace

from cachetools import TTLCache
from telegram import Bot, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from adapters.telegram import translate
from adapters.telegram.access import ChatAccess, MembershipUnknown
from adapters.telegram.privacy import PrivacyNote
from adapters.telegram.render import USER_MARK
from adapters.telegram.transport import TelegramTransport
from bot.core.model import AskDraft, AskReason, ButtonPressed, CommandIssued, Effect, InboundEvent, Reply
from bot.core.ports import ChannelPort
from bot.core.script import Script

log = logging.getLogger(__name__)

_VERSION_MARK = "987654321"
OUTSIDER_REPLY_SECONDS = 60.0  # an outsider's commands get the members-only reply this rarely
OUTSIDER_REPLY_ENTRIES = 20_000

Context = ContextTypes.DEFAULT_TYPE
# Set while one update is processed (webhook or poller): the error handler (same task) records
# failures here, so the update is not confirmed to Telegram.
_FAILURES: contextvars.ContextVar[list[BaseException] | None] = contextvars.ContextVar(
    "telegram_update_failures", default=None)


async def process(application: Application, update: Update) -> BaseException | None:
    """Run the handlers on ``update``; the first failure, if any (the update is then not done)."""
    failures: list[BaseException] = []
    token = _FAILURES.set(failures)
    try:
        await application.process_update(update)
    finally:
        _FAILURES.reset(token)
    return failures[0] if failures else None


class Handlers:
    """The command, text, callback, member-change and error handlers of one bot."""

    def __init__(self, bot: Bot, port: ChannelPort, texts: Script, access: ChatAccess,
                 privacy: PrivacyNote, transport: TelegramTransport) -> None:
        self._bot = bot
        self._transport = transport
        self._told: TTLCache[tuple[int, int], bool] = TTLCache(OUTSIDER_REPLY_ENTRIES, ttl=OUTSIDER_REPLY_SECONDS)
        self._port = port
        self._texts = texts
        self._access = access
        self._privacy = privacy
        self._patterns = translate.build_reason_patterns(
            {
                (language, choice): texts.text(
                    language, f"telegram_reason_{choice.value}", user=USER_MARK, version=_VERSION_MARK
                )
                for language in texts.languages
                for choice in translate.REASON_CHOICES
            },
            USER_MARK,
            _VERSION_MARK,
        )
        self._draft_titles = translate.build_title_patterns(
            {texts.text(language, "draft_title", version=_VERSION_MARK) for language in texts.languages},
            _VERSION_MARK,
        )

    async def on_command(self, update: Update, context: Context) -> None:
        message = update.message
        if message is None or message.from_user is None:
            return
        event = translate.command_event(update.update_id, message, False, self._texts.command_words())
        if event is None or not await self._admitted(message, command_word=event.command_word):
            return
        if await self._access.is_admin(message.chat.id, message.chat.type, message.from_user.id):
            event = replace(event, sender=replace(event.sender, is_admin=True))
        result = await self._port.handle(event)
        if not result.duplicate and self._starts_session(event):
            await self._privacy.maybe_send(message.chat.id, message.chat.type)

    async def on_text(self, update: Update, context: Context) -> None:
        message = update.message
        if message is None or message.from_user is None:
            return
        event: InboundEvent | None = None
        draft: int | None = None
        if message.reply_to_message is not None:
            event = translate.reason_event(update.update_id, message, self._bot.id, self._patterns)
            draft = translate.draft_reply(message, self._bot.id, self._draft_titles)
        if event is None:  # a reply to a draft message may be the next version: the engine decides
            event = translate.text_event(update.update_id, message, draft_reply=draft)
        if event is None or not await self._admitted(message):
            return
        if isinstance(event, ButtonPressed):  # the reason for a vote
            admin = await self._access.is_admin(message.chat.id, message.chat.type, message.from_user.id)
            event = _with_admin(event, admin)
        await self._port.handle(event)

    async def on_callback(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        message = query.message
        chat = message.chat if message is not None else None
        event = translate.button_event(update.update_id, query, is_admin=False)
        if event is None or chat is None:
            await _answer(query)
            return
        refusal = await self._access.refusal(chat.id, chat.type, query.from_user.id)
        if refusal is not None:  # nothing reaches the engine; the person is told why
            language = await self._port.language(event.channel)
            await _answer(query, self._texts.text(language, refusal), show_alert=True)
            return
        if await self._access.is_admin(chat.id, chat.type, query.from_user.id):
            event = _with_admin(event, True)
        effects: tuple[Effect, ...] = ()
        try:
            effects = (await self._port.handle(event)).effects
        finally:  # answered once the engine has spoken: a reason or draft prompt gets a pointer to it
            asked = next((e for e in effects if isinstance(e, AskReason | AskDraft)), None)
            toast = "telegram_draft_toast" if isinstance(asked, AskDraft) else "telegram_reason_toast"
            await _answer(query, None if asked is None else self._texts.text(asked.language, toast))

    async def on_members_changed(self, update: Update, context: Context) -> None:
        """Someone joined or left: forget their cached membership here, so a newcomer can vote at
        once. Groups that hide join messages rely on the cache's minute instead."""
        message = update.message
        if message is None:
            return
        people = [*message.new_chat_members, *([message.left_chat_member] if message.left_chat_member else [])]
        for user in people:
            self._access.forget(message.chat.id, user.id)

    async def on_error(self, update: object, context: Context) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        failures = _FAILURES.get()
        if failures is not None and context.error is not None:
            failures.append(context.error)  # not confirmed: Telegram delivers it again
        if isinstance(context.error, MembershipUnknown):  # Telegram's hiccup, not ours: no traceback
            log.warning("Telegram update %s waits: membership could not be checked", update_id)
            return
        log.error("handling Telegram update %s failed", update_id, exc_info=context.error)

    async def _admitted(self, message: Message, *, command_word: str | None = None) -> bool:
        """Whether the sender is in the chat; an outsider's command is told so (once a minute).

        Raises :class:`MembershipUnknown` when Telegram may say later: the update is then not
        processed, and delivered again. When it never will (an unreadable answer), fail closed.
        """
        chat, user = message.chat, message.from_user
        if user is None:
            return False
        try:
            if await self._access.is_member(chat.id, chat.type, user.id):
                return True
            refusal = "telegram_members_only"
        except MembershipUnknown as error:
            if error.passing:
                raise
            refusal = "telegram_members_unknown"
        log.info("telegram: a %s from someone not in chat %s was ignored",
                 "message" if command_word is None else "command", chat.id)
        if command_word is not None:
            await self._tell_outsider(message, refusal, command_word)
        return False

    async def _tell_outsider(self, message: Message, refusal: str, command_word: str) -> None:
        """A short reply to an outsider's command (in the language of the command word they
        typed), at most once a minute per person and chat."""
        assert message.from_user is not None
        key = (message.chat.id, message.from_user.id)
        if key in self._told:
            return
        channel = translate.channel_key(message.chat.id)
        language = self._texts.command_language(command_word) or await self._port.language(channel)
        self._told[key] = True
        reply = Reply(text=self._texts.text(language, refusal), message_id=str(message.message_id))
        try:
            await self._transport.deliver(channel, reply, None)
        except Exception as error:  # a notice only: nothing to redeliver
            log.info("telegram: the members-only reply in %s failed: %s", channel, type(error).__name__)

    def _starts_session(self, event: CommandIssued) -> bool:
        word = event.text.split(maxsplit=1)[0].lower() if event.text.strip() else ""
        return self._texts.aliases().get(word) == "start"


def _with_admin(event: ButtonPressed, is_admin: bool) -> ButtonPressed:
    return replace(event, sender=replace(event.sender, is_admin=is_admin))


async def _answer(query: object, text: str | None = None, *, show_alert: bool = False) -> None:
    """Always answer a callback query (the client shows a spinner until we do)."""
    try:
        await query.answer(text, show_alert=show_alert)  # type: ignore[attr-defined]
    except TelegramError as error:
        log.debug("answerCallbackQuery failed: %s", type(error).__name__)
