"""The Unicode bidirectional algorithm (UAX #9) for one line of text: embedding levels and visual runs.

Every text element a card shows (body lines, titles, running heads, labels, credits, the handle) goes
through :func:`visual_runs`: the paragraph's embedding levels, rule L1 for the line's trailing white
space, then rule L2's reordering of level runs. Each run is then split by font and shaped on its own
in its own direction (see fonts.Face), so that a Latin name inside Hebrew, an Arabic phrase in an
English line, brackets and spaces all land where a reader of the paragraph's language expects them.

The levels come from GNU FriBidi through ctypes. It is the implementation raqm (Pillow's shaper)
calls for the same text, and Pillow already needs the system library for right-to-left text
(Debian's libfribidi0), so no second implementation can disagree with the shaper about a level.
Text without a right-to-left character, an explicit bidi control or a right-to-left base direction
is one left-to-right run and never calls the library.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import unicodedata
from functools import cache, lru_cache

from postkit.errors import LayoutError

# Bidi classes that make a character strong right-to-left (UAX #9: R and AL).
_RTL_CLASSES = frozenset({"R", "AL"})
# Classes that can put a character of a left-to-right paragraph above level 0.
_NOT_LTR = frozenset({"R", "AL", "AN"})
# Explicit formatting characters (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI) and the marks RLM and ALM:
# a text holding one needs the algorithm even without a right-to-left letter.
_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200f\u061c")
# L1 resets white space and isolate controls at the end of a line to the paragraph level.
_TRAILING = frozenset(" \t\u00a0\u1680\u202f\u205f\u3000") | {chr(c) for c in range(0x2000, 0x200B)}
_ISOLATES = frozenset("\u2066\u2067\u2068\u2069")

# FriBidi's paragraph types (fribidi-bidi-types.h): strong LTR/RTL and "other neutral" (decide from text).
_PAR_LTR = 0x00000110
_PAR_RTL = 0x00000111
_PAR_ON = 0x00000040
_LIBRARY_NAMES = ("libfribidi.so.0", "libfribidi.0.dylib", "libfribidi-0.dll", "fribidi-0.dll")


def has_rtl(text: str) -> bool:
    """Tell whether ``text`` holds a right-to-left letter."""
    return any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in text if not c.isascii())


def first_strong_is_rtl(text: str) -> bool | None:
    """Apply rules P2-P3: the direction of the first strong character outside isolates (None if none)."""
    depth = 0
    for char in text:
        if char in "\u2066\u2067\u2068":
            depth += 1
        elif char == "\u2069":
            depth = max(0, depth - 1)
        elif depth == 0:
            kind = unicodedata.bidirectional(char)
            if kind in _RTL_CLASSES:
                return True
            if kind == "L":
                return False
    return None


def paragraph_is_rtl(text: str, context_rtl: bool = False) -> bool:
    """Choose a paragraph's base direction.

    In a right-to-left post (``context_rtl``), a paragraph holding any right-to-left letter is set right
    to left even if it opens with a Latin name, as a Hebrew or Arabic editor sets it; a paragraph without
    strong characters takes the post's direction. Otherwise the first strong character decides (P2-P3).
    """
    first = first_strong_is_rtl(text)
    if context_rtl and (first or has_rtl(text)):
        return True
    return context_rtl if first is None else first


def needs_bidi(text: str, rtl: bool) -> bool:
    """Tell whether ``text`` can be anything but one left-to-right run."""
    if rtl:
        return True
    if text.isascii():
        return False
    # Arabic-Indic digits (class AN) take level 2 even in a left-to-right paragraph.
    return any(unicodedata.bidirectional(c) in _NOT_LTR or c in _CONTROLS for c in text)


@cache
def _fribidi() -> ctypes.CDLL:
    for name in (ctypes.util.find_library("fribidi"), *_LIBRARY_NAMES):
        if not name:
            continue
        try:
            library = ctypes.CDLL(name)
        except OSError:
            continue
        function = library.fribidi_get_par_embedding_levels_ex
        function.restype = ctypes.c_int8
        function.argtypes = [
            ctypes.POINTER(ctypes.c_uint32),
            ctypes.POINTER(ctypes.c_uint32),
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_uint32),
            ctypes.POINTER(ctypes.c_int8),
        ]
        library.fribidi_get_bidi_types.restype = None
        library.fribidi_get_bidi_types.argtypes = [
            ctypes.POINTER(ctypes.c_uint32),
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_uint32),
        ]
        library.fribidi_get_bracket_types.restype = None
        library.fribidi_get_bracket_types.argtypes = [
            ctypes.POINTER(ctypes.c_uint32),
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_uint32),
            ctypes.POINTER(ctypes.c_uint32),
        ]
        return library
    msg = (
        "right-to-left text needs the FriBidi library (Debian: apt-get install libfribidi0; "
        "macOS: brew install fribidi), which Pillow's text shaping also uses; install it and run again"
    )
    raise LayoutError(msg)


@lru_cache(maxsize=8192)
def levels(text: str, rtl: bool | None) -> tuple[int, ...]:
    """Return the embedding level of each character of ``text`` as one paragraph (rules P2-I2).

    ``rtl`` sets the base direction; None takes it from the first strong character (P2-P3).
    """
    count = len(text)
    if not count:
        return ()
    if not needs_bidi(text, bool(rtl)):
        return (0,) * count
    library = _fribidi()
    chars = (ctypes.c_uint32 * count)(*map(ord, text))
    types = (ctypes.c_uint32 * count)()
    brackets = (ctypes.c_uint32 * count)()
    result = (ctypes.c_int8 * count)()
    library.fribidi_get_bidi_types(chars, count, types)
    library.fribidi_get_bracket_types(chars, count, types, brackets)
    direction = ctypes.c_uint32(_PAR_ON if rtl is None else _PAR_RTL if rtl else _PAR_LTR)
    if library.fribidi_get_par_embedding_levels_ex(types, brackets, count, ctypes.byref(direction), result) == 0:
        msg = f"the bidirectional algorithm failed on {text[:40]!r}; please report it"
        raise LayoutError(msg)
    return tuple(result)


def base_level(text: str, rtl: bool | None) -> int:
    """Return the paragraph level: 1 for a right-to-left paragraph, else 0."""
    if rtl is None:
        rtl = bool(first_strong_is_rtl(text))
    return 1 if rtl else 0


@lru_cache(maxsize=8192)
def visual_runs(text: str, rtl: bool | None = None) -> tuple[tuple[int, int, int], ...]:
    """Return the line's level runs as (start, end, level) in visual order, left to right (rules L1-L2).

    A run with an odd level reads right to left: its characters are shaped right to left and placed
    from its right edge. ``"".join(text[s:e] for s, e, _ in runs)`` is a permutation of the runs of
    ``text``, which together cover it exactly.
    """
    line_levels = list(levels(text, rtl))
    if not line_levels:
        return ()
    paragraph = base_level(text, rtl)
    # L1: trailing white space (and isolate controls) take the paragraph level.
    k = len(text)
    while k > 0 and (text[k - 1] in _TRAILING or text[k - 1] in _ISOLATES):
        k -= 1
        line_levels[k] = paragraph
    runs: list[tuple[int, int, int]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or line_levels[i] != line_levels[start]:
            runs.append((start, i, line_levels[start]))
            start = i
    highest = max(level for _, _, level in runs)
    lowest_odd = min((level for _, _, level in runs if level % 2), default=highest + 1)
    # L2: from the highest level down to the lowest odd level, reverse every sequence of runs at
    # that level or higher.
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(runs):
            if runs[i][2] >= level:
                j = i
                while j < len(runs) and runs[j][2] >= level:
                    j += 1
                runs[i:j] = runs[i:j][::-1]
                i = j
            else:
                i += 1
    return tuple(runs)


def visual_string(text: str, rtl: bool | None = None) -> str:
    """Return ``text`` in the order its characters appear on the line, left to right (for tests and checks).

    Characters of right-to-left runs are reversed; mirroring of brackets is left to the shaper.
    """
    return "".join(text[s:e][::-1] if level % 2 else text[s:e] for s, e, level in visual_runs(text, rtl))


_OPENERS = {"\u2066": "isolate", "\u2067": "isolate", "\u2068": "isolate"} | dict.fromkeys(
    "\u202a\u202b\u202d\u202e", "embedding"
)
_CLOSERS = {"isolate": "\u2069", "embedding": "\u202c"}


def contained(text: str) -> str:
    """Return ``text`` with its bidi isolates and embeddings closed inside it.

    A closer (PDI, PDF) with nothing of its own to close would close the isolate the text sits in on
    a page, and let the rest reorder what follows: it is dropped. Openers left open are closed at the end.
    """
    if not any(char in _CONTROLS for char in text):
        return text
    kept: list[str] = []
    open_: list[str] = []
    for char in text:
        if char in _OPENERS:
            open_.append(_OPENERS[char])
        elif char == "\u2069":
            if "isolate" not in open_:
                continue
            while open_.pop() != "isolate":  # a PDI closes the embeddings inside its isolate too (UAX #9, X6a)
                pass
        elif char == "\u202c":
            if not open_ or open_[-1] != "embedding":
                continue
            open_.pop()
        kept.append(char)
    return "".join(kept) + "".join(_CLOSERS[kind] for kind in reversed(open_))


def isolated(text: str) -> str:
    """Return ``text`` between FSI and PDI, so that it cannot reorder the text around it."""
    return f"\u2068{contained(text)}\u2069"
