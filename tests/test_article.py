"""Tests for postkit.article: reading, plain and Markdown parsing, dates, slugs."""

from __future__ import annotations

import json
import os
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from postkit.article import (
    CREDIT_LABELS,
    Article,
    Paragraph,
    article_language,
    parse_date,
    parse_markdown,
    parse_plain,
    read_article,
    slug,
    split_credit,
)
from postkit.errors import ArticleError

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples/october-revolution/article.txt"
DATA = Path(__file__).parent / "data"
HEADING = "November 7, 1917 - October Revolution"


@pytest.fixture
def write(tmp_path):
    """Write text (or bytes) to a file in tmp_path and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return path

    return _write


def raises_for(path: Path | str, match: str) -> str:
    """Read path, expect an ArticleError naming it on one line, return the message."""
    with pytest.raises(ArticleError, match=match) as info:
        read_article(path)
    message = str(info.value)
    assert "\n" not in message
    assert Path(path).name in message
    return message


# The real example ---------------------------------------------------------------------


def test_example_metadata():
    article = read_article(EXAMPLE)
    assert article.syntax == "plain"
    assert article.source == EXAMPLE.resolve()
    assert article.handle == "themagickalearth"
    assert article.title == "October Revolution"
    assert article.date == date(1917, 11, 7)
    assert article.date_text == "November 7, 1917"
    assert article.credit_label == "Pictured"
    assert article.credit.startswith("Storming the Winter Palace")
    assert article.credit.endswith("Vladimir Bonch-Bruyevich.")


def test_example_paragraphs_keep_the_authors_characters():
    article = read_article(EXAMPLE)
    assert len(article.paragraphs) == 6
    assert article.paragraphs[0].text.startswith("The first Russian revolution")
    assert not any(p.heading for p in article.paragraphs)
    assert "Kerensky’s" in article.body
    assert "“It could not possibly last,”" in article.body
    assert "'" not in article.body


def test_example_loses_no_word():
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Pictured")) + 1
    source_words = " ".join(lines[start:]).split()
    assert read_article(EXAMPLE).body.split() == source_words


def test_example_slug():
    assert slug(read_article(EXAMPLE)) == "1917-11-07-october-revolution"


# Dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "November 7, 1917",
        "Nov 7, 1917",
        "Nov. 7 1917",
        "November 7th, 1917",
        "7 November 1917",
        "7th of November 1917",
        "1917-11-07",
        "november 7 1917",
        "NOV. 7, 1917",
        "Wednesday, November 7, 1917",
        "  November  7,  1917 ",
    ],
)
def test_parse_date_forms(text):
    assert parse_date(text) == date(1917, 11, 7)


def test_parse_date_september_abbreviations():
    assert parse_date("Sept. 3, 2001") == date(2001, 9, 3)
    assert parse_date("3rd Sep 2001") == date(2001, 9, 3)


@pytest.mark.parametrize(
    "text",
    ["someday", "", "October Revolution", "1917", "February 30, 1917", "Smarch 7, 1917", "1917-13-01", "November 1917"],
)
def test_parse_date_rejects_non_dates(text):
    assert parse_date(text) is None


# Plain drafts -------------------------------------------------------------------------


def test_plain_without_handle_blank_line_paragraphs():
    article = read_article(DATA / "plain-no-handle.txt")
    assert article.handle is None
    assert article.date == date(1917, 11, 7)
    assert article.date_text == "Nov. 7 1917"
    assert article.title == "Storming the Winter Palace"
    assert article.credit_label == "Photo"
    assert article.credit == "The Winter Palace, Petrograd."
    assert [p.text for p in article.paragraphs] == [
        "The cruiser Aurora fired a blank round at 9:40 in the evening.",
        "By 2 o’clock the next morning the ministers were under arrest — without a fight.",
    ]


def test_plain_greek_with_at_handle_and_em_dash():
    article = read_article(DATA / "greek.txt")
    assert article.handle == "themagickalearth"
    assert article.date == date(1821, 3, 25)
    assert article.title == "Η Ελληνική Επανάσταση"
    assert article.credit is None
    assert len(article.paragraphs) == 2
    assert article.paragraphs[0].text.startswith("Στις 25 Μαρτίου 1821")
    assert slug(article).startswith("1821-03-25-")
    assert slug(article).isascii()


def test_title_keeps_inner_dashes():
    article = parse_plain(f"{HEADING} - Part 2\nText.", Path("a.txt"))
    assert article.title == "October Revolution - Part 2"
    assert article.date_text == "November 7, 1917"


def test_heading_without_date_is_the_title():
    article = parse_plain("Lenin - The Man - Part 2\nText.", Path("a.txt"))
    assert article.title == "Lenin - The Man - Part 2"
    assert article.date is None
    assert article.date_text is None
    assert slug(article) == "lenin-the-man-part-2"


def test_heading_that_is_only_a_date():
    article = parse_plain("November 7, 1917\nText.", Path("a.txt"))
    assert article.date == date(1917, 11, 7)
    assert article.title == "November 7, 1917"
    assert slug(article) == "1917-11-07"


@pytest.mark.parametrize(
    ("line", "label", "credit"),
    [
        ("Pictured - A photo.", "Pictured", "A photo."),
        ("Pictured: A photo.", "Pictured", "A photo."),
        ("Pictured – A photo.", "Pictured", "A photo."),
        ("PICTURED:A photo.", "Pictured", "A photo."),
        ("Photo: A photo.", "Photo", "A photo."),
        ("photo - A photo.", "Photo", "A photo."),
    ],
)
def test_credit_line_forms(line, label, credit):
    article = parse_plain(f"{HEADING}\n{line}\nText.", Path("a.txt"))
    assert (article.credit_label, article.credit) == (label, credit)
    assert article.body == "Text."


def test_no_credit_line_keeps_first_paragraph():
    article = parse_plain(f"{HEADING}\nPictures of the day were rare.\nText.", Path("a.txt"))
    assert article.credit is None
    assert article.credit_label is None
    assert len(article.paragraphs) == 2


@pytest.mark.parametrize("handle_line", ["name on ig", "@name on Instagram", "NAME ON IG"])
def test_handle_block_forms(handle_line):
    text = f"\n-\n\n{handle_line}\n-\n\n{HEADING}\nText."
    assert parse_plain(text, Path("a.txt")).handle.lower() == "name"


def test_malformed_handle_block_is_an_error():
    with pytest.raises(ArticleError, match=r"a\.txt: line 1 .*NAME on ig"):
        parse_plain(f"-\n{HEADING}\nText.", Path("a.txt"))


def test_single_newlines_join_when_blank_lines_are_used():
    article = parse_plain(f"{HEADING}\n\none\ntwo\n\nthree\n", Path("a.txt"))
    assert [p.text for p in article.paragraphs] == ["one two", "three"]


def test_each_line_is_a_paragraph_without_blank_lines():
    article = parse_plain(f"{HEADING}\none\ntwo\nthree\n", Path("a.txt"))
    assert [p.text for p in article.paragraphs] == ["one", "two", "three"]


def test_whitespace_is_collapsed_but_no_break_spaces_are_kept():
    article = parse_plain(f"{HEADING}\n  a \t b   10\u00a0o’clock  \n", Path("a.txt"))
    assert article.body == "a b 10\u00a0o’clock"


# Reading: encodings and line endings -------------------------------------------------


def test_bom_is_dropped(write):
    path = write("article.txt", b"\xef\xbb\xbf" + EXAMPLE.read_bytes())
    article = read_article(path)
    expected = read_article(EXAMPLE)
    assert (article.handle, article.title) == (expected.handle, expected.title)
    assert article.paragraphs == expected.paragraphs


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_line_endings(write, newline):
    text = EXAMPLE.read_text(encoding="utf-8").replace("\n", newline)
    article = read_article(write("article.txt", text))
    expected = read_article(EXAMPLE)
    assert article.paragraphs == expected.paragraphs
    assert (article.title, article.handle, article.credit) == (
        expected.title,
        expected.handle,
        expected.credit,
    )
    assert "\r" not in article.body


def test_nfc_normalisation(write):
    decomposed = "Cafe\u0301 Ele\u0301gance"
    article = read_article(write("a.txt", f"{HEADING}\n{decomposed} served tea.\n"))
    assert article.body == "Café Elégance served tea."
    assert unicodedata.is_normalized("NFC", article.body)


def test_parse_functions_normalise_too():
    article = parse_plain(f"\ufeff{HEADING}\r\ne\u0301\r\n", Path("a.txt"))
    assert article.title == "October Revolution"
    assert article.body == "é"


# Reading: errors ---------------------------------------------------------------------


def test_missing_file(tmp_path):
    message = raises_for(tmp_path / "article.txt", "no such file; check the path")
    assert message.startswith(str(tmp_path / "article.txt"))


def test_folder(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    raises_for(f"{folder}/", "is a folder, not an article file")


def test_not_a_regular_file(tmp_path):
    fifo = tmp_path / "pipe.txt"
    try:
        os.mkfifo(fifo)
    except (AttributeError, OSError):
        pytest.skip("no FIFOs here")
    raises_for(fifo, "is not a regular file")


@pytest.mark.parametrize("content", [b"", b"   \n\n\t ", b"\xef\xbb\xbf", b"\xef\xbb\xbf \r\n"])
def test_empty(write, content):
    raises_for(write("article.txt", content), r"article\.txt is empty; write the article")


def test_not_utf8(write):
    path = write("article.txt", f"{HEADING}\nCaf".encode() + b"\xe9 noir.\n")
    offset = len(HEADING) + 4
    message = raises_for(path, rf"is not UTF-8 \(byte 0xe9 at offset {offset}, line 2\)")
    assert message.endswith("save it as UTF-8 and try again")


def test_utf16_is_named(write):
    raises_for(write("article.txt", HEADING.encode("utf-16")), "is UTF-16, not UTF-8")


def test_unreadable(write, monkeypatch):
    path = write("article.txt", f"{HEADING}\nText.")

    def deny(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", deny)
    raises_for(path, r"cannot read .*article\.txt \(Permission denied\); check its permissions")


def test_title_without_body(write):
    path = write("article.txt", f"-\nname on ig\n-\n{HEADING}\nPictured: A photo.\n\n")
    raises_for(path, "has a title but no body text; add paragraphs below the heading")


def test_handle_without_heading(write):
    raises_for(write("article.txt", "-\nname on ig\n-\n"), "has no heading")


def test_overlong_title_is_a_forgotten_heading(write):
    raises_for(write("article.txt", "word " * 60 + "\nText."), "too long for a title")


# Markdown ----------------------------------------------------------------------------


def test_markdown_post_fixture():
    path = DATA / "post.md"
    article = read_article(path)
    assert article.syntax == "markdown"
    assert article.title == "October Revolution"
    assert article.date == date(1917, 11, 7)
    assert article.date_text == "November 7, 1917"
    assert article.handle == "themagickalearth"
    assert article.image == (DATA / "art/palace.jpg").resolve()
    assert article.credit_label == "Pictured"
    assert article.credit == "Storming the Winter Palace."
    assert article.hashtags == ("history", "russia", "1917")
    assert article.caption == "The night the Winter Palace fell."
    assert (article.theme, article.lang) == ("paper", "en")
    assert article.extra == {"focus": "top", "format": "portrait"}
    # The '# October Revolution' line repeats the front matter title, so it is dropped.
    assert article.paragraphs == (
        Paragraph(
            "The first Russian revolution of 1917 toppled the Tsar in March. "
            "The second, in November, ended the Provisional Government."
        ),
        Paragraph("The night of November 7", heading=True),
        Paragraph("At 10 o’clock that night the cruiser Aurora anchored in the Neva."),
    )
    assert slug(article) == "1917-11-07-october-revolution"


def test_markdown_russian_fixture():
    article = read_article(DATA / "russian.md")
    assert article.title == "Октябрьская революция"
    assert article.lang == "ru"
    assert article.date == date(1917, 11, 7)
    assert article.date_text == "7 November 1917"
    assert article.hashtags == ("история", "революция")
    assert [p.heading for p in article.paragraphs] == [False, False]
    assert "«это не могло продолжаться долго»" in article.body
    assert slug(article) == "1917-11-07-oktiabrskaia-revoliutsiia"
    assert slug(article).isascii()


def md(body: str, front: str | None = None) -> str:
    return (f"---\n{front}\n---\n" if front is not None else "") + body


def test_markdown_title_from_first_h1_is_removed():
    article = parse_markdown(md("Intro.\n\n# The Title\n\nText.\n"), Path("p.md"))
    assert article.title == "The Title"
    assert article.body == "Intro.\n\nText."


def test_markdown_h1_with_date_heading():
    article = parse_markdown(md(f"# {HEADING}\n\nText.\n"), Path("p.md"))
    assert article.date == date(1917, 11, 7)
    assert article.title == "October Revolution"


def test_markdown_headings_and_joined_lines():
    body = "# T\n\none\ntwo\n## Sub ##\nthree\n\n### Deeper\n\n---\n\n#hashtag line\n"
    article = parse_markdown(md(body), Path("p.md"))
    assert article.paragraphs == (
        Paragraph("one two"),
        Paragraph("Sub", heading=True),
        Paragraph("three"),
        Paragraph("Deeper", heading=True),
        Paragraph("#hashtag line"),
    )


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("date: 1917-11-07", (date(1917, 11, 7), "November 7, 1917")),
        ("date: 1917-11-07 21:40:00", (date(1917, 11, 7), "November 7, 1917")),
        ("date: November 7, 1917", (date(1917, 11, 7), "November 7, 1917")),
        ("date: '7th of November 1917'", (date(1917, 11, 7), "7th of November 1917")),
        ("date:", (None, None)),
    ],
)
def test_markdown_dates(front, expected):
    article = parse_markdown(md("Text.", f"title: T\n{front}"), Path("p.md"))
    assert (article.date, article.date_text) == expected


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("hashtags: [history, '#russia']", ("history", "russia")),
        ("hashtags:\n  - history\n  - '#russia'", ("history", "russia")),
        ("hashtags: '#history #russia'", ("history", "russia")),
        ("hashtags: history, russia,  1917", ("history", "russia", "1917")),
        ("hashtags: ''", ()),
    ],
)
def test_markdown_hashtag_forms(front, expected):
    article = parse_markdown(md("Text.", f"title: T\n{front}"), Path("p.md"))
    assert article.hashtags == expected


def test_markdown_image_resolution(write, tmp_path):
    path = write("posts/post.md", md("Text.", "title: T\nimage: art/a.jpg"))
    assert read_article(path).image == (tmp_path / "posts/art/a.jpg").resolve()
    # An article names pictures beside it only: never one elsewhere on the disk.
    path = write("posts/up.md", md("Text.", "title: T\nimage: ../art/a.jpg"))
    raises_for(path, r"front matter 'image' '\.\./art/a\.jpg' leads out of the article's folder")
    path = write("posts/abs.md", md("Text.", f"title: T\nimage: {tmp_path / 'x.png'}"))
    raises_for(path, r"front matter 'image' .* must name a picture beside the article .*not an absolute path")
    (tmp_path / "posts" / "link.jpg").symlink_to(tmp_path / "x.png")
    path = write("posts/link.md", md("Text.", "title: T\nimage: link.jpg"))
    raises_for(path, r"front matter 'image' 'link\.jpg' leads out of the article's folder")


def test_front_matter_in_txt_file_is_markdown(write):
    article = read_article(write("a.txt", md("Text.", "title: T\nhandle: '@me'")))
    assert article.syntax == "markdown"
    assert article.handle == "me"


def test_dashed_handle_block_in_txt_is_not_front_matter(write):
    text = f"---\n@name on ig\n---\n{HEADING}\nText."
    article = read_article(write("a.txt", text))
    assert article.syntax == "plain"
    assert article.handle == "name"


def test_md_without_front_matter():
    article = parse_markdown("# Title\n\nText.", Path("p.md"))
    assert (article.title, article.body, article.date) == ("Title", "Text.", None)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("---\ntitle: T\ndate: [1\n---\nText.", r"post\.md: front matter is not valid YAML \(line 3"),
        (
            "---\ntitle: T\ndate: someday\n---\nText.",
            r"post\.md: front matter 'date' must be a date like 1917-11-07, not 'someday'",
        ),
        ("---\ntitle: T\ndate: 1917\n---\nText.", r"'date' must be a date .*not 1917$"),
        (
            "---\ntitle: T\nhashtags: 5\n---\nText.",
            r"post\.md: front matter 'hashtags' must be a list of words or a space-separated string, not 5",
        ),
        ("---\ntitle: T\nhashtags: [[a]]\n---\nText.", r"'hashtags' must be a list"),
        ("---\ntitle: T\nhashtags: ['two words']\n---\nText.", r"hashtag 'two words'"),
        (
            "---\ntitel: T\n---\nText.",
            r"unknown front matter key 'titel'; use only title, date, calendar, handle, image, credit, "
            r"hashtags, caption, theme, lang, focus, format",
        ),
        ("---\ntitle: [a, b]\n---\nText.", r"front matter 'title' must be text"),
        ("---\ntitle: T\nlang: Russian\n---\nText.", r"'lang' must be a language code"),
        ("---\n- a\n- b\n---\nText.", r"front matter must be 'key: value' lines, not a list"),
        ("---\ntitle: T\n\nText.", r"front matter starts with '---' but never ends"),
        ("---\ndate: 1917-11-07\n---\nJust text.", r"post\.md has no title"),
        ("---\ntitle: T\n---\n\n## Only a heading\n", r"post\.md has a title but no body text"),
    ],
)
def test_markdown_errors(write, content, match):
    raises_for(write("post.md", content), match)


def test_article_is_hashable_and_frozen():
    article = parse_plain(f"{HEADING}\nText.", Path("a.txt"))
    assert isinstance(hash(article), int)
    with pytest.raises(AttributeError):
        article.title = "x"  # type: ignore[misc]


# Slugs -------------------------------------------------------------------------------


def _article(title: str, day: date | None = None) -> Article:
    return Article(
        source=Path("a.txt"),
        title=title,
        date=day,
        date_text=None,
        handle=None,
        credit=None,
        credit_label=None,
        paragraphs=(Paragraph("x"),),
        syntax="plain",
    )


def test_slug_without_date_and_empty_slug():
    assert slug(_article("October Revolution")) == "october-revolution"
    assert slug(_article("!!!")) == "post"
    assert slug(_article("!!!", date(1917, 11, 7))) == "1917-11-07"


def test_slug_is_short_and_cut_at_a_word():
    title = "The Extraordinarily Long Title Of An Article About The Russian Revolution Of 1917"
    words = slug(_article(title))
    assert len(words) <= 60
    assert words == "the-extraordinarily-long-title-of-an-article-about-the"
    assert slug(_article("x" * 80)) == "x" * 60


# Property: no word lost --------------------------------------------------------------

_BODY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(categories=["L", "P"]),
        st.sampled_from(" \n"),
    ),
    max_size=300,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.filter_too_much])
@given(body=_BODY_TEXT)
def test_no_word_is_lost(body):
    words = unicodedata.normalize("NFC", body).split()
    assume(words)
    first_line = next(line for line in body.split("\n") if line.strip())
    assume(split_credit(first_line) is None)
    article = parse_plain(f"{HEADING}\n{body}", Path("a.txt"))
    assert article.body.split() == words
    assert all(p.text and p.text == p.text.strip() for p in article.paragraphs)


def test_markdown_emphasis_becomes_ranges(tmp_path):
    article = tmp_path / "e.md"
    article.write_text("---\ntitle: T\n---\n\nThe *Aurora* fired **one shot** at 2*3*4 and snake_case_name.\n")
    (paragraph,) = read_article(article).paragraphs
    assert paragraph.text == "The Aurora fired one shot at 2*3*4 and snake_case_name."
    assert paragraph.emphasis == ((4, 10, "italic"), (17, 25, "bold"))


# Every language: the article's language ----------------------------------------------------------

# Sentences from public texts in each language (not written for these tests), with where they come from.
SAMPLES = {s["lang"]: s["text"] for s in json.loads((DATA / "lang-paragraphs.json").read_text(encoding="utf-8"))}


def test_language_precedence(write):
    russian = f"7 ноября 1917 - Октябрьская революция\n{SAMPLES['ru']}\n"
    path = write("a.txt", russian)
    article = read_article(path)
    assert (article.lang, article.lang_source) == ("ru", "detected")
    assert (read_article(path, lang="uk").lang, read_article(path, lang="uk").lang_source) == ("uk", "flag")
    library = read_article(path, default_lang="bg")
    assert (library.lang, library.lang_source) == ("bg", "library")
    front = write("b.md", f"---\nlang: be\n---\n# {russian}")
    assert (read_article(front).lang, read_article(front).lang_source) == ("be", "front matter")
    assert (read_article(front, lang="ru").lang, read_article(front, lang="ru").lang_source) == ("ru", "flag")
    assert read_article(front, default_lang="bg").lang == "be"
    short = read_article(write("c.txt", "Title\nText.\n"))
    assert (short.lang, short.lang_source) == ("en", "default")


def test_language_is_detected_on_title_and_body_not_the_handle():
    text = (
        f"-\nмаксим_история on ig\n-\nNovember 7, 1917 - October Revolution\n{EXAMPLE.read_text().split(chr(10), 4)[4]}"
    )
    assert parse_plain(text, Path("a.txt")).lang == "en"
    assert article_language("Фото: Яков Штейнберг\n" + SAMPLES["de"]) == ("de", "detected")


# Every language: dates in headings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "heading", "day", "title"),
    [
        ("ru", "7 ноября 1917 - Октябрьская революция", date(1917, 11, 7), "Октябрьская революция"),
        ("fr", "14 juillet 1789 – Prise de la Bastille", date(1789, 7, 14), "Prise de la Bastille"),
        ("es", "12 de octubre de 1492 — Llegada de Colón", date(1492, 10, 12), "Llegada de Colón"),
        ("uk", "24 серпня 1991 - Незалежність України", date(1991, 8, 24), "Незалежність України"),
        ("el", "25 Μαρτίου 1821 - Η Ελληνική Επανάσταση", date(1821, 3, 25), "Η Ελληνική Επανάσταση"),
        ("ar", "17 نوفمبر 1869 - افتتاح قناة السويس", date(1869, 11, 17), "افتتاح قناة السويس"),
        ("ar", "١٧ نوفمبر ١٨٦٩ - افتتاح قناة السويس", date(1869, 11, 17), "افتتاح قناة السويس"),
        ("he", "14 במאי 1948 - הכרזת העצמאות", date(1948, 5, 14), "הכרזת העצמאות"),
        ("ja", "1868年1月3日 - 王政復古の大号令", date(1868, 1, 3), "王政復古の大号令"),
        ("ja", "1868年1月3日\u3000王政復古の大号令", date(1868, 1, 3), "王政復古の大号令"),
        ("ja", "1868年1月3日：王政復古の大号令", date(1868, 1, 3), "王政復古の大号令"),
        ("zh", "1911年10月10日 武昌起义", date(1911, 10, 10), "武昌起义"),
        ("ru", "30.06.1908 - Тунгусский метеорит", date(1908, 6, 30), "Тунгусский метеорит"),
        ("it", "20 luglio 1969 - Lo sbarco sulla Luna", date(1969, 7, 20), "Lo sbarco sulla Luna"),
        ("en", "July 20, 1969: Apollo 11", date(1969, 7, 20), "Apollo 11"),
        ("de", "Donnerstag, 9. November 1989 – Der Fall der Mauer", date(1989, 11, 9), "Der Fall der Mauer"),
        ("pt", "25 de abril de 1974: Revolução dos Cravos", date(1974, 4, 25), "Revolução dos Cravos"),
        ("pl", "15 lipca 1410 — Bitwa pod Grunwaldem", date(1410, 7, 15), "Bitwa pod Grunwaldem"),
    ],
)
def test_headings_in_every_language(lang, heading, day, title):
    # No front matter and no flag: the language comes from the text, and the heading's date is read in it.
    body = SAMPLES.get(lang) or EXAMPLE.read_text(encoding="utf-8").splitlines()[-1]
    article = parse_plain(f"{heading}\n{body}\n", Path("a.txt"))
    assert article.lang == lang
    assert (article.date, article.title) == (day, title)
    assert heading.startswith(article.date_text)  # as the author wrote it
    assert article.warnings == ()
    assert (article.calendar, article.date_julian) == ("gregorian", None)


@pytest.mark.parametrize(
    ("heading", "lang", "problem"),
    [
        ("31 февраля 1917 - Революция", "ru", "February 1917 has 28 days"),
        ("Nov 31, 1917 - October Revolution", "en", "November 1917 has 30 days"),
        ("November 1917 - October Revolution", "en", "no day"),
        ("ноябрь 1917 — Революция", "ru", "no day"),
        ("30.02.1908 - Тунгусский метеорит", "ru", "February 1908 has 29 days"),
    ],
)
def test_a_heading_that_looks_dated_but_cannot_be_read_warns(write, heading, lang, problem):
    path = write("draft.txt", f"-\nname on ig\n-\n{heading}\nText of the article.\n")
    article = read_article(path, lang=lang)
    assert article.date is None and article.title == heading
    (warning,) = article.warnings
    assert warning.startswith(f"{path}: line 4: the heading '{heading}' looks dated")
    assert problem in warning and "1917-11-07 - Title" in warning and "\n" not in warning


def test_a_heading_date_that_reads_both_ways_warns(write):
    path = write("draft.txt", "7/11/1917 - Storming of the Winter Palace\nText of the article.\n")
    article = read_article(path)
    assert article.date == date(1917, 7, 11) and article.title == "Storming of the Winter Palace"
    assert article.warnings == (
        f"{path}: line 1: the date '7/11/1917' could be 11 July or 7 November; it was read month first, as English "
        "writes dates in digits: 11 July 1917. Write the month as a word or the date as 1917-07-11 to be sure",
    )


@pytest.mark.parametrize(
    "heading",
    [
        "Lenin - The Man - Part 2",
        "Apollo 11: The landing",
        "The 1917 Revolution - Part 2",
        "1917 - A Year",
        "The March 1917 Revolution",
        "Operation Barbarossa: 22 June 1941",
    ],
)
def test_undated_headings_do_not_warn(heading):
    article = parse_plain(f"{heading}\nText.", Path("a.txt"))
    assert (article.date, article.title, article.warnings) == (None, heading, ())


def test_markdown_title_warning_names_its_line(write):
    path = write("post.md", "---\nlang: ru\n---\n\nВступление.\n\n# 31 февраля 1917 — Революция\n\nТекст.\n")
    (warning,) = read_article(path).warnings
    assert warning.startswith(f"{path}: line 7: the heading '31 февраля 1917 — Революция'")
    front = write("front.md", "---\ntitle: Nov 31, 1917 - Revolution\n---\n\nText.\n")
    (warning,) = read_article(front).warnings
    assert warning.startswith(f"{front}: front matter 'title': the heading")


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("lang: ru\ndate: 7 ноября 1917", (date(1917, 11, 7), "7 ноября 1917")),
        ("lang: ru\ndate: '30.06.1908'", (date(1908, 6, 30), "30 июня 1908")),
        ("lang: ru\ndate: 1908-06-30", (date(1908, 6, 30), "30 июня 1908")),
        ("lang: ja\ndate: 1868年1月3日", (date(1868, 1, 3), "1868年1月3日")),
        ("lang: ar\ndate: ١٧ نوفمبر ١٨٦٩", (date(1869, 11, 17), "١٧ نوفمبر ١٨٦٩")),
    ],
)
def test_front_matter_dates_in_the_articles_language(front, expected):
    article = parse_markdown(md("Text.", f"title: T\n{front}"), Path("p.md"))
    assert (article.date, article.date_text) == expected


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("1917-02-31", "February 1917 has 28 days"),
        ("0000-01-01", "year before 1"),
        ("1917-13-01", "no month 13"),
        ("'31 февраля 1917'", "February 1917 has 28 days"),
    ],
)
def test_front_matter_dates_that_do_not_exist(write, value, why):
    message = raises_for(write("post.md", f"---\ntitle: T\nlang: ru\ndate: {value}\n---\nText."), "front matter 'date'")
    assert "must be a date like 1917-11-07" in message and why in message


def test_yaml_dates_elsewhere_are_text_and_deep_nesting_is_an_error(write):
    article = read_article(write("post.md", "---\ntitle: 2001-01-01\n---\nText."))
    assert article.title == "2001-01-01"
    raises_for(write("deep.md", "---\ntitle: " + "[" * 5000 + "\n---\nText."), "front matter is not valid YAML")


# Every language: Old Style dates ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        md("Text.", "title: October Revolution\ndate: 1917-10-25\ncalendar: julian"),
        md("Text.", "title: October Revolution\ndate: 25 October 1917\ncalendar: Julian"),
        "25 October [O.S.] 1917 - October Revolution\nText.",
        "October 25, 1917 (Old Style) - October Revolution\nText.",
        "October 25 (November 7), 1917 - October Revolution\nText.",
    ],
)
def test_old_style_articles_are_for_the_gregorian_anniversary(text):
    parse = parse_markdown if text.startswith("---") else parse_plain
    article = parse(text, Path("a.md"))
    assert (article.date, article.date_julian, article.calendar) == (date(1917, 11, 7), date(1917, 10, 25), "julian")
    assert article.date_text == "November 7, 1917 (O.S. October 25)"
    assert article.title == "October Revolution"
    assert slug(article) == "1917-11-07-october-revolution"


def test_old_style_heading_in_russian():
    article = parse_plain(f"25 октября 1917 (ст. ст.) — Октябрьская революция\n{SAMPLES['ru']}", Path("a.txt"))
    assert (article.date, article.date_julian) == (date(1917, 11, 7), date(1917, 10, 25))
    assert "7 ноября 1917" in article.date_text and "25 октября" in article.date_text


def test_calendar_julian_applies_to_the_heading_too():
    article = parse_markdown(md("# 25 October 1917 - October Revolution\n\nText.", "calendar: julian"), Path("p.md"))
    assert (article.date, article.calendar) == (date(1917, 11, 7), "julian")


def test_calendar_must_be_known(write):
    raises_for(write("post.md", "---\ntitle: T\ncalendar: mayan\n---\nText."), "'calendar' must be gregorian or julian")


# Every language: credit lines ---------------------------------------------------------------------

CREDIT_LINES = [
    ("en", "Pictured - Storming the Winter Palace.", "Pictured"),
    ("en", "Illustration: Villi Trubkovich.", "Illustration"),
    ("de", "Foto: Lothar Schaack, Bundesarchiv.", "Foto"),
    ("de", "Bild – Bundesarchiv.", "Bild"),
    ("fr", "Crédit photo : Jean-Pierre Houël.", "Crédit photo"),
    ("es", "Imagen: Dióscoro Puebla.", "Imagen"),
    ("es", "Ilustración — Dióscoro Puebla.", "Ilustración"),
    ("it", "Immagine: NASA.", "Immagine"),
    ("it", "Foto - NASA.", "Foto"),
    ("pt", "Ilustração: Arquivo Nacional.", "Ilustração"),
    ("ru", "Фото: Яков Штейнберг.", "Фото"),
    ("ru", "На фото — штурм Зимнего дворца.", "На фото"),
    ("uk", "Ілюстрація: Національний музей історії України.", "Ілюстрація"),
    ("uk", "Світлина – архів.", "Світлина"),
    ("el", "Φωτογραφία: Εθνική Πινακοθήκη.", "Φωτογραφία"),
    ("el", "ΦΩΤΟΓΡΑΦΙΑ: Εθνική Πινακοθήκη.", "Φωτογραφια"),
    ("ar", "صورة: حفل افتتاح قناة السويس.", "صورة"),
    ("he", "צילום: רודי ויסנשטיין.", "צילום"),
    ("ja", "写真：国立国会図書館", "写真"),
    ("ja", "出典: 国立公文書館", "出典"),
    ("zh", "图片: 武昌起义军政府旧址", "图片"),
    ("zh", "圖片來源：維基百科", "圖片來源"),
    ("pl", "Zdjęcie: Muzeum Narodowe.", "Zdjęcie"),
]


@pytest.mark.parametrize(("lang", "line", "label"), CREDIT_LINES, ids=[f"{c[0]}-{c[2]}" for c in CREDIT_LINES])
def test_credit_lines_in_every_language(lang, line, label):
    article = parse_plain(f"{HEADING}\n{line}\nText.", Path("a.txt"))
    assert article.credit_label == label
    assert line.endswith(article.credit) and not article.credit.startswith(("-", "–", "—", ":", "："))
    assert article.body == "Text."


def test_every_language_has_credit_labels():
    for lang in ("en", "de", "fr", "es", "it", "pt", "ru", "uk", "el", "ar", "he", "ja", "zh"):
        assert CREDIT_LABELS[lang]
        for label in CREDIT_LABELS[lang].split("|"):
            assert split_credit(f"{label}: X") == (label, "X"), label


@pytest.mark.parametrize(
    "line",
    [
        "Photo-realistic paintings were rare.",
        "Photographers came later.",
        "Фотографы пришли позже.",
        "写真は残っていない。",
    ],
)
def test_body_text_that_starts_like_a_label_is_not_a_credit(line):
    article = parse_plain(f"{HEADING}\n{line}\nText.", Path("a.txt"))
    assert article.credit is None and article.body.startswith(line)


@pytest.mark.parametrize(
    ("credit", "label", "rest"),
    [
        ("צילום: רודי ויסנשטיין", "צילום", "רודי ויסנשטיין"),
        ("Фото — Яков Штейнберг", "Фото", "Яков Штейнберг"),
        ("写真：国立国会図書館", "写真", "国立国会図書館"),
        ("Jean-Pierre Houël, 1789", None, "Jean-Pierre Houël, 1789"),
    ],
)
def test_a_front_matter_credit_is_never_doubled(credit, label, rest):
    article = parse_markdown(md("Text.", f"title: T\ncredit: '{credit}'"), Path("p.md"))
    assert (article.credit_label, article.credit) == (label, rest)


# Folder names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("王政復古の大号令", "王政復古の大号令"),
        ("武昌起义", "武昌起义"),
        ("افتتاح قناة السويس", "افتتاح-قناة-السويس"),
        ("הכרזת העצמאות", "הכרזת-העצמאות"),
        ("Октябрьская революция", "oktiabrskaia-revoliutsiia"),
        ("Η Ελληνική Επανάσταση", "e-ellenike-epanastase"),
        ("3·1 운동", "3-1-운동"),
        ("Apollo 11: «the» landing/return", "apollo-11-the-landing-return"),
        ("\u202bהכרזת\u202c / העצמאות", "הכרזת-העצמאות"),
        ("Kerensky’s fall — 1917", "kerenskys-fall-1917"),
        ("１８６８年の王政復古", "1868年の王政復古"),
        ("Operation Barbarossa: 東部戦線", "operation-barbarossa-東部戦線"),
    ],
)
def test_slug_keeps_scripts_that_transliterate_badly(title, expected):
    assert slug(_article(title, date(1868, 1, 3))) == f"1868-01-03-{expected}"


def test_japanese_slug_is_not_pinyin(write):
    path = write("a.txt", f"1868年1月3日 - 王政復古の大号令\n{SAMPLES['ja']}\n")
    assert slug(read_article(path)) == "1868-01-03-王政復古の大号令"


def test_long_native_slug_is_cut_within_the_cap_and_never_inside_a_cluster():
    words = slug(_article("王政復古" * 30))
    # 60 characters, and 120 bytes: a file name holds 255, and the date and staging name need some.
    assert words == "王政復古" * 10 and len(words.encode("utf-8")) == 120
    assert len(slug(_article("\U00020000" * 70)).encode("utf-8")) <= 120  # CJK Extension B, 4 bytes each
    hindi = slug(_article("स्वतंत्रता" * 10))
    assert len(hindi) <= 60 and not unicodedata.combining(hindi[0])
    assert unicodedata.category(hindi[-1]) in ("Mn", "Mc", "Lo")


@given(st.text(max_size=120))
def test_slug_is_a_safe_folder_name(title):
    name = slug(_article(title or "x", date(1917, 11, 7)))
    assert name.startswith("1917-11-07")
    assert not set(name) & set('/\\:*?"<>|\0') and name == name.strip(" .")
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Zs") for c in name)
    assert len(name) <= 11 + 60 + 10  # the date, the cap, and a last cluster's marks
    assert len(name.encode("utf-8")) <= 11 + 120


# Themes from articles ------------------------------------------------------------------------------


@pytest.mark.parametrize("theme", ["../evil", "/etc", "themes/mine", ".hidden", "a\\b", "~/t", "x y"])
def test_an_article_chooses_a_theme_by_name_only(write, theme, tmp_path):
    from postkit.pipeline import make_post
    from postkit.settings import SettingsError

    path = write("post.md", f"---\ntitle: T\ntheme: '{theme}'\n---\nText.")
    with pytest.raises(SettingsError) as info:  # checked with the post's other settings, naming the file
        make_post(path, out=tmp_path / "post")
    assert str(info.value).startswith(f"{path}: front matter 'theme' must be a theme name")
    assert "--theme" in str(info.value)


def test_a_theme_name_is_fine():
    assert parse_markdown(md("Text.", "title: T\ntheme: night_2-b"), Path("p.md")).theme == "night_2-b"


# Hostile input ------------------------------------------------------------------------------------


def test_utf16_without_a_byte_order_mark_and_nul_bytes(write):
    raises_for(write("a.txt", f"{HEADING}\nText.\n".encode("utf-16-le")), "is UTF-16 without a byte order mark")
    raises_for(write("b.txt", f"{HEADING}\nTe\0xt of the article.\n".encode()), r"has a NUL byte at offset \d+, line 2")


def test_control_characters_are_removed_with_a_warning(write):
    path = write("a.txt", f"{HEADING}\nThe \x07bell and the \x1b[1mescape\x85.\n")
    article = read_article(path)
    assert article.body == "The bell and the [1mescape."
    (warning,) = article.warnings
    assert (
        warning
        == f"{path}: removed 3 control character(s) (the first, U+0007, on line 2); they cannot be shown on a card"
    )


@pytest.mark.parametrize(
    ("front", "key"), [('title: "\\ud800"', "'title'"), ('hashtags: [a, "b\\udfff"]', "'hashtags'")]
)
def test_a_lone_surrogate_in_front_matter_is_a_clear_error(write, front, key):
    raises_for(write("post.md", f"---\n{front}\n---\nText."), f"front matter {key} has an escape for half a character")


# The corpus of real articles (tests/corpus): each read as its expectations say ---------------------

CORPUS = Path(__file__).parent / "corpus"


def _corpus() -> list[dict]:
    import tomllib

    if not (CORPUS / "corpus.toml").is_file():
        return []
    return tomllib.loads((CORPUS / "corpus.toml").read_text(encoding="utf-8"))["article"]


@pytest.mark.parametrize("expected", _corpus(), ids=lambda a: a["file"])
def test_the_corpus_is_read_right(expected):
    article = read_article(CORPUS / expected["file"])
    for key in ("lang", "date", "title", "credit_label", "credit", "syntax", "handle"):
        if key in expected:
            assert getattr(article, key) == expected[key], key
    assert article.date_julian == expected.get("date_julian")
    assert article.calendar == ("julian" if "date_julian" in expected else "gregorian")
    assert article.warnings == ()
    assert slug(article).startswith(expected["date"].isoformat())


@pytest.mark.parametrize(
    ("heading", "date", "title"),
    [
        ("1868年1月3日金曜日 - 王政復古の大号令", date(1868, 1, 3), "王政復古の大号令"),
        ("1911年10月10日 星期二 - 武昌起义", date(1911, 10, 10), "武昌起义"),
        ("1919년 3월 1일 토요일 - 3·1 운동", date(1919, 3, 1), "3·1 운동"),
        ("1868年1月3日 月曜会の設立", date(1868, 1, 3), "月曜会の設立"),  # a title, not a weekday
    ],
)
def test_a_weekday_after_a_cjk_date_is_part_of_the_date(heading, date, title):
    article = parse_plain(f"{heading}\n本文です。\n", Path("x.txt"))
    assert (article.date, article.title, article.warnings) == (date, title, ())


@pytest.mark.parametrize(
    ("line", "label", "credit"),
    [("عکس: آرشیو ملی ایران", "عکس", "آرشیو ملی ایران"), ("Ảnh: Bảo tàng Lịch sử", "Ảnh", "Bảo tàng Lịch sử"),
     ("चित्र: राष्ट्रीय अभिलेखागार", "चित्र", "राष्ट्रीय अभिलेखागार"), ("Kuva: Museovirasto", "Kuva", "Museovirasto")],
)  # fmt: skip
def test_credit_labels_of_more_languages(line, label, credit):
    article = parse_plain(f"November 7, 1917 - T\n{line}\nBody text here.\n", Path("x.txt"))
    assert (article.credit_label, article.credit) == (label, credit)


@pytest.mark.parametrize("heading", ["۱۴ مرداد ۱۲۸۵ خورشیدی - صدور فرمان مشروطیت", "1 VIII 1944 - Powstanie"])
def test_a_day_and_a_year_postkit_cannot_read_are_named(heading):
    article = parse_plain(f"{heading}\nText here.\n", Path("x.txt"))
    assert article.date is None and len(article.warnings) == 1 and "looks dated" in article.warnings[0]


@pytest.mark.parametrize("heading", ["Apollo 11 - the 1969 mission", "The 1917 revolution - 100 years later"])
def test_a_title_with_numbers_is_not_a_date_written_wrongly(heading):
    assert parse_plain(f"{heading}\nText here.\n", Path("x.txt")).warnings == ()


def test_a_flag_of_tag_characters_is_text_but_a_long_run_of_invisible_characters_is_refused(write):
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    path = write("flag.txt", f"November 7, 1917 - T\nEngland {england} plays.\n")
    assert england in read_article(path).paragraphs[0].text
    hostile = write("marks.txt", "November 7, 1917 - T\nSome \u200e" + "\u200f\u200e" * 16 + " text.\n")
    with pytest.raises(ArticleError, match=r"marks.txt: line 2 has 33 invisible formatting characters in a row"):
        read_article(hostile)
