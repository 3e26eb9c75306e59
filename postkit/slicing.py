"""Pack an article's sentences into slides: one type size for the post, even fill, no word lost."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from postkit.errors import LayoutError
from postkit.fonts import FontFile, face, strip_emphasis, styled_face
from postkit.layout import line_height, wrap, wrap_with_offsets

# pysbd's languages; anything else is segmented with the English rules.
_PYSBD_LANGUAGES = {
    "en",
    "hi",
    "mr",
    "zh",
    "es",
    "am",
    "ar",
    "hy",
    "bg",
    "ur",
    "ru",
    "pl",
    "fa",
    "nl",
    "da",
    "fr",
    "my",
    "el",
    "it",
    "ja",
    "de",
    "kk",
    "sk",
}
_ENDS_SENTENCE = re.compile(r"[.!?…\"”»’)\]]\s*$")
_HEADING_WORDS = 8
# Cost of leaving a paragraph's end for the next slide, in "empty lines squared".
_MID_PARAGRAPH = 0.35
_BAD_BREAK = 1e6
# Cost of one line of a paragraph left alone at the top or bottom of a slide (orphan or widow).
_LONELY_LINE = 1e3


@dataclass(frozen=True)
class TextStyle:
    """How body text is set: font chains' chosen faces, sizes allowed, and vertical rhythm."""

    body_fonts: tuple[FontFile, ...]  # fallback chains, first choice first
    heading_fonts: tuple[FontFile, ...]
    min_size: int
    max_size: int
    line_factor: float
    gap_factor: float
    italic_fonts: tuple[FontFile, ...] = ()  # for Markdown *emphasis*; empty means the body chain
    bold_fonts: tuple[FontFile, ...] = ()


@dataclass(frozen=True)
class Block:
    """The part of one paragraph that stands on one slide, wrapped into lines."""

    text: str
    lines: tuple[str, ...]
    heading: bool = False
    continued: bool = False  # the paragraph began on an earlier slide


@dataclass(frozen=True)
class Slide:
    """One text slide's blocks, in reading order."""

    blocks: tuple[Block, ...]

    @property
    def text(self) -> str:
        """Return the slide's plain text, paragraphs separated by blank lines."""
        return strip_emphasis("\n\n".join(block.text for block in self.blocks))

    @property
    def line_count(self) -> int:
        return sum(len(block.lines) for block in self.blocks)


@dataclass(frozen=True)
class Slicing:
    """The post's text slides and the one type size they share."""

    size: int
    line_height: int
    paragraph_gap: int
    slides: tuple[Slide, ...]


@dataclass(frozen=True)
class _Unit:
    text: str
    paragraph: int
    glue: str  # what joined this unit to the previous one in its paragraph
    breakable: bool  # a slide may end after this unit


@lru_cache(maxsize=8)
def _segmenter(lang: str):
    import pysbd

    return pysbd.Segmenter(language=lang if lang in _PYSBD_LANGUAGES else "en", clean=False)


def sentences(text: str, lang: str = "en") -> list[str]:
    """Split a paragraph into sentences; the pieces, joined with single spaces, give the text back."""
    return list(_sentences(text, lang))


@lru_cache(maxsize=1024)
def _sentences(text: str, lang: str) -> tuple[str, ...]:
    # Cached: the slicer and the caption's lead both split the same paragraphs.
    return tuple(_split_sentences(text, lang))


def _split_sentences(text: str, lang: str) -> list[str]:
    pieces = [p.strip() for p in _segmenter(lang).segment(text)]
    pieces = [p for p in pieces if p]
    # pysbd occasionally drops or alters characters, or splits where no space is ("path?x=1"):
    # keep only splits at a space of the paragraph itself, and never trust a split that loses text.
    merged: list[str] = []
    position = 0
    for piece in pieces:
        found = text.find(piece, position)
        if found < 0:
            return [text]
        gap = text[position:found]
        if gap and not gap.isspace():
            return [text]
        if merged and not gap:
            merged[-1] += piece
        else:
            merged.append(piece)
        position = found + len(piece)
    if text[position:].strip():
        return [text]
    return merged


def _heading_like(text: str, heading: bool) -> bool:
    if heading or text.rstrip().endswith(":"):
        return True
    return len(text.split()) <= _HEADING_WORDS and not _ENDS_SENTENCE.search(text)


def slice_paragraphs(
    paragraphs: Sequence[tuple[str, bool]],
    style: TextStyle,
    box: tuple[int, int],
    max_slides: int,
    lang: str = "en",
    source: str = "the article",
) -> Slicing:
    """Choose the largest type size at which the paragraphs fit in ``max_slides`` slides of ``box``.

    :param paragraphs: (text, is_heading) pairs of the body, in order.
    :param box: width and height in pixels of the text area of one slide.
    """
    split = [(sentences(text, lang), heading) for text, heading in paragraphs]
    if not any(s for s, _ in split):
        msg = f"{source} has no body text to put on slides; add paragraphs below the heading"
        raise LayoutError(msg)

    packers: dict[int, _Packer] = {}

    def packer(size: int) -> _Packer:
        if size not in packers:
            packers[size] = _Packer(split, style, size, box, lang)
        return packers[size]

    def count_at(size: int) -> int:
        return packer(size).min_slides()

    low, high = style.min_size, style.max_size
    if count_at(low) > max_slides:
        needed = count_at(low)
        msg = (
            f"{source} needs {needed} text slides at the smallest type size ({low} px), "
            f"but only {max_slides} fit in --max-slides {max_slides + 2} with the cover and closing slide; "
            "shorten the article or raise --max-slides (up to 20)"
        )
        raise LayoutError(msg)
    while low < high:
        mid = (low + high + 1) // 2
        if count_at(mid) <= max_slides:
            low = mid
        else:
            high = mid - 1
    return packer(low).pack()


class _Packer:
    """Sentence packing at one type size."""

    def __init__(self, split, style: TextStyle, size: int, box: tuple[int, int], lang: str = "en"):
        self.width, self.height = box
        self.lang = lang
        self.body = styled_face(
            style.body_fonts, style.italic_fonts or style.body_fonts, style.bold_fonts or style.body_fonts, size
        )
        self.heading = face(style.heading_fonts, size)
        self.size = size
        self.lh = line_height(self.body, style.line_factor)
        ascent, descent = self.body.getmetrics()
        self.font_height = ascent + descent
        self.gap = round(self.lh * style.gap_factor)
        self.max_lines = max(1, (self.height - self.font_height) // self.lh + 1)
        self.headings = [heading for _, heading in split]
        self.units = self._units(split, cut=())
        self._lines_from = [self._wrap_counts(i) for i in range(len(self.units))]
        too_long = {self.units[i].text for i, counts in enumerate(self._lines_from) if counts[0] > self.max_lines}
        if too_long:
            self.units = self._units(split, cut=too_long)
            self._lines_from = [self._wrap_counts(i) for i in range(len(self.units))]

    def _font(self, paragraph: int):
        return self.heading if self.headings[paragraph] else self.body

    def _units(self, split, cut) -> list[_Unit]:
        """Make sentences the units of packing; cut the sentences in ``cut`` between words."""
        units: list[_Unit] = []
        for p, (sents, heading) in enumerate(split):
            font = self.heading if heading else self.body
            whole = " ".join(sents)
            heading_like = _heading_like(whole, heading)
            for s, sentence in enumerate(sents):
                pieces = self._fit_pieces(sentence, font) if sentence in cut else [(sentence, " ")]
                for k, (piece, glue) in enumerate(pieces):
                    last = s == len(sents) - 1 and k == len(pieces) - 1
                    units.append(
                        _Unit(
                            text=piece,
                            paragraph=p,
                            glue=glue if k else " ",
                            breakable=not (last and heading_like) and not piece.rstrip().endswith(":"),
                        )
                    )
        return units

    def _fit_pieces(self, sentence: str, font) -> list[tuple[str, str]]:
        """Cut a sentence longer than a slide at line ends into pieces that each fill a slide.

        Each cut is a line break the wrapper chose, so a piece wraps alone exactly as it did in
        place. The glue records whether a space stood at the cut, for joining the pieces back.
        """
        lines = wrap_with_offsets(sentence, font, self.width, lang=self.lang)
        ends = [end for _, end in lines][self.max_lines - 1 : -1 : self.max_lines]
        pieces: list[tuple[str, str]] = []
        start, glue = 0, " "
        for end in [*ends, len(sentence)]:
            piece = sentence[start:end]
            if piece.strip():
                pieces.append((piece.strip(), glue))
                glue = " " if sentence[end - 1 : end + 1] != sentence[end - 1 : end + 1].strip() else ""
            start = end
        return pieces

    def _join(self, first: int, last: int) -> str:
        text = self.units[first].text
        for unit in self.units[first + 1 : last + 1]:
            text += unit.glue + unit.text
        return text

    def _paragraph_end(self, i: int) -> int:
        p = self.units[i].paragraph
        j = i
        while j + 1 < len(self.units) and self.units[j + 1].paragraph == p:
            j += 1
        return j

    def _wrap_counts(self, first: int) -> list[int]:
        """Lines used by units first..e (e = first .. paragraph end), from one greedy wrap.

        Greedy wrapping decides each break from the text before it, so wrapping the rest of the
        paragraph once gives the line count of every shorter run that starts at ``first``.
        """
        last = self._paragraph_end(first)
        text = self._join(first, last)
        lines = wrap_with_offsets(text, self._font(self.units[first].paragraph), self.width, lang=self.lang)
        starts = [0] + [end for _, end in lines[:-1]]
        counts, offset = [], 0
        for k in range(first, last + 1):
            if k > first:
                offset += len(self.units[k].glue)
            offset += len(self.units[k].text)
            counts.append(bisect.bisect_left(starts, offset))
        return counts

    def _measure(self, i: int, j: int) -> tuple[int, float] | None:
        """Return (pixel height, widow/orphan cost) of units i..j-1 on one slide, or None if they overflow."""
        lines = gaps = 0
        k = i
        counts = []
        while k < j:
            last = min(j - 1, self._paragraph_end(k))
            counts.append(self._lines_from[k][last - k])
            gaps += k != i
            k = last + 1
        lines = sum(counts)
        height = (lines - 1) * self.lh + self.font_height + gaps * self.gap
        if height > self.height:
            return None
        units = self.units
        lonely = 0.0
        if i > 0 and units[i - 1].paragraph == units[i].paragraph and counts[0] == 1:
            lonely += _LONELY_LINE
        if j < len(units) and units[j].paragraph == units[j - 1].paragraph and counts[-1] == 1:
            lonely += _LONELY_LINE
        return height, lonely

    def _break_cost(self, j: int) -> float:
        """Cost of ending a slide after unit j-1."""
        if j == len(self.units):
            return 0.0
        unit = self.units[j - 1]
        cost = 0.0 if unit.breakable else _BAD_BREAK
        if self.units[j].paragraph == unit.paragraph:
            cost += _MID_PARAGRAPH
        return cost

    def _spans(self, j: int):
        """Yield (i, height) for every slide i..j-1 that fits, longest last."""
        for i in range(j - 1, -1, -1):
            fit = self._measure(i, j)
            if fit is None:
                break
            yield i, fit

    def min_slides(self) -> int:
        """Count the fewest slides that hold the text without ending a slide on a heading.

        A heading-like unit is kept with what follows even at the cost of a slide; only when
        that is impossible (a heading plus its next sentence overflow a slide) does one end it.
        """
        n = len(self.units)
        best = [(0, 0)] + [(n + 1, n + 1)] * n
        for j in range(1, n + 1):
            bad = int(j < n and not self.units[j - 1].breakable)
            for i, _ in self._spans(j):
                best[j] = min(best[j], (best[i][0] + bad, best[i][1] + 1))
        if best[n][1] > n:
            msg = "a sentence piece is taller than a slide; this is a bug in postkit, please report it"
            raise LayoutError(msg)
        return best[n][1]

    def pack(self) -> Slicing:
        """Split into the fewest slides, then fill them as evenly as the sentences allow."""
        n = len(self.units)
        count = self.min_slides()
        inf = float("inf")
        cost = [[inf] * (n + 1) for _ in range(count + 1)]
        back = [[0] * (n + 1) for _ in range(count + 1)]
        cost[0][0] = 0.0
        for j in range(1, n + 1):
            spans = list(self._spans(j))
            brk = self._break_cost(j)
            for k in range(1, count + 1):
                for i, (height, lonely) in spans:
                    if cost[k - 1][i] == inf:
                        continue
                    empty = (self.height - height) / self.lh
                    c = cost[k - 1][i] + empty * empty + brk + lonely
                    if c < cost[k][j]:
                        cost[k][j], back[k][j] = c, i
        cuts, j = [], n
        for k in range(count, 0, -1):
            i = back[k][j]
            cuts.append((i, j))
            j = i
        slides = tuple(self._slide(i, j) for i, j in reversed(cuts))
        return Slicing(size=self.size, line_height=self.lh, paragraph_gap=self.gap, slides=slides)

    def _slide(self, i: int, j: int) -> Slide:
        blocks = []
        k = i
        while k < j:
            last = min(j - 1, self._paragraph_end(k))
            p = self.units[k].paragraph
            text = self._join(k, last)
            blocks.append(
                Block(
                    text=text,
                    lines=tuple(wrap(text, self._font(p), self.width, lang=self.lang)),
                    heading=self.headings[p],
                    continued=k > 0 and self.units[k - 1].paragraph == p,
                )
            )
            k = last + 1
        return Slide(blocks=tuple(blocks))
