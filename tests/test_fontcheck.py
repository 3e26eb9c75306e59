"""Which fonts FreeType draws slowly: overlap flags counted per face, damaged and bad files named, ours fast."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.ttLib import TTCollection, TTFont

from postkit.errors import FontError
from postkit.fontcheck import (
    DAMAGED_FIX,
    MAX_FOLDER_RECORDS,
    MAX_RECORDS,
    OVERLAP_COMPOUND,
    OVERLAP_SIMPLE,
    SLOW_FIX,
    FaceCheck,
    RecordBudget,
    check_font_file,
    check_font_folder,
)
from postkit.resources import data_dir

FONTS = data_dir("fonts")
INTER = FONTS / "inter" / "Inter-Regular.ttf"


def flag(source: Path, target: Path, simple: bool = True, composite: bool = True, only: int | None = None) -> TTFont:
    """Copy ``source`` to ``target`` with the overlap flag set as upstream sets it (every glyph, or ``only`` N)."""
    font = TTFont(source)
    glyf = font["glyf"]
    done = 0
    for name in font.getGlyphOrder():
        glyph = glyf[name]
        if only is not None and done >= only:
            break
        if glyph.isComposite() and composite:
            glyph.components[0].flags |= OVERLAP_COMPOUND
            done += 1
        elif glyph.numberOfContours > 0 and simple:
            glyph.flags[0] |= OVERLAP_SIMPLE
            done += 1
    font.save(target)
    return TTFont(target)


def counted(font: TTFont) -> tuple[int, int, int, int]:
    """Count with fontTools what fontcheck counts: simple, flagged simple, composite, flagged composite."""
    glyf = font["glyf"]
    glyphs = [glyf[name] for name in font.getGlyphOrder()]
    simple = [g for g in glyphs if not g.isComposite() and g.numberOfContours > 0]
    composite = [g for g in glyphs if g.isComposite()]
    return (
        len(simple),
        sum(bool(g.flags[0] & OVERLAP_SIMPLE) for g in simple),
        len(composite),
        sum(bool(g.components[0].flags & OVERLAP_COMPOUND) for g in composite),  # FreeType reads the first only
    )


def as_counts(face: FaceCheck) -> tuple[int, int, int, int]:
    return face.simple, face.simple_flagged, face.composite, face.composite_flagged


def table_length(data: bytes, tag: bytes, length: int) -> bytes:
    """Return a font's bytes with table ``tag``'s length in the table directory set to ``length``."""
    out = bytearray(data)
    for index in range(struct.unpack_from(">H", data, 4)[0]):
        record = 12 + 16 * index
        if data[record : record + 4] == tag:
            struct.pack_into(">I", out, record + 12, length)
            return bytes(out)
    raise AssertionError(tag)


def cff_font(path: Path) -> None:
    builder = FontBuilder(1000, isTTF=False)
    builder.setupGlyphOrder([".notdef", "A"])
    builder.setupCharacterMap({ord("A"): "A"})
    pen = T2CharStringPen(600, None)
    pen.moveTo((100, 0))
    pen.lineTo((500, 0))
    pen.lineTo((300, 700))
    pen.closePath()
    empty = T2CharStringPen(600, None).getCharString()
    builder.setupCFF("TestCFF-Regular", {"FullName": "Test CFF"}, {".notdef": empty, "A": pen.getCharString()}, {})
    builder.setupHorizontalMetrics({".notdef": (600, 0), "A": (600, 100)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Test CFF", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    builder.save(path)


@pytest.mark.parametrize(
    "folder", sorted(p.name for p in FONTS.iterdir() if p.is_dir() and p.name != "noto-color-emoji")
)
def test_every_bundled_font_is_drawn_at_full_speed(folder):
    checked = check_font_folder(FONTS / folder)
    assert checked.ok, checked.summary()
    faces = [face for file in checked.files for face in file.faces]
    assert faces and all(f.outlines == "TrueType" and f.simple > 0 and not f.slow and not f.damaged for f in faces)
    assert checked.summary().endswith("all drawn at full speed")


def test_the_emoji_font_is_bitmaps():
    (file,) = [f for f in check_font_folder(FONTS / "noto-color-emoji").files if f.verdict != "skipped"]
    assert file.verdict == "fast" and file.faces[0].outlines == "bitmap"


def test_an_upstream_font_with_every_glyph_flagged_is_slow(tmp_path):
    font = flag(INTER, tmp_path / "Upstream-Regular.ttf")
    checked = check_font_file(tmp_path, "Upstream-Regular.ttf")
    assert checked.verdict == "slow"
    (face,) = checked.faces
    simple, simple_flagged, composite, composite_flagged = counted(font)
    assert as_counts(face) == (simple, simple_flagged, composite, composite_flagged)
    assert simple_flagged == simple > 1000 and composite_flagged == composite > 1000
    assert face.describe() == (
        f"Upstream-Regular.ttf: slow: {simple:,} of {simple:,} simple and {composite:,} of {composite:,} composite "
        "glyphs carry the overlap flag"
    )
    assert len(face.describe()) <= 120


def test_the_explanation_comes_once_after_the_list(tmp_path):
    flag(INTER, tmp_path / "A.ttf")
    flag(INTER, tmp_path / "B.ttf")
    lines = check_font_folder(tmp_path).lines()
    assert [line.split(":")[1] for line in lines[:2]] == [" slow", " slow"]
    assert lines[2:] == [SLOW_FIX]
    # What a user can do without postkit's source: fontTools, then clear the flags; no build_fonts.py.
    assert "removeOverlaps (pip install 'fonttools[pathops]')" in SLOW_FIX and "clear" in SLOW_FIX
    assert "build_fonts" not in SLOW_FIX and "2-4" not in SLOW_FIX


def composites(font: TTFont, least: int = 2) -> list[str]:
    glyf = font["glyf"]
    return [n for n in font.getGlyphOrder() if glyf[n].isComposite() and len(glyf[n].components) >= least]


@pytest.mark.parametrize(("component", "slow"), [(0, True), (1, False)])
def test_only_the_first_component_flag_counts(tmp_path, component, slow):
    # FreeType reads OVERLAP_COMPOUND on the first component only (ttgload.c, subglyphs[0].flags).
    font = TTFont(INTER)
    name = composites(font)[0]
    font["glyf"][name].components[component].flags |= OVERLAP_COMPOUND
    font.save(tmp_path / "Second.ttf")
    checked = check_font_file(tmp_path, "Second.ttf")
    assert checked.verdict == ("slow" if slow else "fast")
    assert checked.faces[0].composite_flagged == int(slow)


@pytest.mark.parametrize(("simple", "composite"), [(True, False), (False, True)])
def test_one_flagged_glyph_is_enough(tmp_path, simple, composite):
    font = flag(INTER, tmp_path / "One.ttf", simple=simple, composite=composite, only=1)
    (face,) = check_font_file(tmp_path, "One.ttf").faces
    assert face.slow and as_counts(face) == counted(font)
    assert (face.simple_flagged, face.composite_flagged) == ((1, 0) if simple else (0, 1))


def test_a_collection_is_checked_face_by_face(tmp_path):
    upstream = flag(INTER, tmp_path / "upstream.ttf")
    collection = TTCollection()
    collection.fonts = [TTFont(INTER), upstream]
    collection.save(tmp_path / "Both.ttc")
    checked = check_font_file(tmp_path, "Both.ttc")
    assert [(f.name, f.slow) for f in checked.faces] == [("Both.ttc", False), ("Both.ttc#1", True)]
    assert checked.verdict == "slow"


def test_cff_outlines_carry_no_flag(tmp_path):
    cff_font(tmp_path / "Test.otf")
    checked = check_font_file(tmp_path, "Test.otf")
    assert checked.verdict == "fast"
    assert checked.lines() == ["Test.otf: fast: CFF outlines (PostScript), which carry no overlap flag"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "is 0 bytes long, too short to be a font"),
        (b"not a font at all, just some text", "does not start like a TrueType or OpenType font"),
        (b"wOFF" + bytes(40), "is a WOFF web font; convert it to .ttf or .otf"),
        (INTER.read_bytes()[:3000], "is cut short: its loca table runs past the end of the file"),
        (b"ttcf\0\1\0\0\0\0\0\2" + bytes(8), "face 0 has a table directory that does not start like a font's"),
    ],
    ids=["empty", "text", "woff", "truncated", "bad-collection"],
)
def test_a_file_that_is_not_a_font_gets_one_line(tmp_path, content, reason):
    (tmp_path / "bad.ttf").write_bytes(content)
    checked = check_font_file(tmp_path, "bad.ttf")
    assert checked.verdict == "unreadable"
    assert checked.lines() == [f"bad.ttf: not read: {reason}"]


def test_a_glyph_cut_short_makes_the_font_damaged(tmp_path):
    font = TTFont(INTER)
    data = bytearray(INTER.read_bytes())
    # The last loca entry points past the end of the glyf table: the last glyph's data lies outside it.
    size = 4 if font["head"].indexToLocFormat else 2
    last = font.reader.tables["loca"].offset + font["maxp"].numGlyphs * size
    data[last : last + size] = b"\xff" * size
    (tmp_path / "Cut.ttf").write_bytes(bytes(data))
    checked = check_font_file(tmp_path, "Cut.ttf")
    assert checked.verdict == "damaged" and checked.faces[0].damaged == 1
    glyphs = font["maxp"].numGlyphs
    assert checked.lines() == [f"Cut.ttf: damaged: 1 of {glyphs:,} glyphs cannot be read"]


def test_a_glyf_table_cut_to_a_tenth_is_damaged_not_fast(tmp_path):
    font = TTFont(INTER)
    glyf = font.reader.tables["glyf"]
    (tmp_path / "Cut.ttf").write_bytes(table_length(INTER.read_bytes(), b"glyf", glyf.length // 10))
    checked = check_font_folder(tmp_path)
    (file,) = checked.files
    (face,) = file.faces
    assert file.verdict == "damaged" and face.damaged > 1000 and face.glyphs == font["maxp"].numGlyphs
    assert file.lines() == [f"Cut.ttf: damaged: {face.damaged:,} of {face.glyphs:,} glyphs cannot be read"]
    assert not checked.ok
    assert checked.lines() == [*file.lines(), DAMAGED_FIX]
    assert checked.summary() == f"{tmp_path}: of 1 font file(s), 1 is damaged (replace it)"
    assert "full speed" not in checked.summary()


def test_a_face_whose_glyphs_all_lie_outside_glyf_says_only_damaged(tmp_path):
    data = table_length(INTER.read_bytes(), b"glyf", 0)
    (tmp_path / "Empty.ttf").write_bytes(data)
    (line,) = check_font_file(tmp_path, "Empty.ttf").lines()
    assert line.startswith("Empty.ttf: damaged: ") and "fast" not in line and "overlap" not in line


def test_a_damaged_font_that_is_also_flagged_says_both(tmp_path):
    flag(INTER, tmp_path / "Both.ttf")
    data = (tmp_path / "Both.ttf").read_bytes()
    (tmp_path / "Both.ttf").write_bytes(table_length(data, b"glyf", len(data) // 20))
    checked = check_font_folder(tmp_path)
    assert checked.files[0].verdict == "damaged"
    assert checked.files[0].lines()[0].endswith(" readable outline glyphs carry the overlap flag")
    assert checked.lines()[1:] == [SLOW_FIX, DAMAGED_FIX]


def test_the_folder_lists_fonts_skips_others_and_counts_sub_folders(tmp_path):
    shutil.copy(INTER, tmp_path / "Inter-Regular.ttf")
    flag(INTER, tmp_path / "Upstream.ttf")
    (tmp_path / "OFL.txt").write_text("licence", encoding="utf-8")
    (tmp_path / "junk.otf").write_bytes(b"junk")
    (tmp_path / "more").mkdir()
    (tmp_path / "linked").symlink_to(tmp_path / "more")  # a link to a folder is a sub-folder
    (tmp_path / "linked.ttf").symlink_to(tmp_path / "more")
    checked = check_font_folder(tmp_path)
    assert [(f.name, f.verdict) for f in checked.files] == [
        ("Inter-Regular.ttf", "fast"),
        ("OFL.txt", "skipped"),
        ("Upstream.ttf", "slow"),
        ("junk.otf", "unreadable"),
    ]
    assert not checked.ok and checked.subfolders == 3
    assert checked.lines()[-2:] == ["skipped 1 file(s) not named .ttf, .otf, .ttc or .otc: OFL.txt", SLOW_FIX]
    assert checked.summary() == (
        f"{tmp_path}: of 3 font file(s), 1 would be drawn slowly (remove their overlaps, see postkit fonts check "
        "--help) and 1 cannot be read (replace them or move them out) (3 sub-folder(s) not searched)"
    )


def test_skipped_files_are_one_line(tmp_path):
    shutil.copy(INTER, tmp_path / "Inter-Regular.ttf")
    for index in range(2000):
        (tmp_path / f"{index:04}.txt").touch()
    (tmp_path / "caf\xe9.txt").touch()
    checked = check_font_folder(tmp_path)
    assert checked.ok
    assert checked.lines()[1:] == [
        "skipped 2,001 file(s) not named .ttf, .otf, .ttc or .otc: 0000.txt, 0001.txt, 0002.txt and 1,998 more"
    ]


def test_the_folder_budget_leaves_the_rest_not_checked(tmp_path):
    for name in ("A.ttf", "B.ttf", "C.ttf", "D.ttf"):
        shutil.copy(INTER, tmp_path / name)
    one = RecordBudget()
    check_font_file(tmp_path, "A.ttf", one)
    checked = check_font_folder(tmp_path, records=one.spent + 10)
    assert [(f.name, f.verdict) for f in checked.files] == [
        ("A.ttf", "fast"),
        ("B.ttf", "not checked"),
        ("C.ttf", "not checked"),
        ("D.ttf", "not checked"),
    ]
    assert checked.records <= one.spent + MAX_RECORDS  # the file that ran over stopped there
    assert not checked.ok
    assert checked.lines()[1].startswith("not checked: 3 font file(s) (B.ttf, C.ttf, D.ttf): the files before them ")
    assert checked.lines()[1].endswith("; check the rest in a folder of their own")
    assert checked.summary() == (f"{tmp_path}: of 4 font file(s), 3 are not checked (check them in another folder)")


def test_the_folder_budget_checks_256_of_the_largest_fonts():
    # 65,535 glyphs is the most a font can have; postkit's Inter has 2,500 and DejaVu Sans 6,000 (11,777 records).
    assert MAX_FOLDER_RECORDS >= 256 * (65_535 + 10_000)
    assert MAX_FOLDER_RECORDS <= 40 * MAX_RECORDS  # under 10 s at 0.3 s per MAX_RECORDS


def test_a_folder_without_fonts_is_not_ok(tmp_path):
    (tmp_path / "fonts").mkdir()
    checked = check_font_folder(tmp_path)
    assert not checked.ok
    assert checked.summary() == (
        f"{tmp_path} has no .ttf, .otf, .ttc or .otc file at its top level (1 sub-folder(s) not searched); "
        "pass the folder that holds the font files themselves"
    )


def test_a_missing_folder_is_a_font_error(tmp_path):
    with pytest.raises(FontError, match="is not a folder; pass a folder that holds .ttf, .otf or .ttc fonts"):
        check_font_folder(tmp_path / "missing")


def test_the_record_budget_is_far_above_real_fonts():
    # The largest TrueType fonts have 65,535 glyphs and a few components each.
    assert MAX_RECORDS >= 4 * 65_535
