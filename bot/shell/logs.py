"""Logging set-up: plain text or JSON lines on stderr, with secrets redacted.

Conventions (so logs can be shipped anywhere): never log message text at INFO; put
identifiers in ``extra`` (``channel``, ``event_id``, ``platform``), which the JSON
format emits as fields.

One redactor, :class:`RedactingFilter`, masks anything shaped like a Slack or Telegram
token and every exact secret an adapter registers with :func:`register_secret` (a webhook
secret has no shape to recognise). It sits on our handler and on the root handlers and
SDK loggers named at registration, so it sees every record whichever library logged it:
the Telegram Bot API puts the bot token in every request URL, which httpx logs at INFO
and exceptions quote; those request lines are not written at all (WARNING and up only).

The SDKs (python-telegram-bot, slack_sdk, slack_bolt) write request parameters and payloads
at DEBUG, message text included, so their loggers stop at INFO even when our level is DEBUG;
``VOORDENKEN_LOG_SDK_DEBUG`` (``sdk_debug``) lifts that cap for debugging a platform.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TextIO

MASK = "[redacted]"

# Slack bot/user/app-level/refresh tokens and Telegram bot tokens ("123456:AA...").
TOKEN = re.compile(
    r"xox[abposr]-[A-Za-z0-9-]+"
    r"|xapp-[A-Za-z0-9-]+"
    r"|\d+:[A-Za-z0-9_-]{30,}"
)

# Request lines of these HTTP clients quote the URL (Telegram: with the token); WARNING and up only.
QUIET_LOGGERS = ("httpx", "httpcore", "aiohttp.access")
# Their DEBUG lines quote request parameters and payloads (message text); INFO and up only,
# unless ``sdk_debug`` is on.
SDK_LOGGERS = ("telegram", "slack_sdk", "slack_bolt")
_sdk_debug = False

# Exact secrets registered by the adapters, with their masks, longest first (so a secret that
# contains another is masked whole). Replaced, never changed in place: other threads log too.
_secrets: tuple[tuple[str, str], ...] = ()

# Attributes every LogRecord has; anything else came in through ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}

_HANDLER_MARK = "_voordenken_handler"


def redact(text: str) -> str:
    for secret, mask in _secrets:
        if secret in text:
            text = text.replace(secret, mask)
    return TOKEN.sub(MASK, text)


def register_secret(value: str, mask: str = MASK, loggers: Iterable[str] = ()) -> None:
    """Mask ``value`` in every record from now on, wherever the redactor is attached; idempotent.

    Attaches the redactor to the root logger's handlers present now (a handler's filter sees
    every record that propagates to it) and to ``loggers`` and the HTTP clients' loggers
    themselves (a logger's filter is not inherited by its children, but cleans what is
    logged on it before any handler, ours or not, sees it). Handlers made later by
    :func:`configure_logging` carry the redactor already; for others, register again.
    """
    global _secrets
    if value:
        _secrets = tuple(sorted({**dict(_secrets), value: mask}.items(), key=lambda entry: -len(entry[0])))
    _quiet_http_clients()
    for target in [*logging.getLogger().handlers, *map(logging.getLogger, (*loggers, *QUIET_LOGGERS))]:
        _attach(target)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, tuple):
        return tuple(_redact_value(item) for item in value)
    if isinstance(value, list):
        return [_redact_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _redact_value(item) for key, item in value.items()}
    return value


class RedactingFilter(logging.Filter):
    """Rewrites a record so no token or registered secret survives: message, arguments, traceback, extras."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD:
                setattr(record, key, _redact_value(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then every ``extra`` field."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                document[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            document["exception"] = record.exc_text
        if record.stack_info:
            document["stack"] = record.stack_info
        return json.dumps(document, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Human-readable, with the identifiers from ``extra`` appended as key=value."""

    _KEYS = ("platform", "channel", "event_id")

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        pairs = [f"{key}={getattr(record, key)}" for key in self._KEYS if hasattr(record, key)]
        if not pairs:
            return line
        head, newline, tail = line.partition("\n")
        return f"{head} [{' '.join(pairs)}]{newline}{tail}"


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (it is replaced in tests and by tools)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure_logging(level: str = "INFO", log_format: str = "text", stream: TextIO | None = None,
                      *, sdk_debug: bool = False) -> logging.Handler:
    """Install our one root handler (replacing an earlier one of ours) and return it.

    ``level``, ``log_format`` and ``sdk_debug`` come from the settings
    (``VOORDENKEN_LOG_LEVEL``/``_FORMAT``/``_SDK_DEBUG``).
    """
    global _sdk_debug
    _sdk_debug = sdk_debug
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, _HANDLER_MARK, False):
            root.removeHandler(old)
    handler: logging.Handler = _StderrHandler() if stream is None else logging.StreamHandler(stream)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    _attach(handler)
    root.addHandler(handler)
    root.setLevel(level.upper())
    _quiet_http_clients()
    return handler


def _attach(target: logging.Filterer) -> None:
    if not any(isinstance(existing, RedactingFilter) for existing in target.filters):
        target.addFilter(RedactingFilter())


def _quiet_http_clients() -> None:
    """HTTP clients at WARNING; the SDKs at INFO (or following the root with ``sdk_debug``)."""
    for name in QUIET_LOGGERS:
        _cap(logging.getLogger(name), logging.WARNING)
    for name in SDK_LOGGERS:
        logger = logging.getLogger(name)
        if not _sdk_debug:
            _cap(logger, logging.INFO)
        elif logger.level == logging.INFO:  # the cap we set before: follow the root level again
            logger.setLevel(logging.NOTSET)


def _cap(logger: logging.Logger, level: int) -> None:
    if logger.level == logging.NOTSET or logger.level < level:
        logger.setLevel(level)


@contextmanager
def restored() -> Iterator[None]:
    """For tests that change logging: the root's handlers and level, the HTTP clients' and
    SDKs' levels and the ``sdk_debug`` opt-in are put back as they were."""
    global _sdk_debug
    root = logging.getLogger()
    handlers, level, sdk_debug = list(root.handlers), root.level, _sdk_debug
    levels = {name: logging.getLogger(name).level for name in (*QUIET_LOGGERS, *SDK_LOGGERS)}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        _sdk_debug = sdk_debug
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)
