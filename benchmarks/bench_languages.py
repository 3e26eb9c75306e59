"""Time `postkit carousel` on a real article in each language against the English example.

Run from the repo root, inside the venv where postkit is installed:

    python benchmarks/bench_languages.py             # 7 timed runs of each, after 1 warm-up
    python benchmarks/bench_languages.py --runs 15 --json results.json

Each run is a fresh process, as a user runs it: `postkit carousel ARTICLE` for the English example
(examples/october-revolution) and for every article of tests/corpus (13 languages, real texts, some
with a photograph). Each article is made in the classic theme at the portrait size with its own picture,
if it has one, as `postkit carousel` finds it; the language is detected, as for a plain draft with no
front matter. The rounds alternate between the articles, so that a slow moment of the machine falls on
all of them alike.

The posts differ in length (5 to 10 slides), so three ratios are given: the whole post against the
English example's (what a user waits for); the time per slide against the example's (which charges
a short post's start-up to fewer slides); and the post against an English post of as many slides
(the same job), from a straight line through the two English posts' medians (the example and the
corpus's English article). The language-specific work (detection, dates, fonts found through
fontconfig, Japanese phrases, bidi) is paid once per post.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import ARTICLE, ROOT, child_env, machine, run_once  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"


def main() -> None:
    parser = argparse.ArgumentParser(description="Time postkit carousel per language against the English example.")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each article (default 7)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    articles = {"example (en)": ARTICLE}
    for entry in tomllib.loads((CORPUS / "corpus.toml").read_text(encoding="utf-8"))["article"]:
        articles[entry["lang"]] = CORPUS / entry["file"]

    times: dict[str, list[float]] = {name: [] for name in articles}
    slides: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="postkit-bench-") as tmp:
        env = child_env(tmp)
        commands = {
            name: [sys.executable, "-m", "postkit", "carousel", str(path), "--out", str(Path(tmp) / name),
                   "--force", "-q"]
            for name, path in articles.items()
        }  # fmt: skip
        for command in commands.values():  # warm-up: bytecode, fontconfig cache
            run_once(command, env)
        for name in articles:
            slides[name] = len(list((Path(tmp) / name).glob("[0-9][0-9].jpg")))
        for round_ in range(args.runs):
            print(f"round {round_ + 1}/{args.runs}", file=sys.stderr)
            for name, command in commands.items():
                times[name].append(run_once(command, env))

    base = statistics.median(times["example (en)"])
    base_per_slide = base / slides["example (en)"]
    # English time for n slides: the line through the two English posts (different lengths).
    (n1, t1), (n2, t2) = ((slides[k], statistics.median(times[k])) for k in ("example (en)", "en"))
    per_slide = (t1 - t2) / (n1 - n2) if n1 != n2 else t1 / n1

    def english(n: int) -> float:
        return t1 + per_slide * (n - n1)

    results = {}
    print(
        f"{'article':14}{'slides':>7}{'median s':>10}{'min s':>8}{'max s':>8}{'x example':>11}{'x per slide':>13}"
        f"{'x English, as many slides':>27}"
    )
    for name in articles:
        median = statistics.median(times[name])
        row = {
            "slides": slides[name],
            "median": median,
            "min": min(times[name]),
            "max": max(times[name]),
            "ratio": median / base,
            "ratio_per_slide": (median / slides[name]) / base_per_slide,
            "ratio_same_length": median / english(slides[name]),
            "runs": times[name],
        }
        results[name] = row
        print(
            f"{name:14}{row['slides']:7d}{median:10.3f}{row['min']:8.3f}{row['max']:8.3f}"
            f"{row['ratio']:10.2f}x{row['ratio_per_slide']:12.2f}x{row['ratio_same_length']:26.2f}x"
        )
    worst = max((r["ratio"], n) for n, r in results.items() if n != "example (en)")
    same = max((r["ratio_same_length"], n) for n, r in results.items())
    print(f"\nslowest post against the English example: {worst[1]} at {worst[0]:.2f}x (goal: <= 1.2x)")
    print(f"slowest against an English post of as many slides: {same[1]} at {same[0]:.2f}x")
    print(f"(English: {t1 - per_slide * n1:.3f} s a post + {per_slide:.3f} s a slide)")
    print()
    for key, value in machine().items():
        print(f"{key + ':':11} {value}")
    if args.json:
        args.json.write_text(json.dumps({"articles": results, "machine": machine()}, indent=2) + "\n")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
