"""Proof of legibility: Tesseract reads the text slides back as the text postkit meant to set.

Each check renders a real post, OCRs a few text slides (a few seconds each, so not all of them) and
compares what was read with the slide's text in post.json. The slide also shows a running head and
a footer; the comparison takes the run of OCR lines that best matches the expected text, so it does
not depend on where the design puts the text box.

Needs Debian's tesseract-ocr with tesseract-ocr-eng and tesseract-ocr-rus (installed by .ci/run).
Skipped locally without them; a failure in CI.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import copy_example

MIN_RATIO = 0.97

RUSSIAN = """\
---
title: Октябрьская революция
date: 1917-11-07
lang: ru
---

# Октябрьская революция

Октябрьская революция произошла в Петрограде 25 октября 1917 года по старому стилю, или 7 ноября \
по новому. К осени Временное правительство Александра Керенского потеряло доверие солдат, рабочих \
и крестьян. Война с Германией продолжалась, хлеба в городах не хватало, а обещанное Учредительное \
собрание так и не было созвано.

Большевики во главе с Лениным и Троцким подготовили вооружённое восстание через \
Военно-революционный комитет при Петроградском совете. В ночь на 25 октября красногвардейцы \
и матросы заняли вокзалы, почту, телеграф, телефонную станцию и мосты через Неву. Вечером крейсер \
«Аврора» дал холостой выстрел, и отряды восставших двинулись к Зимнему дворцу, где заседали министры.

Дворец охраняли лишь юнкера и женский батальон, и к утру министры были арестованы. Керенский ещё \
днём уехал из города на автомобиле американского посольства. Второй съезд Советов принял декреты \
о мире и о земле и образовал новое правительство — Совет народных комиссаров.
"""


def _tesseract_languages() -> set[str]:
    if shutil.which("tesseract") is None:
        return set()
    result = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=False)
    return {line.strip() for line in result.stdout.splitlines()[1:]}


LANGUAGES = _tesseract_languages()


def require_tesseract(lang: str) -> None:
    if lang in LANGUAGES:
        return
    reason = f"tesseract with the '{lang}' language is not installed (apt-get install tesseract-ocr-{lang})"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


_DASHES = re.compile(r"[\u00ad\u2010-\u2015\u2212-]")
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u00a0": " ",
        "\u202f": " ",
        "ё": "е",
        "Ё": "Е",
    }
)


def normalise(text: str) -> str:
    """Unify what OCR confuses: quotes, dashes (and line-end hyphens, dropped on both sides), spaces."""
    text = text.translate(_TRANSLATE)
    text = _DASHES.sub("-", text)
    text = re.sub(r"\s*-+\s*", "", text)
    return " ".join(text.split())


def best_match(lines: list[str], expected: str) -> tuple[float, str]:
    """Return the best similarity ratio of any run of consecutive OCR lines to ``expected``."""
    target = normalise(expected)
    best = (0.0, "")
    for start in range(len(lines)):
        for end in range(start + 1, len(lines) + 1):
            candidate = normalise(" ".join(lines[start:end]))
            ratio = difflib.SequenceMatcher(None, candidate, target, autojunk=False).ratio()
            best = max(best, (ratio, candidate))
    return best


def ocr_lines(image: Path, lang: str) -> list[str]:
    result = subprocess.run(
        ["tesseract", str(image), "stdout", "-l", lang, "--psm", "4"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    return [line for line in result.stdout.splitlines() if line.strip()]


def text_slides(folder: Path) -> list[dict]:
    meta = json.loads((folder / "post.json").read_text(encoding="utf-8"))
    return [slide for slide in meta["slides"] if slide["kind"] == "text"]


@pytest.fixture(scope="module")
def posts(tmp_path_factory) -> dict[str, Path]:
    from postkit.pipeline import make_post

    root = tmp_path_factory.mktemp("ocr")
    example = copy_example(root)
    russian = root / "russian" / "article.md"
    russian.parent.mkdir()
    russian.write_text(RUSSIAN, encoding="utf-8")
    return {
        "eng": make_post(example / "article.txt", out=root / "out-en").folder,
        "rus": make_post(russian, out=root / "out-ru").folder,
    }


@pytest.mark.parametrize(("lang", "which"), [("eng", 0), ("eng", -1), ("rus", 0), ("rus", -1)])
def test_text_slides_read_back(posts, lang, which, record_property):
    require_tesseract(lang)
    slides = text_slides(posts[lang])
    assert len(slides) >= 2, "the post should have at least two text slides to check"
    slide = slides[which]
    lines = ocr_lines(posts[lang] / slide["file"], lang)
    ratio, read = best_match(lines, slide["text"])
    record_property("ocr_ratio", round(ratio, 4))
    print(f"{lang} {slide['file']}: OCR similarity {ratio:.4f}")
    assert ratio >= MIN_RATIO, f"{slide['file']} read back as {read!r}\nexpected {normalise(slide['text'])!r}"


def test_normalise_unifies_what_ocr_confuses():
    assert normalise("“It’s — well-\nknown»") == normalise('"It\'s -- wellknown"')
    assert normalise("a\u00a0b\n\nc") == "a b c"


def test_best_match_ignores_running_head_and_footer():
    lines = ["NOVEMBER 7, 1917 - OCTOBER REVOLUTION", "The first line of", "the slide.", "@handle 3/10"]
    ratio, read = best_match(lines, "The first line of the slide.")
    assert ratio == 1.0
    assert read == "The first line of the slide."
