"""Find emoji in text and draw them in colour at any text size from Noto Color Emoji's one bitmap strike.

Noto Color Emoji is a CBDT bitmap font whose only strike is 109 px ("invalid pixel size" at any other
size), and Pillow has no per-glyph font fallback. So postkit cuts emoji out of the text (see
:func:`emoji_spans`), draws each at 109 px into an RGBA tile, and scales the tile to the text's line
height. The 109-px strike's ascent + descent (128 px) is what is scaled to the requested height, so an
emoji stands as tall as the text font's ascent + descent and sits on the same baseline proportionally.
"""

from __future__ import annotations

import math
from collections.abc import Container
from functools import cache, lru_cache
from pathlib import Path

import regex
from PIL import Image, ImageDraw, ImageFont, features

from postkit.errors import FontError, LayoutError
from postkit.resources import data_dir
from postkit.segment import CLUSTER

EMOJI_FONT: Path = data_dir("fonts") / "noto-color-emoji" / "NotoColorEmoji.ttf"
STRIKE_SIZE = 109  # the only size the bitmap font loads at

# A grapheme cluster is drawn as an emoji when it holds one of these (UTS #51 presentation rules):
# a pictograph that is emoji by default, any emoji-capable character with VS16 (U+FE0F), a keycap
# (digit, "#" or "*" with U+20E3), a regional-indicator flag, a skin-tone modifier sequence, a ZWJ
# sequence or a tag sequence (subdivision flags). Pictographs that default to text presentation
# ("©", "®", "™", "↔", "♥") without VS16 stay text: "© 2017" in a credit line must not turn into a
# colour picture. U+FE0E (text presentation selector) keeps any cluster as text.
_EMOJI_IN_CLUSTER = regex.compile(
    r"""
      \p{Regional_Indicator}
    | [#*0-9]\ufe0f?\u20e3
    | \p{Emoji_Presentation}
    | \p{Emoji}\ufe0f
    | \p{Emoji_Modifier_Base}\p{Emoji_Modifier}
    | \p{Extended_Pictographic}\ufe0f?\u200d
    | \p{Extended_Pictographic}[\U000e0020-\U000e007e]
    """,
    regex.VERBOSE,
)
# Code points that shaping consumes without a cmap entry of their own.
_SELECTORS = frozenset({0xFE0E, 0xFE0F})


def is_emoji(cluster: str) -> bool:
    """Tell whether one grapheme cluster is to be drawn as a colour emoji."""
    return "\ufe0e" not in cluster and _EMOJI_IN_CLUSTER.search(cluster) is not None


def emoji_spans(text: str) -> list[tuple[int, int]]:
    """Return the [start, end) spans of the emoji grapheme clusters in ``text``, in order."""
    if text.isascii():  # no ASCII character is an emoji without U+FE0F or U+20E3
        return []
    return [match.span() for match in CLUSTER.finditer(text) if is_emoji(match.group())]


@cache
def _strike() -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    try:
        return ImageFont.truetype(str(EMOJI_FONT), STRIKE_SIZE, layout_engine=engine)
    except OSError as exc:
        msg = f"cannot load the emoji font {EMOJI_FONT} ({exc}); reinstall postkit to restore fonts/noto-color-emoji/"
        raise FontError(msg) from exc


@cache
def _strike_height() -> int:
    ascent, descent = _strike().getmetrics()
    return ascent + descent


@cache
def _cmap() -> Container[int]:
    from postkit.fonts import FontFile, _coverage

    try:
        cmap: Container[int] = _coverage(FontFile(EMOJI_FONT))  # a HarfBuzz set, untyped
    except FontError as exc:
        msg = f"cannot read the character map of {EMOJI_FONT} ({exc}); reinstall postkit to restore it"
        raise FontError(msg) from exc
    return cmap


@cache
def _one_glyph() -> float:
    return _strike().getlength("\U0001f600")


def covers(cluster: str) -> bool:
    """Tell whether the emoji font draws ``cluster`` as one glyph (a flag or ZWJ family it knows)."""
    if not cluster:
        return False
    cmap = _cmap()
    if any(ord(char) not in cmap for char in cluster if ord(char) not in _SELECTORS):
        return False
    # An unknown flag or ZWJ sequence shapes into several glyphs side by side.
    return _strike().getlength(cluster) < 1.5 * _one_glyph()


def emoji_width(cluster: str, height: float) -> float:
    """Return the advance width of ``cluster`` drawn ``height`` px tall (the strike's ascent + descent)."""
    return _strike().getlength(cluster) * height / _strike_height()


def emoji_metrics(height: float) -> tuple[float, float]:
    """Return the (ascent, descent) of an emoji tile ``height`` px tall, to put its baseline on the text's."""
    ascent, _ = _strike().getmetrics()
    top = ascent * height / _strike_height()
    return top, height - top


@lru_cache(maxsize=512)
def render_emoji(cluster: str, height: int) -> Image.Image:
    """Draw ``cluster`` in colour as an RGBA tile ``height`` px tall (cached; do not modify the result)."""
    if height < 1:
        msg = f"an emoji must be drawn at least 1 px tall, not {height}; check the body type size"
        raise LayoutError(msg)
    if not cluster:
        msg = "cannot draw an empty emoji cluster; pass a span from emoji_spans()"
        raise LayoutError(msg)
    font = _strike()
    advance = font.getlength(cluster)
    tile = Image.new("RGBA", (max(1, math.ceil(advance)), _strike_height()), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((0, 0), cluster, font=font, embedded_color=True)
    width = max(1, round(advance * height / _strike_height()))
    # Pillow resizes RGBA with premultiplied alpha, so the edges do not darken.
    return tile.resize((width, height), Image.Resampling.LANCZOS)
