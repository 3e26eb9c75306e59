"""Hostile text in the line breaker: no input, however long or odd, takes more than linear time to lay out.

Time is bounded by counting the shaper's work (characters handed to HarfBuzz through Face.advance), which
is deterministic, instead of timing on a shared machine; benchmarks/bench_layout.py times the same kinds.

| attempt | what it checks |
|---|---|
| one word of 2,000 and of 20,000 letters (audit: 26 s, never finishing) | linear shaping work; letters kept |
| a German compound repeated to 20,000 letters | hyphenation looks only at a line's window |
| a URL of 20,000 characters | breaks after "/" and "." stay linear |
| 20,000 combining accents on one letter, 5,000 emoji | one unbreakable cluster is shown whole; no hang |
| 40,000 bidi marks before a word (21 s for 8,000 in uniseg), ZWJs, tags | uniseg is never handed a long run |
| 20,000 CJK characters, 20,000 digits with commas, 20,000 "*" | linear, nothing lost |
| random text from hostile alphabets (hypothesis) | work per character bounded; text joins back |
"""

from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from postkit.fonts import Face, face
from postkit.layout import wrap_with_offsets

WIDTH = 800
BIDI_MARKS = "\u200f\u200e" * 20_000 + " word."


@pytest.fixture(scope="module")
def body(theme):
    return face(theme.font_paths("body"), 48)


def shaped(monkeypatch, font, text: str, lang: str = "en") -> tuple[int, list[tuple[str, int]]]:
    """Lay ``text`` out on a fresh face and return the characters shaped, and the lines."""
    fresh = Face(font.paths, font.size)  # no cached widths from an earlier call
    count = 0
    advance = Face.advance

    def counting(self, piece, index, direction):
        nonlocal count
        count += len(piece)
        return advance(self, piece, index, direction)

    monkeypatch.setattr(Face, "advance", counting)
    try:
        lines = wrap_with_offsets(text, fresh, WIDTH, lang=lang)
    finally:
        monkeypatch.setattr(Face, "advance", advance)
    return count, lines


def _kept(text: str, lines: list[tuple[str, int]]) -> bool:
    ends = [end for _, end in lines]
    return ends == sorted(ends) and (not lines or ends[-1] <= len(text))


UNITS = {
    "letters": ("ab", "en"),
    "german compound": ("Donaudampfschifffahrtsgesellschaftskapitän", "de"),
    "url": ("https://example.org/a/b.c?d=e&", "en"),
    "cjk": ("武昌起义是辛亥革命的开端", "zh"),
    "digits": ("1,000,", "en"),
    "stars": ("*", "en"),
    "mixed bidi": ("abcשלום١٢", "he"),
}


@pytest.mark.parametrize("name", sorted(UNITS))
def test_layout_work_grows_linearly(monkeypatch, body, name):
    unit, lang = UNITS[name]
    small_text = unit * (2_000 // len(unit) + 1)
    large_text = unit * (20_000 // len(unit) + 1)
    small, _ = shaped(monkeypatch, body, small_text, lang)
    large, lines = shaped(monkeypatch, body, large_text, lang)
    assert _kept(large_text, lines)
    # Ten times the text may cost ten times the work, plus a constant for loading; never its square.
    assert large <= 12 * small + 20_000, (name, small, large)
    assert large <= 60 * len(large_text), (name, large)


@pytest.mark.parametrize(
    "text",
    ["e" + "\u0301" * 20_000, "👍🏽" * 5_000, " " * 20_000 + "end", "\u200b" * 20_000, BIDI_MARKS],
    ids=["combining marks", "emoji", "spaces", "zero-width spaces", "bidi marks"],
)
def test_odd_texts_finish_and_keep_every_character(monkeypatch, body, text):
    work, lines = shaped(monkeypatch, body, text)
    assert work <= 60 * len(text) + 20_000
    assert _kept(text, lines)


@pytest.mark.parametrize(
    "text",
    [BIDI_MARKS, "a" + "\u200d" * 20_000 + " b", "🏴" + "\U000e0041" * 20_000, "e" + "\u0301" * 20_000 + "\u200e" * 9],
    ids=["bidi marks", "zero-width joiners", "tags", "accents then a mark"],
)
def test_uniseg_is_never_handed_a_long_run_of_attached_characters(monkeypatch, text):
    # uniseg walks back over a run of characters attached to the one before (UAX #14 rule LB9) at every
    # position: quadratic time in the run's length, which only the segmenter's own work shows.
    import uniseg.linebreak

    from postkit import segment

    handed: list[str] = []
    original = uniseg.linebreak.line_break_units

    def recording(piece):
        handed.append(piece)
        return original(piece)

    monkeypatch.setattr(uniseg.linebreak, "line_break_units", recording)
    segment._uniseg_units.cache_clear()
    units = segment.line_break_units(text)
    assert "".join(units) == text
    attached = regex.compile(r"[\p{M}\p{Line_Break=CM}\p{Line_Break=ZWJ}]+")
    longest = max((len(run) for piece in handed for run in attached.findall(piece)), default=0)
    assert longest <= 8, longest


@given(st.text(alphabet="a b\u0301-/.,*_#😀שل١中", min_size=1, max_size=3_000))
@settings(max_examples=40, deadline=None)
def test_random_hostile_text_costs_bounded_work_per_character(theme, text):
    font = Face(face(theme.font_paths("body"), 40).paths, 40)
    count = 0
    advance = Face.advance

    def counting(piece, index, direction):
        nonlocal count
        count += len(piece)
        return advance(font, piece, index, direction)

    font.advance = counting  # this face only: no monkeypatch fixture inside hypothesis
    lines = wrap_with_offsets(text, font, WIDTH, lang="en")
    assert count <= 60 * len(text) + 20_000
    assert _kept(text, lines)
