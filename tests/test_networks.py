"""Text as each network counts it (issue 13's first part): limits as data, lengths as the networks count."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postkit.limits import COUNTINGS, NETWORKS
from postkit.networks import fits, shorten, text_length, thread_posts

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji of five code points, 18 UTF-8 bytes


@pytest.mark.parametrize(
    ("text", "counting", "length"),
    [
        ("Hello", "x", 5),
        ("https://en.wikipedia.org/wiki/October_Revolution", "x", 23),  # any URL weighs 23
        ("Read https://example.org now \U0001f600", "x", 5 + 23 + 5 + 2),  # an emoji weighs 2
        ("十月革命", "x", 8),  # CJK weighs 2 a character
        ("Октябрьская революция", "x", 21),  # Cyrillic is in the light range
        (FAMILY, "x", 2),
        (FAMILY, "graphemes", 1),
        (FAMILY, "chars", 5),
        (FAMILY, "utf16", 8),
        (FAMILY, "threads", 18),  # Threads: an emoji counts its UTF-8 bytes
        ("Hi \U0001f600", "threads", 3 + 4),
        ("e\u0301te\u0301", "graphemes", 3),  # letters with combining accents are one each
        ("\U0001f600", "utf16", 2),
    ],
)
def test_each_network_counts_as_its_documentation_says(text, counting, length):
    assert text_length(text, counting) == length


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126)))
def test_plain_ascii_is_its_length_everywhere(text):
    text = re.sub(r"(?i)https?://|www\.", "", text).replace(".", " ")  # no URL or domain: those weigh 23 on X
    assert {text_length(text, counting) for counting in COUNTINGS} == {len(text)}


def test_the_limits_are_data_with_a_source():
    assert set(NETWORKS) == {"threads", "bluesky", "mastodon", "x", "linkedin", "facebook", "tiktok"}
    for key, limits in NETWORKS.items():
        assert limits.counting in COUNTINGS and limits.text > 0, key
        assert "." in limits.source and " " not in limits.source, key  # an address
    assert (NETWORKS["bluesky"].images, NETWORKS["bluesky"].image_bytes, NETWORKS["bluesky"].text) == (
        4,
        1_000_000,
        300,
    )
    assert NETWORKS["bluesky"].alt_required


def test_a_text_fits_by_each_networks_own_count():
    text = "x" * 299 + "\U0001f6a9"  # 300 graphemes, 301 code points, 303 Threads units, 301 on X
    assert fits(text, "bluesky") and not fits(text + "x", "bluesky")
    assert fits(text, "threads") and not fits(text, "x")
    assert fits(text, "mastodon") and not fits(text * 2, "mastodon")  # 301 and 602 code points, of 500


def test_an_unknown_counting_is_refused():
    with pytest.raises(ValueError, match="counting must be one of"):
        text_length("x", "bytes")


ARTICLE_TEXT = (
    "The first Russian revolution of 1917 toppled the Tsar in March. The second, in November, ended the period "
    "of Provisional Government in Russia and started the Bolshevik era. On November 6, the forces acting under "
    "the Bolshevik Milrevkom seized important strategic areas in Petrograd. Pre-empting Kerensky's small forces, "
    "Red Guards took over the state bank, the telephone exchange, and posted guards on bridges over the Neva."
)  # the example article's first sentences (examples/october-revolution)


@pytest.mark.parametrize("network", ["x", "bluesky", "threads", "mastodon"])
def test_a_text_is_shortened_at_a_sentence_end_to_fit(network):
    from postkit.slicing import sentence_spans

    suffix = " #OnThisDay"
    short = shorten(ARTICLE_TEXT, network, "en", suffix)
    limits = NETWORKS[network]
    assert text_length(short + suffix, limits.counting) <= limits.text
    assert ARTICLE_TEXT.startswith(short)
    ends = {ARTICLE_TEXT[:end].rstrip() for _, end in sentence_spans(ARTICLE_TEXT, "en")}
    assert short in ends  # whole sentences, never cut inside one
    if short != ARTICLE_TEXT:
        following = ARTICLE_TEXT[: len(short) + 1 + ARTICLE_TEXT[len(short) + 1 :].find(".") + 1]
        assert text_length(following + suffix, limits.counting) > limits.text  # the longest that fits


def test_a_sentence_longer_than_the_limit_is_cut_between_words():
    sentence = "word " * 100
    short = shorten(sentence.strip() + ".", "x")
    assert short.endswith("…") and text_length(short, "x") <= 280 and " wor…" not in short


def test_a_thread_splits_between_slides_with_the_cover_first():
    assert thread_posts(10, "bluesky") == [(0, 4), (4, 8), (8, 10)]
    assert thread_posts(10, "threads") == [(0, 10)]
    assert thread_posts(36, "tiktok") == [(0, 35), (35, 36)]


def test_x_counts_a_bare_domain_as_a_url():
    assert text_length("example.com is here", "x") == 23 + 8
    assert text_length("see en.wikipedia.org/wiki/October_Revolution", "x") == 4 + 23
    for text in ("e.g. this", "U.S. history", "Mr. Smith", "3.5 million", "St. Petersburg"):
        assert text_length(text, "x") == len(text), text
