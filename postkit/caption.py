"""Write caption.txt and each slide's alt text within Instagram's limits, in the post's language."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from postkit import limits
from postkit.errors import CheckError
from postkit.i18n import catalog_name, format_message, install_translations, sentence_separator, translations
from postkit.themes import Theme, jinja_environment, render_template

if TYPE_CHECKING:
    from jinja2 import Environment

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
    lang: str | None = None  # the article's language: postkit's own words in the caption are in it
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


def hook_line(title: str, date_text: str | None, lang: str | None = None) -> str:
    """Return the caption's first line, date and title, within the 125 characters shown before "more"."""
    if not date_text:
        return shorten(title, limits.CAPTION_VISIBLE_CHARS)
    # TRANSLATORS: the caption's first line; the dash and its spaces as your typesetters set them.
    pattern = translations(lang).gettext("{date} \u2014 {title}")
    line = format_message(lang, "{date} \u2014 {title}", pattern, date=date_text, title="\x00")
    prefix, _, suffix = line.partition("\x00")  # NUL marks where the title goes: no article holds one
    return prefix + shorten(title, limits.CAPTION_VISIBLE_CHARS - len(prefix) - len(suffix)) + suffix


def lead(sentences: Sequence[str], budget: int, separator: str = " ") -> str:
    """Take whole sentences from the start of the body up to ``budget`` characters (at least one).

    ``separator`` goes between sentences: a space, or nothing in Chinese and Japanese.
    """
    text = ""
    for sentence in sentences:
        candidate = f"{text}{separator}{sentence}".strip() if text else sentence.strip()
        if text and len(candidate) > budget:
            break
        text = candidate
    return shorten(text, max(budget, 40))


_environments: dict[tuple[tuple[str, ...], str | None], Environment] = {}


def _environment(theme: Theme, lang: str | None = None) -> Environment:
    """Return one Jinja environment per template search path and catalog: a batch compiles a template once.

    The gettext callables live in the environment, so a worker making posts in two languages gets two
    environments and never gives one post the other's words. Jinja's own cache checks the template
    file's modification time, so an edited template is reloaded.
    """
    key = (tuple(str(folder) for folder in theme.template_dirs()), catalog_name(lang))
    env = _environments.get(key)
    if env is None:
        env = _environments[key] = install_translations(jinja_environment(theme), lang)
    return env


def render_caption(theme: Theme, fields: CaptionFields) -> str:
    """Render the theme's caption template in ``fields.lang``, shortening the lead until it fits 2,200 characters."""
    env = _environment(theme, fields.lang)
    budget = _LEAD_CHARS
    while True:
        # A theme's template error becomes one ThemeError naming its file and line.
        text = render_template(
            env,
            CAPTION_TEMPLATE,
            hook=hook_line(fields.title, fields.date_text, fields.lang),
            lead=lead(fields.sentences, budget, sentence_separator(fields.lang)),
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
    lang: str | None = None,
) -> str:
    """Describe one slide for screen readers in ``lang``, within Instagram's 1,000 characters."""
    _ = translations(lang).gettext
    fill = partial(format_message, lang)  # the msgid, then its translation: a broken one falls back to English
    space = sentence_separator(lang)
    if kind == "cover":
        if date_text:
            # TRANSLATORS: the cover's alt text: the date and the title as one sentence.
            parts = [fill("{date}: {title}.", _("{date}: {title}."), date=date_text, title=title)]
        else:
            # TRANSLATORS: the cover's alt text for an undated post: the title as one sentence.
            parts = [fill("{title}.", _("{title}."), title=title)]
        if has_picture and credit:
            parts.append(fill("Illustration: {credit}", _("Illustration: {credit}"), credit=credit))
        elif has_picture:
            parts.append(_("Cover illustration."))
        result = space.join(parts)
    elif kind == "closing":
        parts = []
        if credit:
            parts.append(fill("Credit: {credit}", _("Credit: {credit}"), credit=credit))
        if handle:
            parts.append(fill("Follow @{handle} for more.", _("Follow @{handle} for more."), handle=handle))
        else:
            parts.append(fill("End of {title}.", _("End of {title}."), title=title))
        result = space.join(parts)
    else:
        result = " ".join(text.split())
    return shorten(result, limits.ALT_TEXT_MAX)
