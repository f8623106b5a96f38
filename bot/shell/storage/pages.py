"""Links to a channel's session page: minted, signed, checked, revoked.

A link is ``<random>.<signature>``: 128 random bits, and an HMAC-SHA256 of them under the
deployment's key (a forged link is refused before the database is asked). Only the SHA-256
of the random part is stored, with the channel, who asked, when it expires and whether it
was revoked; a purge deletes the channel's links with the rest of its content.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.shell.storage.tables import page_keys, page_links

RANDOM_BYTES = 16  # 128 bits
SIGNATURE_BYTES = 16
_KEY_NAME = "page-links"


def mint(connection: Connection, channel: str, user: str, now: datetime, until: datetime) -> str:
    """A new link token for ``channel``'s page, valid until ``until``."""
    raw = secrets.token_bytes(RANDOM_BYTES)
    connection.execute(insert(page_links).values(id=_stored_id(raw), channel=channel, user_id=user,
                                                 created_at=now, expires_at=until, revoked_at=None))
    return f"{_b64(raw)}.{_b64(_sign(_key(connection), raw))}"


def channel_of(connection: Connection, token: str, now: datetime) -> str | None:
    """The channel whose page ``token`` opens now, or None (forged, unknown, expired, revoked)."""
    raw = _verified(connection, token)
    if raw is None:
        return None
    row = connection.execute(select(page_links.c.channel, page_links.c.expires_at, page_links.c.revoked_at)
                             .where(page_links.c.id == _stored_id(raw))).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    return str(row.channel)


def revoke(connection: Connection, channel: str, user: str | None, now: datetime) -> int:
    """End ``user``'s links to ``channel``'s page (every link when ``user`` is None)."""
    mine = page_links.c.channel == channel
    if user is not None:
        mine = mine & (page_links.c.user_id == user)
    return connection.execute(update(page_links).where(mine, page_links.c.revoked_at.is_(None))
                              .values(revoked_at=now)).rowcount


def forget(connection: Connection, channel: str) -> int:
    """Delete ``channel``'s links (a purge)."""
    return connection.execute(delete(page_links).where(page_links.c.channel == channel)).rowcount


def _verified(connection: Connection, token: str) -> bytes | None:
    encoded, dot, signature = token.partition(".")
    if not dot or len(token) > 64:
        return None
    try:
        raw, signed = _unb64(encoded), _unb64(signature)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != RANDOM_BYTES:
        return None
    key = _existing_key(connection)
    if key is None or not hmac.compare_digest(signed, _sign(key, raw)):
        return None
    return raw


def _key(connection: Connection) -> bytes:
    """The signing key, made on first use; a replica that loses the race reads the winner's."""
    key = _existing_key(connection)
    if key is not None:
        return key
    try:
        with connection.begin_nested():
            connection.execute(insert(page_keys).values(name=_KEY_NAME, secret=secrets.token_hex(32)))
    except IntegrityError:
        pass
    key = _existing_key(connection)
    assert key is not None
    return key


def _existing_key(connection: Connection) -> bytes | None:
    secret = connection.execute(select(page_keys.c.secret).where(page_keys.c.name == _KEY_NAME)).scalar()
    return bytes.fromhex(secret) if secret else None


def _sign(key: bytes, raw: bytes) -> bytes:
    return hmac.new(key, b"voordenken-page:" + raw, hashlib.sha256).digest()[:SIGNATURE_BYTES]


def _stored_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if not text or not all(c.isalnum() or c in "-_" for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
