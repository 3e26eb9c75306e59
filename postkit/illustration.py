"""Load the illustration as upright 8-bit sRGB and crop it to fill a card box."""

from __future__ import annotations

import io
import math
import os
import re
import struct
import warnings
import zlib
from pathlib import Path

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from postkit.errors import ImageError

try:
    from PIL import ImageCms
except ImportError:  # Pillow built without LittleCMS: embedded profiles are ignored
    ImageCms = None

MAX_PIXELS = 89_478_485  # Pillow's default DecompressionBomb warning threshold; above it we refuse

# Transparent areas become this dark neutral grey rather than black, so a logo with
# transparency stays readable and never looks like missing data.
BACKGROUND = (0x1A, 0x1A, 0x1A)

_DRAFT_FORMATS = {"JPEG", "MPO"}
_AXES_SWAPPED = {5, 6, 7, 8}  # EXIF orientations that turn the stored image by 90 degrees
_ALPHA_MODES = {"RGBA", "RGBa", "LA", "La", "PA"}
_GREY_MODES = {"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")
# Decoders report broken data with whichever of these their parser happens to hit.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


def load_illustration(path: str | os.PathLike, min_size: tuple[int, int] | None = None) -> Image.Image:
    """Open an illustration as an 8-bit RGB image, upright, in sRGB.

    With ``min_size`` a JPEG is decoded at 1/2, 1/4 or 1/8 scale when that still covers
    ``min_size`` (after EXIF rotation) without upscaling.
    """
    name = _printable(os.fsdecode(path))
    _check_file(Path(path), name)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as image:
                _check_pixels(name, image.width * image.height)
                if min_size is not None:
                    _draft(image, min_size)
                # Decode everything now so truncated or broken data fails here, not mid-render.
                image.load()
                upright = ImageOps.exif_transpose(image)
                return _to_srgb(upright)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            found = _BOMB_PIXELS.search(str(exc))
            msg = _too_large_message(name, int(found.group(1)) if found else None)
            raise ImageError(msg) from None
        except UnidentifiedImageError:
            msg = f"{name} is not an image Pillow can read (JPEG, PNG, WebP, GIF, TIFF...); export it as JPEG or PNG"
            raise ImageError(msg) from None
        except FileNotFoundError:
            msg = f"{name}: no such file; check the --image path or remove the image: key"
            raise ImageError(msg) from None
        except IsADirectoryError:
            msg = _folder_message(name)
            raise ImageError(msg) from None
        except PermissionError as exc:
            msg = f"cannot read {name} ({exc.strerror or exc}); check its permissions"
            raise ImageError(msg) from None
        except _DECODE_ERRORS as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            msg = f"{name} is damaged or incomplete ({reason}); export or download it again"
            raise ImageError(msg) from None


def cover(image: Image.Image, size: tuple[int, int], focus: tuple[float, float] = (0.5, 0.5)) -> Image.Image:
    """Scale and crop the image to fill size exactly, without distortion.

    ``focus`` (fractions of width and height) stays as central as the edges allow.
    """
    width, height = size
    if image.size == (width, height):
        return image.copy()
    scale = max(width / image.width, height / image.height)
    # min(): rounding can make the fitting side a hair longer than the image.
    crop_w, crop_h = min(width / scale, image.width), min(height / scale, image.height)
    fx, fy = (min(max(float(f), 0.0), 1.0) if math.isfinite(f) else 0.5 for f in focus)
    left = max(min(fx * image.width - crop_w / 2, image.width - crop_w), 0.0)
    top = max(min(fy * image.height - crop_h / 2, image.height - crop_h), 0.0)
    # One resample straight from the crop box: no intermediate copy, sub-pixel exact.
    return image.resize(
        (width, height), Image.Resampling.LANCZOS, box=(left, top, left + crop_w, top + crop_h), reducing_gap=3.0
    )


def _printable(name: str) -> str:
    # Error messages must stay on one line even for a file name with control characters.
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def _folder_message(name: str) -> str:
    return f"{name} is a folder, not an image; point --image or the image: key at a JPEG or PNG"


def _check_file(path: Path, name: str) -> None:
    try:
        if path.is_dir():
            msg = _folder_message(name)
            raise ImageError(msg)
        if not path.exists():
            msg = f"{name}: no such file; check the --image path or remove the image: key"
            raise ImageError(msg)
        if not path.is_file():
            msg = f"{name} is not a regular file; point --image or the image: key at a JPEG or PNG"
            raise ImageError(msg)
        empty = path.stat().st_size == 0
    except OSError as exc:
        msg = f"cannot read {name} ({exc.strerror or exc}); check its permissions"
        raise ImageError(msg) from None
    if empty:
        msg = f"{name} is empty (0 bytes); export the illustration again as JPEG or PNG"
        raise ImageError(msg)


def _check_pixels(name: str, pixels: int) -> None:
    # Our own check, from the header: Image.MAX_IMAGE_PIXELS may have been raised or disabled.
    if pixels > MAX_PIXELS:
        msg = _too_large_message(name, pixels)
        raise ImageError(msg)


def _too_large_message(name: str, pixels: int | None) -> str:
    count = f"{pixels:,} pixels" if pixels is not None else "too many pixels"
    return (
        f"{name} is too large ({count}, the limit is {MAX_PIXELS:,}); downscale it below that "
        "(4000x5000 is plenty for 1080x1350 cards)"
    )


def _draft(image: Image.Image, min_size: tuple[int, int]) -> None:
    """Ask the JPEG decoder for the smallest 1/2^n scale that cover() won't need to upscale."""
    if image.format not in _DRAFT_FORMATS:
        return
    want_w, want_h = min_size
    if image.getexif().get(ExifTags.Base.Orientation) in _AXES_SWAPPED:
        want_w, want_h = want_h, want_w
    scale = max(want_w / image.width, want_h / image.height)
    if scale >= 0.5:
        return  # no 1/2^n reduction can keep the size
    image.draft("RGB", (math.ceil(image.width * scale), math.ceil(image.height * scale)))


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert any mode to 8-bit RGB in sRGB; composite transparency over BACKGROUND."""
    icc = image.info.get("icc_profile")
    if image.mode == "La":
        image = image.convert("LA")
    alpha = None
    if image.mode in _ALPHA_MODES or "transparency" in image.info:
        alpha = image.convert("RGBA").getchannel("A")
    if image.mode in _GREY_MODES:
        colour = _grey_to_8bit(image)
    elif image.mode in {"RGB", "CMYK"}:
        colour = image
    else:
        colour = image.convert("RGB")
    rgb = _apply_profile(colour, icc)
    if alpha is not None and alpha.getextrema() != (255, 255):
        background = Image.new("RGB", rgb.size, BACKGROUND)
        background.paste(rgb, mask=alpha)
        rgb = background
    rgb.info.pop("icc_profile", None)
    rgb.info.pop("transparency", None)
    return rgb


def _grey_to_8bit(image: Image.Image) -> Image.Image:
    """Map 1/L/LA/16-bit/32-bit/float grey to mode L, scaling the range rather than clipping."""
    if image.mode in {"1", "L", "LA"}:
        return image.convert("L")
    if image.mode.startswith("I;16"):
        return image.convert("I").point(lambda v: v / 256).convert("L")
    low, high = image.getextrema()
    if image.mode == "I" and low >= 0 and high <= 65535:
        # Pillow reads 16-bit PGM/PPM files as "I" with a 0..65535 range.
        return image.point(lambda v: v / 256).convert("L")
    if image.mode == "F" and low >= 0 and high <= 1:
        return image.point(lambda v: v * 255).convert("L")
    if image.mode == "F" and low >= 0 and high <= 255:
        return image.convert("L")
    span = (high - low) or 1
    return image.point(lambda v: (v - low) * 255 / span).convert("L")


def _apply_profile(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert from the embedded ICC profile to sRGB; fall back to a plain conversion."""
    if icc and ImageCms is not None:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if image.mode == "RGB" and ImageCms.getProfileDescription(source).startswith("sRGB"):
                return image
            return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken or mismatched profile is no reason to refuse the picture
    return image if image.mode == "RGB" else image.convert("RGB")
