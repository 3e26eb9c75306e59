"""Packing sentences into slides: lossless, one size, inside the box, evenly filled."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postkit.errors import LayoutError
from postkit.fonts import face
from postkit.layout import line_height
from postkit.slicing import sentences, slice_paragraphs

BOX = (888, 880)
ENDS_SENTENCE = re.compile(r"[.!?…\"”’)]$")


def normalise(text: str) -> str:
    return " ".join(text.split())


def slide_height(slide, slicing, style) -> int:
    font = face(style.body_fonts, slicing.size)
    ascent, descent = font.getmetrics()
    return (
        (slide.line_count - 1) * slicing.line_height
        + ascent
        + descent
        + (len(slide.blocks) - 1) * slicing.paragraph_gap
    )


@pytest.fixture(scope="module")
def example_slicing(example_paragraphs, text_style):
    return slice_paragraphs(example_paragraphs, text_style, BOX, 8)


def test_slides_join_back_into_the_article(example_slicing, example_paragraphs):
    joined = " ".join(slide.text for slide in example_slicing.slides)
    assert normalise(joined) == normalise(" ".join(text for text, _ in example_paragraphs))


def test_paragraphs_start_on_a_new_block(example_slicing, example_paragraphs):
    starts = {text[:40] for text, _ in example_paragraphs}
    for slide in example_slicing.slides:
        for block in slide.blocks:
            assert block.continued or block.text[:40] in starts


def test_every_slide_fits_its_box(example_slicing, text_style):
    for slide in example_slicing.slides:
        assert slide_height(slide, example_slicing, text_style) <= BOX[1]
        font = face(text_style.body_fonts, example_slicing.size)
        for block in slide.blocks:
            assert all(font.getlength(line) <= BOX[0] for line in block.lines)


def test_slides_break_at_sentence_ends(example_slicing):
    for slide in example_slicing.slides:
        assert (
            ENDS_SENTENCE.search(slide.text.rstrip())
            or slide is example_slicing.slides[-1]
            or slide.blocks[-1].text.endswith("revolution")
        ), slide.text[-60:]


def test_slides_are_evenly_filled(example_slicing):
    counts = [slide.line_count for slide in example_slicing.slides]
    assert min(counts) >= 0.6 * max(counts), counts


def test_no_lonely_line_at_a_slide_edge(example_slicing):
    slides = example_slicing.slides
    for before, after in zip(slides, slides[1:], strict=False):
        if after.blocks[0].continued:
            assert len(after.blocks[0].lines) > 1 and len(before.blocks[-1].lines) > 1


def test_size_is_the_largest_that_fits(example_paragraphs, text_style, example_slicing):
    assert text_style.min_size <= example_slicing.size <= text_style.max_size
    if example_slicing.size < text_style.max_size:
        from postkit.slicing import _glued_sentences, _Packer

        split = [(_glued_sentences(t, "en"), h) for t, h in example_paragraphs]
        assert _Packer(split, text_style, example_slicing.size + 1, BOX).min_slides() > 8


def test_fewer_slides_allowed_means_smaller_type(example_paragraphs, text_style, example_slicing):
    tighter = slice_paragraphs(example_paragraphs, text_style, BOX, 6)
    assert len(tighter.slides) <= 6
    assert tighter.size < example_slicing.size


def test_too_long_an_article_says_how_many_slides_it_needs(example_paragraphs, text_style):
    with pytest.raises(LayoutError, match=r"needs \d+ text slides at the smallest type size \(40 px\).*--max-slides"):
        slice_paragraphs(example_paragraphs * 4, text_style, BOX, 8, source="long.txt")


def test_a_sentence_longer_than_a_slide_is_cut_between_words(text_style):
    sentence = " ".join(["and the sailors marched on"] * 120) + "."
    result = slice_paragraphs([(sentence, False)], text_style, (888, 400), 20)
    assert len(result.slides) > 1
    assert normalise(" ".join(s.text for s in result.slides)) == normalise(sentence)
    for slide in result.slides:
        assert slide_height(slide, result, text_style) <= 400


def test_a_heading_never_ends_a_slide(text_style):
    paragraphs = []
    for k in range(6):
        paragraphs.append((f"Part {k}", True))
        paragraphs.append(("The sailors of Kronstadt joined the revolution that night. " * 6, False))
    result = slice_paragraphs(paragraphs, text_style, (888, 700), 12)
    for slide in result.slides:
        assert not slide.blocks[-1].heading, slide.text
    assert normalise(" ".join(s.text for s in result.slides)) == normalise(" ".join(t for t, _ in paragraphs))


def test_sentences_join_back_to_the_paragraph(example_paragraphs):
    for text, _ in example_paragraphs:
        assert " ".join(sentences(text)) == text
    assert sentences("Mr. Kerensky fled. He went to France.") == ["Mr. Kerensky fled.", "He went to France."]


words = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=14)
sentence = st.lists(words, min_size=1, max_size=30).map(lambda ws: " ".join(ws) + ".")
paragraph = st.lists(sentence, min_size=1, max_size=6).map(" ".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paragraphs=st.lists(paragraph, min_size=1, max_size=5), height=st.integers(min_value=120, max_value=900))
def test_any_text_slices_losslessly_inside_the_box(text_style, paragraphs, height):
    items = [(p, False) for p in paragraphs]
    try:
        result = slice_paragraphs(items, text_style, (600, height), 18)
    except LayoutError:
        return
    joined = "".join(" ".join(s.text for s in result.slides).split())
    assert joined == "".join(" ".join(paragraphs).split())
    font = face(text_style.body_fonts, result.size)
    assert result.line_height == line_height(font, text_style.line_factor)
    for slide in result.slides:
        assert slide_height(slide, result, text_style) <= height
        for block in slide.blocks:
            assert all(font.getlength(line) <= 600 for line in block.lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(min_size=1, max_size=300), height=st.integers(min_value=150, max_value=900))
def test_arbitrary_unicode_never_crashes_loses_or_overflows(text_style, text, height):
    paragraphs = [(" ".join(p.split()), False) for p in text.splitlines() if p.strip()]
    if not paragraphs:
        return
    try:
        result = slice_paragraphs(paragraphs, text_style, (600, height), 18)
    except LayoutError:
        return
    joined = "".join(" ".join(s.text for s in result.slides).split())
    assert joined == "".join(" ".join(p for p, _ in paragraphs).split())
    body = face(text_style.body_fonts, result.size)
    for slide in result.slides:
        assert slide_height(slide, result, text_style) <= height
        for block in slide.blocks:
            assert all(body.getlength(line) <= 600 for line in block.lines)


def test_a_split_without_a_space_is_not_a_sentence_break():
    assert sentences("See example.org/path?x=1 for it. He left!") == ["See example.org/path?x=1 for it.", "He left!"]
