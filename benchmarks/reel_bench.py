"""Time `postkit reel` on the example against the Reel's own running time, beside `postkit carousel`.

Run from the repo root, inside the venv where postkit is installed with the video extra:

    python benchmarks/reel_bench.py            # 1 warm-up, then 3 timed runs of each
    python benchmarks/reel_bench.py --runs 5

Each run is a fresh process: `postkit reel examples/october-revolution/article.txt --out DIR --force`
(10 cards at their reading time, about two minutes of 1080x1920 video at 30 fps, H.264 with x264's
"veryfast" preset, CRF 20, 2 threads) and, for comparison, `postkit carousel` on the same article.
Prints the median and spread of each and how many times faster than its running time the Reel
renders (goal: at least 3x).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import ARTICLE, alternate, child_env, cpu_model, spread  # noqa: E402 (the benchmark folder is not a package)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (default 3)")
    args = parser.parse_args()
    postkit = str(Path(sys.executable).with_name("postkit"))
    with tempfile.TemporaryDirectory() as tmp:
        env = child_env(tmp)
        reel_dir = str(Path(tmp) / "example.reel")
        reel = [postkit, "reel", str(ARTICLE), "--out", reel_dir, "--force", "-q"]
        carousel = [postkit, "carousel", str(ARTICLE), "--out", str(Path(tmp) / "post"), "--force", "-q"]
        times = alternate({"reel": reel, "carousel": carousel}, args.runs, {"reel": env, "carousel": env}, warmups=1)
        reels, carousels = times["reel"], times["carousel"]
        manifest = json.loads((Path(reel_dir) / "reel.json").read_text(encoding="utf-8"))
    running = manifest["seconds"]
    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"the Reel: {len(manifest['shots'])} cards, {manifest['frames']} frames, {running:.1f} s of video")
    for name, seconds in (("postkit reel", reels), ("postkit carousel", carousels)):
        print(f"{name:18} {spread(seconds, 2)}")
    speeds = [running / t for t in reels]
    print(
        f"the Reel renders {statistics.median(speeds):.2f}x faster than it plays "
        f"(min {min(speeds):.2f}, max {max(speeds):.2f}); goal at least 3x"
    )


if __name__ == "__main__":
    main()
