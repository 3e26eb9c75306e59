"""Tests for postkit.check_export: export folders checked against each network's limits, from the files."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image

from postkit.check import MANIFEST_MAX_BYTES, Violation, check_post, format_report
from postkit.check_export import check_export
from postkit.cli import cli
from postkit.limits import LINKEDIN_DOCUMENT_MAX_PAGES, NETWORKS, TIKTOK_TITLE_MAX

SIZE = (1080, 1350)
TIKTOK_SIZE = (1080, 1920)
TEXT = "On this day in 1969, Apollo 11 landed on the Moon. #onthisday"


def save_jpeg(path: Path, size: tuple[int, int] = SIZE, colour: str = "white") -> None:
    Image.new("RGB", size, colour).save(path, format="JPEG", quality=85)


def save_noisy_jpeg(path: Path, size: tuple[int, int] = SIZE) -> None:
    """A JPEG of random pixels at quality 100: megabytes, as no slide of solid colour is."""
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(path, format="JPEG", quality=100)


def pdf_bytes(pages: int) -> bytes:
    """A PDF of ``pages`` small pages, as Pillow writes it (uncompressed page objects)."""
    images = [Image.new("RGB", (108, 135), "white") for _ in range(pages)]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:])
    return out.getvalue()


def image_entry(folder: Path, name: str, slide: int, network: str) -> dict[str, Any]:
    path = folder / name
    with Image.open(path) as im:
        width, height = im.size
    alt = None if network == "tiktok" else f"Slide {slide}: a white card."
    return {"file": name, "slide": slide, "alt": alt, "width": width, "height": height, "bytes": path.stat().st_size}


def make_export(folder: Path, network: str, slides: int = 3, split: list[int] | None = None) -> Path:
    """Write a valid export folder for ``network``: ``slides`` JPEGs in posts of ``split`` images, manifest.json
    and, for LinkedIn, document.pdf."""
    folder.mkdir(parents=True, exist_ok=True)
    size = TIKTOK_SIZE if network == "tiktok" else SIZE
    names = [f"{i:02d}.jpg" for i in range(1, slides + 1)]
    for name in names:
        save_jpeg(folder / name, size)
    entries = [image_entry(folder, name, i, network) for i, name in enumerate(names, start=1)]
    posts = []
    start = 0
    for count in split or [slides]:
        post: dict[str, Any] = {"text": TEXT, "length": len(TEXT), "images": entries[start : start + count]}
        if network == "tiktok":
            post["title"] = "Apollo 11"
        posts.append(post)
        start += count
    document = None
    if network == "linkedin":
        (folder / "document.pdf").write_bytes(pdf_bytes(slides))
        document = {"file": "document.pdf", "pages": slides, "title": "Apollo 11", "author": "postkit", "lang": "en"}
    limits = NETWORKS[network]
    manifest = {
        "generator": "postkit 0.1.0",
        "network": network,
        "post": "1969-07-20-apollo-11",
        "title": "Apollo 11",
        "date": "1969-07-20",
        "lang": "en",
        "limits": {
            "images": limits.images,
            "min_images": limits.min_images,
            "image_bytes": limits.image_bytes,
            "alt_chars": limits.alt_chars,
            "alt_required": limits.alt_required,
            "alt_text": network != "tiktok",
            "text": limits.text,
            "counting": limits.counting,
            "source": limits.source,
        },
        "document": document,
        "posts": posts,
    }
    write_manifest(folder, manifest)
    return folder


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    (folder / "manifest.json").write_text(text, encoding="utf-8")


def edit_manifest(folder: Path, change) -> None:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    change(manifest)
    write_manifest(folder, manifest)


def only(violations: list[Violation], file: str, level: str = "error") -> Violation:
    matching = [v for v in violations if v.file == file and v.level == level]
    assert len(matching) == 1, format_report(violations)
    return matching[0]


def errors(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.level == "error"]


# --- valid exports ------------------------------------------------------------------------


@pytest.mark.parametrize("network", list(NETWORKS))
def test_valid_export_has_no_violations(tmp_path: Path, network: str) -> None:
    folder = make_export(tmp_path / f"post.{network}", network)
    assert check_export(folder) == []


def test_thread_of_two_posts_is_valid(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.bluesky", "bluesky", slides=6, split=[4, 2])
    assert check_export(folder) == []


def test_check_post_dispatches_an_export_folder(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.bluesky", "bluesky")
    (folder / "03.jpg").unlink()
    assert check_post(folder) == check_export(folder) != []


def test_a_post_folder_with_a_manifest_json_is_still_a_post(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.bluesky", "bluesky")
    (folder / "post.json").write_text("{}", encoding="utf-8")
    # Checked as an Instagram post: caption.txt is what it lacks, which no export has.
    assert "is missing; write the caption" in only(check_post(folder), "caption.txt").message


# --- images per post, in all ----------------------------------------------------------------


def test_too_many_images_in_one_post(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.bluesky", "bluesky", slides=5)
    message = only(check_export(folder), "manifest.json").message
    assert message.startswith("post 1 has 5 images; Bluesky allows at most 4 per post; ")


def test_limits_come_from_postkit_not_the_manifest(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.x", "x", slides=5)
    edit_manifest(folder, lambda m: m["limits"].update(images=50, text=10_000, counting="chars"))
    assert "post 1 has 5 images; X allows at most 4" in only(check_export(folder), "manifest.json").message


def test_too_few_images_in_all(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.threads", "threads", slides=1)
    message = only(check_export(folder), ".").message
    assert message.startswith("1 image(s) in all; Threads needs at least 2; ")


# --- text, counted the network's way -------------------------------------------------------------


def test_threads_counts_an_emoji_as_its_utf8_bytes(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.threads", "threads")
    text = "\U0001f389" * 130  # 130 characters, 520 as Threads counts them
    edit_manifest(folder, lambda m: m["posts"][0].update(text=text, length=130))
    message = only(check_export(folder), "manifest.json").message
    assert message.startswith("post 1 text is 520 characters as Threads counts them (an emoji as its UTF-8 bytes); ")
    assert "Threads allows at most 500; cut at least 20" in message


def test_x_counts_cjk_twice(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.x", "x")
    text = "\u6708" * 150  # 150 characters, 300 as X weighs them
    edit_manifest(folder, lambda m: m["posts"][0].update(text=text, length=150))
    message = only(check_export(folder), "manifest.json").message
    assert message.startswith("post 1 text is 300 characters as X weighs them")
    assert "X allows at most 280; cut at least 20" in message


def test_bluesky_counts_graphemes(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.bluesky", "bluesky")
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one grapheme, five code points
    edit_manifest(folder, lambda m: m["posts"][0].update(text=family * 300))
    assert check_export(folder) == []
    edit_manifest(folder, lambda m: m["posts"][0].update(text=family * 301))
    assert "post 1 text is 301 characters (grapheme clusters)" in only(check_export(folder), "manifest.json").message


def test_text_in_a_reply_is_checked(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.mastodon", "mastodon", slides=6, split=[4, 2])
    edit_manifest(folder, lambda m: m["posts"][1].update(text="x" * 501))
    assert only(check_export(folder), "manifest.json").message.startswith("post 2 text is 501 characters (code points)")


def test_text_must_be_a_string(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.x", "x")
    edit_manifest(folder, lambda m: m["posts"][0].update(text=None))
    assert only(check_export(folder), "manifest.json").message.startswith("post 1 text is None, not a string")


def test_tiktok_title_over_90_utf16_units(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.tiktok", "tiktok")
    title = "\U0001f680" * 46  # 46 characters, 92 UTF-16 units
    edit_manifest(folder, lambda m: m["posts"][0].update(title=title))
    message = only(check_export(folder), "manifest.json").message
    assert message.startswith(
        f"post 1 title is 92 UTF-16 units (an emoji counts 2); TikTok allows at most {TIKTOK_TITLE_MAX}"
    )
    assert message.endswith("cut at least 2")


# --- alt text ----------------------------------------------------------------------------


@pytest.mark.parametrize("alt", [None, "", "   "])
def test_bluesky_requires_alt_text(tmp_path: Path, alt: str | None) -> None:
    folder = make_export(tmp_path / "post.bluesky", "bluesky")
    edit_manifest(folder, lambda m: m["posts"][0]["images"][1].update(alt=alt))
    message = only(check_export(folder), "manifest.json").message
    assert message.startswith("post 1 image 2 (02.jpg) has no alt text; Bluesky requires it on every image")


def test_alt_text_is_optional_where_not_required(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.x", "x")
    edit_manifest(folder, lambda m: m["posts"][0]["images"][1].update(alt=None))
    assert check_export(folder) == []


def test_mastodon_alt_text_over_1500(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.mastodon", "mastodon")
    edit_manifest(folder, lambda m: m["posts"][0]["images"][0].update(alt="a" * 1501))
    message = only(check_export(folder), "manifest.json").message
    assert message.startswith("post 1 image 1 (01.jpg) alt text is 1,501 characters (code points); Mastodon allows")


def test_tiktok_alt_text_is_a_warning(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.tiktok", "tiktok")
    edit_manifest(folder, lambda m: m["posts"][0]["images"][0].update(alt="A white card."))
    violation = only(check_export(folder), "manifest.json", "warning")
    assert "post 1 image 1 (01.jpg) has alt text, but TikTok takes none" in violation.message


def test_alt_text_must_be_a_string(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.x", "x")
    edit_manifest(folder, lambda m: m["posts"][0]["images"][0].update(alt=["a"]))
    assert "post 1 image 1 (01.jpg) alt text is a JSON list" in only(check_export(folder), "manifest.json").message


# --- the image files ----------------------------------------------------------------------


def test_bluesky_image_over_a_million_bytes(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.bluesky", "bluesky")
    save_noisy_jpeg(folder / "02.jpg")
    size = (folder / "02.jpg").stat().st_size
    assert size > 1_000_000
    # The manifest's record is not believed: the file is measured.
    edit_manifest(folder, lambda m: m["posts"][0]["images"][1].update(bytes=900_000))
    message = only(check_export(folder), "02.jpg").message
    assert message.startswith(f"is {size:,} bytes; Bluesky allows at most 1,000,000 bytes per image; ")


def test_tiktok_image_over_1080x1920(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.tiktok", "tiktok")
    save_jpeg(folder / "03.jpg", (1440, 2560))
    message = only(check_export(folder), "03.jpg").message
    assert message.startswith("is 1440x2560 px; TikTok takes photos of at most 1080x1920")


def test_listed_file_missing(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.mastodon", "mastodon")
    (folder / "03.jpg").unlink()
    assert only(check_export(folder), "03.jpg").message.startswith("is listed in manifest.json but not in the folder")


def test_png_is_not_an_export_image(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.facebook", "facebook")
    Image.new("RGB", SIZE, "white").save(folder / "02.jpg", format="PNG")
    assert only(check_export(folder), "02.jpg").message.startswith("is a PNG file; an export's images are JPEG")


def test_not_an_image(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.facebook", "facebook")
    (folder / "02.jpg").write_bytes(b"not a picture")
    assert "cannot be read as an image" in only(check_export(folder), "02.jpg").message


def test_truncated_jpeg(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.facebook", "facebook")
    data = (folder / "01.jpg").read_bytes()
    (folder / "01.jpg").write_bytes(data[: len(data) // 2])
    assert only(check_export(folder), "01.jpg").message.startswith("is truncated")


@pytest.mark.parametrize("name", ["../x.jpg", "sub/01.jpg", "..", "a\\b.jpg"])
def test_path_in_a_file_name(tmp_path: Path, name: str) -> None:
    save_jpeg(tmp_path / "x.jpg")
    folder = make_export(tmp_path / "post.bluesky", "bluesky")
    (folder / "sub").mkdir()
    save_jpeg(folder / "sub" / "01.jpg")
    edit_manifest(folder, lambda m: m["posts"][0]["images"][0].update(file=name))
    message = only(check_export(folder), "manifest.json").message
    assert message.startswith(f"post 1 image 1 has file {name!r}, not a file name in this folder (no paths); ")
    # 01.jpg is now an image nobody listed.
    assert "not listed in manifest.json" in only(check_export(folder), "01.jpg", "warning").message


def test_symlink_out_of_the_folder(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.bluesky", "bluesky")
    save_jpeg(tmp_path / "outside.jpg")
    (folder / "02.jpg").unlink()
    (folder / "02.jpg").symlink_to(tmp_path / "outside.jpg")
    message = only(check_export(folder), "02.jpg").message
    assert message.startswith(f"is a symbolic link to {tmp_path / 'outside.jpg'}, outside its folder; ")


def test_symlink_inside_the_folder_is_followed(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.x", "x")
    (folder / "02.jpg").rename(folder / "second.jpg")
    (folder / "02.jpg").symlink_to("second.jpg")
    assert [(v.file, v.level) for v in check_export(folder)] == [("second.jpg", "warning")]  # unlisted, no more


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_reported_not_read(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.x", "x")
    (folder / "02.jpg").unlink()
    os.mkfifo(folder / "02.jpg")
    assert only(check_export(folder), "02.jpg").message.startswith("is a FIFO (named pipe), not a file")


def test_image_listed_twice(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.x", "x")
    edit_manifest(folder, lambda m: m["posts"][0]["images"][2].update(file="01.jpg"))
    violations = check_export(folder)
    message = only(violations, "manifest.json").message
    assert message.startswith("post 1 image 3 (01.jpg) is listed again (first as post 1 image 1 (01.jpg))")
    assert only(violations, "03.jpg", "warning").message.startswith("is in the export folder but not listed")


def test_unlisted_image_is_a_warning(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.x", "x")
    save_jpeg(folder / "extra.png")
    (folder / "notes.txt").write_text("not an image")
    violations = check_export(folder)
    assert [(v.file, v.level) for v in violations] == [("extra.png", "warning")]


# --- LinkedIn's document ------------------------------------------------------------------


def test_document_page_count_mismatch(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.linkedin", "linkedin")
    (folder / "document.pdf").write_bytes(pdf_bytes(2))
    message = only(check_export(folder), "document.pdf", "warning").message
    assert message.startswith("has 2 page(s) but 3 slide image(s) are listed; ")


def test_document_over_300_pages(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.linkedin", "linkedin")
    pages = b"".join(b"%d 0 obj\n<< /Type /Page /Parent 2 0 R >>\nendobj\n" % (i + 3) for i in range(301))
    (folder / "document.pdf").write_bytes(b"%PDF-1.4\n" + pages + b"%%EOF\n")
    message = only(check_export(folder), "document.pdf").message
    assert message.startswith(f"has 301 pages; LinkedIn takes documents of at most {LINKEDIN_DOCUMENT_MAX_PAGES}")


def test_document_pages_are_counted_across_chunks(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.linkedin", "linkedin")
    page = b"<< /Type /Page >>\n"
    # Pages every few hundred KB, so that some sit where one read of the file ends and the next begins.
    filler = b"%" + b"x" * 299_990 + b"\n"
    (folder / "document.pdf").write_bytes(b"%PDF-1.4\n" + (filler + page) * 3 + b"<< /Type /Pages >>\n%%EOF\n")
    assert check_export(folder) == []


def test_document_that_is_not_a_pdf(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.linkedin", "linkedin")
    save_jpeg(folder / "document.pdf")
    assert only(check_export(folder), "document.pdf").message.startswith("is not a PDF (it does not start with %PDF-)")


def test_document_whose_pages_cannot_be_counted(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.linkedin", "linkedin")
    (folder / "document.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /ObjStm /Filter /FlateDecode >> endobj\n%%EOF\n")
    message = only(check_export(folder), "document.pdf", "warning").message
    assert message.startswith("has no page objects postkit can count")


def test_document_missing(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.linkedin", "linkedin")
    (folder / "document.pdf").unlink()
    assert "document but not in the folder" in only(check_export(folder), "document.pdf").message


def test_document_with_a_path(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.linkedin", "linkedin")
    edit_manifest(folder, lambda m: m["document"].update(file="../document.pdf"))
    message = only(check_export(folder), "manifest.json").message
    assert message.startswith("document has file '../document.pdf', not a file name in this folder")


# --- manifest.json ------------------------------------------------------------------------


def test_unknown_network(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.bluesky", "bluesky")
    edit_manifest(folder, lambda m: m.update(network="myspace"))
    violations = check_export(folder)
    message = only(violations, "manifest.json").message
    assert message.startswith("network is 'myspace'; expected one of threads, bluesky, mastodon, x, linkedin")
    assert len(violations) == 1  # the files are still checked, and are fine


def test_broken_json(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.bluesky", "bluesky")
    (folder / "manifest.json").write_text('{"network": "bluesky",', encoding="utf-8")
    assert only(check_export(folder), "manifest.json").message.startswith("is not valid JSON (")


def test_deeply_nested_json(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.bluesky", "bluesky")
    (folder / "manifest.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    message = only(check_export(folder), "manifest.json").message
    assert message.startswith("is nested more than 32 levels deep, which no manifest.json is")


def test_huge_manifest_is_not_read(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.bluesky", "bluesky")
    (folder / "manifest.json").write_bytes(b" " * (MANIFEST_MAX_BYTES + 1))
    assert only(check_export(folder), "manifest.json").message.startswith(f"is {MANIFEST_MAX_BYTES + 1:,} bytes; ")


@pytest.mark.parametrize("posts", [[], None, "text"])
def test_posts_must_be_a_non_empty_list(tmp_path: Path, posts: Any) -> None:
    folder = make_export(tmp_path / "post.x", "x")
    edit_manifest(folder, lambda m: m.update(posts=posts))
    violations = check_export(folder)
    assert only(violations, "manifest.json").message.startswith("has no 'posts' list")


def test_manifest_not_an_object(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "post.x", "x")
    (folder / "manifest.json").write_text("[]", encoding="utf-8")
    assert check_export(folder) == [Violation("error", "manifest.json", "is not a JSON object; re-export the post")]


def test_not_a_folder(tmp_path: Path) -> None:
    violations = check_export(tmp_path / "nothing")
    assert [(v.file, v.level) for v in violations] == [(".", "error")]
    assert violations[0].message.endswith("does not exist; pass a folder written by postkit export")


# --- the command line ---------------------------------------------------------------------


def test_cli_check_on_an_export_folder(tmp_path: Path) -> None:
    runner = CliRunner()
    folder = make_export(tmp_path / "post.bluesky", "bluesky")
    result = runner.invoke(cli, ["check", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("OK, ready to upload")

    edit_manifest(folder, lambda m: m["posts"][0]["images"][0].update(alt=None))
    result = runner.invoke(cli, ["check", str(folder)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "manifest.json: error: post 1 image 1 (01.jpg) has no alt text; Bluesky requires it" in result.output
    assert result.output.strip().splitlines()[-1].startswith("Error: ")
    assert "Traceback" not in result.output


def test_cli_check_subprocess(tmp_path: Path) -> None:
    import subprocess

    folder = make_export(tmp_path / "post.x", "x")
    (folder / "02.jpg").unlink()
    postkit = Path(sys.executable).with_name("postkit")
    command = [str(postkit)] if postkit.exists() else [sys.executable, "-m", "postkit"]
    result = subprocess.run([*command, "check", str(folder)], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "02.jpg: error: is listed in manifest.json but not in the folder" in result.stderr
    assert "Error: " in result.stderr


def test_a_pdf_cut_short_is_an_error(tmp_path: Path) -> None:
    from postkit.export import export_post
    from postkit.pipeline import make_post
    from tests.conftest import EXAMPLE

    post = make_post(EXAMPLE, out=tmp_path / "post")
    export_post(post.folder, "linkedin")
    pdf = tmp_path / "post.linkedin" / "document.pdf"
    assert not [v for v in check_export(pdf.parent) if v.level == "error"]
    data = pdf.read_bytes()
    pdf.write_bytes(data[: len(data) // 2])
    message = only(check_export(pdf.parent), "document.pdf").message
    assert message.startswith("is cut short (no %%EOF at its end)")
