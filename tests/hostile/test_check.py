"""Hostile post folders given to `postkit check`: each attempt gets its one-line message, in bounded time and memory.

Every attempt runs the real command in a subprocess with a 20 s timeout and a 512 MiB address-space
limit (reading /dev/zero or a 2 GB file into memory would break it), and the folder is byte-for-byte
the same afterwards (check never writes).

| attempt | what it checks |
|---|---|
| FIFO named caption.txt, post.json or 01.jpg | no hang: "is a FIFO (named pipe), not a file" |
| caption.txt -> /dev/zero, post.json -> /dev/urandom, 02.jpg -> /dev/zero | no endless read: "symbolic link to..." |
| a character device (mknod 1,5) named caption.txt | "is a character device, not a file" |
| symlink caption.txt -> a readable file outside the folder | not read: "is a symbolic link to ..., outside" |
| symlink caption.txt -> a file inside the folder | followed: the post is ready to upload |
| a folder named 01.jpg | "is a folder, not a file" |
| caption.txt of 2 GB (sparse) | "is 2,147,483,648 bytes; ... reads at most 65,536 bytes (64 KB)" |
| post.json of 2 GB (sparse) | "postkit reads at most 1,048,576 bytes (1 MB) of post.json" |
| post.json nested 100,000 deep, and 33 deep | no RecursionError: "is nested more than 32 levels deep" |
| post.json with a lone surrogate, NaN, a 5,000-digit number | one line each, no internal error |
| caption.txt in UTF-16 without BOM (LE, BE), with BOM, NULs, ESC | never "ready to upload": names the problem |
| a slide whose header claims 50000x50000 (bomb) | header only: "is an image of 2,500,000,000 pixels" |
| a slide that is a shell script | "cannot be read as an image" |
| names with a newline, a bidi override, invalid UTF-8; "٠١.jpg" | one line each, escaped; "٠١.jpg" is not slide 1 |
| post.json slide name with control characters, kind a huge list | escaped, cut, one line |
| post.json slide file a list, an object, a number, null | "do not match", no internal error |
"""

from __future__ import annotations

import io
import json
import os
import stat
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from PIL import Image

from .conftest import bounded_postkit, snapshot

TIMEOUT = 20
MEMORY = 512 * 1024 * 1024
SIZE = (1080, 1350)
CAPTION = "On this day in 1969, Apollo 11 landed on the Moon. #onthisday #history"


def make_post(folder: Path, slides: int = 3) -> Path:
    """Write a valid post: ``slides`` small-file 1080x1350 JPEGs, caption.txt and post.json."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for i in range(1, slides + 1):
        Image.new("RGB", SIZE, "white").save(folder / f"{i:02d}.jpg", quality=50)
        kind = "cover" if i == 1 else "closing" if i == slides else "text"
        entries.append({"file": f"{i:02d}.jpg", "kind": kind, "text": f"Slide {i}", "alt": "A white slide."})
    (folder / "caption.txt").write_text(CAPTION + "\n", encoding="utf-8")
    manifest = {"format": "portrait", "size": list(SIZE), "theme": "classic", "caption": CAPTION, "slides": entries}
    (folder / "post.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def postkit(*args: object) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a subprocess, bounded in time (TIMEOUT) and address space (MEMORY)."""
    return bounded_postkit(*args, timeout=TIMEOUT, memory=MEMORY)


def check(folder: Path) -> tuple[int, list[str]]:
    """Run `postkit check` on ``folder``; return the exit code and every output line (stdout and stderr)."""
    before = snapshot(folder)
    result = postkit("check", folder)
    assert snapshot(folder) == before, "check changed the folder"
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr, result.stderr
    return result.returncode, (result.stdout + result.stderr).splitlines()


def refused(folder: Path, line: str, problems: int = 1) -> None:
    """Assert that check reports exactly ``line`` and fails with ``problems`` problem(s)."""
    code, lines = check(folder)
    assert code == 1
    assert line in lines, "\n".join(lines)
    assert f"Error: {folder} has {problems} problem(s); fix them and check again" in lines
    assert not any("ready to upload" in out for out in lines)


@pytest.fixture
def post(tmp_path: Path) -> Path:
    return make_post(tmp_path / "post")


def fifo(path: Path) -> None:
    path.unlink(missing_ok=True)
    os.mkfifo(path)


def link(path: Path, target: str | Path) -> None:
    path.unlink(missing_ok=True)
    path.symlink_to(target)


def sparse(path: Path, size: int, start: bytes = b"") -> None:
    with path.open("wb") as f:
        f.write(start)
        f.truncate(size)


# --- FIFOs, devices, symlinks -----------------------------------------------------------------------

FIFO = "is a FIFO (named pipe), not a file"


def test_fifo_caption(post):
    fifo(post / "caption.txt")
    refused(post, f"caption.txt: error: {FIFO}; write the caption to a plain file caption.txt in this folder")


def test_fifo_manifest(post):
    fifo(post / "post.json")
    refused(post, f"post.json: error: {FIFO}; regenerate the post with postkit")


def test_fifo_slide(post):
    fifo(post / "01.jpg")
    refused(post, f"01.jpg: error: {FIFO}; replace it with the slide itself, a JPEG file in this folder")


@pytest.mark.parametrize(
    ("name", "target", "fix", "problems"),
    [
        ("caption.txt", "/dev/zero", "write the caption to a plain file caption.txt in this folder", 1),
        ("post.json", "/dev/urandom", "regenerate the post with postkit", 1),
        ("02.jpg", "/dev/zero", "replace it with the slide itself, a JPEG file in this folder", 1),
    ],
)
def test_symlink_to_an_endless_device(post, name, target, fix, problems):
    link(post / name, target)
    refused(post, f"{name}: error: is a symbolic link to {target}, outside its folder; {fix}", problems)


def test_character_device(post):
    (post / "caption.txt").unlink()
    try:
        os.mknod(post / "caption.txt", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # the device /dev/zero is
    except PermissionError:
        pytest.skip("making a device node needs root")
    refused(
        post,
        "caption.txt: error: is a character device, not a file; write the caption to a plain file caption.txt "
        "in this folder",
    )


def test_symlink_to_a_file_outside(post, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the user's private notes\n")
    link(post / "caption.txt", secret)
    refused(
        post,
        f"caption.txt: error: is a symbolic link to {secret}, outside its folder; write the caption to a plain "
        "file caption.txt in this folder",
    )


def test_symlink_inside_the_folder_is_followed(post):
    (post / "caption-final.txt").write_bytes((post / "caption.txt").read_bytes())
    link(post / "caption.txt", "caption-final.txt")
    code, lines = check(post)
    assert code == 0
    assert lines == [f"{post}: OK, ready to upload"]


def test_folder_named_like_a_slide(post):
    (post / "01.jpg").unlink()
    (post / "01.jpg").mkdir()
    refused(
        post, "01.jpg: error: is a folder, not a file; replace it with the slide itself, a JPEG file in this folder"
    )


# --- huge and deep files --------------------------------------------------------------------------------


def test_huge_caption(post):
    sparse(post / "caption.txt", 1 << 31, CAPTION.encode())
    refused(
        post,
        "caption.txt: error: is 2,147,483,648 bytes; a caption is at most 2,200 characters and postkit reads at "
        "most 65,536 bytes (64 KB) of caption.txt; shorten it",
    )


def test_huge_manifest(post):
    sparse(post / "post.json", 1 << 31, b'{"slides": [')
    refused(
        post,
        "post.json: error: is 2,147,483,648 bytes; postkit reads at most 1,048,576 bytes (1 MB) of post.json "
        "(its own are a few KB); regenerate the post",
    )


@pytest.mark.parametrize("depth", [100_000, 33])
def test_deeply_nested_manifest(post, depth):
    (post / "post.json").write_text('{"slides": ' + "[" * depth + "]" * depth + "}")
    refused(post, "post.json: error: is nested more than 32 levels deep, which no post.json is; regenerate the post")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"slides": [], "caption": "\\ud800"}', "has a lone surrogate ('\\ud800') in a string, which is not text"),
        ('{"slides": [], "size": [NaN, 1]}', "is not valid JSON (NaN is not a JSON number)"),
        ('{"slides": [], "size": [' + "9" * 5000 + "]}", "is not valid JSON (a number of 5,000 digits)"),
    ],
)
def test_odd_json_values(post, text, problem):
    (post / "post.json").write_text(text)
    refused(post, f"post.json: error: {problem}; regenerate the post")


# --- what caption.txt holds ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (CAPTION.encode("utf-16-le"), "looks like UTF-16 without a byte-order mark (every other byte is 0), not UTF-8"),
        (CAPTION.encode("utf-16-be"), "looks like UTF-16 without a byte-order mark (every other byte is 0), not UTF-8"),
        (CAPTION.encode("utf-16"), "is UTF-16 (it starts with a UTF-16 byte-order mark), not UTF-8"),
        (b"\0" * 500, "contains a NUL byte (byte 0), which is not text"),
        (b"Hello\nthere \x1b[31mred", "contains control character U+001B (line 2, column 7), which is not text"),
    ],
    ids=["utf16-le", "utf16-be", "utf16-bom", "nul", "escape"],
)
def test_caption_that_is_not_text_is_never_ready_to_upload(post, data, problem):
    (post / "caption.txt").write_bytes(data)
    refused(post, f"caption.txt: error: {problem}; re-save it as UTF-8 text")


# --- slides ------------------------------------------------------------------------------------------


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height."""
    buffer = io.BytesIO()
    Image.new("1", (8, 8)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def test_decompression_bomb_slide(post):
    (post / "02.jpg").write_bytes(png_claiming(50_000, 50_000))
    refused(
        post,
        "02.jpg: error: is an image of 2,500,000,000 pixels, far more than a slide (at most 1440 px wide); "
        "re-export it, e.g. at 1080x1350",
    )


def test_slide_that_is_text(post):
    (post / "02.jpg").write_text("#!/bin/sh\nrm -rf ~\n")
    refused(
        post,
        "02.jpg: error: cannot be read as an image (it is not a format Pillow knows); re-export it as a JPEG",
    )


def test_odd_file_names_stay_on_one_line(post):
    names = {
        "two\nlines.png": "two\\nlines.png",
        "\u202egnp.jpg": "\\u202egnp.jpg",
        os.fsdecode(b"bad\xff.png"): "bad\\udcff.png",
        "\u0660\u0661.jpg": "\u0660\u0661.jpg",  # Arabic-Indic "01": a stray image, not slide 1
    }
    for name in names:
        (post / name).write_bytes((post / "01.jpg").read_bytes())
    code, lines = check(post)
    assert code == 0, "\n".join(lines)
    warning = "is an image but not a slide (slides are 01.jpg, 02.jpg, ...); remove it so it is not uploaded by mistake"
    for shown in names.values():
        assert f"{shown}: warning: {warning}" in lines
    assert len(lines) == len(names) + 1  # each warning on one line, then the verdict


def test_odd_names_and_kinds_in_post_json(post):
    manifest = json.loads((post / "post.json").read_text())
    manifest["slides"][1]["file"] = "02.jpg\n\x1b[2J"
    manifest["slides"][1]["kind"] = list(range(100_000))
    (post / "post.json").write_text(json.dumps(manifest))
    code, lines = check(post)
    assert code == 1
    assert (
        "post.json: error: its slides do not match the slide files (listed but not in the folder: "
        "02.jpg\\n\\x1b[2J; in the folder but not listed: 02.jpg); regenerate the post or fix post.json"
    ) in lines
    assert (
        "post.json: error: 02.jpg\\n\\x1b[2J has kind a JSON list; expected one of cover, text, closing; fix post.json"
    ) in lines
    assert all(len(line) < 300 for line in lines)


@pytest.mark.parametrize("name", [["01.jpg"], {"a": 1}, 7, None])
def test_a_slide_file_that_is_not_a_string(post, name):
    """Found by a review: a list as a slide's file name was an "unexpected TypeError"."""
    manifest = json.loads((post / "post.json").read_text())
    manifest["slides"][0]["file"] = name
    (post / "post.json").write_text(json.dumps(manifest))
    code, lines = check(post)
    assert code == 1
    assert any(
        line.startswith("post.json: error: its slides do not match the slide files (listed but not") for line in lines
    )
    assert not any("unexpected" in line for line in lines)
