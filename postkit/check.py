"""Check a finished post folder against Instagram's limits before it is uploaded."""

from __future__ import annotations

import io
import json
import math
import os
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from PIL import Image, UnidentifiedImageError

from postkit import limits
from postkit.illustration import BOMB_PIXELS, DECODE_ERRORS
from postkit.safeio import FileTooLargeError, UnsafeFileError, describe_bytes, open_inside, printable, read_inside

ERROR = "error"
WARNING = "warning"

SLIDE_KINDS = ("cover", "text", "closing")

# ASCII digits only: "٠١.jpg" (Arabic-Indic digits) is not slide 1.
SLIDE_NAME = re.compile(r"([0-9]{2})\.jpg")
_IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".mpo", ".png", ".gif", ".webp", ".heic", ".heif"}
    | {".avif", ".tif", ".tiff", ".bmp"}
)
# Written beside the slides by `postkit preview`: expected, never uploaded, so not stray images.
_PREVIEW_FILES = frozenset({"preview.html", "contact.png"})
CAPTION_FILE = "caption.txt"
MANIFEST_FILE = "post.json"
_JPEG_SOI, _JPEG_EOI = b"\xff\xd8", b"\xff\xd9"
# What check and preview read of a post's text files: far more than a real one needs (a caption is at
# most 2,200 characters, under 9 KB in UTF-8; postkit's post.json is a few KB), small enough that a
# huge or endless file costs nothing.
CAPTION_MAX_BYTES = 64 * 1024
MANIFEST_MAX_BYTES = 1024 * 1024
# postkit writes post.json four levels deep; deeper nesting is not a post (and would exhaust the parser).
MANIFEST_MAX_DEPTH = 32
# Decoders report broken data with whichever of these their parser happens to hit.
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
_UTF8_BOM = "\ufeff"
# Where a caption may break lines; every other control character is garbage Instagram would keep.
_CAPTION_CONTROLS_ALLOWED = frozenset("\n\r\t")
# Rounding: 1080x1350 is exactly 0.8, but a slide cropped to e.g. 1079x1349 must still pass.
_ASPECT_TOLERANCE = 0.001


@dataclass(frozen=True)
class Violation:
    """One way a post breaks a limit: where, how badly, and how to fix it."""

    level: str  # ERROR or WARNING
    file: str  # "03.jpg", "caption.txt", "post.json", or "." for the folder
    message: str  # one line: the rule, the value, the limit, and the fix

    def __str__(self) -> str:
        return f"{self.file}: {self.level}: {self.message}"


@dataclass(frozen=True)
class _Slide:
    name: str
    size: tuple[int, int]


def check_post(folder: str | os.PathLike[str]) -> list[Violation]:
    """List every way the post folder breaks Instagram's limits, errors first (keep file order).

    The folder is untrusted: a FIFO, a device, a symlink out of the folder or a huge file under a
    post's file name is reported, never read.
    """
    root = Path(folder)
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        msg = f"{printable(str(root))} {what}; pass the folder of a post made by postkit"
        return [Violation(ERROR, ".", msg)]
    # A folder written by `postkit export` (manifest.json, no post.json) is checked against its network.
    if os.path.lexists(root / "reel.json") and not os.path.lexists(root / MANIFEST_FILE):
        from postkit.check_reel import check_reel

        return check_reel(root)
    if os.path.lexists(root / "manifest.json") and not os.path.lexists(root / MANIFEST_FILE):
        from postkit.check_export import check_export

        return check_export(root)

    found: list[Violation] = []
    try:
        names = _slide_names(root, found)
    except OSError as exc:
        msg = f"cannot list {printable(str(root))} ({exc.strerror or exc}); check its permissions"
        return [Violation(ERROR, ".", msg)]
    manifest, manifest_problem = read_manifest(root)
    story = isinstance(manifest, dict) and manifest.get("format") == "story"
    if not story:
        _check_count(len(names), found)
    slides = [s for s in (_check_slide(root, name, found, story) for name in names) if s is not None]
    _check_same_size(slides, found)
    caption = _check_caption(root, found)
    if manifest_problem is not None:
        found.append(Violation(ERROR, MANIFEST_FILE, manifest_problem))
    else:
        _check_manifest(manifest, names, caption, found)
        if story:
            _check_story_zones(manifest, slides, found)
    # Stable sort: errors first, each level in the order the files were checked.
    return sorted(found, key=lambda v: v.level != ERROR)


def format_report(violations: Iterable[Violation]) -> str:
    """Render violations one per line."""
    return "\n".join(str(v) for v in violations)


def parse_manifest(data: bytes) -> Any:
    """Parse the bytes of a post.json; raise ValueError saying what is wrong (it completes "post.json ...")."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"is not valid UTF-8 (byte {exc.start})"
        raise ValueError(msg) from None
    try:
        manifest = json.loads(text, parse_constant=_no_constant, parse_int=_int)
    except json.JSONDecodeError as exc:
        msg = f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        raise ValueError(msg) from None
    except RecursionError:
        msg = f"is nested more than {MANIFEST_MAX_DEPTH} levels deep, which no post.json is"
        raise ValueError(msg) from None
    except ValueError as exc:  # e.g. a number of more than 4,300 digits, or NaN
        msg = f"is not valid JSON ({_short(str(exc))})"
        raise ValueError(msg) from None
    if _depth(manifest) > MANIFEST_MAX_DEPTH:
        msg = f"is nested more than {MANIFEST_MAX_DEPTH} levels deep, which no post.json is"
        raise ValueError(msg)
    try:
        # JSON may escape half a surrogate pair ("\\ud800"), which no text file or page can hold.
        json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        msg = f"has a lone surrogate ({exc.object[exc.start : exc.end]!r}) in a string, which is not text"
        raise ValueError(msg) from None
    return manifest


def decode_caption(data: bytes) -> str:
    """Decode the bytes of a caption.txt as UTF-8 text; raise ValueError saying what is wrong.

    UTF-16 (with or without a byte-order mark), NUL bytes and control characters other than line
    breaks and tabs are refused: they would reach Instagram as garbage.
    """
    if data.startswith(_UTF32_BOMS):
        msg = "is UTF-32 (it starts with a UTF-32 byte-order mark), not UTF-8"
        raise ValueError(msg)
    if data.startswith(_UTF16_BOMS):
        msg = "is UTF-16 (it starts with a UTF-16 byte-order mark), not UTF-8"
        raise ValueError(msg)
    nul = data.find(b"\0")
    if nul >= 0:
        if _looks_utf16(data):
            msg = "looks like UTF-16 without a byte-order mark (every other byte is 0), not UTF-8"
        elif _looks_utf32(data):
            msg = "looks like UTF-32 without a byte-order mark (three bytes in four are 0), not UTF-8"
        else:
            msg = f"contains a NUL byte (byte {nul}), which is not text"
        raise ValueError(msg)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"is not valid UTF-8 (byte {exc.start})"
        raise ValueError(msg) from None
    for index, char in enumerate(text):
        if unicodedata.category(char) == "Cc" and char not in _CAPTION_CONTROLS_ALLOWED:
            line = text.count("\n", 0, index) + 1
            column = index - (text.rfind("\n", 0, index) + 1) + 1
            msg = f"contains control character U+{ord(char):04X} (line {line}, column {column}), which is not text"
            raise ValueError(msg)
    return text


def _int(digits: str) -> int:
    if len(digits) > 100:  # Python refuses beyond 4,300 digits with a long story; no post needs 100
        msg = f"a number of {len(digits.lstrip('-')):,} digits"
        raise ValueError(msg)
    return int(digits)


def _no_constant(name: str) -> Any:
    msg = f"{name} is not a JSON number"
    raise ValueError(msg)


def _depth(value: Any) -> int:
    """Return how deeply lists and objects nest in ``value`` (iteratively: no recursion to exhaust)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MANIFEST_MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _looks_utf16(data: bytes) -> bool:
    # ASCII-range text in UTF-16 has a 0 in every other byte; which half depends on the byte order.
    evens, odds = data[0::2].count(0), data[1::2].count(0)
    return max(evens, odds) >= len(data) // 8 and min(evens, odds) * 4 <= max(evens, odds)


def _looks_utf32(data: bytes) -> bool:
    # ASCII-range text in UTF-32 has three zero bytes in four, and the fourth carries the letters.
    if len(data) < 8:
        return False
    zeros = [lane.count(0) / len(lane) for lane in (data[i::4] for i in range(4))]
    return sum(z >= 0.9 for z in zeros) >= 2 and min(zeros) <= 0.5


def _short(text: str, limit: int = 80) -> str:
    """Make untrusted text safe for a one-line message: escaped, and cut at ``limit`` characters."""
    shown = printable(text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "\u2026"


def show_value(value: Any, limit: int = 60) -> str:
    """Show an untrusted JSON value in a message as Python would write it, cut at ``limit`` characters."""
    if isinstance(value, dict):
        return "a JSON object"
    if isinstance(value, list):
        return "a JSON list"
    return _short(repr(value), limit)


def _slide_names(root: Path, found: list[Violation]) -> list[str]:
    numbered: dict[int, str] = {}
    stray: list[str] = []
    with os.scandir(root) as entries:
        for entry in entries:
            match = SLIDE_NAME.fullmatch(entry.name)
            # Whatever a slide's name holds (a folder, a FIFO, a symlink...) is a slide to check: it
            # gets its own error there, rather than passing unnoticed as "not a slide".
            if match:
                numbered[int(match.group(1))] = entry.name
            elif Path(entry.name).suffix.lower() in _IMAGE_SUFFIXES and entry.name not in _PREVIEW_FILES:
                stray.append(entry.name)
    for name in sorted(stray):
        msg = "is an image but not a slide (slides are 01.jpg, 02.jpg, ...); remove it so it is not uploaded by mistake"
        found.append(Violation(WARNING, printable(name), msg))

    numbers = sorted(numbered)
    if numbers:
        expected = range(1, len(numbers) + 1)
        if numbers != list(expected):
            missing = [f"{n:02d}.jpg" for n in range(1, numbers[-1] + 1) if n not in numbered]
            problem = f"{_list(missing)} missing" if missing else "00.jpg present"
            msg = (
                f"slides are not numbered 01.jpg..{len(numbers):02d}.jpg without gaps "
                f"({problem}); renumber them in upload order"
            )
            found.append(Violation(ERROR, ".", msg))
    return [numbered[n] for n in numbers]


def _list(names: list[str], most: int = 5) -> str:
    shown = ", ".join(_short(n, 40) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _check_count(count: int, found: list[Violation]) -> None:
    if count == 0:
        msg = "no slides found (01.jpg, 02.jpg, ...); pass the folder of a post made by postkit"
        found.append(Violation(ERROR, ".", msg))
    elif count < limits.MIN_SLIDES:
        msg = f"{count} slide; a carousel needs at least {limits.MIN_SLIDES}; add a slide"
        found.append(Violation(ERROR, ".", msg))
    elif count > limits.MAX_SLIDES_APP:
        msg = (
            f"{count} slides; Instagram allows at most {limits.MAX_SLIDES_APP} per carousel; "
            "shorten the article or split it into two posts"
        )
        found.append(Violation(ERROR, ".", msg))
    elif count > limits.MAX_SLIDES_API:
        msg = (
            f"{count} slides; only {limits.MAX_SLIDES_API} can be published through Instagram's "
            "API and most schedulers; upload from the app or shorten the post"
        )
        found.append(Violation(WARNING, ".", msg))


def _check_slide(root: Path, name: str, found: list[Violation], story: bool = False) -> _Slide | None:  # noqa: C901 (one check per limit, in order)
    def error(message: str) -> None:
        found.append(Violation(ERROR, name, message))

    try:
        file, info = open_inside(root, name)
    except UnsafeFileError as exc:
        error(f"{exc.reason}; replace it with the slide itself, a JPEG file in this folder")
        return None
    except OSError as exc:
        error(f"cannot be read ({exc.strerror or exc}); check the file")
        return None
    with file:
        nbytes = info.st_size
        try:
            fmt, mode, size, icc = image_header(file)
        except Image.DecompressionBombError as exc:
            found_pixels = BOMB_PIXELS.search(str(exc))
            pixels = f"{int(found_pixels.group(1)):,} pixels" if found_pixels else "too many pixels"
            error(
                f"is an image of {pixels}, far more than a slide (at most {limits.WIDTH_MAX} px wide); "
                "re-export it, e.g. at 1080x1350"
            )
            return None
        except UnidentifiedImageError:
            error("cannot be read as an image (it is not a format Pillow knows); re-export it as a JPEG")
            return None
        except DECODE_ERRORS as exc:
            error(f"cannot be read as an image ({_short(str(exc)) or type(exc).__name__}); re-export it as a JPEG")
            return None
        tail = _tail(file) if fmt == "JPEG" else b""

    if fmt == "MPO":
        error("is an MPO (multi-picture) JPEG, which Instagram's API rejects; re-save it as a plain JPEG")
    elif fmt != "JPEG":
        error(f"is a {fmt} file named .jpg; Instagram's API takes only JPEG; save it as JPEG")
    elif tail != _JPEG_EOI:
        error("is truncated (it does not end with the JPEG end marker FF D9); re-export it")

    if mode == "CMYK":
        error("uses CMYK colour; Instagram needs sRGB; convert it to RGB (sRGB)")
    elif mode not in ("RGB", "L"):
        error(f"has colour mode {mode}; Instagram needs sRGB; convert it to RGB (sRGB)")
    if icc:
        description = _profile_description(icc)
        if description is None:
            error("has an unreadable ICC colour profile; re-export it as sRGB")
        elif "srgb" not in description.lower():
            error(f"has ICC colour profile '{description}', not sRGB; convert it to sRGB")

    if nbytes >= limits.IMAGE_MAX_BYTES:
        error(
            f"is {nbytes:,} bytes; Instagram needs less than 8 MiB "
            f"({limits.IMAGE_MAX_BYTES:,} bytes); lower the JPEG quality or the size"
        )
    width, height = size
    if not limits.WIDTH_MIN <= width <= limits.WIDTH_MAX:
        error(
            f"is {width} px wide; Instagram needs {limits.WIDTH_MIN}-{limits.WIDTH_MAX} px "
            "(1080 recommended); resize it"
        )
    aspect = width / height if height else 0.0
    if story:
        # Stories are not a feed carousel: each slide is shared on its own, full screen at 9:16.
        if abs(aspect - limits.STORY_ASPECT) > 0.01:
            error(f"has aspect ratio {aspect:.4g} ({width}x{height}); Stories are 9:16; crop it to 1080x1920")
        return _Slide(name, size)
    low, high = limits.ASPECT_MIN - _ASPECT_TOLERANCE, limits.ASPECT_MAX + _ASPECT_TOLERANCE
    if not low <= aspect <= high:
        error(
            f"has aspect ratio {aspect:.4g} ({width}x{height}); Instagram's feed needs "
            f"{limits.ASPECT_MIN:g} (4:5) to {limits.ASPECT_MAX:g}:1; crop it, e.g. to 1080x1350"
        )
    return _Slide(name, size)


def image_header(file: BinaryIO) -> tuple[str | None, str, tuple[int, int], bytes | None]:
    """Read an image's format, mode, size and ICC profile from its header, without decoding its pixels."""
    with warnings.catch_warnings():
        # Only the header is read, so a huge picture costs nothing here; its size is reported below.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(file) as im:
            return im.format, im.mode, im.size, im.info.get("icc_profile")


def whole_jpeg(folder: Path, name: str) -> bool:
    """Tell whether ``folder/name`` is a regular file inside the folder that starts and ends as a JPEG does."""
    try:
        file, _ = open_inside(folder, name)
    except (OSError, ValueError):  # UnsafeFileError is an OSError
        return False
    with file:
        try:
            head = file.read(len(_JPEG_SOI))
        except OSError:
            return False
        return head == _JPEG_SOI and _tail(file) == _JPEG_EOI


def _tail(file: BinaryIO) -> bytes:
    try:
        file.seek(0, os.SEEK_END)
        if file.tell() < len(_JPEG_EOI):
            return b""
        file.seek(-len(_JPEG_EOI), os.SEEK_END)
        return file.read()
    except OSError:
        return b""


def _profile_description(icc: bytes) -> str | None:
    try:
        from PIL import ImageCms
    except ImportError:  # Pillow built without LittleCMS: fall back to the raw bytes
        return "sRGB" if b"sRGB" in icc else "unknown"
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.getProfileDescription(profile).strip()
    except (OSError, ImageCms.PyCMSError):
        return None


def _check_same_size(slides: list[_Slide], found: list[Violation]) -> None:
    if not slides:
        return
    first = slides[0]
    for slide in slides[1:]:
        if slide.size != first.size:
            w, h = slide.size
            fw, fh = first.size
            msg = (
                f"is {w}x{h} but {first.name} is {fw}x{fh}; Instagram crops every slide to the "
                "first slide's ratio; make all slides the same size"
            )
            found.append(Violation(ERROR, slide.name, msg))


def caption_violations(caption: str, name: str = "caption.txt") -> list[Violation]:
    """List how a caption breaks Instagram's limits: length, hashtags, mentions."""
    found: list[Violation] = []

    def add(level: str, message: str) -> None:
        found.append(Violation(level, name, message))

    length = limits.caption_length(caption)
    if length > limits.CAPTION_MAX_CHARS:
        counted = (
            f"{length} characters"
            if length == len(caption)
            else f"{length} characters counting UTF-16 units ({len(caption)} code points; emoji count twice)"
        )
        add(
            ERROR,
            f"caption is {counted}; Instagram allows at most {limits.CAPTION_MAX_CHARS}; "
            f"cut at least {length - limits.CAPTION_MAX_CHARS}",
        )

    tags = len(limits.hashtags_in(caption))
    if tags > limits.HASHTAGS_MAX:
        add(
            ERROR,
            f"{tags} hashtags; Instagram allows at most {limits.HASHTAGS_MAX}; "
            f"keep the best {limits.HASHTAGS_RECOMMENDED}",
        )
    elif tags > limits.HASHTAGS_RECOMMENDED:
        add(
            WARNING,
            f"{tags} hashtags; Instagram is capping posts at {limits.HASHTAGS_RECOMMENDED}; "
            f"keep the best {limits.HASHTAGS_RECOMMENDED}",
        )

    mentions = len(limits.mentions_in(caption))
    if mentions > limits.MENTIONS_MAX:
        add(
            ERROR,
            f"{mentions} @mentions; Instagram allows at most {limits.MENTIONS_MAX}; remove some",
        )
    return found


def _check_caption(root: Path, found: list[Violation]) -> str | None:
    def add(level: str, message: str) -> None:
        found.append(Violation(level, CAPTION_FILE, message))

    try:
        data = read_inside(root, CAPTION_FILE, CAPTION_MAX_BYTES)
    except FileNotFoundError:
        add(ERROR, "is missing; write the caption to caption.txt")
        return None
    except FileTooLargeError as exc:
        add(
            ERROR,
            f"is {exc.size:,} bytes; a caption is at most {limits.CAPTION_MAX_CHARS:,} characters and postkit "
            f"reads at most {describe_bytes(CAPTION_MAX_BYTES)} of caption.txt; shorten it",
        )
        return None
    except UnsafeFileError as exc:
        add(ERROR, f"{exc.reason}; write the caption to a plain file caption.txt in this folder")
        return None
    except OSError as exc:
        add(ERROR, f"cannot be read ({exc.strerror or exc}); check the file")
        return None
    try:
        text = decode_caption(data)
    except ValueError as exc:
        add(ERROR, f"{exc}; re-save it as UTF-8 text")
        return None
    if text.startswith(_UTF8_BOM):
        add(
            WARNING,
            "starts with a byte-order mark (U+FEFF), an invisible character Instagram would keep; "
            "re-save it as UTF-8 without BOM",
        )
        text = text[1:]

    # The file ends with a newline by convention; that newline is not part of the caption.
    caption = text.removesuffix("\n").removesuffix("\r")
    found.extend(caption_violations(caption, CAPTION_FILE))
    return caption


def read_manifest(
    root: Path,
    name: str = MANIFEST_FILE,
    redo: str = "regenerate the post with postkit",
    again: str = "regenerate the post",
) -> tuple[Any, str | None]:
    """Read and parse a folder's manifest (post.json, an export's manifest.json): (its data, None), or
    (None, the problem and its fix). ``redo`` and ``again`` say how the folder is made anew."""
    try:
        return parse_manifest(read_inside(root, name, MANIFEST_MAX_BYTES)), None
    except FileNotFoundError:
        return None, f"is missing; {redo}"
    except FileTooLargeError as exc:
        return None, (
            f"is {exc.size:,} bytes; postkit reads at most {describe_bytes(MANIFEST_MAX_BYTES)} of {name} "
            f"(its own are a few KB); {again}"
        )
    except UnsafeFileError as exc:
        return None, f"{exc.reason}; {redo}"
    except ValueError as exc:  # parse_manifest's words are about post.json; the rule is the same
        return None, f"{str(exc).replace(MANIFEST_FILE, name)}; {again}"
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc}); check the file"


def _check_manifest(manifest: Any, names: list[str], caption: str | None, found: list[Violation]) -> None:
    def add(level: str, message: str) -> None:
        found.append(Violation(level, MANIFEST_FILE, message))

    if not isinstance(manifest, dict):
        add(ERROR, "is not a JSON object; regenerate the post")
        return

    slides = manifest.get("slides")
    if not isinstance(slides, list) or not all(isinstance(s, dict) for s in slides):
        add(ERROR, "has no 'slides' list of objects; regenerate the post")
    else:
        _check_manifest_slides(slides, names, add)

    recorded = manifest.get("caption")
    if (
        caption is not None
        and isinstance(recorded, str)
        and _lines(recorded).rstrip("\n") != _lines(caption).rstrip("\n")
    ):
        add(
            WARNING,
            "its caption differs from caption.txt; Instagram gets caption.txt, so copy the intended caption into both",
        )


def _check_manifest_slides(slides: list[dict[str, Any]], names: list[str], add: Callable[[str, str], None]) -> None:
    listed = [s.get("file") for s in slides]
    if listed != names:
        on_disk = set(names)
        in_json = {n for n in listed if isinstance(n, str)}
        parts = []
        if missing := [
            n if isinstance(n, str) else show_value(n) for n in listed if not isinstance(n, str) or n not in on_disk
        ]:
            parts.append(f"listed but not in the folder: {_list(missing)}")
        if unlisted := [n for n in names if n not in in_json]:
            parts.append(f"in the folder but not listed: {_list(unlisted)}")
        if not parts:  # every listed name is a str naming a file here, in another order
            parts.append(f"listed order {_list(cast(list[str], listed), most=len(listed))}")
        add(
            ERROR,
            f"its slides do not match the slide files ({'; '.join(parts)}); regenerate the post or fix post.json",
        )

    for index, slide in enumerate(slides, start=1):
        file = slide.get("file")
        label = _short(file, 40) if isinstance(file, str) and file else f"slide {index}"
        kind = slide.get("kind")
        if kind not in SLIDE_KINDS:
            add(
                ERROR,
                f"{label} has kind {show_value(kind)}; expected one of {', '.join(SLIDE_KINDS)}; fix post.json",
            )
        alt = slide.get("alt")
        if alt is None:
            continue
        if not isinstance(alt, str):
            add(ERROR, f"{label} alt text is not a string; fix post.json")
            continue
        length = len(alt)
        if length > limits.ALT_TEXT_MAX:
            add(
                ERROR,
                f"{label} alt text is {length} characters; Instagram allows at most {limits.ALT_TEXT_MAX}; shorten it",
            )


def _check_story_zones(manifest: Any, slides: list[_Slide], found: list[Violation]) -> None:
    """Warn about text that post.json places where Instagram draws its story header or reply bar."""
    entries = manifest.get("slides") if isinstance(manifest, dict) else None
    if not isinstance(entries, list):
        return
    sizes = {slide.name: slide.size for slide in slides}
    for entry in entries[: len(sizes)]:
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str) or entry["file"] not in sizes:
            continue
        boxes = entry.get("text_boxes")
        if not isinstance(boxes, list):
            continue
        height = sizes[entry["file"]][1]
        header, reply_bar = limits.story_covered(height)
        tops = [b[1] for b in boxes[:_MAX_BOXES] if _is_box(b)]
        bottoms = [b[3] for b in boxes[:_MAX_BOXES] if _is_box(b)]
        where = []
        if tops and min(tops) < header:
            where.append(f"from y {min(tops):g} under Instagram's story header (the top {header} px)")
        if bottoms and max(bottoms) > height - reply_bar:
            where.append(f"down to y {max(bottoms):g} under its reply bar (the bottom {reply_bar} px)")
        if where:
            found.append(
                Violation(
                    WARNING,
                    entry["file"],
                    f"has text {' and '.join(where)}; keep text between y {header} and {height - reply_bar}",
                )
            )


_MAX_BOXES = 500  # text lines a slide can hold, with room to spare: post.json is untrusted


def _is_box(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 4
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
    )


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
