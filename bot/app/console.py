"""The console chat and the demo replay: the app run in a terminal, on the console adapter."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TextIO

from adapters.console import ConsoleTransport, read_lines, run_console
from bot.app.bootstrap import bootstrap
from bot.app.channel_port import ServicePort
from bot.app.settings import Settings
from bot.shell.prompts import DEFAULT_PROMPTS_DIR

DEMO_CHANNEL = "demo"


async def console(settings: Settings, channel: str, user: str, stdin: TextIO, stdout: TextIO) -> int:
    app = await bootstrap(settings, transports=[ConsoleTransport(stdout)])
    try:
        await app.service.deliver_pending()
        await app.scheduler.start()  # check-ins keep coming while the console is open
        interactive = stdin.isatty()
        if interactive:
            print(f"Voordenken console, channel '{channel}'. Type '/problem start' to begin, "
                  f"'name: text' to speak as someone else, Ctrl-D to leave.")
        await run_console(ServicePort.of(app), read_lines(stdin, "> " if interactive else None), stdout,
                          channel=channel, user=user, echo=not interactive)
    finally:
        await app.close()
    return 0


def demo_file(language: str, prompts_dir: Path | None = None) -> Path:
    return (prompts_dir or DEFAULT_PROMPTS_DIR) / "demo" / f"{language}.txt"


async def demo(language: str, stdout: TextIO) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp}/demo.db", language=language)
        path = demo_file(language, settings.prompts_dir)  # VOORDENKEN_PROMPTS_DIR in an installed image
        app = await bootstrap(settings, transports=[ConsoleTransport(stdout)])
        try:
            with path.open(encoding="utf-8") as lines:
                await run_console(ServicePort.of(app), read_lines(lines), stdout, channel=DEMO_CHANNEL, echo=True)
        finally:
            await app.close()
    stdout.write(f"\n(This conversation is {path}. Replay your own: voordenken console --channel mine < file)\n")
    return 0
