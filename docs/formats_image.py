"""Make docs/formats.jpg: the example post in the four formats, each a column of its cover and a text slide.

Run from the repository root:
    python docs/formats_image.py
"""

import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from postkit.pipeline import make_post  # noqa: E402

ARTICLE = ROOT / "examples" / "october-revolution" / "article.txt"
FORMATS = ["portrait", "square", "landscape", "story"]
WIDTH, GAP = 260, 16


def main() -> None:
    columns: list[list[Image.Image]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in FORMATS:
            # A landscape card holds little text: the example needs more than the default 10 slides.
            post = make_post(ARTICLE, out=Path(tmp) / fmt, format=fmt, max_slides=20 if fmt == "landscape" else None)
            slides = [Image.open(post.folder / name).convert("RGB") for name in ("01.jpg", "03.jpg")]
            columns.append(
                [s.resize((WIDTH, round(WIDTH * s.height / s.width)), Image.Resampling.LANCZOS) for s in slides]
            )
    height = max(sum(t.height for t in column) + GAP for column in columns)
    sheet = Image.new("RGB", (len(columns) * (WIDTH + GAP) + GAP, height + 2 * GAP), (255, 255, 255))
    for k, column in enumerate(columns):
        y = GAP
        for thumb in column:
            sheet.paste(thumb, (GAP + k * (WIDTH + GAP), y))
            y += thumb.height + GAP
    sheet.save(Path(__file__).parent / "formats.jpg", quality=88, optimize=True)


if __name__ == "__main__":
    main()
