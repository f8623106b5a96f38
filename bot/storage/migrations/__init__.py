"""Alembic migrations; run through :func:`bot.storage.database.upgrade`."""
