"""The one-way pipe every event takes: inbox -> handler (a batch per channel) -> outbox.

:class:`~bot.shell.pipe.service.ChannelService` is its facade.
"""
