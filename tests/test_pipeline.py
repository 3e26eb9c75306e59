"""make_post end to end on the bundled example and on edge cases, without the CLI."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from postkit import limits
from postkit.article import read_article
from postkit.check import check_post
from postkit.errors import ArticleError, FontError, ImageError, LayoutError, OutputError, ThemeError
from postkit.pipeline import make_post


def normalise(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def example_post(tmp_path_factory):
    import shutil

    from tests.conftest import EXAMPLE_DIR

    folder = tmp_path_factory.mktemp("example") / "october-revolution"
    shutil.copytree(EXAMPLE_DIR, folder, ignore=shutil.ignore_patterns("*.py"))
    calls = []
    post = make_post(folder / "article.txt", out=folder.parent / "post", progress=lambda d, t: calls.append((d, t)))
    return folder, post, calls


def test_example_makes_a_clean_post(example_post):
    folder, post, calls = example_post
    meta = json.loads((post.folder / "post.json").read_text())
    slides = meta["slides"]
    assert [s["kind"] for s in slides] == ["cover"] + ["text"] * (len(slides) - 2) + ["closing"]
    assert 3 <= len(slides) <= limits.MAX_SLIDES_API
    assert [s["file"] for s in slides] == [f"{k:02d}.jpg" for k in range(1, len(slides) + 1)]
    assert check_post(post.folder) == []
    assert calls == [(k, len(slides)) for k in range(1, len(slides) + 1)]


def test_text_slides_join_back_into_the_article(example_post):
    folder, post, _ = example_post
    meta = json.loads((post.folder / "post.json").read_text())
    body = read_article(folder / "article.txt").body
    joined = " ".join(s["text"] for s in meta["slides"] if s["kind"] == "text")
    assert normalise(joined) == normalise(body)


def test_post_json_describes_the_post(example_post):
    folder, post, _ = example_post
    meta = json.loads((post.folder / "post.json").read_text())
    assert meta["size"] == [1080, 1350] and meta["format"] == "portrait"
    assert meta["theme"] == "classic"
    assert meta["source"]["file"] == "article.txt" and len(meta["source"]["sha256"]) == 64
    assert meta["image"]["file"] == "article.jpg"
    assert meta["layout"]["engine"] in {"raqm", "basic"}
    assert meta["caption"] == (post.folder / "caption.txt").read_text()
    for slide in meta["slides"]:
        assert 0 < len(slide["alt"]) <= limits.ALT_TEXT_MAX
        with Image.open(post.folder / slide["file"]) as image:
            assert image.format == "JPEG" and image.mode == "RGB" and image.size == (1080, 1350)


def test_caption_hooks_with_date_and_title(example_post):
    _, post, _ = example_post
    caption = (post.folder / "caption.txt").read_text()
    first = caption[: limits.CAPTION_VISIBLE_CHARS]
    assert "November 7, 1917" in first and "October Revolution" in first
    assert "@themagickalearth" in caption
    assert "Storming the Winter Palace" in caption
    assert 1 <= len(limits.hashtags_in(caption)) <= limits.HASHTAGS_RECOMMENDED
    assert limits.caption_length(caption) <= limits.CAPTION_MAX_CHARS


def test_same_inputs_give_identical_bytes(example_post, tmp_path):
    folder, post, _ = example_post
    again = make_post(folder / "article.txt", out=tmp_path / "again")
    names = sorted(p.name for p in post.folder.iterdir())
    assert names == sorted(p.name for p in again.folder.iterdir())
    for name in names:
        assert (post.folder / name).read_bytes() == (again.folder / name).read_bytes(), name


def test_default_output_folder_is_out_date_slug(example_dir, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    post = make_post(example_dir / "article.txt")
    assert post.folder.resolve() == (tmp_path / "out" / "1917-11-07-october-revolution").resolve()


def test_square_format_without_illustration(tmp_path):
    article = tmp_path / "note.txt"
    article.write_text(
        "July 20, 1969 - Apollo 11 lands\nThe Eagle landed. " * 1 + "\n" + "Armstrong stepped onto the Moon. " * 30
    )
    post = make_post(article, format="square", handle="spacehistory", out=tmp_path / "post")
    meta = json.loads((post.folder / "post.json").read_text())
    assert meta["size"] == [1080, 1080] and meta["image"] is None
    with Image.open(post.folder / "01.jpg") as cover:
        assert cover.size == (1080, 1080)
    assert check_post(post.folder) == []


def test_markdown_with_front_matter_image_and_hashtags(tmp_path):
    Image.new("RGB", (1600, 1000), (200, 180, 60)).save(tmp_path / "pic.png")
    article = tmp_path / "post.md"
    article.write_text(
        "---\ntitle: The Tunguska event\ndate: 1908-06-30\nhandle: skyhistory\nimage: pic.png\n"
        "hashtags: [tunguska, siberia]\ncredit: 'Photo: Leonid Kulik, 1927'\n---\n\n"
        "A huge explosion flattened the taiga. Eighty million trees fell.\n\n## Witnesses\n\n"
        "People sixty kilometres away were thrown from their chairs.\n"
    )
    post = make_post(article, out=tmp_path / "post")
    meta = json.loads((post.folder / "post.json").read_text())
    assert meta["image"]["file"] == "pic.png"
    assert meta["hashtags"] == ["tunguska", "siberia"]
    assert "#tunguska #siberia" in meta["caption"]
    assert meta["date"] == "1908-06-30"


def test_flags_override_the_article(example_dir, tmp_path):
    post = make_post(example_dir / "article.txt", handle="otherhandle", max_slides=7, out=tmp_path / "p")
    meta = json.loads((post.folder / "post.json").read_text())
    assert meta["handle"] == "otherhandle"
    assert len(meta["slides"]) <= 7


def test_too_long_for_the_slides_allowed(example_dir, tmp_path):
    with pytest.raises(LayoutError, match=r"needs (more than )?\d+ text slides.*raise --max-slides"):
        make_post(example_dir / "article.txt", max_slides=3, out=tmp_path / "p")
    assert not (tmp_path / "p").exists()


def test_failure_leaves_nothing_behind(example_dir, tmp_path):
    (example_dir / "article.jpg").write_bytes(b"not a picture")
    with pytest.raises(ImageError, match="article.jpg"):
        make_post(example_dir / "article.txt", out=tmp_path / "p")
    assert list(tmp_path.iterdir()) == [example_dir]


def test_existing_post_is_kept_without_force(example_dir, tmp_path):
    target = tmp_path / "p"
    make_post(example_dir / "article.txt", out=target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    with pytest.raises(OutputError, match="--force"):
        make_post(example_dir / "article.txt", out=target, handle="someoneelse")
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    make_post(example_dir / "article.txt", out=target, handle="someoneelse", force=True)
    assert "someoneelse" in (target / "caption.txt").read_text()


def test_failed_forced_run_keeps_the_old_post(example_dir, tmp_path):
    target = tmp_path / "p"
    make_post(example_dir / "article.txt", out=target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    (example_dir / "article.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    with pytest.raises(ImageError):
        make_post(example_dir / "article.txt", out=target, force=True)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["october-revolution", "p"]


def test_unknown_theme_lists_installed_ones(example_dir, tmp_path):
    with pytest.raises(ThemeError, match="unknown theme 'nope'; installed themes: classic"):
        make_post(example_dir / "article.txt", theme="nope", out=tmp_path / "p")


def test_empty_article(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(ArticleError, match="empty.txt is empty"):
        make_post(empty, out=tmp_path / "p")


def test_cyrillic_and_greek_articles_render(tmp_path):
    article = tmp_path / "ru.md"
    article.write_text(
        "---\ntitle: Октябрьская революция\ndate: 1917-11-07\nlang: ru\nhandle: istoriya\n---\n\n"
        + "Крейсер «Аврора» произвёл холостой выстрел. Зимний дворец был взят. " * 12
        + "\n\nἩ ἱστορία τῆς ἐπαναστάσεως. Τὸ θωρηκτὸ ἔριξε.\n"
    )
    post = make_post(article, out=tmp_path / "p")
    meta = json.loads((post.folder / "post.json").read_text())
    assert meta["slides"][0]["text"].endswith("Октябрьская революция")
    assert post.folder.name == "p"
    assert check_post(post.folder) == []


def test_markdown_emphasis_is_set_in_italic_and_bold(tmp_path):
    from PIL import ImageChops

    def make(body: str, name: str):
        article = tmp_path / f"{name}.md"
        article.write_text(f"---\ntitle: Aurora\ndate: 1917-11-07\n---\n\n{body}\n")
        return make_post(article, out=tmp_path / name)

    plain = make("The cruiser Aurora fired one blank shot.", "plain")
    styled = make("The cruiser *Aurora* fired **one blank shot**.", "styled")
    meta = json.loads((styled.folder / "post.json").read_text())
    assert meta["slides"][1]["text"] == "The cruiser Aurora fired one blank shot."
    assert "*" not in meta["slides"][1]["alt"] and "\ue000" not in meta["slides"][1]["text"]
    with Image.open(plain.folder / "02.jpg") as a, Image.open(styled.folder / "02.jpg") as b:
        assert ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is not None


def test_characters_no_font_has_are_named_with_their_slide(tmp_path):
    article = tmp_path / "odd.txt"
    article.write_text("November 7, 1917 - Odd\nA plain first sentence. A sign \U0010fffd nobody draws.\n")
    with pytest.raises(FontError, match=r"no font can draw \U0010fffd \(U\+10FFFD\) in slide 2 of .*--font-dir"):
        make_post(article, out=tmp_path / "p")
    assert not (tmp_path / "p").exists()


def test_font_dir_and_installed_fonts_cover_other_scripts(tmp_path):
    from postkit.fontsearch import RoleStyle, system_faces

    snowman = "\u2603"
    dejavu = system_faces(snowman, "en", RoleStyle(serif=True, weight=400))
    if not dejavu:
        pytest.skip("no installed font covers U+2603 (fontconfig's fc-list finds none)")
    article = tmp_path / "snow.txt"
    article.write_text(f"January 1, 1900 - Snow\nIt snowed {snowman} all day.\n")
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    (fonts / dejavu[0].name).write_bytes(dejavu[0].path.read_bytes())
    post = make_post(article, out=tmp_path / "p", font_dir=fonts)
    meta = json.loads((post.folder / "post.json").read_text())
    assert meta["layout"]["added_fonts"][0] == dejavu[0].name
    post = make_post(article, out=tmp_path / "q")  # found among the installed fonts without --font-dir
    assert json.loads((post.folder / "post.json").read_text())["layout"]["added_fonts"]


def test_right_to_left_text_without_raqm_is_a_clear_error(tmp_path, monkeypatch):
    import postkit.pipeline

    monkeypatch.setattr(postkit.pipeline, "layout_engine_name", lambda: "basic")
    article = tmp_path / "he.txt"
    article.write_text("January 1, 1950 - ירושלים\nירושלים היא עיר הבירה.\n")
    with pytest.raises(LayoutError, match=r"right-to-left text, which needs Pillow's raqm .*libfribidi0"):
        make_post(article, out=tmp_path / "p")
    assert not (tmp_path / "p").exists()


def test_a_caption_over_the_limits_stops_before_anything_is_drawn(tmp_path):
    from postkit.errors import CheckError

    tags = " ".join(f"#tag{k}" for k in range(31))
    article = tmp_path / "tags.md"
    article.write_text(f"---\ntitle: Tags\ndate: 1917-11-07\ncaption: 'Too many {tags}'\n---\n\nA body sentence.\n")
    with pytest.raises(CheckError, match=r"tags\.md: the caption breaks Instagram's limits: 31 hashtags"):
        make_post(article, out=tmp_path / "p")
    assert not (tmp_path / "p").exists()


def test_a_soft_limit_is_one_warning(tmp_path):
    article = tmp_path / "six.md"
    article.write_text("---\ntitle: Six\ndate: 1917-11-07\nhashtags: [a, b, c, d, e, f]\n---\n\nA body sentence.\n")
    post = make_post(article, out=tmp_path / "p")
    assert [w for w in post.warnings if "hashtags" in w] == [
        "caption.txt: 6 hashtags; Instagram is capping posts at 5; keep the best 5"
    ]


def test_editing_a_parent_theme_changes_the_inputs_hash(example_dir, tmp_path):
    themes = tmp_path / "themes"
    (themes / "base").mkdir(parents=True)
    (themes / "child").mkdir()
    (themes / "base" / "theme.toml").write_text('extends = "classic"\n[colors]\npaper = "#EEEEEE"\n')
    (themes / "child" / "theme.toml").write_text('extends = "base"\n')
    kwargs = {"theme": "child", "theme_dirs": (themes,), "dry_run": True}
    first = make_post(example_dir / "article.txt", out=tmp_path / "a", **kwargs)
    (themes / "base" / "theme.toml").write_text('extends = "classic"\n[colors]\npaper = "#DDDDDD"\n')
    second = make_post(example_dir / "article.txt", out=tmp_path / "a", **kwargs)
    assert first.inputs_sha256 != second.inputs_sha256
