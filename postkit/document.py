"""LinkedIn's document carousel: a PDF of a post's slides with a text layer, alt text and metadata.

Each slide becomes one page at 96 dpi, its JPEG embedded as it is (fpdf2 passes JPEG data through as
DCTDecode). The slide's text is written over it in text render mode 3 (invisible), inside the region
where the slide draws its text lines, so that text selection, search, screen readers and text
extraction get the words the picture shows. Each picture carries the slide's alt text in the
document's structure tree, and the document its title, author, subject and language.
"""

from __future__ import annotations

import datetime
import logging
import math
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.errors import FPDFException
from fpdf.prefs import ViewerPreferences

from postkit.bidi import has_rtl, paragraph_is_rtl
from postkit.errors import OutputError, PostkitError
from postkit.fonts import FontFile, _coverage, resolve_font
from postkit.fontsearch import RoleStyle, role_style, system_faces
from postkit.language import text_direction
from postkit.safeio import read_inside

log = logging.getLogger("postkit")

PX_TO_PT = 0.75  # a slide's pixels are CSS pixels: 96 per inch, 72 points per inch
LINE_SPACING = 1.2  # line height of the text layer, in font sizes
MIN_FONT_PT = 2.0  # the smallest text layer; text that does not fit even so overflows its region
MIN_REGION_PT = 36.0  # the narrowest text region: any character fits it at the smallest size
FIT_STEPS = 12  # bisection steps of the estimated font size that fits a region
SHRINK = 0.95  # the step down from the estimate while the real line breaks overflow
WORD_ROOM = 0.98  # the share of the line the widest word may take (shaped in a line, it may be a little wider)
# Written when the caller gives no date and SOURCE_DATE_EPOCH is unset: no wall-clock value in the file.
DEFAULT_CREATED = datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC)
# Fonts for characters the caller's fonts lack, in order; any Unicode text font would do, the text is invisible.
BUNDLED_FONTS = (
    "eb-garamond/EBGaramond-Regular.ttf",
    "inter/Inter-Regular.ttf",
    "noto-naskh-arabic/NotoNaskhArabic-Regular.ttf",
    "noto-serif-hebrew/NotoSerifHebrew-Regular.ttf",
    "noto-color-emoji/NotoColorEmoji.ttf",
)
MANIFEST_MAX_BYTES = 1024 * 1024  # postkit's post.json is a few KB
SLIDE_MAX_BYTES = 64 * 1024 * 1024  # a slide JPEG is well under 1 MB


@dataclass(frozen=True)
class Page:
    """One slide as a PDF page."""

    image: bytes  # the slide's JPEG file, embedded as it is
    size: tuple[int, int]  # width and height in px
    text: str  # the slide's text, lines and paragraphs separated by "\n"; may be ""
    text_boxes: tuple[tuple[int, int, int, int], ...]  # (left, top, right, bottom) px of each drawn text line
    alt: str  # the slide's alt text


def document_pdf(
    pages: Sequence[Page],
    *,
    title: str,
    author: str | None,
    lang: str | None,
    subject: str | None = None,
    font_files: Sequence[FontFile] = (),
    created: datetime.date | None = None,
) -> bytes:
    """Return a PDF with one page per slide: the picture, an invisible text layer, alt text, and metadata.

    :param font_files: fonts for the text layer, main font first, then fallbacks; the bundled fonts and
        installed CJK fonts (through fontconfig) cover what they lack, and characters no font has are
        left out of the text layer.
    :param created: the day the document is made, recorded in the file (not the event's date: poppler
        shows dates before 1970 wrongly); without it, SOURCE_DATE_EPOCH or a fixed date, so that the
        same pages always give the same bytes.
    """
    pdf = FPDF(unit="pt")
    pdf.set_margins(0, 0, 0)
    pdf.set_auto_page_break(False)
    pdf.c_margin = 0  # the text starts at the region's edge, as the slide's lines do
    pdf.render_color_fonts = False  # emoji are written as text only: their colour pictures would never show
    _describe(pdf, title=title, author=author, lang=lang, subject=subject, created=created)

    texts = [_plain(page.text) for page in pages]
    every_text = "".join(texts)
    chain = _font_chain(every_text, font_files, lang or "")
    covered = _covered(every_text, chain)
    dropped = sorted({char for char in every_text if _needs_font(char) and char not in covered})
    if dropped:
        log.debug("Document text layer: no font has %s; left out", ", ".join(f"U+{ord(c):04X}" for c in dropped))
    families = [f"chain{k}" for k in range(len(chain))]
    for family, font in zip(families, chain, strict=True):
        pdf.add_font(family, fname=font.path, collection_font_number=font.index)
    if len(families) > 1:
        pdf.set_fallback_fonts(families[1:])
    if chain:
        pdf.set_font(families[0])
    rtl_post = text_direction(lang) == "rtl"

    for page, text in zip(pages, texts, strict=True):
        width, height = page.size
        pdf.add_page(format=(width * PX_TO_PT, height * PX_TO_PT))
        pdf.image(page.image, x=0, y=0, w=pdf.w, h=pdf.h, alt_text=page.alt or None)
        kept = _drawable(text, covered)
        if chain and kept.strip():
            # HarfBuzz shaping puts right-to-left runs in their visual order and joins Arabic letters;
            # it makes line breaking several times slower, so text that needs neither goes without.
            pdf.set_text_shaping(_needs_shaping(kept))
            _write_text(pdf, kept, _text_region(page), rtl_post)
    return bytes(pdf.output())


def pages_from_post(folder: Path) -> list[Page]:
    """Read a post folder's slides (post.json and the JPEGs it names) as pages."""
    from postkit.check import MANIFEST_FILE, parse_manifest

    where = Path(folder) / MANIFEST_FILE
    try:
        manifest = parse_manifest(read_inside(folder, MANIFEST_FILE, MANIFEST_MAX_BYTES))
        width, height = (int(n) for n in manifest["size"])
        slides = manifest["slides"]
        return [
            Page(
                image=read_inside(folder, str(slide["file"]), SLIDE_MAX_BYTES),
                size=(width, height),
                text=str(slide.get("text") or ""),
                text_boxes=tuple(_box(box) for box in slide.get("text_boxes") or ()),
                alt=str(slide.get("alt") or ""),
            )
            for slide in slides
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        msg = f"{where} does not describe the slides postkit wrote ({exc}); regenerate the post"
        raise OutputError(msg) from exc
    except (OSError, PostkitError) as exc:
        msg = f"cannot read the post in {folder} ({exc}); regenerate the post"
        raise OutputError(msg) from exc


def _box(box: Sequence[int]) -> tuple[int, int, int, int]:
    left, top, right, bottom = (int(n) for n in box)
    return left, top, right, bottom


def _describe(
    pdf: FPDF, *, title: str, author: str | None, lang: str | None, subject: str | None, created: datetime.date | None
) -> None:
    """Set the document's metadata, language and viewer preferences, and pin its date."""
    pdf.set_title(title)
    if author:
        pdf.set_author(author)
    if subject:
        pdf.set_subject(subject)
    if lang:
        pdf.set_lang(lang)
    pdf.set_creator("postkit")
    pdf.set_display_mode(zoom="fullpage", layout="single")
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    # The file ID is a hash of the content and this date, so a fixed date makes the whole file repeatable.
    pdf.set_creation_date(_creation_time(created))


def _creation_time(created: datetime.date | None) -> datetime.datetime:
    if created is not None:
        return datetime.datetime(created.year, created.month, created.day, tzinfo=datetime.UTC)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    return DEFAULT_CREATED


def _plain(text: str) -> str:
    """Normalise line breaks and tabs, which the text layer writes as new lines and spaces."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")


def _needs_font(char: str) -> bool:
    return char != "\n" and not unicodedata.category(char).startswith("Z")


def _font_chain(text: str, font_files: Sequence[FontFile], lang: str) -> list[FontFile]:
    """Choose the fonts that cover ``text``: the caller's, then the bundled ones, then installed faces.

    A font is taken only when it has a character the fonts before it lack, so a Latin post embeds one font.
    """
    missing = {char for char in text if _needs_font(char)}
    bundled = []
    for name in BUNDLED_FONTS:
        try:
            bundled.append(resolve_font(name))
        except PostkitError as exc:
            log.debug("Document text layer: bundled font %s unavailable: %s", name, exc)
    chain: list[FontFile] = []
    for font in dict.fromkeys([*font_files, *bundled]):
        if not missing:
            break
        try:
            coverage = _coverage(font)
        except PostkitError as exc:
            log.debug("Document text layer: skipping font %s: %s", font, exc)
            continue
        drawn = {char for char in missing if ord(char) in coverage}
        if drawn:
            chain.append(font)
            missing -= drawn
    if missing:
        style = role_style(chain) if chain else RoleStyle(serif=False, weight=400)
        for font in system_faces("".join(sorted(missing)), lang, style):
            if font not in chain:
                chain.append(font)
    return chain


def _needs_shaping(text: str) -> bool:
    """Tell whether ``text`` has right-to-left letters or marks that combine with the letter before them."""
    return has_rtl(text) or any(unicodedata.category(char) in ("Mn", "Mc") for char in text if not char.isascii())


def _breaks_anywhere(word: str) -> bool:
    """Tell whether a word holds wide (CJK) characters, between which lines may break."""
    return any(unicodedata.east_asian_width(char) in ("W", "F") for char in word)


def _covered(text: str, chain: Sequence[FontFile]) -> frozenset[str]:
    """Return the characters of ``text`` that some font of ``chain`` has."""
    maps = [_coverage(font) for font in chain]
    return frozenset(char for char in set(text) if any(ord(char) in coverage for coverage in maps))


def _drawable(text: str, covered: frozenset[str]) -> str:
    """Keep what the fonts can write: a space no font has becomes " ", any other such character is left out."""
    kept = []
    for char in text:
        if char == "\n" or char in covered:
            kept.append(char)
        elif not _needs_font(char):
            kept.append(" ")
    return "".join(kept)


def _text_region(page: Page) -> tuple[float, float, float, float]:
    """Return the (left, top, right, bottom) pt of the slide's text: its text boxes' union, or the page's middle."""
    boxes = page.text_boxes
    if not boxes:
        width, height = page.size
        return width * 0.1 * PX_TO_PT, height * 0.25 * PX_TO_PT, width * 0.9 * PX_TO_PT, height * 0.75 * PX_TO_PT
    left, top = min(box[0] for box in boxes), min(box[1] for box in boxes)
    right, bottom = max(box[2] for box in boxes), max(box[3] for box in boxes)
    return left * PX_TO_PT, top * PX_TO_PT, right * PX_TO_PT, bottom * PX_TO_PT


def _write_text(pdf: FPDF, text: str, region: tuple[float, float, float, float], rtl_post: bool) -> None:
    """Write ``text`` invisibly into ``region``, each paragraph aligned to its direction, as large as fits."""
    left, top, right, bottom = region
    width = max(right - left, MIN_REGION_PT)
    paragraphs = [(line, "R" if paragraph_is_rtl(line, rtl_post) else "L") for line in text.split("\n")]
    size = _fitting_size(pdf, [line for line, _ in paragraphs], width, bottom - top)
    pdf.set_font_size(size)
    # fpdf2 2.8 sets the main font on the page lazily, and when a line opens with a fallback font it
    # sets it inside that line's q/Q, where it is lost: a later line opening with the main font then
    # has no font at all (py-pdf/fpdf2#1772). An empty text sets it on the page first.
    pdf.text(left, top, "")
    pdf.set_xy(left, top)
    with pdf.local_context(text_mode="INVISIBLE"):
        for line, align in paragraphs:
            pdf.multi_cell(width, size * LINE_SPACING, line, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)


def _fitting_size(pdf: FPDF, paragraphs: list[str], width: float, height: float) -> float:
    """Return the largest font size (pt) at which the paragraphs, wrapped to ``width``, fit ``height``."""

    def wrapped_height(size: float) -> float:
        pdf.set_font_size(size)
        try:
            # With output="HEIGHT", multi_cell returns the height alone.
            return sum(
                cast(float, pdf.multi_cell(width, size * LINE_SPACING, line, dry_run=True, output="HEIGHT"))
                for line in paragraphs
            )
        except FPDFException:  # a character wider than the region
            return math.inf

    # Shaping a whole slide is slow enough to count, so estimate from each paragraph's width on one
    # line (widths scale with the size), then shrink until the real line breaks fit.
    pdf.set_font_size(1)
    unit_widths = [pdf.get_string_width(line) for line in paragraphs]
    # fpdf2 breaks a word wider than the line anywhere: no word may be wider, so that each comes out
    # whole. Chinese and Japanese break between characters anyway.
    widest_word = max(
        (pdf.get_string_width(word) for line in paragraphs for word in line.split() if not _breaks_anywhere(word)),
        default=0.0,
    )

    def estimated_height(size: float) -> float:
        lines = sum(max(1, math.ceil(w * size / width)) for w in unit_widths)
        return lines * size * LINE_SPACING

    high = height / LINE_SPACING
    if widest_word:
        high = min(high, width * WORD_ROOM / widest_word)
    low, high = MIN_FONT_PT, max(MIN_FONT_PT, high)
    for _ in range(FIT_STEPS):
        middle = (low + high) / 2
        low, high = (middle, high) if estimated_height(middle) <= height else (low, middle)
    size = low
    while size > MIN_FONT_PT and wrapped_height(size) > height:
        size = max(MIN_FONT_PT, size * SHRINK)
    return math.floor(size * 100) / 100
