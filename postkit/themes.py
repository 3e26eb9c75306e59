"""Find themes on their search path, read and validate theme.toml, and build the Jinja environment."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postkit.errors import ThemeError
from postkit.resources import data_dir

THEME_FILE = "theme.toml"

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


def list_themes() -> list[str]:
    """Name the built-in themes, sorted."""
    root = builtin_themes_dir()
    return sorted(p.name for p in root.iterdir() if (p / THEME_FILE).is_file())


@dataclass(frozen=True)
class Theme:
    """A validated theme: its folder, its settings and the colours parsed to RGB."""

    name: str
    folder: Path
    settings: dict[str, Any]
    colors: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.settings[section]

    def font_paths(self, role: str) -> tuple[Path, ...]:
        """Resolve the font chain of ``role`` (title, body, heading, credit, label) to files."""
        from postkit.fonts import resolve_font

        return tuple(resolve_font(name, [self.folder / "fonts"]) for name in self.settings["fonts"][role])

    def template_dirs(self) -> list[Path]:
        """Return the Jinja search path: the theme's folder, then the shared templates."""
        return [self.folder, data_dir("templates")]


def find_theme(name_or_path: str) -> Path:
    """Return the folder of a theme given by name (built-in) or by a path to its folder."""
    path = Path(name_or_path).expanduser()
    if (path / THEME_FILE).is_file():
        return path
    if path.name == THEME_FILE and path.is_file():
        return path.parent
    builtin = builtin_themes_dir() / name_or_path
    if "/" not in name_or_path and (builtin / THEME_FILE).is_file():
        return builtin
    installed = ", ".join(list_themes())
    msg = f"unknown theme '{name_or_path}'; installed themes: {installed}, or the path to a folder with a {THEME_FILE}"
    raise ThemeError(msg)


def load_theme(name_or_path: str) -> Theme:
    """Find, read and validate a theme; raise ThemeError naming the file and the key at fault."""
    folder = find_theme(name_or_path)
    toml_path = folder / THEME_FILE
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"{toml_path}: cannot read the theme ({exc}); fix the TOML syntax"
        raise ThemeError(msg) from exc
    errors = _validate(data)
    colors: dict[str, tuple[int, int, int]] = {}
    if not errors:
        from PIL import ImageColor

        for key, value in data["colors"].items():
            try:
                colors[key] = ImageColor.getrgb(value)[:3]
            except ValueError:
                errors.append(f"[colors] {key} = '{value}' is not a colour; write it like \"#1E1A17\"")
    theme = Theme(name=str(data.get("name", folder.name)), folder=folder, settings=data, colors=colors)
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
