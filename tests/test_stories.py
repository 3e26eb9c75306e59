"""Stories made for stories: no text under Instagram's header or reply bar, a tap cue, and check says so otherwise."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from postkit.check import check_post
from postkit.design import FORMATS, Design, PostText, plan_post, text_chains, text_style
from postkit.limits import STORY_HEADER_PX, STORY_REPLY_BAR_PX, story_covered
from postkit.pipeline import make_post
from postkit.slicing import slice_paragraphs
from postkit.themes import list_themes, load_theme

STORY = FORMATS["story"]


def texts(lang: str | None) -> PostText:
    title = {"ar": "الثورة الفرنسية", "ru": "Октябрьская революция"}.get(lang, "Apollo 11")
    return PostText(title, "July 20, 1969", "themagickalearth", "Eileen Collins.", None, lang=lang)


def test_the_covered_rows_scale_with_the_story():
    assert story_covered(1920) == (STORY_HEADER_PX, STORY_REPLY_BAR_PX) == (250, 340)
    assert story_covered(960) == (125, 170)


@pytest.mark.parametrize("lang", [None, "ar"])
@pytest.mark.parametrize("with_picture", [True, False])
@pytest.mark.parametrize("theme_name", list_themes())
def test_no_text_under_the_header_or_the_reply_bar(example_paragraphs, theme_name, with_picture, lang):
    theme = load_theme(theme_name)
    design = Design(theme, STORY, texts(lang), has_picture=with_picture)
    chains = text_chains(theme)
    slicing = slice_paragraphs(example_paragraphs, text_style(theme, chains, STORY), design.text_box, 18)
    header, reply_bar = story_covered(STORY[1])
    for plan in plan_post(design, slicing, chains, (800, 600) if with_picture else None):
        for line in plan.lines:
            assert header <= line.box[1] and line.box[3] <= STORY[1] - reply_bar, (plan.kind, line.text, line.box)


@pytest.mark.parametrize(("lang", "cue"), [(None, "Tap \u2192"), ("ru", "Нажмите \u2192"), ("ar", "اضغط \u2190")])
def test_a_story_cover_says_tap_and_a_feed_cover_swipe(lang, cue):
    theme = load_theme("classic")
    story = [line.text for line in Design(theme, STORY, texts(lang), has_picture=True).cover().lines]
    assert cue in story and not any("Swipe" in t or "Листайте" in t for t in story)
    feed = [line.text for line in Design(theme, FORMATS["portrait"], texts(lang), has_picture=True).cover().lines]
    assert cue not in feed


def test_check_warns_about_text_under_the_header_and_the_reply_bar(example_dir, tmp_path):
    post = make_post(example_dir / "article.txt", out=tmp_path / "story", format="story")
    assert [v for v in check_post(post.folder) if "story header" in v.message or "reply bar" in v.message] == []
    manifest = json.loads((post.folder / "post.json").read_text())
    manifest["slides"][2]["text_boxes"].append([90, 95, 600, 130])  # a running head where older posts had it
    manifest["slides"][3]["text_boxes"].append([90, 1830, 300, 1850])  # a handle on the reply bar
    (post.folder / "post.json").write_text(json.dumps(manifest), encoding="utf-8")
    warnings = {v.file: v.message for v in check_post(post.folder) if v.level == "warning"}
    assert warnings["03.jpg"] == (
        "has text from y 95 under Instagram's story header (the top 250 px); keep text between y 250 and 1580"
    )
    assert warnings["04.jpg"] == (
        "has text down to y 1850 under its reply bar (the bottom 340 px); keep text between y 250 and 1580"
    )


def test_hostile_text_boxes_are_ignored(example_dir, tmp_path):
    post = make_post(example_dir / "article.txt", out=tmp_path / "story", format="story")
    manifest = json.loads((post.folder / "post.json").read_text())
    manifest["slides"][1]["text_boxes"] = [[1, 2], "x", [True, 0, 1, 2], None, [0, 0, 1e308, "y"]] + [
        [90, 600, 400, 650]
    ] * 10**4
    manifest["slides"][2]["text_boxes"] = {"a": 1}
    (post.folder / "post.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert [v.file for v in check_post(post.folder)] == []


def test_story_slides_are_story_sized(example_dir, tmp_path):
    post = make_post(example_dir / "article.txt", out=tmp_path / "story", format="story")
    assert Image.open(post.folder / "01.jpg").size == (1080, 1920)
