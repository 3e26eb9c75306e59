"""Painted cards, re-measured: ink inside the margins, contrast behind every line, same bytes twice."""

from __future__ import annotations

import dataclasses
import random

import pytest
from PIL import Image, ImageChops, ImageDraw

from postkit.compose import Painter
from postkit.contrast import MIN_CONTRAST, contrast_ratio, luminance, worst_contrast
from postkit.design import FORMATS, Design, PostText, plan_post, text_chains
from postkit.output import encode_jpeg
from postkit.slicing import slice_paragraphs

TEXT = PostText("October Revolution", "November 7, 1917", "themagickalearth", "Storming the Winter Palace.", "Pictured")


def pictures() -> dict[str, Image.Image]:
    rng = random.Random(7)
    noise = Image.frombytes("RGB", (400, 300), bytes(rng.randrange(256) for _ in range(400 * 300 * 3)))
    stripes = Image.new("RGB", (1600, 1200), "white")
    draw = ImageDraw.Draw(stripes)
    for x in range(0, 1600, 40):
        draw.rectangle((x, 0, x + 19, 1200), fill=(255, 230, 0))
    return {
        "white": Image.new("RGB", (1600, 1200), "white"),
        "yellow": Image.new("RGB", (900, 1400), (255, 236, 60)),
        "noise": noise,
        "stripes": stripes,
        "grey": Image.new("RGB", (1200, 1200), (128, 128, 128)),
    }


@pytest.fixture(scope="module")
def post_plans(theme, example_paragraphs, style_for):
    def make(fmt: str, picture: Image.Image | None):
        design = Design(theme, FORMATS[fmt], TEXT, has_picture=picture is not None)
        chains = text_chains(theme)
        style = style_for(chains, fmt)
        slicing = slice_paragraphs(example_paragraphs, style, design.text_box, 18 if fmt == "landscape" else 8)
        return plan_post(design, slicing, chains, picture.size if picture else None)

    return make


@pytest.mark.parametrize("name", sorted(pictures()))
def test_cover_text_reaches_4_5_to_1_over_any_picture(theme, post_plans, name):
    picture = pictures()[name]
    cover = post_plans("portrait", picture)[0]
    painter = Painter(picture, theme.colors["scrim"], theme.colors["ink"])
    background = painter.paint_background(cover, theme["cover"]["scrim_min"])
    for line in cover.lines:
        assert worst_contrast(background, line.box, line.fill) >= MIN_CONTRAST, (name, line.text)


def test_text_and_closing_colours_meet_contrast(theme):
    c = theme.colors
    for fg in ("ink", "muted", "accent"):
        assert contrast_ratio(luminance(c[fg]), luminance(c["paper"])) >= MIN_CONTRAST, fg
    for fg in ("cover_text", "cover_kicker"):
        assert contrast_ratio(luminance(c[fg]), luminance(c["ink"])) >= MIN_CONTRAST, fg


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("with_picture", [True, False])
def test_drawn_ink_stays_inside_the_margins(theme, post_plans, fmt, with_picture):
    picture = pictures()["noise"] if with_picture else None
    painter = Painter(picture, theme.colors["scrim"], theme.colors["ink"])
    for plan in post_plans(fmt, picture):
        # Paint the text alone on a flat background, then find where any ink landed.
        text_only = dataclasses.replace(plan, picture=None, scrim_top=None, rules=[])
        image = painter.paint(text_only)
        flat = Image.new("RGB", plan.size, plan.background)
        ink = ImageChops.difference(image, flat).getbbox()
        assert ink is not None
        left, top, right, bottom = plan.margins
        assert ink[0] >= left and ink[1] >= top and ink[2] <= right and ink[3] <= bottom, (plan.kind, ink)


def test_painting_twice_gives_the_same_bytes(theme, post_plans):
    picture = pictures()["stripes"]
    plans = post_plans("portrait", picture)
    first = [encode_jpeg(Painter(picture, theme.colors["scrim"], theme.colors["ink"]).paint(p)) for p in plans]
    second = [encode_jpeg(Painter(picture, theme.colors["scrim"], theme.colors["ink"]).paint(p)) for p in plans]
    assert first == second


def test_closing_print_shows_the_whole_picture(theme, post_plans):
    picture = pictures()["yellow"]
    closing = post_plans("portrait", picture)[-1]
    box = closing.picture.box
    inset = closing.picture.frame + closing.picture.mat
    inner = (box[2] - box[0] - 2 * inset, box[3] - box[1] - 2 * inset)
    assert abs(inner[0] / inner[1] - picture.width / picture.height) < 0.02
