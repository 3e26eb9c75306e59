"""Time the line breaker on hostile texts of growing length: the time per character must stay flat.

Run from the repo root, inside the venv where postkit is installed:

    python benchmarks/bench_layout.py            # median of 5 runs per text and length

Each run lays a text out with layout.wrap_with_offsets at 800 px in the classic theme's body face at
48 px, with every cache emptied first (break units, widths, shaped pieces): one long word, a long German compound,
a URL, Chinese without spaces, digits, Markdown stars, mixed bidi text, combining marks, spaces. The
audit measured 26 s for a 4,000-letter word and no end for a 20,000-letter one. tests/hostile/test_layout.py
bounds the same work by counting the characters shaped, which does not depend on the machine.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from postkit import layout, segment  # noqa: E402
from postkit.fonts import Face, face  # noqa: E402
from postkit.layout import wrap_with_offsets  # noqa: E402
from postkit.themes import load_theme  # noqa: E402

UNITS = {
    "letters": ("ab", "en"),
    "german compound": ("Donaudampfschifffahrtsgesellschaftskapitän", "de"),
    "url": ("https://example.org/a/b.c?d=e&", "en"),
    "chinese": ("武昌起义是辛亥革命的开端", "zh"),
    "digits": ("1,000,", "en"),
    "stars": ("*a ", "en"),
    "mixed bidi": ("abcשלום١٢ ", "he"),
    "combining marks": ("\u0301", "en"),
    "spaces": (" ", "en"),
}
LENGTHS = (2_000, 20_000, 200_000)
RUNS = 5


def _empty_caches() -> None:
    segment._break_units.cache_clear()
    segment._uniseg_units.cache_clear()
    layout._lengths.clear()
    layout._reference_lengths.clear()
    layout._ink.clear()


def main() -> None:
    body = face(load_theme("classic").font_paths("body"), 48)
    print(f"{'text':17}" + "".join(f"{n:>12,} ch" for n in LENGTHS) + "   µs/char at each length")
    for name, (unit, lang) in UNITS.items():
        seconds = []
        for length in LENGTHS:
            text = ("e" if name == "combining marks" else "") + unit * (length // len(unit))
            runs = []
            for _ in range(RUNS):
                _empty_caches()
                fresh = Face(body.paths, body.size)
                started = time.perf_counter()
                wrap_with_offsets(text, fresh, 800, lang=lang)
                runs.append(time.perf_counter() - started)
            seconds.append(statistics.median(runs))
        per_char = "  ".join(f"{s / n * 1e6:5.1f}" for s, n in zip(seconds, LENGTHS, strict=True))
        print(f"{name:17}" + "".join(f"{s:13.3f} s" for s in seconds) + f"   {per_char}")


if __name__ == "__main__":
    main()
