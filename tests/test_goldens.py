"""Each built-in theme still looks as it did: the example's cover and a text slide against goldens.

The comparison is tile by tile (see goldens.compare and the measurements beside THRESHOLD): a change
of colour in one line of text fails it, where a whole-image mean let it through.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from goldens import GOLDEN, SLIDES, THEMES, THRESHOLD, TILE, compare, render, save_failure
from PIL import Image

from postkit.fonts import layout_engine_name
from postkit.themes import load_theme

# Every golden has text, and the basic engine sets all of it differently (kerning, no shaping): its
# renders differ from the goldens by 12.96 to 41.29 on the worst tile, so without raqm none can pass.
pytestmark = pytest.mark.skipif(
    layout_engine_name() != "raqm",
    reason="the goldens are set with Pillow's raqm layout engine (HarfBuzz, FriBiDi), which this Pillow lacks; "
    "the basic engine sets every line differently",
)

GOLDENS = [f"{theme}-{number}.png" for theme in THEMES for number in SLIDES]
# Shown by classic-03: the date line over the text is in the accent, the text in the ink.
SLIDE = "classic-03.png"
BLUE = "#202D9B"  # classic's accent red, #9B2D20, with red and blue swapped


def lighter(rgb: tuple[int, int, int], by: int) -> str:
    return "#" + "".join(f"{min(255, value + by):02X}" for value in rgb)


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    """Return a theme's golden slides rendered here, with some colours changed; each made once a module."""
    made: dict[tuple, dict[str, Image.Image]] = {}

    def get(theme: str, colors: dict[str, str] | None = None) -> dict[str, Image.Image]:
        key = (theme, tuple(sorted((colors or {}).items())))
        if key not in made:
            made[key] = render(theme, tmp_path_factory.mktemp(theme), colors)
        return made[key]

    return get


def golden(name: str) -> Image.Image:
    with Image.open(GOLDEN / name) as image:
        return image.convert("RGB")


@pytest.mark.parametrize("name", GOLDENS, ids=[Path(n).stem for n in GOLDENS])
def test_slide_matches_its_golden(name, renders, tmp_path):
    theme = name.rsplit("-", 1)[0]
    actual, expected = renders(theme)[name], golden(name)
    result = compare(actual, expected)
    if not result.passed:
        paths = save_failure(tmp_path / Path(name).stem, actual, expected, result)
        pytest.fail(
            f"{name}: the {TILE} px tile at {result.box} differs by {result.worst:.2f}, over {THRESHOLD} "
            f"(whole-image mean {result.mean:.2f}); expected, actual and difference: "
            + ", ".join(str(p) for p in paths)
            + "\nIf the change of look is intended, regenerate the goldens: python tests/goldens.py"
        )


@pytest.mark.parametrize(
    "change",
    [
        # Whole-image means 0.67 and 1.03, under the old tolerance of 2.0; worst tiles 10.03 and 4.53.
        pytest.param(lambda colors: {"accent": BLUE}, id="accent-red-to-blue"),
        pytest.param(lambda colors: {"ink": lighter(colors["ink"], 32)}, id="ink-lighter-by-32"),
    ],
)
def test_a_colour_change_fails_the_comparison(change, renders):
    expected = golden(SLIDE)
    assert compare(renders("classic")[SLIDE], expected).passed
    colors = change(load_theme("classic").colors)
    result = compare(renders("classic", colors)[SLIDE], expected)
    assert result.worst > THRESHOLD, f"{colors} changed {SLIDE} by {result.worst:.2f} at most, within {THRESHOLD}"


def test_a_failure_saves_expected_actual_and_difference(renders, tmp_path):
    expected, actual = golden(SLIDE), renders("classic", {"accent": BLUE})[SLIDE]
    result = compare(actual, expected)
    paths = save_failure(tmp_path / "classic-03", actual, expected, result)
    assert [p.name for p in paths] == ["expected.png", "actual.png", "diff.png"]
    with Image.open(paths[0]) as saved_expected, Image.open(paths[1]) as saved_actual:
        assert saved_expected.convert("RGB").tobytes() == expected.tobytes()
        assert saved_actual.convert("RGB").tobytes() == actual.tobytes()
    with Image.open(paths[2]) as diff:
        assert diff.size == expected.size
        left, top, right, bottom = result.box
        inside = diff.convert("L").crop((left + 1, top + 1, right - 1, bottom - 1))
        assert inside.getextrema()[1] > 0, "diff.png shows nothing where the worst tile differs"
