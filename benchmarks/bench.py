"""Time `postkit carousel` as a whole process against the floor of the stack (bare Pillow).

Run from the repo root, inside the venv where postkit is installed:

    python benchmarks/bench.py                 # 15 timed runs of each, after 2 warm-ups
    python benchmarks/bench.py --runs 30 --json results.json

Each run is a fresh process (Python start-up and imports included), as a user runs it:
`postkit carousel examples/october-revolution/article.txt`, then benchmarks/floor.py drawing
the same number of cards. Prints median and min wall-clock seconds, the ratio of medians and
the machine. See benchmarks/README.md.

Like an installed package, the runs use cached bytecode: the children get a private
PYTHONPYCACHEPREFIX in the temp folder (filled by the warm-ups; nothing is written to the repo)
even if PYTHONDONTWRITEBYTECODE is set.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import PIL
from PIL import features

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "examples" / "october-revolution" / "article.txt"
FLOOR = ROOT / "benchmarks" / "floor.py"
WARMUPS = 2


def run_once(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"FAILED (exit {proc.returncode}): {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    return seconds


def timed(cmd: list[str], runs: int, env: dict[str, str]) -> list[float]:
    for _ in range(WARMUPS):
        run_once(cmd, env)
    return [run_once(cmd, env) for _ in range(runs)]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict:
    return {
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "pillow": PIL.__version__,
        "raqm": features.check("raqm"),
    }


def summary(times: list[float]) -> dict:
    return {"median": statistics.median(times), "min": min(times), "runs": times}


def main() -> None:
    parser = argparse.ArgumentParser(description="Time postkit carousel against bare Pillow.")
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each (default 15)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    with tempfile.TemporaryDirectory(prefix="postkit-bench-") as tmp:
        post = Path(tmp) / "post"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        postkit_cmd = [sys.executable, "-m", "postkit", "carousel", str(ARTICLE),
                       "--out", str(post), "--force", "-q"]
        print(f"postkit carousel {ARTICLE.relative_to(ROOT)}: "
              f"{WARMUPS} warm-ups + {args.runs} runs")
        postkit_times = timed(postkit_cmd, args.runs, env)
        cards = len(list(post.glob("[0-9][0-9].jpg")))
        if cards == 0:
            sys.exit(f"FAILED: postkit wrote no NN.jpg slides to {post}")

        floor_cmd = [sys.executable, str(FLOOR), "--cards", str(cards),
                     "--out", str(Path(tmp) / "floor")]
        print(f"floor.py --cards {cards}: {WARMUPS} warm-ups + {args.runs} runs")
        floor_times = timed(floor_cmd, args.runs, env)

    results = {
        "slides": cards,
        "postkit": summary(postkit_times),
        "floor": summary(floor_times),
        "ratio_of_medians": statistics.median(postkit_times) / statistics.median(floor_times),
        "machine": machine(),
    }
    print()
    print(f"{'':18}{'median s':>10}{'min s':>10}")
    for name, key in (("postkit carousel", "postkit"), (f"floor ({cards} cards)", "floor")):
        print(f"{name:18}{results[key]['median']:10.3f}{results[key]['min']:10.3f}")
    print(f"ratio of medians: {results['ratio_of_medians']:.2f}x the floor (goal: <= 2.5x)")
    print()
    for key, value in results["machine"].items():
        print(f"{key + ':':11} {value}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
