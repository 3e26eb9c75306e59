"""Export a post for other networks: beside it, one folder per network holding what that network takes.

Each folder (``NAME.bluesky/``, ``NAME.linkedin/``, ...) holds the images (``01.jpg`` ...), LinkedIn's PDF
document, and ``manifest.json``: the posts in publishing order, each with its text, images and alt texts
(the format is in docs/export.md). A network that takes fewer images than the post has gets a thread: the
cover and the first slides in the first post, the rest in numbered replies, split between slides. Texts are
the post's own caption and slide texts, shortened at sentence ends to each network's limit as that network
counts, with the account's handle as that network writes it and hashtags as it advises.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postkit import __version__
from postkit.errors import PostkitError
from postkit.i18n import format_message, translations
from postkit.limits import NETWORKS, TIKTOK_TITLE_MAX, NetworkLimits
from postkit.networks import shorten_to, text_length, thread_posts

if TYPE_CHECKING:
    from postkit.pipeline import RenderedPost

log = logging.getLogger("postkit")

MANIFEST = "manifest.json"
DOCUMENT = "document.pdf"
NETWORK_NAMES = tuple(NETWORKS)
_SEPARATOR = "\n\n"  # between a post's paragraphs
# The lowest JPEG quality tried to bring an image under a network's byte limit (postkit's own is 92).
_QUALITIES = (88, 84, 80, 76, 72, 68, 64, 60)
# How a sentence ends, closing quotes and brackets included, in the scripts postkit writes.
_ENDS_SENTENCE = re.compile(r"[.!?…。！？؟։।][\"'”’»)\]」』）]*$")
_FONT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\.(?:ttf|otf|ttc|otc)(?:#\d{1,3})?", re.IGNORECASE)


class ExportError(PostkitError):
    """A post cannot be exported: a bad --for list, a handle in the wrong form, a post that is not whole."""


# How each network's accounts are named, and how a handle is given for it (without the leading '@').
_HANDLE_FORMS: dict[str, tuple[re.Pattern[str], str]] = {
    "threads": (re.compile(r"[A-Za-z0-9._]{1,30}"), "a Threads (Instagram) username, e.g. name"),
    "bluesky": (
        re.compile(r"(?=.{3,253}\Z)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,61}"),
        "a Bluesky handle, e.g. name.bsky.social",
    ),
    "mastodon": (
        re.compile(r"[A-Za-z0-9_]{1,30}@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"),
        "a Mastodon address, e.g. name@mastodon.social",
    ),
    "x": (re.compile(r"[A-Za-z0-9_]{1,15}"), "an X username (letters, digits, '_'; up to 15), e.g. name"),
    "linkedin": (re.compile(r"[A-Za-z0-9-]{3,100}"), "a LinkedIn page's public name, e.g. name"),
    "facebook": (re.compile(r"[A-Za-z0-9.]{5,50}"), "a Facebook Page's username, e.g. name"),
    "tiktok": (re.compile(r"[A-Za-z0-9_.]{2,24}"), "a TikTok username, e.g. name"),
}
# Threads accounts are Instagram accounts: the post's handle is the Threads handle unless one is given.
_SAME_AS_INSTAGRAM = frozenset({"threads"})
# Posts published on the account's own page, where "follow @name" says nothing: the line goes without a handle.
_OWN_PAGE = frozenset({"linkedin", "facebook"})


def parse_networks(value: str | Iterable[str]) -> tuple[str, ...]:
    """Read a --for list ("bluesky,x", or "all") into network names, in postkit's order, each once."""
    items = value.split(",") if isinstance(value, str) else [part for v in value for part in v.split(",")]
    names = [item.strip().lower() for item in items if item.strip()]
    if not names:
        msg = f"name the networks to export for: {', '.join(NETWORK_NAMES)}, or all"
        raise ExportError(msg)
    if "all" in names:
        return NETWORK_NAMES
    unknown = [name for name in names if name not in NETWORKS]
    if unknown:
        msg = f"unknown network {', '.join(repr(n) for n in unknown)}; choose from {', '.join(NETWORK_NAMES)}, or all"
        raise ExportError(msg)
    return tuple(name for name in NETWORK_NAMES if name in names)


def check_handles(handles: Mapping[str, Any], where: str) -> dict[str, str]:
    """Check each network's handle (``{"bluesky": "name.bsky.social"}``); raise one ExportError naming ``where``."""
    checked: dict[str, str] = {}
    errors = []
    for network, value in handles.items():
        if network not in _HANDLE_FORMS:
            errors.append(f"unknown network '{network}' (use {', '.join(NETWORK_NAMES)})")
            continue
        pattern, form = _HANDLE_FORMS[network]
        text = value.strip() if isinstance(value, str) else ""
        text = text[1:] if text.startswith("@") else text
        if not pattern.fullmatch(text):
            errors.append(f"the {NETWORKS[network].name} handle must be {form}, not {value!r}")
            continue
        checked[network] = text
    if errors:
        raise ExportError(f"{where}: " + "; ".join(errors))
    return checked


def parse_handle_flags(values: Iterable[str]) -> dict[str, str]:
    """Read --network-handle NETWORK=NAME flags into checked handles."""
    pairs: dict[str, str] = {}
    for value in values:
        network, sep, name = value.partition("=")
        if not sep:
            msg = f"--network-handle takes NETWORK=NAME, e.g. bluesky=name.bsky.social, not {value!r}"
            raise ExportError(msg)
        pairs[network.strip().lower()] = name
    return check_handles(pairs, "--network-handle")


# postkit's own hashtags (postkit.i18n: each language's "on this day" and "history") as several words in
# one, capitalised for screen readers. A tag someone wrote is kept as written: "nasa" is not "Nasa".
_CAMEL_CASE = {
    "onthisday": "OnThisDay",
    "history": "History",
    "вэтотдень": "ВЭтотДень",
    "история": "История",
    "цейденьвісторії": "ЦейДеньВІсторії",
    "історія": "Історія",
    "andiesemtag": "AnDiesemTag",
    "geschichte": "Geschichte",
    "cejourlà": "CeJourLà",
    "histoire": "Histoire",
    "undíacomohoy": "UnDíaComoHoy",
    "historia": "Historia",
    "accaddeoggi": "AccaddeOggi",
    "storia": "Storia",
    "hojenahistória": "HojeNaHistória",
    "história": "História",
    "σανσήμερα": "ΣανΣήμερα",
    "ιστορία": "Ιστορία",
}


def camel_case_tag(tag: str) -> str:
    """Return postkit's own hashtag ``tag`` capitalised so that screen readers read its words ("OnThisDay").

    Other tags are returned as written: their words cannot be told apart reliably ("coldwar").
    """
    return _CAMEL_CASE.get(tag, tag)


def network_hashtags(tags: Sequence[str], network: str) -> tuple[str, ...]:
    """Return the hashtags ``network`` gets: capitalised, each once, as many as its guidance advises."""
    seen: dict[str, str] = {}
    for tag in tags:
        camel = camel_case_tag(tag)
        seen.setdefault(camel.casefold(), camel)
    most = NETWORKS[network].hashtags
    kept = list(seen.values())
    return tuple(kept[:most] if most is not None else kept)


@dataclass(frozen=True)
class Slide:
    """One of the post's slides as an export takes it."""

    file: str
    kind: str  # cover, text or closing
    text: str
    alt: str
    data: bytes  # the JPEG file
    size: tuple[int, int]
    text_boxes: tuple[tuple[int, int, int, int], ...] = ()


@dataclass(frozen=True)
class ExportImage:
    """One image of one network's post."""

    file: str
    slide: int  # the post's slide it shows, from 1
    alt: str | None
    data: bytes
    size: tuple[int, int]


@dataclass(frozen=True)
class ExportPost:
    """One post of a network's thread (or its only post)."""

    text: str
    images: tuple[ExportImage, ...]
    title: str | None = None  # TikTok's title


@dataclass(frozen=True)
class NetworkExport:
    """What is exported for one network: its posts in order, and LinkedIn's document."""

    network: str
    posts: tuple[ExportPost, ...]
    document: bytes | None = None
    warnings: tuple[str, ...] = ()

    def manifest(self, post: PostSource) -> dict[str, Any]:
        """Return manifest.json's data (see docs/export.md)."""
        limits = NETWORKS[self.network]
        return {
            "generator": f"postkit {__version__}",
            "network": self.network,
            "post": post.name,
            "title": post.title,
            "date": post.date,
            "lang": post.lang,
            "limits": _limits_record(limits),
            "document": _document_record(self, post),
            "posts": [_post_record(p, limits) for p in self.posts],
        }


@dataclass(frozen=True)
class PostSource:
    """A post folder as read for export: its slides, caption and the facts post.json records."""

    folder: Path
    name: str
    title: str
    date: str | None
    lang: str | None
    handle: str | None
    hashtags: tuple[str, ...]
    caption: str
    format: str
    slides: tuple[Slide, ...]
    body_fonts: tuple[str, ...] = ()
    source_sha256: str | None = None  # the article's hash as post.json records it


@dataclass(frozen=True)
class Exported:
    """A network's folder, written."""

    network: str
    folder: Path
    posts: int
    images: int
    warnings: tuple[str, ...] = ()


def read_post(post_dir: str | os.PathLike[str]) -> PostSource:
    """Read a post folder made by postkit carousel for export; raise ExportError if it is not whole.

    The folder is untrusted: it must pass ``postkit check`` without errors first.
    """
    from postkit.check import ERROR, check_post
    from postkit.errors import CheckError
    from postkit.preview import load_post
    from postkit.safeio import read_inside

    folder = Path(post_dir)
    errors = [v for v in check_post(folder) if v.level == ERROR]
    if errors:
        first = errors[0]
        where = folder if first.file == "." else folder / first.file
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        msg = f"{where}: {first.message}{more}; postkit exports only a whole post (see postkit check {folder})"
        raise ExportError(msg)
    try:
        data = load_post(folder)
    except CheckError as exc:
        raise ExportError(str(exc)) from None
    size = (int(data["size"][0]), int(data["size"][1]))
    slides = []
    for record in data["slides"]:
        name = record["file"]
        slides.append(
            Slide(
                file=name,
                kind=_text_field(record, "kind") or "text",
                text=_text_field(record, "text"),
                alt=_text_field(record, "alt"),
                data=read_inside(folder, name, 64 * 1024 * 1024),
                size=size,
                text_boxes=_boxes(record.get("text_boxes")),
            )
        )
    caption = read_inside(folder, "caption.txt", 64 * 1024).decode("utf-8", "replace")
    layout = _typed(data, "layout", dict)
    fonts = _typed(layout, "body_fonts", list)
    hashtags = _typed(data, "hashtags", list)
    return PostSource(
        folder=folder,
        name=Path(os.path.abspath(folder)).name,
        title=_text_field(data, "title") or Path(os.path.abspath(folder)).name,
        date=_text_field(data, "date") or None,
        lang=_text_field(data, "lang") or None,
        handle=_text_field(data, "handle") or None,
        hashtags=tuple(t for t in hashtags if isinstance(t, str) and t),
        caption=caption,
        format=_text_field(data, "format") or "portrait",
        slides=tuple(slides),
        body_fonts=tuple(f for f in fonts if isinstance(f, str)),
        source_sha256=_text_field(_typed(data, "source", dict), "sha256") or None,
    )


def _typed(record: Mapping[str, Any], key: str, kind: type[Any]) -> Any:
    value = record.get(key)
    return value if isinstance(value, kind) else kind()


def _text_field(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    return value if isinstance(value, str) else ""


def _boxes(value: Any) -> tuple[tuple[int, int, int, int], ...]:
    if not isinstance(value, list):
        return ()
    boxes = []
    for box in value:
        if isinstance(box, list) and len(box) == 4 and all(isinstance(v, int) and not isinstance(v, bool) for v in box):
            boxes.append((box[0], box[1], box[2], box[3]))
    return tuple(boxes)


def export_folder(post_dir: str | os.PathLike[str], network: str, out: str | os.PathLike[str] | None = None) -> Path:
    """Return where ``network``'s folder for the post in ``post_dir`` goes: NAME.network beside it, or in ``out``."""
    name = Path(os.path.abspath(post_dir)).name
    parent = Path(out) if out is not None else Path(post_dir).parent
    return parent / f"{name}.{network}"


def export_post(
    post_dir: str | os.PathLike[str],
    networks: str | Iterable[str] = "all",
    *,
    handles: Mapping[str, str] | None = None,
    article: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    force: bool = False,
    story_cards: Callable[[], Sequence[Slide]] | None = None,
    parallel: bool = False,
) -> list[Exported]:
    """Export the post in ``post_dir`` for ``networks`` (names, or "all"); return the folders written.

    :param handles: the account's handle on each network (``{"bluesky": "name.bsky.social"}``); Threads
        takes the post's own handle unless given.
    :param article: the post's article, for TikTok's story-shaped set (else the one post.json records).
    :param out: the folder to write the network folders in (default: beside the post).
    :param force: replace network folders that exist.
    :param story_cards: makes TikTok's story-format slides (default: from the post's article).
    :param parallel: make LinkedIn's PDF in a forked process while TikTok's cards are drawn (POSIX). The
        command line asks for it; a library caller may run threads that a fork would copy mid-work.
    """
    from postkit.output import PostWriter

    names = parse_networks(networks)
    handles = check_handles(handles or {}, "handles")
    post = read_post(post_dir)
    targets = {network: export_folder(post_dir, network, out) for network in names}
    for target in targets.values():
        PostWriter(target, force=force, own_file=MANIFEST, kind="export").check()
    # Everything is made in memory first: a failure leaves no network's folder half-written.
    exports: dict[str, NetworkExport] = {}
    with _Helper(parallel and "linkedin" in names and "tiktok" in names) as helper:
        # TikTok's story cards and LinkedIn's PDF are each about half the work: on a second core, the
        # PDF is made by a forked process while this one draws the cards.
        document = helper.submit(plan_network, post, "linkedin", handles.get("linkedin"), post.slides)
        for network in names:
            if network == "linkedin":
                continue
            slides = post.slides
            if network == "tiktok" and post.format != "story":
                slides = tuple(story_cards()) if story_cards is not None else story_slides(post, article)
            exports[network] = plan_network(post, network, handles.get(network), slides)
        if "linkedin" in names:
            exports["linkedin"] = document()
    written = []
    for export in (exports[network] for network in names):
        folder = write_export(export, post, targets[export.network], force=force)
        images = sum(len(p.images) for p in export.posts)
        written.append(Exported(export.network, folder, len(export.posts), images, export.warnings))
        for warning in export.warnings:  # also in the result: a batch's workers send them back in it
            log.warning("%s: %s", post.name, warning)
    return written


class _Helper:
    """Run one call in a forked process when asked and possible, else in this one when its result is wanted."""

    def __init__(self, wanted: bool) -> None:
        self.pool: ProcessPoolExecutor | None = None
        if wanted and "fork" in multiprocessing.get_all_start_methods():
            try:
                self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
            except (OSError, ValueError):  # no process to spare: the work is done here instead
                self.pool = None

    def __enter__(self) -> _Helper:
        return self

    def submit(self, function: Callable[..., NetworkExport], *args: Any) -> Callable[[], NetworkExport]:
        """Start ``function(*args)``; return what gives its result (raising what it raised)."""
        if self.pool is None:
            return partial(function, *args)
        future: Future[NetworkExport] = self.pool.submit(function, *args)
        return future.result

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def plan_network(post: PostSource, network: str, handle: str | None, slides: Sequence[Slide]) -> NetworkExport:
    """Make one network's posts in memory: texts, images within its limits, alt texts, LinkedIn's document."""
    limits = NETWORKS[network]
    warnings: list[str] = []
    if handle is None and network in _SAME_AS_INSTAGRAM:
        handle = post.handle
    paragraphs = _caption_paragraphs(post, slides)
    follow = _follow_line(post, network, handle, paragraphs, warnings)
    tags = network_hashtags(post.hashtags, network)
    tag_line = " ".join(f"#{tag}" for tag in tags)
    body = [p for p in paragraphs if not _is_tag_line(p) and not _mentions(p, post.handle)]
    groups = thread_posts(len(slides), network)
    images = [_image(slide, number, limits, post, handle) for number, slide in enumerate(slides, start=1)]
    posts = []
    for index, (start, end) in enumerate(groups):
        marker = _thread_marker(index + 1, len(groups), post.lang) if len(groups) > 1 else ""
        closing = any(s.kind == "closing" for s in slides[start:end])
        # The caption's hook and lead are shortened to fit; the credit after them (the illustration's
        # attribution) is kept whole, with the closing slide in a thread.
        credit = body[2:]
        if len(groups) == 1:
            parts, tail = body[:2], [*credit, follow, tag_line]
        elif index == 0:
            parts, tail = body[:2], [tag_line, marker]
        else:
            texts = [s.text for s in slides[start:end] if s.kind == "text"]
            continued = slides[start - 1].kind == "text" and not _ENDS_SENTENCE.search(slides[start - 1].text.strip())
            parts = _slide_paragraphs(texts, post.lang, continued)
            tail = [*credit, follow, marker] if closing else [marker]
        text = fit_text(parts, [t for t in tail if t], limits, post.lang)
        posts.append(ExportPost(text, tuple(images[start:end])))
    if network == "tiktok":
        hook = paragraphs[0] if paragraphs else post.title
        title = shorten_to(hook, TIKTOK_TITLE_MAX, "utf16", post.lang)
        posts[0] = ExportPost(posts[0].text, posts[0].images, title)
    document = _document(post, slides, handle) if network == "linkedin" else None
    return NetworkExport(network, tuple(posts), document, tuple(warnings))


def _caption_paragraphs(post: PostSource, slides: Sequence[Slide]) -> list[str]:
    """Return the caption's paragraphs, a lead that Instagram's caption cut with "…" made whole again.

    The caption's lead holds the article's first sentences, cut short for Instagram; the slides hold
    them whole, and other networks have room for whole sentences.
    """
    paragraphs = [p for p in (p.strip() for p in post.caption.split(_SEPARATOR)) if p]
    texts = _slide_paragraphs([s.text for s in slides if s.kind == "text"], post.lang)
    for index, paragraph in enumerate(paragraphs):
        if not paragraph.endswith("…"):
            continue
        start = " ".join(paragraph[:-1].split())
        whole = next((t for t in texts if " ".join(t.split()).startswith(start)), None)
        if whole is not None and start:
            paragraphs[index] = whole
    return paragraphs


def _slide_paragraphs(texts: Sequence[str], lang: str | None, continued: bool = False) -> list[str]:
    """Return the paragraphs of consecutive slides' texts; a sentence cut between two slides is one again.

    ``continued``: the first slide goes on with a sentence the slide before it began, which is left out.
    """
    from postkit.i18n import sentence_separator
    from postkit.slicing import sentence_spans

    paragraphs: list[str] = []
    for text in texts:
        pieces = [p.strip() for p in text.split(_SEPARATOR) if p.strip()]
        if pieces and paragraphs and not _ENDS_SENTENCE.search(paragraphs[-1]):
            paragraphs[-1] += sentence_separator(lang) + pieces.pop(0)
        paragraphs += pieces
    if continued and paragraphs:
        spans = sentence_spans(paragraphs[0], lang)
        if len(spans) > 1:
            paragraphs[0] = paragraphs[0][spans[1][0] :]
        else:
            paragraphs.pop(0)
    return paragraphs


def _follow_line(
    post: PostSource, network: str, handle: str | None, paragraphs: Sequence[str], warnings: list[str]
) -> str:
    """Return the caption's follow line written for ``network``'s handle ("" to leave it out)."""
    follow = next((p for p in paragraphs if _mentions(p, post.handle)), "")
    if handle is None:
        if follow and network not in _OWN_PAGE:
            form = _HANDLE_FORMS[network][1]
            warnings.append(
                f"no {NETWORKS[network].name} handle given, so the line naming @{post.handle} was left out; "
                f"give one with --network-handle {network}=NAME ({form}), or for a batch in postkit.toml's [handles]"
            )
        return ""
    if follow and post.handle:
        return _mention_pattern(post.handle).sub(lambda _: "@" + handle, follow)
    # The caption names no account (the post has no handle): the network's gets postkit's own line.
    pattern = translations(post.lang).gettext("Follow @{handle} for more.")
    return format_message(post.lang, "Follow @{handle} for more.", pattern, handle=handle)


def _network_alt(alt: str, post: PostSource, handle: str | None) -> str:
    """Return alt text naming the network's account where it named the Instagram one (or not at all)."""
    from postkit.slicing import sentence_spans

    if not post.handle or not _mentions(alt, post.handle):
        return alt
    if handle is not None:
        return _mention_pattern(post.handle).sub(lambda _: "@" + handle, alt)
    kept = [alt[a:b] for a, b in sentence_spans(alt, post.lang) if not _mentions(alt[a:b], post.handle)]
    return " ".join(k.strip() for k in kept if k.strip())


def _mention_pattern(handle: str) -> re.Pattern[str]:
    # "@name" but not "@name_x" or "@name.other" (a longer handle) nor an e-mail address.
    return re.compile(rf"(?<![\w@])@{re.escape(handle)}(?![\w]|\.\w)")


def _mentions(paragraph: str, handle: str | None) -> bool:
    return bool(handle) and bool(_mention_pattern(handle or "").search(paragraph))


def _is_tag_line(paragraph: str) -> bool:
    words = paragraph.split()
    return bool(words) and all(word.startswith("#") for word in words)


def _thread_marker(number: int, total: int, lang: str | None) -> str:
    # TRANSLATORS: numbers a thread's posts ("1/3"): the post's number, then how many there are.
    pattern = translations(lang).gettext("{number}/{total}")
    return format_message(lang, "{number}/{total}", pattern, number=number, total=total)


def fit_text(parts: Sequence[str], tail: Sequence[str], limits: NetworkLimits, lang: str | None) -> str:
    """Join ``parts`` then ``tail`` as paragraphs within ``limits``' text limit, as the network counts.

    ``tail`` (credit, follow line, hashtags, a thread's number) is kept whole; ``parts`` are taken in
    order while they fit, the first that does not is shortened at a sentence end (between words, with
    "…", only if no sentence fits and a third of the limit would be left empty), and the rest are left
    out.
    """
    tail_text = _SEPARATOR.join(tail)
    suffix = _SEPARATOR + tail_text if tail_text else ""

    def fits(text: str) -> bool:
        return text_length(text, limits.counting) <= limits.text

    kept: list[str] = []
    for part in parts:
        if fits(_SEPARATOR.join([*kept, part]) + suffix):
            kept.append(part)
            continue
        prefix = _SEPARATOR.join(kept) + _SEPARATOR if kept else ""
        # Cut between words only where no whole sentence fits and a third of the post is free: a
        # sentence's start with "…" in a corner says less than nothing.
        room = limits.text - text_length(prefix + suffix, limits.counting)
        words = room >= limits.text // 3
        short = shorten_to(part, limits.text, limits.counting, lang, prefix=prefix, suffix=suffix, words=words)
        if short:
            kept.append(short)
        break
    text = _SEPARATOR.join([*kept, *([tail_text] if tail_text else [])]) if kept else tail_text
    if not fits(text):  # the tail alone is too long (a long handle and many tags on a short network)
        text = shorten_to(text, limits.text, limits.counting, lang)
    return text


def _image(slide: Slide, number: int, limits: NetworkLimits, post: PostSource, handle: str | None) -> ExportImage:
    alt: str | None = None
    if limits.alt_text:
        alt = _network_alt(slide.alt.strip(), post, handle) or slide.text.strip() or post.title
        if limits.alt_chars is not None:
            alt = shorten_to(alt, limits.alt_chars, limits.counting, post.lang)
    data = slide.data
    if limits.image_bytes is not None and len(data) > limits.image_bytes:
        data = reencode_within(data, limits.image_bytes, slide.file)
    return ExportImage(f"{number:02d}.jpg", number, alt, data, slide.size)


def reencode_within(data: bytes, most: int, name: str) -> bytes:
    """Re-encode a JPEG at the highest quality that makes it at most ``most`` bytes (same size and colours)."""
    from PIL import Image

    from postkit.output import encode_jpeg

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        for quality in _QUALITIES:
            smaller = encode_jpeg(image, quality=quality)
            if len(smaller) <= most:
                return smaller
    msg = f"{name} is still more than {most:,} bytes at JPEG quality {_QUALITIES[-1]}; use a simpler illustration"
    raise ExportError(msg)


def remake_source(post: PostSource, article: str | os.PathLike[str] | None, what: str) -> tuple[Any, Any]:
    """Find what the post was made from, to make it again in another shape (TikTok's cards, a Reel).

    Return the WatchTarget (article, picture, theme, settings) and the parsed article. ``what`` starts
    the error message ("TikTok's slides"). The article must be the one the post was made from.
    """
    from postkit.article import read_article
    from postkit.errors import ArticleError, CheckError
    from postkit.pipeline import article_sha256
    from postkit.preview import watch_target

    try:
        target = watch_target(post.folder, article)
        made_from = read_article(target.article)
    except (CheckError, ArticleError) as exc:
        # The reasons preview --watch gives, said for this command.
        reason = (
            str(exc)
            .replace(" (and --theme-dir DIR)", "")
            .replace(" to watch it", "")
            .replace("preview without --watch", "leave it out")
        )
        msg = f"{what} is made again from the post's article: {reason}"
        raise ExportError(msg) from None
    if post.source_sha256 and article_sha256(made_from) != post.source_sha256:
        msg = (
            f"{what} is made again from the post's article, but {target.article} is not the article "
            f"{post.name} was made from (it changed since, or is another); make the post again, or pass its "
            "article with --article"
        )
        raise ExportError(msg)
    return target, made_from


def story_slides(post: PostSource, article: str | os.PathLike[str] | None = None) -> tuple[Slide, ...]:
    """Make the post again in the story format (1080x1920), from its article, for TikTok's photo mode."""
    from postkit.pipeline import render_cards

    target, made_from = remake_source(post, article, "TikTok's set of story-shaped slides")
    options = {"format": "story", "image": target.image, "theme": str(target.theme_dir)}
    return rendered_slides(render_cards(made_from, target.settings, options, target.library, target.caption_vars))


def rendered_slides(rendered: RenderedPost) -> tuple[Slide, ...]:
    """Return a post made in memory (pipeline.render_cards) as slides to export, each encoded as postkit saves it."""
    from postkit.output import encode_jpeg

    kinds = ["cover", *(["text"] * (len(rendered.images) - 2)), "closing"]
    return tuple(
        Slide(f"{n:02d}.jpg", kind, text, alt, encode_jpeg(image), (image.width, image.height))
        for n, (kind, text, alt, image) in enumerate(
            zip(kinds, rendered.texts, rendered.alts, rendered.images, strict=True), start=1
        )
    )


def _document(post: PostSource, slides: Sequence[Slide], handle: str | None) -> bytes:
    from postkit.document import Page, document_pdf
    from postkit.fonts import FontFile
    from postkit.resources import data_dir

    fonts: list[FontFile] = []
    bundled = {path.name: path for path in sorted(data_dir("fonts").rglob("*")) if path.is_file()}
    for name in post.body_fonts:
        # post.json is untrusted: a font is named by a bundled font's file name, never a path. A font the
        # post found elsewhere (a theme's, a font folder's, an installed one) is left to the document's
        # own fallbacks (bundled and installed fonts).
        if _FONT_NAME.fullmatch(name) and name in bundled:
            fonts.append(FontFile(bundled[name]))
    pages = [Page(s.data, s.size, s.text, s.text_boxes, s.alt) for s in slides]
    author = f"@{handle}" if handle else (f"@{post.handle}" if post.handle else None)
    return document_pdf(pages, title=post.title, author=author, lang=post.lang, subject=_hook(post), font_files=fonts)


def _hook(post: PostSource) -> str:
    first = post.caption.strip().split(_SEPARATOR, 1)[0].strip()
    return first or post.title


def _limits_record(limits: NetworkLimits) -> dict[str, Any]:
    return {
        "images": limits.images,
        "min_images": limits.min_images,
        "image_bytes": limits.image_bytes,
        "alt_chars": limits.alt_chars,
        "alt_required": limits.alt_required,
        "alt_text": limits.alt_text,
        "text": limits.text,
        "counting": limits.counting,
        "source": limits.source,
    }


def _document_record(export: NetworkExport, post: PostSource) -> dict[str, Any] | None:
    if export.document is None:
        return None
    return {
        "file": DOCUMENT,
        "pages": sum(len(p.images) for p in export.posts),
        "title": post.title,
        "lang": post.lang,
        "bytes": len(export.document),
    }


def _post_record(post: ExportPost, limits: NetworkLimits) -> dict[str, Any]:
    record: dict[str, Any] = {
        "text": post.text,
        "length": text_length(post.text, limits.counting),
        "images": [
            {
                "file": image.file,
                "slide": image.slide,
                "alt": image.alt,
                "width": image.size[0],
                "height": image.size[1],
                "bytes": len(image.data),
            }
            for image in post.images
        ],
    }
    if post.title is not None:
        record["title"] = post.title
    return record


def write_export(export: NetworkExport, post: PostSource, target: Path, *, force: bool = False) -> Path:
    """Write one network's folder whole (staged, then renamed into place); return it."""
    from postkit.output import PostWriter

    with PostWriter(target, force=force, own_file=MANIFEST, kind="export") as writer:
        for item in export.posts:
            for image in item.images:
                writer.write_bytes(image.file, image.data)
        if export.document is not None:
            writer.write_bytes(DOCUMENT, export.document)
        writer.write_json(MANIFEST, export.manifest(post))
        return writer.commit()


# ---------------------------------------------------------------------------------------------
# A batch's schedule.csv: one row per post of each network, for bulk-scheduling tools

SCHEDULE_FILE = "schedule.csv"
SCHEDULE_COLUMNS = ("date", "network", "post", "part", "of", "text", "media", "alt_texts")
SCHEDULE_MARKERS = (",".join(SCHEDULE_COLUMNS).encode("ascii"),)
# A spreadsheet runs a cell that starts like a formula; an article's text must never be one (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def check_base_url(url: str) -> str:
    """Check --base-url: an http(s) address the out folder is published at; return it without a trailing '/'."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        msg = (
            "--base-url must be the http(s) address the out folder is published at, "
            f"e.g. https://example.org/posts, not {url!r}"
        )
        raise ExportError(msg)
    return url.strip().rstrip("/")


def schedule_rows(out: Path, posts: Iterable[tuple[str, Sequence[Path]]], base_url: str | None) -> list[list[str]]:
    """Return schedule.csv's rows: for each (date, export folders) in order, each network's posts in order."""
    import json
    from urllib.parse import quote

    from postkit.safeio import read_inside

    rows = []
    for date, folders in posts:
        for folder in folders:
            manifest = json.loads(read_inside(folder, MANIFEST, 16 * 1024 * 1024))
            where = Path(os.path.relpath(folder, out)).as_posix()
            items = manifest["posts"]
            for part, item in enumerate(items, start=1):
                files = [f"{where}/{image['file']}" for image in item["images"]]
                media = [f"{base_url}/{quote(f)}" for f in files] if base_url else files
                alts = [image["alt"] or "" for image in item["images"]]
                alts = alts if any(alts) else []  # a network without alt text (TikTok): an empty cell
                row = [date, manifest["network"], Path(where).stem, str(part), str(len(items))]
                row += [item["text"], ",".join(media), "||".join(alts)]
                rows.append([_cell(value) for value in row])
    return rows


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_schedule(out: Path, outcomes: Iterable[Any], base_url: str | None, *, force: bool = False) -> Path:
    """Write ``out/schedule.csv`` for a batch's outcomes (those with exports, by anniversary); return it."""
    import csv

    from postkit.output import write_generated

    posts = [
        (o.anniversary.isoformat() if o.anniversary else "", o.exports)
        for o in outcomes
        if getattr(o, "exports", ()) and o.folder is not None
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SCHEDULE_COLUMNS)
    writer.writerows(schedule_rows(out, posts, base_url))
    return write_generated(
        out / SCHEDULE_FILE, buffer.getvalue().encode("utf-8"), markers=SCHEDULE_MARKERS, force=force
    )
