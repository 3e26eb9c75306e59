"""Hostile attempts on postkit.output: failing disks, lookalike and forged leftovers, killed writers.

Each fault is injected at one call (the n-th open, write, fsync, rename or mkdir of the run) with
ENOSPC and with EIO, for every n the run makes; "next run" is another post written in the folder.

| attempt | what it checks |
|---|---|
| ENOSPC / EIO at each call writing a new post | one-line OutputError; no folder or a whole one; next run: no leftover |
| ENOSPC / EIO at each call replacing a post | the old post byte for byte, or the whole new one; next run: no leftover |
| ENOSPC / EIO at each call writing index.html (new, over postkit's) | one-line error; old index intact; no leftover |
| both renames of a replacement fail (into place, back) | the error names the moved-aside post; next run puts it back |
| short writes (1,000 bytes per os.write) | the files are whole, the same bytes as unhurried ones |
| a user's `.photos.20240101.old`, `.x.abcdefgh.tmp` (old cleaner's names) | never removed or renamed, byte for byte |
| a writer killed between making its staging folder and finishing its marker | the empty folder goes |
| forged markers: garbage, missing fields, "../outside", pid 0/-1/true, FIFO, symlink, 5 KB | not trusted, no hang |
| a marked folder renamed by someone else | kept |
| a marker whose owner is alive (another process; this one's live staging) | kept; removed once the owner is gone |
| a marker whose pid now belongs to another process (other start time) | removed: the pid was reused |
| a marker from another host, or another pid namespace (container) | kept while recent, removed after STALE_AFTER |
| a writer killed building / after moving the old post aside / after renaming in | next carousel repairs it |
| a symlink named like a staging folder, to a user's folder holding a marker | not followed, byte for byte |
| the folder lock held by another run | the writer waits, then commits; past its wait one clear line |
| a user's regular file named `.postkit.lock` | used as a lock, never deleted |
"""

from __future__ import annotations

import errno
import json
import logging
import os
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from postkit import output
from postkit.errors import OutputError
from postkit.output import MARKER, FolderLock, PostWriter, clean_leftovers, read_marker, write_generated

ERRORS = {errno.ENOSPC: "No space left on device", errno.EIO: "Input/output error"}
CALLS = ("open", "write", "fsync", "replace", "mkdir")
INDEX_MARKERS = (b"<!-- postkit test -->",)


def snapshot(folder: Path) -> dict[str, bytes] | None:
    if not folder.exists():
        return None
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def hidden(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".")) if parent.exists() else []


def write_post(target: Path, colour: str, *, force: bool = False) -> None:
    with PostWriter(target, force=force) as writer:
        for number in (1, 2):
            writer.write_jpeg(f"{number:02d}.jpg", Image.new("RGB", (320, 400), colour))
        writer.write_text("caption.txt", f"A {colour} post.\n")
        writer.write_json("post.json", {"title": colour, "slides": [{"file": "01.jpg"}, {"file": "02.jpg"}]})
        writer.commit()


class Faults:
    """Count the os calls a write makes under ``root`` (fd calls: all), and fail the n-th of one kind."""

    def __init__(self, root: Path, fail: tuple[str, int, int] | None = None) -> None:
        self.root = str(root)
        self.fail = fail
        self.counts: Counter[str] = Counter()
        self.real = {name: getattr(os, name) for name in CALLS}

    def _wrap(self, name: str):
        real = self.real[name]
        by_path = name in ("open", "replace", "mkdir")

        def call(*args, **kwargs):
            if not by_path or os.fspath(args[0]).startswith(self.root):
                self.counts[name] += 1
                if self.fail is not None and self.fail[:2] == (name, self.counts[name]):
                    code = self.fail[2]
                    raise OSError(code, os.strerror(code))
            return real(*args, **kwargs)

        return call

    def __enter__(self) -> Faults:
        for name in CALLS:
            setattr(os, name, self._wrap(name))
        return self

    def __exit__(self, *exc: object) -> None:
        for name, real in self.real.items():
            setattr(os, name, real)


def calls_of(action, root: Path) -> Counter[str]:
    with Faults(root) as faults:
        action()
    return faults.counts


def cases(counts: Counter[str]) -> list[tuple[str, int, int]]:
    return [(name, k, code) for name in CALLS for k in range(1, counts[name] + 1) for code in ERRORS]


def check_failure(run, fault: tuple[str, int, int], root: Path, caplog) -> bool:
    """Run with ``fault``; return whether it raised (after checking the error is one clean line)."""
    caplog.clear()
    try:
        with Faults(root, fault):
            run()
    except OutputError as exc:
        message = str(exc)
        assert "\n" not in message and ERRORS[fault[2]] in message, (fault, message)
        return True
    # Only two faults pass without an error: mkdir of a folder that exists (pathlib's exist_ok ignores
    # the error, as it would ignore EEXIST), and the flush of the parent folder after the rename: the
    # post is in place and whole, and a warning says it may not survive a power cut.
    assert fault[0] == "mkdir" or "could not be flushed to disk" in caplog.text, fault
    return False


@pytest.mark.parametrize("replacing", [False, True], ids=["new post", "replacing a post"])
def test_a_failing_disk_at_every_call_never_leaves_half_a_post(fast_tmp, caplog, replacing):
    tmp_path = fast_tmp
    caplog.set_level(logging.WARNING, logger="postkit")
    probe = tmp_path / "probe"
    write_post(probe / "old", "black")
    counts = calls_of(lambda: write_post(probe / "new" if not replacing else probe / "old", "white", force=True), probe)
    # Four files and the staging marker (and the old post's marker); one or two renames.
    assert counts["replace"] == (2 if replacing else 1) and counts["write"] == (6 if replacing else 5)
    # A post that replaces one has every file flushed before the rename, then the staging folder and
    # the parent; a new one only its marker and the folders (nothing is lost if a power cut takes it).
    assert counts["fsync"] >= (counts["write"] + 2 if replacing else 3), counts
    new_post = snapshot(probe / ("old" if replacing else "new"))

    for number, fault in enumerate(cases(counts)):
        root = tmp_path / f"case{number}"
        target = root / "post"
        if replacing:
            write_post(target, "black")
        before = snapshot(target)
        raised = check_failure(lambda target=target: write_post(target, "white", force=True), fault, root, caplog)
        after = snapshot(target)
        assert after == (before if raised else new_post), fault
        for name in hidden(root):  # whatever is left is recognisable as postkit's
            assert read_marker(root / name) is not None or name == ".postkit.lock", (fault, name)
        write_post(root / "next", "grey")  # the next run in the folder
        assert hidden(root) == [], fault
        assert snapshot(target) == after, fault


@pytest.mark.parametrize("replacing", [False, True], ids=["new index", "replacing postkit's index"])
def test_a_failing_disk_at_every_call_never_leaves_half_an_index(fast_tmp, caplog, replacing):
    tmp_path = fast_tmp
    caplog.set_level(logging.WARNING, logger="postkit")
    old, new = b"<!-- postkit test -->old index\n", b"<!-- postkit test -->new index\n"

    def write(target: Path) -> None:
        write_generated(target, new, markers=INDEX_MARKERS)

    probe = tmp_path / "probe"
    probe.mkdir()
    counts = calls_of(lambda: write(probe / "index.html"), probe)
    for number, fault in enumerate(cases(counts)):
        root = tmp_path / f"case{number}"
        root.mkdir()
        target = root / "index.html"
        if replacing:
            write_generated(target, old, markers=INDEX_MARKERS)
        raised = check_failure(lambda target=target: write(target), fault, root, caplog)
        if raised:
            assert (target.read_bytes() if target.exists() else None) == (old if replacing else None), fault
        else:
            assert target.read_bytes() == new, fault
        write_post(root / "next", "grey")
        assert hidden(root) == [], fault


def test_both_renames_failing_names_the_old_post_and_the_next_run_puts_it_back(tmp_path):
    target = tmp_path / "post"
    write_post(target, "black")
    before = snapshot(target)
    real = os.replace
    calls = []

    def failing(src, dst):
        calls.append(dst)
        if len(calls) >= 2:
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst)

    with pytest.raises(OutputError, match=r"it is in .*\.post\.[0-9a-f]{8}\.old; rename it back by hand") as info:
        os.replace = failing
        try:
            write_post(target, "white", force=True)
        finally:
            os.replace = real
    assert "\n" not in str(info.value) and not target.exists()
    write_post(tmp_path / "next", "grey")  # the next run
    assert snapshot(target) == before
    assert hidden(tmp_path) == []


def test_short_writes_still_write_whole_files(tmp_path, monkeypatch):
    write_post(tmp_path / "steady", "white")
    real = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real(fd, bytes(data[:1000])))
    write_post(tmp_path / "short", "white")
    monkeypatch.undo()
    assert snapshot(tmp_path / "short") == snapshot(tmp_path / "steady")


# --- what is and is not a leftover ---------------------------------------------------------------


def marker(where: Path, **fields) -> dict:
    """Write a marker into folder ``where`` as PostWriter would, with ``fields`` changed."""
    where.mkdir(parents=True, exist_ok=True)
    start = output._process_start(os.getpid())
    data = {
        "postkit": "staging",
        "folder": where.name,
        "target": "post",
        "pid": os.getpid(),
        "host": output._HOST,
        "boot": output._BOOT,
        "pidns": output._PID_NS,
        "start": start[1] if start else None,
        "time": time.time(),
        "token": secrets.token_hex(8),
    }
    data.update(fields)
    (where / MARKER).write_text(json.dumps(data))
    (where / "01.jpg").write_bytes(b"half a slide")
    return data


def dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(child.stdout)


def test_lookalike_names_of_a_user_are_never_touched(tmp_path, hashes):
    out = tmp_path / "out"
    for name in (".photos.20240101.old", ".x.abcdefgh.tmp", ".post.0123abcd.old", ".post.k2j4_x9a.tmp"):
        (out / name).mkdir(parents=True)
        (out / name / "IMG_0001.jpg").write_bytes(name.encode() * 100)
    (out / "post").mkdir()  # the user's own folder where a post.0123abcd.old would be "put back"
    before = hashes(out)
    write_post(out / "new", "white")
    with FolderLock(out):
        assert clean_leftovers(out) == []
    after = hashes(out)
    assert {k: v for k, v in after.items() if not k.startswith("new")} == before


def test_a_staging_folder_killed_before_its_marker_was_whole_is_removed(tmp_path):
    out = tmp_path / "out"
    empty, partial, kept = out / ".post.k2j4_x9a.tmp", out / ".post.ab3def_g.tmp", out / ".post.zz9yx8wv.tmp"
    for folder in (empty, partial, kept):
        folder.mkdir(parents=True)
    (partial / MARKER).write_text('{"folder": ".post.ab3d')  # killed mid-write
    (kept / MARKER).write_text('{"folder"')
    (kept / "IMG_0001.jpg").write_bytes(b"a photo")  # not empty: never ours to delete
    (out / ".notes").mkdir()  # empty, but not named as mkdtemp names staging folders
    with FolderLock(out):
        assert sorted(clean_leftovers(out)) == [partial.name, empty.name]
    assert sorted(p.name for p in out.iterdir()) == [".notes", kept.name]
    assert (kept / "IMG_0001.jpg").read_bytes() == b"a photo"


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda f: (f / MARKER).write_text("not json"), id="garbage"),
        pytest.param(lambda f: (f / MARKER).write_text(json.dumps({"postkit": "staging"})), id="missing fields"),
        pytest.param(lambda f: marker(f, target="../outside", pid=dead_pid()), id="target outside"),
        pytest.param(lambda f: marker(f, pid=0), id="pid 0"),
        pytest.param(lambda f: marker(f, pid=-1), id="pid -1"),
        pytest.param(lambda f: marker(f, pid=True), id="pid true"),
        pytest.param(lambda f: os.mkfifo(f / MARKER), id="fifo"),
        pytest.param(lambda f: (f / MARKER).symlink_to(f.parent / "elsewhere.json"), id="symlink"),
        pytest.param(lambda f: (f / MARKER).write_bytes(b" " * 5000), id="huge"),
    ],
)
def test_forged_markers_are_never_trusted(tmp_path, hashes, forge):
    folder = tmp_path / ".post.forged.tmp"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    (tmp_path / "elsewhere.json").write_text(json.dumps({"postkit": "staging", "folder": folder.name}))
    forge(folder)
    before = hashes(tmp_path)
    started = time.monotonic()
    write_post(tmp_path / "post", "white")  # cleans the folder first
    assert time.monotonic() - started < 10  # a FIFO marker did not block
    assert {k: v for k, v in hashes(tmp_path).items() if not k.startswith("post")} == before


def test_a_marked_folder_renamed_by_someone_else_is_kept(tmp_path, hashes):
    folder = tmp_path / "renamed-by-the-user"
    marker(folder, folder=".post.abcdefgh.tmp", target="post", pid=dead_pid())
    before = hashes(folder)
    write_post(tmp_path / "other", "white")
    assert hashes(folder) == before


def test_a_live_owner_keeps_its_staging_folder(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        started = None
        deadline = time.monotonic() + 30
        while started is None and time.monotonic() < deadline:
            started = output._process_start(sleeper.pid)
        live = tmp_path / ".post.live0001.tmp"
        marker(live, pid=sleeper.pid, start=started[1])
        write_post(tmp_path / "other", "white")
        assert (live / "01.jpg").read_bytes() == b"half a slide"
    finally:
        sleeper.kill()
        sleeper.wait()
    write_post(tmp_path / "third", "white")  # its owner is gone now
    assert not live.exists()


def test_this_process_keeps_its_own_live_staging_folder(tmp_path):
    with PostWriter(tmp_path / "post") as writer:
        writer.write_text("caption.txt", "x")
        with FolderLock(tmp_path):
            assert clean_leftovers(tmp_path) == []
        assert writer.staging.is_dir()
        writer.commit()
    assert (tmp_path / "post" / "caption.txt").read_text() == "x"


def test_a_reused_pid_does_not_keep_a_leftover(tmp_path):
    reused = tmp_path / ".post.reused01.tmp"
    marker(reused, pid=1, start="0")  # pid 1 is alive, but did not start at tick 0
    write_post(tmp_path / "other", "white")
    assert not reused.exists()


@pytest.mark.parametrize("elsewhere", [{"host": "elsewhere.example"}, {"pid": 1, "pidns": "pid:[1]"}])
def test_a_leftover_from_another_host_or_container_waits_until_it_is_stale(tmp_path, elsewhere):
    recent = tmp_path / ".post.recent01.tmp"
    old = tmp_path / ".post.oldhost1.tmp"
    marker(recent, **elsewhere)
    marker(old, **elsewhere, time=time.time() - output.STALE_AFTER - 60)
    write_post(tmp_path / "other", "white")
    assert recent.is_dir() and not old.exists()


@pytest.mark.parametrize("stage", ["staging", "aside", "renamed"])
def test_the_next_carousel_repairs_what_a_killed_one_left(tmp_path, killed_writer, hashes, stage):
    target = tmp_path / "out" / "post"
    write_post(target, "black")
    (tmp_path / "out" / ".photos.20240101.old").mkdir()
    old = snapshot(target)
    killed_writer(target, stage)
    if stage == "aside":
        assert not target.exists()  # killed between its two renames: the post is missing
    if stage == "renamed":
        assert (target / MARKER).is_file()
    write_post(tmp_path / "out" / "another", "grey")  # the next carousel in the same folder
    assert hidden(tmp_path / "out") == [".photos.20240101.old"]
    if stage == "renamed":
        assert snapshot(target) == {"01.jpg": b"new slide", "post.json": b'{"title": "new"}'}
    else:
        assert snapshot(target) == old


def test_a_symlink_named_like_staging_is_not_followed(tmp_path, hashes):
    mine = tmp_path / "my-photos"
    marker(mine, folder=".post.linked01.tmp", pid=dead_pid())
    out = tmp_path / "out"
    out.mkdir()
    (out / ".post.linked01.tmp").symlink_to(mine, target_is_directory=True)
    before = hashes(tmp_path)
    write_post(out / "post", "white")
    assert {k: v for k, v in hashes(tmp_path).items() if not k.startswith("out/post")} == before


def test_a_writer_waits_for_the_folder_lock(tmp_path):
    target = tmp_path / "post"
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with FolderLock(tmp_path):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    threading.Timer(0.5, release.set).start()
    started = time.monotonic()
    write_post(target, "white")
    holder.join()
    assert time.monotonic() - started >= 0.4 and (target / "post.json").is_file()


def test_a_lock_held_too_long_is_one_clear_error(tmp_path):
    with FolderLock(tmp_path), pytest.raises(OutputError) as info, FolderLock(tmp_path, wait=0.3):
        pass  # pragma: no cover - never reached
    assert str(info.value) == (
        f"another postkit run is writing in {tmp_path} (it holds {tmp_path / '.postkit.lock'}); "
        "wait for it to finish and try again, or choose another --out"
    )


def test_a_users_file_named_like_the_lock_is_never_deleted(tmp_path):
    (tmp_path / ".postkit.lock").write_text("my notes")
    write_post(tmp_path / "post", "white")
    assert (tmp_path / ".postkit.lock").read_text() == "my notes"
