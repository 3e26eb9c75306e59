"""On this day: pick the anniversaries from a dated library and make their posts in a process pool."""

from __future__ import annotations

import calendar
import contextlib
import datetime
import logging
import multiprocessing
import os
import re
import shutil
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from postkit.article import Article, Paragraph, slug
from postkit.errors import LayoutError, OutputError, PostkitError
from postkit.library import Entry, Library, load_library

log = logging.getLogger("postkit")

MonthDay = tuple[int, int]

MADE = "made"
SKIPPED = "skipped"
FAILED = "failed"

DEFAULT_OUT = Path("out")
INDEX_FILE = "index.html"
INDEX_TEMPLATE = "batch/index.html.j2"
LOCK_FILE = ".postkit-batch.lock"
# Posts a worker process makes before a fresh one replaces it: the font, measurement and shaping
# caches grow with every new text (about 0.1 MB a post), and this keeps a worker's memory bounded
# on a library of any size.
WORKER_TASKS = 100
# What output.PostWriter leaves behind when killed: ".NAME.<mkdtemp>.tmp" while building a post,
# ".NAME.<8 hex>.old" for the moment between moving the old post aside and the new one in.
_STAGING = re.compile(r"\.(?P<name>.+)\.[A-Za-z0-9_]{8}\.tmp")
_BACKUP = re.compile(r"\.(?P<name>.+)\.[0-9a-f]{8}\.old")
_MONTH_DAY = re.compile(r"\s*(\d{1,2})-(\d{1,2})\s*")
# A 'Part 9/9' suffix while the number of parts is not known yet: as wide as most real ones.
_PROBE_PART = (8, 8)


class SelectionError(PostkitError):
    """A date selection (--on, --from, --to, --date) is not a date postkit can use."""


# ---------------------------------------------------------------------------------------------
# Which articles: dates and anniversaries


def parse_month_day(text: str) -> MonthDay:
    """Parse "MM-DD" (any year, 02-29 included) into (month, day)."""
    match = _MONTH_DAY.fullmatch(text)
    if not match:
        msg = f"'{text}' is not a month and day; write it as MM-DD, e.g. 11-07"
        raise SelectionError(msg)
    month, day = int(match[1]), int(match[2])
    try:
        datetime.date(2000, month, day)  # a leap year, so 02-29 is a day
    except ValueError:
        msg = f"'{text}' is not a day of the year; write it as MM-DD with a real month and day, e.g. 02-29"
        raise SelectionError(msg) from None
    return month, day


def anniversary(date: datetime.date, year: int) -> datetime.date:
    """Return the anniversary of ``date`` in ``year``: 29 February falls on 28 February in common years."""
    return _on(date.month, date.day, year)


def _on(month: int, day: int, year: int) -> datetime.date:
    if (month, day) == (2, 29) and not calendar.isleap(year):
        return datetime.date(year, 2, 28)
    return datetime.date(year, month, day)


@dataclass(frozen=True)
class Selection:
    """Which anniversaries to post: one day, a span of days (which may cross New Year), or all.

    Every anniversary is the next one on or after ``today``: ``--on 11-07`` run in December means
    next November, and a span is the next occurrence that has not ended yet. Articles dated
    29 February are posted on 28 February in common years.
    """

    start: MonthDay | None  # None: every article
    end: MonthDay | None
    today: datetime.date

    @classmethod
    def on(cls, month_day: str | MonthDay, today: datetime.date) -> Selection:
        """Select the articles of one day of the year (``--on MM-DD``)."""
        day = parse_month_day(month_day) if isinstance(month_day, str) else month_day
        return cls(day, day, today)

    @classmethod
    def for_today(cls, today: datetime.date) -> Selection:
        """Select today's anniversaries (``--today``; ``--date`` sets today)."""
        return cls((today.month, today.day), (today.month, today.day), today)

    @classmethod
    def span(cls, start: str | MonthDay, end: str | MonthDay, today: datetime.date) -> Selection:
        """Select the days from ``start`` to ``end``, both included (``--from 12-30 --to 01-02`` crosses New Year)."""
        first = parse_month_day(start) if isinstance(start, str) else start
        last = parse_month_day(end) if isinstance(end, str) else end
        return cls(first, last, today)

    @classmethod
    def every(cls, today: datetime.date) -> Selection:
        """Select every dated article (``--all``)."""
        return cls(None, None, today)

    def describe(self) -> str:
        """Say what is selected, for messages: "on 11-07", "from 12-30 to 01-02" or "on any date"."""
        if self.start is None or self.end is None:
            return "on any date"
        first = f"{self.start[0]:02d}-{self.start[1]:02d}"
        return f"on {first}" if self.start == self.end else f"from {first} to {self.end[0]:02d}-{self.end[1]:02d}"

    def days(self) -> tuple[datetime.date, datetime.date] | None:
        """Return the first and last calendar day posted (None for every date)."""
        if self.start is None or self.end is None:
            return None
        for year in (self.today.year - 1, self.today.year, self.today.year + 1):
            first = _on(*self.start, year)
            last = _on(*self.end, year if self.end >= self.start else year + 1)
            if last >= self.today:
                return first, last
        msg = "unreachable: next year's span always ends after today"
        raise AssertionError(msg)

    def pick(self, date: datetime.date) -> datetime.date | None:
        """Return the anniversary of ``date`` that this selection posts, or None if it is not selected."""
        span = self.days()
        if span is None:
            this_year = anniversary(date, self.today.year)
            return this_year if this_year >= self.today else anniversary(date, self.today.year + 1)
        first, last = span
        for year in sorted({first.year, last.year}):
            day = anniversary(date, year)
            if not first <= day <= last:
                continue
            # In a common year a span starting on 02-29 starts on 28 February, for leap-day articles only.
            if day == first and self.start == (2, 29) and first.day == 28 and (date.month, date.day) != (2, 29):
                continue
            return day
        return None


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Outcome:
    """What happened to one post (or, for a failure, one article) of the batch."""

    name: str  # the article's file, or "table.csv:LINE" for a row
    status: str  # MADE, SKIPPED (unchanged) or FAILED; in a dry run, what would happen
    folder: Path | None = None
    reason: str | None = None
    anniversary: datetime.date | None = None
    years_ago: int | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchResult:
    """Every outcome in input order (anniversary, then date, then file), and how long it took."""

    outcomes: tuple[Outcome, ...]
    seconds: float
    out: Path
    index: Path | None = None
    dry_run: bool = False

    @property
    def made(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == MADE]

    @property
    def skipped(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == SKIPPED]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == FAILED]

    @property
    def warnings(self) -> list[str]:
        return [w for o in self.outcomes for w in o.warnings]


# ---------------------------------------------------------------------------------------------
# The batch


@dataclass(frozen=True)
class _Task:
    """One article to make, as sent to a worker process (everything picklable)."""

    name: str
    article: Article
    target: Path
    anniversary: datetime.date
    years_ago: int
    library: dict[str, Any] = field(default_factory=dict)  # postkit.toml settings
    flags: dict[str, Any] = field(default_factory=dict)  # handle, theme, format, max_slides
    force: bool = False
    dry_run: bool = False
    series: bool = False


def run_batch(
    library: str | os.PathLike | Library,
    selection: Selection,
    *,
    jobs: int | None = None,
    force: bool = False,
    dry_run: bool = False,
    series: bool = False,
    out: str | os.PathLike | None = None,
    progress: Callable[[int, int], None] | None = None,
    settings: dict[str, Any] | None = None,
) -> BatchResult:
    """Make the posts of the selected anniversaries in ``jobs`` processes, keeping going past failures.

    An unchanged post (same inputs hash in its post.json) is skipped unless ``force``; ``dry_run``
    does everything but painting and writing. Posts go to ``out/<date>-<slug>/`` (default: the
    library's postkit.toml ``out``, else ``out``), then ``out/index.html`` lists every post there.

    :param progress: called with (posts finished, posts to make) as each article finishes.
    :param settings: command-line settings (handle, theme, format, max_slides); None values are ignored.
    """
    started = time.perf_counter()
    flags = {k: v for k, v in (settings or {}).items() if v is not None}
    exclude = (Path(out),) if out is not None else ()
    lib = library if isinstance(library, Library) else load_library(library, exclude=exclude)
    out_dir = Path(out) if out is not None else Path(lib.settings.get("out", DEFAULT_OUT))
    _check_settings(lib, flags)

    tasks, outcomes = _plan(lib, selection, out_dir, flags, force=force, dry_run=dry_run, series=series)
    if dry_run:
        results = _run_tasks(tasks, jobs, progress)
        return BatchResult(_ordered(outcomes, tasks, results), time.perf_counter() - started, out_dir, dry_run=True)

    with _OutLock(out_dir):
        _clean_staging(out_dir)
        results = _run_tasks(tasks, jobs, progress)
        index = write_index(out_dir)
    return BatchResult(_ordered(outcomes, tasks, results), time.perf_counter() - started, out_dir, index=index)


def _check_settings(lib: Library, flags: dict[str, Any]) -> None:
    """Fail the whole batch once for a bad flag or postkit.toml theme, not once per article."""
    from postkit.config import resolve_settings
    from postkit.themes import load_theme

    layer = {k: v for k, v in lib.settings.items() if k != "out"}
    settings = resolve_settings({}, flags, library=layer)
    load_theme(settings.theme, flags.get("theme_dirs", ()))


def _plan(
    lib: Library,
    selection: Selection,
    out_dir: Path,
    flags: dict[str, Any],
    *,
    force: bool,
    dry_run: bool,
    series: bool,
) -> tuple[list[_Task], list[tuple[tuple, Outcome]]]:
    """Turn the library into tasks for the selected anniversaries, plus the entries that already failed."""
    layer = {k: v for k, v in lib.settings.items() if k != "out"}
    failed: list[tuple[tuple, Outcome]] = []
    chosen: list[tuple[tuple, _Task]] = []
    for entry in lib.entries:
        if entry.error is not None or entry.article is None or entry.article.date is None:
            reason = entry.error or f"{entry.name} has no date; add one"
            failed.append(((datetime.date.max, datetime.date.max, entry.name), _failure(entry, reason)))
            continue
        article = entry.article
        day = selection.pick(article.date)
        if day is None:
            continue
        task = _Task(
            name=entry.name,
            article=article,
            target=out_dir / slug(article),
            anniversary=day,
            years_ago=day.year - article.date.year,
            library=layer,
            flags=flags,
            force=force,
            dry_run=dry_run,
            series=series,
        )
        chosen.append(((day, article.date, entry.name), task))
    chosen.sort(key=lambda pair: pair[0])

    # Two articles with the same date and title would write the same folder: make only the first.
    tasks: list[_Task] = []
    owners: dict[str, str] = {}
    for key, task in chosen:
        folder = os.path.normcase(os.path.abspath(task.target))
        if folder in owners:
            reason = (
                f"its post would go to {task.target}, like the post of {owners[folder]}; "
                "change its title or date so that each post has its own folder"
            )
            failed.append((key, Outcome(task.name, FAILED, reason=reason, anniversary=task.anniversary)))
            continue
        owners[folder] = task.name
        tasks.append(task)
    return tasks, failed


def _failure(entry: Entry, reason: str) -> Outcome:
    return Outcome(entry.name, FAILED, reason=_strip_name(reason, entry))


def _strip_name(reason: str, entry: Entry) -> str:
    """Drop a leading "<file>: " from a reason that "Could not make <file>: " already names."""
    names = {entry.name}
    if entry.article is not None:
        names.add(str(entry.article.source))
    for name in names:
        if reason.startswith(f"{name}: "):
            return reason[len(name) + 2 :]
    return reason


def _ordered(
    failed: list[tuple[tuple, Outcome]], tasks: Sequence[_Task], results: Sequence[list[Outcome]]
) -> tuple[Outcome, ...]:
    keyed = list(failed)
    for task, outcomes in zip(tasks, results, strict=True):
        keyed.extend(((task.anniversary, task.article.date, task.name), o) for o in outcomes)
    keyed.sort(key=lambda pair: pair[0])  # stable: the parts of a series stay in order
    return tuple(o for _, o in keyed)


def default_jobs() -> int:
    """Return the number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _run_tasks(
    tasks: Sequence[_Task], jobs: int | None, progress: Callable[[int, int], None] | None
) -> list[list[Outcome]]:
    """Run the tasks in process pools; return each task's outcomes in task order."""
    results: list[list[Outcome] | None] = [None] * len(tasks)
    if not tasks:
        return []
    workers = max(1, min(jobs or default_jobs(), len(tasks)))
    themes = sorted({t.flags.get("theme") or t.article.theme or t.library.get("theme") or "classic" for t in tasks})
    # Longest articles first, so that no worker is left with a long one at the end.
    order = sorted(range(len(tasks)), key=lambda i: -sum(len(p.text) for p in tasks[i].article.paragraphs))
    done = 0
    if progress is not None:
        progress(0, len(tasks))
    # Fresh workers every WORKER_TASKS posts each. Not max_tasks_per_child: on Python 3.11-3.13
    # it deadlocks once a worker retires with tasks still queued (CPython gh-115634).
    wave = WORKER_TASKS * workers
    for first in range(0, len(order), wave):
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=_pool_context(), initializer=_init_worker, initargs=(themes,)
        )
        with pool:
            futures = {pool.submit(_work, tasks[i]): i for i in order[first : first + wave]}
            try:
                for future in as_completed(futures):
                    i = futures[future]
                    results[i] = _result(future, tasks[i])
                    done += 1
                    if progress is not None:
                        progress(done, len(tasks))
            except BaseException:
                # Ctrl-C: let the running posts finish (each is renamed into place whole), start no more.
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    return [r if r is not None else [] for r in results]


def _result(future, task: _Task) -> list[Outcome]:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        reason = f"a worker process died while making it ({exc or 'killed'}), perhaps out of memory; try fewer --jobs"
    except Exception as exc:  # the task's own errors come back as outcomes; this is the pool failing
        reason = f"unexpected {type(exc).__name__}: {exc}"
    return [Outcome(task.name, FAILED, reason=reason, anniversary=task.anniversary, years_ago=task.years_ago)]


def _pool_context() -> multiprocessing.context.BaseContext:
    """Start workers from a fork server that has imported postkit once (else spawn: macOS, Windows).

    Not plain fork: the pool forks while its manager thread runs, which can deadlock (Python 3.12
    warns about it, and 3.14 no longer forks by default). _work and _init_worker are top-level
    functions, so every start method works.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["postkit.pipeline"])
        return context
    return multiprocessing.get_context("spawn")


def _init_worker(themes: Sequence[str]) -> None:
    """Prepare a worker once: quiet logging and signals, warm theme and font caches."""
    # Ctrl-C goes to the whole process group; the main process decides, so workers finish their post.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker_log = logging.getLogger("postkit")
    worker_log.handlers[:] = [logging.NullHandler()]  # warnings travel back in the outcome instead
    worker_log.propagate = False
    from postkit import pipeline  # noqa: F401  (imports Pillow, fonts, Jinja once per worker)
    from postkit.themes import load_theme

    for name in themes:
        with contextlib.suppress(PostkitError):  # reported by each article that uses it
            load_theme(name)


def _work(task: _Task) -> list[Outcome]:
    """Make one article's post (or series) in a worker; never raise, report."""
    try:
        return _make(task)
    except PostkitError as exc:
        reason = _strip_name(str(exc), Entry(task.name, task.article))
        return [Outcome(task.name, FAILED, reason=reason, anniversary=task.anniversary, years_ago=task.years_ago)]
    except Exception as exc:  # a bug must not end the batch: report it with its type
        reason = f"unexpected {type(exc).__name__}: {exc}; please report it"
        return [Outcome(task.name, FAILED, reason=reason, anniversary=task.anniversary, years_ago=task.years_ago)]


def _post_kwargs(task: _Task) -> dict[str, Any]:
    return {
        **task.flags,
        "library": task.library,
        "force": True,  # an existing post with other inputs is replaced, atomically
        "skip_unchanged": not task.force,
        "dry_run": task.dry_run,
    }


def _caption_vars(task: _Task, part: int | None = None, parts: int | None = None) -> dict[str, Any]:
    return {"years_ago": task.years_ago, "anniversary": task.anniversary, "part": part, "parts": parts}


def _make(task: _Task) -> list[Outcome]:
    from postkit.pipeline import make_post

    try:
        post = make_post(task.article, out=task.target, caption_vars=_caption_vars(task), **_post_kwargs(task))
    except LayoutError as exc:
        if not task.series:
            hint = "; or pass --series to make it a series of posts" if "--max-slides" in str(exc) else ""
            msg = f"{exc}{hint}"
            raise LayoutError(msg) from exc
        return _make_series(task, exc)
    warnings = list(post.warnings)
    stale = task.target.with_name(f"{task.target.name}-part-1")
    if stale.is_dir():
        warnings.append(f"{stale} is left from an earlier series of {task.name}; delete it")
    return [_outcome(task, post, warnings)]


def _outcome(task: _Task, post, warnings: Iterable[str]) -> Outcome:
    status = SKIPPED if post.status == "unchanged" else MADE
    return Outcome(
        task.name,
        status,
        folder=post.folder,
        anniversary=task.anniversary,
        years_ago=task.years_ago,
        warnings=tuple(warnings),
    )


def _make_series(task: _Task, error: LayoutError) -> list[Outcome]:
    """Split an article that is too long for one carousel into the fewest parts that each fit."""
    from postkit.pipeline import make_post

    parts = split_series(task.article, lambda article: _fits(task, article), error)
    outcomes = []
    for number, paragraphs in enumerate(parts, start=1):
        article = _part(task.article, paragraphs, number, len(parts))
        target = task.target.with_name(f"{task.target.name}-part-{number}")
        variables = _caption_vars(task, number, len(parts))
        post = make_post(article, out=target, caption_vars=variables, **_post_kwargs(task))
        outcomes.append(_outcome(task, post, post.warnings))
    stale = task.target.with_name(f"{task.target.name}-part-{len(parts) + 1}")
    if stale.is_dir():
        outcomes[-1] = replace(
            outcomes[-1],
            warnings=(*outcomes[-1].warnings, f"{stale} is left from an earlier, longer series; delete it"),
        )
    return outcomes


def _fits(task: _Task, article: Article) -> bool:
    from postkit.pipeline import make_post

    kwargs = {**_post_kwargs(task), "dry_run": True, "skip_unchanged": False}
    try:
        make_post(article, out=task.target, caption_vars=_caption_vars(task, *_PROBE_PART), **kwargs)
    except LayoutError:
        return False
    return True


def _part(article: Article, paragraphs: Sequence[Paragraph], number: int, count: int) -> Article:
    return replace(article, title=f"{article.title} (Part {number}/{count})", paragraphs=tuple(paragraphs))


def split_series(
    article: Article, fits: Callable[[Article], bool], error: LayoutError | None = None
) -> list[list[Paragraph]]:
    """Split the paragraphs into the fewest consecutive parts for which ``fits`` holds.

    Greedy by whole paragraphs (the longest prefix that fits, found by bisection); a paragraph
    that does not fit alone is split at sentence boundaries. A part never ends on a heading.
    Raises ``error`` (or a LayoutError) if a single sentence does not fit.
    """
    from postkit.slicing import sentences

    def probe(paragraphs: Sequence[Paragraph]) -> bool:
        return fits(_part(article, paragraphs, *_PROBE_PART))

    def too_long(what: str) -> LayoutError:
        detail = f"{error}; " if error is not None else ""
        return LayoutError(f"{detail}even as a series, {what} does not fit on one carousel; shorten it")

    units = list(article.paragraphs)
    parts: list[list[Paragraph]] = []
    while units:
        count = _longest_prefix(units, probe)
        if count == 0:
            # The first paragraph alone is too long: split it at sentence boundaries.
            first = units.pop(0)
            bounds = _sentence_bounds(first.text, sentences(first.text, article.lang or "en"))
            pieces = [_cut(first, start, end) for start, end in bounds]
            count = _longest_prefix(pieces, probe) if len(pieces) > 1 else 0
            if count == 0:
                raise too_long("a paragraph" if len(pieces) < 2 else "one sentence")
            units[:0] = [_cut(first, bounds[0][0], bounds[count - 1][1])]
            if count < len(bounds):
                units[1:1] = [_cut(first, bounds[count][0], bounds[-1][1])]
            count = 1
        part = units[:count]
        # A heading at the end of a part belongs to the next part.
        while len(part) > 1 and part[-1].heading and count < len(units):
            part.pop()
            count -= 1
        parts.append(part)
        del units[:count]
    return parts


def _sentence_bounds(text: str, pieces: Sequence[str]) -> list[tuple[int, int]]:
    """Find each sentence's (start, end) in ``text``; one piece for the whole text if one is not found."""
    bounds, position = [], 0
    for piece in pieces:
        start = text.find(piece, position)
        if start < 0:
            return [(0, len(text))]
        bounds.append((start, start + len(piece)))
        position = start + len(piece)
    return bounds or [(0, len(text))]


def _cut(paragraph: Paragraph, start: int, end: int) -> Paragraph:
    """Return text[start:end] of a paragraph, its emphasis ranges moved along with it."""
    emphasis = tuple(
        (max(s, start) - start, min(e, end) - start, style)
        for s, e, style in paragraph.emphasis
        if s < end and e > start
    )
    return replace(paragraph, text=paragraph.text[start:end], emphasis=emphasis)


def _longest_prefix(units: Sequence[Paragraph], probe: Callable[[Sequence[Paragraph]], bool]) -> int:
    """Return the largest n such that probe(units[:n]) holds (0 if none); assumes shorter prefixes fit."""
    if probe(units):
        return len(units)
    low, high = 0, len(units) - 1  # probe(units[:low]) holds (or low is 0); units[:high + 1] does not fit
    while low < high:
        middle = (low + high + 1) // 2
        if probe(units[:middle]):
            low = middle
        else:
            high = middle - 1
    return low


# ---------------------------------------------------------------------------------------------
# The output folder: lock, leftovers of killed runs, index


class _OutLock:
    """Hold an exclusive lock on the output folder, so two batches never clean or write it at once."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.fd: int | None = None

    def __enter__(self) -> _OutLock:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            reason = exc.strerror or exc
            msg = f"cannot write in {self.folder} ({reason}); check its permissions or choose another --out"
            raise OutputError(msg) from exc
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; run one batch per folder at a time
            return self
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(self.fd)
            self.fd = None
            msg = f"another postkit batch is writing to {self.folder}; wait for it to finish, or choose another --out"
            raise OutputError(msg) from exc
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the lock
            self.fd = None


def _clean_staging(folder: Path) -> list[str]:
    """Remove what a killed run left in ``folder``: staging folders, and put back moved-aside old posts."""
    cleaned = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return cleaned
    for name in names:
        path = folder / name
        if not path.is_dir() or path.is_symlink():
            continue
        if _STAGING.fullmatch(name):
            shutil.rmtree(path, ignore_errors=True)
            cleaned.append(name)
        elif match := _BACKUP.fullmatch(name):
            original = folder / match["name"]
            if not os.path.lexists(original):
                os.replace(path, original)  # killed between the two renames: the old post is still good
            else:
                shutil.rmtree(path, ignore_errors=True)
            cleaned.append(name)
    if cleaned:
        log.info("removed %d unfinished folder(s) left in %s by an interrupted run", len(cleaned), folder)
    return cleaned


def _post_folders(folder: Path) -> list[Path]:
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return []
    return [p for p in children if not p.name.startswith(".") and (p / "post.json").is_file()]


def write_index(folder: str | os.PathLike) -> Path:
    """Write ``folder/index.html``: a card per post found in the folder, linking to its preview or folder."""
    import json

    from postkit.preview import PREVIEW_FILE
    from postkit.themes import html_environment

    root = Path(folder)
    posts = []
    for post in _post_folders(root):
        try:
            meta = json.loads((post / "post.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(meta, dict):
            continue
        date = meta.get("date") if isinstance(meta.get("date"), str) else None
        slides = meta.get("slides") if isinstance(meta.get("slides"), list) else []
        link = f"{post.name}/{PREVIEW_FILE}" if (post / PREVIEW_FILE).is_file() else f"{post.name}/"
        posts.append(
            {
                "folder": post.name,
                "title": str(meta.get("title") or post.name),
                "date": date,
                "day": date[5:] if date else "",
                "thumbnail": quote(f"{post.name}/01.jpg") if (post / "01.jpg").is_file() else None,
                "link": quote(link),
                "slides": len(slides),
            }
        )
    # Posting order: by day of the year, then by folder (year and title).
    posts.sort(key=lambda p: (p["day"] or "99", p["folder"]))
    env = html_environment()
    title = root.resolve().name or str(root)
    text = env.get_template(INDEX_TEMPLATE).render(posts=posts, count=len(posts), title=title)
    target = root / INDEX_FILE
    temporary = root / f".{INDEX_FILE}.tmp"
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    except OSError as exc:
        msg = f"cannot write {target} ({exc.strerror or exc}); check the folder's permissions"
        raise OutputError(msg) from exc
    return target
