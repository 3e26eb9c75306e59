"""Read an article file (plain draft or Markdown with YAML front matter) into an Article."""

from __future__ import annotations

import datetime
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postkit.errors import ArticleError

MARKDOWN_SUFFIXES = {".md", ".markdown"}
FRONT_MATTER_KEYS = (
    "title",
    "date",
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
# A title this long is a paragraph whose heading line was forgotten, not a title.
_MAX_TITLE = 200
_MAX_SLUG = 60

_MONTHS = {
    name: number
    for number, full in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
    for name in (full, full[:3])
}
_MONTHS["sept"] = 9

_ORDINAL = r"(?:st|nd|rd|th)?"
_DATE_FORMS = (
    re.compile(r"(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})"),
    re.compile(rf"(?P<month>[a-z]+)\.?\s*(?P<day>\d{{1,2}}){_ORDINAL},?\s+(?P<year>\d{{4}})"),
    re.compile(rf"(?P<day>\d{{1,2}}){_ORDINAL}\.?\s+(?:of\s+)?(?P<month>[a-z]+)\.?,?\s+(?P<year>\d{{4}})"),
)
_WEEKDAY = re.compile(r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+")

_HEADING_SEPARATOR = re.compile(r"\s+[-–—]\s+")
_DASH_LINE = re.compile(r"[-–—]+")
_HANDLE_LINE = re.compile(r"@?(?P<name>[\w.]+)\s+on\s+(?:ig|instagram)\s*:?", re.IGNORECASE)
_CREDIT_LINE = re.compile(r"(?P<label>pictured|photo)\s*[-–—:]\s*(?P<credit>\S.*)", re.IGNORECASE)
_MD_HEADING = re.compile(r" {0,3}(?P<level>#{1,6})(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*")
_THEMATIC_BREAK = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*")
_FENCE = "---"
_LANG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
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
    lang: str | None = None
    format: str
    # Validated front matter `focus` and `format` values, for the steps that use them.
    extra: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def body(self) -> str:
        """Return the paragraphs' texts separated by blank lines."""
        return "\n\n".join(p.text for p in self.paragraphs)


def read_article(path: str | os.PathLike, lang: str | None = None) -> Article:
    """Read an article file, detect its format and parse it.

    :param lang: the article's language (``--lang``), over the front matter's ``lang``.
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
        data = source.read_bytes()
    except OSError as exc:
        msg = f"cannot read {name} ({exc.strerror or exc}); check its permissions"
        raise ArticleError(msg) from exc
    text = _clean(_decode(data, name))
    if not text.strip():
        msg = f"{name} is empty; write the article (a 'DATE - TITLE' heading line, then the text)"
        raise ArticleError(msg)
    if source.suffix.lower() in MARKDOWN_SUFFIXES or _has_front_matter(text):
        article = parse_markdown(text, source)
    else:
        article = parse_plain(text, source)
    if lang is not None:
        from dataclasses import replace

        article = replace(article, lang=lang)
    return article


def valid_language(tag: str) -> bool:
    """Tell whether ``tag`` looks like a BCP 47 or POSIX language tag ("en", "pt-BR", "zh_Hant")."""
    return bool(_LANG.fullmatch(tag))


def parse_plain(text: str, source: Path) -> Article:
    """Parse a plain draft: optional handle block, 'DATE - TITLE' line, optional credit, text."""
    source = Path(source)
    name = str(source)
    lines = _clean(text).split("\n")
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

    date, date_text, title = _split_heading(_squash(lines[i]))
    _check_title(title, i + 1, name)
    i += 1

    credit = credit_label = None
    j = _next_text_line(lines, i)
    if j < len(lines) and (match := _CREDIT_LINE.fullmatch(lines[j].strip())):
        credit_label, credit = match["label"].capitalize(), _squash(match["credit"])
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
        date=date,
        date_text=date_text,
        handle=handle,
        credit=credit,
        credit_label=credit_label,
        paragraphs=paragraphs,
        format="plain",
    )


def parse_markdown(text: str, source: Path) -> Article:
    """Parse Markdown with optional YAML front matter; '#' lines become heading paragraphs."""
    source = Path(source)
    name = str(source)
    text = _clean(text)
    meta, body = _front_matter(text, name)
    fields = _validate(meta, source, name)

    parts = _markdown_paragraphs(body)
    title = fields.pop("title")
    first_h1 = next((k for k, (_, level) in enumerate(parts) if level == 1), None)
    if title is None and first_h1 is not None:
        title = parts.pop(first_h1)[0]
    elif parts and parts[0][1] == 1 and parts[0][0].casefold() == (title or "").casefold():
        parts.pop(0)  # the front matter title repeated as the first heading
    if not title:
        msg = f"{name} has no title; add 'title: ...' to the front matter or a '# Title' line"
        raise ArticleError(msg)
    if fields["date"] is None:
        fields["date"], fields["date_text"], title = _split_heading(title)
    _check_title(title, None, name)

    paragraphs = tuple(_emphasised(t, heading=level > 0) for t, level in parts)
    if not any(not p.heading for p in paragraphs):
        msg = f"{name} has a title but no body text; add paragraphs below the title"
        raise ArticleError(msg)
    return Article(source=source.resolve(), title=title, paragraphs=paragraphs, format="markdown", **fields)


def parse_date(text: str) -> datetime.date | None:
    """Parse a date written in a common English form; None when the text is not a date."""
    cleaned = _squash(text).lower().rstrip(".")
    if weekday := _WEEKDAY.match(cleaned):
        cleaned = cleaned[weekday.end() :]
    for form in _DATE_FORMS:
        match = form.fullmatch(cleaned)
        if not match:
            continue
        month = match["month"]
        number = int(month) if month.isdigit() else _MONTHS.get(month)
        if number is None:
            return None
        try:
            return datetime.date(int(match["year"]), number, int(match["day"]))
        except ValueError:
            return None
    return None


def slug(article: Article) -> str:
    """Name the article's output folder: ISO date plus the transliterated title."""
    title = "" if article.title == article.date_text else article.title
    from slugify import slugify

    words = slugify(title)
    if len(words) > _MAX_SLUG:
        # slugify's own word_boundary cut skips a long word but keeps later short ones
        # ("...-about-the-of"), so cut after the last whole word instead.
        head = words[: _MAX_SLUG + 1]
        words = head.rsplit("-", 1)[0] if "-" in head else words[:_MAX_SLUG]
    if article.date is None:
        return words or "post"
    day = article.date.isoformat()
    return f"{day}-{words}" if words else day


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        msg = f"{name} is UTF-16, not UTF-8; save it as UTF-8 and try again"
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


def _clean(text: str) -> str:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


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


def _split_heading(heading: str) -> tuple[datetime.date | None, str | None, str]:
    """Split 'DATE - TITLE' into (date, date_text, title); without a date the line is the title."""
    whole = parse_date(heading)
    if whole is not None:
        return whole, heading, heading
    match = _HEADING_SEPARATOR.search(heading)
    if match:
        date_text = heading[: match.start()].strip()
        date = parse_date(date_text)
        if date is not None:
            return date, date_text, heading[match.end() :].strip() or date_text
    return None, None, heading


def _check_title(title: str, line: int | None, name: str) -> None:
    if len(title) > _MAX_TITLE:
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


def _has_front_matter(text: str) -> bool:
    parts = _split_front_matter(text)
    if parts is None:
        return False
    import yaml  # here, not at the top: plain drafts never pay for importing it

    try:
        return isinstance(yaml.safe_load(parts[0]), dict)
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
        meta = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 2}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        detail = " ".join(f"{where}{problem}".split())
        msg = f"{name}: front matter is not valid YAML ({detail}); fix the YAML between the '---' lines"
        raise ArticleError(msg) from exc
    if meta is None:
        return {}, body
    if not isinstance(meta, dict):
        msg = (
            f"{name}: front matter must be 'key: value' lines, not a {type(meta).__name__}; "
            "fix the YAML between the '---' lines"
        )
        raise ArticleError(msg)
    return meta, body


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
    if credit and (match := _CREDIT_LINE.fullmatch(credit)):
        credit_label, credit = match["label"].capitalize(), _squash(match["credit"])
    handle = text("handle")
    image = text("image")
    lang = text("lang")
    if lang is not None and not _LANG.fullmatch(lang):
        msg = f"{name}: front matter 'lang' must be a language code like en or ru, not {lang!r}"
        raise ArticleError(msg)
    date, date_text = _date_value(meta.get("date"), name, lang)
    title = text("title")
    return {
        "title": _squash(title) if title else None,
        "date": date,
        "date_text": date_text,
        "handle": (handle.lstrip("@").strip() or None) if handle else None,
        "credit": credit or None,
        "credit_label": credit_label,
        "image": (source.resolve().parent / Path(image).expanduser()).resolve() if image else None,
        "hashtags": _hashtags(meta.get("hashtags"), name),
        "caption": text("caption"),
        "theme": text("theme"),
        "lang": lang,
        "extra": {key: value for key in ("focus", "format") if (value := text(key)) is not None},
    }


def _text_value(value: Any, key: str, name: str) -> str | None:
    if value is None:
        return None
    if _is_text(value):
        return str(value).strip() or None
    msg = f"{name}: front matter '{key}' must be text, not {_show(value)}; quote the value"
    raise ArticleError(msg)


def _date_value(value: Any, name: str, lang: str | None) -> tuple[datetime.date | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        from postkit.dates import format_date

        return value, format_date(value, lang)
    if isinstance(value, str) and (date := parse_date(value)) is not None:
        return date, _squash(value)
    msg = f"{name}: front matter 'date' must be a date like 1917-11-07, not {_show(value)}"
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
        msg = f"must be a list of words or a space-separated string, not {_show(value)}"
        raise ValueError(msg)
    tags = []
    for item in items:
        if not _is_text(item):
            msg = f"must be a list of words or a space-separated string, not {_show(value)}"
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


def _show(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


_EMPHASIS = re.compile(
    r"(?<![\w*])(\*\*|__)(?=\S)(?P<bold>.+?)(?<=\S)\1(?![\w*])"
    r"|(?<![\w*])(\*|_)(?=\S)(?P<italic>.+?)(?<=\S)\3(?![\w*])"
)


def _emphasised(text: str, heading: bool) -> Paragraph:
    """Take Markdown emphasis markers out of ``text``, keeping where they were as ranges."""
    plain: list[str] = []
    spans: list[tuple[int, int, str]] = []
    position = length = 0
    for match in _EMPHASIS.finditer(text):
        plain.append(text[position : match.start()])
        length += match.start() - position
        style = "bold" if match["bold"] is not None else "italic"
        inner = match[style]
        spans.append((length, length + len(inner), style))
        plain.append(inner)
        length += len(inner)
        position = match.end()
    plain.append(text[position:])
    return Paragraph("".join(plain), heading=heading, emphasis=tuple(spans))


def _markdown_paragraphs(body: str) -> list[tuple[str, int]]:
    """Split Markdown into (text, heading level) pairs; level 0 is a body paragraph."""
    parts: list[tuple[str, int]] = []
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            parts.append((_squash(" ".join(buffer)), 0))
            buffer.clear()

    for line in body.split("\n"):
        heading = _MD_HEADING.fullmatch(line)
        # A rule ('---', '***') only separates paragraphs; it has no words to show.
        if not line.strip() or heading or _THEMATIC_BREAK.fullmatch(line):
            flush()
            if heading and heading["text"]:
                parts.append((_squash(heading["text"]), len(heading["level"])))
        else:
            buffer.append(line)
    flush()
    return parts
