"""Load the illustration as upright 8-bit sRGB, fit it to a card box, and read its focus and colours."""

from __future__ import annotations

import colorsys
import io
import math
import os
import re
import struct
import warnings
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PIL import (
    ExifTags,
    Image,
    ImageChops,
    ImageColor,
    ImageDraw,
    ImageFilter,
    ImageOps,
    ImageStat,
    UnidentifiedImageError,
)

from postkit.errors import ImageError
from postkit.safeio import printable

if TYPE_CHECKING:
    from postkit.layout import Picture

try:
    from PIL import ImageCms
except ImportError:  # Pillow built without LittleCMS: embedded profiles are ignored
    ImageCms = None  # type: ignore[assignment]

MAX_PIXELS = 89_478_485  # Pillow's default DecompressionBomb warning threshold; above it we refuse

# Transparent areas become this dark neutral grey rather than black, so a logo with
# transparency stays readable and never looks like missing data.
BACKGROUND = (0x1A, 0x1A, 0x1A)

_DRAFT_FORMATS = {"JPEG", "MPO"}
_AXES_SWAPPED = {5, 6, 7, 8}  # EXIF orientations that turn the stored image by 90 degrees
_ALPHA_MODES = {"RGBA", "RGBa", "LA", "La", "PA"}
_GREY_MODES = {"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")
# Decoders report broken data with whichever of these their parser happens to hit.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)

# Focus and colour analysis runs on a copy this small: the result barely changes, the time does (~1 ms).
_ANALYSIS_SIDE = 96
_REDUCIBLE_MODES = {"RGB", "RGBA", "RGBX", "L", "LA", "CMYK"}
# Focus stays this far from the edges, so a crop around it never hugs one side of the picture.
FOCUS_MARGIN = 0.1
# Colour for accent_color() when the picture has none worth taking (greyscale, near-black...).
FALLBACK_ACCENT = (155, 45, 32)
# accent_color() picks among this many median-cut colours: fewer blend a picture's pure hues into muddy averages.
_ACCENT_CANDIDATES = 12
# The "blur" backdrop of contain(): worked at 1/16 of the box, darkened to this share of its brightness.
_BACKDROP_SCALE = 16
_BACKDROP_BLUR = 2.5
_BACKDROP_BRIGHTNESS = 0.6
_NUMBER = r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(%?)\s*"
_FOCUS = re.compile(f"{_NUMBER},{_NUMBER}")


def load_illustration(path: str | os.PathLike[str], min_size: tuple[int, int] | None = None) -> Image.Image:
    """Open an illustration as an 8-bit RGB image, upright, in sRGB.

    With ``min_size`` a JPEG is decoded at 1/2, 1/4 or 1/8 scale, and any picture is then reduced by a
    whole factor, as far as it still covers ``min_size`` (after EXIF rotation) without upscaling: memory
    and time stay those of the decode, however large the picture.
    """
    name = printable(os.fsdecode(path))
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
                small = _reduce(image, min_size) if min_size is not None else image
                if small is image:
                    small = image.copy()  # turned in place below: the opened file's image is left alone
                ImageOps.exif_transpose(small, in_place=True)
                return _to_srgb(small)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            found = BOMB_PIXELS.search(str(exc))
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
        except DECODE_ERRORS as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            msg = f"{name} is damaged or incomplete ({reason}); export or download it again"
            raise ImageError(msg) from None


def cover(
    image: Image.Image,
    size: tuple[int, int],
    focus: tuple[float, float] = (0.5, 0.5),
    keep: tuple[float, float, float, float] | None = None,
    window: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
) -> Image.Image:
    """Scale and crop the image to fill size exactly, without distortion.

    ``focus`` (fractions of width and height) stays as central as the edges allow. ``keep`` (left,
    top, right, bottom as fractions: the people's heads) is never cut: the crop holds it whole,
    moving as little as it can from the focus; a box too small for it (a band) shows the picture
    smaller, the heads whole, on a blurred extension of itself. ``window``
    (left, top, right, bottom as fractions of the crop) is where ``keep`` should be: the part of a
    cover above its title, within the central 3:4 tile that Instagram's profile grid shows.
    """
    width, height = size
    if image.size == (width, height):
        return image.copy()
    if not width or not height:
        return Image.new(image.mode, size)  # a box with no area (an extreme aspect rounded): nothing to show
    box = crop_box(image.size, size, focus, keep, window)
    if box is None:
        assert keep is not None  # only what must be kept can leave no crop
        scale = max(width / image.width, height / image.height)
        kept_w, kept_h = (keep[2] - keep[0]) * image.width, (keep[3] - keep[1]) * image.height
        if kept_w > width / scale or kept_h > height / scale:
            return _around(image, size, keep)
        # The picture's edges stop the crop short of the window (heads low in a wide picture):
        # the picture moves so that the heads are in the window, its blurred extension filling the rest.
        return _around(image, size, keep, window, most=scale)
    left, top, right, bottom = box
    scale = width / (right - left)
    if scale == 1.0:
        # Same scale: a plain crop is exact and costs no resampling.
        left, top = round(left), round(top)
        return image.crop((left, top, left + width, top + height))
    # One resample straight from the crop box: no intermediate copy, sub-pixel exact. Enlarging
    # gains nothing from Lanczos' extra lobes over bicubic, which is faster.
    method = Image.Resampling.BICUBIC if scale > 1 else Image.Resampling.LANCZOS
    return image.resize((width, height), method, box=box, reducing_gap=3.0)


def crop_box(
    image_size: tuple[int, int],
    size: tuple[int, int],
    focus: tuple[float, float] = (0.5, 0.5),
    keep: tuple[float, float, float, float] | None = None,
    window: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
    zoom: float = 1.0,
) -> tuple[float, float, float, float] | None:
    """Return the part of a picture of ``image_size`` that cover() shows in ``size``, ``zoom`` times closer.

    The box (left, top, right, bottom, in the picture's pixels) has the shape of ``size``, keeps
    ``focus`` as central as the edges allow and holds ``keep`` whole inside ``window``. None when no
    crop can: the heads are larger than the crop, or the picture's edges stop it short of the window.
    """
    image_w, image_h = image_size
    width, height = size
    scale = max(width / image_w, height / image_h) * zoom
    # min(): rounding can make the fitting side a hair longer than the image.
    crop_w, crop_h = min(width / scale, image_w), min(height / scale, image_h)
    fx, fy = (min(max(float(f), 0.0), 1.0) if math.isfinite(f) else 0.5 for f in focus)
    left = max(min(fx * image_w - crop_w / 2, image_w - crop_w), 0.0)
    top = max(min(fy * image_h - crop_h / 2, image_h - crop_h), 0.0)
    if keep is not None:
        kept_w, kept_h = (keep[2] - keep[0]) * image_w, (keep[3] - keep[1]) * image_h
        if kept_w > crop_w or kept_h > crop_h:
            return None
        # Place the window around what is kept, then the crop around the window (the whole crop
        # when what is kept is larger than the window).
        left = _place(left, crop_w, image_w, (keep[0] * image_w, keep[2] * image_w), window[0::2])
        top = _place(top, crop_h, image_h, (keep[1] * image_h, keep[3] * image_h), window[1::2])
        if not _within(keep, (left, top, crop_w, crop_h), window, image_size):
            return None
    return left, top, left + crop_w, top + crop_h


def contain(image: Image.Image, size: tuple[int, int], background: str | tuple[int, int, int] = "blur") -> Image.Image:
    """Fit the whole image inside size, centred, on a blurred copy of itself ("blur") or a solid colour."""
    # background: "blur" (a darkened, blurred cover-crop of the picture), a Pillow colour string such
    # as "#1a1a1a" (a theme can write one), or an (r, g, b) tuple.
    width, height = size
    fill = None if background == "blur" else _colour(background)
    if not width or not height:
        return Image.new("RGB", size)  # a box with no area: nothing to show
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    scale = min(width / rgb.width, height / rgb.height)
    fit = (min(width, max(1, round(rgb.width * scale))), min(height, max(1, round(rgb.height * scale))))
    picture = rgb.copy() if fit == rgb.size else rgb.resize(fit, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if fit == (width, height):
        return picture
    canvas = _backdrop(rgb, size) if fill is None else Image.new("RGB", size, fill)
    canvas.paste(picture, ((width - fit[0]) // 2, (height - fit[1]) // 2))
    return canvas


def _colour(value: str | tuple[int, int, int]) -> tuple[int, int, int]:
    if isinstance(value, str):
        try:
            return ImageColor.getrgb(value)[:3]
        except ValueError:
            msg = f"background {value!r} is not a colour; write 'blur', a colour name such as 'black', or '#1a1a1a'"
            raise ImageError(msg) from None
    return cast(tuple[int, int, int], tuple(int(c) for c in value[:3]))


# Shown larger than this, a picture looks soft on a phone.
MAX_ENLARGEMENT = 2.0


def enlargement_warning(size: tuple[int, int], pictures: Iterable[Picture]) -> str | None:
    """Say how much the most enlarged of ``pictures`` (postkit.layout.Picture) blows up a picture of ``size``.

    Blurred backdrops and framed prints (fit "exact", always smaller) do not count. None when no
    picture is shown more than MAX_ENLARGEMENT times its size. The advice names the side that
    sets the scale: a panorama on a tall card is short of height, not of width.
    """
    width, height = size
    worst, shown, side = 0.0, (0, 0), "wide"
    for picture in pictures:
        if picture.blur or picture.fit == "exact" or not width or not height:
            continue
        box_w, box_h = picture.box[2] - picture.box[0], picture.box[3] - picture.box[1]
        by_width, by_height = box_w / width, box_h / height
        # A crop fills the box (the larger scale); a contained picture fits inside it (the smaller).
        scale = min(by_width, by_height) if picture.fit == "contain" else max(by_width, by_height)
        if scale > worst:
            worst, shown = scale, (round(width * scale), round(height * scale))
            side = "wide" if scale == by_width else "tall"
    if worst <= MAX_ENLARGEMENT:
        return None
    needed = math.ceil((width if side == "wide" else height) * worst / MAX_ENLARGEMENT)
    return (
        f"is {width}x{height} px and is shown {worst:.1f} times larger ({shown[0]}x{shown[1]} px), so it will "
        f"look soft; use a picture at least {needed} px {side}"
    )


def _around(
    image: Image.Image,
    size: tuple[int, int],
    keep: tuple[float, float, float, float],
    window: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
    most: float = math.inf,
) -> Image.Image:
    """Show the picture at most ``most`` times its size with ``keep`` (heads, with a little room) inside
    ``window`` (fractions of ``size``), covering as much of ``size`` as that allows; a blurred backdrop
    of the picture fills the rest."""
    width, height = size
    x0, y0, x1, y1 = window[0] * width, window[1] * height, window[2] * width, window[3] * height
    kept_w, kept_h = (keep[2] - keep[0]) * image.width, (keep[3] - keep[1]) * image.height
    scale = min(most, (y1 - y0) / (kept_h * _AROUND_ROOM), (x1 - x0) / (kept_w * _AROUND_ROOM))
    shown = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))

    def offset(length: int, shown_length: int, start: float, end: float, first: float, last: float) -> float:
        # The heads' middle in the window's middle, then moved to cover more of the box, as far as the
        # heads stay in the window (between least and utmost).
        middle = (first + last) / 2 * shown_length
        least, utmost = start - first * shown_length, end - last * shown_length
        covering = min(max((start + end) / 2 - middle, min(0, length - shown_length)), max(0, length - shown_length))
        return min(max(covering, min(least, utmost)), max(least, utmost))

    x = offset(width, shown[0], x0, x1, keep[0], keep[2])
    y = offset(height, shown[1], y0, y1, keep[1], keep[3])
    canvas = _backdrop(image, size)
    canvas.paste(image.resize(shown, Image.Resampling.LANCZOS, reducing_gap=3.0), (round(x), round(y)))
    return canvas


def _within(
    keep: tuple[float, float, float, float],
    crop: tuple[float, float, float, float],
    window: tuple[float, float, float, float],
    image_size: tuple[int, int],
) -> bool:
    """Tell whether ``keep`` (fractions of the image) lies in ``window`` (fractions of the crop), or, on a side
    where it is longer than the window, in the crop."""
    left, top, crop_w, crop_h = crop
    for first, last, start, length, full, lo, hi in (
        (keep[0], keep[2], left, crop_w, image_size[0], window[0], window[2]),
        (keep[1], keep[3], top, crop_h, image_size[1], window[1], window[3]),
    ):
        a, b = (first * full - start) / length, (last * full - start) / length
        if b - a > hi - lo:
            lo, hi = 0.0, 1.0
        if a < lo - 1e-6 or b > hi + 1e-6:
            return False
    return True


_AROUND_ROOM = 1.1  # the box holds the heads with a tenth to spare


def _place(start: float, crop: float, full: float, keep: tuple[float, float], window: tuple[float, float]) -> float:
    """Move a crop of length ``crop`` from ``start`` as little as needed for ``keep`` (no longer than
    the crop) to lie in its ``window`` part, or, if longer than the window, anywhere in it."""
    lo, hi = window
    if keep[1] - keep[0] > (hi - lo) * crop:
        lo, hi = 0.0, 1.0
    inner = min(max(start + lo * crop, keep[1] - hi * crop + lo * crop), keep[0])
    return max(min(inner - lo * crop, full - crop), 0.0)


def _backdrop(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Blur and darken a cover-crop at 1/16 scale, then upscale: a full-size blur would cost ~100x more."""
    small_size = (max(1, math.ceil(size[0] / _BACKDROP_SCALE)), max(1, math.ceil(size[1] / _BACKDROP_SCALE)))
    source = _small(image, 4 * max(small_size))
    small = cover(source, small_size).filter(ImageFilter.GaussianBlur(_BACKDROP_BLUR))
    small = small.point([round(v * _BACKDROP_BRIGHTNESS) for v in range(256)] * 3)
    return small.resize(size, Image.Resampling.BICUBIC)


def find_heads(image: Image.Image) -> tuple[float, float, float, float] | None:
    """Return the box holding the heads in a picture (fractions: left, top, right, bottom), or None.

    Needs a face detector (postkit.faces, the ``faces`` extra); without one, None.
    """
    from postkit.faces import find_faces, head_box

    faces = find_faces(image)
    return head_box(faces) if faces else None


def smart_focus(image: Image.Image) -> tuple[float, float]:
    """Return the salient point of a picture as fractions (x, y) of its width and height."""
    small = _small(image, _ANALYSIS_SIDE)
    w, h = small.size
    # Detail (edges of lightness and of colourfulness) plus colours that stand out from the
    # picture's average: a subject is busy or distinct, a sky or a wall is neither.
    _, saturation, value = small.convert("HSV").split()
    chroma = ImageChops.multiply(saturation, value)  # saturation of dark pixels is noise
    mean = tuple(round(v) for v in ImageStat.Stat(small).mean)
    energy = ImageChops.add(
        ImageChops.add(_edges(small.convert("L")), _edges(chroma)),
        ImageChops.difference(small, Image.new("RGB", small.size, mean)).convert("L"),
    )
    # Keep only what is above average, so a faint texture everywhere does not drag the focus to the middle.
    energy = ImageChops.subtract(energy, Image.new("L", small.size, round(ImageStat.Stat(energy).mean[0])))
    # A slight centre bias (1.0 in the middle, 0.75 in the corners) settles ties between similar areas.
    bias = Image.radial_gradient("L").resize(small.size, Image.Resampling.BILINEAR).point(lambda v: 255 - v // 4)
    energy = ImageChops.multiply(energy, bias)
    columns = energy.resize((w, 1), Image.Resampling.BOX).tobytes()
    rows = energy.resize((1, h), Image.Resampling.BOX).tobytes()
    return _centroid(columns), _centroid(rows)


def _edges(channel: Image.Image) -> Image.Image:
    edges = channel.filter(ImageFilter.FIND_EDGES)
    # Pillow copies the outermost pixels unfiltered: they are the picture, not its edges.
    ImageDraw.Draw(edges).rectangle((0, 0, edges.width - 1, edges.height - 1), outline=0)
    return edges


def _centroid(weights: bytes) -> float:
    total = sum(weights)
    if not total:
        return 0.5
    centre = sum((i + 0.5) * v for i, v in enumerate(weights)) / total / len(weights)
    return min(max(centre, FOCUS_MARGIN), 1 - FOCUS_MARGIN)


def parse_focus(text: str) -> tuple[float, float]:
    """Parse a focus written as fractions ("0.3,0.4") or percentages ("30%,40%") of width and height."""
    how = "write x,y as fractions or percentages of the width and height, e.g. 0.3,0.4 or 30%,40%"
    found = _FOCUS.fullmatch(text)
    if not found:
        msg = f"focus {text!r} is not a point; {how}"
        raise ImageError(msg)
    x, x_percent, y, y_percent = found.groups()
    point = (float(x) / (100 if x_percent else 1), float(y) / (100 if y_percent else 1))
    if not all(0 <= v <= 1 for v in point):
        msg = f"focus {text!r} is outside the picture; each value must be between 0 and 1 (0% and 100%): {how}"
        raise ImageError(msg)
    return point


def duotone(image: Image.Image, dark: tuple[int, int, int], light: tuple[int, int, int]) -> Image.Image:
    """Map the image's lightness to a gradient from dark to light."""
    return ImageOps.colorize(image.convert("L"), tuple(dark[:3]), tuple(light[:3]))


def tint(image: Image.Image, color: tuple[int, int, int], strength: float) -> Image.Image:
    """Blend the image toward color; strength 0 leaves it alone, 1 paints it solid."""
    if not 0 <= strength <= 1:
        msg = f"tint strength must be between 0 and 1, not {strength}"
        raise ValueError(msg)
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return Image.blend(rgb, Image.new("RGB", rgb.size, tuple(color[:3])), strength)


def palette(image: Image.Image, count: int = 6) -> list[tuple[tuple[int, int, int], float]]:
    """Return up to count dominant colours with their share of the picture, largest share first."""
    if not 1 <= count <= 256:
        msg = f"palette count must be between 1 and 256, not {count}"
        raise ValueError(msg)
    small = _small(image, _ANALYSIS_SIDE)
    quantized = small.quantize(colors=count, method=Image.Quantize.MEDIANCUT)
    entries = quantized.getpalette() or []
    shares: dict[tuple[int, int, int], int] = {}
    # A palette image counts palette indices, each the start of an (r, g, b) triple of the palette.
    for pixels, index in cast(list[tuple[int, int]], quantized.getcolors(256) or []):
        colour = cast(tuple[int, int, int], tuple(entries[3 * index : 3 * index + 3]))
        shares[colour] = shares.get(colour, 0) + pixels  # median cut can repeat a colour
    total = small.width * small.height
    return sorted(((colour, pixels / total) for colour, pixels in shares.items()), key=lambda e: (-e[1], e[0]))


def accent_color(image: Image.Image) -> tuple[int, int, int]:
    """Return the picture's most accent-worthy colour: saturated, mid-light and not rare."""
    best, best_score = FALLBACK_ACCENT, 0.0
    for colour, share in palette(image, _ACCENT_CANDIDATES):
        _, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in colour))
        if share < 0.02 or saturation < 0.25 or not 0.15 <= lightness <= 0.85:
            continue  # a speck, a near-grey, a near-black or a near-white
        # Chroma (saturation x closeness to mid lightness), weighted by how much of the picture has it.
        score = saturation * (1 - abs(2 * lightness - 1)) * math.sqrt(share)
        if score > best_score:
            best, best_score = colour, score
    return best


def _small(image: Image.Image, side: int) -> Image.Image:
    """Return an RGB copy at most side pixels on the long side, by box averaging."""
    if image.mode not in _REDUCIBLE_MODES:
        image = image.convert("RGB")
    factor = math.ceil(max(image.size) / side)
    if factor > 1:
        image = image.reduce(factor)
    return image if image.mode == "RGB" else image.convert("RGB")


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


def _reduce(image: Image.Image, min_size: tuple[int, int]) -> Image.Image:
    """Shrink a decoded picture by the largest whole factor that still covers ``min_size``, before any copy.

    Returns ``image`` itself when no factor of 2 or more fits.
    """
    want_w, want_h = (max(1, side) for side in min_size)
    if image.getexif().get(ExifTags.Base.Orientation) in _AXES_SWAPPED:
        want_w, want_h = want_h, want_w
    factor = min(image.width // want_w, image.height // want_h)
    if factor < 2:
        return image
    if image.mode in {"P", "PA"} or "transparency" in image.info:
        image = image.convert("RGBA")  # average colours, not palette indices or a colour key
    elif image.mode == "1":
        image = image.convert("L")
    elif image.mode.startswith("I;16"):
        # reduce() does not take 16-bit modes; a box resize is the same average, without a 32-bit copy.
        return image.resize((image.width // factor, image.height // factor), Image.Resampling.BOX)
    if image.mode in {"RGBA", "LA"}:
        # Averaged premultiplied, so the colour hidden under transparent pixels does not bleed into the edges.
        premultiplied = "RGBa" if image.mode == "RGBA" else "La"
        return image.convert(premultiplied).reduce(factor).convert(image.mode)
    if image.mode in {"L", "La", "RGBa", "I", "F", "RGB", "RGBX", "CMYK", "YCbCr", "LAB", "HSV"}:
        return image.reduce(factor)
    return image


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
    low, high = cast(tuple[float, float], image.getextrema())  # one band
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
            # Not in place: a new image, never None.
            converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
            return cast(Image.Image, converted)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken or mismatched profile is no reason to refuse the picture
    return image if image.mode == "RGB" else image.convert("RGB")
