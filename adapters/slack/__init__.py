"""The Slack adapter: translate Slack payloads to engine events, render messages as Block Kit.

``bot.app.platforms`` builds a :class:`SlackPlatform` when ``SLACK_BOT_TOKEN`` (or
``SLACK_CLIENT_ID`` for OAuth installs) is set.
"""

from __future__ import annotations

from adapters.slack.app import SlackPlatform
from adapters.slack.config import SlackConfig, SlackConfigError
from adapters.slack.installations import OAuthStores, oauth_stores
from adapters.slack.transport import SlackTransport

__all__ = ["OAuthStores", "SlackConfig", "SlackConfigError", "SlackPlatform", "SlackTransport", "oauth_stores"]
