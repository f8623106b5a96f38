"""Telegram adapter: groups go through the same process as any channel.

``build_platform(settings, app)`` is what :mod:`bot.app.runner` imports when
``TELEGRAM_BOT_TOKEN`` is set.
"""

from adapters.telegram.app import TelegramPlatform, build_platform
from adapters.telegram.transport import TelegramTransport

__all__ = ["TelegramPlatform", "TelegramTransport", "build_platform"]
