"""Time `postkit export --for all` against making the post it exports, both as whole processes.

Run from the repo root, inside the venv where postkit is installed:

    python benchmarks/export_bench.py              # 2 warm-ups, then 11 alternated pairs
    python benchmarks/export_bench.py --runs 21

Each pair runs `postkit carousel examples/october-revolution/article.txt --out DIR --force` (making
the post: 10 portrait slides), then `postkit export DIR --for all --force` (seven networks' folders:
copies of the slides, three threads, LinkedIn's PDF, and TikTok's set made again in the story
format). Both are fresh processes, with cached bytecode as an installed package has. Prints the
median and spread of each, and the median of the per-pair ratios export / make (goal: under 1.5).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import ARTICLE, alternate, child_env, cpu_model, spread  # noqa: E402 (the benchmark folder is not a package)

HANDLES = ["--network-handle", "bluesky=themagickalearth.bsky.social", "--network-handle", "x=magickalearth"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=11, help="timed pairs (default 11)")
    args = parser.parse_args()
    postkit = str(Path(sys.executable).with_name("postkit"))
    with tempfile.TemporaryDirectory() as tmp:
        env = child_env(tmp)
        post = str(Path(tmp) / "post")
        make = [postkit, "carousel", str(ARTICLE), "--out", post, "--force", "-q"]
        export = [postkit, "export", post, "--for", "all", "--force", "-q", *HANDLES]
        times = alternate({"make": make, "export": export}, args.runs, {"make": env, "export": env})
    made, exported = times["make"], times["export"]
    ratios = [e / m for e, m in zip(exported, made, strict=True)]
    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    for name, seconds in (("make the post (carousel)", made), ("export for all 7 networks", exported)):
        print(f"{name:28} {spread(seconds)}")
    print(
        f"export / make, median of {args.runs} pairs: {statistics.median(ratios):.2f}x "
        f"(min {min(ratios):.2f}, max {max(ratios):.2f}); goal under 1.5x"
    )


if __name__ == "__main__":
    main()
