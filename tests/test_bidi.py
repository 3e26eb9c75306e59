"""The bidirectional algorithm on cards: visual order checked against an independent implementation and the shaper.

Two references, each independent of postkit's code:
- python-bidi (the Rust ``unicode-bidi`` crate) computes the visual order of the same text;
- Pillow's raqm draws a whole line in one call (FriBidi and HarfBuzz decide the order), which postkit's
  run-by-run drawing must reproduce pixel for pixel when one font covers the whole line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bidi_checks import closes_inside
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw, ImageFont, features

from postkit.bidi import contained, first_strong_is_rtl, isolated, paragraph_is_rtl, visual_runs, visual_string
from postkit.fonts import FontFile, face
from postkit.layout import measure
from postkit.segment import clusters

bidi = pytest.importorskip("bidi", reason="python-bidi is a test extra (pip install '.[test]')")

LATIN = "abcXYZ "
HEBREW = "שלוםעבר "
ARABIC = "مرحبا عالم"
NUMBERS = "0123" + "\u0660\u0661\u0662"  # European and Arabic-Indic digits
NEUTRAL = " ()[]{}«».,:;!?-/+%'\"“”"
MIXED = st.text(alphabet=LATIN + HEBREW + ARABIC + NUMBERS + NEUTRAL, min_size=1, max_size=40)
BASES = st.sampled_from([True, False, None])


def reference(text: str, rtl: bool | None) -> str:
    return bidi.get_display(text, base_dir={True: "R", False: "L", None: None}[rtl])


@given(MIXED, BASES)
@settings(max_examples=600, deadline=None)
def test_visual_order_matches_an_independent_implementation(text, rtl):
    assert visual_string(text, rtl) == reference(text, rtl)


@given(st.text(min_size=0, max_size=40), BASES)
@settings(max_examples=300, deadline=None)
def test_runs_cover_the_line_exactly_once(text, rtl):
    runs = visual_runs(text, rtl)
    spans = sorted((start, end) for start, end, _ in runs)
    assert "".join(text[s:e] for s, e in spans) == text
    assert all(start < end for start, end in spans)


@pytest.mark.parametrize(
    ("text", "rtl", "expected"),
    [
        # Hebrew paragraph with a Latin name and a year: the name and number read left to right in place.
        ("הכרזת העצמאות של Israel (1948)", True, "Israel (1948) לש תואמצעה תזרכה"),
        # An English line with an Arabic name: the name reads right to left, the sentence left to right.
        ("Cairo is القاهرة in Arabic.", False, "Cairo is ةرهاقلا in Arabic."),
        ("14 במאי 1948", None, "1948 יאמב 14"),
    ],
)
def test_real_mixed_lines(text, rtl, expected):
    assert visual_string(text, rtl) == expected


def test_paragraph_direction_in_a_right_to_left_post():
    # A Hebrew paragraph that opens with a Latin name is still a right-to-left paragraph in a Hebrew post.
    assert first_strong_is_rtl("Theodor Herzl כתב את מדינת היהודים") is False
    assert paragraph_is_rtl("Theodor Herzl כתב את מדינת היהודים", context_rtl=True) is True
    assert paragraph_is_rtl("Theodor Herzl wrote Der Judenstaat", context_rtl=True) is False
    assert paragraph_is_rtl("1948", context_rtl=True) is True
    assert paragraph_is_rtl("1948", context_rtl=False) is False


def _dejavu() -> Path:
    path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not path.is_file():
        pytest.skip("DejaVu Sans (fonts-dejavu-core) covers Latin, Hebrew and Arabic in one font; not installed")
    return path


@pytest.mark.skipif(not features.check("raqm"), reason="needs raqm")
@given(st.text(alphabet=LATIN + HEBREW + ARABIC + "0123 ().,!", min_size=1, max_size=24), st.booleans())
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_drawing_run_by_run_matches_the_shaper_drawing_the_whole_line(text, rtl):
    path = _dejavu()
    ours = face((FontFile(path),), 40)
    whole = ImageFont.truetype(str(path), 40, layout_engine=ImageFont.Layout.RAQM)
    size = (round(whole.getlength(text, direction="rtl" if rtl else "ltr")) + 40, 80)
    a = Image.new("L", size, 255)
    b = Image.new("L", size, 255)
    ours.draw(a, ImageDraw.Draw(a), (20, 10), text, 0, rtl=rtl)
    ascent = whole.getmetrics()[0]
    ImageDraw.Draw(b).text((20, 10 + ascent), text, font=whole, fill=0, anchor="ls", direction="rtl" if rtl else "ltr")
    # Sub-pixel positions of later runs could round differently: allow a faint difference, never a moved glyph.
    assert ImageChops.difference(a, b).getextrema()[1] < 120, (text, rtl)


@given(st.text(alphabet="aeiou\u0301\u0308 ЖЯ" + "👍🏽👨‍👩‍👧" + "é", min_size=1, max_size=20))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_tracking_spaces_whole_clusters(theme, text):
    label = face(theme.font_paths("label"), 30)
    spaced = measure(label, text, 3.0) - measure(label, text)
    assert spaced == pytest.approx(3.0 * (len(clusters(text)) - 1))


CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
WITH_CONTROLS = st.text(alphabet=LATIN + HEBREW + NUMBERS + CONTROLS, max_size=30)


@given(WITH_CONTROLS)
@settings(max_examples=400, deadline=None)
def test_isolated_text_cannot_reorder_what_is_around_it(text):
    shown = visual_string(f"start {isolated(text)} end", rtl=False)
    assert shown.startswith("start ") and shown.endswith(" end"), (text, shown)
    assert closes_inside(contained(text))
    strip = str.maketrans("", "", CONTROLS)
    assert contained(text).translate(strip) == text.translate(strip)  # only controls are dropped or added


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("\u2069\u202eabc", "\u202eabc\u202c"),  # a stray PDI escaped the page's isolate
        ("a\u2067b\u2069c", "a\u2067b\u2069c"),
        ("a\u2067b\u202bc\u2069d\u202c", "a\u2067b\u202bc\u2069d"),  # the PDI closed the RLE; the PDF is stray
        ("\u202b\u2068x", "\u202b\u2068x\u2069\u202c"),
    ],
)
def test_contained_examples(text, expected):
    assert contained(text) == expected


def test_a_stray_closer_in_a_title_cannot_reorder_the_page():
    text = "\u2069\u202eשלום abc"
    assert not visual_string(f"start \u2068{text}\u2069 end", rtl=False).endswith(" end")  # the defect
    assert visual_string(f"start {isolated(text)} end", rtl=False).endswith(" end")
