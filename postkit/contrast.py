"""WCAG 2 relative luminance and contrast ratio: measured on colours and image pixels, and enforced."""

from __future__ import annotations

import colorsys

from PIL import Image

MIN_CONTRAST = 4.5  # WCAG 2.x AA for normal text (https://www.w3.org/TR/WCAG22/#contrast-minimum)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


_LINEAR = [_linear(v) for v in range(256)]
_LIGHTNESS_STEPS = 255  # HLS lightness steps from 0 to 1: one per 8-bit level, finer than rounding can show


def luminance(rgb: tuple[int, int, int]) -> float:
    """Return the WCAG relative luminance (0 black .. 1 white) of an sRGB colour."""
    r, g, b = rgb[:3]
    return 0.2126 * _LINEAR[r] + 0.7152 * _LINEAR[g] + 0.0722 * _LINEAR[b]


def contrast_ratio(a: float, b: float) -> float:
    """Return the WCAG contrast ratio (1 .. 21) of two relative luminances."""
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def luminance_range(image: Image.Image, box: tuple[float, float, float, float], block: int = 4) -> tuple[float, float]:
    """Return the darkest and lightest luminance behind ``box``, averaged over ``block``-px squares.

    Averaging over small squares ignores single stray pixels (JPEG noise) but not any area a
    letter's stroke could cover.
    """
    x0, y0, x1, y1 = (max(0, round(v)) for v in box)
    x1, y1 = min(x1, image.width), min(y1, image.height)
    if x1 <= x0 or y1 <= y0:
        return 0.0, 0.0
    region = image.crop((x0, y0, x1, y1)).convert("RGB")
    if block > 1 and region.width >= block and region.height >= block:
        region = region.reduce(block)
    lum = _LINEAR
    data = region.tobytes()
    values = [
        0.2126 * lum[r] + 0.7152 * lum[g] + 0.0722 * lum[b]
        for r, g, b in zip(data[0::3], data[1::3], data[2::3], strict=True)
    ]
    return min(values), max(values)


def worst_contrast(image: Image.Image, box: tuple[float, float, float, float], text_rgb: tuple[int, int, int]) -> float:
    """Return the lowest contrast between ``text_rgb`` and any part of the image behind ``box``."""
    text = luminance(text_rgb)
    darkest, lightest = luminance_range(image, box)
    return min(contrast_ratio(text, darkest), contrast_ratio(text, lightest))


def ensure_contrast(
    color: tuple[int, int, int], background: tuple[int, int, int], ratio: float = MIN_CONTRAST
) -> tuple[int, int, int]:
    """Return the colour of ``color``'s hue nearest in lightness with at least ``ratio`` contrast on ``background``."""
    # Both directions (toward black and toward white) are tried and the smaller change wins: on a
    # mid-grey, lightening a yellow can never reach 4.5:1 but darkening it can. When neither does,
    # black or white is returned, whichever contrasts more.
    rgb = (int(color[0]), int(color[1]), int(color[2]))
    behind = luminance(background)
    if contrast_ratio(luminance(rgb), behind) >= ratio:
        return rgb
    hue, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in rgb))
    start = round(lightness * _LIGHTNESS_STEPS)
    candidates = []
    for direction in (-1, 1):
        for step in range(start + direction, -1 if direction < 0 else _LIGHTNESS_STEPS + 1, direction):
            moved = colorsys.hls_to_rgb(hue, step / _LIGHTNESS_STEPS, saturation)
            found = (round(moved[0] * 255), round(moved[1] * 255), round(moved[2] * 255))
            contrast = contrast_ratio(luminance(found), behind)
            if contrast >= ratio:
                candidates.append((abs(step - start), -contrast, found))
                break
    if candidates:
        return min(candidates)[2]
    return text_on(background, (255, 255, 255), (0, 0, 0))


def text_on(
    background: tuple[int, int, int],
    light: tuple[int, int, int] = (255, 255, 255),
    dark: tuple[int, int, int] = (20, 20, 20),
) -> tuple[int, int, int]:
    """Return whichever of ``light`` and ``dark`` contrasts more with ``background`` (``light`` on a tie)."""
    behind = luminance(background)
    if contrast_ratio(luminance(dark), behind) > contrast_ratio(luminance(light), behind):
        return dark
    return light
