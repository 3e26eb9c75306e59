"""Make docs/themes.jpg, the README's contact sheet: every built-in theme's cover, a text slide and closing.

Run from the repository root (with postkit installed):
    python docs/themes_image.py
"""

import shutil
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from postkit.pipeline import make_post
from postkit.resources import data_dir

THEMES = ("classic", "night", "poster", "minimal")
ROOT = Path(__file__).resolve().parents[1]
width, gap, label = 300, 20, 44
height = round(width * 1350 / 1080)
sheet = Image.new("RGB", (3 * width + 4 * gap, len(THEMES) * (height + label + gap) + gap), (255, 255, 255))
draw = ImageDraw.Draw(sheet)
font = ImageFont.truetype(str(data_dir("fonts") / "inter" / "Inter-SemiBold.ttf"), 24)
with tempfile.TemporaryDirectory() as tmp:
    example = Path(tmp) / "example"
    shutil.copytree(ROOT / "examples" / "october-revolution", example, ignore=shutil.ignore_patterns("*.py"))
    for row, theme in enumerate(THEMES):
        post = make_post(example / "article.txt", theme=theme, out=Path(tmp) / theme)
        slides = sorted(post.folder.glob("*.jpg"))
        top = gap + row * (height + label + gap)
        draw.text((gap, top + 6), theme, font=font, fill=(30, 30, 30))
        for column, path in enumerate((slides[0], slides[2], slides[-1])):
            with Image.open(path) as slide:
                sheet.paste(
                    slide.resize((width, height), Image.Resampling.LANCZOS), (gap + column * (width + gap), top + label)
                )
sheet.save(Path(__file__).parent / "themes.jpg", quality=85, optimize=True)
