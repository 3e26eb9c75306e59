"""Read dates as people write them in each language, and write them as its readers expect.

Reading takes a day, a month and a year, all three, with digits for the day and the year ("3 years ago"
and "today" are never dates): numeric forms (1917-11-07, 30.06.1908, 1868年1月3日, Arabic-Indic digits)
are read here; month names in any language are put into English by dateparser's vocabulary (genitive
months, abbreviations, weekdays, "de", "года") and then read by the English forms. English text never
loads dateparser. Old Style (Julian) dates are marked "(O.S.)", "[O.S.]", "Old Style", "(ст. ст.)", "a.
St."... or given with their New Style date in brackets ("25 октября (7 ноября) 1917"); a post is for the
Gregorian anniversary.

Writing uses CLDR through Babel: "November 7, 1917", "7 ноября 1917", "7. November 1917".
"""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from postkit.i18n import babel_locale, language_key, old_style_date

# CLDR's "year, full month name, day" skeleton: the long date without the era ("ค.ศ." in Thai) or weekday.
_SKELETON = "yMMMMd"
_DAY_MONTH_SKELETON = "MMMMd"
# Russian, Ukrainian, Belarusian and Bulgarian long dates end in a year abbreviation ("1917 г.", "1917 р.");
# a date line on a card reads better without it, as in "7 ноября 1917".
_YEAR_SUFFIX = re.compile(r"(?<=\d)[\s\u00a0\u202f]+[гр]\.$")
# Babel puts U+202F NARROW NO-BREAK SPACE in some patterns. EB Garamond, Playfair Display, Noto Naskh
# Arabic and Noto Serif Hebrew have no glyph for it, while every bundled text font has U+00A0: use that,
# which keeps the no-break meaning. U+00A0 itself is left alone for the same reason.
_SPACES = str.maketrans({"\u202f": "\u00a0"})

_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTHS = {name: number for number, full in enumerate(_MONTH_NAMES, start=1) for name in (full, full[:3])}
_MONTHS["sept"] = 9
_MONTH_WORD = "|".join(sorted(_MONTHS, key=len, reverse=True))

# Ordinal endings after a day: English "7th", French "1er", Greek "25η"; Portuguese and Spanish "1º", "1.º"
# lose theirs before NFKC would make them a letter "o".
_ORDINAL = r"(?:st|nd|rd|th|er|re|e|η|ης)?"
_ORDINAL_SIGN = re.compile(r"(?<=\d)\.?[ºª]")
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+)?"
_TIME = r"(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:z|[+-]\d{2}:?\d{2})?)?"
# Each form yields year, month and day; a month is a number or an English month name.
_FORMS = tuple(
    re.compile(_WEEKDAY + form)
    for form in (
        rf"(?P<year>\d{{4}})[-/.](?P<month>\d{{1,2}})[-/.](?P<day>\d{{1,2}}){_TIME}",
        r"(?P<day>\d{1,2})\s?[.-]\s?(?P<month>\d{1,2})\s?[.-]\s?(?P<year>\d{4})",
        r"(?P<year>\d{1,4})\s*[年년]\s*(?P<month>\d{1,2})\s*[月월]\s*(?P<day>\d{1,2})\s*[日일](?:\s*\(\w{1,4}\))?",
        rf"(?P<month>[a-z]+)\.?\s*(?P<day>\d{{1,2}}){_ORDINAL},?\s+(?P<year>\d{{4}})",
        rf"(?P<day>\d{{1,2}}){_ORDINAL}\.?\s+(?:of\s+)?(?P<month>[a-z]+)\.?,?\s+(?P<year>\d{{4}})",
        r"(?P<year>\d{4})\.?,?\s+(?P<month>[a-z]+)\.?\s+(?P<day>\d{1,2})\.?",
    )
)
# Day and month order of "7/11/1917" depends on the language (en: month first), read from CLDR.
_SLASHED = re.compile(_WEEKDAY + r"(?P<a>\d{1,2})\s?/\s?(?P<b>\d{1,2})\s?/\s?(?P<year>\d{4})")
# Words a translation leaves around a date: "1917 year" (года, року, г.), "the 7th".
_FILLER = re.compile(r"\b(?:year|the|on|of the)\b|(?<=\d)\s+(?:г|р|r)\b\.?|(?<=\d)\s(?:η|ης)(?=\s)")
_YEAR_LIKE = re.compile(r"(?<!\d)\d{3,4}(?!\d)")
_DAY_LIKE = re.compile(r"(?<!\d)\d{1,2}(?!\d)")
# "7 ноября 1917" read as Belarusian: a day, a word, a year is a date even when the word is not a known month.
_DATE_SHAPE = re.compile(r"\d{1,2}\.?\s+[^\W\d_]{3,}\.?,?\s+\d{3,4}|[^\W\d_]{3,}\.?\s+\d{1,2},?\s+\d{3,4}")
_STARTS_LIKE_A_DATE = re.compile(rf"\d|(?:{_MONTH_WORD})\b|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b")
_NUMERIC_SHAPE = re.compile(r"\d{1,4}\s?[-./]\s?\d{1,2}\s?[-./]\s?\d{1,4}|\d+\s*年\s*\d+\s*月")

_OLD_STYLE = re.compile(
    r"[\[(]?\s*(?:"
    r"(?<![\w.])(?:o\.\s?s\.?|os)(?![\w])|old\s+style|julian(?:\s+calendar)?|(?<![\w.])st\.\s?v\.?(?!\w)"
    r"|stil[io]\s+veter[ei]s?|(?<![\w.])a\.\s?st\.?(?!\w)|alten\s+stils|alter\s+stil"
    r"|ancien\s+style|vieux\s+style|calendrier\s+julien"
    r"|estilo\s+antig[uo]o?|calend[aá]rio\s+(?:juliano|giuliano)|vecchio\s+stile|starego\s+stylu"
    r"|(?<![\w.])st\.\s?st\.?(?!\w)"
    r"|(?:по\s+|за\s+)?ст\.\s?ст\.?|по\s+старому\s+стилю|за\s+старим\s+стилем|по\s+юлианскому\s+календарю"
    r"|π\.\s?ημ?\.?|παλαιό\s+ημερολόγιο"
    r")\s*[\])]?"
)
_NEW_STYLE = re.compile(
    r"[\[(]?\s*(?:"
    r"(?<![\w.])(?:n\.\s?s\.?|ns)(?![\w])|new\s+style|gregorian(?:\s+calendar)?|(?<![\w.])st\.\s?n\.?(?!\w)"
    r"|neuen\s+stils|(?:по\s+|за\s+)?н\.\s?ст\.?|по\s+новому\s+стилю|за\s+новим\s+стилем|ν\.\s?ημ?\.?"
    r")\s*[\])]?"
)
_BRACKETED = re.compile(r"[\[(](?P<inner>[^\[\]()]+)[\])]")


@dataclass(frozen=True)
class DateReading:
    """What a date-like text says: the (Gregorian) date, the Old Style date as written, or why neither."""

    date: datetime.date | None
    julian: datetime.date | None = None
    problem: str | None = None
    note: str | None = None  # read, but another reading was as likely ("7/11/1917")


def read_date(text: str, lang: str | None = None, *, julian: bool = False) -> DateReading | None:
    """Read a day-month-year date written in ``lang`` (then English); None when ``text`` is no date at all.

    A text that looks like a date but is not one ("31 февраля 1917", "November 1917") gives a reading
    whose ``problem`` says why, for a warning.

    :param julian: the date is Old Style (front matter ``calendar: julian``) even without a marker.
    """
    clean = _normalise(text)
    marked_old, clean = _strip(_OLD_STYLE, clean)
    marked_new, clean = _strip(_NEW_STYLE, clean)
    julian = (julian or marked_old) and not marked_new
    if not clean:
        return None
    if bracket := _BRACKETED.search(clean):
        dual = _read_dual(clean, bracket, lang)
        if dual is not None:
            return dual
    parts = _parts(clean, lang)
    if parts is None:
        problem = _why_not(clean, lang)
        return DateReading(None, problem=problem) if problem else None
    reading = _checked(parts, julian)
    if reading.date is not None and (note := _either_way(clean, parts, lang)):
        return replace(reading, note=note)
    return reading


def parse_date(text: str, lang: str | None = None) -> datetime.date | None:
    """Return the date a day-month-year text gives in ``lang`` or English, or None."""
    reading = read_date(text, lang)
    return reading.date if reading is not None else None


def is_numeric_date(text: str) -> bool:
    """Tell whether ``text`` writes its date in digits only (1917-11-07, 30.06.1908), with no words."""
    clean = _normalise(text)
    return bool(clean) and not re.search(r"[^\W\d_]", clean)


def julian_to_gregorian(year: int, month: int, day: int) -> datetime.date:
    """Return the Gregorian date of a Julian calendar date; ValueError if the Julian date does not exist."""
    if not 1 <= month <= 12 or not 1 <= day <= _julian_days(year, month):
        msg = f"{year:04d}-{month:02d}-{day:02d} is not a day of the Julian calendar"
        raise ValueError(msg)
    a = (14 - month) // 12
    y = year + 4800 - a
    m = month + 12 * a - 3
    day_number = day + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083
    return datetime.date.fromordinal(day_number - 1721425)


def gregorian_to_julian(date: datetime.date) -> tuple[int, int, int]:
    """Return (year, month, day) of ``date`` in the Julian calendar."""
    c = date.toordinal() + 1721425 + 32082
    d = (4 * c + 3) // 1461
    e = c - 1461 * d // 4
    m = (5 * e + 2) // 153
    return d - 4800 + m // 10, m + 3 - 12 * (m // 10), e - (153 * m + 2) // 5 + 1


@lru_cache(maxsize=64)
def format_date(date: datetime.date, lang: str | None) -> str:
    """Return ``date`` as a long date in ``lang`` (a BCP 47 or POSIX tag); unknown languages get English."""
    return _format(_SKELETON, date, lang)


def format_old_style(new: datetime.date, old: datetime.date, lang: str | None) -> str:
    """Write a date in both calendars as historians do: "November 7, 1917 (O.S. October 25)".

    The order and words are the catalog's (``postkit.i18n.old_style_date``); the Old Style date loses
    its year when both years are the same.
    """

    new_text = format_date(new, lang)
    old_text = format_date(old, lang) if old.year != new.year else _format(_DAY_MONTH_SKELETON, old, lang)
    return old_style_date(new_text, old_text, lang)


def _format(skeleton: str, date: datetime.date, lang: str | None) -> str:
    from babel.dates import format_skeleton

    if isinstance(date, datetime.datetime):
        date = date.date()
    try:
        text = format_skeleton(skeleton, date, locale=babel_locale(lang))
    except Exception:  # a locale with broken or missing date data: never fail a post over a date line
        text = format_skeleton(skeleton, date, locale=babel_locale("en"))
    return _YEAR_SUFFIX.sub("", text).translate(_SPACES)


def _normalise(text: str) -> str:
    """Fold what varies without changing the date: width, digits, case, bidi marks, spacing, "1º"."""
    text = unicodedata.normalize("NFKC", _ORDINAL_SIGN.sub("", text))
    chars = []
    for char in text:
        if char.isascii():
            chars.append(char)
        elif (digit := unicodedata.decimal(char, None)) is not None:
            chars.append(str(digit))  # Arabic-Indic "١٧" and Devanagari digits read as 17
        elif unicodedata.category(char) != "Cf":  # right-to-left marks, joiners
            chars.append(char)
    return " ".join("".join(chars).lower().split()).strip(" .,;:")


def _strip(marker: re.Pattern[str], text: str) -> tuple[bool, str]:
    stripped, count = marker.subn(" ", text)
    return count > 0, " ".join(stripped.split()).strip(" .,;:-–—")


def _parts(text: str, lang: str | None) -> tuple[int, int, int] | None:
    """Find year, month and day in ``text`` (not yet checked as a real date)."""
    if not re.search(r"\d", text):  # the day and the year are always in digits
        return None
    if parts := _english_parts(text, lang):
        return parts
    key = language_key(lang)
    if key != "en" and (translated := _translate(text, key)) is not None:
        return _english_parts(_FILLER.sub(" ", translated), lang)
    return None


def _english_parts(text: str, lang: str | None) -> tuple[int, int, int] | None:
    text = " ".join(text.split()).strip(" .,;:")
    for form in _FORMS:
        match = form.fullmatch(text)
        if not match:
            continue
        month = match["month"]
        number = int(month) if month.isdigit() else _MONTHS.get(month)
        if number is None:
            return None
        return int(match["year"]), number, int(match["day"])
    if match := _SLASHED.fullmatch(text):
        a, b = int(match["a"]), int(match["b"])
        month_first = b > 12 if (a > 12 or b > 12) else _month_first(lang)
        month, day = (a, b) if month_first else (b, a)
        return int(match["year"]), month, day
    return None


def _either_way(text: str, parts: tuple[int, int, int], lang: str | None) -> str | None:
    """Say how a slashed date that reads both ways ("7/11/1917") was read, and how to write it, or None."""
    match = _SLASHED.search(text)
    if not match or int(match["a"]) > 12 or int(match["b"]) > 12 or int(match["a"]) == int(match["b"]):
        return None
    year, month, day = parts
    order = "month first" if _month_first(lang) else "day first"
    language = babel_locale(lang).english_name
    return (
        f"'{match.group().strip()}' could be {day} {_month_name(month)} or {month} {_month_name(day)}; it was read "
        f"{order}, as {language} writes dates in digits: {day} {_month_name(month)} {year}. Write the month as "
        f"a word or the date as {year:04d}-{month:02d}-{day:02d} to be sure"
    )


def _checked(parts: tuple[int, int, int], julian: bool) -> DateReading:
    year, month, day = parts
    if julian:
        try:
            new = julian_to_gregorian(year, month, day)
        except ValueError:
            return DateReading(None, problem=_no_such_day(year, month, day, julian=True))
        try:
            return DateReading(new, julian=datetime.date(year, month, day))
        except ValueError:
            problem = (
                f"{day} {_month_name(month)} {year} (Old Style) is a day the Gregorian calendar lacks, so it "
                f"cannot be shown; write the New Style date, {new.day} {_month_name(new.month)} {new.year}"
            )
            return DateReading(None, problem=problem)
    try:
        return DateReading(datetime.date(year, month, day))
    except ValueError:
        return DateReading(None, problem=_no_such_day(year, month, day, julian=False))


def _read_dual(text: str, bracket: re.Match[str], lang: str | None) -> DateReading | None:
    """Read "25 октября (7 ноября) 1917" or "16 (29) ноября 1917": one day, Old Style and New Style."""
    outer = " ".join((text[: bracket.start()] + " " + text[bracket.end() :]).split()).replace(" ,", ",")
    first = _parts(outer, lang)
    if first is None:
        return None
    inner = bracket["inner"].strip()
    second: tuple[int, int, int] | None
    if inner.isdigit():
        second = (first[0], first[1], int(inner))
    else:
        second = _parts(inner, lang) or _parts(f"{inner} {first[0]}", lang)
    if second is None:
        return None
    try:
        first_date, second_date = datetime.date(*first), datetime.date(*second)
    except ValueError:
        return None
    if gregorian_to_julian(second_date) == first:
        return DateReading(second_date, julian=first_date)
    if gregorian_to_julian(first_date) == second:
        return DateReading(first_date, julian=second_date)
    return DateReading(None, problem="gives two dates that are not the same day in the Old and New Style calendars")


def _why_not(text: str, lang: str | None) -> str | None:
    """Say why a text that starts like a date is not one; None when it does not look like a date.

    Only a text that starts with its date counts (a day, a month, a weekday or a year first): "The March
    1917 revolution" is a title that mentions a month, not a date written wrongly.
    """
    years = _YEAR_LIKE.findall(text)
    if not years or len(text.split()) > 5:
        return None
    if _NUMERIC_SHAPE.match(text):
        return "is not a day, month and year postkit can read"
    key = language_key(lang)
    if _DATE_SHAPE.fullmatch(text):
        where = "English" if key == "en" else f"the article's language ({key}) or English"
        return f"has a word where the month should be that is no month in {where}"
    english = text
    if key != "en" and (translated := _translate(text, key)) is not None:
        english = translated
    words = re.findall(r"[a-z]+", english)
    months = [_MONTHS[w] for w in words if w in _MONTHS]
    if not months or not _STARTS_LIKE_A_DATE.match(english):
        return None
    days = [int(d) for d in _DAY_LIKE.findall(text) if 1 <= int(d) <= 31]
    if not days:
        return "has a month and a year but no day"
    try:
        datetime.date(int(years[0]), months[0], days[0])
    except ValueError:
        return _no_such_day(int(years[0]), months[0], days[0], julian=False)
    return "is not a day, month and year postkit can read"


def _no_such_day(year: int, month: int, day: int, *, julian: bool) -> str:
    if not 1 <= month <= 12:
        return f"has no month {month}"
    if year < 1:
        return "has a year before 1"
    days = _julian_days(year, month) if julian else calendar.monthrange(year, month)[1]
    style = " (Old Style)" if julian else ""
    return f"is not a real day: {_month_name(month)} {year}{style} has {days} days"


def _julian_days(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 else 28
    return calendar.monthrange(2001, month)[1]


def _month_name(month: int) -> str:
    return _MONTH_NAMES[month - 1].capitalize()


@lru_cache(maxsize=64)
def _month_first(lang: str | None) -> bool:
    """Tell whether ``lang`` writes numeric dates month first (en-US "11/7/1917"), from CLDR."""
    pattern: str = babel_locale(lang).date_formats["short"].pattern
    return pattern.find("M") < pattern.find("d")


@lru_cache(maxsize=512)
def _translate(text: str, lang: str) -> str | None:
    """Put a date's words into English with dateparser's vocabulary of ``lang`` ("7 ноября" -> "7 november")."""
    # dateparser.parse would also do this, but builds every time-zone regex on its first call (about 45 ms);
    # the translation step alone costs a locale's data (about 20 ms, once per language and process).
    try:
        from dateparser.conf import settings
        from dateparser.languages.loader import default_loader

        locale = default_loader.get_locale(lang)
        return " ".join(locale.translate(text, keep_formatting=False, settings=settings).split())
    except Exception:  # an unknown language, or dateparser's internals changed: the date stays unread
        return None
