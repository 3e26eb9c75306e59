"""Shared fixtures: the bundled example, the default theme, and a text style from it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DIR = ROOT / "examples" / "october-revolution"
EXAMPLE = EXAMPLE_DIR / "article.txt"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def example_dir(tmp_path: Path) -> Path:
    """A copy of the bundled example (article and illustration) in a temporary folder."""
    target = tmp_path / "october-revolution"
    shutil.copytree(EXAMPLE_DIR, target, ignore=shutil.ignore_patterns("*.py"))
    return target


@pytest.fixture(scope="session")
def theme():
    from postkit.themes import load_theme

    return load_theme("classic")


@pytest.fixture(scope="session")
def example_paragraphs():
    from postkit.article import read_article

    return [(p.text, p.heading) for p in read_article(EXAMPLE).paragraphs]


@pytest.fixture(scope="session")
def text_style(theme, example_paragraphs):
    from postkit.design import text_faces
    from postkit.slicing import TextStyle

    body, heading = text_faces(theme, example_paragraphs)
    t = theme["type"]
    return TextStyle(
        body_font=body,
        heading_font=heading,
        min_size=t["body_min"],
        max_size=t["body_max"],
        line_factor=t["line_height"],
        gap_factor=t["paragraph_gap"],
    )


def text_style_for(theme, body, heading, fmt: str = "portrait"):
    """The TextStyle make_post uses for a theme at a format."""
    from postkit.design import FORMATS
    from postkit.slicing import TextStyle

    t = theme["type"]
    scale = FORMATS[fmt][0] / 1080
    return TextStyle(
        body_font=body,
        heading_font=heading,
        min_size=round(t["body_min"] * scale),
        max_size=round(t["body_max"] * scale),
        line_factor=t["line_height"],
        gap_factor=t["paragraph_gap"],
    )
