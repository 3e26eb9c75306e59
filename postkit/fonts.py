"""Resolve font files, load them with an explicit layout engine, and pick a face that covers a text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont, features

from postkit.bidi import needs_bidi, visual_runs
from postkit.errors import FontError
from postkit.resources import data_dir

if TYPE_CHECKING:
    import uharfbuzz as hb


def layout_engine_name() -> str:
    """Name the layout engine postkit measures and draws with: "raqm" when available, else "basic"."""
    return "raqm" if features.check("raqm") else "basic"


def _engine() -> ImageFont.Layout:
    return ImageFont.Layout.RAQM if layout_engine_name() == "raqm" else ImageFont.Layout.BASIC


@dataclass(frozen=True, order=True)
class FontFile:
    """One face of a font file: a .ttf/.otf file, or the face at ``index`` of a .ttc/.otc collection."""

    path: Path
    index: int = 0

    @property
    def name(self) -> str:
        """Name the face for messages and post.json: the file name, with "#N" for a collection's face N > 0."""
        return f"{self.path.name}#{self.index}" if self.index else self.path.name

    def __str__(self) -> str:
        return f"{self.path}#{self.index}" if self.index else str(self.path)


_FACE_INDEX = re.compile(r"(?P<file>.+)#(?P<index>\d{1,3})")


def resolve_font(name: str, search: Sequence[Path] = ()) -> FontFile:
    """Find font file ``name`` in the given folders, then among the bundled fonts.

    ``name`` may end in ``#N`` to take face N of a collection (``NotoSerifCJK-Regular.ttc#2``).
    """
    index = 0
    if match := _FACE_INDEX.fullmatch(name):
        name, index = match["file"], int(match["index"])
    candidate = Path(name)
    if candidate.is_absolute():
        if candidate.is_file():
            return FontFile(candidate, index)
    else:
        for folder in [*search, data_dir("fonts")]:
            path = folder / name
            if path.is_file():
                return FontFile(path, index)
    places = ", ".join(str(s) for s in [*search, data_dir("fonts")])
    renamed = _RENAMED.get(name.replace("\\", "/"))
    fix = f"the bundled font is now '{renamed}'" if renamed else "check the font name in theme.toml"
    msg = f"font '{name}' was not found in {places}; {fix}"
    raise FontError(msg)


# Bundled fonts renamed since an earlier release (Playfair Display's licence reserves its name for the
# unmodified font; see fonts/README.md), so a theme naming the old file is told the new one.
_RENAMED = {
    "playfair-display/PlayfairDisplay-Bold.ttf": "postkit-display/PostkitDisplay-Bold.ttf",
    "playfair-display/PlayfairDisplay-Italic.ttf": "postkit-display/PostkitDisplay-Italic.ttf",
}


@lru_cache(maxsize=256)
def load_font(font: FontFile, size: int) -> ImageFont.FreeTypeFont:
    """Load the face ``font`` at ``size`` pixels with the explicit layout engine (cached)."""
    try:
        return ImageFont.truetype(str(font.path), size, index=font.index, layout_engine=_engine())
    except OSError as exc:
        msg = f"cannot load font {font} ({exc}); reinstall postkit or fix the theme's font entry"
        raise FontError(msg) from exc


# HarfBuzz reads a file of 2 GiB or more into memory instead of mapping it; no real font is near this.
MAX_FONT_BYTES = 512 * 1024 * 1024


def _blob(path: Path) -> hb.Blob:
    """Return a HarfBuzz blob of the font file at ``path`` (mapped), refusing what is not a plausible font file."""
    import stat

    import uharfbuzz as hb

    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        msg = f"{path} is not a regular file; pass a font file"
        raise FontError(msg)
    if info.st_size > MAX_FONT_BYTES:
        msg = f"{path} is {info.st_size:,} bytes, more than any font ({MAX_FONT_BYTES:,}); pass a font file"
        raise FontError(msg)
    return hb.Blob.from_file_path(str(path))


@cache
def _hb_face(font: FontFile) -> hb.Face:
    import uharfbuzz as hb

    try:
        blob = _blob(font.path)
    except Exception as exc:  # OSError, or HarfBuzz refusing the file
        msg = f"cannot read font {font} ({exc}); use a valid TTF/OTF/TTC font"
        raise FontError(msg) from exc
    face = hb.Face(blob, font.index)
    if face.count == 0 or font.index >= face.count or face.glyph_count == 0:
        msg = f"{font} is not a font file HarfBuzz can read (or has no face {font.index}); use a valid TTF/OTF/TTC font"
        raise FontError(msg)
    return face


@cache
def _coverage(font: FontFile) -> Container[int]:
    """Return the set of code points ``font`` maps to glyphs (a HarfBuzz set; ``in`` works)."""
    # HarfBuzz collects a CJK font's 45,000-entry cmap in about 0.3 ms; fontTools takes 70 ms.
    unicodes: Container[int] = _hb_face(font).unicodes
    return unicodes


def face_count(path: Path) -> int:
    """Return how many faces the font file at ``path`` holds (1 for a .ttf/.otf, N for a collection, 0 if none)."""
    import uharfbuzz as hb

    try:
        count: int = hb.Face(_blob(path)).count
        return count
    except Exception:
        return 0


def needs_glyph(char: str) -> bool:
    """Tell whether ``char`` needs a glyph of its own (not a space, a control or a format character)."""
    # Spaces, controls and format characters (ZWJ, soft hyphen) draw nothing of their own; nor do
    # postkit's emphasis markers. Other private-use characters need a font that defines them.
    category = unicodedata.category(char)
    if category == "Co":
        return not "\ue000" <= char <= "\ue003"
    return category[0] not in "ZC"


FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")


EMOJI = -1  # the font index of a segment drawn from the colour emoji font

# A piece of a line ready to measure or draw: its text, the Face whose chain holds its font, the font's
# index in that chain (or EMOJI), and the direction it is shaped in (None: no bidi, left to right).
Piece = tuple[str, "Face", int, "str | None"]


class Face:
    """A fallback chain of fonts at one size, measured and drawn as if it were one font.

    A line goes through the Unicode bidirectional algorithm (postkit.bidi) into level runs in visual
    order; each run is split by which font of the chain has each character (read from the fonts'
    character maps), emoji clusters going to the colour emoji font. Each piece is shaped whole with its
    own font in its run's direction, on the primary font's baseline.
    """

    def __init__(self, paths: tuple[FontFile, ...], size: int, features: tuple[str, ...] = ()):
        self.paths = paths
        self.size = size
        self.raqm = layout_engine_name() == "raqm"
        # Direction and OpenType features are raqm options; the basic engine takes neither.
        self.features = (list(features) or None) if self.raqm else None
        self.path = str(paths[0])
        self.fonts = [load_font(path, size) for path in paths]
        self.ascent, self.descent = self.fonts[0].getmetrics()
        self._font_of: dict[str, int] = {}
        self._segments: dict[str, list[tuple[str, int]]] = {}
        self._pieces: dict[tuple[str, bool | None], list[Piece]] = {}
        self._bbox: dict[tuple[str, str, bool | None], tuple[float, float, float, float]] = {}
        self._sizes: dict[int, Face] = {}
        self._feature_names = tuple(features)

    def __repr__(self) -> str:
        return f"Face({', '.join(p.name for p in self.paths)}, {self.size})"

    def getmetrics(self) -> tuple[int, int]:
        """Return the primary font's ascent and descent: they set the line height."""
        return self.ascent, self.descent

    def at_size(self, size: int) -> Face:
        """Return the same chain at another size."""
        # Kept per face: the slicer asks thousands of times, and hashing tuples of Paths is slow.
        other = self._sizes.get(size)
        if other is None:
            other = self._sizes[size] = face(self.paths, size, self._feature_names)
        return other

    def _index(self, char: str, current: int) -> int:
        index = self._font_of.get(char)
        if index is None:
            if not needs_glyph(char) or unicodedata.category(char).startswith("M"):
                index = -2  # spaces, joiners and combining marks stay with the run they are in
            else:
                index = next((k for k, p in enumerate(self.paths) if ord(char) in _coverage(p)), 0)
            self._font_of[char] = index
        return current if index == -2 else index

    def segments(self, text: str) -> list[tuple[str, int]]:
        """Split ``text`` into (piece, font index) runs in logical order; EMOJI marks emoji."""
        cached = self._segments.get(text)
        if cached is not None:
            return cached
        if text.isascii():
            pieces = [(text, 0)] if text else []  # every Latin text font has ASCII
        else:
            pieces = []
            position = 0
            for start, end in [*_emoji_spans(text), (len(text), len(text))]:
                current, run_start = 0, position
                for k in range(position, start):
                    index = self._index(text[k], current)
                    if index != current and k > run_start:
                        pieces.append((text[run_start:k], current))
                        run_start = k
                    current = index
                if start > run_start:
                    pieces.append((text[run_start:start], current))
                if end > start:
                    pieces.append((text[start:end], EMOJI))
                position = end
        self._segments[text] = pieces
        return pieces

    def pieces(self, text: str, rtl: bool | None = None) -> list[Piece]:
        """Split a line into pieces in visual order, left to right (see :data:`Piece`).

        ``rtl`` is the base direction of the paragraph the line belongs to (None: from its first strong
        character).
        """
        key = (text, rtl)
        cached = self._pieces.get(key)
        if cached is None:
            cached = self._pieces[key] = visual_pieces(text, rtl, [(0, len(text), self)])
        return cached

    def advance(self, piece: str, index: int, direction: str | None) -> float:
        """Return the advance width of one piece shaped with font ``index`` of the chain."""
        if index == EMOJI:
            return _emoji_width(piece, self.ascent + self.descent)
        return self.fonts[index].getlength(piece, features=self.features, direction=direction)

    def missing(self, text: str) -> list[str]:
        """List the distinct characters no font of the chain (nor the emoji font) can draw, in order."""
        if not text.isascii():
            # Characters inside emoji clusters are the emoji font's.
            kept, position = [], 0
            for start, end in _emoji_spans(text):
                kept.append(text[position:start])
                position = end
            text = "".join(kept) + text[position:]
        # Each distinct character once: a 2 MB article holds a few hundred.
        return [
            char
            for char in dict.fromkeys(text)
            if needs_glyph(char)
            and not unicodedata.category(char).startswith("M")
            and not any(ord(char) in _coverage(p) for p in self.paths)
        ]

    def getlength(self, text: str, rtl: bool | None = None) -> float:
        """Return the advance width of ``text``: each piece measured whole with its font."""
        return sum(owner.advance(piece, index, direction) for piece, owner, index, direction in self.pieces(text, rtl))

    def getbbox(self, text: str, anchor: str = "la", rtl: bool | None = None) -> tuple[float, float, float, float]:
        """Return the ink box of ``text`` drawn at (0, 0) with its top at the primary ascent."""
        key = (text, anchor, rtl)
        box = self._bbox.get(key)
        if box is None:
            box = self._bbox[key] = pieces_bbox(self.pieces(text, rtl), self.ascent)
        return box

    def draw(
        self,
        image: Image.Image,
        draw: ImageDraw.ImageDraw,
        xy: tuple[float, float],
        text: str,
        fill: tuple[int, ...],
        rtl: bool | None = False,
    ) -> None:
        """Draw ``text`` on ``image`` (through its ``draw``) with its top-left corner at ``xy``.

        ``rtl`` is the base direction of the line's paragraph.
        """
        draw_pieces(image, draw, xy, self.pieces(text, rtl), self.ascent, fill)


def visual_pieces(text: str, rtl: bool | None, styles: list[tuple[int, int, Face]]) -> list[Piece]:
    """Lay a line out in pieces, left to right: bidi level runs, then style runs, then each style's fonts.

    :param styles: (start, end, face) runs of ``text`` in logical order, covering it (one face without
        emphasis; regular, italic and bold faces with it).
    """
    raqm = bool(styles) and styles[0][2].raqm
    if not raqm or not needs_bidi(text, bool(rtl)):
        return [(piece, owner, index, None) for s, e, owner in styles for piece, index in owner.segments(text[s:e])]
    pieces: list[Piece] = []
    for start, end, level in visual_runs(text, rtl):
        direction = "rtl" if level % 2 else "ltr"
        run = [
            (piece, owner, index, direction)
            for s, e, owner in styles
            if s < end and e > start
            for piece, index in owner.segments(text[max(s, start) : min(e, end)])
        ]
        pieces += reversed(run) if level % 2 else run
    return pieces


def pieces_bbox(pieces: list[Piece], ascent: int) -> tuple[float, float, float, float]:
    """Return the ink box of pieces laid out left to right from x = 0, with the top at ``ascent`` above the baseline."""
    x = 0.0
    left = top = float("inf")
    right = bottom = float("-inf")
    parts: tuple[float, float, float, float]
    for piece, owner, index, direction in pieces:
        if index == EMOJI:
            height = owner.ascent + owner.descent
            width = _emoji_width(piece, height)
            parts = (x, ascent - owner.ascent, x + width, ascent - owner.ascent + height)
        else:
            font = owner.fonts[index]
            x0, y0, x1, y1 = font.getbbox(piece, anchor="ls", features=owner.features, direction=direction)
            parts = (x + x0, y0 + ascent, x + x1, y1 + ascent)
            width = font.getlength(piece, features=owner.features, direction=direction)
        left, top = min(left, parts[0]), min(top, parts[1])
        right, bottom = max(right, parts[2]), max(bottom, parts[3])
        x += width
    return (0.0, 0.0, 0.0, 0.0) if left == float("inf") else (left, top, right, bottom)


def draw_pieces(
    image: Image.Image,
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    pieces: list[Piece],
    ascent: int,
    fill: tuple[int, ...],
) -> None:
    """Draw pieces left to right from ``xy`` (the top-left corner), all on one baseline ``ascent`` below it."""
    x, y = xy
    baseline = y + ascent
    last = len(pieces) - 1
    for number, (piece, owner, index, direction) in enumerate(pieces):
        if index == EMOJI:
            height = owner.ascent + owner.descent
            tile = _render_emoji(piece, height)
            image.paste(tile, (round(x), round(baseline - owner.ascent)), tile)
        else:
            font = owner.fonts[index]
            draw.text(
                (x, baseline), piece, font=font, fill=fill, anchor="ls", features=owner.features, direction=direction
            )
        if number < last:  # the next piece starts where this one ends; after the last, nothing does
            x += owner.advance(piece, index, direction)


@lru_cache(maxsize=512)
def face(paths: tuple[FontFile, ...], size: int, features: tuple[str, ...] = ()) -> Face:
    """Return the (shared, cached) Face for a chain of font files at ``size`` pixels."""
    return Face(tuple(paths), size, features)


def _emoji_spans(text: str) -> list[tuple[int, int]]:
    if text.isascii():
        return []
    try:
        from postkit.emoji import emoji_spans
    except ImportError:
        return []
    return emoji_spans(text)


def _emoji_width(cluster: str, height: float) -> float:
    from postkit.emoji import emoji_width

    return emoji_width(cluster, height)


def _render_emoji(cluster: str, height: int) -> Image.Image:
    from postkit.emoji import render_emoji

    return render_emoji(cluster, height)


# Inline emphasis travels inside the text as private-use marker characters around each
# emphasised word, so that any piece of a paragraph (a sentence, a line) carries its own styles.
ITALIC_ON, ITALIC_OFF, BOLD_ON, BOLD_OFF = "\ue000", "\ue001", "\ue002", "\ue003"
_OPEN = {ITALIC_ON: "italic", BOLD_ON: "bold"}
_CLOSE = {ITALIC_OFF: "italic", BOLD_OFF: "bold"}
_MARKERS = str.maketrans("", "", ITALIC_ON + ITALIC_OFF + BOLD_ON + BOLD_OFF)


def mark_emphasis(text: str, spans: tuple[tuple[int, int, str], ...]) -> str:
    """Wrap each word inside the (start, end, style) spans in that style's marker characters."""
    if not spans:
        return text
    pieces: list[str] = []
    position = 0
    for start, end, style in spans:
        on, off = (ITALIC_ON, ITALIC_OFF) if style == "italic" else (BOLD_ON, BOLD_OFF)
        pieces.append(text[position:start])
        words = text[start:end].split(" ")
        pieces.append(" ".join(f"{on}{word}{off}" if word else word for word in words))
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def strip_emphasis(text: str) -> str:
    """Remove emphasis markers, giving the plain text."""
    return text.translate(_MARKERS)


class StyledFace:
    """Body text with inline emphasis: regular, italic and bold chains, switched by markers."""

    def __init__(self, regular: Face, italic: Face, bold: Face):
        self.styles = {"regular": regular, "italic": italic, "bold": bold}
        self.regular = regular
        self.size = regular.size
        self.path = regular.path
        self.paths = regular.paths
        self.ascent, self.descent = regular.ascent, regular.descent
        self._sizes: dict[int, StyledFace] = {}
        self._pieces: dict[tuple[str, bool | None], list[Piece]] = {}

    def __repr__(self) -> str:
        return f"StyledFace({self.regular!r})"

    def getmetrics(self) -> tuple[int, int]:
        return self.regular.getmetrics()

    def at_size(self, size: int) -> StyledFace:
        """Return the same styles at another size."""
        other = self._sizes.get(size)
        if other is None:
            s = self.styles
            other = self._sizes[size] = styled_face(s["regular"].paths, s["italic"].paths, s["bold"].paths, size)
        return other

    def runs(self, text: str) -> list[tuple[str, Face]]:
        """Split marked text into (plain piece, face) runs; a piece cut from a styled word keeps its style."""
        if not any(c in _OPEN or c in _CLOSE for c in text):
            return [(text, self.regular)] if text else []
        first = next(c for c in text if c in _OPEN or c in _CLOSE)
        style = _CLOSE.get(first, "regular")
        runs: list[tuple[str, Face]] = []
        piece = ""
        for char in text:
            if char in _OPEN or char in _CLOSE:
                if piece:
                    runs.append((piece, self.styles[style]))
                piece = ""
                style = _OPEN.get(char, "regular")
            else:
                piece += char
        if piece:
            runs.append((piece, self.styles[style]))
        return runs

    def pieces(self, text: str, rtl: bool | None = None) -> list[Piece]:
        """Split a marked line into pieces in visual order: bidi runs over the plain text, then styles, then fonts."""
        key = (text, rtl)
        cached = self._pieces.get(key)
        if cached is None:
            styles, position = [], 0
            for piece, owner in self.runs(text):
                styles.append((position, position + len(piece), owner))
                position += len(piece)
            plain = "".join(piece for piece, _ in self.runs(text))
            cached = self._pieces[key] = visual_pieces(plain, rtl, styles)
        return cached

    def getlength(self, text: str, rtl: bool | None = None) -> float:
        return sum(owner.advance(piece, index, direction) for piece, owner, index, direction in self.pieces(text, rtl))

    def getbbox(self, text: str, anchor: str = "la", rtl: bool | None = None) -> tuple[float, float, float, float]:
        return pieces_bbox(self.pieces(text, rtl), self.ascent)

    def missing(self, text: str) -> list[str]:
        seen: dict[str, None] = {}
        for piece, face_ in self.runs(text):
            for char in face_.missing(piece):
                seen.setdefault(char)
        return list(seen)

    def draw(
        self,
        image: Image.Image,
        draw: ImageDraw.ImageDraw,
        xy: tuple[float, float],
        text: str,
        fill: tuple[int, ...],
        rtl: bool | None = False,
    ) -> None:
        """Draw marked text, its styles and fonts in bidi order on the regular face's baseline."""
        draw_pieces(image, draw, xy, self.pieces(text, rtl), self.ascent, fill)


@lru_cache(maxsize=256)
def styled_face(
    regular: tuple[FontFile, ...], italic: tuple[FontFile, ...], bold: tuple[FontFile, ...], size: int
) -> StyledFace:
    """Return the (shared, cached) StyledFace for three chains at ``size`` pixels."""
    return StyledFace(face(regular, size), face(italic, size), face(bold, size))


# What lines are measured and drawn with: one fallback chain, or body text with inline emphasis.
TextFace = Face | StyledFace
