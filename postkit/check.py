"""Check a finished post folder against Instagram's limits before it is uploaded."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from postkit import limits

ERROR = "error"
WARNING = "warning"

SLIDE_KINDS = ("cover", "text", "closing")

_SLIDE_NAME = re.compile(r"(\d{2})\.jpg")
_IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".mpo", ".png", ".gif", ".webp", ".heic", ".heif"}
    | {".avif", ".tif", ".tiff", ".bmp"}
)
# Written beside the slides by `postkit preview`: expected, never uploaded, so not stray images.
_PREVIEW_FILES = frozenset({"preview.html", "contact.png"})
_JPEG_EOI = b"\xff\xd9"
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
    """List every way the post folder breaks Instagram's limits, errors first (keep file order)."""
    root = Path(folder)
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        msg = f"{root} {what}; pass the folder of a post made by postkit"
        return [Violation(ERROR, ".", msg)]

    found: list[Violation] = []
    try:
        names = _slide_names(root, found)
    except OSError as exc:
        msg = f"cannot list {root} ({exc.strerror or exc}); check its permissions"
        return [Violation(ERROR, ".", msg)]
    story = _declared_format(root / "post.json") == "story"
    if not story:
        _check_count(len(names), found)
    slides = [s for s in (_check_slide(root / name, found, story) for name in names) if s is not None]
    _check_same_size(slides, found)
    caption = _check_caption(root / "caption.txt", found)
    _check_manifest(root / "post.json", names, caption, found)
    # Stable sort: errors first, each level in the order the files were checked.
    return sorted(found, key=lambda v: v.level != ERROR)


def format_report(violations: Iterable[Violation]) -> str:
    """Render violations one per line."""
    return "\n".join(str(v) for v in violations)


def _slide_names(root: Path, found: list[Violation]) -> list[str]:
    numbered: dict[int, str] = {}
    stray: list[str] = []
    with os.scandir(root) as entries:
        for entry in entries:
            match = _SLIDE_NAME.fullmatch(entry.name)
            if match and entry.is_file():
                numbered[int(match.group(1))] = entry.name
            elif Path(entry.name).suffix.lower() in _IMAGE_SUFFIXES and entry.name not in _PREVIEW_FILES:
                stray.append(entry.name)
    for name in sorted(stray):
        msg = "is an image but not a slide (slides are 01.jpg, 02.jpg, ...); remove it so it is not uploaded by mistake"
        found.append(Violation(WARNING, name, msg))

    numbers = sorted(numbered)
    if numbers:
        expected = range(1, len(numbers) + 1)
        if numbers != list(expected):
            missing = [f"{n:02d}.jpg" for n in range(1, numbers[-1] + 1) if n not in numbered]
            problem = f"{', '.join(missing)} missing" if missing else "00.jpg present"
            msg = (
                f"slides are not numbered 01.jpg..{len(numbers):02d}.jpg without gaps "
                f"({problem}); renumber them in upload order"
            )
            found.append(Violation(ERROR, ".", msg))
    return [numbered[n] for n in numbers]


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


def _declared_format(manifest: Path) -> str | None:
    """Read post.json's "format" (Stories are checked by their own rules), or None."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("format") if isinstance(data, dict) else None


def _check_slide(path: Path, found: list[Violation], story: bool = False) -> _Slide | None:
    name = path.name

    def error(message: str) -> None:
        found.append(Violation(ERROR, name, message))

    try:
        nbytes = path.stat().st_size
        with Image.open(path) as im:
            fmt, mode, size = im.format, im.mode, im.size
            icc = im.info.get("icc_profile")
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        error(f"cannot be read as an image ({exc}); re-export it as a JPEG")
        return None

    if fmt == "MPO":
        error("is an MPO (multi-picture) JPEG, which Instagram's API rejects; re-save it as a plain JPEG")
    elif fmt != "JPEG":
        error(f"is a {fmt} file named .jpg; Instagram's API takes only JPEG; save it as JPEG")
    elif _tail(path) != _JPEG_EOI:
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


def _tail(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            if f.tell() < len(_JPEG_EOI):
                return b""
            f.seek(-len(_JPEG_EOI), os.SEEK_END)
            return f.read()
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


def _check_caption(path: Path, found: list[Violation]) -> str | None:
    name = path.name

    def add(level: str, message: str) -> None:
        found.append(Violation(level, name, message))

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        add(ERROR, "is missing; write the caption to caption.txt")
        return None
    except OSError as exc:
        add(ERROR, f"cannot be read ({exc.strerror or exc}); check the file")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        add(ERROR, f"is not valid UTF-8 (byte {exc.start}); re-save it as UTF-8")
        return None

    # The file ends with a newline by convention; that newline is not part of the caption.
    caption = text.removesuffix("\n").removesuffix("\r")
    found.extend(caption_violations(caption, name))
    return caption


def _check_manifest(path: Path, names: list[str], caption: str | None, found: list[Violation]) -> None:
    name = path.name

    def add(level: str, message: str) -> None:
        found.append(Violation(level, name, message))

    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        add(ERROR, "is missing; regenerate the post with postkit")
        return
    except UnicodeDecodeError as exc:
        add(ERROR, f"is not valid UTF-8 (byte {exc.start}); regenerate the post")
        return
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        add(ERROR, f"is not valid JSON ({exc.msg} at {where}); regenerate the post")
        return
    except OSError as exc:
        add(ERROR, f"cannot be read ({exc.strerror or exc}); check the file")
        return
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


def _check_manifest_slides(slides: list[dict], names: list[str], add: Callable[[str, str], None]) -> None:
    listed = [str(s.get("file")) for s in slides]
    if listed != names:
        on_disk = set(names)
        in_json = set(listed)
        parts = []
        if missing := [n for n in listed if n not in on_disk]:
            parts.append(f"listed but not in the folder: {', '.join(missing)}")
        if unlisted := [n for n in names if n not in in_json]:
            parts.append(f"in the folder but not listed: {', '.join(unlisted)}")
        if not parts:
            parts.append(f"listed order {', '.join(listed)}")
        add(
            ERROR,
            f"its slides do not match the slide files ({'; '.join(parts)}); regenerate the post or fix post.json",
        )

    for index, slide in enumerate(slides, start=1):
        label = slide.get("file") or f"slide {index}"
        kind = slide.get("kind")
        if kind not in SLIDE_KINDS:
            add(
                ERROR,
                f"{label} has kind {kind!r}; expected one of {', '.join(SLIDE_KINDS)}; fix post.json",
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


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
