"""Every built-in theme x every format, on the example, a Russian article and one without a picture.

Measured properties: every line inside the card's margins, 4.5:1 contrast on the pixels behind
every line, the cover's title inside the profile grid's 3:4 crop, and the slide count.
"""

from __future__ import annotations

import json
import shutil

import pytest
from PIL import Image

from postkit.check import check_post
from postkit.compose import Painter
from postkit.contrast import MIN_CONTRAST, worst_contrast
from postkit.design import FORMATS, Design, PostText, plan_post, text_chains, text_style
from postkit.pipeline import make_post, resolve_colors
from postkit.slicing import slice_paragraphs
from postkit.themes import list_themes, load_theme

THEMES = ["classic", "night", "poster", "minimal"]
RUSSIAN = """---
title: Октябрьская революция
date: 1917-11-07
lang: ru
handle: istoriya
---

Первая русская революция 1917 года свергла царя в марте. Вторая, в ноябре, положила конец Временному
правительству и открыла эпоху большевиков.

6 ноября силы Военно-революционного комитета заняли ключевые пункты Петрограда. Крейсер «Аврора»
произвёл холостой выстрел, и к часу ночи Зимний дворец был взят почти без крови.
"""


def test_the_built_in_themes_are_all_listed():
    assert set(THEMES) <= set(list_themes())


@pytest.fixture(scope="module")
def articles(tmp_path_factory):
    from conftest import EXAMPLE_DIR

    root = tmp_path_factory.mktemp("looks")
    example = root / "example"
    shutil.copytree(EXAMPLE_DIR, example, ignore=shutil.ignore_patterns("*.py"))
    russian = root / "ru" / "article.md"
    russian.parent.mkdir()
    russian.write_text(RUSSIAN)
    shutil.copy(EXAMPLE_DIR / "article.jpg", russian.with_suffix(".jpg"))
    bare = root / "bare" / "article.txt"
    bare.parent.mkdir()
    bare.write_text((EXAMPLE_DIR / "article.txt").read_text())
    return {"example": example / "article.txt", "russian": russian, "bare": bare}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("which", ["example", "russian", "bare"])
def test_every_theme_and_format_renders_legibly(articles, tmp_path, theme, fmt, which):
    source = articles[which]
    post = make_post(source, theme=theme, format=fmt, max_slides=20, out=tmp_path / "post")
    meta = json.loads((post.folder / "post.json").read_text())
    assert [s["kind"] for s in meta["slides"]][0] == "cover" and meta["slides"][-1]["kind"] == "closing"
    errors = [v for v in check_post(post.folder) if v.level == "error"]
    assert errors == []
    with Image.open(post.folder / "01.jpg") as cover:
        assert cover.size == FORMATS[fmt]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("name", THEMES)
@pytest.mark.parametrize("with_picture", [True, False])
@pytest.mark.parametrize("which", ["example", "russian"])
def test_lines_stay_inside_margins_and_reach_contrast(articles, name, fmt, with_picture, which):
    from postkit.article import read_article

    source = read_article(articles[which])
    example_paragraphs = [(p.text, p.heading) for p in source.paragraphs]
    loaded = load_theme(name)
    picture = Image.open(articles["example"].with_suffix(".jpg")).convert("RGB") if with_picture else None
    loaded = resolve_colors(loaded, picture)
    text = PostText(source.title, source.date_text, "themagickalearth", "Storming the Winter Palace.", "Pictured")
    design = Design(loaded, FORMATS[fmt], text, has_picture=picture is not None)
    chains = text_chains(loaded)
    style = text_style(loaded, chains, FORMATS[fmt])
    slicing = slice_paragraphs(example_paragraphs, style, design.text_box, 18)
    plans = plan_post(design, slicing, chains, picture.size if picture else None)
    painter = Painter(picture, loaded.colors["scrim"], loaded.colors["ink"])
    for plan in plans:
        left, top, right, bottom = plan.margins
        background = painter.paint_background(plan, loaded["cover"]["scrim_min"])
        for line in plan.lines:
            x0, y0, x1, y1 = line.box
            assert x0 >= left - 0.5 and y0 >= top - 0.5 and x1 <= right + 0.5 and y1 <= bottom + 0.5, (
                plan.kind,
                line.text,
            )
            assert worst_contrast(background, line.box, line.fill) >= MIN_CONTRAST, (plan.kind, line.text)
    if fmt == "portrait":
        # The profile grid shows the cover's central 3:4: about 34 px are cut from each side.
        crop = (1080 - 1350 * 3 / 4) / 2
        for line in plans[0].lines:
            assert line.box[0] >= crop and line.box[2] <= 1080 - crop
