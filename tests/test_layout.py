"""Pixel measuring and wrapping with the real fonts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postkit.fonts import face
from postkit.layout import chunks, estimate, measure, wrap, wrap_with_offsets
from postkit.segment import hyphenations

WIDTH = 888


@pytest.fixture(scope="module")
def body_font(text_style):
    return face(text_style.body_fonts, 46)


@pytest.mark.parametrize("size", [40, 46, 54])
def test_every_wrapped_line_fits_measured_whole(text_style, example_paragraphs, size):
    font = face(text_style.body_fonts, size)
    for text, _ in example_paragraphs:
        lines = wrap(text, font, WIDTH)
        assert all(font.getlength(line) <= WIDTH for line in lines)
        assert " ".join(lines).split() == text.split()


@pytest.mark.parametrize("size", [40, 47, 54])
def test_screening_by_estimates_changes_no_break(text_style, example_paragraphs, size):
    font = face(text_style.body_fonts, size)
    for text, _ in example_paragraphs:
        assert wrap_with_offsets(text, font, WIDTH) == wrap_with_offsets(text, font, WIDTH, margin=float("inf"))


def test_lines_are_greedy_no_next_unit_would_fit(body_font, example_paragraphs):
    text = example_paragraphs[1][0]
    lines = [line for line, _ in wrap_with_offsets(text, body_font, WIDTH)]
    for line, following in zip(lines, lines[1:], strict=False):
        next_unit = chunks(following)[0]
        assert body_font.getlength(f"{line} {next_unit}") > WIDTH


def test_a_one_word_last_line_takes_a_word_from_above(body_font):
    text = (
        "When Russian Prime Minister Alexander Kerensky ordered loyalist troops to arrest the leaders of the revolution"
    )
    greedy = [line for line, _ in wrap_with_offsets(text, body_font, 640)]
    mended = wrap(text, body_font, 640)
    assert len(greedy[-1].split()) == 1
    assert len(mended) == len(greedy) and len(mended[-1].split()) == 2
    assert " ".join(mended).split() == text.split()


def test_estimate_is_within_a_pixel_of_the_measure(body_font):
    for word in ["revolution", "Kerensky’s", "Petrograd,", "a", "“It", "Коммиссар", "Αθήνα"]:
        assert abs(estimate(body_font, word) - measure(body_font, word)) < 1.0


def test_over_long_word_is_broken_within_the_width(body_font):
    word = "Donaudampfschifffahrtsgesellschaftskapitän" * 3
    lines = [line for line, _ in wrap_with_offsets(f"The {word} sailed.", body_font, 400)]
    assert all(body_font.getlength(line) <= 400 for line in lines)
    assert "".join(line.removesuffix("-") for line in lines).replace(" ", "") == f"The{word}sailed."


def test_breaks_follow_unicode_rules_and_glue():
    assert chunks("sailors—yes") == ["sailors—", "yes"]  # after a dash, never before it
    assert chunks("one — two") == ["one —", " ", "two"]
    assert chunks("at 10 o’clock, 9,000 sailors") == ["at", " ", "10 o’clock,", " ", "9,000 sailors"]
    assert chunks("of 1917 toppled") == ["of", " ", "1917", " ", "toppled"]  # a year counts nothing
    assert chunks("в Петрограде и с ним", "ru") == ["в Петрограде", " ", "и с ним"]
    assert chunks("Trotsky\u00a0(Bronstein) said") == ["Trotsky\u00a0(Bronstein)", " ", "said"]


def test_over_long_word_is_hyphenated_by_the_dictionary(body_font):
    lines = wrap("Counterrevolutionaries everywhere", body_font, 300, lang="en")
    assert lines[0].endswith("-") and all(body_font.getlength(line) <= 300 for line in lines)
    assert "".join(line.removesuffix("-") for line in lines).replace(" ", "") == "Counterrevolutionarieseverywhere"


def test_english_hyphenation_is_unchanged(body_font):
    assert wrap_with_offsets("Counterrevolutionaries everywhere", body_font, 200, lang="en") == [
        ("Counterre-", 9),
        ("volutionar-", 19),
        ("ies", 22),
        ("everywhere", 33),
    ]


def test_a_hungarian_word_is_hyphenated_as_hungarian_spells_it(body_font):
    # pyphen's hu_HU breaks "asszonnyal" as "asz-szonnyal" or "asszony-nyal"; a line's offset stays
    # where its letters end in the source ("as", "asszon").
    wide = measure(body_font, "asszony-") + 1
    assert wrap_with_offsets("asszonnyal", body_font, wide, lang="hu") == [("asszony-", 6), ("nyal", 10)]
    narrow = measure(body_font, "asz-") + 1
    assert wrap_with_offsets("asszonnyal", body_font, narrow, lang="hu")[0] == ("asz-", 2)


HYPHENATED = {
    "en": "Counterrevolutionaries everywhere demanded internationalisation",
    "de": "Donaudampfschifffahrtsgesellschaftskapitän Rechtsschutzversicherungsgesellschaften",
    "ru": "Контрреволюционеры повсеместно требовали достопримечательностей",
    "hu": "Az asszonnyal hosszú beszélgetést folytatott: mennyi összeggyel és kulccsal jött.",
}


@pytest.mark.parametrize("lang", sorted(HYPHENATED))
def test_lines_show_their_source_text_but_where_hungarian_changes_it(body_font, lang):
    text, changed = HYPHENATED[lang], 0
    for width in range(60, 420, 7):
        start = 0
        for line, end in wrap_with_offsets(text, body_font, width, lang=lang):
            source = text[start:end].strip()
            if line not in (source, f"{source}-"):
                # Only the word broken at the line's end (or what a break above left of it) may differ.
                first = max(start, text.rfind(" ", 0, end) + 1)
                word = text[first : (text + " ").find(" ", end)]
                head = dict(hyphenations(word, lang))[end - first]
                assert line == (text[start:first] + head).lstrip() + "-"
                changed += 1
            start = end
        assert not text[start:].strip()  # the slices between offsets join back into the text
    assert (changed > 0) == (lang == "hu")  # only Hungarian's dictionary changes letters


def test_url_breaks_after_a_slash(body_font):
    lines = wrap("See https://example.org/archive/1917/november/storming-of-the-winter-palace", body_font, 400)
    assert all(body_font.getlength(line) <= 400 for line in lines)
    assert any(line.endswith("/") for line in lines)


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
    lines = [line for line, _ in wrap_with_offsets(text, body_font, width)]
    assert "".join("".join(lines).split()) == "".join(text.split())
    for line in lines:
        assert body_font.getlength(line) <= width or len(line) == 1


def test_a_cjk_title_leaves_no_character_alone_on_its_last_line(body_font):
    title = "王政復古の大号令が発せられた日"
    for width in range(200, 900, 7):
        lines = wrap(title, body_font, width, "ja")
        assert "".join(lines) == title
        if len(lines) > 1:
            assert len(lines[-1]) >= 2 or measure(body_font, lines[-2][-1] + lines[-1]) > width, (width, lines)


def test_measuring_every_line_never_breaks_a_word_that_fits():
    """wrap's fallback (every candidate measured) once broke every Arabic line inside a word (a Reel's card)."""
    from postkit.fonts import face, resolve_font
    from postkit.layout import wrap_with_offsets

    text = (
        "أيضاً سنوات من القحط سبقت الثورة أثارت استياء شعبي على الامتيازات التي يتمتع بها رجال الدين والطبقة "
        "الأرستقراطية. صيغت مطالب التغيير من خلال أفكار تنويرية وساهمت في انعقاد مؤتمر الجمعية العامة."
    )
    arabic = face((resolve_font("noto-naskh-arabic/NotoNaskhArabic-Regular.ttf"),), 48)
    for width in (700, 882, 900):
        for margin in (None, float("inf")):
            lines = wrap_with_offsets(text, arabic, width, margin=margin, lang="ar")
            for _, end in lines[:-1]:
                assert text[end] == " " or text[end - 1] == " ", (width, margin, text[end - 8 : end + 8])
