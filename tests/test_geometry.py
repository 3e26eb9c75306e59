"""Cards as checked geometry: in every theme and format, with short, long, Arabic and Japanese titles and any
picture, no two lines of text touch, no text crosses a rule, and all ink stays inside the card's margins.

Boxes are ink boxes (what the glyphs cover), from the plan that painting follows without measuring again.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from PIL import Image, ImageChops

from postkit.compose import Painter
from postkit.design import FORMATS, Design, PostText, plan_post, text_chains, text_style
from postkit.layout import ink_box
from postkit.pipeline import make_post
from postkit.slicing import slice_paragraphs
from postkit.themes import list_themes, load_theme

TITLES = {
    "short": ("Apollo 11", "en"),
    "four lines": (
        "El descubrimiento de América y la llegada de Cristóbal Colón a la isla de Guanahaní en las Bahamas, "
        "tras setenta días de travesía",
        "es",
    ),
    "Arabic": ("الثورة الفرنسية وسقوط سجن الباستيل في باريس", "ar"),
    "Japanese": ("関東大震災と東京・横浜の大火災", "ja"),
}
PICTURES = {"portrait photo": (800, 1000), "panorama": (1000, 180), "none": None}


def ink(line) -> tuple[float, float, float, float]:
    left, top, right, bottom = ink_box(line.font, line.text, line.tracking, line.rtl)
    return line.x + left, line.y + top, line.x + right, line.y + bottom


def touch(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("theme_name", list_themes())
def test_nothing_collides_and_all_ink_stays_inside(example_paragraphs, theme_name, fmt):
    theme = load_theme(theme_name)
    chains = text_chains(theme)
    size = FORMATS[fmt]
    problems = []
    for title_name, (title, lang) in TITLES.items():
        for picture_name, picture in PICTURES.items():
            text = PostText(title, "12 October 1492", "themagickalearth", "Pictured: a credit.", None, lang=lang)
            design = Design(theme, size, text, has_picture=picture is not None)
            slicing = slice_paragraphs(example_paragraphs, text_style(theme, chains, size), design.text_box, 18)
            plans = plan_post(design, slicing, chains, picture)
            for plan in (plans[0], plans[1], plans[-1]):
                where = f"{title_name} title, {picture_name}, {plan.kind}"
                boxes = [(line.text, ink(line)) for line in plan.lines if line.text.strip()]
                for k, (a_text, a) in enumerate(boxes):
                    problems += [
                        f"{where}: {a_text!r} touches {b_text!r}" for b_text, b in boxes[k + 1 :] if touch(a, b)
                    ]
                    problems += [f"{where}: {a_text!r} crosses a rule {r.box}" for r in plan.rules if touch(a, r.box)]
                    left, top, right, bottom = plan.margins
                    if a[0] < left - 1 or a[1] < top - 1 or a[2] > right + 1 or a[3] > bottom + 1:
                        problems.append(f"{where}: {a_text!r} at {a} is outside the margins {plan.margins}")
    assert problems == []


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_each_lines_drawn_ink_stays_inside_its_recorded_box(example_dir, tmp_path, fmt):
    """post.json's text boxes hold what was drawn: each line painted alone, its ink inside its box."""
    post = make_post(example_dir / "article.txt", out=tmp_path / "post", format=fmt, max_slides=20)
    recorded = json.loads((post.folder / "post.json").read_text())["slides"]
    theme = load_theme("classic")
    painter = Painter(None, theme.colors["scrim"], theme.colors["ink"])
    for plan, slide in zip(post.plans, recorded, strict=True):
        assert len(slide["text_boxes"]) == len(plan.lines)
        assert slide["rule_boxes"] == [list(rule.box) for rule in plan.rules]
        for line, box in zip(plan.lines, slide["text_boxes"], strict=True):
            alone = dataclasses.replace(plan, picture=None, scrim_top=None, rules=[], lines=[line])
            ink = ImageChops.difference(painter.paint(alone), Image.new("RGB", plan.size, plan.background)).getbbox()
            if ink is None:
                continue  # a line of spaces
            assert box[0] - 1 <= ink[0] and box[1] - 1 <= ink[1] and ink[2] <= box[2] + 1 and ink[3] <= box[3] + 1, (
                slide["file"],
                line.text,
                ink,
                box,
            )
