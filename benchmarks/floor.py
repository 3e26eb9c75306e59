"""The floor of the stack: bare Pillow drawing N text cards with postkit's fonts, picture and JPEG settings.

No layout engine, no checks: the example's illustration decoded once and cropped onto the cover (with
a plain dark band behind the title) and as a band at the top of each text card; ~90 words of body
text in EB Garamond 54 px (the example's size) wrapped naively with font.getlength; labels in Inter;
saved as postkit saves (quality 92, 4:4:4 chroma, no optimize pass, no metadata). bench.py runs it as
a whole process, as it runs `postkit carousel`, so both figures include Python start-up.

    python benchmarks/floor.py --cards 10 --out /tmp/floor
"""

import argparse
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
BODY = ROOT / "fonts" / "eb-garamond" / "EBGaramond-Regular.ttf"
LABEL = ROOT / "fonts" / "inter" / "Inter-Medium.ttf"
TITLE = ROOT / "fonts" / "postkit-display" / "PostkitDisplay-Bold.ttf"
PICTURE = ROOT / "examples" / "october-revolution" / "article.jpg"
SIZE = (1080, 1350)
MARGIN = 96
BAND = 202
TEXT = (
    "On the night of the seventh of November the Red Guards of Petrograd took the bridges, "
    "the telegraph and the railway stations almost without a shot. By morning the Provisional "
    "Government of Russia held only the Winter Palace, where ministers waited for troops that "
    "never came. "
    "The cruiser Aurora fired a blank round, the palace was entered late that night, and the "
    "Congress of Soviets, meeting in the Smolny Institute, heard that power had passed to it. "
    "Few in the city that morning noticed that a new state had begun."
)
JPEG = {"quality": 92, "subsampling": 0, "optimize": False}


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and font.getlength(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines


def crop_to(picture: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale and centre-crop the picture to fill ``size``."""
    scale = max(size[0] / picture.width, size[1] / picture.height)
    w, h = size[0] / scale, size[1] / scale
    left, top = (picture.width - w) / 2, (picture.height - h) / 2
    return picture.resize(size, Image.Resampling.LANCZOS, box=(left, top, left + w, top + h), reducing_gap=3.0)


def draw_cover(picture: Image.Image, title: ImageFont.FreeTypeFont, label: ImageFont.FreeTypeFont) -> Image.Image:
    card = crop_to(picture, SIZE)
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 800, SIZE[0], SIZE[1]), fill=(20, 16, 14))
    draw.text((MARGIN, 890), "October", font=title, fill=(255, 255, 255))
    draw.text((MARGIN, 1029), "Revolution", font=title, fill=(255, 255, 255))
    draw.text((MARGIN, 1243), "@history", font=label, fill=(255, 255, 255))
    return card


def draw_card(
    index: int, band: Image.Image, body: ImageFont.FreeTypeFont, label: ImageFont.FreeTypeFont
) -> Image.Image:
    card = Image.new("RGB", SIZE, (244, 238, 225))
    card.paste(band, (0, 0))
    draw = ImageDraw.Draw(card)
    y = BAND + MARGIN
    for line in wrap(TEXT, body, SIZE[0] - 2 * MARGIN):
        draw.text((MARGIN, y), line, font=body, fill=(34, 30, 26))
        y += 78
    draw.text((MARGIN, SIZE[1] - MARGIN), f"@history  {index}", font=label, fill=(120, 110, 98))
    return card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10, help="how many cards to draw (default 10)")
    parser.add_argument("--out", type=Path, help="folder for the JPEGs (default: a new temp dir)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="floor-"))
    out.mkdir(parents=True, exist_ok=True)
    body = ImageFont.truetype(str(BODY), 54)
    label = ImageFont.truetype(str(LABEL), 26)
    title = ImageFont.truetype(str(TITLE), 120)
    with Image.open(PICTURE) as opened:
        picture = opened.convert("RGB")
    band = crop_to(picture, (SIZE[0], BAND))
    draw_cover(picture, title, label).save(out / "01.jpg", **JPEG)
    for i in range(2, args.cards + 1):
        draw_card(i, band, body, label).save(out / f"{i:02d}.jpg", **JPEG)


if __name__ == "__main__":
    main()
