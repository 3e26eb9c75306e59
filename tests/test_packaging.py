"""The wheel carries the fonts (with licences), templates and example; postkit runs from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(folder), str(ROOT)],
        check=True,
    )
    (path,) = folder.glob("postkit-*.whl")
    return path


def test_wheel_holds_fonts_licences_templates_and_example(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    # Every font folder ships whole (pyproject.toml names them one by one); the font build script does not.
    for folder in sorted(p for p in (ROOT / "fonts").iterdir() if p.is_dir()):
        prefix = f"postkit/fonts/{folder.name}/"
        shipped = {n.removeprefix(prefix) for n in names if n.startswith(prefix)}
        assert {f.name for f in folder.iterdir()} == shipped, folder.name
        assert "OFL.txt" in {f.name for f in folder.iterdir()}, folder.name
    assert not any(n.startswith("postkit/fonts/") and n.count("/") == 2 for n in names)  # build_fonts.py, README.md
    assert "postkit/templates/themes/classic/theme.toml" in names
    assert "postkit/templates/themes/classic/caption.txt.j2" in names
    assert "postkit/examples/october-revolution/article.txt" in names
    assert "postkit/examples/october-revolution/article.jpg" in names
    # Every language's compiled catalog ships: without it the post's own words fall back to English.
    catalogs = {n.split("/")[2] for n in names if n.startswith("postkit/locale/") and n.endswith("/postkit.mo")}
    assert {"ru", "uk", "de", "fr", "es", "it", "pt", "el", "ar", "he", "ja", "zh"} <= catalogs
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "postkit = postkit.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_package_renders_from_another_folder(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)], check=True
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    article = target / "postkit" / "examples" / "october-revolution" / "article.txt"
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import postkit, postkit.resources as r; print(postkit.__file__, r.data_dir('fonts'))"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(target) in where.split()[0] and str(target) in where.split()[1]
    result = subprocess.run(
        [sys.executable, "-m", "postkit", "carousel", str(article), "-q"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (work / "out" / "1917-11-07-october-revolution").iterdir())[:2] == [
        "01.jpg",
        "02.jpg",
    ]
