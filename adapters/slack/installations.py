"""Slack OAuth installations, stored with their secrets encrypted (:mod:`bot.shell.secrets`).

slack-sdk's ``AsyncSQLAlchemyInstallationStore`` writes bot and user tokens, refresh
tokens and incoming-webhook URLs as plain text. This subclass seals those fields before
they reach the database and opens them on load, so a database dump or backup does not
hand out workspace tokens. Everything else (the query logic, which row is the latest)
stays slack-sdk's.

The secret columns are widened to TEXT: a sealed token is about 2.5 times as long as the
token, more than slack-sdk's VARCHAR(200) holds on PostgreSQL.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import (
    AsyncSQLAlchemyInstallationStore,
    SQLAlchemyInstallationStore,
)
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table, Text, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.config import SlackConfig
from bot.shell.secrets import SecretBox

INSTALLATION_SECRETS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token", "incoming_webhook_url")
BOT_SECRETS = ("bot_token", "bot_refresh_token")


def _with_text_columns(source: Table, metadata: MetaData, secrets: tuple[str, ...]) -> Table:
    table = source.to_metadata(metadata)
    for name in secrets:
        table.c[name].type = Text()
    return table


class EncryptedInstallationStore(AsyncSQLAlchemyInstallationStore):
    """``AsyncSQLAlchemyInstallationStore`` that never writes a token in plain text."""

    def __init__(self, client_id: str, engine: AsyncEngine, box: SecretBox) -> None:
        super().__init__(client_id, engine)
        self.box = box

    @classmethod
    def build_installations_table(cls, metadata: MetaData, table_name: str) -> Table:
        source = SQLAlchemyInstallationStore.build_installations_table(MetaData(), table_name)
        return _with_text_columns(source, metadata, INSTALLATION_SECRETS)

    @classmethod
    def build_bots_table(cls, metadata: MetaData, table_name: str) -> Table:
        source = SQLAlchemyInstallationStore.build_bots_table(MetaData(), table_name)
        return _with_text_columns(source, metadata, BOT_SECRETS)

    async def create_tables(self) -> None:
        """Create the tables; on PostgreSQL also widen secret columns that an older version made VARCHAR."""
        await super().create_tables()
        async with self.engine.begin() as connection:
            if connection.dialect.name != "postgresql":
                return  # SQLite does not enforce VARCHAR lengths
            for table, names in ((self.installations, INSTALLATION_SECRETS), (self.bots, BOT_SECRETS)):
                for name in names:
                    await connection.execute(text(f'ALTER TABLE "{table.name}" ALTER COLUMN "{name}" TYPE TEXT'))

    # ------------------------------------------------------------------ write: seal

    def _sealed(self, entity: Any, names: tuple[str, ...]) -> Any:
        sealed = copy.copy(entity)
        for name in names:
            setattr(sealed, name, self.box.seal(getattr(entity, name)))
        return sealed

    async def async_save(self, installation: Installation) -> None:
        # slack-sdk then saves installation.to_bot() through async_save_bot: already sealed, not sealed twice.
        await super().async_save(self._sealed(installation, INSTALLATION_SECRETS))

    async def async_save_bot(self, bot: Bot) -> None:
        await super().async_save_bot(self._sealed(bot, BOT_SECRETS))

    # ------------------------------------------------------------------ read: open

    def _opened(self, entity: Any, names: tuple[str, ...]) -> Any:
        if entity is not None:
            for name in names:
                setattr(entity, name, self.box.open(getattr(entity, name)))
        return entity

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        bot = await super().async_find_bot(enterprise_id=enterprise_id, team_id=team_id,
                                           is_enterprise_install=is_enterprise_install)
        return self._opened(bot, BOT_SECRETS)

    async def async_find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                      user_id: str | None = None,
                                      is_enterprise_install: bool | None = False) -> Installation | None:
        installation = await super().async_find_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id,
            is_enterprise_install=is_enterprise_install)
        return self._opened(installation, INSTALLATION_SECRETS)

    async def bot_token(self, team: str) -> str | None:
        """``adapters.slack.transport.TokenSource``: the token of the bot installed in ``team``."""
        bot = await self.async_find_bot(enterprise_id=None, team_id=team)
        return bot.bot_token if bot is not None else None

    # ------------------------------------------------------------------ rotation

    async def rotate(self) -> int:
        """Re-encrypt every stored secret with the first key (plain legacy values too); returns rows changed."""
        changed = 0
        async with self.engine.begin() as connection:
            for table, names in ((self.installations, INSTALLATION_SECRETS), (self.bots, BOT_SECRETS)):
                columns = [table.c[name] for name in names]
                rows = (await connection.execute(select(table.c.id, *columns))).mappings().all()
                for row in rows:
                    values = {name: self.box.reseal(row[name]) for name in names if row[name] is not None}
                    if values:
                        await connection.execute(update(table).where(table.c.id == row["id"]).values(**values))
                        changed += 1
        return changed


async def rotate_secrets(engine: AsyncEngine, box: SecretBox) -> int:
    """``voordenken secrets rotate``: re-encrypt the stored Slack installations (if any)."""
    from sqlalchemy import inspect

    store = EncryptedInstallationStore("rotation", engine, box)
    async with engine.connect() as connection:
        existing = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    if store.installations.name not in existing or store.bots.name not in existing:
        return 0
    return await store.rotate()


@dataclass(frozen=True)
class OAuthStores:
    """Where OAuth installs keep their workspaces' tokens, and their flows' one-time states."""

    installations: EncryptedInstallationStore
    states: AsyncSQLAlchemyOAuthStateStore

    async def create_tables(self) -> None:
        await self.installations.create_tables()
        await self.states.create_tables()


def oauth_stores(config: SlackConfig, engine: AsyncEngine) -> OAuthStores:
    """The stores on the app's database engine: the adapter's one way into the database, slack-sdk's own."""
    assert config.client_id and config.secret_key  # SlackConfig checked both
    box = SecretBox.from_setting(config.secret_key)
    return OAuthStores(EncryptedInstallationStore(config.client_id, engine, box),
                       AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine))
