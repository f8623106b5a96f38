"""Encryption at rest for secrets the bot stores itself (Slack OAuth tokens).

The key comes from ``VOORDENKEN_SECRET_KEY``: one Fernet key, or a comma-separated list
for rotation. The first key encrypts; every key decrypts (``MultiFernet``). Rotation:
put the new key first, restart, run ``voordenken secrets rotate`` (re-encrypts every
stored secret with the first key), then drop the old key.

Sealed values carry a short prefix so the store can tell them from values written
before encryption was enabled (``rotate`` encrypts those too) and never seals twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "enc1:"


class SecretKeyError(ValueError):
    """The key setting is missing or malformed, or a value was sealed with an unknown key."""


def parse_keys(raw: str) -> tuple[str, ...]:
    """The keys of a comma-separated ``VOORDENKEN_SECRET_KEY``; ``SecretKeyError`` names what is wrong."""
    keys = tuple(part.strip() for part in raw.split(",") if part.strip())
    if not keys:
        raise SecretKeyError("VOORDENKEN_SECRET_KEY is empty; expected one or more Fernet keys, comma-separated")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            # Never echo the key itself: this message ends up in logs and terminals.
            raise SecretKeyError(
                f"VOORDENKEN_SECRET_KEY: key {position} is not a Fernet key (32 url-safe base64-encoded "
                "bytes; make one with: voordenken secrets new-key)"
            ) from None
    return keys


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


class SecretBox:
    """Seals and opens short strings with the configured keys."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise SecretKeyError("no secret key configured")
        self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys])

    @classmethod
    def from_setting(cls, raw: str) -> SecretBox:
        return cls(parse_keys(raw))

    @staticmethod
    def is_sealed(value: str) -> bool:
        return value.startswith(PREFIX)

    def seal(self, value: str | None) -> str | None:
        """Encrypt ``value`` with the first key; ``None`` and already sealed values pass through."""
        if value is None or self.is_sealed(value):
            return value
        return PREFIX + self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def open(self, value: str | None) -> str | None:
        """Decrypt a sealed value with any key; a plain legacy value passes through unchanged."""
        if value is None or not self.is_sealed(value):
            return value
        try:
            return self._fernet.decrypt(value[len(PREFIX):].encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SecretKeyError(
                "a stored secret was encrypted with a key that is not in VOORDENKEN_SECRET_KEY"
            ) from None

    def reseal(self, value: str | None) -> str | None:
        """Re-encrypt with the first key (plain legacy values get encrypted)."""
        if value is None:
            return None
        if not self.is_sealed(value):
            return self.seal(value)
        try:
            token = self._fernet.rotate(value[len(PREFIX):].encode("ascii"))
        except InvalidToken:
            raise SecretKeyError(
                "a stored secret was encrypted with a key that is not in VOORDENKEN_SECRET_KEY"
            ) from None
        return PREFIX + token.decode("ascii")
