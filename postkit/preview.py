"""Render a post folder as followers will see it: preview.html (a self-contained page) and contact.png."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.server
import io
import json
import logging
import os
import re
import threading
import warnings
import webbrowser
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, unquote, urlsplit

from postkit import limits
from postkit.check import (
    CAPTION_FILE,
    CAPTION_MAX_BYTES,
    MANIFEST_FILE,
    MANIFEST_MAX_BYTES,
    SLIDE_NAME,
    decode_caption,
    image_header,
    parse_manifest,
    show_value,
)
from postkit.errors import CheckError, OutputError, PostkitError
from postkit.i18n import direction, has_catalog, install_translations, is_language_tag
from postkit.illustration import BOMB_PIXELS, DECODE_ERRORS
from postkit.output import replace_file, safe_join
from postkit.safeio import (
    CHUNK,
    FileTooLargeError,
    UnsafeFileError,
    describe_bytes,
    open_inside,
    printable,
    read_inside,
)
from postkit.settings import Settings
from postkit.themes import html_environment

log = logging.getLogger("postkit")

PREVIEW_FILE = "preview.html"
CONTACT_FILE = "contact.png"
TEMPLATE = "preview.html.j2"
SCRIPT = "preview.js"
STATE_PATH = "/__postkit__/state"  # polled by the served page (only in serve mode) to reload on changes
POLL_SECONDS = 0.5

_REMAKE = "re-make the post with postkit carousel ARTICLE --out {folder} --force"
# A slide is at most 1440 px wide and 8 MiB (Instagram's limits): anything far beyond is not a slide, and
# decoding it for the contact sheet would cost unbounded memory and time.
SLIDE_MAX_BYTES = 64 * 1024 * 1024
SLIDE_MAX_PIXELS = 4096 * 4096
# The shapes a slide may have: a story (9:16) to the widest feed picture (1.91:1), with room to spare.
SLIDE_MIN_ASPECT, SLIDE_MAX_ASPECT = 0.5, 2.0
# The files of a post the server hands out (besides the live page and the state): nothing else in the
# folder, no hidden file, no listing.
_SERVED_TYPES = {CONTACT_FILE: "image/png", CAPTION_FILE: "text/plain; charset=utf-8"}
# An article's file endings, as the library reads them: post.json's "source" must name one of these.
_ARTICLE_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
# A BCP 47 language tag as HTML's lang takes it: "ru", "pt-BR", "zh-Hant-TW", "ckb" (ASCII only).
# The same patterns as postkit.limits counts, so the preview styles exactly what Instagram links.
_CAPTION_TOKEN = re.compile(r"(?P<tag>(?<![\w&])#\w+)|(?P<mention>(?<!\w)@[A-Za-z0-9._]{1,30})")


@dataclass(frozen=True)
class Slide:
    """One slide as the page shows it."""

    number: int
    src: str
    alt: str
    kind: str


def load_post(post_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check the post.json of ``post_dir``; raise CheckError naming the folder and the fix.

    The folder is untrusted: post.json and each slide must be regular files in it (no FIFO, device or
    symlink out of it), post.json at most 1 MB, each slide a picture of slide size.
    """
    folder = Path(post_dir)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        msg = f"{_name(folder)} {what}; pass a folder made by postkit carousel"
        raise CheckError(msg)
    manifest = folder / MANIFEST_FILE
    remake = _REMAKE.format(folder=_name(folder))
    try:
        data = parse_manifest(read_inside(folder, MANIFEST_FILE, MANIFEST_MAX_BYTES))
    except FileNotFoundError:
        msg = f"{_name(folder)} has no post.json; pass a folder made by postkit carousel"
        raise CheckError(msg) from None
    except FileTooLargeError as exc:
        msg = (
            f"{_name(manifest)} is {exc.size:,} bytes; postkit reads at most {describe_bytes(exc.limit)} of "
            f"post.json (its own are a few KB); {remake}"
        )
        raise CheckError(msg) from None
    except UnsafeFileError as exc:
        msg = f"{exc}; {remake}"
        raise CheckError(msg) from None
    except ValueError as exc:
        msg = f"{_name(manifest)} {exc}; {remake}"
        raise CheckError(msg) from None
    except OSError as exc:
        msg = f"cannot read {_name(manifest)} ({exc.strerror or exc}); check its permissions"
        raise CheckError(msg) from exc
    slides = data.get("slides") if isinstance(data, dict) else None
    if not isinstance(slides, list) or not slides or not all(isinstance(s, dict) for s in slides):
        msg = f"{_name(manifest)} lists no slides; {remake}"
        raise CheckError(msg)
    if len(slides) > 99:
        msg = f"{_name(manifest)} lists {len(slides)} slides, more than 01.jpg..99.jpg; {remake}"
        raise CheckError(msg)
    for slide in slides:
        name = slide.get("file")
        if not isinstance(name, str) or not SLIDE_NAME.fullmatch(name):
            msg = f"{_name(manifest)} names slide file {show_value(name)}, not a slide name like 01.jpg; {remake}"
            raise CheckError(msg)
        check_slide_file(folder, name)
    size = data.get("size")
    if not (
        isinstance(size, list)
        and len(size) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) and 0 < n <= 100_000 for n in size)
    ):
        msg = f"{_name(manifest)} has size {show_value(size)}, not [width, height] in pixels; {remake}"
        raise CheckError(msg)
    checked: dict[str, Any] = data
    return checked


def check_slide_file(folder: Path, name: str) -> tuple[int, int]:
    """Check that ``folder/name`` is a slide: a picture file in the folder, of slide size; return its size.

    Only its header is read. Raise CheckError for a missing, non-regular, outside, huge or broken file.
    """
    path = folder / name
    remake = _REMAKE.format(folder=_name(folder))
    try:
        file, info = open_inside(folder, name)
    except FileNotFoundError:
        msg = f"{_name(path)} is missing; {remake}"
        raise CheckError(msg) from None
    except UnsafeFileError as exc:
        msg = f"{exc}; {remake}"
        raise CheckError(msg) from None
    except OSError as exc:
        msg = f"cannot read {_name(path)} ({exc.strerror or exc}); check its permissions"
        raise CheckError(msg) from None
    with file:
        if info.st_size > SLIDE_MAX_BYTES:
            msg = (
                f"{_name(path)} is {info.st_size:,} bytes, far more than a slide (Instagram takes less than "
                f"{describe_bytes(limits.IMAGE_MAX_BYTES)}); {remake}"
            )
            raise CheckError(msg)
        from PIL import Image, UnidentifiedImageError

        try:
            width, height = image_header(file)[2]
        except Image.DecompressionBombError as exc:
            found = BOMB_PIXELS.search(str(exc))
            pixels = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
            msg = f"{_name(path)} has {pixels}, far more than a slide (a decompression bomb?); {remake}"
            raise CheckError(msg) from None
        except UnidentifiedImageError:
            msg = f"{_name(path)} is not a picture (Pillow cannot identify it); {remake}"
            raise CheckError(msg) from None
        except DECODE_ERRORS as exc:
            msg = f"{_name(path)} cannot be read as a picture ({show_value(str(exc))}); {remake}"
            raise CheckError(msg) from None
    if width * height > SLIDE_MAX_PIXELS or not width or not height:
        msg = (
            f"{_name(path)} is {width:,}x{height:,} pixels, far more than a slide (Instagram takes at most "
            f"{limits.WIDTH_MAX} px wide); {remake}"
        )
        raise CheckError(msg)
    # A 1x65000 slide is tiny on disk, but its thumbnail would be 240x15,600,000 pixels.
    if not SLIDE_MIN_ASPECT <= width / height <= SLIDE_MAX_ASPECT:
        msg = (
            f"{_name(path)} is {width:,}x{height:,} pixels, not the shape of a slide (Instagram's are 9:16 to "
            f"1.91:1); {remake}"
        )
        raise CheckError(msg)
    return width, height


def _name(path: str | os.PathLike[str]) -> str:
    return printable(os.fspath(path))


def split_caption(caption: str, visible: int = limits.CAPTION_VISIBLE_CHARS) -> tuple[str, bool]:
    """Return the caption's collapsed start (about ``visible`` characters, cut between words) and whether it is cut."""
    text = caption.strip()
    if len(text) <= visible:
        return text, False
    head = text[: visible + 1]
    # The last space or line break within the limit; a long unbroken run is cut at the limit itself.
    cut = max(head.rfind(" "), head.rfind("\n"))
    if cut < visible // 2:
        cut = visible
    return text[:cut].rstrip(), True


def caption_tokens(text: str) -> list[tuple[str, str]]:
    """Split caption text into ("text" | "tag" | "mention", piece) pairs, in order."""
    tokens: list[tuple[str, str]] = []
    position = 0
    for match in _CAPTION_TOKEN.finditer(text):
        if match.start() > position:
            tokens.append(("text", text[position : match.start()]))
        tokens.append(("tag" if match["tag"] else "mention", match.group()))
        position = match.end()
    if position < len(text):
        tokens.append(("text", text[position:]))
    return tokens


def render_preview(post_dir: str | os.PathLike[str], *, live: bool = False) -> str:
    """Render the preview page of ``post_dir`` as HTML; ``live`` makes it reload when the server says so."""
    folder = Path(post_dir)
    return _render(folder, load_post(folder), live=live)


def _render(folder: Path, post: dict[str, Any], *, live: bool) -> str:
    from markupsafe import Markup

    caption = _caption(folder, post)
    head, cut = split_caption(caption)
    width, height = post["size"]
    lang, direction = page_language(post)
    slides = [
        Slide(
            number=number,
            src=quote(s["file"]),
            alt=s["alt"] if isinstance(s.get("alt"), str) else "",
            kind=str(s.get("kind", "")),
        )
        for number, s in enumerate(post["slides"], start=1)
    ]
    handle = post.get("handle") if isinstance(post.get("handle"), str) else None
    title = str(post.get("title") or folder.name)
    env = html_environment()  # a new environment per page: its translations serve this page's language only
    install_translations(env, lang)
    script = env.get_template(SCRIPT).render()
    # Only this exact script may run: injected markup could not execute even if escaping failed.
    script_hash = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    # The page's own words are in the post's language when postkit has a catalog for it, else English,
    # set left to right: English words laid out right to left around a Persian post read scrambled.
    own_words = has_catalog(lang)
    return env.get_template(TEMPLATE).render(
        lang=lang,
        direction=direction,
        page_lang=lang if own_words else "en",
        page_direction=direction if own_words else "ltr",
        title=title,
        handle=handle,
        initial=(handle or title or "?")[:1].upper(),
        width=width,
        height=height,
        slides=slides,
        cover=slides[0],
        caption_full=caption_tokens(caption.strip()),
        caption_head=caption_tokens(head),
        caption_cut=cut,
        caption_length=limits.caption_length(caption.strip()),
        caption_max=limits.CAPTION_MAX_CHARS,
        caption_visible=limits.CAPTION_VISIBLE_CHARS,
        hashtag_count=len(limits.hashtags_in(caption)),
        hashtags_recommended=limits.HASHTAGS_RECOMMENDED,
        contact=CONTACT_FILE,
        live=live,
        state_path=STATE_PATH,
        script=Markup(script),  # our own static file: no post data in it
        script_hash=script_hash,
    )


def write_preview(post_dir: str | os.PathLike[str], *, contact: bool = True, open_browser: bool = False) -> Path:
    """Write preview.html (and contact.png) into the post folder ``post_dir``; return the page's path.

    :param open_browser: then open the page in the default browser.
    """
    folder = Path(post_dir)
    post = load_post(folder)
    page = _replace(folder, PREVIEW_FILE, _render(folder, post, live=False).encode("utf-8"))
    if contact:
        _replace(folder, CONTACT_FILE, contact_png(folder, [s["file"] for s in post["slides"]]))
    if open_browser:
        webbrowser.open(page.resolve().as_uri())
    return page


def contact_png(folder: Path, names: list[str]) -> bytes:
    """Return the contact sheet of the slides ``names`` in ``folder`` as PNG bytes."""
    from PIL import Image

    from postkit.compose import contact_sheet

    for name in names:
        check_slide_file(folder, name)  # only pictures of slide size, in the folder, get decoded
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            sheet = contact_sheet([str(folder / name) for name in names])
    except (*DECODE_ERRORS, Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        # What Pillow raises for a damaged or truncated file.
        msg = (
            f"cannot read the slides of {_name(folder)} for {CONTACT_FILE} ({show_value(str(exc), 120)}); "
            f"{_REMAKE.format(folder=_name(folder))}"
        )
        raise CheckError(msg) from exc
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG", optimize=True)  # no metadata: same slides give same bytes
    return buffer.getvalue()


def page_language(post: dict[str, Any]) -> tuple[str, str]:
    """Return the page's language tag and direction ("rtl"/"ltr") from post.json's "lang" ("en" without one)."""
    recorded = post.get("lang")
    # The tag goes into the page as written: the whole of it must be a tag ("en.<x>" is not "en").
    lang = recorded.replace("_", "-") if isinstance(recorded, str) else None
    if lang is None or not is_language_tag(lang) or not lang.isascii() or "." in lang or "@" in lang:
        if recorded is not None:
            log.debug("post.json's lang %s is not a language tag; the page says en", show_value(recorded))
        lang = "en"
    return lang, direction(lang)


def _caption(folder: Path, post: dict[str, Any]) -> str:
    # Instagram gets caption.txt, so that is what the page shows; post.json's copy is the fallback.
    path = folder / CAPTION_FILE
    try:
        return decode_caption(read_inside(folder, CAPTION_FILE, CAPTION_MAX_BYTES))
    except FileNotFoundError:
        caption = post.get("caption")
        return caption if isinstance(caption, str) else ""
    except FileTooLargeError as exc:
        msg = (
            f"{_name(path)} is {exc.size:,} bytes; a caption is at most {limits.CAPTION_MAX_CHARS:,} characters "
            f"and postkit reads at most {describe_bytes(exc.limit)} of caption.txt; shorten it"
        )
    except UnsafeFileError as exc:
        msg = f"{exc}; write the caption to a plain file caption.txt in the post folder"
    except ValueError as exc:
        msg = f"{_name(path)} {exc}; re-save it as UTF-8 text"
    except OSError as exc:
        msg = f"cannot read {_name(path)} ({exc.strerror or exc}); check its permissions"
    raise CheckError(msg)


def _replace(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``folder/name`` whole (see output.replace_file): a reader never sees half a file."""
    return replace_file(safe_join(folder, name), data, fix="check the folder's permissions and free space")


@dataclass(frozen=True)
class WatchTarget:
    """What re-making a post needs: its article, illustration and theme, and its own settings."""

    article: Path
    image: Path | None
    theme_dir: Path
    settings: Settings  # post.json's record of its caller's settings, under the command line's
    library: dict[str, Any] = field(default_factory=dict)  # a library's postkit.toml, for a batch's post
    caption_vars: dict[str, Any] = field(default_factory=dict)  # a batch's caption variables (years_ago...)

    def files(self) -> list[Path]:
        """List every watched file (the theme folder's files included), sorted."""
        from postkit.themes import theme_files

        # The theme's regular files inside its folder: a FIFO or a symlink out is neither stat'ed nor watched.
        return [self.article, *([self.image] if self.image else []), *theme_files(self.theme_dir)]


def watch_target(
    post_dir: str | os.PathLike[str],
    article: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> WatchTarget:
    """Find what the post in ``post_dir`` was made from: post.json's record of its article and settings.

    post.json is untrusted: its settings are checked now, as a post.json's (a theme by *name* only, from
    the theme search path or a theme folder it records in the current folder or beside the post); the
    article it names must be an article file there too; its illustration must lie in the article's
    folder. ``article`` (--article) and ``overrides`` (the command line's settings) replace the record's.
    """
    from postkit.article import read_article

    folder = Path(post_dir)
    post = load_post(folder)
    overrides = {k: v for k, v in (overrides or {}).items() if v not in (None, ())}
    recorded = post.get("rebuild")
    rebuild: dict[str, Any] = recorded if isinstance(recorded, dict) else {}
    if article is not None:
        article_path = Path(article)  # named by the user on the command line
    elif isinstance(rebuild.get("article"), str):
        article_path = _recorded_path(folder, rebuild["article"], "article", _ARTICLE_SUFFIXES)
    else:
        msg = f"{_name(folder)}/post.json does not say where its article is; pass --article PATH to watch it"
        raise CheckError(msg)
    if not article_path.is_file():
        msg = f"cannot find {_name(article_path)}, the article of {_name(folder)}; pass --article PATH to watch it"
        raise CheckError(msg)
    parsed = read_article(article_path)
    settings = _recorded_settings(folder, post, rebuild, overrides)
    image = overrides.get("image")
    recorded_image = post.get("image")
    if image is None and isinstance(recorded_image, dict) and isinstance(recorded_image.get("file"), str):
        image = _recorded_image(folder, article_path, parsed.image, recorded_image["file"])
    if settings.origin("theme").kind == "flag":
        from postkit.themes import find_theme

        theme_dir = find_theme(settings.theme, settings.theme_dirs)
    else:
        theme = settings.theme if settings.origin("theme").kind == "post.json" else post.get("theme")
        theme_dir = _theme_by_name(folder, theme, settings.theme_dirs)
    library = _table(rebuild, "library")
    variables = _table(rebuild, "caption_vars")
    caption_vars = {str(k): v for k, v in variables.items() if isinstance(v, int | str) or v is None}
    return WatchTarget(article_path, Path(image) if image else None, theme_dir, settings, library, caption_vars)


def _table(record: dict[str, Any], key: str) -> dict[str, Any]:
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def _recorded_settings(
    folder: Path, post: dict[str, Any], rebuild: dict[str, Any], overrides: Mapping[str, Any]
) -> Settings:
    """Check post.json's record of its caller's settings (as post.json's, naming it), under ``overrides``."""
    from postkit.settings import Layer, SettingsError, resolve_settings

    given = _table(rebuild, "settings")
    if not rebuild:  # a post made before post.json recorded what made it
        count = len(post["slides"])
        given = {
            "handle": post.get("handle"),
            "format": post.get("format"),
            # A post with more slides than the default allows was allowed at least as many.
            "max_slides": count if count > limits.MAX_SLIDES_API else None,
        }
    values = {k: v for k, v in given.items() if k not in overrides and k != "image"}
    # A folder the record names must lie in the current folder or beside the post, as its article.
    if isinstance(values.get("theme_dirs"), list):
        values["theme_dirs"] = [
            str(_recorded_path(folder, d, "theme folder")) for d in values["theme_dirs"] if isinstance(d, str)
        ]
    if isinstance(values.get("font_dir"), str):
        values["font_dir"] = str(_recorded_path(folder, values["font_dir"], "font folder"))
    try:
        return resolve_settings(
            [(Layer("post.json", f"{_name(folder)}/post.json"), values), (Layer("flag"), dict(overrides))]
        )
    except SettingsError as exc:
        msg = f"{exc}; fix post.json, or preview without --watch"
        raise CheckError(msg) from None


def _recorded_path(folder: Path, recorded: str, what: str, suffixes: Collection[str] = ()) -> Path:
    """Return a path post.json records, if it lies in the current folder or in the folder holding the post."""
    path = Path(recorded)
    places = (Path.cwd(), folder.resolve().parent)
    if (
        "\0" in recorded
        or (suffixes and path.suffix.lower() not in suffixes)
        or not any(_inside(path, place) for place in places)
    ):
        where = " or ".join(dict.fromkeys(_name(place) for place in places))
        if suffixes and path.suffix.lower() not in suffixes:
            problem = f"which is not an {what} file ({', '.join(sorted(suffixes))})"
        else:  # a post folder may come from anyone: a path it records is read only in these places
            problem = f"which postkit reads only inside {where}"
        msg = (
            f"{_name(folder)}/post.json names the {what} {show_value(recorded)}, {problem}; "
            "pass --article PATH (and --theme-dir DIR) to watch it"
        )
        raise CheckError(msg)
    return path


def _inside(path: Path, root: Path) -> bool:
    """Tell whether ``path`` (symlinks resolved) lies inside ``root`` (resolved)."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False


def _recorded_image(folder: Path, article: Path, front_matter: Path | None, name: str) -> Path:
    """Return the illustration post.json names: a picture file of that name in the article's folder."""
    beside = article.parent
    how = "put it there to watch it, or preview without --watch"
    if not name or name != Path(name).name or name.startswith(".") or "\0" in name or "\\" in name:
        msg = f"{_name(folder)}/post.json names the illustration {show_value(name)}, not a file name; {how}"
        raise CheckError(msg)
    candidates = [p for p in (front_matter, beside / name) if p is not None and p.name == name]
    for path in candidates:
        if not _inside(path, beside):
            continue  # a front matter (or a symlink) must not lead the watcher out of the article's folder
        try:
            if path.is_file():
                return path
        except OSError:
            continue
    msg = f"cannot find {printable(name)}, the illustration of {_name(folder)}, beside {_name(article)}; {how}"
    raise CheckError(msg)


def _theme_by_name(folder: Path, recorded: Any, theme_dirs: tuple[Path, ...] = ()) -> Path:
    """Find post.json's theme by name on the theme search path: a post folder may not choose a theme by path."""
    from postkit.errors import ThemeError
    from postkit.themes import find_theme, is_theme_name, list_themes

    name = "classic" if recorded is None else recorded
    if not is_theme_name(name):
        msg = (
            f"{_name(folder)}/post.json names the theme {show_value(name)}; a post folder may choose a theme by name "
            "only (e.g. classic); fix post.json, or preview without --watch"
        )
        raise CheckError(msg)
    try:
        return find_theme(name, theme_dirs, allow_path=False)
    except ThemeError:
        msg = (
            f"{_name(folder)}/post.json names the theme '{name}', which is not installed "
            f"({', '.join(list_themes())}); install it in ./themes/, or preview without --watch"
        )
        raise CheckError(msg) from None


class PreviewServer:
    """Serve a post folder on 127.0.0.1; the page reloads when the post is re-made (``watch``)."""

    def __init__(
        self,
        post_dir: str | os.PathLike[str],
        *,
        port: int = 0,
        watch: bool = False,
        article: str | os.PathLike[str] | None = None,
        interval: float = POLL_SECONDS,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        self.folder = Path(post_dir)
        self.interval = interval
        self.target = watch_target(self.folder, article, settings) if watch else None
        # Taken now, before anything is served: a change from here on is caught however soon it comes.
        self._seen = _stamps(self.target.files()) if self.target is not None else {}
        write_preview(self.folder)
        self.version = 0
        self.error: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        handler = partial(_Handler, server_state=self)
        try:
            self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError as exc:
            msg = f"cannot serve {self.folder} on 127.0.0.1:{port} ({exc.strerror or exc}); choose another --port"
            raise OutputError(msg) from exc
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        """The address of the preview page."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{PREVIEW_FILE}"

    def serve_forever(self) -> None:
        """Serve until shutdown() (from another thread) or Ctrl-C; watch the sources meanwhile if asked."""
        if self.target is not None and self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, name="postkit-watch", daemon=True)
            self._watcher.start()
        self.httpd.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        """Stop serving and watching (call from another thread than serve_forever's)."""
        self._stop.set()
        self.httpd.shutdown()

    def close(self) -> None:
        """Release the port."""
        self._stop.set()
        self.httpd.server_close()
        if self._watcher is not None:
            self._watcher.join(timeout=5)

    def __enter__(self) -> PreviewServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def state(self) -> dict[str, Any]:
        """Return what the page polls: a version that changes on each re-render, and the last error."""
        with self._lock:
            return {"version": self.version, "error": self.error}

    def rebuild(self) -> None:
        """Re-make the post from its sources with its own settings, then its preview; keep the old one on error."""
        from postkit.pipeline import build_post

        target = self.target
        if target is None:
            return
        try:
            build_post(
                target.article,
                target.settings,
                image=target.image,
                out=self.folder,
                force=True,
                library=target.library,
                caption_vars=target.caption_vars,
            )
            write_preview(self.folder)
        except PostkitError as exc:
            log.warning("Could not re-make %s: %s", self.folder, exc)
            self.changed(str(exc))
            return
        log.info("Re-made %s", self.folder)
        self.changed()

    def changed(self, error: str | None = None) -> None:
        """Tell the served page the post changed (it reloads) or that re-making it failed (it shows ``error``)."""
        with self._lock:
            self.error = error
            self.version += 1

    def _watch(self) -> None:
        assert self.target is not None
        while not self._stop.wait(self.interval):
            now = _stamps(self.target.files())
            if now != self._seen:
                self._seen = now
                self.rebuild()


def _stamps(paths: list[Path]) -> dict[Path, tuple[int, int] | None]:
    stamps: dict[Path, tuple[int, int] | None] = {}
    for path in paths:
        try:
            stat = path.stat()
            stamps[path] = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamps[path] = None
    return stamps


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serve the live page, the state endpoint, and the post's own files: slides, contact.png, caption.txt.

    Nothing else: no listing, no hidden or other file, no symlink out of the folder, and only requests
    addressed to 127.0.0.1:PORT or localhost:PORT (a page on another site that rebinds its domain to
    127.0.0.1 sends its own name as Host, and is turned away).
    """

    server_version = "postkit"
    sys_version = ""
    timeout = 30  # an idle connection does not hold a thread for ever

    def __init__(self, *args: Any, server_state: PreviewServer, **kwargs: Any) -> None:
        self.server_state = server_state
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, *, body: bool) -> None:
        if not self._host_is_ours():
            self.send_error(421, "Misdirected Request", "This server answers only to 127.0.0.1 and localhost.")
            return
        path = unquote(urlsplit(self.path).path)
        if path == STATE_PATH:
            self._send(json.dumps(self.server_state.state()).encode("utf-8"), "application/json", body)
        elif path in ("/", f"/{PREVIEW_FILE}"):
            try:
                page = render_preview(self.server_state.folder, live=True).encode("utf-8")
            except PostkitError as exc:
                self.send_error(500, explain=str(exc))
                return
            self._send(page, "text/html; charset=utf-8", body)
        else:
            name = path[1:]
            kind = "image/jpeg" if SLIDE_NAME.fullmatch(name) else _SERVED_TYPES.get(name)
            if not path.startswith("/") or kind is None:
                self.send_error(404)
                return
            self._send_file(name, kind, body)

    def _host_is_ours(self) -> bool:
        hosts = self.headers.get_all("Host") or []
        port = cast("tuple[str, int]", self.server.server_address)[1]  # an IPv4 server's (host, port)
        return len(hosts) == 1 and hosts[0].strip().lower() in (f"127.0.0.1:{port}", f"localhost:{port}")

    def _send(self, data: bytes, content_type: str, body: bool = True) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _send_file(self, name: str, content_type: str, body: bool) -> None:
        try:
            file, info = open_inside(self.server_state.folder, name)
        except (OSError, UnsafeFileError):  # missing, a FIFO, a device, a symlink out: all the same to a browser
            self.send_error(404)
            return
        with file:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(info.st_size))
            self.end_headers()
            left = info.st_size if body else 0
            # In chunks, and no more than announced: memory stays flat and a growing file cannot stall us.
            while left > 0 and (chunk := file.read(min(CHUNK, left))):
                self.wfile.write(chunk)
                left -= len(chunk)

    def end_headers(self) -> None:
        # Re-made files keep their names: never let the browser show a stale slide.
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        # Other sites may not embed the post's files, nor frame the page.
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), printable(format % args))


def serve(
    post_dir: str | os.PathLike[str],
    *,
    port: int = 0,
    watch: bool = False,
    article: str | os.PathLike[str] | None = None,
    open_browser: bool = False,
    ready: Callable[[str], None] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> None:
    """Write the preview, then serve the post folder on 127.0.0.1 until Ctrl-C.

    :param ready: called with the page's URL once the server listens.
    :param watch: re-make the post and reload the page when its article, image or theme changes.
    :param settings: settings for the re-made post over those its post.json records (with ``watch``).
    """
    with PreviewServer(post_dir, port=port, watch=watch, article=article, settings=settings) as server:
        if ready is not None:
            ready(server.url)
        if open_browser:
            webbrowser.open(server.url)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how serving ends
            server.serve_forever()
