"""Loading illustrations in every mode and state, fitting them to a card box, and reading focus and colours."""

from __future__ import annotations

import colorsys
import io
import os
import random
import struct
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, ImageDraw, ImageStat

from postkit.errors import ImageError
from postkit.illustration import (
    BACKGROUND,
    FALLBACK_ACCENT,
    MAX_PIXELS,
    accent_color,
    contain,
    cover,
    duotone,
    load_illustration,
    palette,
    parse_focus,
    smart_focus,
    tint,
)

CARD = (1080, 1350)
RED = (230, 20, 20)
EXAMPLE_IMAGE = Path(__file__).resolve().parents[1] / "examples" / "october-revolution" / "article.jpg"


def _mean(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> tuple[float, ...]:
    region = image.crop(box) if box else image
    return tuple(ImageStat.Stat(region).mean)


def _close(colour: tuple[float, ...], expected: tuple[int, int, int], tolerance: float = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def _noise(size: tuple[int, int]) -> Image.Image:
    """A photo-like RGB image: noise compresses badly, like real detail."""
    grey = Image.effect_noise(size, 64)
    return Image.merge(
        "RGB", (grey, grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT), grey.transpose(Image.Transpose.FLIP_TOP_BOTTOM))
    )


def _png_with_header_size(path: Path, width: int, height: int) -> Path:
    """Write a tiny PNG whose IHDR claims width x height (its pixel data is not that big)."""
    buffer = io.BytesIO()
    Image.new("1", (8, 8)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    ihdr = 8 + 8  # signature, then the IHDR chunk's length and type
    data[ihdr : ihdr + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr - 4 : ihdr + 13]))
    data[ihdr + 13 : ihdr + 17] = struct.pack(">I", crc)
    path.write_bytes(bytes(data))
    return path


def _swapped_primaries_profile() -> bytes:
    """Return an RGB ICC profile like sRGB but with the red and blue primaries swapped."""
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    count = struct.unpack(">I", data[128:132])[0]
    offsets = {}
    for i in range(count):
        entry = 132 + 12 * i
        offsets[bytes(data[entry : entry + 4])] = entry + 4
    r, b = offsets[b"rXYZ"], offsets[b"bXYZ"]
    data[r : r + 4], data[b : b + 4] = data[b : b + 4], data[r : r + 4]
    # Renamed so the loader does not take it for sRGB and skip the conversion.
    name = "sRGB".encode("utf-16-be")
    data = data.replace(name, "Swap".encode("utf-16-be"))
    return bytes(data)


# --- modes ---------------------------------------------------------------------------------


def _save(tmp_path: Path, image: Image.Image, name: str, **params) -> Path:
    path = tmp_path / name
    image.save(path, **params)
    return path


def _palette_with_transparency() -> Image.Image:
    image = Image.new("P", (60, 40), 0)
    image.putpalette([0, 0, 0, *RED] + [0] * 762)
    image.paste(1, (30, 0, 60, 40))
    image.info["transparency"] = 0
    return image


MODE_FILES = {
    "1.png": lambda: Image.new("1", (60, 40), 1),
    "L.png": lambda: Image.new("L", (60, 40), 200),
    "LA.png": lambda: Image.new("LA", (60, 40), (200, 128)),
    "LA.tif": lambda: Image.new("LA", (60, 40), (200, 255)),
    "P.png": lambda: Image.new("RGB", (60, 40), RED).quantize(4),
    "P-transparent.png": _palette_with_transparency,
    "P.gif": lambda: Image.new("RGB", (60, 40), RED).convert("P"),
    "RGB.jpg": lambda: Image.new("RGB", (60, 40), RED),
    "RGB.png": lambda: Image.new("RGB", (60, 40), RED),
    "RGBA.png": lambda: Image.new("RGBA", (60, 40), (*RED, 128)),
    "RGBA.webp": lambda: Image.new("RGBA", (60, 40), (*RED, 255)),
    "RGBX.tif": lambda: Image.new("RGBX", (60, 40), (*RED, 0)),
    "CMYK.jpg": lambda: Image.new("CMYK", (60, 40), (0, 255, 255, 0)),
    "CMYK.tif": lambda: Image.new("CMYK", (60, 40), (0, 255, 255, 0)),
    "I;16.png": lambda: Image.new("I;16", (60, 40), 40000),
    "I;16.tif": lambda: Image.new("I;16", (60, 40), 40000),
    "I;16B.tif": lambda: Image.new("I;16B", (60, 40), 40000),
    "I.tif": lambda: Image.new("I", (60, 40), 40000),
    "I-16bit.ppm": lambda: Image.new("I", (60, 40), 40000),
    "F.tif": lambda: Image.new("F", (60, 40), 0.5),
    "YCbCr.tif": lambda: Image.new("RGB", (60, 40), RED).convert("YCbCr"),
    "YCbCr.jpg": lambda: Image.new("RGB", (60, 40), RED).convert("YCbCr"),
    "LAB.tif": lambda: Image.new("RGB", (60, 40), RED).convert("LAB"),
}


@pytest.mark.parametrize("name", sorted(MODE_FILES))
def test_every_mode_loads_as_8bit_rgb_of_the_same_size(tmp_path, name):
    source = MODE_FILES[name]()
    path = _save(tmp_path, source, name.replace(";", "_"))
    with Image.open(path) as stored:
        assert stored.size == (60, 40)

    image = load_illustration(path)

    assert image.mode == "RGB"
    assert image.size == (60, 40)
    assert "icc_profile" not in image.info


@pytest.mark.parametrize(
    "name", ["RGB.jpg", "CMYK.jpg", "CMYK.tif", "YCbCr.tif", "LAB.tif", "P.png", "P.gif", "RGBX.tif", "RGBA.webp"]
)
def test_colour_modes_keep_their_colour(tmp_path, name):
    path = _save(tmp_path, MODE_FILES[name](), name)

    assert _close(_mean(load_illustration(path)), RED, tolerance=25)


@pytest.mark.parametrize(
    ("name", "grey"),
    [
        ("I;16.png", 156),
        ("I;16.tif", 156),
        ("I;16B.tif", 156),
        ("I.tif", 156),
        ("I-16bit.ppm", 156),
        ("F.tif", 127),
        ("L.png", 200),
        ("LA.tif", 200),
        ("1.png", 255),
    ],
)
def test_grey_modes_scale_to_0_255(tmp_path, name, grey):
    path = _save(tmp_path, MODE_FILES[name](), name.replace(";", "_"))

    assert _close(_mean(load_illustration(path)), (grey, grey, grey), tolerance=1)


@pytest.mark.parametrize(("value", "expected"), [(0, 0), (32768, 128), (65535, 255)])
def test_16bit_png_is_scaled_not_clipped(tmp_path, value, expected):
    path = _save(tmp_path, Image.new("I;16", (20, 10), value), "grey16.png")

    assert load_illustration(path).getpixel((5, 5)) == (expected, expected, expected)


def test_32bit_integer_outside_16bit_range_is_stretched(tmp_path):
    image = Image.new("I", (20, 10), -100_000)
    image.paste(300_000, (10, 0, 20, 10))
    path = _save(tmp_path, image, "wide.tif")

    loaded = load_illustration(path)

    assert loaded.getpixel((0, 0)) == (0, 0, 0)
    assert loaded.getpixel((19, 0)) == (255, 255, 255)


def test_float_image_outside_0_1_is_taken_as_0_255(tmp_path):
    path = _save(tmp_path, Image.new("F", (20, 10), 200.0), "float.tif")

    assert load_illustration(path).getpixel((0, 0)) == (200, 200, 200)


def test_png_alpha_is_composited_over_the_dark_background(tmp_path):
    image = Image.new("RGBA", (40, 20), (255, 255, 255, 0))
    image.paste((*RED, 255), (20, 0, 40, 20))
    path = _save(tmp_path, image, "alpha.png")

    loaded = load_illustration(path)

    assert loaded.getpixel((5, 5)) == BACKGROUND
    assert loaded.getpixel((30, 5)) == RED


def test_half_transparent_white_is_blended(tmp_path):
    path = _save(tmp_path, Image.new("RGBA", (10, 10), (255, 255, 255, 128)), "half.png")

    r, g, b = load_illustration(path).getpixel((5, 5))

    assert r == g == b
    assert abs(r - (255 * 128 + BACKGROUND[0] * 127) / 255) <= 1


def test_palette_transparency_becomes_background(tmp_path):
    path = _save(tmp_path, _palette_with_transparency(), "palette.png")

    loaded = load_illustration(path)

    assert loaded.getpixel((5, 5)) == BACKGROUND
    assert loaded.getpixel((45, 5)) == RED


def test_grey_png_with_transparent_colour(tmp_path):
    image = Image.new("L", (20, 10), 0)
    image.paste(200, (10, 0, 20, 10))
    path = _save(tmp_path, image, "grey-trns.png", transparency=0)

    loaded = load_illustration(path)

    assert loaded.getpixel((0, 0)) == BACKGROUND
    assert loaded.getpixel((15, 0)) == (200, 200, 200)


@pytest.mark.parametrize("suffix", ["gif", "webp", "png"])
def test_animation_uses_the_first_frame(tmp_path, suffix):
    frames = [Image.new("RGB", (30, 20), colour) for colour in (RED, (20, 20, 230), (20, 230, 20))]
    path = tmp_path / f"anim.{suffix}"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0, lossless=True)
    with Image.open(path) as stored:
        assert getattr(stored, "n_frames", 1) == 3

    loaded = load_illustration(path)

    assert loaded.mode == "RGB"
    assert loaded.size == (30, 20)
    assert _close(_mean(loaded), RED, tolerance=20)


# --- colour profiles -----------------------------------------------------------------------


def test_embedded_profile_is_converted_to_srgb(tmp_path):
    path = _save(
        tmp_path, Image.new("RGB", (20, 10), (255, 0, 0)), "swapped.png", icc_profile=_swapped_primaries_profile()
    )

    r, g, b = load_illustration(path).getpixel((5, 5))

    # The profile says channel one is blue, so the picture is blue once in sRGB.
    assert b > 200
    assert r < 60


def test_srgb_profile_leaves_pixels_alone(tmp_path):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = _save(tmp_path, Image.new("RGB", (20, 10), RED), "srgb.png", icc_profile=srgb)

    assert load_illustration(path).getpixel((5, 5)) == RED


def test_cmyk_jpeg_with_profile_mismatch_falls_back(tmp_path):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = _save(tmp_path, Image.new("CMYK", (20, 10), (0, 255, 255, 0)), "cmyk.jpg", icc_profile=srgb, quality=95)

    loaded = load_illustration(path)

    assert loaded.mode == "RGB"
    assert _close(_mean(loaded), (255, 0, 0), tolerance=25)


@pytest.mark.parametrize(
    "profile", [b"not a profile at all", ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()]
)
def test_broken_or_mismatched_profile_falls_back_to_plain_conversion(tmp_path, profile):
    path = _save(tmp_path, Image.new("RGB", (20, 10), RED), "odd.png", icc_profile=profile)

    loaded = load_illustration(path)

    assert loaded.mode == "RGB"
    assert loaded.getpixel((5, 5)) == RED


# --- orientation and draft decoding ---------------------------------------------------------


def _jpeg_with_orientation(path: Path, image: Image.Image, orientation: int) -> Path:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    image.save(path, exif=exif, quality=95)
    return path


def test_exif_orientation_6_turns_the_picture_upright(tmp_path):
    stored = Image.new("RGB", (400, 200), (240, 240, 240))
    stored.paste(RED, (0, 0, 40, 40))  # stored top-left corner
    path = _jpeg_with_orientation(tmp_path / "phone.jpg", stored, 6)

    loaded = load_illustration(path)

    assert loaded.size == (200, 400)
    # Orientation 6 means "rotate 90 degrees clockwise to view": top-left goes top-right.
    assert _close(_mean(loaded, (165, 5, 195, 35)), RED)
    assert _close(_mean(loaded, (5, 5, 35, 35)), (240, 240, 240))


def test_draft_decodes_a_big_jpeg_smaller_but_still_covering_the_card(tmp_path):
    path = tmp_path / "big.jpg"
    _noise((4000, 3000)).save(path, quality=85)

    full = load_illustration(path)
    drafted = load_illustration(path, min_size=CARD)

    assert full.size == (4000, 3000)
    assert drafted.size[0] < 4000
    assert drafted.size[1] < 3000
    # cover() must only ever shrink: the draft still covers the card at the same aspect.
    assert max(CARD[0] / drafted.width, CARD[1] / drafted.height) <= 1
    assert cover(drafted, CARD).size == CARD


def test_draft_accounts_for_exif_rotation(tmp_path):
    # Stored tall, shown wide: sizing the draft on the stored axes would reduce too far.
    path = _jpeg_with_orientation(tmp_path / "turned.jpg", _noise((2400, 8000)), 6)

    loaded = load_illustration(path, min_size=CARD)

    assert loaded.width > loaded.height
    assert max(CARD[0] / loaded.width, CARD[1] / loaded.height) <= 1
    assert cover(loaded, CARD).size == CARD


def test_draft_does_not_reduce_when_reduction_would_upscale(tmp_path):
    path = tmp_path / "medium.jpg"
    _noise((3000, 2000)).save(path, quality=85)

    assert load_illustration(path, min_size=CARD).size == (3000, 2000)


def test_a_big_png_is_reduced_by_a_whole_factor_that_still_covers_the_card(tmp_path):
    path = _save(tmp_path, Image.new("RGB", (4000, 3000), RED), "big.png")

    loaded = load_illustration(path, min_size=CARD)

    assert loaded.size == (2000, 1500)  # 3000 // 1350 = 2: halved, no further
    assert _close(_mean(loaded), RED, tolerance=1)


@pytest.mark.parametrize(
    "name",
    [n for n in sorted(MODE_FILES) if not n.endswith(".ppm")],  # Pillow writes no 16-bit PPM from mode I
)
def test_a_big_picture_in_any_mode_is_reduced_to_the_same_colours(tmp_path, name):
    big = MODE_FILES[name]().resize((2200, 2800), Image.Resampling.NEAREST)
    big.info = MODE_FILES[name]().info  # a palette's transparent index comes along
    path = _save(tmp_path, big, name.replace(";", "_"))

    full = load_illustration(path)
    reduced = load_illustration(path, min_size=CARD)

    assert full.size == (2200, 2800)
    assert reduced.size == (1100, 1400) and reduced.mode == "RGB"
    assert _close(_mean(reduced), _mean(full), tolerance=2)


def test_a_half_transparent_edge_does_not_take_the_hidden_colour(tmp_path):
    # Left half transparent *green* (invisible), right half opaque red: reducing must not bleed green.
    big = Image.new("RGBA", (2400, 3000), (0, 255, 0, 0))
    big.paste((*RED, 255), (1201, 0, 2400, 3000))  # the edge falls inside a 2x2 block
    path = _save(tmp_path, big, "edge.png")

    reduced = load_illustration(path, min_size=CARD)

    edge = reduced.getpixel((600, 10))
    assert edge[1] <= BACKGROUND[1] + 2, f"green bled into the edge: {edge}"


def test_a_big_exif_rotated_png_is_reduced_on_its_upright_axes(tmp_path):
    stored = Image.new("RGB", (3000, 2200), (240, 240, 240))
    stored.paste(RED, (0, 0, 300, 300))  # stored top-left corner
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    path = _save(tmp_path, stored, "phone.png", exif=exif)

    loaded = load_illustration(path, min_size=CARD)

    assert loaded.size == (1100, 1500)  # shown 2200x3000 covers 1080x1350 at half size
    assert _close(_mean(loaded, (1100 - 140, 10, 1100 - 10, 140)), RED)  # now top-right
    assert _close(_mean(loaded, (10, 10, 140, 140)), (240, 240, 240))


def test_a_panorama_is_not_reduced(tmp_path):
    path = _save(tmp_path, Image.new("RGB", (30000, 10), RED), "panorama.png")

    assert load_illustration(path, min_size=CARD).size == (30000, 10)


# --- cover ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(8, 8), (1, 1), (4000, 100), (100, 4000), (1080, 1350), (3000, 2000)])
def test_cover_gives_exactly_the_target_size(size):
    assert cover(Image.new("RGB", size, RED), CARD).size == CARD


def test_tiny_image_is_upscaled(tmp_path):
    path = _save(tmp_path, Image.new("RGB", (8, 8), RED), "tiny.png")

    result = cover(load_illustration(path), CARD)

    assert result.size == CARD
    assert _close(_mean(result), RED, tolerance=1)


def test_panorama_keeps_its_middle(tmp_path):
    image = Image.new("RGB", (4000, 100), (20, 20, 230))
    image.paste(RED, (1900, 0, 2100, 100))
    path = _save(tmp_path, image, "panorama.png")

    result = cover(load_illustration(path), CARD)

    assert result.size == CARD
    # 4000x100 scaled to 1350 px high shows 80 px of the width: all inside the red middle.
    assert _close(_mean(result), RED, tolerance=1)


def test_cover_keeps_the_focus_in_view():
    image = Image.new("RGB", (3000, 2000), (128, 128, 128))
    image.paste(RED, (2600, 900, 2800, 1100))  # centred at (0.9, 0.5)

    centred = cover(image, CARD)
    focused = cover(image, CARD, focus=(0.9, 0.5))

    assert RED not in {colour for _, colour in centred.getcolors(CARD[0] * CARD[1])}
    # The crop is flush with the right edge; the block's centre maps near the middle-right.
    x = round((2700 - (3000 - 1600)) * 0.675)
    assert focused.getpixel((x, 675)) == RED


def test_cover_centres_the_focus_when_the_edges_allow():
    image = Image.new("RGB", (3000, 2000), (128, 128, 128))
    image.paste(RED, (1180, 980, 1220, 1020))  # centred at (0.4, 0.5)

    result = cover(image, CARD, focus=(0.4, 0.5))

    assert result.getpixel((540, 675)) == RED


@pytest.mark.parametrize("focus", [(-1.0, 2.0), (0.0, 0.0), (1.0, 1.0), (5.0, -5.0), (float("nan"), 0.5)])
def test_cover_clamps_focus_to_the_image(focus):
    assert cover(Image.new("RGB", (300, 200), RED), (108, 135), focus).size == (108, 135)


def test_cover_is_deterministic_and_leaves_the_source_alone():
    image = _noise((600, 400))
    before = image.tobytes()

    first, second = cover(image, (216, 270), (0.3, 0.7)), cover(image, (216, 270), (0.3, 0.7))

    assert first.tobytes() == second.tobytes()
    assert image.tobytes() == before


def test_cover_of_the_exact_size_is_an_unchanged_copy():
    image = _noise((108, 135))

    result = cover(image, (108, 135))

    assert result is not image
    assert result.tobytes() == image.tobytes()


@settings(max_examples=60, deadline=None)
@given(
    src=st.tuples(st.integers(1, 400), st.integers(1, 400)),
    dst=st.tuples(st.integers(1, 300), st.integers(1, 300)),
    focus=st.tuples(st.floats(-1, 2), st.floats(-1, 2)),
)
def test_cover_always_fills_the_box(src, dst, focus):
    assert cover(Image.new("RGB", src, RED), dst, focus).size == dst


def test_cover_of_a_3000x2000_photo_is_fast():
    import time

    image = _noise((3000, 2000))
    cover(image, CARD)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        cover(image, CARD)
        timings.append(time.perf_counter() - started)

    # Measured ~33 ms; the bound is loose so a busy CI machine does not fail it.
    assert min(timings) < 0.25


# --- errors --------------------------------------------------------------------------------


def _assert_one_line(exc: ImageError, path: Path | str, *fragments: str) -> None:
    message = str(exc)
    assert "\n" not in message
    assert "\r" not in message
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_missing_file(tmp_path):
    path = tmp_path / "nope.jpg"
    with pytest.raises(ImageError) as info:
        load_illustration(path)
    _assert_one_line(info.value, path, "no such file", "check the --image path")


def test_missing_file_given_as_str_is_named_as_given():
    with pytest.raises(ImageError, match=r"^pics/nope\.jpg: no such file"):
        load_illustration("pics/nope.jpg")


def test_folder(tmp_path):
    with pytest.raises(ImageError) as info:
        load_illustration(tmp_path)
    _assert_one_line(info.value, tmp_path, "is a folder", "JPEG or PNG")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(ImageError) as info:
        load_illustration(path)
    _assert_one_line(info.value, path, "is empty", "export")


def test_text_file_named_jpg(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("these are my notes,\nnot a picture\n")
    with pytest.raises(ImageError) as info:
        load_illustration(path)
    _assert_one_line(info.value, path, "is not an image Pillow can read", "export it as JPEG or PNG")


def test_truncated_jpeg(tmp_path):
    whole = tmp_path / "whole.jpg"
    _noise((400, 300)).save(whole, quality=90)
    path = tmp_path / "half.jpg"
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(ImageError) as info:
        load_illustration(path)
    _assert_one_line(info.value, path, "damaged or incomplete", "truncated", "again")


def test_corrupt_png(tmp_path):
    whole = tmp_path / "whole.png"
    _noise((200, 150)).save(whole)
    data = bytearray(whole.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
    path = tmp_path / "corrupt.png"
    path.write_bytes(bytes(data))

    with pytest.raises(ImageError) as info:
        load_illustration(path)
    _assert_one_line(info.value, path, "damaged or incomplete", "again")


@pytest.mark.parametrize(("width", "height"), [(20_000, 20_000), (10_000, 9_000), (9_459, 9_460)])
def test_decompression_bomb_is_refused_from_the_header(tmp_path, width, height):
    # The pixel data is tiny: refusing means the header was checked before decoding.
    path = _png_with_header_size(tmp_path / "bomb.png", width, height)

    with pytest.raises(ImageError) as info:
        load_illustration(path)
    _assert_one_line(info.value, path, f"too large ({width * height:,} pixels", "the limit is 89,478,485", "downscale")


def test_bomb_is_refused_even_if_pillow_limit_is_off(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    path = _png_with_header_size(tmp_path / "bomb.png", 10_000, 9_000)

    with pytest.raises(ImageError, match="too large"):
        load_illustration(path)


def test_real_bomb_png_is_refused(tmp_path):
    path = tmp_path / "bomb.png"
    Image.new("1", (20_000, 20_000)).save(path)
    assert path.stat().st_size < 1_000_000

    with pytest.raises(ImageError) as info:
        load_illustration(path)
    _assert_one_line(info.value, path, "too large (400,000,000 pixels")


def test_image_at_the_limit_is_not_refused_for_size(tmp_path):
    # 9459 x 9459 = 89,472,681 <= MAX_PIXELS: past the size check, then the bogus data fails.
    assert MAX_PIXELS >= 9_459 * 9_459
    path = _png_with_header_size(tmp_path / "edge.png", 9_459, 9_459)

    with pytest.raises(ImageError) as info:
        load_illustration(path)
    assert "too large" not in str(info.value)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path):
    path = _save(tmp_path, Image.new("RGB", (10, 10), RED), "locked.png")
    path.chmod(0)
    try:
        with pytest.raises(ImageError) as info:
            load_illustration(path)
        _assert_one_line(info.value, path, "cannot read", "permissions")
    finally:
        path.chmod(0o644)


def test_control_characters_in_the_name_stay_on_one_line(tmp_path):
    path = tmp_path / "two\nlines.jpg"
    with pytest.raises(ImageError) as info:
        load_illustration(path)
    message = str(info.value)
    assert "\n" not in message
    assert "two\\nlines.jpg" in message


# --- smart focus ---------------------------------------------------------------------------


def _busy(background: tuple[int, int, int], box: tuple[int, int, int, int], size=(3000, 2000)) -> Image.Image:
    """A flat picture with a bright, busy cluster of coloured squares inside box."""
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    rng = random.Random(1917)
    x0, y0, x1, y1 = box
    for _ in range(300):
        x, y = rng.randint(x0, x1 - 40), rng.randint(y0, y1 - 40)
        draw.rectangle((x, y, x + 40, y + 40), fill=(rng.randint(150, 255), rng.randint(0, 255), rng.randint(0, 80)))
    return image


def _gradient(size=(3000, 2000)) -> Image.Image:
    """A sky-like vertical gradient: deep blue at the top to pale yellow at the bottom."""
    ramp = Image.linear_gradient("L").resize(size)
    return Image.merge("RGB", (ramp, ramp, Image.new("L", size, 200)))


LOWER_LEFT = (100, 1400, 900, 1900)  # inside the lower-left third of 3000x2000


@pytest.mark.parametrize(
    "make",
    [
        lambda: _busy((120, 120, 120), LOWER_LEFT),
        lambda: _busy((40, 90, 200), LOWER_LEFT),
        lambda: _busy((250, 250, 250), LOWER_LEFT),
        lambda: Image.blend(_busy((120, 120, 120), LOWER_LEFT), _gradient(), 0.3),
    ],
    ids=["grey", "blue", "white", "on-a-gradient"],
)
def test_smart_focus_finds_a_busy_object_in_the_lower_left_third(make):
    x, y = smart_focus(make())

    assert x < 1 / 3
    assert y > 2 / 3


def test_smart_focus_finds_a_red_ball_on_a_dull_field():
    image = Image.new("RGB", (3000, 2000), (90, 110, 90))
    ImageDraw.Draw(image).ellipse((2200, 300, 2600, 700), fill=(220, 30, 30))  # centred at (0.8, 0.25)

    x, y = smart_focus(image)

    assert abs(x - 0.8) < 0.03
    assert abs(y - 0.25) < 0.03


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (128, 128, 128), (200, 30, 30)])
@pytest.mark.parametrize("size", [(3000, 2000), (1080, 1350), (97, 13), (1, 1), (2, 3)])
def test_smart_focus_of_a_flat_picture_is_the_centre(colour, size):
    assert smart_focus(Image.new("RGB", size, colour)) == (0.5, 0.5)


@pytest.mark.parametrize("make", [_gradient, lambda: _noise((3000, 2000))], ids=["gradient", "noise"])
def test_smart_focus_of_an_evenly_busy_or_smooth_picture_is_near_the_centre(make):
    x, y = smart_focus(make())

    assert abs(x - 0.5) < 0.05
    assert abs(y - 0.5) < 0.05


def test_smart_focus_never_hugs_an_edge():
    corner = _busy((120, 120, 120), (0, 1800, 200, 2000))

    assert smart_focus(corner) == (0.1, 0.9)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "CMYK", "LA"])
def test_smart_focus_accepts_any_mode(mode):
    picture = _busy((120, 120, 120), LOWER_LEFT).convert(mode)

    x, y = smart_focus(picture)

    assert x < 1 / 3
    assert y > 2 / 3


def test_smart_focus_is_deterministic_and_leaves_the_source_alone():
    image = _busy((120, 120, 120), (1200, 200, 2400, 1000))
    before = image.tobytes()

    assert smart_focus(image) == smart_focus(image.copy())
    assert image.tobytes() == before


def test_smart_focus_of_the_example_is_on_the_ship_and_fast():
    image = load_illustration(EXAMPLE_IMAGE)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        x, y = smart_focus(image)
        timings.append(time.perf_counter() - started)

    # The ship and its searchlights sit in the middle band of the picture.
    assert 0.4 < x < 0.6
    assert 0.35 < y < 0.6
    # Measured ~1.5 ms (the brief asks for < 10 ms); the bound is loose so a busy CI machine does not fail it.
    assert min(timings) < 0.05


# --- parse_focus ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.3,0.4", (0.3, 0.4)),
        ("30%,40%", (0.3, 0.4)),
        (" 0.3 , 40% ", (0.3, 0.4)),
        (".5,.25", (0.5, 0.25)),
        ("0,1", (0.0, 1.0)),
        ("100%,0%", (1.0, 0.0)),
        ("1.,0.", (1.0, 0.0)),
        ("12.5%,87.5%", (0.125, 0.875)),
    ],
)
def test_parse_focus(text, expected):
    assert parse_focus(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text", ["", "0.3", "0.3;0.4", "0.3 0.4", "a,b", "0.3,0.4,0.5", "nan,0.5", "inf,0", "1e-1,0.5", "%,%", "0.3,\n"]
)
def test_parse_focus_rejects_malformed_text(text):
    with pytest.raises(ImageError) as info:
        parse_focus(text)

    message = str(info.value)
    assert "\n" not in message
    assert repr(text) in message
    assert "e.g. 0.3,0.4 or 30%,40%" in message


@pytest.mark.parametrize("text", ["1.5,0.5", "-0.1,0.5", "150%,0%", "0.5,101%", "0.5,1.0001"])
def test_parse_focus_rejects_points_outside_the_picture(text):
    with pytest.raises(ImageError) as info:
        parse_focus(text)

    message = str(info.value)
    assert repr(text) in message
    assert "between 0 and 1 (0% and 100%)" in message
    assert "e.g. 0.3,0.4 or 30%,40%" in message


# --- contain -------------------------------------------------------------------------------


def _framed(size: tuple[int, int], inside=(240, 240, 240), corner=(20, 20, 230)) -> Image.Image:
    """A pale picture with a blue square in each corner, to see that nothing was cropped."""
    image = Image.new("RGB", size, inside)
    side = min(size) // 10
    for x in (0, size[0] - side):
        for y in (0, size[1] - side):
            image.paste(corner, (x, y, x + side, y + side))
    return image


def test_contain_shows_the_whole_wide_picture_centred():
    result = contain(_framed((3000, 2000)), CARD, (10, 20, 30))

    assert result.size == CARD
    assert result.mode == "RGB"
    # 3000x2000 fits as 1080x720, with (1350 - 720) / 2 = 315 px above and below.
    for x, y in [(5, 320), (1074, 320), (5, 1029), (1074, 1029)]:
        assert _close(result.getpixel((x, y)), (20, 20, 230), tolerance=4), (x, y)
    assert _close(result.getpixel((540, 675)), (240, 240, 240), tolerance=2)
    for y in (0, 313, 1036, 1349):
        assert result.getpixel((540, y)) == (10, 20, 30)


def test_contain_shows_the_whole_tall_picture_centred():
    result = contain(_framed((400, 1000)), CARD, "black")

    # 400x1000 fits as 540x1350, with 270 px on either side.
    assert _close(result.getpixel((275, 5)), (20, 20, 230), tolerance=4)
    assert _close(result.getpixel((804, 1344)), (20, 20, 230), tolerance=4)
    for x in (0, 268, 811, 1079):
        assert result.getpixel((x, 675)) == (0, 0, 0)


def test_contain_of_the_same_shape_needs_no_backdrop():
    image = _noise((2160, 2700))

    result = contain(image, CARD)

    assert result.tobytes() == image.resize(CARD, Image.Resampling.LANCZOS, reducing_gap=3.0).tobytes()


def test_contain_of_the_exact_size_is_an_unchanged_copy():
    image = _noise((108, 135))

    result = contain(image, (108, 135))

    assert result is not image
    assert result.tobytes() == image.tobytes()


def test_contain_blur_backdrop_is_a_darker_smoother_copy_of_the_picture():
    image = Image.new("RGB", (3000, 2000), (200, 60, 40))
    image.paste(_noise((400, 2000)), (1300, 0))  # a noisy strip down the middle

    result = contain(image, CARD)

    band = result.crop((0, 0, 1080, 300))
    picture = result.crop((0, 320, 1080, 1030))
    band_mean, picture_mean = ImageStat.Stat(band).mean, ImageStat.Stat(picture).mean
    # The backdrop keeps the picture's colours, darker...
    assert band_mean[0] > band_mean[2] + 40
    assert sum(band_mean) < 0.8 * sum(picture_mean)
    # ... and blurred: the noise in the middle is smoothed out.
    assert max(ImageStat.Stat(band.crop((440, 0, 640, 300))).stddev) < 5
    assert max(ImageStat.Stat(picture.crop((480, 0, 600, 700))).stddev) > 15


def test_contain_upscales_a_tiny_picture():
    result = contain(Image.new("RGB", (8, 4), RED), CARD, (0, 0, 0))

    assert result.size == CARD
    assert result.getpixel((540, 675)) == RED
    assert result.getpixel((540, 0)) == (0, 0, 0)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P"])
def test_contain_accepts_any_mode(mode):
    assert contain(_framed((300, 200)).convert(mode), (108, 135)).mode == "RGB"


def test_contain_names_an_unknown_background():
    with pytest.raises(ImageError) as info:
        contain(_framed((300, 200)), (108, 135), "blurry")

    message = str(info.value)
    assert message.startswith("background 'blurry' is not a colour")
    assert "'blur'" in message
    assert "#1a1a1a" in message


def test_contain_is_deterministic_and_fast():
    image = _noise((3000, 2000))
    before = image.tobytes()
    first = contain(image, CARD)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        again = contain(image, CARD)
        timings.append(time.perf_counter() - started)

    assert again.tobytes() == first.tobytes()
    assert image.tobytes() == before
    # Measured ~60 ms (most of it the LANCZOS downscale that cover() also pays); loose for CI.
    assert min(timings) < 0.4


# --- duotone and tint ----------------------------------------------------------------------

DARK, LIGHT = (20, 20, 60), (246, 190, 64)


def test_duotone_maps_black_and_white_to_the_two_colours():
    image = Image.new("RGB", (30, 10), (0, 0, 0))
    image.paste((255, 255, 255), (10, 0, 20, 10))
    image.paste((128, 128, 128), (20, 0, 30, 10))

    result = duotone(image, DARK, LIGHT)

    assert result.mode == "RGB"
    assert result.size == image.size
    assert result.getpixel((5, 5)) == DARK
    assert result.getpixel((15, 5)) == LIGHT
    assert _close(result.getpixel((25, 5)), tuple((a + b) // 2 for a, b in zip(DARK, LIGHT, strict=True)), 2)


def test_duotone_keeps_the_picture_and_its_source():
    image = _noise((60, 40))
    before = image.tobytes()

    result = duotone(image, DARK, LIGHT)

    assert image.tobytes() == before
    assert result.tobytes() == duotone(image, DARK, LIGHT).tobytes()
    assert len(result.getcolors(256 * 256)) > 20


def test_tint_blends_toward_the_colour():
    image = Image.new("RGB", (10, 10), (200, 200, 200))

    assert tint(image, RED, 0).tobytes() == image.tobytes()
    assert tint(image, RED, 1).getpixel((5, 5)) == RED
    assert _close(tint(image, RED, 0.5).getpixel((5, 5)), (215, 110, 110), tolerance=1)
    assert tint(image.convert("L"), RED, 0.25).mode == "RGB"


@pytest.mark.parametrize("strength", [-0.1, 1.5, float("nan")])
def test_tint_strength_must_be_a_fraction(strength):
    with pytest.raises(ValueError, match="tint strength must be between 0 and 1"):
        tint(Image.new("RGB", (10, 10)), RED, strength)


# --- palette and accent colour -------------------------------------------------------------

BLUE, SAND = (30, 60, 200), (220, 200, 150)


def _stripes(widths_and_colours, height=60) -> Image.Image:
    image = Image.new("RGB", (sum(w for w, _ in widths_and_colours), height))
    x = 0
    for width, colour in widths_and_colours:
        image.paste(colour, (x, 0, x + width, height))
        x += width
    return image


def test_palette_gives_colours_and_shares_largest_first():
    image = _stripes([(19, RED), (48, SAND), (29, BLUE)])  # 96 px wide: analysed as is

    result = palette(image, 3)

    assert [colour for colour, _ in result] == [SAND, BLUE, RED]
    assert [share for _, share in result] == pytest.approx([48 / 96, 29 / 96, 19 / 96])


def test_palette_of_a_big_picture_is_close():
    image = _stripes([(1500, SAND), (900, BLUE), (600, RED)], height=2000)

    result = palette(image, 3)

    assert all(_close(colour, expected, 10) for (colour, _), expected in zip(result, [SAND, BLUE, RED], strict=True))
    assert [share for _, share in result] == pytest.approx([0.5, 0.3, 0.2], abs=0.02)


@pytest.mark.parametrize("count", [1, 2, 6, 16])
def test_palette_has_at_most_count_colours_and_shares_add_up(count):
    result = palette(_noise((600, 400)), count)

    assert 1 <= len(result) <= count
    assert sum(share for _, share in result) == pytest.approx(1)
    assert [share for _, share in result] == sorted((share for _, share in result), reverse=True)
    assert all(len(colour) == 3 and all(0 <= c <= 255 for c in colour) for colour, _ in result)


def test_palette_of_a_flat_picture_is_one_colour():
    assert palette(Image.new("RGB", (300, 200), BLUE)) == [(BLUE, 1.0)]


def test_palette_is_deterministic():
    image = load_illustration(EXAMPLE_IMAGE)

    assert palette(image) == palette(image.copy())


@pytest.mark.parametrize("count", [0, 257])
def test_palette_count_must_be_sensible(count):
    with pytest.raises(ValueError, match="palette count must be between 1 and 256"):
        palette(Image.new("RGB", (10, 10)), count)


def _hue(colour: tuple[int, int, int]) -> float:
    return colorsys.rgb_to_hls(*(c / 255 for c in colour))[0] * 360


def test_accent_prefers_a_saturated_colour_to_a_dull_majority():
    image = _stripes([(700, (110, 130, 125)), (250, (240, 120, 20)), (50, (250, 250, 250))], height=600)

    accent = accent_color(image)

    assert _close(accent, (240, 120, 20), tolerance=10)


def test_accent_skips_a_speck_of_colour():
    # 1% of pure red in a grey picture is not enough to build a theme on.
    image = _stripes([(990, (128, 128, 128)), (10, (255, 0, 0))], height=400)

    assert accent_color(image) == FALLBACK_ACCENT


@pytest.mark.parametrize(
    "make",
    [
        lambda: Image.linear_gradient("L").convert("RGB"),
        lambda: _noise((300, 200)).convert("L"),
        lambda: Image.new("RGB", (300, 200), (5, 5, 40)),  # near-black navy
        lambda: Image.new("RGB", (300, 200), (250, 245, 235)),  # near-white cream
    ],
    ids=["grey-ramp", "grey-noise", "near-black", "near-white"],
)
def test_accent_falls_back_to_deep_red_without_a_usable_colour(make):
    assert accent_color(make()) == FALLBACK_ACCENT


def test_accent_of_the_example_is_its_red_sky():
    accent = accent_color(load_illustration(EXAMPLE_IMAGE))

    assert accent == accent_color(load_illustration(EXAMPLE_IMAGE))
    assert _hue(accent) < 10 or _hue(accent) > 350
    assert accent[0] > 120
