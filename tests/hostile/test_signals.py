"""Killing postkit: no process outlives its run, no post is left half-written, the next run tidies up.

Each attempt runs the real command in a subprocess whose environment carries a token unique to the
test; every process of the run (main, resource tracker, fork server, workers) inherits it, so
/proc/*/environ finds them all, whatever their process group.

| attempt | what it checks |
|---|---|
| kill -9 of a batch's main process mid-run | no process of the run 5 s later; posts whole; next run: no leftover |
| kill (SIGTERM) of a batch's main process mid-run | exit 143, "Interrupted; ..."; none left after 5 s; posts whole |
| Ctrl-C (SIGINT to the main's process group) mid-run | exit 130; none left after 5 s; posts whole |
| a closed terminal (SIGHUP to the main's process group) mid-run | exit 129; none left after 5 s; posts whole |
| the pool's process group while a batch runs | fork server and workers in a group of their own, not the main's |
| kill (SIGTERM) of a carousel mid-build | exit 143 "Interrupted; nothing was written."; no staging folder, no post |
| SIGHUP to a carousel mid-build | exit 129, the same message; no staging folder, no post |
| kill -9 of a carousel mid-build | its marked staging folder stays; the next carousel in the folder removes it |
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from postkit.check import check_post
from postkit.output import read_marker

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")

BOUND = 5.0  # seconds from the kill by which no process of the run may be left


def processes(token: str) -> dict[int, tuple[int, str]]:
    """Return {pid: (process group, command line)} of the live processes whose environment holds ``token``."""
    found = {}
    needle = f"POSTKIT_HOSTILE_RUN={token}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if needle in environ.split(b"\0") and fields[0] != "Z":
            found[int(entry.name)] = (int(fields[2]), command[:100])
    return found


def gone_within(token: str, bound: float) -> tuple[float, dict]:
    """Wait until no process of the run is left (at most ``bound`` s); return the time taken and who is left."""
    started = time.monotonic()
    left = processes(token)
    while left and time.monotonic() - started < bound:
        time.sleep(0.05)
        left = processes(token)
    return time.monotonic() - started, left


class Run:
    """A postkit command in a subprocess of its own session, marked with a unique token."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.token = uuid.uuid4().hex
        # PYTHONFAULTHANDLER: if a run outlives its bound, SIGABRT makes it print where each thread is.
        env = {**os.environ, "POSTKIT_HOSTILE_RUN": self.token, "PYTHONFAULTHANDLER": "1"}
        command = [sys.executable, "-m", "postkit", *args]
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def wait_for(self, condition, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            if condition():
                return
            time.sleep(0.005)
        msg = f"too late: the run ended ({self.process.poll()}) or {timeout} s passed"
        raise AssertionError(msg)

    def finish(self) -> tuple[int, str]:
        try:
            _, err = self.process.communicate(timeout=60)
        finally:
            if self.process.poll() is None:
                self.process.kill()
        return self.process.returncode, err

    def where(self) -> str:
        """Abort the main process and return what it printed: every thread's stack (see PYTHONFAULTHANDLER)."""
        with contextlib.suppress(OSError):
            os.kill(self.process.pid, signal.SIGABRT)
        try:
            _, err = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            return "(no stack: the main process did not abort)"
        return err[-4000:]

    def cleanup(self) -> None:
        for pid in processes(self.token):  # only if the test failed: never leave them behind
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def made_posts(out: Path) -> list[Path]:
    return [p for p in out.iterdir() if not p.name.startswith(".") and p.is_dir()] if out.is_dir() else []


def assert_whole(out: Path) -> None:
    """Every visible folder in ``out`` is a whole post: post.json, caption and every slide, no error."""
    for folder in made_posts(out):
        assert (folder / "post.json").is_file() and (folder / "caption.txt").is_file(), folder
        assert [v for v in check_post(folder) if v.level == "error"] == [], folder


def start_batch(library: Path, tmp_path: Path) -> tuple[Run, Path]:
    out = tmp_path / "out"
    run = Run(["batch", str(library), "--all", "--jobs", "2", "--out", str(out), "-q"], cwd=tmp_path)
    run.wait_for(lambda: any((p / "post.json").is_file() for p in made_posts(out)))
    return run, out


@pytest.mark.parametrize(
    ("how", "status"),
    [
        ("SIGKILL", -signal.SIGKILL),
        ("SIGTERM", 128 + signal.SIGTERM),
        ("SIGINT", 128 + signal.SIGINT),
        ("SIGHUP", 128 + signal.SIGHUP),
    ],
)
def test_killing_a_batch_leaves_no_process_and_no_half_post(slow_library, tmp_path, how, status):
    run, out = start_batch(slow_library, tmp_path)
    try:
        live = processes(run.token)
        main_group = os.getpgid(run.process.pid)
        pool = {pid: group for pid, (group, command) in live.items() if "forkserver" in command}
        assert len(pool) >= 2, live  # the fork server and at least one worker
        assert main_group not in pool.values() and len(set(pool.values())) == 1, live  # a group of their own
        if how in ("SIGINT", "SIGHUP"):
            os.killpg(main_group, getattr(signal, how))  # what Ctrl-C, or closing the terminal, does
        else:
            run.process.send_signal(getattr(signal, how))
        taken, left = gone_within(run.token, BOUND)
        if left:
            pytest.fail(f"still running {taken:.1f} s after {how}: {left}\n{run.where()}")
        returncode, err = run.finish()
        assert returncode == status, err
        if how != "SIGKILL":
            assert err.strip().splitlines()[-1] == (
                "Interrupted; the posts already made are complete. Run the batch again to make the rest."
            )
            assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
        made = made_posts(out)
        assert 1 <= len(made) < 20
        assert_whole(out)
    finally:
        run.cleanup()

    # The next run (a day without articles: only tidying and the index) leaves nothing hidden.
    again = subprocess.run(
        [sys.executable, "-m", "postkit", "batch", str(slow_library), "--on", "12-31", "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
    assert sorted(made_posts(out)) == sorted(made)


@pytest.mark.parametrize("how", ["SIGTERM", "SIGHUP", "SIGKILL"])
def test_killing_a_carousel_mid_build(example_dir, tmp_path, how):
    out = tmp_path / "out"
    out.mkdir()
    args = ["carousel", str(example_dir / "article.txt"), "--out", str(out / "post")]
    run = Run([*args, "--format", "story", "--max-slides", "20", "-q"], cwd=tmp_path)
    try:

        def building() -> bool:
            staging = [p for p in out.iterdir() if p.is_dir() and read_marker(p) is not None]
            return bool(staging) and not (out / ".postkit.lock").exists()

        run.wait_for(building)
        run.process.send_signal(signal.SIGSTOP)  # hold it mid-build, so the signal lands there
        run.process.send_signal(getattr(signal, how))
        run.process.send_signal(signal.SIGCONT)
        taken, left = gone_within(run.token, BOUND)
        assert not left, f"still running {taken:.1f} s after {how}: {left}"
        returncode, err = run.finish()
    finally:
        run.cleanup()
    assert not (out / "post").exists()
    if how != "SIGKILL":
        assert returncode == 128 + getattr(signal, how) and err.strip() == "Interrupted; nothing was written."
        assert list(out.iterdir()) == []
        return
    assert returncode == -signal.SIGKILL
    (left_behind,) = [p for p in out.iterdir() if p.name.startswith(".") and p.is_dir()]
    assert read_marker(left_behind) is not None
    again = subprocess.run([sys.executable, "-m", "postkit", *args, "-q"], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert [p.name for p in out.iterdir()] == ["post"] and check_post(out / "post") == []
