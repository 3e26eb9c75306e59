"""Finding faces for what a theme lacks: describe(), role_style(), pick(), faces_in(), system_faces() and the message.

The CJK checks need Debian's fonts-noto-cjk (.ttc collections of JP, KR, SC, TC and HK faces) and
fontconfig; they are skipped locally without them and fail in CI, which installs them.
"""

from __future__ import annotations

import logging
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from postkit import fontsearch
from postkit.errors import FontError
from postkit.fonts import FontFile, _coverage
from postkit.fontsearch import (
    FaceInfo,
    RoleStyle,
    describe,
    faces_in,
    lang_regions,
    missing_font_message,
    pick,
    role_style,
    system_faces,
)
from postkit.resources import data_dir

BUNDLED = data_dir("fonts")
JAPANESE = "明治維新は一八六八年一月三日、王政復古の大号令とともに始まった。ひらがなとカタカナ。"
CHINESE = "武昌起义是辛亥革命的开端，发生于一九一一年十月十日。"
TRADITIONAL = "武昌起義是辛亥革命的開端，發生於一九一一年十月十日。"
KOREAN = "대한민국 임시정부는 1919년 상하이에서 수립되었다."


def require(condition: bool, reason: str) -> None:
    """Skip without the condition locally; fail in CI, which installs fonts-noto-cjk and fontconfig."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _find_noto_cjk() -> Path | None:
    for folder in (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/google-noto-cjk")):
        if (folder / "NotoSerifCJK-Regular.ttc").is_file():
            return folder
    fc_list = shutil.which("fc-list")
    if fc_list:
        result = subprocess.run([fc_list, ":", "file"], capture_output=True, text=True, check=False, timeout=20)
        for line in result.stdout.splitlines():
            path = Path(line.split(":")[0])
            if path.name == "NotoSerifCJK-Regular.ttc":
                return path.parent
    return None


NOTO_CJK = _find_noto_cjk()


@pytest.fixture(scope="module")
def noto_cjk() -> Path:
    require(NOTO_CJK is not None, "fonts-noto-cjk is not installed (apt-get install fonts-noto-cjk)")
    return NOTO_CJK


@pytest.fixture(scope="module")
def cjk_faces(noto_cjk: Path) -> list[FontFile]:
    """Every face of the Noto CJK collections, and the bundled fonts, as one candidate list."""
    faces = faces_in(noto_cjk)
    for folder in sorted(p for p in BUNDLED.iterdir() if p.is_dir()):
        faces += faces_in(folder)
    return faces


def bundled(name: str) -> FontFile:
    return FontFile(next(BUNDLED.glob(f"*/{name}")))


def by_family(faces: list[FontFile], family: str, weight: int) -> FontFile:
    found = [f for f in faces if describe(f).family == family and describe(f).weight == weight]
    assert len(found) == 1, (family, weight, found)
    return found[0]


def closest_weight(faces: list[FontFile], family: str, target: int) -> int:
    """The weight pick() should take from ``family``: the nearest, the heavier on a tie for a bold role."""
    weights = {describe(f).weight for f in faces if describe(f).family == family}
    return min(weights, key=lambda w: (abs(w - target), w < target if target >= 600 else w > target))


def draws_all(faces: list[FontFile], text: str) -> bool:
    return all(any(ord(c) in _coverage(f) for f in faces) for c in text if not c.isspace())


# ---------------------------------------------------------------------------------------------
# describe() and role_style()


def test_describe_finds_each_region_of_a_collection_by_family(noto_cjk):
    path = noto_cjk / "NotoSerifCJK-Regular.ttc"
    faces = faces_in(noto_cjk)
    infos = {describe(f).family: (f, describe(f)) for f in faces if f.path == path}
    assert set(infos) == {f"Noto Serif CJK {r}" for r in ("JP", "KR", "SC", "TC", "HK")}
    for family, (font, info) in infos.items():
        region = family.rsplit(" ", 1)[1]
        assert info.regions == frozenset({region})
        assert info.serif is True
        assert (info.weight, info.italic, info.monospace) == (400, False, False)
        assert font.path == path and 0 <= font.index < 5
    # The faces of one collection are different faces, not one face five times.
    assert len({f.index for f, _ in infos.values()}) == 5


def test_describe_tells_sans_bold_and_monospaced_cjk_faces(noto_cjk):
    infos = [describe(f) for f in faces_in(noto_cjk) if f.path.name == "NotoSansCJK-Bold.ttc"]
    assert infos and all(i.serif is False and i.weight == 700 for i in infos)
    mono = [i for i in infos if "Mono" in i.family]
    assert mono and all(i.monospace for i in mono)
    assert all(not i.monospace for i in infos if "Mono" not in i.family)
    assert {r for i in infos for r in i.regions} == {"JP", "KR", "SC", "TC", "HK"}


@pytest.mark.parametrize(
    ("name", "serif", "weight", "italic"),
    [
        ("PostkitDisplay-Bold.ttf", True, 700, False),
        ("PostkitDisplay-Italic.ttf", True, 400, True),
        ("EBGaramond-Regular.ttf", True, 400, False),
        ("EBGaramond-SemiBold.ttf", True, 600, False),
        ("EBGaramond-Italic.ttf", True, 400, True),
        ("Inter-Regular.ttf", False, 400, False),
        ("Inter-Medium.ttf", False, 500, False),
        ("Inter-SemiBold.ttf", False, 600, False),
        ("Inter-ExtraBold.ttf", False, 800, False),
        ("NotoSerifHebrew-Bold.ttf", True, 700, False),
    ],
)
def test_describe_bundled_fonts(name, serif, weight, italic):
    info = describe(bundled(name))
    assert isinstance(info, FaceInfo)
    assert (info.serif, info.weight, info.italic) == (serif, weight, italic)
    assert info.regions == frozenset()
    assert not info.monospace


def test_postkit_display_and_garamond_are_serif_by_their_outlines():
    # Neither name nor PANOSE (all zero) says so: the stem of "H" does.
    for name in ("PostkitDisplay-Bold.ttf", "EBGaramond-Regular.ttf"):
        font = bundled(name)
        assert fontsearch._serif_from_names([describe(font).family]) is None
        assert fontsearch._serif_from_os2(fontsearch._hb_face(font).reference_table("OS/2").data) is None
        assert fontsearch._serif_from_outline(fontsearch._hb_face(font)) is True
    assert fontsearch._serif_from_outline(fontsearch._hb_face(bundled("Inter-Regular.ttf"))) is False


@pytest.mark.parametrize(
    ("names", "serif"),
    [
        (["Noto Serif CJK JP"], True),
        (["Noto Sans CJK JP"], False),
        (["Microsoft Sans Serif"], False),
        (["IPAMincho"], True),
        (["IPAexGothic"], False),
        (["AR PL UMing TW"], True),
        (["WenQuanYi Zen Hei"], False),
        (["SimSun"], True),
        (["NanumMyeongjo"], True),
        (["Malgun Gothic"], False),
        (["Yu Mincho", "游明朝"], True),
        (["Hiragino Kaku Gothic ProN", "ヒラギノ角ゴ ProN"], False),
        (["Source Han Sans SC", "思源黑体"], False),
        (["Some Font", "宋体"], True),
        (["Inter"], None),
    ],
)
def test_serif_from_names(names, serif):
    assert fontsearch._serif_from_names(names) is serif


@pytest.mark.parametrize(
    ("names", "languages", "code_pages", "regions"),
    [
        (["Source Han Serif SC"], (), 0, {"SC"}),
        (["AR PL UMing TW"], (), 0, {"TC"}),
        (["AR PL UMing HK"], (), 0, {"HK"}),
        (["AR PL UMing CN"], (), 0, {"SC"}),
        (["IPAexGothic"], (), 0, {"JP"}),
        (["NanumGothic"], (), 0, {"KR"}),
        (["Microsoft YaHei"], (), 0, {"SC"}),
        (["Microsoft JhengHei"], (), 0, {"TC"}),
        (["Droid Sans Fallback"], {"en", "zh-tw"}, 0, {"TC"}),
        (["Some Font"], (), 1 << 17, {"JP"}),
        (["Pan CJK"], (), (1 << 17) | (1 << 18) | (1 << 19) | (1 << 20), set()),
        (["Inter"], {"en"}, 1, set()),
    ],
)
def test_regions(names, languages, code_pages, regions):
    assert fontsearch._regions(names, languages, code_pages) == frozenset(regions)


@pytest.mark.parametrize(
    ("chain", "expected"),
    [
        (("PostkitDisplay-Bold.ttf",), RoleStyle(serif=True, weight=700)),
        (("Inter-SemiBold.ttf", "NotoNaskhArabic-Regular.ttf"), RoleStyle(serif=False, weight=600)),
        (("EBGaramond-Regular.ttf", "NotoSerifHebrew-Regular.ttf"), RoleStyle(serif=True, weight=400)),
        (("EBGaramond-Italic.ttf",), RoleStyle(serif=True, weight=400, italic=True)),
    ],
)
def test_role_style_comes_from_the_primary_font(chain, expected):
    assert role_style(tuple(bundled(name) for name in chain)) == expected


def test_role_style_of_an_empty_or_unreadable_chain(tmp_path):
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"not a font at all")
    assert role_style(()) == RoleStyle(serif=False, weight=400)
    assert role_style((FontFile(junk),)) == RoleStyle(serif=False, weight=400)


def test_describe_refuses_a_file_that_is_not_a_font(tmp_path):
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"\x00\x01\x00\x00" + b"\x00" * 100)
    with pytest.raises(FontError, match="junk.ttf"):
        describe(FontFile(junk))


# ---------------------------------------------------------------------------------------------
# Languages


@pytest.mark.parametrize(
    ("lang", "regions"),
    [
        ("ja", ("JP",)),
        ("ja-JP", ("JP",)),
        ("ko", ("KR",)),
        ("zh", ("SC",)),
        ("zh-Hans", ("SC",)),
        ("zh_CN", ("SC",)),
        ("zh-Hant", ("TC", "HK")),
        ("zh-TW", ("TC", "HK")),
        ("zh-Hant-HK", ("HK", "TC")),
        ("zh-HK", ("HK", "TC")),
        ("yue", ("HK", "TC")),
        ("zh_TW.UTF-8", ("TC", "HK")),  # a POSIX locale, as --lang takes it: read with i18n's tag parser
        ("zh_HK.UTF-8@x", ("HK", "TC")),
        ("en", ()),
        ("ru", ()),
        ("", ()),
    ],
)
def test_lang_regions(lang, regions):
    assert lang_regions(lang) == regions


# ---------------------------------------------------------------------------------------------
# pick()

BOLD_SERIF = RoleStyle(serif=True, weight=700)


def test_pick_prefers_the_japanese_bold_serif_face_for_a_japanese_title(cjk_faces):
    chosen = pick(cjk_faces, JAPANESE, "ja", role_style((bundled("PostkitDisplay-Bold.ttf"),)))
    assert chosen == [by_family(cjk_faces, "Noto Serif CJK JP", 700)]
    assert draws_all(chosen, JAPANESE)


def test_pick_prefers_the_simplified_chinese_sans_face_for_a_chinese_label(cjk_faces):
    label = role_style((bundled("Inter-SemiBold.ttf"),))
    chosen = pick(cjk_faces, CHINESE, "zh", label)
    assert len(chosen) == 1
    info = describe(chosen[0])
    assert info.family == "Noto Sans CJK SC"
    # With fonts-noto-cjk alone: Bold, nearer to SemiBold than Regular is.
    assert info.weight == closest_weight(cjk_faces, "Noto Sans CJK SC", 600)
    assert draws_all(chosen, CHINESE)


@pytest.mark.parametrize(
    ("text", "lang", "style", "family"),
    [
        (JAPANESE, "ja", RoleStyle(serif=True, weight=400), "Noto Serif CJK JP"),
        (JAPANESE, "ja", RoleStyle(serif=False, weight=400), "Noto Sans CJK JP"),  # not the Mono face
        (TRADITIONAL, "zh-Hant", RoleStyle(serif=True, weight=400), "Noto Serif CJK TC"),
        (TRADITIONAL, "zh-HK", RoleStyle(serif=False, weight=500), "Noto Sans CJK HK"),
        (KOREAN, "ko", BOLD_SERIF, "Noto Serif CJK KR"),
        (CHINESE, "zh-CN", RoleStyle(serif=True, weight=600), "Noto Serif CJK SC"),
    ],
)
def test_pick_follows_language_then_serif_then_weight(cjk_faces, text, lang, style, family):
    chosen = pick(cjk_faces, text, lang, style)
    assert [describe(f).family for f in chosen] == [family]
    assert describe(chosen[0]).weight == closest_weight(cjk_faces, family, style.weight)


def test_pick_is_deterministic_whatever_the_candidate_order(cjk_faces):
    for lang in ("ja", "zh", "en"):
        assert pick(cjk_faces, JAPANESE, lang, BOLD_SERIF) == pick(cjk_faces[::-1], JAPANESE, lang, BOLD_SERIF)


def test_pick_uses_as_few_faces_as_cover_and_skips_what_none_draws():
    faces = [f for folder in sorted(BUNDLED.iterdir()) if folder.is_dir() for f in faces_in(folder)]
    hebrew, arabic = "שלום עולם", "مرحبا"
    assert pick(faces, hebrew, "he", BOLD_SERIF) == [bundled("NotoSerifHebrew-Bold.ttf")]
    assert pick(faces, hebrew, "he", RoleStyle(serif=True, weight=400)) == [bundled("NotoSerifHebrew-Regular.ttf")]
    both = pick(faces, hebrew + arabic + "\U0010fffd", "en", BOLD_SERIF)
    assert both == [bundled("NotoSerifHebrew-Bold.ttf"), bundled("NotoNaskhArabic-Bold.ttf")]
    assert pick(faces, " \n\u200d", "en", BOLD_SERIF) == []
    assert pick(faces, "\U0010fffd", "en", BOLD_SERIF) == []


def test_pick_skips_unreadable_candidates(tmp_path):
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"junk")
    hebrew_bold = bundled("NotoSerifHebrew-Bold.ttf")
    assert pick([FontFile(junk), hebrew_bold], "שלום", "he", BOLD_SERIF) == [hebrew_bold]


# ---------------------------------------------------------------------------------------------
# faces_in()


def test_faces_in_lists_every_face_of_a_collection(noto_cjk, tmp_path):
    (tmp_path / "NotoSerifCJK-Regular.ttc").symlink_to(noto_cjk / "NotoSerifCJK-Regular.ttc")
    shutil.copy(bundled("Inter-Regular.ttf").path, tmp_path / "Inter-Regular.ttf")
    faces = faces_in(tmp_path)
    assert faces == sorted(faces)
    ttc = [f for f in faces if f.path.suffix == ".ttc"]
    assert [f.index for f in ttc] == [0, 1, 2, 3, 4]
    assert [f.path.name for f in faces if f.path.suffix == ".ttf"] == ["Inter-Regular.ttf"]


def test_faces_in_a_bundled_folder():
    faces = faces_in(BUNDLED / "inter")
    assert [f.path.name for f in faces] == sorted(p.name for p in (BUNDLED / "inter").glob("*.ttf"))
    assert all(f.index == 0 for f in faces)


def test_faces_in_a_folder_of_non_fonts_is_a_clear_error(tmp_path):
    (tmp_path / "notes.ttf").write_text("not a font")
    (tmp_path / "empty.otf").write_bytes(b"")
    (tmp_path / "readme.txt").write_text("hello")
    (tmp_path / "folder.ttc").mkdir()
    os.mkfifo(tmp_path / "pipe.ttf")  # opening it would block: it must never be opened
    (tmp_path / "loop.ttf").symlink_to(tmp_path / "loop.ttf")
    (tmp_path / "sub").mkdir()
    shutil.copy(bundled("Inter-Regular.ttf").path, tmp_path / "sub")
    started = time.perf_counter()
    with pytest.raises(FontError) as caught:
        faces_in(tmp_path)
    assert time.perf_counter() - started < 1
    message = str(caught.value)
    assert str(tmp_path) in message and "--font-dir" in message
    assert "none readable" in message and "sub-folder" in message
    assert "\n" not in message


def test_faces_in_never_reads_a_huge_file(tmp_path):
    # Sparse files: a font header followed by gigabytes of nothing. Reading one would take seconds
    # and the memory of its size; only the first bytes may be read.
    for name, size in (("huge.ttf", 3 * 1024**3), ("big.otf", 400 * 1024**2)):
        with (tmp_path / name).open("wb") as handle:
            handle.write(b"\x00\x01\x00\x00")
            handle.truncate(size)
    shutil.copy(bundled("Inter-Regular.ttf").path, tmp_path / "Inter-Regular.ttf")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    faces = faces_in(tmp_path)
    assert time.perf_counter() - started < 1
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 100 * 1024
    assert [f.path.name for f in faces] == ["Inter-Regular.ttf"]


def test_faces_in_a_huge_folder_stops_with_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(fontsearch, "MAX_ENTRIES", 200)
    for k in range(201):
        (tmp_path / f"file{k:04}.txt").touch()
    started = time.perf_counter()
    with pytest.raises(FontError, match=r"more than 200 entries.*pass the folder that holds just the fonts"):
        faces_in(tmp_path)
    assert time.perf_counter() - started < 1


def test_faces_in_caps_the_font_files_and_says_so(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(fontsearch, "MAX_FONT_FILES", 2)
    for font in faces_in(BUNDLED / "inter"):
        (tmp_path / font.path.name).symlink_to(font.path)
    with caplog.at_level(logging.WARNING, logger="postkit"):
        faces = faces_in(tmp_path)
    assert [f.path.name for f in faces] == sorted(p.name for p in (BUNDLED / "inter").glob("*.ttf"))[:2]
    assert "using the first 2" in caplog.text


@pytest.mark.skipif(not Path("/usr").is_dir(), reason="no /usr")
def test_font_dir_usr_answers_at_once():
    started = time.perf_counter()
    with pytest.raises(FontError, match=r"/usr has no \.ttf, \.otf or \.ttc file at its top level.*not searched"):
        faces_in(Path("/usr"))
    assert time.perf_counter() - started < 0.5


def test_faces_in_a_missing_folder(tmp_path):
    with pytest.raises(FontError, match="is not a folder"):
        faces_in(tmp_path / "nope")


# ---------------------------------------------------------------------------------------------
# system_faces()


@pytest.fixture
def fontconfig(noto_cjk):
    tools = shutil.which("fc-match") and shutil.which("fc-list")
    require(bool(tools), "fontconfig is not installed (apt-get install fontconfig)")
    listed = subprocess.run(["fc-list", ":family=Noto Serif CJK JP", "file"], capture_output=True, text=True)
    require(bool(listed.stdout.strip()), "fontconfig does not list Noto Serif CJK JP (fonts-noto-cjk)")
    fontsearch._fontconfig_sorted.cache_clear()
    yield
    fontsearch._fontconfig_sorted.cache_clear()


def test_system_faces_japanese_bold_serif_title(fontconfig):
    chosen = system_faces(JAPANESE, "ja", role_style((bundled("PostkitDisplay-Bold.ttf"),)))
    assert chosen and (describe(chosen[0]).family, describe(chosen[0]).weight) == ("Noto Serif CJK JP", 700)
    assert chosen[0].path.suffix == ".ttc"
    assert draws_all(chosen, JAPANESE)


def test_system_faces_chinese_sans_label(fontconfig):
    chosen = system_faces(CHINESE, "zh", role_style((bundled("Inter-SemiBold.ttf"),)))
    assert chosen and describe(chosen[0]).family == "Noto Sans CJK SC"
    assert draws_all(chosen, CHINESE)


def test_system_faces_korean_and_traditional(fontconfig):
    assert describe(system_faces(KOREAN, "ko", BOLD_SERIF)[0]).family == "Noto Serif CJK KR"
    assert describe(system_faces(TRADITIONAL, "zh-TW", RoleStyle(False, 400))[0]).family == "Noto Sans CJK TC"


def test_system_faces_calls_fontconfig_once_per_family_and_caches(fontconfig, monkeypatch):
    calls = []
    real_run = subprocess.run

    def counting_run(*args, **kwargs):
        calls.append(args[0])
        return real_run(*args, **kwargs)

    monkeypatch.setattr(fontsearch.subprocess, "run", counting_run)
    title = system_faces(JAPANESE, "ja", BOLD_SERIF)
    body = system_faces(JAPANESE, "ja", RoleStyle(serif=True, weight=400))
    label = system_faces(JAPANESE, "ja", RoleStyle(serif=False, weight=600))
    again = system_faces(JAPANESE, "ja", BOLD_SERIF)
    assert len(calls) == 2  # serif (title and body share it), sans
    assert all(call[0].endswith("fc-match") for call in calls)
    assert title == again and title != body
    assert (describe(title[0]).weight, describe(body[0]).weight) == (700, 400)
    assert describe(label[0]).weight >= 600 and describe(label[0]).serif is False


def test_system_faces_without_fontconfig(monkeypatch):
    fontsearch._fontconfig_sorted.cache_clear()
    monkeypatch.setattr(fontsearch.shutil, "which", lambda name: None)
    try:
        assert system_faces(JAPANESE, "ja", BOLD_SERIF) == []
    finally:
        fontsearch._fontconfig_sorted.cache_clear()


def test_system_faces_when_fontconfig_hangs(monkeypatch, caplog):
    fontsearch._fontconfig_sorted.cache_clear()
    monkeypatch.setattr(fontsearch.shutil, "which", lambda name: "/usr/bin/fc-match")

    def hang(args, **kwargs):
        assert kwargs["timeout"] <= 10
        raise subprocess.TimeoutExpired(args, kwargs["timeout"])

    monkeypatch.setattr(fontsearch.subprocess, "run", hang)
    try:
        with caplog.at_level(logging.WARNING, logger="postkit"):
            assert system_faces(JAPANESE, "ja", BOLD_SERIF) == []
        assert "fontconfig did not answer" in caplog.text
    finally:
        fontsearch._fontconfig_sorted.cache_clear()


def test_fontconfig_pattern_is_bounded_and_takes_no_foreign_text():
    pattern = fontsearch._fc_pattern(list(JAPANESE), "ja:family=Evil", serif=True)
    assert pattern.startswith("serif:charset=") and "Evil" not in pattern
    assert fontsearch._fc_pattern(["日"], "zh-Hant", serif=False) == "sans-serif:lang=zh-tw:charset=65e5"
    many = [chr(0x4E00 + k) for k in range(5000)]
    assert len(fontsearch._fc_pattern(many, "ja", True).split("charset=")[1].split()) <= fontsearch.MAX_PATTERN_CHARS


def test_system_faces_is_cheap_in_a_fresh_process(fontconfig):
    """Discovery for a Japanese post (three roles) in a new interpreter, fontconfig's cache warm."""
    script = (
        "import time; from postkit.fontsearch import system_faces, RoleStyle;"
        f"text = {JAPANESE!r};"
        "t = time.perf_counter();"
        "[system_faces(text, 'ja', RoleStyle(s, w)) for s, w in ((True, 700), (True, 400), (False, 600))];"
        "print((time.perf_counter() - t) * 1000)"
    )
    subprocess.run([sys.executable, "-c", script], capture_output=True, check=True)  # warm the OS caches
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    milliseconds = float(result.stdout)
    # A generous bound for a loaded machine; measured at about 25 ms (uharfbuzz's import included).
    assert milliseconds < 250


# ---------------------------------------------------------------------------------------------
# missing_font_message()


def test_missing_font_message_for_japanese():
    message = missing_font_message(list("日本語"), "ja", "the title of article.md")
    assert message.startswith("no font can draw 日 (U+65E5), 本 (U+672C), 語 (U+8A9E) in the title of article.md;")
    assert "fonts-noto-cjk" in message and "--font-dir DIR" in message
    assert message.index("fonts-noto-cjk") < message.index("--font-dir")
    assert "theme" not in message and "\n" not in message


@pytest.mark.parametrize(
    ("chars", "lang", "package"),
    [
        (list("한국"), "en", "fonts-noto-cjk"),
        (["\u3003"], "zh", "fonts-noto-cjk"),
        (["\u2e3a"], "ja", "fonts-noto-cjk"),  # any character of a CJK article: the CJK fonts
        (list("ԱԲ"), "hy", "fonts-noto-core"),
        (["\U0001f600"], "en", "fonts-noto-color-emoji"),
    ],
)
def test_missing_font_message_names_the_package(chars, lang, package):
    message = missing_font_message(chars, lang, "slide 3")
    assert package in message and "slide 3" in message and "--font-dir" in message
    for char in chars:
        assert f"U+{ord(char):04X}" in message


def test_missing_font_message_is_short_for_many_characters():
    message = missing_font_message([chr(0x4E00 + k) for k in range(40)], "zh", "the body of a.md")
    assert "and 32 more" in message and message.count("U+") == 8


def test_missing_font_message_for_a_private_use_character():
    message = missing_font_message(["\ue123"], "en", "the cover")
    assert "U+E123" in message and "private-use" in message and "--font-dir" in message
    assert "apt install" not in message
