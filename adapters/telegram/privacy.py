"""The one-time privacy-mode note: the only thing the Telegram adapter says of its own accord.

With BotFather's privacy mode on, a bot in a group sees only commands and replies to its own
messages, so the discussion passes it by. The engine has no notion of that; the adapter
learns it from getMe at start-up, logs how to fix it, and tells each group once (per process)
when a session starts there, unless the bot is an administrator (admins see every message).
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.constants import ChatType

from adapters.telegram import translate
from adapters.telegram.access import ChatAccess
from adapters.telegram.transport import TelegramTransport
from bot.core.model import Post
from bot.core.ports import ChannelPort
from bot.core.script import Script

log = logging.getLogger(__name__)


class PrivacyNote:
    """Whether privacy mode limits the bot, and the groups already told about it."""

    def __init__(self, bot: Bot, access: ChatAccess, transport: TelegramTransport, port: ChannelPort,
                 texts: Script) -> None:
        self._bot = bot
        self._access = access
        self._transport = transport
        self._port = port
        self._texts = texts
        self._limited = False
        self._noted: set[int] = set()

    def check(self) -> None:
        """After getMe: remember whether privacy mode is on, and log the fix if it is."""
        bot = self._bot
        self._limited = not bot.can_read_all_group_messages
        if self._limited:
            log.warning(
                "Telegram privacy mode is on for @%s: in groups the bot only sees commands and replies to "
                "its messages. Fix: BotFather -> /mybots -> @%s -> Bot Settings -> Group Privacy -> Turn off, "
                "then remove and re-add the bot to each group (or make it a group admin).",
                bot.username, bot.username,
            )

    async def maybe_send(self, chat_id: int, chat_type: str) -> None:
        """Once per chat (per process): say how to let the bot read the group."""
        if not self._limited or chat_type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            return
        if chat_id in self._noted:
            return
        if self._bot.id in await self._access.admin_ids(chat_id, chat_type):
            return  # admins receive every message
        self._noted.add(chat_id)
        channel = translate.channel_key(chat_id)
        language = await self._port.language(channel)
        text = self._texts.text(language, "telegram_privacy_note", bot=f"@{self._bot.username}")
        try:
            await self._transport.deliver(channel, Post(text=text), None)
        except Exception as error:
            log.warning("could not send the privacy note in %s: %s", channel, type(error).__name__)
