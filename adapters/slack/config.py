"""What the Slack adapter needs to know, as one value; ``bot.app.platforms`` builds it from the settings.

The checks are the adapter's own (what can run Slack at all); their messages name the
environment variables to set. Secrets are left out of ``repr``, so a logged config shows none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.ports import ConfigurationError


class SlackConfigError(ConfigurationError):
    """The settings cannot run Slack (missing secret or token); says which setting to set."""


@dataclass(frozen=True, kw_only=True)
class SlackConfig:
    bot_token: str | None = field(default=None, repr=False)  # one workspace
    app_token: str | None = field(default=None, repr=False)  # Socket Mode
    signing_secret: str | None = field(default=None, repr=False)  # HTTP mode
    client_id: str | None = None  # OAuth installs (several workspaces)
    client_secret: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)  # encrypts the installs' stored tokens
    api_url: str | None = None  # GovSlack, tests

    def __post_init__(self) -> None:
        if self.app_token is None and not self.signing_secret:
            raise SlackConfigError(
                "Slack HTTP mode needs SLACK_SIGNING_SECRET (or set SLACK_APP_TOKEN for Socket Mode)")
        if self.client_id:
            if self.client_secret is None:
                raise SlackConfigError("SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is not")
            if self.secret_key is None:  # Settings refuses this too; model_copy() skips validation
                raise SlackConfigError("SLACK_CLIENT_ID (OAuth installs) needs VOORDENKEN_SECRET_KEY to encrypt "
                                       "the workspace tokens it stores")
        elif not self.bot_token:
            raise SlackConfigError("Slack needs SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID/SECRET (OAuth)")
