"""Fixtures for the data-loss, fault and signal attempts: hashing a user's files, killed writers, slow libraries."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

SENTENCE = "This sentence carries a small part of the story, told plainly for the test."

# A child process that dies (os._exit: no clean-up, as under kill -9) at one moment of a commit:
# "staging" while building the post, "aside" right after moving the old post aside, "renamed"
# right after renaming the new post into place (before its staging marker is removed).
_KILLED_WRITER = r"""
import os, sys
from postkit.output import PostWriter
target, stage = sys.argv[1], sys.argv[2]
writer = PostWriter(target, force=True).__enter__()
writer.write_text("01.jpg", "new slide")
writer.write_text("post.json", '{"title": "new"}')
if stage == "staging":
    os._exit(0)
real = os.replace
def replace(src, dst):
    real(src, dst)
    if (stage == "aside" and str(dst).endswith(".old")) or (stage == "renamed" and str(src).endswith(".tmp")):
        os._exit(0)
os.replace = replace
writer.commit()
"""


def tree_hashes(root: Path) -> dict[str, str]:
    """Describe every entry under ``root`` by kind and content hash (symlinks not followed)."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            path = Path(folder, name)
            info = path.lstat()
            key = str(path.relative_to(root))
            if stat.S_ISLNK(info.st_mode):
                found[key] = "link:" + os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                found[key] = "file:" + hashlib.sha256(path.read_bytes()).hexdigest()
            elif stat.S_ISDIR(info.st_mode):
                found[key] = "dir"
            else:
                found[key] = f"other:{stat.S_IFMT(info.st_mode)}"
    return found


@pytest.fixture
def fast_tmp(tmp_path: Path):
    """A temporary folder in memory (tmpfs) where there is one: hundreds of fsyncs then cost nothing."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="postkit-hostile-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def hashes() -> Callable[[Path], dict[str, str]]:
    """Return tree_hashes: a user's files, to compare byte for byte before and after an attempt."""
    return tree_hashes


@pytest.fixture
def killed_writer() -> Callable[[Path, str], None]:
    """Return a function that leaves what a postkit killed at ``stage`` of a commit to ``target`` leaves."""

    def kill(target: Path, stage: str) -> None:
        subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(target), stage], check=True, timeout=120)

    return kill


def write_article(folder: Path, name: str, date: str, title: str, sentences: int = 3, paragraphs: int = 1) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = "\n\n".join(" ".join([SENTENCE] * sentences) for _ in range(paragraphs))
    path = folder / name
    path.write_text(f"{date} - {title}\n\n{text}\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def slow_library(tmp_path_factory) -> Path:
    """Twenty dated articles with pictures, about half a second each: a batch that runs for seconds."""
    library = tmp_path_factory.mktemp("slow") / "library"
    for day in range(1, 21):
        write_article(library, f"{day:02d}.txt", f"19{day:02d}-03-{day:02d}", f"Story {day}", 6, 3)
        Image.new("RGB", (600, 450), (10 * day, 40, 90)).save(library / f"{day:02d}.jpg", quality=80)
    return library


def snapshot(folder: Path) -> dict[str, object]:
    """What is in the folder: each name with its bytes (a CRC), its link target, or its kind."""
    seen: dict[str, object] = {}
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        info = entry.stat(follow_symlinks=False)
        if stat.S_ISLNK(info.st_mode):
            seen[entry.name] = ("link", os.readlink(entry.path))
        elif stat.S_ISREG(info.st_mode):
            digest = None
            if info.st_size < 1 << 24:
                with open(entry.path, "rb") as f:
                    digest = zlib.crc32(f.read())
            seen[entry.name] = ("file", info.st_size, digest)
        else:
            seen[entry.name] = ("other", stat.S_IFMT(info.st_mode))
    return seen


def bounded_postkit(
    *args: object, timeout: float = 20, memory: int = 512 * 1024 * 1024
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a subprocess, bounded in time (seconds) and address space (bytes)."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(
        [sys.executable, "-m", "postkit", *(str(a) for a in args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit_memory,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
