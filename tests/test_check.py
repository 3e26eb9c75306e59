"""Tests for postkit.check and postkit.limits: every Instagram rule, on tiny fixture posts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageCms

from postkit import limits
from postkit.check import MANIFEST_MAX_DEPTH, Violation, check_post, decode_caption, format_report, parse_manifest

SIZE = (1080, 1350)


def save_slide(path: Path, size: tuple[int, int] = SIZE, mode: str = "RGB", **options) -> None:
    colour = "white" if mode != "CMYK" else (0, 0, 0, 0)
    Image.new(mode, size, colour).save(path, format=options.pop("format", "JPEG"), **options)


def make_post(
    folder: Path,
    slides: int = 3,
    caption: str = "On this day in 1969, Apollo 11 landed on the Moon. #onthisday #history",
    *,
    alt: str = "A white slide.",
) -> Path:
    """Write a valid post: ``slides`` 1080x1350 JPEGs, caption.txt and post.json."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for i in range(1, slides + 1):
        name = f"{i:02d}.jpg"
        save_slide(folder / name)
        kind = "cover" if i == 1 else "closing" if i == slides else "text"
        entries.append({"file": name, "kind": kind, "text": f"Slide {i}", "alt": alt})
    (folder / "caption.txt").write_text(caption + "\n", encoding="utf-8")
    write_manifest(folder, entries, caption)
    return folder


def write_manifest(folder: Path, slides: list[dict], caption: str) -> None:
    manifest = {
        "postkit_version": "0.1.0",
        "format": "portrait",
        "size": list(SIZE),
        "theme": "classic",
        "source": {"file": "article.txt", "sha256": "0" * 64},
        "caption": caption,
        "hashtags": ["onthisday", "history"],
        "slides": slides,
        "future_key": {"ignored": True},
    }
    text = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    (folder / "post.json").write_text(text, encoding="utf-8")


def set_caption(folder: Path, caption: str) -> None:
    (folder / "caption.txt").write_text(caption + "\n", encoding="utf-8")
    manifest = json.loads((folder / "post.json").read_text(encoding="utf-8"))
    manifest["caption"] = caption
    (folder / "post.json").write_text(json.dumps(manifest), encoding="utf-8")


def edit_manifest(folder: Path, change) -> None:
    manifest = json.loads((folder / "post.json").read_text(encoding="utf-8"))
    change(manifest)
    (folder / "post.json").write_text(json.dumps(manifest), encoding="utf-8")


def only(violations: list[Violation], file: str, level: str = "error") -> Violation:
    matching = [v for v in violations if v.file == file and v.level == level]
    assert len(matching) == 1, format_report(violations)
    return matching[0]


@pytest.fixture
def post(tmp_path: Path) -> Path:
    return make_post(tmp_path / "post")


# --- the folder ---------------------------------------------------------------------------


def test_valid_post_has_no_violations(post: Path) -> None:
    assert check_post(post) == []


def test_srgb_profile_is_fine(tmp_path: Path) -> None:
    folder = make_post(tmp_path / "p", slides=2)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    save_slide(folder / "02.jpg", icc_profile=srgb)
    assert check_post(folder) == []


@pytest.mark.parametrize("make", ["missing", "file"])
def test_not_a_folder_is_a_single_error(tmp_path: Path, make: str) -> None:
    path = tmp_path / "post"
    if make == "file":
        path.write_text("x")
    violations = check_post(path)
    assert len(violations) == 1
    assert violations[0].level == "error"
    assert violations[0].file == "."
    assert ("not a folder" if make == "file" else "does not exist") in violations[0].message


def test_empty_folder(tmp_path: Path) -> None:
    violations = check_post(tmp_path)
    messages = format_report(violations)
    assert "no slides found" in messages
    assert "caption.txt: error: is missing" in messages
    assert "post.json: error: is missing" in messages


def test_21_slides_is_an_error(tmp_path: Path) -> None:
    folder = make_post(tmp_path / "p", slides=21)
    v = only(check_post(folder), ".")
    assert "21 slides" in v.message
    assert "at most 20" in v.message


def test_11_slides_is_a_warning(tmp_path: Path) -> None:
    folder = make_post(tmp_path / "p", slides=11)
    violations = check_post(folder)
    assert [v.level for v in violations] == ["warning"]
    assert "11 slides" in violations[0].message
    assert "only 10 can be published through Instagram's API and most schedulers" in str(violations[0])


def test_20_slides_is_only_the_api_warning(tmp_path: Path) -> None:
    folder = make_post(tmp_path / "p", slides=20)
    assert [v.level for v in check_post(folder)] == ["warning"]


def test_one_slide_is_too_few(tmp_path: Path) -> None:
    folder = make_post(tmp_path / "p", slides=1)
    v = only(check_post(folder), ".")
    assert "1 slide" in v.message
    assert "at least 2" in v.message


def test_gap_in_slide_numbers(tmp_path: Path) -> None:
    folder = make_post(tmp_path / "p", slides=4)
    (folder / "03.jpg").unlink()
    violations = check_post(folder)
    gap = only(violations, ".")
    assert "03.jpg missing" in gap.message
    # post.json still lists 03.jpg, which is gone.
    assert "03.jpg" in only(violations, "post.json").message


def test_stray_image_is_a_warning(post: Path) -> None:
    save_slide(post / "extra.png", format="PNG")
    save_slide(post / "4.jpg")
    violations = check_post(post)
    assert [v.file for v in violations] == ["4.jpg", "extra.png"]
    assert {v.level for v in violations} == {"warning"}
    assert "not a slide" in violations[0].message


def test_other_files_are_ignored(post: Path) -> None:
    (post / "notes.md").write_text("hello")
    (post / "sub").mkdir()
    assert check_post(post) == []


# --- slides ---------------------------------------------------------------------------------


def test_png_named_jpg(post: Path) -> None:
    save_slide(post / "02.jpg", format="PNG")
    v = only(check_post(post), "02.jpg")
    assert "PNG" in v.message
    assert "JPEG" in v.message


def test_mpo_is_rejected(post: Path) -> None:
    im = Image.new("RGB", SIZE, "white")
    im.save(post / "02.jpg", format="MPO", save_all=True, append_images=[im])
    v = only(check_post(post), "02.jpg")
    assert "MPO" in v.message


def test_not_an_image(post: Path) -> None:
    (post / "02.jpg").write_bytes(b"not an image at all")
    assert "cannot be read as an image" in only(check_post(post), "02.jpg").message


def test_cmyk_jpeg(post: Path) -> None:
    save_slide(post / "02.jpg", mode="CMYK")
    v = only(check_post(post), "02.jpg")
    assert "CMYK" in v.message
    assert "sRGB" in v.message


def test_grayscale_jpeg_is_fine(post: Path) -> None:
    save_slide(post / "02.jpg", mode="L")
    assert check_post(post) == []


def test_non_srgb_profile(post: Path) -> None:
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    save_slide(post / "02.jpg", icc_profile=lab)
    v = only(check_post(post), "02.jpg")
    assert "Lab identity" in v.message
    assert "not sRGB" in v.message


def test_unreadable_profile(post: Path) -> None:
    save_slide(post / "02.jpg", icc_profile=b"garbage" * 30)
    assert "unreadable ICC" in only(check_post(post), "02.jpg").message


def test_different_size_slide(post: Path) -> None:
    save_slide(post / "03.jpg", size=(1080, 1080))
    v = only(check_post(post), "03.jpg")
    assert "1080x1080" in v.message
    assert "01.jpg is 1080x1350" in v.message


def test_too_tall_slide(tmp_path: Path) -> None:
    folder = make_post(tmp_path / "p")
    for i in (1, 2, 3):
        save_slide(folder / f"{i:02d}.jpg", size=(1080, 1920))
    violations = check_post(folder)
    assert [v.file for v in violations] == ["01.jpg", "02.jpg", "03.jpg"]
    assert "0.5625" in violations[0].message
    assert "0.8" in violations[0].message
    assert "1.91" in violations[0].message


def test_too_wide_slide(tmp_path: Path) -> None:
    folder = make_post(tmp_path / "p", slides=2)
    for i in (1, 2):
        save_slide(folder / f"{i:02d}.jpg", size=(1080, 500))
    assert "2.16" in only(check_post(folder), "01.jpg").message


def test_aspect_tolerance(tmp_path: Path) -> None:
    folder = make_post(tmp_path / "p", slides=2)
    for i in (1, 2):
        save_slide(folder / f"{i:02d}.jpg", size=(1079, 1349))  # 0.79985
    assert check_post(folder) == []


def test_narrow_slide(tmp_path: Path) -> None:
    folder = make_post(tmp_path / "p", slides=2)
    for i in (1, 2):
        save_slide(folder / f"{i:02d}.jpg", size=(200, 250))
    v = only(check_post(folder), "01.jpg")
    assert "200 px wide" in v.message
    assert "320-1440" in v.message


def test_wide_slide(tmp_path: Path) -> None:
    folder = make_post(tmp_path / "p", slides=2)
    for i in (1, 2):
        save_slide(folder / f"{i:02d}.jpg", size=(1500, 1500))
    assert "1500 px wide" in only(check_post(folder), "02.jpg").message


def test_truncated_jpeg(post: Path) -> None:
    data = (post / "02.jpg").read_bytes()
    (post / "02.jpg").write_bytes(data[: len(data) // 2])
    v = only(check_post(post), "02.jpg")
    assert "truncated" in v.message
    assert "FF D9" in v.message


def test_file_too_big(post: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    size = (post / "02.jpg").stat().st_size
    monkeypatch.setattr(limits, "IMAGE_MAX_BYTES", size)
    violations = check_post(post)
    assert {v.file for v in violations} == {"01.jpg", "02.jpg", "03.jpg"}
    assert f"{size:,} bytes" in only(violations, "02.jpg").message
    assert "8 MiB" in only(violations, "02.jpg").message


# --- caption.txt ------------------------------------------------------------------------------


def test_caption_2200_is_fine_2201_is_not(post: Path) -> None:
    set_caption(post, "a" * 2200)
    assert check_post(post) == []
    set_caption(post, "a" * 2201)
    v = only(check_post(post), "caption.txt")
    assert "2201 characters" in v.message
    assert "at most 2200" in v.message


def test_emoji_caption_counts_utf16_units(post: Path) -> None:
    caption = "\N{GRINNING FACE}" * 1101  # 1101 code points, 2202 UTF-16 units
    assert len(caption) <= 2200
    set_caption(post, caption)
    v = only(check_post(post), "caption.txt")
    assert "2202 characters" in v.message
    assert "1101 code points" in v.message
    assert "2200" in v.message


def test_31_hashtags_is_an_error(post: Path) -> None:
    set_caption(post, "Tags: " + " ".join(f"#tag{i}" for i in range(31)))
    v = only(check_post(post), "caption.txt")
    assert "31 hashtags" in v.message
    assert "at most 30" in v.message


def test_6_hashtags_is_only_a_warning(post: Path) -> None:
    set_caption(post, "Tags: " + " ".join(f"#tag{i}" for i in range(6)))
    violations = check_post(post)
    assert [(v.file, v.level) for v in violations] == [("caption.txt", "warning")]
    assert "6 hashtags" in violations[0].message
    assert "5" in violations[0].message


def test_21_mentions(post: Path) -> None:
    set_caption(post, "Thanks " + " ".join(f"@user_{i}" for i in range(21)))
    v = only(check_post(post), "caption.txt")
    assert "21 @mentions" in v.message
    assert "at most 20" in v.message


def test_emails_are_not_mentions(post: Path) -> None:
    set_caption(post, "Write to " + ", ".join(f"reader{i}@example.com" for i in range(25)))
    assert check_post(post) == []


def test_missing_caption(post: Path) -> None:
    (post / "caption.txt").unlink()
    v = only(check_post(post), "caption.txt")
    assert "missing" in v.message


def test_caption_not_utf8(post: Path) -> None:
    (post / "caption.txt").write_bytes("Ça va".encode("latin-1"))
    assert "not valid UTF-8" in only(check_post(post), "caption.txt").message


# --- post.json --------------------------------------------------------------------------------


def test_missing_manifest(post: Path) -> None:
    (post / "post.json").unlink()
    assert "missing" in only(check_post(post), "post.json").message


def test_invalid_json(post: Path) -> None:
    (post / "post.json").write_text('{"slides": [', encoding="utf-8")
    v = only(check_post(post), "post.json")
    assert "not valid JSON" in v.message
    assert "line 1" in v.message


def test_manifest_not_an_object(post: Path) -> None:
    (post / "post.json").write_text("[]", encoding="utf-8")
    assert "not a JSON object" in only(check_post(post), "post.json").message


def test_manifest_slides_do_not_match_files(post: Path) -> None:
    edit_manifest(post, lambda m: m["slides"].pop())
    v = only(check_post(post), "post.json")
    assert "in the folder but not listed: 03.jpg" in v.message


def test_manifest_slides_in_wrong_order(post: Path) -> None:
    edit_manifest(post, lambda m: m["slides"].reverse())
    v = only(check_post(post), "post.json")
    assert "03.jpg, 02.jpg, 01.jpg" in v.message


def test_alt_text_too_long(tmp_path: Path) -> None:
    folder = make_post(tmp_path / "p", alt="a" * 1000)
    assert check_post(folder) == []
    edit_manifest(folder, lambda m: m["slides"][1].update(alt="a" * 1001))
    v = only(check_post(folder), "post.json")
    assert "02.jpg" in v.message
    assert "1001 characters" in v.message
    assert "at most 1000" in v.message


def test_unknown_kind(post: Path) -> None:
    edit_manifest(post, lambda m: m["slides"][1].update(kind="quote"))
    v = only(check_post(post), "post.json")
    assert "'quote'" in v.message
    assert "cover, text, closing" in v.message


def test_caption_mismatch_is_a_warning(post: Path) -> None:
    edit_manifest(post, lambda m: m.update(caption="Something else"))
    v = only(check_post(post), "post.json", level="warning")
    assert "differs from caption.txt" in v.message


def test_caption_with_crlf_matches(post: Path) -> None:
    caption = "Line one\nLine two"
    set_caption(post, caption)
    (post / "caption.txt").write_bytes(b"Line one\r\nLine two\r\n")
    assert check_post(post) == []


# --- many problems at once ----------------------------------------------------------------------


def test_all_violations_are_listed_errors_first(tmp_path: Path) -> None:
    folder = make_post(tmp_path / "p", slides=12)
    save_slide(folder / "02.jpg", mode="CMYK")
    save_slide(folder / "05.jpg", size=(1080, 1080))
    save_slide(folder / "stray.png", format="PNG")
    (folder / "caption.txt").write_text("x" * 2300 + " #a #b #c #d #e #f", encoding="utf-8")
    edit_manifest(folder, lambda m: m["slides"][0].update(alt="y" * 1200))

    violations = check_post(folder)
    assert [(v.level, v.file) for v in violations] == [
        ("error", "02.jpg"),
        ("error", "05.jpg"),
        ("error", "caption.txt"),
        ("error", "post.json"),
        ("warning", "stray.png"),
        ("warning", "."),
        ("warning", "caption.txt"),
        ("warning", "post.json"),
    ]
    report = format_report(violations)
    assert len(report.splitlines()) == len(violations)
    assert report.splitlines()[0] == str(violations[0])
    assert report.splitlines()[0].startswith("02.jpg: error: ")


def test_violation_str() -> None:
    v = Violation("warning", "caption.txt", "6 hashtags")
    assert str(v) == "caption.txt: warning: 6 hashtags"
    assert format_report([]) == ""


# --- limits helpers -------------------------------------------------------------------------------


def test_hashtags_in() -> None:
    text = "#one two#not &#39; (#two) #über_3 #日本 end#"
    assert limits.hashtags_in(text) == ["one", "two", "über_3", "日本"]


def test_mentions_in() -> None:
    text = "Hi @nasa, @esa. Mail me@example.com or a.b@c.org; (@user.name_1) @ alone"
    assert limits.mentions_in(text) == ["nasa", "esa", "user.name_1"]


def test_limits_values() -> None:
    assert limits.ASPECT_MIN == 0.8
    assert limits.IMAGE_MAX_BYTES == 8 * 1024 * 1024
    assert limits.MIN_SLIDES < limits.MAX_SLIDES_API < limits.MAX_SLIDES_APP


@given(st.text())
def test_caption_length_is_conservative(text: str) -> None:
    n = limits.caption_length(text)
    assert n >= len(text)
    assert n == len(text.encode("utf-16-le", "surrogatepass")) // 2


# --- untrusted bytes: post.json and caption.txt ----------------------------------------------------


def test_parse_manifest_reads_postkit_json():
    assert parse_manifest(b'{"slides": [{"file": "01.jpg"}], "size": [1080, 1350]}')["size"] == [1080, 1350]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\xff{}", "is not valid UTF-8 (byte 0)"),
        (b'{"a": }', "is not valid JSON (Expecting value at line 1, column 7)"),
        (b'{"a": Infinity}', "is not valid JSON (Infinity is not a JSON number)"),
        (b'{"a": -' + b"1" * 101 + b"}", "is not valid JSON (a number of 101 digits)"),
        (b"[" * 5000 + b"]" * 5000, f"is nested more than {MANIFEST_MAX_DEPTH} levels deep, which no post.json is"),
        (
            b'{"a": ' * 33 + b"1" + b"}" * 33,
            f"is nested more than {MANIFEST_MAX_DEPTH} levels deep, which no post.json is",
        ),
        (b'["\\udc80"]', "has a lone surrogate ('\\udc80') in a string, which is not text"),
    ],
)
def test_parse_manifest_names_the_problem(data, problem):
    with pytest.raises(ValueError) as info:
        parse_manifest(data)
    assert str(info.value) == problem


def test_parse_manifest_takes_32_levels_and_surrogate_pairs():
    assert parse_manifest(b'{"a": ' * 31 + b"[]" + b"}" * 31) is not None
    assert parse_manifest(b'["\\ud83d\\ude00"]') == ["\N{GRINNING FACE}"]


@pytest.mark.parametrize(
    "text",
    ["", "Plain caption.", "Line one\nline two\r\nthree\ttabbed", "עברית ועוד", "\N{GRINNING FACE} #tag"],
)
def test_decode_caption_keeps_real_text(text):
    assert decode_caption(text.encode("utf-8")) == text


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ("Привет, мир 1917".encode("utf-16-le"), "looks like UTF-16 without a byte-order mark"),
        ("Hello".encode("utf-32-le"), "looks like UTF-32 without a byte-order mark (three bytes in four are 0)"),
        ("Привет".encode("utf-32-be"), "looks like UTF-32 without a byte-order mark (three bytes in four are 0)"),
        ("Hello".encode("utf-32"), "is UTF-32 (it starts with a UTF-32 byte-order mark), not UTF-8"),
        (b"\xfe\xff\x00H", "is UTF-16 (it starts with a UTF-16 byte-order mark), not UTF-8"),
        (b"ab\x00cdefghijklmnop", "contains a NUL byte (byte 2), which is not text"),
        ("caption\u0085".encode(), "contains control character U+0085 (line 1, column 8), which is not text"),
        (b"a\nb\nc\x07", "contains control character U+0007 (line 3, column 2), which is not text"),
        (b"caf\xe9", "is not valid UTF-8 (byte 3)"),
    ],
)
def test_decode_caption_refuses_what_is_not_text(data, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        decode_caption(data)


def test_utf16_caption_is_never_ready(post: Path) -> None:
    (post / "caption.txt").write_bytes("On this day.".encode("utf-16-le"))
    v = only(check_post(post), "caption.txt")
    assert v.message.startswith("looks like UTF-16 without a byte-order mark")


def test_caption_with_a_utf8_bom_is_a_warning(post: Path) -> None:
    caption = (post / "caption.txt").read_text(encoding="utf-8")
    (post / "caption.txt").write_bytes(b"\xef\xbb\xbf" + caption.encode("utf-8"))
    v = only(check_post(post), "caption.txt", level="warning")
    assert "byte-order mark (U+FEFF)" in v.message


def test_slide_symlinked_inside_the_folder_is_checked(post: Path) -> None:
    (post / "02.jpg").rename(post / "second.jpg")
    (post / "02.jpg").symlink_to("second.jpg")
    violations = check_post(post)
    assert [v.file for v in violations] == ["second.jpg"]  # the target is itself a stray image: only a warning


def test_slide_numbers_are_ascii_digits(post: Path) -> None:
    (post / "\u0660\u0664.jpg").write_bytes((post / "01.jpg").read_bytes())  # Arabic-Indic "04"
    violations = check_post(post)
    assert [(v.file, v.level) for v in violations] == [("\u0660\u0664.jpg", "warning")]
