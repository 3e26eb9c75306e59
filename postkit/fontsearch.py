"""Find faces for the characters a theme lacks: describe faces, list a folder's, ask fontconfig, pick per role.

A theme's fonts cover its languages; Chinese, Japanese and Korean come from the fonts systems install
(Debian's fonts-noto-cjk: .ttc collections of JP, KR, SC, TC and HK faces) or a ``--font-dir``. Han
characters are drawn differently in each region, so a face is chosen first for the post's language,
then for the role's look (serif or sans, weight), then for coverage.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import struct
import subprocess
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from postkit.errors import FontError
from postkit.fonts import FONT_SUFFIXES, MAX_FONT_BYTES, FontFile, _coverage, _hb_face, face_count, needs_glyph
from postkit.i18n import is_language_tag, language_key, tag_parts

if TYPE_CHECKING:
    import uharfbuzz as hb

log = logging.getLogger("postkit")

# Bounds for a font folder: --font-dir /usr must answer at once, not read the disk.
MAX_ENTRIES = 10_000  # directory entries looked at in one folder
MAX_FONT_FILES = 256  # font files described from one folder (the first, sorted by name)
MAX_FACES_PER_FILE = 64  # a collection claiming more faces is cut there (Noto CJK has 10)
_MAGIC = (b"\x00\x01\x00\x00", b"OTTO", b"true", b"ttcf")

FC_TIMEOUT = 10.0  # seconds; fontconfig answers in milliseconds once its cache is built
MAX_PATTERN_CHARS = 256  # characters named in one fontconfig pattern (a sample when there are more)
MAX_SYSTEM_CANDIDATES = 48  # faces described from fontconfig's sorted list


@dataclass(frozen=True)
class FaceInfo:
    """What a face looks like and whom it is made for, read from its tables.

    ``serif`` is None when neither the names, the OS/2 classification nor the outline of "H" tell.
    ``regions`` holds the CJK regions (JP, KR, SC, TC, HK) whose Han glyph shapes the face follows.
    """

    family: str
    style: str
    weight: int
    serif: bool | None
    monospace: bool
    italic: bool
    regions: frozenset[str]


@dataclass(frozen=True)
class RoleStyle:
    """The look of a text role (title, body, label) that fallback faces should match."""

    serif: bool
    weight: int
    italic: bool = False


# ---------------------------------------------------------------------------------------------
# Describing a face


_NAME_FAMILY, _NAME_SUBFAMILY, _NAME_FULL, _NAME_TYPO_FAMILY, _NAME_TYPO_SUBFAMILY = 1, 2, 4, 16, 17

# Words in family names. "Sans" is checked first: "Microsoft Sans Serif" is a sans.
_SERIF_WORDS = frozenset(
    {"serif", "slab", "mincho", "myeongjo", "myungjo", "batang", "song", "songti", "sun", "sung", "ming", "fangsong"}
)
_SANS_WORDS = frozenset({"sans", "gothic", "grotesk", "grotesque", "hei", "heiti", "dotum", "gulim", "kaku"})
_SERIF_MARKS = ("明朝", "宋", "明體", "明体", "명조", "바탕")
_SANS_MARKS = ("ゴシック", "黑", "黒", "고딕", "돋움", "굴림")

_REGION_WORDS = {
    "jp": "JP", "jpn": "JP", "japan": "JP", "japanese": "JP", "mincho": "JP",
    "kr": "KR", "kor": "KR", "korean": "KR", "myeongjo": "KR", "myungjo": "KR", "batang": "KR",
    "dotum": "KR", "gulim": "KR", "gungsuh": "KR", "nanum": "KR", "malgun": "KR", "baekmuk": "KR",
    "sc": "SC", "cn": "SC", "gb": "SC", "prc": "SC", "chs": "SC",
    "tc": "TC", "tw": "TC", "cht": "TC", "mingliu": "TC", "pmingliu": "TC", "jheng": "TC",
    "hk": "HK",
}  # fmt: skip
_REGION_BRANDS = {
    "hiragino": "JP", "meiryo": "JP", "ipagothic": "JP", "ipamincho": "JP", "ipaex": "JP", "ipap": "JP",
    "takao": "JP", "kozuka": "JP", "yahei": "SC", "simsun": "SC", "simhei": "SC", "wenquanyi": "SC",
    "jhenghei": "TC", "mingliu": "TC",
}  # fmt: skip
_NAME_LANGUAGE_REGIONS = {
    "ja": "JP", "ko": "KR", "zh-cn": "SC", "zh-sg": "SC", "zh-hans": "SC",
    "zh-tw": "TC", "zh-hant": "TC", "zh-hk": "HK", "zh-mo": "HK",
}  # fmt: skip
# OS/2 ulCodePageRange1 bits: 17 JIS (Japan), 18 GB (PRC), 19 Wansung and 21 Johab (Korea), 20 Big5.
_CODE_PAGE_REGIONS = ((17, "JP"), (18, "SC"), (19, "KR"), (21, "KR"), (20, "TC"))

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def _words(name: str) -> list[str]:
    """Split a family name into lower-case words, camel case included ("NanumMyeongjo" -> nanum, myeongjo)."""
    return [w.lower() for w in _WORD.findall(name)]


def _names(hb_face: hb.Face) -> list[str]:
    """Return the face's family and full names in every language the name table has (English first)."""
    found: list[str] = []
    for name_id in (_NAME_TYPO_FAMILY, _NAME_FAMILY, _NAME_FULL):
        text = hb_face.get_name(name_id)
        if text and text not in found:
            found.append(text)
    for entry in hb_face.list_names():
        if int(entry.name_id) in (_NAME_FAMILY, _NAME_FULL, _NAME_TYPO_FAMILY):
            text = hb_face.get_name(entry.name_id, entry.language)
            if text and text not in found:
                found.append(text)
    return found


def _serif_from_names(names: Sequence[str]) -> bool | None:
    words = {w for name in names for w in _words(name)}
    if "sans" in words:
        return False
    if words & _SERIF_WORDS or any(mark in name for name in names for mark in _SERIF_MARKS):
        return True
    if words & _SANS_WORDS or any(mark in name for name in names for mark in _SANS_MARKS):
        return False
    return None


def _serif_from_os2(os2: bytes) -> bool | None:
    if len(os2) < 42:
        return None
    family_class = os2[30]  # the high byte of sFamilyClass
    if family_class in (1, 2, 3, 4, 5, 7):  # oldstyle, transitional, modern, clarendon, slab, freeform serifs
        return True
    if family_class == 8:
        return False
    panose_family, panose_serif = os2[32], os2[33]
    if panose_family == 2:  # Latin text
        if 2 <= panose_serif <= 10:
            return True
        if 11 <= panose_serif <= 15:  # normal, obtuse, perpendicular sans; flared; rounded
            return False
    return None


class _Outline:
    """A pen (fontTools protocol, as HarfBuzz's draw_glyph_with_pen calls it) collecting line segments."""

    def __init__(self) -> None:
        self.segments: list[tuple[tuple[float, float], tuple[float, float]]] = []
        self.start = self.current = (0.0, 0.0)

    def moveTo(self, point: tuple[float, float]) -> None:  # noqa: N802 (the pen protocol's names)
        self.start = self.current = point

    def lineTo(self, point: tuple[float, float]) -> None:  # noqa: N802
        self.segments.append((self.current, point))
        self.current = point

    def qCurveTo(self, *points: tuple[float, float]) -> None:  # noqa: N802
        # TrueType quadratics: an on-curve point is implied midway between two off-curve points.
        *controls, end = points
        for k, control in enumerate(controls):
            last = k == len(controls) - 1
            target = end if last else ((control[0] + controls[k + 1][0]) / 2, (control[1] + controls[k + 1][1]) / 2)
            start = self.current
            for step in range(1, 5):
                t = step / 4
                u = 1 - t
                self.lineTo(
                    (
                        u * u * start[0] + 2 * u * t * control[0] + t * t * target[0],
                        u * u * start[1] + 2 * u * t * control[1] + t * t * target[1],
                    )
                )

    def curveTo(self, c1: tuple[float, float], c2: tuple[float, float], end: tuple[float, float]) -> None:  # noqa: N802
        start = self.current
        for step in range(1, 7):
            t = step / 6
            u = 1 - t
            self.lineTo(
                (
                    u**3 * start[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t**3 * end[0],
                    u**3 * start[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t**3 * end[1],
                )
            )

    def closePath(self) -> None:  # noqa: N802
        if self.current != self.start:
            self.segments.append((self.current, self.start))
        self.current = self.start

    endPath = closePath  # noqa: N815

    def first_span(self, y: float) -> float | None:
        """Return the width of the leftmost piece of ink on the horizontal line at height ``y``."""
        xs = sorted(
            a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]) for a, b in self.segments if (a[1] <= y) != (b[1] <= y)
        )
        return xs[1] - xs[0] if len(xs) >= 2 else None


def _serif_from_outline(hb_face: hb.Face) -> bool | None:
    """Tell serif from sans by the left stem of "H": serifs make it much wider at the foot than at a third up.

    Measured on postkit's fonts and DejaVu: sans 1.00 (oblique included), serif 1.9 to 3.6.
    """
    import uharfbuzz as hb

    font = hb.Font(hb_face)
    glyph = font.get_nominal_glyph(ord("H"))
    if not glyph:
        return None
    extents = font.get_glyph_extents(glyph)
    if extents is None or extents.height >= 0:
        return None
    outline = _Outline()
    try:
        font.draw_glyph_with_pen(glyph, outline)
    except Exception:  # a broken glyph says nothing about the design
        return None
    height = -extents.height
    bottom = extents.y_bearing - height
    stem = outline.first_span(bottom + 0.3 * height)
    foot = outline.first_span(bottom + 0.015 * height)
    if not stem or not foot:
        return None
    return foot / stem > 1.3


def _regions(names: Sequence[str], name_languages: Iterable[str], code_pages: int) -> frozenset[str]:
    from_words = set()
    for name in names:
        from_words |= {_REGION_WORDS[w] for w in _words(name) if w in _REGION_WORDS}
        compact = name.lower().replace(" ", "").replace("-", "")
        from_words |= {region for brand, region in _REGION_BRANDS.items() if brand in compact}
    if from_words:
        return frozenset(from_words)
    from_languages = {_NAME_LANGUAGE_REGIONS[lang] for lang in name_languages if lang in _NAME_LANGUAGE_REGIONS}
    if from_languages:
        return frozenset(from_languages)
    # Pan-CJK fonts set every CJK code page; only one or two say whom the font is for.
    from_pages = {region for bit, region in _CODE_PAGE_REGIONS if code_pages >> bit & 1}
    return frozenset(from_pages) if len(from_pages) <= 2 else frozenset()


@cache
def describe(font: FontFile) -> FaceInfo:
    """Describe face ``font``: family, style, weight, serif or sans, monospace, italic, CJK regions (cached).

    Raise FontError when the file is not a font HarfBuzz can read.
    """
    hb_face = _hb_face(font)
    names = _names(hb_face)
    family = names[0] if names else font.path.stem
    style = hb_face.get_name(_NAME_TYPO_SUBFAMILY) or hb_face.get_name(_NAME_SUBFAMILY) or "Regular"
    os2 = hb_face.reference_table("OS/2").data
    style_words = set(_words(style))

    weight = struct.unpack(">H", os2[4:6])[0] if len(os2) >= 6 else 0
    if 1 <= weight <= 9:  # some old fonts count weights 1 to 9
        weight *= 100
    if not 1 <= weight <= 1000:
        weight = 700 if "bold" in style_words else 400

    # The names speak for the design as a whole; the outline of "H" is the Latin design measured, which
    # beats the often unset OS/2 classification, but a CJK face's name says more about its Han glyphs.
    serif = _serif_from_names(names)
    if serif is None:
        serif = _serif_from_outline(hb_face)
    if serif is None:
        serif = _serif_from_os2(os2)

    post = hb_face.reference_table("post").data
    fixed_pitch = len(post) >= 16 and struct.unpack(">I", post[12:16])[0] != 0
    panose_mono = len(os2) >= 42 and os2[32] == 2 and os2[35] == 9
    monospace = fixed_pitch or panose_mono or any("mono" in _words(name) for name in names)

    selection = struct.unpack(">H", os2[62:64])[0] if len(os2) >= 64 else 0
    italic = bool(selection & 0x201) or bool(style_words & {"italic", "oblique"})

    version = struct.unpack(">H", os2[:2])[0] if len(os2) >= 2 else 0
    code_pages = struct.unpack(">I", os2[78:82])[0] if version >= 1 and len(os2) >= 82 else 0
    languages = {
        entry.language.lower()
        for entry in hb_face.list_names()
        if int(entry.name_id) in (_NAME_FAMILY, _NAME_FULL) and entry.language
    }
    regions = _regions(names, languages, code_pages)
    return FaceInfo(family, style, weight, serif, monospace, italic, regions)


def role_style(chain: Sequence[FontFile]) -> RoleStyle:
    """Return the look of a role from its first (primary) font: serif or sans, weight, italic."""
    if not chain:
        return RoleStyle(serif=False, weight=400)
    try:
        info = describe(chain[0])
    except FontError:
        return RoleStyle(serif=False, weight=400)
    return RoleStyle(serif=bool(info.serif), weight=info.weight, italic=info.italic)


# ---------------------------------------------------------------------------------------------
# Languages


def lang_regions(lang: str) -> tuple[str, ...]:
    """Return the CJK regions whose Han glyph shapes a language tag wants, best first (() for other languages).

    ``ja`` -> JP, ``ko`` -> KR, ``zh``/``zh-Hans``/``zh-CN`` -> SC, ``zh-Hant``/``zh-TW`` -> TC,
    ``zh-HK``/``yue`` -> HK then TC.
    """
    parts = tag_parts(lang)
    if parts is None:
        return ()
    primary, script, region = parts
    if primary in ("ja", "jpn"):
        return ("JP",)
    if primary in ("ko", "kor"):
        return ("KR",)
    if primary not in ("zh", "zho", "chi", "cmn", "yue", "wuu", "hak", "nan"):
        return ()
    if region in ("HK", "MO") or (primary == "yue" and script != "Hans"):
        return ("HK", "TC")
    if script == "Hant" or region == "TW":
        return ("TC", "HK")
    return ("SC",)


def _needed(chars: str) -> list[str]:
    # Combining marks are drawn by the font of the letter they sit on: they need no face of their own.
    return [c for c in dict.fromkeys(chars) if needs_glyph(c) and not unicodedata.category(c).startswith("M")]


# ---------------------------------------------------------------------------------------------
# Picking faces


# How well a face's design suits a role and a language, smaller first: region, serif or sans, roman or
# italic, monospace, weight distance, and on a tie the weight's side.
_Look = tuple[int, int, bool, bool, int, bool]


def pick(candidates: Sequence[FontFile], chars: str, lang: str, style: RoleStyle) -> list[FontFile]:
    """Return the faces to append to a role's chain so that ``chars`` are drawn (deterministic).

    Greedy, one face at a time among those that draw a character still missing: a face made for the
    language first, then the role's serif or sans (and roman or italic), then not monospaced, then the
    closest weight (heavier for a bold role on a tie), then the one drawing the most missing characters,
    then by path. Characters no candidate draws are left out; the caller reports them.
    """
    needed = _needed(chars)
    if not needed:
        return []
    wanted = lang_regions(lang)

    def look(info: FaceInfo) -> _Look:
        """Rank a face's design for the role and language; smaller is better."""
        if not wanted or not info.regions:
            region_rank = len(wanted) if wanted else 0
        else:
            region_rank = min((wanted.index(r) for r in info.regions if r in wanted), default=len(wanted) + 1)
        serif_rank = 1 if info.serif is None else (0 if info.serif == style.serif else 2)
        distance = abs(info.weight - style.weight)
        # On a tie, a bold role takes the heavier face and any other role the lighter one.
        side = info.weight < style.weight if style.weight >= 600 else info.weight > style.weight
        return (region_rank, serif_rank, info.italic != style.italic, info.monospace, distance, side)

    looks: dict[FontFile, _Look] = {}
    for font in dict.fromkeys(candidates):
        try:
            looks[font] = look(describe(font))
        except FontError as exc:
            log.debug("Skipping font %s: %s", font, exc)
    ordered = sorted(looks, key=lambda f: (looks[f], str(f.path), f.index))

    # A face's character map is read only when every better-looking face has been tried: a Japanese
    # title usually stops at the first face, without reading the maps of the thirty others.
    drawn_by: dict[FontFile, frozenset[str]] = {}

    def drawn(font: FontFile) -> frozenset[str]:
        if font not in drawn_by:
            try:
                coverage = _coverage(font)
                drawn_by[font] = frozenset(c for c in needed if ord(c) in coverage)
            except FontError:
                drawn_by[font] = frozenset()
        return drawn_by[font]

    remaining = set(needed)
    chosen: list[FontFile] = []
    while remaining:
        best = None
        for _, group in groupby(ordered, key=looks.__getitem__):
            useful = [(len(drawn(f) & remaining), f) for f in group if f not in chosen]
            useful = [(count, f) for count, f in useful if count]
            if useful:
                best = min(useful, key=lambda item: (-item[0], str(item[1].path), item[1].index))[1]
                break
        if best is None:
            break
        chosen.append(best)
        remaining -= drawn(best)
    return chosen


# ---------------------------------------------------------------------------------------------
# A folder of fonts


def _looks_like_font(path: Path) -> bool:
    """Read a file's first four bytes (only those) to tell a TrueType/OpenType font or collection."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) in _MAGIC
    except OSError:
        return False


def folder_entries(folder: Path, shown: str) -> tuple[list[str], int]:
    """Return the sorted names of the files at the top of ``folder``, and how many sub-folders it has.

    At most MAX_ENTRIES entries are looked at (more is an error). ``shown`` names the folder in errors.
    """
    if not folder.is_dir():
        msg = f"{shown} is not a folder; pass a folder that holds .ttf, .otf or .ttc fonts"
        raise FontError(msg)
    names: list[str] = []
    subfolders = 0
    try:
        with os.scandir(folder) as entries:
            for count, entry in enumerate(entries, 1):
                if count > MAX_ENTRIES:
                    msg = (
                        f"{shown} holds more than {MAX_ENTRIES:,} entries and postkit looks at no more; "
                        "pass the folder that holds just the fonts"
                    )
                    raise FontError(msg)
                if entry.is_dir(follow_symlinks=False):
                    subfolders += 1
                else:
                    names.append(entry.name)
    except OSError as exc:
        msg = f"cannot list {shown} ({exc.strerror}); pass a readable folder of fonts"
        raise FontError(msg) from exc
    return sorted(names), subfolders


def faces_in(folder: Path) -> list[FontFile]:
    """List every face of every font file in ``folder`` (sorted; each face of a .ttc/.otc); no sub-folders.

    Work is bounded: at most MAX_ENTRIES entries are looked at (more is an error), at most
    MAX_FONT_FILES font files are used (a warning names the rest), only a file's first bytes are
    read before HarfBuzz maps it. Raise FontError when the folder holds no usable font.
    """
    folder = Path(folder)
    files, subfolders = folder_entries(folder, f"--font-dir {folder}")
    names = [name for name in files if name.lower().endswith(FONT_SUFFIXES)]
    if len(names) > MAX_FONT_FILES:
        log.warning(
            "--font-dir %s holds %d font files; using the first %d by name (%s to %s)",
            folder, len(names), MAX_FONT_FILES, names[0], names[MAX_FONT_FILES - 1],
        )  # fmt: skip
        names = names[:MAX_FONT_FILES]
    faces: list[FontFile] = []
    for name in names:
        path = folder / name
        try:
            info = path.stat()  # follows a symbolic link: system font folders use them
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FONT_BYTES or not _looks_like_font(path):
            log.debug("Skipping %s: not a font file of a usable size", path)
            continue
        count = face_count(path)
        if count > MAX_FACES_PER_FILE:
            log.warning("%s claims %d faces; using the first %d", path, count, MAX_FACES_PER_FILE)
            count = MAX_FACES_PER_FILE
        for index in range(count):
            font = FontFile(path, index)
            try:
                _hb_face(font)
            except FontError as exc:
                log.debug("Skipping %s: %s", font, exc)
                continue
            faces.append(font)
    if not faces:
        found = f"{len(names)} file(s) named like fonts but none readable" if names else "no .ttf, .otf or .ttc file"
        inside = f" ({subfolders} sub-folder(s) are not searched)" if subfolders else ""
        msg = (
            f"--font-dir {folder} has {found} at its top level{inside}; "
            "pass the folder that holds the font files themselves, e.g. /usr/share/fonts/opentype/noto"
        )
        raise FontError(msg)
    return faces


# ---------------------------------------------------------------------------------------------
# fontconfig

_FC_LANG = {"JP": "ja", "KR": "ko", "SC": "zh-cn", "TC": "zh-tw", "HK": "zh-hk"}


def _fc_lang(lang: str) -> str | None:
    regions = lang_regions(lang)
    if regions:
        return _FC_LANG[regions[0]]
    return language_key(lang) if is_language_tag(lang) else None


def _fc_pattern(chars: Sequence[str], lang: str, serif: bool) -> str:
    # Weight and slant are left to pick(): the roles of one family (a bold title, a regular body)
    # then share one fontconfig call, whose first faces hold every weight of the best families.
    parts = ["serif" if serif else "sans-serif"]
    fc_lang = _fc_lang(lang)
    if fc_lang:
        parts.append(f"lang={fc_lang}")
    if chars:
        # fontconfig ranks fonts first by how much of the charset they cover; a spread sample keeps
        # the command line short for an article with thousands of distinct characters.
        ordered = sorted(chars)
        step = max(1, -(-len(ordered) // MAX_PATTERN_CHARS))
        parts.append("charset=" + " ".join(f"{ord(c):x}" for c in ordered[::step]))
    return ":".join(parts)


@lru_cache(maxsize=64)
def _fontconfig_sorted(pattern: str) -> tuple[FontFile, ...]:
    """Return the first faces fontconfig ranks for ``pattern`` (fc-match -a), font files only; () without it."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        log.debug("fontconfig's fc-match is not installed; no system fonts")
        return ()
    try:
        result = subprocess.run(
            [fc_match, "-a", "--format", "%{index}\t%{file}\n", pattern],
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
            timeout=FC_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("fontconfig did not answer (%s); no system fonts used", exc)
        return ()
    if result.returncode != 0:
        log.debug("fc-match failed (%s): %s", result.returncode, result.stderr.strip())
        return ()
    found: dict[FontFile, None] = {}
    for line in result.stdout.splitlines():
        index, _, file = line.partition("\t")
        if not index.isdigit() or not file.lower().endswith(FONT_SUFFIXES):
            continue
        # fontconfig packs a variable font's named instance into the high bits of the index.
        found.setdefault(FontFile(Path(file), int(index) & 0xFFFF))
        if len(found) >= MAX_SYSTEM_CANDIDATES:
            break
    return tuple(f for f in found if f.path.is_file())


def system_faces(chars: str, lang: str, style: RoleStyle) -> list[FontFile]:
    """Return installed faces (through fontconfig) to append to a role's chain so that ``chars`` are drawn.

    One ``fc-match -a`` call per distinct (characters, language, serif or sans), cached per process, so
    roles that differ only in weight share it; collections are included. [] when fontconfig is absent
    or no installed font has the characters. Pass the same ``chars`` for every role to save calls.
    """
    needed = _needed(chars)
    if not needed:
        return []
    candidates = _fontconfig_sorted(_fc_pattern(needed, lang, style.serif))
    return pick(list(candidates), "".join(needed), lang, style)


# ---------------------------------------------------------------------------------------------
# The message when nothing draws a character

_CJK_RANGES = (
    (0x1100, 0x11FF), (0x2E80, 0x2FDF), (0x3000, 0x303F), (0x3040, 0x30FF), (0x3100, 0x312F),
    (0x3130, 0x318F), (0x3190, 0x31FF), (0x3200, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
    (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
    (0x20000, 0x3FFFF),
)  # fmt: skip
_EMOJI_RANGES = ((0x2600, 0x27BF), (0x1F000, 0x1FAFF))

_CJK_HINT = (
    "install the Noto CJK fonts (Debian/Ubuntu: sudo apt install fonts-noto-cjk; "
    "Fedora: sudo dnf install google-noto-sans-cjk-fonts google-noto-serif-cjk-fonts; "
    "macOS: brew install --cask font-noto-sans-cjk font-noto-serif-cjk)"
)
_EMOJI_HINT = (
    "install an emoji font (Debian/Ubuntu: sudo apt install fonts-noto-color-emoji; "
    "Fedora: sudo dnf install google-noto-color-emoji-fonts)"
)
_OTHER_HINT = (
    "install the Noto fonts for the script (Debian/Ubuntu: sudo apt install fonts-noto-core, "
    "or fonts-noto-extra for rarer scripts; Fedora: sudo dnf install google-noto-sans-<script>-fonts)"
)


def _in(char: str, ranges: Iterable[tuple[int, int]]) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in ranges)


def _script_kind(char: str) -> str:
    if unicodedata.category(char) == "Co":
        return "private"
    if _in(char, _CJK_RANGES):
        return "cjk"
    if _in(char, _EMOJI_RANGES):
        return "emoji"
    return "other"


def missing_font_message(chars: Sequence[str], lang: str, where: str) -> str:
    """Return the one-line error for characters no font draws: which (U+XXXX), where, and how to get a font.

    ``where`` names the place, e.g. "the title of article.md". The package named follows the
    characters' scripts (a character of a Chinese, Japanese or Korean article counts as CJK).
    """
    shown = ", ".join(f"{c} (U+{ord(c):04X})" for c in chars[:8])
    if len(chars) > 8:
        shown += f" and {len(chars) - 8} more"
    kinds = {_script_kind(c) for c in chars}
    if "other" in kinds and lang_regions(lang):
        kinds = (kinds - {"other"}) | {"cjk"}
    hints = [
        hint for kind, hint in (("cjk", _CJK_HINT), ("emoji", _EMOJI_HINT), ("other", _OTHER_HINT)) if kind in kinds
    ]
    font_dir = "pass --font-dir DIR with a .ttf, .otf or .ttc font that has them"
    if "private" in kinds:
        font_dir += " (a private-use character is drawn only by the font made for it)"
    fix = "; ".join([*hints, f"or {font_dir}"]) if hints else font_dir
    return f"no font can draw {shown} in {where}; {fix}"
