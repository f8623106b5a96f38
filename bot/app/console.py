"""The console chat and the demo replay: the app run in a terminal, on the console adapter."""

from __future__ import annotations

import io
import tempfile
from typing import TextIO

from adapters.console import ConsoleTransport, read_lines, run_console
from bot.app.bootstrap import bootstrap
from bot.app.channel_port import ServicePort
from bot.app.settings import Settings
from bot.core.ports import ConfigurationError
from bot.shell.prompts import demo_files

DEMO_CHANNEL = "demo"


async def console(settings: Settings, channel: str, user: str, stdin: TextIO, stdout: TextIO) -> int:
    if isinstance(stdin, io.TextIOWrapper):
        # A replay file need not be UTF-8 (Latin-1, cp1252): undecodable bytes become lone
        # surrogates, which the console's translation turns into U+FFFD, instead of a crash.
        stdin.reconfigure(errors="surrogateescape")
    app = await bootstrap(settings, transports=[_transport(settings, stdout)])
    try:
        await app.service.deliver_pending()
        await app.scheduler.start()  # check-ins keep coming while the console is open
        interactive = stdin.isatty()
        banner = app.script.pack(settings.language).texts.get("console_banner")
        if interactive and banner:  # in the deployment's language (prompts/console/<lang>.yaml)
            print(banner.format(channel=channel, command=app.script.command_word(settings.language)))
        await run_console(ServicePort.of(app), read_lines(stdin, "> " if interactive else None), stdout,
                          channel=channel, user=user, echo=not interactive,
                          command_words=app.script.command_words(), script=app.script)
    finally:
        await app.close()
    return 0


async def demo(language: str, stdout: TextIO) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp}/demo.db", language=language)
        files = demo_files(settings.prompts_dir)  # VOORDENKEN_PROMPTS_DIR in an installed image
        if language not in files:
            raise ConfigurationError(f"no demo conversation in {language!r} in {settings.prompts_dir / 'demo'}; "
                                     f"available: {', '.join(files) or 'none'}")
        path = files[language]
        app = await bootstrap(settings, transports=[_transport(settings, stdout)])
        try:
            with path.open(encoding="utf-8") as lines:
                await run_console(ServicePort.of(app), read_lines(lines), stdout, channel=DEMO_CHANNEL, echo=True,
                                  command_words=app.script.command_words(), script=app.script)
        finally:
            await app.close()
    end = app.script.pack(language).texts.get("console_demo_end")
    if end:
        stdout.write("\n" + end.format(path=path) + "\n")
    return 0


def _transport(settings: Settings, stdout: TextIO) -> ConsoleTransport:
    """Prints to ``stdout``; statement cards go to ``VOORDENKEN_CARD_DIR`` as PNG files."""
    from bot.shell.card_image import draw_card  # Pillow: imported only by a console that runs

    return ConsoleTransport(stdout, draw=draw_card, cards=settings.card_dir)
