"""Font chains: per-character fallback, missing glyphs named, right-to-left order, shaping, emoji."""

from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont, features

from postkit.bidi import first_strong_is_rtl
from postkit.fonts import EMOJI, face, load_font
from postkit.resources import data_dir


@pytest.fixture(scope="module")
def title(theme):
    return face(theme.font_paths("title"), 80, ("lnum",))


@pytest.fixture(scope="module")
def body(theme):
    return face(theme.font_paths("body"), 48)


def names(f, text):
    return [(piece, f.paths[index].name if index != EMOJI else "emoji") for piece, index in f.segments(text)]


def test_raqm_is_the_layout_engine():
    # Without Debian's libfribidi0 Pillow silently falls back to basic layout (Arabic unjoined).
    assert features.check("raqm")


BUNDLED = sorted(p for p in data_dir("fonts").glob("*/*.ttf") if p.parent.name != "noto-color-emoji")


@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_no_bundled_glyph_carries_the_overlap_flag(path):
    # FreeType draws a flagged glyph with 4x4 oversampling (2-4x slower); fonts/build_fonts.py clears
    # the flags that upstream EB Garamond, Inter and Playfair Display set on every glyph (issue 15).
    font = TTFont(path)
    glyf = font["glyf"]
    flagged = [
        name
        for name in font.getGlyphOrder()
        if (glyph := glyf[name]).isComposite()
        and any(c.flags & 0x0400 for c in glyph.components)
        or not glyph.isComposite()
        and glyph.numberOfContours > 0
        and glyph.flags[0] & 0x40
    ]
    assert flagged == []


def test_greek_word_in_a_latin_title_falls_back(title):
    assert names(title, "Battle of Μαραθών") == [
        ("Battle of ", "PostkitDisplay-Bold.ttf"),
        ("Μαραθών", "EBGaramond-SemiBold.ttf"),
    ]


def test_arabic_and_hebrew_fall_back_to_noto(body):
    assert [n for _, n in names(body, "Cairo القاهرة and ירושלים")] == [
        "EBGaramond-Regular.ttf",
        "NotoNaskhArabic-Regular.ttf",
        "EBGaramond-Regular.ttf",
        "NotoSerifHebrew-Regular.ttf",
    ]


def test_combining_marks_and_spaces_stay_with_their_run(body):
    assert len(body.segments("Pre\u0301mier pas")) == 1


def test_missing_characters_are_listed(body):
    assert body.missing("Tokyo 東京 and ☃") == ["東", "京", "☃"]
    assert body.missing("Петроград, Αθήνα, القاهرة") == []


def test_measuring_a_fallback_run_uses_its_own_font(title):
    greek = "Μαραθών"
    fallback = load_font(title.paths[1], 80)
    assert title.getlength(greek) == pytest.approx(fallback.getlength(greek, features=["lnum"]))


def test_arabic_is_shaped(theme):
    text = "القاهرة عاصمة مصر"
    path = theme.font_paths("body")[1]
    shaped = ImageFont.truetype(str(path), 48, layout_engine=ImageFont.Layout.RAQM).getlength(text)
    unshaped = ImageFont.truetype(str(path), 48, layout_engine=ImageFont.Layout.BASIC).getlength(text)
    assert abs(shaped - unshaped) > 5
    assert face(theme.font_paths("body"), 48).getlength(text) == pytest.approx(shaped)


def test_direction_of_a_paragraph():
    assert first_strong_is_rtl("«Шалом» — שלום עולם") is False
    assert first_strong_is_rtl("“ שלום world") is True
    assert first_strong_is_rtl("1917 — القاهرة") is True
    assert first_strong_is_rtl("1917 …") is None


def test_right_to_left_line_keeps_latin_runs_in_order(body):
    pieces = [(piece, direction) for piece, _, _, direction in body.pieces("שלום Tel Aviv and עולם", rtl=True)]
    assert pieces == [("עולם", "rtl"), (" ", "rtl"), ("Tel Aviv and", "ltr"), ("שלום ", "rtl")]
    assert [p for p, *_ in body.pieces("Tel Aviv and more", rtl=False)] == ["Tel Aviv and more"]


def test_hebrew_line_is_drawn_right_to_left(body):
    # In a right-to-left paragraph the first logical word, "Paris", stands at the right end.
    def render(text):
        image = Image.new("L", (900, 120), 255)
        body.draw(image, ImageDraw.Draw(image), (10, 10), text, 0, rtl=True)
        return image

    line = render("Paris שלום")
    hebrew = render("שלום")
    edge = 10 + round(body.getlength("שלום")) - 2
    assert line.crop((0, 0, edge, 120)).tobytes() == hebrew.crop((0, 0, edge, 120)).tobytes()
    assert line.crop((edge + 20, 0, 900, 120)).getextrema()[0] < 128  # "Paris" drawn after it


def test_emphasis_markers_switch_faces_and_survive_cutting(theme):
    from postkit.fonts import mark_emphasis, strip_emphasis, styled_face

    chains = [theme.font_paths(r) for r in ("body", "italic", "bold")]
    styled = styled_face(*chains, 48)
    marked = mark_emphasis("the cruiser Aurora fired", ((12, 18, "italic"),))
    assert strip_emphasis(marked) == "the cruiser Aurora fired"
    runs = [(piece, f.paths[0].name) for piece, f in styled.runs(marked)]
    assert runs == [
        ("the cruiser ", "EBGaramond-Regular.ttf"),
        ("Aurora", "EBGaramond-Italic.ttf"),
        (" fired", "EBGaramond-Regular.ttf"),
    ]
    # A piece cut out of an emphasised word (a hyphenated line end) keeps the word's style.
    tail = marked[marked.index("ro") :]
    assert [f.paths[0].name for _, f in styled.runs(tail)][0] == "EBGaramond-Italic.ttf"
    italic = face(chains[1], 48)
    assert styled.getlength(marked) != face(chains[0], 48).getlength("the cruiser Aurora fired")
    assert styled.getlength(mark_emphasis("Aurora", ((0, 6, "italic"),))) == italic.getlength("Aurora")


def test_a_theme_naming_playfair_display_is_told_its_new_name():
    from postkit.errors import FontError
    from postkit.fonts import resolve_font

    with pytest.raises(FontError, match=r"the bundled font is now 'postkit-display/PostkitDisplay-Bold.ttf'$"):
        resolve_font("playfair-display/PlayfairDisplay-Bold.ttf")
    assert resolve_font("postkit-display/PostkitDisplay-Bold.ttf").path.is_file()
