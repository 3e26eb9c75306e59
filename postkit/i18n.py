"""The words postkit itself writes (cards, caption, alt text, pages), in the article's language.

Catalogs are gettext ``.po`` files under ``postkit/locale/<lang>/LC_MESSAGES/postkit.po``, compiled to
``.mo`` with Babel's ``pybabel compile`` (see ``postkit/locale/README.md``). A language without a catalog
falls back to English with one warning per process. Python code marks its words with ``gettext`` (or an
alias ``_``) on ``translations(lang)``; templates say ``{{ _("Swipe") }}`` and
``{{ ngettext("%(num)s slide", "%(num)s slides", n) }}`` once ``install_translations`` has run on their
environment.
"""

from __future__ import annotations

import gettext
import logging
import re
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

if TYPE_CHECKING:
    from babel import Locale

log = logging.getLogger("postkit")

DOMAIN = "postkit"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

# Languages written without spaces between words or after a sentence's full stop.
NO_SPACE_LANGUAGES = frozenset({"ja", "zh", "yue", "wuu"})
# Deprecated codes that systems still send (Java and Android say "iw" for Hebrew).
_ALIASES = {"iw": "he", "ji": "yi", "in": "id"}
# Chinese regions whose people read Traditional characters when the tag names no script.
_HANT_REGIONS = frozenset({"TW", "HK", "MO"})
# A BCP 47 or POSIX language tag without encoding or modifier: "ru", "pt-BR", "zh_Hant_TW", "ckb".
# Checked before a tag names a folder: an article's ``lang:`` must never reach a path like "../../x".
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,4}")

# "On this day" and "history" as each language's accounts tag them; () for a language without a catalog.
_HASHTAGS: dict[str, tuple[str, ...]] = {
    "en": ("onthisday", "history"),
    "ru": ("вэтотдень", "история"),
    "uk": ("цейденьвісторії", "історія"),
    "de": ("andiesemtag", "geschichte"),
    "fr": ("cejourlà", "histoire"),
    "es": ("undíacomohoy", "historia"),
    "it": ("accaddeoggi", "storia"),
    "pt": ("hojenahistória", "história"),
    "el": ("σανσήμερα", "ιστορία"),
    "ar": ("في_مثل_هذا_اليوم", "تاريخ"),
    "he": ("היום_בהיסטוריה", "היסטוריה"),
    "ja": ("今日は何の日", "歴史"),
    "zh": ("历史上的今天", "历史"),
    "zh_Hant": ("歷史上的今天", "歷史"),
}

_warned: set[str] = set()


def language_key(lang: str | None) -> str:
    """Return the primary language subtag of a BCP 47 or POSIX tag, lower-cased ("pt-BR" -> "pt")."""
    return (lang or "en").strip().replace("_", "-").split("-")[0].lower() or "en"


def _clean(lang: str) -> str:
    """Drop a POSIX locale's encoding and modifier ("ru_RU.UTF-8" -> "ru_RU") and surrounding spaces."""
    return lang.strip().split(".")[0].split("@")[0]


def is_language_tag(lang: object) -> TypeGuard[str]:
    """Tell whether ``lang`` looks like a language tag ("ru", "pt-BR", "zh_Hant"), safe to name a folder."""
    return isinstance(lang, str) and _TAG.fullmatch(_clean(lang)) is not None


@lru_cache(maxsize=256)
def known_language(lang: str | None) -> bool:
    """Tell whether ``lang`` is a tag of a language CLDR knows ("pl", "pt-BR", "iw"), not just a tag's shape ("xx")."""
    if not is_language_tag(lang):
        return False
    from babel import localedata

    primary = language_key(lang)
    return localedata.exists(_ALIASES.get(primary, primary))


def tag_parts(lang: str | None) -> tuple[str, str | None, str | None] | None:
    """Split a BCP 47 or POSIX tag into language, script and region, or None if ``lang`` is no tag.

    "zh_TW.UTF-8" -> ("zh", None, "TW"), "sr-Latn" -> ("sr", "Latn", None), "iw" -> ("he", None, None):
    the language lower-case with retired codes replaced, the script title-case, the region upper-case.
    """
    if not is_language_tag(lang):
        return None
    primary, *rest = _clean(lang).replace("-", "_").split("_")
    primary = _ALIASES.get(primary.lower(), primary.lower())
    script = next((p.title() for p in rest if len(p) == 4 and p.isalpha()), None)
    region = next((p.upper() for p in rest if (len(p) == 2 and p.isalpha()) or (len(p) == 3 and p.isdigit())), None)
    return primary, script, region


def catalog_names(lang: str | None) -> list[str]:
    """Return the catalog folder names that could serve ``lang``, most specific first.

    "zh-Hant-TW" -> zh_Hant_TW, zh_Hant, zh_TW, zh; "zh-TW" reads as Traditional Chinese; "pt-BR" -> pt_BR, pt.
    """
    parts = tag_parts(lang)
    if parts is None:
        return []
    primary, script, region = parts
    if primary == "zh" and script is None and region in _HANT_REGIONS:
        script = "Hant"
    names = []
    if script and region:
        names.append(f"{primary}_{script}_{region}")
    if script:
        names.append(f"{primary}_{script}")
    if region:
        names.append(f"{primary}_{region}")
    names.append(primary)
    return names


@lru_cache(maxsize=256)
def catalog_name(lang: str | None) -> str | None:
    """Return the folder name of the shipped catalog that serves ``lang`` ("zh-TW" -> "zh_Hant"), or None."""
    for name in catalog_names(lang):
        if (LOCALE_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file():
            return name
    return None


def has_catalog(lang: str | None) -> bool:
    """Tell whether postkit ships a catalog for ``lang`` (English has one too)."""
    return catalog_name(lang) is not None


def languages() -> tuple[str, ...]:
    """Return the folder names of every shipped catalog, sorted ("ar", "de", ..., "zh_Hant")."""
    if not LOCALE_DIR.is_dir():
        return ()
    return tuple(sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")))


@lru_cache(maxsize=64)
def translations(lang: str | None) -> gettext.NullTranslations:
    """Return the catalog for ``lang`` (a region's or script's own catalog first, then the language's).

    A language without one gets English (postkit's msgids) and one warning per process.
    """
    name = catalog_name(lang)
    if name is None:
        if (warning := missing_catalog_warning(lang)) is not None:
            log.warning(warning)
        return gettext.NullTranslations()
    # The standard library reads a compiled catalog (plural rules included); Babel's Translations would
    # add 15 ms of imports to every post for features postkit does not use.
    with open(LOCALE_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.mo", "rb") as catalog:
        return gettext.GNUTranslations(catalog)


def missing_catalog_warning(lang: str | None) -> str | None:
    """Say, once per process and language, that postkit has no catalog for ``lang`` (None if it has, or said so)."""
    key = language_key(lang) if is_language_tag(lang) else repr(lang)
    if not lang or key == "en" or key in _warned or catalog_name(lang) is not None:
        return None
    _warned.add(key)
    return f"postkit has no translation for language '{lang}'; its own words on the post are in English"


def direction(lang: str | None) -> str:
    """Return "rtl" for a language written right to left (Arabic, Hebrew, Persian...), else "ltr"."""
    from postkit.language import text_direction

    return text_direction(lang)


def sentence_separator(lang: str | None) -> str:
    """Return what goes between two sentences: nothing in Chinese and Japanese ("。" ends them), else a space."""
    return "" if language_key(lang) in NO_SPACE_LANGUAGES else " "


@lru_cache(maxsize=64)
def babel_locale(lang: str | None) -> Locale:
    """Return the Babel Locale for ``lang``, English if Babel does not know it."""
    from babel import Locale, UnknownLocaleError

    if is_language_tag(lang):
        try:
            return Locale.parse(_clean(lang).replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            pass
    return Locale("en")


def format_number(number: int | float, lang: str | None = None) -> str:
    """Format ``number`` with the language's digit grouping and decimal mark ("2,200", "2 200", "2.200")."""
    from babel.numbers import format_decimal

    return format_decimal(number, locale=babel_locale(lang))


def install_translations(env: Any, lang: str | None) -> Any:
    """Give a Jinja environment ``lang``'s ``_``, ``gettext``, ``ngettext`` and ``format_number``; return it.

    The callables are new-style: ``_("Follow @%(handle)s", handle=h)`` formats (and, in HTML, escapes) its
    values. Install on an environment that serves one language only: a cached environment shared by two
    languages would give one post the other's words.
    """
    if "jinja2.ext.InternationalizationExtension" not in env.extensions:
        env.add_extension("jinja2.ext.i18n")
    env.install_gettext_translations(translations(lang), newstyle=True)
    env.globals["format_number"] = partial(format_number, lang=lang)
    return env


def default_hashtags(lang: str | None) -> tuple[str, ...]:
    """Return the conventional "on this day" and "history" hashtags of ``lang`` (no "#"), or () if none."""
    name = catalog_name(lang)
    if name is None:
        return ()
    return _HASHTAGS.get(name) or _HASHTAGS.get(language_key(name), ())


def format_message(lang: str | None, msgid: str, translated: str, **values: Any) -> str:
    """Fill a translated ``{placeholder}`` message; a catalog that broke its placeholders gets the English one.

    A broken translation must not break a post (the tests check every shipped catalog's placeholders).
    """
    try:
        return translated.format(**values)
    except (KeyError, IndexError, ValueError):
        log.warning("the %s catalog's translation of %r is broken; using English", lang, msgid)
        return msgid.format(**values)


def series_title(title: str, part: int, parts: int, lang: str | None) -> str:
    """Return the title of part ``part`` of ``parts`` of a series, in ``lang`` ("… (Part 2/3)")."""
    # TRANSLATORS: the title of one post of a series made from a long article.
    pattern = translations(lang).gettext("{title} (Part {part}/{parts})")
    return format_message(lang, "{title} (Part {part}/{parts})", pattern, title=title, part=part, parts=parts)


def old_style_date(new: str, old: str, lang: str | None) -> str:
    """Return a date with its Julian (Old Style) form, the way the language's historians write both."""
    # TRANSLATORS: {new} is the Gregorian date, {old} the Julian (Old Style) one, both already written out;
    # put them in the order and words your historians use, e.g. Russian "{old} ({new})".
    pattern = translations(lang).gettext("{new} (O.S. {old})")
    return format_message(lang, "{new} (O.S. {old})", pattern, new=new, old=old)
