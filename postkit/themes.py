"""Find themes on their search path, read and validate theme.toml, and build the sandboxed Jinja environments.

Which themes are trusted
------------------------
A theme is data plus Jinja templates; it decides how a post looks, never what runs. Even so, only a
theme the *user* chose may come from anywhere:

- **By path** (``load_theme(path, allow_path=True)``): only for a theme the user names on the command
  line (``--theme PATH``). Its ``extends`` may then be a path too, relative to its theme.toml.
- **By name** (``is_theme_name``: letters, digits, ``.``, ``_``, ``-``; no ``/``, no leading dot): from the
  search path only, ``--theme-dir`` folders, then ``./themes``, then the built-ins. This is all an article's
  ``theme:``, a library's ``postkit.toml``, a CSV row and a post.json may do (``allow_path=False``), and all
  the ``extends`` of a theme found by name may do. ``./themes`` is used only when it is a real folder, not a
  symlink (a symlinked folder of themes is passed with ``--theme-dir``), and a theme folder on the search
  path that is a symlink leading out of its search folder is not found.
- **Inside its own folder**: a theme's templates (``include``, ``import``, ``extends``) resolve in its folder,
  its parents' folders and postkit's templates, never through ``..`` or a symlink whose real path leaves
  them; its fonts are relative names that resolve, by real path, inside its own folders (``fonts/``) or
  postkit's bundled fonts.

Templates run in Jinja's immutable sandbox (``theme_sandbox``): they see the documented variables, the
built-in filters except ``attr``, ``format_hashtag``, ``range``/``dict``/``cycler``/``joiner``/``namespace``
and the gettext callables; no attribute starting with ``_``, no string method that copies text many times
over; and every render is bounded (``MAX_STEPS`` loop turns and calls, values of ``MAX_TEXT`` characters,
``MAX_CPU_SECONDS``). Any failure becomes one ThemeError naming the template file and line.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import math
import os
import re
import stat
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

from postkit.errors import PostkitError, ThemeError
from postkit.resources import data_dir
from postkit.safeio import is_inside, short_repr

if TYPE_CHECKING:
    from jinja2 import Environment, FileSystemLoader, Template
    from jinja2.exceptions import SecurityError
    from jinja2.runtime import Context
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from postkit.fonts import FontFile

_T = TypeVar("_T")
# Which theme.toml set a [section] key: the theme's own, or one it extends.
_Origin = Callable[[str, str], Path]

THEME_FILE = "theme.toml"
AUTO = "auto"  # a colour the picture decides (see pipeline.resolve_colors)
MAX_THEME_BYTES = 256 * 1024  # a theme.toml is a few KB; a larger one is not a theme
MAX_TEMPLATE_BYTES = 1024 * 1024
_EXTENDS_DEPTH = 8
_NAME = re.compile(r"[^\W_][\w.-]{0,63}")

# -- the schema ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Number:
    """A numeric theme value: its range, whether it is whole pixels, and what it measures."""

    low: float
    high: float
    whole: bool = False
    unit: str = ""
    required: bool = True

    def describe(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        return f"{kind} from {_plain(self.low)} to {_plain(self.high)}{f' ({self.unit})' if self.unit else ''}"


_PX = "px at 1080 wide"
_SIZE = _Number(8, 400, whole=True, unit=_PX)
# Body text over 200 px sets a few words a slide: no article fits, whatever the other values.
_BODY_SIZE = _Number(8, 200, whole=True, unit=_PX)
# Every number a theme sets, with a range in which every format still lays out: outside it text would be
# cut off (a negative margin), a division would be by zero, or a card would have no room for its text.
_NUMBERS: dict[str, dict[str, _Number]] = {
    "type": {
        "body_min": _BODY_SIZE,
        "body_max": _BODY_SIZE,
        "line_height": _Number(0.8, 3, unit="x the font's ascent + descent"),
        "paragraph_gap": _Number(0, 3, unit="x the line height"),
        "title_min": _SIZE,
        "title_max": _SIZE,
        "title_max_lines": _Number(1, 8, whole=True, unit="lines"),
        "label_size": _Number(8, 120, whole=True, unit=_PX),
        "kicker_size": _Number(8, 120, whole=True, unit=_PX),
        "tracking": _Number(0, 0.5, unit="x the size"),
    },
    "margins": {
        "side": _Number(0, 300, whole=True, unit=_PX),
        "top": _Number(0, 300, whole=True, unit=_PX),
        "bottom": _Number(0, 300, whole=True, unit=_PX),
    },
    "cover": {
        "scrim_from": _Number(0, 1, unit="x the card height"),
        "scrim_min": _Number(0, 1, unit="opacity"),
        "title_leading": _Number(0.7, 2, unit="x the title's line height", required=False),
    },
    "text": {
        "band": _Number(0, 0.6, unit="x the card height"),
        "footer_gap": _Number(0, 200, whole=True, unit=_PX),
        "blur": _Number(0, 100, unit=_PX, required=False),
    },
    "closing": {"print_width": _Number(0.2, 1, unit="x the card width")},
    "picture": {"tint": _Number(0, 1, unit="strength", required=False)},
}
# Points of the picture to keep in view, [x, y] as fractions of its width and height.
_PAIRS = {("cover", "focus"), ("text", "band_focus")}
_COLORS = ("paper", "ink", "muted", "accent", "cover_text", "cover_kicker", "scrim", "rule")
_FONT_ROLES = ("title", "body", "heading", "credit", "label")
_CHOICES = {
    ("cover", "layout"): ("full-bleed", "split", "framed"),
    ("text", "background"): ("paper", "picture", "accent"),
    ("text", "indicator"): ("counter", "dots", "none"),
    ("closing", "layout"): ("print", "picture", "accent"),
    ("picture", "fit"): ("cover", "contain"),
    ("picture", "treatment"): ("none", "duotone", "tint"),
}
_SECTIONS = ("fonts", "type", "colors", "margins", "cover", "text", "closing")


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


# -- the search path and trust ------------------------------------------------------------------


def builtin_themes_dir() -> Path:
    """Return the folder holding the built-in themes."""
    return data_dir("templates") / "themes"


def search_path(theme_dirs: Sequence[str | Path] = ()) -> list[Path]:
    """Return where themes are looked for by name: --theme-dir folders, ./themes (unless a symlink), the built-ins."""
    local = Path.cwd() / "themes"
    return [*(Path(d) for d in theme_dirs), *([] if local.is_symlink() else [local]), builtin_themes_dir()]


def is_theme_name(value: object) -> bool:
    """Tell whether ``value`` is a theme name (not a path): what articles, libraries and post.json may give."""
    return isinstance(value, str) and _NAME.fullmatch(value) is not None and ".." not in value


def _named_folder(root: Path, name: str) -> Path | None:
    """Return ``root/name`` if it holds a theme whose real path stays inside ``root``."""
    folder = root / name
    try:
        if not (folder / THEME_FILE).is_file():
            return None
        return folder if is_inside(os.path.realpath(folder), os.path.realpath(root)) else None
    except OSError:
        return None


def list_themes(theme_dirs: Sequence[str | Path] = ()) -> list[str]:
    """Name every theme on the search path, sorted (a name found twice is listed once)."""
    names: set[str] = set()
    for root in search_path(theme_dirs):
        with contextlib.suppress(OSError):
            if root.is_dir():
                names.update(p.name for p in root.iterdir() if is_theme_name(p.name) and _named_folder(root, p.name))
    return sorted(names)


def find_theme(
    name_or_path: str,
    theme_dirs: Sequence[str | Path] = (),
    skip: Sequence[Path] = (),
    *,
    allow_path: bool = True,
    base: Path | None = None,
) -> Path:
    """Return the folder of a theme given by name on the search path or, if ``allow_path``, by a path.

    ``skip`` leaves out folders already in use, so that a theme may extend a theme of its own name
    further down the path (a ./themes/classic that extends the built-in classic). A relative path is
    taken from ``base`` (the folder of the theme.toml that names it), else the current folder.
    """
    if not isinstance(name_or_path, str) or not name_or_path or "\0" in name_or_path:
        installed = ", ".join(list_themes(theme_dirs))
        msg = f"a theme must be a name or a folder, not {name_or_path!r}; name one of: {installed}"
        raise ThemeError(msg)
    skipped = {Path(os.path.realpath(p)) for p in skip}
    if allow_path:
        path = Path(name_or_path).expanduser()
        if base is not None and not path.is_absolute():
            path = base / path
        with contextlib.suppress(OSError):
            if (path / THEME_FILE).is_file() and Path(os.path.realpath(path)) not in skipped:
                return path
            if path.name == THEME_FILE and path.is_file():
                return path.parent
    elif not is_theme_name(name_or_path):
        msg = (
            f"theme {name_or_path!r} is a path, but a theme chosen by an article, a library, a CSV row or a "
            f"post.json must be the name of an installed theme ({', '.join(list_themes(theme_dirs))}); "
            "install it in ./themes or a --theme-dir folder, or pass its path with --theme"
        )
        raise ThemeError(msg)
    if is_theme_name(name_or_path):
        for root in search_path(theme_dirs):
            folder = _named_folder(root, name_or_path)
            if folder is not None and Path(os.path.realpath(folder)) not in skipped:
                return folder
    installed = ", ".join(list_themes(theme_dirs))
    msg = f"unknown theme '{name_or_path}'; installed themes: {installed}, or the path to a folder with a {THEME_FILE}"
    raise ThemeError(msg)


def theme_files(folder: str | os.PathLike[str]) -> list[Path]:
    """List a theme folder's regular files, sorted: no FIFO, device or symlink leading out of the folder.

    What to hash or watch for a theme: reading these never blocks and never leaves the folder.
    """
    root = os.path.realpath(folder)
    found = []
    for current, dirs, files in os.walk(folder):  # os.walk does not descend into symlinked folders
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for name in files:
            path = Path(current) / name
            try:
                real = os.path.realpath(path)
                if is_inside(real, root) and stat.S_ISREG(os.stat(real).st_mode):
                    found.append(path)
            except OSError:
                continue
    return sorted(found)


# -- the theme ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    """A validated theme: its folder, its settings and the colours parsed to RGB."""

    name: str
    folder: Path
    settings: dict[str, Any]
    # The theme's folder, then the folders of the themes it extends: templates and fonts are
    # looked for in this order.
    parents: tuple[Path, ...] = ()
    colors: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    # Faces added to a role's chain for characters its fonts lack (from --font-dir or the installed
    # fonts): role -> (faces put before the theme's fonts, faces put after them).
    added_fonts: dict[str, tuple[tuple[FontFile, ...], tuple[FontFile, ...]]] = field(default_factory=dict)

    def __getitem__(self, section: str) -> dict[str, Any]:
        table: dict[str, Any] = self.settings[section]
        return table

    def font_paths(self, role: str) -> tuple[FontFile, ...]:
        """Resolve the font chain of ``role`` (title, body, heading, credit, label) to files."""
        from postkit.fonts import resolve_font

        places = [folder / "fonts" for folder in (self.folder, *self.parents)]
        chain = tuple(resolve_font(name, places) for name in self.settings["fonts"][role])
        before, after = self.added_fonts.get(role, ((), ()))
        return tuple(dict.fromkeys((*before, *chain, *after)))

    @property
    def extra_fonts(self) -> tuple[FontFile, ...]:
        """Return every face added to any role's chain, in order, once."""
        return tuple(dict.fromkeys(f for before, after in self.added_fonts.values() for f in (*before, *after)))

    def with_role_fonts(self, role: str, faces: Iterable[FontFile], *, first: bool = False) -> Theme:
        """Return the theme with ``faces`` added to ``role``'s chain: after its fonts, or before them (``first``)."""
        before, after = self.added_fonts.get(role, ((), ()))
        faces = tuple(faces)
        added = (faces + before, after) if first else (before, after + faces)
        return replace(self, added_fonts={**self.added_fonts, role: added})

    def with_colors(self, **colors: tuple[int, int, int]) -> Theme:
        """Return the theme with some colours replaced."""
        return replace(self, colors={**self.colors, **colors})

    def template_dirs(self) -> list[Path]:
        """Return the Jinja search path: the theme's folder, then the shared templates."""
        return [self.folder, *self.parents, data_dir("templates")]


def describe_themes(theme_dirs: Sequence[str | Path] = ()) -> list[tuple[str, str, Path]]:
    """Return (name, description, folder) for every theme on the search path, first found wins."""
    described = []
    for name in list_themes(theme_dirs):
        folder = find_theme(name, theme_dirs, allow_path=False)
        try:
            description = str(_read(folder).get("description", ""))
        except ThemeError as exc:
            description = f"(cannot be read: {exc})"
        described.append((name, description, folder))
    return described


def _read(folder: Path) -> dict[str, Any]:
    toml_path = folder / THEME_FILE
    try:
        data = _read_contained(toml_path, os.path.realpath(folder), MAX_THEME_BYTES)
        return tomllib.loads(data.decode("utf-8"))
    except RecursionError as exc:
        msg = f"{toml_path}: cannot read the theme (nested too deeply); fix the TOML"
        raise ThemeError(msg) from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, _Refused) as exc:
        msg = f"{toml_path}: cannot read the theme ({exc}); fix the TOML syntax"
        raise ThemeError(msg) from exc


class _Refused(Exception):
    """A file a theme may not use: outside its folder, not a regular file, or too large."""


def _read_contained(path: str | os.PathLike[str], root: str, limit: int) -> bytes:
    """Read the regular file ``path`` if its real path is inside real folder ``root``, at most ``limit`` bytes."""
    real = os.path.realpath(path)
    if not is_inside(real, root):
        msg = f"{path} leads to {real}, outside the theme's folder"
        raise _Refused(msg)
    # O_NONBLOCK: a name swapped for a FIFO since realpath does not make the open wait for a writer.
    fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            msg = f"{path} is not a regular file"
            raise _Refused(msg)
        data = file.read(limit + 1)
    if len(data) > limit:
        msg = f"{path} is larger than {limit:,} bytes"
        raise _Refused(msg)
    return data


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_theme(name_or_path: str, theme_dirs: Sequence[str | Path] = (), *, allow_path: bool = True) -> Theme:
    """Find, read, merge (``extends``) and validate a theme; errors name the file and the key.

    :param allow_path: False when the theme was chosen by an article, a library's postkit.toml, a CSV row
        or a post.json: then it, and every theme it extends, must be a name on the search path.
    """
    folder = find_theme(name_or_path, theme_dirs, allow_path=allow_path)
    toml_path = folder / THEME_FILE
    own = _read(folder)
    layers, folders = [own], [Path(os.path.realpath(folder))]
    paths = [toml_path]
    parent = own.get("extends")
    while parent is not None:
        if not isinstance(parent, str):
            msg = f"{paths[-1]}: extends must be a theme name or path, not {parent!r}"
            raise ThemeError(msg)
        if len(folders) > _EXTENDS_DEPTH:
            msg = f"{toml_path}: 'extends' goes more than {_EXTENDS_DEPTH} themes deep (a loop?); shorten the chain"
            raise ThemeError(msg)
        if not allow_path and not is_theme_name(parent):
            msg = (
                f"{paths[-1]}: extends = {parent!r} is a path, but a theme found by name may extend only a theme "
                "name; install the parent theme on the search path and name it"
            )
            raise ThemeError(msg)
        try:
            parent_folder = find_theme(parent, theme_dirs, skip=folders, allow_path=allow_path, base=paths[-1].parent)
        except ThemeError as exc:
            msg = f"{paths[-1]}: extends: {exc}"
            raise ThemeError(msg) from exc
        data = _read(parent_folder)
        layers.append(data)
        folders.append(Path(os.path.realpath(parent_folder)))
        paths.append(parent_folder / THEME_FILE)
        parent = data.get("extends")
    data = {}
    for layer in reversed(layers):
        data = _merge(data, layer)

    def origin(section: str, key: str) -> Path:
        """Return the theme.toml that set ``[section] key`` (the nearest layer that has it)."""
        for layer, path in zip(layers, paths, strict=True):
            table = layer.get(section)
            if isinstance(table, dict) and key in table:
                return path
        return toml_path

    errors = _validate(data, origin, toml_path)
    colors: dict[str, tuple[int, int, int] | None] = {}
    if isinstance(data.get("colors"), dict):
        colors, color_errors = _parse_colors(data["colors"], origin, toml_path)
        errors += color_errors
    theme = Theme(
        name=str(own.get("name", folder.name)),
        folder=folder,
        settings=data,
        # An "auto" colour stays None until pipeline.resolve_colors takes it from the picture.
        colors=cast(dict[str, tuple[int, int, int]], colors),
        parents=tuple(folders[1:]),
    )
    if not errors:
        errors += _check_fonts(theme, origin, toml_path)
    if errors:
        msg = f"{toml_path}: " + "; ".join(errors)
        raise ThemeError(msg)
    return theme


def _where(origin: _Origin, section: str, key: str, toml_path: Path) -> str:
    """Say which file set a value when it is not the theme's own theme.toml."""
    path = origin(section, key)
    return "" if path == toml_path else f" (set in {path})"


def _validate(data: dict[str, Any], origin: _Origin, toml_path: Path) -> list[str]:  # noqa: C901 (one check per key, in order)
    """Check every section, key, type and range; return every problem, each naming key, value and fix."""
    errors = []
    for key in ("name", "description", "extends"):
        if key in data and not isinstance(data[key], str):
            errors.append(f"{key} must be a string, not {data[key]!r}")
    for section in (*_SECTIONS, "picture"):
        if section in data and not isinstance(data[section], dict):
            errors.append(f"[{section}] must be a table, not {data[section]!r}; write it as a [{section}] section")
        elif section not in data and section != "picture":
            errors.append(f"missing section [{section}]; add it (see the built-in 'classic' theme)")
    tables = {s: data[s] for s in (*_SECTIONS, "picture") if isinstance(data.get(s), dict)}
    fonts = tables.get("fonts")
    if fonts is not None:
        for role in (*_FONT_ROLES, *(r for r in fonts if r not in _FONT_ROLES)):
            if role not in fonts:
                errors.append(f"[fonts] is missing '{role}'; add it")
                continue
            names = fonts[role]
            if (
                not isinstance(names, list)
                or not names
                or len(names) > 32
                or not all(isinstance(n, str) for n in names)
            ):
                errors.append(
                    f"[fonts] {role} = {names!r}{_where(origin, 'fonts', role, toml_path)} must be a list of "
                    '1 to 32 font file names, e.g. ["eb-garamond/EBGaramond-Regular.ttf"]'
                )
    colors = tables.get("colors")
    if colors is not None:
        errors.extend(f"[colors] is missing '{key}'; add it" for key in _COLORS if key not in colors)
    for section, keys in _NUMBERS.items():
        table = tables.get(section)
        if table is None:
            continue
        for key, spec in keys.items():
            if key not in table:
                if spec.required:
                    errors.append(f"[{section}] is missing '{key}'; add it ({spec.describe()})")
                continue
            problem = _number_problem(table[key], spec)
            if problem:
                errors.append(
                    f"[{section}] {key} = {short_repr(table[key])}{_where(origin, section, key, toml_path)} {problem}; "
                    f"use {spec.describe()}"
                )
    for section, key in sorted(_PAIRS):
        table = tables.get(section)
        if table is None:
            continue
        if key not in table:
            if (section, key) != ("cover", "focus"):  # a theme may leave the cover's crop to the picture
                errors.append(f"[{section}] is missing '{key}'; add it ([x, y], each from 0 to 1)")
            continue
        value = table[key]
        pair_ok = isinstance(value, list) and len(value) == 2
        if not pair_ok or any(_number_problem(v, _Number(0, 1)) for v in value):
            errors.append(
                f"[{section}] {key} = {short_repr(value)}{_where(origin, section, key, toml_path)} must be a point "
                "[x, y] of the picture, each a number from 0 to 1 (fractions of its width and height), e.g. [0.5, 0.4]"
            )
    for (section, key), allowed in _CHOICES.items():
        table = tables.get(section)
        if table is not None and key in table and table[key] not in allowed:
            errors.append(
                f"[{section}] {key} = {short_repr(table[key])}{_where(origin, section, key, toml_path)} must be one of "
                f"{', '.join(allowed)}"
            )
    types = tables.get("type")
    if types is not None:
        for low, high in (("body_min", "body_max"), ("title_min", "title_max")):
            a, b = types.get(low), types.get(high)
            if all(isinstance(v, int) and not isinstance(v, bool) for v in (a, b)) and a > b:
                errors.append(f"[type] {low} ({a}) must be at most {high} ({b}); lower {low} or raise {high}")
    return errors


def _number_problem(value: Any, spec: _Number) -> str | None:
    """Say what is wrong with a theme number, or None if it is fine."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "is not a number"
    if isinstance(value, float) and not math.isfinite(value):
        return "is not a finite number"
    if spec.whole and not isinstance(value, int):
        return "is not a whole number"
    if not spec.low <= value <= spec.high:
        return "is out of range"
    return None


def _parse_colors(
    table: dict[str, Any], origin: _Origin, toml_path: Path
) -> tuple[dict[str, tuple[int, int, int] | None], list[str]]:
    from PIL import ImageColor

    colors: dict[str, tuple[int, int, int] | None] = {}
    errors = []
    for key, value in table.items():
        if value == AUTO:
            colors[key] = None  # chosen from the picture when the post is made
            continue
        try:
            if not isinstance(value, str) or len(value) > 64:
                raise ValueError(value)
            colors[key] = ImageColor.getrgb(value)[:3]
        except (ValueError, AttributeError):
            errors.append(
                f"[colors] {key} = {short_repr(value)}{_where(origin, 'colors', key, toml_path)} is not a colour; "
                'write it like "#1E1A17" (or "auto" to take it from the picture)'
            )
    return colors, errors


def _font_name_problem(name: str) -> str | None:
    """Say why a [fonts] entry may not name a file, or None."""
    file = name.rsplit("#", 1)[0] if re.fullmatch(r".+#\d{1,3}", name) else name
    pure = PurePosixPath(file)
    if not file or "\0" in file or "\\" in file:
        return "is not a font file name"
    if pure.is_absolute() or file.startswith("~"):
        return "is an absolute path; name a font in the theme's fonts/ folder or a bundled font, relative to it"
    if ".." in pure.parts:
        return "leaves the fonts folder with '..'; copy the font into the theme's fonts/ folder"
    return None


def _check_fonts(theme: Theme, origin: _Origin, toml_path: Path) -> list[str]:
    """Resolve every font chain; each font's real path must be in the theme's folders or the bundled fonts."""
    from postkit.fonts import resolve_font

    roots = [os.path.realpath(f) for f in (theme.folder, *theme.parents)] + [os.path.realpath(data_dir("fonts"))]
    places = [folder / "fonts" for folder in (theme.folder, *theme.parents)]
    errors = []
    for role, names in theme.settings["fonts"].items():
        where = _where(origin, "fonts", role, toml_path)
        for name in names:
            problem = _font_name_problem(name)
            if problem:
                errors.append(f"[fonts] {role}: {name!r}{where} {problem}")
                continue
            try:
                font = resolve_font(name, places)
            except PostkitError as exc:
                errors.append(f"[fonts] {role}: {exc}")
                continue
            real = os.path.realpath(font.path)
            if not any(is_inside(real, root) for root in roots):
                errors.append(
                    f"[fonts] {role}: {name!r}{where} leads to {real}, outside the theme's folder and the bundled "
                    "fonts; copy the font file into the theme's fonts/ folder"
                )
            elif not stat.S_ISREG(os.stat(real).st_mode):
                errors.append(f"[fonts] {role}: {name!r}{where} is not a regular file; name a font file")
    return errors


# -- templates: a loader that stays inside its folders -------------------------------------------


@functools.cache
def _refused_class() -> type[SecurityError]:
    from jinja2.exceptions import SecurityError

    class TemplateRefused(SecurityError):
        """A template name that leads out of the template folders, or a file postkit does not read."""

    return TemplateRefused


def _contained_loader(dirs: Sequence[str | os.PathLike[str]]) -> FileSystemLoader:
    """Build a Jinja loader for ``dirs`` that refuses any template whose real path is outside their real paths."""
    import jinja2

    refused = _refused_class()

    class ContainedLoader(jinja2.FileSystemLoader):
        def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
            pieces = [p for p in template.replace("\\", "/").split("/") if p and p != "."]
            if ".." in pieces or "\0" in template:
                msg = f"the template name '{template}' leads out of the template folders"
                raise refused(msg)
            roots = [os.path.realpath(d) for d in self.searchpath]
            for searchpath in self.searchpath:
                candidate = os.path.join(searchpath, *pieces)
                if not os.path.lexists(candidate):
                    continue
                real = os.path.realpath(candidate)
                root = next((r for r in roots if is_inside(real, r)), None)
                if root is None:
                    msg = f"'{template}' in {searchpath} leads to {real}, outside the template folders"
                    raise refused(msg)
                if os.path.isdir(real):
                    continue
                try:
                    text = _read_contained(candidate, root, MAX_TEMPLATE_BYTES).decode("utf-8")
                    mtime = os.path.getmtime(real)
                except (OSError, _Refused, UnicodeDecodeError) as exc:
                    msg = f"'{template}' cannot be read ({' '.join(str(exc).split())})"
                    raise refused(msg) from exc

                def uptodate(real: str = real, mtime: float = mtime) -> bool:
                    try:
                        return os.path.getmtime(real) == mtime
                    except OSError:
                        return False

                return text, os.path.normpath(candidate), uptodate
            raise jinja2.TemplateNotFound(template)

    return ContainedLoader([os.fspath(d) for d in dirs])


# -- the sandbox: what a template may spend ---------------------------------------------------------

MAX_STEPS = 100_000  # loop turns, calls, filters and operators per render; a caption takes a few dozen
MAX_TEXT = 1_000_000  # characters (or items) of any value a template makes or turns into text
MAX_OUTPUT = 1_000_000  # characters one render (or one macro, or one {% set %} block) writes
MAX_INT_BITS = 16_384
MAX_CPU_SECONDS = 5.0  # CPU time of the rendering thread: the last bound, for work no count foresaw
# A format's width or precision ("%10000s", "{:>10000}"): beyond this a format makes megabytes from nothing.
MAX_WIDTH = 10_000
# The string methods a template may call: none of them can copy a text more than a bounded number of
# times (center, ljust, rjust and zfill are checked against MAX_WIDTH; replace, join and format by the
# size of what they would make). translate, expandtabs, encode and format_map are not among them.
_STR_METHODS = frozenset(
    {
        *("capitalize", "casefold", "center", "count", "endswith", "find", "format", "index", "join", "ljust"),
        *("isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric"),
        *("isprintable", "isspace", "istitle", "isupper", "lower", "lstrip", "partition", "removeprefix"),
        *("removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split"),
        *("splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill"),
    }
)
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsab%])")
_BRACE_FIELD = re.compile(r"\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}")


class _Budget:
    """What one render may still spend."""

    __slots__ = ("deadline", "steps")

    def __init__(self) -> None:
        self.steps = 0
        self.deadline = time.thread_time() + MAX_CPU_SECONDS


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("postkit_template_budget", default=None)


def _refuse(msg: str) -> SecurityError:
    from jinja2.exceptions import SecurityError

    return SecurityError(msg)


def _step(count: int = 1) -> None:
    """Spend ``count`` steps of the current render's budget (none outside a render: Jinja folding constants)."""
    budget = _BUDGET.get()
    if budget is None:
        return
    budget.steps += count
    if budget.steps > MAX_STEPS:
        msg = f"the template takes more than {MAX_STEPS:,} loop turns, calls and operations"
        raise _refuse(msg)
    if budget.steps & 0xFF == 0 and time.thread_time() > budget.deadline:
        msg = f"the template takes more than {MAX_CPU_SECONDS:g} s to render"
        raise _refuse(msg)


def _counted(items: Iterable[Any]) -> Iterator[Any]:
    for item in items:
        _step()
        yield item


def _weight(value: Any, limit: int = MAX_TEXT) -> int:
    """Estimate the characters of ``str(value)``, raising SecurityError once past ``limit``.

    A list can hold the same long string a million times over without using memory; its text cannot.
    The walk stops as soon as the estimate passes the limit, so it is bounded too.
    """
    from jinja2.utils import Namespace  # 0.5 µs once imported; jinja2 stays out of postkit's start-up

    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 + 2 * len(item)
            if total <= limit:
                stack.extend(item)
        elif isinstance(item, dict):
            total += 2 + 4 * len(item)
            if total <= limit:
                stack.extend(item.keys())
                stack.extend(item.values())
        elif isinstance(item, Namespace):
            stack.append(object.__getattribute__(item, "_Namespace__attrs"))
        elif isinstance(item, int) and not isinstance(item, bool):
            total += item.bit_length() // 3 + 2
        else:
            total += 32
        if total > limit:
            msg = f"the template makes a value whose text would be more than {limit:,} characters"
            raise _refuse(msg)
    return total


def _checked(value: _T) -> _T:
    """Return ``value`` if it is small enough to keep, else raise SecurityError."""
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset) and len(value) > MAX_TEXT:
        msg = f"the template makes a value of {len(value):,} characters or items, more than {MAX_TEXT:,}"
        raise _refuse(msg)
    if isinstance(value, int) and not isinstance(value, bool):
        _check_bits(value.bit_length())
    return value


def _check_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        msg = f"the template makes a number of about {bits:,} bits, more than {MAX_INT_BITS:,}"
        raise _refuse(msg)


def _expect_size(size: int, what: str) -> None:
    if size > MAX_TEXT:
        msg = f"{what} would make {size:,} characters, more than {MAX_TEXT:,}"
        raise _refuse(msg)


def _check_width(width: Any, what: str) -> None:
    if isinstance(width, int) and not isinstance(width, bool) and width > MAX_WIDTH:
        msg = f"{what}({width:,}) asks for a width over {MAX_WIDTH:,}"
        raise _refuse(msg)


def _check_format(text: Any, values: Any = ()) -> None:
    """Refuse a format string that would make a huge string: a width over MAX_WIDTH, or many copies of ``values``."""
    if not isinstance(text, str) or ("%" not in text and "{" not in text):
        return
    fields = 0
    for match in _PERCENT_SPEC.finditer(text):
        width, precision, conversion = match.groups()
        for number in (width, precision):
            if number == "*" or (number and int(number) > MAX_WIDTH):
                msg = f"the format {match.group(0)!r} asks for a width over {MAX_WIDTH:,} (or a '*' width)"
                raise _refuse(msg)
        fields += conversion != "%"
    for match in _BRACE_FIELD.finditer(text):
        field_text = match.group(0)
        spec = field_text.partition(":")[2]
        if "{" in spec or any(int(n) > MAX_WIDTH for n in re.findall(r"\d+", spec)):
            msg = f"the format {field_text!r} asks for a width over {MAX_WIDTH:,} (or a nested width)"
            raise _refuse(msg)
        fields += 1
    if fields:
        _expect_size(len(text) + fields * _weight(values), f"the format {short_repr(text)}")


def _replace_size(text: str, old: str, new: str, count: Any) -> int:
    occurrences = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        occurrences = min(occurrences, count)
    return len(text) + occurrences * (len(new) - len(old))


def _join_items(items: Iterable[Any], sep: str) -> list[Any]:
    """Materialise ``items`` for a join, refusing one whose result would be too long."""
    listed = list(_counted(items))
    _expect_size(len(sep) * max(len(listed) - 1, 0) + _weight(listed), "joining them")
    return listed


_PRECHECKED = frozenset({"center", "indent", "wordwrap", "replace", "format", "batch", "join"})


def _precheck_filter(name: str, bound: inspect.BoundArguments) -> None:
    """Refuse a built-in filter call that would copy text many times over, before it runs."""
    args = bound.arguments
    if name == "center":
        _check_width(args.get("width"), "center")
    elif name == "indent":
        width = args.get("width", 4)
        _check_width(width, "indent")
        text = str(args.get("s", ""))
        per_line = len(width) if isinstance(width, str) else int(width or 0)
        _expect_size(len(text) + (text.count("\n") + 1) * per_line, "indent")
    elif name == "wordwrap":
        text = str(args.get("s", ""))
        _expect_size(len(text) + (len(text) + 1) * len(str(args.get("wrapstring") or "\n")), "wordwrap")
    elif name == "replace":
        text, old, new = (str(args.get(k, "")) for k in ("s", "old", "new"))
        _expect_size(_replace_size(text, old, new, args.get("count")), "replace")
    elif name == "format":
        _check_format(args.get("value"), (args.get("args"), args.get("kwargs")))
    elif name == "batch" and isinstance(args.get("linecount"), int) and args["linecount"] > MAX_TEXT:
        msg = f"batch({args['linecount']:,}) is over {MAX_TEXT:,}"
        raise _refuse(msg)
    elif name == "join":
        args["value"] = _join_items(args.get("value", ()), str(args.get("d", "")))


def _guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter: count it, refuse amplifying arguments, check what it returns."""
    signature = inspect.signature(func) if name in _PRECHECKED else None

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _step()
        _weight((args, kwargs))  # most filters turn their arguments into text
        if signature is not None:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError:
                pass  # the filter itself says what is wrong with its arguments
            else:
                _precheck_filter(name, bound)
                args, kwargs = bound.args, bound.kwargs
        result = func(*args, **kwargs)
        if isinstance(result, Iterator) and not isinstance(result, str):
            return _counted(result)
        return _checked(result)

    return guarded


def _finalize(value: _T) -> _T:
    """Check a ``{{ value }}``, or a piece of a ``~`` concatenation, before it becomes text."""
    _weight(value)
    return value


def _capped_concat(chunks: Iterable[str]) -> str:
    parts = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT:
            msg = f"the template writes more than {MAX_OUTPUT:,} characters"
            raise _refuse(msg)
        parts.append(chunk)
    return "".join(parts)


def _format_hashtag(tag: Any) -> str:
    return f"#{tag}"


@functools.cache
def _theme_sandbox_class() -> type[ImmutableSandboxedEnvironment]:  # noqa: C901 (the sandbox's methods, counted together)
    """Build the sandbox's environment class (Jinja is imported only when templates are used)."""
    import jinja2
    from jinja2 import nodes
    from jinja2.runtime import LoopContext
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from jinja2.visitor import NodeTransformer

    def wrapped(node: nodes.Node, name: str) -> nodes.Filter:
        return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)

    class Guard(NodeTransformer):
        """Count every loop turn and check every piece of a ``~``, through the sandbox's own filters."""

        def visit_For(self, node: nodes.For) -> nodes.For:  # noqa: N802 (Jinja's visitor naming)
            node = cast(nodes.For, self.generic_visit(node))
            node.iter = wrapped(node.iter, "_postkit_loop")
            return node

        def visit_Concat(self, node: nodes.Concat) -> nodes.Filter:  # noqa: N802
            node = cast(nodes.Concat, self.generic_visit(node))
            node.nodes = [wrapped(piece, "_postkit_piece") for piece in node.nodes]
            return wrapped(node, "_postkit_checked")

    class BoundedTemplate(jinja2.Template):
        """A template whose every render has its own budget and whose every failure is one ThemeError."""

        def render(self, *args: Any, **kwargs: Any) -> str:
            token = _BUDGET.set(_Budget())
            try:
                return super().render(*args, **kwargs)
            except Exception as exc:
                raise _as_theme_error(exc, self) from exc
            finally:
                _BUDGET.reset(token)

        def generate(self, *args: Any, **kwargs: Any) -> Iterator[str]:
            token = _BUDGET.set(_Budget())
            try:
                yield from super().generate(*args, **kwargs)
            except Exception as exc:
                raise _as_theme_error(exc, self) from exc
            finally:
                with contextlib.suppress(ValueError):  # the generator was resumed in another context
                    _BUDGET.reset(token)

    class ThemeSandbox(ImmutableSandboxedEnvironment):
        """Jinja's immutable sandbox with bounded work and a short list of string methods."""

        template_class = BoundedTemplate
        intercepted_binops = frozenset({"*", "**", "%", "+"})
        concat = staticmethod(_capped_concat)

        def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
            template: nodes.Template = Guard().visit(super()._parse(source, name, filename))
            return template

        def get_template(
            self,
            name: str | Template,
            parent: str | None = None,
            globals: MutableMapping[str, Any] | None = None,  # noqa: A002 (Jinja's signature)
        ) -> Template:
            if _BUDGET.get() is not None:  # an include or import: the render reports it with its line
                return super().get_template(name, parent, globals)
            try:
                return super().get_template(name, parent, globals)
            except Exception as exc:
                raise _as_theme_error(exc, None, self) from exc

        def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
            if isinstance(obj, str) and attr not in _STR_METHODS:
                return False
            return super().is_safe_attribute(obj, attr, value)

        def unsafe_undefined(self, obj: Any, attribute: str) -> NoReturn:
            # Refused at once, not as an Undefined that |map(attribute=...) or "is defined" would pass along.
            msg = f"access to attribute {attribute!r} of a {type(obj).__name__!r} object is unsafe"
            raise _refuse(msg)

        def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
            wrapper = super().wrap_str_format(value)
            if wrapper is None:
                return None
            text = value.__self__

            @functools.wraps(wrapper)
            def checked(*args: Any, **kwargs: Any) -> str:
                _check_format(text, (args, kwargs))
                return _checked(wrapper(*args, **kwargs))

            return checked

        def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
            _step()
            if operator == "*":
                for seq, times in ((left, right), (right, left)):
                    if isinstance(seq, str | list | tuple) and isinstance(times, int):
                        _expect_size(_weight(seq) * max(times, 0), "'*'")
                        _expect_size(len(seq) * max(times, 0), "'*'")
                if isinstance(left, int) and isinstance(right, int):
                    _check_bits(left.bit_length() + right.bit_length())
            elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
                _check_bits(left.bit_length() * right)
            elif operator == "%" and isinstance(left, str):
                _check_format(left, right)
            return _checked(super().call_binop(context, operator, left, right))

        def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
            _step()
            _weight((args, kwargs))
            for position, value in enumerate(args):  # a gettext message or a strftime format
                _check_format(value, (args[:position], args[position + 1 :], kwargs))
            if isinstance(obj, LoopContext) and args:  # loop(children) in a recursive loop
                args = (_counted(args[0]), *args[1:])
            owner = getattr(obj, "__self__", None)
            if isinstance(owner, str):
                method = getattr(obj, "__name__", "")
                if method in ("center", "ljust", "rjust", "zfill") and args:
                    _check_width(args[0], method)
                elif method == "replace" and len(args) >= 2:
                    count = args[2] if len(args) > 2 else kwargs.get("count")
                    _expect_size(_replace_size(owner, str(args[0]), str(args[1]), count), "replace")
                elif method == "join" and args:
                    args = (_join_items(args[0], owner),)
            return _checked(super().call(context, obj, *args, **kwargs))

    return ThemeSandbox


# -- errors -----------------------------------------------------------------------------------------


def _template_location(exc: BaseException, template: Template | None) -> tuple[str, int | None]:
    """Find the template file and line an exception was raised at (Jinja rewrites tracebacks to point there)."""
    import traceback

    from jinja2 import TemplateSyntaxError

    if isinstance(exc, TemplateSyntaxError):
        return exc.filename or exc.name or "", exc.lineno
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        name = frame.name or ""
        if name in ("template", "top-level template code") or name.startswith("block "):
            found = (frame.filename, frame.lineno)
    if found:
        return found
    return (getattr(template, "filename", None) or getattr(template, "name", None) or ""), None


def _as_theme_error(exc: Exception, template: Template | None, env: Environment | None = None) -> PostkitError:
    """Turn any failure of a template into one ThemeError line: file, line, problem and fix."""
    import jinja2

    if isinstance(exc, PostkitError):
        return exc
    detail = " ".join(str(exc).split()).rstrip(".")
    if isinstance(exc, jinja2.TemplateNotFound) and template is None and env is not None:
        searched = ", ".join(getattr(env.loader, "searchpath", []))
        return ThemeError(
            f"template '{exc.name}' was not found in {searched}; add it to the theme folder, "
            'or extend a theme that has it (extends = "classic")'
        )
    filename, line = _template_location(exc, template)
    if isinstance(exc, jinja2.TemplateNotFound):
        problem, fix = f"template '{exc.name}' was not found", "add the file to the theme folder or fix the name"
    elif isinstance(exc, _refused_class()):
        problem = f"refused by the template sandbox: {detail}"
        fix = "keep templates as regular files of at most 1 MB inside the theme folder (no '..', no symlink out)"
    elif isinstance(exc, jinja2.exceptions.SecurityError):
        problem = f"refused by the template sandbox: {detail}"
        fix = "use only the documented variables and filters, and files inside the theme folder"
    elif isinstance(exc, jinja2.TemplateSyntaxError) and detail.startswith("No filter named"):
        problem = detail
        fix = "use Jinja's built-in filters (all but attr) or format_hashtag"
    elif isinstance(exc, jinja2.TemplateSyntaxError):
        problem, fix = detail, "fix the template syntax"
    elif isinstance(exc, jinja2.UndefinedError):
        problem, fix = detail, "use only the variables postkit gives the template (see the README)"
    elif isinstance(exc, RecursionError):
        problem, fix = "the template includes, extends or calls itself too deeply", "remove the loop"
    elif isinstance(exc, MemoryError):
        problem, fix = "the template runs out of memory", "make smaller values"
    else:
        problem, fix = f"{type(exc).__name__}: {detail}", "fix the expression on that line"
    where = f"{filename}, line {line}: " if line else f"{filename}: " if filename else ""
    return ThemeError(f"{where}{problem}; {fix}")


# -- the environments -------------------------------------------------------------------------------


def _options() -> dict[str, Any]:
    import jinja2

    return {
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
        "extensions": ["jinja2.ext.i18n"],
    }


def theme_sandbox(dirs: Sequence[str | os.PathLike[str]], *, autoescape: bool = False) -> ImmutableSandboxedEnvironment:
    """Build the sandboxed environment for theme templates in ``dirs`` (what it allows: the module docstring)."""
    env = _theme_sandbox_class()(
        loader=_contained_loader(dirs), autoescape=autoescape, finalize=_finalize, **_options()
    )
    env.filters = {name: _guard_filter(name, func) for name, func in env.filters.items() if name != "attr"}
    env.filters["format_hashtag"] = _guard_filter("format_hashtag", _format_hashtag)
    env.filters["_postkit_loop"] = _counted  # the parser wraps every for loop's items: each turn counts
    env.filters["_postkit_piece"] = _finalize
    env.filters["_postkit_checked"] = _checked
    env.globals.pop("lipsum", None)
    # Templates can say _("...") even before the post's language is installed (i18n.install_translations).
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]  # added by the i18n extension
    return env


def jinja_environment(theme: Theme) -> ImmutableSandboxedEnvironment:
    """Build the sandboxed Jinja environment for a theme's text templates (plain text, no autoescape)."""
    return theme_sandbox(theme.template_dirs())


def html_environment() -> ImmutableSandboxedEnvironment:
    """Build the Jinja environment for postkit's own HTML pages (preview, batch index): sandboxed, autoescaped."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from postkit.bidi import isolated

    env = ImmutableSandboxedEnvironment(
        loader=_contained_loader([data_dir("templates")]), autoescape=True, finalize=_contain_bidi, **_options()
    )
    env.filters["isolated"] = isolated
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]  # added by the i18n extension
    return env


def _contain_bidi(value: _T) -> _T:
    """Close every ``{{ value }}``'s bidi controls inside it (see bidi.contained); Markup stays Markup."""
    from postkit.bidi import contained

    return type(value)(contained(value)) if isinstance(value, str) else value


def render_template(env: Environment, name: str, /, **context: Any) -> str:
    """Render template ``name`` of ``env``; any failure is one ThemeError naming the file and the line."""
    template = None
    try:
        template = env.get_template(name)
        return template.render(**context)
    except PostkitError:
        raise
    except Exception as exc:
        raise _as_theme_error(exc, template, env) from exc
