"""Make docs/networks.jpg: the example as an Instagram carousel, a Bluesky thread and LinkedIn's PDF pages.

Run from the repository root (needs pdftoppm, from poppler-utils, to draw the PDF's pages):
    python docs/networks_image.py

Each column is drawn from the exported files: the Bluesky posts' texts and images from its
manifest.json, LinkedIn's pages rendered from document.pdf by poppler, not from the slides.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from postkit.export import export_post  # noqa: E402
from postkit.pipeline import make_post  # noqa: E402

ARTICLE = ROOT / "examples" / "october-revolution" / "article.txt"
FONT = ROOT / "fonts" / "inter" / "Inter-Regular.ttf"
BOLD = ROOT / "fonts" / "inter" / "Inter-SemiBold.ttf"
COLUMN, GAP, INK, GREY = 420, 28, (20, 20, 24), (110, 110, 120)


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path if path.is_file() else FONT), size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if draw.textlength(candidate, font=font) > width and line:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def _thumb(path: Path, width: int) -> Image.Image:
    image = Image.open(path).convert("RGB")
    return image.resize((width, round(width * image.height / image.width)), Image.Resampling.LANCZOS)


def _instagram(post: Path) -> Image.Image:
    cover = _thumb(post / "01.jpg", COLUMN)
    small = (COLUMN - 2 * 8) // 3
    thumbs = [_thumb(post / f"{k:02d}.jpg", small) for k in (2, 3, 10)]
    column = Image.new("RGB", (COLUMN, cover.height + 8 + thumbs[0].height), "white")
    column.paste(cover, (0, 0))
    for k, thumb in enumerate(thumbs):
        column.paste(thumb, (k * (small + 8), cover.height + 8))
    return column


def _bluesky(folder: Path) -> Image.Image:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    font = _font(FONT, 15)
    column = Image.new("RGB", (COLUMN, 2400), "white")
    draw = ImageDraw.Draw(column)
    y = 0
    for item in manifest["posts"]:
        draw.rounded_rectangle((0, y, COLUMN - 1, y + 10), radius=4, fill=(240, 243, 248))
        y += 16
        for line in _wrap(draw, item["text"], font, COLUMN - 20):
            draw.text((10, y), line, font=font, fill=INK)
            y += 20
        y += 6
        images = item["images"]
        cell = (COLUMN - 20 - 6) // 2
        for k, image in enumerate(images):
            thumb = _thumb(folder / image["file"], cell)
            thumb = thumb.crop((0, 0, cell, round(cell * 0.8)))
            column.paste(thumb, (10 + (k % 2) * (cell + 6), y + (k // 2) * (thumb.height + 6)))
        rows = (len(images) + 1) // 2
        y += rows * (round(cell * 0.8) + 6) + 18
    return column.crop((0, 0, COLUMN, y))


def _linkedin(folder: Path, tmp: Path) -> Image.Image:
    prefix = tmp / "page"
    subprocess.run(["pdftoppm", "-r", "30", "-f", "1", "-l", "4", "-png", str(folder / "document.pdf"), str(prefix)],
                   check=True)  # fmt: skip
    pages = [_thumb(page, (COLUMN - 8) // 2) for page in sorted(tmp.glob("page-*.png"))]
    column = Image.new("RGB", (COLUMN, 2 * (pages[0].height + 8)), "white")
    for k, page in enumerate(pages):
        ImageDraw.Draw(page).rectangle((0, 0, page.width - 1, page.height - 1), outline=(200, 200, 205))
        column.paste(page, ((k % 2) * (page.width + 8), (k // 2) * (page.height + 8)))
    return column


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        post = make_post(ARTICLE, out=tmp / "post").folder
        export_post(post, "bluesky,linkedin", handles={"bluesky": "themagickalearth.bsky.social"})
        columns = [
            ("Instagram: a carousel of 10", _instagram(post)),
            ("Bluesky: a thread of 3 posts", _bluesky(tmp / "post.bluesky")),
            ("LinkedIn: document.pdf, by poppler", _linkedin(tmp / "post.linkedin", tmp)),
        ]
    title = _font(BOLD, 20)
    height = max(c.height for _, c in columns) + 3 * GAP
    sheet = Image.new("RGB", (len(columns) * (COLUMN + GAP) + GAP, height), "white")
    draw = ImageDraw.Draw(sheet)
    for k, (label, column) in enumerate(columns):
        x = GAP + k * (COLUMN + GAP)
        draw.text((x, GAP // 2), label, font=title, fill=GREY)
        sheet.paste(column, (x, 2 * GAP))
    sheet.save(Path(__file__).parent / "networks.jpg", quality=86, optimize=True)


if __name__ == "__main__":
    main()
