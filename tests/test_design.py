"""Card plans: every line inside the card's margins, for every card kind, format and text length."""

from __future__ import annotations

import pytest

from postkit.design import FORMATS, Design, PostText, plan_post, text_chains
from postkit.slicing import slice_paragraphs

TEXTS = {
    "example": PostText(
        "October Revolution",
        "November 7, 1917",
        "themagickalearth",
        "Storming the Winter Palace. Illustration by Villi Trubkovich.",
        "Pictured",
    ),
    "long": PostText(
        "The extraordinarily protracted and thoroughly documented negotiations of the Congress of Vienna",
        "Wednesday, September 18, 1814",
        "a_very_long_account_name_30ch",
        "A very long credit line " * 12,
        "Photo",
    ),
    "bare": PostText("Tunguska", None, None, None, None),
    "cyrillic": PostText("Октябрьская революция", "7 ноября 1917", "istoriya", "Штурм Зимнего", "Pictured"),
    "arabic": PostText(
        "افتتاح قناة السويس", "17 نوفمبر 1869", "tarikh", "حفل الافتتاح في بورسعيد (Port Said)", "صورة", lang="ar"
    ),
    "hebrew": PostText(
        "הכרזת העצמאות של מדינת ישראל", "14 במאי 1948", "historyhe", "Rudi Weissenstein", "צילום", lang="he"
    ),
}


def inside(box, margins) -> bool:
    x0, y0, x1, y1 = box
    left, top, right, bottom = margins
    return x0 >= left - 0.5 and y0 >= top - 0.5 and x1 <= right + 0.5 and y1 <= bottom + 0.5


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("key", sorted(TEXTS))
@pytest.mark.parametrize("has_picture", [True, False])
def test_every_line_stays_inside_the_margins(theme, example_paragraphs, style_for, fmt, key, has_picture):
    design = Design(theme, FORMATS[fmt], TEXTS[key], has_picture=has_picture)
    chains = text_chains(theme)
    slicing = slice_paragraphs(example_paragraphs, style_for(chains, fmt), design.text_box, 12)
    plans = plan_post(design, slicing, chains, (1800, 1350) if has_picture else None)
    assert [p.kind for p in plans] == ["cover"] + ["text"] * len(slicing.slides) + ["closing"]
    for plan in plans:
        assert plan.lines, plan.kind
        for line in plan.lines:
            assert inside(line.box, plan.margins), (plan.kind, line.text, line.box, plan.margins)
        if plan.picture and plan.kind == "closing":
            assert inside(plan.picture.box, plan.margins)


def test_text_slide_body_starts_below_the_band(theme, example_paragraphs, style_for):
    design = Design(theme, FORMATS["portrait"], TEXTS["example"], has_picture=True)
    chains = text_chains(theme)
    slicing = slice_paragraphs(example_paragraphs, style_for(chains, "portrait"), design.text_box, 8)
    plan = design.text_slide(slicing.slides[0], slicing, chains, 2, 10)
    band_bottom = plan.picture.box[3]
    assert all(line.box[1] > band_bottom for line in plan.lines)
    counter = [line for line in plan.lines if line.text == "2/10"]
    assert counter and counter[0].box[2] <= plan.margins[2] + 0.5


def test_cover_title_is_inside_the_profile_grid_crop(theme):
    # The profile grid shows the central 3:4 of a 4:5 cover: about 34 px are cut from each side.
    design = Design(theme, FORMATS["portrait"], TEXTS["long"], has_picture=True)
    cover = design.cover()
    crop = (1080 - 1350 * 3 / 4) / 2
    for line in cover.lines:
        assert line.box[0] >= crop and line.box[2] <= 1080 - crop


def test_long_title_shrinks_to_the_line_limit(theme):
    design = Design(theme, FORMATS["portrait"], TEXTS["long"], has_picture=True)
    title_lines = [line for line in design.cover().lines if "PostkitDisplay" in line.font.path]
    assert 1 <= len(title_lines) <= theme["type"]["title_max_lines"]
    sizes = {line.font.size for line in title_lines}
    assert len(sizes) == 1 and sizes.pop() < theme["type"]["title_max"]


@pytest.mark.parametrize("key", ["arabic", "hebrew"])
def test_a_right_to_left_post_is_mirrored(theme, example_paragraphs, style_for, key):
    text = TEXTS[key]
    design = Design(theme, FORMATS["portrait"], text, has_picture=True)
    right = design.width - design.side
    cover = design.cover()
    by_text = {line.text: line for line in cover.lines}
    # Title and date line start at the right margin; the accent bar sits on the right too.
    title_lines = [line for line in cover.lines if line.font.size > design.kicker_font.size]
    assert title_lines and all(abs(line.box[2] - right) < 2 for line in title_lines)
    kicker = by_text[text.kicker]
    assert abs(kicker.box[2] - right) < 2 and kicker.tracking == 0  # no letter-spacing of Arabic or Hebrew
    assert cover.rules[0].box[2] == right
    # The handle is at the right, the swipe cue at the left, pointing left.
    assert abs(by_text["@" + text.handle].box[2] - right) < 2
    cue = next(line for line in cover.lines if "\u2190" in line.text)
    assert abs(cue.box[0] - design.side) < 2 and cue.rtl
    chains = text_chains(theme)
    slicing = slice_paragraphs(example_paragraphs, style_for(chains, "portrait"), design.text_box, 8)
    slide = design.text_slide(slicing.slides[0], slicing, chains, 2, 10)
    counter = next(line for line in slide.lines if line.text == "2/10")
    assert abs(counter.box[0] - design.side) < 2


def test_a_left_to_right_post_keeps_its_cue_on_the_right(theme):
    design = Design(theme, FORMATS["portrait"], TEXTS["example"], has_picture=True)
    cue = next(line for line in design.cover().lines if "\u2192" in line.text)
    assert abs(cue.box[2] - (design.width - design.side)) < 2 and not cue.rtl


@pytest.mark.parametrize("picture", [(1800, 1350), None])
def test_a_closing_slide_without_a_credit_has_no_credit_label(theme, picture):
    design = Design(
        theme, FORMATS["portrait"], PostText("Apollo 11", "July 20, 1969", "me", None, None), picture is not None
    )
    texts = [line.text for line in design.closing(picture).lines]
    assert "PICTURED" not in texts and "me" in texts


def test_a_title_is_set_smaller_before_a_word_is_hyphenated(theme):
    design = Design(
        theme, FORMATS["portrait"], PostText("De Watersnoodramp van 1953", None, None, None, None, lang="nl"), True
    )
    title = [line.text for line in design.cover().lines if line.font.size > design.kicker_font.size]
    assert " ".join(title) == "De Watersnoodramp van 1953" and not any(line.endswith("-") for line in title)


@pytest.mark.parametrize("name", ["classic", "night", "poster", "minimal"])
@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("length", [20, 60, 148, 200])
def test_a_long_title_fits_its_cover_or_is_refused(name, fmt, length):
    """A title never runs over the date line, the picture or off the card: it fits, or the post is refused."""
    from postkit.errors import LayoutError
    from postkit.themes import load_theme

    words = "The Long and Winding Story of the Great Northern Expedition Across Siberia to Kamchatka " * 3
    text = PostText(words[:length].strip(), "April 1, 1733", "me", None, None)
    design = Design(load_theme(name), FORMATS[fmt], text, True)
    try:
        cover = design.cover()
    except LayoutError as exc:
        assert "the title is too long for the cover" in str(exc)
        assert length > 60, "a title of a few words always fits"
        return
    for line in cover.lines:
        assert inside(line.box, cover.margins), line.text
    kicker = next(line for line in cover.lines if line.text == design.text.kicker)
    title = [line for line in cover.lines if line.font not in (design.label, design.kicker_font)]
    assert " ".join(line.text for line in title) == words[:length].strip()
    assert kicker.box[3] <= min(line.box[1] for line in title)  # the date line stays above the title
    if cover.picture is not None and design.cover_layout in ("split", "framed"):
        assert kicker.box[1] >= cover.picture.box[3]  # and below the picture
