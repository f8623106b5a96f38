"""A Dutch team on the console sees Dutch only: texts, buttons, hints, status, votes, export.

The team starts with the English command and a Dutch topic, as a Dutch team on an
English-speaking install would: the channel turns Dutch, says so once, and from then on
not one tell-tale English word appears in anything the bot prints.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from adapters.console import ConsoleTransport, run_console
from bot.app.bootstrap import bootstrap
from bot.app.settings import Settings

SESSION = """\
anna: /problem start schulden bij jongeren in Noord
anna: /probleem status
bram: Jongeren in Noord bouwen schulden op met telefoonabonnementen en niemand ziet het op tijd.
cees: Ik pak de schuldhulpverlening wel op, dan bel ik morgen de corporatie en regel ik een gesprek met de ouders.
bram: /probleem klaar
anna: /probleem bewaker
anna: /probleem bewaker streng
anna: /probleem bewaker mild
anna: /probleem omleiden
anna: /probleem klar
anna: /probleem volgende
bram: Vooral jongeren van 17 tot 23, en vaak hun ouders.
anna: /probleem volgende
cees: We kennen zo'n 40 gevallen dit jaar; hoeveel ons nooit bereiken weten we niet.
anna: /probleem volgende
anna: /probleem volgende
anna: /probleem volgende
anna: /probleem volgende
anna: /probleem status
anna: /probleem concept
anna: /probleem stem --tot vr 17:00
bram: /probleem zorg
bram: /probleem akkoord
anna: /probleem status
cees: /probleem bezwaar de ouders ontbreken
cees: /probleem concept Jongeren in Noord en hun ouders bouwen schulden op die niemand op tijd ziet.
anna: /probleem stem
anna: /probleem akkoord
bram: /probleem zorg de cijfers zijn van vorig jaar
cees: /probleem akkoord
anna: /probleem taak @cees belt de corporatie
anna: /probleem taken
cees: /probleem gedaan 1
anna: /probleem geparkeerd
anna: /probleem exporteer
anna: /probleem hulp
anna: /probleem inchecken wekelijks ma 09:00
anna: /probleem inchecken stand
anna: /probleem tijdzone
anna: /probleem heropen
anna: /probleem reset
anna: /probleem wis
"""

# Words that give an English text away; none of them is Dutch (or a name in this session).
ENGLISH = ("agree", "agreed", "agreement", "concern", "object", "objection", "abstain", "ready", "draft",
           "strict", "gentle", "observe", "waiting", "vote", "voted", "votes", "confirm", "parked", "task",
           "tasks", "done", "next", "thread", "private", "round", "question", "version", "facilitator",
           "phase", "please", "the", "and", "you", "your", "only", "reply", "updated", "until", "reason", "text")
TELL_TALE = re.compile(r"\b(" + "|".join(ENGLISH) + r")\b", re.IGNORECASE)


async def test_a_dutch_session_on_the_console_says_not_one_english_word(tmp_path: Path) -> None:
    out = io.StringIO()
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'nl.db'}", outbound_pacing=False)
    app = await bootstrap(settings, transports=[ConsoleTransport(out)])
    try:
        async def lines():  # type: ignore[no-untyped-def]
            for line in SESSION.splitlines(keepends=True):
                yield line

        await run_console(app.service, lines(), out, channel="wijkteam", command_words=app.script.command_words())
    finally:
        await app.close()

    printed = out.getvalue()
    for milestone in (
        "Ik ga verder in het Nederlands; met /problem lang en zet je het terug op Engels.",
        "Vraag 1 van 6: Wat is het probleem?",
        "[Ik ben klaar: /probleem klaar]",
        "Je schreef: “",
        "— dat klinkt als taakverdeling",
        "Bewaker: mild.",
        "[Zorg: /probleem zorg <tekst>]",
        "> /probleem zorg <tekst>",
        "**bram**: Zorg — de cijfers zijn van vorig jaar",
        "Geparkeerde voorstellen: mogelijke taken",
        "Bedoel je /probleem klaar?",
        "[Ja, wissen: /probleem reset bevestig]",
    ):
        assert milestone in printed, milestone
    # The one English command in it is the way back; the rest is Dutch.
    dutch = printed.replace("/problem lang en", "")
    found = sorted({match.group(0) for match in TELL_TALE.finditer(dutch)})
    assert not found, f"English in a Dutch session: {found}\n{printed}"
