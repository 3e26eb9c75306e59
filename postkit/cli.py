"""The postkit command line: parse options, call one library function, report the result."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from postkit import __version__
from postkit.errors import PostkitError

if TYPE_CHECKING:
    import datetime

    from postkit.settings import Settings

log = logging.getLogger("postkit")

_Command = TypeVar("_Command", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _EchoHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        prefix = "Warning: " if record.levelno >= logging.WARNING else ""
        click.echo(prefix + record.getMessage(), err=True)


def _setup_logging(quiet: bool, verbose: bool) -> None:
    log.handlers[:] = [_EchoHandler()]
    log.propagate = False
    log.setLevel(logging.ERROR if quiet else logging.DEBUG if verbose else logging.WARNING)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled like Ctrl-C: the work in progress is finished or removed, then postkit exits."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, frame: object) -> None:
    raise Terminated(signum)


def _interrupt_status(exc: KeyboardInterrupt) -> int:
    """Return the exit status for an interruption: 128 plus the signal's number, as shells report it."""
    return 128 + (exc.signum if isinstance(exc, Terminated) else signal.SIGINT)


# kill, a service manager or a CI timeout (SIGTERM), a closed terminal (SIGHUP)
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class PostkitGroup(click.Group):
    """Turn every PostkitError into one 'Error: ...' line (exit 1); tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        # SIGTERM and SIGHUP stop postkit as cleanly as Ctrl-C does; one ignored (nohup) stays ignored.
        here = _STOP_SIGNALS if threading.current_thread() is threading.main_thread() else ()
        handled = [signum for signum in here if signal.getsignal(signum) is not signal.SIG_IGN]
        previous = {signum: signal.signal(signum, _terminate) for signum in handled}
        try:
            return self._invoke(ctx)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PostkitError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt as exc:
            click.echo("Interrupted; nothing was written.", err=True)
            sys.exit(_interrupt_status(exc))
        except click.UsageError as exc:
            # One line, like every other error: "Error: Invalid value for '--format': ...".
            raise _FlagError(exc.format_message()) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            msg = f"unexpected {type(exc).__name__}: {exc}; run again with --debug and report the traceback"
            raise click.ClickException(msg) from None


# How the command line types the settings declared in postkit.settings (their checks are there).
_CLICK_TYPES = {
    "theme_dirs": click.Path(exists=True, file_okay=False, path_type=Path),
    "max_slides": click.INT,
    "image": click.Path(exists=True, dir_okay=False, path_type=Path),
    "out": click.Path(path_type=Path),
    "font_dir": click.Path(exists=True, file_okay=False, path_type=Path),
}


def settings_options(*names: str, **helps: str) -> Callable[[_Command], _Command]:
    """Add the settings ``names`` (declared once in postkit.settings.OPTIONS) to a command as options.

    ``helps`` replaces the help of some, for a command where they mean a little more.
    """
    from postkit.settings import BY_NAME

    def decorate(command: _Command) -> _Command:
        for name in reversed(names):
            option = BY_NAME[name]
            kind = click.Choice(option.choices) if option.choices else _CLICK_TYPES.get(name)
            help_ = helps.get(name) or option.describe()
            command = click.option(
                option.flag, name, type=kind, metavar=option.metavar, multiple=option.repeatable, help=help_
            )(command)
        return command

    return decorate


def quiet_verbose_options(command: _Command) -> _Command:
    """Add -q/--quiet and -v/--verbose to a command (the batch words its own)."""
    command = click.option("-v", "--verbose", is_flag=True, help="Print more about what happens.")(command)
    return click.option("-q", "--quiet", is_flag=True, help="Print only errors.")(command)


def flag_settings(values: dict[str, Any]) -> Settings:
    """Return the command line's settings (the options of settings_options), checked, as flags."""
    from postkit.settings import Layer, SettingsError, resolve_settings

    try:
        return resolve_settings([(Layer("flag"), {k: None if v == () else v for k, v in values.items()})])
    except SettingsError as exc:
        raise _FlagError(str(exc)) from None


class _FlagError(click.ClickException):
    """A flag's value postkit cannot use: one 'Error:' line, and the exit status of a usage error."""

    exit_code = 2


def _help(name: str) -> str:
    from postkit.settings import BY_NAME

    return BY_NAME[name].help


_POST_SETTINGS = ("theme", "theme_dirs", "format", "max_slides", "handle", "hashtags", "fit", "lang", "font_dir")


@click.group(cls=PostkitGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="postkit")
@click.option("--debug", is_flag=True, help="Show the full traceback when something fails.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn an article and one illustration into a ready-to-upload Instagram carousel.

    \b
    Example:
        postkit carousel examples/october-revolution/article.txt
        postkit check out/1917-11-07-october-revolution
        postkit export out/1917-11-07-october-revolution --for all
        postkit reel out/1917-11-07-october-revolution
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@cli.command()
@click.argument("article", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@settings_options("image", *_POST_SETTINGS, "focus", "out")
@click.option("--force", is_flag=True, help="Replace the post folder if it exists.")
@click.option(
    "--preview", "preview_", is_flag=True, help="Also write preview.html and contact.png (see postkit preview)."
)
@click.option(
    "--export",
    "export_",
    metavar="NETWORKS",
    help="Also export the post for other networks, e.g. bluesky,linkedin or all (see postkit export).",
)
@click.option(
    "--network-handle",
    "network_handles",
    multiple=True,
    metavar="NETWORK=NAME",
    help="The account's handle on a network, for --export (repeatable), e.g. bluesky=name.bsky.social.",
)
@click.option("--reel", "reel_", is_flag=True, help="Also make the post's Reel beside it (see postkit reel).")
@quiet_verbose_options
def carousel(  # noqa: PLR0913 (a Click command: one parameter per option)
    article: Path,
    force: bool,
    preview_: bool,
    export_: str | None,
    network_handles: tuple[str, ...],
    reel_: bool,
    quiet: bool,
    verbose: bool,
    **settings: Any,
) -> None:
    """Make a carousel from ARTICLE: cover, text slides, closing slide, caption.

    ARTICLE is a plain draft ('DATE - TITLE' heading line, optional 'Pictured -' credit, then
    the text) or Markdown with YAML front matter. The post is written to a new folder:
    01.jpg ... NN.jpg, caption.txt and post.json, checked against Instagram's limits.

    \b
    Example:
        postkit carousel examples/october-revolution/article.txt
        postkit carousel notes/tunguska.md --image tunguska.jpg --handle myhistory --format square
        postkit carousel article.txt --out out/today --force
        postkit carousel article.txt --preview
        postkit carousel statya.txt --lang ru
        postkit carousel article.txt --export all --network-handle bluesky=name.bsky.social
        postkit carousel article.txt --reel
    """
    from postkit.pipeline import make_post

    _setup_logging(quiet, verbose)
    flags = flag_settings(settings)
    # Checked before the post is made: a typo in --export must not cost a render.
    networks: tuple[str, ...] = ()
    handles: dict[str, str] = {}
    if export_ is not None or network_handles:
        from postkit.export import parse_handle_flags, parse_networks

        networks = parse_networks(export_) if export_ is not None else ()
        handles = parse_handle_flags(network_handles)
    if reel_:
        from postkit.reel import load_av

        load_av()  # without the video extra, say how to install it before the post is made
    show_bar = not quiet and sys.stderr.isatty()
    if reel_ or networks:
        _check_beside(article, flags, force, networks, reel_)
    with _ProgressBar(show_bar) as progress:
        post = make_post(article, flags, force=force, progress=progress)
    if not quiet:
        click.echo(
            f"Wrote {post.slide_count} slides to {_display(post.folder)}/ in {post.seconds:.1f} s "
            f"(body text {post.body_size} px)"
        )
    if preview_:
        from postkit.preview import write_preview

        page = write_preview(post.folder)
        if not quiet:
            click.echo(f"Wrote {_display(page)} and contact.png")
    if networks:
        from postkit.export import export_post

        exported = export_post(post.folder, networks, handles=handles, article=article, force=force, parallel=True)
        if not quiet:
            _report_export(exported)
    if reel_:
        from postkit.reel import make_reel

        with _ProgressBar(show_bar, label="Encoding the Reel") as progress:
            made = make_reel(post.folder, article=article, force=force, progress=progress)
        if not quiet:
            click.echo(f"Wrote {_display(made.folder)}/reel.mp4 ({made.seconds:.1f} s) in {made.seconds_taken:.1f} s")


def _check_beside(article: Path, flags: Settings, force: bool, networks: tuple[str, ...], reel: bool) -> None:
    """Fail before the post is made if a folder --export or --reel writes beside it could not be written."""
    from postkit.export import MANIFEST, export_folder
    from postkit.output import PostWriter
    from postkit.pipeline import post_folder
    from postkit.reel import MANIFEST as REEL_MANIFEST

    folder = post_folder(article, flags)
    for network in networks:
        PostWriter(export_folder(folder, network), force=force, own_file=MANIFEST, kind="export").check()
    if reel:
        PostWriter(folder.with_name(f"{folder.name}.reel"), force=force, own_file=REEL_MANIFEST, kind="Reel").check()


def _report_export(exported: list[Any]) -> None:
    for item in exported:
        posts = f"{item.posts} posts" if item.posts > 1 else "1 post"
        click.echo(f"Wrote {_display(item.folder)}/: {posts}, {item.images} images")


class _ProgressBar:
    """A click progress bar on stderr, created once the total is known; silent when not shown."""

    def __init__(self, show: bool, label: str = "Rendering slides"):
        self.show = show
        self.label = label
        self.bar: Any = None  # click's progress bar, once the total is known
        self.done = 0

    def __enter__(self) -> _ProgressBar:
        return self

    def __call__(self, done: int, total: int) -> None:
        if not self.show:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


_REEL_SETTINGS: tuple[str, ...] = ("image", "theme", "theme_dirs", "max_slides", "handle", "hashtags", "fit")
_REEL_SETTINGS += ("lang", "font_dir", "focus")


@cli.command()
@click.argument("source", metavar="ARTICLE_OR_POST_DIR", type=click.Path(exists=True, path_type=Path))
@settings_options(*_REEL_SETTINGS)
@click.option(
    "--audio",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A sound file laid under the video, cut and faded out to its length.  [default: silent]",
)
@click.option(
    "--seconds-per-slide",
    default="auto",
    show_default=True,
    metavar="auto|N",
    help="How long each card stays: auto (its reading time in the article's language) or N seconds.",
)
@click.option(
    "--article",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A post folder's article, when post.json cannot name it.  [default: the one post.json records]",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="The Reel's folder.  [default: POST_DIR.reel beside the post, or out/DATE-TITLE.reel]",
)
@click.option("--force", is_flag=True, help="Replace the Reel's folder if it exists.")
@quiet_verbose_options
def reel(  # noqa: PLR0913 (a Click command: one parameter per option)
    source: Path,
    audio: Path | None,
    seconds_per_slide: str,
    article: Path | None,
    out: Path | None,
    force: bool,
    quiet: bool,
    verbose: bool,
    **settings: Any,
) -> None:
    """Make a Reel of ARTICLE, or of the post in POST_DIR: a 9:16 video of its cards.

    Writes reel.mp4 (MP4, H.264, 1080x1920, 30 fps), reel-cover.jpg, caption.txt and reel.json to
    a folder. Each text card stays for its reading time in the article's language; only the
    illustration moves, in a slow zoom; cards cross-fade; no text sits where the Reels interface
    draws. Silent unless --audio (Instagram's music is added in the app). Needs the video extra:
    pip install 'postkit[video]'.

    \b
    Example:
        postkit reel out/1917-11-07-october-revolution
        postkit reel examples/october-revolution/article.txt --seconds-per-slide 8
        postkit reel out/1917-11-07-october-revolution --audio music.m4a --force
    """
    from postkit.reel import make_reel

    _setup_logging(quiet, verbose)
    flags = flag_settings(settings)
    if source.is_dir():
        from postkit.settings import BY_NAME

        given = [BY_NAME[k].flag for k, v in settings.items() if v not in (None, ())]
        if given:
            msg = f"{given[0]} applies to an article; a post folder's Reel is made with the post's own settings"
            raise click.UsageError(msg)
    elif article is not None:
        msg = "--article goes with a post folder; the Reel of an article is made from it"
        raise click.UsageError(msg)
    show_bar = not quiet and sys.stderr.isatty()
    with _ProgressBar(show_bar, label="Encoding frames") as progress:
        made = make_reel(
            source,
            None if source.is_dir() else flags,
            audio=audio,
            seconds_per_slide=seconds_per_slide,
            out=out,
            force=force,
            progress=progress,
            article=article,
        )
    if not quiet:
        click.echo(
            f"Wrote {_display(made.folder)}/reel.mp4: {len(made.shots)} cards, {made.seconds:.1f} s, "
            f"in {made.seconds_taken:.1f} s"
        )


@cli.command("export")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--for",
    "networks",
    default="all",
    show_default=True,
    metavar="NETWORKS",
    help="The networks, comma-separated: threads, bluesky, mastodon, x, linkedin, facebook, tiktok, or all.",
)
@click.option(
    "--network-handle",
    "network_handles",
    multiple=True,
    metavar="NETWORK=NAME",
    help="The account's handle on a network (repeatable), e.g. bluesky=name.bsky.social, "
    "mastodon=name@mastodon.social, x=name.  [Threads default: the post's handle]",
)
@click.option(
    "--article",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The post's article, for TikTok's story-shaped slides.  [default: the one post.json records]",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write the networks' folders in.  [default: beside the post]",
)
@click.option("--force", is_flag=True, help="Replace the networks' folders if they exist.")
@quiet_verbose_options
def export(  # noqa: PLR0913 (a Click command: one parameter per option)
    folder: Path,
    networks: str,
    network_handles: tuple[str, ...],
    article: Path | None,
    out: Path | None,
    force: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Export the post in FOLDER for other networks, one folder per network beside it.

    Each network's folder (FOLDER.bluesky, FOLDER.linkedin, ...) holds what that network takes:
    its images within its size and byte limits, numbered 01.jpg ..., the texts within its limit
    as it counts them, alt texts within its budget, and manifest.json listing the posts in order
    (a thread where the network takes fewer images than the post has). LinkedIn also gets
    document.pdf, a PDF with a text layer; TikTok gets the post made again in the story format.

    \b
    Example:
        postkit export out/1917-11-07-october-revolution
        postkit export out/1917-11-07-october-revolution --for bluesky,x --network-handle bluesky=name.bsky.social
        postkit check out/1917-11-07-october-revolution.bluesky
    """
    from postkit.export import export_post, parse_handle_flags

    _setup_logging(quiet, verbose)
    handles = parse_handle_flags(network_handles)
    exported = export_post(folder, networks, handles=handles, article=article, out=out, force=force, parallel=True)
    if not quiet:
        _report_export(exported)


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def check(folder: Path, strict: bool) -> None:
    """Check a post FOLDER against Instagram's limits and list every problem.

    An export folder (FOLDER.bluesky, ... made by postkit export) is checked against its network's
    limits, measured from its files; a Reel's folder (FOLDER.reel) from its video, read back.
    Exits 0 when the post can be uploaded, 1 when it breaks a limit (or, with --strict, draws a
    warning).

    \b
    Example:
        postkit check out/1917-11-07-october-revolution
        postkit check out/1917-11-07-october-revolution.bluesky
    """
    from postkit.check import check_post

    violations = check_post(folder)
    for violation in violations:
        click.echo(str(violation), err=violation.level == "error")
    errors = [v for v in violations if v.level == "error" or strict]
    if errors:
        msg = f"{_display(folder)} has {len(errors)} problem(s); fix them and check again"
        raise click.ClickException(msg)
    click.echo(f"{_display(folder)}: OK, ready to upload" + (f" ({len(violations)} warning(s))" if violations else ""))


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--open", "open_", is_flag=True, help="Open the page in the default browser.")
@click.option("--serve", is_flag=True, help="Serve the folder on 127.0.0.1 until Ctrl-C.")
@click.option(
    "--port", type=click.IntRange(0, 65535), help="The port to serve on (with --serve).  [default: a free one]"
)
@click.option(
    "--watch",
    is_flag=True,
    help="Re-make the post and reload the page when the article, image or theme changes (with --serve).",
)
@click.option(
    "--article",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The article the post was made from (with --watch).  [default: the one post.json records]",
)
@settings_options(
    "image",
    *_POST_SETTINGS,
    "focus",
    **{
        name: f"{_help(name)}  [with --watch; default: as the post was made]"
        for name in ("image", *_POST_SETTINGS, "focus")
    },
)
@quiet_verbose_options
def preview(
    folder: Path,
    open_: bool,
    serve: bool,
    port: int | None,
    watch: bool,
    article: Path | None,
    quiet: bool,
    verbose: bool,
    **settings: Any,
) -> None:
    """Write preview.html into a post FOLDER: the post as followers see it, in a browser.

    The page shows the carousel (arrows, dots, swipe, left/right keys), the caption cut at
    "… more", and the cover as a 3:4 profile grid tile. It works offline from the file.
    contact.png, all slides in a numbered grid, is written beside it.

    \b
    Example:
        postkit preview out/1917-11-07-october-revolution --open
        postkit preview out/1917-11-07-october-revolution --serve
        postkit preview out/today --serve --watch
        postkit preview out/today --serve --watch --article notes/today.md --format square
    """
    from postkit import preview as preview_lib
    from postkit.settings import BY_NAME, settings_layer

    if not serve:
        for flag, given in (("--port", port is not None), ("--watch", watch), ("--article", article is not None)):
            if given:
                msg = f"{flag} works only with --serve; add --serve"
                raise click.UsageError(msg)
    set_here = [BY_NAME[name].flag for name, value in settings.items() if value not in (None, ())]
    for flag in (["--article"] if article is not None else []) + set_here:
        if not watch:
            msg = f"{flag} is only used by --watch, to re-make the post; add --watch or leave it out"
            raise click.UsageError(msg)
    flags = settings_layer(flag_settings(settings))[1]
    _setup_logging(quiet, verbose)
    if serve:

        def ready(url: str) -> None:
            click.echo(f"Serving {_display(folder / preview_lib.PREVIEW_FILE)} at {url} (Ctrl-C to stop)")

        preview_lib.serve(
            folder, port=port or 0, watch=watch, article=article, open_browser=open_, ready=ready, settings=flags
        )
        if not quiet:
            click.echo("Stopped serving.", err=True)
        return
    page = preview_lib.write_preview(folder, open_browser=open_)
    if not quiet:
        click.echo(f"Wrote {_display(page)} and contact.png")


def _month_day(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    from postkit.batch import SelectionError, parse_month_day

    if value is None:
        return None
    try:
        return parse_month_day(value)
    except SelectionError as exc:
        raise click.BadParameter(str(exc)) from None


@cli.command()
@click.argument("library", type=click.Path(exists=True, path_type=Path))
@click.option("--on", "on", metavar="MM-DD", callback=_month_day, help="Make the posts of this day, any year.")
@click.option("--today", is_flag=True, help="Make today's posts (local date).")
@click.option(
    "--date",
    "today_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Pretend today is this date (alone, it means --today).",
)
@click.option("--from", "start", metavar="MM-DD", callback=_month_day, help="First day of a span (with --to).")
@click.option("--to", "end", metavar="MM-DD", callback=_month_day, help="Last day of a span; 12-30 to 01-02 works.")
@click.option("--all", "all_", is_flag=True, help="Make every dated article's post.")
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), help="Posts made at once, one process each.  [default: CPU count]"
)
@click.option(
    "--force",
    is_flag=True,
    help="Remake posts whose inputs have not changed; replace an index.html postkit did not write.",
)
@click.option("--dry-run", is_flag=True, help="List what would be made; write nothing.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Most time one article's post (or series) may take; a slower one is stopped and reported as "
    "failed.  [default: 300]",
)
@click.option("--series", is_flag=True, help="Split an article too long for one carousel into Part 1/N, 2/N...")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the posts.  [default: the library's postkit.toml 'out', else out]",
)
@settings_options(
    *_POST_SETTINGS, lang="Every article's language.  [default: each article's front matter 'lang', else detected]"
)
@click.option("--preview", "preview_", is_flag=True, help="Also write each new post's preview.html and contact.png.")
@click.option(
    "--export",
    "export_",
    metavar="NETWORKS",
    help="Also export every post for other networks (e.g. bluesky,linkedin or all) and write OUT/schedule.csv.",
)
@click.option(
    "--network-handle",
    "network_handles",
    multiple=True,
    metavar="NETWORK=NAME",
    help="The account's handle on a network, for --export (repeatable).  [default: postkit.toml [handles]]",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="Where OUT is published, so that schedule.csv lists the images' public URLs (with --export).",
)
@click.option("--reel", "reel_", is_flag=True, help="Also make each new post's Reel beside it (see postkit reel).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors; no progress bar.")
@click.option("-v", "--verbose", is_flag=True, help="List every post made or skipped.")
@click.pass_context
def batch(  # noqa: C901, PLR0913 (a Click command: one parameter per option, checked in turn)
    ctx: click.Context,
    /,
    library: Path,
    on: tuple[int, int] | None,
    today: bool,
    today_date: datetime.datetime | None,
    start: tuple[int, int] | None,
    end: tuple[int, int] | None,
    all_: bool,
    jobs: int | None,
    force: bool,
    dry_run: bool,
    timeout: float | None,
    series: bool,
    out: Path | None,
    preview_: bool,
    export_: str | None,
    network_handles: tuple[str, ...],
    base_url: str | None,
    reel_: bool,
    quiet: bool,
    verbose: bool,
    **settings: Any,
) -> None:
    """Make "on this day" posts from LIBRARY, a folder of dated articles or a CSV / JSON Lines file.

    Posts go to OUT/DATE-TITLE/ as `postkit carousel` names them, made in parallel; a post whose
    article, image, theme and settings have not changed is skipped. A bad article is reported and
    the others are made; the exit status is 1 if any failed. OUT/index.html shows them all.

    \b
    Example:
        postkit batch library/ --today
        postkit batch library/ --on 11-07 --dry-run
        postkit batch library.csv --from 12-30 --to 01-02 --jobs 2
        postkit batch library/ --all --series --out out/year
        postkit batch library/ --on 11-07 --export all --base-url https://example.org/posts
    """
    import datetime

    from postkit.batch import DEFAULT_TIMEOUT, Selection, run_batch
    from postkit.export import parse_handle_flags
    from postkit.settings import settings_layer

    if (network_handles or base_url) and not export_:
        msg = (
            f"{'--network-handle' if network_handles else '--base-url'} works only with --export; add --export NETWORKS"
        )
        raise click.UsageError(msg)
    handles = parse_handle_flags(network_handles)

    given = {"--on": on is not None, "--today": today, "--from/--to": start or end, "--all": all_}
    modes = [name for name, yes in given.items() if yes]
    if not modes and today_date is not None:
        today = True
        modes = ["--today"]
    if len(modes) != 1:
        msg = "choose what to make: one of --on MM-DD, --today, --from MM-DD --to MM-DD or --all"
        if modes:
            msg = f"{' and '.join(modes)} cannot be combined; {msg}"
        raise click.UsageError(msg)
    if (start is None) != (end is None):
        msg = "--from and --to go together; give both, e.g. --from 12-30 --to 01-02"
        raise click.UsageError(msg)
    now = today_date.date() if today_date is not None else datetime.date.today()
    if on is not None:
        selection = Selection.on(on, now)
    elif today:
        selection = Selection.for_today(now)
    elif start is not None and end is not None:
        selection = Selection.span(start, end, now)
    else:
        selection = Selection.every(now)

    _setup_logging(quiet, verbose)
    show_bar = not quiet and sys.stderr.isatty()
    try:
        with _ProgressBar(show_bar, label="Making posts") as progress:
            result = run_batch(
                library,
                selection,
                jobs=jobs,
                force=force,
                dry_run=dry_run,
                series=series,
                out=out,
                progress=progress,
                timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
                settings=settings_layer(flag_settings(settings))[1],
                export=export_ or (),
                handles=handles,
                base_url=base_url,
                reel=reel_,
            )
    except KeyboardInterrupt as exc:
        click.echo("Interrupted; the posts already made are complete. Run the batch again to make the rest.", err=True)
        ctx.exit(_interrupt_status(exc))

    for outcome in result.outcomes:
        if outcome.status == "failed" or outcome.folder is None:
            click.echo(f"Could not make {outcome.name}: {outcome.reason}", err=True)
        elif dry_run and not quiet:
            what = "would make" if outcome.status == "made" else "unchanged "
            ago = f" ({outcome.years_ago} years ago on {outcome.anniversary})" if outcome.years_ago else ""
            click.echo(f"{what} {_display(outcome.folder)}/{ago}")
        elif verbose:
            click.echo(f"{'made' if outcome.status == 'made' else 'unchanged':9} {_display(outcome.folder)}/")
    if not quiet:
        for warning in result.warnings:
            click.echo(f"Warning: {warning}", err=True)
        if not result.outcomes:
            click.echo(f"No article in {_display(library)} has an anniversary {selection.describe()}.")
        made, skipped, failed = len(result.made), len(result.skipped), len(result.failed)
        if dry_run:
            click.echo(
                f"Would make {made} post{'s' * (made != 1)}, skip {skipped} unchanged, "
                f"{failed} would fail (anniversaries {selection.describe()}; dry run, nothing written)"
            )
        else:
            click.echo(
                f"Made {made} post{'s' * (made != 1)}, skipped {skipped} unchanged, "
                f"{failed} failed in {result.seconds:.1f} s"
            )
            if export_ and result.schedule is not None:
                exports = sum(len(o.exports) for o in result.outcomes)
                click.echo(f"Exported {exports} network folders; wrote {_display(result.schedule)}")
    if preview_ and not dry_run and result.made:
        from postkit.batch import write_index
        from postkit.preview import write_preview

        for outcome in result.made:
            if outcome.folder is not None:
                write_preview(outcome.folder)
        write_index(result.out, force=force)  # now linking each new post to its preview
    if result.failed:
        ctx.exit(1)


@cli.group(invoke_without_command=True)
@settings_options("theme_dirs")
@click.pass_context
def themes(ctx: click.Context, /, theme_dirs: tuple[Path, ...]) -> None:
    """List the themes: --theme-dir folders, ./themes, then the built-ins.

    \b
    Example:
        postkit themes
        postkit themes show night
        postkit themes show ./my-theme --format square
    """
    ctx.ensure_object(dict)
    ctx.obj["theme_dirs"] = theme_dirs
    if ctx.invoked_subcommand is not None:
        return
    from postkit.themes import describe_themes

    for name, description, folder in describe_themes(theme_dirs):
        click.echo(f"{name:<10} {description}  ({_display(folder)})")


@themes.command("show")
@click.argument("name")
@settings_options("format", "out", out="Where to write it.  [default: out/specimen-NAME]")
@click.option("--force", is_flag=True, help="Replace the folder if it exists (an older specimen, say).")
@click.pass_context
def themes_show(ctx: click.Context, name: str, format: str | None, out: Path | None, force: bool) -> None:
    """Render a specimen post of theme NAME from the bundled example.

    An existing folder is replaced only with --force, as with postkit carousel.

    \b
    Example:
        postkit themes show poster
        postkit themes show poster --force
    """
    from postkit.pipeline import make_specimen

    post = make_specimen(name, theme_dirs=ctx.obj.get("theme_dirs", ()), format=format, out=out, force=force)
    click.echo(f"Wrote a specimen of '{name}' ({post.slide_count} slides) to {_display(post.folder)}/")


@cli.group()
def fonts() -> None:
    """Look at font files before postkit draws with them (--font-dir, a theme's fonts).

    \b
    Example:
        postkit fonts check ~/fonts
    """


@fonts.command("check")
@click.argument("folder", metavar="DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
def fonts_check(folder: Path) -> None:
    """Say which font files in DIR FreeType would draw slowly, and which are damaged.

    FreeType draws a TrueType glyph that carries the overlap flag (OVERLAP_SIMPLE on a simple glyph,
    OVERLAP_COMPOUND on a composite glyph's first component) with 4x4 oversampling, so text in that
    font takes 2-9 times as long to draw, more at larger sizes; static fonts cut from variable ones
    (Google Fonts' among them) often set the flag on every glyph. postkit draws the fonts you give it
    as they are. To speed one up, remove its overlaps and clear the flags: fontTools' removeOverlaps
    (pip install 'fonttools[pathops]') merges the contours but leaves the flag on each glyph it did
    not need to change, so clear OVERLAP_SIMPLE and OVERLAP_COMPOUND on every glyph too. A font with
    glyphs whose data cannot be read is damaged: FreeType draws them blank or fails; replace it.

    Only DIR's own files are read: not its sub-folders, nor a symbolic link out of DIR; the first 256
    font files by name, as --font-dir uses them, and no more than 20,000,000 glyph records in all
    (font files past that are named as not checked). Exits 0 when every font file was checked and
    would be drawn at full speed, 1 when one would be drawn slowly, is damaged, cannot be read or was
    not checked (or DIR holds no font file), 2 when DIR is not a folder.

    \b
    Example:
        postkit fonts check ~/fonts
        postkit fonts check themes/sepia/fonts
    """
    from postkit.fontcheck import check_font_folder

    checked = check_font_folder(folder)
    for line in checked.lines():
        click.echo(line)
    if not checked.ok:
        raise click.ClickException(checked.summary())
    click.echo(checked.summary())


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main() -> None:
    """Run the command line."""
    cli(prog_name="postkit")
