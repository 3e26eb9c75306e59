"""Shared fixtures: the bundled example, the default theme, and a text style from it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DIR = ROOT / "examples" / "october-revolution"
EXAMPLE = EXAMPLE_DIR / "article.txt"
DATA = Path(__file__).resolve().parent / "data"


_OWN_CACHE = [""]


def pytest_configure(config: pytest.Config) -> None:
    """Give the run (and the postkit processes it starts) a cache folder of its own, not the user's."""
    if "POSTKIT_CACHE_DIR" not in os.environ:
        os.environ["POSTKIT_CACHE_DIR"] = _OWN_CACHE[0] = tempfile.mkdtemp(prefix="postkit-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _OWN_CACHE[0]:
        shutil.rmtree(_OWN_CACHE[0], ignore_errors=True)


def copy_example(folder: Path) -> Path:
    """Copy the bundled example (article and illustration) into ``folder``."""
    target = folder / "october-revolution"
    shutil.copytree(EXAMPLE_DIR, target, ignore=shutil.ignore_patterns("*.py"))
    return target


@pytest.fixture
def example_dir(tmp_path: Path) -> Path:
    """A copy of the bundled example in a temporary folder."""
    return copy_example(tmp_path)


@pytest.fixture(scope="module")
def module_example_dir(tmp_path_factory) -> Path:
    """A copy of the bundled example shared by one test module."""
    return copy_example(tmp_path_factory.mktemp("example"))


@pytest.fixture(scope="session")
def theme():
    from postkit.themes import load_theme

    return load_theme("classic")


@pytest.fixture(scope="session")
def example_paragraphs():
    from postkit.article import read_article

    return [(p.text, p.heading) for p in read_article(EXAMPLE).paragraphs]


@pytest.fixture(scope="session")
def text_style(theme):
    """The TextStyle of the default theme at the portrait size."""
    from postkit.design import FORMATS, text_chains, text_style

    return text_style(theme, text_chains(theme), FORMATS["portrait"])


@pytest.fixture(scope="session")
def style_for(theme):
    """Return a function giving the TextStyle make_post uses for given chains at a format."""
    from postkit.design import FORMATS, text_style

    def make(chains, fmt: str = "portrait"):
        return text_style(theme, chains, FORMATS[fmt])

    return make
