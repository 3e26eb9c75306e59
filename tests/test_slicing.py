"""Packing sentences into slides: lossless, one size, inside the box, evenly filled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postkit.errors import LayoutError
from postkit.fonts import face
from postkit.layout import line_height, wrap
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
    assert example_slicing.even  # else a smaller size may have been chosen to even the slides
    if example_slicing.size < text_style.max_size:
        from postkit.slicing import _glued_sentences, _Packer

        split = [(_glued_sentences(t, "en"), h) for t, h in example_paragraphs]
        assert _Packer(split, text_style, example_slicing.size + 1, BOX).min_slides() > 8


def test_fills_are_the_slides_heights_in_the_box(example_slicing, text_style):
    assert len(example_slicing.fills) == len(example_slicing.slides)
    for slide, fill in zip(example_slicing.slides, example_slicing.fills, strict=True):
        assert fill == pytest.approx(slide_height(slide, example_slicing, text_style) / BOX[1])


def _largest_that_fits(paragraphs, style, box, max_slides, lang="en"):
    from postkit.slicing import _glued_sentences, _Packer

    split = [(_glued_sentences(t, lang), h) for t, h in paragraphs]
    size = max(
        s
        for s in range(style.min_size, style.max_size + 1)
        if _Packer(split, style, s, box, lang).min_slides() <= max_slides
    )
    return _Packer(split, style, size, box, lang).pack()


def test_a_smaller_size_evens_slides_that_long_sentences_leave_uneven(text_style):
    """A real article (Wikipedia's Apollo 11) whose long sentences fill slides unevenly at the largest size."""
    from postkit.article import read_article

    article = read_article(Path(__file__).parent / "corpus" / "en-apollo-11.txt")
    paragraphs = [(p.text, p.heading) for p in article.paragraphs]
    largest = _largest_that_fits(paragraphs, text_style, BOX, 8)
    assert not largest.even, [len(s.text) for s in largest.slides]
    slicing = slice_paragraphs(paragraphs, text_style, BOX, 8)
    assert slicing.even and text_style.min_size <= slicing.size < largest.size
    chars = [len(s.text) for s in slicing.slides]
    mean = sum(chars) / len(chars)
    assert all(abs(c - mean) <= 0.25 * mean for c in chars[:-1]) and min(slicing.fills) >= 0.5
    joined = " ".join(slide.text for slide in slicing.slides)
    assert normalise(joined) == normalise(" ".join(text for text, _ in paragraphs))
    for slide in slicing.slides[:-1]:
        assert ENDS_SENTENCE.search(slide.text.rstrip()), slide.text[-60:]


def test_slides_no_size_can_even_keep_the_largest_size(text_style):
    """Two sentences, one five times the other: no size evens them, so the largest that fits is kept."""
    short = "The fleet sailed at dawn."
    long = " ".join(["The crews had waited for weeks in the harbour while the wind blew from the west."] * 6)
    paragraphs = [(f"{long} {short}", False), (long, False)]
    largest = _largest_that_fits(paragraphs, text_style, BOX, 8)
    slicing = slice_paragraphs(paragraphs, text_style, BOX, 8)
    if not slicing.even:
        assert slicing.size == largest.size and [s.text for s in slicing.slides] == [s.text for s in largest.slides]


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


# ---------------------------------------------------------------------------------------------
# Where a slide may end inside a sentence: only in one taller than a slide, at a clause boundary
# with four words on each side. The texts are real (the address is beside each).

# https://compartehistoria.blogspot.com/2011/09/alonso-de-ojeda.html (69 words, one sentence)
OJEDA = (
    "Alonso tenía veintiocho años en 1494, era pequeño de estatura, ágil hasta causar sorpresa, y en todos "
    "los ejercicios de las armas, maestro consumado; tenía el genio pronto y la vista perspicaz; era valiente "
    "hasta la temeridad, vengativo hasta la crueldad, tierno de corazón con los débiles, y cortés con las "
    "damas; pendenciero y duelista, pero hondamente creyente y por extremo observante de sus deberes "
    "religiosos."
)
# https://datakosine.com/es/col%c3%b3n-zarpa (a long sentence ending in "Asia.", then a short one)
COLON = (
    "Durante su vida, Colón dirigió un total de cuatro expediciones al Nuevo Mundo, descubriendo varias "
    "islas del Caribe, el Golfo de México y el continente Sur y Centroamericano, pero nunca logró su "
    "objetivo original: una ruta oceánica occidental a las grandes ciudades de Asia. Colón murió en España "
    "en 1506 sin darse cuenta del gran alcance de lo que logró."
)
# http://gauss0.livedoor.blog/tag/%E5%9D%82%E6%9C%AC%E9%BE%8D%E9%A6%AC
SATCHO = (
    "薩長同盟(さっちょうどうめい)は、京都薩摩藩邸にて、土佐藩の坂本龍馬の立会いのもと、薩摩藩代表の小松帯刀・"
    "西郷隆盛と長州藩代表の木戸孝允(桂小五郎)との間で成立した、江戸幕府を倒すための政治的・軍事的密約で、"
    "薩長盟約または薩長連合とも呼ばれてきました。その結果、「薩長六ケ条盟約」が成り、これによって同年6月より"
    "戦いが始まった第2次長州征伐では、薩摩藩が幕府の征長を背後から妨げました。"
)
CLAUSE_MARKS = ",;:—–、，；：،؛"


def cuts_inside_sentences(result, paragraphs, lang):
    """Yield (sentence, offset of the cut in it) for every slide that ends inside a sentence."""
    from postkit.slicing import sentence_spans

    ends = []  # (paragraph index, offset in it) where each slide ends
    p, offset = -1, 0
    for slide in result.slides:
        for block in slide.blocks:
            if not block.continued:
                # A block that is not continued starts the next paragraph (one with the same start as the
                # paragraph before it must not be mistaken for it).
                p, offset = next(k for k in range(p + 1, len(paragraphs)) if paragraphs[k][0].startswith(block.text)), 0
            text = paragraphs[p][0]
            start = text.index(block.text, offset)
            assert text[offset:start].strip() == "", "a block skipped text"
            offset = start + len(block.text)
        ends.append((p, offset))
    for p, offset in ends[:-1]:
        text = paragraphs[p][0]
        for start, end in sentence_spans(text, lang):
            if start < offset < end:
                yield text[start:end], offset - start


def max_lines(result, style, height):
    font = face(style.body_fonts, result.size)
    ascent, descent = font.getmetrics()
    return (height - ascent - descent) // result.line_height + 1


def word_count(text, lang):
    if lang in ("ja", "zh"):
        return sum(1 for char in text if char.isalnum())
    return sum(1 for token in text.split() if any(char.isalnum() for char in token))


@pytest.mark.parametrize("height", [300, 400, 450])
def test_a_long_spanish_sentence_is_cut_at_a_clause_with_four_words_a_side(text_style, height):
    paragraphs = [(OJEDA, False), (COLON, False)]
    result = slice_paragraphs(paragraphs, text_style, (888, height), 18, "es")
    joined = " ".join(slide.text for slide in result.slides)
    assert normalise(joined) == normalise(OJEDA + " " + COLON)
    cuts = list(cuts_inside_sentences(result, paragraphs, "es"))
    assert cuts, "the 69-word sentence is taller than these slides and must be cut"
    font = face(text_style.body_fonts, result.size)
    for sentence, offset in cuts:
        assert len(wrap(sentence, font, 888, lang="es")) > max_lines(result, text_style, height)
        before, after = sentence[:offset].rstrip(), sentence[offset:]
        assert before[-1] in CLAUSE_MARKS, before[-40:]
        assert word_count(before, "es") >= 4 and word_count(after, "es") >= 4, (before[-40:], after[:40])
    for slide in result.slides:
        assert word_count(slide.text, "es") >= 4, slide.text


def test_a_sentence_shorter_than_a_slide_is_never_cut(text_style):
    paragraphs = [(COLON, False), (OJEDA, False)]
    result = slice_paragraphs(paragraphs, text_style, (888, 880), 18, "es")
    font = face(text_style.body_fonts, result.size)
    limit = max_lines(result, text_style, 880)
    for sentence, _ in cuts_inside_sentences(result, paragraphs, "es"):
        assert len(wrap(sentence, font, 888, lang="es")) > limit, sentence


def test_without_clause_marks_a_sentence_is_cut_between_words_four_from_its_ends(text_style):
    words = " ".join(["and the sailors marched on"] * 40) + "."
    result = slice_paragraphs([(words, False)], text_style, (888, 400), 20)
    cuts = list(cuts_inside_sentences(result, [(words, False)], "en"))
    assert cuts
    for sentence, offset in cuts:
        assert sentence[offset] == " ", "a cut between words, not inside one"
        assert word_count(sentence[:offset], "en") >= 4 and word_count(sentence[offset:], "en") >= 4


@pytest.mark.parametrize("height", [250, 300])
def test_japanese_slides_end_after_a_full_stop_outside_quotes(text_style, height):
    paragraphs = [(SATCHO, False)]
    result = slice_paragraphs(paragraphs, text_style, (888, height), 18, "ja")
    assert len(result.slides) > 1
    assert "".join(slide.text for slide in result.slides) == SATCHO
    cuts = list(cuts_inside_sentences(result, paragraphs, "ja"))
    for slide in result.slides[:-1]:
        # A slide ending at a cut holds the sentence's start, or (a sentence over three slides) a middle part.
        starts = [sentence[:offset].rstrip() for sentence, offset in cuts]
        if not any(slide.text.endswith(start) or start.endswith(slide.text) for start in starts):
            assert slide.text.endswith("。"), slide.text[-10:]
    for sentence, offset in cuts:
        assert sentence[:offset][-1] in CLAUSE_MARKS
        assert word_count(sentence[:offset], "ja") >= 8 and word_count(sentence[offset:], "ja") >= 8


def test_a_short_japanese_paragraph_ending_in_a_full_stop_is_not_a_heading():
    from postkit.slicing import _heading_like

    assert not _heading_like("新政府が成立した。", False, cjk=True)
    assert _heading_like("武昌起义", False, cjk=True)
    assert not _heading_like("Η ημέρα γιορτάζεται σήμερα;", False)
    assert _heading_like("The storming", False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paragraphs=st.lists(
        st.lists(words, min_size=1, max_size=60).map(
            lambda ws: ", ".join(" ".join(ws[i : i + 5]) for i in range(0, len(ws), 5)) + "."
        ),
        min_size=1,
        max_size=3,
    ),
    height=st.integers(min_value=150, max_value=700),
)
def test_slides_end_inside_a_sentence_only_when_it_is_taller_than_a_slide(text_style, paragraphs, height):
    items = [(p, False) for p in paragraphs]
    try:
        result = slice_paragraphs(items, text_style, (600, height), 18)
    except LayoutError:
        return
    font = face(text_style.body_fonts, result.size)
    limit = max_lines(result, text_style, height)
    for sentence, offset in cuts_inside_sentences(result, items, "en"):
        assert len(wrap(sentence, font, 600, lang="en")) > limit
        if limit >= 5:
            assert word_count(sentence[:offset], "en") >= 4 and word_count(sentence[offset:], "en") >= 4


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paragraphs=st.lists(paragraph, min_size=1, max_size=3),
    size=st.integers(min_value=40, max_value=54),
    height=st.integers(min_value=100, max_value=500),
)
def test_shared_wrap_counts_equal_wrapping_from_each_unit(text_style, paragraphs, size, height):
    import bisect

    from postkit.layout import wrap_with_offsets
    from postkit.slicing import _glued_sentences, _Packer

    packer = _Packer([(_glued_sentences(p, "en"), False) for p in paragraphs], text_style, size, (600, height))
    for first, counts in enumerate(packer._lines_from):
        last = packer._paragraph_end(first)
        lines = wrap_with_offsets(packer._join(first, last), packer.body, 600, lang="en")
        starts = [0] + [end for _, end in lines[:-1]]
        direct, offset = [], 0
        for k in range(first, last + 1):
            offset += (len(packer.units[k].glue) if k > first else 0) + len(packer.units[k].text)
            direct.append(bisect.bisect_left(starts, offset))
        # A row stops once its runs are taller than a slide (longer runs are never used): it must agree
        # with wrapping the whole rest of the paragraph as far as it goes, and go far enough.
        assert counts == direct[: len(counts)]
        assert len(counts) == len(direct) or counts[-1] > packer.max_lines


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("descubriendo varias islas del Caribe, ", True),
        ("pero nunca logró su objetivo original: ", True),
        ("пало почти без боя — ", True),
        ("tres barcos—", True),
        ("Colón llegó - ", True),
        ("«слово», ", True),
        ("江戸幕府を倒すための政治的・軍事的密約で、", True),
        ("افتتح الخديوي اسماعيل قناة السويس، ", True),
        ("Τα βουνά, οι λαγκαδιές· ", True),
        ("well-", False),
        ("el col·", False),
        ("the sailors marched ", False),
    ],
)
def test_clause_marks(text, clause):
    from postkit.slicing import _ends_clause

    assert _ends_clause(text) is clause
