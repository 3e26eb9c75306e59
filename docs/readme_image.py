"""Make docs/example.jpg, the README's picture: three slides of a post side by side.

Run from the repository root after rendering the example:
    postkit carousel examples/october-revolution/article.txt --force
    python docs/readme_image.py out/1917-11-07-october-revolution 01 03 10
"""

import sys
from pathlib import Path

from PIL import Image

folder, *numbers = sys.argv[1:]
slides = [Image.open(Path(folder) / f"{n}.jpg") for n in numbers]
width, gap = 420, 24
height = round(width * slides[0].height / slides[0].width)
strip = Image.new("RGB", (len(slides) * width + (len(slides) + 1) * gap, height + 2 * gap), (255, 255, 255))
for k, slide in enumerate(slides):
    strip.paste(slide.resize((width, height), Image.Resampling.LANCZOS), (gap + k * (width + gap), gap))
strip.save(Path(__file__).parent / "example.jpg", quality=88, optimize=True)
