"""Check an export folder (one network's images, manifest.json and LinkedIn's document.pdf) against that network.

The folder is untrusted, as a post folder is (see postkit.check): every figure is measured from the
files themselves. manifest.json's records ("length", "bytes", "width", "pages", "limits") are not
believed, and the limits are postkit's own (limits.NETWORKS), looked up by the manifest's "network".
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image, UnidentifiedImageError

from postkit.check import (
    _IMAGE_SUFFIXES,
    _JPEG_EOI,
    ERROR,
    WARNING,
    Violation,
    _short,
    _tail,
    image_header,
    read_manifest,
    show_value,
)
from postkit.illustration import BOMB_PIXELS, DECODE_ERRORS
from postkit.limits import (
    LINKEDIN_DOCUMENT_MAX_BYTES,
    LINKEDIN_DOCUMENT_MAX_PAGES,
    NETWORKS,
    TIKTOK_MAX_SIZE,
    TIKTOK_TITLE_MAX,
    NetworkLimits,
)
from postkit.networks import text_length
from postkit.safeio import UnsafeFileError, describe_bytes, open_inside, printable

EXPORT_MANIFEST = "manifest.json"

_PDF_MAGIC = b"%PDF-"
_PDF_TAIL = 1024  # a PDF's last bytes hold "%%EOF" (readers look there first)
# A page object of an uncompressed PDF (postkit's own, Pillow's). "/Type /Pages" (the page tree) does
# not match. Whitespace is bounded so that a match never spans more than _PDF_OVERLAP bytes.
_PDF_PAGE = re.compile(rb"/Type\s{0,16}/Page\b")
_PDF_OVERLAP = 64
_PDF_CHUNK = 1 << 20

# How each of limits.COUNTINGS counts, for messages.
_UNITS = {
    "graphemes": "characters (grapheme clusters)",
    "threads": "characters as Threads counts them (an emoji as its UTF-8 bytes)",
    "utf16": "UTF-16 units (an emoji counts 2)",
    "x": "characters as X weighs them (a URL 23, CJK and emoji 2)",
    "chars": "characters (code points)",
}


def check_export(folder: str | os.PathLike[str]) -> list[Violation]:
    """List every way an export folder breaks its network's limits, errors first (keep file order).

    A FIFO, a device, a symlink out of the folder, a huge file or a name with a path in it is
    reported, never read.
    """
    root = Path(folder)
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        msg = f"{printable(str(root))} {what}; pass a folder written by postkit export"
        return [Violation(ERROR, ".", msg)]

    found: list[Violation] = []
    manifest, problem = read_manifest(
        root, EXPORT_MANIFEST, "re-export the post with postkit export", "re-export the post"
    )
    if problem is not None:
        found.append(Violation(ERROR, EXPORT_MANIFEST, problem))
        return found
    if not isinstance(manifest, dict):
        found.append(Violation(ERROR, EXPORT_MANIFEST, "is not a JSON object; re-export the post"))
        return found

    network = _network(manifest, found)
    net = NETWORKS[network] if network is not None else None
    listed = _check_posts(root, manifest.get("posts"), network, net, found)
    document = _check_document(root, manifest.get("document"), network, len(listed), found)
    _check_unlisted(root, {*listed, *([document] if document else [])}, found)
    # Stable sort: errors first, each level in the order the files were checked.
    return sorted(found, key=lambda v: v.level != ERROR)


def _network(manifest: dict[str, Any], found: list[Violation]) -> str | None:
    network = manifest.get("network")
    if isinstance(network, str) and network in NETWORKS:
        return network
    msg = (
        f"network is {show_value(network)}; expected one of {', '.join(NETWORKS)}; "
        "re-export the post with postkit export --for NETWORK"
    )
    found.append(Violation(ERROR, EXPORT_MANIFEST, msg))
    return None


def _check_posts(
    root: Path, posts: Any, network: str | None, net: NetworkLimits | None, found: list[Violation]
) -> list[str]:
    """Check each post's text and images; return the image files listed, in order, each once."""

    def add(level: str, message: str) -> None:
        found.append(Violation(level, EXPORT_MANIFEST, message))

    if not isinstance(posts, list) or not posts:
        add(ERROR, "has no 'posts' list (at least one post); re-export the post")
        return []
    listed: dict[str, str] = {}  # file -> where it was first listed
    total = 0
    for number, post in enumerate(posts, start=1):
        label = f"post {number}"
        if not isinstance(post, dict):
            add(ERROR, f"{label} is {show_value(post)}, not a JSON object; re-export the post")
            continue
        _check_text(post, label, network, net, add)
        images = post.get("images")
        if not isinstance(images, list):
            add(ERROR, f"{label} has no 'images' list; re-export the post")
            continue
        total += len(images)
        if net is not None and net.images is not None and len(images) > net.images:
            add(
                ERROR,
                f"{label} has {len(images)} images; {net.name} allows at most {net.images} per post; "
                "move the rest to a reply (postkit export splits a thread) or re-export the post",
            )
        for index, image in enumerate(images, start=1):
            where = f"{label} image {index}"
            if not isinstance(image, dict):
                add(ERROR, f"{where} is {show_value(image)}, not a JSON object; re-export the post")
                continue
            name = _file_name(image.get("file"), where, add)
            if name is not None:
                where = f"{where} ({_short(name, 40)})"
            _check_alt(image.get("alt"), where, net, add)
            if name is None:
                continue
            if name in listed:
                add(ERROR, f"{where} is listed again (first as {listed[name]}); list each image once")
                continue
            listed[name] = where
            _check_image(root, name, network, net, found)
    if net is not None and total < net.min_images:
        msg = f"{total} image(s) in all; {net.name} needs at least {net.min_images}; add a slide and re-export"
        found.append(Violation(ERROR, ".", msg))
    return list(listed)


def _file_name(value: Any, where: str, add: Callable[[str, str], None]) -> str | None:
    """Return ``value`` when it names a file directly inside the folder, else report it and return None."""
    if not isinstance(value, str) or not value:
        add(ERROR, f"{where} has file {show_value(value)}, not a file name; re-export the post")
        return None
    if value in (".", "..") or any(c in value for c in "/\\\0") or (os.altsep and os.altsep in value):
        add(
            ERROR,
            f"{where} has file {show_value(value)}, not a file name in this folder (no paths); "
            "name the file directly, e.g. 01.jpg",
        )
        return None
    return value


def _check_text(
    post: dict[str, Any], label: str, network: str | None, net: NetworkLimits | None, add: Callable[[str, str], None]
) -> None:
    text = post.get("text")
    if not isinstance(text, str):
        add(ERROR, f"{label} text is {show_value(text)}, not a string; re-export the post")
    elif net is not None and (over := _over(text, net.counting, net.text, net.name)):
        add(ERROR, f"{label} text {over[0]}; cut at least {over[1]:,} or re-export the post")
    if network != "tiktok":
        return
    title = post.get("title")
    if title is None:
        return
    if not isinstance(title, str):
        add(ERROR, f"{label} title is {show_value(title)}, not a string; re-export the post")
        return
    if over := _over(title, "utf16", TIKTOK_TITLE_MAX, "TikTok"):
        add(ERROR, f"{label} title {over[0]}; cut at least {over[1]:,}")


def _check_alt(alt: Any, where: str, net: NetworkLimits | None, add: Callable[[str, str], None]) -> None:
    if alt is not None and not isinstance(alt, str):
        add(ERROR, f"{where} alt text is {show_value(alt)}, not a string or null; re-export the post")
        return
    if net is None:
        return
    if not net.alt_text:  # TikTok takes no alt text
        if alt is not None:
            add(WARNING, f"{where} has alt text, but {net.name} takes none and drops it; set alt to null")
        return
    if alt is None or not alt.strip():
        if net.alt_required:
            add(
                ERROR,
                f"{where} has no alt text; {net.name} requires it on every image; "
                "describe the image (postkit export writes the slide's text)",
            )
        return
    if net.alt_chars is not None and (over := _over(alt, net.counting, net.alt_chars, net.name)):
        add(ERROR, f"{where} alt text {over[0]}; shorten it by at least {over[1]:,}")


def _over(text: str, counting: str, most: int, network: str) -> tuple[str, int] | None:
    """Say how long ``text`` is against ``network``'s limit as it counts, and by how much it is over; None if within."""
    length = text_length(text, counting)
    if length <= most:
        return None
    return f"is {length:,} {_UNITS[counting]}; {network} allows at most {most:,}", length - most


def _check_image(  # noqa: C901 (one check per limit, in order)
    root: Path, name: str, network: str | None, net: NetworkLimits | None, found: list[Violation]
) -> None:
    shown = printable(name)

    def error(message: str) -> None:
        found.append(Violation(ERROR, shown, message))

    try:
        file, info = open_inside(root, name)
    except FileNotFoundError:
        error(f"is listed in {EXPORT_MANIFEST} but not in the folder; re-export the post")
        return
    except UnsafeFileError as exc:
        error(f"{exc.reason}; replace it with the exported JPEG itself, a file in this folder")
        return
    except OSError as exc:
        error(f"cannot be read ({exc.strerror or exc}); check the file")
        return
    with file:
        try:
            fmt, _mode, size, _icc = image_header(file)
        except Image.DecompressionBombError as exc:
            pixels = BOMB_PIXELS.search(str(exc))
            shown_pixels = f"{int(pixels.group(1)):,} pixels" if pixels else "too many pixels"
            error(f"is an image of {shown_pixels}, far more than a slide; re-export the post")
            return
        except UnidentifiedImageError:
            error("cannot be read as an image (it is not a format Pillow knows); re-export the post")
            return
        except DECODE_ERRORS as exc:
            error(f"cannot be read as an image ({_short(str(exc)) or type(exc).__name__}); re-export the post")
            return
        tail = _tail(file) if fmt == "JPEG" else b""

    if fmt == "MPO":
        error("is an MPO (multi-picture) JPEG, which upload APIs reject; re-save it as a plain JPEG")
    elif fmt != "JPEG":
        error(f"is a {fmt} file; an export's images are JPEG; save it as JPEG or re-export the post")
    elif tail != _JPEG_EOI:
        error("is truncated (it does not end with the JPEG end marker FF D9); re-export the post")
    if net is None:
        return
    if net.image_bytes is not None and info.st_size > net.image_bytes:
        error(
            f"is {info.st_size:,} bytes; {net.name} allows at most {describe_bytes(net.image_bytes)} per image; "
            "lower the JPEG quality or re-export the post"
        )
    max_width, max_height = TIKTOK_MAX_SIZE
    width, height = size
    if network == "tiktok" and (width > max_width or height > max_height):
        error(
            f"is {width}x{height} px; TikTok takes photos of at most {max_width}x{max_height}; "
            f"resize it to fit {max_width}x{max_height} or re-export the post"
        )


def _check_document(root: Path, document: Any, network: str | None, slides: int, found: list[Violation]) -> str | None:
    """Check LinkedIn's document.pdf; return its file name when the manifest names one."""

    def add(level: str, message: str) -> None:
        found.append(Violation(level, EXPORT_MANIFEST, message))

    if document is None:
        return None
    if not isinstance(document, dict):
        add(ERROR, f"document is {show_value(document)}, not a JSON object or null; re-export the post")
        return None
    name = _file_name(document.get("file"), "document", add)
    if name is None:
        return None
    if network is not None and network != "linkedin":
        add(WARNING, f"names a document ({_short(name, 40)}), but only LinkedIn takes one; set document to null")
    else:
        _check_pdf(root, name, slides, found)
    return name


def _check_pdf(root: Path, name: str, slides: int, found: list[Violation]) -> None:
    shown = printable(name)

    def add(level: str, message: str) -> None:
        found.append(Violation(level, shown, message))

    try:
        file, info = open_inside(root, name)
    except FileNotFoundError:
        add(ERROR, f"is {EXPORT_MANIFEST}'s document but not in the folder; re-export the post")
        return
    except UnsafeFileError as exc:
        add(ERROR, f"{exc.reason}; replace it with the exported PDF itself, a file in this folder")
        return
    except OSError as exc:
        add(ERROR, f"cannot be read ({exc.strerror or exc}); check the file")
        return
    with file:
        if info.st_size > LINKEDIN_DOCUMENT_MAX_BYTES:
            add(
                ERROR,
                f"is {info.st_size:,} bytes; LinkedIn takes documents of at most "
                f"{describe_bytes(LINKEDIN_DOCUMENT_MAX_BYTES)}; lower the slides' JPEG quality and re-export the post",
            )
            return
        try:
            pages = _count_pages(file)
            file.seek(max(0, info.st_size - _PDF_TAIL))
            whole = b"%%EOF" in file.read(_PDF_TAIL)
        except OSError as exc:
            add(ERROR, f"cannot be read ({exc.strerror or exc}); check the file")
            return
    if pages is None:
        add(ERROR, "is not a PDF (it does not start with %PDF-); re-export the post")
    elif not whole:
        # A PDF ends with its cross-reference table and %%EOF: without them readers cannot open it.
        add(ERROR, "is cut short (no %%EOF at its end), so PDF readers cannot open it; re-export the post")
    elif pages == 0:
        add(
            WARNING,
            "has no page objects postkit can count (compressed object streams?); "
            f"check that it has one page per slide ({slides}) and at most {LINKEDIN_DOCUMENT_MAX_PAGES}",
        )
    elif pages > LINKEDIN_DOCUMENT_MAX_PAGES:
        add(
            ERROR,
            f"has {pages:,} pages; LinkedIn takes documents of at most {LINKEDIN_DOCUMENT_MAX_PAGES}; "
            "shorten the post and re-export it",
        )
    elif pages != slides:
        add(
            WARNING,
            f"has {pages} page(s) but {slides} slide image(s) are listed; it should have one page per slide; "
            "re-export the post",
        )


def _count_pages(file: BinaryIO) -> int | None:
    """Count a PDF's page objects, reading it in chunks; None when it is not a PDF (no %PDF- header)."""
    buffer = file.read(_PDF_CHUNK)
    if not buffer.startswith(_PDF_MAGIC):
        return None
    pages = 0
    read = len(buffer)
    while True:
        chunk = file.read(_PDF_CHUNK) if read <= LINKEDIN_DOCUMENT_MAX_BYTES else b""
        read += len(chunk)
        if not chunk:
            return pages + len(_PDF_PAGE.findall(buffer))
        buffer += chunk
        # Count the matches that start before the last _PDF_OVERLAP bytes (each is whole, being shorter);
        # the rest are found again in the next round, which starts with those bytes.
        cut = len(buffer) - _PDF_OVERLAP
        pages += sum(1 for match in _PDF_PAGE.finditer(buffer) if match.start() < cut)
        buffer = buffer[cut:]


def _check_unlisted(root: Path, listed: set[str], found: list[Violation]) -> None:
    try:
        with os.scandir(root) as entries:
            names = sorted(entry.name for entry in entries)
    except OSError as exc:
        msg = f"cannot list {printable(str(root))} ({exc.strerror or exc}); check its permissions"
        found.append(Violation(ERROR, ".", msg))
        return
    for name in names:
        suffix = Path(name).suffix.lower()
        if name not in listed and (suffix in _IMAGE_SUFFIXES or suffix == ".pdf"):
            msg = (
                f"is in the export folder but not listed in {EXPORT_MANIFEST}; "
                "remove it so it is not uploaded by mistake, or re-export the post"
            )
            found.append(Violation(WARNING, printable(name), msg))
