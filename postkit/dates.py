"""Write a date the way a reader of the article's language expects it ("November 7, 1917", "7 ноября 1917")."""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

# CLDR's "year, full month name, day" skeleton: the long date without the era ("ค.ศ." in Thai) or weekday.
_SKELETON = "yMMMMd"
# Russian, Ukrainian, Belarusian and Bulgarian long dates end in a year abbreviation ("1917 г.", "1917 р.");
# a date line on a card reads better without it, as in "7 ноября 1917".
_YEAR_SUFFIX = re.compile(r"(?<=\d)[\s\u00a0\u202f]+[гр]\.$")
# Babel puts U+202F NARROW NO-BREAK SPACE in some patterns. EB Garamond, Playfair Display, Noto Naskh
# Arabic and Noto Serif Hebrew have no glyph for it, while every bundled text font has U+00A0: use that,
# which keeps the no-break meaning. U+00A0 itself is left alone for the same reason.
_SPACES = str.maketrans({"\u202f": "\u00a0"})


@lru_cache(maxsize=64)
def _locale(lang: str | None):
    from babel import Locale, UnknownLocaleError

    if not lang:
        return Locale("en")
    try:
        return Locale.parse(lang.strip().replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return Locale("en")


def format_date(date: datetime.date, lang: str | None) -> str:
    """Return ``date`` as a long date in ``lang`` (a BCP 47 or POSIX tag); unknown languages get English."""
    from babel.dates import format_skeleton

    if isinstance(date, datetime.datetime):
        date = date.date()
    locale = _locale(lang)
    try:
        text = format_skeleton(_SKELETON, date, locale=locale)
    except Exception:  # a locale with broken or missing date data: never fail a post over a date line
        text = format_skeleton(_SKELETON, date, locale=_locale("en"))
    return _YEAR_SUFFIX.sub("", text).translate(_SPACES)
