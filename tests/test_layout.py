"""Pixel measuring and wrapping with the real fonts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postkit.fonts import load_font
from postkit.layout import chunks, estimate, measure, wrap, wrap_with_offsets

WIDTH = 888


@pytest.fixture(scope="module")
def body_font(text_style):
    return load_font(text_style.body_font, 46)


@pytest.mark.parametrize("size", [40, 46, 54])
def test_every_wrapped_line_fits_measured_whole(text_style, example_paragraphs, size):
    font = load_font(text_style.body_font, size)
    for text, _ in example_paragraphs:
        lines = wrap(text, font, WIDTH)
        assert all(font.getlength(line) <= WIDTH for line in lines)
        assert " ".join(lines).split() == text.split()


@pytest.mark.parametrize("size", [40, 47, 54])
def test_screening_by_estimates_changes_no_break(text_style, example_paragraphs, size):
    font = load_font(text_style.body_font, size)
    for text, _ in example_paragraphs:
        assert wrap_with_offsets(text, font, WIDTH) == wrap_with_offsets(text, font, WIDTH, margin=float("inf"))


def test_lines_are_greedy_no_next_word_would_fit(body_font, example_paragraphs):
    text = example_paragraphs[1][0]
    lines = wrap(text, body_font, WIDTH)
    for line, following in zip(lines, lines[1:], strict=False):
        assert body_font.getlength(f"{line} {following.split()[0]}") > WIDTH


def test_estimate_is_within_a_pixel_of_the_measure(body_font):
    for word in ["revolution", "Kerensky’s", "Petrograd,", "a", "“It", "Коммиссар", "Αθήνα"]:
        assert abs(estimate(body_font, word) - measure(body_font, word)) < 1.0


def test_over_long_word_is_broken_within_the_width(body_font):
    word = "Donaudampfschifffahrtsgesellschaftskapitän" * 3
    lines = wrap(f"The {word} sailed.", body_font, 400)
    assert all(body_font.getlength(line) <= 400 for line in lines)
    assert "".join(lines).replace(" ", "") == f"The{word}sailed."


def test_dash_stays_with_the_word_before_it():
    assert chunks("sailors—yes") == ["sailors—", "yes"]
    assert chunks("one — two") == ["one", " ", "—", " ", "two"]


def test_offsets_point_at_each_line_end(body_font, example_paragraphs):
    text = example_paragraphs[2][0]
    for line, end in wrap_with_offsets(text, body_font, 600):
        assert text[:end].endswith(line)


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(alphabet=st.characters(categories=["L", "N", "P", "Zs"]), min_size=1, max_size=300),
    width=st.integers(min_value=60, max_value=900),
)
def test_wrap_never_loses_text_or_overflows(body_font, text, width):
    lines = wrap(text, body_font, width)
    assert "".join("".join(lines).split()) == "".join(text.split())
    for line in lines:
        assert body_font.getlength(line) <= width or len(line) == 1
