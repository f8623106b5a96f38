"""Every setting in one place, read from the environment (and an optional ``.env`` file).

``voordenken config`` prints the effective values with secrets masked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.shell.prompts import DEFAULT_PROMPTS_DIR, language_files


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """Configuration; each field documents the environment variable that sets it."""

    # hide_input_in_errors: a validation error must never echo a key, token or password.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True,
                                      hide_input_in_errors=True)

    database_url: str = Field(
        "sqlite+aiosqlite:///voordenken.db",
        validation_alias=_env("VOORDENKEN_DATABASE_URL"),
        description="A file path (SQLite), sqlite:///file.db, or postgresql://user:password@host:5432/db "
                    "(the async drivers aiosqlite and asyncpg are added when left out)",
    )
    language: str = Field(
        "en", validation_alias=_env("VOORDENKEN_LANGUAGE"),
        description="Language of new channels: one with a file <language>.yaml in the prompts folder",
    )
    timezone: str = Field("UTC", validation_alias=_env("VOORDENKEN_TIMEZONE"),
                          description="Default time zone of new channels (IANA name)")
    checkin_max_lateness: int = Field(
        3600, ge=0, validation_alias=_env("VOORDENKEN_CHECKIN_MAX_LATENESS"),
        description="Seconds a check-in may be late (bot was down) and still be posted; later ones are skipped",
    )
    checkin_mention_cooldown: int = Field(
        60, ge=0, validation_alias=_env("VOORDENKEN_CHECKIN_MENTION_COOLDOWN"),
        description="Minutes after a check-in that mentioned people during which further check-ins in that "
                    "channel give counts instead of names (0 = off)",
    )
    redirect_light_touches: int = Field(
        3, ge=0, validation_alias=_env("VOORDENKEN_REDIRECT_LIGHT_TOUCHES"),
        description="After someone's task talk got the full redirect, how many of their next held messages get "
                    "a light touch (a reaction, or one short line) instead (0 = always the full redirect)",
    )
    redirect_light_window: int = Field(
        30, ge=0, validation_alias=_env("VOORDENKEN_REDIRECT_LIGHT_WINDOW"),
        description="Minutes after a full redirect during which that person's held messages get the light touch",
    )
    prompts_dir: Path = Field(DEFAULT_PROMPTS_DIR, validation_alias=_env("VOORDENKEN_PROMPTS_DIR"),
                              description="Folder with the question scripts and texts")
    guard_model: Path | None = Field(
        None, validation_alias=_env("VOORDENKEN_GUARD_MODEL"),
        description="Task-talk model file to use instead of the shipped one (make train-guard writes one; "
                    "docs/guard.md)",
    )
    draft_model_url: str = Field(
        "", validation_alias=_env("VOORDENKEN_DRAFT_MODEL_URL"),
        description="OpenAI-compatible chat-completions endpoint (or its /v1 base URL) that rewrites version 1 "
                    "of the draft; the answers and their authors' names and disciplines are sent there "
                    "(docs/drafting.md). Empty (default): off, the draft is written offline",
    )
    draft_model: str = Field("", validation_alias=_env("VOORDENKEN_DRAFT_MODEL"),
                             description="Model name sent to that endpoint (empty: none sent)")
    draft_model_key: SecretStr | None = Field(None, validation_alias=_env("VOORDENKEN_DRAFT_MODEL_KEY"),
                                              description="Bearer token for that endpoint (never logged)")
    draft_model_timeout: float = Field(
        20.0, gt=0, validation_alias=_env("VOORDENKEN_DRAFT_MODEL_TIMEOUT"),
        description="Seconds to wait for the model; later, the offline draft stands",
    )
    http_host: str = Field("0.0.0.0", validation_alias=_env("VOORDENKEN_HTTP_HOST"),
                           description="Address the HTTP server (Slack events, Telegram webhook, health) binds")
    http_port: int = Field(3000, validation_alias=_env("VOORDENKEN_HTTP_PORT"), description="Port of that server")
    http_body_timeout: float = Field(
        10.0, gt=0, validation_alias=_env("VOORDENKEN_HTTP_BODY_TIMEOUT"),
        description="Seconds a request's body may take to arrive; a slower one is answered 408 and let go",
    )
    public_url: str = Field(
        "", validation_alias=_env("VOORDENKEN_PUBLIC_URL"),
        description="The address people's browsers reach this bot's HTTP server at (https://voordenken.example.org); "
                    "with it, /problem page sends private links to the session page. Empty: no pages are served",
    )
    card_dir: Path = Field(Path("voordenken-cards"), validation_alias=_env("VOORDENKEN_CARD_DIR"),
                           description="Folder the console writes statement cards (PNG) to")
    page_days: int = Field(30, ge=1, le=365, validation_alias=_env("VOORDENKEN_PAGE_DAYS"),
                           description="Days a session page link works (it can be revoked sooner)")
    role: Literal["all", "web", "worker"] = Field(
        "all", validation_alias=_env("VOORDENKEN_ROLE"),
        description="all: one process does everything; web: answers the platforms' HTTP requests (stores "
                    "and acknowledges, processes nothing); worker: processes what the web replicas stored, "
                    "delivers, runs check-ins and polling (README: Deployment)",
    )
    log_format: Literal["text", "json"] = Field("text", validation_alias=_env("VOORDENKEN_LOG_FORMAT"),
                                                description="text or json")
    log_level: str = Field("INFO", validation_alias=_env("VOORDENKEN_LOG_LEVEL"),
                           description="DEBUG, INFO, WARNING, ERROR or CRITICAL")
    log_sdk_debug: bool = Field(
        False, validation_alias=_env("VOORDENKEN_LOG_SDK_DEBUG"),
        description="Let the platform SDKs (python-telegram-bot, slack_sdk, slack_bolt) log at DEBUG too; "
                    "their DEBUG lines contain message text, so only for debugging",
    )

    outbound_pacing: bool = Field(True, validation_alias=_env("VOORDENKEN_OUTBOUND_PACING"),
                                  description="Pace outgoing messages to the platforms' rate limits "
                                              "(turn off only for a Bot API server without limits, or tests)")
    outbox_give_up_after: int = Field(21600, ge=1, validation_alias=_env("VOORDENKEN_OUTBOX_GIVE_UP_AFTER"),
                                      description="Seconds after it was queued that an outgoing message still "
                                                  "failing is given up (logged, counted, `voordenken outbox "
                                                  "list`); rate limits never give up a message")
    retention_days: int = Field(180, ge=0, validation_alias=_env("VOORDENKEN_RETENTION_DAYS"),
                                description="Delete a channel's content this many days after its last "
                                            "activity (0 keeps it forever)")

    secret_key: SecretStr | None = Field(
        None, validation_alias=_env("VOORDENKEN_SECRET_KEY"),
        description="Fernet key(s) encrypting stored OAuth tokens, comma-separated: the first encrypts, all "
                    "decrypt (rotation); required with SLACK_CLIENT_ID",
    )

    slack_bot_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"),
                                              description="xoxb- token; enables Slack")
    slack_app_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"),
                                              description="xapp- token; selects Socket Mode")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias=_env("SLACK_SIGNING_SECRET"),
                                                   description="Required in Slack HTTP mode")
    slack_client_id: str | None = Field(None, validation_alias=_env("SLACK_CLIENT_ID"),
                                        description="OAuth client id (multi-workspace installs)")
    slack_client_secret: SecretStr | None = Field(None, validation_alias=_env("SLACK_CLIENT_SECRET"),
                                                  description="OAuth client secret")
    slack_api_url: str | None = Field(None, validation_alias=_env("SLACK_API_URL"),
                                      description="Slack Web API base URL (GovSlack, tests)")

    telegram_bot_token: SecretStr | None = Field(None, validation_alias=_env("TELEGRAM_BOT_TOKEN"),
                                                 description="Bot token; enables Telegram")
    telegram_webhook_url: str | None = Field(None, validation_alias=_env("TELEGRAM_WEBHOOK_URL"),
                                             description="Public URL; selects webhook mode instead of polling")
    telegram_webhook_secret: SecretStr | None = Field(None, validation_alias=_env("TELEGRAM_WEBHOOK_SECRET"),
                                                      description="Checked on every webhook request")
    telegram_api_url: str | None = Field(None, validation_alias=_env("TELEGRAM_API_URL"),
                                         description="Bot API base URL (self-hosted Bot API server, tests)")

    @field_validator("database_url")
    @classmethod
    def _understood_database(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("https://", "http://")):
            raise ValueError(f"{value!r} is not a web address; write it as https://host[:port][/path]")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        level = "WARNING" if level == "WARN" else level
        if level not in LOG_LEVELS:
            raise ValueError(f"{value!r} is not a log level; use one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Amsterdam") from exc
        return value

    @field_validator("secret_key")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        from bot.shell.secrets import parse_keys

        if value is None or not value.get_secret_value().strip():
            return None  # an empty variable (e.g. in an env file) means "not set"
        parse_keys(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _language_has_a_file(self) -> Settings:
        """Languages are data: any language the prompts folder has a file for, and no other."""
        available = language_files(self.prompts_dir)
        if self.language not in available:
            raise ValueError(f"VOORDENKEN_LANGUAGE={self.language!r} has no file {self.language}.yaml in "
                             f"{self.prompts_dir}; available: {', '.join(available) or 'none'}")
        return self

    @model_validator(mode="after")
    def _oauth_needs_a_key(self) -> Settings:
        """OAuth installs store workspace tokens in the database: never in plain text."""
        if self.slack_client_id and self.secret_key is None:
            raise ValueError("SLACK_CLIENT_ID (OAuth installs) stores workspace tokens in the database: set "
                             "VOORDENKEN_SECRET_KEY to encrypt them (make a key with: voordenken secrets new-key)")
        return self

    def masked(self) -> dict[str, str]:
        """The effective configuration for display: secrets shown only as set/unset."""
        shown: dict[str, str] = {}
        for name, field in type(self).model_fields.items():
            alias = field.validation_alias
            env = alias.choices[0] if isinstance(alias, AliasChoices) else name.upper()
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                shown[str(env)] = "******** (set)"
            elif value is None:
                shown[str(env)] = "(not set)"
            elif name == "database_url":
                shown[str(env)] = _mask_url_password(str(value))
            else:
                shown[str(env)] = str(value)
        return shown


def normalise_database_url(value: str) -> str:
    """The URL Voordenken opens for what an operator wrote: a file path is SQLite, ``sqlite://``
    and ``postgresql://`` (the forms everyone writes) get the async drivers the bot ships with.

    Anything else is refused with what to write instead; the message never repeats the URL
    (it may carry a password).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    value = value.strip()
    if not value:
        raise ValueError("no database given; use a file path such as ./voordenken.db, or postgresql://user@host/db")
    if "://" not in value:  # a path: the CLI's help and every newcomer write one
        return f"sqlite+aiosqlite:///{Path(value).expanduser().resolve()}"
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(f"cannot read the database URL; {_URL_FORMS}") from None
    backend, _, driver = url.drivername.lower().partition("+")
    rest = value.split("://", 1)[1]  # as written: re-rendering would quote ':memory:' and passwords
    if backend == "sqlite" and driver in ("", "pysqlite", "aiosqlite"):
        return f"sqlite+aiosqlite://{rest}"
    if backend in ("postgresql", "postgres") and driver in ("", "asyncpg"):
        return f"postgresql+asyncpg://{rest}"
    if backend in ("sqlite", "postgresql", "postgres"):
        raise ValueError(f"the database driver {driver!r} is not installed; leave it out ({backend}://...) and "
                         f"Voordenken uses its own ({'aiosqlite' if backend == 'sqlite' else 'asyncpg'})")
    raise ValueError(f"unknown database scheme {url.drivername!r}; {_URL_FORMS}")


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_URL_FORMS = "use a file path (./voordenken.db), sqlite:///file.db or postgresql://user:password@host:5432/db"


def _mask_url_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable URL)"
