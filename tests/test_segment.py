"""Line-break units (UAX #14 plus postkit's glue), hyphenation points and hard break points."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from postkit.segment import (
    _WORD_CHAR,
    break_units,
    hard_break_points,
    hyphenation_points,
    hyphenations,
    line_break_units,
    uax14_units,
)
from tests.conftest import EXAMPLE, ROOT

CORPUS = ROOT / "tests" / "corpus"

NBSP = "\u00a0"


def boundaries(units: list[str]) -> set[int]:
    """Offsets in the joined text where a line may break."""
    offsets, total = set(), 0
    for unit in units[:-1]:
        total += len(unit)
        offsets.add(total)
    return offsets


@given(st.text(), st.sampled_from([None, "en", "ru", "uk", "de", "xx"]))
def test_units_join_back_to_the_text(text, lang):
    units = break_units(text, lang)
    assert "".join(units) == text
    assert all(units)


def test_break_after_an_em_dash_not_before():
    assert break_units("a well—known fact", "en") == ["a ", "well—", "known ", "fact"]


def test_a_spaced_dash_stays_at_the_end_of_the_line():
    assert break_units("слово — другое", "ru") == ["слово — ", "другое"]


def test_no_break_before_closing_punctuation():
    assert break_units("word ) next", "en") == ["word ) ", "next"]
    assert break_units("(aside) more", "en") == ["(aside) ", "more"]


@pytest.mark.parametrize("space", ["\u00a0", "\u202f", "\u2007"])
def test_no_break_at_a_no_break_space(space):
    text = f"about 9{space}000 men and Mr.{space}Smith"
    units = break_units(text, "en")
    for offset in boundaries(units):
        assert text[offset - 1] != space
        assert text[offset] != space
    assert f"Mr.{space}Smith" in units[-1]


def test_break_before_a_no_break_space_after_a_space_is_removed_too():
    units = break_units(f"a {NBSP}b", "en")
    assert units == [f"a {NBSP}b"]


def test_russian_one_letter_prepositions_stay_with_the_next_word():
    units = break_units("Он жил в Петрограде и с ним А вот в 1917 году", "ru")
    assert "в Петрограде " in units
    assert "и с ним " in units
    assert "А вот " in units
    assert units[-1] == "в 1917 году"


def test_english_one_letter_words_are_not_glued():
    assert break_units("I saw a ship", "en") == ["I ", "saw ", "a ", "ship"]


def test_a_number_stays_with_the_following_word():
    units = break_units("At 10 o’clock more than 9,000 sailors came", "en")
    assert "10 o’clock " in units
    assert "9,000 sailors " in units


def test_hyphenation_points_in_english():
    points = hyphenation_points("revolution", "en")
    assert points
    assert all(2 <= p <= len("revolution") - 2 for p in points)


def test_hyphenation_points_in_russian():
    points = hyphenation_points("революция", "ru")
    assert points
    assert all(2 <= p <= len("революция") - 2 for p in points)


def test_hyphenation_keeps_punctuation_out_of_the_word():
    assert hyphenation_points("revolution,", "en") == hyphenation_points("revolution", "en")


@pytest.mark.parametrize(
    ("word", "lang"),
    [
        ("revolution", None),
        ("revolution", "xx"),
        ("1917th", "en"),
        ("https://example.com/revolution", "en"),
        ("www.revolution.org", "en"),
        ("ab", "en"),
    ],
)
def test_no_hyphenation_points(word, lang):
    assert hyphenation_points(word, lang) == []


@settings(deadline=None)  # the first call loads a dictionary
@given(st.text(alphabet=st.characters(categories=["L", "M"]), max_size=30), st.sampled_from(["en", "ru", "de"]))
def test_hyphenation_points_stay_inside_the_word(word, lang):
    for point in hyphenation_points(word, lang):
        assert 2 <= point <= len(word) - 2


def test_english_hyphenation_is_a_plain_split():
    # pyphen's "en" is its en_GB dictionary: "re-volu-tion".
    assert hyphenations("revolution", "en") == [(2, "re"), (6, "revolu")]
    assert hyphenations("revolution,", "en") == hyphenations("revolution", "en")


@settings(deadline=None)
@given(st.text(alphabet=st.characters(categories=["L", "M"]), max_size=30), st.sampled_from(["en", "ru", "de"]))
def test_a_standard_dictionary_shows_the_word_as_written(word, lang):
    assert all(head == word[:point] for point, head in hyphenations(word, lang))


def test_a_hungarian_break_changes_the_letters_at_the_break():
    # pyphen's hu_HU (iterate): "asz" + "szonnyal", "asszony" + "nyal". The line ends at the source's
    # "as" and "asszon"; the next starts at the source's own letters.
    assert hyphenations("asszonnyal", "hu") == [(2, "asz"), (6, "asszony")]
    assert hyphenation_points("asszonnyal", "hu") == [2, 6]
    assert hyphenations("„ASSZONNYAL”", "hu") == [(3, "„ASZ"), (7, "„ASSZONY")]


@pytest.mark.parametrize(
    "word", ["asszonnyal", "Asszonnyal", "ASSZONNYAL", "hosszú", "mennyi", "kulccsal", "összeggyel"]
)
def test_hungarian_breaks_are_pyphens(word):
    import pyphen

    expected = set(pyphen.Pyphen(lang="hu_HU").iterate(word))
    assert {(head, word[point:]) for point, head in hyphenations(word, "hu")} == expected


def test_a_change_meant_for_another_point_is_not_applied():
    # pyphen gives a pattern's change to each of its points ("sz" + "3asszázszokni", "filmesz" + "szé" at
    # "film|esszé"); libhyphen only to the point among the letters it replaces.
    assert (8, "masszázs") in hyphenations("masszázszokni", "hu")
    assert hyphenations("filmesszé", "hu") == [(4, "film"), (6, "filmesz")]


def test_hard_break_points_of_a_url():
    url = "https://example.com/a_b?x=1&y=2"
    points = hard_break_points(url)
    pieces = [url[i:j] for i, j in zip([0, *points], [*points, len(url)], strict=True)]
    assert pieces == ["https://", "example.", "com/", "a_", "b?", "x=", "1&", "y=", "2"]


def test_hard_break_points_of_a_long_word_are_grapheme_boundaries():
    assert hard_break_points("abcd") == [1, 2, 3]
    # "é" written as e + combining acute is one grapheme: no break between them.
    assert hard_break_points("ae\u0301b") == [1, 3]
    assert hard_break_points("🇫🇷🇩🇪") == [2]


# -- The fast path must give exactly uniseg's UAX #14 units. -------------------------------------

PROSE = list("abcdefXYZ0189    ,.;:!?()[]\"'’”“‘«»—–-/%$&\u00a0\u202f\t\n") + list("яЖλΩאבبت日本é\u0301😀🇫")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(PROSE), max_size=60))
def test_fast_path_agrees_with_uniseg_on_prose_characters(text):
    assert line_break_units(text) == uax14_units(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_fast_path_agrees_with_uniseg_on_any_text(text):
    assert line_break_units(text) == uax14_units(text)


ASCII_WORDS = st.lists(
    st.tuples(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789", min_size=1, max_size=9),
        st.sampled_from(["", ",", ".", "?", "!", ";", ":", "’s", ")", "”", ".”", "-", "—"]),
        st.sampled_from([" ", " ", " ", "  ", " (", " “", " — "]),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(ASCII_WORDS)
def test_fast_path_agrees_with_uniseg_on_random_ascii_prose(words):
    text = "".join(word + punct + space for word, punct, space in words)
    assert line_break_units(text) == uax14_units(text)


# Ideographs and kana with the characters that change breaks around them: closing and opening
# brackets, small kana and the prolonged sound mark (NS), iteration marks, full stops, quotes, digits,
# spaces, marks, joiners, emoji and regional indicators.
CJK_MIX = list("王政復古の大号令武昌起义辛亥年、。「」（）『』ー々ぁァ〜！？・…—１２3a b,.\"'“”") + [
    "\u3000", "\u200b", "\u0301", "\u2060", "\u00a0", "\U0001f600", "\U0001f1ef", "\U0001f1f5", "\u200d",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(CJK_MIX), min_size=16, max_size=80))
def test_cutting_between_ideographs_agrees_with_uniseg(text):
    assert line_break_units(text) == uax14_units(text)


@pytest.mark.parametrize("name", ["ja-osei-fukko.txt", "zh-wuchang-qiyi.md"])
def test_chinese_and_japanese_articles_break_as_uniseg_breaks_them(name):
    from postkit.article import read_article

    for paragraph in read_article(CORPUS / name).paragraphs:
        assert line_break_units(paragraph.text) == uax14_units(paragraph.text)


def test_fast_path_agrees_with_uniseg_on_the_example():
    text = EXAMPLE.read_text(encoding="utf-8")
    assert line_break_units(text) == uax14_units(text)


def test_word_characters_are_alphabetic_in_uax14():
    """Every letter the fast path cuts beside has UAX #14 class AL or HL (AI and XX resolve to AL)."""
    from uniseg.linebreak import line_break

    word = regex.compile(_WORD_CHAR, regex.V1)
    chars = [chr(cp) for cp in range(0x2000) if word.fullmatch(chr(cp))]
    assert len(chars) > 1000
    classes = {str(line_break(char)) for char in chars}
    assert classes <= {"AL", "HL", "AI", "XX"}
    # AI and XX are resolved to AL by rule LB1; check that uniseg does so next to a space.
    for char in chars:
        if str(line_break(char)) in {"AI", "XX"}:
            assert uax14_units(f"a {char} b") == ["a ", f"{char} ", "b"]


def test_break_units_are_cached():
    text = EXAMPLE.read_text(encoding="utf-8")
    first = break_units(text, "en")
    first.append("mutated")
    assert break_units(text, "en")[-1] != "mutated"


def test_chinese_and_japanese_numbers_stay_with_their_counters():
    # Real text (ja.wikipedia "王政復古 (日本)", zh.wikipedia "武昌起义"): no break between a number and 年/月/日/人.
    assert break_units("1868年1月3日、王政復古の大号令が発せられた。", "ja")[:3] == ["1868年", "1月", "3日、"]
    assert "1,000人" in break_units("10月9日に約1,000人が集まった", "ja")
    assert "10月" in break_units("1911年10月10日，武昌起义爆发。", "zh")


def test_closing_punctuation_and_small_kana_never_start_a_line():
    units = break_units("「取る」。ちょっとキャッシュー、そして", "ja")
    assert not any(unit[0] in "」。、ょっャュー" for unit in units)


def test_a_spaced_hyphen_used_as_a_dash_never_starts_a_line():
    assert break_units("1911年10月10日 - 武昌起义", "zh")[2] == "10日 - "
    assert "- " not in break_units("November 7, 1917 - October Revolution", "en")


PARTS = [
    "ab",
    "-",
    "/",
    "(",
    " ",
    "\u0301",
    "中",
    ".",
    '"',
    " " * 12,
    "\u0301" * 10,
    "\u200e" * 10,
    "\u200d" * 9,
    "\u200b",
]


@given(st.lists(st.sampled_from(PARTS), max_size=20))
@settings(max_examples=300, deadline=None)
def test_long_runs_of_marks_joiners_and_spaces_break_as_uniseg_does(parts):
    text = "".join(parts)
    assert line_break_units(text) == uax14_units(text)


def test_a_japanese_title_breaks_only_between_phrases():
    from postkit.segment import WORD_JOINER, keep_phrases

    glued = keep_phrases("王政復古の大号令", "ja")
    assert glued.replace(WORD_JOINER, "") == "王政復古の大号令"
    # The title may break after "王政復古の" only, never inside "大号令".
    assert [unit.replace(WORD_JOINER, "") for unit in break_units(glued, "ja")] == ["王政復古の", "大号令"]
    assert keep_phrases("October Revolution", "en") == "October Revolution"
    assert keep_phrases("武昌起义", "zh") == "武昌起义"


def test_korean_breaks_between_words_not_syllables():
    # Korean is set keep-all: a line breaks at the spaces between words (이승훈은 | 서명하였습니다), not inside them.
    units = break_units("3·1 운동은 1919년 3월 1일에 일어난 독립운동이다. 이승훈은 서명하였습니다.", "ko")
    assert units[-2:] == ["이승훈은 ", "서명하였습니다."]
    assert all(unit.endswith(" ") for unit in units[:-1])
