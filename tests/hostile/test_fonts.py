"""Hostile font folders given to `postkit fonts check`: one line per file, in bounded time and memory.

Every attempt runs the real command in a subprocess with a 20 s timeout (180 s for the 256 links,
whose bound is the work counted: about 6 s, slower under coverage) and a 512 MiB address-space
limit; the folder is byte-for-byte the same afterwards (the check never writes), and no traceback or
"unexpected" error appears. A file postkit cannot read is named on a line of its own, and the run
ends with one `Error:` line and exit status 1.

| attempt | what it checks |
|---|---|
| a FIFO named x.ttf | no hang: "is a FIFO (named pipe), not a file" |
| x.ttf -> /dev/zero, y.otf -> /etc/passwd | not followed: "is a symbolic link to ..., outside its folder" |
| link.ttf -> a font inside the folder | followed and checked |
| a character device (mknod 1,5) named x.ttf | "is a character device, not a file" |
| a folder named x.ttf | counted as a sub-folder, not searched |
| x.ttf and fonts -> folders (/etc, a folder beside) | counted as sub-folders, not searched or opened |
| a 2 GB sparse x.ttf | refused by its size, never mapped |
| a 400 MB sparse font whose glyf table spans it | read through a map, or refused: one line, within the limit |
| random bytes, text, WOFF, an empty file, a real font cut at 3,000 bytes | "not read: ..." with the reason |
| a collection claiming 4,294,967,295 faces | the first 64 looked at: "claims ... faces" |
| a table directory claiming 65,535 tables | "claims 65,535 tables, more than any font has" |
| 32,767 glyphs sharing one glyph of 700,000 components (a work bomb) | stops at 1,000,000 records, under 5 s |
| a collection of 64 faces sharing one glyf table, claiming different glyph counts | stops at 1,000,000 records |
| that collection and 255 links to it (85 s unbounded) | stops at the folder's 20,000,000 records, under 15 s |
| loca offsets past the glyf table; contour counts past their glyph | "damaged: 2 of 3 glyphs cannot be read", exit 1 |
| names with a newline, an escape, a bidi override, bytes that are not UTF-8 | escaped (\\xe9), one line each |
| a folder of 9,999 text files and a font | one "skipped" line naming three of them |
| a folder of 10,001 entries | one `Error:` line: "holds more than 10,000 entries" |
"""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path

import pytest

from postkit.fontcheck import MAX_FOLDER_RECORDS, MAX_RECORDS
from postkit.resources import data_dir

from .conftest import bounded_postkit, snapshot

TIMEOUT = 20
MEMORY = 512 * 1024 * 1024
INTER = data_dir("fonts") / "inter" / "Inter-Regular.ttf"


def fonts_check(folder: Path, timeout: float = TIMEOUT) -> tuple[int, list[str]]:
    """Run `postkit fonts check` on ``folder``; return the exit status and every line it printed."""
    before = snapshot(folder)
    result = bounded_postkit("fonts", "check", folder, timeout=timeout, memory=MEMORY)
    assert snapshot(folder) == before, "the check changed the folder"
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr, result.stderr
    return result.returncode, (result.stdout + result.stderr).splitlines()


def no_font_files(folder: Path, subfolders: int) -> None:
    """Assert that the check found no font file in ``folder``, only ``subfolders`` sub-folders it did not search."""
    code, lines = fonts_check(folder)
    assert code == 1
    assert lines == [
        f"Error: {folder} has no .ttf, .otf, .ttc or .otc file at its top level ({subfolders} sub-folder(s) not "
        "searched); pass the folder that holds the font files themselves"
    ]


def refused(folder: Path, line: str) -> list[str]:
    """Assert that the check prints ``line`` and fails with one Error line naming unreadable files."""
    code, lines = fonts_check(folder)
    assert code == 1, lines
    assert line in lines, "\n".join(lines)
    errors = [out for out in lines if out.startswith("Error: ")]
    assert len(errors) == 1 and "cannot be read" in errors[0], lines
    return lines


def sfnt(tables: dict[bytes, bytes]) -> bytes:
    """Assemble a font file from raw tables (no checksums: postkit does not read them)."""
    tags = sorted(tables)
    offset = 12 + 16 * len(tags)
    directory = struct.pack(">4sHHHH", b"\0\1\0\0", len(tags), 0, 0, 0)
    body = b""
    for tag in tags:
        directory += struct.pack(">4sIII", tag, 0, offset + len(body), len(tables[tag]))
        body += tables[tag] + b"\0" * (-len(tables[tag]) % 4)
    return directory + body


def head(long_offsets: int = 1) -> bytes:
    return bytes(50) + struct.pack(">hh", long_offsets, 0)


def maxp(glyphs: int) -> bytes:
    return struct.pack(">IH", 0x00005000, glyphs)


def loca(offsets: list[int]) -> bytes:
    return struct.pack(f">{len(offsets)}I", *offsets)


# --- files that are not regular files inside the folder ---------------------------------------------


def test_a_fifo_is_not_opened(tmp_path):
    os.mkfifo(tmp_path / "x.ttf")
    refused(tmp_path, "x.ttf: not read: is a FIFO (named pipe), not a file")


@pytest.mark.parametrize(("name", "target"), [("x.ttf", "/dev/zero"), ("y.otf", "/etc/passwd")])
def test_a_symlink_out_of_the_folder_is_not_followed(tmp_path, name, target):
    (tmp_path / name).symlink_to(target)
    refused(tmp_path, f"{name}: not read: is a symbolic link to {target}, outside its folder")


def test_a_symlink_inside_the_folder_is_followed(tmp_path):
    (tmp_path / "real.ttf").write_bytes(INTER.read_bytes())
    (tmp_path / "link.ttf").symlink_to("real.ttf")
    code, lines = fonts_check(tmp_path)
    assert code == 0 and lines[0].startswith("link.ttf: fast: none of its")


def test_links_to_folders_are_sub_folders(tmp_path):
    beside = tmp_path / "beside"
    (beside / "inner.ttf").parent.mkdir()
    (beside / "inner.ttf").write_bytes(b"never read")
    folder = tmp_path / "fonts"
    folder.mkdir()
    (folder / "x.ttf").symlink_to("/etc")
    (folder / "fonts").symlink_to(beside)
    no_font_files(folder, subfolders=2)


def test_a_character_device_is_not_opened(tmp_path):
    try:
        os.mknod(tmp_path / "x.ttf", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero's device
    except PermissionError:
        pytest.skip("making a device node needs root")
    refused(tmp_path, "x.ttf: not read: is a character device, not a file")


def test_a_folder_named_like_a_font_is_not_searched(tmp_path):
    (tmp_path / "x.ttf").mkdir()
    (tmp_path / "x.ttf" / "inner.ttf").write_bytes(b"never read")
    no_font_files(tmp_path, subfolders=1)


# --- sizes ----------------------------------------------------------------------------------------


def test_a_2_gb_file_is_refused_by_its_size(tmp_path):
    with (tmp_path / "huge.ttf").open("wb") as f:
        f.write(b"\0\1\0\0")
        f.truncate(2 << 30)
    refused(tmp_path, "huge.ttf: not read: is 2,147,483,648 bytes, more than any font")


def test_a_400_mb_glyf_table_stays_within_the_memory_limit(tmp_path):
    size = 400 << 20
    glyphs = 1000
    small = sfnt({b"head": head(), b"maxp": maxp(glyphs), b"loca": bytes(4 * (glyphs + 1)), b"glyf": b""})
    # Point glyf (and every glyph) across the whole sparse file: zeros read as empty glyphs.
    data = bytearray(small)
    count = struct.unpack(">H", data[4:6])[0]
    for index in range(count):
        record = 12 + 16 * index
        if data[record : record + 4] == b"glyf":
            data[record + 8 : record + 16] = struct.pack(">II", len(small), size - len(small))
        if data[record : record + 4] == b"loca":
            start = struct.unpack(">I", data[record + 8 : record + 12])[0]
            data[start : start + 4 * (glyphs + 1)] = loca([i * 400_000 for i in range(glyphs + 1)])
    with (tmp_path / "big.ttf").open("wb") as f:
        f.write(data)
        f.truncate(size)
    code, lines = fonts_check(tmp_path)
    (line,) = [out for out in lines if out.startswith("big.ttf")]
    assert line in (
        "big.ttf: fast: no glyph has an outline",
        "big.ttf: not read: cannot be read ([Errno 12] Cannot allocate memory)",
    ), lines


# --- contents -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (os.urandom(5000).replace(b"\0\1\0\0", b"x"), "does not start like a TrueType or OpenType font"),
        (b"This is not a font, only text.\n" * 20, "does not start like a TrueType or OpenType font"),
        (b"wOFF" + bytes(100), "is a WOFF web font; convert it to .ttf or .otf"),
        (b"", "is 0 bytes long, too short to be a font"),
        (INTER.read_bytes()[:3000], "is cut short: its loca table runs past the end of the file"),
        (
            b"ttcf\0\1\0\0\xff\xff\xff\xff" + bytes(1000),
            "face 0 has a table directory that does not start like a font's",
        ),
        (b"\0\1\0\0\0\x64" + bytes(100), "ends inside its table directory"),
        (b"\0\1\0\0\xff\xff" + bytes(16 * 65535), "claims 65,535 tables, more than any font has"),
    ],
    ids=["random", "text", "woff", "empty", "cut", "collection", "directory", "tables"],
)
def test_a_file_that_is_no_font_gets_its_line(tmp_path, content, reason):
    (tmp_path / "bad.ttf").write_bytes(content)
    refused(tmp_path, f"bad.ttf: not read: {reason}")


def test_a_collection_claiming_4_billion_faces_is_cut_at_64(tmp_path):
    font = INTER.read_bytes()
    header = b"ttcf\0\1\0\0" + struct.pack(">I", 0xFFFFFFFF)
    offsets_end = len(header) + 4 * 64
    # Every listed face points at one real font placed after the 64 offsets.
    data = header + struct.pack(">I", offsets_end) * 64
    shifted = bytearray(font)
    for index in range(struct.unpack(">H", font[4:6])[0]):  # the tables' offsets move with the font
        record = 12 + 16 * index
        start = struct.unpack(">I", font[record + 8 : record + 12])[0]
        shifted[record + 8 : record + 12] = struct.pack(">I", start + offsets_end)
    (tmp_path / "many.ttc").write_bytes(data + bytes(shifted))
    code, lines = fonts_check(tmp_path)  # within TIMEOUT, or it fails
    assert code == 0, lines
    assert "many.ttc: claims 4,294,967,295 faces; the first 64 were checked" in lines
    assert sum(out.startswith("many.ttc") and ": fast: " in out for out in lines) == 64


def test_a_work_bomb_of_components_stops_at_the_budget(tmp_path):
    record = struct.pack(">HHBB", 0x0020, 0, 0, 0)  # MORE_COMPONENTS, glyph 0, byte arguments
    glyf = struct.pack(">hhhhh", -1, 0, 0, 0, 0) + record * 700_000
    glyphs = 65535
    # Every other glyph spans the whole glyf table: 32,767 times 700,000 records without the budget.
    offsets = [0 if index % 2 == 0 else len(glyf) for index in range(glyphs + 1)]
    (tmp_path / "bomb.ttf").write_bytes(
        sfnt({b"head": head(), b"maxp": maxp(glyphs), b"loca": loca(offsets), b"glyf": glyf})
    )
    refused(tmp_path, "bomb.ttf: not read: holds more than 1,000,000 glyph records, more than any font")


def shared_glyf_collection(faces: int = 64, glyphs: int = 65535) -> bytes:
    """A collection whose faces share one loca and glyf table of simple glyphs, each claiming a different count."""
    glyph = struct.pack(">hhhhh", 1, 0, 0, 100, 100) + struct.pack(">HH", 0, 0) + bytes([0x41, 0, 0]) + bytes(1)
    shared = {
        b"glyf": glyph * glyphs,
        b"head": head(),
        b"loca": loca([index * len(glyph) for index in range(glyphs + 1)]),
    }
    directory = 12 + 16 * (len(shared) + 1)
    maxps = 12 + 4 * faces + faces * directory  # then each face's maxp (8 bytes), then the shared tables
    where, at = {}, maxps + 8 * faces
    for tag, table in shared.items():
        where[tag], at = (at, len(table)), at + len(table)
    data = b"ttcf\0\1\0\0" + struct.pack(f">I{faces}I", faces, *(12 + 4 * faces + i * directory for i in range(faces)))
    for index in range(faces):
        tables = {**where, b"maxp": (maxps + 8 * index, 6)}
        data += struct.pack(">4sHHHH", b"\0\1\0\0", len(tables), 0, 0, 0)
        data += b"".join(struct.pack(">4sIII", tag, 0, *tables[tag]) for tag in sorted(tables))
    data += b"".join(maxp(glyphs - index) + bytes(2) for index in range(faces))
    return data + b"".join(shared.values())


def test_faces_sharing_a_glyf_table_stop_at_the_file_limit(tmp_path):
    (tmp_path / "shared.ttc").write_bytes(shared_glyf_collection())
    refused(
        tmp_path,
        "shared.ttc: not read: holds more than 1,000,000 glyph records in its first 16 faces, more than any font",
    )


def test_256_links_to_that_collection_stop_at_the_folder_budget(tmp_path):
    (tmp_path / "shared.ttc").write_bytes(shared_glyf_collection())
    for index in range(255):
        (tmp_path / f"link{index:03}.ttc").symlink_to("shared.ttc")
    # The bound is the work, counted below: about 6 s here (85 s without the folder's budget), several
    # times that under coverage's tracing, hence the long time limit.
    code, lines = fonts_check(tmp_path, timeout=180)
    assert code == 1
    read = [line for line in lines if ": not read: holds more than 1,000,000 glyph records" in line]
    assert len(read) <= MAX_FOLDER_RECORDS // MAX_RECORDS + 1  # the work: at most 21 files' worth of records
    (note,) = [line for line in lines if line.startswith("not checked: ")]
    assert note.startswith(f"not checked: {256 - len(read)} font file(s) (")
    assert lines[-1] == (
        f"Error: {tmp_path}: of 256 font file(s), {len(read)} cannot be read (replace them or move them out) and "
        f"{256 - len(read)} are not checked (check them in another folder)"
    )


def test_glyphs_outside_their_table_are_counted_as_damaged(tmp_path):
    simple = struct.pack(">hhhhh", 1, 0, 0, 100, 100) + struct.pack(">HH", 2, 0) + bytes([0x41, 1, 1]) + bytes(6)
    overlong = struct.pack(">hhhhh", 30000, 0, 0, 100, 100)  # 30,000 contours in a 12-byte glyph
    glyf = simple + overlong + bytes(2)
    offsets = [0, len(simple), len(glyf), 1 << 30]  # the last glyph lies far past the table
    (tmp_path / "damaged.ttf").write_bytes(
        sfnt({b"head": head(), b"maxp": maxp(3), b"loca": loca(offsets), b"glyf": glyf})
    )
    code, lines = fonts_check(tmp_path)
    assert code == 1
    assert lines[0] == (
        "damaged.ttf: damaged: 2 of 3 glyphs cannot be read; 1 of its 1 readable outline glyphs carry the overlap flag"
    )
    assert lines[-1] == f"Error: {tmp_path}: of 1 font file(s), 1 is damaged (replace it)"


def test_odd_file_names_stay_on_one_line(tmp_path):
    for name in ("new\nline.ttf", "esc\x1b[31m.ttf", "bidi\u202eftt.otf"):
        (tmp_path / name).write_bytes(b"junk")
    os.close(os.open(os.fsencode(tmp_path) + b"/caf\xe9.ttf", os.O_CREAT | os.O_WRONLY, 0o644))
    code, lines = fonts_check(tmp_path)
    assert code == 1
    assert lines[:4] == [
        "bidi\\u202eftt.otf: not read: is 4 bytes long, too short to be a font",
        "caf\\xe9.ttf: not read: is 0 bytes long, too short to be a font",
        "esc\\x1b[31m.ttf: not read: is 4 bytes long, too short to be a font",
        "new\\nline.ttf: not read: is 4 bytes long, too short to be a font",
    ]
    assert len(lines) == 5


def test_9999_other_files_are_one_line(tmp_path):
    (tmp_path / "Inter-Regular.ttf").write_bytes(INTER.read_bytes())
    for index in range(9_999):
        (tmp_path / f"{index}.txt").touch()
    code, lines = fonts_check(tmp_path)
    assert code == 0
    assert lines[1:] == [
        "skipped 9,999 file(s) not named .ttf, .otf, .ttc or .otc: 0.txt, 1.txt, 10.txt and 9,996 more",
        f"{tmp_path}: 1 font file(s), all drawn at full speed",
    ]


def test_a_folder_of_10001_entries_is_one_error(tmp_path):
    for index in range(10_001):
        (tmp_path / f"{index}.txt").touch()
    code, lines = fonts_check(tmp_path)
    assert code == 1
    assert lines == [
        f"Error: {tmp_path} holds more than 10,000 entries and postkit looks at no more; pass the folder that holds "
        "just the fonts"
    ]
