"""Hostile post folders given to `postkit export`: one `Error:` line or a safe export, never a file outside.

A post folder may come from anyone. Each attempt runs the real command in a subprocess with a 60 s
timeout; afterwards nothing outside the folders postkit writes has changed.

| attempt | what it checks |
|---|---|
| post.json names a slide "../../etc/passwd" | refused before anything is written: "postkit check" named |
| post.json's rebuild record names an article outside the folders | TikTok's set is refused: the article is not read |
| post.json's layout names a font by path ("/etc/passwd") | never opened: the PDF is made with the bundled fonts |
| post.json's handle with a newline and a bidi override | refused by the check, one line |
| caption.txt opening with a formula ("=HYPERLINK(...)") | exported as text (a schedule.csv cell gets a "'") |
| NAME.bluesky: a symlink to someone else's folder, --force | "is a symbolic link"; their folder untouched |
| NAME.facebook: a symlink to an export of postkit's elsewhere, --force | not emptied (it once was): refused |
| NAME.linkedin is a file | "is a file, not a folder", nothing written |
| slide texts of 48,000 characters in post.json | bounded: shortened to each network's limit |
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from postkit.pipeline import make_post
from tests.conftest import EXAMPLE

TIMEOUT = 60


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "postkit", *args], capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd
    )


@pytest.fixture
def post(tmp_path: Path) -> Path:
    return make_post(EXAMPLE, out=tmp_path / "post").folder


def _edit(post: Path, change) -> None:
    data = json.loads((post / "post.json").read_text(encoding="utf-8"))
    change(data)
    (post / "post.json").write_text(json.dumps(data), encoding="utf-8")


def _one_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if not line.startswith("Warning: ")]
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert "Traceback" not in done.stderr and "unexpected" not in done.stderr
    return lines[0]


def test_a_slide_named_outside_the_folder_is_refused(post, tmp_path):
    _edit(post, lambda d: d["slides"][1].update(file="../../etc/passwd"))
    line = _one_error(_run("export", str(post), "--for", "all", cwd=tmp_path))
    assert "postkit check" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["post"]


def test_a_recorded_article_outside_is_never_read(post, tmp_path):
    secret = tmp_path.parent / f"{tmp_path.name}-secret.txt"
    secret.write_text("November 7, 1917 - Secret\n\nNot for export.", encoding="utf-8")
    _edit(post, lambda d: d["rebuild"].update(article=str(secret)))
    line = _one_error(_run("export", str(post), "--for", "tiktok", cwd=tmp_path))
    assert "TikTok's set of story-shaped slides is made again from the post's article" in line
    assert not (tmp_path / "post.tiktok").exists()


def test_a_font_named_by_path_is_never_opened(post, tmp_path):
    _edit(post, lambda d: d["layout"].update(body_fonts=["/etc/passwd", "../../x.ttf", "EBGaramond-Regular.ttf"]))
    done = _run("export", str(post), "--for", "linkedin", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "post.linkedin" / "document.pdf").read_bytes().startswith(b"%PDF-")


def test_a_handle_with_control_characters_is_refused_in_one_line(post, tmp_path):
    _edit(post, lambda d: d.update(handle="name\n\u202eevil"))
    done = _run("export", str(post), "--for", "bluesky", cwd=tmp_path)
    if done.returncode == 0:  # the check lets it through: then it must not reach a text unescaped
        texts = [p["text"] for p in json.loads((tmp_path / "post.bluesky" / "manifest.json").read_text())["posts"]]
        assert not any("\u202e" in t for t in texts)
    else:
        _one_error(done)


def test_a_formula_in_the_caption_is_exported_as_text(post, tmp_path):
    caption = post / "caption.txt"
    caption.write_text('=HYPERLINK("http://evil.example")\n\n' + caption.read_text(encoding="utf-8"), encoding="utf-8")
    done = _run("export", str(post), "--for", "threads", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = json.loads((tmp_path / "post.threads" / "manifest.json").read_text())["posts"][0]["text"]
    assert text.startswith("=HYPERLINK")  # the text is the post's; only a CSV cell is guarded (test_export.py)


def test_a_symlinked_export_folder_is_not_followed_even_with_force(post, tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "keep.txt").write_text("keep", encoding="utf-8")
    os.symlink(theirs, tmp_path / "post.bluesky")
    line = _one_error(_run("export", str(post), "--for", "bluesky", "--force", cwd=tmp_path))
    assert "post.bluesky is a symbolic link, and postkit replaces only folders it wrote" in line
    assert sorted(p.name for p in theirs.iterdir()) == ["keep.txt"]


def test_a_symlink_to_an_export_of_postkits_is_not_emptied(post, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    assert _run("export", str(post), "--for", "facebook", "--out", str(elsewhere), cwd=tmp_path).returncode == 0
    precious = elsewhere / "post.facebook" / "precious.txt"
    precious.write_text("mine", encoding="utf-8")
    os.symlink(elsewhere / "post.facebook", tmp_path / "post.facebook")
    line = _one_error(_run("export", str(post), "--for", "facebook", "--force", cwd=tmp_path))
    assert "is a symbolic link" in line
    assert precious.read_text(encoding="utf-8") == "mine"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no moved-aside link left


def test_a_file_where_a_network_folder_goes_is_kept(post, tmp_path):
    (tmp_path / "post.linkedin").write_text("mine", encoding="utf-8")
    line = _one_error(_run("export", str(post), "--for", "all", "--force", cwd=tmp_path))
    assert "is a file, not a folder" in line
    assert (tmp_path / "post.linkedin").read_text(encoding="utf-8") == "mine"
    assert not (tmp_path / "post.bluesky").exists()  # checked before any folder is written


def test_huge_slide_texts_are_bounded(post, tmp_path):
    _edit(post, lambda d: [s.update(text="Word. " * 8_000) for s in d["slides"][1:-1]])
    done = _run("export", str(post), "--for", "bluesky,mastodon,x", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for network, most in (("bluesky", 300), ("mastodon", 500), ("x", 280)):
        manifest = json.loads((tmp_path / f"post.{network}" / "manifest.json").read_text())
        assert all(len(p["text"]) <= most for p in manifest["posts"])
