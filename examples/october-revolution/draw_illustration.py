"""Draw examples/october-revolution/article.jpg: the cruiser Aurora on the Neva, 7 November 1917.

A night scene in the manner of a 1920s constructivist linocut poster: the Winter Palace along
the far bank, the Aurora with its three funnels and crossed searchlights, and the flash of the
blank shot. Pillow + stdlib only, and deterministic (fixed seed): every run writes the same
bytes. Run from the project root:

    .venv/bin/python examples/october-revolution/draw_illustration.py
"""

import math
import random
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

OUT = Path(__file__).with_name("article.jpg")
W, H = 1800, 1350  # final size; all coordinates below are in these units
S = 2  # supersampling factor: draw at 2x, downsample with LANCZOS
SEED = 1917

INK, RED, CREAM, YELLOW = (20, 20, 20), (200, 32, 38), (240, 229, 205), (246, 190, 64)
FACADE, TRIM = (66, 12, 16), (98, 20, 24)  # the palace: one step behind the ink of the ship
QUAY, WATERLINE = 770, 880
# The ship is drawn in design units (a 1000-px hull), then squeezed into the central crop.
SHIP_SCALE, SHIP_SHIFT = 0.78, 275
FUNNELS, LIGHTS, GUN = (750, 872, 994), ((660, 500), (1222, 530)), (396, 774)


def ship_x(x: float) -> float:
    return SHIP_SHIFT + x * SHIP_SCALE


def pts(*xy: tuple[float, float]) -> list[tuple[float, float]]:
    return [(x * S, y * S) for x, y in xy]


def box(x0: float, y0: float, x1: float, y1: float) -> list[float]:
    return [x0 * S, y0 * S, x1 * S, y1 * S]


def mix(a: tuple, b: tuple, t: float) -> tuple[int, ...]:
    return tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3))


def gradient(d: ImageDraw.ImageDraw, y0: int, y1: int, stops: list, band: int) -> None:
    """Vertical gradient through (y, colour) stops, posterised into bands like a print."""
    for y in range(y0 * S, y1 * S):
        yq = (y // (band * S)) * band + band / 2
        for (ya, ca), (yb, cb) in zip(stops, stops[1:], strict=False):
            if ya <= yq <= yb:
                d.line([(0, y), (W * S, y)], fill=mix(ca, cb, (yq - ya) / (yb - ya)))
                break


def radial(cx: float, cy: float, r: float, peak: int, power: float = 2) -> Image.Image:
    """Full-canvas L mask: peak at (cx, cy) falling to 0 at radius r (built at 1/4 size)."""
    small = Image.new("L", (W * S // 4, H * S // 4), 0)
    size = max(1, int(r * S / 2))
    disc = Image.radial_gradient("L").resize((size, size), Image.Resampling.BICUBIC)
    fade = disc.point(lambda v: int(peak * max(0.0, 1 - v / 181) ** power))
    small.paste(fade, (int((cx - r) * S / 4), int((cy - r) * S / 4)))
    return small.resize((W * S, H * S), Image.Resampling.BICUBIC)


def beam(img: Image.Image, src: tuple, a: float, b: float, length: float, peak: int) -> None:
    """A searchlight: a flat wedge from src between angles a and b (degrees), fading out."""
    mask = Image.new("L", img.size, 0)
    far = [(src[0] + length * math.cos(math.radians(t)), src[1] - length * math.sin(math.radians(t))) for t in (a, b)]
    ImageDraw.Draw(mask).polygon(pts(src, *far), fill=255)
    img.paste(CREAM, (0, 0), ImageChops.multiply(mask, radial(*src, length, peak, 0.7)))


def smoke(img: Image.Image, rng: random.Random, x: float, y: float, n: int, lean: float) -> None:
    """A plume that rises, then bends downwind and thins out; the glow lights its underside."""
    body, rim = Image.new("L", img.size, 0), Image.new("L", img.size, 0)
    db, dr = ImageDraw.Draw(body), ImageDraw.Draw(rim)
    for k in reversed(range(n)):  # far, faint puffs first; dense ones on top
        ry = 14 + 3.0 * k
        rx = ry * (1 + 0.6 * k / n)
        px = x + lean * (3 * k + 0.9 * k * k) + rng.uniform(-3, 3)
        py = y - 21 * k + 0.32 * k * k + rng.uniform(-3, 3)
        a = int(255 * (1 - (k / n) ** 4))
        dr.ellipse(box(px - rx + 3, py - ry + 6, px + rx + 3, py + ry + 6), fill=a)
        db.ellipse(box(px - rx, py - ry, px + rx, py + ry), fill=a)
    img.paste((128, 26, 30), (0, 0), ImageChops.subtract(rim, body))
    img.paste((30, 15, 17), (0, 0), body)


def palace(d: ImageDraw.ImageDraw, rng: random.Random) -> list[float]:
    """The long Baroque front of the Winter Palace; returns the x of every light on the quay."""
    top, pavilions = 640, [(60, 300), (740, 1060), (1500, 1740)]

    def roof(x: float) -> float:
        in_pavilion = any(a <= x <= b for a, b in pavilions)
        return top - 48 if 820 <= x <= 980 else top - 22 if in_pavilion else top

    d.rectangle(box(-10, top, W + 10, QUAY), fill=FACADE)
    for a, b, h in [*((a, b, 22) for a, b in pavilions), (820, 980, 48)]:
        d.rectangle(box(a, top - h, b, QUAY), fill=FACADE)
        d.rectangle(box(a, top - h, b, top - h + 5), fill=TRIM)
    d.rectangle(box(-10, top, W + 10, top + 5), fill=TRIM)  # cornice
    d.rectangle(box(-10, 718, W + 10, 722), fill=TRIM)  # string course
    lit = []
    for x in range(-4, W, 30):
        paired = roof(x + 15) < top
        for col in (x + 1, x + 26) if paired else (x + 26,):
            d.rectangle(box(col, roof(x) + 6, col + 3, 716), fill=TRIM)  # columns
        for y0, y1 in ((652, 668), (678, 712), (730, 752)):
            on = rng.random() < (0.55 if 600 < x < 1200 else 0.3)
            d.rectangle(box(x + 9, y0, x + 20, y1), fill=YELLOW if on else (38, 8, 10))
            if on:
                d.line(box(x + 14.5, y0, x + 14.5, y1), fill=(150, 80, 30), width=S)
                lit += [x + 14.5] if y0 == 730 else []
    for x in range(6, W, 42):  # statues and vases along the balustrade
        ry = roof(x)
        d.rectangle(box(x - 5, ry - 8, x + 5, ry), fill=FACADE)
        if (x // 42) % 3 == 1:
            d.ellipse(box(x - 6, ry - 22, x + 6, ry - 9), fill=FACADE)
            d.rectangle(box(x - 2, ry - 27, x + 2, ry - 20), fill=FACADE)
            continue
        d.polygon(pts((x - 4, ry - 8), (x + 4, ry - 8), (x + 3, ry - 27), (x - 3, ry - 27)), fill=FACADE)
        d.ellipse(box(x - 3.5, ry - 34, x + 3.5, ry - 26), fill=FACADE)
        if (x // 42) % 2:  # a raised arm
            d.line(pts((x + 2, ry - 24), (x + 9, ry - 38)), fill=FACADE, width=3 * S)
    d.polygon(pts((860, 592), (900, 560), (940, 592)), fill=FACADE)  # central pediment
    d.rectangle(box(-10, QUAY, W + 10, QUAY + 14), fill=(34, 10, 12))  # granite quay
    for x in range(40, W, 160):  # embankment lamps
        d.line(box(x, QUAY, x, QUAY - 26), fill=(34, 10, 12), width=2 * S)
        d.ellipse(box(x - 4, QUAY - 33, x + 4, QUAY - 25), fill=YELLOW)
        lit.append(x)
    return lit


def aurora(rng: random.Random) -> Image.Image:
    """The protected cruiser Aurora in profile, bow to the left, as a solid ink silhouette."""
    layer = Image.new("RGBA", (W * S, H * S), (0, 0, 0, 0))
    d, rim = ImageDraw.Draw(layer), (118, 28, 30)  # rim: where the city's glow catches the ink
    deck = [(430, 794), (520, 800), (540, 806), (1330, 810), (1394, 800), (1402, 812), (1380, 850)]
    d.polygon(pts(*deck, (1352, WATERLINE), (440, WATERLINE), (426, 874), (438, 846)), fill=INK)
    d.line(pts((436, 800), (520, 806), (540, 812), (1330, 816), (1392, 808)), fill=rim, width=S)
    houses = [(590, 766, 700, 808), (612, 744, 680, 768), (700, 782, 1070, 810), (1100, 786, 1260, 810)]
    for rect in [*houses, (576, 762, 716, 767)]:  # bridge, its wings and the deckhouses
        d.rectangle(box(*rect), fill=INK)
    for cx in FUNNELS:  # the three tall, raked funnels
        d.rectangle(box(cx - 26, 774, cx + 26, 790), fill=INK)
        d.polygon(pts((cx - 19, 800), (cx + 19, 800), (cx + 35, 462), (cx - 3, 462)), fill=INK)
        d.rectangle(box(cx - 6, 458, cx + 38, 472), fill=INK)
        d.line(pts((cx - 12, 780), (cx + 4, 476)), fill=rim, width=S)
    for vx in (812, 934):  # ventilator cowls
        d.rectangle(box(vx - 3, 740, vx + 3, 786), fill=INK)
        d.ellipse(box(vx - 10, 728, vx + 8, 746), fill=INK)
    d.chord(box(1040, 760, 1124, 790), 0, 180, fill=INK)  # boats on davits
    d.chord(box(1136, 764, 1204, 792), 0, 180, fill=INK)
    for base_x, top_x, top_y, yard_y in ((652, 660, 290, 360), (1214, 1222, 320, 390)):
        d.polygon(pts((base_x - 5, 800), (base_x + 5, 800), (top_x + 2, top_y), (top_x - 2, top_y)), fill=INK)
        d.line(pts((top_x - 44, yard_y), (top_x + 44, yard_y)), fill=INK, width=3 * S)
        d.line(pts((top_x - 26, yard_y + 60), (top_x + 26, yard_y + 60)), fill=INK, width=2 * S)
    for x, y in LIGHTS:  # searchlight platforms and lamp drums
        d.rectangle(box(x - 28, y + 6, x + 28, y + 16), fill=INK)
        d.rounded_rectangle(box(x - 12, y - 8, x + 12, y + 8), radius=4 * S, fill=INK)
    d.line(pts((660, 292), (432, 795)), fill=INK, width=S + 1)  # stays and wireless aerial
    d.line(pts((1222, 322), (1398, 802)), fill=INK, width=S + 1)
    d.line(pts((660, 294), (940, 312), (1222, 324)), fill=INK, width=S)
    d.polygon(pts((456, 782), (490, 782), (496, 798), (450, 798)), fill=INK)  # bow gun
    d.line(pts((470, 788), GUN), fill=INK, width=5 * S)
    d.polygon(pts((1290, 788), (1318, 788), (1322, 806), (1286, 806)), fill=INK)
    d.line(pts((1304, 793), (1352, 784)), fill=INK, width=4 * S)
    for x in range(470, 1340, 22):  # portholes
        if rng.random() < 0.35:
            d.ellipse(box(x - 3, 830, x + 3, 835.2), fill=YELLOW)
    squeezed = layer.resize((round(W * S * SHIP_SCALE), H * S), Image.Resampling.LANCZOS)
    layer = Image.new("RGBA", layer.size, (0, 0, 0, 0))
    layer.paste(squeezed, (SHIP_SHIFT * S, 0))
    return layer


def reflect(img: Image.Image, src: Image.Image, y0: int, depth: int, alpha: float, smear: int) -> None:
    """Mirror the band of src above y0 into the water below it, in wavering strips."""
    band = src.crop((0, (y0 - depth) * S, W * S, y0 * S)).convert("RGBA")
    band = band.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    band = band.resize((band.width // smear, band.height)).resize(band.size)  # horizontal blur
    out = Image.new("RGBA", (img.width + 80 * S, img.height), (0, 0, 0, 0))
    y = 0
    while y < band.height:
        h = int(3 * S + y * 0.05)
        strip = band.crop((0, y, band.width, min(y + h, band.height) - S))
        a = alpha * (1 - y / band.height) ** 1.4
        strip.putalpha(strip.getchannel("A").point(lambda v, a=a: int(v * a)))
        dx = 3 * math.sin(y / (9 * S)) + 2 * math.sin(y * 0.37)  # the river's ripple
        out.alpha_composite(strip, (int((40 + dx) * S), y0 * S + y))
        y += h
    img.alpha_composite(out, (0, 0), (40 * S, 0))


def blank_shot(img: Image.Image, d: ImageDraw.ImageDraw, ship: Image.Image) -> None:
    """Powder smoke lit from within behind the bow, the ship itself, then the jagged flame."""
    x, y = ship_x(GUN[0]), GUN[1]
    img.paste(YELLOW, (0, 0), radial(x - 40, y - 10, 340, 120))
    puffs = [(-150, -4, 30), (-116, -40, 38), (-60, -58, 34), (-92, 10, 34), (-30, -30, 34)]
    for colour, grow in (((118, 28, 30), 5), ((198, 72, 42), 0)):
        for cx, cy, r in [*puffs, (0, -60, 26), (30, -24, 28)]:
            r += grow
            d.ellipse(box(x + cx - r, y + cy - r, x + cx + r, y + cy + r), fill=colour)
    img.alpha_composite(ship)
    for dy, t in ((2, 0.35), (6, 0.6), (11, 0.8)):  # the glow catching the water at the hull
        d.line(box(ship_x(450) - 20, WATERLINE + dy, ship_x(1350) + 20, WATERLINE + dy), fill=mix(RED, INK, t), width=S)
    img.paste(CREAM, (0, 0), radial(x - 50, y - 8, 110, 150))

    def ray(deg: float, r: float) -> tuple[float, float]:
        t = math.radians(172 + deg)  # along the barrel, a little above the horizon
        return x + r * math.cos(t), y - r * math.sin(t)

    tips = [(-40, 70), (-26, 112), (-13, 92), (0, 150), (11, 104), (24, 126), (38, 66)]
    for scale, colour in ((1.0, YELLOW), (0.55, CREAM)):
        flame = [(x, y)]
        for (d0, r0), (d1, r1) in zip(tips, tips[1:], strict=False):
            flame += [ray(d0, r0 * scale), ray((d0 + d1) / 2, 0.72 * min(r0, r1) * scale)]
        d.polygon(pts(*flame, ray(tips[-1][0], tips[-1][1] * scale)), fill=colour)
    for k in range(8):  # the flash on the water
        wy, w = WATERLINE + 8 + k * 14, 80 - k * 8
        d.line(box(x - 40 - w, wy, x - 40 + w, wy), fill=mix(YELLOW, INK, k / 9), width=3 * S)


def grain(img: Image.Image, rng: random.Random) -> Image.Image:
    """Seeded paper grain plus a gentle vignette, applied at the final size."""
    noise = Image.frombytes("L", (W, H), rng.randbytes(W * H)).point(lambda v: 128 + (v - 128) // 5)
    img = ImageChops.soft_light(img, Image.merge("RGB", (noise,) * 3))
    vignette = (
        Image.radial_gradient("L").resize((W * 3 // 2, H * 3 // 2)).crop((W // 4, H // 4, W * 5 // 4, H * 5 // 4))
    )
    img.paste((10, 6, 8), (0, 0), vignette.point(lambda v: int(120 * min(1.0, max(0.0, v / 181 - 0.55) / 0.45) ** 1.5)))
    return img


def main() -> None:
    rng = random.Random(SEED)
    img = Image.new("RGBA", (W * S, H * S), INK)
    d = ImageDraw.Draw(img)
    gradient(d, 0, QUAY, [(0, (22, 14, 16)), (230, (64, 12, 18)), (470, (150, 24, 30)), (QUAY, (226, 72, 46))], band=22)
    img.paste((236, 96, 52), (0, 0), radial(880, 600, 460, 70))  # the city's glow
    for cx, n, lean in zip(FUNNELS, (22, 20, 18), (0.9, 1.0, 1.1), strict=True):
        smoke(img, rng, ship_x(cx + 16), 452, n, lean)
    fore, aft = ((ship_x(x), y) for x, y in LIGHTS)
    beams = [(fore, 52, 58, 1700, 190), (aft, 117, 124, 1700, 170)]  # crossed searchlights
    beams += [(fore, 54.4, 55.6, 1400, 120), (aft, 120, 121.2, 1400, 110)]  # and their brighter cores
    for src, a, b, length, peak in beams:
        beam(img, src, a, b, length, peak)
    lit = palace(d, rng)
    gradient(d, QUAY + 14, H, [(QUAY, (70, 14, 18)), (1000, (30, 14, 16)), (H, INK)], band=30)
    reflect(img, img.copy(), QUAY + 14, 330, 0.55, 10)
    for x in lit:  # long wavering streaks of window light
        for k in range(rng.randint(5, 10)):
            y, w = QUAY + 22 + k * 13 + rng.uniform(0, 6), rng.uniform(4, 14) * (1 - k / 12)
            d.line(box(x - w + rng.uniform(-3, 3), y, x + w, y), fill=YELLOW, width=2 * S)
    for _ in range(260):  # linocut cuts in the water
        y = QUAY + 20 + (H - QUAY) * rng.random() ** 1.6
        x, n = rng.uniform(-50, W), rng.uniform(20, 160)
        d.line(box(x, y, x + n, y), fill=mix(RED, INK, (y - QUAY) / (H - QUAY)), width=S)
    ship = aurora(rng)
    reflect(img, ship, WATERLINE, 420, 0.8, 2)
    blank_shot(img, d, ship)
    final = grain(img.convert("RGB").resize((W, H), Image.Resampling.LANCZOS), rng)
    final.save(OUT, "JPEG", quality=90, optimize=True, subsampling=0)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
