"""Dates read as people write them in each language, Old Style dates, and long dates in the article's language."""

from __future__ import annotations

import datetime
import subprocess
import sys
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postkit.dates import (
    DateReading,
    format_date,
    format_old_style,
    gregorian_to_julian,
    is_numeric_date,
    julian_to_gregorian,
    parse_date,
    read_date,
)

REVOLUTION = datetime.date(1917, 11, 7)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "November 7, 1917"),
        ("en-GB", "7 November 1917"),
        ("ru", "7 ноября 1917"),
        ("uk", "7 листопада 1917"),
        ("bg", "7 ноември 1917"),
        ("de", "7. November 1917"),
        ("fr", "7 novembre 1917"),
        ("el", "7 Νοεμβρίου 1917"),
        ("ar", "7 نوفمبر 1917"),
        ("he", "7 בנובמבר 1917"),
        ("es", "7 de noviembre de 1917"),
        ("th", "7 พฤศจิกายน 1917"),  # no era ("ค.ศ.")
        ("pt_BR", "7 de novembro de 1917"),
    ],
)
def test_long_date(lang, expected):
    assert format_date(REVOLUTION, lang) == expected


@pytest.mark.parametrize("lang", [None, "", "xx", "not a language!", "zz-ZZ"])
def test_unknown_language_is_english(lang):
    assert format_date(REVOLUTION, lang) == "November 7, 1917"


def test_a_datetime_is_read_as_its_date():
    assert format_date(datetime.datetime(1917, 11, 7, 22, 40), "en") == "November 7, 1917"


@given(st.dates(), st.sampled_from(["en", "ru", "uk", "be", "bg", "de", "fr", "el", "ar", "he", "ja", "kk", None]))
def test_never_raises_and_never_uses_a_narrow_no_break_space(date, lang):
    text = format_date(date, lang)
    assert str(date.day) in text
    # The bundled text fonts lack U+202F.
    assert "\u202f" not in text
    assert not text.endswith(("г.", "р."))


# Reading ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("7 ноября 1917", "ru", (1917, 11, 7)),
        ("14 juillet 1789", "fr", (1789, 7, 14)),
        ("12 de octubre de 1492", "es", (1492, 10, 12)),
        ("24 серпня 1991", "uk", (1991, 8, 24)),
        ("25 Μαρτίου 1821", "el", (1821, 3, 25)),
        ("25η Μαρτίου 1821", "el", (1821, 3, 25)),
        ("17 نوفمبر 1869", "ar", (1869, 11, 17)),
        ("١٧ نوفمبر ١٨٦٩", "ar", (1869, 11, 17)),
        ("\u200f17 نوفمبر 1869\u200f", "ar", (1869, 11, 17)),
        ("14 במאי 1948", "he", (1948, 5, 14)),
        ("1868年1月3日", "ja", (1868, 1, 3)),
        ("１８６８年１月３日（金）", "ja", (1868, 1, 3)),
        ("1911年10月10日", "zh", (1911, 10, 10)),
        ("1919년 3월 1일", "ko", (1919, 3, 1)),
        ("30.06.1908", "ru", (1908, 6, 30)),
        ("30. 6. 1908", "cs", (1908, 6, 30)),
        ("20 luglio 1969", "it", (1969, 7, 20)),
        ("25 de abril de 1974", "pt", (1974, 4, 25)),
        ("15 lipca 1410 r.", "pl", (1410, 7, 15)),
        ("25 октября 1917 года", "ru", (1917, 10, 25)),
        ("28. října 1918", "cs", (1918, 10, 28)),
        ("29 Ekim 1923", "tr", (1923, 10, 29)),
        ("July 20, 1969", "en", (1969, 7, 20)),
        ("1er mai 1886", "fr", (1886, 5, 1)),
        ("1º de maio de 1500", "pt", (1500, 5, 1)),
        ("1.º de mayo de 1886", "es", (1886, 5, 1)),
        # The article's language first, then English.
        ("7 November 1917", "ru", (1917, 11, 7)),
        ("July 20, 1969", None, (1969, 7, 20)),
        # Numeric dates with slashes follow the language's order.
        ("11/7/1917", "en", (1917, 11, 7)),
        ("11/7/1917", "en-GB", (1917, 7, 11)),
        ("7/11/1917", "fr", (1917, 11, 7)),
        ("25/10/1917", "en", (1917, 10, 25)),
        ("1917-11-07T21:40:00Z", "en", (1917, 11, 7)),
    ],
)
def test_read_dates_as_people_write_them(text, lang, expected):
    reading = read_date(text, lang)
    assert replace(reading, note=None) == DateReading(datetime.date(*expected))


@pytest.mark.parametrize(
    ("text", "lang", "read", "other"),
    [
        ("7/11/1917", "en", "11 July 1917", "7 November"),
        ("11/7/1917", "en-GB", "11 July 1917", "7 November"),
        ("7/11/1917", "ru", "7 November 1917", "11 July"),
        ("Wednesday, 11/7/1917", "en", "7 November 1917", "11 July"),
        ("7/11/1917 (O.S.)", "en", "11 July 1917", "7 November"),
    ],
)
def test_a_slashed_date_that_reads_both_ways_says_how_it_was_read(text, lang, read, other):
    note = read_date(text, lang).note
    assert note is not None and f"could be {read.rsplit(' ', 1)[0]} or {other};" in note
    assert note.count(read) == 1 and "to be sure" in note


@pytest.mark.parametrize("text", ["25/10/1917", "7/7/1917", "07/7/1917", "1917-11-07", "7.11.1917", "7 November 1917"])
def test_a_date_that_reads_one_way_has_no_note(text):
    reading = read_date(text, "en")
    assert reading.date is not None and reading.note is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Wednesday, November 7, 1917", "en"),
        ("Среда, 7 ноября 1917", "ru"),
        ("Mittwoch, 7. November 1917", "de"),
        ("mercredi 7 novembre 1917", "fr"),
        ("miércoles, 7 de noviembre de 1917", "es"),
        ("mercoledì 7 novembre 1917", "it"),
        ("Τετάρτη, 7 Νοεμβρίου 1917", "el"),
        ("الأربعاء 7 نوفمبر 1917", "ar"),
        ("יום רביעי, 7 בנובמבר 1917", "he"),
    ],
)
def test_weekday_prefixes(text, lang):
    assert parse_date(text, lang) == REVOLUTION


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("3 years ago", "en"),
        ("today", "en"),
        ("yesterday", "en"),
        ("сегодня", "ru"),
        ("3 года назад", "ru"),
        ("hace 3 años", "es"),
        ("1917", "en"),
        ("Apollo 11", "en"),
        ("October Revolution", "en"),
        ("Октябрьская революция", "ru"),
        ("The May 1917 crisis in Petrograd", "en"),
        ("", "en"),
        ("7 November", "en"),
    ],
)
def test_not_dates(text, lang):
    assert read_date(text, lang) is None


@pytest.mark.parametrize(
    ("text", "lang", "problem"),
    [
        ("31 февраля 1917", "ru", "February 1917 has 28 days"),
        ("Nov 31, 1917", "en", "November 1917 has 30 days"),
        ("29 February 1900", "en", "February 1900 has 28 days"),
        ("30.02.1908", "ru", "February 1908 has 29 days"),
        ("1917-13-01", "en", "has no month 13"),
        ("0000-01-01", "en", "year before 1"),
        ("November 1917", "en", "no day"),
        ("ноябрь 1917", "ru", "no day"),
        # A Russian date in an article flagged Belarusian: a day, a word, a year.
        ("7 ноября 1917", "be", "no month in the article's language (be) or English"),
        ("Smarch 7, 1917", "en", "no month in English"),
    ],
)
def test_looks_like_a_date_but_is_not_one(text, lang, problem):
    reading = read_date(text, lang)
    assert reading is not None and reading.date is None
    assert problem in reading.problem


def test_english_and_numeric_dates_never_load_dateparser():
    code = (
        "import sys; from postkit.dates import read_date as r; "
        "dates = [r('November 7, 1917', 'en'), r('1917-11-07', 'ru'), r('30.06.1908', 'ru'), "
        "r('1868年1月3日', 'ja'), r('١٧/١١/١٨٦٩', 'ar'), r('Lenin - The Man', 'ru')]; "
        "print(sum(d is not None and d.date is not None for d in dates), 'dateparser' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["5", "False"]


# Old Style ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("julian", "gregorian"),
    [
        ((1917, 10, 25), (1917, 11, 7)),
        ((1582, 10, 5), (1582, 10, 15)),  # the day after 4 October 1582 in Rome
        ((1752, 9, 3), (1752, 9, 14)),  # Britain's change
        ((1918, 1, 31), (1918, 2, 13)),  # Russia's last Julian day, followed by 14 February
        ((1700, 2, 28), (1700, 3, 10)),  # the offset was 10 days ...
        ((1700, 2, 29), (1700, 3, 11)),  # ... and 11 from the Julian leap day the Gregorian calendar skipped
        ((1800, 2, 29), (1800, 3, 12)),
        ((1900, 2, 29), (1900, 3, 13)),
        ((1900, 3, 1), (1900, 3, 14)),
        ((2100, 2, 29), (2100, 3, 14)),
    ],
)
def test_julian_to_gregorian(julian, gregorian):
    assert julian_to_gregorian(*julian) == datetime.date(*gregorian)


@pytest.mark.parametrize("julian", [(1917, 2, 29), (1917, 4, 31), (1917, 13, 1), (1917, 0, 1)])
def test_days_the_julian_calendar_lacks(julian):
    with pytest.raises(ValueError, match="not a day of the Julian calendar"):
        julian_to_gregorian(*julian)


@given(st.dates(min_value=datetime.date(2, 1, 1)))
def test_julian_round_trip(date):
    assert julian_to_gregorian(*gregorian_to_julian(date)) == date


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("25 October [O.S.] 1917", "en"),
        ("25 October 1917 (O.S.)", "en"),
        ("25 October 1917 O.S.", "en"),
        ("October 25, 1917 (Old Style)", "en"),
        ("25 October 1917 OS", "en"),
        ("25 октября 1917 (ст. ст.)", "ru"),
        ("25 октября 1917 по ст. ст.", "ru"),
        ("25 октября 1917 по старому стилю", "ru"),
        ("25 жовтня 1917 за старим стилем", "uk"),
        ("25. Oktober 1917 a. St.", "de"),
        ("25 octobre 1917 (ancien style)", "fr"),
        ("25 października 1917 (st. st.)", "pl"),
        # Both dates, the New Style one in brackets, as Russian historians write them.
        ("25 октября (7 ноября) 1917", "ru"),
        ("7 ноября (25 октября) 1917", "ru"),
        ("October 25 (November 7), 1917", "en"),
    ],
)
def test_old_style_dates(text, lang):
    assert read_date(text, lang) == DateReading(REVOLUTION, julian=datetime.date(1917, 10, 25))


def test_old_style_from_the_calendar_and_new_style_marks():
    assert read_date("1917-10-25", "en", julian=True) == DateReading(REVOLUTION, datetime.date(1917, 10, 25))
    assert read_date("7 November 1917 (N.S.)", "en", julian=True) == DateReading(REVOLUTION)
    assert read_date("16 (29) ноября 1917", "ru") == DateReading(
        datetime.date(1917, 11, 29), datetime.date(1917, 11, 16)
    )


def test_old_style_problems():
    # 29 February 1900 was a Julian day, but a Python date cannot hold it: say so, with the New Style date.
    reading = read_date("29 февраля 1900 (ст. ст.)", "ru")
    assert reading.date is None and "13 March 1900" in reading.problem
    assert "Old Style" in read_date("29 February 1917 (O.S.)", "en").problem
    assert "not the same day" in read_date("25 октября (8 ноября) 1917", "ru").problem


def test_old_style_date_line():
    old = datetime.date(1917, 10, 25)
    assert format_old_style(REVOLUTION, old, "en") == "November 7, 1917 (O.S. October 25)"
    # The years differ: the Old Style date keeps its own.
    assert (
        format_old_style(datetime.date(1701, 1, 5), datetime.date(1700, 12, 25), "en")
        == "January 5, 1701 (O.S. December 25, 1700)"
    )
    # In another language both dates are written in it, in the order its catalog gives.
    russian = format_old_style(REVOLUTION, old, "ru")
    assert "7 ноября 1917" in russian and "25 октября" in russian and "1917" not in russian.replace("7 ноября 1917", "")


def test_a_broken_translation_falls_back_to_english(monkeypatch):
    import gettext

    class Broken(gettext.NullTranslations):
        def gettext(self, message):
            return "{nouveau} ({old})"

    monkeypatch.setattr("postkit.i18n.translations", lambda lang: Broken())
    assert format_old_style(REVOLUTION, datetime.date(1917, 10, 25), "fr") == ("7 novembre 1917 (O.S. 25 octobre)")


@pytest.mark.parametrize(
    ("text", "numeric"),
    [
        ("1917-11-07", True),
        ("30.06.1908", True),
        ("١٧/١١/١٨٦٩", True),
        ("7 November 1917", False),
        ("1868年1月3日", False),
    ],
)
def test_numeric_dates(text, numeric):
    assert is_numeric_date(text) is numeric


_DATEISH = st.text(
    alphabet=st.sampled_from("0123456789١٧年月日./-: ()[]OSosnovемберябряMaydeJulyjuillet "), max_size=40
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), _DATEISH), st.sampled_from(["en", "ru", "ar", "ja", "fr", "xx", "", None]))
def test_reading_never_fails_and_a_date_has_its_digits(text, lang):
    reading = read_date(text, lang)
    if reading is not None and reading.date is not None:
        digits = "".join(c for c in text if c.isdigit())
        assert digits, text  # "today" and "3 years ago" never become dates
