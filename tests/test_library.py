"""Libraries: a folder of articles, CSV and JSON Lines tables, and postkit.toml settings."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from postkit.library import LibraryError, load_library, read_settings, split_hashtags

BODY = "The first paragraph has a sentence. And another one.\n\nThe second paragraph ends here."


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_folder_library_reads_drafts_and_markdown_in_file_order(tmp_path):
    write(tmp_path / "b.txt", f"November 7, 1917 - October Revolution\n\n{BODY}\n")
    write(tmp_path / "a.md", f"---\ntitle: Tunguska\ndate: 1908-06-30\n---\n\n{BODY}\n")
    write(tmp_path / "sub" / "c.markdown", f"# 1 January 1901 - Federation\n\n{BODY}\n")
    library = load_library(tmp_path)
    assert [Path(e.name).name for e in library.entries] == ["a.md", "b.txt", "c.markdown"]
    assert all(e.error is None for e in library.entries), [e.error for e in library.entries]
    dates = [e.article.date for e in library.entries]
    assert dates == [datetime.date(1908, 6, 30), datetime.date(1917, 11, 7), datetime.date(1901, 1, 1)]
    assert library.settings == {} and library.settings_file is None


def test_folder_library_skips_hidden_files_readmes_post_folders_and_excluded_folders(tmp_path):
    write(tmp_path / "a.txt", f"1917-11-07 - A\n\n{BODY}\n")
    write(tmp_path / "README.md", "# How this library works\n\nNotes.\n")
    write(tmp_path / ".draft.txt", "hidden\n")
    write(tmp_path / ".git" / "x.txt", "hidden folder\n")
    write(tmp_path / "notes.csv", "not read in a folder library\n")
    write(tmp_path / "old-post" / "post.json", "{}")
    write(tmp_path / "old-post" / "caption.txt", "a caption, not an article\n")
    write(tmp_path / "out" / "x" / "caption.txt", "inside the excluded output folder\n")
    library = load_library(tmp_path, exclude=(tmp_path / "out",))
    assert [Path(e.name).name for e in library.entries] == ["a.txt"]


def test_a_bad_file_is_an_entry_with_its_reason_and_the_others_are_read(tmp_path):
    write(tmp_path / "1-good.txt", f"1917-11-07 - Good\n\n{BODY}\n")
    write(tmp_path / "2-latin1.txt", "1917-11-08 - Caf\xe9\n\nText.\n".encode("latin-1"))
    write(tmp_path / "3-undated.txt", f"Just a title\n\n{BODY}\n")
    write(tmp_path / "4-empty.md", "")
    good, latin1, undated, empty = load_library(tmp_path).entries
    assert good.error is None and good.article.title == "Good"
    assert "is not UTF-8" in latin1.error and latin1.article is None
    assert "has no date" in undated.error and "add one" in undated.error
    assert "is empty" in empty.error


def test_library_must_exist_and_be_a_folder_or_table(tmp_path):
    with pytest.raises(LibraryError, match="no such folder or file"):
        load_library(tmp_path / "missing")
    with pytest.raises(LibraryError, match="is not a library"):
        load_library(write(tmp_path / "one.txt", "1917-11-07 - A\n\nB.\n"))


# --- CSV ---------------------------------------------------------------------------------------


def test_csv_rows_become_articles(tmp_path):
    write(tmp_path / "pictures" / "tunguska.jpg", b"")
    table = write(
        tmp_path / "library.csv",
        "date,title,body,image,credit,hashtags\n"
        '1908-06-30,The Tunguska event,"A huge explosion.\n\nWitnesses were thrown from chairs.",'
        'pictures/tunguska.jpg,"Photo: Leonid Kulik","siberia, #space history"\n'
        "1917-11-07,October Revolution,One paragraph only.,,,\n",
    )
    first, second = load_library(table).entries
    assert first.error is None, first.error
    assert first.name == f"{table}:2" and second.name == f"{table}:5"
    article = first.article
    assert article.title == "The Tunguska event" and article.date == datetime.date(1908, 6, 30)
    assert article.date_text == "June 30, 1908"
    assert [p.text for p in article.paragraphs] == ["A huge explosion.", "Witnesses were thrown from chairs."]
    assert article.image == (tmp_path / "pictures" / "tunguska.jpg").resolve()
    assert (article.credit_label, article.credit) == ("Photo", "Leonid Kulik")
    assert article.hashtags == ("siberia", "space", "history")
    assert second.article.image is None and second.article.hashtags == ()


def test_csv_body_without_blank_lines_has_a_paragraph_per_line(tmp_path):
    table = write(tmp_path / "t.csv", 'date,title,body\n1917-11-07,T,"Line one.\nLine two."\n')
    (entry,) = load_library(table).entries
    assert [p.text for p in entry.article.paragraphs] == ["Line one.", "Line two."]


def test_csv_bad_rows_name_the_file_and_line_and_the_rest_are_read(tmp_path):
    table = write(
        tmp_path / "t.csv",
        "date,title,body\n"
        "yesterday,Bad date,Text.\n"
        "1917-11-07,,No title.\n"
        '1917-11-07,Too many,Text.,"extra"\n'
        "1908-06-30,Good,Text.\n",
    )
    bad_date, no_title, too_many, good = load_library(table).entries
    assert bad_date.error == (
        f"{table}:2: 'date' must be a date like 1917-11-07 or 'November 7, 1917', not 'yesterday'"
    )
    assert no_title.error.startswith(f"{table}:3: 'title' is empty")
    assert too_many.error.startswith(f"{table}:4: the row has 4 values but the header has 3 columns")
    assert good.error is None and good.article.title == "Good"


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("date,title,body,notes", "unknown column 'notes'"),
        ("date,title", "missing column 'body'"),
        ("date,title,body,title", "repeated column 'title'"),
    ],
)
def test_csv_header_problems_stop_the_library(tmp_path, header, problem):
    table = write(tmp_path / "t.csv", f"{header}\n")
    with pytest.raises(LibraryError) as info:
        load_library(table)
    assert str(info.value).startswith(f"{table}: {problem}")
    assert "date,title,body,image,credit,hashtags" in str(info.value)


def test_csv_must_be_utf8(tmp_path):
    table = write(tmp_path / "t.csv", "date,title,body\n1917-11-07,Caf\xe9,x\n".encode("latin-1"))
    with pytest.raises(LibraryError, match=r"is not UTF-8 \(byte 0xe9 on line 2\); save it as UTF-8"):
        load_library(table)


def test_csv_with_a_byte_order_mark_and_crlf(tmp_path):
    table = write(tmp_path / "t.csv", "\ufeffdate,title,body\r\n1917-11-07,T,Body.\r\n".encode())
    (entry,) = load_library(table).entries
    assert entry.error is None and entry.article.title == "T"


# --- JSON Lines --------------------------------------------------------------------------------


def test_jsonl_rows_become_articles_and_bad_lines_are_reported(tmp_path):
    rows = [
        {"date": "1908-06-30", "title": "Tunguska", "body": "One.\n\nTwo.", "hashtags": ["space", "#siberia"]},
        "not an object",
        {"date": "1917-11-07", "title": "X", "body": "Y", "colour": "red"},
    ]
    text = "\n".join(json.dumps(r) for r in rows) + "\n\n{broken\n"
    table = write(tmp_path / "lib.jsonl", text)
    good, not_object, unknown, broken = load_library(table).entries
    assert good.error is None and good.article.hashtags == ("space", "siberia")
    assert [p.text for p in good.article.paragraphs] == ["One.", "Two."]
    assert not_object.error.startswith(f"{table}:2: a line must be a JSON object")
    assert unknown.error == (
        f"{table}:3: unknown key 'colour'; use only date, title, body, image, credit, hashtags, lang"
    )
    assert broken.name == f"{table}:5" and "not valid JSON" in broken.error


def test_jsonl_values_must_be_text(tmp_path):
    table = write(tmp_path / "lib.jsonl", json.dumps({"date": "1917-11-07", "title": ["x"], "body": "b"}) + "\n")
    (entry,) = load_library(table).entries
    assert entry.error == f"{table}:1: 'title' must be text, not ['x']"


# --- postkit.toml ------------------------------------------------------------------------------


def test_settings_are_validated_and_paths_resolve_against_the_file(tmp_path):
    path = write(
        tmp_path / "postkit.toml",
        'handle = "@skyhistory"\ntheme = "my-theme_2"\nhashtags = "space, history"\nout = "posts"\n'
        'format = "square"\nmax_slides = 12\nlang = "pt-BR"\n',
    )
    assert read_settings(path) == {
        "handle": "skyhistory",
        "theme": "my-theme_2",
        "hashtags": ("space", "history"),
        "out": tmp_path / "posts",
        "format": "square",
        "max_slides": 12,
        "lang": "pt-BR",
    }
    assert read_settings(write(tmp_path / "other.toml", 'theme = "classic"\n')) == {"theme": "classic"}


def test_every_settings_problem_is_listed_once(tmp_path):
    path = write(
        tmp_path / "postkit.toml",
        'handle = "has space"\nformat = "wide"\nmax_slides = 40\nhashtags = 3\ncolour = "red"\nout = 1\n',
    )
    with pytest.raises(LibraryError) as info:
        read_settings(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    for part in (
        "'handle' must be an Instagram username",
        "'format' must be one of portrait, square",
        "not 'wide'",
        "'max_slides' must be a whole number from 3 to 20, not 40",
        "'hashtags' must be a list of words",
        "unknown key 'colour'; use only theme, format, max_slides, handle, hashtags, out, fit, lang",
        "'out' must be a non-empty text, not 1",
    ):
        assert part in message
    assert "\n" not in message


def test_settings_file_with_bad_toml(tmp_path):
    path = write(tmp_path / "postkit.toml", "handle = \n")
    with pytest.raises(LibraryError, match="cannot read the library settings .*; fix the TOML syntax"):
        read_settings(path)


def test_library_reads_its_settings_file(tmp_path):
    write(tmp_path / "a.txt", f"1917-11-07 - A\n\n{BODY}\n")
    write(tmp_path / "postkit.toml", 'handle = "me"\n')
    library = load_library(tmp_path)
    assert library.settings == {"handle": "me"} and library.settings_file == tmp_path / "postkit.toml"
    table = write(tmp_path / "t.csv", "date,title,body\n1917-11-07,T,B\n")
    assert load_library(table).settings == {"handle": "me"}  # beside the table


def test_split_hashtags():
    assert split_hashtags("a b,#c , d") == ("a", "b", "c", "d")
    assert split_hashtags(["#x", "y"]) == ("x", "y")
    with pytest.raises(ValueError, match="one word"):
        split_hashtags(["two words"])


# --- languages -----------------------------------------------------------------------------------

RUSSIAN = "Седьмого ноября 1917 года большевики взяли Зимний дворец. Временное правительство пало почти без боя."


def test_csv_lang_column_reads_the_rows_dates_in_their_language(tmp_path):
    table = write(
        tmp_path / "t.csv",
        "date,title,body,lang\n"
        f"7 ноября 1917,Октябрьская революция,{RUSSIAN},ru\n"
        "30.06.1908,Тунгусский метеорит,Взрыв в тайге.,ru\n"
        "14 juillet 1789,Prise de la Bastille,La Bastille est prise.,fr\n"
        f"7 ноября 1917,Без языка,{RUSSIAN},\n",
    )
    revolution, tunguska, bastille, detected = load_library(table).entries
    assert revolution.error is None, revolution.error
    assert (revolution.article.date, revolution.article.date_text) == (datetime.date(1917, 11, 7), "7 ноября 1917")
    assert (revolution.article.lang, revolution.article.lang_source) == ("ru", "front matter")
    assert (tunguska.article.date, tunguska.article.date_text) == (datetime.date(1908, 6, 30), "30 июня 1908")
    assert (bastille.article.date, bastille.article.lang) == (datetime.date(1789, 7, 14), "fr")
    # Without a lang, the row's language is detected from its title and body before its date is read.
    assert (detected.article.date, detected.article.lang_source) == (datetime.date(1917, 11, 7), "detected")


def test_jsonl_lang_and_a_date_that_does_not_exist(tmp_path):
    rows = [
        {
            "date": "1868年1月3日",
            "title": "王政復古の大号令",
            "body": "明治天皇の勅令により新政府が成立した。",
            "lang": "ja",
        },
        {"date": "31 февраля 1917", "title": "Революция", "body": RUSSIAN, "lang": "ru"},
        {"date": "1917-11-07", "title": "T", "body": "B", "lang": "Russian"},
    ]
    table = write(tmp_path / "lib.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    japanese, impossible, bad_lang = load_library(table).entries
    assert japanese.error is None and japanese.article.date == datetime.date(1868, 1, 3)
    assert impossible.error == (
        f"{table}:2: 'date' must be a date like 1917-11-07 or 'November 7, 1917', not '31 февраля 1917' "
        "(is not a real day: February 1917 has 28 days)"
    )
    assert bad_lang.error == f"{table}:3: 'lang' must be a language code like en, ru or pt-BR, not 'Russian'"


def test_the_batch_flag_wins_over_rows_files_and_postkit_toml(tmp_path):
    write(tmp_path / "postkit.toml", 'lang = "uk"\n')
    write(tmp_path / "a.txt", f"1917-11-07 - Революция\n\n{RUSSIAN}\n")
    write(tmp_path / "b.md", f"---\nlang: ru\n---\n# 1917-11-07 - Революция\n\n{RUSSIAN}\n")
    plain, front = load_library(tmp_path).entries
    assert (plain.article.lang, plain.article.lang_source) == ("uk", "library")
    assert (front.article.lang, front.article.lang_source) == ("ru", "front matter")
    table = write(tmp_path / "t.csv", f"date,title,body,lang\n1917-11-07,Революция,{RUSSIAN},ru\n")
    for entry in (*load_library(tmp_path, lang="be").entries, *load_library(table, lang="be").entries):
        assert (entry.article.lang, entry.article.lang_source) == ("be", "flag"), entry.name
        assert entry.article.date == datetime.date(1917, 11, 7)


@pytest.mark.parametrize("theme", ["themes/mine", "../shared/theme", "/etc", ".hidden", "a\\b", "~/t"])
def test_a_library_chooses_a_theme_by_name_only(tmp_path, theme):
    write(tmp_path / theme.lstrip("/~.\\") / "theme.toml", "")
    path = write(tmp_path / "postkit.toml", f"theme = '{theme}'\nlang = 'ru'\n")
    with pytest.raises(LibraryError) as info:
        read_settings(path)
    assert f"'theme' must be a theme name (letters, digits, '-', '_'), not '{theme}'" in str(info.value)
    assert "--theme" in str(info.value)


def test_a_theme_named_like_a_folder_beside_the_library_stays_a_name(tmp_path):
    write(tmp_path / "mine" / "theme.toml", "")
    assert read_settings(write(tmp_path / "postkit.toml", 'theme = "mine"\n')) == {"theme": "mine"}


def test_settings_lang_must_be_a_language_code(tmp_path):
    with pytest.raises(LibraryError, match="'lang' must be a language code like en, ru or pt-BR, not 'Russian'"):
        read_settings(write(tmp_path / "postkit.toml", 'lang = "Russian"\n'))


def test_a_lone_surrogate_in_a_row_is_a_clear_error(tmp_path):
    table = write(tmp_path / "lib.jsonl", '{"date": "1917-11-07", "title": "\\ud800", "body": "B"}\n')
    (entry,) = load_library(table).entries
    assert (
        entry.error
        == f"{table}:1: 'title' has an escape for half a character (a lone surrogate); write the character itself"
    )
