"""What the Telegram adapter still imports from storage by this old name.

TODO(issue 13, narrow port): goes with the adapter's direct database access; everything
else uses the modules by job (statements, channels, queues, views, purge).
"""

from bot.shell.storage.queues import mark_processed

__all__ = ["mark_processed"]
