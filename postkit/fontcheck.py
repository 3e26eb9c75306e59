"""Tell which font files FreeType would draw slowly: TrueType glyphs that carry the overlap flag.

A glyph flagged OVERLAP_SIMPLE (on its first point) or OVERLAP_COMPOUND (on its first component, the
only one FreeType looks at) tells FreeType its contours may overlap, and FreeType then renders it with
4x4 oversampling: text in such a font takes 2-9 times as long to draw (more at larger sizes). Static
fonts cut from variable ones (Google Fonts' among them) often set the flag on every glyph. postkit
draws the fonts a user gives it (--font-dir, a theme's fonts) as they are; ``postkit fonts check DIR``
says which would be slow, and which are damaged (glyphs FreeType cannot read).

The files are untrusted: only the font's table directory, ``head``, ``maxp``, ``loca`` and the first
bytes of each glyph are read (through a read-only map, never the whole file), every offset is
checked against the file's size, and the work is bounded per file (MAX_RECORDS) and per folder
(MAX_FOLDER_RECORDS: the files past it are listed as not checked).
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from postkit.fonts import FONT_SUFFIXES, MAX_FONT_BYTES
from postkit.fontsearch import MAX_FACES_PER_FILE, MAX_FONT_FILES, folder_entries
from postkit.safeio import UnsafeFileError, open_inside, printable

OVERLAP_SIMPLE = 0x40  # a simple glyph's first point flag
OVERLAP_COMPOUND = 0x0400  # a composite glyph's first component's flags
MAX_TABLES = 512  # a real font has a few dozen tables
MAX_RECORDS = 1_000_000  # glyph, component and table records read from one file, 0.3 s (a real font: under 300,000)
MAX_FOLDER_RECORDS = 20_000_000  # from one folder, about 6 s; 256 fonts of 65,535 glyphs fit (see the tests)
SHOWN_NAMES = 3  # file names shown in a line that sums up many files

_U16 = struct.Struct(">H")
_I16 = struct.Struct(">h")
_U32 = struct.Struct(">I")
_TRUETYPE, _OPENTYPE_CFF, _COLLECTION = (b"\x00\x01\x00\x00", b"true"), b"OTTO", b"ttcf"
_BITMAP_TABLES = (b"CBDT", b"sbix", b"EBDT", b"SVG ")
_SUFFIXES = ".ttf, .otf, .ttc or .otc"
_BUDGET_SPENT = f"the files before it hold {MAX_FOLDER_RECORDS:,} glyph records, all postkit reads from a folder"

# Component flags: argument sizes and transform sizes, and whether another component follows.
_ARGS_ARE_WORDS, _HAVE_SCALE, _MORE_COMPONENTS, _X_AND_Y_SCALE, _TWO_BY_TWO = 0x1, 0x8, 0x20, 0x40, 0x80

Verdict = Literal["fast", "slow", "damaged", "unreadable", "not checked", "skipped"]

# Said once after the list, for each verdict it holds.
SLOW_FIX = (
    "slow: FreeType draws a glyph that carries TrueType's overlap flag with 4x4 oversampling, 2-9 times slower; "
    "remove the overlaps and clear the flags, e.g. with fontTools' removeOverlaps "
    "(pip install 'fonttools[pathops]'), then clear OVERLAP_SIMPLE and OVERLAP_COMPOUND on every glyph"
)
DAMAGED_FIX = (
    "damaged: a glyph whose data lies outside the glyf table or ends early is drawn blank or fails to load "
    "in FreeType; replace the file with a fresh copy from where it came from"
)


def shown_name(name: str) -> str:
    """Show a file name on one line: bytes that are not UTF-8 as \\xNN, control characters escaped."""
    return printable(os.fsencode(name).decode("utf-8", "backslashreplace"))


def _some(names: Sequence[str]) -> str:
    """Name the first few of ``names``: "a, b, c and 9,997 more"."""
    more = len(names) - SHOWN_NAMES
    return ", ".join(names[:SHOWN_NAMES]) + (f" and {more:,} more" if more > 0 else "")


def _are(count: int) -> str:
    return "is" if count == 1 else "are"


def _them(count: int) -> str:
    return "it" if count == 1 else "them"


class _Unreadable(Exception):
    """A file or face this module cannot read; the message completes "<file> ..."."""


class _TooManyRecords(_Unreadable):
    """A file holding more glyph records than MAX_RECORDS."""


class _FolderBudgetSpent(Exception):
    """The folder's MAX_FOLDER_RECORDS are spent: this file and the rest are not checked."""


class RecordBudget:
    """The glyph records one folder's check may still read (shared by its files), and how many it read."""

    def __init__(self, records: int = MAX_FOLDER_RECORDS) -> None:
        self.limit = records
        self.left = records

    @property
    def spent(self) -> int:
        """The records read so far (more than ``limit`` once it ran out)."""
        return self.limit - self.left


@dataclass(frozen=True)
class FaceCheck:
    """One face of a font file: what its glyphs are, how many carry the overlap flag, how many are damaged."""

    name: str  # the file name, with "#N" for face N > 0 of a collection
    outlines: Literal["TrueType", "CFF", "bitmap", "none"]
    simple: int = 0
    simple_flagged: int = 0
    composite: int = 0
    composite_flagged: int = 0
    damaged: int = 0  # glyphs whose data lies outside the glyf table or ends early
    glyphs: int = 0  # the glyphs the face claims (maxp), empty ones included

    @property
    def slow(self) -> bool:
        """Tell whether FreeType would draw some of this face's glyphs with oversampling."""
        return bool(self.simple_flagged or self.composite_flagged)

    @property
    def verdict(self) -> Literal["fast", "slow", "damaged"]:
        """Say what is wrong with the face, damage first."""
        return "damaged" if self.damaged else "slow" if self.slow else "fast"

    def describe(self) -> str:
        """Say, on one short line, whether the face is drawn slowly or damaged, with the counts."""
        if self.outlines == "CFF":
            return f"{self.name}: fast: CFF outlines (PostScript), which carry no overlap flag"
        if self.outlines == "bitmap":
            return f"{self.name}: fast: bitmap glyphs, no outlines to rasterise"
        if self.outlines == "none":
            return f"{self.name}: fast: no glyph outlines (no glyf or CFF table)"
        flagged = self.simple_flagged + self.composite_flagged
        outlines = self.simple + self.composite
        if self.damaged:
            also = (
                f"; {flagged:,} of its {outlines:,} readable outline glyphs carry the overlap flag" if flagged else ""
            )
            return f"{self.name}: damaged: {self.damaged:,} of {self.glyphs:,} glyphs cannot be read{also}"
        if self.slow:
            return (
                f"{self.name}: slow: {self.simple_flagged:,} of {self.simple:,} simple and "
                f"{self.composite_flagged:,} of {self.composite:,} composite glyphs carry the overlap flag"
            )
        if not outlines:
            return f"{self.name}: fast: no glyph has an outline"
        return f"{self.name}: fast: none of its {outlines:,} outline glyphs carries the overlap flag"


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
        if self.verdict == "not checked":
            return [f"{self.name}: not checked: {self.reason}"]
        lines = [face.describe() for face in self.faces]
        if self.reason:
            lines.append(f"{self.name}: {self.reason}")
        return lines


@dataclass(frozen=True)
class FolderCheck:
    """The files of one folder, checked; sub-folders and font files past the limits are only counted."""

    folder: Path
    files: tuple[FileCheck, ...]
    subfolders: int = 0  # symbolic links to folders included
    not_checked: int = 0  # font files past MAX_FONT_FILES (by name), which --font-dir does not use either
    records: int = 0  # glyph records read, all files together
    budget: int = MAX_FOLDER_RECORDS  # the records the check could read

    def count(self, verdict: Verdict) -> int:
        """Count the files with ``verdict``."""
        return sum(1 for f in self.files if f.verdict == verdict)

    @property
    def fonts(self) -> int:
        """The number of files named like fonts that were looked at."""
        return len(self.files) - self.count("skipped")

    @property
    def ok(self) -> bool:
        """Tell whether there were font files and every one was checked and is drawn at full speed."""
        return self.fonts > 0 and self.count("fast") == self.fonts

    def lines(self) -> list[str]:
        """Describe the folder before its summary: a line per font file or face, then one per note."""
        lines = [line for f in self.files if f.verdict not in ("skipped", "not checked") for line in f.lines()]
        skipped = [f.name for f in self.files if f.verdict == "skipped"]
        if skipped:
            lines.append(f"skipped {len(skipped):,} file(s) not named {_SUFFIXES}: {_some(skipped)}")
        unchecked = [f.name for f in self.files if f.verdict == "not checked"]
        if unchecked:
            lines.append(
                f"not checked: {len(unchecked):,} font file(s) ({_some(unchecked)}): the files before them hold "
                f"{self.budget:,} glyph records, as many as postkit reads from one folder; "
                "check the rest in a folder of their own"
            )
        if self.count("slow") or any(face.slow for f in self.files for face in f.faces):
            lines.append(SLOW_FIX)
        if self.count("damaged"):
            lines.append(DAMAGED_FIX)
        return lines

    def summary(self) -> str:
        """Sum the check up in one line (an error's message when not ok)."""
        where = shown_name(str(self.folder))
        notes = []
        if self.subfolders:
            notes.append(f"{self.subfolders} sub-folder(s) not searched")
        if self.not_checked:
            notes.append(f"{self.not_checked} font file(s) past the first {MAX_FONT_FILES} not checked")
        note = f" ({'; '.join(notes)})" if notes else ""
        if not self.fonts:
            return (
                f"{where} has no {_SUFFIXES} file at its top level{note}; "
                "pass the folder that holds the font files themselves"
            )
        if self.ok:
            return f"{where}: {self.fonts} font file(s), all drawn at full speed{note}"
        problems = []
        if slow := self.count("slow"):
            problems.append(f"{slow} would be drawn slowly (remove their overlaps, see postkit fonts check --help)")
        if damaged := self.count("damaged"):
            problems.append(f"{damaged} {_are(damaged)} damaged (replace {_them(damaged)})")
        if unreadable := self.count("unreadable"):
            problems.append(f"{unreadable} cannot be read (replace them or move them out)")
        if unchecked := self.count("not checked"):
            problems.append(f"{unchecked} {_are(unchecked)} not checked (check {_them(unchecked)} in another folder)")
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
    """Read the glyphs of one file's faces within its budget of records; faces that share a glyf table once."""

    def __init__(self, data: mmap.mmap | bytes, folder: RecordBudget) -> None:
        self.data = data
        self.left = MAX_RECORDS
        self.folder = folder
        self.seen: dict[tuple[int, ...], dict[str, int]] = {}

    def _spend(self, records: int) -> None:
        self.left -= records
        self.folder.left -= records
        if self.left < 0:
            raise _TooManyRecords
        if self.folder.left < 0:
            raise _FolderBudgetSpent

    def face(self, offset: int, name: str) -> FaceCheck:
        """Check the face whose table directory is at ``offset``."""
        data = self.data
        tables = _tables(data, offset)
        self._spend(len(tables))
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
            self._spend(glyphs)  # before the loca table is unpacked
            self.seen[key] = self._glyphs(_loca(data, tables, glyphs, bool(long_offsets)), glyf, glyf_length)
        return FaceCheck(name, "TrueType", **self.seen[key], glyphs=glyphs)

    def _glyphs(self, loca: Sequence[int], glyf: int, glyf_length: int) -> dict[str, int]:
        """Count the simple and composite glyphs, those that carry the overlap flag, and those cut short."""
        data = self.data
        counts = {"simple": 0, "simple_flagged": 0, "composite": 0, "composite_flagged": 0, "damaged": 0}
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
        """Tell whether a composite glyph's first component carries OVERLAP_COMPOUND (None: its data ends early).

        FreeType looks at the first component's flag only (ttgload.c, ``subglyphs[0].flags``), as the
        OpenType spec sets it there; the other components are walked to find where the glyph ends.
        """
        first: int | None = None
        while True:
            if at + 4 > end:
                return None
            self._spend(1)
            flags = _u16(self.data, at)
            if first is None:
                first = flags
            at += 4 + (4 if flags & _ARGS_ARE_WORDS else 2)
            at += 2 if flags & _HAVE_SCALE else 4 if flags & _X_AND_Y_SCALE else 8 if flags & _TWO_BY_TWO else 0
            if not flags & _MORE_COMPONENTS:
                return bool(first & OVERLAP_COMPOUND)


# ---------------------------------------------------------------------------------------------
# Files and folders


def check_font_file(folder: Path, name: str, budget: RecordBudget | None = None) -> FileCheck:
    """Check the font file ``folder/name``: each face's overlap flags and damage, or why it cannot be read.

    The file must be a regular file inside ``folder`` (a symbolic link is followed only to a file inside
    it); nothing is raised for a bad file, whose FileCheck says "unreadable" and why.

    :param budget: the records left for the folder the file is checked with; when it runs out, the
        file is "not checked" (the default: a budget of MAX_FOLDER_RECORDS for this file alone).
    """
    shown = shown_name(name)
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
            return _check_file(data, shown, budget or RecordBudget())
        except _FolderBudgetSpent:
            return FileCheck(shown, "not checked", reason=_BUDGET_SPENT)
        except _Unreadable as exc:
            return FileCheck(shown, "unreadable", reason=str(exc))
        except (struct.error, IndexError, ValueError) as exc:  # an offset the checks above let through
            return FileCheck(shown, "unreadable", reason=f"is damaged ({exc})")


def _check_file(data: mmap.mmap, shown: str, budget: RecordBudget) -> FileCheck:
    offsets, claimed = _face_offsets(data)
    faces = []
    reader = _Reader(data, budget)
    for index, offset in enumerate(offsets):
        face_name = f"{shown}#{index}" if index else shown
        try:
            faces.append(reader.face(offset, face_name))
        except _TooManyRecords:  # the limit is the file's, not this face's
            where = f" in its first {index + 1} faces" if index else ""
            msg = f"holds more than {MAX_RECORDS:,} glyph records{where}, more than any font"
            raise _Unreadable(msg) from None
        except _Unreadable as exc:
            if len(offsets) == 1:
                raise
            msg = f"face {index} {exc}"
            raise _Unreadable(msg) from None
    note = f"claims {claimed:,} faces; the first {len(offsets)} were checked" if claimed > len(offsets) else ""
    verdicts = {face.verdict for face in faces}
    verdict: Verdict = "damaged" if "damaged" in verdicts else "slow" if "slow" in verdicts else "fast"
    return FileCheck(shown, verdict, tuple(faces), note)


def check_font_folder(folder: Path, records: int = MAX_FOLDER_RECORDS) -> FolderCheck:
    """Check every font file at the top of ``folder`` (as --font-dir reads it): which FreeType draws slowly.

    Files not named .ttf, .otf, .ttc or .otc are listed as skipped; sub-folders (and symbolic links to
    folders) are counted, not searched; symbolic links are followed only to files inside the folder.
    Once ``records`` glyph records are read, the remaining font files are listed as not checked. Raise
    FontError when ``folder`` is not a folder that can be listed, or holds more than MAX_ENTRIES entries.
    """
    folder = Path(folder)
    names, subfolders = folder_entries(folder, shown_name(str(folder)))
    files: list[FileCheck] = []
    budget = RecordBudget(records)
    fonts = 0
    not_checked = 0
    for name in names:
        if os.path.islink(folder / name) and os.path.isdir(folder / name):
            subfolders += 1
            continue
        if not name.lower().endswith(FONT_SUFFIXES):
            files.append(FileCheck(shown_name(name), "skipped", reason=f"not named {_SUFFIXES}"))
            continue
        fonts += 1
        if fonts > MAX_FONT_FILES:
            not_checked += 1
        elif budget.left < 0:
            files.append(FileCheck(shown_name(name), "not checked", reason=_BUDGET_SPENT))
        else:
            files.append(check_font_file(folder, name, budget))
    return FolderCheck(folder, tuple(files), subfolders, not_checked, budget.spent, records)
