"""Resolve font files, load them with an explicit layout engine, and pick a face that covers a text."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import ImageFont, features

from postkit.errors import FontError
from postkit.resources import data_dir


def layout_engine_name() -> str:
    """Name the layout engine postkit measures and draws with: "raqm" when available, else "basic"."""
    return "raqm" if features.check("raqm") else "basic"


def _engine() -> ImageFont.Layout:
    return ImageFont.Layout.RAQM if layout_engine_name() == "raqm" else ImageFont.Layout.BASIC


def resolve_font(name: str, search: Sequence[Path] = ()) -> Path:
    """Find font file ``name`` in the given folders, then among the bundled fonts."""
    candidate = Path(name)
    if candidate.is_absolute():
        if candidate.is_file():
            return candidate
    else:
        for folder in [*search, data_dir("fonts")]:
            path = folder / name
            if path.is_file():
                return path
    places = ", ".join(str(s) for s in [*search, data_dir("fonts")])
    msg = f"font '{name}' was not found in {places}; check the font name in theme.toml"
    raise FontError(msg)


@lru_cache(maxsize=256)
def load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """Load ``path`` at ``size`` pixels with the explicit layout engine (cached)."""
    try:
        return ImageFont.truetype(str(path), size, layout_engine=_engine())
    except OSError as exc:
        msg = f"cannot load font {path} ({exc}); reinstall postkit or fix the theme's font entry"
        raise FontError(msg) from exc


@cache
def _coverage(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # imported here: only needed when a chain has a choice

    try:
        with TTFont(str(path), lazy=True) as font:
            return frozenset(font.getBestCmap())
    except Exception as exc:  # fontTools raises many types for broken files
        msg = f"cannot read the character map of {path} ({exc}); use a valid TTF/OTF font"
        raise FontError(msg) from exc


def _needs_glyph(char: str) -> bool:
    # Spaces, controls and format characters (ZWJ, soft hyphen) draw nothing of their own.
    return unicodedata.category(char)[0] not in "ZC"


def missing_characters(path: Path, text: str) -> list[str]:
    """List the distinct characters of ``text`` the font at ``path`` has no glyph for."""
    cmap = _coverage(path)
    seen: dict[str, None] = {}
    for char in text:
        if _needs_glyph(char) and ord(char) not in cmap:
            seen.setdefault(char)
    return list(seen)


@dataclass(frozen=True)
class FontChain:
    """Font files in order of preference for one role (title, body, label)."""

    role: str
    paths: tuple[Path, ...]

    def face_for(self, texts: Iterable[str]) -> Path:
        """Return the first font that has every character of ``texts``; raise FontError otherwise."""
        joined = "".join(texts)
        if len(self.paths) == 1 and joined.isascii():
            return self.paths[0]
        for path in self.paths:
            if not missing_characters(path, joined):
                return path
        missing = missing_characters(self.paths[-1], joined)
        shown = " ".join(f"{c} (U+{ord(c):04X})" for c in missing[:10])
        names = ", ".join(p.name for p in self.paths)
        msg = (
            f"no {self.role} font has these characters: {shown}; "
            f"add a font that covers them to the theme's [fonts] {self.role} list (now: {names})"
        )
        raise FontError(msg)
