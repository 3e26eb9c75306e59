"""Downscale a source picture for the corpus: at most 1600 px on the long side, sRGB JPEG q88.

Usage: python tests/corpus/tools/downscale.py SOURCE DEST.jpg

Re-run it on the files named in tests/corpus/SOURCES.md to rebuild the corpus pictures;
the same source gives the same bytes (fixed quality and subsampling, no metadata).
"""

import sys
from pathlib import Path

from PIL import Image, ImageOps

LONG_SIDE = 1600
QUALITY = 88


def downscale(source: Path, dest: Path) -> tuple[int, int]:
    """Write SOURCE as a JPEG no larger than LONG_SIDE px to DEST; return its size."""
    with Image.open(source) as image:
        picture = ImageOps.exif_transpose(image)
        if picture.mode in ("RGBA", "LA", "P"):
            # Flatten transparency onto white: JPEG has no alpha and black would show through.
            rgba = picture.convert("RGBA")
            picture = Image.new("RGB", rgba.size, (255, 255, 255))
            picture.paste(rgba, mask=rgba.getchannel("A"))
        else:
            picture = picture.convert("RGB")
        picture.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
        picture.save(dest, "JPEG", quality=QUALITY, subsampling=0, optimize=True)
        return picture.size


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    width, height = downscale(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{sys.argv[2]}: {width}x{height}")
