"""postkit's own words in every language: the catalogs, plural rules, the caption, alt text and the two pages."""

from __future__ import annotations

import functools
import io
import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from postkit import i18n, limits
from postkit.caption import CaptionFields, alt_text, hook_line, render_caption
from postkit.i18n import (
    LOCALE_DIR,
    catalog_name,
    default_hashtags,
    direction,
    has_catalog,
    install_translations,
    languages,
    old_style_date,
    series_title,
    translations,
)
from postkit.themes import html_environment

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = ("en", "ru", "uk", "de", "fr", "es", "it", "pt", "el", "ar", "he", "ja", "zh")
LANGUAGES = languages()
FOREIGN = tuple(lang for lang in LANGUAGES if lang != "en")
CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")
_CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "postkit.po"


@functools.cache
def read_catalog(lang: str):
    with po_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


@functools.cache
def extracted() -> dict[str, tuple[str, ...]]:
    """Extract postkit's msgids from its sources with the shipped babel.cfg, as `pybabel extract` does."""
    with (LOCALE_DIR / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, tuple[str, ...]] = {}
    for folder in ("postkit", "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map, options_map, comment_tags=("TRANSLATORS:",)
        ):
            forms = (message,) if isinstance(message, str) else tuple(message)
            found[forms[0]] = forms
    return found


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in _PLACEHOLDER.findall(text)}


def words(text: str) -> set[str]:
    """Latin-letter words of three letters or more, lower-cased: what an English leftover looks like."""
    return {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}


def own_words(lang: str) -> set[str]:
    """The words a language's translations use themselves: French says "Illustration", German "Hashtags"."""
    found: set[str] = set()
    for message in read_catalog(lang):
        if message.id:
            strings = (message.string,) if isinstance(message.string, str) else message.string
            found |= set().union(*(words(s) for s in strings))
    return found


# The catalogs


def test_every_required_language_has_a_catalog():
    assert set(REQUIRED) <= set(LANGUAGES)
    for lang in REQUIRED:
        assert has_catalog(lang), lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_compiles_and_its_mo_is_up_to_date(lang):
    catalog = read_catalog(lang)
    assert not catalog.fuzzy, f"{lang}: the catalog's header is fuzzy, so pybabel compile would skip it"
    problems = [(message.id, errors) for message, errors in catalog.check()]
    assert problems == []
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    mo = po_path(lang).with_suffix(".mo")
    assert mo.read_bytes() == compiled.getvalue(), f"run: pybabel compile -D postkit -d postkit/locale -l {lang}"


def test_template_lists_exactly_the_msgids_in_the_sources():
    with (LOCALE_DIR / "postkit.pot").open("rb") as handle:
        template = read_po(handle)
    in_template = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    assert in_template == set(extracted()), "re-run pybabel extract and update (see postkit/locale/README.md)"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_msgid_in_the_sources_is_translated(lang):
    catalog = read_catalog(lang)
    for msgid, forms in extracted().items():
        message = catalog.get(msgid)
        assert message is not None, f"{lang}: {msgid!r} is missing; run pybabel update"
        assert "fuzzy" not in message.flags, f"{lang}: {msgid!r} is fuzzy"
        strings = (message.string,) if isinstance(message.string, str) else message.string
        assert len(strings) == (catalog.num_plurals if len(forms) > 1 else 1), (lang, msgid)
        assert all(s.strip() for s in strings), f"{lang}: {msgid!r} has an empty translation"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_are_kept_and_every_translation_formats(lang):
    for message in read_catalog(lang):
        if not message.id:
            continue
        ids = (message.id,) if isinstance(message.id, str) else message.id
        strings = (message.string,) if isinstance(message.string, str) else message.string
        expected = set().union(*(placeholders(i) for i in ids))
        if len(ids) == 1:
            assert placeholders(strings[0]) == expected, (lang, message.id, strings[0])
        else:
            # A plural form may leave the number out ("one year ago", Arabic "a year ago", "two years ago"),
            # but no form may bring a placeholder of its own, and together they keep every one.
            assert all(placeholders(s) <= expected for s in strings), (lang, message.id)
            assert set().union(*(placeholders(s) for s in strings)) == expected, (lang, message.id)
        values = dict.fromkeys(expected, "X")
        for text in strings:
            # What gettext's users do with them: % for templates (python-format), str.format for Python.
            formatted = text % values if "%(" in ids[0] else text.format(**values)
            assert "%(" not in formatted and "{" not in formatted, (lang, text)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_rule_is_the_languages_own(lang):
    catalog = read_catalog(lang)
    assert catalog.num_plurals == get_plural(lang).num_plurals
    locale = Locale.parse(lang)
    tags = [tag for tag in _CLDR_ORDER if tag in locale.plural_form.tags or tag == "other"]
    plural = translations(lang).plural
    for n in range(0, 1200):
        assert tags[plural(n)] == locale.plural_form(n), (lang, n)


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [
        ("ru", 1, "1 год"),
        ("ru", 2, "2 года"),
        ("ru", 5, "5 лет"),
        ("ru", 11, "11 лет"),
        ("ru", 21, "21 год"),
        ("ru", 22, "22 года"),
        ("ru", 109, "109 лет"),
        ("uk", 1, "1 рік"),
        ("uk", 3, "3 роки"),
        ("uk", 12, "12 років"),
        ("uk", 109, "109 років"),
        ("de", 1, "vor 1 Jahr"),
        ("de", 109, "vor 109 Jahren"),
        ("fr", 1, "1 an "),
        ("fr", 109, "109 ans"),
        ("ar", 1, "قبل عام"),
        ("ar", 2, "قبل عامين"),
        ("ar", 5, "5 أعوام"),
        ("ar", 11, "11 عامًا"),
        ("ar", 100, "100 عام"),
        ("ar", 109, "109 أعوام"),
        ("he", 1, "לפני שנה"),
        ("he", 2, "לפני שנתיים"),
        ("he", 109, "לפני 109 שנים"),
        ("ja", 1, "1年前"),
        ("ja", 109, "109年前"),
        ("zh", 109, "109年前"),
    ],
)
def test_years_ago_line_follows_the_plural_rules(theme, lang, n, expected):
    caption = render_caption(theme, fields(lang, years_ago=n))
    line = caption.splitlines()[1]
    assert expected in line


# The caption, alt text and cards


def fields(lang: str | None, **extra) -> CaptionFields:
    """Caption data with no English in it, so that any English in the caption is postkit's own."""
    return CaptionFields(
        title="Ωμέγα 1917",
        date_text="7.11.1917",
        handle="kairos_1917",
        credit="Ωμέγα Ζήτα",
        credit_label=None,
        hashtags=("ωμέγα",),
        sentences=("Ωμέγα ζήτα.", "Ζήτα ωμέγα."),
        lang=lang,
        extra={"years_ago": 109, **extra},
    )


@pytest.fixture(scope="module")
def english_caption_words(theme) -> set[str]:
    caption = render_caption(theme, fields("en"))
    own = words(caption) - {"kairos"}
    assert {"years", "ago", "follow", "history", "pictured"} <= own  # the probe sees postkit's words
    return own


@pytest.mark.parametrize("lang", FOREIGN)
def test_caption_has_no_english_word_of_postkits_own(theme, english_caption_words, lang):
    caption = render_caption(theme, fields(lang))
    assert not words(caption) & english_caption_words, caption
    assert "@kairos_1917" in caption and "109" in caption and "Ωμέγα Ζήτα" in caption


@pytest.mark.parametrize("lang", FOREIGN)
def test_alt_text_has_no_english_word_of_postkits_own(lang):
    def alts(lang):
        return " ".join(
            [
                alt_text("cover", title="Ωμέγα", date_text="7.11.1917", credit="Ζήτα", lang=lang),
                alt_text("cover", title="Ωμέγα", has_picture=True, lang=lang),
                alt_text("closing", title="Ωμέγα", credit="Ζήτα", handle="kairos", lang=lang),
                alt_text("closing", title="Ωμέγα", lang=lang),
            ]
        )

    english = words(alts("en")) - {"kairos"}
    assert {"cover", "illustration", "credit", "follow", "end"} <= english
    assert not (words(alts(lang)) & english) - own_words(lang), alts(lang)


@pytest.mark.parametrize("lang", FOREIGN)
def test_card_words_are_translated(lang):
    _ = translations(lang).gettext
    for msgid in ("Swipe", "Pictured", "Follow for a new story from history every day"):
        assert not words(_(msgid)) & words(msgid), (lang, _(msgid))


def test_caption_environments_never_mix_languages(theme):
    first = render_caption(theme, fields("ru"))
    english = render_caption(theme, fields("en"))
    assert render_caption(theme, fields("ru")) == first
    assert "лет назад" in first and "years ago" in english and "лет" not in english
    assert render_caption(theme, fields("ru-RU")) == first  # one catalog, one environment


def test_typography_of_the_language():
    assert translations("fr").gettext("Credit: {credit}") == "Crédit\u00a0: {credit}"
    assert alt_text("cover", title="東京", date_text="1868年1月3日", has_picture=True, lang="ja").endswith("。")
    assert " " not in alt_text("cover", title="東京", date_text="1868年1月3日", lang="ja")
    assert hook_line("Штурм", "7 ноября 1917", "ru") == "7 ноября 1917\u00a0— Штурм"
    assert hook_line("Sturm", "7. November 1917", "de") == "7. November 1917 – Sturm"
    assert hook_line("王政復古", "1868年1月3日", "ja") == "【1868年1月3日】王政復古"


def test_hook_line_stays_within_what_is_shown_before_more():
    title = "Ωμέγα " * 60
    for lang in LANGUAGES:
        line = hook_line(title, "7.11.1917", lang)
        assert len(line) <= limits.CAPTION_VISIBLE_CHARS, lang
        assert "7.11.1917" in line and line.count("\u2026") == 1


def test_series_and_old_style_patterns():
    assert series_title("Ωμέγα", 2, 3, "en") == "Ωμέγα (Part 2/3)"
    assert series_title("Штурм", 2, 3, "ru") == "Штурм (часть 2 из 3)"
    # Russian historians put the Old Style date first and the New Style one in brackets.
    assert old_style_date("7 ноября 1917", "25 октября 1917", "ru") == "25 октября 1917 (7 ноября 1917)"
    assert old_style_date("7 November 1917", "25 October 1917", "en") == "7 November 1917 (O.S. 25 October 1917)"
    for lang in FOREIGN:
        assert "Part" not in series_title("Ωμέγα", 1, 2, lang)
        assert "O.S." not in old_style_date("Α", "Β", lang)


# Languages without a catalog, and tags that are not languages


def test_unknown_language_falls_back_to_english_with_one_warning(theme, caplog, monkeypatch):
    monkeypatch.setattr(i18n, "_warned", set())
    translations.cache_clear()
    with caplog.at_level(logging.WARNING, logger="postkit"):
        caption = render_caption(theme, fields("fi"))
        render_caption(theme, fields("fi-FI"))
        assert translations("fi").gettext("Swipe") == "Swipe"
        assert alt_text("cover", title="Ωμέγα", lang="fi") == "Ωμέγα. Cover illustration."
    warnings = [r for r in caplog.records if "no translation" in r.getMessage()]
    assert len(warnings) == 1 and "'fi'" in warnings[0].getMessage()
    assert "109 years ago today" in caption
    assert default_hashtags("fi") == ()
    translations.cache_clear()


@pytest.mark.parametrize("tag", ["../../../../tmp/x", "en/../ru", "ru\x00", "", "r", "ru-" + "x" * 40, "<b>"])
def test_a_tag_that_is_not_a_language_never_names_a_folder(tag):
    assert catalog_name(tag) is None
    assert direction(tag) == "ltr"
    assert translations(tag).gettext("Swipe") == "Swipe"


@pytest.mark.parametrize(
    ("tag", "catalog"),
    [
        ("ru", "ru"),
        ("ru-RU", "ru"),
        ("ru_RU.UTF-8", "ru"),
        ("pt-BR", "pt"),
        ("zh", "zh"),
        ("zh-CN", "zh"),
        ("zh-Hans", "zh"),
        ("zh-TW", "zh_Hant"),
        ("zh-Hant", "zh_Hant"),
        ("zh-Hant-HK", "zh_Hant"),
        ("he-IL", "he"),
        ("iw", "he"),
        ("fi", None),
    ],
)
def test_a_tag_finds_its_catalog(tag, catalog):
    assert catalog_name(tag) == catalog


def test_direction():
    assert [direction(t) for t in ("ar", "he", "fa-IR", "ur", "yi", "ckb")] == ["rtl"] * 6
    assert [direction(t) for t in ("en", "ru", "ja", "zh-Hant", "az-Latn", None)] == ["ltr"] * 6
    assert direction("ku-Arab") == "rtl" and direction("ar-Latn") == "ltr"


def test_default_hashtags_are_the_languages_own_and_valid():
    assert default_hashtags("en") == ("onthisday", "history")
    assert default_hashtags("ru") == ("вэтотдень", "история")
    for lang in LANGUAGES:
        tags = default_hashtags(lang)
        assert len(tags) == 2, lang
        # Instagram links each as one whole tag.
        assert limits.hashtags_in(" ".join(f"#{t}" for t in tags)) == list(tags)


# The pages


class _Page(HTMLParser):
    """Collect a page's elements (tag, attributes) and its visible text."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)

    def find(self, tag, **attrs):
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def words(self) -> set[str]:
        """The words a reader meets: the visible text, the title, aria labels and alt text."""
        shown = " ".join(self.text)
        for _tag, attrs in self.elements:
            shown += " " + " ".join(v or "" for k, v in attrs.items() if k in ("aria-label", "alt", "title"))
            shown += " " + (attrs.get("aria-roledescription") or "") + " " + (attrs.get("data-failed") or "")
        return words(shown)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def render_page(name: str, lang: str | None, **context) -> str:
    env = html_environment()
    if lang is not None:
        install_translations(env, lang)
        context.setdefault("lang", lang)
        context.setdefault("direction", direction(lang))
    return env.get_template(name).render(**context)


def preview_context(title="Ωμέγα", handle="kairos", **overrides):
    from markupsafe import Markup

    from postkit.preview import caption_tokens

    slides = [
        {"number": n, "src": f"0{n}.jpg", "alt": f"Ωμέγα {n}", "kind": kind}
        for n, kind in enumerate(("cover", "text", "closing"), start=1)
    ]
    caption = "Ωμέγα ζήτα.\n\n#ωμέγα @kairos " + "ζήτα " * 40
    context = {
        "title": title,
        "handle": handle,
        "initial": "Ω",
        "width": 1080,
        "height": 1350,
        "slides": slides,
        "cover": slides[0],
        "caption_full": caption_tokens(caption),
        "caption_head": caption_tokens(caption[:100]),
        "caption_cut": True,
        "caption_length": len(caption),
        "caption_max": limits.CAPTION_MAX_CHARS,
        "caption_visible": limits.CAPTION_VISIBLE_CHARS,
        "hashtag_count": 1,
        "hashtags_recommended": limits.HASHTAGS_RECOMMENDED,
        "contact": "contact.png",
        "live": False,
        "state_path": "/state",
        "script": Markup(""),
        "script_hash": "x",
    }
    return {**context, **overrides}


def test_preview_page_defaults_to_english_left_to_right():
    page = parse(render_page("preview.html.j2", None, **preview_context()))
    assert page.find("html", lang="en", dir="ltr")
    assert page.find("div", id="caption", lang="en", dir="ltr")


@pytest.mark.parametrize(("lang", "dir_"), [("ar", "rtl"), ("he", "rtl"), ("ru", "ltr"), ("ja", "ltr")])
def test_preview_page_sets_language_and_direction(lang, dir_):
    html = render_page("preview.html.j2", lang, **preview_context())
    page = parse(html)
    assert page.find("html", lang=lang, dir=dir_)
    assert page.find("div", id="caption", lang=lang, dir=dir_)
    slides = [a for t, a in page.elements if t == "div" and "slide" in (a.get("class") or "").split()]
    assert len(slides) == 3 and all(s.get("lang") == lang and s.get("dir") == dir_ for s in slides)
    # A right-to-left post's carousel runs right to left, as Instagram runs it in Arabic and Hebrew.
    assert page.find("div", id="media", dir=dir_)
    csp = page.find("meta", **{"http-equiv": "Content-Security-Policy"})
    assert csp and "default-src 'none'" in csp[0]["content"]


@pytest.mark.parametrize("lang", FOREIGN)
def test_preview_page_has_no_english_word_of_postkits_own(lang):
    english = parse(render_page("preview.html.j2", "en", **preview_context())).words()
    assert {"follow", "more", "preview", "slides", "caption", "hashtags"} <= english
    leftovers = (parse(render_page("preview.html.j2", lang, **preview_context())).words() & english) - own_words(lang)
    assert leftovers - {"contact", "png", "jpg", "kairos"} == set()


def test_preview_isolates_the_articles_texts():
    evil = "\u202eevil\u202d"
    closed = f"{evil}\u202c\u202c"  # each override is closed inside the text it came in
    html = render_page("preview.html.j2", "en", **preview_context(title=evil, handle=evil))
    assert f"<title>Preview: \u2068{closed}\u2069</title>" in html
    assert f'<bdi class="handle">{closed}</bdi>' in html and f'<bdi class="who">{closed}</bdi>' in html
    assert "unicode-bidi: plaintext" in render_page("preview.css", None)


def test_preview_numbers_in_the_languages_format():
    page = " ".join(parse(render_page("preview.html.j2", "de", **preview_context())).text)
    assert f"von {limits.CAPTION_MAX_CHARS:,} Zeichen".replace(",", ".") in page
    assert "Vorschau · nicht veröffentlicht" in page


def index_context(titles, count=None):
    posts = [
        {
            "title": t,
            "date": "1917-11-07" if k else None,
            "thumbnail": f"p{k}/01.jpg",
            "link": f"p{k}/",
            "slides": k + 1,
        }
        for k, t in enumerate(titles)
    ]
    return {"posts": posts, "count": len(posts) if count is None else count, "title": "out"}


def test_batch_index_has_csp_and_loads_nothing():
    html = render_page("batch/index.html.j2", None, **index_context(["Ωμέγα"]))
    page = parse(html)
    assert page.find("meta", **{"http-equiv": "Content-Security-Policy", "content": CSP})
    assert page.find("meta", name="referrer", content="no-referrer")
    assert page.find("html", lang="en", dir="ltr")
    assert not re.search(r"(src|href)=\"(https?:)?//", html)


def test_batch_index_isolates_titles_and_escapes_them():
    evil = "\u202e<script>alert(1)</script>"
    html = render_page("batch/index.html.j2", "en", **index_context([evil, "Ωμέγα"]))
    assert "<script>" not in html
    page = parse(html)
    assert len(page.find("div", **{"class": "title", "dir": "auto"})) == 2
    assert "<h1><bdi>out</bdi>: 2 posts</h1>" in html
    assert page.find("img", alt="Cover of \u2068\u202e<script>alert(1)</script>\u202c\u2069")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["1 slide", "2 slides", "undated"]),
        ("ru", ["1 слайд", "2 слайда", "без даты", "2 публикации"]),
        ("ar", ["شريحة واحدة", "شريحتان", "بلا تاريخ", "منشوران"]),
        ("he", ["שקופית אחת", "שתי שקופיות", "ללא תאריך"]),
    ],
)
def test_batch_index_in_the_languages_words(lang, expected):
    html = render_page("batch/index.html.j2", lang, **index_context(["Ωμέγα", "Ζήτα"]))
    for text in expected:
        assert text in html, (lang, text)
    assert parse(html).find("html", lang=lang, dir=direction(lang))


def test_batch_index_through_write_index(tmp_path):
    import json

    from postkit.batch import write_index

    for name, title in (("1917-11-07-a", "\u202eΩμέγα"), ("b", "<b>Ζήτα</b>")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "post.json").write_text(
            json.dumps({"title": title, "date": "1917-11-07", "slides": [{"file": "01.jpg"}]}), encoding="utf-8"
        )
    page = parse(write_index(tmp_path).read_text(encoding="utf-8"))
    assert page.find("meta", **{"http-equiv": "Content-Security-Policy", "content": CSP})
    assert len(page.find("div", **{"class": "title", "dir": "auto"})) == 2
    assert "<b>Ζήτα</b>" in " ".join(page.text)


# The preview in a real browser: a right-to-left carousel

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


def write_page(folder: Path, lang: str) -> Path:
    """Write a three-slide preview page in ``lang`` with real slide pictures, as preview.py renders it."""
    import base64
    import hashlib

    from markupsafe import Markup
    from PIL import Image

    for n, shade in enumerate((60, 120, 180), start=1):
        Image.new("RGB", (108, 135), (shade, shade, shade)).save(folder / f"0{n}.jpg")
    env = html_environment()
    install_translations(env, lang)
    script = env.get_template("preview.js").render()
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    context = preview_context(script=Markup(script), script_hash=digest, lang=lang, direction=direction(lang))
    page = folder / f"preview-{lang}.html"
    page.write_text(env.get_template("preview.html.j2").render(**context), encoding="utf-8")
    return page


@pytest.mark.parametrize(("lang", "forward_key"), [("ar", "ArrowLeft"), ("en", "ArrowRight")])
def test_carousel_runs_in_the_posts_direction(chromium, tmp_path, lang, forward_key):
    context = chromium.new_context(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(write_page(tmp_path, lang).as_uri(), wait_until="load")
        media = page.locator("#media").bounding_box()
        centre = media["x"] + media["width"] / 2
        # The next-slide button sits on the side the next slide comes from.
        next_box = page.locator("#next").bounding_box()
        assert (next_box["x"] < centre) == (lang == "ar")
        page.keyboard.press(forward_key)
        assert page.inner_text("#counter") == "2/3"
        page.wait_for_function(
            """() => {
                const media = document.getElementById("media").getBoundingClientRect();
                const slide = document.querySelectorAll(".slide")[1].getBoundingClientRect();
                return Math.abs(slide.left - media.left) < 0.5;
            }""",
            timeout=10_000,
        )
        page.click("#next")
        assert page.inner_text("#counter") == "3/3" and page.is_hidden("#next")
        # Going back drags the slide towards where the next one comes from: left in Arabic, right in English.
        y = media["y"] + media["height"] / 2
        left, right = media["x"] + media["width"] * 0.2, media["x"] + media["width"] * 0.8
        start, end = (right, left) if lang == "ar" else (left, right)
        page.mouse.move(start, y)
        page.mouse.down()
        page.mouse.move(end, y, steps=8)
        page.mouse.up()
        assert page.inner_text("#counter") == "2/3"
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize(
    ("tag", "known"),
    [("pl", True), ("pt-BR", True), ("iw", True), ("yue", True), ("xx", False), ("zz-ZZ", False), ("../x", False)],
)
def test_a_language_must_be_one_cldr_knows(tag, known):
    assert i18n.known_language(tag) is known
