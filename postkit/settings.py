"""Settings for one post, each declared once: its type, default, help and check.

A post's settings are merged from layers, lowest first: postkit's defaults, the theme, a library's
``postkit.toml``, the article's front matter, a post.json's record of its command line (for ``postkit
preview --watch``), and the command line or a caller's arguments. Every value
remembers the layer it came from, so that an error names the file (or the flag) and the key, and the
same value gets the same verdict in every layer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from postkit import limits
from postkit.errors import PostkitError

FORMATS = tuple(limits.FORMATS)
# A post has a cover, at least one text slide and a closing slide.
MIN_SLIDES = 3
DEFAULT_OUT = Path("out")
_HANDLE = re.compile(r"[A-Za-z0-9._]{1,30}")


class SettingsError(PostkitError):
    """A setting has a value postkit cannot use."""


@dataclass(frozen=True)
class Layer:
    """Where settings come from: ``kind`` is one of LAYER_KINDS, ``where`` the file, if any."""

    kind: str
    where: str = ""

    def names(self, key: str) -> str:
        """Say where ``key`` was set, as an error message starts."""
        if self.kind == "flag":
            return BY_NAME[key].flag if key in BY_NAME else f"--{key.replace('_', '-')}"
        if self.kind == "argument":
            return f"the setting '{key}'"
        if self.kind == "front matter":
            return f"{self.where}: front matter '{key}'"
        return f"{self.where}: '{key}'" if self.where else f"'{key}'"

    def __str__(self) -> str:
        return f"{self.kind} ({self.where})" if self.where else self.kind


# A post.json's record of what made the post (postkit preview --watch) sits where that post's flags did.
LAYER_KINDS = ("default", "theme", "postkit.toml", "front matter", "post.json", "flag", "argument")
DEFAULTS = Layer("default")


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        msg = f"must be a non-empty text, not {value!r}"
        raise ValueError(msg)
    return value.strip()


def _choice(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = _text(value)
        if text not in choices:
            msg = f"must be one of {', '.join(choices)}, not '{text}'"
            raise ValueError(msg)
        return text

    return check


def _handle(value: Any) -> str:
    text = _text(value)
    handle = text[1:] if text.startswith("@") else text  # "@name" as people write it; "@@name" is no name
    if not _HANDLE.fullmatch(handle):
        msg = f"must be an Instagram username (letters, digits, '.', '_'; up to 30), not '{value}'"
        raise ValueError(msg)
    return handle


def _max_slides(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_SLIDES <= value <= limits.MAX_SLIDES_APP:
        msg = f"must be a whole number from {MIN_SLIDES} to {limits.MAX_SLIDES_APP}, not {value!r}"
        raise ValueError(msg)
    return value


def _theme(value: Any) -> str:
    # A name here; only a flag or a caller may name a theme by path (Option.trusted).
    from postkit.themes import is_theme_name

    text = _text(value)
    if not is_theme_name(text):
        msg = (
            f"must be a theme name (letters, digits, '-', '_'), not '{text}'; only --theme may name a theme "
            "folder by path (or pass its parent with --theme-dir)"
        )
        raise ValueError(msg)
    return text


def _focus(value: Any) -> tuple[float, float]:
    """Read a point of the picture: "X,Y" (fractions or percentages) or [X, Y] (fractions)."""
    from postkit.errors import ImageError
    from postkit.illustration import parse_focus

    if isinstance(value, list | tuple) and len(value) == 2:
        value = ",".join(str(v) for v in value if not isinstance(v, bool))
    try:
        return parse_focus(value) if isinstance(value, str) else parse_focus("")
    except ImageError:
        msg = (
            "must be a point X,Y of the picture, as fractions or percentages of its width and height "
            f"(e.g. 0.3,0.4 or 30%,40%), not {value!r}"
        )
        raise ValueError(msg) from None


def _lang(value: Any) -> str:
    from postkit.i18n import known_language

    text = _text(value)
    if not known_language(text):
        msg = f"must be a language code like en, ru or pt-BR, not '{text}'"
        raise ValueError(msg)
    return text


def _hashtags(value: Any) -> tuple[str, ...]:
    from postkit.article import split_hashtags

    return split_hashtags(list(value) if isinstance(value, tuple) else value)


def _path(value: Any) -> Path:
    if isinstance(value, str | Path) and str(value).strip():
        return Path(value)
    msg = f"must be a path, not {value!r}"
    raise ValueError(msg)


def _paths(value: Any) -> tuple[Path, ...]:
    if isinstance(value, str | Path):
        return (_path(value),)
    return tuple(_path(item) for item in value)


def _relative_out(value: Any) -> Path:
    # A library may come from anyone: its posts go inside it, never anywhere on the disk.
    text = _text(value)
    path = Path(text)
    if path.is_absolute() or text.startswith("~") or ".." in path.parts:
        msg = (
            f"must be a folder inside the library (a relative path without '..'), not '{text}'; "
            "pass another folder with --out"
        )
        raise ValueError(msg)
    return path


@dataclass(frozen=True)
class Option:
    """One setting: its default, where it may be set, how it is checked, and its help."""

    name: str
    default: Any
    help: str
    layers: frozenset[str]  # the kinds of layer that may set it (defaults always do)
    check: Callable[[Any], Any]
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    # The kinds of layer whose values ``trusted_check`` checks instead (a theme given by path, say).
    trusted: frozenset[str] = frozenset()
    trusted_check: Callable[[Any], Any] | None = None
    repeatable: bool = False  # the command line gives it once per value
    shown_default: str | None = None  # the default as help states it, when it is not a plain value

    def describe(self) -> str:
        """Return the help text with the default."""
        default = self.shown_default or (str(self.default) if self.default not in (None, ()) else None)
        return f"{self.help}  [default: {default}]" if default else self.help

    @property
    def flag(self) -> str:
        """The command line's name for it: --max-slides; --theme-dir, given once per folder."""
        name = self.name[:-1] if self.repeatable else self.name
        return f"--{name.replace('_', '-')}"


_USER = frozenset({"flag", "argument"})
_ANY = frozenset({"postkit.toml", "front matter", "post.json", "flag", "argument"})
_SHARED = frozenset({"postkit.toml", "post.json", "flag", "argument"})  # for all of a library's posts

OPTIONS: tuple[Option, ...] = (
    Option(
        "theme", "classic", "A theme's name or the path to a theme folder.", _ANY, _theme, "NAME|PATH",
        trusted=_USER, trusted_check=_text,
    ),
    Option(
        "theme_dirs", (), "A folder of themes, searched before ./themes and the built-ins (repeatable).",
        frozenset({"post.json", *_USER}), _paths, "DIR", repeatable=True,
    ),
    Option(
        "format", "portrait",
        "Card shape: portrait 1080x1350, square 1080x1080, landscape 1080x566, or story 1080x1920 "
        "(for sharing slides to Stories).",
        _ANY, _choice(*FORMATS), choices=FORMATS,
    ),
    Option(
        "max_slides", limits.MAX_SLIDES_API,
        "Most slides, cover and closing included: 10 is the limit for the Instagram API, 20 for the app.",
        _SHARED, _max_slides, "N",
    ),
    Option(
        "handle", None, "Account name shown on the cards, without '@'.", _ANY, _handle,
        shown_default="the article's handle",
    ),
    Option(
        "image", None, "The illustration.", frozenset({"front matter", *_USER}), _path, "PATH",
        shown_default="front matter 'image', else a picture beside the article with its name, e.g. article.jpg",
    ),
    Option(
        "hashtags", None, "The caption's hashtags, e.g. 'history OnThisDay'.", _ANY, _hashtags, "TAGS",
        shown_default="front matter 'hashtags', else the language's and one from the title",
    ),
    Option(
        "out", None, "The post folder to write.", frozenset({"postkit.toml", *_USER}), _path, "DIR",
        trusted=frozenset({"postkit.toml"}), trusted_check=_relative_out, shown_default="out/DATE-TITLE",
    ),
    Option(
        "focus", None,
        "The picture's point to keep in view when cropping, e.g. 0.3,0.4 or 30%,40% of its width and height.",
        frozenset({"theme", "front matter", "post.json", *_USER}), _focus, "X,Y",
        shown_default="the heads found, else the picture's detail",
    ),
    Option(
        "fit", None, "Fill the covers by cropping the picture, or show it whole on a blurred extension.",
        frozenset({"theme", *_SHARED}), _choice("cover", "contain"), choices=("cover", "contain"),
        shown_default="the theme's",
    ),
    Option(
        "lang", None, "The article's language (e.g. ru, ar, ja, pt-BR).", _ANY, _lang, "CODE",
        shown_default="front matter 'lang', else detected",
    ),
    Option(
        "font_dir", None, "A folder of extra fonts for scripts the theme's fonts lack (e.g. CJK); tried after them.",
        frozenset({"post.json", *_USER}), _path, "DIR",
    ),
)  # fmt: skip
BY_NAME = {option.name: option for option in OPTIONS}


@dataclass(frozen=True)
class Settings:
    """Everything that shapes one post besides the article's text, and where each value came from.

    Build one with :func:`resolve_settings` (from layers) or directly: ``Settings(format="story")``;
    passed to :func:`postkit.make_post`, the values that differ from the defaults override the
    article's front matter and a library's postkit.toml.
    """

    theme: str = "classic"
    theme_dirs: tuple[Path, ...] = ()
    format: str = "portrait"
    max_slides: int = limits.MAX_SLIDES_API
    handle: str | None = None
    image: Path | None = None
    hashtags: tuple[str, ...] | None = None
    out: Path | None = None
    focus: tuple[float, float] | None = None
    fit: str | None = None
    lang: str | None = None
    font_dir: Path | None = None
    origins: Mapping[str, Layer] = field(default_factory=dict, compare=False, repr=False)

    def origin(self, name: str) -> Layer:
        """Return the layer that set ``name`` (DEFAULTS if none did)."""
        return self.origins.get(name, DEFAULTS)

    def given(self) -> dict[str, Any]:
        """Return the values that differ from the defaults: what this object asks for."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "origins" and getattr(self, f.name) != BY_NAME[f.name].default
        }

    def record(self) -> dict[str, Any]:
        """Return the settings as JSON values (paths as text), for post.json."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "origins":
                continue
            value = getattr(self, f.name)
            if isinstance(value, Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = [str(v) if isinstance(v, Path) else v for v in value]
            out[f.name] = value
        return out


def resolve_settings(layers: Sequence[tuple[Layer, Mapping[str, Any]]]) -> Settings:
    """Merge ``layers`` (lowest first) over the defaults and check every value where it was set.

    A value of None leaves the layer below. Raise one SettingsError naming every problem with the
    file or flag and the key; a key a layer may not set is an error too.
    """
    values: dict[str, Any] = {}
    origins: dict[str, Layer] = {}
    errors: list[str] = []
    for layer, given in layers:
        for key, value in given.items():
            if value is None:
                continue
            option = BY_NAME.get(key)
            if option is None or layer.kind not in option.layers:
                allowed = ", ".join(o.name for o in OPTIONS if layer.kind in o.layers)
                where = f"{layer.where}: " if layer.where else ""
                errors.append(f"{where}unknown key '{key}'; use only {allowed}")
                continue
            check = option.trusted_check if layer.kind in option.trusted and option.trusted_check else option.check
            try:
                values[key] = check(value)
            except ValueError as exc:
                errors.append(f"{layer.names(key)} {exc}")
                continue
            origins[key] = layer
    if errors:
        raise SettingsError("; ".join(errors))
    return replace(Settings(), **values, origins=origins)


def settings_layers(
    settings: Settings | Mapping[str, Any] | None, kind: str = "argument"
) -> list[tuple[Layer, dict[str, Any]]]:
    """Return a caller's settings (a Settings or a mapping of option names) as layers, lowest first.

    A Settings resolved from layers (the command line's flags, or a post.json's record under them) keeps
    them; one built directly, or a mapping, is one layer of ``kind``.
    """
    if settings is None:
        return []
    if isinstance(settings, Settings):
        if settings.origins:
            layers: dict[Layer, dict[str, Any]] = {}
            for name, layer in settings.origins.items():
                layers.setdefault(layer, {})[name] = getattr(settings, name)
            return sorted(layers.items(), key=lambda item: LAYER_KINDS.index(item[0].kind))
        return [(Layer(kind), settings.given())]
    return [(Layer(kind), dict(settings))]


def settings_layer(
    settings: Settings | Mapping[str, Any] | None, kind: str = "argument"
) -> tuple[Layer, dict[str, Any]]:
    """Return a caller's settings as one layer: all the values they set, under the topmost layer's kind."""
    layers = settings_layers(settings, kind)
    values = {name: value for _, given in layers for name, value in given.items()}
    return (layers[-1][0] if layers else Layer(kind)), values
