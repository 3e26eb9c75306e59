"""Locate the data postkit ships: fonts, templates and the bundled example."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


@cache
def data_dir(name: str) -> Path:
    """Return the folder of shipped data ``name`` ("fonts", "templates" or "examples").

    In an installed wheel the folders live inside the package (``postkit/fonts``); in a source
    checkout they sit beside it at the top of the repository.
    """
    packaged = Path(str(resources.files("postkit"))) / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name
