"""Find themes on their search path, read and validate theme.toml, and build the Jinja environment."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postkit.errors import ThemeError
from postkit.resources import data_dir

if TYPE_CHECKING:
    from postkit.fonts import FontFile

THEME_FILE = "theme.toml"
AUTO = "auto"  # a colour the picture decides (see pipeline.resolve_colors)

# key -> (type, required). Every built-in theme sets all of them; a user theme must too.
_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "fonts": {"title": list, "body": list, "heading": list, "credit": list, "label": list},
    "type": {
        "body_min": int,
        "body_max": int,
        "line_height": (int, float),
        "paragraph_gap": (int, float),
        "title_min": int,
        "title_max": int,
        "title_max_lines": int,
        "label_size": int,
        "kicker_size": int,
        "tracking": (int, float),
    },
    "colors": {
        "paper": str,
        "ink": str,
        "muted": str,
        "accent": str,
        "cover_text": str,
        "cover_kicker": str,
        "scrim": str,
        "rule": str,
    },
    "margins": {"side": int, "top": int, "bottom": int},
    "cover": {"scrim_from": (int, float), "scrim_min": (int, float), "focus": list},
    "text": {"band": (int, float), "band_focus": list, "footer_gap": int},
    "closing": {"print_width": (int, float)},
}


def builtin_themes_dir() -> Path:
    """Return the folder holding the built-in themes."""
    return data_dir("templates") / "themes"


def search_path(theme_dirs: Sequence[str | Path] = ()) -> list[Path]:
    """Return where themes are looked for by name: --theme-dir folders, ./themes, the built-ins."""
    return [*(Path(d) for d in theme_dirs), Path.cwd() / "themes", builtin_themes_dir()]


def list_themes(theme_dirs: Sequence[str | Path] = ()) -> list[str]:
    """Name every theme on the search path, sorted (a name found twice is listed once)."""
    names = {
        p.name
        for root in search_path(theme_dirs)
        if root.is_dir()
        for p in root.iterdir()
        if (p / THEME_FILE).is_file()
    }
    return sorted(names)


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
    # Fonts added after every chain: from --font-dir, then system fonts for characters none covers.
    extra_fonts: tuple[FontFile, ...] = ()

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.settings[section]

    def font_paths(self, role: str) -> tuple[FontFile, ...]:
        """Resolve the font chain of ``role`` (title, body, heading, credit, label) to files."""
        from postkit.fonts import resolve_font

        places = [folder / "fonts" for folder in (self.folder, *self.parents)]
        chain = tuple(resolve_font(name, places) for name in self.settings["fonts"][role])
        return chain + tuple(p for p in self.extra_fonts if p not in chain)

    def with_fonts(self, paths) -> Theme:
        """Return the theme with ``paths`` appended to every font chain."""
        return replace(self, extra_fonts=self.extra_fonts + tuple(p for p in paths if p not in self.extra_fonts))

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
        folder = find_theme(name, theme_dirs)
        try:
            description = str(_read(folder).get("description", ""))
        except ThemeError as exc:
            description = f"(cannot be read: {exc})"
        described.append((name, description, folder))
    return described


def find_theme(name_or_path: str, theme_dirs: Sequence[str | Path] = (), skip: Sequence[Path] = ()) -> Path:
    """Return the folder of a theme given by a path to its folder, or by name on the search path.

    ``skip`` leaves out folders already in use, so that a theme may extend a theme of its own name
    further down the path (a ./themes/classic that extends the built-in classic).
    """
    path = Path(name_or_path).expanduser()
    if (path / THEME_FILE).is_file() and path.resolve() not in skip:
        return path
    if path.name == THEME_FILE and path.is_file():
        return path.parent
    if "/" not in name_or_path:
        for root in search_path(theme_dirs):
            folder = root / name_or_path
            if (folder / THEME_FILE).is_file() and folder.resolve() not in skip:
                return folder
    installed = ", ".join(list_themes(theme_dirs))
    msg = f"unknown theme '{name_or_path}'; installed themes: {installed}, or the path to a folder with a {THEME_FILE}"
    raise ThemeError(msg)


def _read(folder: Path) -> dict[str, Any]:
    toml_path = folder / THEME_FILE
    try:
        return tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"{toml_path}: cannot read the theme ({exc}); fix the TOML syntax"
        raise ThemeError(msg) from exc


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_theme(name_or_path: str, theme_dirs: Sequence[str | Path] = ()) -> Theme:
    """Find, read, merge (``extends``) and validate a theme; errors name the file and the key."""
    folder = find_theme(name_or_path, theme_dirs)
    toml_path = folder / THEME_FILE
    own = _read(folder)
    layers, folders = [own], [folder.resolve()]
    parent = own.get("extends")
    while parent is not None:
        if not isinstance(parent, str):
            msg = f"{folders[-1] / THEME_FILE}: extends must be a theme name or path, not {parent!r}"
            raise ThemeError(msg)
        if len(folders) > 8:
            msg = f"{toml_path}: 'extends' goes more than 8 themes deep (a loop?); shorten the chain"
            raise ThemeError(msg)
        parent_folder = find_theme(parent, theme_dirs, skip=folders).resolve()
        data = _read(parent_folder)
        layers.append(data)
        folders.append(parent_folder)
        parent = data.get("extends")
    data: dict[str, Any] = {}
    for layer in reversed(layers):
        data = _merge(data, layer)
    errors = _validate(data)
    colors: dict[str, tuple[int, int, int]] = {}
    if not errors:
        from PIL import ImageColor

        for key, value in data["colors"].items():
            if value == AUTO:
                colors[key] = None  # chosen from the picture when the post is made
                continue
            try:
                colors[key] = ImageColor.getrgb(value)[:3]
            except (ValueError, AttributeError):
                errors.append(f'[colors] {key} = {value!r} is not a colour; write it like "#1E1A17"')
    theme = Theme(
        name=str(own.get("name", folder.name)), folder=folder, settings=data, colors=colors, parents=tuple(folders[1:])
    )
    if not errors:
        from postkit.errors import FontError

        for role in data["fonts"]:
            try:
                theme.font_paths(role)
            except FontError as exc:
                errors.append(f"[fonts] {role}: {exc}")
    if errors:
        msg = f"{toml_path}: " + "; ".join(errors)
        raise ThemeError(msg)
    return theme


def _validate(data: dict[str, Any]) -> list[str]:
    errors = []
    for section, keys in _SCHEMA.items():
        table = data.get(section)
        if not isinstance(table, dict):
            errors.append(f"missing section [{section}]; add it (see the built-in 'classic' theme)")
            continue
        for key, kind in keys.items():
            if key not in table:
                errors.append(f"[{section}] is missing '{key}'; add it")
            elif not isinstance(table[key], kind) or isinstance(table[key], bool):
                names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
                errors.append(f"[{section}] {key} must be {names}, not {table[key]!r}")
    picture = data.get("picture", {})
    if not isinstance(picture, dict):
        errors.append("[picture] must be a table")
    else:
        if picture.get("fit", "cover") not in ("cover", "contain"):
            errors.append(f'[picture] fit must be "cover" or "contain", not {picture["fit"]!r}')
        if picture.get("treatment", "none") not in ("none", "duotone", "tint"):
            errors.append(f'[picture] treatment must be "none", "duotone" or "tint", not {picture["treatment"]!r}')
    layouts = {
        ("cover", "layout"): ("full-bleed", "split", "framed"),
        ("text", "background"): ("paper", "picture", "accent"),
        ("text", "indicator"): ("counter", "dots", "none"),
        ("closing", "layout"): ("print", "picture", "accent"),
    }
    for (section, key), allowed in layouts.items():
        value = data.get(section, {}).get(key) if isinstance(data.get(section), dict) else None
        if value is not None and value not in allowed:
            errors.append(f"[{section}] {key} must be one of {', '.join(allowed)}, not {value!r}")
    if not errors:
        t = data["type"]
        if not 8 <= t["body_min"] <= t["body_max"]:
            errors.append(
                f"[type] body_min ({t['body_min']}) must be at least 8 and at most body_max ({t['body_max']})"
            )
        if not 8 <= t["title_min"] <= t["title_max"]:
            errors.append(
                f"[type] title_min ({t['title_min']}) must be at least 8 and at most title_max ({t['title_max']})"
            )
        for role, names in data["fonts"].items():
            if not names or not all(isinstance(n, str) for n in names):
                errors.append(f"[fonts] {role} must be a non-empty list of font file names")
    return errors


def jinja_environment(theme: Theme):
    """Build the Jinja environment for a theme's text templates (plain text, no autoescape)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in theme.template_dirs()]),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["format_hashtag"] = lambda tag: f"#{tag}"
    return env


def html_environment():
    """Build the Jinja environment for postkit's HTML pages (preview, batch index): autoescaped."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
