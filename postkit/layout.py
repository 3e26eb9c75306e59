"""Measure and wrap text in pixels of the real font, and describe where each line goes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PIL import ImageFont
from textwrap3 import TextWrapper

_WRAPPER = TextWrapper(break_on_hyphens=True)
_DASHES = ("\u2014", "\u2013")


@dataclass(frozen=True)
class Line:
    """One line of text to draw: its top-left corner, font, colour and the ink box it covers."""

    text: str
    x: float
    y: float
    font: ImageFont.FreeTypeFont = field(repr=False, compare=False)
    fill: tuple[int, int, int]
    tracking: float = 0.0  # extra space after each character, px (for small-caps labels)

    @property
    def width(self) -> float:
        return measure(self.font, self.text, self.tracking)

    @property
    def box(self) -> tuple[float, float, float, float]:
        """Return the box the line occupies: its advance width and line height, grown to its ink."""
        ascent, descent = self.font.getmetrics()
        left, top, right, bottom = ink_box(self.font, self.text, self.tracking)
        return (
            self.x + min(0.0, left),
            self.y + min(0.0, top),
            self.x + max(self.width, right),
            self.y + max(ascent + descent, bottom),
        )


_ink: dict[tuple[int, str], tuple[float, float, float, float]] = {}


def ink_box(font: ImageFont.FreeTypeFont, text: str, tracking: float = 0.0) -> tuple[float, float, float, float]:
    """Return the ink's bounding box relative to the line's top-left corner (anchor "la"), cached."""
    key = (id(font), text)
    box = _ink.get(key)
    if box is None:
        box = _ink[key] = font.getbbox(text, anchor="la") if text else (0, 0, 0, 0)
    if tracking and text:
        left, top, right, bottom = box
        box = (left, top, right + tracking * (len(text) - 1), bottom)
    return box


_lengths: dict[tuple[int, str], float] = {}


def measure(font: ImageFont.FreeTypeFont, text: str, tracking: float = 0.0) -> float:
    """Return the advance width of ``text`` as one whole string (kerning included), cached."""
    key = (id(font), text)
    width = _lengths.get(key)
    if width is None:
        width = _lengths[key] = font.getlength(text)
    if tracking and text:
        width += tracking * (len(text) - 1)
    return width


def line_height(font: ImageFont.FreeTypeFont, factor: float) -> int:
    """Return the distance between baselines: the font's ascent + descent times ``factor``."""
    ascent, descent = font.getmetrics()
    return round((ascent + descent) * factor)


def chunks(text: str) -> list[str]:
    """Split text into break units: words (with hyphen and dash break points) and spaces."""
    pieces: list[str] = []
    for piece in _WRAPPER._split_chunks(text):
        # textwrap3 makes a lone dash its own chunk; keep it on the line of the word before it.
        if piece.startswith(_DASHES) and pieces and not pieces[-1].isspace():
            pieces[-1] += piece
        else:
            pieces.append(piece)
    return pieces


_REFERENCE_SIZE = 100
_reference_lengths: dict[tuple[str, str], float] = {}


def estimate(font: ImageFont.FreeTypeFont, text: str) -> float:
    """Estimate the width of ``text`` from its width at a reference size, scaled.

    Advance widths scale with the size to within a few hundredths of a pixel, and one shaper call
    at the reference size serves every size the slicer tries.
    """
    key = (font.path, text)
    width = _reference_lengths.get(key)
    if width is None:
        from postkit.fonts import load_font

        reference = load_font(Path(font.path), _REFERENCE_SIZE)
        width = _reference_lengths[key] = reference.getlength(text)
    return width * font.size / _REFERENCE_SIZE


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` pixels, greedily, measuring whole lines."""
    lines = [line for line, _ in wrap_with_offsets(text, font, width)]
    if all(measure(font, line) <= width for line in lines):
        return lines
    return [line for line, _ in wrap_with_offsets(text, font, width, margin=float("inf"))]


def wrap_with_offsets(
    text: str, font: ImageFont.FreeTypeFont, width: float, margin: float | None = None
) -> list[tuple[str, int]]:
    """Wrap like :func:`wrap`, also giving the offset in ``text`` where each line ends.

    Whether a word fits is decided by measuring the whole candidate line. Summed word widths
    (see :func:`estimate`) only screen out candidates that are clearly inside or clearly over
    the width by more than ``margin`` pixels, which spares the shaper most calls without
    changing a break; ``margin=inf`` measures every candidate.
    """
    if margin is None:
        margin = 2.0 + width * 0.004
    lines: list[tuple[str, int]] = []
    current = ""
    current_width = 0.0
    offset = 0
    pending_space = ""
    for piece in chunks(text):
        offset += len(piece)
        if piece.isspace():
            if current:
                pending_space += piece
            continue
        candidate = current + pending_space + piece
        if not current:
            fits, guess = True, estimate(font, piece)
        else:
            guess = current_width + estimate(font, pending_space) + estimate(font, piece)
            if guess < width - margin:
                fits = True
            elif guess > width + margin:
                fits = False
            else:
                guess = measure(font, candidate)
                fits = guess <= width
        if fits:
            current, current_width = candidate, guess
        else:
            lines.append((current, offset - len(piece) - len(pending_space)))
            current, current_width = piece, estimate(font, piece)
        pending_space = ""
        while current_width > max(0.0, width - margin) and measure(font, current) > width:
            head = _longest_fitting_prefix(current, font, width)
            lines.append((head, offset - len(current) + len(head)))
            current = current[len(head) :]
            current_width = measure(font, current)
    if current.strip():
        lines.append((current, offset - len(pending_space)))
    return lines


def _longest_fitting_prefix(word: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    low, high = 1, len(word) - 1
    while low < high:
        mid = (low + high + 1) // 2
        if measure(font, word[:mid]) <= width:
            low = mid
        else:
            high = mid - 1
    return word[:low]


# ---------------------------------------------------------------------------------------------
# Card plans: where every line, rule and picture goes. compose.py paints them.


@dataclass(frozen=True)
class Rule:
    """A filled rectangle (a hairline rule or an accent bar)."""

    box: tuple[int, int, int, int]
    fill: tuple[int, int, int]


@dataclass(frozen=True)
class Picture:
    """Where the illustration goes and how it fills its box."""

    box: tuple[int, int, int, int]
    fit: str = "cover"  # "cover" crops to fill; "contain" shows the whole picture
    focus: tuple[float, float] = (0.5, 0.5)
    frame: int = 0  # width of a dark keyline around a contained print, px
    mat: int = 0  # width of the light mat inside the keyline, px


@dataclass
class CardPlan:
    """Everything one card shows, positioned in pixels; painting it needs no measuring."""

    kind: str  # "cover", "text" or "closing"
    size: tuple[int, int]
    background: tuple[int, int, int]
    margins: tuple[int, int, int, int]  # the box text must stay inside: left, top, right, bottom
    picture: Picture | None = None
    scrim_top: int | None = None  # a darkening gradient starts here (cover over a picture)
    lines: list[Line] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)

    def text_boxes(self) -> list[tuple[float, float, float, float]]:
        """Return the box of every line, for margin and contrast checks."""
        return [line.box for line in self.lines]
