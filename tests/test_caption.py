"""The caption and alt text: a theme's caption template, its translations and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from postkit import limits
from postkit.caption import CaptionFields, alt_text, hook_line, render_caption
from postkit.errors import ThemeError
from postkit.themes import load_theme


def user_theme(folder: Path, template: str):
    """A theme that extends classic and brings its own caption template."""
    folder.mkdir()
    (folder / "theme.toml").write_text('name = "mine"\nextends = "classic"\n', encoding="utf-8")
    (folder / "caption.txt.j2").write_text(template, encoding="utf-8")
    return load_theme(str(folder))


def fields(lang=None, **changes) -> CaptionFields:
    values = {
        "title": "Штурм Зимнего",
        "date_text": "7 ноября 1917",
        "handle": "kairos",
        "credit": "И. Иванов",
        "credit_label": None,
        "hashtags": ("история",),
        "sentences": ("Первое предложение.", "Второе предложение."),
        "lang": lang,
    }
    return CaptionFields(**{**values, **changes})


def test_a_user_theme_says_postkits_words_in_the_posts_language(tmp_path):
    theme = user_theme(tmp_path / "mine", '{{ _("Swipe") }} {{ ngettext("%(num)s slide", "%(num)s slides", 3) }}\n')
    assert render_caption(theme, fields("ru")) == "Листайте 3 слайда\n"
    assert render_caption(theme, fields("en")) == "Swipe 3 slides\n"
    # A message postkit has no translation for stays as the theme wrote it.
    other = user_theme(tmp_path / "other", '{{ _("Our own words") }}\n')
    assert render_caption(other, fields("ru")) == "Our own words\n"


def test_a_broken_caption_template_is_one_theme_error_naming_the_file(tmp_path):
    theme = user_theme(tmp_path / "mine", "{{ hook }}\n{{ no_such_variable }}\n")
    with pytest.raises(ThemeError, match=r"caption\.txt\.j2, line 2"):
        render_caption(theme, fields("ru"))


def test_credit_label_of_the_article_wins_over_postkits():
    theme = load_theme("classic")
    caption = render_caption(theme, fields("ru", credit_label="Фото"))
    assert "Фото: И. Иванов" in caption and "Иллюстрация" not in caption
    assert "Иллюстрация: И. Иванов" in render_caption(theme, fields("ru"))


def test_caption_fits_instagrams_limit_in_every_language():
    theme = load_theme("classic")
    long = tuple(f"Предложение номер {n} довольно длинное, чтобы не влезть." for n in range(200))
    for lang in ("ru", "ar", "ja", "en"):
        caption = render_caption(theme, fields(lang, sentences=long))
        assert limits.caption_length(caption) <= limits.CAPTION_MAX_CHARS


def test_alt_text_stays_within_instagrams_limit():
    text = alt_text("cover", title="Ω" * 2000, date_text="7.11.1917", credit="Ζ" * 500, lang="ru")
    assert len(text) <= limits.ALT_TEXT_MAX and text.endswith("\u2026")


def test_hook_line_without_a_date_is_the_title():
    assert hook_line("Штурм Зимнего", None, "ru") == "Штурм Зимнего"


def test_a_translation_that_broke_its_placeholders_falls_back_to_english(monkeypatch):
    import gettext

    class Broken(gettext.NullTranslations):
        def gettext(self, message):
            return message.replace("{", "{x").replace("}", "x}")  # "{title}" -> "{xtitlex}"

    monkeypatch.setattr("postkit.caption.translations", lambda lang: Broken())
    assert hook_line("October Revolution", "7 novembre 1917", "fr") == "7 novembre 1917 \u2014 October Revolution"
    cover = alt_text("cover", title="T", date_text="7 novembre 1917", credit="Musée", lang="fr")
    assert cover == "7 novembre 1917: T. Illustration: Musée"
    assert alt_text("closing", title="T", credit="Musée", handle="someone", lang="fr") == (
        "Credit: Musée Follow @someone for more."
    )
