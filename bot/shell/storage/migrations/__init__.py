"""Alembic migrations; run through :func:`bot.shell.storage.database.upgrade`."""
