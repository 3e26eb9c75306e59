"""Pack an article's sentences into slides: one type size for the post, even fill, no word lost.

Sentences come from pysbd with the article's language (or the nearest language it has), mended
where its rules split too eagerly (:func:`sentence_spans`); Chinese and Japanese are split after
their own full stops, never inside quotes. The packer ends slides only between sentences. A
sentence is cut across slides only when it alone is taller than a slide: at a clause boundary
that leaves at least four words on each side (eight letters in Chinese and Japanese, written
without spaces), else at a line end between words with as many on each side, else at any line end.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, overload

from postkit.errors import LayoutError
from postkit.fonts import (
    BOLD_OFF,
    BOLD_ON,
    ITALIC_OFF,
    ITALIC_ON,
    Face,
    FontFile,
    TextFace,
    face,
    strip_emphasis,
    styled_face,
)
from postkit.i18n import NO_SPACE_LANGUAGES, language_key
from postkit.layout import estimate, line_height, wrap, wrap_with_offsets
from postkit.limits import MAX_SLIDES_APP
from postkit.segment import break_units

if TYPE_CHECKING:
    from pysbd import Segmenter

# ---------------------------------------------------------------------------------------------
# Sentences

_PYSBD_LANGUAGES = frozenset(
    {
        "am",
        "ar",
        "bg",
        "da",
        "de",
        "el",
        "en",
        "es",
        "fa",
        "fr",
        "hi",
        "hy",
        "it",
        "ja",
        "kk",
        "mr",
        "my",
        "nl",
        "pl",
        "ru",
        "sk",
        "ur",
        "zh",
    }
)
# Languages pysbd lacks, segmented with the rules of the nearest one it has (checked on real text:
# Spanish rules split Portuguese right, Russian ones Ukrainian). Any other language: English rules.
_PYSBD_NEAREST = {
    "uk": "ru",
    "be": "ru",
    "sr": "bg",
    "mk": "bg",
    "pt": "es",
    "gl": "es",
    "ca": "es",
    "ro": "it",
    "cs": "sk",
    "sv": "da",
    "nb": "da",
    "nn": "da",
    "no": "da",
}
# Written without spaces between sentences: split after their own full stops, not by pysbd (which
# splits Chinese inside quotes and leaves a closing quote at the start of the next sentence).

_TERMINATORS = ".!?…‽؟۔।。．！？‼⁇⁈⁉"
_GREEK_QUESTION = ";\u037e"  # Greek writes its question mark as a semicolon
_CLOSERS = "\"'’”»›)]}」』）】〉》〕］｝"
_OPENERS = "\"'‘“„«‹([{「『（【〈《〔［｛¿¡"
_DASHES = "—–‒―-"
_MARKERS = ITALIC_ON + ITALIC_OFF + BOLD_ON + BOLD_OFF
_CLOSING_MARKERS = ITALIC_OFF + BOLD_OFF
_OPENING_MARKERS = ITALIC_ON + BOLD_ON
# Abbreviations that never end a sentence (titles, "that is", "about", "street"): a split after one
# is always wrong. "|" separates them; a space inside one may be missing ("т. е." and "т.е.").
_NEVER_FINAL = {
    "*": "ca.|cf.|vs.|approx.",
    "en": "Mr.|Mrs.|Ms.|Messrs.|Dr.|Prof.|Gen.|Col.|Capt.|Lt.|Sgt.|Rev.|Gov.|Sen.|Rep.|Hon.|Mt.|e. g.|i. e.",
    "ru": "т. е.|т. к.|т. н.|т. о.|т. ч.|ок.|им.|ул.|просп.|пл.|пер.|см.|ср.|напр.|проф.|акад.|ген.|тов.|"
    "св.|оз.|пос.|дер.|соб.|корр.|вост.|зап.|сев.|юж.",
    "uk": "т. зв.|т. б.|ім.|вул.|просп.|пл.|пров.|див.|пор.|напр.|проф.|акад.|ген.|св.|оз.|бл.|прибл.|кор.|"
    "півн.|півд.|сх.|зах.",
    "de": "z. B.|d. h.|z. T.|u. U.|i. d. R.|bzw.|Nr.|Dr.|Prof.|Hr.|Hl.|vgl.|sog.|inkl.|zzgl.",
    "fr": "M.|MM.|Mme.|Mlle.|Mgr.|av.|apr.|p. ex.|c.-à-d.|env.",
    "es": "Sr.|Sra.|Srta.|Sres.|Dña.|Dr.|Dra.|Lic.|Ing.|Prof.|Sto.|Sta.|Av.|Avda.|p. ej.|aprox.|núm.",
    "it": "Sig.|Sigg.|Sig.ra|Dott.|Prof.|Avv.|Ing.|On.|Mons.|ad es.|p. es.|cfr.",
    "pt": "Sr.|Sra.|Srta.|Dr.|Dra.|Prof.|Profa.|Sto.|Sta.|Av.|p. ex.|aprox.",
    "el": "κ.|Αγ.|π. χ.|δηλ.|βλ.|περ.|οδ.|αρ.|εκδ.|τ.",
}
# Abbreviations that may end a sentence ("в 1917 г.", "im 19. Jh.", "44 a. C."): a split after one
# stands unless a number follows ("9 час. 07 мин.", "S. 5", "XII ст."), which would not begin one.
_ABBREVIATIONS = {
    "*": "etc.|No.|Nr.|vol.|p.|pp.",
    "en": "a.m.|p.m.|Jan.|Feb.|Mar.|Apr.|Jun.|Jul.|Aug.|Sep.|Sept.|Oct.|Nov.|Dec.|B.C.|A.D.|c.|ch.|fig.",
    "ru": "час.|ч.|мин.|сек.|г.|гг.|в.|вв.|т. д.|т. п.|н. э.|тыс.|млн.|млрд.|руб.|коп.|долл.|чел.|км.|"
    "стр.|рис.|т.|гл.|ст.|р.|п.|с.",
    "uk": "год.|хв.|сек.|р.|рр.|ст.|ст. ст.|н. е.|т. д.|т. п.|т. ін.|тис.|млн.|млрд.|грн.|коп.|дол.|с.|т.|рис.|км.",
    "de": "Jh.|Jhd.|Chr.|v. Chr.|n. Chr.|usw.|u. a.|Mio.|Mrd.|Tsd.|Std.|Min.|Sek.|Bd.|Abs.|Art.|Kap.|S.",
    "fr": "J.-C.|s.|t.|chap.|min.",
    "es": "a. C.|d. C.|s.|pág.|págs.|cap.|min.|mill.|h.",
    "it": "a. C.|d. C.|ecc.|sec.|pag.|cap.|min.",
    "pt": "a. C.|d. C.|séc.|pág.|cap.|min.",
    "el": "π. Χ.|μ. Χ.|κ. λπ.|χλμ.|αι.|χιλ.|εκ.|δισ.|λεπ.",
}
_ROMAN = re.compile(r"[IVXLCDM]+(?![^\W\d_])")
_ORDINAL_DOT_LANGUAGES = frozenset(
    {"de", "pl", "tr", "cs", "sk", "hu", "da", "nb", "nn", "no", "fi", "hr", "sl", "sr", "bs", "et", "lv", "lt", "is"}
)
_ORDINAL = re.compile(r"(?<![\w.])(?:\d{1,2}|[IVXLC]{1,6})\.$")
_NUMBER_START = re.compile(r"\d")
# An initial ("А. С. Пушкин", "В.Д. Сухоруков", "John F. Kennedy"): one capital letter and a stop.
_INITIAL = re.compile(r"(?:^|(?<=[\s(.]))([^\W\d_])\.$")
_NAME_BEFORE = re.compile(r"(?:^|\s)[^\W\d_][^\W\d_]+\s+$")
_HEBREW_LETTER = re.compile(r"[\u05d0-\u05ea]")
# A Chinese or Japanese sentence ends after one of these (ASCII "!" and "?" too: text folded to
# compatibility forms has them), with the closing quotes and brackets that follow.
_CJK_ENDS = "。．！？‼⁇⁈⁉!?"
_PAIRS = {
    "「": "」",
    "『": "』",
    "（": "）",
    "(": ")",
    "“": "”",
    "‘": "’",
    "【": "】",
    "〈": "〉",
    "《": "》",
    "〔": "〕",
    "［": "］",
    "[": "]",
    "｛": "｝",
}
_CLOSING_OF = {close: open_ for open_, close in _PAIRS.items()}
_WINDOW = 60  # characters on each side of a split that decide whether it stands


@lru_cache(maxsize=8)
def _segmenter(lang: str) -> Segmenter:
    import pysbd

    return pysbd.Segmenter(language=lang, clean=False)


def _alternation(abbreviations: str) -> str:
    """Return a regex matching any of the "|"-separated abbreviations, spaces inside optional."""
    forms = set()
    for abbreviation in abbreviations.split("|"):
        # Case matters ("π.Χ." is a date, "π.χ." "for example"), except at a sentence's start.
        for form in {abbreviation, abbreviation[0].upper() + abbreviation[1:]}:
            forms.add(r"[\s\u00a0\u202f]?".join(re.escape(part) for part in form.split(" ")))
    return "|".join(sorted(forms, key=len, reverse=True))


@lru_cache(maxsize=32)
def _abbreviation_patterns(key: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Return regexes for a text ending in a never-final abbreviation, and in any known one."""
    table_key = key if key in _NEVER_FINAL else _PYSBD_NEAREST.get(key, "")
    never = "|".join(filter(None, (_NEVER_FINAL["*"], _NEVER_FINAL.get(table_key))))
    known = "|".join(filter(None, (never, _ABBREVIATIONS["*"], _ABBREVIATIONS.get(table_key))))
    return (
        re.compile(rf"(?<![^\W_])(?:{_alternation(never)})$"),
        re.compile(rf"(?<![^\W_])(?:{_alternation(known)})$"),
    )


def _ends_with_terminator(text: str, key: str) -> bool:
    tail = text.rstrip().rstrip(_CLOSERS)
    if not tail:
        return False
    return tail[-1] in _TERMINATORS or (key == "el" and tail[-1] in _GREEK_QUESTION)


def _cased_lowercase(char: str) -> bool:
    # Latin, Greek, Cyrillic, Armenian: scripts whose sentences start with a capital. (Georgian
    # letters are lowercase to Unicode but Georgian sentences do not start with a capital.)
    return char.islower() and (char < "\u0590" or "\u1e00" <= char <= "\u1fff")


def _continues(before: str, after: str, key: str) -> bool:
    """Tell whether the text ``after`` a split pysbd proposed continues the sentence ``before`` it."""
    if not _ends_with_terminator(before, key):
        return True  # pysbd's Arabic rules end sentences at "،" and ":"
    start = after.lstrip(_OPENERS + _DASHES + " \u00a0")
    if not start or start[0] in _CLOSERS.replace('"', "").replace("'", "") + ",;:" or _cased_lowercase(start[0]):
        return True
    tail = before.rstrip()
    never, known = _abbreviation_patterns(key)
    if never.search(tail):
        return True
    initial = _INITIAL.search(tail)
    if initial:
        letter = initial.group(1)
        head = tail[: initial.start(1)]
        if letter.isupper() and not (letter in "IVX" and _NAME_BEFORE.search(head)):
            return True  # "Pedro I." and "Charles V." may end a sentence; "V. I. Lenin" does not
        if _HEBREW_LETTER.match(letter):
            return True  # Hebrew numbers list items with letters ("א.", "ב.")
    if known.search(tail):
        roman = _ROMAN.match(start)
        return bool(_NUMBER_START.match(start) or (roman and (key != "en" or roman.group() != "I")))
    # German, Polish, Turkish... write ordinals with a full stop: "W rzeczywistości 1. Front",
    # "lideri XI. Konstantinos", "am 9. November". A year (three or four digits) may end a sentence.
    return key in _ORDINAL_DOT_LANGUAGES and _ORDINAL.search(tail) is not None


def _pysbd_cuts(plain: str, key: str) -> list[tuple[int, int]]:
    """Return pysbd's sentence breaks in ``plain`` as (end of one sentence, start of the next)."""
    lang = key if key in _PYSBD_LANGUAGES else _PYSBD_NEAREST.get(key, "en")
    # Same length, so offsets carry over: pysbd's Greek rules know only the ASCII semicolon.
    probe = plain.replace("\u037e", ";") if lang == "el" else plain
    cuts: list[tuple[int, int]] = []
    position = None
    # pysbd's segment() maps each sentence back onto the text with a regex compiled per sentence (a third
    # of its time); its processor's sentences are found here anyway.
    segmenter = _segmenter(lang)
    for piece in segmenter.processor(probe).process() if probe else ():
        piece = piece.strip()
        if not piece:
            continue
        found = probe.find(piece, position or 0)
        if found < 0:
            return []  # pysbd altered the text: trust none of its splits
        # A split only where the paragraph has a space ("path?x=1" is no sentence end), and none
        # where pysbd dropped characters.
        if position is not None and found > position and probe[position:found].isspace():
            cuts.append((position, found))
        position = found + len(piece)
    return cuts


def _cjk_cuts(plain: str) -> list[tuple[int, int]]:
    """Return sentence breaks after Chinese and Japanese full stops outside quotes and brackets."""
    depth = [0] * (len(plain) + 1)
    stack: list[tuple[str, int]] = []
    open_count = dict.fromkeys(_PAIRS, 0)
    for i, char in enumerate(plain):
        if char in _PAIRS:
            stack.append((char, i))
            open_count[char] += 1
        elif char in _CLOSING_OF and open_count[_CLOSING_OF[char]]:
            # Only a bracket that closes counts: an unmatched "「" must not swallow the rest. The
            # brackets left open inside this pair are dropped, so each is passed over only once.
            while True:
                opener, start = stack.pop()
                open_count[opener] -= 1
                if opener == _CLOSING_OF[char]:
                    depth[start + 1] += 1
                    depth[i] -= 1
                    break
    inside, level = [], 0
    for step in depth:
        level += step
        inside.append(level > 0)
    cuts: list[tuple[int, int]] = []
    i, n = 0, len(plain)
    while i < n:
        char = plain[i]
        if char in _CJK_ENDS and not inside[i] and (not char.isascii() or (i and not plain[i - 1].isascii())):
            end = i + 1
            while end < n and (plain[end] in _CJK_ENDS or plain[end] in _CLOSERS):
                end += 1
            start = end
            while start < n and plain[start].isspace():
                start += 1
            if start < n:
                cuts.append((end, start))
            i = start
        else:
            i += 1
    return cuts


@lru_cache(maxsize=1024)
def _spans(text: str, key: str) -> tuple[tuple[int, int], ...]:
    # Cached: the slicer, the caption's lead and a batch's series all split the same paragraphs.
    first, last = len(text) - len(text.lstrip()), len(text.rstrip())
    if first >= last:
        return ()
    # Emphasis markers stand around words (fonts.mark_emphasis); segment the text without them.
    where = [i for i, char in enumerate(text) if char not in _MARKERS]
    plain = "".join(text[i] for i in where) if len(where) < len(text) else text
    if key in NO_SPACE_LANGUAGES:
        proposed = _cjk_cuts(plain)
    else:
        proposed = []
        sentence_start = 0
        for end, start in _pysbd_cuts(plain, key):
            # The last words decide; a window keeps a paragraph of many merged pieces linear.
            before = plain[max(sentence_start, end - _WINDOW) : end]
            if not _continues(before, plain[start : start + _WINDOW], key):
                proposed.append((end, start))
                sentence_start = start
    spans, start = [], first
    for end, next_start in proposed:
        end, next_start = where[end - 1] + 1, where[next_start]
        while end < len(text) and text[end] in _CLOSING_MARKERS:
            end += 1
        while next_start > end and text[next_start - 1] in _OPENING_MARKERS:
            next_start -= 1
        if start < end <= next_start < last and (end == next_start or text[end:next_start].isspace()):
            spans.append((start, end))
            start = next_start
    spans.append((start, last))
    return tuple(spans)


def sentence_spans(text: str, lang: str | None = "en") -> list[tuple[int, int]]:
    """Return where each sentence of a paragraph starts and ends in ``text``.

    Only spaces lie between two sentences, and nothing in Chinese or Japanese, which are written
    without spaces: ``text[end:next_start]`` is the separator to join them back with.
    """
    return list(_spans(text, language_key(lang)))


def sentences(text: str, lang: str | None = "en") -> list[str]:
    """Split a paragraph into sentences with the rules of its language.

    The pieces, joined with single spaces (with nothing in Chinese and Japanese), give the
    paragraph back. Splits pysbd proposes are dropped where the next piece starts with a small
    letter or a number after an abbreviation ("В 9 час. 07 мин. по московскому времени"), or
    follows a title, an initial or "т. е.", "z. B.", "av. J.-C.".
    """
    return [text[start:end] for start, end in _spans(text, language_key(lang))]


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
    fills: tuple[float, ...] = ()  # the share of the text area's height each slide's text takes

    @property
    def even(self) -> bool:
        """Tell whether the slides are filled evenly: each but the last within ±25% of the mean length
        in characters, and every slide's text at least half as tall as the text area."""
        chars = [len(slide.text) for slide in self.slides]
        if len(chars) < 2:
            return True
        mean = sum(chars) / len(chars)
        return all(abs(c - mean) <= EVEN_SPREAD * mean for c in chars[:-1]) and min(self.fills) >= MIN_FILL


# ---------------------------------------------------------------------------------------------
# Packing

_HEADING_WORDS = 8
# Slides are even when each but the last is within this share of the mean length, and none is less
# than MIN_FILL full; to even them, up to _MORE_SLIDES slides more than the fewest are tried.
EVEN_SPREAD = 0.25
MIN_FILL = 0.5
_MORE_SLIDES = 2
# A slide must hold at least this many lines of body text at the smallest size.
_MIN_LINES = 3
# Cost of leaving a paragraph's end for the next slide, in "empty lines squared".
_MID_PARAGRAPH = 0.35
_BAD_BREAK = 1e6
# Cost of one line of a paragraph left alone at the top or bottom of a slide (orphan or widow).
_LONELY_LINE = 1e3
# Costs of ending a slide inside a sentence taller than a slide: at a clause boundary, at a line end
# between words, at any other line end (inside a word, or with fewer words on a side than wanted).
_CLAUSE_CUT = 1.0
_WORD_CUT = 25.0
_LINE_CUT = 100.0
# Words a cut inside a sentence leaves on each side at least; letters in Chinese and Japanese.
_MIN_WORDS = 4
_MIN_CJK_LETTERS = 8
_CLAUSE_MARKS = ",;:—–‒―、，；：،؛"
_ENDS_SENTENCE = re.compile(f"[{re.escape(_TERMINATORS + _GREEK_QUESTION + _CLOSERS)}]\\s*$")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class _Unit:
    text: str
    paragraph: int
    glue: str  # what joined this unit to the previous one in its paragraph
    breakable: bool  # a slide may end after this unit
    cost: float = 0.0  # what ending a slide after this unit costs: nothing at a sentence's end


def _glued_sentences(text: str, lang: str) -> tuple[tuple[str, str], ...]:
    """Return (separator before it, sentence) for each sentence of a paragraph."""
    pieces, position = [], None
    for start, end in sentence_spans(text, lang):
        pieces.append((text[position:start] if position is not None else "", text[start:end]))
        position = end
    return tuple(pieces)


def _heading_like(text: str, heading: bool, cjk: bool = False) -> bool:
    text = strip_emphasis(text).rstrip()
    if heading or text.endswith(":"):
        return True
    # In Chinese and Japanese, two letters make about a word.
    words = len(_LETTER_OR_DIGIT.findall(text)) / 2 if cjk else len(text.split())
    return words <= _HEADING_WORDS and not _ENDS_SENTENCE.search(text)


def _ends_clause(text: str) -> bool:
    """Tell whether ``text`` ends with a clause mark: a comma, semicolon, colon or dash."""
    plain = strip_emphasis(text)
    tail = plain.rstrip().rstrip(_CLOSERS)
    if not tail:
        return False
    spaced = plain[-1:].isspace()
    # A hyphen stands for a dash only between spaces ("Colón llegó - creyendo"), and a middle dot
    # for the Greek semicolon only before one (Catalan writes "col·legi").
    if tail[-1] in "-·\u0387":
        return spaced and (tail[-1] != "-" or tail[-2:-1].isspace())
    return tail[-1] in _CLAUSE_MARKS


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
    smallest = face(style.body_fonts, style.min_size)
    room = line_height(smallest, style.line_factor) * (_MIN_LINES - 1) + sum(smallest.getmetrics())
    if box[1] < room or box[0] < 4 * style.min_size:
        msg = (
            f"{source}: a slide's text area is {box[0]}x{box[1]} px, too small for {_MIN_LINES} lines of "
            f"{style.min_size} px text; the theme's margins, band, footer_gap, label_size or kicker_size leave "
            "no room for text: lower them (or body_min and line_height)"
        )
        raise LayoutError(msg)
    _refuse_far_too_long(paragraphs, smallest, style, box, max_slides, source)

    split = [(_glued_sentences(text, lang), heading) for text, heading in paragraphs]
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
    largest = packer(low).pack()
    if largest.even:
        return largest
    # Long sentences can leave slides of whole sentences uneven at the largest size. A smaller size
    # within the theme's range, or a slide or two more, often evens them; the largest even size wins.
    for size in range(low, style.min_size - 1, -1):
        fewest = count_at(size)
        for count in range(fewest, min(max_slides, fewest + _MORE_SLIDES) + 1):
            if size == low and count == fewest:
                continue
            slicing = packer(size).pack(count)
            if slicing is not None and slicing.even:
                return slicing
    return largest


_MEASURE_CHUNK = 4096  # characters measured at once when bounding an article's length


def _refuse_far_too_long(
    paragraphs: Sequence[tuple[str, bool]],
    smallest: Face,
    style: TextStyle,
    box: tuple[int, int],
    max_slides: int,
    source: str,
) -> None:
    """Refuse at once an article whose text alone, at the smallest size, fills far more slides than allowed.

    A lower bound from the text's width over the width and height of a slide, measured only as far as
    it takes to exceed them: a 2 MB article was split into sentences and packed for 47 s before being
    told it was too long. An article less than twice too long is packed, to say exactly how many
    slides it needs.
    """
    lines_per_slide = (box[1] - sum(smallest.getmetrics())) // line_height(smallest, style.line_factor) + 1
    limit = max(2 * max_slides, MAX_SLIDES_APP)
    capacity = limit * lines_per_slide * box[0]
    width = 0.0
    for text, _ in paragraphs:
        for start in range(0, len(text), _MEASURE_CHUNK):
            width += estimate(smallest, text[start : start + _MEASURE_CHUNK])
            if width > capacity:
                msg = (
                    f"{source} needs more than {limit} text slides even at the smallest type size "
                    f"({style.min_size} px), but only {max_slides} fit in --max-slides {max_slides + 2} with the "
                    "cover and closing slide; shorten the article (or make it a series with postkit batch --series)"
                )
                raise LayoutError(msg)


# A paragraph to pack: its (separator, sentence) pairs, and whether it is a heading.
_Paragraph = tuple[tuple[tuple[str, str], ...], bool]


class _Packer:
    """Sentence packing at one type size."""

    def __init__(
        self, split: Sequence[_Paragraph], style: TextStyle, size: int, box: tuple[int, int], lang: str = "en"
    ):
        """Prepare the units of packing.

        :param split: for each paragraph, its (separator, sentence) pairs and whether it is a heading.
        """
        self.width, self.height = box
        self.lang = lang
        self.cjk = language_key(lang) in NO_SPACE_LANGUAGES
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
        self._ends: list[int] = []
        self._ends_of: list[_Unit] | None = None
        self.units = self._units(split, cut=())
        self._lines_from = self._all_wrap_counts()
        too_long = {self.units[i].text for i, counts in enumerate(self._lines_from) if counts[0] > self.max_lines}
        if too_long:
            self.units = self._units(split, cut=too_long)
            self._lines_from = self._all_wrap_counts()

    def _font(self, paragraph: int) -> TextFace:
        return self.heading if self.headings[paragraph] else self.body

    def _units(self, split: Sequence[_Paragraph], cut: Container[str]) -> list[_Unit]:
        """Make sentences the units of packing; cut the sentences in ``cut`` where a slide may end."""
        units: list[_Unit] = []
        for p, (sents, heading) in enumerate(split):
            font = self.heading if heading else self.body
            heading_like = _heading_like("".join(glue + s for glue, s in sents), heading, self.cjk)
            for s, (separator, sentence) in enumerate(sents):
                pieces = self._cut_sentence(sentence, font) if sentence in cut else [(sentence, "", 0.0)]
                for k, (piece, glue, cost) in enumerate(pieces):
                    last_piece = k == len(pieces) - 1
                    last = s == len(sents) - 1 and last_piece
                    units.append(
                        _Unit(
                            text=piece,
                            paragraph=p,
                            glue=glue if k else separator,
                            # A sentence ending in ":" introduces what follows; a clause cut at
                            # one inside a long sentence is a place like any other.
                            breakable=not (last and heading_like)
                            and not (last_piece and strip_emphasis(piece).rstrip().endswith(":")),
                            cost=cost,
                        )
                    )
        return units

    def _cut_sentence(self, sentence: str, font: TextFace) -> list[tuple[str, str, float]]:
        """Cut a sentence taller than a slide where a slide may end inside it.

        Returns (piece, what joined it to the piece before, cost of ending a slide after it).
        The packer then ends slides at the cuts that fill them best, preferring clause boundaries.
        """
        pieces: list[tuple[str, str, float]] = []
        start, glue = 0, ""
        for end, cost in [*self._cuts(sentence, font), (len(sentence), 0.0)]:
            piece = sentence[start:end]
            stripped = piece.rstrip()
            if stripped:
                pieces.append((stripped, glue, cost))
                glue = piece[len(stripped) :]
            else:
                glue += piece
            start = end
        return pieces

    def _cuts(self, sentence: str, font: TextFace) -> list[tuple[int, float]]:
        """Return the offsets in a too-tall sentence where a slide may end, with what each costs.

        Clause boundaries with enough words on each side come first. Where the text between them
        is still taller than a slide, line ends between words (with as many words on each side)
        are added, and where even that fails, every line end.
        """
        least = _MIN_CJK_LETTERS if self.cjk else _MIN_WORDS
        if self.cjk:
            words = [(m.start(), m.end()) for m in _LETTER_OR_DIGIT.finditer(sentence)]
        else:
            words = [(m.start(), m.end()) for m in _TOKEN.finditer(sentence) if _LETTER_OR_DIGIT.search(m.group())]
        word_starts, word_ends = [start for start, _ in words], [end for _, end in words]
        bounds, offset = set(), 0
        for unit in break_units(sentence, self.lang):
            offset += len(unit)
            bounds.add(offset)
        bounds.discard(len(sentence))

        def admissible(offset: int) -> bool:
            before = bisect.bisect_left(word_starts, offset)
            after = len(word_ends) - bisect.bisect_right(word_ends, offset)
            return before >= least and after >= least

        cuts = {
            b: _CLAUSE_CUT for b in sorted(bounds) if _ends_clause(sentence[max(0, b - _WINDOW) : b]) and admissible(b)
        }
        for between_words, cost in ((True, _WORD_CUT), (False, _LINE_CUT)):
            edges = [0, *sorted(cuts), len(sentence)]
            for start, end in zip(edges, edges[1:], strict=False):
                lines = wrap_with_offsets(sentence[start:end], font, self.width, lang=self.lang)
                if len(lines) <= self.max_lines:
                    continue
                for _, line_end in lines[:-1]:
                    cut = start + line_end
                    while cut < end and sentence[cut].isspace():
                        cut += 1
                    if not between_words or (cut in bounds and admissible(cut)):
                        cuts.setdefault(cut, cost)
        return sorted(cuts.items())

    def _join(self, first: int, last: int) -> str:
        text = self.units[first].text
        for unit in self.units[first + 1 : last + 1]:
            text += unit.glue + unit.text
        return text

    def _paragraph_end(self, i: int) -> int:
        """Return the index of the last unit of unit ``i``'s paragraph (computed once per list of units)."""
        if self._ends_of is not self.units:
            ends = [0] * len(self.units)
            for k in range(len(self.units) - 1, -1, -1):
                last = k + 1 < len(self.units) and self.units[k + 1].paragraph == self.units[k].paragraph
                ends[k] = ends[k + 1] if last else k
            self._ends, self._ends_of = ends, self.units
        return self._ends[i]

    def _all_wrap_counts(self) -> list[list[int]]:
        """Return, for each unit i, the lines used by units i..e (e = i .. its paragraph's end).

        Greedy wrapping decides each break from the text before it, so wrapping the rest of the
        paragraph from unit i once gives the line count of every run that starts at i. It also
        gives them for every later unit that starts a line of that wrap (as the pieces of a cut
        sentence often do), since wrapping from a line start repeats the lines that follow it.
        """
        counts: list[list[int] | None] = [None] * len(self.units)
        for first in range(len(self.units)):
            if counts[first] is not None:
                continue
            font = self._font(self.units[first].paragraph)
            end = self._paragraph_end(first)
            # Only as much of the paragraph as a slide could hold matters (runs that overflow are never
            # used): wrapping all of a paragraph of 2,000 sentences from each of them took quadratic time.
            # Lines hold at most their width of text, so this much text is more lines than a slide has.
            budget, width, last = (self.max_lines + 2) * self.width, 0.0, first
            for last in range(first, end + 1):
                width += estimate(font, self.units[last].glue + self.units[last].text)
                if width > budget:
                    break
            text = self._join(first, last)
            lines = wrap_with_offsets(text, font, self.width, lang=self.lang)
            # Where each line starts, as the offset where the line before it ended (spaces between
            # them belong to neither); 0 for the first line.
            starts = [0] + [end for _, end in lines[:-1]]
            line_at = {start: index for index, start in enumerate(starts)}
            begins, ends, offset = [], [], 0
            for k in range(first, last + 1):
                if k > first:
                    begins.append(offset)
                    offset += len(self.units[k].glue)
                else:
                    begins.append(0)
                offset += len(self.units[k].text)
                ends.append(offset)
            for k in range(first, last + 1):
                line = line_at.get(begins[k - first])
                if counts[k] is None and line is not None:
                    row = [bisect.bisect_left(starts, e) - line for e in ends[k - first :]]
                    # A row is whole when it reaches the paragraph's end or more lines than a slide has;
                    # a later unit's row cut short here is made from its own wrap instead.
                    if k == first or last == end or row[-1] > self.max_lines:
                        counts[k] = row
        return counts  # type: ignore[return-value]

    def _measure(self, i: int, j: int) -> tuple[int, float] | None:
        """Return (pixel height, widow/orphan cost) of units i..j-1 on one slide, or None if they overflow."""
        lines = gaps = 0
        k = i
        counts = []
        while k < j:
            last = min(j - 1, self._paragraph_end(k))
            row = self._lines_from[k]
            if last - k >= len(row):
                return None  # beyond what a slide can hold from unit k
            counts.append(row[last - k])
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
        cost = (0.0 if unit.breakable else _BAD_BREAK) + unit.cost
        if self.units[j].paragraph == unit.paragraph:
            cost += _MID_PARAGRAPH
        return cost

    def _spans(self, j: int) -> Iterator[tuple[int, tuple[int, float]]]:
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

    @overload
    def pack(self) -> Slicing: ...

    @overload
    def pack(self, count: int) -> Slicing | None: ...

    def pack(self, count: int | None = None) -> Slicing | None:
        """Split into ``count`` slides (by default the fewest), filled as evenly as the sentences allow.

        Returns None if the text cannot be split into that many slides.
        """
        n = len(self.units)
        count = count or self.min_slides()
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
        if cost[count][n] == inf:
            return None
        cuts, j = [], n
        for k in range(count, 0, -1):
            i = back[k][j]
            cuts.append((i, j))
            j = i
        cuts.reverse()
        slides = tuple(self._slide(i, j) for i, j in cuts)
        fills = tuple(self._measure(i, j)[0] / self.height for i, j in cuts)  # type: ignore[index]
        return Slicing(size=self.size, line_height=self.lh, paragraph_gap=self.gap, slides=slides, fills=fills)

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
