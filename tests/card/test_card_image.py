"""The statement card as people see it: readable, nothing cut off or spilled, every letter drawn."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from bot.core.card import StatementCard
from bot.shell import card_image
from bot.shell.card_image import BACKGROUND, CardLayout, draw_card, font, lay_out_card

SENTENCES = (
    "De wijkagent, het sociaal team en de woningcorporatie zien ieder een ander deel van het probleem: "
    "jongeren die ’s avonds op het plein blijven hangen, overlast voor buren en schulden die niemand ziet.",
    "Niemand heeft het overzicht, dus ieder lost zijn eigen stukje op – en het geheel wordt er niet beter van.",
    "Gezinnen krijgen drie brieven van drie instanties, met drie verschillende afspraken én drie contactpersonen.",
    "We willen één gesprek per gezin, één plan en één aanspreekpunt; ook voor de coöperatie en de scholen.",
    "Daarvoor moeten we “privacy” niet gebruiken als reden om niets te delen, maar afspreken wat wél mag.",
    "Zoë, Françoise en Łukasz merkten dat de naïeve aanpak — iedereen doet zijn best — niet werkt.",
)


def statement_of(length: int) -> str:
    """Real-looking Dutch of about ``length`` characters, cut at a word boundary."""
    if length <= 20:
        return "Eén plan per gezin."
    text = " ".join(itertools.islice(itertools.cycle(SENTENCES), length // 80 + 2))
    return text[:length].rsplit(" ", 1)[0]


CONCERNS = (
    "carol (woningcorporatie): het budget is onduidelijk",
    "Øystein (schuldhulp): wie is eigenaar van het plan?",
)


def card_with(statement: str, concerns: tuple[str, ...] = CONCERNS) -> StatementCard:
    return StatementCard(
        title="Ons gedeelde probleem",
        topic="Overlast en schulden rond het Boerhaaveplein",
        statement=statement,
        version_line="Versie 3 · vastgesteld op 4 december 2026",
        agreement_line="Eens: 5 van 6 — politie, woningcorporatie, schuldhulp, school, gemeente",
        concerns_title="Bezwaren vastgelegd",
        concerns=concerns,
        footer="Voordenken",
    )


def statement_text(layout: CardLayout) -> str:
    return " ".join(line.text for line in layout.lines if line.role == "statement")


def assert_inside_and_apart(layout: CardLayout) -> None:
    m = layout.margin
    assert m >= 64
    boxes = [line.box for line in layout.lines] + [b for b in (layout.accent, layout.rule) if b is not None]
    for line in layout.lines:
        box = line.box
        assert m <= box.left < box.right <= layout.width - m, f"{line.text!r} crosses a side margin: {box}"
        assert m <= box.top < box.bottom <= layout.height - m, f"{line.text!r} crosses the top or bottom margin: {box}"
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), f"{a} overlaps {b}"


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image.convert("RGB")


def has_ink(image: Image.Image) -> bool:
    return image.getcolors(maxcolors=1) != [(image.width * image.height, BACKGROUND)]


@pytest.mark.parametrize("length", [20, 200, 600, 1000, 1500])
def test_every_line_stays_inside_the_margins_and_clear_of_the_others(length: int) -> None:
    assert_inside_and_apart(lay_out_card(card_with(statement_of(length))))


@pytest.mark.parametrize("length", [20, 200, 600, 1000, 1500])
def test_no_word_of_the_statement_is_lost_or_reordered_in_wrapping(length: int) -> None:
    statement = statement_of(length)
    assert abs(len(statement) - length) < 40
    assert statement_text(lay_out_card(card_with(statement))).split() == statement.split()


def test_a_short_statement_is_drawn_larger_than_a_long_one() -> None:
    sizes = [lay_out_card(card_with(statement_of(n))).statement_size for n in (20, 200, 600, 1000, 1500)]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] >= 56 > 32 >= sizes[-1]
    assert all(size >= 26 for size in sizes)


def test_a_long_statement_still_fits_the_portrait_frame_while_it_can_shrink() -> None:
    layout = lay_out_card(card_with(statement_of(600)))
    assert (layout.width, layout.height) == (1080, 1350)
    assert layout.statement_size > min(card_image.STATEMENT_SIZES)


def test_a_3000_character_statement_makes_the_card_taller_instead_of_overflowing() -> None:
    statement = statement_of(3000)
    layout = lay_out_card(card_with(statement))
    assert layout.width == 1080
    assert layout.height > 1350
    assert layout.statement_size == min(card_image.STATEMENT_SIZES)
    assert_inside_and_apart(layout)
    assert statement_text(layout).split() == statement.split()
    footer = next(line for line in layout.lines if line.role == "footer")
    assert footer.box.bottom <= layout.height - layout.margin
    assert max(line.box.bottom for line in layout.lines) == footer.box.bottom


def test_a_word_longer_than_a_line_is_broken_between_characters_and_nothing_is_lost() -> None:
    word = "Bestuurs" + "overeenkomstenonderhandelingsdossier" * 6
    statement = f"Het {word} ligt stil."
    layout = lay_out_card(card_with(statement))
    assert_inside_and_apart(layout)
    rows = [line.text for line in layout.lines if line.role == "statement"]
    assert len(rows) > 2
    assert "".join("".join(rows).split()) == "".join(statement.split())


def test_the_statements_own_line_breaks_are_kept() -> None:
    statement = "Eerst dit.\nDan dat.\n\nEn tot slot: één plan."
    rows = [line for line in lay_out_card(card_with(statement)).lines if line.role == "statement"]
    assert [row.text for row in rows] == ["Eerst dit.", "Dan dat.", "En tot slot: één plan."]
    plain, after_blank = rows[1].baseline - rows[0].baseline, rows[2].baseline - rows[1].baseline
    assert after_blank > plain  # the blank line shows as paragraph space


def test_the_drawn_png_has_the_layouts_size_and_no_ink_in_the_margins() -> None:
    card = card_with(statement_of(1000))
    layout = lay_out_card(card)
    image = decode(draw_card(card))
    assert image.size == (layout.width, layout.height)
    m, w, h = layout.margin, layout.width, layout.height
    for strip in ((0, 0, w, m), (0, h - m, w, h), (0, 0, m, h), (w - m, 0, w, h)):
        assert not has_ink(image.crop(strip)), f"ink spilled into the margin {strip}"
    statement = [line.box for line in layout.lines if line.role == "statement"]
    area = (min(b.left for b in statement), statement[0].top, max(b.right for b in statement), statement[-1].bottom)
    assert has_ink(image.crop(area))


def test_a_3000_character_card_spills_no_ink_either() -> None:
    card = card_with(statement_of(3000))
    layout = lay_out_card(card)
    image = decode(draw_card(card))
    assert image.size == (layout.width, layout.height)
    m, w, h = layout.margin, layout.width, layout.height
    assert not has_ink(image.crop((0, h - m, w, h)))
    assert not has_ink(image.crop((w - m, 0, w, h)))
    assert has_ink(image.crop((m, h - m - 200, w - m, h - m)))  # the footer made it to the bottom


def test_letters_with_diacritics_are_drawn_as_themselves() -> None:
    def statement_pixels(statement: str) -> Image.Image:
        card = card_with(statement)
        boxes = [line.box for line in lay_out_card(card).lines if line.role == "statement"]
        return decode(draw_card(card)).crop((boxes[0].left, boxes[0].top, 1080 - 64, boxes[0].bottom))

    accented, plain = statement_pixels("ëïéóü ĳ çñøåßłőœ"), statement_pixels("eieou ij cnoaslooe")
    assert ImageChops.difference(accented, plain).getbbox() is not None


@pytest.mark.parametrize("bold", [False, True])
def test_the_font_has_a_real_glyph_for_every_letter_people_write(bold: bool) -> None:
    face = font(40, bold=bold)
    missing = bytes(face.getmask("\uffff"))  # what the font draws for a character it lacks: a box
    assert face.getmask("\uffff").getbbox() is not None
    assert bytes(face.getmask("中")) == missing  # (DejaVu Sans has no CJK: the same box)
    for char in "éëïóüçñøåßłőœÉËÏÓÜÇÑØÅŁŐŒ“”‘’–—·•":
        mask = face.getmask(char)
        assert mask.getbbox() is not None, f"{char!r} draws nothing"
        assert bytes(mask) != missing, f"{char!r} draws the missing-glyph box"


def test_no_concerns_means_no_concerns_title() -> None:
    layout = lay_out_card(card_with(statement_of(200), concerns=()))
    assert not [line for line in layout.lines if line.role in {"concerns_title", "concern", "bullet"}]
    assert all("Bezwaren" not in line.text for line in layout.lines)


def test_every_concern_is_shown_even_when_there_are_many() -> None:
    concerns = tuple(f"deelnemer {n} (gemeente): {SENTENCES[n % len(SENTENCES)]}" for n in range(12))
    layout = lay_out_card(card_with(statement_of(600), concerns=concerns))
    assert_inside_and_apart(layout)
    assert [line.text for line in layout.lines if line.role == "concerns_title"] == ["Bezwaren vastgelegd"]
    assert " ".join(line.text for line in layout.lines if line.role == "concern").split() == " ".join(concerns).split()
    assert sum(line.role == "bullet" for line in layout.lines) == 12
    assert layout.statement_size < lay_out_card(card_with(statement_of(600), concerns=())).statement_size


def test_the_reading_order_is_title_topic_statement_version_agreement_concerns_footer() -> None:
    layout = lay_out_card(card_with(statement_of(200)))
    roles = [line.role for line in sorted(layout.lines, key=lambda line: (line.box.top, line.box.left))]
    firsts = list(dict.fromkeys(role for role in roles if role != "bullet"))
    assert firsts == ["title", "topic", "statement", "version", "agreement", "concerns_title", "concern", "footer"]
    title, topic, statement = (next(line for line in layout.lines if line.role == role)
                               for role in ("title", "topic", "statement"))
    assert title.bold and title.size < topic.size < statement.size


def test_the_fonts_ship_with_their_licence() -> None:
    fonts = Path(card_image.__file__).parent / "fonts"
    assert (fonts / "DejaVuSans.ttf").is_file() and (fonts / "DejaVuSans-Bold.ttf").is_file()
    assert "Bitstream Vera" in (fonts / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")
