"""postkit batch: anniversaries, failure isolation, incremental runs, tables, series, index, interruption."""

from __future__ import annotations

import datetime
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner
from PIL import Image

from postkit import batch
from postkit.article import Article, Paragraph
from postkit.batch import (
    FAILED,
    MADE,
    SKIPPED,
    Outcome,
    Selection,
    SelectionError,
    _longest_first,
    _run_tasks,
    _Task,
    anniversary,
    parse_month_day,
    run_batch,
    split_series,
    write_index,
)
from postkit.check import check_post
from postkit.cli import cli
from postkit.errors import LayoutError, ThemeError
from postkit.library import LibraryError

D = datetime.date
ROOT = Path(__file__).resolve().parents[1]
SENTENCE = "This sentence carries a small part of the story, told plainly for the test."


def body(sentences: int = 3, paragraphs: int = 1) -> str:
    return "\n\n".join(" ".join([SENTENCE] * sentences) for _ in range(paragraphs))


def write_article(folder: Path, name: str, date: str, title: str, text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"{date} - {title}\n\n{text if text is not None else body()}\n", encoding="utf-8")
    return path


def write_picture(path: Path, colour=(120, 60, 30)) -> Path:
    Image.new("RGB", (600, 450), colour).save(path, quality=80)
    return path


def names(outcomes) -> list[str]:
    return [Path(o.name).name for o in outcomes]


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [("11-07", (11, 7)), ("2-9", (2, 9)), ("02-29", (2, 29))])
def test_parse_month_day(text, expected):
    assert parse_month_day(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1107", "'1107' is not a month and day; write it as MM-DD, e.g. 11-07"),
        ("11/07", "'11/07' is not a month and day; write it as MM-DD, e.g. 11-07"),
        ("13-01", "'13-01' is not a day of the year; write it as MM-DD with a real month and day, e.g. 02-29"),
        ("02-30", "'02-30' is not a day of the year; write it as MM-DD with a real month and day, e.g. 02-29"),
    ],
)
def test_parse_month_day_errors(text, message):
    with pytest.raises(SelectionError) as info:
        parse_month_day(text)
    assert str(info.value) == message


def test_anniversary_of_a_leap_day_is_28_february_in_common_years():
    assert anniversary(D(1904, 2, 29), 2025) == D(2025, 2, 28)
    assert anniversary(D(1904, 2, 29), 2028) == D(2028, 2, 29)
    assert anniversary(D(1917, 11, 7), 2026) == D(2026, 11, 7)


def test_on_picks_that_day_of_any_year_and_counts_years_to_the_next_one():
    selection = Selection.on("11-07", D(2026, 1, 10))
    assert selection.pick(D(1917, 11, 7)) == D(2026, 11, 7)  # 109 years
    assert selection.pick(D(2001, 11, 7)) == D(2026, 11, 7)
    assert selection.pick(D(1917, 11, 8)) is None
    assert Selection.on("11-07", D(2026, 11, 7)).pick(D(1917, 11, 7)) == D(2026, 11, 7)  # today counts
    assert Selection.on("11-07", D(2026, 11, 8)).pick(D(1917, 11, 7)) == D(2027, 11, 7)  # past: next year


def test_today_in_a_common_year_posts_leap_day_articles_on_28_february():
    selection = Selection.for_today(D(2025, 2, 28))
    assert selection.pick(D(1900, 2, 28)) == D(2025, 2, 28)
    assert selection.pick(D(1904, 2, 29)) == D(2025, 2, 28)
    assert selection.pick(D(1900, 3, 1)) is None


def test_today_in_a_leap_year_keeps_29_february_for_itself():
    assert Selection.for_today(D(2024, 2, 28)).pick(D(1904, 2, 29)) is None
    assert Selection.for_today(D(2024, 2, 28)).pick(D(1900, 2, 28)) == D(2024, 2, 28)
    assert Selection.for_today(D(2024, 2, 29)).pick(D(1904, 2, 29)) == D(2024, 2, 29)
    assert Selection.for_today(D(2024, 2, 29)).pick(D(1900, 2, 28)) is None


def test_on_29_february_selects_only_leap_day_articles():
    common = Selection.on("02-29", D(2025, 1, 1))
    assert common.pick(D(1904, 2, 29)) == D(2025, 2, 28)
    assert common.pick(D(1900, 2, 28)) is None
    leap = Selection.on("02-29", D(2028, 1, 1))
    assert leap.pick(D(1904, 2, 29)) == D(2028, 2, 29)
    assert leap.pick(D(1900, 2, 28)) is None
    # 28 February of a leap year is not a leap-day article's day.
    assert Selection.on("02-28", D(2027, 3, 1)).pick(D(1904, 2, 29)) is None


def test_span_across_new_year():
    selection = Selection.span("12-30", "01-02", D(2025, 6, 1))
    assert selection.days() == (D(2025, 12, 30), D(2026, 1, 2))
    assert selection.pick(D(1900, 12, 30)) == D(2025, 12, 30)
    assert selection.pick(D(1900, 12, 31)) == D(2025, 12, 31)
    assert selection.pick(D(1904, 1, 1)) == D(2026, 1, 1)
    assert selection.pick(D(1904, 1, 2)) == D(2026, 1, 2)
    assert selection.pick(D(1900, 12, 29)) is None
    assert selection.pick(D(1900, 1, 3)) is None
    assert selection.describe() == "from 12-30 to 01-02"


def test_span_that_has_begun_is_the_current_one():
    selection = Selection.span("12-30", "01-02", D(2026, 1, 1))
    assert selection.days() == (D(2025, 12, 30), D(2026, 1, 2))
    assert selection.pick(D(1900, 12, 31)) == D(2025, 12, 31)
    assert Selection.span("03-01", "03-31", D(2026, 4, 1)).days() == (D(2027, 3, 1), D(2027, 3, 31))


def test_span_over_the_end_of_february():
    common = Selection.span("02-27", "03-01", D(2025, 1, 1))
    assert common.pick(D(1904, 2, 29)) == D(2025, 2, 28)
    from_leap_day = Selection.span("02-29", "03-01", D(2025, 1, 1))
    assert from_leap_day.pick(D(1904, 2, 29)) == D(2025, 2, 28)
    assert from_leap_day.pick(D(1900, 2, 28)) is None
    assert from_leap_day.pick(D(1900, 3, 1)) == D(2025, 3, 1)


def test_every_picks_each_articles_next_anniversary():
    selection = Selection.every(D(2025, 6, 1))
    assert selection.pick(D(1917, 11, 7)) == D(2025, 11, 7)
    assert selection.pick(D(1900, 6, 1)) == D(2025, 6, 1)
    assert selection.pick(D(1917, 1, 1)) == D(2026, 1, 1)
    assert selection.pick(D(1904, 2, 29)) == D(2026, 2, 28)
    assert selection.describe() == "on any date"


# --- series splitting (pure) --------------------------------------------------------------------


def make_article(*paragraphs: Paragraph) -> Article:
    return Article(
        source=Path("x.txt"),
        title="T",
        date=D(1917, 11, 7),
        date_text="November 7, 1917",
        handle=None,
        credit=None,
        credit_label=None,
        paragraphs=tuple(paragraphs),
        syntax="plain",
    )


def words_fit(limit: int):
    def fits(article: Article) -> bool:
        assert article.title == "T (Part 8/8)"
        return sum(len(p.text.split()) for p in article.paragraphs) <= limit

    return fits


def test_split_series_takes_the_longest_fitting_run_of_paragraphs():
    article = make_article(*(Paragraph(f"w{k} " * n) for k, n in enumerate([4, 4, 4, 4, 4])))
    parts = split_series(article, words_fit(9))
    assert [len(p) for p in parts] == [2, 2, 1]


def test_split_series_never_ends_a_part_on_a_heading():
    article = make_article(Paragraph("a " * 4), Paragraph("Heading", heading=True), Paragraph("b " * 4))
    parts = split_series(article, words_fit(6))
    assert [[p.heading for p in part] for part in parts] == [[False], [True, False]]


def test_split_series_cuts_a_long_paragraph_at_sentence_boundaries():
    article = make_article(Paragraph("One two three. Four five six. Seven eight nine. Ten."), Paragraph("Last one."))
    parts = split_series(article, words_fit(6))
    texts = [" ".join(p.text for p in part) for part in parts]
    assert texts == ["One two three. Four five six.", "Seven eight nine. Ten. Last one."]


def test_split_series_gives_up_on_a_sentence_too_long_for_a_carousel():
    article = make_article(Paragraph("one two three four five six seven eight."))
    with pytest.raises(LayoutError, match="even as a series, a paragraph does not fit on one carousel"):
        split_series(article, words_fit(3))


# --- batches end to end ---------------------------------------------------------------------------


@pytest.fixture
def library(tmp_path) -> Path:
    """Four dated articles: two of 7 November, one of 8 November, one of 29 February; one picture."""
    lib = tmp_path / "library"
    write_article(lib, "revolution.txt", "1917-11-07", "October Revolution")
    write_picture(lib / "revolution.jpg")
    write_article(lib, "sputnik.txt", "1957-11-07", "A later seventh")
    write_article(lib, "eighth.txt", "1918-11-08", "The eighth")
    write_article(lib, "leap.txt", "1904-02-29", "Leap day")
    (lib / "postkit.toml").write_text('handle = "onthisday"\n')
    return lib


def test_batch_makes_the_days_posts_in_input_order(library, tmp_path):
    out = tmp_path / "out"
    calls = []
    result = run_batch(
        library, Selection.on("11-07", D(2026, 1, 1)), jobs=2, out=out, progress=lambda d, t: calls.append((d, t))
    )
    assert [o.status for o in result.outcomes] == [MADE, MADE]
    assert names(result.outcomes) == ["revolution.txt", "sputnik.txt"]  # 1917 before 1957
    assert [o.folder.name for o in result.made] == ["1917-11-07-october-revolution", "1957-11-07-a-later-seventh"]
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "1917-11-07-october-revolution",
        "1957-11-07-a-later-seventh",
        "index.html",
    ]
    assert calls == [(0, 2), (1, 2), (2, 2)]
    assert result.index == out / "index.html" and result.seconds > 0
    folder = out / "1917-11-07-october-revolution"
    assert check_post(folder) == []
    caption = (folder / "caption.txt").read_text()
    assert caption.splitlines()[:2] == ["1917-11-07 — October Revolution", "109 years ago today"]
    assert "@onthisday" in caption  # from postkit.toml
    meta = json.loads((folder / "post.json").read_text())
    assert len(meta["inputs_sha256"]) == 64 and meta["image"]["file"] == "revolution.jpg"
    assert result.made[0].years_ago == 109 and result.made[0].anniversary == D(2026, 11, 7)


def test_batch_on_28_february_of_a_common_year_makes_the_leap_day_post(library, tmp_path):
    result = run_batch(library, Selection.for_today(D(2027, 2, 28)), jobs=1, out=tmp_path / "out")
    (outcome,) = result.outcomes
    assert outcome.status == MADE and outcome.folder.name == "1904-02-29-leap-day"
    assert outcome.anniversary == D(2027, 2, 28) and outcome.years_ago == 123
    assert "123 years ago today" in (outcome.folder / "caption.txt").read_text()


def test_a_bad_file_among_good_ones_is_reported_and_the_rest_are_made(library, tmp_path):
    (library / "latin1.txt").write_bytes("1917-11-07 - Caf\xe9\n\nText.\n".encode("latin-1"))
    write_article(library, "broken-picture.txt", "1920-11-07", "Broken picture")
    (library / "broken-picture.jpg").write_bytes(b"\xff\xd8 this is not a JPEG")
    write_article(library, "no-date.txt", "Sometime", "No date")
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["batch", str(library), "--on", "11-07", "--date", "2026-01-01", "--out", str(out), "-j", "2"]
    )
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Could not make ")]
    assert len(errors) == 2, result.stderr
    assert errors[0].startswith(f"Could not make {library / 'broken-picture.txt'}: ")
    assert "broken-picture.jpg" in errors[0]
    assert any(e.startswith(f"Could not make {library / 'latin1.txt'}: ") and "is not UTF-8" in e for e in errors)
    # An undated article is no day's post: a warning each run, not a failure of every run.
    assert f"Warning: {library / 'no-date.txt'} has no date, so it has no anniversary" in result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("Made 2 posts, skipped 0 unchanged, 2 failed in ")
    made = sorted(p.name for p in out.iterdir() if (p / "post.json").is_file())
    assert made == ["1917-11-07-october-revolution", "1957-11-07-a-later-seventh"]
    assert not any(p.name.startswith(".") and p.is_dir() for p in out.iterdir())  # no staging left


def test_rerun_skips_unchanged_posts_and_remakes_changed_ones(library, tmp_path):
    out = tmp_path / "out"
    selection = Selection.on("11-07", D(2026, 1, 1))
    first = run_batch(library, selection, jobs=2, out=out)
    stamps = {o.folder.name: (o.folder / "01.jpg").stat().st_mtime_ns for o in first.made}

    again = run_batch(library, selection, jobs=2, out=out)
    assert [o.status for o in again.outcomes] == [SKIPPED, SKIPPED]
    assert {o.folder.name: (o.folder / "01.jpg").stat().st_mtime_ns for o in again.skipped} == stamps

    write_article(library, "sputnik.txt", "1957-11-07", "A later seventh", body(4))
    changed = run_batch(library, selection, jobs=2, out=out)
    assert [(Path(o.name).name, o.status) for o in changed.outcomes] == [
        ("revolution.txt", SKIPPED),
        ("sputnik.txt", MADE),
    ]
    write_picture(library / "revolution.jpg", colour=(10, 90, 200))
    assert [o.status for o in run_batch(library, selection, jobs=1, out=out).outcomes] == [MADE, SKIPPED]

    (library / "postkit.toml").write_text('handle = "someone_else"\n')
    assert [o.status for o in run_batch(library, selection, jobs=2, out=out).outcomes] == [MADE, MADE]
    assert [o.status for o in run_batch(library, selection, jobs=2, out=out, force=True).outcomes] == [MADE, MADE]
    next_year = run_batch(library, Selection.on("11-07", D(2027, 1, 1)), jobs=2, out=out)
    assert [o.status for o in next_year.outcomes] == [MADE, MADE]  # "110 years ago" is a new caption
    assert "110 years ago today" in (out / "1917-11-07-october-revolution" / "caption.txt").read_text()


def test_dry_run_lists_what_would_be_made_and_writes_nothing(library, tmp_path):
    out = tmp_path / "out"
    selection = Selection.on("11-07", D(2026, 1, 1))
    dry = run_batch(library, selection, jobs=2, out=out, dry_run=True)
    assert dry.dry_run and [o.status for o in dry.outcomes] == [MADE, MADE]
    assert [o.folder.name for o in dry.outcomes] == ["1917-11-07-october-revolution", "1957-11-07-a-later-seventh"]
    assert not out.exists()
    run_batch(library, selection, jobs=2, out=out)
    write_article(library, "sputnik.txt", "1957-11-07", "A later seventh", body(5))
    assert [o.status for o in run_batch(library, selection, out=out, dry_run=True).outcomes] == [SKIPPED, MADE]


def test_dry_run_from_the_command_line(library, tmp_path):
    out = tmp_path / "out"
    args = ["batch", str(library), "--on", "11-07", "--date", "2026-01-01", "--out", str(out), "--dry-run"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"would make {out / '1917-11-07-october-revolution'}/ (109 years ago on 2026-11-07)",
        f"would make {out / '1957-11-07-a-later-seventh'}/ (69 years ago on 2026-11-07)",
        "Would make 2 posts, skip 0 unchanged, 0 would fail (anniversaries on 11-07; dry run, nothing written)",
    ]
    assert not out.exists()


def test_csv_library(tmp_path):
    (tmp_path / "pictures").mkdir()
    write_picture(tmp_path / "pictures" / "palace.jpg")
    table = tmp_path / "year.csv"
    table.write_text(
        "date,title,body,image,credit,hashtags\n"
        f'1917-11-07,October Revolution,"{body(2)}\n\n{body(1)}",pictures/palace.jpg,'
        'Photo: Trubkovich,"revolution 1917"\n'
        f'1918-11-07,Bad picture,"{body(1)}",pictures/missing.jpg,,\n'
        f'1919-11-08,Another day,"{body(1)}",,,\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run_batch(table, Selection.on("11-07", D(2026, 1, 1)), jobs=2, out=out)
    made, failed = result.outcomes
    assert made.status == MADE and made.folder == out / "1917-11-07-october-revolution"
    assert made.name == f"{table}:2"
    meta = json.loads((made.folder / "post.json").read_text())
    assert meta["image"]["file"] == "palace.jpg" and meta["hashtags"] == ["revolution", "1917"]
    assert meta["source"]["file"] == "year.csv:2" and len(meta["source"]["sha256"]) == 64
    assert check_post(made.folder) == []
    assert failed.status == FAILED and failed.name == f"{table}:5" and "missing.jpg" in failed.reason
    assert [o.status for o in run_batch(table, Selection.on("11-07", D(2026, 1, 1)), out=out).outcomes] == [
        SKIPPED,
        FAILED,
    ]


def test_jsonl_library(tmp_path):
    table = tmp_path / "year.jsonl"
    rows = [
        {"date": "1957-10-04", "title": "Sputnik", "body": body(2), "hashtags": ["space"]},
        {"date": "1957-10-04", "title": "", "body": "no title"},
    ]
    table.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    result = run_batch(table, Selection.on("10-04", D(2026, 1, 1)), jobs=1, out=tmp_path / "out")
    made, failed = result.outcomes
    assert made.status == MADE and made.folder.name == "1957-10-04-sputnik"
    assert "69 years ago today" in (made.folder / "caption.txt").read_text()
    assert failed.status == FAILED and failed.reason == "'title' is empty; every row needs date, title, body"


def test_series_splits_an_article_too_long_for_one_carousel(tmp_path):
    lib = tmp_path / "library"
    write_article(lib, "long.txt", "1917-11-07", "Long story", body(5, paragraphs=4))
    out = tmp_path / "out"
    selection = Selection.on("11-07", D(2026, 1, 1))
    settings = {"max_slides": 3}
    single = run_batch(lib, selection, jobs=1, out=out, settings=settings)
    (failure,) = single.failed
    assert "--max-slides" in failure.reason and failure.reason.endswith("or pass --series to make it a series of posts")

    series = run_batch(lib, selection, jobs=1, out=out, settings=settings, series=True)
    folders = [o.folder.name for o in series.outcomes]
    assert len(folders) >= 2 and all(o.status == MADE for o in series.outcomes)
    assert folders == [f"1917-11-07-long-story-part-{k}" for k in range(1, len(folders) + 1)]
    texts = []
    for k, outcome in enumerate(series.outcomes, start=1):
        meta = json.loads((outcome.folder / "post.json").read_text())
        assert meta["title"] == f"Long story (Part {k}/{len(folders)})"
        assert len(meta["slides"]) == 3 and check_post(outcome.folder) == []
        texts += [s["text"] for s in meta["slides"] if s["kind"] == "text"]
    assert " ".join(" ".join(texts).split()) == " ".join(body(5, paragraphs=4).split())  # no word lost
    again = run_batch(lib, selection, jobs=1, out=out, settings=settings, series=True)
    assert {o.status for o in again.outcomes} == {SKIPPED}


def test_series_part_titles_are_in_the_articles_language(tmp_path):
    from postkit.i18n import translations

    lib = tmp_path / "library"
    write_article(lib, "long.txt", "1917-11-07", "Long story", body(5, paragraphs=4))
    settings = {"max_slides": 3, "lang": "ru"}
    result = run_batch(
        lib, Selection.on("11-07", D(2026, 1, 1)), jobs=1, out=tmp_path / "out", settings=settings, series=True
    )
    count = len(result.outcomes)
    pattern = translations("ru").gettext("{title} (Part {part}/{parts})")
    assert pattern != "{title} (Part {part}/{parts})"  # Russian has its own words for it
    titles = [json.loads((o.folder / "post.json").read_text())["title"] for o in result.outcomes]
    assert titles == [pattern.format(title="Long story", part=k, parts=count) for k in range(1, count + 1)]


def test_index_lists_every_post_with_a_thumbnail_and_a_link(library, tmp_path):
    out = tmp_path / "out"
    run_batch(library, Selection.on("11-07", D(2026, 1, 1)), jobs=2, out=out)
    run_batch(library, Selection.on("02-29", D(2026, 1, 1)), jobs=1, out=out)
    (out / "1957-11-07-a-later-seventh" / "preview.html").write_text("<html></html>")
    page = (out / "index.html").read_text()
    assert page.count("<li>") == 3  # every post in the folder, not only this batch's
    assert page.index("1904-02-29-leap-day") < page.index("1917-11-07-october-revolution")  # by day of year
    assert 'href="1957-11-07-a-later-seventh/"' in page  # no preview yet when the index was written
    assert 'href="1917-11-07-october-revolution/"' in page
    assert 'src="1917-11-07-october-revolution/01.jpg"' in page
    write_index(out)
    assert 'href="1957-11-07-a-later-seventh/preview.html"' in (out / "index.html").read_text()
    assert (out / "index.html").read_text() == page.replace(
        'href="1957-11-07-a-later-seventh/"', 'href="1957-11-07-a-later-seventh/preview.html"'
    )


def test_index_escapes_titles(tmp_path):
    post = tmp_path / "out" / "1917-11-07-x"
    post.mkdir(parents=True)
    (post / "post.json").write_text(json.dumps({"title": "<script>alert(1)</script>", "date": "1917-11-07"}))
    page = write_index(tmp_path / "out").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_index_speaks_the_language_of_most_of_its_posts(tmp_path):
    for name, lang, title in [("a", "ar", "افتتاح قناة السويس"), ("b", "ar", "ثورة"), ("c", "en", "Apollo 11")]:
        post = tmp_path / "out" / name
        post.mkdir(parents=True)
        (post / "post.json").write_text(json.dumps({"title": title, "date": "1869-11-17", "lang": lang}))
    page = write_index(tmp_path / "out").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in page
    assert 'lang="en">Apollo 11<' in page and "posts" not in page  # the page's own words are Arabic


# Run in a child process that dies (os._exit, no clean-up) while building a post ("staging") or right
# after moving the old post aside ("aside"): what a kill -9 leaves at those moments.
KILLED_WRITER = r"""
import os, sys
from postkit.output import PostWriter
target, stage = sys.argv[1], sys.argv[2]
writer = PostWriter(target, force=True).__enter__()
writer.write_text("01.jpg", "half a post")
if stage == "staging":
    os._exit(0)
real = os.replace
def replace(src, dst):
    real(src, dst)
    os._exit(0)
os.replace = replace
writer.commit()
"""


def kill_writer(target: Path, stage: str) -> None:
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(target), stage], check=True, timeout=60)


def test_leftovers_of_killed_runs_are_cleaned_by_their_marker_and_lookalikes_are_kept(library, tmp_path):
    out = tmp_path / "out"
    kill_writer(out / "1917-11-07-october-revolution", "staging")
    kept = out / "1950-01-01-kept"
    kept.mkdir(parents=True)
    (kept / "post.json").write_text('{"title": "Kept"}')
    kill_writer(kept, "aside")
    assert not kept.exists()
    left = sorted(p.name for p in out.iterdir())
    assert len(left) == 3 and all(name.startswith(".") for name in left)  # two staging folders, one moved aside
    lookalikes = [
        ".1917-11-07-october-revolution.k2j4_x9a.tmp",
        ".1950-01-01-kept.0123abcd.old",
        ".photos.20240101.old",
    ]
    for name in lookalikes:
        (out / name).mkdir()
        (out / name / "notes.txt").write_text(name)

    run_batch(library, Selection.on("11-08", D(2026, 1, 1)), jobs=1, out=out)
    assert (kept / "post.json").read_text() == '{"title": "Kept"}'  # put back
    assert (out / "1918-11-08-the-eighth" / "post.json").is_file()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == sorted(lookalikes)
    assert all((out / name / "notes.txt").read_text() == name for name in lookalikes)


def test_two_articles_for_one_folder(tmp_path):
    lib = tmp_path / "library"
    write_article(lib, "a.txt", "1917-11-07", "Same")
    write_article(lib, "b.txt", "1917-11-07", "Same", body(2))
    result = run_batch(lib, Selection.on("11-07", D(2026, 1, 1)), jobs=2, out=tmp_path / "out")
    made, failed = result.outcomes
    assert made.status == MADE and Path(made.name).name == "a.txt"
    assert failed.status == FAILED and failed.reason == (
        f"its post would go to {tmp_path / 'out' / '1917-11-07-same'}, like the post of {lib / 'a.txt'}; "
        "change its title or date so that each post has its own folder"
    )


def test_bad_settings_stop_the_batch_once(library, tmp_path):
    with pytest.raises(ThemeError, match="unknown theme 'nope'"):
        run_batch(library, Selection.every(D(2026, 1, 1)), out=tmp_path / "out", settings={"theme": "nope"})
    (library / "postkit.toml").write_text("max_slides = 99\n")
    with pytest.raises(LibraryError, match="'max_slides' must be a whole number from 3 to 20, not 99"):
        run_batch(library, Selection.every(D(2026, 1, 1)), out=tmp_path / "out")


def test_out_folder_from_postkit_toml(library, tmp_path, monkeypatch):
    (library / "postkit.toml").write_text('out = "posts"\n')
    monkeypatch.chdir(tmp_path)
    result = run_batch(library, Selection.on("11-08", D(2026, 1, 1)), jobs=1)
    assert result.out == library / "posts"
    assert (library / "posts" / "1918-11-08-the-eighth" / "post.json").is_file()


@pytest.mark.parametrize("value", ["../posts", "/tmp/elsewhere", "~/posts", "a/../../b"])
def test_a_library_cannot_send_its_posts_out_of_itself(library, tmp_path, value):
    (library / "postkit.toml").write_text(f'out = "{value}"\n')
    with pytest.raises(LibraryError, match=r"'out' must be a folder inside the library .* another folder with --out"):
        run_batch(library, Selection.on("11-08", D(2026, 1, 1)), jobs=1)


# --- workers: warm-up, order, replacement --------------------------------------------------------

# In a fresh interpreter, as a worker starts: the article already read (the main process reads the
# library), then the worker prepared, or not, then one post made.
FIRST_POST = r"""
import json, sys
from pathlib import Path
from postkit import batch, fonts
from postkit.article import read_article
from postkit.pipeline import build_post

article = read_article(sys.argv[1])
if sys.argv[3] == "warm":
    batch._init_worker([("classic", ())])
modules, faces, coverage = set(sys.modules), fonts._hb_face.cache_info(), fonts._coverage.cache_info()
post = build_post(article, out=Path(sys.argv[2]))
print(json.dumps({
    "status": post.status,
    "imported": sorted(set(sys.modules) - modules),
    "faces": fonts._hb_face.cache_info().misses - faces.misses,
    "coverage": fonts._coverage.cache_info().misses - coverage.misses,
}))
"""


def first_post(article: Path, out: Path, how: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", FIRST_POST, str(article), str(out), how]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def test_a_warm_worker_loads_nothing_for_its_first_post(library, tmp_path):
    cold = first_post(library / "sputnik.txt", tmp_path / "cold", "cold")
    assert cold["status"] == "made" and "jinja2" in cold["imported"] and cold["faces"] > 0  # what warming saves
    warm = first_post(library / "sputnik.txt", tmp_path / "warm", "warm")
    assert warm == {"status": "made", "imported": [], "faces": 0, "coverage": 0}


def warm_state(task: _Task) -> list[Outcome]:
    """Stand in for a post: say what the worker's process held before it."""
    import gc

    frozen = str(gc.get_freeze_count() > 0)  # only the fork server's warm-up freezes objects
    return [Outcome(task.name, MADE, warnings=(frozen, repr(sorted(batch._warm))))]


@pytest.mark.skipif(sys.platform != "linux", reason="a fork server on Linux; spawned workers warm up themselves")
def test_workers_come_warm_from_the_fork_server(tmp_path):
    ((outcome,),) = _run_tasks(stand_in_tasks(tmp_path, ["x"]), 1, None, work=warm_state)
    assert outcome.warnings == ("True", "[('classic', ())]")


def stand_in_tasks(tmp_path: Path, names: list[str], lengths: list[int] | None = None) -> list[_Task]:
    """Tasks for a stand-in ``work`` function (the article is never made), with texts of ``lengths``."""
    tasks = []
    for name, length in zip(names, lengths or [5] * len(names), strict=True):
        article = Article(
            source=tmp_path / f"{name}.txt",
            title=name,
            date=D(1917, 11, 7),
            date_text="1917-11-07",
            handle=None,
            credit=None,
            credit_label=None,
            paragraphs=(Paragraph("x" * length),),
            syntax="plain",
        )
        tasks.append(_Task(name, article, tmp_path / name, D(2026, 11, 7), 109))
    return tasks


def test_the_longest_articles_are_made_first(tmp_path):
    tasks = stand_in_tasks(tmp_path, ["a", "b", "c", "d", "e"], [10, 300, 20, 300, 2000])
    assert _longest_first(tasks) == [4, 1, 3, 2, 0]


def made_by(task: _Task) -> list[Outcome]:
    """Stand in for a post: take a moment (as a post does, so the main process hears of each in time),
    then say which worker made it."""
    time.sleep(0.2)
    return [Outcome(task.name, MADE, warnings=(str(os.getpid()),))]


def pool_sizes(results: list[list[Outcome]]) -> list[int]:
    """How many tasks each worker made, in the order the workers came (each made consecutive tasks)."""
    pids = [r[0].warnings[0] for r in results]
    sizes = [1]
    for before, pid in zip(pids, pids[1:], strict=False):
        if pid == before:
            sizes[-1] += 1
        else:
            sizes.append(1)
    assert len(sizes) == len(set(pids))  # no worker came back
    return sizes


def test_a_worker_makes_up_to_worker_tasks_posts(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "WORKER_TASKS", 3)
    names = [f"post-{i}" for i in range(7)]
    results = _run_tasks(stand_in_tasks(tmp_path, names), 1, None, work=made_by)
    assert [r[0].name for r in results] == names
    assert pool_sizes(results) == [3, 3, 1]


def test_workers_that_outgrow_their_memory_are_replaced(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "WORKER_MEMORY_MB", 0)  # every worker is over it after its first post
    monkeypatch.setattr(batch, "WORKER_MIN_TASKS", 2)
    names = [f"post-{i}" for i in range(9)]
    results = _run_tasks(stand_in_tasks(tmp_path, names), 1, None, work=made_by)
    # Each made once, in order; each worker two posts, or three if it had started the third when told.
    assert [r[0].name for r in results] == names and [r[0].status for r in results] == [MADE] * 9
    sizes = pool_sizes(results)
    assert len(sizes) >= 3 and all(2 <= size <= 3 for size in sizes[:-1]), sizes


# --- killing a batch ----------------------------------------------------------------------------


def test_a_killed_batch_leaves_only_complete_post_folders(tmp_path):
    lib = tmp_path / "library"
    for day in range(1, 9):
        write_article(lib, f"{day:02d}.txt", f"19{day:02d}-03-{day:02d}", f"Story {day}", body(6, paragraphs=3))
        write_picture(lib / f"{day:02d}.jpg", colour=(20 * day, 40, 90))
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "postkit", "batch", str(lib), "--all", "--jobs", "2", "--out", str(out), "-q"]
    process = subprocess.Popen(command, env=env, start_new_session=True, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if out.is_dir() and any((p / "post.json").exists() for p in out.iterdir() if not p.name.startswith(".")):
                break
            time.sleep(0.01)
        assert process.poll() is None, "the batch finished before it could be killed; make the articles longer"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    folders = [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert 1 <= len(folders) < 8
    for folder in folders:
        assert [v for v in check_post(folder) if v.level == "error"] == [], folder
        meta = json.loads((folder / "post.json").read_text())
        assert all((folder / s["file"]).is_file() for s in meta["slides"])
        assert (folder / "caption.txt").is_file()

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert len([p for p in out.iterdir() if (p / "post.json").is_file()]) == 8
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # no staging folder, no lock file


# --- command line -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "choose what to make: one of --on MM-DD, --today, --from MM-DD --to MM-DD or --all"),
        (["--on", "11-07", "--all"], "--on and --all cannot be combined; choose what to make"),
        (["--from", "12-30"], "--from and --to go together; give both, e.g. --from 12-30 --to 01-02"),
        (["--on", "11-31"], "Invalid value for '--on': '11-31' is not a day of the year"),
        (["--today", "--date", "2026-13-01"], "Invalid value for '--date'"),
        (["--all", "--timeout", "0"], "Invalid value for '--timeout': 0.0 is not in the range x>0."),
    ],
)
def test_batch_usage_errors(tmp_path, args, message):
    result = CliRunner().invoke(cli, ["batch", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_batch_passes_its_options_to_run_batch(tmp_path):
    with mock.patch("postkit.batch.run_batch", autospec=True) as run:
        run.return_value.outcomes = ()
        run.return_value.made = run.return_value.skipped = run.return_value.failed = []
        run.return_value.warnings = []
        run.return_value.seconds = 8.24
        result = CliRunner().invoke(
            cli,
            [
                "batch",
                str(tmp_path),
                "--from",
                "12-30",
                "--to",
                "01-02",
                "--date",
                "2025-06-01",
                "--jobs",
                "3",
                "--force",
                "--series",
                "--out",
                str(tmp_path / "o"),
                "--handle",
                "me",
                "--theme",
                "classic",
                "--format",
                "square",
                "--max-slides",
                "12",
                "--lang",
                "ru",
            ],
        )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"No article in {tmp_path} has an anniversary from 12-30 to 01-02.",
        "Made 0 posts, skipped 0 unchanged, 0 failed in 8.2 s",
    ]
    (library, selection), kwargs = run.call_args
    assert library == tmp_path and selection == Selection.span("12-30", "01-02", D(2025, 6, 1))
    assert kwargs["jobs"] == 3 and kwargs["force"] is True and kwargs["series"] is True
    assert kwargs["dry_run"] is False and kwargs["out"] == tmp_path / "o" and callable(kwargs["progress"])
    assert kwargs["timeout"] == 300
    assert kwargs["settings"] == {
        "handle": "me",
        "theme": "classic",
        "format": "square",
        "max_slides": 12,
        "lang": "ru",
    }  # only what the flags set: the library and the articles set the rest


def test_the_batch_language_reaches_the_library(library, tmp_path):
    import postkit.library

    with mock.patch("postkit.batch.load_library", wraps=postkit.library.load_library) as load:
        run_batch(library, Selection.on("01-01", D(2026, 1, 1)), out=tmp_path / "out", settings={"lang": "ru"})
    assert load.call_args.kwargs == {"exclude": (tmp_path / "out",), "lang": "ru"}


def test_date_alone_means_today(tmp_path):
    with mock.patch("postkit.batch.run_batch", autospec=True) as run:
        run.return_value.outcomes = ()
        run.return_value.made = run.return_value.skipped = run.return_value.failed = run.return_value.warnings = []
        run.return_value.seconds = 0.0
        result = CliRunner().invoke(cli, ["batch", str(tmp_path), "--date", "2025-02-28", "-q"])
    assert result.exit_code == 0 and result.output == ""
    assert run.call_args.args[1] == Selection.for_today(D(2025, 2, 28))


def test_carousel_posts_carry_the_inputs_hash(example_dir, tmp_path):
    from postkit.pipeline import build_post, make_post

    first = make_post(example_dir / "article.txt", out=tmp_path / "a")
    second = make_post(example_dir / "article.txt", out=tmp_path / "b")
    other = build_post(example_dir / "article.txt", out=tmp_path / "c", handle="someone", dry_run=True)
    digest = json.loads((first.folder / "post.json").read_text())["inputs_sha256"]
    assert digest == first.inputs_sha256 == second.inputs_sha256 and len(digest) == 64
    assert other.inputs_sha256 != digest and other.status == "dry-run" and not (tmp_path / "c").exists()
    unchanged = build_post(example_dir / "article.txt", out=tmp_path / "a", skip_unchanged=True)
    assert unchanged.status == "unchanged" and unchanged.slide_count == first.slide_count
    # A slide left empty or cut short (a power cut after a new post's rename) is not a whole post.
    slide = first.folder / "02.jpg"
    whole = slide.read_bytes()
    for torn in (b"", whole[: len(whole) // 2]):
        slide.write_bytes(torn)
        again = build_post(example_dir / "article.txt", out=tmp_path / "a", skip_unchanged=True, force=True)
        assert again.status == "made" and slide.read_bytes() == whole


def test_nothing_selected_says_so(library, tmp_path):
    args = ["batch", str(library), "--on", "01-01", "--date", "2026-06-01", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"No article in {library} has an anniversary on 01-01."
    assert result.stdout.splitlines()[1].startswith("Made 0 posts, skipped 0 unchanged, 0 failed in ")


def test_split_series_keeps_emphasis_with_its_words():
    plain = "One two three. Four five six. Seven eight nine."  # from "One *two* three. ... **eight** nine."
    paragraph = Paragraph(plain, emphasis=((4, 7, "italic"), (36, 41, "bold")))
    assert plain[4:7] == "two" and plain[36:41] == "eight"
    parts = split_series(make_article(paragraph), words_fit(6))
    (first,), (second,) = parts
    assert first.text == "One two three. Four five six." and first.emphasis == ((4, 7, "italic"),)
    assert second.text == "Seven eight nine." and second.emphasis == ((6, 11, "bold"),)
    assert second.text[6:11] == "eight"


def test_batch_with_a_theme_from_a_theme_dir_and_previews(library, tmp_path):
    themes = tmp_path / "themes" / "sepia"
    themes.mkdir(parents=True)
    (themes / "theme.toml").write_text('extends = "minimal"\n')
    out = tmp_path / "out"
    args = ["batch", str(library), "--on", "11-07", "--date", "2026-01-01", "--out", str(out), "-q"]
    args += ["--theme", "sepia", "--theme-dir", str(tmp_path / "themes"), "--fit", "contain", "--preview"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    post = out / "1917-11-07-october-revolution"
    assert json.loads((post / "post.json").read_text())["theme"] == "sepia"
    assert (post / "preview.html").is_file() and (post / "contact.png").is_file()
    assert "1917-11-07-october-revolution/preview.html" in (out / "index.html").read_text()


def test_a_language_without_a_catalog_is_reported_by_the_batch(tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    (library / "pl.txt").write_text(
        "November 7, 1917 - Rewolucja\nRewolucja październikowa była zbrojnym przewrotem w Piotrogrodzie.\n",
        encoding="utf-8",
    )
    result = run_batch(library, Selection.on("11-07", D(2025, 1, 1)), out=tmp_path / "out", jobs=1)
    assert [o.status for o in result.outcomes] == ["made"]
    assert any("no translation for language 'pl'" in warning for warning in result.warnings)


def test_an_undated_article_does_not_fail_a_day_with_nothing_else_wrong(library, tmp_path):
    write_article(library, "no-date.txt", "Sometime", "No date")
    result = CliRunner().invoke(
        cli, ["batch", str(library), "--on", "11-07", "--date", "2026-01-01", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "has no date, so it has no anniversary" in result.stderr


def test_an_index_of_many_languages_none_the_most_is_english(tmp_path):
    for name, lang in [("a", "de"), ("b", "fa"), ("c", "pl")]:
        post = tmp_path / "out" / name
        post.mkdir(parents=True)
        (post / "post.json").write_text(json.dumps({"title": name, "date": "1900-01-01", "lang": lang}))
    assert '<html lang="en" dir="ltr">' in write_index(tmp_path / "out").read_text(encoding="utf-8")


_HOST_PROGRAM = """
import gc, multiprocessing, os, signal
from concurrent.futures import ProcessPoolExecutor

def probe():
    before = (os.getpgrp(), signal.getsignal(signal.SIGTTOU))
    import postkit.batch  # first imported in another program's fork-server worker
    return before == (os.getpgrp(), signal.getsignal(signal.SIGTTOU)), gc.get_freeze_count()

if __name__ == "__main__":
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver")) as pool:
        print(pool.submit(probe).result())
"""


@pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(), reason="needs the fork server")
def test_importing_the_batch_in_another_programs_worker_leaves_that_worker_alone(tmp_path):
    # Only postkit's own fork server, which preloads this module, is moved to a process group of its
    # own, tied to its parent and warmed up; a worker another program's fork server forked is not.
    script = tmp_path / "host.py"
    script.write_text(_HOST_PROGRAM)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(True, 0)"
