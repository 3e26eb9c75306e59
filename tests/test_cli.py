"""The command line: exit codes, the exact 'Error:' lines, help, and the calls it makes."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner

from postkit import __version__
from postkit.cli import cli


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str):
    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_version(runner):
    result = run(runner, "--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"postkit, version {__version__}"


@pytest.mark.parametrize("command", [[], ["carousel"], ["check"], ["fonts"], ["fonts", "check"]])
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_has_an_example(runner, command, flag):
    result = run(runner, *command, flag)
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "postkit " in result.output


def test_carousel_writes_a_post(runner, example_dir, tmp_path):
    out = tmp_path / "post"
    result = run(runner, "carousel", example_dir / "article.txt", "--out", out)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Wrote 10 slides to ")
    assert (out / "01.jpg").is_file() and (out / "caption.txt").is_file() and (out / "post.json").is_file()


def test_quiet_prints_nothing(runner, example_dir, tmp_path):
    result = run(runner, "carousel", example_dir / "article.txt", "--out", tmp_path / "p", "-q")
    assert result.exit_code == 0 and result.output == ""


def test_missing_article(runner, tmp_path):
    result = run(runner, "carousel", tmp_path / "nope.txt")
    assert result.exit_code == 2
    assert "Error: Invalid value for 'ARTICLE': File" in result.output and "does not exist" in result.output


def test_empty_article(runner, tmp_path):
    article = tmp_path / "empty.txt"
    article.write_text("")
    result = run(runner, "carousel", article, "--out", tmp_path / "p")
    assert result.exit_code == 1
    assert error_line(result) == (
        f"Error: {article} is empty; write the article (a 'DATE - TITLE' heading line, then the text)"
    )
    assert not (tmp_path / "p").exists()


def test_article_not_utf8(runner, tmp_path):
    article = tmp_path / "latin1.txt"
    article.write_bytes("November 7, 1917 - Révolution\nLe croiseur tira.\n".encode("latin-1"))
    result = run(runner, "carousel", article, "--out", tmp_path / "p")
    assert result.exit_code == 1
    line = error_line(result)
    assert line.startswith(f"Error: {article} is not UTF-8 (byte 0xe9")
    assert line.endswith("save it as UTF-8 and try again")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"this is not an image", "is not an image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "article.jpg"),
    ],
)
def test_bad_illustration(runner, example_dir, tmp_path, content, expected):
    (example_dir / "article.jpg").write_bytes(content)
    result = run(runner, "carousel", example_dir / "article.txt", "--out", tmp_path / "p")
    assert result.exit_code == 1
    line = error_line(result)
    assert line.startswith("Error: ") and "article.jpg" in line and expected in line
    assert not (tmp_path / "p").exists()


def test_decompression_bomb(runner, example_dir, tmp_path):
    from PIL import Image

    bomb = tmp_path / "bomb.png"
    Image.new("1", (20000, 20000)).save(bomb)
    result = run(runner, "carousel", example_dir / "article.txt", "--image", bomb, "--out", tmp_path / "p")
    assert result.exit_code == 1
    assert "bomb.png is too large" in error_line(result)


def test_unknown_theme(runner, example_dir, tmp_path):
    result = run(runner, "carousel", example_dir / "article.txt", "--theme", "nope", "--out", tmp_path / "p")
    assert result.exit_code == 1
    assert error_line(result).startswith("Error: --theme: unknown theme 'nope'; installed themes: classic")


def test_output_path_is_a_file(runner, example_dir, tmp_path):
    target = tmp_path / "taken"
    target.write_text("keep me")
    result = run(runner, "carousel", example_dir / "article.txt", "--out", target)
    assert result.exit_code == 1
    assert error_line(result) == f"Error: {target} is a file, not a folder; choose another --out"
    assert target.read_text() == "keep me"


def test_existing_post_needs_force(runner, example_dir, tmp_path):
    out = tmp_path / "post"
    assert run(runner, "carousel", example_dir / "article.txt", "--out", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = run(runner, "carousel", example_dir / "article.txt", "--out", out, "--handle", "other")
    assert result.exit_code == 1
    assert error_line(result) == f"Error: {out} already exists; pass --force to replace it, or choose another --out"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    result = run(runner, "carousel", example_dir / "article.txt", "--out", out, "--handle", "other", "--force")
    assert result.exit_code == 0


def test_bad_flag_values_are_usage_errors(runner, example_dir):
    result = run(runner, "carousel", example_dir / "article.txt", "--max-slides", "25")
    assert result.exit_code == 2 and "Error: --max-slides must be a whole number from 3 to 20, not 25" in result.output
    result = run(runner, "carousel", example_dir / "article.txt", "--format", "round")
    assert result.exit_code == 2 and "'round' is not one of 'portrait', 'square'" in result.output


def test_too_long_article_says_what_to_do(runner, example_dir, tmp_path):
    result = run(runner, "carousel", example_dir / "article.txt", "--max-slides", "3", "--out", tmp_path / "p")
    assert result.exit_code == 1
    line = error_line(result)
    assert "needs" in line and "text slides" in line and "raise --max-slides (up to 20)" in line


def test_debug_shows_the_traceback(runner, tmp_path):
    article = tmp_path / "empty.txt"
    article.write_text("")
    result = runner.invoke(cli, ["--debug", "carousel", str(article)])
    assert result.exit_code == 1
    assert type(result.exception).__name__ == "ArticleError"


def test_check_good_and_bad_posts(runner, example_dir, tmp_path):
    out = tmp_path / "post"
    run(runner, "carousel", example_dir / "article.txt", "--out", out, "-q")
    result = run(runner, "check", out)
    assert result.exit_code == 0 and result.output.strip().endswith("OK, ready to upload")
    (out / "caption.txt").write_text("x" * 2300)
    (out / "03.jpg").unlink()
    result = run(runner, "check", out)
    assert result.exit_code == 1
    assert "caption.txt: error: caption is 2300 characters" in result.output
    assert result.output.strip().splitlines()[-1].startswith("Error: ")


def test_carousel_passes_its_options_to_make_post(runner, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("x")
    image = tmp_path / "a.png"
    image.write_bytes(b"")
    with mock.patch("postkit.pipeline.make_post", autospec=True) as make_post:
        make_post.return_value.slide_count = 5
        make_post.return_value.folder = tmp_path / "out"
        make_post.return_value.seconds = 0.1
        make_post.return_value.body_size = 50
        result = run(
            runner,
            "carousel",
            article,
            "--image",
            image,
            "--handle",
            "me",
            "--theme",
            "classic",
            "--format",
            "square",
            "--max-slides",
            "12",
            "--out",
            tmp_path / "out",
            "--force",
        )
    assert result.exit_code == 0, result.output
    args, kwargs = make_post.call_args
    path, settings = args
    assert path == Path(article)
    assert settings.image == Path(image) and settings.handle == "me" and settings.theme == "classic"
    assert settings.format == "square" and settings.max_slides == 12 and settings.out == tmp_path / "out"
    assert {name: layer.kind for name, layer in settings.origins.items()} == dict.fromkeys(
        ("image", "handle", "theme", "format", "max_slides", "out"), "flag"
    )
    assert kwargs["force"] is True and callable(kwargs["progress"])


def test_only_cli_imports_click():
    import ast

    package = Path(__file__).resolve().parents[1] / "postkit"
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text())
        names = {
            alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        }
        names |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert path.name == "cli.py" or "click" not in names, path.name


def test_fonts_check_passes_the_bundled_fonts(runner):
    folder = Path(__file__).resolve().parents[1] / "fonts" / "inter"
    result = run(runner, "fonts", "check", folder)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Inter-ExtraBold.ttf: fast: none of its ")
    assert "skipped 1 file(s) not named .ttf, .otf, .ttc or .otc: OFL.txt" in lines
    assert lines[-1] == f"{folder}: 4 font file(s), all drawn at full speed"


def test_fonts_check_fails_on_a_slow_font(runner, tmp_path):
    from fontTools.ttLib import TTFont

    font = TTFont(Path(__file__).resolve().parents[1] / "fonts" / "inter" / "Inter-Regular.ttf")
    font["glyf"]["A"].flags[0] |= 0x40  # OVERLAP_SIMPLE, as upstream sets it
    font.save(tmp_path / "Upstream.ttf")
    result = run(runner, "fonts", "check", tmp_path)
    assert result.exit_code == 1
    assert result.output.startswith("Upstream.ttf: slow: 1 of ")
    assert result.output.splitlines()[-1] == (
        f"Error: {tmp_path}: of 1 font file(s), 1 would be drawn slowly (remove their overlaps, see postkit fonts "
        "check --help)"
    )


def test_fonts_check_missing_folder(runner, tmp_path):
    result = run(runner, "fonts", "check", tmp_path / "nope")
    assert result.exit_code == 2
    assert error_line(result) == f"Error: Invalid value for 'DIR': Directory '{tmp_path / 'nope'}' does not exist."


def test_fonts_check_calls_the_library(runner, tmp_path):
    from postkit.fontcheck import FolderCheck

    with mock.patch("postkit.fontcheck.check_font_folder", autospec=True) as check:
        check.return_value = FolderCheck(tmp_path, ())
        result = run(runner, "fonts", "check", tmp_path)
    check.assert_called_once_with(tmp_path)
    assert result.exit_code == 1  # no font file at all
    assert "has no .ttf, .otf, .ttc or .otc file" in result.output


def test_themes_lists_the_built_ins_and_a_theme_dir(runner, tmp_path):
    extra = tmp_path / "mythemes" / "sepia"
    extra.mkdir(parents=True)
    (extra / "theme.toml").write_text('description = "Sepia paper"\nextends = "classic"\n')
    result = run(runner, "themes", "--theme-dir", tmp_path / "mythemes")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()]
    assert names == ["classic", "minimal", "night", "poster", "sepia"]
    assert "Sepia paper" in result.output


def test_themes_show_renders_a_specimen(runner, tmp_path):
    result = run(runner, "themes", "show", "night", "--out", tmp_path / "specimen")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "specimen" / "01.jpg").is_file()
    before = {p.name: p.read_bytes() for p in (tmp_path / "specimen").iterdir()}
    result = run(runner, "themes", "show", "poster", "--out", tmp_path / "specimen")
    assert result.exit_code == 1  # the same --force rule as carousel
    assert error_line(result) == (
        f"Error: {tmp_path / 'specimen'} already exists; pass --force to replace it, or choose another --out"
    )
    assert {p.name: p.read_bytes() for p in (tmp_path / "specimen").iterdir()} == before
    result = run(runner, "themes", "show", "poster", "--out", tmp_path / "specimen", "--force")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "specimen" / "post.json").read_text())["theme"] == "poster"
    result = run(runner, "themes", "show", "nope", "--out", tmp_path / "x")
    assert result.exit_code == 1 and error_line(result).startswith("Error: unknown theme 'nope'")


def test_carousel_with_a_theme_from_a_theme_dir_and_a_story_format(runner, example_dir, tmp_path):
    folder = tmp_path / "themes" / "sepia"
    folder.mkdir(parents=True)
    (folder / "theme.toml").write_text('extends = "poster"\n[colors]\npaper = "#EADBC0"\n')
    out = tmp_path / "story"
    result = run(
        runner,
        "carousel",
        example_dir / "article.txt",
        "--theme",
        "sepia",
        "--theme-dir",
        tmp_path / "themes",
        "--format",
        "story",
        "--focus",
        "0.5,0.3",
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "post.json").read_text())
    assert meta["format"] == "story" and meta["size"] == [1080, 1920] and meta["theme"] == "sepia"
    assert run(runner, "check", out).exit_code == 0  # stories are checked as 9:16, not as feed posts


def test_bad_focus_is_one_error_line(runner, example_dir, tmp_path):
    result = run(runner, "carousel", example_dir / "article.txt", "--focus", "left", "--out", tmp_path / "p")
    assert result.exit_code == 2  # a usage error, like every bad flag value
    assert error_line(result) == (
        "Error: --focus must be a point X,Y of the picture, as fractions or percentages of its width and height "
        "(e.g. 0.3,0.4 or 30%,40%), not 'left'"
    )


def test_verbose_prints_how_evenly_the_slides_are_filled(runner, example_dir, tmp_path):
    out = tmp_path / "p"
    result = run(runner, "carousel", example_dir / "article.txt", "--out", out, "-v")
    assert result.exit_code == 0
    slides = json.loads((out / "post.json").read_text())["slides"]
    chars = [len(s["text"]) for s in slides if s["kind"] == "text"]
    expected = (
        f"{len(chars)} text slides of {min(chars)}-{max(chars)} characters (mean {sum(chars) / len(chars):.0f}), "
    )
    assert expected in result.stderr
    assert "% full, body text 54 px: even" in result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--format", "Square"], "Error: Invalid value for '--format': 'Square' is not one of"),
        (["--max-slides", "x"], "Error: Invalid value for '--max-slides': 'x' is not a valid integer."),
        (["--theme-dir", "nosuch"], "Error: Invalid value for '--theme-dir': Directory 'nosuch' does not exist."),
    ],
)
def test_a_value_click_refuses_is_one_error_line_too(runner, example_dir, args, says):
    """Found by a review: Click's own refusals printed the usage and a hint before the error."""
    result = run(runner, "carousel", example_dir / "article.txt", *args)
    assert result.exit_code == 2
    assert error_line(result).startswith(says)


def test_an_unknown_theme_names_where_it_was_chosen(runner, example_dir, tmp_path):
    result = run(runner, "carousel", example_dir / "article.txt", "--theme", "nosuch", "--out", tmp_path / "p")
    assert result.exit_code == 1 and error_line(result).startswith("Error: --theme: unknown theme 'nosuch'")
    article = tmp_path / "a.md"
    article.write_text("---\ntitle: T\ntheme: nosuch\n---\n\nText here.\n")
    result = run(runner, "carousel", article, "--out", tmp_path / "q")
    assert error_line(result).startswith(f"Error: {article}: front matter 'theme': unknown theme 'nosuch'")
