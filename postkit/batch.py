"""On this day: pick the anniversaries from a dated library and make their posts in a process pool."""

from __future__ import annotations

import calendar
import contextlib
import ctypes
import datetime
import gc
import logging
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from postkit.article import Article, Paragraph, slug
from postkit.errors import LayoutError, OutputError, PostkitError
from postkit.library import Entry, Library, load_library
from postkit.output import FolderLock, check_generated, clean_leftovers, signals_held, write_generated
from postkit.safeio import printable, read_inside, recorded_name
from postkit.settings import Settings, settings_layer

if TYPE_CHECKING:
    from types import FrameType

    from postkit.pipeline import Post

log = logging.getLogger("postkit")

MonthDay = tuple[int, int]
# A theme as a batch's posts name it: its name (or folder), and the --theme-dir folders searched for it.
_Theme = tuple[str, tuple[str, ...]]

MADE = "made"
SKIPPED = "skipped"
FAILED = "failed"

DEFAULT_OUT = Path("out")
INDEX_FILE = "index.html"
INDEX_TEMPLATE = "batch/index.html.j2"
# The mark of an index.html postkit wrote: a file without it is someone else's and is not replaced.
INDEX_MARKER = '<meta name="generator" content="postkit batch index">'
# An index.html written before the marker existed: the first rule of its style sheet.
_LEGACY_INDEX = b"img, .blank { display: block; width: 100%; aspect-ratio: 4 / 5;"
INDEX_MARKERS = (INDEX_MARKER.encode("utf-8"), _LEGACY_INDEX)
LOCK_FILE = ".postkit-batch.lock"  # held for a whole batch: one batch per output folder at a time
DEFAULT_TIMEOUT = 300.0  # seconds one article's post (or series) may take before it is stopped
# A worker process is replaced by a fresh one (forked warm, see _warm_fork_server) after WORKER_TASKS
# posts, or sooner once its peak resident memory passes WORKER_MEMORY_MB after a post: the font,
# measurement, shaping and label caches grow with every new text (0.4-0.6 MB a post), OpenCV adds
# about 35 MB to a worker that looks for faces. This keeps the workers of the benchmark's year
# (English articles) under 150 MB; it cannot bound a single post: one in Chinese or Japanese (a CJK
# font of 20 MB mapped and shaped), or OpenCV's first detection, takes a worker to 150-210 MB within
# that post. Not before WORKER_MIN_TASKS posts each, so that articles that need more memory than
# that do not cost a new pool every post or two. See benchmarks/README.md (Batch).
WORKER_TASKS = 100
WORKER_MEMORY_MB = 140
WORKER_MIN_TASKS = 10
_MONTH_DAY = re.compile(r"\s*(\d{1,2})-(\d{1,2})\s*")
_PART_FOLDER = re.compile(r"-part-[0-9]+")
# A 'Part 9/9' suffix while the number of parts is not known yet: as wide as most real ones.
_PROBE_PART = (8, 8)
_MAX_PARTS = 99  # more parts than any series has; bounds the titles a part folder's post may carry
_POLL = 0.25  # seconds between the main process's looks at the posts in progress
_KILL = getattr(signal, "SIGKILL", signal.SIGTERM)
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


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

    def __post_init__(self) -> None:
        # The next anniversary may fall in the year after today, and Python's calendar ends in 9999.
        if self.today.year >= datetime.MAXYEAR:
            msg = (
                f"--date {self.today.isoformat()} is too late: postkit makes the next anniversary, which may fall "
                f"in {self.today.year + 1}, after the calendar's last year {datetime.MAXYEAR}; give an earlier date"
            )
            raise SelectionError(msg)

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
    exports: tuple[Path, ...] = ()  # the post's folders for other networks (--export)


@dataclass(frozen=True)
class BatchResult:
    """Every outcome in input order (anniversary, then date, then file), and how long it took."""

    outcomes: tuple[Outcome, ...]
    seconds: float
    out: Path
    index: Path | None = None
    schedule: Path | None = None  # schedule.csv, with --export
    dry_run: bool = False
    # About the library rather than one post: articles without a date, which no day selects.
    notes: tuple[str, ...] = ()

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
        # Each once: a missing network handle is said of every post alike.
        return list(dict.fromkeys([*self.notes, *(w for o in self.outcomes for w in o.warnings)]))


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
    timeout: float | None = None  # seconds the post (or series) may take
    # The run's folders named like a series part ("x-part-2"), and whose they are: a series must
    # not put a part where another article's post goes.
    reserved: dict[str, str] = field(default_factory=dict)
    export: tuple[str, ...] = ()  # the networks to export each post for
    reel: bool = False  # also make each post's Reel
    handles: dict[str, str] = field(default_factory=dict)  # the account's handle on each network


def run_batch(  # noqa: PLR0913 (the command's options, keyword-only, each with a default)
    library: str | os.PathLike[str] | Library,
    selection: Selection,
    *,
    jobs: int | None = None,
    force: bool = False,
    dry_run: bool = False,
    series: bool = False,
    out: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    settings: Settings | Mapping[str, Any] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    export: str | Sequence[str] = (),
    handles: Mapping[str, str] | None = None,
    base_url: str | None = None,
    reel: bool = False,
) -> BatchResult:
    """Make the posts of the selected anniversaries in ``jobs`` processes, keeping going past failures.

    An unchanged post (same inputs hash in its post.json) is skipped unless ``force``; ``dry_run``
    does everything but painting and writing. Posts go to ``out/<date>-<slug>/`` (default: the
    library's postkit.toml ``out``, else ``out``), then ``out/index.html`` lists every post there.
    Every folder is planned before anything is written: a post never replaces another article's
    post, and an index.html postkit did not write is replaced only with ``force``.

    :param progress: called with (posts finished, posts to make) as each article finishes.
    :param settings: the caller's settings over every article's (a Settings, or a mapping of its field
        names such as handle, theme, format, max_slides, lang); None values are ignored.
    :param timeout: seconds one article's post (or series) may take; a slower one is stopped and
        reported as failed while the others go on. None: no limit.
    :param export: networks to export every post for (see postkit.export), then ``out/schedule.csv``
        lists each network's posts by anniversary; ``base_url`` makes its image paths public URLs.
    :param handles: the account's handle on each network, over the library's postkit.toml [handles].
    :param reel: also make each post's Reel, in NAME.reel beside it (postkit.reel; the video extra).
    """
    started = time.perf_counter()
    if timeout is not None and not timeout > 0:
        msg = f"timeout must be a number of seconds above 0, not {timeout!r}"
        raise ValueError(msg)
    given = settings_layer(settings)[1] if isinstance(settings, Settings) else dict(settings or {})
    flags = {k: v for k, v in given.items() if v is not None}
    _pool_context()  # the workers' fork server warms up while the library is read
    exclude = (Path(out),) if out is not None else ()
    lib = library if isinstance(library, Library) else load_library(library, exclude=exclude, lang=flags.get("lang"))
    out_dir = Path(out) if out is not None else Path(lib.settings.get("out", DEFAULT_OUT))
    _check_settings(lib, flags)
    networks: tuple[str, ...] = ()
    all_handles = dict(lib.handles)
    if export or handles or base_url is not None:
        from postkit.export import SCHEDULE_FILE, SCHEDULE_MARKERS, check_base_url, check_handles, parse_networks

        networks = parse_networks(export) if export else ()
        all_handles |= check_handles(handles or {}, "handles")
        base_url = check_base_url(base_url) if base_url is not None else None
    # Planned before anything is made: the batch fails here, not after an hour of posts.
    check_generated(out_dir / INDEX_FILE, INDEX_MARKERS, force=force)
    if networks:
        check_generated(out_dir / SCHEDULE_FILE, SCHEDULE_MARKERS, force=force)

    tasks, outcomes = _plan(
        lib, selection, out_dir, flags, force=force, dry_run=dry_run, series=series, timeout=timeout
    )
    tasks = [replace(task, export=networks, handles=all_handles, reel=reel) for task in tasks]
    notes = tuple(_undated(lib))
    if dry_run:
        results = _run_tasks(tasks, jobs, progress, timeout)
        return BatchResult(
            _ordered(outcomes, tasks, results), time.perf_counter() - started, out_dir, dry_run=True, notes=notes
        )

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"cannot create folder {out_dir} ({exc.strerror or exc}); check its permissions or choose another --out"
        raise OutputError(msg) from exc
    busy = f"another postkit batch is writing to {out_dir}; wait for it to finish, or choose another --out"
    with FolderLock(out_dir, name=LOCK_FILE, wait=0, busy=busy):
        with FolderLock(out_dir):
            clean_leftovers(out_dir)
        results = _run_tasks(tasks, jobs, progress, timeout)
        with FolderLock(out_dir):
            clean_leftovers(out_dir)  # what workers stopped for taking too long left behind
        index = write_index(out_dir, force=force)
        ordered = _ordered(outcomes, tasks, results)
        schedule = None
        if networks:
            from postkit.export import write_schedule

            schedule = write_schedule(out_dir, ordered, base_url, force=force)
    return BatchResult(ordered, time.perf_counter() - started, out_dir, index=index, schedule=schedule, notes=notes)


def _check_settings(lib: Library, flags: dict[str, Any]) -> None:
    """Fail the whole batch once for a bad flag or postkit.toml theme, not once per article."""
    from postkit.settings import Layer, resolve_settings
    from postkit.themes import load_theme

    layer = {k: v for k, v in lib.settings.items() if k not in ("out", "lang")}
    settings = resolve_settings([(Layer("postkit.toml", str(lib.settings_file)), layer), (Layer("flag"), flags)])
    # A path only from the command line: postkit.toml may name a theme, not point at a folder.
    load_theme(settings.theme, settings.theme_dirs, allow_path=settings.origin("theme").kind == "flag")


# The order of outcomes: anniversary, the article's date, its file (failures of unread entries last).
_SortKey = tuple[datetime.date, datetime.date | None, str]


def _plan(
    lib: Library,
    selection: Selection,
    out_dir: Path,
    flags: dict[str, Any],
    *,
    force: bool,
    dry_run: bool,
    series: bool,
    timeout: float | None = None,
) -> tuple[list[_Task], list[tuple[_SortKey, Outcome]]]:
    """Turn the library into tasks for the selected anniversaries, plus the entries that already failed."""
    layer = {k: v for k, v in lib.settings.items() if k != "out"}
    failed: list[tuple[_SortKey, Outcome]] = []
    chosen: list[tuple[_SortKey, _Task]] = []
    for entry in lib.entries:
        if _is_undated(entry):
            continue  # no day selects it: a note for the run (see _undated), not a failure of every run
        if entry.error is not None or entry.article is None:
            reason = entry.error or f"{entry.name} cannot be read"
            failed.append(((datetime.date.max, datetime.date.max, entry.name), _failure(entry, reason)))
            continue
        article = entry.article
        assert article.date is not None  # undated entries were skipped above
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
            timeout=timeout,
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
    if series:
        reserved = {t.target.name: t.name for t in tasks if _PART_FOLDER.search(t.target.name)}
        tasks = [replace(t, reserved=reserved) for t in tasks]
    return tasks, failed


def _is_undated(entry: Entry) -> bool:
    return entry.article is not None and entry.article.date is None


def _undated(lib: Library) -> list[str]:
    """Say which articles have no date (so no anniversary), and why, once per run."""
    notes = []
    for entry in lib.entries:
        if _is_undated(entry):
            assert entry.article is not None
            notes += [*entry.article.warnings] or [_strip_name(entry.error or "", entry) or f"{entry.name} has no date"]
    return notes


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
    failed: list[tuple[_SortKey, Outcome]], tasks: Sequence[_Task], results: Sequence[list[Outcome]]
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
    tasks: Sequence[_Task],
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    timeout: float | None = None,
    work: Callable[[_Task], list[Outcome]] | None = None,
) -> list[list[Outcome]]:
    """Run the tasks in process pools; return each task's outcomes in task order.

    :param work: what a worker runs for a task (default _work); a top-level function, for tests.
    """
    if not tasks:
        return []
    workers = max(1, min(jobs or default_jobs(), len(tasks)))
    themes = sorted({_theme(t) for t in tasks})
    order = _longest_first(tasks)
    context = _pool_context()
    # Only this process holds the writing end: a worker that reads end-of-file knows it died.
    lifeline, holder = context.Pipe(duplex=False)
    links = _Links(
        lifeline=lifeline,
        starts=context.RawArray("d", len(tasks)),
        pids=context.RawArray("i", len(tasks)),
        stop=context.RawArray("b", 1),
        peaks=context.RawArray("i", len(tasks)),
        retire=context.RawArray("b", 1),
        main_pgrp=os.getpgrp() if hasattr(os, "getpgrp") else None,
    )
    run = _Run(tasks, links, progress, timeout)
    if progress is not None:
        progress(0, len(tasks))
    try:
        # A pool of fresh workers for every WORKER_TASKS posts each, or fewer (see WORKER_MEMORY_MB).
        # Not max_tasks_per_child: on Python 3.11-3.13 it deadlocks once a worker retires with tasks
        # still queued (CPython gh-115634).
        pending = deque(order)
        while pending:
            wave = [pending.popleft() for _ in range(min(len(pending), WORKER_TASKS * workers))]
            retry = run.wave(context, min(workers, len(wave)), themes, wave, work or _work)
            pending.extendleft(reversed(retry))
    finally:
        holder.close()
        lifeline.close()
    return [r if r is not None else [] for r in run.results]


def _longest_first(tasks: Sequence[_Task]) -> list[int]:
    """Order the tasks most work first (the characters of their text), so that no worker is left with a
    long post at the end while the others wait; equal ones in their given order."""
    return sorted(range(len(tasks)), key=lambda i: -sum(len(p.text) for p in tasks[i].article.paragraphs))


def _theme(task: _Task) -> _Theme:
    """Return the theme a task's post will be made with, as the flags, the article or the library name it."""
    name = task.flags.get("theme") or task.article.theme or task.library.get("theme") or Settings.theme
    return str(name), tuple(str(folder) for folder in task.flags.get("theme_dirs") or ())


@dataclass(frozen=True)
class _Links:
    """What ties the workers to the main process (picklable into a worker as it starts)."""

    lifeline: Any  # the reading end of a pipe only the main process writes to: end-of-file means it died
    starts: Any  # per task: when a worker started it (time.monotonic(), one clock for all processes), else 0
    pids: Any  # per task: the worker making it
    stop: Any  # stop[0] set: the batch was interrupted, start no more posts (queued ones included)
    peaks: Any  # per task: the peak resident memory (kB) of the worker that made it, after it
    retire: Any  # retire[0] set: this pool's workers are being replaced, start no more posts
    main_pgrp: int | None


# A task handed to the pool; its result is None if it never started (the batch was stopping, or the
# pool's workers were being replaced).
_Pending = Future[list[Outcome] | None]


class _Run:
    """The main process's side of a batch: hand out tasks, collect results, stop runaway posts."""

    def __init__(
        self,
        tasks: Sequence[_Task],
        links: _Links,
        progress: Callable[[int, int], None] | None,
        timeout: float | None,
    ) -> None:
        self.tasks = tasks
        self.links = links
        self.progress = progress
        self.timeout = timeout
        # The worker's own SIGALRM stops a post at ``timeout``; a post stuck where Python cannot
        # interrupt it (inside one long C call) has its worker killed a little later.
        self.hard_limit = None if timeout is None else timeout + max(2.0, timeout / 10)
        self.results: list[list[Outcome] | None] = [None] * len(tasks)
        self.interrupted = [0] * len(tasks)
        self.done = 0

    def wave(
        self,
        context: multiprocessing.context.BaseContext,
        workers: int,
        themes: Sequence[_Theme],
        wave: Sequence[int],
        work: Callable[[_Task], list[Outcome]],
    ) -> list[int]:
        """Run the tasks ``wave`` in a fresh pool; return those to run again, in wave order.

        Those are the tasks whose worker was killed, and those left when the workers outgrew their
        memory (see WORKER_MEMORY_MB).
        """
        for i in wave:
            self.links.starts[i] = 0.0
            self.links.pids[i] = 0
        self.links.retire[0] = 0
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(themes, self.links)
        )
        futures: dict[_Pending, int] = {}
        waiting: set[_Pending] = set()
        killed: set[int] = set()
        retry: list[int] = []
        stop: BaseException | None = None
        retiring = False
        finished_count = 0
        # Signals take effect only at the top of the loop: raised inside wait(), which holds every
        # future's lock, one could leave a lock held and the pool's shutdown waiting for it forever.
        with signals_held() as signals:
            try:
                while True:
                    try:
                        signals.release()
                        if not futures and stop is None:
                            for i in wave:
                                future = pool.submit(_run_one, work, self.tasks[i], i)
                                futures[future] = i
                                waiting.add(future)
                        if not waiting:
                            break
                        finished, waiting = wait(waiting, timeout=_POLL, return_when=FIRST_COMPLETED)
                        # A cancelled future is done, but wait() never returns it.
                        finished |= {f for f in waiting if f.cancelled()}
                        waiting -= finished
                        for future in finished:
                            self._collect(future, futures[future], wave, killed, retry, stopping=stop is not None)
                        finished_count += len(finished)
                        if not retiring and stop is None and finished_count >= WORKER_MIN_TASKS * workers:
                            retiring = self._outgrown([futures[f] for f in finished])
                            if retiring:
                                # Start no more posts here: the running ones finish, the rest go to fresh workers.
                                self.links.retire[0] = 1
                                for future in waiting:
                                    future.cancel()
                        self._stop_runaways(waiting, futures, killed)
                    except BaseException as exc:
                        if stop is not None:
                            # Interrupted again while waiting: stop the posts in progress too.
                            self._signal_workers(waiting, futures, signal.SIGTERM)
                            raise
                        # Ctrl-C, SIGTERM, SIGHUP: start no more posts; the running ones finish, each committed whole.
                        stop = exc
                        self.links.stop[0] = 1  # the pool has already handed a few more to its workers
                        # Not pool.shutdown(wait=False): it lets go of the workers, and the interpreter's
                        # exit then waits for them, at times forever (CPython gh-83386).
                        for future in waiting:
                            future.cancel()
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
        if stop is not None:
            raise stop
        position = {i: k for k, i in enumerate(wave)}
        return sorted(retry, key=position.__getitem__)

    def _outgrown(self, made: Iterable[int]) -> bool:
        """Tell whether a worker's peak memory passed WORKER_MEMORY_MB after making one of the tasks ``made``."""
        return any(self.links.peaks[i] > WORKER_MEMORY_MB * 1024 for i in made)

    def _collect(
        self, future: _Pending, i: int, wave: Sequence[int], killed: set[int], retry: list[int], *, stopping: bool
    ) -> None:
        if future.cancelled() or (future.exception() is None and future.result() is None):
            # Not started: the batch is stopping, or the pool's workers are being replaced (then it goes
            # to the next pool).
            if not stopping:
                retry.append(i)
            return
        task = self.tasks[i]
        try:
            outcomes = future.result()
        except BrokenProcessPool as exc:
            started = self.links.starts[i] != 0
            if i in killed:
                outcomes = [_timed_out(task)]
            elif stopping:
                return
            elif (not started and any(self.links.starts[j] for j in wave)) or (started and not self.interrupted[i]):
                # Another post's worker died (or was stopped) and took the pool down: run this one again.
                self.interrupted[i] += started
                retry.append(i)
                return
            else:
                died = exc or "killed"
                reason = f"a worker process died while making it ({died}), perhaps out of memory; try fewer --jobs"
                outcomes = [_failed(task, reason)]
        except _TimeUp:
            outcomes = [_timed_out(task)]
        except Exception as exc:  # the task's own errors come back as outcomes; this is the pool failing
            outcomes = [_failed(task, f"unexpected {type(exc).__name__}: {exc}")]
        self.results[i] = outcomes
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, len(self.tasks))

    def _stop_runaways(self, waiting: set[_Pending], futures: dict[_Pending, int], killed: set[int]) -> None:
        if self.hard_limit is None:
            return
        now = time.monotonic()
        for future in waiting:
            i = futures[future]
            started = self.links.starts[i]
            if started and i not in killed and now - started > self.hard_limit:
                killed.add(i)
                self._kill(self.links.pids[i], _KILL)

    def _signal_workers(self, waiting: set[_Pending], futures: dict[_Pending, int], signum: int) -> None:
        for future in waiting:
            i = futures[future]
            if self.links.starts[i]:
                self._kill(self.links.pids[i], signum)

    @staticmethod
    def _kill(pid: int, signum: int) -> None:
        if pid > 0 and pid != os.getpid():
            with contextlib.suppress(OSError):
                os.kill(pid, signum)


def _failed(task: _Task, reason: str) -> Outcome:
    return Outcome(task.name, FAILED, reason=reason, anniversary=task.anniversary, years_ago=task.years_ago)


def _timed_out(task: _Task) -> Outcome:
    limit = f"{task.timeout:g}" if task.timeout is not None else "?"
    return _failed(task, f"took longer than {limit} s, so it was stopped; shorten it or raise --timeout")


def _pool_context() -> multiprocessing.context.BaseContext:
    """Start workers from a fork server that has imported postkit once (else spawn: macOS, Windows).

    Not plain fork: the pool forks while its manager thread runs, which can deadlock (Python 3.12
    warns about it, and 3.14 no longer forks by default). _work and _init_worker are top-level
    functions, so every start method works. Preloading this module ties the fork server to this
    process (see _prepare_fork_server) and warms it up (_warm_fork_server). The server is started
    here, not by the first worker: it warms up while this process goes on (run_batch reads the library).
    """
    _start_resource_tracker()
    if "forkserver" in multiprocessing.get_all_start_methods():
        from multiprocessing import forkserver

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["postkit.batch", "postkit.pipeline"])
        forkserver.ensure_running()
        return context
    return multiprocessing.get_context("spawn")


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker deaf to SIGHUP, as it already is to SIGINT and SIGTERM.

    It stays in this process's group, so closing the terminal hung it up too; the main process then
    started another, which printed a KeyError traceback for the shared memory it had never seen.
    """
    from multiprocessing import resource_tracker

    if not hasattr(signal, "SIGHUP") or not hasattr(signal, "pthread_sigmask"):
        return
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})  # inherited; the tracker never unblocks it
    try:
        resource_tracker.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


# ---------------------------------------------------------------------------------------------
# Inside the workers


class _TimeUp(BaseException):
    """A post's time limit ran out (a BaseException, so that no ``except Exception`` swallows it)."""


_links: _Links | None = None  # in a worker: how it is tied to the main process
_deadline = False  # in a worker: a post's time limit is running


def _die_with_parent() -> None:
    """Have the kernel kill this process when its parent exits, however it exits (Linux only)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(_KILL), 0, 0, 0)


def _prepare_fork_server() -> None:
    """Tie the fork server (the workers' parent) to the batch's main process, in its own process group.

    Workers hold the fork server's "alive" pipe, and it serves them, so neither notices on its own
    that the main process died: both ran on forever and kept committing posts. With a parent-death
    signal the server dies with the main process, and the workers with the server. In their own
    process group, Ctrl-C and a signal to the shell's job reach only the main process, which
    decides for them.
    """
    _die_with_parent()
    with contextlib.suppress(OSError, AttributeError):
        os.setpgid(0, 0)
    for name in ("SIGTTOU", "SIGTTIN"):  # a background process group may still write to the terminal
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)


def _warm_fork_server() -> None:
    """Warm the fork server up with the default theme: every worker forked from it starts warm.

    It runs while the main process reads the library (see _pool_context), and workers replaced
    after WORKER_TASKS posts do not warm up again. What the warm-up left is frozen out of the
    garbage collector's reach and the freed heap handed back, so that workers share its pages
    instead of copying them.
    """
    _quiet_log()
    _warm_up([(Settings.theme, ())])
    gc.collect()
    gc.freeze()
    with contextlib.suppress(OSError, AttributeError):  # glibc only
        ctypes.CDLL(None).malloc_trim(0)


def _watch_main(lifeline: Any, parent: int) -> None:
    """Exit the worker as soon as the main process (end of the lifeline) or the fork server (parent) is gone."""
    while True:
        try:
            gone = lifeline.poll(1.0)  # nothing is ever sent: readable means end-of-file
        except (OSError, EOFError, ValueError):
            gone = True
        if gone or os.getppid() != parent:
            # No clean-up: the post in progress stays in its staging folder, whose owner is now gone,
            # so the next run removes it. Committing it now would race the next run.
            os._exit(1)


def _on_alarm(signum: int, frame: object) -> None:
    if _deadline:
        raise _TimeUp


def _init_worker(themes: Sequence[_Theme], links: _Links | None = None) -> None:
    """Prepare a worker once: tie it to the main process, quiet logging and signals, warm it up (_warm_up)."""
    global _links
    # Ctrl-C goes to the whole process group; the main process decides, so workers finish their post.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if links is not None:
        _links = links
        _die_with_parent()
        if links.main_pgrp is not None and os.getpgrp() == links.main_pgrp:
            with contextlib.suppress(OSError):
                os.setpgid(0, 0)  # spawned straight from the main process: a group of its own
        watchdog = threading.Thread(
            target=_watch_main, args=(links.lifeline, os.getppid()), name="postkit-watchdog", daemon=True
        )
        watchdog.start()
    if hasattr(signal, "SIGALRM"):
        signal.signal(signal.SIGALRM, _on_alarm)
    _quiet_log()
    _warm_up(themes)  # from the fork server, the default theme is warm already


def _quiet_log() -> None:
    worker_log = logging.getLogger("postkit")
    worker_log.handlers[:] = [logging.NullHandler()]  # warnings travel back in the outcome instead
    worker_log.propagate = False


# What a worker makes in memory before its first post: a short English article, a few sentences
# with abbreviations and numbers, long enough for a text slide between the cover and the closing.
_WARM_UP_ARTICLE = """\
January 1, 1900 - The Warm-up

Mr. Smith opened the new bridge at 10 a.m. on 1 January 1900, and a crowd of 9,000 people crossed \
it. Was it cold? It was! The newspapers printed "extra" editions (three of them) before noon.

The engineers measured the bridge, the sailors crossed the harbour, the students gathered in the \
square, and the bells rang in the evening until the night was quiet again.
"""
_warm: set[_Theme] = set()  # the themes this process has made the warm-up post with


def _warm_up(themes: Iterable[_Theme]) -> None:
    """Make a short post with each theme in memory, so that a worker's first post is as fast as its tenth.

    It loads, by the calls a post makes, what a process loads once: the modules first used by a post
    (sentence splitter, Jinja, HarfBuzz, Pillow's JPEG plugin), the theme and its caption template,
    its fonts with their HarfBuzz faces and coverage, and it encodes a JPEG. Not OpenCV: with the
    ``faces`` extra it is imported by the first picture whose faces are not in postkit's cache (most
    are, the second time), and it would add about 35 MB to every worker.
    """
    import tempfile

    from postkit.article import article_from_text
    from postkit.output import encode_jpeg
    from postkit.pipeline import render_cards

    for theme in themes:
        if theme in _warm:
            continue
        _warm.add(theme)
        name, theme_dirs = theme
        try:
            with tempfile.TemporaryDirectory() as folder:  # empty: no picture beside the article
                article = article_from_text(_WARM_UP_ARTICLE, "warm-up.txt", lang="en", folder=folder)
                post = render_cards(article, None, {"theme": name, "theme_dirs": theme_dirs})
            encode_jpeg(post.images[0])
        except Exception as exc:  # a head start only: each post that uses the theme reports what is wrong
            log.debug("warm-up with theme %s failed: %s", name, exc)


def _run_one(work: Callable[[_Task], list[Outcome]], task: _Task, slot: int) -> list[Outcome] | None:
    """Run ``work`` on one task in a worker, telling the main process when it starts (for the time limit).

    Return None, making nothing, once the batch is stopping or this worker is being replaced.
    """
    if _links is not None:
        if _links.stop[0] or _links.retire[0]:
            return None
        _links.pids[slot] = os.getpid()
        _links.starts[slot] = time.monotonic()
    outcomes = work(task)
    if _links is not None:
        _links.peaks[slot] = _peak_memory_kb()
    return outcomes


def _peak_memory_kb() -> int:
    """Return this process's peak resident memory in kB (Linux's VmHWM); 0 where it cannot be told."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS


def _work(task: _Task) -> list[Outcome]:
    """Make one article's post (or series) within its time limit; never raise, report."""
    try:
        return _work_timed(task)
    except _TimeUp:
        return [_timed_out(task)]


def _work_timed(task: _Task) -> list[Outcome]:
    global _deadline
    timed = (
        task.timeout is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) is _on_alarm
    )
    if timed:
        assert task.timeout is not None
        _deadline = True
        signal.setitimer(signal.ITIMER_REAL, task.timeout)
    try:
        return _make_reported(task)
    finally:
        _deadline = False
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _make_reported(task: _Task) -> list[Outcome]:
    try:
        return _make(task)
    except PostkitError as exc:
        reason = _strip_name(str(exc), Entry(task.name, task.article))
        return [_failed(task, reason)]
    except Exception as exc:  # a bug must not end the batch: report it with its type
        return [_failed(task, f"unexpected {type(exc).__name__}: {exc}; please report it")]


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
    from postkit.pipeline import build_post

    foreign = _foreign_title(
        task.target, lambda title: slug(replace(task.article, title=title)) == task.target.name, task.article
    )
    try:
        if foreign is not None:
            # Another article's post is in the folder. Unless this article becomes a series (which
            # does not use that folder), it fails, and the other post stays as it is.
            kwargs = {**_post_kwargs(task), "dry_run": True, "skip_unchanged": False}
            build_post(task.article, out=task.target, caption_vars=_caption_vars(task), **kwargs)
            msg = (
                f"its post would go to {task.target}, which holds the post of another article, {foreign}; "
                "change its title so that each post has its own folder"
            )
            raise OutputError(msg)
        post = build_post(task.article, out=task.target, caption_vars=_caption_vars(task), **_post_kwargs(task))
    except LayoutError as exc:
        if not task.series:
            hint = "; or pass --series to make it a series of posts" if "--max-slides" in str(exc) else ""
            msg = f"{exc}{hint}"
            raise LayoutError(msg) from exc
        return _make_series(task, exc)
    warnings = list(post.warnings)
    stale = _part_folder(task, 1)
    if _is_our_part(task, stale, 1):
        warnings.append(f"{stale} is left from an earlier series of {task.name}; delete it")
    return [_outcome(task, post, warnings, task.article, _caption_vars(task))]


def _outcome(
    task: _Task, post: Post, warnings: Iterable[str], article: Article, caption_vars: dict[str, Any]
) -> Outcome:
    status = SKIPPED if post.status == "unchanged" else MADE
    warnings = list(warnings)
    exports = _export(task, post, article, caption_vars, warnings) if task.export and not task.dry_run else ()
    if task.reel and not task.dry_run:
        _reel(task, post, article, caption_vars, warnings)
    return Outcome(
        task.name,
        status,
        folder=post.folder,
        anniversary=task.anniversary,
        years_ago=task.years_ago,
        warnings=tuple(warnings),
        exports=exports,
    )


def _reel(task: _Task, post: Post, article: Article, caption_vars: dict[str, Any], warnings: list[str]) -> None:
    """Make the post's Reel beside it; an unchanged post whose Reel is there keeps it."""
    from postkit.reel import MANIFEST, make_reel

    folder = post.folder.with_name(f"{post.folder.name}.reel")
    if post.status == "unchanged" and (folder / MANIFEST).is_file():
        return
    made = make_reel(article, task.flags, out=folder, force=True, library=task.library, caption_vars=caption_vars)
    warnings.extend(w for w in made.warnings if w not in warnings)


def _export(
    task: _Task, post: Post, article: Article, caption_vars: dict[str, Any], warnings: list[str]
) -> tuple[Path, ...]:
    """Export the post for the batch's networks; an unchanged post whose folders are all there keeps them."""
    from postkit.export import MANIFEST, Slide, export_folder, export_post, rendered_slides
    from postkit.pipeline import render_cards

    folders = tuple(export_folder(post.folder, network) for network in task.export)
    if post.status == "unchanged" and all((folder / MANIFEST).is_file() for folder in folders):
        return folders

    def story_cards() -> tuple[Slide, ...]:
        # TikTok's story-shaped set, from the same article and settings (a table's row has no file).
        options = {**task.flags, "format": "story"}
        return rendered_slides(render_cards(article, None, options, task.library, caption_vars))

    exported = export_post(
        post.folder,
        task.export,
        handles=task.handles,
        force=True,
        story_cards=story_cards,  # parallel stays off: the batch's workers are already one per core
    )
    warnings.extend(w for item in exported for w in item.warnings)
    return folders


def _make_series(task: _Task, error: LayoutError) -> list[Outcome]:
    """Split an article that is too long for one carousel into the fewest parts that each fit."""
    from postkit.pipeline import build_post

    parts = split_series(task.article, lambda article: _fits(task, article), error)
    # Every part's folder is checked before the first part is written: no part may take the folder
    # of another article's post, whether this run makes it or an earlier one did.
    for number in range(1, len(parts) + 1):
        target = _part_folder(task, number)
        owner = task.reserved.get(target.name)
        if owner is not None and owner != task.name:
            msg = (
                f"its part {number} would go to {target}, the folder of the post of {owner}; "
                "change one of the titles so that each post has its own folder"
            )
            raise OutputError(msg)

        def ours(title: str, number: int = number) -> bool:
            return title in _part_titles(task.article, number)

        foreign = _foreign_title(target, ours, task.article)
        if foreign is not None:
            msg = (
                f"its part {number} would go to {target}, which holds the post of another article, {foreign}; "
                "change one of the titles so that each post has its own folder"
            )
            raise OutputError(msg)
    outcomes = []
    for number, paragraphs in enumerate(parts, start=1):
        article = _part(task.article, paragraphs, number, len(parts))
        variables = _caption_vars(task, number, len(parts))
        post = build_post(article, out=_part_folder(task, number), caption_vars=variables, **_post_kwargs(task))
        outcomes.append(_outcome(task, post, post.warnings, article, variables))
    stale = _part_folder(task, len(parts) + 1)
    if _is_our_part(task, stale, len(parts) + 1):
        outcomes[-1] = replace(
            outcomes[-1],
            warnings=(*outcomes[-1].warnings, f"{stale} is left from an earlier, longer series; delete it"),
        )
    return outcomes


def _part_folder(task: _Task, number: int) -> Path:
    return task.target.with_name(f"{task.target.name}-part-{number}")


def _fits(task: _Task, article: Article) -> bool:
    from postkit.pipeline import build_post

    kwargs = {**_post_kwargs(task), "dry_run": True, "skip_unchanged": False}
    try:
        build_post(article, out=task.target, caption_vars=_caption_vars(task, *_PROBE_PART), **kwargs)
    except LayoutError:
        return False
    return True


def _part(article: Article, paragraphs: Sequence[Paragraph], number: int, count: int) -> Article:
    return replace(article, title=_part_title(article, number, count), paragraphs=tuple(paragraphs))


def _part_title(article: Article, number: int, count: int, lang: str | None | Literal[True] = True) -> str:
    """Title a part of a series in the article's language ("Long story (Part 1/3)"); lang=None: English."""
    from postkit.i18n import series_title

    return series_title(article.title, number, count, article.lang if lang is True else lang)


def _part_titles(article: Article, number: int) -> set[str]:
    """Every title part ``number`` of this article's series may have had (any count; its language or English)."""
    return {
        _part_title(article, number, count, lang) for count in range(number, _MAX_PARTS + 1) for lang in (True, None)
    }


def _is_our_part(task: _Task, folder: Path, number: int) -> bool:
    """Tell whether ``folder`` holds part ``number`` of this article's series (from an earlier run)."""
    try:
        found = _existing_post(folder)
    except OutputError:
        return False
    return found is not None and _same_source(found[1], task.article) and found[0] in _part_titles(task.article, number)


def _same_source(recorded: str | None, article: Article) -> bool:
    """Tell whether a post.json's source file could be ``article``'s (posts made before it was recorded have none)."""
    return recorded is None or recorded == recorded_name(article.source)


def _foreign_title(folder: Path, ours: Callable[[str], bool], article: Article) -> str | None:
    """Return the quoted title of the post in ``folder`` if another article made it, else None (free, or ours).

    Another article's post has a title this article's would not have, or another source file: two
    articles titled alike ("October Revolution", a carousel's and a library's) keep their own posts.
    """
    found = _existing_post(folder)
    if found is None:
        return None
    title, source = found
    if ours(title) and _same_source(source, article):
        return None
    shown = printable(title)
    return repr(shown if len(shown) <= 80 else shown[:79] + "\u2026")


def _existing_post(folder: Path) -> tuple[str, str | None] | None:
    """Return the title ("" if none) and source file (None if unrecorded) of the post in ``folder``; None if no post.

    Raise OutputError if there is a post.json that cannot be read: whose post it is cannot be told.
    """
    from postkit.check import MANIFEST_FILE, MANIFEST_MAX_BYTES, parse_manifest

    if not folder.is_dir() or not os.path.lexists(folder / MANIFEST_FILE):
        return None
    try:
        meta = parse_manifest(read_inside(folder, MANIFEST_FILE, MANIFEST_MAX_BYTES))
    except ValueError as exc:
        reason = f"{MANIFEST_FILE} {exc}"
    except (OSError, PostkitError) as exc:
        reason = str(exc)
    else:
        meta = meta if isinstance(meta, dict) else {}
        title = meta.get("title")
        source = meta["source"] if isinstance(meta.get("source"), dict) else {}
        file = source.get("file")
        return (title if isinstance(title, str) else "", file if isinstance(file, str) else None)
    msg = (
        f"{folder} holds a post whose {MANIFEST_FILE} cannot be read ({reason}), so it is not replaced; "
        "delete that folder to make this post there"
    )
    raise OutputError(msg)


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


def _post_folders(folder: Path) -> list[Path]:
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return []
    return [p for p in children if not p.name.startswith(".") and (p / "post.json").is_file()]


def write_index(folder: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write ``folder/index.html``: a card per post found in the folder, linking to its preview or folder.

    An index.html postkit did not write (no INDEX_MARKER) is replaced only with ``force``.
    """
    from collections import Counter

    from postkit.check import MANIFEST_FILE, MANIFEST_MAX_BYTES, parse_manifest
    from postkit.i18n import direction, install_translations, is_language_tag
    from postkit.preview import PREVIEW_FILE
    from postkit.themes import html_environment

    root = Path(folder)
    posts: list[dict[str, Any]] = []
    for post in _post_folders(root):
        try:
            meta = parse_manifest(read_inside(post, MANIFEST_FILE, MANIFEST_MAX_BYTES))
        except (OSError, ValueError, PostkitError):
            continue  # a folder that only looks like a post (a FIFO, a huge or broken post.json)
        if not isinstance(meta, dict):
            continue
        date = meta.get("date") if isinstance(meta.get("date"), str) else None
        slides = meta["slides"] if isinstance(meta.get("slides"), list) else []
        link = f"{post.name}/{PREVIEW_FILE}" if (post / PREVIEW_FILE).is_file() else f"{post.name}/"
        posts.append(
            {
                "folder": post.name,
                "lang": meta.get("lang") if is_language_tag(meta.get("lang")) else None,
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
    # The page speaks the language most posts are in; English when none has the most.
    ranked = Counter(p["lang"] for p in posts if p["lang"]).most_common(2)
    lang = ranked[0][0] if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]) else "en"
    env = install_translations(html_environment(), lang)
    title = root.resolve().name or str(root)
    text = env.get_template(INDEX_TEMPLATE).render(
        posts=posts, count=len(posts), title=title, lang=lang, direction=direction(lang)
    )
    return write_generated(root / INDEX_FILE, text.encode("utf-8"), markers=INDEX_MARKERS, force=force)


# Preloaded by the fork server (see _pool_context): tie it to the main process there, and only there.
def _in_fork_server() -> bool:
    """Tell whether this module is being preloaded by a fork server (not imported by a process it forked).

    A process the fork server forks runs inside the server's ``main`` too, under ``_serve_one``: one
    that imports this module later (another program's pool worker) must be left as it is.
    """
    frame: FrameType | None = sys._getframe()
    in_main = False
    while frame is not None:
        if frame.f_globals.get("__name__") == "multiprocessing.forkserver":
            if frame.f_code.co_name == "_serve_one":
                return False
            in_main = in_main or frame.f_code.co_name == "main"
        frame = frame.f_back
    return in_main


if _in_fork_server():
    _prepare_fork_server()
    _warm_fork_server()
