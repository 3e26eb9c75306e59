"""Time `postkit batch --all` on a year of articles, with --jobs 1 and --jobs 2.

Run from the repo root, inside the venv where postkit is installed:

    python benchmarks/batch_bench.py                  # generate 366 articles, time jobs 1 and 2
    python benchmarks/batch_bench.py --jobs 1 2 4 --json results.json
    python benchmarks/batch_bench.py --keep /tmp/year # keep the library and the posts to look at

The library is generated deterministically (seeded): one article per day of a leap year
(2024-01-01 ... 2024-12-31, with years from 1800 to 2000), 300-600 words each in 3-7 paragraphs,
half plain drafts and half Markdown with front matter, each with a 1200x900 JPEG illustration
beside it (gradients and shapes drawn with Pillow). Each timed run is a whole process,
`python -m postkit batch LIB --all --jobs N -q` into a fresh out folder, so the times include
Python start-up, imports and the process pool. Each run has a fresh postkit cache folder of its
own (faces, languages): every run is a first run, as for a new year of articles, and one run
never warms the cache for the next. Peak memory is the high-water mark of resident memory (VmHWM
in /proc/PID/status) of the main process and of every worker, polled while the batch runs; CPU
time is each process's user + system time (/proc/PID/stat) at its last poll, so the work done can
be told from the time waited for a CPU that other programs held. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import datetime
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import PIL
from PIL import Image, ImageDraw, features

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import child_env  # noqa: E402 (the benchmark folder is not a package)

SEED = 20241107
YEAR = 2024  # a leap year: 366 days, 29 February included

_WORDS = (
    "the a of and to in was were on by with for from at as that which city army crowd river bridge palace "
    "government council people news letter train ship storm harbour winter summer morning evening night "
    "soldiers workers students writers engineers sailors farmers bells streets square telegraph newspapers "
    "declared crossed opened signed crowned founded discovered burned flooded marched gathered printed "
    "launched landed elected arrested returned announced recorded measured built named lost won began ended "
    "old new first last great small northern southern quiet famous long short bright dark heavy early late "
    "its their his her after before during while because although until when where several many few"
)
WORDS = _WORDS.split()
_NAMES = (
    "Amsterdam Lisbon Kyiv Quebec Valparaiso Tbilisi Osaka Tromso Marseille Krakow Halifax Dakar Hobart "
    "Trieste Riga Cusco Antwerp Bergen Odessa Seville"
)
NAMES = _NAMES.split()
TOPICS = (
    "Fire", "Treaty", "Flood", "Bridge", "Expedition", "Strike", "Coronation", "Eclipse", "Railway",
    "Voyage", "Uprising", "Exhibition", "Observatory", "Canal", "Library", "Telegraph",
)


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 22))]
    if rng.random() < 0.4:
        words.insert(rng.randint(0, len(words)), rng.choice(NAMES))
    if rng.random() < 0.2:
        words.insert(rng.randint(0, len(words)), str(rng.randint(2, 1900)))
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".....?!")


def body(rng: random.Random) -> list[str]:
    """Paragraphs of 300-600 words in total."""
    target = rng.randint(300, 600)
    paragraphs: list[str] = []
    count = 0
    for _ in range(rng.randint(3, 7)):
        paragraphs.append("")
    k = 0
    while count < target:
        text = sentence(rng)
        words = len(text.split())
        if count + words > 600:
            break
        paragraphs[k % len(paragraphs)] = f"{paragraphs[k % len(paragraphs)]} {text}".strip()
        count += words
        k += 1 if rng.random() < 0.35 else 0
    return [p for p in paragraphs if p]


def illustration(rng: random.Random, path: Path) -> None:
    """A 1200x900 JPEG: a two-colour gradient with a few shapes."""
    top = tuple(rng.randint(0, 255) for _ in range(3))
    bottom = tuple(rng.randint(0, 255) for _ in range(3))
    column = Image.new("RGB", (1, 900))
    for y in range(900):
        t = y / 899
        column.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    image = column.resize((1200, 900))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(3, 8)):
        x, y = rng.randint(0, 1100), rng.randint(0, 800)
        w, h = rng.randint(60, 500), rng.randint(60, 400)
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        shape = rng.choice((draw.ellipse, draw.rectangle))
        shape((x, y, x + w, y + h), fill=colour)
    image.save(path, quality=85)


def generate(folder: Path, seed: int = SEED) -> int:
    """Write 366 dated articles with illustrations into ``folder``; return the number of words."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    words = 0
    day = datetime.date(YEAR, 1, 1)
    while day.year == YEAR:
        year = rng.randint(1800, 2000)
        if day.month == 2 and day.day == 29:
            year = rng.choice([y for y in range(1800, 2001) if calendar.isleap(y)])
        date = day.replace(year=year)
        title = f"The {rng.choice(NAMES)} {rng.choice(TOPICS)}"
        paragraphs = body(rng)
        words += sum(len(p.split()) for p in paragraphs)
        stem = f"{day:%m-%d}-{title.lower().replace(' ', '-')}"
        if rng.random() < 0.5:
            text = f"{date:%B} {date.day}, {date.year} - {title}\n\n" + "\n\n".join(paragraphs) + "\n"
            (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
        else:
            credit = f"'Generated illustration, seed {seed}'"
            front = f"---\ntitle: {title}\ndate: {date.isoformat()}\ncredit: {credit}\n---\n\n"
            (folder / f"{stem}.md").write_text(front + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
        illustration(rng, folder / f"{stem}.jpg")
        day += datetime.timedelta(days=1)
    (folder / "postkit.toml").write_text('handle = "onthisday.bench"\nhashtags = ["onthisday", "history"]\n')
    return words


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        for child in _children(stack.pop()):
            found.append(child)
            stack.append(child)
    return found


def _hwm_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14 and 15 of stat)


def _role(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "gone"
    if "resource_tracker" in command:
        return "tracker"
    if "forkserver import main" in command and pid not in _forked_workers:
        return "forkserver"
    return "worker"


_forked_workers: set[int] = set()


def timed_batch(library: Path, out: Path, jobs: int, env: dict[str, str]) -> dict:
    """Run one whole batch process; return seconds, posts made and peak memory of main and workers."""
    cmd = [sys.executable, "-m", "postkit", "batch", str(library), "--all", "--jobs", str(jobs)]
    cmd += ["--out", str(out), "-q"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks: dict[int, int] = {}
    cpu: dict[int, float] = {}
    roles: dict[int, str] = {}
    while proc.poll() is None:
        for pid in [proc.pid, *_descendants(proc.pid)]:
            if pid not in roles:
                # A worker is a child of the fork server (or, with spawn, a direct child that is not a helper).
                parent = _parent(pid)
                if parent in roles and roles[parent] == "forkserver":
                    _forked_workers.add(pid)
                roles[pid] = "main" if pid == proc.pid else _role(pid)
            hwm = _hwm_kb(pid)
            if hwm is not None:
                peaks[pid] = max(peaks.get(pid, 0), hwm)
            used = _cpu_seconds(pid)
            if used is not None:
                cpu[pid] = used
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"FAILED (exit {proc.returncode}): {' '.join(cmd)}\n{stdout}{stderr}")
    posts = [p for p in out.iterdir() if (p / "post.json").is_file()]
    slides = sum(len(list(p.glob("[0-9][0-9].jpg"))) for p in posts)
    workers = {pid: kb for pid, kb in peaks.items() if roles.get(pid) == "worker"}
    worker_cpu = sum(seconds for pid, seconds in cpu.items() if roles.get(pid) == "worker")
    return {
        "jobs": jobs,
        "seconds": seconds,
        "posts": len(posts),
        "slides": slides,
        "posts_per_minute": len(posts) / seconds * 60,
        "peak_rss_main_mb": peaks.get(proc.pid, 0) / 1024,
        "peak_rss_worker_mb": max(workers.values(), default=0) / 1024,
        "workers_seen": len(workers),
        "cpu_main_s": cpu.get(proc.pid, 0.0),
        "cpu_forkserver_s": sum(seconds for pid, seconds in cpu.items() if roles.get(pid) == "forkserver"),
        "cpu_workers_s": worker_cpu,
        "worker_cpu_per_post_ms": worker_cpu / max(1, len(posts)) * 1000,
        # The share of the run's wall time x jobs in which workers had a CPU: start-up, the main
        # process's serial work, waits between pools and other programs' CPU time all lower it.
        "worker_utilisation": worker_cpu / (seconds * jobs),
    }


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def machine() -> dict:
    cpu = platform.processor() or "unknown"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "pillow": PIL.__version__,
        "raqm": features.check("raqm"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Time postkit batch --all on a generated year of articles.")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="job counts to time (default: 1 2)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed of the library (default {SEED})")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it (default: a temp folder)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="postkit-batch-bench-")) if args.keep is None else args.keep
    try:
        library = tmp / "library"
        if library.exists():
            shutil.rmtree(library)
        started = time.perf_counter()
        words = generate(library, args.seed)
        print(f"generated 366 articles ({words / 366:.0f} words on average) in {time.perf_counter() - started:.1f} s")
        env = child_env(tmp)
        subprocess.run([sys.executable, "-m", "postkit", "--version"], env=env, check=True, capture_output=True)

        runs = []
        for jobs in args.jobs:
            out = tmp / f"out-jobs-{jobs}"
            cache = tmp / f"cache-jobs-{jobs}"
            for folder in (out, cache):
                if folder.exists():
                    shutil.rmtree(folder)
            result = timed_batch(library, out, jobs, {**env, "POSTKIT_CACHE_DIR": str(cache)})
            runs.append(result)
            print(
                f"--jobs {jobs}: {result['posts']} posts ({result['slides']} slides) in {result['seconds']:.1f} s = "
                f"{result['posts_per_minute']:.0f} posts/min; peak RSS main {result['peak_rss_main_mb']:.0f} MB, "
                f"worker {result['peak_rss_worker_mb']:.0f} MB ({result['workers_seen']} workers); CPU main "
                f"{result['cpu_main_s']:.1f} s, fork server {result['cpu_forkserver_s']:.1f} s, workers "
                f"{result['cpu_workers_s']:.1f} s ({result['worker_cpu_per_post_ms']:.0f} ms a post, "
                f"{result['worker_utilisation']:.0%} of {jobs} CPU(s) for the whole run)"
            )
        base = next((r for r in runs if r["jobs"] == 1), None)
        speedups = {r["jobs"]: base["seconds"] / r["seconds"] for r in runs} if base else {}
        for jobs, speedup in speedups.items():
            if jobs != 1:
                print(f"speed-up from 1 to {jobs} jobs: {speedup:.2f}x")
        results = {"runs": runs, "speedup": speedups, "words_average": words / 366, "machine": machine()}
        for key, value in results["machine"].items():
            print(f"{key + ':':11} {value}")
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")
            print(f"wrote {args.json}")
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
