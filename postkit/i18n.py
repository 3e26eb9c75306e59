"""The words postkit itself writes (cards, caption, alt text, pages), in the article's language.

Catalogs are gettext ``.po`` files under ``postkit/locale/<lang>/LC_MESSAGES/postkit.po``, compiled to
``.mo`` with Babel's ``pybabel compile``; a language without a catalog falls back to English.
"""

from __future__ import annotations

import gettext
import logging
from functools import lru_cache
from pathlib import Path

log = logging.getLogger("postkit")

DOMAIN = "postkit"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def language_key(lang: str | None) -> str:
    """Return the primary language subtag of a BCP 47 or POSIX tag, lower-cased ("pt-BR" -> "pt")."""
    return (lang or "en").strip().replace("_", "-").split("-")[0].lower() or "en"


@lru_cache(maxsize=64)
def translations(lang: str | None) -> gettext.NullTranslations:
    """Return the catalog for ``lang`` (a region's own catalog first, then the language's); English if none."""
    from babel.support import Translations

    tag = (lang or "en").strip().replace("-", "_")
    candidates = [tag, language_key(lang)] if "_" in tag else [tag]
    catalog = Translations.load(str(LOCALE_DIR), candidates, DOMAIN)
    if not isinstance(catalog, Translations) and language_key(lang) != "en":
        log.warning("postkit has no translation for language '%s'; its own words on the post are in English", lang)
    return catalog
