"""Hostile post folders given to `postkit preview`, requests to `preview --serve`, and post.json for `--watch`.

`postkit preview` runs in a subprocess with a 20 s timeout and a 512 MiB address-space limit; a refused
folder is left byte-for-byte as it was (no preview.html, contact.png or temporary file). The server runs
in-process and is asked with raw HTTP requests, so that the Host header and the path are exactly the
attempt's.

| attempt | what it checks |
|---|---|
| FIFO named post.json, caption.txt or 01.jpg | no hang: "... is a FIFO (named pipe), not a file" |
| post.json -> /dev/zero, caption.txt -> /dev/urandom, 02.jpg -> /dev/zero | no endless read: "symbolic link to ..." |
| a character device named caption.txt | "is a character device, not a file" |
| 02.jpg -> a real JPEG outside the folder | not shown: "is a symbolic link to ..., outside its folder" |
| post.json and caption.txt of 2 GB (sparse), a slide of 100 MB | "postkit reads at most ..."; "far more than a slide" |
| post.json nested 100,000 deep | "is nested more than 32 levels deep" |
| slide whose header claims 50000x50000; a real 12000x12000 PNG bomb | header only: refused before any decoding |
| a 4096x4096 PNG slide (large but allowed) | the contact sheet is made within the memory limit |
| slide that is not a picture; caption in UTF-16 without BOM | "is not a picture"; "looks like UTF-16" |
| GET post.json, a dot file, a staging folder, a folder, "..", %2e%2e, a symlink out, a FIFO | 404 at once |
| Host: evil.example:PORT (DNS rebinding), no Host, two Hosts | 421 |
| Host: 127.0.0.1:PORT or localhost:PORT, HEAD | slides, page and state served |
| post.json theme "../../evil", "/tmp/evil", "evil/x", "" or not installed (for --watch) | refused by name |
| post.json theme "evil" that is only a folder ./evil of the current directory | not installed: not a path lookup |
| post.json image "../secret.jpg", or beside the article but a symlink out | refused |
| post.json rebuild article "/etc/passwd", "../../../etc/passwd", outside the current and the output folder | refused |
| post.json rebuild theme folder outside the current and the output folder | refused |
| post.json rebuild theme whose theme.toml extends a folder outside | "a theme found by name may extend only a theme" |
| post.json rebuild max_slides 1000, focus [5, 5], handle "a b", format "huge", out "/etc" | refused, naming post.json |
| a 1x65000 slide (17 KB; its thumbnail would take gigabytes) | refused by its shape before any decoding |
"""

from __future__ import annotations

import http.client
import io
import json
import os
import shutil
import stat
import struct
import subprocess
import threading
import zlib
from pathlib import Path

import pytest
from PIL import Image

from postkit.errors import CheckError, PostkitError
from postkit.preview import PreviewServer, watch_target

from .conftest import bounded_postkit, snapshot

TIMEOUT = 20
MEMORY = 512 * 1024 * 1024
SIZE = (1080, 1350)
CAPTION = "On this day in 1969, Apollo 11 landed on the Moon. #onthisday #history"
FIFO = "is a FIFO (named pipe), not a file"


def make_post(folder: Path, slides: int = 3) -> Path:
    """Write a valid post: ``slides`` 1080x1350 JPEGs, caption.txt and post.json."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for i in range(1, slides + 1):
        Image.new("RGB", SIZE, (40 * i, 90, 140)).save(folder / f"{i:02d}.jpg", quality=50)
        kind = "cover" if i == 1 else "closing" if i == slides else "text"
        entries.append({"file": f"{i:02d}.jpg", "kind": kind, "text": f"Slide {i}", "alt": f"Slide {i}."})
    (folder / "caption.txt").write_text(CAPTION + "\n", encoding="utf-8")
    manifest = {
        "title": "Apollo 11",
        "handle": "someone",
        "format": "portrait",
        "size": list(SIZE),
        "theme": "classic",
        "source": {"file": "article.txt"},
        "caption": CAPTION,
        "slides": entries,
    }
    (folder / "post.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def preview(folder: Path) -> subprocess.CompletedProcess[str]:
    """Run `postkit preview FOLDER` in a subprocess, bounded in time and address space."""
    return bounded_postkit("preview", folder, timeout=TIMEOUT, memory=MEMORY)


def refused(folder: Path, message: str) -> None:
    """Assert that `postkit preview` fails with exactly ``Error: message`` and leaves the folder alone."""
    before = snapshot(folder)
    result = preview(folder)
    assert (result.returncode, result.stderr, result.stdout) == (1, f"Error: {message}\n", "")
    assert snapshot(folder) == before


@pytest.fixture
def post(tmp_path: Path) -> Path:
    return make_post(tmp_path / "post")


def fifo(path: Path) -> None:
    path.unlink(missing_ok=True)
    os.mkfifo(path)


def link(path: Path, target: str | Path) -> None:
    path.unlink(missing_ok=True)
    path.symlink_to(target)


def sparse(path: Path, size: int, start: bytes = b"") -> None:
    with path.open("wb") as f:
        f.write(start)
        f.truncate(size)


def remake(folder: Path) -> str:
    return f"re-make the post with postkit carousel ARTICLE --out {folder} --force"


CAPTION_FIX = "write the caption to a plain file caption.txt in the post folder"


# --- `postkit preview` on hostile folders ---------------------------------------------------------------


def test_a_valid_post_is_previewed(post):
    result = preview(post)
    assert result.returncode == 0, result.stderr
    assert (post / "preview.html").is_file() and (post / "contact.png").is_file()


def test_fifo_manifest(post):
    fifo(post / "post.json")
    refused(post, f"{post}/post.json {FIFO}; {remake(post)}")


def test_fifo_caption(post):
    fifo(post / "caption.txt")
    refused(post, f"{post}/caption.txt {FIFO}; {CAPTION_FIX}")


def test_fifo_slide(post):
    fifo(post / "01.jpg")
    refused(post, f"{post}/01.jpg {FIFO}; {remake(post)}")


@pytest.mark.parametrize(
    ("name", "target", "fix"),
    [
        ("post.json", "/dev/zero", "remake"),
        ("caption.txt", "/dev/urandom", CAPTION_FIX),
        ("02.jpg", "/dev/zero", "remake"),
    ],
)
def test_symlink_to_an_endless_device(post, name, target, fix):
    link(post / name, target)
    fix = remake(post) if fix == "remake" else fix
    refused(post, f"{post}/{name} is a symbolic link to {target}, outside its folder; {fix}")


def test_character_device(post):
    (post / "caption.txt").unlink()
    try:
        os.mknod(post / "caption.txt", 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("making a device node needs root")
    refused(post, f"{post}/caption.txt is a character device, not a file; {CAPTION_FIX}")


def test_slide_linked_from_outside(post, tmp_path):
    private = tmp_path / "private.jpg"
    Image.new("RGB", SIZE, "red").save(private)
    link(post / "02.jpg", private)
    refused(post, f"{post}/02.jpg is a symbolic link to {private}, outside its folder; {remake(post)}")


def test_huge_manifest(post):
    sparse(post / "post.json", 1 << 31, b'{"slides": [')
    refused(
        post,
        f"{post}/post.json is 2,147,483,648 bytes; postkit reads at most 1,048,576 bytes (1 MB) of post.json "
        f"(its own are a few KB); {remake(post)}",
    )


def test_huge_caption(post):
    sparse(post / "caption.txt", 1 << 31, CAPTION.encode())
    refused(
        post,
        f"{post}/caption.txt is 2,147,483,648 bytes; a caption is at most 2,200 characters and postkit reads at "
        "most 65,536 bytes (64 KB) of caption.txt; shorten it",
    )


def test_huge_slide_file(post):
    sparse(post / "02.jpg", 100 << 20, (post / "02.jpg").read_bytes())
    refused(
        post,
        f"{post}/02.jpg is 104,857,600 bytes, far more than a slide (Instagram takes less than 8,388,608 bytes "
        f"(8 MB)); {remake(post)}",
    )


def test_deeply_nested_manifest(post):
    (post / "post.json").write_text('{"slides": ' + "[" * 100_000 + "]" * 100_000 + "}")
    refused(post, f"{post}/post.json is nested more than 32 levels deep, which no post.json is; {remake(post)}")


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height."""
    buffer = io.BytesIO()
    Image.new("1", (8, 8)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def test_slide_claiming_to_be_a_bomb(post):
    (post / "02.jpg").write_bytes(png_claiming(50_000, 50_000))
    refused(
        post,
        f"{post}/02.jpg has 2,500,000,000 pixels, far more than a slide (a decompression bomb?); {remake(post)}",
    )


def test_real_bomb_slide(post):
    Image.new("1", (12_000, 12_000)).save(post / "02.jpg", "PNG")  # ~20 KB on disk, 432 MB as RGB
    assert (post / "02.jpg").stat().st_size < 100_000
    refused(
        post,
        f"{post}/02.jpg is 12,000x12,000 pixels, far more than a slide (Instagram takes at most 1440 px wide); "
        f"{remake(post)}",
    )


def test_large_but_allowed_slide_is_drawn(post):
    Image.new("RGB", (4096, 4096), (200, 30, 30)).save(post / "02.jpg", "PNG", compress_level=1)
    result = preview(post)
    assert result.returncode == 0, result.stderr
    with Image.open(post / "contact.png") as sheet:
        assert sheet.width > 3 * 240


def test_slide_that_is_not_a_picture(post):
    (post / "02.jpg").write_text("<?php system($_GET['c']); ?>")
    refused(post, f"{post}/02.jpg is not a picture (Pillow cannot identify it); {remake(post)}")


def test_utf16_caption(post):
    (post / "caption.txt").write_bytes(CAPTION.encode("utf-16-le"))
    refused(
        post,
        f"{post}/caption.txt looks like UTF-16 without a byte-order mark (every other byte is 0), not UTF-8; "
        "re-save it as UTF-8 text",
    )


# --- `preview --serve` ------------------------------------------------------------------------------------


@pytest.fixture
def served(tmp_path):
    """A post served on 127.0.0.1, with hostile neighbours in and around its folder."""
    folder = make_post(tmp_path / "post")
    server = PreviewServer(folder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    outside = tmp_path / "private.jpg"
    Image.new("RGB", (10, 10), "red").save(outside)
    (folder / ".secret").write_text("token=hunter2")
    (folder / ".post.a1b2c3d4.tmp").mkdir()
    (folder / ".post.a1b2c3d4.tmp" / "01.jpg").write_bytes((folder / "01.jpg").read_bytes())
    (folder / "notes").mkdir()
    (folder / "notes" / "todo.txt").write_text("private")
    (folder / "notes.txt").write_text("private")
    (folder / "04.jpg").symlink_to(outside)
    os.mkfifo(folder / "05.jpg")
    yield server
    server.shutdown()
    thread.join(timeout=5)
    server.close()
    assert not thread.is_alive()


def ask(server: PreviewServer, path: str, host: str | None = "default", method: str = "GET", extra=()):
    """Send one raw request; return (status, headers, body)."""
    port = server.httpd.server_address[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    if host == "default":
        host = f"127.0.0.1:{port}"
    if host is not None:
        connection.putheader("Host", host)
    for name, value in extra:
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, response.headers, body


def test_serves_the_post_files(served):
    folder = served.folder
    for name in ("01.jpg", "02.jpg", "03.jpg", "contact.png", "caption.txt"):
        status, headers, body = ask(served, f"/{name}")
        assert (status, body) == (200, (folder / name).read_bytes()), name
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert ask(served, "/01.jpg")[1]["Content-Type"] == "image/jpeg"
    status, headers, body = ask(served, "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8" and b"01.jpg" in body
    assert ask(served, "/__postkit__/state")[2] == b'{"version": 0, "error": null}'


def test_head_sends_no_body(served):
    status, headers, body = ask(served, "/01.jpg", method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) == (served.folder / "01.jpg").stat().st_size


@pytest.mark.parametrize(
    "path",
    [
        "/post.json",
        "/.secret",
        "/.post.a1b2c3d4.tmp/01.jpg",
        "/.post.a1b2c3d4.tmp/",
        "/notes/",
        "/notes/todo.txt",
        "/notes.txt",
        "/../private.jpg",
        "/%2e%2e/private.jpg",
        "/%2E%2E%2Fprivate.jpg",
        "/04.jpg",  # a symlink out of the folder
        "/05.jpg",  # a FIFO: answered at once
        "/99.jpg",
        "//etc/passwd",
        "/01.jpg/",
        "/01.jpg%00.txt",
    ],
)
def test_nothing_else_is_served(served, path):
    status, _, body = ask(served, path)
    assert status == 404, path
    assert b"hunter2" not in body and b"private" not in body.lower().replace(b"private.jpg", b"")


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1", "localhost:1", "", None])
def test_other_hosts_are_turned_away(served, host):
    port = served.httpd.server_address[1]
    status, _, body = ask(served, "/01.jpg", host=None if host is None else host.format(port=port))
    assert status == 421
    assert body != (served.folder / "01.jpg").read_bytes()


def test_two_host_headers_are_turned_away(served):
    port = served.httpd.server_address[1]
    status, _, _ = ask(served, "/01.jpg", extra=[("Host", f"evil.example:{port}")])
    assert status == 421


@pytest.mark.parametrize("host", ["localhost:{port}", "LOCALHOST:{port}", "127.0.0.1:{port}"])
def test_localhost_by_either_name_is_served(served, host):
    port = served.httpd.server_address[1]
    assert ask(served, "/01.jpg", host=host.format(port=port))[0] == 200


# --- what `--watch` takes from post.json -------------------------------------------------------------------


@pytest.fixture
def watched(tmp_path):
    """A post in out/post made from notes/article.txt with notes/article.jpg beside it."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "article.txt").write_text("November 7, 1917 - Title\nA paragraph of text. It has two sentences.\n")
    Image.new("RGB", (60, 40), "red").save(notes / "article.jpg")
    folder = make_post(tmp_path / "out" / "post")
    return folder, notes / "article.txt"


def edit(folder: Path, **changes) -> None:
    """Change post.json's top-level keys; ``rebuild`` updates the record of what made the post, and
    ``settings`` that record's settings."""
    manifest = json.loads((folder / "post.json").read_text())
    rebuild = manifest.setdefault("rebuild", {})
    rebuild.update(changes.pop("rebuild", {}))
    rebuild.setdefault("settings", {}).update(changes.pop("settings", {}))
    manifest.update(changes)
    (folder / "post.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("theme", ["../../evil", "/tmp/evil", "evil/x", "", ".hidden", 7])
def test_watch_takes_a_theme_by_name_only(watched, theme):
    folder, article = watched
    edit(folder, settings={"theme": theme})
    with pytest.raises(CheckError) as info:
        watch_target(folder, article)
    message = str(info.value)
    assert message.startswith(f"{folder}/post.json: 'theme' must be ") and message.endswith(
        "; fix post.json, or preview without --watch"
    )
    assert "theme name" in message or "non-empty text" in message


def test_watch_theme_must_be_installed(watched):
    folder, article = watched
    edit(folder, settings={"theme": "evil"})
    with pytest.raises(CheckError, match=r"names the theme 'evil', which is not installed \(.*classic.*\); install it"):
        watch_target(folder, article)


def test_watch_finds_the_illustration_beside_the_article(watched):
    folder, article = watched
    edit(folder, image={"file": "article.jpg"})
    assert watch_target(folder, article).image == article.parent / "article.jpg"


@pytest.mark.parametrize("name", ["../secret.jpg", "/etc/passwd", ".article.jpg", "a\\..\\b.jpg", ""])
def test_watch_illustration_must_be_a_plain_name(watched, name):
    folder, article = watched
    edit(folder, image={"file": name})
    with pytest.raises(CheckError) as info:
        watch_target(folder, article)
    assert str(info.value) == (
        f"{folder}/post.json names the illustration {name!r}, not a file name; "
        "put it there to watch it, or preview without --watch"
    )


def test_watch_illustration_may_not_link_out(watched, tmp_path):
    folder, article = watched
    private = tmp_path / "private.jpg"
    shutil.move(article.parent / "article.jpg", private)
    (article.parent / "article.jpg").symlink_to(private)
    edit(folder, image={"file": "article.jpg"})
    with pytest.raises(CheckError) as info:
        watch_target(folder, article)
    assert str(info.value) == (
        f"cannot find article.jpg, the illustration of {folder}, beside {article}; "
        "put it there to watch it, or preview without --watch"
    )


@pytest.mark.parametrize("path", ["/etc/passwd", "../../../etc/passwd", "../../notes/article.txt", "article.py"])
def test_watch_article_named_by_post_json_stays_in_the_current_or_the_output_folder(watched, path):
    folder, _ = watched
    edit(folder, rebuild={"article": path})
    with pytest.raises(CheckError) as info:
        watch_target(folder)
    problem = (
        "which is not an article file (.markdown, .md, .txt)"
        if not path.endswith(".txt")
        else f"which postkit reads only inside {Path.cwd()} or {folder.parent}"
    )
    assert str(info.value) == (
        f"{folder}/post.json names the article {path!r}, {problem}; "
        "pass --article PATH (and --theme-dir DIR) to watch it"
    )


def test_watch_article_named_by_post_json_inside_the_output_folder_is_taken(watched):
    folder, article = watched
    shutil.copy(article, folder.parent / "article.txt")
    edit(folder, rebuild={"article": str(folder.parent / "article.txt")})
    assert watch_target(folder).article == folder.parent / "article.txt"


def test_watch_takes_a_theme_folder_post_json_records_only_beside_the_post(watched, tmp_path):
    folder, article = watched
    themes = tmp_path / "themes-elsewhere"
    (themes / "mine").mkdir(parents=True)
    (themes / "mine" / "theme.toml").write_text('extends = "classic"\n')
    edit(folder, settings={"theme": "mine", "theme_dirs": [str(themes)]})
    with pytest.raises(CheckError, match=r"names the theme folder .*, which postkit reads only inside"):
        watch_target(folder, article)
    inside = folder.parent / "themes"
    shutil.copytree(themes, inside)
    edit(folder, settings={"theme_dirs": [str(inside)]})
    assert watch_target(folder, article).theme_dir == inside / "mine"


def test_watch_theme_name_is_not_a_folder_of_the_current_directory(watched, tmp_path, monkeypatch):
    folder, article = watched
    evil = tmp_path / "cwd" / "evil"
    evil.mkdir(parents=True)
    (evil / "theme.toml").write_text('extends = "classic"\n')
    monkeypatch.chdir(tmp_path / "cwd")  # ./evil holds a theme, but ./evil is a path, not the search path
    edit(folder, settings={"theme": "evil"})
    with pytest.raises(CheckError, match=r"names the theme 'evil', which is not installed"):
        watch_target(folder, article)


def test_a_slide_of_an_absurd_shape_is_refused_before_its_thumbnail(tmp_path):
    """A 1x65000 slide is 17 KB on disk; its contact-sheet thumbnail would have needed gigabytes."""
    from PIL import Image

    from postkit.errors import CheckError
    from postkit.preview import check_slide_file

    Image.new("RGB", (1, 65000)).save(tmp_path / "02.jpg")
    with pytest.raises(CheckError, match=r"02\.jpg is 1x65,000 pixels, not the shape of a slide"):
        check_slide_file(tmp_path, "02.jpg")


def test_a_theme_found_through_post_json_may_extend_only_a_name(watched, tmp_path):
    """Found by a review: a recorded theme was loaded as if --theme had named it, so its extends could be a path."""
    folder, article = watched
    outside = tmp_path / "outside" / "secret"
    outside.mkdir(parents=True)
    (outside / "theme.toml").write_text('extends = "classic"\n')
    (folder.parent / "themes" / "evil").mkdir(parents=True)
    (folder.parent / "themes" / "evil" / "theme.toml").write_text(f'extends = "{outside}"\n')
    edit(folder, settings={"theme": "evil", "theme_dirs": [str(folder.parent / "themes")]})
    target = watch_target(folder, article)
    from postkit.pipeline import build_post

    with pytest.raises(PostkitError, match=r"extends = .* is a path, but a theme found by name may extend only"):
        build_post(target.article, target.settings, out=folder, force=True)


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("max_slides", 1000, "'max_slides' must be a whole number from 3 to 20, not 1000"),
        ("focus", [5, 5], "'focus' must be a point X,Y of the picture"),
        ("handle", "evil handle", "'handle' must be an Instagram username"),
        ("format", "huge", "'format' must be one of portrait, square, landscape, story, not 'huge'"),
        ("out", "/etc", "unknown key 'out'"),
    ],
)
def test_watch_checks_the_recorded_settings_at_once_naming_post_json(watched, key, value, says):
    folder, article = watched
    edit(folder, settings={key: value})
    with pytest.raises(CheckError) as info:
        watch_target(folder, article)
    assert str(info.value).startswith(f"{folder}/post.json: ") and says in str(info.value)
