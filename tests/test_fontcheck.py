"""Which fonts FreeType draws slowly: overlap flags counted per face, bad files named, the bundled fonts fast."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.ttLib import TTCollection, TTFont

from postkit.errors import FontError
from postkit.fontcheck import (
    MAX_RECORDS,
    OVERLAP_COMPOUND,
    OVERLAP_SIMPLE,
    FaceCheck,
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
        sum(any(c.flags & OVERLAP_COMPOUND for c in g.components) for g in composite),
    )


def as_counts(face: FaceCheck) -> tuple[int, int, int, int]:
    return face.simple, face.simple_flagged, face.composite, face.composite_flagged


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
        "glyphs carry TrueType's overlap flag, so FreeType draws them with 4x4 oversampling (2-4x slower); "
        "remove the overlaps and clear the flags (see postkit fonts check --help)"
    )


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


def test_a_glyph_cut_short_is_counted_not_fatal(tmp_path):
    font = TTFont(INTER)
    data = bytearray(INTER.read_bytes())
    # The last loca entry points past the end of the glyf table: the last glyph's data lies outside it.
    size = 4 if font["head"].indexToLocFormat else 2
    last = font.reader.tables["loca"].offset + font["maxp"].numGlyphs * size
    data[last : last + size] = b"\xff" * size
    (tmp_path / "Cut.ttf").write_bytes(bytes(data))
    checked = check_font_file(tmp_path, "Cut.ttf")
    assert checked.verdict == "fast" and checked.faces[0].damaged == 1
    assert checked.lines()[0].endswith("; 1 glyph(s) could not be read")


def test_the_folder_lists_fonts_skips_others_and_counts_sub_folders(tmp_path):
    shutil.copy(INTER, tmp_path / "Inter-Regular.ttf")
    flag(INTER, tmp_path / "Upstream.ttf")
    (tmp_path / "OFL.txt").write_text("licence", encoding="utf-8")
    (tmp_path / "junk.otf").write_bytes(b"junk")
    (tmp_path / "more").mkdir()
    checked = check_font_folder(tmp_path)
    assert [(f.name, f.verdict) for f in checked.files] == [
        ("Inter-Regular.ttf", "fast"),
        ("OFL.txt", "skipped"),
        ("Upstream.ttf", "slow"),
        ("junk.otf", "unreadable"),
    ]
    assert not checked.ok and checked.subfolders == 1
    assert checked.summary() == (
        f"{tmp_path}: of 3 font file(s), 1 would be drawn slowly (remove their overlaps, see postkit fonts check "
        "--help) and 1 cannot be read (replace them or move them out) (1 sub-folder(s) not searched)"
    )


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
