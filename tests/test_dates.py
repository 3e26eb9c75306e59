"""Long dates in the article's language."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postkit.dates import format_date

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
