"""Measure and wrap text in pixels of the real font, and describe where each line goes."""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from postkit.fonts import TextFace
from postkit.segment import CJK, CLUSTER, break_units, clusters, hard_break_points, hyphenations


@dataclass(frozen=True)
class Line:
    """One line of text to draw: its top-left corner, face, colour and the ink box it covers."""

    text: str
    x: float
    y: float
    font: TextFace = field(repr=False, compare=False)
    fill: tuple[int, int, int]
    tracking: float = 0.0  # extra space after each character, px (for small-caps labels)
    rtl: bool = False  # the base direction of the line's paragraph is right to left (Hebrew, Arabic)

    @property
    def width(self) -> float:
        return measure(self.font, self.text, self.tracking)

    @property
    def box(self) -> tuple[float, float, float, float]:
        """Return the box the line occupies: its advance width and line height, grown to its ink."""
        ascent, descent = self.font.getmetrics()
        left, top, right, bottom = ink_box(self.font, self.text, self.tracking, self.rtl)
        return (
            self.x + min(0.0, left),
            self.y + min(0.0, top),
            self.x + max(self.width, right),
            self.y + max(ascent + descent, bottom),
        )


_ink: dict[tuple[TextFace, str, bool], tuple[float, float, float, float]] = {}


def ink_box(font: TextFace, text: str, tracking: float = 0.0, rtl: bool = False) -> tuple[float, float, float, float]:
    """Return the ink's bounding box relative to the line's top-left corner (anchor "la"), cached.

    ``rtl`` is the base direction of the line's paragraph: it decides where neutral characters go.
    """
    key = (font, text, rtl)
    box = _ink.get(key)
    if box is None:
        box = _ink[key] = font.getbbox(text, anchor="la", rtl=rtl) if text else (0, 0, 0, 0)
    if tracking and text:
        left, top, right, bottom = box
        box = (left, top, right + tracking * (len(clusters(text)) - 1), bottom)
    return box


# Caches key on the face object itself, not its id(): a freed face's id can be reused by another.
_lengths: dict[tuple[TextFace, str], float] = {}


def measure(font: TextFace, text: str, tracking: float = 0.0) -> float:
    """Return the advance width of ``text`` as one whole string (kerning included), cached.

    ``tracking`` adds that many pixels between user-perceived characters (grapheme clusters).
    """
    key = (font, text)
    width = _lengths.get(key)
    if width is None:
        width = _lengths[key] = font.getlength(text)
    if tracking and text:
        width += tracking * (len(clusters(text)) - 1)
    return width


def line_height(font: TextFace, factor: float) -> int:
    """Return the distance between baselines: the font's ascent + descent times ``factor``."""
    ascent, descent = font.getmetrics()
    return round((ascent + descent) * factor)


def chunks(text: str, lang: str | None = None) -> list[str]:
    """Split text into break units: the pieces between line-break opportunities, and spaces.

    The opportunities follow Unicode's line breaking rules (UAX #14, see postkit.segment):
    after spaces, after dashes and slashes, never before closing punctuation or at a no-break
    space. Trailing spaces become pieces of their own, which a line may drop at its end.
    """
    pieces: list[str] = []
    for unit in break_units(text, lang):
        word = unit.rstrip(" ")
        if word:
            pieces.append(word)
        if len(word) < len(unit):
            pieces.append(unit[len(word) :])
    return pieces


_REFERENCE_SIZE = 100
_reference_lengths: dict[tuple[TextFace, str], float] = {}


def estimate(font: TextFace, text: str) -> float:
    """Estimate the width of ``text`` from its width at a reference size, scaled.

    Advance widths scale with the size to within a few hundredths of a pixel, and one shaper call
    at the reference size serves every size the slicer tries.
    """
    reference = font.at_size(_REFERENCE_SIZE)
    key = (reference, text)
    width = _reference_lengths.get(key)
    if width is None:
        width = _reference_lengths[key] = reference.getlength(text)
    return width * font.size / _REFERENCE_SIZE


def wrap(text: str, font: TextFace, width: float, lang: str | None = None, widows: bool = True) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` pixels, greedily, measuring whole lines.

    With ``widows``, a last line holding a single word (in Chinese or Japanese, a single character
    with its punctuation) takes one more word from the line above, when that line keeps at least two.
    """
    lines = wrap_with_offsets(text, font, width, lang=lang)
    if not all(measure(font, line) <= width for line, _ in lines):
        lines = wrap_with_offsets(text, font, width, margin=float("inf"), lang=lang)
    shown = [line for line, _ in lines]
    if widows and len(lines) >= 2:
        shown = _mend_widow(shown, font, width, lang)
    return shown


_CJK_CHAR = regex.compile(f"[{CJK}]")


def _mend_widow(lines: list[str], font: TextFace, width: float, lang: str | None) -> list[str]:
    last, above = lines[-1], lines[-2]
    if above.endswith("-"):
        return lines
    if _CJK_CHAR.search(last) and " " not in last.strip():
        # Text without spaces between words: a line break there consumed nothing.
        units = [unit for unit in chunks(above, lang) if not unit.isspace()]
        if len(chunks(last, lang)) != 1 or len(units) < 3 or not above.endswith(units[-1]):
            return lines
        head, joined = above[: -len(units[-1])], units[-1] + last
    else:
        if " " in last.strip():
            return lines
        head, _, word = above.rpartition(" ")
        if not head or " " not in head.strip():
            return lines
        joined = f"{word} {last}"
    if measure(font, joined) > width:
        return lines
    return [*lines[:-2], head, joined]


def wrap_with_offsets(
    text: str, font: TextFace, width: float, margin: float | None = None, lang: str | None = None
) -> list[tuple[str, int]]:
    """Wrap like :func:`wrap` (without mending widows), also giving where each line ends in ``text``.

    Whether a word fits is decided by measuring the whole candidate line. Summed word widths
    (see :func:`estimate`) only screen out candidates that are clearly inside or clearly over
    the width by more than ``margin`` pixels, which spares the shaper most calls without
    changing a break; ``margin=inf`` measures every candidate. A word wider than a line is
    hyphenated where the language's dictionary allows, else broken where a URL may break, else
    between letters; a hyphen added this way is shown on the line but is not part of ``text``, and
    so are letters the dictionary changes at the break (Hungarian "asszonnyal" shows "asz-" then
    "szonnyal"): a line's offset is where its source text ends, the next line starts there.
    """
    if margin is None:
        margin = 2.0 + width * 0.004
    lines: list[tuple[str, int]] = []
    current = ""
    current_width = 0.0
    offset = 0
    pending_space = ""
    for piece in chunks(text, lang):
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
            # A line of several words was found to fit: only a word alone on its line can be too long.
            current, current_width, alone = candidate, guess, not current
        else:
            lines.append((current, offset - len(piece) - len(pending_space)))
            current, current_width, alone = piece, estimate(font, piece), True
        pending_space = ""
        while alone and current_width > max(0.0, width - min(margin, width)):
            cut = _break_long_word(current, font, width, lang)
            if cut is None:
                current_width = measure(font, current)
                break
            shown, used = cut
            lines.append((shown, offset - len(current) + used))
            current, current_width = current[used:], float("inf")
    if current.strip():
        lines.append((current, offset - len(pending_space)))
    return lines


def _break_long_word(word: str, font: TextFace, width: float, lang: str | None) -> tuple[str, int] | None:
    """Return the part of an over-long word to show on this line and how many characters it uses; None if it fits.

    Only a window of the word as long as a line can hold is hyphenated and measured, so breaking a
    word of any length into lines takes time linear in its length.
    """
    end = _window(word, font, width)
    if end >= len(word) and measure(font, word) <= width:
        return None
    # Hyphenation patterns look a few letters past a break point: give the dictionary some context.
    for point, head in sorted(hyphenations(word[: end + 16], lang), reverse=True):
        if point > end:
            continue
        shown = head + ("" if head[-1] in "-‐‑" else "-")
        if measure(font, shown) <= width:
            return shown, point
    points = [p for p in hard_break_points(word[: end + 1]) if 0 < p <= end and p < len(word)]
    low, high = 0, len(points)  # points[:low] fit; points[high:] do not (widths grow with the prefix)
    while low < high:
        middle = (low + high) // 2
        if measure(font, word[: points[middle]]) <= width:
            low = middle + 1
        else:
            high = middle
    if low:
        return word[: points[low - 1]], points[low - 1]
    # Not even one character fits: show the first one alone (it overflows, but no text is lost).
    first = CLUSTER.match(word).group()
    return first, len(first)


def _window(word: str, font: TextFace, width: float) -> int:
    """Return how many characters of ``word`` a line could hold at most, by summing cluster estimates with slack."""
    limit = width * 1.1 + font.size  # estimates ignore kerning: be generous, the measure decides
    total = 0.0
    for match in CLUSTER.finditer(word):
        total += estimate(font, match.group())
        if total > limit:
            start: int = match.start()
            return start
    return len(word)


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
    fit: str = "cover"  # "cover" crops to fill; "contain" shows it whole on a blurred extension; "exact" fills a box
    # already of the picture's shape (a framed print)
    focus: tuple[float, float] = (0.5, 0.5)
    # What a crop keeps whole or leaves out, never cuts (the people's heads), as fractions of the picture.
    keep: tuple[float, float, float, float] | None = None
    window: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)  # the part of the box ``keep`` goes in
    frame: int = 0  # width of a dark keyline around a contained print, px
    mat: int = 0  # width of the light mat inside the keyline, px
    blur: int = 0  # Gaussian blur radius, px (a picture behind text reads calmer blurred)


@dataclass
class CardPlan:
    """Everything one card shows, positioned in pixels; painting it needs no measuring."""

    kind: str  # "cover", "text" or "closing"
    size: tuple[int, int]
    background: tuple[int, int, int]
    margins: tuple[int, int, int, int]  # the box text must stay inside: left, top, right, bottom
    picture: Picture | None = None
    scrim_top: int | None = None  # a darkening gradient starts here (cover over a picture)
    scrim_ramp: float = 0.55  # the gradient reaches full strength over this share of the rest; 0 is flat
    lines: list[Line] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
