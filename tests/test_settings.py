"""Settings: declared once, merged from layers, each value checked where it was set and naming its source."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from postkit.cli import carousel
from postkit.errors import PostkitError
from postkit.library import read_settings
from postkit.pipeline import make_post
from postkit.settings import BY_NAME, OPTIONS, Layer, Settings, SettingsError, resolve_settings

# (key, a value every layer refuses, what the message says, a value every layer accepts, what it becomes)
VERDICTS = [
    ("handle", "иван", "must be an Instagram username", "@ivan_1917", "ivan_1917"),
    ("format", "round", "must be one of portrait, square, landscape, story, not 'round'", "square", "square"),
    ("max_slides", 40, "must be a whole number from 3 to 20, not 40", 12, 12),
    ("lang", "xx", "must be a language code like en, ru or pt-BR, not 'xx'", "ru", "ru"),
    ("fit", "stretch", "must be one of cover, contain, not 'stretch'", "contain", "contain"),
    ("theme", "../evil", "must be a theme name (letters, digits, '-', '_'), not '../evil'", "night", "night"),
]
PLACES = [Layer("flag"), Layer("postkit.toml", "lib/postkit.toml"), Layer("front matter", "notes/a.md")]


def where(layer: Layer, key: str) -> str:
    return {"flag": BY_NAME[key].flag, "postkit.toml": f"lib/postkit.toml: '{key}'"}.get(
        layer.kind, f"notes/a.md: front matter '{key}'"
    )


@pytest.mark.parametrize(
    ("layer", "key", "bad", "says", "good", "becomes"),
    [(layer, *v) for v in VERDICTS for layer in PLACES if layer.kind in BY_NAME[v[0]].layers],
    ids=lambda value: value.kind if isinstance(value, Layer) else None,
)
def test_every_layer_gives_a_value_the_same_verdict_and_names_where_it_was_set(layer, key, bad, says, good, becomes):
    if key == "theme" and layer.kind == "flag":
        bad = ""  # a flag may name a theme by path; an empty name is refused everywhere
        says = "must be a non-empty text, not ''"
    with pytest.raises(SettingsError) as info:
        resolve_settings([(layer, {key: bad})])
    assert str(info.value).startswith(f"{where(layer, key)} {says}")
    settings = resolve_settings([(layer, {key: good})])
    assert getattr(settings, key) == becomes and settings.origin(key) == layer


def test_a_handle_in_cyrillic_is_refused_on_the_command_line_as_in_postkit_toml(tmp_path, example_dir):
    """Found by a review: --handle иван was accepted and postkit.toml's handle = "иван" refused."""
    from click.testing import CliRunner

    from postkit.cli import cli

    result = CliRunner().invoke(cli, ["carousel", str(example_dir / "article.txt"), "--handle", "иван"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: --handle must be an Instagram username (letters, digits, '.', '_'; up to 30), not 'иван'"
    )
    toml = tmp_path / "postkit.toml"
    toml.write_text('handle = "иван"\n', encoding="utf-8")
    with pytest.raises(PostkitError, match=rf"^{toml}: 'handle' must be an Instagram username .* not 'иван'$"):
        read_settings(toml)


def test_a_front_matter_error_names_the_file(tmp_path):
    """Found by a review: front matter errors said "format must be one of …" without the file."""
    article = tmp_path / "note.md"
    article.write_text("---\ntitle: Apollo 11\nformat: round\n---\n\nThe Eagle has landed. It was July.\n")
    with pytest.raises(SettingsError) as info:
        make_post(article, out=tmp_path / "post")
    assert str(info.value) == (
        f"{article}: front matter 'format' must be one of portrait, square, landscape, story, not 'round'"
    )


def test_layers_stack_lowest_first_and_remember_where_each_value_came_from():
    theme, toml, front, flag = (
        Layer("theme", "t/theme.toml"),
        Layer("postkit.toml", "l/postkit.toml"),
        Layer("front matter", "a.md"),
        Layer("flag"),
    )
    settings = resolve_settings(
        [
            (theme, {"fit": "contain", "focus": [0.5, 0.2]}),
            (toml, {"format": "square", "fit": "cover", "handle": "library"}),
            (front, {"format": "story", "focus": "0.1,0.9"}),
            (flag, {"handle": "flagged", "max_slides": None}),  # None leaves the layer below
        ]
    )
    assert (settings.fit, settings.format, settings.focus, settings.handle) == ("cover", "story", (0.1, 0.9), "flagged")
    assert settings.max_slides == 10 and settings.origin("max_slides") == Layer("default")
    assert {k: v.kind for k, v in settings.origins.items()} == {
        "fit": "postkit.toml",
        "focus": "front matter",
        "format": "front matter",
        "handle": "flag",
    }


def test_a_layer_may_set_only_its_keys():
    with pytest.raises(SettingsError) as info:
        resolve_settings([(Layer("front matter", "a.md"), {"font_dir": "/usr/share/fonts"})])
    allowed = "theme, format, handle, image, hashtags, focus, lang"
    assert str(info.value) == f"a.md: unknown key 'font_dir'; use only {allowed}"
    with pytest.raises(SettingsError, match=r"^a.md: unknown key 'out'"):  # an article never chooses where to write
        resolve_settings([(Layer("front matter", "a.md"), {"out": "/etc"})])
    with pytest.raises(SettingsError, match=r"^l/postkit.toml: unknown key 'focus'"):
        resolve_settings([(Layer("postkit.toml", "l/postkit.toml"), {"focus": "0.5,0.5"})])


def test_only_a_caller_names_a_theme_by_path_and_only_postkit_toml_keeps_out_inside():
    assert resolve_settings([(Layer("flag"), {"theme": "./my-theme"})]).theme == "./my-theme"
    with pytest.raises(SettingsError, match="only --theme may name a theme folder by path"):
        resolve_settings([(Layer("front matter", "a.md"), {"theme": "./my-theme"})])
    with pytest.raises(SettingsError, match=r"'out' must be a folder inside the library"):
        resolve_settings([(Layer("postkit.toml", "postkit.toml"), {"out": "/tmp/elsewhere"})])
    assert resolve_settings([(Layer("flag"), {"out": "/tmp/elsewhere"})]).out == Path("/tmp/elsewhere")


def test_every_carousel_option_is_one_settings_field_and_back():
    fields = [name for name in inspect.signature(Settings).parameters if name != "origins"]
    assert [option.name for option in OPTIONS] == fields  # declared once, in the same order
    params = {param.name: param for param in carousel.params}
    own = {"article", "force", "preview_", "export_", "network_handles", "reel_", "quiet", "verbose"}
    assert set(params) - own == {option.name for option in OPTIONS if "flag" in option.layers}
    for option in OPTIONS:
        param = params[option.name]
        assert param.opts == [option.flag] and param.help == option.describe()
        assert param.multiple == option.repeatable


def test_a_settings_object_given_to_make_post_overrides_the_front_matter(tmp_path):
    article = tmp_path / "note.md"
    article.write_text("---\ntitle: Apollo 11\nformat: story\nhandle: from_front\n---\n\nThe Eagle has landed.\n")
    post = make_post(article, Settings(format="square"), out=tmp_path / "post")
    import json

    manifest = json.loads((post.folder / "post.json").read_text())
    assert manifest["format"] == "square" and manifest["handle"] == "from_front"


def test_the_inputs_hash_is_made_from_the_settings_not_from_where_they_came():
    from postkit.pipeline import inputs_sha256
    from postkit.themes import load_theme

    theme = load_theme("classic")
    hashes = {"article": "a" * 64, "image": None}
    by_flag = resolve_settings([(Layer("flag"), {"format": "square", "focus": "0.2,0.3"})])
    by_front = resolve_settings([(Layer("front matter", "a.md"), {"format": "square", "focus": [0.2, 0.3]})])
    assert inputs_sha256(hashes, theme, by_flag, {}) == inputs_sha256(hashes, theme, by_front, {})
    other = resolve_settings([(Layer("flag"), {"format": "square", "focus": "0.2,0.4"})])
    assert inputs_sha256(hashes, theme, other, {}) != inputs_sha256(hashes, theme, by_flag, {})


def test_front_matter_may_write_a_focus_as_a_list_as_a_theme_does(tmp_path, example_dir):
    """Found by a review: focus: [0.3, 0.4] was refused in front matter though a theme may write it so."""
    import json
    import shutil

    shutil.copy(example_dir / "article.jpg", tmp_path / "note.jpg")
    article = tmp_path / "note.md"
    article.write_text("---\ntitle: Apollo 11\nfocus: [0.3, 0.4]\n---\n\nThe Eagle has landed. It was July 1969.\n")
    post = make_post(article, out=tmp_path / "post")
    assert json.loads((post.folder / "post.json").read_text())["image"]["focus"] == [0.3, 0.4]
