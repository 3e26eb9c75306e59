"""Make docs/reel.jpg: frames of the example's Reel, decoded from reel.mp4 (needs the video extra).

Run from the repository root:
    python docs/reel_image.py

Five frames: the cover as it starts and as its slow zoom ends, the cross-fade to the first text card,
that card in the middle of its reading time, and the closing card.
"""

import json
import sys
import tempfile
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from postkit.reel import make_reel  # noqa: E402

ARTICLE = ROOT / "examples" / "october-revolution" / "article.txt"
FONT = ROOT / "fonts" / "inter" / "Inter-Medium.ttf"
WIDTH, GAP = 300, 16


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_reel(ARTICLE, out=Path(tmp) / "example.reel").folder
        shots = json.loads((folder / "reel.json").read_text(encoding="utf-8"))["shots"]
        cover, first, closing = shots[0], shots[1], shots[-1]
        wanted = {
            2: "0.1 s: the cover",
            cover["end"] - 8: f"{(cover['end'] - 8) / 30:.1f} s: its zoom",
            cover["end"]: f"{cover['end'] / 30:.1f} s: the cross-fade",
            (first["start"] + first["end"]) // 2: f"{(first['start'] + first['end']) / 60:.1f} s: a text card",
            closing["end"] - 15: f"{(closing['end'] - 15) / 30:.1f} s: the closing card",
        }
        frames = {}
        with av.open(str(folder / "reel.mp4")) as container:
            for index, frame in enumerate(container.decode(video=0)):
                if index in wanted:
                    frames[index] = frame.to_image()
    font = ImageFont.truetype(str(FONT), 17)
    height = round(WIDTH * 1920 / 1080)
    sheet = Image.new("RGB", (GAP + len(wanted) * (WIDTH + GAP), height + 3 * GAP + 10), "white")
    draw = ImageDraw.Draw(sheet)
    for k, index in enumerate(sorted(wanted)):
        x = GAP + k * (WIDTH + GAP)
        sheet.paste(frames[index].resize((WIDTH, height), Image.Resampling.LANCZOS), (x, GAP))
        draw.text((x, height + GAP + 8), wanted[index], font=font, fill=(90, 90, 100))
    sheet.save(Path(__file__).parent / "reel.jpg", quality=86, optimize=True)


if __name__ == "__main__":
    main()
