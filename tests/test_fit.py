"""Every picture option honoured: --fit contain in every theme, and a warning for a picture blown up too far."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from PIL import Image

from postkit.cli import cli
from postkit.design import FORMATS, Design, PostText
from postkit.illustration import enlargement_warning
from postkit.layout import Picture
from postkit.themes import list_themes, load_theme

TEXT = PostText("Apollo 11", "July 20, 1969", "themagickalearth", "Eileen Collins.", "Pictured")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("theme_name", list_themes())
def test_fit_contain_reaches_the_cover_in_every_theme(theme_name, fmt):
    theme = load_theme(theme_name)
    cover = Design(theme, FORMATS[fmt], TEXT, has_picture=True, fit="contain").cover()
    assert cover.picture is not None and cover.picture.fit == "contain"


@pytest.mark.parametrize("theme_name", list_themes())
def test_fit_contain_changes_the_cover_in_every_theme(tmp_path, theme_name):
    article = tmp_path / "pano.txt"
    article.write_text("July 20, 1969 - Apollo 11\n\nThe first crewed landing on the Moon.\n", encoding="utf-8")
    picture = tmp_path / "pano.jpg"
    Image.linear_gradient("L").resize((1000, 180)).convert("RGB").save(picture)
    covers = []
    for fit in ("cover", "contain"):
        out = tmp_path / fit
        args = [
            "carousel",
            str(article),
            "--image",
            str(picture),
            "--theme",
            theme_name,
            "--fit",
            fit,
            "--out",
            str(out),
        ]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        covers.append((out / "01.jpg").read_bytes())
    assert covers[0] != covers[1]


def test_a_panorama_blown_up_is_named_with_its_sizes(tmp_path):
    article = tmp_path / "pano.txt"
    article.write_text("July 20, 1969 - Apollo 11\n\nThe first crewed landing on the Moon.\n", encoding="utf-8")
    Image.new("RGB", (1000, 180), (20, 40, 90)).save(tmp_path / "pano.jpg")
    result = CliRunner().invoke(cli, ["carousel", str(article), "--out", str(tmp_path / "post")])
    assert result.exit_code == 0
    assert "Warning: " in result.stderr and "pano.jpg is 1000x180 px and is shown 7.5 times larger (7500x1350 px)" in (
        result.stderr
    )
    assert "use a picture at least 675 px tall" in result.stderr  # its height sets the scale
    assert json.loads((tmp_path / "post" / "post.json").read_text())["image"]["file"] == "pano.jpg"


def test_enlargement_is_measured_as_each_fit_shows_the_picture():
    cover = Picture(box=(0, 0, 1080, 1350))
    contain = Picture(box=(0, 0, 1080, 1350), fit="contain")
    blurred = Picture(box=(0, 0, 1080, 1350), blur=12)
    framed = Picture(box=(100, 100, 400, 400), fit="exact")
    assert enlargement_warning((2000, 1500), [cover]) is None  # 0.9x
    assert enlargement_warning((600, 600), [cover]).startswith("is 600x600 px and is shown 2.2 times larger")
    assert enlargement_warning((1000, 180), [contain]) is None  # whole, at 1.08x
    assert enlargement_warning((300, 300), [contain]).startswith("is 300x300 px and is shown 3.6 times larger")
    assert enlargement_warning((100, 100), [blurred, framed]) is None  # soft on purpose; a small print
    # A panorama on a tall card: short of height, and the advice says so (not "2880000 px wide").
    assert enlargement_warning((30000, 10), [Picture(box=(0, 0, 1080, 1920))]).endswith(
        "so it will look soft; use a picture at least 960 px tall"
    )
