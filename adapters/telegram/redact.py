"""Keep the bot token out of the logs.

The Bot API puts the token in every request URL, and httpx logs request URLs at INFO
(``HTTP Request: POST https://api.telegram.org/bot<token>/getUpdates``); exceptions can
quote them too. This filter rewrites any record that contains the token, and the
httpx/httpcore loggers are raised to WARNING so the request lines are not written at all.
"""

from __future__ import annotations

import logging

MASK = "<telegram-token>"
SECRET_MASK = "<telegram-webhook-secret>"
QUIET_LOGGERS = ("httpx", "httpcore")


class TokenRedactor(logging.Filter):
    def __init__(self, token: str, mask: str = MASK) -> None:
        super().__init__()
        self._token = token
        self._mask = mask

    def filter(self, record: logging.LogRecord) -> bool:
        token = self._token
        if not token:
            return True
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        if token in message:
            record.msg = message.replace(token, self._mask)
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and token in record.exc_text:
            record.exc_text = record.exc_text.replace(token, self._mask)
        return True


def install(token: str, mask: str = MASK) -> TokenRedactor:
    """Attach a redactor to the root handlers and the SDK loggers; idempotent per token.

    Also used for the webhook secret (``SECRET_MASK``): PTB logs setWebhook's parameters at DEBUG.

    Handler filters see every record that propagates to them, whatever logger it came
    from (logger filters are not inherited by child loggers).
    """
    redactor = TokenRedactor(token, mask)
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)
    names = ("telegram", "telegram.ext", *QUIET_LOGGERS)
    targets: list[logging.Filterer] = [logging.getLogger(name) for name in names]
    targets.extend(logging.getLogger().handlers)
    for target in targets:
        if not any(isinstance(f, TokenRedactor) and f._token == token for f in target.filters):
            target.addFilter(redactor)
    return redactor

