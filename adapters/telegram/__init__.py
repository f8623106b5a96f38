"""Telegram adapter: groups go through the same process as any channel.

``bot.app.platforms`` builds a :class:`TelegramPlatform` when ``TELEGRAM_BOT_TOKEN`` is set.
"""

from adapters.telegram.app import TelegramPlatform
from adapters.telegram.config import TelegramConfig
from adapters.telegram.transport import TelegramTransport

__all__ = ["TelegramConfig", "TelegramPlatform", "TelegramTransport"]
