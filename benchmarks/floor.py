"""The floor of the stack: bare Pillow drawing N plain text cards and saving them as JPEG.

No layout engine, no illustration, no checks: a solid background, ~90 words of body text in
EB Garamond 50 px wrapped naively with font.getlength, a small label, saved like postkit saves
(quality=92, subsampling=0, optimize=True). bench.py runs it as a whole process, as it runs
`postkit carousel`, so both figures include Python start-up.

    python benchmarks/floor.py --cards 10 --out /tmp/floor
"""

import argparse
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
FONT = ROOT / "fonts" / "eb-garamond" / "EBGaramond-Regular.ttf"
SIZE = (1080, 1350)
MARGIN = 96
TEXT = (
    "On the night of the seventh of November the Red Guards of Petrograd took the bridges, "
    "the telegraph and the railway stations almost without a shot. By morning the Provisional "
    "Government of Russia held only the Winter Palace, where ministers waited for troops that "
    "never came. "
    "The cruiser Aurora fired a blank round, the palace was entered late that night, and the "
    "Congress of Soviets, meeting in the Smolny Institute, heard that power had passed to it. "
    "Few in the city that morning noticed that a new state had begun."
)


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


def draw_card(index: int, body: ImageFont.FreeTypeFont,
              label: ImageFont.FreeTypeFont) -> Image.Image:
    card = Image.new("RGB", SIZE, (244, 238, 225))
    draw = ImageDraw.Draw(card)
    y = MARGIN * 2
    for line in wrap(TEXT, body, SIZE[0] - 2 * MARGIN):
        draw.text((MARGIN, y), line, font=body, fill=(34, 30, 26))
        y += 70
    draw.text((MARGIN, SIZE[1] - MARGIN), f"@history  {index}", font=label, fill=(120, 110, 98))
    return card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=9, help="how many cards to draw (default 9)")
    parser.add_argument("--out", type=Path, help="folder for the JPEGs (default: a new temp dir)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="floor-"))
    out.mkdir(parents=True, exist_ok=True)
    body = ImageFont.truetype(str(FONT), 50)
    label = ImageFont.truetype(str(FONT), 28)
    for i in range(1, args.cards + 1):
        card = draw_card(i, body, label)
        card.save(out / f"{i:02d}.jpg", quality=92, subsampling=0, optimize=True)


if __name__ == "__main__":
    main()
