"""Text as other networks count it: the length a post's text has on each (see limits.NETWORKS)."""

from __future__ import annotations

import re
from collections.abc import Callable

from postkit.emoji import is_emoji
from postkit.limits import COUNTINGS, NETWORKS
from postkit.segment import CLUSTER

# twitter-text v3 (github.com/twitter/twitter-text, config/v3.json): weights out of 100; these ranges
# weigh 100, every other code point 200; a URL weighs 23 characters and an emoji sequence 200.
_X_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_X_URL_LENGTH = 23
# twitter-text also takes a bare domain for a URL ("example.com/page"); its list of top-level domains is
# long, so the common generic ones and every two-letter country code stand in for it: a text read as
# holding a URL where X sees none counts 23 for it, which errs long only for domains shorter than that.
_TLD = (
    r"(?:com|org|net|edu|gov|mil|int|info|biz|name|pro|aero|coop|museum|io|app|dev|ai|xyz|online|site|blog|news|"
    r"[a-z]{2})"
)
_URL = re.compile(
    rf"https?://\S+|\bwww\.\S+|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+{_TLD}\b(?:/[^\s]*)?",
    re.IGNORECASE,
)


def text_length(text: str, counting: str) -> int:
    """Return the length of ``text`` as a network counting this way counts it (one of limits.COUNTINGS)."""
    if counting not in COUNTINGS:
        msg = f"counting must be one of {', '.join(COUNTINGS)}, not {counting!r}"
        raise ValueError(msg)
    if counting == "chars":
        return len(text)
    if counting == "utf16":
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    if counting == "x":
        return _x_length(text)
    clusters = CLUSTER.findall(text)
    if counting == "graphemes":
        return len(clusters)
    # Threads: "emojis are counted as the number of UTF-8 bytes"; other characters count one each.
    return sum(len(c.encode("utf-8")) if is_emoji(c) else len(c) for c in clusters)


def _x_length(text: str) -> int:
    """X's weighted length: URLs 23, emoji 2, code points in the light ranges 1, others 2."""
    total = 0
    position = 0
    for match in _URL.finditer(text):
        total += _x_weight(text[position : match.start()]) + 100 * _X_URL_LENGTH
        position = match.end()
    total += _x_weight(text[position:])
    return (total + 99) // 100


def _x_weight(text: str) -> int:
    weight = 0
    for cluster in CLUSTER.findall(text):
        if is_emoji(cluster):
            weight += 200
            continue
        for char in cluster:
            code = ord(char)
            weight += 100 if any(low <= code <= high for low, high in _X_LIGHT) else 200
    return weight


def fits(text: str, network: str) -> bool:
    """Tell whether ``text`` is within ``network``'s text limit (a key of limits.NETWORKS)."""
    limits = NETWORKS[network]
    return text_length(text, limits.counting) <= limits.text


def shorten(text: str, network: str, lang: str | None = "en", suffix: str = "") -> str:
    """Return the longest start of ``text`` ending where a sentence ends that fits ``network`` with ``suffix``.

    When even the first sentence is too long, it is cut between words and ends with "…". The text is
    returned whole when it fits.
    """
    limits = NETWORKS[network]
    return shorten_to(text, limits.text, limits.counting, lang, suffix=suffix)


def shorten_to(
    text: str,
    limit: int,
    counting: str,
    lang: str | None = "en",
    *,
    prefix: str = "",
    suffix: str = "",
    words: bool = True,
) -> str:
    """Return the longest start of ``text`` that ends a sentence and fits ``limit`` between ``prefix`` and ``suffix``.

    Lengths are counted as ``counting`` says (one of limits.COUNTINGS). When no sentence fits, the text is
    cut and ends with "…" if ``words``: between words, or in Chinese and Japanese (written without
    spaces) after the last clause mark that fits, else between characters. Otherwise, or when nothing
    fits, "" is returned.
    """
    from postkit.i18n import NO_SPACE_LANGUAGES, language_key
    from postkit.slicing import sentence_spans

    def ok(candidate: str) -> bool:
        return text_length(prefix + candidate + suffix, counting) <= limit

    if ok(text):
        return text
    # A longer start is never shorter as a network counts, so the longest that fits is found by halving.
    ends = [end for _, end in sentence_spans(text, lang)]
    best = _longest(ends, lambda end: ok(text[:end].rstrip()))
    if best is not None:
        return text[:best].rstrip()
    if not words:
        return ""
    if language_key(lang) in NO_SPACE_LANGUAGES or not text.strip().count(" "):
        cuts = [m.end() for m in CLUSTER.finditer(text)]
        cut = _longest(cuts, lambda end: ok(text[:end] + "…"))
        if cut is None:
            return ""
        clause = max((k + 1 for k in range(cut) if text[k] in _CLAUSE_MARKS), default=0)
        return (text[:clause] if clause > cut // 2 else text[:cut]).rstrip() + "…"
    cuts = [m.start() for m in re.finditer(r"(?<=\S)\s+", text)]
    cut = _longest(cuts, lambda end: ok(text[:end] + "…"))
    return text[:cut] + "…" if cut is not None else ""


_CLAUSE_MARKS = frozenset("、，,；;：:")


def _longest(positions: list[int], fits: Callable[[int], bool]) -> int | None:
    """Return the largest of ascending ``positions`` for which ``fits`` holds (it holds up to a point), or None."""
    low, high = 0, len(positions)
    while low < high:
        middle = (low + high) // 2
        if fits(positions[middle]):
            low = middle + 1
        else:
            high = middle
    return positions[low - 1] if low else None


def thread_posts(slides: int, network: str) -> list[tuple[int, int]]:
    """Split ``slides`` images into the posts of a thread: [start, end) of each, in order, at most as many
    as ``network`` takes in one post; the first post holds the cover and the first slides."""
    per_post = NETWORKS[network].images or slides
    return [(start, min(start + per_post, slides)) for start in range(0, slides, per_post)]
