"""Tell an article's language from its text, and the writing direction of a language.

Detection goes from cheap to dear, so that most articles load no statistical model at all:

1. The dominant script decides when one language owns it (Hebrew letters -> he, Greek -> el, kana -> ja,
   Hangul -> ko, Han without kana -> zh, Thai -> th, ...).
2. For scripts shared by many languages (Latin, Cyrillic, Arabic), each candidate language's alphabet
   rules itself out when the text uses letters it does not have (Russian "ы" rules out Ukrainian), or
   lacks the letters it cannot do without (a long German text without "ä ö ü ß" is not German). A
   Russian, Ukrainian, German or Arabic text usually ends with one candidate here.
3. Only the candidates left go to lingua (low-accuracy mode: trigram models, enough for article-length
   text), which loads just their models, once per process: an English text needs three (en, nl, id).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Set
from functools import lru_cache
from typing import TYPE_CHECKING

from postkit import cache
from postkit.i18n import tag_parts

if TYPE_CHECKING:
    from lingua import LanguageDetector

# Text beyond this tells nothing more about the language and only costs time.
_SAMPLE = 6000
# Fewer letters than this (a title and "Text.") is too little to tell a language by.
_MIN_LETTERS = 30
_NOT_PROSE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|[@#][\w.]+", re.IGNORECASE)

# Scripts that one served language owns: no model needed.
_SCRIPT_LANGUAGE = {
    "HEBREW": "he",
    "GREEK": "el",
    "HANGUL": "ko",
    "THAI": "th",
    "GEORGIAN": "ka",
    "ARMENIAN": "hy",
    "DEVANAGARI": "hi",
    "BENGALI": "bn",
    "GURMUKHI": "pa",
    "GUJARATI": "gu",
    "TAMIL": "ta",
    "TELUGU": "te",
}
# Japanese mixes kana into Han; a Chinese text has none. Kana at this share of the CJK letters is Japanese.
_KANA_SHARE = 0.05

_LATIN_BASE = frozenset("abcdefghijklmnopqrstuvwxyz")
# Each language's letters beyond a-z, and those of them that a text in it cannot avoid ("" for English,
# Dutch and Indonesian, which are routinely written in a-z alone). "é" is left out of the unavoidable
# letters of every language but French: it is everywhere, so it tells Spanish from Italian nothing.
_LATIN = {
    "en": ("", ""),
    "nl": ("áéíóúàèëïöüĳ", ""),
    "id": ("", ""),
    "de": ("äöüß", "äöüß"),
    "fr": ("àâæçéèêëîïôœùûüÿ", "éèêàçù"),
    "es": ("áéíñóúü", "áíñóú"),
    "it": ("àèéìíîòóùú", "àèìòù"),
    "pt": ("áâãàçéêíóôõú", "ãõçáíóúâêô"),
    "ca": ("àçéèíïòóúüŀ", "àèòçíóúï"),
    "pl": ("ąćęłńóśźż", "ąćęłńśźż"),
    "cs": ("áčďéěíňóřšťúůýž", "čďěňřšťůž"),
    "hu": ("áéíóöőúüű", "áőű"),
    "ro": ("ăâîșțşţ", "ășțşţ"),
    "tr": ("çğıöşüâîû", "ğış"),
    "sv": ("åäöé", "åäö"),
    "da": ("æøåé", "æøå"),
    "nb": ("æøåéèêóòô", "æøå"),
    "fi": ("äöåšž", "äö"),
    "vi": (
        "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ",
        "ảạăằắẳẵặầấẩẫậẻẽẹềếểễệỉĩịỏọồốổỗộơờớởỡợủũụưừứửữựỳỷỹỵđ",
    ),
}
_RUSSIAN = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
# Whole alphabets, and the letters a text in the language cannot do without ("" = none required).
_CYRILLIC = {
    "ru": (_RUSSIAN, ""),
    "bg": ("абвгдежзийклмнопрстуфхцчшщъьюя", ""),
    "uk": ("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя", "ґєії"),
    "be": ("абвгдеёжзійклмнопрстуўфхцчшыьэюя", "ўі"),
    "sr": ("абвгдђежзијклљмнњопрстћуфхцчџш", "ђјљњћџ"),
    "kk": (_RUSSIAN + "әғқңөұүһі", "әғқңөұүһі"),
}
_ARABIC_BASE = "ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىيٱ"
_ARABIC = {
    "ar": (_ARABIC_BASE, ""),
    "fa": (_ARABIC_BASE + "پچژگکی", "پچژگکی"),
    "ur": (_ARABIC_BASE + "پچژگکیٹڈڑںےھہۓ", "ٹڈڑںےۓ"),
}
_SHARED_SCRIPTS: dict[str, dict[str, tuple[Set[str], Set[str]]]] = {
    "LATIN": {lang: (_LATIN_BASE | set(extra), set(needed)) for lang, (extra, needed) in _LATIN.items()},
    "CYRILLIC": {lang: (set(alphabet), set(needed)) for lang, (alphabet, needed) in _CYRILLIC.items()},
    "ARABIC": {lang: (set(alphabet), set(needed)) for lang, (alphabet, needed) in _ARABIC.items()},
}
# Languages written right to left (BCP 47 primary subtags), and script subtags that are.
_RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ks", "mzn", "ps", "sd", "syr", "ug", "ur", "yi"})
_RTL_SCRIPTS = frozenset({"arab", "hebr", "thaa", "syrc", "nkoo", "adlm", "rohg", "mand", "samr"})


def detect_language(text: str) -> str | None:
    """Return the language of ``text`` as a BCP 47 primary subtag ("en", "ru", "ja"), or None if unsure."""
    sample = _NOT_PROSE.sub(" ", text[:_SAMPLE])
    scripts: Counter[str] = Counter()
    letters: dict[str, Counter[str]] = {}
    for char, count in Counter(sample.lower()).items():  # each distinct character once
        script = _script(char)
        if script:
            scripts[script] += count
            letters.setdefault(script, Counter())[char] = count
    if not scripts:
        return None
    kana = scripts["HIRAGANA"] + scripts["KATAKANA"]
    cjk = scripts["HAN"] + kana
    script, count = max(scripts.items(), key=lambda item: (item[1], item[0]))
    if cjk >= count:
        return "ja" if kana >= _KANA_SHARE * cjk else "zh"
    if script in _SCRIPT_LANGUAGE:
        return _SCRIPT_LANGUAGE[script]
    if script not in _SHARED_SCRIPTS or count < _MIN_LETTERS:
        return None
    # Letters of another script (a Latin name in a Russian text) say nothing about Russian versus Bulgarian.
    candidates = _candidates(_SHARED_SCRIPTS[script], letters[script], count)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    return _lingua(tuple(candidates), sample)


def text_direction(lang: str | None) -> str:
    """Return "rtl" for a language written right to left ("ar", "he", "fa-IR", "az-Arab"), else "ltr"."""
    parts = tag_parts(lang)
    if parts is None:
        return "ltr"
    primary, script, _ = parts
    if script:
        return "rtl" if script.lower() in _RTL_SCRIPTS else "ltr"
    return "rtl" if primary in _RTL_LANGUAGES else "ltr"


@lru_cache(maxsize=4096)
def _script(char: str) -> str | None:
    """Name the script of a letter ("LATIN", "HAN", "KATAKANA"...); None for anything else."""
    if char.isascii():
        return "LATIN" if char.isalpha() else None
    if not unicodedata.category(char).startswith("L"):
        return None
    name = unicodedata.name(char, "")
    if name.startswith("CJK ") and "IDEOGRAPH" in name:
        return "HAN"
    first = name.split(" ", 1)[0]
    if first in ("FULLWIDTH", "HALFWIDTH"):
        first = name.split(" ", 2)[1]
    return first or None


def _candidates(languages: Mapping[str, tuple[Set[str], Set[str]]], letters: Counter[str], count: int) -> list[str]:
    """Keep the languages whose alphabet fits the letters of the text."""
    # Names and loanwords ("Gödel" in English) bring a few foreign letters; more than this is the language.
    allowed = 0.5 + 0.004 * count
    needed_share = max(1, 0.002 * count)
    kept = []
    for lang, (alphabet, needed) in languages.items():
        foreign = sum(n for char, n in letters.items() if char not in alphabet)
        if foreign > allowed:
            continue
        if needed and sum(letters[char] for char in needed) < needed_share:
            continue
        kept.append(lang)
    return kept


def _lingua(candidates: tuple[str, ...], text: str) -> str | None:
    # Kept in postkit's cache: the same article made again (a Reel after its carousel, a post after its
    # preview) skips lingua's import and models (about 45 ms).
    identity = _lingua_identity()
    name = cache.key("language", identity, repr(candidates), text) if identity else None
    if name is not None:
        hit = cache.load("language", name)
        if isinstance(hit, dict) and "lang" in hit and (hit["lang"] is None or hit["lang"] in candidates):
            cached: str | None = hit["lang"]
            return cached
    language = _detector(candidates).detect_language_of(text)
    code = language.iso_code_639_1.name.lower() if language is not None else None
    if name is not None:
        cache.store("language", name, {"lang": code})
    return code


@lru_cache(maxsize=1)
def _lingua_identity() -> str | None:
    """Name the installed lingua (its files' names, sizes and times) without importing it."""
    package = cache.package_folder("lingua")
    if package is None:
        return None
    try:
        with os.scandir(package) as entries:
            files = sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in entries if e.is_file())
    except OSError:
        return None
    return repr(files)


@lru_cache(maxsize=32)
def _detector(candidates: tuple[str, ...]) -> LanguageDetector:
    # Models live in lingua's process-wide cache: a second detector reuses what the first loaded.
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in candidates]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()
