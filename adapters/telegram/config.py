"""What the Telegram adapter needs to know, as one value; ``bot.app.platforms`` builds it from the settings.

The checks are the adapter's own; their messages name the environment variables to set.
Secrets are left out of ``repr``, so a logged config shows none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.ports import ConfigurationError


@dataclass(frozen=True, kw_only=True)
class TelegramConfig:
    token: str = field(repr=False)
    webhook_url: str | None = None  # public URL: webhook mode instead of long polling
    webhook_secret: str | None = field(default=None, repr=False)  # checked on every webhook request
    api_url: str | None = None  # a self-hosted Bot API server, tests

    def __post_init__(self) -> None:
        if not self.token:
            raise ConfigurationError("TELEGRAM_BOT_TOKEN is not set")
        if self.webhook_url and not self.webhook_secret:
            raise ConfigurationError("TELEGRAM_WEBHOOK_SECRET must be set in webhook mode (TELEGRAM_WEBHOOK_URL)")
