"""Emoji clusters found in text and drawn in colour from Noto Color Emoji's one bitmap strike."""

from __future__ import annotations

import pytest

from postkit.emoji import EMOJI_FONT, covers, emoji_metrics, emoji_spans, emoji_width, is_emoji, render_emoji

SAMPLE = "Hi 👋🏽 from 🇫🇷 and 👨\u200d👩\u200d👧 #1 1️⃣ ❤️ ok"


def pixels(image):
    data = image.tobytes()
    return [tuple(data[i : i + 4]) for i in range(0, len(data), 4)]


def colourful_pixels(image) -> int:
    """Count opaque pixels whose channels differ clearly (not black, white or grey)."""
    return sum(1 for r, g, b, a in pixels(image) if a > 128 and max(r, g, b) - min(r, g, b) > 60)


def opaque_pixels(image) -> int:
    return sum(1 for *_, a in pixels(image) if a > 128)


def test_the_emoji_font_is_bundled_with_its_licence():
    assert EMOJI_FONT.is_file()
    assert (EMOJI_FONT.parent / "OFL.txt").read_text(encoding="utf-8").startswith("Copyright")


def test_spans_are_exactly_the_emoji():
    found = [SAMPLE[start:end] for start, end in emoji_spans(SAMPLE)]
    assert found == ["👋🏽", "🇫🇷", "👨\u200d👩\u200d👧", "1️⃣", "❤️"]


def test_spans_include_tag_sequences_and_text_default_pictographs_with_vs16():
    scotland = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    text = f"{scotland} ☺\ufe0f and #\ufe0f\u20e3"
    assert [text[a:b] for a, b in emoji_spans(text)] == [scotland, "☺\ufe0f", "#\ufe0f\u20e3"]


@pytest.mark.parametrize("text", ["© 2017", "Trade™ ↔ ♥", "#1 and 42", "❤\ufe0e", "plain ASCII"])
def test_text_presentation_is_not_emoji(text):
    assert emoji_spans(text) == []


def test_is_emoji():
    assert is_emoji("😀")
    assert not is_emoji("a")


def test_a_face_renders_in_colour_at_text_size():
    tile = render_emoji("😀", 48)
    assert tile.mode == "RGBA"
    assert tile.height == 48
    assert colourful_pixels(tile) > 100


@pytest.mark.parametrize("cluster", ["🇫🇷", "👋🏽", "1️⃣", "❤️"])
def test_a_sequence_renders_as_one_coloured_glyph(cluster):
    one = render_emoji("😀", 48).width
    tile = render_emoji(cluster, 48)
    assert abs(tile.width - one) <= 2  # about 1 em, not one glyph per code point
    assert colourful_pixels(tile) > 100
    assert covers(cluster)


def test_a_zwj_family_renders_as_one_glyph():
    # Noto draws the family in grey on a tile, so check shape, not colour.
    family = render_emoji("👨\u200d👩\u200d👧", 48)
    man = render_emoji("👨", 48)
    assert abs(family.width - man.width) <= 2
    assert opaque_pixels(family) > family.width * family.height // 2
    assert family.tobytes() != man.tobytes()
    assert covers("👨\u200d👩\u200d👧")


def test_rendering_is_deterministic():
    first = render_emoji("🇫🇷", 40).tobytes()
    render_emoji.cache_clear()
    assert render_emoji("🇫🇷", 40).tobytes() == first


def test_width_scales_with_height():
    small, large = emoji_width("😀", 30), emoji_width("😀", 60)
    assert small > 0
    assert large == pytest.approx(2 * small)
    assert render_emoji("😀", 60).width == round(large)


def test_metrics_split_the_height_at_the_baseline():
    ascent, descent = emoji_metrics(64)
    assert ascent + descent == pytest.approx(64)
    assert ascent > 3 * descent


def test_covers():
    assert covers("😀")
    assert covers("❤️")
    assert not covers("a")
    assert not covers("")
    # A ZWJ sequence the font has no ligature for is drawn as several glyphs: not covered as one.
    assert not covers("😀\u200d😀")


def test_a_bad_height_is_a_layout_error():
    from postkit.errors import LayoutError

    with pytest.raises(LayoutError, match="at least 1 px"):
        render_emoji("😀", 0)
