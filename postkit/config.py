"""Settings for one post: defaults < theme.toml < postkit.toml < front matter < flags, validated once."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from postkit import limits
from postkit.errors import PostkitError

FORMATS = ("portrait", "square", "landscape", "story")
MIN_SLIDES = 3  # cover, one text slide, closing slide


class SettingsError(PostkitError):
    """A setting has a value postkit cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything that shapes one post besides the article's text."""

    theme: str = "classic"
    format: str = "portrait"
    max_slides: int = limits.MAX_SLIDES_API
    handle: str | None = None
    image: Path | None = None
    hashtags: tuple[str, ...] | None = None
    out: Path | None = None

    def merged(self, layer: dict[str, Any]) -> Settings:
        """Return a copy with the non-None values of ``layer`` on top."""
        known = {f.name for f in fields(self)}
        return replace(self, **{k: v for k, v in layer.items() if v is not None and k in known})


def resolve_settings(
    front_matter: dict[str, Any], flags: dict[str, Any], library: dict[str, Any] | None = None
) -> Settings:
    """Merge the layers and validate the result; raise one SettingsError listing every problem.

    :param library: a library's postkit.toml settings, below the front matter (see postkit.library).
    """
    settings = Settings().merged(library or {}).merged(front_matter).merged(flags)
    errors = []
    if settings.format not in FORMATS:
        errors.append(f"format must be one of {', '.join(FORMATS)}, not '{settings.format}'")
    if not isinstance(settings.max_slides, int) or not MIN_SLIDES <= settings.max_slides <= limits.MAX_SLIDES_APP:
        errors.append(
            f"--max-slides must be between {MIN_SLIDES} and {limits.MAX_SLIDES_APP} (Instagram's limit), "
            f"not {settings.max_slides}"
        )
    if settings.handle is not None:
        handle = settings.handle.strip().lstrip("@")
        if not handle or not all(c.isalnum() or c in "._" for c in handle) or len(handle) > 30:
            errors.append(
                f"handle '{settings.handle}' is not an Instagram username (letters, digits, '.', '_'; up to 30)"
            )
        settings = replace(settings, handle=handle or None)
    if errors:
        raise SettingsError("; ".join(errors))
    return settings
