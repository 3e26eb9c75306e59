"""Pictures of any aspect, size and mode that Pillow reads: drawn, never an internal error.

Real photographs are those of tests/corpus, taken from packages (scikit-image's bundled data, Debian's
xplanet-images; see tests/corpus/SOURCES.md): no test skips for want of them.

| attempt | what it checks |
|---|---|
| any size 1..40,000 px a side, area <= 40,000 px (hypothesis) | cover, contain, _backdrop fill the box exactly |
| the same sizes (hypothesis) | smart_focus inside its margins; accent_color a colour |
| the same sizes as JPEGs, drafted for every card format | _draft never below the card nor above the picture |
| boxes with a zero side | cover and contain give an empty picture, no ZeroDivisionError |
| 1x1, 1x40000, 40000x1 in modes 1, L, LA, P+transparency, I;16, I, F, RGBA, CMYK | 8-bit RGB, right colour, fits |
| a 30000x10 and a 10x30000 picture in a whole post | a post is made and passes check |
| real photographs (tests/corpus: astronaut, coffee, rocket...) | fit every format; whole photo in contain |
| each photograph made grey; coffee | no accent; coffee's accent is its red-brown |
"""

from __future__ import annotations

import colorsys
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageStat

from postkit.design import FORMATS
from postkit.illustration import (
    FALLBACK_ACCENT,
    FOCUS_MARGIN,
    _backdrop,
    _draft,
    accent_color,
    contain,
    cover,
    load_illustration,
    smart_focus,
)

CARDS = sorted(set(FORMATS.values()))
ROOT = Path(__file__).resolve().parents[2]


@st.composite
def sizes(draw, longest: int = 40_000, area: int = 40_000) -> tuple[int, int]:
    """A picture size: any side from 1 to ``longest``, at most ``area`` pixels, either way round."""
    long_side = draw(st.integers(1, longest))
    short_side = draw(st.integers(1, max(1, min(longest, area // long_side))))
    return (long_side, short_side) if draw(st.booleans()) else (short_side, long_side)


def picture(size: tuple[int, int]) -> Image.Image:
    """Something to look at: a colour field with a brighter block, so focus and palette have work to do."""
    image = Image.new("RGB", size, (60, 90, 150))
    w, h = size
    image.paste((230, 60, 30), (w // 3, h // 3, max(w // 3 + 1, w // 2), max(h // 3 + 1, h // 2)))
    return image


boxes = st.one_of(st.sampled_from(CARDS), sizes(longest=2_000, area=400_000))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(src=sizes(), box=boxes, focus=st.tuples(st.floats(0, 1), st.floats(0, 1)))
def test_any_size_is_fitted_exactly(src, box, focus):
    image = picture(src)
    assert cover(image, box, focus).size == box
    assert contain(image, box).size == box
    assert contain(image, box, "#102030").size == box
    assert _backdrop(image, box).size == box


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(src=sizes())
def test_any_size_has_a_focus_and_an_accent(src):
    image = picture(src)
    x, y = smart_focus(image)
    assert FOCUS_MARGIN <= x <= 1 - FOCUS_MARGIN and FOCUS_MARGIN <= y <= 1 - FOCUS_MARGIN
    accent = accent_color(image)
    assert len(accent) == 3 and all(isinstance(c, int) and 0 <= c <= 255 for c in accent)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(src=sizes(longest=30_000, area=30_000), card=st.sampled_from(CARDS))
def test_draft_never_goes_below_the_card_nor_above_the_picture(src, card):
    buffer = io.BytesIO()
    picture(src).save(buffer, "JPEG", quality=60)
    with Image.open(buffer) as image:
        _draft(image, card)
        image.load()
        drafted = image.size
    assert drafted[0] <= src[0] and drafted[1] <= src[1]
    # Where the picture covered the card, the drafted one still does; a smaller one is left whole.
    if src[0] >= card[0] and src[1] >= card[1]:
        assert drafted[0] >= card[0] and drafted[1] >= card[1]
    else:
        assert drafted == src


@pytest.mark.parametrize("box", [(0, 0), (0, 1350), (1080, 0)])
def test_a_box_without_area_gives_an_empty_picture(box):
    image = picture((300, 200))
    assert cover(image, box).size == box
    assert contain(image, box).size == box


def _modes() -> dict[str, Image.Image]:
    palette = Image.new("P", (1, 1), 1)
    palette.putpalette([0, 0, 0, 230, 60, 30] + [0] * 762)
    palette.info["transparency"] = 0
    return {
        "1": Image.new("1", (1, 1), 1),
        "L": Image.new("L", (1, 1), 200),
        "LA": Image.new("LA", (1, 1), (200, 128)),
        "P-transparent": palette,
        "I;16": Image.new("I;16", (1, 1), 40_000),
        "I": Image.new("I", (1, 1), 40_000),
        "F": Image.new("F", (1, 1), 0.5),
        "RGBA": Image.new("RGBA", (1, 1), (230, 60, 30, 128)),
        "CMYK": Image.new("CMYK", (1, 1), (0, 200, 200, 0)),
    }


MODES = _modes()


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("size", [(1, 1), (40_000, 1), (1, 40_000)], ids=["1x1", "40000x1", "1x40000"])
def test_extreme_sizes_in_every_mode_are_drawn(tmp_path, mode, size):
    source = MODES[mode].resize(size, Image.Resampling.NEAREST)
    source.info = dict(MODES[mode].info)
    path = tmp_path / ("picture.tif" if mode in ("I", "F", "CMYK") else "picture.png")
    source.save(path)

    loaded = load_illustration(path, min_size=CARDS[0])

    assert (loaded.mode, loaded.size) == ("RGB", size)
    expected = load_illustration_pixel(MODES[mode], tmp_path)
    assert ImageStat.Stat(loaded).mean == pytest.approx(expected, abs=1)
    for card in CARDS:
        assert cover(loaded, card).size == card
        assert contain(loaded, card).size == card


def load_illustration_pixel(one_pixel: Image.Image, folder: Path) -> list[float]:
    """The colour the loader gives the 1x1 original: a stretched picture keeps it."""
    path = folder / ("one.tif" if one_pixel.mode in ("I", "F", "CMYK") else "one.png")
    one_pixel.save(path)
    return ImageStat.Stat(load_illustration(path)).mean


@pytest.mark.parametrize("size", [(30_000, 10), (10, 30_000)], ids=["30000x10", "10x30000"])
def test_a_post_with_a_panorama_is_made(tmp_path, size, example_dir):
    from postkit.check import check_post
    from postkit.pipeline import make_post

    image = tmp_path / "panorama.png"
    picture(size).save(image)
    post = make_post(example_dir / "article.txt", image=image, out=tmp_path / "post")
    assert [v for v in check_post(post.folder) if v.level == "error"] == []


# --- real photographs ---------------------------------------------------------------------------------------

# Real photographs from packages (scikit-image's data, Debian's xplanet-images), in tests/corpus: see SOURCES.md.
PHOTOS = sorted((ROOT / "tests" / "corpus").glob("*.jpg"))
COFFEE = ROOT / "tests" / "corpus" / "ja-osei-fukko.jpg"  # scikit-image's coffee.png, downscaled


def test_the_corpus_has_real_photographs():
    assert len(PHOTOS) >= 5


@pytest.mark.parametrize("path", PHOTOS, ids=[p.name for p in PHOTOS])
def test_real_photographs_fit_every_format(path):
    image = load_illustration(path, min_size=CARDS[0])
    assert image.mode == "RGB"
    x, y = smart_focus(image)
    assert FOCUS_MARGIN <= x <= 1 - FOCUS_MARGIN and FOCUS_MARGIN <= y <= 1 - FOCUS_MARGIN
    for card in CARDS:
        covered = cover(image, card, (x, y))
        assert covered.size == card
        contained = contain(image, card)
        assert contained.size == card
        # The whole photograph is in the middle of the contained card: compare it shrunk to the same size.
        scale = min(card[0] / image.width, card[1] / image.height)
        fit = (min(card[0], max(1, round(image.width * scale))), min(card[1], max(1, round(image.height * scale))))
        left, top = (card[0] - fit[0]) // 2, (card[1] - fit[1]) // 2
        middle = contained.crop((left, top, left + fit[0], top + fit[1]))
        shrunk = image.resize(fit, Image.Resampling.LANCZOS)
        assert ImageStat.Stat(middle).mean == pytest.approx(ImageStat.Stat(shrunk).mean, abs=2)


@pytest.mark.parametrize("path", PHOTOS, ids=[p.name for p in PHOTOS])
def test_a_grey_photograph_has_no_accent(path, tmp_path):
    grey = tmp_path / "grey.png"
    with Image.open(path) as photo:
        photo.convert("L").save(grey)
    assert accent_color(load_illustration(grey)) == FALLBACK_ACCENT


def test_the_coffee_photograph_takes_its_red_brown_as_accent():
    accent = accent_color(load_illustration(COFFEE))
    hue, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in accent))
    assert accent != FALLBACK_ACCENT
    assert hue * 360 < 40 and saturation > 0.5, accent  # red to orange, strongly coloured
