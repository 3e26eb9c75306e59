"""Hostile theme values and theme paths: each bad value is one ThemeError naming file, key, value, range and fix.

| attempt | what it checks |
|---|---|
| each number just out of its range, -500, 1e300, NaN, inf, true, "x", [1] | "[s] k = v is out of range; use ..." |
| several bad values at once | every problem in one message |
| the 13 values the audit saw reach "Error: unexpected", take 54 s or cut words off | ThemeError through make_post |
| every number at each end of its range | accepted |
| all numbers at their lowest, or highest, at once, drawn | a post, or a clear PostkitError |
| [cover] focus / [text] band_focus: wrong length, out of 0..1, not numbers | "must be a point [x, y] ..." |
| colours that do not parse, are not strings, are 10,000 characters | "is not a colour" |
| layout choices that do not exist; a section that is not a table | "must be one of"; "must be a table" |
| a bad value set by the parent theme | names the parent's theme.toml |
| [fonts]: absolute, "../" out, fonts/x.ttf -> /etc/passwd, fonts/ -> out, a FIFO, not a list | refused (by real path) |
| theme.toml a FIFO, -> /dev/zero, -> outside, 2 MB, 100,000 deep; extends not a string, a loop | no hang, one line |
| a path where only a name may go (article, postkit.toml, CSV row, post.json) | "is a path, but ..." |
| extends = "../path" in a theme found by name | refused (relative to theme.toml when named by path) |
| ./themes a symlink out; a theme folder in ./themes a symlink out | not found, not listed |
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
from pathlib import Path

import pytest

from postkit.errors import PostkitError, ThemeError
from postkit.themes import _NUMBERS, builtin_themes_dir, is_theme_name, list_themes, load_theme

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "october-revolution" / "article.txt"
NUMBERS = [(section, key, spec) for section, keys in _NUMBERS.items() for key, spec in keys.items()]


@contextlib.contextmanager
def within(seconds: int):
    """Fail instead of hanging: a FIFO or /dev/zero read by mistake would block the test run."""

    def hang(*_):
        msg = f"more than {seconds} s"
        raise TimeoutError(msg)

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def child(folder: Path, body: str, parent: str = "classic") -> Path:
    """Write a theme that extends ``parent`` and sets ``body`` (TOML)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "theme.toml").write_text(f'extends = "{parent}"\n{body}\n', encoding="utf-8")
    return folder


def refused(folder: Path | str, *fragments: str, allow_path: bool = True) -> str:
    """Load a theme, expect one ThemeError line containing every fragment, and return it."""
    with within(10), pytest.raises(ThemeError) as info:
        load_theme(str(folder), allow_path=allow_path)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {float("inf"): "inf", float("-inf"): "-inf"}.get(value, "nan" if value != value else repr(value))
    return repr(value) if not isinstance(value, str) else f'"{value}"'


def _bad_values(spec):
    step = 1 if spec.whole else 0.01
    return [spec.low - step, spec.high + step, -500, 1e300, float("nan"), float("inf"), float("-inf"), True, "x", [1]]


@pytest.mark.parametrize(("section", "key", "spec"), NUMBERS, ids=[f"{s}.{k}" for s, k, _ in NUMBERS])
def test_every_bad_number_is_named_with_its_range(tmp_path, section, key, spec):
    for number, value in enumerate(_bad_values(spec)):
        folder = child(tmp_path / f"t{number}", f"[{section}]\n{key} = {_toml(value)}")
        message = refused(folder, f"{folder / 'theme.toml'}: ", f"[{section}] {key} = ", f"use {spec.describe()}")
        assert message.startswith(f"{folder / 'theme.toml'}: "), message
        if isinstance(value, bool) or not isinstance(value, int | float):
            assert "is not a number" in message
        elif value != value or value in (float("inf"), float("-inf")):
            assert "is not a finite number" in message
        else:
            assert "is out of range" in message or "is not a whole number" in message


@pytest.mark.parametrize(("section", "key", "spec"), NUMBERS, ids=[f"{s}.{k}" for s, k, _ in NUMBERS])
def test_the_ends_of_every_range_are_accepted(tmp_path, section, key, spec):
    ends = [int(spec.low), int(spec.high)] if spec.whole else [spec.low, spec.high]
    # The min/max pairs must stay ordered: the other end of the pair follows.
    partner = {"body_min": "body_max", "title_min": "title_max", "body_max": "body_min", "title_max": "title_min"}
    for number, value in enumerate(ends):
        extra = f"\n{partner[key]} = {value}" if key in partner else ""
        folder = child(tmp_path / f"t{number}", f"[{section}]\n{key} = {value}{extra}")
        assert load_theme(str(folder))[section][key] == value


def test_all_problems_are_reported_at_once(tmp_path):
    folder = child(tmp_path / "t", '[margins]\nside = -500\ntop = nan\n[text]\nband = 2\n[colors]\nink = "inky"')
    message = refused(
        folder, "[margins] side = -500", "[margins] top = nan", "[text] band = 2", "[colors] ink = 'inky'"
    )
    assert message.count("; ") >= 4


# The audit: values that reached "Error: unexpected ..." (ZeroDivisionError, SystemError from Pillow, a
# font size <= 0, NaN to integer), took 54 s, or cut words off silently (a negative margin).
AUDIT = [
    ("type", "line_height", "0"),
    ("type", "paragraph_gap", "-1e300"),
    ("type", "label_size", "-500"),
    ("type", "kicker_size", "0"),
    ("type", "tracking", "-500"),
    ("cover", "scrim_from", "nan"),
    ("cover", "scrim_min", "-500"),
    ("cover", "title_leading", "1e9"),
    ("text", "band", "-500"),
    ("text", "blur", "inf"),
    ("closing", "print_width", "0"),
    ("picture", "tint", "-500"),
    ("margins", "side", "-500"),
]


@pytest.mark.parametrize(("section", "key", "value"), AUDIT, ids=[f"{s}.{k}={v}" for s, k, v in AUDIT])
def test_audit_values_are_theme_errors_through_make_post(tmp_path, section, key, value):
    from postkit.pipeline import make_post

    folder = child(tmp_path / "theme", f"[{section}]\n{key} = {value}", parent="night")
    with within(20), pytest.raises(ThemeError) as info:
        make_post(EXAMPLE, theme=str(folder), out=tmp_path / "out")
    assert str(info.value).startswith(f"{folder / 'theme.toml'}: [{section}] {key} = ")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "end",
    ["low", "high"],
)
def test_every_value_at_one_end_of_its_range_makes_a_post_or_a_clear_error(tmp_path, end):
    """All numbers at their lowest (or highest) at once, drawn: a post, or a PostkitError such as too many slides."""
    from postkit.pipeline import make_post

    tables: dict[str, list[str]] = {}
    for section, key, spec in NUMBERS:
        value = getattr(spec, end)
        tables.setdefault(section, []).append(f"{key} = {int(value) if spec.whole else value}")
    tables["type"] += ["body_min = 8", "body_max = 8", "title_min = 8", "title_max = 8"] if end == "low" else []
    tables["picture"].append('treatment = "tint"')
    tables["text"].append('background = "picture"')
    body = "\n".join(f"[{section}]\n" + "\n".join(dict.fromkeys(lines)) for section, lines in tables.items())
    folder = child(
        tmp_path / "theme", body.replace("body_min = 400", "body_min = 8").replace("title_min = 400", "title_min = 8")
    )
    try:
        with within(60):
            post = make_post(EXAMPLE, theme=str(folder), out=tmp_path / "out", max_slides=20)
    except PostkitError as exc:
        # A layout no card can hold is the theme's doing, not a bug to report.
        assert "\n" not in str(exc) and "bug in postkit" not in str(exc)
    else:
        assert post.slide_count >= 3 and (tmp_path / "out" / "01.jpg").is_file()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("focus", "[0.5]"),
        ("focus", "[0.5, 0.5, 0.5]"),
        ("focus", "[2, 0.5]"),
        ("focus", '["a", 0.5]'),
        ("focus", "0.5"),
        ("focus", "[nan, 0.5]"),
        ("focus", "[true, 0.5]"),
        ("band_focus", "[-0.1, 0.5]"),
    ],
)
def test_focus_points_are_pairs_in_0_to_1(tmp_path, key, value):
    section = "cover" if key == "focus" else "text"
    folder = child(tmp_path / "t", f"[{section}]\n{key} = {value}")
    refused(folder, f"[{section}] {key} = ", "must be a point [x, y] of the picture, each a number from 0 to 1")


@pytest.mark.parametrize("value", ['"papyrus"', "12", '"#12345"', '"' + "#" + "a" * 10_000 + '"', "[1, 2, 3]"])
def test_colours_that_do_not_parse(tmp_path, value):
    folder = child(tmp_path / "t", f"[colors]\nink = {value}")
    refused(folder, "[colors] ink = ", 'is not a colour; write it like "#1E1A17"')


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[cover]\nlayout = "spiral"', "[cover] layout = 'spiral' must be one of full-bleed, split, framed"),
        ('[picture]\ntreatment = "sepia"', "[picture] treatment = 'sepia' must be one of none, duotone, tint"),
        ("[text]\nindicator = 3", "[text] indicator = 3 must be one of counter, dots, none"),
        ("picture = 5", "[picture] must be a table, not 5"),
        ("name = 5", "name must be a string, not 5"),
    ],
)
def test_choices_and_tables(tmp_path, body, expected):
    folder = tmp_path / "t"
    folder.mkdir()
    first, _, rest = body.partition("\n")
    # A bare key must come before any [section] in TOML.
    text = (
        f'{first}\nextends = "classic"\n{rest}'
        if "=" in first and not first.startswith("[")
        else f'extends = "classic"\n{body}'
    )
    (folder / "theme.toml").write_text(text + "\n", encoding="utf-8")
    refused(folder, expected)


def test_a_bad_value_from_the_parent_names_the_parent(tmp_path):
    parent = child(tmp_path / "themes" / "base", "[margins]\nside = -500")
    mine = child(tmp_path / "themes" / "mine", '[colors]\nink = "#000000"', parent="base")
    with pytest.raises(ThemeError) as info:
        load_theme("mine", [tmp_path / "themes"])
    message = str(info.value)
    assert message.startswith(f"{mine / 'theme.toml'}: ")
    assert f"[margins] side = -500 (set in {parent / 'theme.toml'})" in message


# -- fonts ---------------------------------------------------------------------------------------


def _font_theme(tmp_path: Path, name: str) -> Path:
    return child(tmp_path / "t", f'[fonts]\nlabel = ["{name}"]')


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "is an absolute path"),
        ("../../../../../../etc/passwd", "leaves the fonts folder with '..'"),
        ("inter/../../../../etc/passwd", "leaves the fonts folder with '..'"),
        ("~/.fonts/x.ttf", "is an absolute path"),
    ],
)
def test_font_names_are_relative_and_stay_inside(tmp_path, name, expected):
    refused(_font_theme(tmp_path, name), "[fonts] label: ", expected)


def test_a_font_symlinked_out_of_the_theme_is_refused(tmp_path):
    folder = _font_theme(tmp_path, "evil.ttf")
    (folder / "fonts").mkdir()
    (folder / "fonts" / "evil.ttf").symlink_to("/etc/passwd")
    refused(folder, "[fonts] label: 'evil.ttf' leads to /etc/passwd, outside the theme's folder and the bundled fonts")


def test_a_fonts_folder_symlinked_out_of_the_theme_is_refused(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(ROOT / "fonts" / "inter" / "Inter-Medium.ttf", outside / "Mine.ttf")
    folder = _font_theme(tmp_path, "Mine.ttf")
    (folder / "fonts").symlink_to(outside)
    refused(folder, f"leads to {outside / 'Mine.ttf'}, outside the theme's folder")


def test_a_font_that_is_a_fifo_is_not_opened(tmp_path):
    folder = _font_theme(tmp_path, "pipe.ttf")
    (folder / "fonts").mkdir()
    os.mkfifo(folder / "fonts" / "pipe.ttf")
    refused(folder, "[fonts] label: font 'pipe.ttf' was not found")


def test_a_font_symlinked_inside_the_theme_is_fine(tmp_path):
    folder = _font_theme(tmp_path, "alias.ttf")
    (folder / "fonts").mkdir()
    shutil.copy(ROOT / "fonts" / "inter" / "Inter-Medium.ttf", folder / "fonts" / "Real.ttf")
    (folder / "fonts" / "alias.ttf").symlink_to("Real.ttf")
    assert load_theme(str(folder)).font_paths("label")[0].path.name == "alias.ttf"


@pytest.mark.parametrize("value", ['"x.ttf"', "[]", "[1]", "[" + ", ".join(['"a.ttf"'] * 33) + "]"])
def test_font_lists(tmp_path, value):
    refused(
        child(tmp_path / "t", f"[fonts]\nlabel = {value}"),
        "[fonts] label = ",
        "must be a list of 1 to 32 font file names",
    )


# -- theme.toml and extends ------------------------------------------------------------------------


def test_theme_toml_that_would_block_or_never_end(tmp_path):
    fifo = tmp_path / "fifo"
    fifo.mkdir()
    os.mkfifo(fifo / "theme.toml")
    refused(fifo, "unknown theme")
    zero = tmp_path / "zero"
    zero.mkdir()
    (zero / "theme.toml").symlink_to("/dev/zero")
    refused(zero, "unknown theme")
    big = tmp_path / "big"
    big.mkdir()
    with open(big / "theme.toml", "wb") as file:
        file.truncate(2 * 1024 * 1024)
    refused(big, "is larger than 262,144 bytes")
    deep = tmp_path / "deep"
    deep.mkdir()
    (deep / "theme.toml").write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    refused(deep, "cannot read the theme (nested too deeply)")


def test_theme_toml_symlinked_out_of_its_folder(tmp_path):
    outside = child(tmp_path / "outside", "")
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "theme.toml").symlink_to(outside / "theme.toml")
    refused(folder, f"leads to {outside / 'theme.toml'}, outside the theme's folder")


def test_extends_must_be_a_string_and_must_end(tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "theme.toml").write_text("extends = 5\n")
    refused(folder, "extends must be a theme name or path, not 5")
    themes = tmp_path / "themes"
    child(themes / "a", "", parent="b")
    child(themes / "b", "", parent="a")
    with within(10), pytest.raises(ThemeError, match="unknown theme 'a'|more than 8 themes deep"):
        load_theme("a", [themes])


# -- names and paths -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "is_name"),
    [
        ("classic", True),
        ("my-theme_2.1", True),
        ("Ночь", True),
        ("/etc", False),
        ("../classic", False),
        ("./classic", False),
        ("a/b", False),
        ("..", False),
        (".hidden", False),
        ("a\\b", False),
        ("", False),
        ("x" * 65, False),
        ("a..b", False),
        (None, False),
        (5, False),
    ],
)
def test_theme_names(value, is_name):
    assert is_theme_name(value) is is_name


@pytest.mark.parametrize("value", ["/tmp", "../evil", "./classic", "themes/evil", "~/evil", "classic/../night"])
def test_a_theme_chosen_by_data_must_be_a_name(tmp_path, value):
    refused(
        value,
        f"theme {value!r} is a path, but a theme chosen by an article",
        "must be the name of an installed theme",
        allow_path=False,
    )


def test_a_theme_found_by_name_may_not_extend_a_path(tmp_path):
    outside = child(tmp_path / "outside", "")
    themes = tmp_path / "themes"
    child(themes / "mine", "", parent=str(outside))
    with pytest.raises(ThemeError, match=r"extends = '.*outside' is a path, but a theme found by name may extend only"):
        load_theme("mine", [themes], allow_path=False)
    # The user named it on the command line: its extends may be a path, relative to its theme.toml.
    (themes / "mine" / "theme.toml").write_text('extends = "../../outside"\n')
    assert load_theme(str(themes / "mine")).parents[0] == Path(os.path.realpath(outside))


def test_themes_symlinked_out_of_the_search_path_are_not_found(tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    child(elsewhere / "evil", "")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / "themes").symlink_to(elsewhere)  # ./themes itself a symlink out
    assert "evil" not in list_themes()
    refused("evil", "unknown theme 'evil'", allow_path=False)
    (work / "themes").unlink()
    (work / "themes").mkdir()
    (work / "themes" / "evil").symlink_to(elsewhere / "evil")  # a theme folder in ./themes leading out
    assert "evil" not in list_themes()
    refused("evil", "unknown theme 'evil'", allow_path=False)
    (work / "themes" / "evil").unlink()
    shutil.copytree(elsewhere / "evil", work / "themes" / "evil")  # a real folder: found
    assert load_theme("evil", allow_path=False).folder == work / "themes" / "evil"
    assert builtin_themes_dir().is_dir()
