"""The least work that draws postkit's own cards: a drawing list, replayed with bare Pillow.

bench.py writes the drawing list of the example post once, untimed (drawing_list() below, with postkit):
each card's background, where its picture goes and which part of the illustration it shows, its scrim,
rules and lines (text, font file, size, baseline, colour). This script replays it as a whole process:
the illustration decoded once at reduced size (JPEG draft mode), each picture one resample, one scrim
pass, one draw.text per line, then encoded and written with postkit's JPEG settings. No layout, no
checks, no fallback fonts: what remains is what drawing these exact cards costs at the least.

    python benchmarks/least_work.py LIST.json --out /tmp/least
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

JPEG = {"quality": 92, "subsampling": 0, "optimize": False}
MAT = (251, 248, 241)  # postkit.compose.MAT


def drawing_list(article: Path) -> dict[str, Any]:
    """Lay out ``article``'s post with postkit and return its cards as a drawing list (JSON data)."""
    from postkit.compose import Painter
    from postkit.fonts import StyledFace, strip_emphasis
    from postkit.illustration import crop_box
    from postkit.pipeline import _settle, compose_cards, find_image

    parsed, name, settings, theme = _settle(article, None, {})
    picture_path = find_image(parsed, settings.image)
    cards = compose_cards(parsed, settings, theme, picture_path, name=name)
    painter = Painter(cards.illustration, cards.theme.colors["scrim"], cards.theme.colors["ink"])
    illustration = cards.illustration
    assert illustration is not None
    out = []
    for plan in cards.plans:
        card: dict[str, Any] = {"size": list(plan.size), "background": list(plan.background), "lines": []}
        picture = plan.picture
        if picture is not None:
            x0, y0, x1, y1 = picture.box
            inset = picture.frame + picture.mat
            inner = (x0 + inset, y0 + inset, x1 - inset, y1 - inset)
            size = (inner[2] - inner[0], inner[3] - inner[1])
            if picture.fit == "exact":
                crop = (0.0, 0.0, float(illustration.width), float(illustration.height))
            else:
                crop = crop_box(illustration.size, size, picture.focus, picture.keep, picture.window)
            card["picture"] = {"box": list(picture.box), "inner": list(inner), "crop": list(crop) if crop else None,
                               "frame": picture.frame, "keyline": list(cards.theme.colors["ink"])}  # fmt: skip
        if plan.scrim_top is not None:
            background = painter.paint_background(plan, cards.theme["cover"]["scrim_min"])
            _, mask = painter.scrim(background, plan, plan.scrim_top, cards.theme["cover"]["scrim_min"])
            card["scrim"] = {"top": plan.scrim_top, "ramp": plan.scrim_ramp, "rgb": list(cards.theme.colors["scrim"]),
                             "strength": mask.getpixel((0, plan.size[1] - 1)) / 255}  # fmt: skip
        card["rules"] = [[list(rule.box), list(rule.fill)] for rule in plan.rules]
        for line in plan.lines:
            face = line.font.regular if isinstance(line.font, StyledFace) else line.font
            text = strip_emphasis(line.text)
            card["lines"].append([text, face.path, face.size, line.x, line.y + face.ascent, list(line.fill)])
        out.append(card)
    return {"picture": str(picture_path), "picture_size": list(illustration.size), "cards": out}


def _alpha(y: int, top: int, ramp: int, strength: float) -> int:
    if y < top:
        return 0
    t = min(1.0, (y - top) / ramp)
    return round(255 * strength * t * t * (3 - 2 * t))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("drawing_list", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    data = json.loads(args.drawing_list.read_text(encoding="utf-8"))
    args.out.mkdir(parents=True, exist_ok=True)
    fonts: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}
    with Image.open(data["picture"]) as opened:
        opened.draft("RGB", (opened.width // 2, opened.height // 2))  # no larger than the largest box needs
        picture = opened.convert("RGB")
    scale = picture.width / data["picture_size"][0]
    for number, card in enumerate(data["cards"], start=1):
        size = tuple(card["size"])
        image = Image.new("RGB", size, tuple(card["background"]))
        draw = ImageDraw.Draw(image)
        shown = card.get("picture")
        if shown and shown["crop"]:
            x0, y0, x1, y1 = shown["inner"]
            if shown["frame"]:
                box, frame = shown["box"], shown["frame"]
                draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=tuple(shown["keyline"]))
                draw.rectangle((box[0] + frame, box[1] + frame, box[2] - 1 - frame, box[3] - 1 - frame), fill=MAT)
            crop = [v * scale for v in shown["crop"]]
            image.paste(picture.resize((x1 - x0, y1 - y0), Image.Resampling.BICUBIC, box=crop), (x0, y0))
        scrim = card.get("scrim")
        if scrim:
            ramp = max(1, round((size[1] - scrim["top"]) * scrim["ramp"]))
            column = Image.new("L", (1, size[1]))
            column.putdata([_alpha(y, scrim["top"], ramp, scrim["strength"]) for y in range(size[1])])
            image = Image.composite(Image.new("RGB", size, tuple(scrim["rgb"])), image, column.resize(size))
            draw = ImageDraw.Draw(image)
        for box, fill in card["rules"]:
            draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=tuple(fill))
        for text, path, font_size, x, baseline, fill in card["lines"]:
            font = fonts.get((path, font_size))
            if font is None:
                font = fonts[(path, font_size)] = ImageFont.truetype(path, font_size)
            draw.text((x, baseline), text, font=font, fill=tuple(fill), anchor="ls")
        image.save(args.out / f"{number:02d}.jpg", **JPEG)


if __name__ == "__main__":
    main()
