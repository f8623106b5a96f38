"""The Telegram platform: one bot token wired into PTB, polling or webhook, start-up checks.

This module only assembles the pieces and runs their lifecycle: the PTB ``Application``
(without PTB's Updater: :mod:`adapters.telegram.polling` confirms an update only once it is
processed), the handlers (:mod:`~adapters.telegram.handlers`) with the membership checks they
rely on (:mod:`~adapters.telegram.access`) and the privacy note
(:mod:`~adapters.telegram.privacy`), the webhook route (:mod:`~adapters.telegram.webhook`),
and the start-up calls: getMe, setMyCommands, and setWebhook or deleteWebhook.
"""

from __future__ import annotations

import logging
from functools import partial

from aiohttp import web
from telegram import BotCommand
from telegram.error import NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from adapters.telegram.access import ChatAccess, MembershipUnknown
from adapters.telegram.config import TelegramConfig
from adapters.telegram.handlers import Handlers, process
from adapters.telegram.polling import Poller
from adapters.telegram.privacy import PrivacyNote
from adapters.telegram.transport import TelegramTransport
from adapters.telegram.webhook import Webhook, webhook_url
from bot.core.ports import ChannelPort, DrawCard, StorageUnavailable
from bot.core.script import Script
from bot.shell import logs

log = logging.getLogger(__name__)

# What the logs show instead of the token and the webhook secret (bot.shell.logs masks them).
TOKEN_MASK = "<telegram-token>"
SECRET_MASK = "<telegram-webhook-secret>"
SDK_LOGGERS = ("telegram", "telegram.ext")  # PTB logs on these names, not only on their children
ALLOWED_UPDATES = ["message", "callback_query"]
_CONFLICT_MESSAGE = (
    "Telegram answered 409 Conflict: another process is polling with this bot token. "
    "Run one poller, or use webhook mode (TELEGRAM_WEBHOOK_URL). Polling has stopped."
)


class TelegramPlatform:
    """One bot token; long polling by default, webhook mode when a webhook URL is set.

    ``port`` is all it asks of the shell; ``texts`` the words it says itself (refusals, the
    privacy note, the command menu) and those of the reason prompt it must recognise.
    """

    name = "telegram"

    def __init__(self, config: TelegramConfig, port: ChannelPort, texts: Script,
                 draw: DrawCard | None = None) -> None:
        token = config.token
        self._texts = texts
        url = webhook_url(config.webhook_url)
        self._token = token
        logs.register_secret(token, TOKEN_MASK, SDK_LOGGERS)  # before build(): the Bot logs its URL at DEBUG
        # No PTB Updater: it confirms polled updates before they are processed (see polling.py).
        builder = ApplicationBuilder().token(token).job_queue(None).updater(None)
        api = (config.api_url or "").rstrip("/")
        if api:
            builder = builder.base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
        self.application: Application = builder.build()
        bot = self.application.bot
        self.transport = TelegramTransport(bot, texts, draw)
        access = ChatAccess(bot)
        self._privacy = PrivacyNote(bot, access, self.transport, port, texts)
        self._handlers = Handlers(bot, port, texts, access, self._privacy, self.transport)
        self._process = partial(process, self.application)
        self._webhook = None if url is None else Webhook(url, config.webhook_secret or "", bot, self._process)
        self._running = False
        self._poller: Poller | None = None
        self._register_handlers()

    # ------------------------------------------------------------------ Platform

    @property
    def needs_single_owner(self) -> bool:
        """Long polling allows one poller per token (else 409): the runner starts it only in
        the replica holding the lease. Webhook mode runs in every replica."""
        return self._webhook is None

    def mount(self, web_app: web.Application) -> None:
        if self._webhook is not None:
            self._webhook.mount(web_app)

    async def start(self) -> None:
        logs.register_secret(self._token, TOKEN_MASK, SDK_LOGGERS)  # again: handlers may have been added since __init__
        if self._webhook is not None and self._webhook.secret:
            logs.register_secret(self._webhook.secret, SECRET_MASK, SDK_LOGGERS)  # setWebhook logs it at DEBUG
        await self.application.initialize()  # getMe: bot id, username, privacy flag
        if self._webhook is not None:
            self._webhook.accepting = True
        self._privacy.check()
        await self._register_commands()
        if self._webhook is not None:
            await self._webhook.register(ALLOWED_UPDATES)
        else:
            await self.application.bot.delete_webhook()  # a webhook and polling exclude each other
        await self.application.start()
        if self._webhook is None:
            self._poller = Poller(self.application.bot, self._process, is_outage=_is_outage,
                                  on_conflict=self._on_conflict, allowed_updates=ALLOWED_UPDATES)
            self._poller.start()
        self._running = True

    async def stop(self) -> None:
        self._running = False
        if self._webhook is not None:
            self._webhook.accepting = False
        if self._poller is not None:
            await self._poller.stop()
            self._poller = None
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    def healthy(self) -> bool:
        # Polling that ended by itself (a 409 Conflict) is not healthy: updates go unread.
        return self._running and (self._poller is None or self._poller.polling)

    # ------------------------------------------------------------------ wiring

    def _register_handlers(self) -> None:
        handlers = self._handlers
        only_new = filters.UpdateType.MESSAGE  # edited messages never re-run anything
        self.application.add_handler(
            CommandHandler(list(self._texts.command_words()), handlers.on_command, filters=only_new)
        )
        self.application.add_handler(
            MessageHandler(only_new & filters.TEXT & ~filters.COMMAND, handlers.on_text))
        self.application.add_handler(MessageHandler(
            filters.StatusUpdate.NEW_CHAT_MEMBERS | filters.StatusUpdate.LEFT_CHAT_MEMBER,
            handlers.on_members_changed))
        self.application.add_handler(CallbackQueryHandler(handlers.on_callback))
        self.application.add_error_handler(handlers.on_error)

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


def _is_outage(error: BaseException) -> bool:
    """Failures that pass by themselves: the database or Telegram out of reach (membership included)."""
    return isinstance(error, NetworkError | StorageUnavailable | MembershipUnknown)
