"""Exporting a post for other networks (issue 13): every limit checked from the files themselves.

The example and real articles of the corpus in several scripts (Arabic, Hebrew, Japanese, Chinese,
Greek, Russian) plus an emoji-heavy draft are exported for every network; each folder's images, texts
and alt texts are measured here as the network measures them, not read from the manifest's record.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from PIL import Image

from postkit.check import ERROR, check_post
from postkit.export import (
    MANIFEST,
    ExportError,
    camel_case_tag,
    check_base_url,
    check_handles,
    export_post,
    fit_text,
    parse_networks,
    reencode_within,
)
from postkit.limits import NETWORKS, TIKTOK_MAX_SIZE, TIKTOK_TITLE_MAX
from postkit.networks import text_length
from postkit.pipeline import make_post
from tests.conftest import EXAMPLE

CORPUS = Path(__file__).parent / "corpus"
ARTICLES = {a["file"]: a for a in tomllib.loads((CORPUS / "corpus.toml").read_text(encoding="utf-8"))["article"]}
SCRIPTS = ["ar-althawra-alfaransiya.txt", "he-mishpat-eichmann.txt", "ja-osei-fukko.txt", "zh-wuchang-qiyi.md"]
SCRIPTS += ["el-epanastasi-1821.txt", "ru-oktyabrskaya-revolyutsiya.md"]
HANDLES = {
    "bluesky": "themagickalearth.bsky.social",
    "mastodon": "themagickalearth@mastodon.social",
    "x": "magickalearth",
    "tiktok": "themagickalearth",
}
SENTENCE_END = re.compile(r"[.!?…。！？؟»”\"')\]]$")


def _export(tmp: Path, article: Path, **options) -> Path:
    post = make_post(article, out=tmp / "post", **options)
    export_post(post.folder, "all", handles=HANDLES, article=article)
    return post.folder


@pytest.fixture(scope="module")
def example_post(tmp_path_factory) -> Path:
    return _export(tmp_path_factory.mktemp("export"), EXAMPLE)


def _emoji_article(folder: Path) -> Path:
    # The example as social drafts are often written: emoji after sentences and in the title.
    text = EXAMPLE.read_text(encoding="utf-8")
    lines = text.splitlines()
    lines[0] = lines[0] + " \U0001f6a9\U0001f1f7\U0001f1fa"
    body = "\n".join(lines[1:])
    body = re.sub(r"\. ", ". \U0001f525\U0001f468\u200d\U0001f469\u200d\U0001f467 ", body)
    path = folder / "emoji.txt"
    path.write_text(lines[0] + "\n" + body, encoding="utf-8")
    shutil.copy(EXAMPLE.with_suffix(".jpg"), folder / "emoji.jpg")
    return path


@pytest.fixture(scope="module")
def many_posts(tmp_path_factory) -> list[Path]:
    folders = []
    for name in SCRIPTS:
        tmp = tmp_path_factory.mktemp(name.split("-")[0])
        folders.append(_export(tmp, CORPUS / name))
    tmp = tmp_path_factory.mktemp("emoji")
    folders.append(_export(tmp, _emoji_article(tmp)))
    return folders


def _folders(post: Path) -> dict[str, Path]:
    return {network: post.with_name(f"{post.name}.{network}") for network in NETWORKS}


def _manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def _check_limits(post: Path) -> None:
    """Every limit of every network, measured from the exported files."""
    slides = json.loads((post / "post.json").read_text(encoding="utf-8"))["slides"]
    for network, folder in _folders(post).items():
        limits = NETWORKS[network]
        manifest = _manifest(folder)
        assert manifest["network"] == network
        files = [image["file"] for item in manifest["posts"] for image in item["images"]]
        on_disk = sorted(p.name for p in folder.glob("*.jpg"))
        assert files == on_disk, network  # every image listed once, in order, none left over
        assert files[0] == "01.jpg"
        if network != "tiktok":
            assert len(files) == len(slides), network  # every slide is in the export
        assert len(files) >= limits.min_images
        for item in manifest["posts"]:
            text = item["text"]
            assert text.strip(), network
            assert text_length(text, limits.counting) <= limits.text, (network, text)
            assert limits.images is None or len(item["images"]) <= limits.images, network
            for image in item["images"]:
                path = folder / image["file"]
                data = path.read_bytes()
                assert limits.image_bytes is None or len(data) <= limits.image_bytes, (network, path)
                with Image.open(path) as opened:
                    assert opened.format == "JPEG"
                    size = opened.size
                if network == "tiktok":
                    assert size == TIKTOK_MAX_SIZE  # the story format, not a padded feed card
                alt = image["alt"]
                if not limits.alt_text:
                    assert alt is None
                    continue
                assert alt and alt.strip(), (network, image["file"])  # Bluesky requires it; all get it
                if limits.alt_chars is not None:
                    assert text_length(alt, limits.counting) <= limits.alt_chars
        if network == "tiktok":
            title = manifest["posts"][0]["title"]
            assert 0 < text_length(title, "utf16") <= TIKTOK_TITLE_MAX
        # postkit check agrees: no errors in any export folder.
        errors = [v for v in check_post(folder) if v.level == ERROR]
        assert not errors, (network, errors)


def test_the_example_exports_within_every_networks_limits(example_post):
    _check_limits(example_post)


@pytest.mark.parametrize("index", range(len(SCRIPTS) + 1), ids=[*SCRIPTS, "emoji"])
def test_articles_in_every_script_export_within_every_limit(many_posts, index):
    _check_limits(many_posts[index])


def test_a_four_image_network_gets_a_thread_split_between_slides(example_post):
    slides = json.loads((example_post / "post.json").read_text(encoding="utf-8"))["slides"]
    for network in ("bluesky", "mastodon", "x"):
        posts = _manifest(_folders(example_post)[network])["posts"]
        assert len(posts) == -(-len(slides) // 4)
        shown = [image["slide"] for item in posts for image in item["images"]]
        assert shown == list(range(1, len(slides) + 1))  # the cover first, each slide once, in order
        assert [len(item["images"]) for item in posts[:-1]] == [4] * (len(posts) - 1)
        for number, item in enumerate(posts, start=1):
            assert item["text"].endswith(f"{number}/{len(posts)}"), (network, item["text"])
        # The replies say what their own slides say, from a sentence's start to a sentence's end.
        for item in posts[1:]:
            texts = [slides[image["slide"] - 1]["text"] for image in item["images"]]
            body = item["text"].rsplit("\n\n", 1)[0]
            first = body.split("\n\n")[0]
            assert any(t.startswith(first) for t in texts if t) or first.startswith("Follow"), (network, first)


def test_texts_are_shortened_at_sentence_ends(example_post):
    caption = (example_post / "caption.txt").read_text(encoding="utf-8")
    sources = [p.strip() for p in caption.split("\n\n")]
    slides = json.loads((example_post / "post.json").read_text(encoding="utf-8"))["slides"]
    sources += [p for s in slides for p in s["text"].split("\n\n")]
    for network in NETWORKS:
        for item in _manifest(_folders(example_post)[network])["posts"]:
            for paragraph in item["text"].split("\n\n"):
                if paragraph.startswith(("#", "Follow")) or re.fullmatch(r"\d+/\d+", paragraph):
                    continue
                source = next((s for s in sources if s.startswith(paragraph)), None)
                assert source is not None, (network, paragraph)
                if source != paragraph:
                    assert SENTENCE_END.search(paragraph), (network, paragraph)


def test_handles_are_written_as_each_network_writes_them(example_post):
    folders = _folders(example_post)
    texts = {n: "\n".join(p["text"] for p in _manifest(f)["posts"]) for n, f in folders.items()}
    assert "@themagickalearth.bsky.social" in texts["bluesky"]
    assert "@themagickalearth@mastodon.social" in texts["mastodon"]
    assert "@magickalearth " in texts["x"] or "@magickalearth\n" in texts["x"] or "@magickalearth" in texts["x"]
    assert "@themagickalearth " in texts["threads"]  # Threads accounts are the Instagram accounts
    for network in ("linkedin", "facebook"):  # published on the account's own page
        assert "@" not in texts[network]


def test_a_network_without_a_handle_leaves_the_follow_line_out_and_says_so(tmp_path, caplog):
    post = make_post(EXAMPLE, out=tmp_path / "post")
    export_post(post.folder, "bluesky", article=EXAMPLE)
    texts = [p["text"] for p in _manifest(tmp_path / "post.bluesky")["posts"]]
    assert not any("@themagickalearth" in t for t in texts)
    assert any("no Bluesky handle given" in r.getMessage() for r in caplog.records)


def test_hashtags_are_capitalised_and_as_many_as_each_network_advises(example_post):
    assert camel_case_tag("onthisday") == "OnThisDay"
    assert camel_case_tag("history") == "History"
    assert camel_case_tag("OctoberRevolution") == "OctoberRevolution"
    assert camel_case_tag("вэтотдень") == "ВЭтотДень"
    assert camel_case_tag("تاريخ") == "تاريخ"
    for network, limits in NETWORKS.items():
        text = "\n".join(p["text"] for p in _manifest(_folders(example_post)[network])["posts"])
        tags = re.findall(r"(?<!\w)#(\w+)", text)
        assert "OnThisDay" in tags and "onthisday" not in tags
        assert limits.hashtags is None or len(tags) <= limits.hashtags, network


def test_linkedin_gets_a_pdf_whose_text_an_independent_reader_extracts(example_post):
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils (pdftotext, pdfinfo) is not installed")
    folder = _folders(example_post)["linkedin"]
    pdf = folder / "document.pdf"
    slides = json.loads((example_post / "post.json").read_text(encoding="utf-8"))["slides"]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(rf"^Pages:\s+{len(slides)}$", info, re.MULTILINE)
    assert re.search(r"^Title:\s+October Revolution$", info, re.MULTILINE)
    assert re.search(r"^Page size:\s+810 x 1012.5 pts", info, re.MULTILINE)  # 1080x1350 px at 96 dpi
    for number, slide in enumerate(slides, start=1):
        page = subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        words = slide["text"].split()
        assert page.split()[: len(words)] == words or " ".join(words) in " ".join(page.split()), number
    assert _manifest(folder)["document"]["pages"] == len(slides)


def test_exporting_twice_gives_the_same_files(tmp_path):
    post = make_post(EXAMPLE, out=tmp_path / "post")
    export_post(post.folder, "bluesky,linkedin", handles=HANDLES, out=tmp_path / "a")
    export_post(post.folder, "bluesky,linkedin", handles=HANDLES, out=tmp_path / "b")
    for network in ("bluesky", "linkedin"):
        first, second = tmp_path / "a" / f"post.{network}", tmp_path / "b" / f"post.{network}"
        names = sorted(p.name for p in first.iterdir())
        assert names == sorted(p.name for p in second.iterdir())
        for name in names:
            assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_an_image_over_the_byte_limit_is_re_encoded_to_fit_with_the_same_size():
    noise = Image.effect_noise((1080, 1350), 90).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", quality=100, subsampling=0)
    data = buffer.getvalue()
    assert len(data) > 1_000_000
    smaller = reencode_within(data, 1_000_000, "01.jpg")
    assert len(smaller) <= 1_000_000
    with Image.open(io.BytesIO(smaller)) as image:
        assert image.size == (1080, 1350)
    with pytest.raises(ExportError, match="still more than 1,000 bytes"):
        reencode_within(data, 1000, "01.jpg")


def test_fit_text_keeps_the_tail_and_cuts_between_words_only_when_one_sentence_is_too_long():
    limits = NETWORKS["bluesky"]
    text = fit_text(["Short one. " * 40], ["#Tag", "1/2"], limits, "en")
    assert text.endswith("Short one.\n\n#Tag\n\n1/2") and len(text) <= 300
    long_sentence = "word " * 100
    text = fit_text([long_sentence.strip() + "."], ["1/2"], limits, "en")
    assert "…" in text and text.endswith("…\n\n1/2") and len(text) <= 300


def test_the_for_list_and_handles_are_checked():
    assert parse_networks("all") == tuple(NETWORKS)
    assert parse_networks("x, Bluesky") == ("bluesky", "x")
    with pytest.raises(ExportError, match="unknown network 'instagram'; choose from threads"):
        parse_networks("bluesky,instagram")
    with pytest.raises(ExportError, match="name the networks"):
        parse_networks(" , ")
    assert check_handles({"bluesky": "@name.bsky.social"}, "x") == {"bluesky": "name.bsky.social"}
    with pytest.raises(ExportError, match="Mastodon handle must be a Mastodon address"):
        check_handles({"mastodon": "name"}, "postkit.toml")
    with pytest.raises(ExportError, match="X handle must be"):
        check_handles({"x": "much_too_long_for_x_handles"}, "flag")
    assert check_base_url("https://example.org/posts/") == "https://example.org/posts"
    with pytest.raises(ExportError, match="--base-url"):
        check_base_url("javascript:alert(1)")


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "postkit", *args], capture_output=True, text=True, cwd=cwd)


def test_the_command_line_exports_and_refuses_to_replace_without_force(tmp_path):
    post = make_post(EXAMPLE, out=tmp_path / "post")
    done = _cli("export", str(post.folder), "--for", "bluesky,x", "--network-handle", "bluesky=name.bsky.social")
    assert done.returncode == 0, done.stderr
    assert "post.bluesky/: 3 posts, 10 images" in done.stdout
    assert "no X handle given" in done.stderr
    again = _cli("export", str(post.folder), "--for", "bluesky")
    assert again.returncode == 1
    assert again.stderr.strip().splitlines() == [
        f"Error: {tmp_path / 'post.bluesky'} already exists; pass --force to replace it, or choose another --out"
    ]
    assert _cli("export", str(post.folder), "--for", "bluesky", "--force").returncode == 0


def test_force_never_replaces_a_folder_postkit_did_not_export(tmp_path):
    post = make_post(EXAMPLE, out=tmp_path / "post")
    mine = tmp_path / "post.bluesky"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine", encoding="utf-8")
    done = _cli("export", str(post.folder), "--for", "bluesky", "--force")
    assert done.returncode == 1
    assert "is not a postkit export (no manifest.json), so --force will not delete it" in done.stderr
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--for", "myspace"], "Error: unknown network 'myspace'; choose from threads, bluesky"),
        (["--network-handle", "bluesky"], "Error: --network-handle takes NETWORK=NAME"),
        (["--network-handle", "x=a b"], "Error: --network-handle: the X handle must be"),
    ],
)
def test_bad_flags_are_one_error_line(tmp_path, args, message):
    post = make_post(EXAMPLE, out=tmp_path / "post")
    done = _cli("export", str(post.folder), *args)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), done.stderr
    assert not any(p.name.startswith("post.") for p in tmp_path.iterdir())


def test_a_damaged_post_is_not_exported(tmp_path):
    post = make_post(EXAMPLE, out=tmp_path / "post")
    data = json.loads((post.folder / "post.json").read_text(encoding="utf-8"))
    data["slides"][1]["file"] = "../../etc/passwd"
    (post.folder / "post.json").write_text(json.dumps(data), encoding="utf-8")
    done = _cli("export", str(post.folder), "--for", "all")
    assert done.returncode == 1
    assert done.stderr.startswith("Error: ") and len(done.stderr.strip().splitlines()) == 1
    assert "postkit check" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["post"]


def _post_from_a_copy(tmp_path):
    """Make the example's post from a copy of its article (in tmp_path/a/); return the copy and the post."""
    folder = tmp_path / "a"
    folder.mkdir()
    article = folder / "article.txt"
    shutil.copy(EXAMPLE, article)
    return article, make_post(article, out=tmp_path / "post")


def test_tiktok_needs_the_article_and_says_how_to_give_it(tmp_path):
    article, post = _post_from_a_copy(tmp_path)
    article.unlink()
    done = _cli("export", str(post.folder), "--for", "bluesky,tiktok")
    assert done.returncode == 1
    assert (
        "Error: TikTok's set of story-shaped slides is made again from the post's article: cannot find" in done.stderr
    )
    assert "; pass --article PATH" in done.stderr
    assert not (tmp_path / "post.bluesky").exists()  # nothing written when one network fails


def test_tiktok_refuses_an_article_that_is_not_the_posts(tmp_path):
    article, post = _post_from_a_copy(tmp_path)
    article.write_text(EXAMPLE.read_text(encoding="utf-8").replace("Tsar", "Emperor"), encoding="utf-8")
    done = _cli("export", str(post.folder), "--for", "tiktok")
    assert "is not the article post was made from (it changed since, or is another)" in _error_line(done)
    other = _cli("export", str(post.folder), "--for", "tiktok", "--article", str(CORPUS / "de-titanic.txt"))
    assert "is not the article post was made from" in _error_line(other)
    assert not (tmp_path / "post.tiktok").exists()


def test_handles_given_for_a_post_without_one_get_a_follow_line(tmp_path):
    article = CORPUS / "it-presa-di-roma.txt"
    post = make_post(article, out=tmp_path / "post")
    assert json.loads((post.folder / "post.json").read_text(encoding="utf-8"))["handle"] is None
    export_post(post.folder, "bluesky,linkedin", handles={"bluesky": "storia.bsky.social", "linkedin": "storia"})
    for network, handle in (("bluesky", "@storia.bsky.social"), ("linkedin", "@storia")):
        texts = [p["text"] for p in _manifest(tmp_path / f"post.{network}")["posts"]]
        assert any(handle in t for t in texts), network


def test_alt_text_names_the_networks_account_or_none(example_post):
    folders = _folders(example_post)
    closing = {n: _manifest(f)["posts"][-1]["images"][-1]["alt"] for n, f in folders.items() if n != "tiktok"}
    assert "@themagickalearth.bsky.social" in closing["bluesky"]
    assert "@themagickalearth" not in closing["facebook"] and closing["facebook"].startswith("Credit:")


def test_replies_start_where_a_sentence_starts(tmp_path):
    article = CORPUS / "el-epanastasi-1821.txt"
    post = make_post(article, out=tmp_path / "post", format="landscape", max_slides=20)
    export_post(post.folder, "bluesky,x", article=article)
    for network in ("bluesky", "x"):
        for item in _manifest(tmp_path / f"post.{network}")["posts"][1:]:
            first = item["text"][0]
            assert not first.islower(), (network, item["text"][:80])


def test_the_captions_cut_lead_is_whole_again_where_there_is_room(tmp_path):
    article = CORPUS / "de-titanic.txt"
    post = make_post(article, out=tmp_path / "post")
    caption = (post.folder / "caption.txt").read_text(encoding="utf-8")
    export_post(post.folder, "facebook,linkedin")
    for network in ("facebook", "linkedin"):
        text = _manifest(tmp_path / f"post.{network}")["posts"][0]["text"]
        assert "…" not in text, (network, caption)


def _error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    return lines[0]


def test_carousel_exports_too(tmp_path):
    done = _cli("carousel", str(EXAMPLE), "--out", str(tmp_path / "post"), "--export", "threads,linkedin", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "post.threads" / MANIFEST).is_file()
    assert (tmp_path / "post.linkedin" / "document.pdf").is_file()
    bad = _cli("carousel", str(EXAMPLE), "--out", str(tmp_path / "other"), "--export", "orkut", cwd=tmp_path)
    assert bad.returncode == 1 and "unknown network 'orkut'" in bad.stderr
    assert not (tmp_path / "other").exists()  # checked before the post is made


def test_batch_exports_every_post_and_writes_a_schedule(tmp_path):
    library = tmp_path / "library"
    shutil.copytree(EXAMPLE.parent, library)
    (library / "postkit.toml").write_text(
        '[handles]\nbluesky = "themagickalearth.bsky.social"\nmastodon = "themagickalearth@mastodon.social"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["batch", str(library), "--on", "11-07", "--date", "2026-11-29", "--out", str(out), "-j", "1"]
    done = _cli(*args, "--export", "bluesky,tiktok", "--base-url", "https://example.org/posts/")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO((out / "schedule.csv").read_text(encoding="utf-8"))))
    assert [(r["network"], r["part"], r["of"]) for r in rows] == [
        ("bluesky", "1", "3"),
        ("bluesky", "2", "3"),
        ("bluesky", "3", "3"),
        ("tiktok", "1", "1"),
    ]
    assert {r["date"] for r in rows} == {"2027-11-07"}
    first = rows[0]["media"].split(",")
    assert first[0] == "https://example.org/posts/1917-11-07-october-revolution.bluesky/01.jpg"
    assert len(first) == 4 and len(rows[0]["alt_texts"].split("||")) == 4
    assert "@themagickalearth.bsky.social" in rows[2]["text"]
    assert done.stderr.count("no TikTok handle given") == 1  # said once, not once per post
    bad = _cli(*args, "--base-url", "https://example.org")
    assert bad.returncode == 2 and "--base-url works only with --export" in bad.stderr


def test_a_library_with_a_bad_handle_fails_before_any_post(tmp_path):
    library = tmp_path / "library"
    shutil.copytree(EXAMPLE.parent, library)
    (library / "postkit.toml").write_text('[handles]\nbluesky = "not a handle"\n', encoding="utf-8")
    done = _cli("batch", str(library), "--all", "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    assert "postkit.toml: [handles]: the Bluesky handle must be a Bluesky handle" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_schedule_cell_never_starts_like_a_formula():
    from postkit.export import _cell

    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _cell("+1") == "'+1" and _cell("@x") == "'@x"
    assert _cell("November 7") == "November 7"
