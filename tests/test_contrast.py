"""WCAG luminance and contrast, and the colour fixes that enforce a minimum contrast."""

from __future__ import annotations

import colorsys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postkit.contrast import MIN_CONTRAST, contrast_ratio, ensure_contrast, luminance, text_on

BLACK, WHITE = (0, 0, 0), (255, 255, 255)
MID_GREY = (128, 128, 128)
YELLOW = (246, 190, 64)
CREAM, INK, RED = (240, 229, 205), (20, 20, 20), (200, 32, 38)

colours = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    return contrast_ratio(luminance(a), luminance(b))


def _hls(colour: tuple[int, int, int]) -> tuple[float, float, float]:
    return colorsys.rgb_to_hls(*(c / 255 for c in colour))


def test_luminance_and_contrast_of_black_and_white():
    assert luminance(BLACK) == 0
    assert luminance(WHITE) == pytest.approx(1)
    assert _contrast(BLACK, WHITE) == pytest.approx(21)
    assert _contrast(WHITE, BLACK) == _contrast(BLACK, WHITE)
    assert _contrast(RED, RED) == 1


def test_mid_grey_reaches_4_5_only_against_black():
    # The case that makes ensure_contrast search both ways: white on mid-grey is only ~3.9:1.
    assert _contrast(WHITE, MID_GREY) < MIN_CONTRAST < _contrast(BLACK, MID_GREY)


# --- ensure_contrast -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("colour", "background", "direction"),
    [
        (YELLOW, MID_GREY, "darker"),  # white cannot reach 4.5 on mid-grey
        (YELLOW, WHITE, "darker"),
        (YELLOW, CREAM, "darker"),
        (RED, INK, "lighter"),
        (RED, BLACK, "lighter"),
        ((119, 119, 119), (118, 118, 118), "darker"),  # grey on grey: black is nearer than white
        ((255, 0, 0), (0, 0, 255), "lighter"),
        ((60, 90, 200), (40, 40, 60), "lighter"),
        ((90, 160, 90), (70, 140, 70), "darker"),
    ],
)
def test_ensure_contrast_reaches_the_ratio_keeping_the_hue(colour, background, direction):
    result = ensure_contrast(colour, background)

    assert _contrast(result, background) >= MIN_CONTRAST
    hue, lightness, saturation = _hls(colour)
    new_hue, new_lightness, _ = _hls(result)
    assert (new_lightness < lightness) if direction == "darker" else (new_lightness > lightness)
    if saturation > 0 and 0 < new_lightness < 1:
        # Rounding to 8 bits moves the hue a little, more so near black and white.
        assert min(abs(new_hue - hue), 1 - abs(new_hue - hue)) * 360 < 12


@pytest.mark.parametrize(
    ("colour", "background"), [(YELLOW, MID_GREY), (YELLOW, WHITE), (RED, INK), ((119, 119, 119), (118, 118, 118))]
)
def test_ensure_contrast_changes_the_colour_no_more_than_needed(colour, background):
    result = ensure_contrast(colour, background)

    # One lightness step (1/255) back toward the original colour no longer reaches the ratio.
    hue, lightness, saturation = _hls(result)
    step = 1 / 255 if lightness < _hls(colour)[1] else -1 / 255
    closer = tuple(round(c * 255) for c in colorsys.hls_to_rgb(hue, lightness + step, saturation))
    assert _contrast(closer, background) < MIN_CONTRAST


@pytest.mark.parametrize(("colour", "background"), [(INK, CREAM), (CREAM, INK), (WHITE, BLACK), (YELLOW, INK)])
def test_ensure_contrast_leaves_a_good_colour_unchanged(colour, background):
    assert _contrast(colour, background) >= MIN_CONTRAST

    assert ensure_contrast(colour, background) == colour


@pytest.mark.parametrize("ratio", [3.0, 7.0])
def test_ensure_contrast_takes_other_ratios(ratio):
    result = ensure_contrast(YELLOW, MID_GREY if ratio < 7 else INK, ratio)

    assert _contrast(result, MID_GREY if ratio < 7 else INK) >= ratio


@pytest.mark.parametrize(("background", "expected"), [(MID_GREY, BLACK), ((60, 60, 60), WHITE), (RED, WHITE)])
def test_ensure_contrast_falls_back_to_black_or_white(background, expected):
    # 21:1 needs pure black on pure white: no colour reaches it on these backgrounds.
    assert ensure_contrast(YELLOW, background, 21) == expected


def test_ensure_contrast_ignores_alpha_and_returns_plain_ints():
    result = ensure_contrast((246, 190, 64, 255), (128, 128, 128, 255))

    assert len(result) == 3
    assert all(type(c) is int for c in result)


@given(colour=colours, background=colours)
def test_ensure_contrast_always_does_its_best(colour, background):
    result = ensure_contrast(colour, background)

    best_possible = max(_contrast(BLACK, background), _contrast(WHITE, background))
    assert _contrast(result, background) >= min(MIN_CONTRAST, best_possible)
    if _contrast(colour, background) >= MIN_CONTRAST:
        assert result == colour


# --- text_on -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("background", "expected"),
    [(BLACK, WHITE), (INK, WHITE), (RED, WHITE), ((30, 60, 200), WHITE), (WHITE, INK), (CREAM, INK), (YELLOW, INK)],
)
def test_text_on_picks_the_better_default(background, expected):
    assert text_on(background) == expected


def test_text_on_uses_the_given_colours():
    light, dark = CREAM, (40, 10, 10)

    assert text_on(BLACK, light, dark) == light
    assert text_on(WHITE, light, dark) == dark


@given(background=colours)
def test_text_on_never_picks_the_weaker_contrast(background):
    chosen = text_on(background)
    other = INK if chosen == WHITE else WHITE

    assert _contrast(chosen, background) >= _contrast(other, background)
