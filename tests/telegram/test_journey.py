"""A Telegram group of three goes from ``/probleem start`` to an agreed problem statement."""

from __future__ import annotations

from pathlib import Path

from tests.telegram.conftest import GROUP, PEOPLE, running
from tests.telegram.fake_telegram import FakeTelegram

ANSWERS = [
    ("anna", "Jongeren in Noord bouwen schulden op met telefoonabonnementen en achteraf betalen."),
    ("bram", "Mest jongeren tussen 17 en 23, en vaak hun ouders ook."),
    ("carla", "We kennen zo'n 40 gevallen dit jaar; hoeveel er nooit bij ons komen weten we niet."),
    ("bram", "De politie ziet de criminaliteit die volgt, niet de schuld ervoor."),
    ("carla", "Ieder van ons ziet een stukje op een ander moment."),
    ("anna", "Jongeren hebben overzicht en hulp voordat de schuld uit de hand loopt."),
]


async def test_dutch_journey_to_agreement_in_a_group(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        await group.say("anna", "/probleem start jongeren en schulden")
        assert await fake.sent("Sessie gestart. Gespreksleider: Anna", chat_id=GROUP)
        question = await fake.sent("Vraag 1 van 6", chat_id=GROUP)
        assert "<b>Vraag 1 van 6" in fake.calls("sendMessage")[-1].params["text"]  # bold title, HTML mode

        # Answers are plain messages...
        await group.say("anna", ANSWERS[0][1])
        await group.say("bram", "Op het station zien we jongeren die hun telefoon verkopen.")
        # ...task talk is parked with a short reply and a release button; nothing is deleted...
        talk = await group.say("carla", "Ik pak de schuldhulpverlening op.")
        parked = await fake.sent("Ik heb het geparkeerd", chat_id=GROUP)
        assert parked["_reply_to"] == talk["message"]["message_id"]
        assert "Carla" in parked["text"]
        assert any(b["text"] == "Geen taakpraat" for row in parked["reply_markup"]["inline_keyboard"] for b in row)
        # ...and a reply to the bot's question counts as an answer too.
        await group.reply("carla", question, "Het begint vaak met een huurachterstand.")

        for number, (who, answer) in enumerate(ANSWERS[1:], start=2):
            await group.say("anna", "/probleem volgende")
            await fake.sent(f"Vraag {number} van 6", chat_id=GROUP)
            await group.say(who, answer)
        await group.say("anna", "/probleem volgende")
        draft = await fake.sent("Concept-probleemstelling, versie 1", chat_id=GROUP)
        assert "huurachterstand" in draft["text"]

        # The consent round: buttons on the draft message, the count edited in place.
        await group.press("anna", draft, "Open de instemmingsronde")
        vote = await fake.sent("Instemmingsronde over versie 1", chat_id=GROUP)
        await group.press("bram", vote, "Akkoord")
        counted = await fake.sent("1 van 3 hebben gestemd", method="editMessageText")
        assert counted["message_id"] == vote["message_id"]
        assert await fake.sent("Vastgelegd: je stemt in met versie 1")

        # An objection asks for its reason; the reply to that prompt is the vote.
        await group.press("carla", vote, "Bezwaar")
        prompt = await fake.sent("beantwoord dit bericht met je bezwaar tegen versie 1")
        prompt_call = next(c for c in fake.calls("sendMessage") if c.params.get("_message_id") == prompt["message_id"])
        assert prompt_call.params["reply_markup"]["force_reply"] is True
        assert prompt["entities"][0]["type"] == "text_mention"
        assert prompt["entities"][0]["user"]["id"] == PEOPLE["carla"]["id"]
        await group.reply("carla", prompt, "De ouders ontbreken, en die hebben vaak zelf schulden.")
        assert await fake.sent("Carla maakt bezwaar tegen versie 1: De ouders ontbreken")
        assert await fake.sent("gesloten: bezwaar", method="editMessageText")

        new_text = (
            "Jongeren (17-23) in Noord en vaak hun ouders bouwen schulden op die ze niet overzien;\n"
            "ieder van ons ziet een ander stukje, dus niemand grijpt vroeg in."
        )
        await group.say("carla", f"/probleem concept {new_text}")
        draft2 = await fake.sent("Concept-probleemstelling, versie 2", chat_id=GROUP)
        assert new_text in draft2["text"]  # the multi-line draft kept its line break

        await group.say("anna", "/probleem stem")
        vote2 = await fake.sent("Instemmingsronde over versie 2", chat_id=GROUP)
        for who in ("anna", "bram", "carla"):
            await group.press(who, vote2, "Akkoord")
        agreed = await fake.sent("Vastgestelde probleemstelling", chat_id=GROUP)
        assert "Jongeren (17-23) in Noord" in agreed["text"]
        assert await fake.sent("gesloten: vastgesteld", method="editMessageText")
        candidates = await fake.sent("Geparkeerde voorstellen: mogelijke taken", chat_id=GROUP)
        assert "Ik pak de schuldhulpverlening op." in candidates["text"]

        # Every callback query was answered; no user message was ever deleted.
        assert len(fake.calls("answerCallbackQuery")) == 6
        assert not fake.calls("deleteMessage")
        assert fake.message(GROUP, vote2["message_id"]).get("reply_markup") is None  # closed: no buttons
