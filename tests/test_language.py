"""The article's language from its text, and writing direction."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postkit import language
from postkit.language import detect_language, text_direction

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples/october-revolution/article.txt"
# Sentences from public texts in each language (not written for these tests), with where they come from.
SAMPLES = json.loads((Path(__file__).parent / "data/lang-paragraphs.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("sample", SAMPLES, ids=[f"{s['lang']}-{i}" for i, s in enumerate(SAMPLES)])
def test_real_paragraphs(sample):
    assert detect_language(sample["text"]) == sample["lang"]


def test_the_english_example():
    assert detect_language(EXAMPLE.read_text(encoding="utf-8")) == "en"


@pytest.fixture
def no_model(monkeypatch):
    """Fail if lingua is asked for a detector."""

    def refuse(candidates):
        msg = f"a model was loaded for {candidates}"
        raise AssertionError(msg)

    monkeypatch.setattr(language, "_detector", refuse)


@pytest.mark.parametrize("lang", ["ru", "uk", "de", "pl", "pt", "el", "ar", "he", "ja", "zh"])
def test_these_samples_need_no_model(no_model, lang):
    # The script or the alphabet alone decides: "ы" is Russian, "ї" Ukrainian, "ą" Polish, kana Japanese.
    for sample in SAMPLES:
        if sample["lang"] == lang:
            assert detect_language(sample["text"]) == lang


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("한국어는 대한민국과 조선민주주의인민공화국의 공용어이다. 한글로 적는다.", "ko"),
        ("ประเทศไทยมีประวัติศาสตร์ยาวนาน และกรุงเทพมหานครเป็นเมืองหลวง", "th"),
        # Mostly kanji, but kana make it Japanese; Chinese has none.
        ("明治天皇の勅令により新政府が成立した。", "ja"),
        ("清朝新军在武昌发动兵变，旨在推翻清朝统治。", "zh"),
    ],
)
def test_scripts_owned_by_one_language(no_model, text, expected):
    assert detect_language(text) == expected


def test_handles_urls_and_hashtags_do_not_count():
    russian = next(s["text"] for s in SAMPLES if s["lang"] == "ru")
    noise = " ".join(["@themagickalearth", "https://example.com/the/history/of/the/world", "#onthisday"] * 8)
    assert detect_language(f"{noise}\n{russian}\n{noise}") == "ru"


def test_latin_names_in_a_cyrillic_text_do_not_count(no_model):
    russian = next(s["text"] for s in SAMPLES if s["lang"] == "ru")
    assert detect_language(f"{russian} (Kerensky, Petrograd, Bonch-Bruyevich, Winter Palace)") == "ru"


@pytest.mark.parametrize("text", ["", "   ", "1917 — 2017", "Text.", "Да.", "!!! ??? ...", "😀😀😀"])
def test_too_little_to_tell(text):
    assert detect_language(text) is None


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_a_code_or_none(text):
    result = detect_language(text)
    assert result is None or (result.isalpha() and result.islower() and len(result) in (2, 3))


def test_first_detection_in_a_fresh_process_is_cheap():
    # Not a timing test: what matters is which models load. Russian, Arabic and Greek load none, and
    # English loads only the three languages written in a-z alone.
    code = (
        "import json, sys; from postkit import language as L; "
        "texts = json.loads(sys.stdin.read()); "
        "print([L.detect_language(t) for t in texts], L._detector.cache_info().currsize)"
    )
    texts = [next(s["text"] for s in SAMPLES if s["lang"] == lang) for lang in ("ru", "ar", "el")]
    texts.append(EXAMPLE.read_text(encoding="utf-8"))
    env = {**os.environ, "POSTKIT_CACHE_DIR": "off"}
    out = subprocess.run(
        [sys.executable, "-c", code], input=json.dumps(texts), capture_output=True, text=True, check=True, env=env
    ).stdout
    assert out.strip() == "['ru', 'ar', 'el', 'en'] 1"


def test_a_detection_is_cached_between_processes(tmp_path):
    code = (
        "import json, sys; from postkit import language as L; "
        "texts = json.loads(sys.stdin.read()); "
        "print([L.detect_language(t) for t in texts], L._detector.cache_info().currsize, 'lingua' in sys.modules)"
    )
    texts = [EXAMPLE.read_text(encoding="utf-8"), next(s["text"] for s in SAMPLES if s["lang"] == "uk")]
    env = {**os.environ, "POSTKIT_CACHE_DIR": str(tmp_path)}

    def run() -> str:
        return subprocess.run(
            [sys.executable, "-c", code], input=json.dumps(texts), capture_output=True, text=True, check=True, env=env
        ).stdout.strip()

    assert run() == "['en', 'uk'] 1 True"  # Ukrainian's letters alone say which it is
    assert run() == "['en', 'uk'] 0 False"  # the same answers, and lingua not even imported
    # An entry naming a language that was not a candidate, or none, is not believed.
    for forged in ('{"lang": "xx"}', '{"unrelated": 1}'):
        for entry in (tmp_path / "language").iterdir():
            entry.write_text(forged)
        assert run() == "['en', 'uk'] 1 True"


@pytest.mark.parametrize(
    ("lang", "direction"),
    [
        ("ar", "rtl"),
        ("he", "rtl"),
        ("iw", "rtl"),
        ("fa-IR", "rtl"),
        ("ur", "rtl"),
        ("yi", "rtl"),
        ("ps", "rtl"),
        ("sd", "rtl"),
        ("ug", "rtl"),
        ("dv", "rtl"),
        ("ckb", "rtl"),
        ("AR_eg", "rtl"),
        ("az-Arab", "rtl"),
        ("pa-Arab-PK", "rtl"),
        ("en", "ltr"),
        ("ru", "ltr"),
        ("ja", "ltr"),
        ("pa", "ltr"),
        ("ku-Latn", "ltr"),
        ("sd-Deva", "ltr"),
        (None, "ltr"),
        ("", "ltr"),
    ],
)
def test_text_direction(lang, direction):
    assert text_direction(lang) == direction
