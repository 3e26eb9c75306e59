"""Write caption.txt and each slide's alt text within Instagram's limits."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from postkit import limits
from postkit.errors import CheckError
from postkit.themes import Theme, jinja_environment

log = logging.getLogger("postkit")

CAPTION_TEMPLATE = "caption.txt.j2"
_LEAD_CHARS = 300


@dataclass(frozen=True)
class CaptionFields:
    """What the caption template is given: all of it data from the article, none of it template."""

    title: str
    date_text: str | None
    handle: str | None
    credit: str | None
    credit_label: str | None
    hashtags: tuple[str, ...]
    sentences: tuple[str, ...]  # the body's sentences, in order, for the lead
    # More variables for the template, e.g. a batch's years_ago and anniversary (see EXTRA_DEFAULTS).
    extra: Mapping[str, Any] = field(default_factory=dict)


# Variables a template may always use: None unless the caller knows them (postkit batch does).
EXTRA_DEFAULTS: dict[str, Any] = {"years_ago": None, "anniversary": None, "part": None, "parts": None}


def shorten(text: str, limit: int, ellipsis: str = "\u2026") -> str:
    """Cut ``text`` at a word boundary so that it is at most ``limit`` characters, marking the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ellipsis) + 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    else:
        cut = cut[: limit - len(ellipsis)]
    return cut.rstrip(" ,;:\u2014-") + ellipsis


def hook_line(title: str, date_text: str | None) -> str:
    """Return the caption's first line, date and title, within the 125 characters shown before "more"."""
    prefix = f"{date_text} \u2014 " if date_text else ""
    return prefix + shorten(title, limits.CAPTION_VISIBLE_CHARS - len(prefix))


def lead(sentences: Sequence[str], budget: int) -> str:
    """Take whole sentences from the start of the body up to ``budget`` characters (at least one)."""
    text = ""
    for sentence in sentences:
        candidate = f"{text} {sentence}".strip()
        if text and len(candidate) > budget:
            break
        text = candidate
    return shorten(text, max(budget, 40))


_environments: dict[tuple[str, ...], Any] = {}


def _environment(theme: Theme):
    """Return one Jinja environment per template search path: a batch compiles the caption template once.

    Jinja's own cache checks the template file's modification time, so an edited template is reloaded.
    """
    key = tuple(str(folder) for folder in theme.template_dirs())
    env = _environments.get(key)
    if env is None:
        env = _environments[key] = jinja_environment(theme)
    return env


def render_caption(theme: Theme, fields: CaptionFields) -> str:
    """Render the theme's caption template, shortening the lead until it fits 2,200 characters."""
    template = _environment(theme).get_template(CAPTION_TEMPLATE)
    budget = _LEAD_CHARS
    while True:
        text = template.render(
            hook=hook_line(fields.title, fields.date_text),
            lead=lead(fields.sentences, budget),
            title=fields.title,
            date_text=fields.date_text,
            handle=fields.handle,
            credit=fields.credit,
            credit_label=fields.credit_label,
            hashtags=list(fields.hashtags),
            **{**EXTRA_DEFAULTS, **fields.extra},
        )
        text = tidy(text)
        if limits.caption_length(text) <= limits.CAPTION_MAX_CHARS or budget <= 40:
            return text
        budget //= 2


def tidy(text: str) -> str:
    """Trim trailing spaces, collapse runs of blank lines to one, end with a single newline."""
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", text) + "\n"


def check_caption(text: str, source: str) -> None:
    """Raise CheckError, before any card is drawn, if the caption breaks one of Instagram's hard limits.

    Soft limits (more than 5 hashtags) are reported with the whole post's check.
    """
    from postkit.check import ERROR, caption_violations

    errors = [v.message for v in caption_violations(text.removesuffix("\n")) if v.level == ERROR]
    if errors:
        msg = f"{source}: the caption breaks Instagram's limits: " + "; ".join(errors)
        raise CheckError(msg)


def alt_text(
    kind: str,
    *,
    title: str = "",
    date_text: str | None = None,
    credit: str | None = None,
    handle: str | None = None,
    text: str = "",
    has_picture: bool = True,
) -> str:
    """Describe one slide for screen readers, within Instagram's 1,000 characters."""
    if kind == "cover":
        parts = [f"{date_text}: {title}." if date_text else f"{title}."]
        if has_picture:
            parts.append(f"Illustration: {credit}" if credit else "Cover illustration.")
        result = " ".join(parts)
    elif kind == "closing":
        parts = []
        if credit:
            parts.append(f"Credit: {credit}")
        parts.append(f"Follow @{handle} for more." if handle else f"End of {title}.")
        result = " ".join(parts)
    else:
        result = " ".join(text.split())
    return shorten(result, limits.ALT_TEXT_MAX)
