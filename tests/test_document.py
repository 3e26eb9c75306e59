"""Tests for postkit.document: real posts made into PDFs, read back with poppler (pdfinfo, pdftotext, pdffonts)."""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from postkit.document import Page, document_pdf, pages_from_post
from postkit.errors import FontError, OutputError
from postkit.fonts import resolve_font
from postkit.pipeline import make_post

CORPUS = Path(__file__).parent / "corpus"
# Unicode's bidi controls (embeddings, overrides, isolates, marks). pdftotext wraps right-to-left lines and the
# numbers and Latin words in them in embeddings, and may put a space on the far side of one ("\u202a 11\u202cבאפריל"
# for "11 באפריל"): reading the controls as spaces keeps the words apart.
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"), " ")

needs_poppler = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdfinfo", "pdftotext", "pdffonts")),
    reason="needs poppler-utils (pdfinfo, pdftotext, pdffonts)",
)


def poppler(tool: str, pdf: Path, *args: str) -> str:
    """Run a poppler tool on ``pdf`` and return what it prints (pdftotext writes to stdout with "-")."""
    command = [tool, *args, str(pdf), *(["-"] if tool == "pdftotext" else [])]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def page_text(pdf: Path, number: int) -> str:
    return poppler("pdftotext", pdf, "-f", str(number), "-l", str(number))


def info(pdf: Path) -> dict[str, str]:
    lines = poppler("pdfinfo", pdf).splitlines()
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}


def jpeg(size: tuple[int, int], colour: str = "navy") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def posts(tmp_path_factory, module_example_dir):
    """Make a post on first use and keep it for the module: name -> (folder, post.json)."""
    out = tmp_path_factory.mktemp("posts")
    sources = {
        "example": module_example_dir / "article.txt",
        "ar": CORPUS / "ar-althawra-alfaransiya.txt",
        "he": CORPUS / "he-mishpat-eichmann.txt",
        "ja": CORPUS / "ja-osei-fukko.txt",
        "zh": CORPUS / "zh-wuchang-qiyi.md",
        "ru": CORPUS / "ru-oktyabrskaya-revolyutsiya.md",
        "el": CORPUS / "el-epanastasi-1821.txt",
    }
    made: dict[str, tuple[Path, dict]] = {}

    def get(name: str) -> tuple[Path, dict]:
        if name not in made:
            try:
                post = make_post(sources[name], out=out / name)
            except FontError as exc:  # Chinese and Japanese need an installed CJK font
                pytest.skip(f"cannot make the {name} post here: {exc}")
            made[name] = (post.folder, json.loads((post.folder / "post.json").read_text("utf-8")))
        return made[name]

    return get


@pytest.fixture(scope="module")
def documents(posts, tmp_path_factory):
    """Write each post's document.pdf once: name -> (pdf path, post.json)."""
    out = tmp_path_factory.mktemp("documents")
    written: dict[str, tuple[Path, dict]] = {}

    def get(name: str) -> tuple[Path, dict]:
        if name not in written:
            folder, meta = posts(name)
            data = document_pdf(
                pages_from_post(folder),
                title=meta["title"],
                author=meta["handle"],
                lang=meta["lang"],
                subject=meta["caption"].split("\n")[0],
            )
            path = out / f"{name}.pdf"
            path.write_bytes(data)
            written[name] = (path, meta)
        return written[name]

    return get


@needs_poppler
def test_one_page_per_slide_at_the_slide_s_size_with_metadata(documents):
    pdf, meta = documents("example")
    fields = info(pdf)
    width, height = meta["size"]
    assert fields["Pages"] == str(len(meta["slides"])) == "10"
    assert fields["Page size"] == f"{width * 0.75:g} x {height * 0.75:g} pts" == "810 x 1012.5 pts"
    assert fields["Title"] == "October Revolution"
    assert fields["Author"] == "themagickalearth"
    assert fields["Subject"] == "November 7, 1917 — October Revolution"
    assert fields["Creator"] == "postkit"
    assert fields["Tagged"] == "yes"
    assert fields["CreationDate"] == "Tue Jan  1 00:00:00 1980 UTC"  # no wall-clock time
    data = pdf.read_bytes()
    assert b"/Lang (en)" in data
    assert b"/DisplayDocTitle true" in data


def pdf_strings(data: bytes, key: bytes) -> list[str]:
    """Decode every string value of ``key`` in a PDF's objects: literal (ASCII) or hex UTF-16 with a BOM."""
    found = []
    for match in re.finditer(rb"/" + key + rb" (\((?:\\.|[^\\)])*\)|<[0-9a-fA-F]*>)", data):
        value = match.group(1)
        if value.startswith(b"("):
            found.append(re.sub(rb"\\(.)", rb"\1", value[1:-1]).decode("latin-1"))
        else:
            found.append(bytes.fromhex(value[1:-1].decode()).decode("utf-16"))
    return found


@pytest.mark.parametrize("name", ["example", "ar"])
def test_each_picture_carries_its_slide_s_alt_text(documents, name):
    pdf, meta = documents(name)
    assert pdf_strings(pdf.read_bytes(), b"Alt") == [slide["alt"] for slide in meta["slides"]]


@needs_poppler
@pytest.mark.parametrize("name", ["example", "ru", "el"])
def test_text_layer_gives_each_slide_s_words_in_order(documents, name):
    pdf, meta = documents(name)
    for number, slide in enumerate(meta["slides"], start=1):
        assert page_text(pdf, number).split() == slide["text"].split(), f"page {number}"


def words(text: str) -> Counter[str]:
    """Count the letter and digit runs of a text, without bidi controls: what a right-to-left reading must keep."""
    return Counter(re.findall(r"\w+", unicodedata.normalize("NFC", text.translate(BIDI_CONTROLS))))


@needs_poppler
@pytest.mark.parametrize("name", ["ar", "he"])
def test_right_to_left_pages_give_every_word(documents, name):
    pdf, meta = documents(name)
    for number, slide in enumerate(meta["slides"], start=1):
        extracted = page_text(pdf, number)
        assert words(extracted) == words(slide["text"]), f"page {number}"
    # Poppler writes each line in logical order: the first line of a text slide starts with the slide's first word.
    first_word = meta["slides"][1]["text"].split()[0]
    assert page_text(pdf, 2).translate(BIDI_CONTROLS).lstrip().startswith(first_word)


@needs_poppler
@pytest.mark.parametrize("name", ["ja", "zh"])
def test_cjk_pages_give_every_character_in_order(documents, name):
    pdf, meta = documents(name)
    for number, slide in enumerate(meta["slides"], start=1):
        assert "".join(page_text(pdf, number).split()) == "".join(slide["text"].split()), f"page {number}"


@needs_poppler
def test_fonts_are_the_caller_s_then_fallbacks_embedded_as_subsets(documents, posts, tmp_path):
    # Without fonts from the caller, an Arabic post takes the bundled Naskh for its letters.
    pdf, _ = documents("ar")
    fonts = poppler("pdffonts", pdf)
    assert "NotoNaskhArabic" in fonts
    # The caller's first font is the main font: Inter writes all of the English post.
    folder, meta = posts("example")
    data = document_pdf(
        pages_from_post(folder), title="t", author=None, lang="en", font_files=[resolve_font("inter/Inter-Regular.ttf")]
    )
    (tmp_path / "inter.pdf").write_bytes(data)
    table = poppler("pdffonts", tmp_path / "inter.pdf").splitlines()[2:]
    assert len(table) == 1 and "Inter" in table[0]
    assert table[0].split()[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, with a ToUnicode map


def test_jpegs_are_embedded_as_they_are_and_fast(posts):
    folder, meta = posts("example")
    pages = [Page(p.image, p.size, "", (), p.alt) for p in pages_from_post(folder)]
    assert len(pages) == 10
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        data = document_pdf(pages, title="t", author=None, lang=None)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.3
    for page in pages:
        assert data.count(page.image) == 1
    assert data.count(b"/Filter /DCTDecode") == 10
    assert len(data) < sum(len(page.image) for page in pages) + 100_000


@needs_poppler
def test_pdfimages_sees_the_jpegs_at_96_dpi(documents):
    if not shutil.which("pdfimages"):
        pytest.skip("needs pdfimages")
    pdf, _ = documents("example")
    rows = [line.split() for line in poppler("pdfimages", pdf, "-list").splitlines()[2:]]
    assert len(rows) == 10
    assert all(row[3:5] == ["1080", "1350"] and row[8] == "jpeg" and row[12:14] == ["96", "96"] for row in rows)


def test_same_pages_give_the_same_bytes(posts, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    pages = pages_from_post(posts("he")[0])
    first = document_pdf(pages, title="משפט אייכמן", author="me", lang="he")
    assert document_pdf(pages, title="משפט אייכמן", author="me", lang="he") == first
    dated = document_pdf(pages, title="משפט אייכמן", author="me", lang="he", created=datetime.date(2024, 7, 14))
    assert dated != first
    assert b"D:20240714000000Z" in dated
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert b"D:20231114221320Z" in document_pdf(pages, title="t", author=None, lang=None)


@needs_poppler
def test_sizes_slides_without_boxes_and_characters_no_font_has(tmp_path):
    pages = [
        Page(jpeg((1080, 1080)), (1080, 1080), "Square slide 🎉 with \U0010fffd an emoji", (), "A square."),
        Page(jpeg((1080, 1920), "white"), (1080, 1920), "A story card,\nnarrow box", ((40, 900, 41, 901),), "Tall."),
        Page(jpeg((1080, 566)), (1080, 566), "", (), ""),
    ]
    pdf = tmp_path / "mixed.pdf"
    pdf.write_bytes(document_pdf(pages, title="Mixed", author=None, lang=None))
    sizes = re.findall(r"size: +(.+) pts", poppler("pdfinfo", pdf, "-f", "1", "-l", "3"))
    assert sizes == ["810 x 810", "810 x 1440", "810 x 424.5"]
    # The emoji comes from the bundled emoji font; a private-use character no font has is left out.
    assert page_text(pdf, 1).split() == ["Square", "slide", "🎉", "with", "an", "emoji"]
    assert page_text(pdf, 2).split() == ["A", "story", "card,", "narrow", "box"]
    assert page_text(pdf, 3).strip() == ""
    assert "Author" not in info(pdf)


def test_pages_from_post_reads_slides_and_refuses_a_broken_post(posts, tmp_path):
    folder, meta = posts("example")
    pages = pages_from_post(folder)
    assert [p.text for p in pages] == [s["text"] for s in meta["slides"]]
    assert pages[0].image == (folder / "01.jpg").read_bytes()
    assert pages[0].size == (1080, 1350)
    assert pages[0].text_boxes[0] == tuple(meta["slides"][0]["text_boxes"][0])
    with pytest.raises(OutputError, match="cannot read the post in .*regenerate the post"):
        pages_from_post(tmp_path)
    (tmp_path / "post.json").write_text('{"size": [1080, 1350]}', encoding="utf-8")
    with pytest.raises(OutputError, match=r"post\.json does not describe the slides .*'slides'"):
        pages_from_post(tmp_path)


def test_bytes_do_not_depend_on_the_process(posts, monkeypatch):
    # Sets of characters and fonts are ordered by hash in a process: another hash seed must give the same file.
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    folder, _ = posts("he")
    script = (
        "import sys; from pathlib import Path; from postkit.document import document_pdf, pages_from_post; "
        "sys.stdout.buffer.write(document_pdf(pages_from_post(Path(sys.argv[1])), title='t', author=None, lang='he'))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script, str(folder)],
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    assert outputs.pop() == document_pdf(pages_from_post(folder), title="t", author=None, lang="he")
