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
import tempfile
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from postkit import limits
from postkit.errors import CheckError, OutputError, PostkitError
from postkit.output import safe_join
from postkit.themes import html_environment

log = logging.getLogger("postkit")

PREVIEW_FILE = "preview.html"
CONTACT_FILE = "contact.png"
TEMPLATE = "preview.html.j2"
SCRIPT = "preview.js"
STATE_PATH = "/__postkit__/state"  # polled by the served page (only in serve mode) to reload on changes
POLL_SECONDS = 0.5

_SLIDE_FILE = re.compile(r"\d{2}\.jpg")
_REMAKE = "re-make the post with postkit carousel ARTICLE --out {folder} --force"
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
    """Read and check the post.json of ``post_dir``; raise CheckError naming the folder and the fix."""
    folder = Path(post_dir)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        msg = f"{folder} {what}; pass a folder made by postkit carousel"
        raise CheckError(msg)
    manifest = folder / "post.json"
    try:
        data = json.loads(manifest.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        msg = f"{folder} has no post.json; pass a folder made by postkit carousel"
        raise CheckError(msg) from None
    except OSError as exc:
        msg = f"cannot read {manifest} ({exc.strerror or exc}); check its permissions"
        raise CheckError(msg) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"{manifest} is not valid JSON ({exc}); {_REMAKE.format(folder=folder)}"
        raise CheckError(msg) from exc
    slides = data.get("slides") if isinstance(data, dict) else None
    if not isinstance(slides, list) or not slides or not all(isinstance(s, dict) for s in slides):
        msg = f"{manifest} lists no slides; {_REMAKE.format(folder=folder)}"
        raise CheckError(msg)
    for slide in slides:
        name = slide.get("file")
        if not isinstance(name, str) or not _SLIDE_FILE.fullmatch(name):
            msg = f"{manifest} names slide file {name!r}, not a slide name like 01.jpg; {_REMAKE.format(folder=folder)}"
            raise CheckError(msg)
        if not (folder / name).is_file():
            msg = f"{folder / name} is missing; {_REMAKE.format(folder=folder)}"
            raise CheckError(msg)
    size = data.get("size")
    if not (
        isinstance(size, list)
        and len(size) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in size)
    ):
        msg = f"{manifest} has size {size!r}, not [width, height] in pixels; {_REMAKE.format(folder=folder)}"
        raise CheckError(msg)
    return data


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
    env = html_environment()
    script = env.get_template(SCRIPT).render()
    # Only this exact script may run: injected markup could not execute even if escaping failed.
    script_hash = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return env.get_template(TEMPLATE).render(
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
    from postkit.compose import contact_sheet

    try:
        sheet = contact_sheet([str(folder / name) for name in names])
    except (OSError, ValueError, SyntaxError) as exc:  # what Pillow raises for a damaged or truncated file
        msg = f"cannot read the slides of {folder} for {CONTACT_FILE} ({exc}); {_REMAKE.format(folder=folder)}"
        raise CheckError(msg) from exc
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG", optimize=True)  # no metadata: same slides give same bytes
    return buffer.getvalue()


def _caption(folder: Path, post: dict[str, Any]) -> str:
    # Instagram gets caption.txt, so that is what the page shows; post.json's copy is the fallback.
    try:
        return (folder / "caption.txt").read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        caption = post.get("caption")
        return caption if isinstance(caption, str) else ""


def _replace(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``folder/name`` through a hidden temporary file, so a reader never sees half a file."""
    path = safe_join(folder, name)
    tmp = None
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{name}.", suffix=".tmp", delete=False) as f:
            tmp = Path(f.name)
            f.write(data)
        tmp.chmod(0o644)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        msg = f"cannot write {path} ({exc.strerror or exc}); check the folder's permissions and free space"
        raise OutputError(msg) from exc
    return path


@dataclass(frozen=True)
class WatchTarget:
    """What re-making a post needs: its article, illustration and theme, and its own settings."""

    article: Path
    image: Path | None
    theme_dir: Path
    settings: dict[str, Any]

    def files(self) -> list[Path]:
        """List every watched file (the theme folder's files included), sorted."""
        theme_files = sorted(p for p in self.theme_dir.rglob("*") if p.is_file())
        return [self.article, *([self.image] if self.image else []), *theme_files]


def watch_target(post_dir: str | os.PathLike[str], article: str | os.PathLike[str] | None = None) -> WatchTarget:
    """Find what the post in ``post_dir`` was made from: its article (post.json's, unless given), image and theme."""
    from postkit.article import read_article
    from postkit.config import Settings
    from postkit.themes import find_theme

    folder = Path(post_dir)
    post = load_post(folder)
    source = post.get("source") if isinstance(post.get("source"), dict) else {}
    if article is not None:
        article_path = Path(article)
    elif isinstance(source.get("path"), str):
        article_path = folder / source["path"]
    else:
        msg = f"{folder}/post.json does not say where its article is; pass --article PATH to watch it"
        raise CheckError(msg)
    if not article_path.is_file():
        msg = f"cannot find {article_path}, the article of {folder}; pass --article PATH to watch it"
        raise CheckError(msg)
    parsed = read_article(article_path)

    image = None
    recorded = post.get("image")
    if isinstance(recorded, dict) and isinstance(recorded.get("file"), str):
        name = recorded["file"]
        candidates = [p for p in (parsed.image, article_path.parent / name) if p is not None and p.name == name]
        image = next((p for p in candidates if p.is_file()), None)
        if image is None:
            msg = (
                f"cannot find {name}, the illustration of {folder}, beside {article_path}; "
                "put it there to watch it, or preview without --watch"
            )
            raise CheckError(msg)
    theme_dir = find_theme(str(post.get("theme") or "classic"))
    count = len(post["slides"])
    settings = {
        "handle": post.get("handle"),
        "format": post.get("format"),
        # Not recorded in post.json: a post with more slides than the default allows was allowed at least as many.
        "max_slides": count if count > Settings().max_slides else None,
    }
    return WatchTarget(article=article_path, image=image, theme_dir=theme_dir, settings=settings)


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
    ) -> None:
        self.folder = Path(post_dir)
        self.interval = interval
        self.target = watch_target(self.folder, article) if watch else None
        # Taken now, before anything is served: a change from here on is caught however soon it comes.
        self._seen = _stamps(self.target.files()) if self.target is not None else {}
        write_preview(self.folder)
        self.version = 0
        self.error: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        handler = partial(_Handler, directory=str(self.folder), server_state=self)
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
        from postkit.pipeline import make_post

        target = self.target
        if target is None:
            return
        try:
            make_post(
                target.article,
                image=target.image,
                theme=str(target.theme_dir),
                out=self.folder,
                force=True,
                **target.settings,
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


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serve the post folder's files; the page itself is rendered live, and the state endpoint answers polls."""

    def __init__(self, *args: Any, server_state: PreviewServer, **kwargs: Any) -> None:
        self.server_state = server_state
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == STATE_PATH:
            self._send(json.dumps(self.server_state.state()).encode("utf-8"), "application/json")
        elif path in ("/", f"/{PREVIEW_FILE}"):
            try:
                body = render_preview(self.server_state.folder, live=True).encode("utf-8")
            except PostkitError as exc:
                self.send_error(500, explain=str(exc))
                return
            self._send(body, "text/html; charset=utf-8")
        else:
            super().do_GET()

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        # Re-made files keep their names: never let the browser show a stale slide.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


def serve(
    post_dir: str | os.PathLike[str],
    *,
    port: int = 0,
    watch: bool = False,
    article: str | os.PathLike[str] | None = None,
    open_browser: bool = False,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Write the preview, then serve the post folder on 127.0.0.1 until Ctrl-C.

    :param ready: called with the page's URL once the server listens.
    :param watch: re-make the post and reload the page when its article, image or theme changes.
    """
    with PreviewServer(post_dir, port=port, watch=watch, article=article) as server:
        if ready is not None:
            ready(server.url)
        if open_browser:
            webbrowser.open(server.url)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how serving ends
            server.serve_forever()
