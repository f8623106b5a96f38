"""The Telegram platform: PTB ``Application`` wiring, polling or webhook, start-up checks.

Handlers only translate updates into engine events and hand them to the service; what
the bot says comes back through :class:`~adapters.telegram.transport.TelegramTransport`
via the outbox, the ForceReply prompt that asks for the reason of a concern/objection
included. One thing is done here directly, because the engine has no notion of it: the
one-time privacy-mode note.

Reason prompts are stateless: the prompt's own text says which choice and version it is
about and mentions the user it asks (see :func:`translate.reason_event`), so a restart
or another replica still understands the reply.
"""

from __future__ import annotations

import contextvars
import hmac
import json
import logging
from dataclasses import replace
from urllib.parse import urlsplit

from aiohttp import web
from cachetools import TTLCache
from telegram import BotCommand, ChatMember, ChatMemberRestricted, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from adapters.telegram import translate
from adapters.telegram.config import TelegramConfig
from adapters.telegram.polling import Poller
from adapters.telegram.render import USER_MARK
from adapters.telegram.transport import TelegramTransport
from bot.core.model import AskReason, ButtonPressed, CommandIssued, Effect, InboundEvent, Post
from bot.core.ports import ChannelPort, StorageUnavailable
from bot.core.script import Script
from bot.shell import logs

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# What the logs show instead of the token and the webhook secret (bot.shell.logs masks them).
TOKEN_MASK = "<telegram-token>"
SECRET_MASK = "<telegram-webhook-secret>"
SDK_LOGGERS = ("telegram", "telegram.ext")  # PTB logs on these names, not only on their children
MAX_BODY = 1024 * 1024
ALLOWED_UPDATES = ["message", "callback_query"]
ADMIN_CACHE_SECONDS = 60.0
ADMIN_CACHE_ENTRIES = 20_000  # chats whose administrators are kept
MEMBER_CACHE_SECONDS = 60.0
MEMBER_CACHE_ENTRIES = 20_000
MEMBER_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER)
# getChatMember's answers for someone who was never in the chat (a definite "no", unlike a 429).
NOT_A_MEMBER_ERRORS = ("user not found", "member not found", "participant_id_invalid")
_VERSION_MARK = "987654321"
_CONFLICT_MESSAGE = (
    "Telegram answered 409 Conflict: another process is polling with this bot token. "
    "Run one poller, or use webhook mode (TELEGRAM_WEBHOOK_URL). Polling has stopped."
)

Context = ContextTypes.DEFAULT_TYPE
# Set while one update is processed (webhook or poller): the error handler (same task) records
# failures here, so the update is not confirmed to Telegram.
_FAILURES: contextvars.ContextVar[list[BaseException] | None] = contextvars.ContextVar(
    "telegram_update_failures", default=None)


class TelegramPlatform:
    """One bot token; long polling by default, webhook mode when a webhook URL is set.

    ``port`` is all it asks of the shell; ``texts`` the words it says itself (refusals, the
    privacy note, the command menu) and those of the reason prompt it must recognise.
    """

    name = "telegram"

    def __init__(self, config: TelegramConfig, port: ChannelPort, texts: Script) -> None:
        token = config.token
        self._port = port
        self._texts = texts
        self._webhook_url = _webhook_url(config.webhook_url)
        self._secret = (config.webhook_secret or "").encode("utf-8") if self._webhook_url is not None else b""
        self._token = token
        logs.register_secret(token, TOKEN_MASK, SDK_LOGGERS)  # before build(): the Bot logs its URL at DEBUG
        # No PTB Updater: it confirms polled updates before they are processed (see polling.py).
        builder = ApplicationBuilder().token(token).job_queue(None).updater(None)
        api = (config.api_url or "").rstrip("/")
        if api:
            builder = builder.base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
        self.application: Application = builder.build()
        self.transport = TelegramTransport(self.application.bot, texts)
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
        self._admins: TTLCache[int, frozenset[int]] = TTLCache(ADMIN_CACHE_ENTRIES, ttl=ADMIN_CACHE_SECONDS)
        self._members: TTLCache[tuple[int, int], bool] = TTLCache(MEMBER_CACHE_ENTRIES, ttl=MEMBER_CACHE_SECONDS)
        self._privacy_limited = False
        self._privacy_noted: set[int] = set()
        self._accepting = False  # set once getMe is done: updates can be processed
        self._running = False
        self._poller: Poller | None = None
        self._register_handlers()

    # ------------------------------------------------------------------ Platform

    @property
    def needs_single_owner(self) -> bool:
        """Long polling allows one poller per token (else 409): the runner starts it only in
        the replica holding the lease. Webhook mode runs in every replica."""
        return self._webhook_url is None

    def mount(self, web_app: web.Application) -> None:
        if self._webhook_url is not None:
            web_app.router.add_post(WEBHOOK_PATH, self._webhook)

    async def start(self) -> None:
        logs.register_secret(self._token, TOKEN_MASK, SDK_LOGGERS)  # again: handlers may have been added since __init__
        if self._secret:
            logs.register_secret(self._secret.decode("utf-8"), SECRET_MASK, SDK_LOGGERS)  # setWebhook logs it at DEBUG
        await self.application.initialize()  # getMe: bot id, username, privacy flag
        self._accepting = True
        bot = self.application.bot
        self._privacy_limited = not bot.can_read_all_group_messages
        if self._privacy_limited:
            log.warning(
                "Telegram privacy mode is on for @%s: in groups the bot only sees commands and replies to "
                "its messages. Fix: BotFather -> /mybots -> @%s -> Bot Settings -> Group Privacy -> Turn off, "
                "then remove and re-add the bot to each group (or make it a group admin).",
                bot.username, bot.username,
            )
        await self._register_commands()
        if self._webhook_url is not None:
            await bot.set_webhook(
                url=self._webhook_url,
                secret_token=self._secret.decode("utf-8"),
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            await bot.delete_webhook()  # a webhook and polling exclude each other
        await self.application.start()
        if self._webhook_url is None:
            self._poller = Poller(bot, self._process, is_outage=_is_outage, on_conflict=self._on_conflict,
                                  allowed_updates=ALLOWED_UPDATES)
            self._poller.start()
        self._running = True

    async def stop(self) -> None:
        self._running = self._accepting = False
        if self._poller is not None:
            await self._poller.stop()
            self._poller = None
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    def healthy(self) -> bool:
        # Polling that ended by itself (a 409 Conflict) is not healthy: updates go unread.
        return self._running and (self._poller is None or self._poller.polling)

    # ------------------------------------------------------------------ start-up

    async def _register_commands(self) -> None:
        """``setMyCommands`` in every language (the default one for all others); a failure is logged."""
        script = self._texts
        for language in script.languages:
            description = script.text(language, "telegram_command_description")
            commands = [BotCommand(word, description) for word in script.command_words()]
            try:
                await self.application.bot.set_my_commands(
                    commands, language_code=None if language == script.default_language else language
                )
            except TelegramError as error:
                log.warning("setMyCommands (%s) failed: %s", language, type(error).__name__)

    def _on_conflict(self) -> None:
        """Telegram answered 409: another process polls with this token. Polling stops (no retries)."""
        log.error(_CONFLICT_MESSAGE)

    # ------------------------------------------------------------------ webhook

    async def _webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self._secret):
            log.warning("telegram webhook: refused a request without the right secret token")
            return web.Response(status=403, text="forbidden")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="too large")
        if len(body) > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            data = json.loads(body)
        except ValueError:
            return web.Response(status=400, text="invalid json")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        if not self._accepting:
            return web.Response(status=503, text="starting")  # Telegram retries
        try:
            update = Update.de_json(data, self.application.bot)
            message = update.effective_message
        except Exception:
            return web.Response(status=400, text="not an update")
        if message is not None and getattr(message, "chat", None) is None:
            # Telegram always says which chat; without one the update can never be processed,
            # and a 500 would have it redelivered for hours.
            return web.Response(status=400, text="not an update")
        if await self._process(update) is not None:
            # Not processed (e.g. the database is down): Telegram redelivers on a 5xx, and the
            # database's event de-duplication makes a redelivery of a half-done update safe.
            return web.Response(status=500, text="not processed; please retry")
        return web.Response(text="ok")

    async def _process(self, update: Update) -> BaseException | None:
        """Run the handlers on ``update``; the first failure, if any (the update is then not done)."""
        failures: list[BaseException] = []
        token = _FAILURES.set(failures)
        try:
            await self.application.process_update(update)
        finally:
            _FAILURES.reset(token)
        return failures[0] if failures else None

    # ------------------------------------------------------------------ handlers

    def _register_handlers(self) -> None:
        only_new = filters.UpdateType.MESSAGE  # edited messages never re-run anything
        self.application.add_handler(
            CommandHandler(list(self._texts.command_words()), self._on_command, filters=only_new)
        )
        self.application.add_handler(MessageHandler(only_new & filters.TEXT & ~filters.COMMAND, self._on_text))
        self.application.add_handler(MessageHandler(
            filters.StatusUpdate.NEW_CHAT_MEMBERS | filters.StatusUpdate.LEFT_CHAT_MEMBER, self._on_members_changed))
        self.application.add_handler(CallbackQueryHandler(self._on_callback))
        self.application.add_error_handler(self._on_error)

    async def _on_command(self, update: Update, context: Context) -> None:
        message = update.message
        if message is None or message.from_user is None:
            return
        is_admin = await self._is_admin(message.chat.id, message.chat.type, message.from_user.id)
        event = translate.command_event(update.update_id, message, is_admin, self._texts.command_words())
        if event is None:
            return
        result = await self._port.handle(event)
        if not result.duplicate and self._starts_session(event):
            await self._maybe_privacy_note(message.chat.id, message.chat.type)

    async def _on_text(self, update: Update, context: Context) -> None:
        message = update.message
        if message is None or message.from_user is None:
            return
        event: InboundEvent | None = None
        if message.reply_to_message is not None:
            event = translate.reason_event(update.update_id, message, self.application.bot.id, self._patterns)
            if event is not None:
                admin = await self._is_admin(message.chat.id, message.chat.type, message.from_user.id)
                event = _with_admin(event, admin)
        if event is None:
            event = translate.text_event(update.update_id, message)
        if event is not None:
            await self._port.handle(event)

    async def _on_callback(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        message = query.message
        chat = message.chat if message is not None else None
        event = translate.button_event(update.update_id, query, is_admin=False)
        if event is None or chat is None:
            await _answer(query)
            return
        refusal = await self._refusal(chat.id, chat.type, query.from_user.id)
        if refusal is not None:  # nothing reaches the engine; the person is told why
            await _answer(query, await self._text(event.channel, refusal), show_alert=True)
            return
        if await self._is_admin(chat.id, chat.type, query.from_user.id):
            event = _with_admin(event, True)
        effects: tuple[Effect, ...] = ()
        try:
            effects = (await self._port.handle(event)).effects
        finally:  # answered once the engine has spoken: a reason prompt gets a pointer to it
            asked = next((e for e in effects if isinstance(e, AskReason)), None)
            await _answer(query, None if asked is None else
                          self._texts.text(asked.language, "telegram_reason_toast"))

    async def _on_members_changed(self, update: Update, context: Context) -> None:
        """Someone joined or left: forget their cached membership here, so a newcomer can vote at
        once. Groups that hide join messages rely on the cache's minute instead."""
        message = update.message
        if message is None:
            return
        people = [*message.new_chat_members, *([message.left_chat_member] if message.left_chat_member else [])]
        for user in people:
            self._members.pop((message.chat.id, user.id), None)

    async def _on_error(self, update: object, context: Context) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        failures = _FAILURES.get()
        if failures is not None and context.error is not None:
            failures.append(context.error)  # not confirmed: Telegram delivers it again
        log.error("handling Telegram update %s failed", update_id, exc_info=context.error)

    # ------------------------------------------------------------------ privacy

    def _starts_session(self, event: CommandIssued) -> bool:
        word = event.text.split(maxsplit=1)[0].lower() if event.text.strip() else ""
        return self._texts.aliases().get(word) == "start"

    async def _maybe_privacy_note(self, chat_id: int, chat_type: str) -> None:
        """Once per chat (per process): say how to let the bot read the group."""
        if not self._privacy_limited or chat_type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            return
        if chat_id in self._privacy_noted:
            return
        if self.application.bot.id in await self._admin_ids(chat_id, chat_type):
            return  # admins receive every message
        self._privacy_noted.add(chat_id)
        channel = translate.channel_key(chat_id)
        text = await self._text(channel, "telegram_privacy_note", bot=f"@{self.application.bot.username}")
        try:
            await self.transport.deliver(channel, Post(text=text), None)
        except Exception as error:
            log.warning("could not send the privacy note in %s: %s", channel, type(error).__name__)

    # ------------------------------------------------------------------ membership

    async def _refusal(self, chat_id: int, chat_type: str, user_id: int) -> str | None:
        """The text key to refuse a button press with, or ``None`` when the presser is a member.

        Public supergroups can be read (and their buttons pressed) without joining, so every
        callback is checked with getChatMember. Fails closed: when Telegram cannot say (flood
        control, network), the press is refused with a "try again" note.
        """
        if chat_type == ChatType.PRIVATE:
            return None if chat_id == user_id else "telegram_members_only"
        key = (chat_id, user_id)
        member = self._members.get(key)
        if member is None:
            try:
                member = _is_member(await self.application.bot.get_chat_member(chat_id, user_id))
            except BadRequest as error:
                if not any(reason in error.message.lower() for reason in NOT_A_MEMBER_ERRORS):
                    log.info("getChatMember failed in %s: %s; refusing the press", chat_id, error.message)
                    return "telegram_members_unknown"
                member = False
            except TelegramError as error:
                log.info("getChatMember failed in %s: %s; refusing the press", chat_id, type(error).__name__)
                return "telegram_members_unknown"
            except (TypeError, ValueError, KeyError) as error:  # an answer this PTB version cannot read
                log.warning("getChatMember answered something unreadable in %s (%s); refusing the press",
                            chat_id, type(error).__name__)
                return "telegram_members_unknown"
            self._members[key] = member
        return None if member else "telegram_members_only"

    # ------------------------------------------------------------------ helpers

    async def _is_admin(self, chat_id: int, chat_type: str, user_id: int) -> bool:
        return user_id in await self._admin_ids(chat_id, chat_type)

    async def _admin_ids(self, chat_id: int, chat_type: str) -> frozenset[int]:
        """Group administrators (facilitator powers), cached for a minute."""
        if chat_type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            return frozenset()
        cached = self._admins.get(chat_id)
        if cached is not None:
            return cached
        try:
            members = await self.application.bot.get_chat_administrators(chat_id)
            ids = frozenset(member.user.id for member in members)
        except TelegramError as error:
            log.info("getChatAdministrators failed in %s: %s", chat_id, type(error).__name__)
            ids = frozenset()
        self._admins[chat_id] = ids
        return ids

    async def _text(self, channel: str, key: str, **params: object) -> str:
        return self._texts.text(await self._port.language(channel), key, **params)


def _with_admin(event: ButtonPressed, is_admin: bool) -> ButtonPressed:
    return replace(event, sender=replace(event.sender, is_admin=is_admin))


def _is_member(member: ChatMember) -> bool:
    """Owner, administrator, member, or restricted but still in the chat; left/kicked are not."""
    if member.status in MEMBER_STATUSES:
        return True
    return isinstance(member, ChatMemberRestricted) and bool(member.is_member)


async def _answer(query: object, text: str | None = None, *, show_alert: bool = False) -> None:
    """Always answer a callback query (the client shows a spinner until we do)."""
    try:
        await query.answer(text, show_alert=show_alert)  # type: ignore[attr-defined]
    except TelegramError as error:
        log.debug("answerCallbackQuery failed: %s", type(error).__name__)


def _webhook_url(url: str | None) -> str | None:
    """The public webhook URL; a bare origin gets ``/telegram/webhook`` appended."""
    if not url:
        return None
    if urlsplit(url).path in ("", "/"):
        return url.rstrip("/") + WEBHOOK_PATH
    return url


def _is_outage(error: BaseException) -> bool:
    """Failures that pass by themselves: the database or Telegram out of reach."""
    return isinstance(error, NetworkError | StorageUnavailable)
