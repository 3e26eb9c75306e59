"""How evenly text slides are filled: the example and the test corpus in every format.

Run from the repo root, inside the venv where postkit is installed:

    python benchmarks/balance.py              # the table the README's design notes quote
    python benchmarks/balance.py --theme poster

For each article (examples/october-revolution and every article of tests/corpus) and each format,
the post is made as `postkit carousel` makes it (landscape with --max-slides 20, as its short
slides need), and one cell says the body size, the number of text slides and their characters
(fewest-mean-most). A cell is marked * when the slides are not even: a text slide but the last more
than 25% off the mean length, or a slide's text less than half as tall as the text area.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import tomllib
from pathlib import Path

import postkit.pipeline as pipeline

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("portrait", "square", "landscape", "story")


def articles() -> list[tuple[str, Path]]:
    corpus = ROOT / "tests" / "corpus"
    listed = tomllib.loads((corpus / "corpus.toml").read_text(encoding="utf-8"))["article"]
    return [("example (en)", ROOT / "examples" / "october-revolution" / "article.txt")] + [
        (f"{Path(a['file']).stem} ({a['lang']})", corpus / a["file"]) for a in listed
    ]


def slicing_of(article: Path, fmt: str, theme: str, out: Path):
    """Make the post and return the slicing make_post chose."""
    seen = []
    original = pipeline.slice_paragraphs

    def spy(*args, **kwargs):
        seen.append(original(*args, **kwargs))
        return seen[-1]

    pipeline.slice_paragraphs = spy
    try:
        pipeline.make_post(
            article, theme=theme, format=fmt, out=out, force=True, max_slides=20 if fmt == "landscape" else None
        )
    finally:
        pipeline.slice_paragraphs = original
    return seen[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--theme", default="classic")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    rows, even = [], dict.fromkeys(FORMATS, 0)
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in articles():
            cells = []
            for fmt in FORMATS:
                slicing = slicing_of(path, fmt, args.theme, Path(tmp) / fmt / path.stem)
                chars = [len(slide.text) for slide in slicing.slides]
                even[fmt] += slicing.even
                mark = "" if slicing.even else " *"
                cells.append(
                    f"{slicing.size} px, {len(chars)}: {min(chars)}-{sum(chars) / len(chars):.0f}-{max(chars)}{mark}"
                )
            rows.append(f"| {name} | " + " | ".join(cells) + " |")
    print(f"| {args.theme} | " + " | ".join(FORMATS) + " |")
    print("|---|" + "---|" * len(FORMATS))
    print("\n".join(rows))
    print("| even | " + " | ".join(f"{even[fmt]} of {len(rows)}" for fmt in FORMATS) + " |")


if __name__ == "__main__":
    main()
