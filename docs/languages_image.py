"""Make docs/languages.jpg: the same kind of post in English, Russian, Arabic and Japanese, side by side.

Run from the repository root (fonts-noto-cjk installed for the Japanese post):
    python docs/languages_image.py

Each row is a post postkit makes from a real article (the English example and three articles of
tests/corpus, see tests/corpus/SOURCES.md): its cover, first text slide and closing slide.
"""

import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from postkit.pipeline import make_post  # noqa: E402

ARTICLES = [
    ("English", ROOT / "examples" / "october-revolution" / "article.txt"),
    ("Русский", ROOT / "tests" / "corpus" / "ru-oktyabrskaya-revolyutsiya.md"),
    ("العربية", ROOT / "tests" / "corpus" / "ar-althawra-alfaransiya.txt"),
    ("日本語", ROOT / "tests" / "corpus" / "ja-osei-fukko.txt"),
]
WIDTH, GAP = 300, 16


def main() -> None:
    rows: list[tuple[str, list[Image.Image]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, article in ARTICLES:
            post = make_post(article, out=Path(tmp) / article.stem)
            kinds = [plan.kind for plan in post.plans]
            numbers = [1, kinds.index("text") + 1, len(kinds)]
            rows.append((name, [Image.open(post.folder / f"{n:02d}.jpg").convert("RGB") for n in numbers]))
        height = round(WIDTH * rows[0][1][0].height / rows[0][1][0].width)
        sheet = Image.new("RGB", (3 * WIDTH + 4 * GAP, len(rows) * (height + GAP) + GAP), (255, 255, 255))
        for row, (_, slides) in enumerate(rows):
            for column, slide in enumerate(slides):
                thumb = slide.resize((WIDTH, height), Image.Resampling.LANCZOS)
                sheet.paste(thumb, (GAP + column * (WIDTH + GAP), GAP + row * (height + GAP)))
    sheet.save(Path(__file__).parent / "languages.jpg", quality=88, optimize=True)


if __name__ == "__main__":
    main()
