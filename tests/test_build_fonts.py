"""fonts/build_fonts.py: overlaps merged, every overlap flag cleared, widths kept, a reserved name replaced."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import sys
import tarfile
from pathlib import Path

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

from postkit.fontcheck import OVERLAP_COMPOUND, OVERLAP_SIMPLE, check_font_file

ROOT = Path(__file__).resolve().parents[1]
RESERVED = 'Copyright 2026 The Test Authors, with Reserved Font Name "Test Display".'


@pytest.fixture(scope="module")
def build_fonts():
    """Import fonts/build_fonts.py (not a package), writing no bytecode beside it (fonts/ ships in the wheel)."""
    spec = importlib.util.spec_from_file_location("build_fonts", ROOT / "fonts" / "build_fonts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while they are made
    previous, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = previous
    return module


def rectangles(*boxes: tuple[int, int, int, int]):
    pen = TTGlyphPen(None)
    for left, bottom, right, top in boxes:
        pen.moveTo((left, bottom))
        pen.lineTo((left, top))
        pen.lineTo((right, top))
        pen.lineTo((right, bottom))
        pen.closePath()
    return pen.glyph()


def composite(*offsets: int):
    pen = TTGlyphPen({"square": None})  # the pen only asks whether the component's glyph exists
    for dx in offsets:
        pen.addComponent("square", (1, 0, 0, 1, dx, 0))
    return pen.glyph()


def small_font() -> bytes:
    """A font as upstream makes them: every glyph flagged, some overlapping, a Reserved Font Name."""
    order = [".notdef", "square", "A", "B", "C", "E"]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap({ord(c): c for c in "ABCE"})
    glyphs = {
        ".notdef": rectangles(),
        "square": rectangles((50, 0, 450, 400)),
        "A": rectangles((50, 0, 350, 700), (250, 0, 550, 700)),  # two overlapping contours
        "B": composite(0, 200),  # two overlapping components
        "C": rectangles((50, 0, 450, 700)),  # no overlap, flagged all the same
        "E": composite(0, 500),  # two components apart
    }
    builder.setupGlyf(glyphs)
    widths = {".notdef": 500, "square": 500, "A": 600, "B": 700, "C": 500, "E": 1000}
    builder.setupHorizontalMetrics({name: (widths[name], getattr(glyphs[name], "xMin", 0)) for name in order})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable(
        {
            "copyright": RESERVED,
            "familyName": "Test Display",
            "styleName": "Bold",
            "uniqueFontIdentifier": "1.000;TEST;TestDisplay-Bold",
            "fullName": "Test Display Bold",
            "version": "Version 1.000",
            "psName": "TestDisplay-Bold",
        }
    )
    builder.setupOS2()
    builder.setupPost()
    font = builder.font
    for name in order:
        glyph = font["glyf"][name]
        if glyph.isComposite():
            for component in glyph.components:
                component.flags |= OVERLAP_COMPOUND
        elif glyph.numberOfContours > 0:
            glyph.flags[0] |= OVERLAP_SIMPLE
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def advances(font: TTFont) -> dict[str, int]:
    return {name: width for name, (width, _) in font["hmtx"].metrics.items()}


def names(font: TTFont) -> dict[int, str]:
    return {record.nameID: record.toUnicode() for record in font["name"].names}


def test_processing_clears_every_flag_and_keeps_the_widths(build_fonts, tmp_path):
    upstream = small_font()
    before = TTFont(io.BytesIO(upstream))
    assert build_fonts.overlap_flags(before) == (3, 2)
    result = build_fonts.process_font(upstream, rename=build_fonts.Rename("Test Display", "Other Display"))
    after = TTFont(io.BytesIO(result))
    assert build_fonts.overlap_flags(after) == (0, 0)
    widths = {".notdef": 500, "square": 500, "A": 600, "B": 700, "C": 500, "E": 1000}
    assert advances(after) == advances(before) == widths
    assert after.getBestCmap() == before.getBestCmap()
    glyf = after["glyf"]
    assert glyf["A"].numberOfContours == 1  # the overlapping rectangles merged
    assert not glyf["B"].isComposite() and glyf["B"].numberOfContours == 1  # overlapping components decomposed
    assert glyf["E"].isComposite()  # components apart stay components, unflagged
    (tmp_path / "Processed.ttf").write_bytes(result)
    (tmp_path / "Upstream.ttf").write_bytes(upstream)
    assert check_font_file(tmp_path, "Upstream.ttf").verdict == "slow"
    assert check_font_file(tmp_path, "Processed.ttf").verdict == "fast"


def test_a_reserved_name_is_replaced_everywhere_but_the_copyright(build_fonts):
    result = build_fonts.process_font(small_font(), rename=build_fonts.Rename("Test Display", "Other Display"))
    assert names(TTFont(io.BytesIO(result))) == {
        0: RESERVED,
        1: "Other Display",
        2: "Bold",
        3: "1.000;TEST;OtherDisplay-Bold",
        4: "Other Display Bold",
        5: "Version 1.000; overlaps removed for postkit",
        6: "OtherDisplay-Bold",
    }


def test_without_a_reserved_name_only_the_version_says_so(build_fonts):
    result = build_fonts.process_font(small_font())
    got = names(TTFont(io.BytesIO(result)))
    assert got[1] == "Test Display" and got[6] == "TestDisplay-Bold"
    assert got[5] == "Version 1.000; overlaps removed for postkit"


def test_the_same_input_gives_the_same_bytes(build_fonts):
    upstream = small_font()
    assert build_fonts.process_font(upstream) == build_fonts.process_font(upstream)


@pytest.mark.parametrize(
    ("folder", "reserved"), [("postkit-display", ["Playfair Display"]), ("eb-garamond", []), ("inter", [])]
)
def test_the_licences_reserved_names(build_fonts, folder, reserved):
    licence = (ROOT / "fonts" / folder / "OFL.txt").read_text(encoding="utf-8")
    assert build_fonts.reserved_font_names(licence) == reserved


def test_the_script_makes_every_shipped_file_of_its_folders(build_fonts):
    for package in build_fonts.PACKAGES:
        shipped = {p.name for p in (ROOT / "fonts" / package.folder).iterdir()}
        assert shipped == {*package.fonts.values(), "OFL.txt"}, package.folder
        assert (package.rename is None) == (package.name != "playfair-display")
        assert package.integrity.startswith("sha512-")


def test_a_tarball_is_checked_against_its_pinned_integrity(build_fonts):
    data = b"a tarball"
    good = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    build_fonts.verify(data, good, "test.tgz")
    with pytest.raises(build_fonts.BuildError, match="is not the pinned"):
        build_fonts.verify(data + b"!", good, "test.tgz")


def test_a_licence_that_reserves_a_name_the_script_keeps_is_refused(build_fonts):
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        for name, content in (("package/LICENSE_FONT", RESERVED.encode() + b"\n\nThis Font Software is licensed"),
                              ("package/Test.ttf", small_font())):  # fmt: skip
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    package = build_fonts.Package("test", "1.0.0", "sha512-", "test", {"package/Test.ttf": "Test-Bold.ttf"})
    with pytest.raises(build_fonts.BuildError, match=r"reserves \['Test Display'\]"):
        build_fonts.build(package, archive.getvalue())
