"""Hostile attempts on postkit batch: other people's files in the output folder, colliding folders, runaway posts.

| attempt | what it checks |
|---|---|
| an index.html postkit did not write in --out | refused before any post is made, byte for byte; --force replaces it |
| an index.html from before the marker (the old template's style sheet) | recognised as postkit's and replaced |
| index.html a symlink to a user's file; a FIFO; a folder | refused (no hang); --force replaces the link, not the file |
| "Long story" as a series and "Long story, part 1" in one run | the other post is made; the series fails |
| the same, "Long story, part 1" made by an earlier run | the series fails; the other post byte for byte |
| "Long story, part 1" added after the series was made | both fail clearly; every existing post byte for byte |
| a carousel mid-build (stopped) in the --out of a running batch | its staging folder byte for byte; it then finishes |
| a second batch on the same --out | one clear line, nothing touched |
| a 900 KB article as a series, --timeout 1 | that post fails "took longer than 1 s"; the others are made |
| a post stuck where SIGALRM cannot reach it (alarm blocked) | its worker is killed; the others run again and are made |
| a library article with the heading of a carousel's post (same folder name, other source) | fails; the post intact |
| one SIGTERM while two posts run (a handler that raises, in-process) | they finish; no other starts; no worker left |
| a second SIGTERM while they run | they are stopped at once; nothing made; no worker left |
"""

from __future__ import annotations

import datetime
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from postkit.article import Article, Paragraph
from postkit.batch import FAILED, INDEX_MARKER, LOCK_FILE, MADE, Outcome, Selection, _run_tasks, _Task, run_batch
from postkit.check import check_post
from postkit.cli import cli
from postkit.errors import OutputError
from postkit.output import FolderLock, read_marker

from .conftest import write_article

D = datetime.date
NOV_7 = Selection.on("11-07", D(2026, 1, 1))
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def library(tmp_path) -> Path:
    lib = tmp_path / "library"
    write_article(lib, "revolution.txt", "1917-11-07", "October Revolution")
    write_article(lib, "sputnik.txt", "1957-11-07", "A later seventh")
    return lib


def posts(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if (p / "post.json").is_file()) if out.is_dir() else []


# --- index.html -----------------------------------------------------------------------------------


def test_a_foreign_index_stops_the_batch_before_anything_is_made(library, tmp_path, hashes):
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("<html>my own page, years of work</html>")
    before = hashes(out)
    args = ["batch", str(library), "--on", "11-07", "--date", "2026-01-01", "--out", str(out), "-q"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {out / 'index.html'} was not written by postkit, so it is not replaced; "
        "pass --force to replace it, or choose another --out"
    )
    assert hashes(out) == before and posts(out) == []
    result = CliRunner().invoke(cli, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert INDEX_MARKER in (out / "index.html").read_text() and len(posts(out)) == 2


def test_an_index_from_before_the_marker_is_postkits(library, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text(
        "<!doctype html>\n<html><head><style>\n"
        "  img, .blank { display: block; width: 100%; aspect-ratio: 4 / 5; object-fit: cover; }\n"
        "</style></head></html>\n"
    )
    run_batch(library, NOV_7, jobs=1, out=out)
    assert INDEX_MARKER in (out / "index.html").read_text()


def test_an_index_symlink_is_not_written_through(library, tmp_path, hashes):
    out = tmp_path / "out"
    out.mkdir()
    mine = tmp_path / "notes.html"
    mine.write_text("<p>mine</p>")
    (out / "index.html").symlink_to(mine)
    before = hashes(tmp_path / "library"), mine.read_bytes()
    with pytest.raises(OutputError, match="was not written by postkit"):
        run_batch(library, NOV_7, jobs=1, out=out)
    run_batch(library, NOV_7, jobs=1, out=out, force=True)
    assert not (out / "index.html").is_symlink() and INDEX_MARKER in (out / "index.html").read_text()
    assert (hashes(tmp_path / "library"), mine.read_bytes()) == before


def test_an_index_fifo_or_folder_is_refused_without_blocking(library, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "index.html")
    started = time.monotonic()
    with pytest.raises(OutputError, match="was not written by postkit"):
        run_batch(library, NOV_7, jobs=1, out=out)
    assert time.monotonic() - started < 10
    (out / "index.html").unlink()
    (out / "index.html").mkdir()
    (out / "index.html" / "keep.txt").write_text("keep")
    with pytest.raises(OutputError, match=r"index.html is a folder, so postkit will not write its index.html"):
        run_batch(library, NOV_7, jobs=1, out=out, force=True)
    assert (out / "index.html" / "keep.txt").read_text() == "keep" and posts(out) == []


# --- series parts and other articles' folders --------------------------------------------------------

SERIES = {"max_slides": 3}


def long_story(lib: Path) -> Path:
    return write_article(lib, "long.txt", "1917-11-07", "Long story", sentences=5, paragraphs=4)


def part_one(lib: Path) -> Path:
    return write_article(lib, "other.txt", "1917-11-07", "Long story, part 1", sentences=2)


def test_a_series_part_never_takes_the_folder_of_another_article_in_the_run(tmp_path):
    lib = tmp_path / "library"
    long_story(lib)
    other = part_one(lib)
    out = tmp_path / "out"
    result = run_batch(lib, NOV_7, jobs=2, out=out, settings=SERIES, series=True)
    by_name = {Path(o.name).name: o for o in result.outcomes}
    assert by_name["other.txt"].status == MADE
    folder = out / "1917-11-07-long-story-part-1"
    assert by_name["long.txt"].status == FAILED and by_name["long.txt"].reason == (
        f"its part 1 would go to {folder}, the folder of the post of {other}; "
        "change one of the titles so that each post has its own folder"
    )
    assert json.loads((folder / "post.json").read_text())["title"] == "Long story, part 1"
    assert check_post(folder) == [] and posts(out) == ["1917-11-07-long-story-part-1"]


def test_a_series_part_never_replaces_an_earlier_post_of_another_article(tmp_path, hashes):
    lib = tmp_path / "library"
    other = part_one(lib)
    out = tmp_path / "out"
    run_batch(lib, NOV_7, jobs=1, out=out, settings=SERIES, series=True)
    other.unlink()  # gone from the library, its post stays
    long_story(lib)
    before = hashes(out / "1917-11-07-long-story-part-1")
    (outcome,) = run_batch(lib, NOV_7, jobs=1, out=out, settings=SERIES, series=True).outcomes
    assert outcome.status == FAILED and outcome.reason == (
        f"its part 1 would go to {out / '1917-11-07-long-story-part-1'}, which holds the post of another "
        "article, 'Long story, part 1'; change one of the titles so that each post has its own folder"
    )
    assert hashes(out / "1917-11-07-long-story-part-1") == before


def test_an_article_added_beside_a_series_takes_nothing_and_both_keep_their_posts(tmp_path, hashes):
    lib = tmp_path / "library"
    long_story(lib)
    out = tmp_path / "out"
    first = run_batch(lib, NOV_7, jobs=1, out=out, settings=SERIES, series=True)
    assert len(first.made) >= 2
    part_one(lib)
    before = hashes(out)
    result = run_batch(lib, NOV_7, jobs=2, out=out, settings=SERIES, series=True)
    reasons = {Path(o.name).name: o.reason for o in result.outcomes}
    assert [o.status for o in result.outcomes] == [FAILED, FAILED], reasons
    assert "which holds the post of another article, 'Long story (Part 1/" in reasons["other.txt"]
    assert reasons["long.txt"].startswith("its part 1 would go to ")
    after = hashes(out)
    assert {k: v for k, v in after.items() if k != "index.html"} == {
        k: v for k, v in before.items() if k != "index.html"
    }


# --- a carousel and a second batch in the same folder ----------------------------------------------


def test_a_batch_leaves_a_running_carousels_staging_folder_alone(library, tmp_path, example_dir, hashes):
    out = tmp_path / "out"
    out.mkdir()
    command = [sys.executable, "-m", "postkit", "carousel", str(example_dir / "article.txt")]
    command += ["--out", str(out / "carousel-post"), "--format", "story", "--max-slides", "20", "-q"]
    carousel = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        staging = None
        deadline = time.monotonic() + 60
        while staging is None and time.monotonic() < deadline and carousel.poll() is None:
            found = [p for p in out.iterdir() if p.is_dir() and read_marker(p) is not None]
            if found and not (out / ".postkit.lock").exists():
                staging = found[0]
                carousel.send_signal(signal.SIGSTOP)  # frozen mid-build, its staging folder live
            time.sleep(0.002)
        assert staging is not None, "the carousel finished before it could be stopped"
        before = hashes(staging)
        result = run_batch(library, NOV_7, jobs=1, out=out)
        assert [o.status for o in result.outcomes] == [MADE, MADE]
        assert hashes(staging) == before
    finally:
        carousel.send_signal(signal.SIGCONT)
    assert carousel.wait(timeout=120) == 0, carousel.stderr.read()
    assert check_post(out / "carousel-post") == []
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_a_second_batch_on_the_same_folder_is_one_clear_error(library, tmp_path, hashes):
    out = tmp_path / "out"
    out.mkdir()
    with FolderLock(out, name=LOCK_FILE, wait=0):
        before = hashes(out)
        with pytest.raises(OutputError) as info:
            run_batch(library, NOV_7, jobs=1, out=out)
        assert str(info.value) == (
            f"another postkit batch is writing to {out}; wait for it to finish, or choose another --out"
        )
        assert hashes(out) == before


# --- runaway posts ------------------------------------------------------------------------------------


def test_a_runaway_post_is_stopped_and_the_batch_goes_on(library, tmp_path):
    # 900 KB of text as a series: seconds for each of the many trial layouts of its parts.
    write_article(library, "huge.txt", "1930-11-07", "Huge", sentences=20, paragraphs=600)
    out = tmp_path / "out"
    args = ["batch", str(library), "--on", "11-07", "--date", "2026-01-01", "--out", str(out), "--series"]
    started = time.monotonic()
    result = CliRunner().invoke(cli, [*args, "--timeout", "1", "--jobs", "2"])
    assert time.monotonic() - started < 60
    assert result.exit_code == 1
    assert f"Could not make {library / 'huge.txt'}: took longer than 1 s, so it was stopped; " in result.stderr
    assert result.stdout.splitlines()[-1].startswith("Made 2 posts, skipped 0 unchanged, 1 failed in ")
    assert posts(out) == ["1917-11-07-october-revolution", "1957-11-07-a-later-seventh"]
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def stand_in_tasks(tmp_path: Path, names: list[str], timeout: float | None = None) -> list[_Task]:
    """Tasks for a stand-in ``work`` function: the article is never read."""
    article = Article(
        source=tmp_path / "x.txt",
        title="X",
        date=D(1917, 11, 7),
        date_text="1917-11-07",
        handle=None,
        credit=None,
        credit_label=None,
        paragraphs=(Paragraph("Text."),),
        syntax="plain",
    )
    return [_Task(name, article, tmp_path / name, D(2026, 11, 7), 109, timeout=timeout) for name in names]


def stuck_or_quick(task: _Task) -> list[Outcome]:
    """Stand in for a post: "stuck" blocks SIGALRM (as a long C call would) and sleeps; the others finish."""
    if task.name == "stuck":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(120)
    else:
        time.sleep(0.5)
    return [Outcome(task.name, MADE)]


def test_a_post_the_alarm_cannot_stop_has_its_worker_killed(tmp_path):
    tasks = stand_in_tasks(tmp_path, ["stuck", "quick-1", "quick-2", "quick-3"], timeout=1.0)
    started = time.monotonic()
    results = _run_tasks(tasks, 2, None, timeout=1.0, work=stuck_or_quick)
    elapsed = time.monotonic() - started
    assert [r[0].status for r in results] == [FAILED, MADE, MADE, MADE]
    assert results[0][0].reason == "took longer than 1 s, so it was stopped; shorten it or raise --timeout"
    assert elapsed < 60  # the hard limit is 3 s; the pool is started twice


class Stopped(BaseException):
    """What the test's SIGTERM handler raises (as postkit's CLI raises Terminated)."""


def slow_post(task: _Task) -> list[Outcome]:
    """Stand in for a post that takes a while; leave a file when it starts and when it is made."""
    (task.target.parent / f"started-{task.name}").touch()
    time.sleep(30 if task.name.startswith("long") else 1.5)
    (task.target.parent / f"made-{task.name}").touch()
    return [Outcome(task.name, MADE)]


def interrupt_when(condition, times: int) -> None:
    """From a thread: once ``condition()`` holds, send SIGTERM to this process ``times`` times, 0.3 s apart."""

    def send() -> None:
        deadline = time.monotonic() + 30
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.01)
        for _ in range(times):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.3)

    threading.Thread(target=send, daemon=True).start()


@pytest.fixture
def stop_raises():
    def stop(signum: int, frame: object) -> None:
        raise Stopped

    previous = signal.signal(signal.SIGTERM, stop)
    yield
    signal.signal(signal.SIGTERM, previous)


def test_one_interruption_lets_the_posts_in_progress_finish_and_starts_no_more(tmp_path, stop_raises):
    tasks = stand_in_tasks(tmp_path, [f"post-{i}" for i in range(6)])
    interrupt_when(lambda: len(list(tmp_path.glob("started-*"))) == 2, times=1)
    with pytest.raises(Stopped):
        _run_tasks(tasks, 2, None, work=slow_post)
    started = sorted(p.name[len("started-") :] for p in tmp_path.glob("started-*"))
    assert len(started) == 2
    assert sorted(p.name[len("made-") :] for p in tmp_path.glob("made-*")) == started
    assert multiprocessing.active_children() == []


def test_a_second_interruption_stops_the_posts_in_progress(tmp_path, stop_raises):
    tasks = stand_in_tasks(tmp_path, ["long-1", "long-2", "long-3"])
    interrupt_when(lambda: len(list(tmp_path.glob("started-*"))) == 2, times=2)
    started = time.monotonic()
    with pytest.raises(Stopped):
        _run_tasks(tasks, 2, None, work=slow_post)
    assert time.monotonic() - started < 20  # not the posts' 30 s
    assert list(tmp_path.glob("made-*")) == []
    assert multiprocessing.active_children() == []


def test_a_library_article_titled_like_a_carousel_post_does_not_replace_it(tmp_path, example_dir):
    """A carousel made out/1917-11-07-october-revolution; a library's other article has the same heading."""
    from postkit.batch import Selection, run_batch
    from postkit.pipeline import make_post

    out = tmp_path / "out"
    mine = make_post(example_dir / "article.txt", out=out / "1917-11-07-october-revolution")
    before = {p.name: p.read_bytes() for p in mine.folder.iterdir()}
    library = tmp_path / "library"
    library.mkdir()
    (library / "other.txt").write_text("November 7, 1917 - October Revolution\nA different text.\n", encoding="utf-8")
    result = run_batch(library, Selection.every(datetime.date(2026, 1, 1)), out=out, jobs=1)
    (outcome,) = result.outcomes
    assert outcome.status == "failed" and "holds the post of another article" in outcome.reason
    assert {p.name: p.read_bytes() for p in mine.folder.iterdir()} == before
