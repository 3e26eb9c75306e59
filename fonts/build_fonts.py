"""Build postkit's bundled Latin fonts from their upstream npm packages, without overlapping contours.

EB Garamond, Inter and Playfair Display come from Google Fonts' static instances of variable fonts,
and every glyph of those carries TrueType's overlap flag (OVERLAP_SIMPLE on a simple glyph's first
point, OVERLAP_COMPOUND on a component). FreeType draws a flagged glyph with 4x4 supersampling, which
made postkit's text drawing 2-3x slower. This script downloads the pinned packages from the npm
registry, checks each tarball against the sha512 pinned below (the registry's `dist.integrity`),
merges overlapping contours with fontTools' removeOverlaps (skia-pathops), clears every overlap flag
(removeOverlaps leaves the flag on the glyphs it did not need to change), and writes the fonts with
their OFL.txt. Advance widths, cmap, GSUB, GPOS, GDEF and the vertical metrics are checked unchanged,
so every line breaks where it did. The same inputs and tool versions give byte-identical files.

Playfair Display's licence names "Playfair Display" as a Reserved Font Name, which a modified
version may not use: it is renamed Postkit Display. EB Garamond's and Inter's licences reserve no
name; their version string (name ID 5) says they were changed.

From the repository root:

    .venv/bin/pip install -e '.[fontbuild]'
    .venv/bin/python fonts/build_fonts.py            # download, build, write into fonts/
    .venv/bin/python fonts/build_fonts.py --check    # build in memory; fail unless fonts/ holds the same bytes

The shipped files were made with fontTools 4.68.0 and skia-pathops 0.9.2; other versions may write
other bytes (the checks above still hold).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import re
import sys
import tarfile
import tempfile
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REGISTRY = "https://registry.npmjs.org"
HERE = Path(__file__).resolve().parent
MAX_TARBALL = 64 * 1024 * 1024  # the three packages are 2.7-4.7 MB
NOTE = "; overlaps removed for postkit"

OVERLAP_SIMPLE = 0x40  # on a simple glyph's first point flag
OVERLAP_COMPOUND = 0x0400  # on a composite glyph's component
# Tables whose bytes must come out exactly as they went in: shaping, character map, line metrics.
UNCHANGED_TABLES = ("cmap", "GSUB", "GPOS", "GDEF", "OS/2", "kern", "gasp", "prep", "STAT", "post")
# Name records that state facts about the original and must stay: copyright (the OFL requires it) and trademark.
KEPT_NAME_IDS = frozenset({0, 7})


@dataclass(frozen=True)
class Rename:
    """A new family name for a font whose licence reserves its name (OFL: Reserved Font Name)."""

    reserved: str  # "Playfair Display"
    family: str  # "Postkit Display"

    def apply(self, text: str) -> str:
        """Replace the reserved name in a name record, in its spaced and PostScript (spaceless) forms."""
        text = text.replace(self.reserved, self.family)
        return text.replace(self.reserved.replace(" ", ""), self.family.replace(" ", ""))


@dataclass(frozen=True)
class Package:
    """One pinned npm package of @expo-google-fonts and the fonts postkit takes from it."""

    name: str
    version: str
    integrity: str  # the registry's dist.integrity: "sha512-" and the base64 digest of the tarball
    folder: str  # where the fonts go, under fonts/
    fonts: Mapping[str, str]  # path inside the tarball -> file name in the folder
    rename: Rename | None = None
    licence: str = "package/LICENSE_FONT"  # the OFL text, written as OFL.txt

    @property
    def url(self) -> str:
        return f"{REGISTRY}/@expo-google-fonts/{self.name}/-/{self.name}-{self.version}.tgz"


PACKAGES = (
    Package(
        "eb-garamond",
        "0.4.3",
        "sha512-8HsDPKN6vDlzxZLgo3UFcyr4uvtY33TBpM65owySnF8cy8hq0ss8AWmBvT/lMRJ/wfcoaPP8gFQsizPRvr0nqg==",
        "eb-garamond",
        {
            "package/400Regular/EBGaramond_400Regular.ttf": "EBGaramond-Regular.ttf",
            "package/400Regular_Italic/EBGaramond_400Regular_Italic.ttf": "EBGaramond-Italic.ttf",
            "package/600SemiBold/EBGaramond_600SemiBold.ttf": "EBGaramond-SemiBold.ttf",
        },
    ),
    Package(
        "inter",
        "0.4.2",
        "sha512-syfiImMaDmq7cFi0of+waE2M4uSCyd16zgyWxdPOY7fN2VBmSLKEzkfbZgeOjJq61kSqPBNNtXjggiQiSD6gMQ==",
        "inter",
        {
            "package/400Regular/Inter_400Regular.ttf": "Inter-Regular.ttf",
            "package/500Medium/Inter_500Medium.ttf": "Inter-Medium.ttf",
            "package/600SemiBold/Inter_600SemiBold.ttf": "Inter-SemiBold.ttf",
            "package/800ExtraBold/Inter_800ExtraBold.ttf": "Inter-ExtraBold.ttf",
        },
    ),
    Package(
        "playfair-display",
        "0.4.2",
        "sha512-mWhBV59RUjSS3aYpytUb7UyHHTnXcHh7epAn7gq+M4XAEh5PuMKUrP8eiUfkJLb6UwHZCi7EhQpUzxHu5OL96w==",
        "postkit-display",
        {
            "package/700Bold/PlayfairDisplay_700Bold.ttf": "PostkitDisplay-Bold.ttf",
            "package/400Regular_Italic/PlayfairDisplay_400Regular_Italic.ttf": "PostkitDisplay-Italic.ttf",
        },
        rename=Rename("Playfair Display", "Postkit Display"),
    ),
)


class BuildError(Exception):
    """A download, a check or a font that is not as this script expects."""


# ---------------------------------------------------------------------------------------------
# Upstream


def verify(data: bytes, integrity: str, what: str) -> None:
    """Check ``data`` against an npm ``dist.integrity`` string ("sha512-<base64>")."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        msg = f"{what}: integrity {integrity!r} is not sha512; pin the registry's dist.integrity"
        raise BuildError(msg)
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")
    if actual != expected:
        msg = f"{what}: sha512 {actual} is not the pinned {expected}; the download is not the pinned package"
        raise BuildError(msg)


def fetch(package: Package, cache: Path | None) -> bytes:
    """Return the package's tarball, verified: from ``cache`` when it holds it, else downloaded (and cached)."""
    name = f"{package.name}-{package.version}.tgz"
    if cache is not None and (cache / name).is_file():
        data = (cache / name).read_bytes()
        verify(data, package.integrity, str(cache / name))
        return data
    with urllib.request.urlopen(package.url, timeout=120) as response:  # a fixed https URL
        data = bytes(response.read(MAX_TARBALL + 1))
    if len(data) > MAX_TARBALL:
        msg = f"{package.url} is larger than {MAX_TARBALL:,} bytes; that is not the pinned package"
        raise BuildError(msg)
    verify(data, package.integrity, package.url)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        write(cache / name, data)
    return data


def members(tarball: bytes, names: list[str]) -> dict[str, bytes]:
    """Read the named regular files out of a .tgz, in memory (nothing is extracted to disk)."""
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            if member.name in names and member.isfile():
                handle = archive.extractfile(member)
                assert handle is not None
                found[member.name] = handle.read()
    missing = sorted(set(names) - set(found))
    if missing:
        msg = f"the tarball lacks {', '.join(missing)}"
        raise BuildError(msg)
    return found


def reserved_font_names(licence: str) -> list[str]:
    """Return the Reserved Font Names an OFL's copyright lines declare (none for most fonts)."""
    header = licence.split("This Font Software is licensed", 1)[0]
    return re.findall(r'Reserved Font Names? "([^"]+)"', header)


# ---------------------------------------------------------------------------------------------
# Processing


def overlap_flags(font: Any) -> tuple[int, int]:
    """Count the glyphs of a TTFont that carry an overlap flag: (simple, composite)."""
    glyf = font["glyf"]
    simple = composite = 0
    for name in font.getGlyphOrder():
        glyph = glyf[name]
        if glyph.isComposite():
            composite += any(c.flags & OVERLAP_COMPOUND for c in glyph.components)
        elif glyph.numberOfContours > 0 and glyph.flags[0] & OVERLAP_SIMPLE:
            simple += 1
    return simple, composite


def clear_overlap_flags(font: Any) -> None:
    """Clear OVERLAP_SIMPLE and OVERLAP_COMPOUND on every glyph (call after removeOverlaps)."""
    glyf = font["glyf"]
    for name in font.getGlyphOrder():
        glyph = glyf[name]
        if glyph.isComposite():
            for component in glyph.components:
                component.flags &= ~OVERLAP_COMPOUND
        elif glyph.numberOfContours > 0:
            glyph.flags[0] &= ~OVERLAP_SIMPLE


def rename_font(font: Any, note: str, rename: Rename | None) -> None:
    """Append ``note`` to the version string (name ID 5); apply ``rename`` to every record that names the font."""
    for record in font["name"].names:
        text = record.toUnicode()
        if record.nameID == 5:
            text += note
        if rename is not None and record.nameID not in KEPT_NAME_IDS:
            text = rename.apply(text)
        record.string = text


@dataclass
class _Invariants:
    advances: dict[str, int]
    tables: dict[str, bytes]
    metrics: tuple[int, ...]
    glyph_order: list[str] = field(default_factory=list)


def _invariants(font: Any) -> _Invariants:
    advances = {name: width for name, (width, _lsb) in font["hmtx"].metrics.items()}
    tables = {tag: font.reader[tag] for tag in UNCHANGED_TABLES if tag in font.reader}
    hhea, head = font["hhea"], font["head"]
    metrics = (head.unitsPerEm, hhea.ascent, hhea.descent, hhea.lineGap, hhea.advanceWidthMax)
    return _Invariants(advances, tables, metrics, list(font.getGlyphOrder()))


def process_font(data: bytes, note: str = NOTE, rename: Rename | None = None) -> bytes:
    """Return font ``data`` (a TrueType .ttf) without overlaps or overlap flags, renamed, checked unchanged otherwise.

    Raise BuildError when a check fails: an overlap flag left, an advance width, the cmap, GSUB, GPOS,
    GDEF, OS/2 or the vertical metrics changed, or the reserved name still in a name record.
    """
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.removeOverlaps import removeOverlaps

    # recalcTimestamp=False keeps head.modified as upstream has it: the output depends on the input only.
    font = TTFont(io.BytesIO(data), recalcTimestamp=False)
    if "glyf" not in font:
        msg = "not a TrueType (glyf) font; this script handles the bundled .ttf fonts only"
        raise BuildError(msg)
    before = _invariants(font)
    removeOverlaps(font)
    clear_overlap_flags(font)
    rename_font(font, note, rename)
    out = io.BytesIO()
    font.save(out)
    result = out.getvalue()
    _check(result, before, rename)
    return result


def _check(result: bytes, before: _Invariants, rename: Rename | None) -> None:
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(result))
    after = _invariants(font)
    flags = overlap_flags(font)
    problems = []
    if flags != (0, 0):
        problems.append(f"{flags[0]} simple and {flags[1]} composite glyphs still carry the overlap flag")
    if after.glyph_order != before.glyph_order:
        problems.append("the glyph order changed")
    changed = sorted(name for name, width in before.advances.items() if after.advances.get(name) != width)
    if changed:
        problems.append(f"advance widths changed: {', '.join(changed[:10])}")
    for tag, raw in before.tables.items():
        if after.tables.get(tag) != raw:
            problems.append(f"the {tag} table changed")
    if after.metrics != before.metrics:
        problems.append(f"head/hhea metrics changed: {before.metrics} -> {after.metrics}")
    if rename is not None:
        for record in font["name"].names:
            text = record.toUnicode()
            if record.nameID not in KEPT_NAME_IDS and rename.reserved.replace(" ", "") in text.replace(" ", ""):
                problems.append(f"name ID {record.nameID} still says {text!r}")
    if problems:
        raise BuildError("; ".join(problems))


# ---------------------------------------------------------------------------------------------
# The build


def build(package: Package, tarball: bytes) -> dict[str, bytes]:
    """Return the files of ``package``'s folder (fonts and OFL.txt) built from its verified tarball."""
    files = members(tarball, [*package.fonts, package.licence])
    licence = files[package.licence]
    reserved = reserved_font_names(licence.decode("utf-8"))
    wanted = [package.rename.reserved] if package.rename else []
    if reserved != wanted:
        msg = (
            f"{package.name} {package.version}: the licence reserves {reserved or 'no name'}, the script renames "
            f"{wanted or 'nothing'}; a modified font must not use a Reserved Font Name (OFL condition 3)"
        )
        raise BuildError(msg)
    out = {"OFL.txt": licence}
    for member, name in package.fonts.items():
        try:
            out[name] = process_font(files[member], rename=package.rename)
        except BuildError as exc:
            msg = f"{package.name} {package.version} {member}: {exc}"
            raise BuildError(msg) from exc
    return out


def write(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all (a temporary file renamed into place)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--out", type=Path, default=HERE, help="the fonts folder to write into [default: %(default)s]")
    parser.add_argument("--cache", type=Path, help="keep the verified tarballs here and reuse them (offline rebuilds)")
    parser.add_argument("--check", action="store_true", help="write nothing; fail unless --out holds the same bytes")
    args = parser.parse_args(argv)
    differ = []
    try:
        for package in PACKAGES:
            files = build(package, fetch(package, args.cache))
            folder = args.out / package.folder
            for name, data in files.items():
                path = folder / name
                if args.check:
                    same = path.is_file() and path.read_bytes() == data
                    print(f"{'same' if same else 'DIFFERS'}  {path}")
                    if not same:
                        differ.append(path)
                    continue
                folder.mkdir(parents=True, exist_ok=True)
                write(path, data)
                print(f"wrote {path} ({len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}...)")
    except (BuildError, OSError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    if differ:
        print(f"Error: {len(differ)} file(s) differ from a fresh build; run it without --check", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
