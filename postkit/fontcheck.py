"""Tell which font files FreeType would draw slowly: TrueType glyphs that carry the overlap flag.

A glyph flagged OVERLAP_SIMPLE (on its first point) or OVERLAP_COMPOUND (on a component) tells FreeType
its contours may overlap, and FreeType then renders it with 4x4 oversampling: text in such a font
takes 2-4 times as long to draw. Static fonts cut from variable ones (Google Fonts' among them)
often set the flag on every glyph. postkit draws the fonts a user gives it (--font-dir, a theme's
fonts) as they are; ``postkit fonts check DIR`` says which would be slow and why.

The files are untrusted: only the font's table directory, ``head``, ``maxp``, ``loca`` and the first
bytes of each glyph are read (through a read-only map, never the whole file), every offset is
checked against the file's size, and the work per face is bounded.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from postkit.fonts import FONT_SUFFIXES, MAX_FONT_BYTES
from postkit.fontsearch import MAX_FACES_PER_FILE, MAX_FONT_FILES, folder_entries
from postkit.safeio import UnsafeFileError, open_inside, printable

OVERLAP_SIMPLE = 0x40  # a simple glyph's first point flag
OVERLAP_COMPOUND = 0x0400  # a composite glyph's component flags
MAX_TABLES = 512  # a real font has a few dozen tables
MAX_RECORDS = 1_000_000  # glyph and component records read from one file, 0.2 s (a real font: under 300,000)

_U16 = struct.Struct(">H")
_I16 = struct.Struct(">h")
_U32 = struct.Struct(">I")
_TRUETYPE, _OPENTYPE_CFF, _COLLECTION = (b"\x00\x01\x00\x00", b"true"), b"OTTO", b"ttcf"
_BITMAP_TABLES = (b"CBDT", b"sbix", b"EBDT", b"SVG ")

# Component flags: argument sizes and transform sizes, and whether another component follows.
_ARGS_ARE_WORDS, _HAVE_SCALE, _MORE_COMPONENTS, _X_AND_Y_SCALE, _TWO_BY_TWO = 0x1, 0x8, 0x20, 0x40, 0x80

Verdict = Literal["fast", "slow", "unreadable", "skipped"]


class _Unreadable(Exception):
    """A file or face this module cannot read; the message completes "<file> ..."."""


@dataclass(frozen=True)
class FaceCheck:
    """One face of a font file: what its glyphs are, and how many carry the overlap flag."""

    name: str  # the file name, with "#N" for face N > 0 of a collection
    outlines: Literal["TrueType", "CFF", "bitmap", "none"]
    simple: int = 0
    simple_flagged: int = 0
    composite: int = 0
    composite_flagged: int = 0
    damaged: int = 0  # glyphs whose data lies outside the glyf table or ends early

    @property
    def slow(self) -> bool:
        """Tell whether FreeType would draw some of this face's glyphs with oversampling."""
        return bool(self.simple_flagged or self.composite_flagged)

    def describe(self) -> str:
        """Say, on one line, whether the face is drawn slowly, why, and what to do."""
        damaged = f"; {self.damaged:,} glyph(s) could not be read" if self.damaged else ""
        if self.outlines == "CFF":
            return f"{self.name}: fast: CFF outlines (PostScript), which carry no overlap flag{damaged}"
        if self.outlines == "bitmap":
            return f"{self.name}: fast: bitmap glyphs, no outlines to rasterise"
        if self.outlines == "none":
            return f"{self.name}: fast: no glyph outlines (no glyf or CFF table)"
        if not self.slow:
            total = self.simple + self.composite
            if not total:
                return f"{self.name}: fast: no glyph has an outline{damaged}"
            return f"{self.name}: fast: none of its {total:,} outline glyphs carries the overlap flag{damaged}"
        return (
            f"{self.name}: slow: {self.simple_flagged:,} of {self.simple:,} simple and {self.composite_flagged:,} "
            f"of {self.composite:,} composite glyphs carry TrueType's overlap flag, so FreeType draws them with "
            f"4x4 oversampling (2-4x slower){damaged}; remove the overlaps and clear the flags "
            "(see postkit fonts check --help)"
        )


@dataclass(frozen=True)
class FileCheck:
    """One entry of the folder: a font file's faces, or why it was not read or not looked at."""

    name: str
    verdict: Verdict
    faces: tuple[FaceCheck, ...] = ()
    reason: str = ""  # why a file is unreadable or skipped; completes "<name> ..."

    def lines(self) -> list[str]:
        """Describe the file, one line per face (one line when it was not read)."""
        if self.verdict == "skipped":
            return [f"{self.name}: skipped: {self.reason}"]
        if self.verdict == "unreadable":
            return [f"{self.name}: not read: {self.reason}"]
        lines = [face.describe() for face in self.faces]
        if self.reason:
            lines.append(f"{self.name}: {self.reason}")
        return lines


@dataclass(frozen=True)
class FolderCheck:
    """The files of one folder, checked; sub-folders and font files past the limit are only counted."""

    folder: Path
    files: tuple[FileCheck, ...]
    subfolders: int = 0
    not_checked: int = 0  # font files past MAX_FONT_FILES (by name), which --font-dir does not use either

    def count(self, verdict: Verdict) -> int:
        """Count the files with ``verdict``."""
        return sum(1 for f in self.files if f.verdict == verdict)

    @property
    def fonts(self) -> int:
        """The number of files named like fonts that were looked at."""
        return len(self.files) - self.count("skipped")

    @property
    def ok(self) -> bool:
        """Tell whether there were font files and every one is drawn at full speed."""
        return self.fonts > 0 and self.count("slow") == 0 and self.count("unreadable") == 0

    def summary(self) -> str:
        """Sum the check up in one line (an error's message when not ok)."""
        where = printable(str(self.folder))
        notes = []
        if self.subfolders:
            notes.append(f"{self.subfolders} sub-folder(s) not searched")
        if self.not_checked:
            notes.append(f"{self.not_checked} font file(s) past the first {MAX_FONT_FILES} not checked")
        note = f" ({'; '.join(notes)})" if notes else ""
        if not self.fonts:
            return (
                f"{where} has no .ttf, .otf, .ttc or .otc file at its top level{note}; "
                "pass the folder that holds the font files themselves"
            )
        slow, unreadable = self.count("slow"), self.count("unreadable")
        if not slow and not unreadable:
            return f"{where}: {self.fonts} font file(s), all drawn at full speed{note}"
        problems = []
        if slow:
            problems.append(f"{slow} would be drawn slowly (remove their overlaps, see postkit fonts check --help)")
        if unreadable:
            problems.append(f"{unreadable} cannot be read (replace them or move them out)")
        return f"{where}: of {self.fonts} font file(s), {' and '.join(problems)}{note}"


# ---------------------------------------------------------------------------------------------
# Reading one face


def _u16(data: mmap.mmap | bytes, offset: int) -> int:
    value: int = _U16.unpack_from(data, offset)[0]
    return value


def _u32(data: mmap.mmap | bytes, offset: int) -> int:
    value: int = _U32.unpack_from(data, offset)[0]
    return value


def _face_offsets(data: mmap.mmap | bytes) -> tuple[list[int], int]:
    """Return where each face's table directory starts, and how many faces the file claims."""
    magic = data[:4]
    if magic in _TRUETYPE or magic == _OPENTYPE_CFF:
        return [0], 1
    if magic == _COLLECTION:
        if len(data) < 16:
            msg = "ends inside its collection header"
            raise _Unreadable(msg)
        claimed = _u32(data, 8)
        count = min(claimed, MAX_FACES_PER_FILE)
        if 12 + 4 * count > len(data):
            msg = f"claims {claimed:,} faces but ends inside their list"
            raise _Unreadable(msg)
        return [_u32(data, 12 + 4 * index) for index in range(count)], claimed
    if magic in (b"wOFF", b"wOF2"):
        msg = "is a WOFF web font; convert it to .ttf or .otf"
        raise _Unreadable(msg)
    msg = "does not start like a TrueType or OpenType font"
    raise _Unreadable(msg)


def _tables(data: mmap.mmap | bytes, offset: int) -> dict[bytes, tuple[int, int]]:
    """Return the face's tables at ``offset``: tag -> (offset, length), as the directory says (unchecked)."""
    if offset + 12 > len(data):
        msg = "ends inside a table directory"
        raise _Unreadable(msg)
    if data[offset : offset + 4] not in (*_TRUETYPE, _OPENTYPE_CFF):
        msg = "has a table directory that does not start like a font's"
        raise _Unreadable(msg)
    count = _u16(data, offset + 4)
    if count > MAX_TABLES:
        msg = f"claims {count:,} tables, more than any font has"
        raise _Unreadable(msg)
    if offset + 12 + 16 * count > len(data):
        msg = "ends inside its table directory"
        raise _Unreadable(msg)
    tables = {}
    for index in range(count):
        record = offset + 12 + 16 * index
        tag = bytes(data[record : record + 4])
        tables[tag] = (_u32(data, record + 8), _u32(data, record + 12))
    return tables


def _table(data: mmap.mmap | bytes, tables: dict[bytes, tuple[int, int]], tag: bytes, least: int) -> tuple[int, int]:
    """Return where table ``tag`` starts and its length, checked to lie inside the file and hold ``least`` bytes."""
    shown = tag.decode("latin-1").strip()
    if tag not in tables:
        msg = f"has a glyf table but no {shown} table"
        raise _Unreadable(msg)
    start, length = tables[tag]
    if start + length > len(data):
        msg = f"is cut short: its {shown} table runs past the end of the file"
        raise _Unreadable(msg)
    if length < least:
        msg = f"has a {shown} table of {length} bytes, too short"
        raise _Unreadable(msg)
    return start, length


def _loca(data: mmap.mmap | bytes, tables: dict[bytes, tuple[int, int]], glyphs: int, long: bool) -> Sequence[int]:
    start, length = tables[b"loca"]
    size = 4 if long else 2
    if length < (glyphs + 1) * size:
        msg = f"has a loca table too short for its {glyphs:,} glyphs"
        raise _Unreadable(msg)
    values = struct.unpack_from(f">{glyphs + 1}{'I' if long else 'H'}", data, start)
    return values if long else [value * 2 for value in values]


class _Reader:
    """Read the glyphs of one file's faces within one budget of records; faces that share a glyf table once."""

    def __init__(self, data: mmap.mmap | bytes) -> None:
        self.data = data
        self.budget = MAX_RECORDS
        self.seen: dict[tuple[int, ...], dict[str, int]] = {}

    def _spend(self, records: int) -> None:
        self.budget -= records
        if self.budget < 0:
            msg = f"holds more than {MAX_RECORDS:,} glyph records, more than any font"
            raise _Unreadable(msg)

    def face(self, offset: int, name: str) -> FaceCheck:
        """Check the face whose table directory is at ``offset``."""
        data = self.data
        tables = _tables(data, offset)
        if b"maxp" not in tables:  # every TrueType and OpenType font has one
            msg = "has no maxp table, which every font has"
            raise _Unreadable(msg)
        if b"glyf" not in tables:
            for tag in (b"CFF ", b"CFF2"):
                if tag in tables:
                    _table(data, tables, tag, 4)
                    return FaceCheck(name, "CFF")
            return FaceCheck(name, "bitmap" if any(t in tables for t in _BITMAP_TABLES) else "none")
        head, _ = _table(data, tables, b"head", 54)
        maxp, _ = _table(data, tables, b"maxp", 6)
        loca, _ = _table(data, tables, b"loca", 0)
        glyf, glyf_length = _table(data, tables, b"glyf", 0)
        long_offsets = _I16.unpack_from(data, head + 50)[0]
        if long_offsets not in (0, 1):
            msg = f"has indexToLocFormat {long_offsets} in its head table (0 or 1 expected)"
            raise _Unreadable(msg)
        glyphs = _u16(data, maxp + 4)
        key = (glyf, glyf_length, loca, long_offsets, glyphs)
        if key not in self.seen:
            self.seen[key] = self._glyphs(_loca(data, tables, glyphs, bool(long_offsets)), glyf, glyf_length)
        return FaceCheck(name, "TrueType", **self.seen[key])

    def _glyphs(self, loca: Sequence[int], glyf: int, glyf_length: int) -> dict[str, int]:
        """Count the simple and composite glyphs, those that carry the overlap flag, and those cut short."""
        data = self.data
        counts = {"simple": 0, "simple_flagged": 0, "composite": 0, "composite_flagged": 0, "damaged": 0}
        self._spend(len(loca) - 1)
        for index in range(len(loca) - 1):
            start, end = loca[index], loca[index + 1]
            if end <= start:  # an empty glyph (a space), or a damaged entry FreeType reads as empty
                continue
            if end > glyf_length or end - start < 10:
                counts["damaged"] += 1
                continue
            at, stop = glyf + start, glyf + end
            contours = _I16.unpack_from(data, at)[0]
            if contours > 0:
                first_flag = at + 10 + 2 * contours
                if first_flag + 2 > stop:
                    counts["damaged"] += 1
                    continue
                first_flag += 2 + _u16(data, first_flag)  # the instructions come before the flags
                if first_flag >= stop:
                    counts["damaged"] += 1
                    continue
                counts["simple"] += 1
                counts["simple_flagged"] += bool(data[first_flag] & OVERLAP_SIMPLE)
            elif contours < 0:
                flagged = self._composite_flagged(at + 10, stop)
                if flagged is None:
                    counts["damaged"] += 1
                    continue
                counts["composite"] += 1
                counts["composite_flagged"] += flagged
        return counts

    def _composite_flagged(self, at: int, end: int) -> bool | None:
        """Tell whether a composite glyph's component carries OVERLAP_COMPOUND (None: its data ends early)."""
        while True:
            if at + 4 > end:
                return None
            self._spend(1)
            flags = _u16(self.data, at)
            if flags & OVERLAP_COMPOUND:
                return True
            at += 4 + (4 if flags & _ARGS_ARE_WORDS else 2)
            at += 2 if flags & _HAVE_SCALE else 4 if flags & _X_AND_Y_SCALE else 8 if flags & _TWO_BY_TWO else 0
            if not flags & _MORE_COMPONENTS:
                return False


# ---------------------------------------------------------------------------------------------
# Files and folders


def check_font_file(folder: Path, name: str) -> FileCheck:
    """Check the font file ``folder/name``: each face's overlap flags, or why it cannot be read.

    The file must be a regular file inside ``folder`` (a symbolic link is followed only to a file inside
    it); nothing is raised for a bad file, whose FileCheck says "unreadable" and why.
    """
    shown = printable(name)
    try:
        file, info = open_inside(folder, name)
    except UnsafeFileError as exc:
        return FileCheck(shown, "unreadable", reason=exc.reason)
    except OSError as exc:
        return FileCheck(shown, "unreadable", reason=f"cannot be opened ({exc.strerror or exc})")
    with file:
        if info.st_size > MAX_FONT_BYTES:
            return FileCheck(shown, "unreadable", reason=f"is {info.st_size:,} bytes, more than any font")
        if info.st_size < 12:
            return FileCheck(shown, "unreadable", reason=f"is {info.st_size} bytes long, too short to be a font")
        try:
            data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            return FileCheck(shown, "unreadable", reason=f"cannot be read ({exc})")
    with data:
        try:
            return _check_file(data, shown)
        except _Unreadable as exc:
            return FileCheck(shown, "unreadable", reason=str(exc))
        except (struct.error, IndexError, ValueError) as exc:  # an offset the checks above let through
            return FileCheck(shown, "unreadable", reason=f"is damaged ({exc})")


def _check_file(data: mmap.mmap, shown: str) -> FileCheck:
    offsets, claimed = _face_offsets(data)
    faces = []
    reader = _Reader(data)
    for index, offset in enumerate(offsets):
        face_name = f"{shown}#{index}" if index else shown
        try:
            faces.append(reader.face(offset, face_name))
        except _Unreadable as exc:
            if len(offsets) == 1:
                raise
            msg = f"face {index} {exc}"
            raise _Unreadable(msg) from None
    note = f"claims {claimed:,} faces; the first {len(offsets)} were checked" if claimed > len(offsets) else ""
    return FileCheck(shown, "slow" if any(f.slow for f in faces) else "fast", tuple(faces), note)


def check_font_folder(folder: Path) -> FolderCheck:
    """Check every font file at the top of ``folder`` (as --font-dir reads it): which FreeType draws slowly.

    Files not named .ttf, .otf, .ttc or .otc are listed as skipped; sub-folders are counted, not
    searched; symbolic links are followed only to files inside the folder. Raise FontError when
    ``folder`` is not a folder that can be listed, or holds more than MAX_ENTRIES entries.
    """
    folder = Path(folder)
    names, subfolders = folder_entries(folder, printable(str(folder)))
    files: list[FileCheck] = []
    fonts = 0
    not_checked = 0
    for name in names:
        if not name.lower().endswith(FONT_SUFFIXES):
            files.append(FileCheck(printable(name), "skipped", reason="not named .ttf, .otf, .ttc or .otc"))
            continue
        fonts += 1
        if fonts > MAX_FONT_FILES:
            not_checked += 1
            continue
        files.append(check_font_file(folder, name))
    return FolderCheck(folder, tuple(files), subfolders, not_checked)
