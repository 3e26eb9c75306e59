"""The postkit command line: parse options, call one library function, report the result."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from postkit import __version__
from postkit.errors import PostkitError

log = logging.getLogger("postkit")

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _EchoHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        prefix = "Warning: " if record.levelno >= logging.WARNING else ""
        click.echo(prefix + record.getMessage(), err=True)


def _setup_logging(quiet: bool, verbose: bool) -> None:
    log.handlers[:] = [_EchoHandler()]
    log.propagate = False
    log.setLevel(logging.ERROR if quiet else logging.DEBUG if verbose else logging.WARNING)


class PostkitGroup(click.Group):
    """Turn every PostkitError into one 'Error: ...' line (exit 1); tracebacks only with --debug."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PostkitError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing was written.", err=True)
            sys.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            msg = f"unexpected {type(exc).__name__}: {exc}; run again with --debug and report the traceback"
            raise click.ClickException(msg) from None


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
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@cli.command()
@click.argument("article", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--image",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The illustration. Default: front matter 'image', else a picture beside the article "
    "with the same name (article.jpg).",
)
@click.option("--handle", help="Account name shown on the cards, without '@'. Default: the article's handle.")
@click.option("--theme", help="A built-in theme's name or the path to a theme folder.  [default: classic]")
@click.option(
    "--format",
    "format_",
    type=click.Choice(["portrait", "square"]),
    help="Card shape: portrait 1080x1350 or square 1080x1080.  [default: portrait]",
)
@click.option(
    "--max-slides",
    type=click.IntRange(3, 20),
    help="Most slides, cover and closing included: 10 is the limit for the Instagram API, "
    "20 for the app.  [default: 10]",
)
@click.option("--out", type=click.Path(path_type=Path), help="The post folder to write.  [default: out/DATE-TITLE]")
@click.option("--force", is_flag=True, help="Replace the post folder if it exists.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option("-v", "--verbose", is_flag=True, help="Print more about what happens.")
def carousel(article: Path, image, handle, theme, format_, max_slides, out, force, quiet, verbose) -> None:
    """Make a carousel from ARTICLE: cover, text slides, closing slide, caption.

    ARTICLE is a plain draft ('DATE - TITLE' heading line, optional 'Pictured -' credit, then
    the text) or Markdown with YAML front matter. The post is written to a new folder:
    01.jpg ... NN.jpg, caption.txt and post.json, checked against Instagram's limits.

    \b
    Example:
        postkit carousel examples/october-revolution/article.txt
        postkit carousel notes/tunguska.md --image tunguska.jpg --handle myhistory --format square
        postkit carousel article.txt --out out/today --force
    """
    from postkit.pipeline import make_post

    _setup_logging(quiet, verbose)
    show_bar = not quiet and sys.stderr.isatty()
    with _ProgressBar(show_bar) as progress:
        post = make_post(
            article,
            image=image,
            handle=handle,
            theme=theme,
            format=format_,
            max_slides=max_slides,
            out=out,
            force=force,
            progress=progress,
        )
    if not quiet:
        click.echo(
            f"Wrote {post.slide_count} slides to {_display(post.folder)}/ in {post.seconds:.1f} s "
            f"(body text {post.body_size} px)"
        )


class _ProgressBar:
    """A click progress bar on stderr, created once the total is known; silent when not shown."""

    def __init__(self, show: bool):
        self.show = show
        self.bar = None
        self.done = 0

    def __enter__(self):
        return self

    def __call__(self, done: int, total: int) -> None:
        if not self.show:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Rendering slides", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def check(folder: Path, strict: bool) -> None:
    """Check a post FOLDER against Instagram's limits and list every problem.

    Exits 0 when the post can be uploaded, 1 when it breaks a limit (or, with --strict,
    draws a warning).

    \b
    Example:
        postkit check out/1917-11-07-october-revolution
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


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main() -> None:
    """Run the command line."""
    cli(prog_name="postkit")
