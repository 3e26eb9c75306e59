"""Faces on real photographs: found where they are, not where they are not, never cut by a crop or covered by text.

The photographs are the corpus's (tests/corpus/SOURCES.md): scikit-image's astronaut (Eileen Collins,
NASA), cat, coffee, rocket and coins (round shapes a single cascade takes for faces), a NASA map of the
Earth, and the example's illustration.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from PIL import Image

from postkit.compose import Painter
from postkit.design import FORMATS, Design, PostText, plan_post, text_chains, text_style
from postkit.faces import available, find_faces, head_box
from postkit.illustration import _place, cover, find_heads
from postkit.pipeline import make_post
from postkit.slicing import slice_paragraphs
from postkit.themes import list_themes, load_theme

pytestmark = pytest.mark.skipif(not available(), reason="needs the faces extra (OpenCV)")

CORPUS = Path(__file__).parent / "corpus"
ASTRONAUT = CORPUS / "en-apollo-11.jpg"
# Eileen Collins's face in the 512x512 photograph, eyebrows to chin, marked by hand.
ASTRONAUT_FACE = (178 / 512, 64 / 512, 272 / 512, 165 / 512)
TEXT = PostText("Apollo 11", "July 20, 1969", "themagickalearth", "Eileen Collins.", "Pictured")


def overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_the_astronauts_face_is_found_where_it_is():
    (face,) = find_faces(Image.open(ASTRONAUT))
    assert overlap(face, ASTRONAUT_FACE) > 0.6, face


@pytest.mark.parametrize(
    "name",
    [
        "he-mishpat-eichmann.jpg",
        "ja-osei-fukko.jpg",
        "ar-althawra-alfaransiya.jpg",
        "de-titanic.jpg",
        "faces-none-coins.jpg",
    ],
)
def test_no_face_where_there_is_none(name):
    assert find_faces(Image.open(CORPUS / name)) == []


def test_no_face_in_the_example_illustration(example_dir):
    (picture,) = [p for p in example_dir.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")]
    assert find_faces(Image.open(picture)) == []


def test_the_head_reaches_above_and_below_the_face():
    (face,) = find_faces(Image.open(ASTRONAUT))
    head = head_box([face])
    assert head[1] < face[1] - 0.3 * (face[3] - face[1]) and head[3] > face[3]
    assert head[0] < face[0] and head[2] > face[2]


@given(
    full=st.integers(50, 3000),
    crop_share=st.floats(0.05, 1.0),
    start_share=st.floats(0.0, 1.0),
    keep=st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0)),
    window=st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0)),
)
def test_a_crop_holds_what_it_keeps_in_its_window_when_it_fits(full, crop_share, start_share, keep, window):
    crop = full * crop_share
    start = (full - crop) * start_share
    keep_start, keep_end = sorted(k * full for k in keep)
    assume(keep_end - keep_start <= crop)  # cover() shows the picture smaller otherwise
    lo, hi = sorted(window)
    placed = _place(start, crop, full, (keep_start, keep_end), (lo, hi))
    assert -1e-6 <= placed <= full - crop + 1e-6
    assert placed <= keep_start + 1e-6 and placed + crop >= keep_end - 1e-6  # whole in the crop
    room = keep_start - lo * crop >= -1e-6 and keep_end + (1 - hi) * crop <= full + 1e-6
    if keep_end - keep_start <= (hi - lo) * crop and room:  # and in the window, where the picture allows
        assert placed + lo * crop <= keep_start + 1e-6 and keep_end <= placed + hi * crop + 1e-6


def test_a_band_too_short_for_the_head_shows_it_whole_and_smaller():
    picture = Image.open(ASTRONAUT).convert("RGB")
    heads = find_heads(picture)
    middle = ((heads[0] + heads[2]) / 2, (heads[1] + heads[3]) / 2)
    band = cover(picture, (1080, 190), middle, heads)
    (face,) = find_faces(band)
    assert face[1] > 0 and face[3] < 1  # whole: not cut at the band's edges
    assert abs((face[0] + face[2]) / 2 - 0.5) < 0.05  # in the middle of the band
    # Without keep, the same band cuts through the face: no face to find.
    assert find_faces(cover(picture, (1080, 190), middle)) == []


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("theme_name", list_themes())
def test_the_cover_keeps_the_face_whole_and_clear_of_text(example_paragraphs, theme_name, fmt):
    theme = load_theme(theme_name)
    picture = Image.open(ASTRONAUT).convert("RGB")
    heads = find_heads(picture)
    middle = ((heads[0] + heads[2]) / 2, (heads[1] + heads[3]) / 2)
    design = Design(theme, FORMATS[fmt], TEXT, has_picture=True, focus=middle, band_focus=middle, keep=heads)
    chains = text_chains(theme)
    slicing = slice_paragraphs(example_paragraphs, text_style(theme, chains, FORMATS[fmt]), design.text_box, 18)
    plans = plan_post(design, slicing, chains, picture.size)
    painter = Painter(picture, theme.colors["scrim"], theme.colors["ink"])
    for plan in (plans[0], plans[1], plans[-1]):  # the cover, a text slide with its band, the closing print
        if plan.picture is None or plan.picture.blur:
            continue  # no picture, or a blurred backdrop behind the text: no face to keep
        # The picture as cropped, without the scrim and text that would hide a face from the detector.
        card = painter.paint(dataclasses.replace(plan, scrim_top=None, lines=[], rules=[]))
        x0, y0, x1, y1 = plan.picture.box
        # Looked for in the picture as shown (the closing print is small on its card).
        shown = card.crop((max(0, x0), max(0, y0), min(card.width, x1), min(card.height, y1)))
        faces = find_faces(shown)
        area = (x1 - x0) * (y1 - y0) / (plan.size[0] * plan.size[1])
        if plan.kind == "closing" or (plan.kind == "cover" and area > 0.5):
            assert len(faces) == 1, (plan.kind, faces)  # a full-bleed cover and the print show the face
        for face in faces:
            box = (
                max(0, x0) + face[0] * shown.width,
                max(0, y0) + face[1] * shown.height,
                max(0, x0) + face[2] * shown.width,
                max(0, y0) + face[3] * shown.height,
            )
            assert box[0] > x0 and box[1] > y0 and box[2] < x1 and box[3] < y1, (plan.kind, box)  # whole
            for line in plan.lines:
                assert overlap(box, line.box) == 0, (plan.kind, line.text, box)


def test_make_post_crops_around_the_heads_and_records_them(tmp_path):
    result = make_post(CORPUS / "en-apollo-11.txt", out=tmp_path / "post", format="landscape")
    image = json.loads((result.folder / "post.json").read_text())["image"]
    heads = image["heads"]
    assert overlap(heads, head_box([ASTRONAUT_FACE])) > 0.6, heads
    # The crop centres on the heads: before, it kept the most detailed region, the suit (y 0.54), cut above the mouth.
    assert image["focus"] == pytest.approx([(heads[0] + heads[2]) / 2, (heads[1] + heads[3]) / 2], abs=2e-4)


def test_a_given_focus_wins_and_no_heads_are_looked_for(tmp_path):
    result = make_post(CORPUS / "en-apollo-11.txt", out=tmp_path / "post", format="landscape", focus="50%,60%")
    image = json.loads((result.folder / "post.json").read_text())["image"]
    assert image["focus"] == [0.5, 0.6] and image["heads"] is None


@pytest.mark.parametrize(("fmt", "tile"), [("portrait", 1012), ("square", 810)])
def test_the_face_is_in_the_profile_grids_3_4_tile(fmt, tile):
    # The astronaut at the left edge of a wide picture: a crop centred on the detail would put her at the card's edge.
    photo = Image.open(ASTRONAUT).convert("RGB")
    wide = Image.new("RGB", (820, 512), (120, 110, 100))
    wide.paste(photo, (0, 0))
    heads = find_heads(wide)
    assert heads is not None
    theme = load_theme("classic")
    design = Design(theme, FORMATS[fmt], TEXT, has_picture=True, focus=(0.5, 0.5), keep=heads)
    cover_plan = design.cover()
    painter = Painter(wide, theme.colors["scrim"], theme.colors["ink"])
    card = painter.paint(dataclasses.replace(cover_plan, scrim_top=None, lines=[], rules=[]))
    (face,) = find_faces(card)
    left = (card.width - tile) / 2
    assert left <= face[0] * card.width and face[2] * card.width <= left + tile, (face, left)


def test_every_face_of_a_group_in_a_wide_picture_is_found():
    """Found by a review: three people side by side (1536x512) were looked at 300 px wide, too small to find."""
    photo = Image.open(ASTRONAUT).convert("RGB")
    group = Image.new("RGB", (3 * 512, 512))
    for k in range(3):
        group.paste(photo, (k * 512, 0))
    faces = find_faces(group)
    assert len(faces) == 3
    assert sorted(int(f[0] * 3) for f in faces) == [0, 1, 2]  # one in each third
    heads = find_heads(group)
    assert heads[0] < 1 / 3 and heads[2] > 2 / 3  # the box holds all three


def bare_cover(picture, fmt: str):
    """Plan the classic cover around the heads found in ``picture``; return it and the picture as it paints it."""
    heads = find_heads(picture)
    assert heads is not None
    theme = load_theme("classic")
    middle = ((heads[0] + heads[2]) / 2, (heads[1] + heads[3]) / 2)
    cover_plan = Design(theme, FORMATS[fmt], TEXT, has_picture=True, focus=middle, keep=heads).cover()
    painter = Painter(picture, theme.colors["scrim"], theme.colors["ink"])
    # Without the scrim and text that would hide a face from the detector.
    return cover_plan, painter.paint(dataclasses.replace(cover_plan, scrim_top=None, lines=[], rules=[]))


@pytest.mark.parametrize("fmt", ["square", "portrait", "story"])
def test_the_crop_puts_the_face_above_the_cover_text_when_the_picture_allows(fmt):
    """Found by a review: a face in the lower half of a tall picture was centred, under the title."""
    photo = Image.open(ASTRONAUT).convert("RGB")
    # A close-up (the head half the card's height), in the middle of a tall picture: centred, it reaches the title.
    tall = Image.new("RGB", (800, 2400), (120, 110, 100))
    tall.paste(photo.crop((96, 0, 416, 320)).resize((800, 800)), (0, 800))
    cover_plan, card = bare_cover(tall, fmt)
    (face,) = find_faces(card)
    text_top = min(line.box[1] for line in cover_plan.lines)
    assert face[3] * card.height < text_top, (face[3] * card.height, text_top)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_face_low_in_a_wide_picture_is_raised_above_the_cover_text(fmt):
    """The picture's edges stop the crop from moving a low face above the title: the picture itself moves up,
    its blurred extension filling the foot of the card, and the face stays whole and clear of the text."""
    photo = Image.open(ASTRONAUT).convert("RGB")
    wide = Image.new("RGB", (1600, 700), (120, 110, 100))
    wide.paste(photo, (544, 700 - 180))  # the face at 83-97% of the height
    assert find_heads(wide)[1] > 0.75
    cover_plan, card = bare_cover(wide, fmt)
    (face,) = find_faces(card)
    box = (face[0] * card.width, face[1] * card.height, face[2] * card.width, face[3] * card.height)
    for line in cover_plan.lines:
        assert overlap(box, line.box) == 0, (line.text, box)
    assert box[3] < min(line.box[1] for line in cover_plan.lines)
