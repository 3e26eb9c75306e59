"""Read a library of dated articles: a folder of drafts and Markdown, or a CSV / JSON Lines table, plus postkit.toml."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from postkit.article import (
    Article,
    article_language,
    parse_markdown,
    read_article,
    split_hashtags,
)
from postkit.dates import read_date
from postkit.errors import ArticleError, PostkitError
from postkit.i18n import known_language
from postkit.settings import Layer, SettingsError, resolve_settings

SETTINGS_FILE = "postkit.toml"
MAX_SETTINGS_BYTES = 256 * 1024
MAX_TABLE_BYTES = 64 * 1024 * 1024  # a year of articles in a CSV is a few MB
ARTICLE_SUFFIXES = (".txt", ".md", ".markdown")
TABLE_SUFFIXES = (".csv", ".jsonl", ".ndjson")
COLUMNS = ("date", "title", "body", "image", "credit", "hashtags", "lang")
REQUIRED_COLUMNS = ("date", "title", "body")


class LibraryError(PostkitError):
    """The library as a whole cannot be read: a missing folder, a bad postkit.toml, a CSV without its columns."""


@dataclass(frozen=True)
class Entry:
    """One article of the library, parsed, or the reason it could not be."""

    name: str  # how messages name it: "library/1917-11-07.md" or "library.csv:4" (file and line)
    article: Article | None = None
    error: str | None = None


@dataclass(frozen=True)
class Library:
    """The articles of a library, in file (and line) order, and its postkit.toml settings."""

    path: Path
    entries: tuple[Entry, ...]
    # Validated postkit.toml values; "out" and a theme given as a path are resolved against the file.
    settings: dict[str, Any] = field(default_factory=dict)
    settings_file: Path | None = None
    handles: dict[str, str] = field(default_factory=dict)  # postkit.toml [handles]: the account on each network


def load_library(path: str | os.PathLike[str], *, exclude: tuple[Path, ...] = (), lang: str | None = None) -> Library:
    """Read every article of the library at ``path`` (a folder, a .csv or a .jsonl file).

    A file that cannot be read or parsed, or has no date, becomes an Entry with an error: one bad
    article never stops the others. A bad postkit.toml or an unreadable table raises LibraryError.

    :param exclude: folders not to search for articles (e.g. the output folder inside the library);
        the ``out`` folder of postkit.toml is never searched either.
    :param lang: every article's language (``--lang``), over rows, front matter and postkit.toml.
    """
    root = Path(path)
    if root.is_dir():
        settings_file = root / SETTINGS_FILE
    elif root.is_file() and root.suffix.lower() in TABLE_SUFFIXES:
        settings_file = root.parent / SETTINGS_FILE
    elif root.is_file():
        kinds = ", ".join(TABLE_SUFFIXES)
        columns = ",".join(COLUMNS)
        msg = f"{root} is not a library; pass a folder of articles or a table ({kinds}) with columns {columns}"
        raise LibraryError(msg)
    else:
        msg = f"{root}: no such folder or file; pass a folder of articles or a .csv/.jsonl file"
        raise LibraryError(msg)
    has_settings = settings_file.is_file()
    settings = read_settings(settings_file) if has_settings else {}
    handles = settings.pop("handles", {})
    languages = (lang, settings.get("lang"))
    if root.is_dir():
        entries = _folder_entries(root, (*exclude, *([settings["out"]] if "out" in settings else [])), languages)
    else:
        entries = _table_entries(root, languages)
    return Library(
        path=root,
        entries=tuple(entries),
        settings=settings,
        settings_file=settings_file if has_settings else None,
        handles=handles,
    )


def read_settings(path: Path) -> dict[str, Any]:
    """Read and validate a library's postkit.toml; raise one LibraryError listing every problem."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_SETTINGS_BYTES + 1)
        if len(raw) > MAX_SETTINGS_BYTES:
            msg = f"{path} is more than {MAX_SETTINGS_BYTES // 1024} KB; a library's settings are a few lines"
            raise LibraryError(msg)
        data = tomllib.loads(raw.decode("utf-8"))
    except RecursionError as exc:
        msg = f"{path}: cannot read the library settings (nested too deeply); fix the TOML"
        raise LibraryError(msg) from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        msg = f"{path}: cannot read the library settings ({reason}); fix the TOML syntax"
        raise LibraryError(msg) from exc
    from postkit.export import ExportError

    handles = data.pop("handles", None)
    try:
        checked = resolve_settings([(Layer("postkit.toml", str(path)), data)])
        if handles is not None:
            handles = _handles(handles, path)
    except (SettingsError, ExportError) as exc:
        raise LibraryError(str(exc)) from exc
    settings: dict[str, Any] = {key: getattr(checked, key) for key in data}
    if handles is not None:
        settings["handles"] = handles
    if "out" in settings:
        settings["out"] = path.parent / settings["out"]
    return settings


def _handles(table: Any, path: Path) -> dict[str, str]:
    """Check postkit.toml's [handles] table: the account's handle on each network (postkit export)."""
    from postkit.export import ExportError, check_handles

    if not isinstance(table, dict):
        msg = f"{path}: 'handles' must be a table, e.g. [handles] with bluesky = \"name.bsky.social\""
        raise ExportError(msg)
    return check_handles(table, f"{path}: [handles]")


# The batch's --lang and the library's postkit.toml lang.
_Languages = tuple[str | None, str | None]


def _folder_entries(root: Path, exclude: tuple[Path, ...], languages: _Languages) -> list[Entry]:
    """Read the article files under ``root``, skipping hidden files, post folders and README files."""
    skip = {os.path.abspath(p) for p in exclude}
    entries = []
    real_root = Path(root).resolve()
    for folder, dirs, files in _walk(root):
        # Post folders hold caption.txt, which is not an article; hidden folders are staging or tools.
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and os.path.abspath(os.path.join(folder, d)) not in skip
            and not os.path.isfile(os.path.join(folder, d, "post.json"))
        )
        for name in sorted(files):
            if name.startswith(".") or not name.lower().endswith(ARTICLE_SUFFIXES):
                continue
            if name.lower().startswith("readme"):
                continue
            path = Path(folder, name)
            if not path.resolve().is_relative_to(real_root):
                # A symlink out of the library would publish a file from elsewhere (a diary, notes).
                error = f"{path} is a link to {path.resolve()}, outside the library; copy the article into it"
                entries.append(Entry(str(path), error=error))
                continue
            entries.append(_read_entry(path, languages))
    return entries


def _walk(root: Path) -> Iterator[tuple[str, list[str], list[str]]]:
    """Walk a library's folders (os.walk, which does not follow links to folders), refusing absurd depth."""
    try:
        yield from os.walk(root)
    except RecursionError as exc:  # os.walk recurses: 1,000 nested folders
        msg = f"{root}: folders are nested too deeply to be a library; flatten them"
        raise LibraryError(msg) from exc


def _read_entry(path: Path, languages: _Languages) -> Entry:
    name = str(path)
    flag, default = languages
    try:
        article = read_article(path, flag, default_lang=default)
    except PostkitError as exc:
        return Entry(name, error=str(exc))
    except Exception as exc:  # never let one odd file stop the library
        return Entry(name, error=f"unexpected {type(exc).__name__}: {exc}")
    if article.date is None:
        return Entry(name, article, _no_date(name))
    return Entry(name, article)


def _no_date(name: str) -> str:
    return (
        f"{name} has no date, so it has no anniversary; add one "
        "(a heading line such as 'November 7, 1917 - Title', or 'date: 1917-11-07' in the front matter)"
    )


def _table_entries(path: Path, languages: _Languages) -> list[Entry]:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_TABLE_BYTES + 1)
    except OSError as exc:
        msg = f"cannot read {path} ({exc.strerror or exc}); check its permissions"
        raise LibraryError(msg) from exc
    if len(data) > MAX_TABLE_BYTES:
        msg = f"{path} is more than {MAX_TABLE_BYTES // 1024 // 1024} MB; split the library into smaller tables"
        raise LibraryError(msg)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        msg = f"{path} is not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); save it as UTF-8 and try again"
        raise LibraryError(msg) from exc
    rows = _csv_rows(text, path) if path.suffix.lower() == ".csv" else _jsonl_rows(text, path)
    return [row if isinstance(row, Entry) else _row_entry(path, line, row, languages) for line, row in rows]


def _csv_rows(text: str, path: Path) -> list[tuple[int, dict[str, Any] | Entry]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            msg = f"{path} is empty; write a header line '{','.join(COLUMNS)}' and one article per row"
            raise LibraryError(msg)
        columns = [unicodedata.normalize("NFC", c).strip().lower() for c in header]
        _check_columns(columns, path)
        rows: list[tuple[int, dict[str, Any] | Entry]] = []
        line = reader.line_num + 1
        for values in reader:
            start, line = line, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(columns):
                error = (
                    f"{path}:{start}: the row has {len(values)} values but the header has {len(columns)} columns; "
                    "quote values that contain commas"
                )
                rows.append((start, Entry(f"{path}:{start}", error=error)))
                continue
            rows.append((start, dict(zip(columns, values, strict=False))))
    except csv.Error as exc:
        msg = f"{path}: line {reader.line_num}: not valid CSV ({exc}); fix the quoting"
        raise LibraryError(msg) from exc
    return rows


def _jsonl_rows(text: str, path: Path) -> list[tuple[int, dict[str, Any] | Entry]]:
    rows: list[tuple[int, dict[str, Any] | Entry]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name = f"{path}:{number}"
        try:
            row = json.loads(line)
        except RecursionError:
            rows.append((number, Entry(name, error=f"{name}: the JSON is nested too deeply; write one flat object")))
            continue
        except json.JSONDecodeError as exc:
            error = f"{name}: not valid JSON ({exc.msg} at column {exc.colno}); write one JSON object per line"
            rows.append((number, Entry(name, error=error)))
            continue
        if not isinstance(row, dict):
            kind = type(row).__name__
            error = f'{name}: a line must be a JSON object like {{"date": ..., "title": ...}}, not {kind}'
            rows.append((number, Entry(name, error=error)))
            continue
        unknown = [str(k) for k in row if k not in COLUMNS]
        if unknown:
            error = f"{name}: unknown key {', '.join(repr(k) for k in unknown)}; use only {', '.join(COLUMNS)}"
            rows.append((number, Entry(name, error=error)))
            continue
        rows.append((number, row))
    return rows


def _check_columns(columns: list[str], path: Path) -> None:
    problems = []
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        problems.append(f"unknown column {', '.join(repr(c) for c in unknown)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        problems.append(f"missing column {', '.join(repr(c) for c in missing)}")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        problems.append(f"repeated column {', '.join(repr(c) for c in repeated)}")
    if problems:
        msg = f"{path}: {'; '.join(problems)}; the header must name columns from {','.join(COLUMNS)}"
        raise LibraryError(msg)


def _row_entry(path: Path, line: int, row: dict[str, Any], languages: _Languages) -> Entry:
    """Turn one table row into an Article through the Markdown reader, so both follow the same rules."""
    name = f"{path}:{line}"
    flag, default = languages
    try:
        values = {key: _row_text(row.get(key), key, name) for key in COLUMNS if key != "hashtags"}
        for key in REQUIRED_COLUMNS:
            if not values[key]:
                msg = f"{name}: '{key}' is empty; every row needs {', '.join(REQUIRED_COLUMNS)}"
                raise ArticleError(msg)
        if values["lang"] and not known_language(values["lang"]):
            msg = f"{name}: 'lang' must be a language code like en, ru or pt-BR, not {values['lang']!r}"
            raise ArticleError(msg)
        # The row's date is read in its language ("7 ноября 1917"), found once: the Markdown reader is
        # given it rather than detecting it again.
        words = f"{values['title']}\n{values['body']}"
        lang, lang_source = article_language(words, flag, values["lang"], default)
        reading = read_date(values["date"], lang)
        if reading is None or reading.date is None:
            why = f" ({reading.problem})" if reading is not None and reading.problem else ""
            msg = f"{name}: 'date' must be a date like 1917-11-07 or 'November 7, 1917', not {values['date']!r}{why}"
            raise ArticleError(msg)
        try:
            hashtags = split_hashtags(row.get("hashtags") or [])
        except ValueError as exc:
            msg = f"{name}: 'hashtags' {exc}"
            raise ArticleError(msg) from exc
        meta: dict[str, Any] = {"title": values["title"], "date": values["date"], "lang": lang}
        for key in ("image", "credit"):
            if values[key]:
                meta[key] = values[key]
        if hashtags:
            meta["hashtags"] = list(hashtags)
        article = parse_markdown(_markdown(meta, values["body"]), Path(name), default_lang=default)
        article = replace(article, lang_source=lang_source)
    except PostkitError as exc:
        return Entry(name, error=str(exc))
    except Exception as exc:  # never let one odd row stop the library
        return Entry(name, error=f"{name}: unexpected {type(exc).__name__}: {exc}")
    return Entry(name, article)


def _row_text(value: Any, key: str, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        msg = f"{name}: '{key}' must be text, not {value!r}"
        raise ArticleError(msg)
    text = str(value)
    if any("\ud800" <= c <= "\udfff" for c in text):  # JSON's "\ud800" escape: half a character
        msg = f"{name}: '{key}' has an escape for half a character (a lone surrogate); write the character itself"
        raise ArticleError(msg)
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").strip()


def _markdown(meta: dict[str, Any], body: str) -> str:
    import yaml

    # A cell rarely holds blank lines: then, as in a plain draft, each line is a paragraph.
    if not re.search(r"\n[ \t]*\n", body):
        body = "\n\n".join(line for line in body.split("\n") if line.strip())
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
    return f"---\n{front}---\n\n{body}\n"
