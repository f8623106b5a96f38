"""``voordenken``: the command line. Each subcommand builds the app through bootstrap()."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import sys
from collections.abc import Sequence
from datetime import timedelta
from importlib import metadata
from typing import TextIO

from pydantic import AliasChoices, ValidationError

from bot.app.settings import Settings
from bot.core.model import ChannelState, Phase
from bot.core.ports import ConfigurationError
from bot.core.script import ScriptError
from bot.shell.guard_model import ModelFileError
from bot.shell.prompts import demo_files
from bot.shell.secrets import SecretKeyError

DATABASE_HELP = "a file path or database URL (default: VOORDENKEN_DATABASE_URL, else ./voordenken.db)"


def default_speaker() -> str:
    """Who speaks on console lines without ``name:``: the person at the keyboard, by login name."""
    try:
        return getpass.getuser() or "you"
    except (OSError, KeyError, ImportError):  # no login name (a container with an unnamed uid)
        return "you"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voordenken", description="Think the problem through together first.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    speaker = default_speaker()
    run = sub.add_parser("run", help="run the bot (Slack/Telegram when tokens are set, else the console)")
    run.add_argument("--channel", default="general", help="console channel when no platform is configured")
    run.add_argument("--user", default=speaker, help="console user for lines without 'name:' (default: %(default)s)")

    console = sub.add_parser("console", help="chat with the bot in the terminal, or replay a file from stdin")
    console.add_argument("--channel", default="general", help="channel name (state is kept per channel)")
    console.add_argument("--user", default=speaker,
                         help="who speaks on lines without a 'name:' prefix (default: %(default)s)")
    console.add_argument("--database", help=DATABASE_HELP)

    channels = sub.add_parser("channels", help="list the channels with a session: phase, language, last activity")
    channels.add_argument("--database", help=DATABASE_HELP)

    demo = sub.add_parser("demo", help="replay a bundled example conversation on a throw-away database")
    demo.add_argument("language", nargs="?", default="en", choices=sorted(demo_files()))

    export = sub.add_parser("export", help="export a channel's session")
    export.add_argument("--channel", required=True, help="console channel name, or a full key like slack:T1:C1")
    export.add_argument("--format", default="md", choices=["md", "json"])
    export.add_argument("--database", help=DATABASE_HELP)

    page = sub.add_parser("page", help="write a channel's session as a read-only HTML page")
    page.add_argument("--channel", required=True, help="console channel name, or a full key like slack:T1:C1")
    page.add_argument("--out", required=True, help="the HTML file to write (replaced as a whole)")
    page.add_argument("--database", help=DATABASE_HELP)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="apply migrations (also done automatically on start)").add_argument(
        "--database", help=DATABASE_HELP)

    purge = sub.add_parser("purge", help="delete a channel's content for good (or all expired channels)")
    target = purge.add_mutually_exclusive_group(required=True)
    target.add_argument("--channel", help="console channel name, or a full key like slack:T1:C1")
    target.add_argument("--expired", action="store_true",
                        help="every channel idle for longer than VOORDENKEN_RETENTION_DAYS")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    purge.add_argument("--database", help=DATABASE_HELP)

    sub.add_parser("config", help="print the effective configuration (secrets masked)")

    inbox = sub.add_parser("inbox", help="events stored but not processed yet (see README: Deployment)")
    inbox_sub = inbox.add_subparsers(dest="inbox_command", metavar="ACTION", required=True)
    for action, text in (("list", "list waiting events: id, channel, when, attempts (never their text)"),
                         ("retry", "give waiting events their attempts back; a running bot takes them up")):
        inbox_sub.add_parser(action, help=text).add_argument("--database", help=DATABASE_HELP)

    outbox = sub.add_parser("outbox", help="outgoing messages not delivered (yet), and those given up on")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    for action, text in (("list", "list undelivered messages: id, channel, attempts, age, last error "
                                  "(never their text)"),
                         ("retry", "queue given-up messages again; a running bot sends them, in order")):
        outbox_action = outbox_sub.add_parser(action, help=text)
        outbox_action.add_argument("--channel", help="only this channel (console name, or a full key like slack:T1:C1)")
        outbox_action.add_argument("--database", help=DATABASE_HELP)

    secrets = sub.add_parser("secrets", help="encryption of stored secrets (VOORDENKEN_SECRET_KEY)")
    secrets_sub = secrets.add_subparsers(dest="secrets_command", metavar="ACTION", required=True)
    secrets_sub.add_parser("rotate", help="re-encrypt every stored secret with the first key")
    secrets_sub.add_parser("new-key", help="print a new random key")
    secrets.add_argument("--database", help=DATABASE_HELP)

    feedback = sub.add_parser("feedback", help="guard feedback from users")
    feedback_sub = feedback.add_subparsers(dest="feedback_command", metavar="ACTION", required=True)
    feedback_sub.add_parser(
        "export", help="the guard's corrections (released and parked by hand) as labelled JSON lines")

    sub.add_parser("classify", help="run the task-talk detector on text (see: voordenken classify --help)",
                   add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "classify":
        from bot.app.classify import classify_main

        return classify_main(argv[1:], sys.stdin, sys.stdout, sys.stderr)
    args = build_parser().parse_args(argv)
    if args.command is None:
        build_parser().print_help()
        return 0
    try:
        # --database goes through the same validation as VOORDENKEN_DATABASE_URL (a path is SQLite).
        settings = Settings(database_url=args.database) if getattr(args, "database", None) else Settings()
        _configure_logging(args, settings)
        return asyncio.run(_dispatch(args, settings))
    except ValidationError as exc:
        print(f"voordenken: configuration error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except (ScriptError, SecretKeyError, ConfigurationError, ModelFileError) as exc:
        print(f"voordenken: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from bot.shell.storage.database import DatabaseUnavailable  # here: SQLAlchemy is slow to import

        if not isinstance(exc, DatabaseUnavailable):
            raise
        print(f"voordenken: cannot open the database: {exc}", file=sys.stderr)
        return 2


def _version() -> str:
    try:
        return metadata.version("voordenken")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def _one_line(error: ValidationError) -> str:
    """pydantic's report as one line per setting, by its environment variable, without its
    boilerplate (error types, links to the pydantic docs)."""
    parts = []
    for problem in error.errors():
        message = str(problem["msg"]).removeprefix("Value error, ")
        field = Settings.model_fields.get(str(problem["loc"][0])) if problem["loc"] else None
        alias = field.validation_alias if field is not None else None
        if isinstance(alias, AliasChoices):
            message = f"{alias.choices[0]}: {message}"
        elif problem["loc"]:
            message = f"{problem['loc'][0]}: {message}"
        parts.append(message)
    return "; ".join(parts)


def _configure_logging(args: argparse.Namespace, settings: Settings) -> None:
    """Logs go to stderr; in a terminal chat (console, demo) only warnings, unless a level was set."""
    from bot.app.platforms import configured_platforms
    from bot.shell.logs import configure_logging

    chat_in_terminal = args.command in ("console", "demo") or (
        args.command == "run" and not configured_platforms(settings)
    )
    if chat_in_terminal and "log_level" not in settings.model_fields_set:
        settings = settings.model_copy(update={"log_level": "WARNING"})
    configure_logging(settings.log_level, settings.log_format, sdk_debug=settings.log_sdk_debug)
    if settings.log_level != "DEBUG":
        # Alembic's INFO lines ("Context impl SQLiteImpl.", each migration) are noise on every
        # command; `voordenken db upgrade` says what it did itself.
        logging.getLogger("alembic").setLevel(logging.WARNING)


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "config":
        for name, value in settings.masked().items():
            print(f"{name}={value}")
        return 0
    if args.command == "db":
        from bot.shell.storage.database import upgrade_database

        await upgrade_database(settings.database_url)
        print("database is up to date")
        return 0
    if args.command == "demo":
        from bot.app.console import demo

        return await demo(args.language, sys.stdout)
    if args.command == "console":
        from bot.app.console import console

        return await console(settings, args.channel, args.user, sys.stdin, sys.stdout)
    if args.command == "run":
        from bot.app.runner import run

        return await run(settings, console_channel=args.channel, console_user=args.user)
    if args.command == "channels":
        return await list_channels(settings, sys.stdout)
    if args.command == "export":
        return await export(settings, args.channel, args.format, sys.stdout)
    if args.command == "page":
        return await write_page(settings, args.channel, args.out, sys.stdout)
    if args.command == "purge":
        return await purge(settings, args.channel, args.expired, args.yes, sys.stdin, sys.stdout)
    if args.command == "feedback":
        return await feedback_export(settings, sys.stdout)
    if args.command == "secrets":
        return await secrets_command(settings, args.secrets_command, sys.stdout)
    if args.command == "inbox":
        return await inbox_command(settings, args.inbox_command, sys.stdout)
    if args.command == "outbox":
        channel = channel_arg(args.channel) if args.channel else None
        return await outbox_command(settings, args.outbox_command, channel, sys.stdout)
    raise AssertionError(args.command)


def channel_arg(name: str) -> str:
    return name if ":" in name else f"console:{name}"


async def list_channels(settings: Settings, stdout: TextIO) -> int:
    """One line per channel with a session: key, phase, language, last activity (never text:
    no topic, no answers), most recently active first."""
    from sqlalchemy import Connection, select

    from bot.shell.storage.channels import read_states
    from bot.shell.storage.database import make_engine, read_only, upgrade
    from bot.shell.storage.tables import channels

    def read(connection: Connection) -> list[tuple[str, str, str, str]]:
        active = {row.key: row.updated_at for row in connection.execute(select(channels.c.key, channels.c.updated_at))}
        rows = [(state.channel, state.phase.value, state.language, active[state.channel])
                for state in read_states(connection, items=False) if state.channel in active]
        rows.sort(key=lambda row: row[3], reverse=True)
        return [(key, phase, language, at.strftime("%Y-%m-%d %H:%M UTC")) for key, phase, language, at in rows]

    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with read_only(engine).begin() as connection:
            rows = await connection.run_sync(read)
    finally:
        await engine.dispose()
    if not rows:
        stdout.write("no channel has a session yet\n")
        return 0
    header = ("CHANNEL", "PHASE", "LANGUAGE", "LAST ACTIVITY")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
                     + f"  {row[3]}\n")
    return 0


async def export(settings: Settings, channel: str, fmt: str, stdout: TextIO) -> int:
    from bot.app.bootstrap import bootstrap
    from bot.core import export as exporting

    app = await bootstrap(settings)
    try:
        state = await app.service.get_state(channel_arg(channel))
    finally:
        await app.close()
    if state is None:
        print(f"voordenken: no session found for channel '{channel}'", file=sys.stderr)
        return 1
    if fmt == "json":
        stdout.write(json.dumps(exporting.to_json(state), ensure_ascii=False, indent=2) + "\n")
    else:
        stdout.write(exporting.to_markdown(state, app.script))
    return 0


async def write_page(settings: Settings, channel: str, out: str, stdout: TextIO) -> int:
    """Write the read-only page of ``channel`` to ``out`` (whole or not at all) and print its path."""
    import os
    import tempfile
    from datetime import UTC, datetime
    from pathlib import Path

    from bot.app.bootstrap import bootstrap
    from bot.core.page import render_page

    app = await bootstrap(settings)
    try:
        state = await app.service.get_state(channel_arg(channel))
    finally:
        await app.close()
    if state is None or not _has_content(state):
        print(f"voordenken: no session found for channel '{channel}'", file=sys.stderr)
        return 1
    page = render_page(state, app.script, datetime.now(UTC))
    path = Path(out)
    temporary: Path | None = None
    try:  # a temporary file beside it, renamed over it: a reader never sees half a page
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                         prefix=f".{path.name}.", suffix=".tmp", delete=False) as file:
            temporary = Path(file.name)
            file.write(page.html)
            file.flush()
            os.fsync(file.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as an ordinary new file (the temporary one is private)
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        print(f"voordenken: cannot write '{out}': {exc.strerror or exc}", file=sys.stderr)
        return 1
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
    stdout.write(f"{path}\n")
    return 0


def _has_content(state: ChannelState) -> bool:
    """A channel that never had a session, or was purged, has nothing to show."""
    return state.phase is not Phase.IDLE or any(
        (state.topic, state.answers, state.drafts, state.rounds, state.statement, state.parked, state.tasks))


async def purge(settings: Settings, channel: str | None, expired: bool, yes: bool, stdin: TextIO,
                stdout: TextIO) -> int:
    from datetime import timedelta

    from bot.app.bootstrap import bootstrap

    what = f"channel '{channel}'" if channel else f"every channel idle for over {settings.retention_days} days"
    if not yes:
        if not stdin.isatty():
            print(f"voordenken: purging {what} deletes its content for good; add --yes to confirm",
                  file=sys.stderr)
            return 2
        stdout.write(f"Delete the content of {what} for good? Type 'yes': ")
        stdout.flush()
        if stdin.readline().strip().lower() != "yes":
            print("nothing deleted", file=sys.stderr)
            return 1
    if expired and settings.retention_days == 0:
        print("voordenken: VOORDENKEN_RETENTION_DAYS is 0 (keep forever); nothing to purge", file=sys.stderr)
        return 0
    app = await bootstrap(settings)
    try:
        if channel is not None:
            if not await app.service.delete_channel(channel_arg(channel)):
                print(f"voordenken: nothing stored for channel '{channel}'", file=sys.stderr)
                return 1
            stdout.write(f"purged {channel_arg(channel)}\n")
        else:
            for key in await app.service.purge_expired(timedelta(days=settings.retention_days)):
                stdout.write(f"purged {key}\n")
    finally:
        await app.close()
    return 0


async def inbox_command(settings: Settings, action: str, stdout: TextIO) -> int:
    """``list`` shows what waits in the inbox; ``retry`` lets the running bot try those events again.

    An event that failed 8 times stays in the inbox until someone looks (its id, channel and
    the bot's log say which); ``retry`` is for after the cause is fixed.
    """
    from datetime import UTC, datetime

    from bot.shell.storage import queues
    from bot.shell.storage.database import make_engine, upgrade

    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with engine.begin() as connection:
            if action == "retry":
                count = await connection.run_sync(queues.retry_inbox, datetime.now(UTC))
                stdout.write(f"{count} waiting event(s) will be tried again by the running bot\n")
                return 0
            rows = await connection.run_sync(queues.waiting_in_inbox)
    finally:
        await engine.dispose()
    for row in rows:
        stdout.write(f"{row.received_at.isoformat()}  {row.attempts} attempt(s)  {row.channel}  {row.event_id}\n")
    stdout.write(f"{len(rows)} event(s) waiting\n")
    return 0


async def outbox_command(settings: Settings, action: str, channel: str | None, stdout: TextIO) -> int:
    """``list`` shows what was not delivered; ``retry`` queues what was given up on again.

    A message still failing VOORDENKEN_OUTBOX_GIVE_UP_AFTER after it was queued (Slack down
    for hours), or refused for good (bot removed from the channel), stays as ``failed``;
    ``retry`` is for after the cause is fixed. Retried messages go out before anything queued
    later in their channel that is still waiting, but after what was already sent meanwhile.
    """
    from datetime import UTC, datetime

    from bot.shell.storage import queues
    from bot.shell.storage.database import make_engine, upgrade

    now = datetime.now(UTC)
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with engine.begin() as connection:
            if action == "retry":
                count = await connection.run_sync(queues.retry_failed, now, channel)
                stdout.write(f"{count} given-up message(s) will be sent again by the running bot\n")
                return 0
            rows = await connection.run_sync(queues.undelivered, channel)
    finally:
        await engine.dispose()
    for row in rows:
        stdout.write(f"{row.id}  {row.channel}  {row.status}  {row.attempts} attempt(s)  "
                     f"{_age(now - row.created_at)} old  {row.last_error or '-'}\n")
    failed = sum(1 for row in rows if row.status == "failed")
    stdout.write(f"{failed} message(s) given up, {len(rows) - failed} still being tried\n")
    return 0


def _age(age: timedelta) -> str:
    seconds = max(int(age.total_seconds()), 0)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


async def secrets_command(settings: Settings, action: str, stdout: TextIO) -> int:
    """``new-key`` prints a key; ``rotate`` re-encrypts stored secrets with the first configured key."""
    from bot.shell.secrets import SecretBox, new_key

    if action == "new-key":
        stdout.write(new_key() + "\n")
        return 0
    if settings.secret_key is None:
        print("voordenken: configuration error: set VOORDENKEN_SECRET_KEY (new key first) to rotate",
              file=sys.stderr)
        return 2
    from adapters.slack.installations import rotate_secrets
    from bot.shell.storage.database import make_engine, upgrade

    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        changed = await rotate_secrets(engine, SecretBox.from_setting(settings.secret_key.get_secret_value()))
    finally:
        await engine.dispose()
    stdout.write(f"re-encrypted the secrets of {changed} stored row(s) with the first key\n")
    return 0


async def feedback_export(settings: Settings, stdout: TextIO) -> int:
    from bot.app.bootstrap import bootstrap
    from bot.core.guard.feedback import training_rows

    app = await bootstrap(settings)
    try:
        states = await app.service.all_states()
    finally:
        await app.close()
    for state in states:
        released = [item.text for item in state.parked if item.released]
        for row in training_rows(state.lessons, released, state.participants):
            stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
