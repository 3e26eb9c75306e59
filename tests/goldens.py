"""Golden images: small renders of the example in every built-in theme, compared with a tolerance.

Regenerate them (after a deliberate change of look) from the repository root with:
    python tests/goldens.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageChops, ImageStat

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
THEMES = ("classic", "night", "poster", "minimal")
SLIDES = ("01", "03")  # the cover and a text slide
SIZE = (216, 270)


def render(theme: str, folder: Path) -> dict[str, Image.Image]:
    """Render the bundled example in ``theme`` and return its golden slides, downscaled."""
    from postkit.pipeline import make_post

    example = folder / "example"
    if not example.exists():
        shutil.copytree(ROOT / "examples" / "october-revolution", example, ignore=shutil.ignore_patterns("*.py"))
    post = make_post(example / "article.txt", theme=theme, out=folder / theme, force=True)
    images = {}
    for number in SLIDES:
        with Image.open(post.folder / f"{number}.jpg") as slide:
            images[f"{theme}-{number}.png"] = slide.convert("RGB").resize(SIZE, Image.Resampling.BOX)
    return images


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    """Return the mean absolute difference of two images, 0-255."""
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def main() -> None:
    sys.path.insert(0, str(ROOT))
    GOLDEN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for theme in THEMES:
            for name, image in render(theme, Path(tmp)).items():
                image.save(GOLDEN / name, optimize=True)
                print(f"wrote {GOLDEN / name}")


if __name__ == "__main__":
    main()
