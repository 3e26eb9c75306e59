"""The preview page: its data, its escaping, the server, the CLI, and the page driven in a real headless Chromium."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import threading
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

import pytest
from bidi_checks import closes_inside
from click.testing import CliRunner
from PIL import Image

from postkit import limits
from postkit.batch import write_index
from postkit.cli import cli
from postkit.errors import CheckError
from postkit.pipeline import make_post
from postkit.preview import (
    CONTACT_FILE,
    PREVIEW_FILE,
    SLIDE_MAX_PIXELS,
    STATE_PATH,
    PreviewServer,
    caption_tokens,
    check_slide_file,
    page_language,
    render_preview,
    split_caption,
    watch_target,
    write_preview,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
HOSTILE = """November 7, 1917 - <script>alert(1)</script> and <b>bold</b>
Pictured - <img src=x onerror="alert(2)"> & friends
The body has <script>alert(3)</script> and <b>not bold</b> text. It goes on for a while.
A second paragraph says "quotes" and 'apostrophes' & ampersands </span></div> plainly.
"""


@pytest.fixture(scope="module")
def post(module_example_dir, tmp_path_factory) -> Path:
    """The bundled example made into a post, with its preview written."""
    folder = make_post(module_example_dir / "article.txt", out=tmp_path_factory.mktemp("made") / "post").folder
    write_preview(folder)
    return folder


@pytest.fixture(scope="module")
def hostile_post(tmp_path_factory) -> Path:
    """A post whose article is full of markup, with its preview written."""
    root = tmp_path_factory.mktemp("hostile")
    article = root / "article.txt"
    article.write_text(HOSTILE, encoding="utf-8")
    folder = make_post(article, out=root / "post", handle="someone").folder
    write_preview(folder)
    return folder


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


# The page's data


def test_short_caption_is_not_cut():
    assert split_caption("Short and sweet.\n") == ("Short and sweet.", False)


def test_long_caption_is_cut_between_words_near_125():
    caption = "word " * 60
    head, cut = split_caption(caption)
    assert cut and len(head) <= limits.CAPTION_VISIBLE_CHARS and len(head) > 100
    assert head.endswith("word") and caption.startswith(head)


def test_unbroken_caption_is_cut_at_the_limit():
    head, cut = split_caption("x" * 300)
    assert cut and head == "x" * limits.CAPTION_VISIBLE_CHARS


def test_caption_tokens_mark_hashtags_and_mentions():
    tokens = caption_tokens("Follow @some.one now\n#onthisday #history &#38; a#b")
    assert tokens == [
        ("text", "Follow "),
        ("mention", "@some.one"),
        ("text", " now\n"),
        ("tag", "#onthisday"),
        ("text", " "),
        ("tag", "#history"),
        ("text", " &#38; a#b"),
    ]
    assert "".join(piece for _, piece in tokens) == "Follow @some.one now\n#onthisday #history &#38; a#b"


def test_preview_is_written_beside_the_slides(post):
    html = (post / PREVIEW_FILE).read_text(encoding="utf-8")
    assert (post / CONTACT_FILE).is_file()
    slides = json.loads((post / "post.json").read_text())["slides"]
    for slide in slides:
        assert f'src="{slide["file"]}"' in html
    assert 'style="aspect-ratio: 1080 / 1350"' in html
    assert "@themagickalearth" in html and 'class="tag">#history<' in html


def test_preview_is_self_contained(post):
    html = (post / PREVIEW_FILE).read_text(encoding="utf-8")
    assert not re.search(r"https?:|//[a-z]", html, re.I), "no external URL of any kind"
    assert '<link rel="stylesheet"' not in html and "@import" not in html and "url(" not in html
    assert set(re.findall(r'(?:src|href)="([^"]*)"', html)) <= {f"{n:02d}.jpg" for n in range(1, 21)} | {
        CONTACT_FILE,
        "data:,",
    }
    assert "data-live" not in html, "the file:// page must not poll anything"


def test_only_the_page_script_may_run(post):
    html = (post / PREVIEW_FILE).read_text(encoding="utf-8")
    (script,) = re.findall(r"<script>(.*?)</script>", html, re.S)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in html and "default-src 'none'" in html


def test_same_post_gives_the_same_bytes(post):
    before = {name: (post / name).read_bytes() for name in (PREVIEW_FILE, CONTACT_FILE)}
    write_preview(post)
    assert {name: (post / name).read_bytes() for name in (PREVIEW_FILE, CONTACT_FILE)} == before
    assert not [p.name for p in post.iterdir() if p.name.startswith(".")], "no temporary file left behind"


def test_contact_sheet_numbers_every_slide(post):
    with Image.open(post / CONTACT_FILE) as sheet:
        assert sheet.format == "PNG" and sheet.size == (16 + 5 * 256, 16 + 2 * (300 + 16))
        rgb = sheet.convert("RGB")
        for index in range(10):
            x, y = 16 + (index % 5) * 256, 16 + (index // 5) * 316
            # the number's dark badge in the corner of each thumbnail
            assert rgb.getpixel((x + 8, y + 18)) == (38, 38, 38), index
        assert not sheet.info.keys() - {"dpi"}, "no metadata such as dates"


def test_article_markup_is_escaped(hostile_post):
    html = (hostile_post / PREVIEW_FILE).read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<b>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "onerror=&#34;alert(2)&#34;" in html
    assert html.count("<script>") == 1


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (None, ("en", "ltr")),
        ("en", ("en", "ltr")),
        ("ru", ("ru", "ltr")),
        ("ar", ("ar", "rtl")),
        ("he-IL", ("he-IL", "rtl")),
        ("fa", ("fa", "rtl")),
        ("ckb", ("ckb", "rtl")),
        ("ku-Arab", ("ku-Arab", "rtl")),
        ("sd-Deva", ("sd-Deva", "ltr")),
        ("zh-Hant-TW", ("zh-Hant-TW", "ltr")),
        ('en" onload="x', ("en", "ltr")),
        ("en.<x>", ("en", "ltr")),
        ("ar@x", ("en", "ltr")),
        ("pt_BR", ("pt-BR", "ltr")),
        ("\u0661\u0662", ("en", "ltr")),
        ("../../etc", ("en", "ltr")),
        ("a" * 40, ("en", "ltr")),
        (["ar"], ("en", "ltr")),
    ],
)
def test_page_language_and_direction_come_from_post_json(lang, expected):
    post = {} if lang is None else {"lang": lang}
    assert page_language(post) == expected


@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("he", "rtl"), ("ru", "ltr"), ("<x>", "ltr")])
def test_page_says_its_language_and_direction(post, tmp_path, lang, direction):
    copy = tmp_path / "copy"
    shutil.copytree(post, copy)
    manifest = json.loads((copy / "post.json").read_text())
    manifest["lang"] = lang
    (copy / "post.json").write_text(json.dumps(manifest))
    html = render_preview(copy)
    shown = lang if lang != "<x>" else "en"
    assert f'<html lang="{shown}" dir="{direction}">' in html
    assert f'class="caption" id="caption" lang="{shown}" dir="{direction}"' in html


def test_a_language_without_a_catalog_keeps_the_page_english_and_the_post_its_own(post, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(post, copy)
    manifest = json.loads((copy / "post.json").read_text())
    manifest["lang"] = "fa"  # Persian: right to left, and no catalog of postkit's words
    (copy / "post.json").write_text(json.dumps(manifest))
    html = render_preview(copy)
    # English words laid out right to left read scrambled ("of 2,200 208 characters"): the page stays ltr.
    assert '<html lang="en" dir="ltr">' in html
    assert 'class="caption" id="caption" lang="fa" dir="rtl"' in html


class _Texts(HTMLParser):
    """Every text node and attribute value of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    def handle_starttag(self, tag, attrs) -> None:
        self.texts.extend(value for _, value in attrs if value)


def test_bidi_controls_in_an_article_stay_inside_their_place_on_the_pages(tmp_path):
    article = tmp_path / "article.txt"
    stray = "\u2069\u202e"  # a PDI that closes the page's isolate, then a right-to-left override
    article.write_text(f"November 7, 1917 - Title {stray}here\nBody {stray}text. Second \u2067sentence.\n", "utf-8")
    folder = make_post(article, out=tmp_path / "out" / "post", handle="someone").folder
    write_preview(folder)
    pages = [(folder / PREVIEW_FILE).read_text(encoding="utf-8"), write_index(tmp_path / "out").read_text("utf-8")]
    for page in pages:
        assert "\u202e" in page  # the article's override is kept, inside its place
        parser = _Texts()
        parser.feed(page)
        for text in parser.texts:
            assert closes_inside(text), repr(text)


def test_check_slide_file_reads_only_the_header(tmp_path):
    Image.new("RGB", (1080, 1350)).save(tmp_path / "01.jpg")
    assert check_slide_file(tmp_path, "01.jpg") == (1080, 1350)
    Image.new("1", (4097, 4096)).save(tmp_path / "02.jpg", "PNG")  # just over the limit, tiny on disk
    assert SLIDE_MAX_PIXELS < 4097 * 4096
    with pytest.raises(CheckError, match=r"02\.jpg is 4,097x4,096 pixels, far more than a slide"):
        check_slide_file(tmp_path, "02.jpg")
    with pytest.raises(CheckError, match=r"03\.jpg is missing; re-make the post"):
        check_slide_file(tmp_path, "03.jpg")


def test_folder_without_post_json_is_refused(tmp_path):
    with pytest.raises(CheckError) as info:
        write_preview(tmp_path)
    assert str(info.value) == f"{tmp_path} has no post.json; pass a folder made by postkit carousel"
    assert not (tmp_path / PREVIEW_FILE).exists()


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(CheckError, match="does not exist; pass a folder made by postkit carousel"):
        render_preview(tmp_path / "nope")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.update(slides=[]), "lists no slides"),
        (lambda m: m["slides"][0].update(file="../../etc/passwd"), "names slide file '../../etc/passwd'"),
        (lambda m: m["slides"][0].update(file="99.jpg"), "99.jpg is missing"),
        (lambda m: m.update(size="big"), "has size 'big'"),
    ],
)
def test_broken_post_json_is_refused(post, tmp_path, change, message):
    copy = tmp_path / "copy"
    shutil.copytree(post, copy)
    manifest = json.loads((copy / "post.json").read_text())
    change(manifest)
    (copy / "post.json").write_text(json.dumps(manifest))
    with pytest.raises(CheckError, match=re.escape(message)) as info:
        write_preview(copy)
    assert "postkit carousel" in str(info.value)


def test_slide_that_is_not_a_picture_is_refused(post, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(post, copy)
    (copy / "03.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(CheckError, match=r"03\.jpg is not a picture \(Pillow cannot identify it\); re-make the post"):
        write_preview(copy)


def test_damaged_slide_is_refused(post, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(post, copy)
    data = (copy / "03.jpg").read_bytes()
    (copy / "03.jpg").write_bytes(data[: len(data) // 3])  # the header reads, the pixels do not
    with pytest.raises(CheckError, match=r"cannot read the slides of .* for contact\.png .*re-make the post"):
        write_preview(copy)


def test_broken_json_is_refused(tmp_path):
    (tmp_path / "post.json").write_text("{not json")
    with pytest.raises(CheckError, match=r"post\.json is not valid JSON .*re-make the post"):
        write_preview(tmp_path)


# What --watch watches


def test_watch_takes_the_article_and_settings_post_json_records(post, module_example_dir, monkeypatch):
    monkeypatch.chdir(post.parent.parent)  # the folder holding the article and the post, as a user's project
    target = watch_target(post)
    assert target.article.resolve() == (module_example_dir / "article.txt").resolve()
    assert target.image == module_example_dir / "article.jpg"
    assert target.theme_dir.name == "classic" and target.theme_dir / "theme.toml" in target.files()
    # The example's settings came from its own handle block and the defaults: nothing to record.
    assert target.settings.origins == {} and target.settings.handle is None


def test_watch_without_a_record_needs_the_article(post, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(post, copy)
    manifest = json.loads((copy / "post.json").read_text())
    del manifest["rebuild"]  # a post made before post.json recorded what made it
    (copy / "post.json").write_text(json.dumps(manifest))
    with pytest.raises(CheckError) as info:
        watch_target(copy)
    assert str(info.value) == f"{copy}/post.json does not say where its article is; pass --article PATH to watch it"


def test_watch_without_the_illustration_says_so(post, tmp_path, module_example_dir):
    article = tmp_path / "article.txt"
    shutil.copy(module_example_dir / "article.txt", article)
    with pytest.raises(CheckError, match=r"cannot find article\.jpg, the illustration of .*beside"):
        watch_target(post, article)


# Serving


@pytest.fixture
def served():
    """Start PreviewServers in background threads; shut them all down afterwards (bounded)."""
    started = []

    def start(*args, **kwargs) -> PreviewServer:
        server = PreviewServer(*args, **kwargs)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        started.append((server, thread))
        return server

    yield start
    for server, thread in started:
        server.shutdown()
        thread.join(timeout=5)
        server.close()
        assert not thread.is_alive()


def fetch(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.headers["Content-Type"], response.read()


def test_serve_on_localhost_a_free_port(post, served):
    server = served(post)
    assert server.httpd.server_address[0] == "127.0.0.1" and server.httpd.server_address[1] > 0
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/preview\.html", server.url)
    status, kind, body = fetch(server.url)
    assert status == 200 and kind == "text/html; charset=utf-8"
    assert f'data-live="{STATE_PATH}"' in body.decode()
    status, kind, body = fetch(server.url.replace(PREVIEW_FILE, "01.jpg"))
    assert status == 200 and body == (post / "01.jpg").read_bytes()
    status, kind, body = fetch(server.url.replace("/" + PREVIEW_FILE, STATE_PATH))
    assert json.loads(body) == {"version": 0, "error": None}


def test_watch_remakes_the_post_and_bumps_the_version(example_dir, tmp_path, served):
    folder = make_post(example_dir / "article.txt", out=tmp_path / "post", format="square").folder
    server = served(folder, watch=True, article=example_dir / "article.txt", interval=0.05)
    state_url = server.url.replace("/" + PREVIEW_FILE, STATE_PATH)
    article = example_dir / "article.txt"
    article.write_text(article.read_text().replace("toppled the Tsar", "toppled Tsar Nicholas II"))
    deadline = time.monotonic() + 30
    while json.loads(fetch(state_url)[2])["version"] == 0:
        assert time.monotonic() < deadline, "the post was not re-made"
        time.sleep(0.05)
    assert json.loads(fetch(state_url)[2]) == {"version": 1, "error": None}
    manifest = json.loads((folder / "post.json").read_text())
    assert "Tsar Nicholas II" in manifest["slides"][1]["text"]
    assert manifest["format"] == "square", "the post keeps its own settings"
    assert (folder / PREVIEW_FILE).is_file() and (folder / CONTACT_FILE).is_file()


def test_a_failed_remake_keeps_the_old_post(example_dir, tmp_path, served):
    folder = make_post(example_dir / "article.txt", out=tmp_path / "post").folder
    before = (folder / "post.json").read_bytes()
    server = served(folder, watch=True, article=example_dir / "article.txt")
    (example_dir / "article.txt").write_text("")
    server.rebuild()
    state = server.state()
    assert state["version"] == 1 and "is empty" in state["error"]
    assert (folder / "post.json").read_bytes() == before


# The command line


def test_cli_preview_writes_the_page(post):
    result = run("preview", post)
    assert result.exit_code == 0, result.output
    assert result.output.endswith(f"{PREVIEW_FILE} and contact.png\n")
    assert (post / PREVIEW_FILE).is_file()


def test_cli_preview_without_post_json(tmp_path):
    result = run("preview", tmp_path)
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"Error: {tmp_path} has no post.json; pass a folder made by postkit carousel"]


@pytest.mark.parametrize("flags", [["--watch"], ["--port", "8000"], ["--article", "ARTICLE"]])
def test_cli_serve_options_need_serve(post, module_example_dir, flags):
    flags = [str(module_example_dir / "article.txt") if f == "ARTICLE" else f for f in flags]
    result = run("preview", post, *flags)
    assert result.exit_code == 2 and f"Error: {flags[0]} works only with --serve; add --serve" in result.output


def test_cli_preview_calls_serve(post, module_example_dir):
    article = module_example_dir / "article.txt"
    with mock.patch("postkit.preview.serve", autospec=True) as serve:
        result = run("preview", post, "--serve", "--port", "8123", "--watch", "--article", article, "--open")
    assert result.exit_code == 0, result.output
    args, kwargs = serve.call_args
    assert args == (post,)
    assert kwargs["port"] == 8123 and kwargs["watch"] is True and kwargs["article"] == article
    assert kwargs["open_browser"] is True and callable(kwargs["ready"])
    kwargs["ready"]("http://127.0.0.1:8123/preview.html")


def test_cli_serve_prints_the_address(post):
    def fake_serve(folder, *, ready, **kwargs):
        ready("http://127.0.0.1:8123/preview.html")

    with mock.patch("postkit.preview.serve", side_effect=fake_serve):
        result = run("preview", post, "--serve", "-q")
    assert result.output == f"Serving {post / PREVIEW_FILE} at http://127.0.0.1:8123/preview.html (Ctrl-C to stop)\n"


def test_cli_open_opens_the_file(post):
    with mock.patch("webbrowser.open", autospec=True) as browser:
        result = run("preview", post, "--open")
    assert result.exit_code == 0, result.output
    browser.assert_called_once_with((post / PREVIEW_FILE).resolve().as_uri())


def test_cli_preview_help_has_an_example():
    result = run("preview", "-h")
    assert result.exit_code == 0 and "Example:" in result.output and "postkit preview " in result.output


def test_carousel_preview_then_check(example_dir, tmp_path):
    out = tmp_path / "post"
    result = run("carousel", example_dir / "article.txt", "--out", out, "--preview")
    assert result.exit_code == 0, result.output
    assert (out / PREVIEW_FILE).is_file() and (out / CONTACT_FILE).is_file()
    checked = run("check", out)
    assert checked.exit_code == 0, checked.output
    assert checked.output.strip().endswith("OK, ready to upload"), "no warning about contact.png"


# The page in a real browser


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module: Debian's, never a downloaded one."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium package (see .ci/run)")
        pytest.skip(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("playwright is not installed (pip install '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Page:
    """A browser page that records console errors, dialogs and every request it makes."""

    def __init__(self, browser, **context):
        self.context = browser.new_context(viewport={"width": 1100, "height": 900}, **context)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def open(self, url: str):
        self.page.goto(url, wait_until="load")
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser):
    tab = Page(browser)
    yield tab
    tab.close()
    assert tab.errors == [], "no console errors"
    assert tab.dialogs == [], "no alert or other dialog"


def slide_offset(page, number: int) -> float:
    """Return how far slide ``number`` sits from the carousel's left edge, once it has stopped moving.

    The slide is in place when it sits at the edge; otherwise it has stopped when ten samples 50 ms
    apart agree (a busy machine may skip frames, so two equal samples do not prove the move is over).
    """
    return page.evaluate(
        """async (number) => {
            const media = document.getElementById("media").getBoundingClientRect();
            const slide = () => document.querySelectorAll(".slide")[number - 1].getBoundingClientRect().left;
            let last = NaN, same = 0;
            for (let i = 0; i < 200; i++) {
                const now = slide();
                if (Math.abs(now - media.left) < 0.5) return 0;
                same = now === last ? same + 1 : 0;
                if (same >= 10) return now - media.left;
                last = now;
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
            return last - media.left;
        }""",
        number,
    )


def test_first_slide_shows_and_next_shows_the_second(tab, post):
    page = tab.open((post / PREVIEW_FILE).as_uri())
    assert slide_offset(page, 1) == 0
    assert page.inner_text("#counter") == "1/10"
    assert page.is_hidden("#prev") and page.is_visible("#next")
    assert page.get_attribute(".dots i:nth-child(1)", "class") == "on"
    page.click("#next")
    assert slide_offset(page, 2) == 0
    assert page.inner_text("#counter") == "2/10"
    assert page.is_visible("#prev")
    assert page.get_attribute(".dots i:nth-child(2)", "class") == "on"
    page.click("#prev")
    assert slide_offset(page, 1) == 0 and page.inner_text("#counter") == "1/10"
    assert all(url.startswith(("file://", "data:")) for url in tab.requests), tab.requests


def test_keyboard_moves_between_slides_and_stops_at_the_ends(tab, post):
    page = tab.open((post / PREVIEW_FILE).as_uri())
    page.keyboard.press("ArrowLeft")
    assert page.inner_text("#counter") == "1/10"
    for _ in range(12):
        page.keyboard.press("ArrowRight")
    assert page.inner_text("#counter") == "10/10" and slide_offset(page, 10) == 0
    assert page.is_hidden("#next")
    page.keyboard.press("ArrowLeft")
    assert page.inner_text("#counter") == "9/10"


def test_mouse_drag_swipes(tab, post):
    page = tab.open((post / PREVIEW_FILE).as_uri())
    box = page.locator("#media").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.8, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.2, y, steps=8)
    page.mouse.up()
    assert page.inner_text("#counter") == "2/10" and slide_offset(page, 2) == 0
    # A small drag snaps back.
    page.mouse.move(box["x"] + box["width"] * 0.5, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5 - 20, y, steps=4)
    page.mouse.up()
    assert page.inner_text("#counter") == "2/10" and slide_offset(page, 2) == 0


def test_touch_swipe(browser, post):
    tab = Page(browser, has_touch=True, is_mobile=True)
    try:
        page = tab.open((post / PREVIEW_FILE).as_uri())
        box = page.locator("#media").bounding_box()
        cdp = tab.context.new_cdp_session(page)
        y, x = box["y"] + box["height"] / 2, box["x"] + box["width"] * 0.8
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        for step in range(1, 11):
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x - 25 * step, "y": y}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        assert slide_offset(page, 2) == 0 and page.inner_text("#counter") == "2/10"
        assert tab.errors == []
    finally:
        tab.close()


def test_caption_is_cut_then_expands(tab, post):
    page = tab.open((post / PREVIEW_FILE).as_uri())
    short = page.inner_text("#caption-short")
    assert short.endswith("… more") and len(short) <= limits.CAPTION_VISIBLE_CHARS + len("… more")
    assert page.is_hidden("#caption-full") and "#history" not in page.inner_text("#caption")
    page.click("#more")
    assert page.is_hidden("#caption-short") and page.is_visible("#caption-full")
    full = page.inner_text("#caption-full")
    assert full == (post / "caption.txt").read_text().strip()
    assert page.inner_text("#caption .who") == "themagickalearth"
    colours = page.eval_on_selector_all(".caption .full .tag", "tags => tags.map(t => getComputedStyle(t).color)")
    assert len(colours) == 3 and set(colours) == {"rgb(0, 55, 107)"}


def test_every_image_loads_and_has_alt_text(tab, post):
    page = tab.open((post / PREVIEW_FILE).as_uri())
    images = page.eval_on_selector_all(
        "img", "images => images.map(i => [i.getAttribute('src'), i.complete, i.naturalWidth, i.alt])"
    )
    assert len(images) == 11  # ten slides and the grid tile
    for src, complete, width, alt in images:
        assert complete and width == 1080, src
        assert alt.strip(), src


def test_grid_tile_is_the_centre_3_4_crop_of_the_cover(tab, post):
    page = tab.open((post / PREVIEW_FILE).as_uri())
    tile = page.locator("#grid-tile").bounding_box()
    image = page.locator("#grid-tile img")
    assert tile["width"] / tile["height"] == pytest.approx(3 / 4, abs=0.01)
    assert image.bounding_box() == pytest.approx(tile, abs=0.5)
    fit = image.evaluate("i => [getComputedStyle(i).objectFit, getComputedStyle(i).objectPosition, i.src]")
    assert fit[:2] == ["cover", "50% 50%"] and fit[2].endswith("/01.jpg")
    media = page.locator("#media").bounding_box()
    assert media["width"] / media["height"] == pytest.approx(1080 / 1350, abs=0.01)


def test_article_markup_shows_as_text(tab, hostile_post):
    page = tab.open((hostile_post / PREVIEW_FILE).as_uri())
    assert "<script>alert(1)</script> and <b>bold</b>" in page.title()
    page.click("#more")
    caption = page.inner_text("#caption-full")
    assert "<script>alert(1)</script>" in caption and '<img src=x onerror="alert(2)"> & friends' in caption
    assert page.locator("b").count() == 0 and page.locator("script").count() == 1
    assert page.locator("img").count() == len(json.loads((hostile_post / "post.json").read_text())["slides"]) + 1
    alts = page.eval_on_selector_all("img", "images => images.map(i => i.alt)")
    assert any("<script>alert(1)</script>" in alt for alt in alts)
    page.wait_for_timeout(200)  # give a stray handler the chance to fire (the tab fixture asserts it did not)


def test_served_page_reloads_when_the_post_changes(tab, post, served):
    server = served(post)
    page = tab.open(server.url)
    assert page.inner_text("#counter") == "1/10"
    page.click("#next")
    page.wait_for_function("() => document.body.dataset.live !== undefined")
    page.wait_for_timeout(700)  # the page has polled once and knows the version
    with page.expect_event("load", timeout=10_000):
        server.changed()
    assert page.inner_text("#counter") == "1/10", "a fresh page"
    server.changed("article.txt is empty; write the article")
    page.wait_for_selector(".live-error:not([hidden])", timeout=10_000)
    assert "article.txt is empty" in page.inner_text(".live-error")
    # Leave the page before the server stops: its next poll would fail and log a console error.
    page.goto("about:blank")


def test_cli_settings_without_watch_are_a_usage_error(post):
    result = CliRunner().invoke(cli, ["preview", str(post), "--serve", "--format", "square"])
    assert result.exit_code == 2
    assert "--format is only used by --watch, to re-make the post; add --watch or leave it out" in result.output


def test_watch_rebuilds_a_post_made_with_a_theme_dir_and_a_focus_from_post_json_alone(
    example_dir, tmp_path, served, monkeypatch
):
    """Found by a review: --watch needed --article, and a rebuild lost --theme-dir, fit and focus."""
    monkeypatch.chdir(tmp_path)
    themes = tmp_path / "themes-here"
    (themes / "mine").mkdir(parents=True)
    (themes / "mine" / "theme.toml").write_text('extends = "night"\n')
    shutil.copytree(example_dir, tmp_path / "notes")
    made = make_post(
        Path("notes/article.txt"), out=tmp_path / "out" / "post", theme="mine", theme_dirs=(themes,),
        focus="0.2,0.3", fit="contain", format="square",
    )  # fmt: skip
    before = json.loads((made.folder / "post.json").read_text())
    assert before["rebuild"]["article"] == "notes/article.txt" and before["theme"] == "mine"
    server = served(made.folder, watch=True)  # no article: post.json says what made the post
    article = tmp_path / "notes" / "article.txt"
    article.write_text(article.read_text().replace("toppled the Tsar", "toppled Tsar Nicholas II"))
    server.rebuild()
    assert server.state() == {"version": 1, "error": None}
    after = json.loads((made.folder / "post.json").read_text())
    assert "Tsar Nicholas II" in after["slides"][1]["text"]
    for key in ("theme", "format", "size"):
        assert after[key] == before[key], key
    assert after["image"]["focus"] == [0.2, 0.3]
    assert after["rebuild"]["settings"] == before["rebuild"]["settings"] == {
        "theme": "mine", "theme_dirs": [str(themes)], "format": "square", "focus": [0.2, 0.3], "fit": "contain",
    }  # fmt: skip


def test_watch_takes_the_articles_own_edits_to_its_front_matter(tmp_path, served, monkeypatch):
    """Found by a review: the record replayed the front matter's values over the article's new ones."""
    monkeypatch.chdir(tmp_path)
    article = tmp_path / "note.md"
    article.write_text("---\ntitle: Apollo 11\nformat: square\nhandle: skyhistory\n---\n\nThe Eagle has landed.\n")
    folder = make_post(Path("note.md"), out=tmp_path / "out" / "post").folder
    server = served(folder, watch=True)
    article.write_text(
        article.read_text().replace("format: square", "format: story").replace("skyhistory", "newhandle")
    )
    server.rebuild()
    assert server.state()["error"] is None
    after = json.loads((folder / "post.json").read_text())
    assert (after["format"], after["handle"]) == ("story", "newhandle")


def test_watch_keeps_a_batch_posts_caption_variables(tmp_path, served, monkeypatch, example_dir):
    """Found by a review: a re-made batch post lost "… years ago today" and the library's settings."""
    from postkit.pipeline import build_post

    monkeypatch.chdir(tmp_path)
    shutil.copytree(example_dir, tmp_path / "notes")
    library = {"hashtags": ("onthisday",), "fit": "contain"}
    variables = {"years_ago": 109, "anniversary": "2026-11-07", "part": None, "parts": None}
    made = build_post(Path("notes/article.txt"), out=tmp_path / "out" / "post", library=library, caption_vars=variables)
    before = (made.folder / "caption.txt").read_text()
    server = served(made.folder, watch=True)
    server.rebuild()
    assert server.state()["error"] is None
    assert (made.folder / "caption.txt").read_text() == before
    assert json.loads((made.folder / "post.json").read_text())["rebuild"]["caption_vars"]["years_ago"] == 109
