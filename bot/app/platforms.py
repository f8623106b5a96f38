"""The chat platforms: what the runner needs of one, and the one place that knows which exist.

Each adapter gets its own small config (built here from the flat :class:`Settings`), the
narrow :class:`~bot.core.ports.ChannelPort` and the script's texts; never the app. An
adapter (and its SDK) is imported only when its platform is built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from aiohttp import web
from pydantic import SecretStr

from bot.app.bootstrap import App
from bot.app.channel_port import ServicePort
from bot.app.settings import Settings
from bot.core.ports import DrawCard, Transport

if TYPE_CHECKING:
    from adapters.slack import SlackConfig
    from adapters.telegram import TelegramConfig


class Platform(Protocol):
    """A chat platform adapter as the runner sees it."""

    # Read-only properties, so an adapter may narrow them (its own transport class) or set them per instance.
    @property
    def name(self) -> str: ...

    @property
    def transport(self) -> Transport: ...

    @property
    def needs_single_owner(self) -> bool:
        """Whether only one replica may run it at a time (Telegram long polling: one poller per token).

        The runner then starts it, and registers its transport, only in the replica holding
        the platform's advisory-lock lease (:mod:`bot.shell.leader`), and never in a web process.
        """
        ...

    def mount(self, web_app: web.Application) -> None:
        """Add this platform's HTTP routes (events, webhooks) to the shared server."""
        ...

    async def start(self) -> None:
        """Connect (Socket Mode, long polling, webhook registration); return once running."""
        ...

    async def stop(self) -> None: ...

    def healthy(self) -> bool:
        """Whether the platform connection is up (for /healthz)."""
        ...


PlatformFactory = Callable[[Settings, App], Platform]


def configured_platforms(settings: Settings) -> list[PlatformFactory]:
    """The platforms whose tokens are set (none: the console)."""
    factories: list[PlatformFactory] = []
    if settings.slack_bot_token is not None or settings.slack_client_id:
        factories.append(build_slack)
    if settings.telegram_bot_token is not None:
        factories.append(build_telegram)
    return factories


def _secret(value: SecretStr | None) -> str | None:
    """A secret setting's value; an empty one counts as not set."""
    return (value.get_secret_value() or None) if value is not None else None


def slack_config(settings: Settings) -> SlackConfig:
    from adapters.slack import SlackConfig

    return SlackConfig(
        bot_token=_secret(settings.slack_bot_token),
        app_token=_secret(settings.slack_app_token),
        signing_secret=_secret(settings.slack_signing_secret),
        client_id=settings.slack_client_id or None,
        client_secret=_secret(settings.slack_client_secret),
        secret_key=_secret(settings.secret_key),
        api_url=settings.slack_api_url,
    )


def build_slack(settings: Settings, app: App) -> Platform:
    from adapters.slack import SlackPlatform, oauth_stores

    config = slack_config(settings)
    # OAuth installs keep their tokens in slack-sdk's store, on our database engine.
    stores = oauth_stores(config, app.engine) if config.client_id else None
    return SlackPlatform(config, ServicePort.of(app), app.script, stores, draw=_drawing())


def telegram_config(settings: Settings) -> TelegramConfig:
    from adapters.telegram import TelegramConfig

    return TelegramConfig(
        token=_secret(settings.telegram_bot_token) or "",
        webhook_url=settings.telegram_webhook_url,
        webhook_secret=_secret(settings.telegram_webhook_secret),
        api_url=settings.telegram_api_url,
    )


def build_telegram(settings: Settings, app: App) -> Platform:
    from adapters.telegram import TelegramPlatform

    return TelegramPlatform(telegram_config(settings), ServicePort.of(app), app.script, draw=_drawing())


def _drawing() -> DrawCard:
    """The statement card's drawing (Pillow), imported only when a platform is built."""
    from bot.shell.card_image import draw_card

    return draw_card
