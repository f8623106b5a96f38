"""The statement card as a PNG: the agreed words as a picture people keep and read on a phone.

Drawn offline with Pillow and DejaVu Sans, shipped in ``fonts/`` (licence beside it), so the card
looks the same on every machine, needs no network and has glyphs for every Latin diacritic.
``lay_out_card`` decides each line's place and size; ``draw_card`` only paints that layout, so the
tests check the geometry exactly instead of guessing from pixels.

The card is 1080 × 1350 px (4:5 portrait, full width in a phone's chat) with 80 px margins. The
statement starts at 60 px and shrinks in 2 px steps to 28 px until everything fits; every other
text has a fixed size. All concerns are shown, each wrapped, never cut to "+N" (hiding one would
hide a dissent), and they take part in the fit like any other line. If the card does not fit even
with the statement at 28 px, it grows taller by exactly what it needs: nothing is ever clipped.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

from bot.core.card import StatementCard

WIDTH = 1080
BASE_HEIGHT = 1350
MARGIN = 80
STATEMENT_SIZES = tuple(range(60, 27, -2))  # largest first: 60, 58, …, 28

BACKGROUND = (250, 247, 242)  # warm paper
INK = (31, 41, 51)
MUTED = (82, 96, 109)
ACCENT = (47, 111, 115)  # calm teal: the title, the bar beside the statement, the bullets
HAIRLINE = (217, 211, 200)

_FONT_DIR = Path(__file__).parent / "fonts"
_BAR_WIDTH = 8
_STATEMENT_INDENT = _BAR_WIDTH + 32  # the text starts right of the accent bar
_BULLET_INDENT = 32
_SECTION_GAP = 56  # between header, statement and the lines about it
_SMALL_GAP = 28
_SPACES = re.compile(r"[^\S\u00a0\u2007\u202f]+")  # whitespace, but a no-break space binds

Role = Literal["title", "topic", "statement", "version", "agreement", "concerns_title", "bullet", "concern", "footer"]


@dataclass(frozen=True, slots=True)
class Box:
    """Pixels, half-open: ``right`` and ``bottom`` are the first column and row outside."""

    left: int
    top: int
    right: int
    bottom: int

    def overlaps(self, other: Box) -> bool:
        across = self.left < other.right and other.left < self.right
        return across and self.top < other.bottom and other.top < self.bottom


@dataclass(frozen=True, slots=True)
class TextLine:
    """One drawn line. ``box`` holds all its ink: the font's ascent to descent, widened to the glyphs."""

    role: Role
    text: str
    size: int
    bold: bool
    x: int  # where the pen starts
    baseline: int
    box: Box


@dataclass(frozen=True, slots=True)
class CardLayout:
    """Everything ``draw_card`` paints, in pixels; ``accent`` is the bar beside the statement."""

    width: int
    height: int
    margin: int
    lines: tuple[TextLine, ...]
    accent: Box | None
    rule: Box | None  # the hairline above the footer

    @property
    def statement_size(self) -> int:
        return next((line.size for line in self.lines if line.role == "statement"), 0)


@dataclass(frozen=True, slots=True)
class _Style:
    size: int
    bold: bool
    leading: float  # line pitch as a multiple of the size


_STYLES: dict[Role, _Style] = {
    "title": _Style(28, True, 1.3),
    "topic": _Style(38, False, 1.25),
    "version": _Style(26, False, 1.4),
    "agreement": _Style(26, False, 1.4),
    "concerns_title": _Style(24, True, 1.4),
    "concern": _Style(24, False, 1.4),
    "footer": _Style(22, True, 1.3),
}
_STATEMENT_LEADING = 1.32
_COLOURS: dict[Role, tuple[int, int, int]] = {
    "title": ACCENT, "topic": INK, "statement": INK, "version": MUTED, "agreement": INK,
    "concerns_title": INK, "bullet": ACCENT, "concern": MUTED, "footer": MUTED,
}


@dataclass(frozen=True, slots=True)
class _Block:
    """Lines stacked from y = 0; ``height`` is the last line's bottom."""

    lines: tuple[TextLine, ...] = ()
    height: int = 0

    def moved(self, dy: int) -> tuple[TextLine, ...]:
        return tuple(_lowered(line, dy) for line in self.lines)


def _lowered(line: TextLine, dy: int) -> TextLine:
    return replace(line, baseline=line.baseline + dy, box=replace(line.box, top=line.box.top + dy,
                                                                  bottom=line.box.bottom + dy))


@lru_cache(maxsize=64)
def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The card's font, loaded on first use. Basic layout: the same pixels with or without libraqm."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(_FONT_DIR / name), size, layout_engine=ImageFont.Layout.BASIC)


def lay_out_card(card: StatementCard) -> CardLayout:
    """The largest statement size at which the card fits its 4:5 frame, else taller at the smallest.

    Bisection over the sizes, so a long statement costs a handful of trial layouts, not one per
    size: a smaller size takes no more room (near enough, wrapping aside), and the size chosen is
    one that was tried and fits."""
    header = _stack([("title", card.title), ("topic", card.topic)], gap=14)
    meta = _meta(card)
    footer = _stack([("footer", card.footer)])
    trials: dict[int, _Block] = {}

    def fits(index: int) -> bool:
        trials[index] = _statement(card.statement, STATEMENT_SIZES[index])
        return _needed_height(header, trials[index], meta, footer) <= BASE_HEIGHT

    smallest = len(STATEMENT_SIZES) - 1
    if fits(0):
        best = 0
    elif not fits(smallest):
        statement = trials[smallest]
        return _assemble(header, statement, meta, footer, _needed_height(header, statement, meta, footer))
    else:
        too_big, best = 0, smallest
        while best - too_big > 1:
            middle = (too_big + best) // 2
            too_big, best = (too_big, middle) if fits(middle) else (middle, best)
    return _assemble(header, trials[best], meta, footer, BASE_HEIGHT)


def draw_card(card: StatementCard) -> bytes:
    """Paint ``lay_out_card``'s layout, nothing more, and encode it as PNG."""
    layout = lay_out_card(card)
    image = Image.new("RGB", (layout.width, layout.height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for box, colour in ((layout.accent, ACCENT), (layout.rule, HAIRLINE)):
        if box is not None:
            draw.rectangle((box.left, box.top, box.right - 1, box.bottom - 1), fill=colour)
    for line in layout.lines:
        draw.text((line.x, line.baseline), line.text, font=font(line.size, bold=line.bold),
                  fill=_COLOURS[line.role], anchor="ls")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _needed_height(header: _Block, statement: _Block, meta: _Block, footer: _Block) -> int:
    parts = [block.height for block in (header, statement, meta) if block.height]
    gaps = _SECTION_GAP * max(len(parts) - 1, 0)
    tail = footer.height + 2 * _SMALL_GAP + 2 if footer.height else 0  # hairline, 2 px, between gaps
    return 2 * MARGIN + sum(parts) + gaps + tail


def _assemble(header: _Block, statement: _Block, meta: _Block, footer: _Block, height: int) -> CardLayout:
    """Header at the top, footer at the bottom, the lines about the statement just above the footer,
    and the statement centred in the room left between them."""
    lines = list(header.moved(MARGIN))
    bottom = height - MARGIN
    rule = None
    if footer.height:
        lines += footer.moved(bottom - footer.height)
        rule = Box(MARGIN, bottom - footer.height - _SMALL_GAP - 2, WIDTH - MARGIN, bottom - footer.height - _SMALL_GAP)
        bottom = rule.top - _SMALL_GAP
    if meta.height:
        lines += meta.moved(bottom - meta.height)
        bottom -= meta.height + _SECTION_GAP
    top = MARGIN + header.height + _SECTION_GAP if header.height else MARGIN
    accent = None
    if statement.height:
        top += max((bottom - top - statement.height) // 2, 0)
        lines += statement.moved(top)
        accent = Box(MARGIN, top, MARGIN + _BAR_WIDTH, top + statement.height)
    return CardLayout(WIDTH, height, MARGIN, tuple(lines), accent, rule)


def _statement(text: str, size: int) -> _Block:
    rows = _wrap(text, font(size), WIDTH - 2 * MARGIN - _STATEMENT_INDENT)
    lines, height = _place(rows, "statement", _Style(size, False, _STATEMENT_LEADING), MARGIN + _STATEMENT_INDENT, 0)
    return _Block(tuple(lines), height)


def _meta(card: StatementCard) -> _Block:
    """Version, agreement and, when there are any, the concerns under their title."""
    block = _stack([("version", card.version_line), ("agreement", card.agreement_line)], gap=4)
    concerns = [concern for concern in card.concerns if concern.strip()]
    if not concerns:
        return block
    lines = list(block.lines)
    heading = _STYLES["concerns_title"]
    title, y = _place(_wrap(card.concerns_title, font(heading.size, bold=True), WIDTH - 2 * MARGIN),
                      "concerns_title", heading, MARGIN, block.height + _SMALL_GAP if block.height else 0)
    lines += title
    style = _STYLES["concern"]
    for concern in concerns:
        placed, bottom = _place(_wrap(concern, font(style.size), WIDTH - 2 * MARGIN - _BULLET_INDENT),
                                "concern", style, MARGIN + _BULLET_INDENT, y + 6)
        if placed:
            lines += [_line("bullet", "•", style, MARGIN, placed[0].baseline), *placed]
            y = bottom
    return _Block(tuple(lines), y)


def _stack(parts: Iterable[tuple[Role, str]], gap: int = 0) -> _Block:
    """Fixed-style lines, full content width, one part under the other; empty parts take no room."""
    lines: list[TextLine] = []
    y = 0
    for role, text in parts:
        style = _STYLES[role]
        placed, bottom = _place(_wrap(text, font(style.size, bold=style.bold), WIDTH - 2 * MARGIN),
                                role, style, MARGIN, y + gap if lines else y)
        if placed:
            lines += placed
            y = bottom
    return _Block(tuple(lines), y)


def _place(rows: list[str | None], role: Role, style: _Style, x: int, top: int) -> tuple[list[TextLine], int]:
    """Lines a pitch apart from ``top``, pushed down if a glyph reaches further than the font's
    ascent or descent (so no two lines ever touch); ``None`` is half a pitch of paragraph space."""
    pitch = round(style.size * style.leading)
    lines: list[TextLine] = []
    bottom, gap = top, 0
    for row in rows:
        if row is None:
            gap = pitch // 2
            continue
        line = _line(role, row, style, x, 0)
        rise = -line.box.top  # how far the ink may reach above the baseline
        baseline = bottom + rise if not lines else max(lines[-1].baseline + pitch, bottom + rise)
        lines.append(_lowered(line, baseline + gap))
        bottom, gap = lines[-1].box.bottom, 0
    return lines, bottom


def _line(role: Role, text: str, style: _Style, x: int, baseline: int) -> TextLine:
    left, top, right, bottom = _extents(font(style.size, bold=style.bold), text)
    pen = x - left  # a glyph reaching left of its pen (a "j") still starts at x
    return TextLine(role, text, style.size, style.bold, pen, baseline,
                    Box(pen + left, baseline + top, pen + right, baseline + bottom))


def _extents(face: ImageFont.FreeTypeFont, text: str) -> tuple[int, int, int, int]:
    """Left, top, right, bottom around the pen on the baseline: the font's ascent and descent and
    the advance, widened to the ink wherever a glyph reaches beyond them."""
    ascent, descent = face.getmetrics()
    left, top, right, bottom = face.getbbox(text, anchor="ls")
    return (min(0, math.floor(left)), min(-ascent, math.floor(top)),
            max(math.ceil(face.getlength(text)), math.ceil(right)), max(descent, math.ceil(bottom)))


def _fits(face: ImageFont.FreeTypeFont, text: str, width: int) -> bool:
    left, _, right, _ = _extents(face, text)
    return right - left <= width


def _wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str | None]:
    """Rows on word boundaries, the text's own line breaks kept (a blank line becomes ``None``, runs
    of them one); a word wider than a row is broken between characters."""
    rows: list[str | None] = []
    for paragraph in text.splitlines():
        words = [word for word in _SPACES.split(paragraph) if word]
        if words:
            rows += _wrap_words(words, face, width)
        elif rows and rows[-1] is not None:
            rows.append(None)
    while rows and rows[-1] is None:
        rows.pop()
    return rows


def _wrap_words(words: list[str], face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy by the words' summed advances (cheap), then each row checked exactly (kerning, overhang)
    and given up a word at a time if it still does not fit."""
    space = face.getlength(" ")
    known: dict[str, float] = {}
    for word in words:
        if word not in known:
            known[word] = face.getlength(word)
    widths = [known[word] for word in words]
    rows: list[str] = []
    i = 0
    while i < len(words):
        end, used = i + 1, widths[i]
        while end < len(words) and used + space + widths[end] <= width:
            used += space + widths[end]
            end += 1
        while end - i > 1 and not _fits(face, " ".join(words[i:end]), width):
            end -= 1
        if end - i == 1 and not _fits(face, words[i], width):
            cut = _longest_prefix(face, words[i], width)
            rows.append(words[i][:cut])
            words[i] = words[i][cut:]
            widths[i] = face.getlength(words[i])
            continue
        rows.append(" ".join(words[i:end]))
        i = end
    return rows


def _longest_prefix(face: ImageFont.FreeTypeFont, word: str, width: int) -> int:
    """How many of the word's characters fit a row (at least one, so wrapping always moves on)."""
    low, high = 1, len(word) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if _fits(face, word[:middle], width):
            low = middle
        else:
            high = middle - 1
    return low
