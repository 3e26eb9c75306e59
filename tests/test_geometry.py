"""Cards as checked geometry: in every theme and format, with short, long, Arabic and Japanese titles and any
picture, no two lines of text touch, no text crosses a rule, and all ink stays inside the card's margins.

Boxes are ink boxes (what the glyphs cover), from the plan that painting follows without measuring again.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

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
    # Longer than a split or framed cover's text block holds: the cover is set in type alone.
    "thirty words": (
        "The Storming of the Winter Palace in Petrograd and the Fall of the Provisional Government of Alexander "
        "Kerensky in One Night While the Cruiser Aurora Fired Blank Rounds Across the Neva River at Ten",
        "en",
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


def inside(inner, outer, slack: float = 1) -> bool:
    return (
        outer[0] - slack <= inner[0]
        and outer[1] - slack <= inner[1]
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


CORPUS = Path(__file__).parent / "corpus"


@pytest.mark.parametrize(
    ("article", "theme_name", "fmt"),
    [("example", theme, fmt) for theme in list_themes() for fmt in sorted(FORMATS)]
    + [
        (name, "classic", fmt)
        for name in ("ar-althawra-alfaransiya.txt", "ja-osei-fukko.txt")
        for fmt in ("portrait", "story")
    ],
)
def test_each_lines_drawn_ink_stays_inside_its_recorded_box(example_dir, tmp_path, article, theme_name, fmt):
    """post.json's text boxes hold what was drawn: each line painted alone, its ink inside its box and inside
    the ink box that the collision test measures without drawing."""
    source = example_dir / "article.txt" if article == "example" else CORPUS / article
    post = make_post(source, theme=theme_name, out=tmp_path / "post", format=fmt, max_slides=20)
    recorded = json.loads((post.folder / "post.json").read_text())["slides"]
    theme = load_theme(theme_name)
    painter = Painter(None, theme.colors["scrim"], theme.colors["ink"])
    for plan, slide in zip(post.plans, recorded, strict=True):
        assert len(slide["text_boxes"]) == len(plan.lines)
        assert slide["rule_boxes"] == [list(rule.box) for rule in plan.rules]
        for line, box in zip(plan.lines, slide["text_boxes"], strict=True):
            alone = dataclasses.replace(plan, picture=None, scrim_top=None, rules=[], lines=[line])
            blank = Image.new("RGB", plan.size, plan.background)
            drawn = ImageChops.difference(painter.paint(alone), blank).getbbox()
            if drawn is None:
                continue  # a line of spaces
            assert inside(drawn, box), (slide["file"], line.text, drawn, box)
            assert inside(drawn, ink(line)), (slide["file"], line.text, drawn, ink(line))


@pytest.mark.parametrize(
    ("theme_name", "fmt", "arrangement"),
    [("poster", "square", "strip"), ("poster", "landscape", "strip"), ("minimal", "square", "type alone")],
)
def test_a_title_too_long_for_the_cover_block_gets_another_arrangement(
    example_paragraphs, theme_name, fmt, arrangement
):
    """Smaller within the theme's range first; then the picture as a strip, then a cover of type alone, said in
    a warning; never an overlap (test_nothing_collides_and_all_ink_stays_inside has this title too)."""
    theme = load_theme(theme_name)
    chains = text_chains(theme)
    title = TITLES["thirty words"][0]
    text = PostText(title, "7 November 1917", "themagickalearth", "Pictured: a credit.", None, lang="en")
    design = Design(theme, FORMATS[fmt], text, has_picture=True)
    slicing = slice_paragraphs(example_paragraphs, text_style(theme, chains, FORMATS[fmt]), design.text_box, 18)
    cover, *_, closing = plan_post(design, slicing, chains, (800, 1000))
    assert theme["cover"]["layout"] in ("split", "framed")
    title_lines = [line for line in cover.lines if line.font is cover.lines[0].font]
    assert " ".join(line.text for line in title_lines) in title
    assert len(design.notes) == 1
    if arrangement == "strip":
        assert "strip" in design.notes[0]
        top = min(line.y for line in title_lines)
        assert cover.picture is not None and 0.2 * cover.size[1] - 1 <= cover.picture.box[3] < 0.35 * cover.size[1]
        assert cover.picture.box[3] < top
    else:
        assert "set in type alone" in design.notes[0] and cover.picture is None
        assert closing.picture is not None  # the picture is still in the post, as the closing print
    # A short title keeps the theme's cover.
    short = Design(theme, FORMATS[fmt], dataclasses.replace(text, title="Apollo 11"), has_picture=True)
    plan = plan_post(short, slicing, chains, (800, 1000))[0]
    assert plan.picture is not None and plan.picture.box[3] >= 0.35 * plan.size[1] and short.notes == []


def test_a_title_too_long_for_any_cover_is_a_clear_error(example_paragraphs):
    theme = load_theme("poster")
    chains = text_chains(theme)
    text = PostText(" ".join([TITLES["thirty words"][0]] * 4), "", "h", "", None, lang="en")
    design = Design(theme, FORMATS["landscape"], text, has_picture=True)
    slicing = slice_paragraphs(example_paragraphs, text_style(theme, chains, FORMATS["landscape"]), design.text_box, 18)
    with pytest.raises(Exception, match=r"the title is too long for the cover of a 1080x566 post.*shorten the title"):
        plan_post(design, slicing, chains, (800, 1000))


def test_make_post_warns_when_the_cover_is_set_in_type_alone(tmp_path, example_dir):
    article = tmp_path / "long.txt"
    source = (example_dir / "article.txt").read_text(encoding="utf-8")
    article.write_text(source.replace("October Revolution", TITLES["thirty words"][0], 1), encoding="utf-8")
    post = make_post(article, theme="minimal", format="square", image=example_dir / "article.jpg", out=tmp_path / "p")
    assert any("set in type alone" in w and str(article) in w for w in post.warnings), post.warnings
    cover = json.loads((post.folder / "post.json").read_text())["slides"][0]
    assert cover.get("picture_box") is None


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_cover_scrim_is_where_post_json_says_and_behind_all_the_text(example_dir, tmp_path, fmt):
    post = make_post(example_dir / "article.txt", out=tmp_path / "post", format=fmt, max_slides=20)
    cover = json.loads((post.folder / "post.json").read_text())["slides"][0]
    x0, top, x1, y1 = cover["scrim_box"]
    assert (x0, x1, y1) == (0, *post.plans[0].size)
    assert all(box[1] >= top for box in cover["text_boxes"])  # every line on the darkened part
    theme = load_theme("classic")
    with Image.open(example_dir / "article.jpg") as picture:
        painter = Painter(picture.convert("RGB"), theme.colors["scrim"], theme.colors["ink"])
        bare = dataclasses.replace(post.plans[0], lines=[], rules=[])
        with_scrim = painter.paint(bare, theme["cover"]["scrim_min"]).convert("L")
        without = painter.paint(dataclasses.replace(bare, scrim_top=None)).convert("L")
    width, height = with_scrim.size
    above = ImageChops.difference(with_scrim.crop((0, 0, width, top)), without.crop((0, 0, width, top)))
    assert above.getbbox() is None  # untouched above the box
    foot = (0, max(top, height - 40), width, height)
    darker = ImageChops.subtract(without.crop(foot), with_scrim.crop(foot))
    assert ImageStat.Stat(darker).mean[0] > 2  # darkened at the card's foot
    assert ImageChops.subtract(with_scrim.crop(foot), without.crop(foot)).getbbox() is None  # nowhere lighter


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("theme_name", list_themes())
def test_the_text_block_starts_at_the_same_place_on_every_text_slide(example_dir, tmp_path, theme_name, fmt):
    post = make_post(example_dir / "article.txt", theme=theme_name, out=tmp_path / "post", format=fmt, max_slides=20)
    starts = {
        min(line.y for line in plan.lines if line.font.size == post.body_size)
        for plan in post.plans
        if plan.kind == "text"
    }
    assert len(starts) == 1, starts
