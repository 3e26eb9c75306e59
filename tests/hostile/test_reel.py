"""Hostile inputs given to `postkit reel`: one `Error:` line, never a hang, nothing written outside.

| attempt | what it checks |
|---|---|
| --audio a FIFO, and a symlink to /dev/zero | not read (it would block or never end): "is not a file" |
| --audio a text file, random bytes, a picture | "cannot be read as sound" / "has no sound", one line |
| a post folder whose post.json names an article outside | not read: the Reel is refused, one line |
| the Reel's folder is a symlink to someone else's folder, --force | "is a symbolic link"; their folder untouched |
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

pytest.importorskip("av")
TIMEOUT = 60


def _reel(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "postkit", "reel", *args, "--seconds-per-slide", "1"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=cwd,
    )
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if not line.startswith("Warning: ")]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def test_audio_that_is_not_a_file_is_never_read(tmp_path):
    fifo = tmp_path / "music.mp3"
    os.mkfifo(fifo)
    link = tmp_path / "zero.wav"
    link.symlink_to("/dev/zero")
    for audio in (fifo, link):
        line = _reel(str(EXAMPLE), "--audio", str(audio), "--out", str(tmp_path / "r"), cwd=tmp_path)
        assert "is not a file (a folder, a pipe or a device)" in line
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not audio\n", "cannot be read as sound"), (os.urandom(50_000), "cannot be read as sound")],
    ids=["text", "random"],
)
def test_audio_that_is_not_sound_is_one_error_line(tmp_path, content, message):
    audio = tmp_path / "music.mp3"
    audio.write_bytes(content)
    assert message in _reel(str(EXAMPLE), "--audio", str(audio), "--out", str(tmp_path / "r"), cwd=tmp_path)
    line = _reel(str(EXAMPLE), "--audio", str(EXAMPLE.with_suffix(".jpg")), "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert "has no sound" in line


def test_a_recorded_article_outside_is_never_read(tmp_path):
    post = make_post(EXAMPLE, out=tmp_path / "post").folder
    data = json.loads((post / "post.json").read_text(encoding="utf-8"))
    data["rebuild"]["article"] = "/etc/passwd.txt"
    (post / "post.json").write_text(json.dumps(data), encoding="utf-8")
    line = _reel(str(post), cwd=tmp_path)
    assert "A Reel is made again from the post's article" in line
    assert not (tmp_path / "post.reel").exists()


def test_a_symlinked_reel_folder_is_not_emptied(tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "reel.json").write_text("{}", encoding="utf-8")
    (theirs / "keep.txt").write_text("keep", encoding="utf-8")
    (tmp_path / "r").symlink_to(theirs, target_is_directory=True)
    line = _reel(str(EXAMPLE), "--out", str(tmp_path / "r"), "--force", cwd=tmp_path)
    assert "is a symbolic link" in line
    assert sorted(p.name for p in theirs.iterdir()) == ["keep.txt", "reel.json"]
