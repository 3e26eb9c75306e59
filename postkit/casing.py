"""Capitals and letter-spacing the way each language and script takes them.

Labels (the date line, running heads, the credit's label) are set in capitals with a little tracking
in scripts that have capitals. Python's ``str.upper`` follows Unicode's default rules, which are wrong
for some languages: Greek capitals carry no accents ("ΜΑΡΤΊΟΥ" is a spelling error for "ΜΑΡΤΙΟΥ", and
an accent that stops a diphthong becomes a diaeresis: "Κάιρο" -> "ΚΑΪΡΟ"), Turkish and Azerbaijani
dotted i capitalises to "İ". German "ß" becomes "SS" as in Unicode's default (the Council for German
Orthography's primary rule; "ẞ" is allowed but optional).

Scripts without case (Hebrew, Arabic, CJK, Indic, Thai...) get neither capitals nor tracking: tracking
would pull apart the joined letters of Arabic or the conjuncts of Devanagari, and an all-caps Latin
word in a Japanese date line looks shouted.
"""

from __future__ import annotations

import unicodedata

from postkit.i18n import language_key

_ACUTE, _DIAERESIS = "\u0301", "\u0308"
# Acute (tonos, oxia), grave (varia), circumflex (perispomeni), breathings (psili, dasia), koronis.
_GREEK_ACCENTS = {_ACUTE, "\u0300", "\u0342", "\u0313", "\u0314", "\u0343", "\u0344"}
# A vowel followed by one of these makes a diphthong unless the first vowel is accented.
_DIPHTHONG_FIRST = set("αεουΑΕΟΥ")
_DIPHTHONG_SECOND = set("ιυΙΥ")
_DOTTED_I_LANGUAGES = {"tr", "az", "crh", "tt", "ba"}


def is_greek(char: str) -> bool:
    """Tell whether ``char`` is a Greek letter (basic or extended)."""
    return "\u0370" <= char <= "\u03ff" or "\u1f00" <= char <= "\u1fff"


def has_uncased_letters(text: str) -> bool:
    """Tell whether ``text`` holds a letter of a script without capitals (category Lo or Lm)."""
    return any(unicodedata.category(c) in ("Lo", "Lm") for c in text if not c.isascii())


def tracking_allowed(text: str) -> bool:
    """Tell whether ``text`` may be letter-spaced: only scripts with capitals (Latin, Greek, Cyrillic...)."""
    return not has_uncased_letters(text)


def upper(text: str, lang: str | None) -> str:
    """Return ``text`` in capitals by the rules of ``lang``; unchanged if it holds letters of an uncased script."""
    if has_uncased_letters(text):
        return text
    key = language_key(lang)
    if key in _DOTTED_I_LANGUAGES:
        text = text.replace("i", "\u0130")
    if any(is_greek(c) for c in text):
        return _greek_upper(text)
    return text.upper()


def _greek_upper(text: str) -> str:
    """Capitalise Greek: accents and breathings dropped, an accent that splits a diphthong kept as a diaeresis."""
    clusters: list[list[str]] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and clusters:
            clusters[-1].append(char)
        else:
            clusters.append([char])
    out: list[str] = []
    diaeresis_next = False
    for k, (base, *marks) in enumerate(clusters):
        if diaeresis_next and base in _DIPHTHONG_SECOND and _DIAERESIS not in marks:
            marks.append(_DIAERESIS)
        following = clusters[k + 1] if k + 1 < len(clusters) else [""]
        # "άι" is two syllables: in capitals the second vowel shows it with a diaeresis ("ΑΪ").
        diaeresis_next = (
            base in _DIPHTHONG_FIRST
            and _ACUTE in marks
            and following[0] in _DIPHTHONG_SECOND
            and _DIAERESIS not in following[1:]
        )
        out.append(base + "".join(m for m in marks if m not in _GREEK_ACCENTS))
    return unicodedata.normalize("NFC", "".join(out).upper())
