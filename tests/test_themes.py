"""Themes: found by name or path, validated before anything is drawn, with errors naming file and key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from postkit.errors import ThemeError
from postkit.themes import builtin_themes_dir, jinja_environment, list_themes, load_theme


@pytest.fixture
def theme_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "mytheme"
    shutil.copytree(builtin_themes_dir() / "classic", folder)
    return folder


def edit(folder: Path, old: str, new: str) -> Path:
    toml = folder / "theme.toml"
    text = toml.read_text()
    assert old in text
    toml.write_text(text.replace(old, new, 1))
    return toml


def test_builtin_theme_loads_with_parsed_colours():
    theme = load_theme("classic")
    assert "classic" in list_themes()
    assert theme.colors["paper"] == (0xF2, 0xEB, 0xDD)
    assert all(path.is_file() for role in theme["fonts"] for path in theme.font_paths(role))


def test_theme_by_path_to_folder_or_toml(theme_copy):
    assert load_theme(str(theme_copy)).folder == theme_copy
    assert load_theme(str(theme_copy / "theme.toml")).folder == theme_copy


def test_unknown_theme_lists_the_installed_ones():
    with pytest.raises(ThemeError, match=r"^unknown theme 'baroque'; installed themes: classic"):
        load_theme("baroque")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('paper = "#F2EBDD"', 'paper = "papyrus"', r"\[colors\] paper = 'papyrus' is not a colour"),
        ("body_min = 40 ", "body_min = 'big' ", r"\[type\] body_min = 'big' is not a number; use a whole number"),
        ("label_size = 28\n", "", r"\[type\] is missing 'label_size'; add it"),
        (
            'label = ["inter/Inter-SemiBold.ttf",',
            'label = ["nope.ttf",',
            r"\[fonts\] label: font 'nope.ttf' was not found",
        ),
        ("body_min = 40 ", "body_min = 80 ", r"\[type\] body_min \(80\) must be at most body_max \(54\)"),
    ],
)
def test_bad_theme_names_file_key_and_fix(theme_copy, old, new, expected):
    toml = edit(theme_copy, old, new)
    with pytest.raises(ThemeError, match=expected) as info:
        load_theme(str(theme_copy))
    message = str(info.value)
    assert message.startswith(f"{toml}: ") and "\n" not in message


def test_every_problem_is_reported_at_once(theme_copy):
    edit(theme_copy, "label_size = 28\n", "")
    edit(theme_copy, "kicker_size = 30", "kicker_size = 'x'")
    with pytest.raises(ThemeError) as info:
        load_theme(str(theme_copy))
    assert "label_size" in str(info.value) and "kicker_size" in str(info.value)


def test_toml_syntax_error(theme_copy):
    (theme_copy / "theme.toml").write_text("[colors\npaper = 1")
    with pytest.raises(ThemeError, match="fix the TOML syntax"):
        load_theme(str(theme_copy))


def test_fonts_resolve_in_the_theme_folder_first(theme_copy):
    fonts = theme_copy / "fonts"
    fonts.mkdir()
    own = builtin_themes_dir().parent.parent / "fonts" / "inter" / "Inter-Medium.ttf"
    shutil.copy(own, fonts / "Mine.ttf")
    edit(theme_copy, 'label = ["inter/Inter-SemiBold.ttf",', 'label = ["Mine.ttf",')
    assert load_theme(str(theme_copy)).font_paths("label")[0].path == fonts / "Mine.ttf"


def test_caption_template_never_renders_article_text_as_template():
    env = jinja_environment(load_theme("classic"))
    text = env.get_template("caption.txt.j2").render(
        hook="{{ 7 * 7 }}",
        lead="{% raw %}",
        title="t",
        date_text=None,
        handle=None,
        credit=None,
        credit_label=None,
        hashtags=[],
    )
    assert "{{ 7 * 7 }}" in text and "{% raw %}" in text and "49" not in text


def test_four_built_in_themes():
    assert {"classic", "night", "poster", "minimal"} <= set(list_themes())


def test_a_theme_extends_another_and_overrides_only_what_differs(tmp_path):
    folder = tmp_path / "themes" / "sepia"
    folder.mkdir(parents=True)
    (folder / "theme.toml").write_text('extends = "classic"\n[colors]\npaper = "#EADBC0"\n')
    theme = load_theme("sepia", [tmp_path / "themes"])
    assert theme.colors["paper"] == (0xEA, 0xDB, 0xC0)
    assert theme.colors["ink"] == load_theme("classic").colors["ink"]
    assert theme.template_dirs()[:2] == [folder, builtin_themes_dir() / "classic"]


def test_search_path_order_theme_dir_then_cwd_themes_then_builtin(tmp_path, monkeypatch):
    from postkit.themes import search_path

    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "mine"
    assert search_path([mine]) == [mine, tmp_path / "themes", builtin_themes_dir()]
    # A ./themes/classic that extends the built-in classic: found first, and its parent is the built-in.
    local = tmp_path / "themes" / "classic"
    local.mkdir(parents=True)
    (local / "theme.toml").write_text('name = "classic"\nextends = "classic"\n[colors]\naccent = "#123456"\n')
    theme = load_theme("classic")
    assert theme.folder == Path("themes/classic").resolve() or theme.folder.resolve() == local.resolve()
    assert theme.colors["accent"] == (0x12, 0x34, 0x56)
    assert theme.parents == (builtin_themes_dir().resolve() / "classic",)


def test_extends_an_unknown_theme(tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "theme.toml").write_text('extends = "nope"\n')
    with pytest.raises(ThemeError, match="unknown theme 'nope'"):
        load_theme(str(folder))


def test_auto_colour_is_left_for_the_picture():
    assert load_theme("poster").colors["accent"] is None
