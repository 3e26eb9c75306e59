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
LEAST = ROOT / "benchmarks" / "least_work.py"
WARMUPS = 2


def child_env(tmp: str | Path) -> dict[str, str]:
    """A timed child's environment: bytecode cached in ``tmp``, as an installed package has it, never in the repo."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
    env["POSTKIT_CACHE_DIR"] = str(Path(tmp) / "cache")  # postkit's own cache: private to this benchmark
    return env


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


def alternate(
    commands: dict[str, list[str]], runs: int, envs: dict[str, dict[str, str]], warmups: int = WARMUPS
) -> dict[str, list[float]]:
    """Run the commands in turn, ``warmups`` rounds untimed then ``runs`` timed; return each one's seconds.

    Alternating, rather than all runs of one then all of the next, spreads the machine's changing load
    over every command alike.
    """
    for _ in range(warmups):
        for name, command in commands.items():
            run_once(command, envs[name])
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(run_once(command, envs[name]))
    return times


def spread(times: list[float], digits: int = 3) -> str:
    """Say the median and the range of ``times``: "median 0.499 s  (min 0.493, max 0.523)"."""
    return f"median {statistics.median(times):.{digits}f} s  (min {min(times):.{digits}f}, max {max(times):.{digits}f})"


def summary(times: list[float]) -> dict:
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": times}


def stages(article: Path, out: Path) -> dict[str, float]:
    """Profile one make_post in this process: seconds spent in each stage, from cProfile's cumulative times."""
    import cProfile
    import pstats

    from postkit.pipeline import make_post

    # The imports of a run, in a fresh interpreter, less the interpreter's own start.
    bare = min(run_once([sys.executable, "-c", "pass"], dict(os.environ)) for _ in range(3))
    loaded = min(
        run_once([sys.executable, "-c", "import postkit.cli, postkit.pipeline, postkit.check"], dict(os.environ))
        for _ in range(3)
    )
    imports = loaded - bare
    make_post(article, out=out / "warm", force=True)  # fonts and caches as a run has them once warm
    profile = cProfile.Profile()
    profile.enable()
    make_post(article, out=out / "profiled", force=True)
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    names = {
        "parse": ("article.py", "read_article"),
        "slice": ("slicing.py", "slice_paragraphs"),
        "plan": ("design.py", "plan_post"),
        "draw": ("compose.py", "paint"),
        "encode": ("output.py", "encode_jpeg"),
        "write": ("output.py", "commit"),
    }
    found = {"imports": imports}
    for stage, (file, function) in names.items():
        found[stage] = sum(v[3] for (path, _, name), v in stats.items() if path.endswith(file) and name == function)
    found["whole make_post"] = sum(
        v[3] for (path, _, name), v in stats.items() if path.endswith("pipeline.py") and name == "make_post"
    )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description="Time postkit carousel against bare Pillow.")
    parser.add_argument("--runs", type=int, default=15, help="alternated runs of each (default 15)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from least_work import drawing_list

    with tempfile.TemporaryDirectory(prefix="postkit-bench-") as tmp:
        post = Path(tmp) / "post"
        env = child_env(tmp)
        postkit_cmd = [sys.executable, "-m", "postkit", "carousel", str(ARTICLE), "--out", str(post), "--force", "-q"]
        run_once(postkit_cmd, env)
        cards = len(list(post.glob("[0-9][0-9].jpg")))
        if cards == 0:
            sys.exit(f"FAILED: postkit wrote no NN.jpg slides to {post}")
        listing = Path(tmp) / "drawing-list.json"
        listing.write_text(json.dumps(drawing_list(ARTICLE)), encoding="utf-8")  # untimed: postkit's layout
        commands = {
            "postkit": postkit_cmd,
            "cold": postkit_cmd,
            "floor": [sys.executable, str(FLOOR), "--cards", str(cards), "--out", str(Path(tmp) / "floor")],
            "least": [sys.executable, str(LEAST), str(listing), "--out", str(Path(tmp) / "least")],
        }
        print(f"postkit carousel {ARTICLE.relative_to(ROOT)} ({cards} slides), floor.py and least_work.py: "
              f"{WARMUPS} warm-ups, then {args.runs} alternated runs of each")  # fmt: skip
        # "cold" is postkit meeting the picture and the article for the first time: faces and language
        # are found again, as in a batch of new articles; "postkit" is the same post made again.
        envs = {name: env for name in commands} | {"cold": {**env, "POSTKIT_CACHE_DIR": "off"}}
        times = alternate(commands, args.runs, envs)
        os.environ["POSTKIT_CACHE_DIR"] = env["POSTKIT_CACHE_DIR"]  # the profiled post: made again, like "postkit"
        profile = stages(ARTICLE, Path(tmp) / "profile")

    ratios = {
        f"{ours}/{floor}": [p / f for p, f in zip(times[ours], times[floor], strict=True)]
        for ours in ("postkit", "cold")
        for floor in ("floor", "least")
    }
    results = {
        "slides": cards,
        **{name: summary(values) for name, values in times.items()},
        "ratios": {name: summary(values) for name, values in ratios.items()},
        "stages": profile,
        "machine": machine(),
    }
    print()
    print(f"{'':34}{'median s':>10}{'min s':>10}{'max s':>10}")
    labels = {
        "postkit": "postkit carousel",
        "cold": "postkit, its cache off",
        "floor": f"floor: same fonts, picture, JPEG ({cards})",
        "least": "least work for the same cards",
    }
    for name, label in labels.items():
        print(f"{label:34}{statistics.median(times[name]):10.3f}{min(times[name]):10.3f}{max(times[name]):10.3f}")
    for name, values in ratios.items():
        goal = 1.25 if name.endswith("floor") else 1.4
        print(f"{name:14} median of {len(values)} runs' ratios {statistics.median(values):.2f}x "
              f"(min {min(values):.2f}, max {max(values):.2f}; goal <= {goal}x)")  # fmt: skip
    print()
    print(
        "stages of one make_post in one process, cumulative seconds (cProfile, so slower than a plain run)"
    )
    for stage, seconds in profile.items():
        print(f"  {stage:16}{seconds:8.3f}")
    print()
    for key, value in results["machine"].items():
        print(f"{key + ':':11} {value}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
