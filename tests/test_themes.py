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
    assert all(font.path.is_file() for role in theme["fonts"] for font in theme.font_paths(role))


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


class _Catalog:
    """A gettext translations object with two words of French."""

    words = {"Pictured": "Illustration", "%(num)s year ago today": "il y a %(num)s an"}
    plurals = {"%(num)s years ago today": "il y a %(num)s ans"}

    def gettext(self, message):
        return self.words.get(message, message)

    def ngettext(self, singular, plural, n):
        return self.words.get(singular, singular) if n == 1 else self.plurals.get(plural, plural)


def test_gettext_callables_work_in_the_sandbox(tmp_path):
    """The translations engineer installs a catalog per render: newstyle gettext runs inside the sandbox."""
    from postkit.themes import render_template

    env = jinja_environment(load_theme("classic"))
    assert "jinja2.ext.InternationalizationExtension" in env.extensions
    (tmp_path / "t.j2").write_text(
        "{{ _('Pictured') }} / {{ ngettext('%(num)s year ago today', '%(num)s years ago today', 3) }}"
    )
    env.loader.searchpath.append(str(tmp_path))
    assert render_template(env, "t.j2") == "Pictured / 3 years ago today"  # null translations by default
    env.install_gettext_translations(_Catalog(), newstyle=True)
    assert render_template(env, "t.j2") == "Illustration / il y a 3 ans"


def test_html_environment_is_sandboxed_autoescaped_and_has_gettext():
    from jinja2.exceptions import SecurityError

    from postkit.themes import html_environment

    env = html_environment()
    assert env.from_string("{{ x }} {{ _('More') }}").render(x="<b>") == "&lt;b&gt; More"
    with pytest.raises(SecurityError):
        env.from_string("{{ x.__class__ }}").render(x="")


def test_template_errors_are_theme_errors_naming_file_and_line(tmp_path):
    """Whether the caller uses render_template or get_template().render(), a failure is one located ThemeError."""
    from postkit.themes import render_template, theme_sandbox

    (tmp_path / "syntax.j2").write_text("line one\n{% if %}\n")
    (tmp_path / "runtime.j2").write_text("line one\n\n{{ 1 // 0 }}\n")
    env = theme_sandbox([tmp_path])
    with pytest.raises(ThemeError, match=rf"^{tmp_path / 'syntax.j2'}, line 2: .*; fix the template syntax$"):
        env.get_template("syntax.j2")
    with pytest.raises(ThemeError, match=rf"^{tmp_path / 'runtime.j2'}, line 3: ZeroDivisionError"):
        env.get_template("runtime.j2").render()
    with pytest.raises(ThemeError, match=rf"^template 'caption.txt.j2' was not found in {tmp_path}; add it"):
        render_template(env, "caption.txt.j2")


def test_each_render_has_its_own_budget(tmp_path):
    """60,000 loop turns fit one render's 100,000; a second render starts again from zero."""
    from postkit.themes import render_template, theme_sandbox

    (tmp_path / "loops.j2").write_text("{% for i in range(60000) %}{% endfor %}done")
    env = theme_sandbox([tmp_path])
    assert render_template(env, "loops.j2") == "done"
    assert render_template(env, "loops.j2") == "done"


def test_theme_files_list_regular_files_inside_only(tmp_path):
    import os

    from postkit.themes import theme_files

    folder = tmp_path / "t"
    (folder / "fonts").mkdir(parents=True)
    (folder / "theme.toml").write_text("")
    (folder / "fonts" / "a.ttf").write_bytes(b"x")
    (folder / "inside.j2").symlink_to("theme.toml")
    (folder / "passwd").symlink_to("/etc/passwd")
    (folder / "zero").symlink_to("/dev/zero")
    (folder / "outside").symlink_to(tmp_path)
    os.mkfifo(folder / "pipe")
    names = [p.relative_to(folder).as_posix() for p in theme_files(folder)]
    assert names == ["fonts/a.ttf", "inside.j2", "theme.toml"]


def test_a_user_theme_named_by_path_may_extend_by_path_relative_to_its_toml(tmp_path):
    base = tmp_path / "base"
    shutil.copytree(builtin_themes_dir() / "classic", base)
    mine = tmp_path / "deep" / "mine"
    mine.mkdir(parents=True)
    (mine / "theme.toml").write_text('extends = "../../base"\n[colors]\nink = "#010203"\n')
    theme = load_theme(str(mine))
    assert theme.parents[0] == base.resolve() and theme.colors["ink"] == (1, 2, 3)
    with pytest.raises(ThemeError, match="is a path, but a theme chosen by an article"):
        load_theme(str(mine), allow_path=False)
