"""Capitals and letter-spacing by language: Greek without accents, Turkish dotted İ, no caps for uncased scripts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postkit.casing import tracking_allowed, upper


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("25 Μαρτίου 1821", "el", "25 ΜΑΡΤΙΟΥ 1821"),  # not "ΜΑΡΤΊΟΥ": Greek capitals carry no accents
        ("Ελληνική Επανάσταση", "el", "ΕΛΛΗΝΙΚΗ ΕΠΑΝΑΣΤΑΣΗ"),
        ("Κάιρο", "el", "ΚΑΪΡΟ"),  # the accent that split the diphthong becomes a diaeresis
        ("κοροϊδεύω", "el", "ΚΟΡΟΪΔΕΥΩ"),  # a written diaeresis stays
        ("Ἑλλάς", "el", "ΕΛΛΑΣ"),  # polytonic breathings and accents go too
        ("İstanbul'un fethi", "tr", "İSTANBUL'UN FETHİ"),
        ("Straße", "de", "STRASSE"),
        ("7 ноября 1917", "ru", "7 НОЯБРЯ 1917"),
        ("14 במאי 1948", "he", "14 במאי 1948"),
        ("1868年1月3日", "ja", "1868年1月3日"),
        ("17 نوفمبر 1869", "ar", "17 نوفمبر 1869"),
        ("Apollo 11 月面着陸", "ja", "Apollo 11 月面着陸"),  # no shouted Latin in an uncased line
    ],
)
def test_upper_follows_the_language(text, lang, expected):
    assert upper(text, lang) == expected


@given(st.text(alphabet="αβγάέήίόύώϊΐΰϋΑΆΈΉΊΌΎΏ ιυ", max_size=30))
def test_greek_capitals_never_carry_an_accent(text):
    capitals = upper(text, "el")
    assert not set(capitals) & set("ΆΈΉΊΌΎΏ")
    assert capitals == capitals.upper()


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("7 NOVEMBER 1917", True),
        ("25 ΜΑΡΤΙΟΥ 1821", True),
        ("17 نوفمبر 1869", False),
        ("14 במאי 1948", False),
        ("1868年1月3日", False),
        ("१५ अगस्त", False),
    ],
)
def test_tracking_only_for_scripts_with_capitals(text, allowed):
    assert tracking_allowed(text) is allowed
