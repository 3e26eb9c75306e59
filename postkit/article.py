"""Read an article file (plain draft or Markdown with YAML front matter) into an Article."""

from __future__ import annotations

import bisect
import datetime
import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import regex

from postkit import dates
from postkit.errors import ArticleError
from postkit.language import detect_language
from postkit.safeio import short_repr

if TYPE_CHECKING:
    import yaml

MARKDOWN_SUFFIXES = {".md", ".markdown"}
FRONT_MATTER_KEYS = (
    "title",
    "date",
    "calendar",
    "handle",
    "image",
    "credit",
    "hashtags",
    "caption",
    "theme",
    "lang",
    "focus",
    "format",
)
CALENDARS = ("gregorian", "julian")
# Where Article.lang came from, strongest first.
LANG_SOURCES = ("flag", "front matter", "library", "detected", "default")
DEFAULT_LANG = "en"
# An article is read only up to this size: 20 slides hold a few thousand words; 112 MB took 2 GB to refuse.
MAX_ARTICLE_BYTES = 2 * 1024 * 1024
# A title this long is a paragraph whose heading line was forgotten, not a title.
_MAX_TITLE = 200
# Room for a date before the title on a heading line ("Wednesday, September 18, 1814 - ").
_MAX_DATE = 60
_MAX_SLUG = 60
# File systems cap a name at 255 bytes: 60 characters of CJK Extension B are 240 bytes before the date
# and the staging folder's additions.
_MAX_SLUG_BYTES = 120

# The labels that open a credit line ("Фото: …", "写真：…"), by language, "|" between labels. A label from
# any language is read whatever the article's language (a Russian article may credit "Photo: …").
CREDIT_LABELS = {
    "en": "Pictured|Photo|Photograph|Photo credit|Image|Image credit|Picture|Illustration|Painting|Credit|Source",
    "de": "Foto|Fotografie|Bild|Abbildung|Abb.|Illustration|Gemälde|Bildnachweis|Bildquelle|Quelle",
    "fr": "Photo|Photographie|Illustration|Image|Crédit|Crédits|Crédit photo|Tableau|Gravure|Source",
    "es": "Foto|Fotografía|Imagen|Ilustración|Crédito|Créditos|En la imagen|En la foto|Cuadro|Fuente",
    "it": "Foto|Fotografia|Immagine|Illustrazione|Nella foto|Nell'immagine|Nell’immagine|Credito|Crediti|Dipinto|Fonte",
    "pt": "Foto|Fotografia|Imagem|Ilustração|Crédito|Créditos|Na foto|Na imagem|Pintura|Fonte",
    "nl": "Foto|Afbeelding|Illustratie|Beeld|Bron",
    "pl": "Zdjęcie|Fot.|Fotografia|Ilustracja|Na zdjęciu|Obraz|Źródło",
    "ru": "Фото|На фото|Фотография|Изображение|Иллюстрация|На иллюстрации|На снимке|Снимок|Картина|На картине|Источник",
    "uk": "Фото|На фото|Світлина|На світлині|Фотографія|Зображення|Ілюстрація|На ілюстрації|Картина|Джерело",
    "el": "Φωτογραφία|Φωτ.|Εικόνα|Στη φωτογραφία|Στην εικόνα|Εικονογράφηση|Πίνακας|Πηγή",
    "ar": "صورة|الصورة|في الصورة|رسم|رسم توضيحي|تصوير|المصدر",
    "he": "צילום|תמונה|בתמונה|איור|קרדיט|מקור",
    "ja": "写真|画像|図|イラスト|挿絵|絵|出典",
    "zh": "图片|圖片|照片|图|圖|插图|插圖|图为|圖為|摄影|攝影|图片来源|圖片來源|来源|來源",
    "ko": "사진|그림|출처",
    "tr": "Fotoğraf|Görsel|Resim|Kaynak",
    "fa": "عکس|تصویر|نقاشی|منبع",
    "hi": "चित्र|फ़ोटो|फोटो|तस्वीर|स्रोत",
    "vi": "Ảnh|Hình|Hình ảnh|Tranh|Nguồn",
    "id": "Foto|Gambar|Sumber",
    "sv": "Foto|Bild|Källa",
    "nb": "Foto|Bilde|Kilde",
    "da": "Foto|Billede|Kilde",
    "fi": "Kuva|Valokuva|Lähde",
    "cs": "Foto|Obrázek|Zdroj",
    "hu": "Fotó|Kép|Forrás",
    "ro": "Foto|Imagine|Sursa",
}

_HEADING_SEPARATOR = re.compile(r"\s+[-–—]\s+|\s*[:：]\s+|：")
# A CJK date needs no separator before the title: "1868年1月3日　王政復古の大号令".
_CJK_DATE_HEAD = re.compile(
    r"(?P<date>\d{1,4}\s*[年년]\s*\d{1,2}\s*[月월]\s*\d{1,2}\s*[日일](?:\s*[(（][^)）]{1,4}[)）])?)"
    # A weekday after the date belongs to it, not to the title: 金曜日, 星期二, 周二, 토요일.
    r"(?:\s*(?:[月火水木金土日]曜日|(?:星期|礼拜|禮拜)[一二三四五六日天]|[周週][一二三四五六日]|[월화수목금토일]요일)"
    r"(?=[\s:：\-–—]|$))?"
    r"[\s:：\-–—]*(?P<title>.*)"
)
_DASH_LINE = re.compile(r"[-–—]+")
# A day (one or two digits) and a year (three or four), in any script's digits, as whole numbers.
_DAY_AND_YEAR = re.compile(r"(?=.*(?<!\d)\d{1,2}(?!\d))(?=.*(?<!\d)\d{3,4}(?!\d))")
_HANDLE_LINE = re.compile(r"@?(?P<name>[\w.]+)\s+on\s+(?:ig|instagram)\s*:?", re.IGNORECASE)
# C0 and C1 control characters other than tab and line breaks: no font draws them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Format characters in a row (bidi marks, joiners, tags): an emoji flag's tags, the longest real run, are 7.
# Zero width, a long run escapes the bound on text too long for its slides, and each bidi mark can
# open a run of its own to shape: 40,000 took 15 s to lay out.
_INVISIBLE_RUN = regex.compile(r"\p{Cf}{33,}")
_MD_HEADING = re.compile(r" {0,3}(?P<level>#{1,6})(?:[ \t]+(?P<text>.*))?")
_THEMATIC_BREAK = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*")
_FENCE = "---"
# No-break spaces are deliberate (they keep "10 o’clock" or "« mot »" together), so keep them.
_WHITESPACE_RUN = re.compile(r"[^\S\u00a0\u2007\u202f]+")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of body text, or a Markdown heading."""

    text: str
    heading: bool = False
    # Markdown *italic* and **bold**: (start, end, "italic" | "bold") ranges of ``text``.
    emphasis: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class Article:
    """A parsed article: metadata plus body paragraphs, all text NFC-normalised."""

    source: Path
    title: str
    date: datetime.date | None
    date_text: str | None
    handle: str | None
    credit: str | None
    credit_label: str | None
    paragraphs: tuple[Paragraph, ...]
    image: Path | None = None
    hashtags: tuple[str, ...] = ()
    caption: str | None = None
    theme: str | None = None
    # BCP 47 tag ("ru", "pt-BR"); never None after read_article. lang_source is one of LANG_SOURCES.
    lang: str = DEFAULT_LANG
    lang_source: str = "default"
    syntax: str  # how it is written: "plain" (a draft) or "markdown" (with front matter)
    # "julian" when the article's date was written Old Style: ``date`` is then the Gregorian date (the
    # anniversary to post on) and ``date_julian`` the date as written.
    calendar: str = "gregorian"
    date_julian: datetime.date | None = None
    # Problems worth telling the author that do not stop the post (a heading that looks dated but
    # cannot be read), one line each, naming the file and line.
    warnings: tuple[str, ...] = ()
    # Validated front matter `focus` and `format` values, for the steps that use them.
    extra: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def body(self) -> str:
        """Return the paragraphs' texts separated by blank lines."""
        return "\n\n".join(p.text for p in self.paragraphs)


def read_article(path: str | os.PathLike[str], lang: str | None = None, *, default_lang: str | None = None) -> Article:
    """Read an article file, detect its format and parse it.

    :param lang: the article's language (``--lang``), over the front matter's ``lang``.
    :param default_lang: the language when the article names none (a library's postkit.toml), over detection.
    """
    name = os.fspath(path)
    source = Path(path)
    try:
        if source.is_dir():
            msg = f"{name}: is a folder, not an article file; pass the article's path"
            raise ArticleError(msg)
        if not source.exists():
            msg = f"{name}: no such file; check the path"
            raise ArticleError(msg)
        if not source.is_file():
            msg = f"{name}: is not a regular file; pass the article's path"
            raise ArticleError(msg)
        with source.open("rb") as file:
            data = file.read(MAX_ARTICLE_BYTES + 1)
        if len(data) > MAX_ARTICLE_BYTES:
            msg = (
                f"{name} is more than {MAX_ARTICLE_BYTES // 1024 // 1024} MB, far more than a carousel holds "
                "(20 slides are a few thousand words); pass the article, not a whole book"
            )
            raise ArticleError(msg)
    except OSError as exc:
        msg = f"cannot read {name} ({exc.strerror or exc}); check its permissions"
        raise ArticleError(msg) from exc
    raw = _decode(data, name)
    article = _parse(_clean(raw, name), source, name, lang, default_lang)
    if controls := _control_warning(raw, name):
        from dataclasses import replace

        article = replace(article, warnings=(*controls, *article.warnings))
    return article


def article_language(
    text: str, lang: str | None = None, front: str | None = None, default: str | None = None
) -> tuple[str, str]:
    """Return the language of an article and where it came from (one of LANG_SOURCES).

    The flag ``lang`` wins, then the front matter's ``front``, then a library's ``default``, then the
    language detected in ``text`` (the title and body), then English.
    """
    for value, source in ((lang, "flag"), (front, "front matter"), (default, "library")):
        if value:
            return value, source
    detected = detect_language(text)
    return (detected, "detected") if detected else (DEFAULT_LANG, "default")


def parse_plain(text: str, source: Path, lang: str | None = None, *, default_lang: str | None = None) -> Article:
    """Parse a plain draft: optional handle block, 'DATE - TITLE' line, optional credit, text."""
    source = Path(source)
    name = str(source)
    lines = _clean(text, name).split("\n")
    i = _next_text_line(lines, 0)
    if i == len(lines):
        msg = f"{name} is empty; write the article (a 'DATE - TITLE' heading line, then the text)"
        raise ArticleError(msg)

    handle = None
    if _DASH_LINE.fullmatch(lines[i].strip()):
        handle, i = _handle_block(lines, i, name)
        i = _next_text_line(lines, i)
        if i == len(lines):
            msg = f"{name} has no heading; add a 'DATE - TITLE' line below the handle block"
            raise ArticleError(msg)

    # The language first: the heading's date is read in it.
    lang, lang_source = article_language("\n".join(lines[i:]), lang, None, default_lang)
    heading_line = i + 1
    _check_title(lines[i], heading_line, name, room=_MAX_DATE)  # before splitting it: bounded work
    heading = _split_heading(_squash(lines[i]), lang)
    title = heading.title
    _check_title(title, heading_line, name)
    i += 1

    credit = credit_label = None
    j = _next_text_line(lines, i)
    if j < len(lines) and (split := split_credit(lines[j].strip())):
        credit_label, credit = split
        i = j + 1

    blocks = _blocks(lines[i:])
    if len(blocks) > 1:
        texts = [" ".join(block) for block in blocks]
    else:
        # Without blank lines anywhere, the author ends each paragraph with a single newline.
        texts = [line for block in blocks for line in block]
    paragraphs = tuple(Paragraph(_squash(t)) for t in texts)
    if not paragraphs:
        msg = f"{name} has a title but no body text; add paragraphs below the heading"
        raise ArticleError(msg)
    return Article(
        source=source.resolve(),
        title=title,
        date=heading.date,
        date_text=heading.date_text,
        date_julian=heading.julian,
        calendar="julian" if heading.julian else "gregorian",
        handle=handle,
        credit=credit,
        credit_label=credit_label,
        paragraphs=paragraphs,
        lang=lang,
        lang_source=lang_source,
        warnings=heading.warnings(f"{name}: line {heading_line}"),
        syntax="plain",
    )


def parse_markdown(text: str, source: Path, lang: str | None = None, *, default_lang: str | None = None) -> Article:
    """Parse Markdown with optional YAML front matter; '#' lines become heading paragraphs."""
    source = Path(source)
    name = str(source)
    text = _clean(text, name)
    meta, body = _front_matter(text, name)
    body_line = text[: len(text) - len(body)].count("\n")  # lines before the body
    fields = _validate(meta, source, name)

    parts = _markdown_paragraphs(body)
    title = fields.pop("title")
    title_line: int | None = None
    first_h1 = next((k for k, (_, level, _) in enumerate(parts) if level == 1), None)
    if title is None and first_h1 is not None:
        title, _, line = parts.pop(first_h1)
        title_line = body_line + line
    elif parts and parts[0][1] == 1 and parts[0][0].casefold() == (title or "").casefold():
        parts.pop(0)  # the front matter title repeated as the first heading
    if not title:
        msg = f"{name} has no title; add 'title: ...' to the front matter or a '# Title' line"
        raise ArticleError(msg)

    # The language first: dates are read in it.
    words = "\n".join([title, *(t for t, _, _ in parts)])
    fields["lang"], fields["lang_source"] = article_language(words, lang, fields.pop("front_lang"), default_lang)
    julian = fields["calendar"] == "julian"
    date, date_julian, date_text = _date_value(fields.pop("date_value"), name, fields["lang"], julian)
    warnings: tuple[str, ...] = ()
    if date is None:
        _check_title(title, title_line, name, room=_MAX_DATE)
        heading = _split_heading(title, fields["lang"], julian=julian)
        date, date_julian, date_text, title = heading.date, heading.julian, heading.date_text, heading.title
        where = f"{name}: line {title_line}" if title_line else f"{name}: front matter 'title'"
        warnings = heading.warnings(where)
    _check_title(title, title_line, name)
    if date_julian is not None:
        fields["calendar"] = "julian"

    paragraphs = tuple(_emphasised(t, heading=level > 0) for t, level, _ in parts)
    if not any(not p.heading for p in paragraphs):
        msg = f"{name} has a title but no body text; add paragraphs below the title"
        raise ArticleError(msg)
    return Article(
        source=source.resolve(),
        title=title,
        date=date,
        date_text=date_text,
        date_julian=date_julian,
        paragraphs=paragraphs,
        syntax="markdown",
        warnings=warnings,
        **fields,
    )


def parse_date(text: str, lang: str | None = None) -> datetime.date | None:
    """Parse a day-month-year date written in ``lang`` or English; None when the text is not a date."""
    return dates.parse_date(text, lang)


def split_credit(line: str) -> tuple[str, str] | None:
    """Split a credit line ("Фото: Яков Штейнберг", "写真：…") into (label, credit); None if it is not one."""
    match = _credit_line().fullmatch(line.strip())
    if not match:
        return None
    label = match["label"]
    if label.isupper() or label.islower():
        label = label[0].upper() + label[1:].lower()  # "PICTURED", "photo" -> "Pictured", "Photo"
    return label, _squash(match["credit"])


@lru_cache(maxsize=1)
def _credit_line() -> re.Pattern[str]:
    labels = {
        variant for group in CREDIT_LABELS.values() for label in group.split("|") for variant in _label_variants(label)
    }
    alternatives = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
    # A dash must stand apart from the label ("Photo - …", "Photo- …"), so "Photo-realistic" stays body text.
    separator = r"\s*(?:[:：]|(?<=\s)[-–—]|[-–—](?=\s))\s*"
    return re.compile(rf"(?P<label>{alternatives}){separator}(?P<credit>\S.*)", re.IGNORECASE)


def _label_variants(label: str) -> set[str]:
    # Greek capitals drop their accents ("ΦΩΤΟΓΡΑΦΙΑ"): accept the label without them too.
    plain = "".join(c for c in unicodedata.normalize("NFD", label) if not unicodedata.combining(c))
    return {label, unicodedata.normalize("NFC", plain)}


def slug(article: Article) -> str:
    """Name the article's output folder: ISO date plus the title, readable for its script.

    Latin, Cyrillic and Greek words are transliterated to ASCII; words of scripts that transliterate
    badly (Chinese, Japanese, Korean, Arabic, Hebrew, ...) keep their own letters ("王政復古の大号令"
    rather than pinyin); anything else (punctuation, bidi controls, "/", ":") becomes a "-".
    """
    title = "" if article.title == article.date_text else article.title
    words = _slug_words(title)
    if len(words) > _MAX_SLUG or len(words.encode("utf-8")) > _MAX_SLUG_BYTES:
        # slugify's own word_boundary cut skips a long word but keeps later short ones
        # ("...-about-the-of"), so cut after the last whole word instead.
        head = _graphemes_within(words, _MAX_SLUG + 1, _MAX_SLUG_BYTES + 1)
        words = head.rsplit("-", 1)[0] if "-" in head else _graphemes_within(words, _MAX_SLUG, _MAX_SLUG_BYTES)
    if article.date is None:
        return words or "post"
    day = article.date.isoformat()
    return f"{day}-{words}" if words else day


def _slug_words(title: str) -> str:
    import regex
    from slugify import slugify

    # Width variants and presentation forms fold ("１８６８" -> "1868"); format characters (bidi
    # controls, joiners) go, so they never split a word.
    title = "".join(c for c in unicodedata.normalize("NFKC", title) if unicodedata.category(c) != "Cf")
    pieces: list[str] = []
    run: int | None = None  # start of the current stretch of transliterable words
    for word in regex.finditer(r"[\p{L}\p{M}\p{N}]+", title):
        if regex.search(r"[^\P{L}\p{Latin}\p{Cyrillic}\p{Greek}]", word.group()):
            if run is not None:
                pieces.append(slugify(title[run : word.start()]))
                run = None
            pieces.append(word.group().lower())
        elif run is None:
            run = word.start()
    if run is not None:
        pieces.append(slugify(title[run:]))
    return "-".join(p for p in pieces if p)


def _graphemes_within(text: str, limit: int, byte_limit: int) -> str:
    """Return the longest start of ``text`` in whole clusters, at most ``limit`` characters and ``byte_limit`` bytes."""
    from postkit.segment import CLUSTER

    end = size = 0
    for match in CLUSTER.finditer(text):
        size += len(match.group().encode("utf-8"))
        if match.end() > limit or size > byte_limit:
            break
        end = match.end()
    return text[:end]


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        msg = f"{name} is UTF-16, not UTF-8; save it as UTF-8 and try again"
        raise ArticleError(msg)
    if (offset := data.find(b"\x00")) >= 0:
        # UTF-16 without a byte order mark decodes as UTF-8 with a NUL in every other byte.
        halves = (data[0::2].count(0), data[1::2].count(0))
        if max(halves) >= len(data) // 4 and min(halves) <= max(halves) // 8:
            msg = f"{name} is UTF-16 without a byte order mark, not UTF-8; save it as UTF-8 and try again"
        else:
            line = data.count(b"\n", 0, offset) + 1
            msg = (
                f"{name} has a NUL byte at offset {offset}, line {line}, so it is not a text file or is damaged; "
                "save the article as UTF-8 text"
            )
        raise ArticleError(msg)
    bom = b"\xef\xbb\xbf"
    skipped = len(bom) if data.startswith(bom) else 0
    try:
        return data[skipped:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + skipped
        line = data.count(b"\n", 0, offset) + 1
        msg = (
            f"{name} is not UTF-8 (byte 0x{data[offset]:02x} at offset {offset}, line {line}); "
            "save it as UTF-8 and try again"
        )
        raise ArticleError(msg) from exc


def _clean(text: str, name: str) -> str:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if run := _INVISIBLE_RUN.search(text):
        line = text.count("\n", 0, run.start()) + 1
        msg = (
            f"{name}: line {line} has {len(run.group()):,} invisible formatting characters in a row (the first "
            f"U+{ord(run.group()[0]):04X}); text needs a few at most: remove them"
        )
        raise ArticleError(msg)
    return unicodedata.normalize("NFC", _CONTROL.sub("", text))


def _control_warning(text: str, name: str) -> tuple[str, ...]:
    """Warn about the control characters _clean removes: they have no glyph and would show as boxes."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first = _CONTROL.search(text)
    if first is None:
        return ()
    found = _CONTROL.findall(text)
    line = text.count("\n", 0, first.start()) + 1
    return (
        f"{name}: removed {len(found)} control character(s) (the first, U+{ord(found[0]):04X}, on line {line}); "
        "they cannot be shown on a card",
    )


def _squash(text: str) -> str:
    return _WHITESPACE_RUN.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _next_text_line(lines: list[str], start: int) -> int:
    while start < len(lines) and not lines[start].strip():
        start += 1
    return start


def _blocks(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _handle_block(lines: list[str], i: int, name: str) -> tuple[str, int]:
    """Read '-', 'NAME on ig', '-' starting at line i; return the handle and the next line."""
    j = _next_text_line(lines, i + 1)
    match = _HANDLE_LINE.fullmatch(lines[j].strip()) if j < len(lines) else None
    if not match:
        msg = (
            f"{name}: line {i + 1} is '{lines[i].strip()}' but the next line is not 'NAME on ig'; "
            "write the handle block as '-', 'NAME on ig', '-' lines or remove it"
        )
        raise ArticleError(msg)
    k = _next_text_line(lines, j + 1)
    # The closing dash is optional: forgetting it should not turn the heading into body text.
    if k < len(lines) and _DASH_LINE.fullmatch(lines[k].strip()):
        return match["name"], k + 1
    return match["name"], j + 1


@dataclass(frozen=True)
class _Heading:
    """A heading line split into its date and title, or the reason a date-like start was not read."""

    text: str
    title: str
    date: datetime.date | None = None
    julian: datetime.date | None = None
    date_text: str | None = None
    unread: str | None = None  # the date-like start that could not be read
    problem: str | None = None
    note: str | None = None  # how a date that reads two ways was read

    def warnings(self, where: str) -> tuple[str, ...]:
        if self.note is not None:
            return (f"{where}: the date {self.note}",)
        if self.problem is None:
            return ()
        return (
            f"{where}: the heading '{self.text}' looks dated, but '{self.unread}' {self.problem}, so the post "
            "has no date; write the day, month and year before the title, e.g. '7 November 1917 - Title' "
            "or '1917-11-07 - Title'",
        )


def _split_heading(heading: str, lang: str, *, julian: bool = False) -> _Heading:
    """Split 'DATE - TITLE' (or 'DATE: TITLE', '1868年1月3日 TITLE') into date and title.

    Without a readable date the whole line is the title; a date-like start that cannot be read
    ("31 февраля 1917 - …") is kept for a warning.
    """
    candidates: list[tuple[str, str]] = []
    if cjk := _CJK_DATE_HEAD.fullmatch(heading):
        candidates.append((cjk["date"], cjk["title"].strip()))
    for match in _HEADING_SEPARATOR.finditer(heading):
        candidates.append((heading[: match.start()].strip(), heading[match.end() :].strip()))
    candidates.append((heading, ""))
    unread = problem = None
    for date_part, title in candidates:
        reading = dates.read_date(date_part, lang, julian=julian)
        if reading is None:
            continue
        if reading.date is None:
            if problem is None:
                unread, problem = date_part, reading.problem
            continue
        if reading.julian is not None:
            date_text = dates.format_old_style(reading.date, reading.julian, lang)
        else:
            date_text = date_part
        return _Heading(heading, title or date_text, reading.date, reading.julian, date_text, note=reading.note)
    separator = _HEADING_SEPARATOR.search(heading)
    if problem is None and separator is not None:
        # A start with a day and a year in any digits ("۱۴ مرداد ۱۲۸۵ خورشیدی - …", a calendar postkit does
        # not read) is a date written some other way: say so rather than make a silently undated post.
        start = heading[: separator.start()].strip()
        if _DAY_AND_YEAR.search(start) and len(start.split()) <= 6:
            unread, problem = start, "is not a date postkit can read (day, month name and year of a Gregorian date)"
    return _Heading(heading, heading, unread=unread, problem=problem)


def _check_title(title: str, line: int | None, name: str, room: int = 0) -> None:
    """Refuse a title longer than a title can be (``room`` more characters for a date before it)."""
    if len(title) > _MAX_TITLE + room:
        where = f"line {line}" if line else "the title"
        msg = (
            f"{name}: {where} is {len(title)} characters long, too long for a title; "
            "start with a heading line such as 'November 7, 1917 - October Revolution'"
        )
        raise ArticleError(msg)


def _split_front_matter(text: str) -> tuple[str, str] | None:
    """Return (YAML text, body) when text opens with a closed '---' block, else None."""
    if not text.startswith(_FENCE + "\n"):
        return None
    lines = text.split("\n")
    for k in range(1, len(lines)):
        if lines[k].rstrip() in (_FENCE, "..."):
            return "\n".join(lines[1:k]), "\n".join(lines[k + 1 :])
    return None


class _Timestamp(str):
    """An unquoted YAML date (date: 1917-11-07), kept as its text so that postkit checks it."""


@lru_cache(maxsize=1)
def _yaml_loader() -> type[yaml.SafeLoader]:
    import yaml  # here, not at the top: plain drafts never pay for importing it

    class Loader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML is untyped: SafeLoader is Any
        """SafeLoader that leaves dates as text (YAML's own reading fails on 1917-02-31 or 0000-01-01)
        and refuses aliases: nine levels of lists of aliases ("billion laughs") expand a 1 KB front
        matter into a billion values."""

        def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, "an alias (*name) repeats another value; write each value out", mark
                )
            return super().compose_node(parent, index)

    def timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> _Timestamp:
        return _Timestamp(loader.construct_scalar(node))

    Loader.add_constructor("tag:yaml.org,2002:timestamp", timestamp)
    return Loader


def _load_yaml(raw: str) -> Any:
    import yaml

    try:
        return yaml.load(raw, Loader=_yaml_loader())  # a SafeLoader: no Python objects
    except RecursionError as exc:
        msg = "it is nested too deeply"
        raise yaml.YAMLError(msg) from exc


def _has_front_matter(text: str) -> bool:
    parts = _split_front_matter(text)
    if parts is None:
        return False
    import yaml

    try:
        return isinstance(_load_yaml(parts[0]), dict)
    except yaml.YAMLError:
        # A plain draft may open with '---', '@name on ig', '---', which is not valid YAML.
        return False


def _front_matter(text: str, name: str) -> tuple[dict[Any, Any], str]:
    if not text.startswith(_FENCE + "\n"):
        return {}, text
    parts = _split_front_matter(text)
    if parts is None:
        msg = f"{name}: front matter starts with '---' but never ends; add a closing '---' line"
        raise ArticleError(msg)
    raw, body = parts
    import yaml

    try:
        meta = _load_yaml(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 2}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        detail = " ".join(f"{where}{problem}".split())
        msg = f"{name}: front matter is not valid YAML ({detail}); fix the YAML between the '---' lines"
        raise ArticleError(msg) from exc
    if meta is None:
        return {}, body
    if (surrogate := _surrogate(meta)) is not None:
        msg = (
            f"{name}: front matter {surrogate} has an escape for half a character (a lone surrogate such as \\ud800); "
            "write the character itself"
        )
        raise ArticleError(msg)
    if not isinstance(meta, dict):
        msg = (
            f"{name}: front matter must be 'key: value' lines, not a {type(meta).__name__}; "
            "fix the YAML between the '---' lines"
        )
        raise ArticleError(msg)
    return meta, body


def _surrogate(value: Any, where: str = "") -> str | None:
    """Name where YAML's "\\ud800" escapes left a lone surrogate, which no file can hold; None if nowhere."""
    if isinstance(value, str):
        return (where or "a value") if any("\ud800" <= c <= "\udfff" for c in value) else None
    if isinstance(value, dict):
        pairs = [(part, where or f"'{key}'") for key, item in value.items() for part in (key, item)]
    elif isinstance(value, list):
        pairs = [(item, where) for item in value]
    else:
        return None
    for item, place in pairs:
        if (found := _surrogate(item, place)) is not None:
            return found
    return None


def _validate(meta: dict[Any, Any], source: Path, name: str) -> dict[str, Any]:
    """Check the front matter keys and values; return Article keyword arguments."""
    unknown = [str(key) for key in meta if key not in FRONT_MATTER_KEYS]
    if unknown:
        msg = (
            f"{name}: unknown front matter key {', '.join(repr(k) for k in unknown)}; "
            f"use only {', '.join(FRONT_MATTER_KEYS)}"
        )
        raise ArticleError(msg)

    def text(key: str) -> str | None:
        return _text_value(meta.get(key), key, name)

    credit, credit_label = text("credit"), None
    if credit and (split := split_credit(credit)):
        credit_label, credit = split
    handle = text("handle")
    image = text("image")
    lang = text("lang")
    if lang is not None:
        from postkit.settings import BY_NAME  # the same check as --lang's and postkit.toml's

        try:
            BY_NAME["lang"].check(lang)
        except ValueError as exc:
            msg = f"{name}: front matter 'lang' {exc}"
            raise ArticleError(msg) from None
    calendar = (text("calendar") or "gregorian").lower()
    if calendar not in CALENDARS:
        msg = f"{name}: front matter 'calendar' must be gregorian or julian (Old Style dates), not {calendar!r}"
        raise ArticleError(msg)
    theme = text("theme")  # checked with the post's other settings (postkit.settings)
    title = text("title")
    return {
        "title": _squash(title) if title else None,
        "date_value": meta.get("date"),
        "calendar": calendar,
        "handle": (handle.lstrip("@").strip() or None) if handle else None,
        "credit": credit or None,
        "credit_label": credit_label,
        "image": picture_beside(source, image, name, "front matter 'image'") if image else None,
        "hashtags": _hashtags(meta.get("hashtags"), name),
        "caption": text("caption"),
        "theme": theme,
        "front_lang": lang,
        # Checked with the post's other settings (postkit.settings); a focus may be [x, y] there too.
        "extra": {
            "format": text("format"),
            "focus": meta.get("focus") if isinstance(meta.get("focus"), list) else text("focus"),
        },
    }


def _text_value(value: Any, key: str, name: str) -> str | None:
    if value is None:
        return None
    if _is_text(value):
        text = str(value).strip()
        # YAML's escapes ("\e", "\0", "\a") can put control characters in a value; no card shows them.
        if control := _CONTROL.search(text):
            msg = (
                f"{name}: front matter '{key}' has a control character (U+{ord(control.group()):04X}); "
                "remove it (check the value's escapes such as \\e or \\0)"
            )
            raise ArticleError(msg)
        return text or None
    msg = f"{name}: front matter '{key}' must be text, not {short_repr(value)}; quote the value"
    raise ArticleError(msg)


def _date_value(
    value: Any, name: str, lang: str, julian: bool
) -> tuple[datetime.date | None, datetime.date | None, str | None]:
    """Read the front matter date: (date, Old Style date, date text), or an error naming the value."""
    if value is None:
        return None, None, None
    reading = None
    if isinstance(value, str):
        reading = dates.read_date(value, lang, julian=julian)
    if reading is not None and reading.date is not None:
        if reading.julian is not None:
            return reading.date, reading.julian, dates.format_old_style(reading.date, reading.julian, lang)
        # A date in digits is written out in the article's language; words are kept as the author wrote them.
        numeric = isinstance(value, _Timestamp) or dates.is_numeric_date(value)
        return reading.date, None, dates.format_date(reading.date, lang) if numeric else _squash(value)
    shown = short_repr(str(value) if isinstance(value, _Timestamp) else value)
    why = f" ({reading.problem})" if reading is not None and reading.problem else ""
    msg = f"{name}: front matter 'date' must be a date like 1917-11-07, not {shown}{why}"
    raise ArticleError(msg)


def _hashtags(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    try:
        return split_hashtags(value)
    except ValueError as exc:
        msg = f"{name}: front matter 'hashtags' {exc}" if str(exc).startswith("must") else f"{name}: {exc}"
        raise ArticleError(msg) from exc


def split_hashtags(value: Any) -> tuple[str, ...]:
    """Turn "a b,#c" or ["a", "#c"] into ("a", "b", "c"); raise ValueError saying what is wrong."""
    if isinstance(value, str):
        items: list[Any] = re.split(r"[\s,]+", value)
    elif isinstance(value, list):
        items = value
    else:
        msg = f"must be a list of words or a space-separated string, not {short_repr(value)}"
        raise ValueError(msg)
    tags = []
    for item in items:
        if not _is_text(item):
            msg = f"must be a list of words or a space-separated string, not {short_repr(value)}"
            raise ValueError(msg)
        tag = unicodedata.normalize("NFC", str(item)).strip().lstrip("#")
        if not tag:
            continue
        if re.search(r"[\s,#]", tag):
            msg = f"hashtag {tag!r} has a space or '#' inside; write each one as one word"
            raise ValueError(msg)
        tags.append(tag)
    return tuple(tags)


def _is_text(value: Any) -> bool:
    # YAML reads `yes`/`no` as booleans; a number (title: 1984) is fine as text.
    return isinstance(value, str | int | float) and not isinstance(value, bool)


# What the emphasis regular expression below matched, found in O(n log n) time: the expression itself
#   (?<![\w*])(\*\*|__)(?=\S)(?P<bold>.+?)(?<=\S)\1(?![\w*]) | (?<![\w*])(\*|_)(?=\S)(?P<italic>.+?)(?<=\S)\3(?![\w*])
# scans to the end of the paragraph from every unclosed marker: 60,000 characters of "*a " took 9 s.
_MARKER = re.compile(r"[*_]")
_WORD = re.compile(r"\w")


def _closers(text: str, marker: str) -> list[int]:
    """Return where ``marker`` may close emphasis: after a non-space, before neither a word character nor '*'."""
    found = []
    start = text.find(marker)
    while start >= 0:
        end = start + len(marker)
        after = text[end : end + 1]
        if start > 0 and not text[start - 1].isspace() and not (after == "*" or _WORD.match(after)):
            found.append(start)
        start = text.find(marker, start + 1)
    return found


def _emphasis_matches(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, style) of each emphasised run, markers included, as the regex above finds them."""
    closers = {marker: _closers(text, marker) for marker in ("**", "__", "*", "_")}
    matches: list[tuple[int, int, str]] = []
    position = 0
    for opener in _MARKER.finditer(text):
        start = opener.start()
        if start < position or (start > 0 and (text[start - 1] == "*" or _WORD.match(text[start - 1]))):
            continue
        double = text[start : start + 2]
        for marker, style in ((double, "bold"), (text[start], "italic")):
            if marker not in closers:  # "*_" is no marker
                continue
            inner = start + len(marker)
            if inner >= len(text) or text[inner].isspace():
                continue
            candidates = closers[marker]
            k = bisect.bisect_left(candidates, inner + 1)  # at least one character inside
            if k < len(candidates):
                end = candidates[k] + len(marker)
                matches.append((start, end, style))
                position = end
                break
    return matches


def _emphasised(text: str, heading: bool) -> Paragraph:
    """Take Markdown emphasis markers out of ``text``, keeping where they were as ranges."""
    plain: list[str] = []
    spans: list[tuple[int, int, str]] = []
    position = length = 0
    for start, end, style in _emphasis_matches(text):
        size = 2 if style == "bold" else 1
        plain.append(text[position:start])
        length += start - position
        inner = text[start + size : end - size]
        spans.append((length, length + len(inner), style))
        plain.append(inner)
        length += len(inner)
        position = end
    plain.append(text[position:])
    return Paragraph("".join(plain), heading=heading, emphasis=tuple(spans))


def _without_closing_hashes(text: str) -> str:
    """Drop an ATX heading's closing sequence ("Title ##" -> "Title"), in linear time."""
    kept = text.rstrip("#")
    if kept != text and (not kept or kept[-1] in " \t"):
        return kept.rstrip(" \t")
    return text


def picture_beside(source: Path, named: str, name: str, where: str) -> Path:
    """Resolve a picture an article names: it must be inside the article's folder, by real path.

    Articles come from anyone: one must not publish a private picture from elsewhere on the disk
    ("../secret.jpg", "/home/me/private.jpg", a symlink out). The command line's --image may name any file.
    """
    folder = Path(source).resolve().parent
    if Path(named).is_absolute() or named.startswith("~"):
        msg = (
            f"{name}: {where} {named!r} must name a picture beside the article (relative to its folder), "
            "not an absolute path; pass a picture from elsewhere with --image"
        )
        raise ArticleError(msg)
    real = (folder / named).resolve()
    if not real.is_relative_to(folder):
        msg = (
            f"{name}: {where} {named!r} leads out of the article's folder {folder}; put the picture beside "
            "the article, or pass it with --image"
        )
        raise ArticleError(msg)
    return real


def _markdown_paragraphs(body: str) -> list[tuple[str, int, int]]:
    """Split Markdown into (text, heading level, line) triples; level 0 is a body paragraph."""
    parts: list[tuple[str, int, int]] = []
    buffer: list[str] = []
    start = 0

    def flush() -> None:
        if buffer:
            parts.append((_squash(" ".join(buffer)), 0, start))
            buffer.clear()

    for number, line in enumerate(body.split("\n"), start=1):
        heading = _MD_HEADING.fullmatch(line.rstrip(" \t"))
        # A rule ('---', '***') only separates paragraphs; it has no words to show.
        if not line.strip() or heading or _THEMATIC_BREAK.fullmatch(line):
            flush()
            if heading and (text := _without_closing_hashes(heading["text"] or "")):
                parts.append((_squash(text), len(heading["level"]), number))
        else:
            if not buffer:
                start = number
            buffer.append(line)
    flush()
    return parts


def article_from_text(
    text: str, name: str = "article.txt", lang: str | None = None, *, folder: str | os.PathLike[str] = "."
) -> Article:
    """Read an article from a string, as :func:`read_article` reads a file called ``name`` in ``folder``.

    ``name``'s suffix chooses the format (.md: Markdown with front matter; else a plain draft, unless the
    text starts with front matter); messages name it; a picture beside it is looked for in ``folder``.
    """
    return _parse(_clean(text, name), Path(folder) / name, name, lang)


def _parse(text: str, source: Path, name: str, lang: str | None, default_lang: str | None = None) -> Article:
    """Parse cleaned text as Markdown (by suffix or front matter) or as a plain draft."""
    if not text.strip():
        msg = f"{name} is empty; write the article (a 'DATE - TITLE' heading line, then the text)"
        raise ArticleError(msg)
    if source.suffix.lower() in MARKDOWN_SUFFIXES or _has_front_matter(text):
        return parse_markdown(text, source, lang, default_lang=default_lang)
    return parse_plain(text, source, lang, default_lang=default_lang)
