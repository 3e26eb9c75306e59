"""Where a line may break: Unicode line-break opportunities (UAX #14), postkit's glue rules, and hyphenation.

Text only: the pixel line breaker in layout.py measures the pieces this module returns.

UAX #14 comes from uniseg, which is correct but pure Python (about 200 ms per 2,800 characters), so
:func:`line_break_units` cuts the text first at breaks that are certain without it: one or more
U+0020 spaces between two letters (of the alphabetic scripts listed in ``_WORD_CHAR``) or digits. A
break there is always allowed (UAX #14 rule LB18), and no rule looks back across it, because every rule
that reaches over spaces (LB8, LB14-LB17) starts from a character that is not a letter or digit.
Only the cut pieces holding other characters (punctuation, dashes, CJK, quotes...) go to uniseg,
cached per piece; tests compare the result with uniseg on whole texts.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import regex

from postkit.i18n import language_key

if TYPE_CHECKING:
    from budoux import Parser
    from pyphen import Pyphen

# Letters whose UAX #14 class is AL or HL (checked over every code point in tests/test_segment.py):
# Latin, Greek, Cyrillic, Hebrew and Arabic letters. Not CJK (ID), Thai (SA), or fullwidth forms (ID).
_WORD_CHAR = r"[\p{L}&&[\u0041-\u024f\u0370-\u03ff\u0400-\u052f\u05d0-\u05ea\u0620-\u064a\u1e00-\u1fff]]"
_DIGIT = "[0-9]"
# ASCII symbols of UAX #14 class AL, which break exactly like letters ("*", "_", "#", "@"...): Markdown-heavy
# text full of them would otherwise all go to uniseg.
_SYMBOL = r"[#&*<=>@^_`~]"
_ALNUM = f"(?:{_WORD_CHAR}|{_DIGIT}|{_SYMBOL})"
# Closing punctuation that may stand between a word and the spaces after it: full stop, comma, colon,
# semicolon (UAX #14 class IS), "?" and "!" (EX), ")" and "]" (CP, CL), and quotes that are not opening
# quotes (QU without Pi). None of these starts a rule that reaches over the spaces after it.
_CLOSERS = "[.,;:!?)\\]\"'’”]"
# A certain break: after the spaces that follow a word (and its closing punctuation) and precede a word.
# The lookahead comes first: only before a letter does the lookbehind scan back (a long run of spaces
# would make every position scan it: quadratic time).
_SAFE_CUT = regex.compile(f"(?={_ALNUM})(?<={_ALNUM}{_CLOSERS}* +)", regex.V1)
# A piece with no break inside: a word (with inner apostrophes, or a number with "," and "."), its
# closing punctuation and trailing spaces.
_PLAIN_PIECE = regex.compile(
    f"{_ALNUM}+(?:[’']{_WORD_CHAR}+|(?<={_DIGIT})[.,]{_DIGIT}+)*{_CLOSERS}* *",
    regex.V1,
)

_NO_BREAK_SPACES = frozenset("\u00a0\u202f\u2007")
_DASHES = frozenset("\u2014\u2013\u2012\u2015")
# One-letter prepositions and conjunctions that must not end a line (Slavic typesetting rule).
_SHORT_WORDS = {
    "ru": "в и с к о у а я",
    "uk": "в і й з у о а я",
    "be": "в і й з ў у о а я",
    "bg": "в и с к о у а я",
    "pl": "a i o u w z",
    "cs": "a i k o s u v z",
    "sk": "a i k o s u v z",
}
_OPENERS = "([{\"'«„“‘‹"
# A number ends in a digit: "9,000" and "1917" glue to the next word, "6," (a clause ends) does not.
_NUMBER = regex.compile(rf"[{regex.escape(_OPENERS)}]*[0-9](?:[0-9,.]*[0-9])?")
_YEAR = regex.compile(rf"[{regex.escape(_OPENERS)}]*1[0-9]{{3}}|[{regex.escape(_OPENERS)}]*20[0-9]{{2}}")
_SPACE_RUN = regex.compile(r"[ \u00a0\u202f\u2007]+")
_WORD_START = regex.compile(r"\p{L}")
_DIGIT_END = regex.compile(r"[0-9\uff10-\uff19]$")
# Ideographs, kana and Hangul: the scripts whose counters follow numbers without a space.
CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u3005\u30fc"
_CJK_START = regex.compile(f"[{CJK}]")
_HANGUL = regex.compile(r"\p{Hangul}")

_URL = regex.compile(r"://|^www\.|^[\w-]+(?:\.[\w-]+)+/|^[^@\s]+@[\w-]+(?:\.[\w-]+)+$", regex.IGNORECASE)
_URL_BREAK_AFTER = frozenset("/.-_?&=")
# A user-perceived character (a grapheme cluster): a letter with its accents, a whole emoji sequence.
CLUSTER = regex.compile(r"\X")
_LONG = 8
# Characters UAX #14 attaches to the one before (LB9): marks, and format characters such as U+200E
# LEFT-TO-RIGHT MARK, U+200D ZERO WIDTH JOINER and tags, which are not \p{M}.
_ATTACHED = r"[\p{M}\p{Line_Break=CM}\p{Line_Break=ZWJ}]"
_LONG_RUN = regex.compile(rf"{_ATTACHED}{{{_LONG + 1},}}| {{{_LONG + 1},}}")
_TOKEN = regex.compile(rf"{_LONG_RUN.pattern}|.", regex.DOTALL)
_LETTERS = regex.compile(r"[\p{L}\p{M}]+")
_EDGE = 2  # no hyphen closer than this to either end of a word


@lru_cache(maxsize=16)
def _short_words(lang: str) -> frozenset[str]:
    words = _SHORT_WORDS.get(lang, "").split()
    return frozenset(words) | frozenset(w.upper() for w in words)


# Where two ideographs or kana (Line_Break class ID) meet, UAX #14 always allows a break (LB31: no rule
# before it looks at an ID on both sides, and none looks back past one), so a text may be cut there and
# each part given to uniseg alone: the same breaks, without uniseg's cost per character over a whole
# Chinese or Japanese paragraph (about 60 us).
_ID_PAIR = regex.compile(r"(?<=\p{Line_Break=ID})(?=\p{Line_Break=ID})")
_ID_SPLIT_MIN = 16  # characters: a shorter piece costs uniseg little


@lru_cache(maxsize=4096)
def _uniseg_units(piece: str) -> tuple[str, ...]:
    from uniseg.linebreak import line_break_units

    if len(piece) >= _ID_SPLIT_MIN and _ID_PAIR.search(piece):
        return tuple(unit for part in _id_parts(piece) for unit in (_uniseg_units(part) if len(part) > 1 else (part,)))
    if not _LONG_RUN.search(piece):
        return tuple(line_break_units(piece))
    # uniseg takes quadratic time over a long run of combining marks ("Zalgo" text: 20,000 marks took
    # minutes; 8,000 bidi marks 21 s) or of spaces. No line breaks inside a run of marks (rule LB9) or
    # of spaces (LB7), and a shorter run decides the same breaks around it: find the breaks on a copy
    # whose long runs are cut short, and map them back.
    tokens = [match.group() for match in _TOKEN.finditer(piece)]
    short = [_shorten(token) for token in tokens]
    units: list[str] = []
    k = 0
    for unit in line_break_units("".join(short)):
        taken, length = "", len(unit)
        while length > 0 and k < len(tokens):
            taken += tokens[k]
            length -= len(short[k])
            k += 1
        if taken:
            units.append(taken)
    if k < len(tokens):
        units.append("".join(tokens[k:]))
    return tuple(units)


def _id_parts(piece: str) -> list[str]:
    """Cut ``piece`` between every two characters that uniseg's own table also calls ID."""
    from uniseg.linebreak import LineBreak, line_break

    parts, start = [], 0
    for match in _ID_PAIR.finditer(piece):
        cut = match.start()
        # The regex module's Unicode tables may be another version than uniseg's: uniseg decides.
        if line_break(piece[cut - 1]) == LineBreak.ID and line_break(piece[cut]) == LineBreak.ID:
            parts.append(piece[start:cut])
            start = cut
    parts.append(piece[start:])
    return parts


def _shorten(token: str) -> str:
    # The last character stays: after a ZERO WIDTH JOINER there is no break (LB8a), after a mark there may be.
    return token[: _LONG - 1] + token[-1] if len(token) > _LONG else token


def uax14_units(text: str) -> list[str]:
    """Split ``text`` at every UAX #14 line-break opportunity with uniseg alone (slow; the reference)."""
    from uniseg.linebreak import line_break_units

    return list(line_break_units(text))


def line_break_units(text: str) -> list[str]:
    """Split ``text`` at every UAX #14 line-break opportunity, calling uniseg only where needed."""
    units: list[str] = []
    for piece in _SAFE_CUT.split(text):
        if not piece:
            continue
        if _PLAIN_PIECE.fullmatch(piece):
            units.append(piece)
        else:
            units.extend(_uniseg_units(piece))
    return units


def _glued(before: str, after: str, short_words: frozenset[str], keep_all: bool = False) -> bool:
    """Tell whether postkit removes the break opportunity between two UAX #14 units.

    ``keep_all``: Korean breaks lines between words (at spaces), not between syllables as UAX #14 allows.
    """
    if before[-1] in _NO_BREAK_SPACES or after[0] in _NO_BREAK_SPACES:
        return True
    if keep_all and _HANGUL.match(before[-1]) and _HANGUL.match(after[0]):
        return True
    # A dash never starts a line: "well—|known" and "слово —|текст", not "well|—known"; nor does a
    # hyphen-minus standing between spaces as a dash ("1911年10月10日 - 武昌起义").
    dash = after.rstrip(" ")
    if dash in _DASHES or (dash == "-" and before.endswith(" ")):
        return True
    # Chinese and Japanese: a number stays with its counter ("1868年", "10月", "9日", "1,000人").
    if _DIGIT_END.search(before) and _CJK_START.match(after):
        return True
    if not before.endswith(" "):
        return False
    # The last word of ``before`` (a unit may already hold glued words: "и с ").
    last = _SPACE_RUN.split(before.rstrip(" "))[-1]
    # "10 o’clock", "9,000 sailors", "7 ноября": a number stays with the word it counts. An English
    # year ("in 1917 toppled") counts nothing and gluing it leaves short lines; a Slavic one is
    # followed by its "year" word ("в 1917 году"), which it keeps.
    if _NUMBER.fullmatch(last) and _WORD_START.match(after):
        return bool(short_words) or not _YEAR.fullmatch(last)
    # "в Петрограде", "в 1917 году": a one-letter preposition stays with what follows.
    return last.lstrip(_OPENERS) in short_words


@lru_cache(maxsize=2048)
def _break_units(text: str, lang: str) -> tuple[str, ...]:
    units = line_break_units(text)
    if not units:
        return ()
    short_words = _short_words(lang)
    keep_all = lang == "ko"
    merged = [units[0]]
    for unit in units[1:]:
        if _glued(merged[-1], unit, short_words, keep_all):
            merged[-1] += unit
        else:
            merged.append(unit)
    return tuple(merged)


def break_units(text: str, lang: str | None = None) -> list[str]:
    """Split ``text`` into the pieces between which a line may break; each keeps its trailing spaces.

    The breaks are UAX #14's, minus those postkit forbids: at a no-break space, before a dash, after
    a number that precedes a word, and after a one-letter Slavic preposition or conjunction
    ("в Петрограде"). ``"".join(break_units(text)) == text`` always.
    """
    return list(_break_units(text, language_key(lang)))


@lru_cache(maxsize=64)
def _dictionary(lang: str) -> Pyphen | None:
    import pyphen

    name = pyphen.language_fallback(lang.replace("-", "_"))
    return pyphen.Pyphen(lang=name) if name else None


def clusters(text: str) -> list[str]:
    """Split text into grapheme clusters: a letter with its accents, a whole emoji sequence."""
    return list(text) if text.isascii() else CLUSTER.findall(text)


def _grapheme_boundaries(word: str) -> list[int]:
    return [match.end() for match in CLUSTER.finditer(word)][:-1]


def hyphenation_points(word: str, lang: str | None) -> list[int]:
    """Return the indices inside ``word`` where a hyphen may be inserted (none without a dictionary)."""
    return [point for point, _ in hyphenations(word, lang)]


def hyphenations(word: str, lang: str | None) -> list[tuple[int, str]]:
    """Return where ``word`` may be hyphenated: each index, with what a line shows before the hyphen.

    That is ``word[:index]``, except where the dictionary changes the spelling at the break: Hungarian
    "asszonnyal" breaks as "asz-" / "szonnyal" and "mennyi" as "meny-" / "nyi". The next line always
    starts at ``word[index:]``, so a line's end stays an offset into the source text.
    """
    if not lang or any(char.isdigit() for char in word) or _URL.search(word):
        return []
    dictionary = _dictionary(lang.strip())
    if dictionary is None:
        return []
    boundaries = {0, *_grapheme_boundaries(word), len(word)}
    breaks: list[tuple[int, str]] = []
    # Hyphenate each run of letters on its own, so punctuation ("revolution,") and apostrophes don't
    # confuse the dictionary.
    for run in _LETTERS.finditer(word):
        for position in dictionary.positions(run.group()):
            point = run.start() + position
            if _EDGE <= point <= len(word) - _EDGE and point in boundaries:
                head = _head(word, run, point, position.data, boundaries)
                if head:
                    breaks.append((point, head))
    return breaks


def _head(
    word: str, run: regex.Match, point: int, data: tuple[str, int, int] | None, boundaries: set[int]
) -> str | None:
    """Return what a line shows before a hyphen at ``point``, or None if the break can't be kept.

    pyphen's ``data`` marks a nonstandard point: ``change`` replaces ``cut`` letters from ``point +
    shift``, its part before "=" ending this line and its part after starting the next. Only when that
    part is the source's own letters from ``point`` on does the next line start at ``point``; every
    rule in pyphen's dictionaries is so ("ny=ny" replaces "nny", "sz=" one "s"), except one written
    for the "ﬁ" ligature.
    """
    if data is None:
        return word[:point]
    change, shift, cut = data
    start, end = point + shift, point + shift + cut
    if not start <= point <= end:
        # pyphen gives a pattern's change to each of its points; libhyphen only to one among the letters
        # it replaces, the others are standard ("masszázs-zokni").
        return word[:point]
    before, _, after = change.partition("=")
    if not (run.start() <= start and end <= run.end() and {start, end} <= boundaries):
        return None
    if word[point:end].lower() != after:
        return None
    return word[:start] + (before.upper() if word[start:end].isupper() else before)


def hard_break_points(word: str) -> list[int]:
    """Return where an over-long token may be cut when nothing else fits.

    In a URL, after "/", ".", "-", "_", "?", "&" or "=" (the last of a run such as "//"); elsewhere, and
    in a URL without such characters, at every grapheme boundary.
    """
    if _URL.search(word):
        points = [
            i + 1
            for i, char in enumerate(word[:-1])
            if char in _URL_BREAK_AFTER and word[i + 1] not in _URL_BREAK_AFTER
        ]
        if points:
            return points
    return _grapheme_boundaries(word)


WORD_JOINER = "\u2060"


@lru_cache(maxsize=1)
def _japanese_phrases() -> Parser:
    import budoux

    return budoux.load_default_japanese_parser()


def keep_phrases(text: str, lang: str | None) -> str:
    """Join the characters of each Japanese phrase (文節) with word joiners, so a line breaks only between phrases.

    For display lines (a title): body text may break between any two characters, as Japanese is set,
    but a title broken inside a word ("王政復古の大 / 号令") reads wrong. Phrases come from BudouX,
    the model behind browsers' ``word-break: auto-phrase``. Other languages are returned unchanged.
    """
    if language_key(lang) != "ja" or not text or text.isascii():
        return text
    phrases = _japanese_phrases().parse(text)
    return "".join(WORD_JOINER.join(phrase) for phrase in phrases)
