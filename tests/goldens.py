"""Golden images: small renders of the example in every built-in theme, compared tile by tile.

Regenerate them (after a deliberate change of look) from the repository root with:
    python tests/goldens.py

They are made with Pillow's raqm layout engine (HarfBuzz shaping and kerning); the basic engine sets
every line differently, so without raqm the goldens are neither compared nor regenerated.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageStat

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
THEMES = ("classic", "night", "poster", "minimal")
SLIDES = ("01", "03")  # the cover and a text slide
SIZE = (216, 270)  # a fifth of the 1080 x 1350 card, box-filtered

# The comparison: the mean absolute difference (0-255, over R, G and B) of every TILE x TILE square of
# the golden, the squares overlapping by half (so any change up to STRIDE px square lies whole in one),
# and the largest of them against THRESHOLD. A whole-image mean dilutes a change confined to a line of
# text (an accent colour from red to blue: 0.67 on classic-03) below any tolerance that noise needs.
#
# Measured on the 8 goldens, the largest tile difference at 24/12 (the whole-image mean in brackets):
#   noise:   a fresh render here                                  0.00
#            JPEG quality 100 / 85 / 70 instead of 92             0.47 / 0.71 / 1.67  (0.31 / 0.47 / 1.40)
#            the card blurred (Gaussian, 0.5 px) before scaling   1.26                (0.38)
#            the card sharpened (unsharp mask 1 px, 50%)          2.11                (0.78)
#   changes: classic's accent #9B2D20 to blue #202D9B             10.03 on classic-03 (0.67)
#            minimal's accent #1B1B1B to #202D9B                  3.50 / 2.33 on minimal-01 / -03
#            the ink lighter by 16 / 24 / 32 on classic-03        2.27 / 3.41 / 4.53  (0.52 / 0.78 / 1.03)
#            the body text 1 px lower (margins.top + 1)           5.53 - 8.00 on night, poster, minimal-03
#            the text at the foot 1 px higher (margins.bottom+1)  1.91 - 7.32; 2 px: 3.66 - 11.89
#            the whole card 1 px to the right                     6.04 - 11.56        (1.21 - 3.86)
#            the basic layout engine instead of raqm              12.96 - 41.29       (0.53 - 8.77)
# Smaller tiles raise both: 16/8 gives the accent change 12.52 but the sharpened card 2.22. Larger ones
# sink the change toward the noise: at 32/16 and 48/24 the accent change is 7.29 and 4.58, the ink's
# +24 is 2.70 and 2.61 against sharpening's 1.87 and 1.76. (Pixels of SIZE: a tile is 120 px of the card.)
TILE = 24
STRIDE = TILE // 2
# So it lets through a 16-level change of the ink (2.27) and minimal's accent on minimal-03 (2.33).
THRESHOLD = 3.0  # above all the noise measured (2.11), below a 24-level change of the ink (3.41)
AMPLIFY = 8  # diff.png shows the difference this many times over


@dataclass(frozen=True)
class Comparison:
    """How far an image is from its golden: the worst tile and the whole-image mean, 0-255."""

    worst: float
    box: tuple[int, int, int, int]  # the worst tile, (left, top, right, bottom) in pixels of SIZE
    mean: float

    @property
    def passed(self) -> bool:
        return self.worst <= THRESHOLD


def render(theme: str, folder: Path, colors: Mapping[str, str] | None = None) -> dict[str, Image.Image]:
    """Render the bundled example in ``theme`` and return its golden slides, downscaled.

    :param colors: theme colours to change (e.g. ``{"accent": "#202D9B"}``): the example is then made
        with a theme in ``folder`` that extends ``theme`` and sets only these.
    """
    from postkit.pipeline import make_post

    example = folder / "example"
    if not example.exists():
        shutil.copytree(ROOT / "examples" / "october-revolution", example, ignore=shutil.ignore_patterns("*.py"))
    name, theme_dirs = theme, ()
    if colors:
        name = f"{theme}-changed"
        variant = folder / "themes" / name
        variant.mkdir(parents=True, exist_ok=True)
        lines = [f'extends = "{theme}"', f'name = "{name}"', "[colors]"]
        lines += [f'{key} = "{value}"' for key, value in colors.items()]
        (variant / "theme.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        theme_dirs = (folder / "themes",)
    post = make_post(example / "article.txt", theme=name, theme_dirs=theme_dirs, out=folder / name, force=True)
    images = {}
    for number in SLIDES:
        with Image.open(post.folder / f"{number}.jpg") as slide:
            images[f"{theme}-{number}.png"] = slide.convert("RGB").resize(SIZE, Image.Resampling.BOX)
    return images


def _starts(length: int) -> list[int]:
    """Return where tiles start along one side: every STRIDE, the last one flush with the edge."""
    if length <= TILE:
        return [0]
    return [*range(0, length - TILE, STRIDE), length - TILE]


def compare(actual: Image.Image, expected: Image.Image) -> Comparison:
    """Compare two images of the same size tile by tile (see TILE, STRIDE and THRESHOLD)."""
    if actual.size != expected.size:
        msg = f"the image is {actual.size[0]}x{actual.size[1]}, its golden {expected.size[0]}x{expected.size[1]}"
        raise ValueError(msg)
    difference = ImageChops.difference(actual.convert("RGB"), expected.convert("RGB"))
    width, height = difference.size
    worst, box = -1.0, (0, 0, 0, 0)
    for top in _starts(height):
        for left in _starts(width):
            tile = (left, top, min(left + TILE, width), min(top + TILE, height))
            value = sum(ImageStat.Stat(difference.crop(tile)).mean) / 3
            if value > worst:
                worst, box = value, tile
    return Comparison(worst=worst, box=box, mean=sum(ImageStat.Stat(difference).mean) / 3)


def save_failure(folder: Path, actual: Image.Image, expected: Image.Image, comparison: Comparison) -> list[Path]:
    """Write expected.png, actual.png and diff.png (amplified, the worst tile outlined) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    diff = ImageChops.difference(actual.convert("RGB"), expected.convert("RGB"))
    diff = diff.point(lambda value: min(255, value * AMPLIFY))
    left, top, right, bottom = comparison.box
    ImageDraw.Draw(diff).rectangle((left, top, right - 1, bottom - 1), outline=(0, 255, 0))
    paths = [folder / "expected.png", folder / "actual.png", folder / "diff.png"]
    for path, image in zip(paths, (expected, actual, diff), strict=True):
        image.save(path)
    return paths


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from postkit.fonts import layout_engine_name

    if layout_engine_name() != "raqm":
        sys.exit("Pillow here has no raqm layout engine; the goldens are made with raqm (HarfBuzz, FriBiDi)")
    GOLDEN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for theme in THEMES:
            for name, image in render(theme, Path(tmp)).items():
                image.save(GOLDEN / name, optimize=True)
                print(f"wrote {GOLDEN / name}")


if __name__ == "__main__":
    main()
