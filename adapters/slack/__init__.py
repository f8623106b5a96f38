"""The Slack adapter: translate Slack payloads to engine events, render messages as Block Kit.

``build_platform(settings, app)`` is what ``bot.app.runner`` calls when ``SLACK_BOT_TOKEN``
(or ``SLACK_CLIENT_ID`` for OAuth installs) is set.
"""

from __future__ import annotations

from adapters.slack.app import SlackConfigError, SlackPlatform
from adapters.slack.transport import SlackTransport
from bot.app.bootstrap import App
from bot.app.settings import Settings

__all__ = ["SlackConfigError", "SlackPlatform", "SlackTransport", "build_platform"]


def build_platform(settings: Settings, app: App) -> SlackPlatform:
    return SlackPlatform(settings, app)
