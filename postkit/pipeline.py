"""make_post: article -> slices -> cards -> a checked, ready-to-upload post folder."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postkit import __version__
from postkit.article import Article, read_article, slug
from postkit.bidi import has_rtl
from postkit.caption import CaptionFields, alt_text, check_caption, render_caption
from postkit.check import SLIDE_NAME, check_post, whole_jpeg
from postkit.design import Design, PostText, TextChains, plan_post, text_chains, text_style
from postkit.errors import CheckError, FontError, LayoutError, PostkitError, ThemeError
from postkit.fonts import face, layout_engine_name, mark_emphasis
from postkit.i18n import missing_catalog_warning
from postkit.layout import CardPlan
from postkit.limits import FORMATS
from postkit.safeio import printable, recorded_name, sha256_file
from postkit.settings import DEFAULT_OUT, Layer, Settings, resolve_settings, settings_layers
from postkit.slicing import Slicing, sentences, slice_paragraphs
from postkit.themes import Theme, load_theme

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger("postkit")

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".gif", ".bmp", ".avif")


@dataclass(frozen=True)
class Post:
    """A written post: where it is and what it holds."""

    folder: Path
    files: tuple[str, ...]
    caption: str
    body_size: int
    warnings: tuple[str, ...] = field(default=())
    seconds: float = 0.0
    # "made"; "unchanged" (skip_unchanged found the same inputs there); "dry-run" (nothing written).
    status: str = "made"
    inputs_sha256: str | None = None
    # Where every line, rule and picture of each card went (not for "unchanged" or "dry-run" posts).
    plans: tuple[CardPlan, ...] = field(default=(), repr=False, compare=False)

    @property
    def slide_count(self) -> int:
        return sum(name.endswith(".jpg") for name in self.files)


def find_image(article: Article, image: Path | None) -> Path | None:
    """Choose the illustration: the flag, else front matter ``image``, else a same-stem sibling."""
    if image is not None:
        return Path(image)
    if article.image is not None:
        return article.image
    folder = article.source.parent
    siblings = (
        {p.name.lower(): p for p in folder.glob(f"{glob_escape(article.source.stem)}.*")} if folder.is_dir() else {}
    )
    real_folder = folder.resolve()
    for suffix in IMAGE_SUFFIXES:
        match = siblings.get(article.source.stem.lower() + suffix)
        # A sibling that is a symlink out of the article's folder is not the article's picture.
        if match is not None and match.is_file() and match.resolve().is_relative_to(real_folder):
            return match
    return None


def glob_escape(text: str) -> str:
    """Escape glob metacharacters in a file stem."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def default_hashtags(title: str, lang: str | None = "en") -> tuple[str, ...]:
    """Return the language's "on this day" and "history" hashtags plus one made of a short title's words.

    Words of scripts with capitals join in CamelCase ("OctoberRevolution"); others with "_", as
    Arabic and Hebrew hashtags are written ("افتتاح_قناة_السويس"); a Chinese or Japanese title is one word.
    """
    from postkit.casing import has_uncased_letters
    from postkit.i18n import default_hashtags as language_hashtags

    words = re.findall(r"\w+", title)
    if has_uncased_letters(title):
        tag = "_".join(words)
    else:
        tag = "".join(w[:1].upper() + w[1:] for w in words)
    extra = (tag,) if words and len(words) <= 4 and len(tag) <= 30 else ()
    return language_hashtags(lang) + extra


def make_post(
    source: str | os.PathLike[str] | Article,
    settings: Settings | Mapping[str, Any] | None = None,
    *,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> Post:
    """Make a carousel from the article at ``source`` and write it to a new post folder.

    :param source: an article file, or an Article (see read_article and article_from_text).
    :param settings: the caller's settings (a :class:`Settings` or a mapping of its field names), over
        the article's front matter and the theme; ``options`` (the same names as keywords, e.g.
        ``format="story"``) go over those. Without ``out``, the post goes to out/DATE-TITLE.
    :param force: replace the post folder if it exists.
    :param progress: called after each card with the number of cards made so far and the total.
    """
    return build_post(source, settings, force=force, progress=progress, **options)


def build_post(
    source: str | os.PathLike[str] | Article,
    settings: Settings | Mapping[str, Any] | None = None,
    *,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    library: Mapping[str, Any] | None = None,
    caption_vars: Mapping[str, Any] | None = None,
    skip_unchanged: bool = False,
    dry_run: bool = False,
    **options: Any,
) -> Post:
    """make_post, with what a batch adds (postkit.batch).

    :param library: settings from a library's postkit.toml, between the theme and the front matter.
    :param caption_vars: more variables for the caption template (postkit batch: years_ago, anniversary).
    :param skip_unchanged: if the post folder holds a whole post made from the same inputs (its
        post.json ``inputs_sha256``), leave it and return it with status "unchanged".
    :param dry_run: do everything but decode the illustration, draw and write; status "dry-run".
    """
    started = time.perf_counter()
    article, name, settings, theme_ = _settle(source, settings, options, library)
    picture_path = find_image(article, settings.image)
    target = _target(article, settings)
    hashes = {
        "article": article_sha256(article),
        "image": sha256_file(picture_path) if picture_path is not None and picture_path.is_file() else None,
    }
    font_stamp = _font_folder_stamp(settings.font_dir) if settings.font_dir else None
    inputs = inputs_sha256(hashes, theme_, settings, caption_vars or {}, {"font_dir": font_stamp, "lang": article.lang})
    if skip_unchanged and (existing := _existing_post(target, inputs)) is not None:
        return Post(
            folder=target,
            files=(*(s["file"] for s in existing["slides"]), "caption.txt", "post.json"),
            caption=existing.get("caption") or "",
            body_size=(existing.get("layout") or {}).get("body_size") or 0,
            seconds=time.perf_counter() - started,
            status="unchanged",
            inputs_sha256=inputs,
        )
    cards = compose_cards(article, settings, theme_, picture_path, name=name, dry_run=dry_run)
    caption, hashtags = _caption(article, settings, cards.theme, caption_vars, name)
    warnings = [*article.warnings, *cards.warnings]
    files = (*(f"{k:02d}.jpg" for k in range(1, len(cards.slicing.slides) + 3)), "caption.txt", "post.json")
    if dry_run:
        seconds = time.perf_counter() - started
        return Post(target, files, caption, cards.slicing.size, tuple(warnings), seconds, "dry-run", inputs)
    manifest = {
        "postkit_version": __version__,
        "title": article.title,
        "date": article.date.isoformat() if article.date else None,
        "handle": settings.handle,
        "format": settings.format,
        "size": list(FORMATS[settings.format]),
        "theme": cards.theme.name,
        "lang": cards.lang,
        "source": {"file": recorded_name(article.source), "sha256": hashes["article"]},
        "inputs_sha256": inputs,
        "rebuild": rebuild_record(name, settings, library, caption_vars),
        "image": _image_record(picture_path, hashes["image"], cards),
        "caption": caption,
        "hashtags": list(hashtags),
    }
    folder, problems = _write(target, cards, article, settings, manifest, name=name, force=force, progress=progress)
    warnings += problems
    for warning in warnings:
        log.warning(warning)
    seconds = time.perf_counter() - started
    return Post(
        folder, files, caption, cards.slicing.size, tuple(warnings), seconds, "made", inputs, tuple(cards.plans)
    )


def _target(article: Article, settings: Settings) -> Path:
    return settings.out if settings.out is not None else DEFAULT_OUT / slug(article)


def post_folder(
    source: str | os.PathLike[str] | Article, settings: Settings | Mapping[str, Any] | None = None, **options: Any
) -> Path:
    """Return the folder make_post would write the post to, without laying anything out."""
    article, _, resolved, _ = _settle(source, settings, options)
    return _target(article, resolved)


@dataclass(frozen=True)
class RenderedPost:
    """A post made in memory (nothing written): its cards, caption, and each slide's text and alt text."""

    images: tuple[Image.Image, ...]  # 01.jpg's first
    caption: str
    texts: tuple[str, ...]
    alts: tuple[str, ...]
    body_size: int
    warnings: tuple[str, ...] = ()


def render_post(
    source: str | os.PathLike[str] | Article, settings: Settings | Mapping[str, Any] | None = None, **options: Any
) -> RenderedPost:
    """Make the post's cards and caption in memory, as make_post would write them, and return them.

    Takes the same ``settings`` and ``options`` as :func:`make_post` (``out`` is not used).
    """
    return render_cards(source, settings, options)


def render_cards(
    source: str | os.PathLike[str] | Article,
    settings: Settings | Mapping[str, Any] | None,
    options: Mapping[str, Any],
    library: Mapping[str, Any] | None = None,
    caption_vars: Mapping[str, Any] | None = None,
) -> RenderedPost:
    """render_post, with what a batch's post adds: its library's settings and caption variables."""

    article, name, resolved, theme_ = _settle(source, settings, options, library)
    cards = compose_cards(article, resolved, theme_, find_image(article, resolved.image), name=name)
    return paint_cards(article, resolved, cards, name, caption_vars)


def paint_cards(
    article: Article, settings: Settings, cards: Cards, name: str, caption_vars: Mapping[str, Any] | None = None
) -> RenderedPost:
    """Paint planned cards and write their caption and texts, in memory."""
    from postkit.compose import Painter

    resolved = settings
    caption, _ = _caption(article, resolved, cards.theme, caption_vars, name)
    painter = Painter(cards.illustration, cards.theme.colors["scrim"], cards.theme.colors["ink"])
    images = tuple(painter.paint(plan, cards.theme["cover"]["scrim_min"]) for plan in cards.plans)
    records = [
        _slide_record(f"{n:02d}.jpg", plan, _slide_text(n, plan, article, cards), article, resolved, cards)
        for n, plan in enumerate(cards.plans, start=1)
    ]
    return RenderedPost(
        images=images,
        caption=caption,
        texts=tuple(r["text"] for r in records),
        alts=tuple(r["alt"] for r in records),
        body_size=cards.slicing.size,
        warnings=(*article.warnings, *cards.warnings),
    )


def _slide_text(number: int, plan: CardPlan, article: Article, cards: Cards) -> str:
    """Return what card ``number`` (from 1) says, as post.json records it."""
    if plan.kind == "cover":
        return _cover_text(article)
    if plan.kind == "closing":
        return _closing_text(article, cards.design.text)
    return str(cards.slicing.slides[number - 2].text)


def caller_layers(
    settings: Settings | Mapping[str, Any] | None, options: Mapping[str, Any]
) -> list[tuple[Layer, dict[str, Any]]]:
    """Return the caller's settings, then its keyword options, as layers (flags if the CLI made them)."""
    given = {k: v for k, v in options.items() if v is not None}
    return [*settings_layers(settings), *([(Layer("argument"), given)] if given else [])]


def _lang(callers: list[tuple[Layer, dict[str, Any]]]) -> str | None:
    """Return the language the topmost caller layer gives, if any."""
    return next((values["lang"] for _, values in reversed(callers) if values.get("lang")), None)


def _settle(
    source: str | os.PathLike[str] | Article,
    settings: Settings | Mapping[str, Any] | None,
    options: Mapping[str, Any],
    library: Mapping[str, Any] | None = None,
) -> tuple[Article, str, Settings, Theme]:
    """Read the article and merge its post's settings: the article, its name as messages give it (the
    file as the caller named it), the settings and the theme."""
    callers = caller_layers(settings, options)
    article = _read(source, _lang(callers))
    name = str(article.source if isinstance(source, Article) else source)
    resolved, theme_ = post_settings(article, callers, library, name=name)
    return article, name, resolved, theme_


def _read(source: str | os.PathLike[str] | Article, lang: str | None) -> Article:
    if isinstance(source, Article):
        return source if lang is None else replace(source, lang=lang, lang_source="flag")
    return read_article(source, lang=lang)


def post_settings(
    article: Article,
    callers: list[tuple[Layer, dict[str, Any]]],
    library: Mapping[str, Any] | None = None,
    name: str | None = None,
) -> tuple[Settings, Theme]:
    """Merge a post's settings from the theme, a library's postkit.toml, the front matter and the caller.

    The theme is chosen by the layers above it, then sets what it may (fit, focus) below them.
    Returns the settings and the theme.
    """
    name = name or str(article.source)
    log.info("%s: language %s (%s)", name, article.lang, article.lang_source)
    front = {
        "handle": article.handle,
        "image": article.image,
        "theme": article.theme,
        "hashtags": article.hashtags or None,
        **article.extra,  # format, focus
    }
    layers = [
        (Layer("postkit.toml", "postkit.toml"), {k: v for k, v in (library or {}).items() if k not in ("out", "lang")}),
        (Layer("front matter", name), front),
        *callers,
    ]
    settings = resolve_settings(layers)
    # Only a theme the caller names (--theme) may be a path; an article or library names one.
    origin = settings.origin("theme")
    try:
        theme_ = load_theme(settings.theme, settings.theme_dirs, allow_path=origin.kind in _CALLERS)
    except ThemeError as exc:
        if origin.kind in ("default", "argument") or str(exc).startswith(origin.where or "\0"):
            raise
        msg = f"{origin.names('theme')}: {exc}"  # which flag or file chose the theme
        raise ThemeError(msg) from None
    theme_layer = {"fit": theme_.settings.get("picture", {}).get("fit"), "focus": theme_["cover"].get("focus")}
    return resolve_settings([(Layer("theme", str(theme_.folder / "theme.toml")), theme_layer), *layers]), theme_


_CALLERS = ("flag", "argument")


@dataclass
class Cards:
    """A post's cards as planned: the design, the slicing, each card's plan, and what was found on the way."""

    theme: Theme
    design: Design
    slicing: Slicing
    chains: TextChains
    plans: list[CardPlan]
    lang: str
    illustration: Image.Image | None = None
    focus: tuple[float, float] | None = None
    heads: tuple[float, float, float, float] | None = None
    warnings: list[str] = field(default_factory=list)


def compose_cards(
    article: Article,
    settings: Settings,
    theme_: Theme,
    picture_path: Path | None,
    *,
    name: str | None = None,
    dry_run: bool = False,
    covered: tuple[int, int, int] | None = None,
) -> Cards:
    """Plan every card of the post (not drawn): slice the text at one size and lay out each card.

    :param name: the article's file as messages name it (by default its full path).
    :param covered: rows at the top and bottom and columns at each side (px) that an app draws over a
        9:16 card (a Reel's interface), where no text goes; by default a story's header and reply bar.
    """
    source = name or str(article.source)
    size = FORMATS[settings.format]
    illustration = None
    if picture_path is not None and not dry_run:
        from postkit.illustration import load_illustration

        illustration = load_illustration(picture_path, min_size=size)
    theme_ = resolve_colors(theme_, illustration)
    if illustration is not None:
        illustration = treat(illustration, theme_)
    lang = article.lang or "en"
    # Asked before anything translates: the first to ask is the one told, once per process.
    no_catalog = missing_catalog_warning(lang)
    text = PostText(
        title=article.title,
        date_text=article.date_text,
        handle=settings.handle,
        credit=article.credit,
        credit_label=article.credit_label,
        lang=lang,
    )
    check_text_support(article, source)
    theme_, uncovered = with_fallback_fonts(theme_, role_texts(article, settings.handle, lang), lang, settings.font_dir)
    focus, band_focus, heads = _focus(illustration, settings.focus)
    design = Design(
        theme_, size, text, has_picture=picture_path is not None, focus=focus, fit=settings.fit,
        band_focus=band_focus, keep=heads, covered=covered,
    )  # fmt: skip
    chains = text_chains(theme_)
    # Body paragraphs carry their Markdown emphasis as marker characters (see fonts.mark_emphasis).
    paragraphs = [(p.text if p.heading else mark_emphasis(p.text, p.emphasis), p.heading) for p in article.paragraphs]
    style = text_style(theme_, chains, size)
    slicing = slice_paragraphs(paragraphs, style, design.text_box, settings.max_slides - 2, lang, source=str(source))
    if uncovered:
        check_glyphs(design, slicing, chains, source)
    log.info("%s: %s", source, balance_line(slicing))
    cards = Cards(theme_, design, slicing, chains, [], lang, illustration, focus, heads)
    if no_catalog is not None:
        cards.warnings.append(f"{source}: {no_catalog}")
    if dry_run:
        return cards
    try:
        cards.plans = plan_post(design, slicing, chains, illustration.size if illustration is not None else None)
    except LayoutError as exc:
        msg = f"{source}: {exc}"
        raise LayoutError(msg) from exc
    if illustration is not None:
        from postkit.illustration import enlargement_warning

        soft = enlargement_warning(illustration.size, [plan.picture for plan in cards.plans if plan.picture])
        if soft is not None:
            cards.warnings.append(f"{printable(str(picture_path))} {soft}")
    cards.warnings += [f"{source}: {note}" for note in design.notes]
    return cards


def _focus(
    illustration: Image.Image | None, given: tuple[float, float] | None
) -> tuple[tuple[float, float] | None, tuple[float, float] | None, tuple[float, float, float, float] | None]:
    """Return where crops look (the cover's focus, the band's focus) and the heads found, if any.

    A given point or the people's heads also place the text slides' band; a salient point does not.
    """
    if illustration is None:
        return None, None, None
    from postkit.illustration import find_heads, smart_focus

    if given is not None:
        return given, given, None
    heads = find_heads(illustration)
    if heads is None:
        from postkit.faces import available

        if not available():
            log.info("No face detector: crops follow the picture's detail (pip install 'postkit[faces]')")
        return smart_focus(illustration), None, None
    middle = ((heads[0] + heads[2]) / 2, (heads[1] + heads[3]) / 2)
    return middle, middle, heads


def _caption(
    article: Article, settings: Settings, theme_: Theme, caption_vars: Mapping[str, Any] | None, name: str
) -> tuple[str, tuple[str, ...]]:
    lang = article.lang or "en"
    hashtags = settings.hashtags if settings.hashtags is not None else default_hashtags(article.title, lang)
    if article.caption is not None:
        caption = article.caption.strip() + "\n"
    else:
        body_sentences = tuple(s for p in article.paragraphs if not p.heading for s in sentences(p.text, lang))
        caption = render_caption(
            theme_,
            CaptionFields(
                title=article.title,
                date_text=article.date_text,
                handle=settings.handle,
                credit=article.credit,
                credit_label=article.credit_label,
                hashtags=tuple(hashtags),
                sentences=body_sentences,
                lang=lang,
                extra=dict(caption_vars or {}),
            ),
        )
    check_caption(caption, name)
    return caption, tuple(hashtags)


def _image_record(picture_path: Path | None, sha256: str | None, cards: Cards) -> dict[str, Any] | None:
    if picture_path is None:
        return None
    return {
        "file": recorded_name(picture_path),
        "sha256": sha256,
        # Where the crops look (fractions of the picture): given, the heads' middle, or the detail.
        "focus": [round(v, 4) for v in cards.focus] if cards.focus else None,
        "heads": [round(v, 4) for v in cards.heads] if cards.heads else None,
    }


def rebuild_record(
    name: str,
    settings: Settings,
    library: Mapping[str, Any] | None = None,
    caption_vars: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What rebuilds the post (postkit preview --watch): the article's path as given, the settings its
    caller gave (the front matter and the theme are read again), a library's settings and the caption's
    extra variables. A path that is not text (a file name in bytes that are not UTF-8) is recorded as None.
    """

    def text(value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [text(item) for item in value]
        if isinstance(value, Path):
            value = str(value)
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return None
        return value

    recorded = settings.record()
    given = {
        k: recorded[k] for k, layer in settings.origins.items() if layer.kind in _RECORDED and k not in ("out", "image")
    }
    record: dict[str, Any] = {"article": text(name), "settings": {k: text(v) for k, v in given.items()}}
    if library:
        record["library"] = {k: text(v) for k, v in library.items() if k not in ("out", "lang")}
    if caption_vars:
        record["caption_vars"] = {k: v for k, v in caption_vars.items() if isinstance(v, int | str) or v is None}
    return record


# The layers whose values a post's record keeps: what its caller gave, not what its article or theme did.
_RECORDED = ("post.json", "flag", "argument")


def _write(
    target: Path,
    cards: Cards,
    article: Article,
    settings: Settings,
    manifest: dict[str, Any],
    *,
    name: str,
    force: bool,
    progress: Callable[[int, int], None] | None,
) -> tuple[Path, list[str]]:
    """Draw and write the cards, caption.txt and post.json all or nothing; return the folder and check's warnings."""
    from postkit.compose import Painter
    from postkit.output import PostWriter

    painter = Painter(cards.illustration, cards.theme.colors["scrim"], cards.theme.colors["ink"])
    scrim_min = cards.theme["cover"]["scrim_min"]
    slides = []
    with PostWriter(target, force=force) as writer:
        for number, plan in enumerate(cards.plans, start=1):
            name = f"{number:02d}.jpg"
            writer.write_jpeg(name, painter.paint(plan, scrim_min))
            said = _slide_text(number, plan, article, cards)
            slides.append(_slide_record(name, plan, said, article, settings, cards))
            if progress is not None:
                progress(number, len(cards.plans))
        writer.write_text("caption.txt", manifest["caption"])
        writer.write_json("post.json", {**manifest, "layout": _layout_record(cards), "slides": slides})
        problems = check_post(writer.staging)
        errors = [v for v in problems if v.level == "error"]
        if errors:
            msg = f"the post for {name} breaks Instagram's limits: " + "; ".join(str(v) for v in errors)
            raise CheckError(msg)
        folder = writer.commit()
    # Said of the post as a whole ("."), or of one of its files.
    return folder, [v.message if v.file == "." else f"{v.file}: {v.message}" for v in problems]


def _layout_record(cards: Cards) -> dict[str, Any]:
    return {
        "engine": layout_engine_name(),
        "body_size": cards.slicing.size,
        "body_fonts": [path.name for path in cards.chains.body],
        "added_fonts": [path.name for path in cards.theme.extra_fonts],
        "line_height": cards.slicing.line_height,
    }


def _slide_record(
    name: str, plan: CardPlan, slide_text: str, article: Article, settings: Settings, cards: Cards
) -> dict[str, Any]:
    shown = cards.illustration is not None
    return {
        "file": name,
        "kind": plan.kind,
        "text": slide_text,
        # Where each line of text sits (x0, y0, x1, y1 px): check finds text under a story's header.
        "text_boxes": [[round(v) for v in line.box] for line in plan.lines],
        "picture_box": list(plan.picture.box) if plan.picture and shown else None,
        "rule_boxes": [list(rule.box) for rule in plan.rules],
        # The picture darkened behind text, from scrim_top to the card's foot.
        "scrim_box": [0, plan.scrim_top, *plan.size] if plan.scrim_top is not None and shown else None,
        "alt": alt_text(
            plan.kind,
            title=article.title,
            date_text=article.date_text,
            credit=article.credit,
            handle=settings.handle,
            text=slide_text,
            has_picture=shown,
            lang=cards.lang,
        ),
    }


def inputs_sha256(
    hashes: Mapping[str, str | None],
    theme: Theme,
    settings: Settings,
    caption_vars: Mapping[str, Any],
    options: Mapping[str, Any] | None = None,
) -> str:
    """Hash everything a post is made from: article, illustration, theme files, settings, postkit version.

    Stored in post.json, so that ``postkit batch`` can skip a post whose inputs have not changed.

    :param hashes: the article's and the illustration's sha256 ("article", "image").
    :param options: make_post's other arguments that change the cards (focus, fit, a font folder's hash).
    """
    shaping = {k: v for k, v in settings.record().items() if k not in ("out", "image", "theme")}
    record = {
        "postkit": __version__,
        "engine": layout_engine_name(),
        **hashes,
        # The theme's folder and those of the themes it extends: a change to any of them shows.
        "theme": [_folder_sha256(folder) for folder in (theme.folder, *theme.parents)],
        "settings": shaping,
        "caption_vars": dict(caption_vars),
        "options": dict(options or {}),
    }
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_sha256(article: Article) -> str:
    """Hash the article's file, or, for an Article made in memory (a CSV row), its parsed content."""
    try:
        if article.source.is_file():
            return sha256_file(article.source)
    except OSError:
        pass
    content = {k: v for k, v in asdict(article).items() if k != "source"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _folder_sha256(folder: Path) -> str:
    from postkit.themes import theme_files

    files = theme_files(folder)  # regular files inside the folder only: no FIFO to hang on, no symlink out
    stamp = tuple((p.relative_to(folder).as_posix(), st.st_size, st.st_mtime_ns) for p in files for st in [p.stat()])
    return _files_sha256(Path(folder), stamp)


@lru_cache(maxsize=32)
def _files_sha256(folder: Path, stamp: tuple[tuple[str, int, int], ...]) -> str:
    # Keyed on names, sizes and modification times: a theme's files are read once per process.
    digest = hashlib.sha256()
    for name, _, _ in stamp:
        digest.update(name.encode("utf-8") + b"\0" + bytes.fromhex(sha256_file(folder / name)))
    return digest.hexdigest()


def _existing_post(folder: Path, inputs: str) -> dict[str, Any] | None:
    """Return the post.json of a whole post at ``folder`` made from ``inputs``, else None."""
    from postkit.check import MANIFEST_FILE, MANIFEST_MAX_BYTES, parse_manifest
    from postkit.safeio import read_inside

    try:  # read as untrusted: no FIFO, no symlink out of the folder, bounded
        meta = parse_manifest(read_inside(folder, MANIFEST_FILE, MANIFEST_MAX_BYTES))
    except (OSError, ValueError, PostkitError):
        return None
    if not isinstance(meta, dict) or meta.get("inputs_sha256") != inputs or not isinstance(meta.get("slides"), list):
        return None
    files = [s.get("file") if isinstance(s, dict) else None for s in meta["slides"]]
    # A new post's files are flushed to disk with its folder, not one by one: after a power cut a slide
    # may be left empty or cut short, and such a post is made again rather than kept as unchanged.
    if not files or not all(isinstance(f, str) and SLIDE_NAME.fullmatch(f) and whole_jpeg(folder, f) for f in files):
        return None
    return meta if (folder / "caption.txt").is_file() else None


def check_text_support(article: Article, source: object) -> None:
    """Refuse right-to-left text when Pillow lacks raqm: it would be drawn reversed and unjoined."""
    texts = [article.title, article.credit or "", *(p.text for p in article.paragraphs)]
    if layout_engine_name() != "raqm" and any(has_rtl(t) for t in texts):
        msg = (
            f"{source} has right-to-left text, which needs Pillow's raqm layout (HarfBuzz and FriBiDi); "
            "install the system library libfribidi0 (Debian: apt-get install libfribidi0) and run again"
        )
        raise LayoutError(msg)


def make_specimen(
    theme: str,
    *,
    theme_dirs: tuple[str | os.PathLike[str], ...] = (),
    format: str | None = None,
    out: str | os.PathLike[str] | None = None,
    force: bool = False,
) -> Post:
    """Render the bundled example in ``theme`` to out/specimen-NAME; replace an existing folder only if ``force``."""
    from postkit.resources import data_dir

    example = data_dir("examples") / "october-revolution" / "article.txt"
    target = Path(out) if out is not None else DEFAULT_OUT / f"specimen-{Path(theme).name}"
    return make_post(
        example,
        theme=theme,
        theme_dirs=theme_dirs,
        format=format,
        out=target,
        force=force,
        max_slides=20 if format == "landscape" else None,
    )


def treat(illustration: Image.Image, theme: Theme) -> Image.Image:
    """Apply the theme's picture treatment: "duotone" (ink to paper), "tint" (toward the accent)."""
    picture = theme.settings.get("picture", {})
    treatment = picture.get("treatment", "none")
    if treatment == "none":
        return illustration
    from postkit.illustration import duotone, tint

    c = theme.colors
    if treatment == "duotone":
        return duotone(illustration, c["ink"], c["paper"])
    return tint(illustration, c["accent"], float(picture.get("tint", 0.35)))


def resolve_colors(theme: Theme, illustration: Image.Image | None) -> Theme:
    """Fill the theme's "auto" colours from the picture, dark enough for white text to read on."""
    auto = [key for key, value in theme.colors.items() if value is None]
    if not auto:
        return theme
    from postkit.contrast import ensure_contrast
    from postkit.illustration import FALLBACK_ACCENT, accent_color

    picked = accent_color(illustration) if illustration is not None else FALLBACK_ACCENT
    readable = ensure_contrast(picked, theme.colors.get("cover_text") or (255, 255, 255))
    return theme.with_colors(**dict.fromkeys(auto, readable))


def role_texts(article: Article, handle: str | None, lang: str) -> dict[str, str]:
    """Say what each font role sets on the cards, to find the characters its fonts lack."""
    from postkit.casing import upper

    body = " ".join(p.text for p in article.paragraphs if not p.heading)
    own = PostText(article.title, article.date_text, handle, article.credit, article.credit_label, lang).own_words()
    labels = [handle or "", article.date_text or "", article.title, article.credit_label or "", *own]
    return {
        "title": " ".join([article.title, handle or ""]),
        "body": body,
        "italic": body,
        "bold": body,
        "heading": " ".join(p.text for p in article.paragraphs if p.heading),
        "credit": article.credit or "",
        # Labels show the date line and running head in capitals, the counter, the swipe arrow.
        "label": " ".join([*labels, *(upper(text, lang) for text in labels), "0123456789/\u00b7\u2026"]),
    }


def balance_line(slicing: Slicing) -> str:
    """Say how evenly the text slides are filled: characters per slide (fewest, mean, most) and lines."""
    chars = [len(slide.text) for slide in slicing.slides]
    lines = [slide.line_count for slide in slicing.slides]
    mean = sum(chars) / len(chars)
    fills = [round(100 * fill) for fill in slicing.fills]
    verdict = "even" if slicing.even else "uneven (no size in the theme's range evens these sentences)"
    return (
        f"{len(chars)} text slides of {min(chars)}-{max(chars)} characters (mean {mean:.0f}), "
        f"{min(lines)}-{max(lines)} lines, {min(fills)}-{max(fills)}% full, body text {slicing.size} px: {verdict}"
    )


def with_fallback_fonts(
    theme: Theme, texts: Mapping[str, str], lang: str, font_dir: Path | None = None
) -> tuple[Theme, bool]:
    """Add faces for the characters a role's fonts lack: from ``font_dir``, else the installed fonts.

    Each role gets faces that suit it (serif or sans, weight; for Chinese, Japanese and Korean the
    region's face), chosen by postkit.fontsearch. In a Chinese, Japanese or Korean post the language's
    face goes first in the chain, so that punctuation, digits and line height are the language's own.
    Returns the theme and whether any character lacked a font (then check_glyphs says where).
    """
    from postkit.fonts import _coverage
    from postkit.fontsearch import describe, faces_in, lang_regions, pick, role_style, system_faces

    roles = [role for role in texts if role in theme["fonts"]]
    missing = {role: face(theme.font_paths(role), 40).missing(texts[role]) for role in roles}
    needed = "".join(dict.fromkeys(c for chars in missing.values() for c in chars))
    if not needed:
        return theme, False
    folder = faces_in(font_dir) if font_dir is not None else []
    regions = set(lang_regions(lang))
    for role in roles:
        if not missing[role]:
            continue
        style = role_style(theme.font_paths(role))
        chars = "".join(missing[role])
        chosen = pick(folder, chars, lang, style) if folder else []
        if any(not any(ord(c) in _coverage(f) for f in chosen) for c in chars):
            chosen += [f for f in system_faces(needed, lang, style) if f not in chosen]
        first = [f for f in chosen if regions & describe(f).regions]
        theme = theme.with_role_fonts(role, first, first=True)
        theme = theme.with_role_fonts(role, [f for f in chosen if f not in first])
    if theme.extra_fonts:
        log.info("Using fonts for characters the theme lacks: %s", ", ".join(f.name for f in theme.extra_fonts))
    return theme, True


def check_glyphs(design: Design, slicing: Slicing, chains: TextChains, source: object) -> None:
    """Raise FontError naming the characters no font can draw, where they are and how to get a font."""
    from postkit.fontsearch import missing_font_message

    cards = [
        ("the cover", design.text.title, design.title_chain),
        ("the closing slide", design.text.credit or "", design.credit_chain),
    ]
    cards += [(f"slide {k + 2}", slide.text, chains.body) for k, slide in enumerate(slicing.slides)]
    chars: dict[str, None] = {}
    places: list[str] = []
    for where, words, chain in cards:
        missing = face(chain, 40).missing(words)
        if missing:
            chars.update(dict.fromkeys(missing))
            places.append(where)
    if chars:
        where = f"{', '.join(places)} of {source}"
        raise FontError(missing_font_message(list(chars), design.text.lang or "en", where))


def _cover_text(article: Article) -> str:
    return f"{article.date_text}\n{article.title}" if article.date_text else article.title


def _closing_text(article: Article, text: PostText) -> str:
    parts = []
    if article.credit:
        parts.append(f"{text.credit_heading}: {article.credit}")
    parts.append(text.at_handle or article.title)
    return "\n".join(parts)


def _font_folder_stamp(folder: Path) -> list[tuple[str, int, int]]:
    """Name, size and modification time of each font file in a --font-dir (not their bytes, nor subfolders)."""
    from postkit.fonts import FONT_SUFFIXES

    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return []
    return [
        (entry.name, info.st_size, info.st_mtime_ns)
        for entry in entries
        if entry.name.lower().endswith(FONT_SUFFIXES) and entry.is_file()
        for info in [entry.stat()]
    ]
