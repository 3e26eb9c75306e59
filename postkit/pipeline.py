"""make_post: article -> slices -> cards -> a checked, ready-to-upload post folder."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from postkit import __version__
from postkit.article import Article, read_article, slug
from postkit.caption import CaptionFields, alt_text, check_caption, render_caption
from postkit.check import check_post
from postkit.config import DEFAULT_HASHTAGS, Settings, resolve_settings
from postkit.design import FORMATS, Design, PostText, plan_post, text_faces
from postkit.errors import CheckError
from postkit.fonts import layout_engine_name
from postkit.slicing import TextStyle, sentences, slice_paragraphs
from postkit.themes import load_theme

log = logging.getLogger("postkit")

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".gif", ".bmp", ".avif")
DEFAULT_OUT = Path("out")


@dataclass(frozen=True)
class Post:
    """A written post: where it is and what it holds."""

    folder: Path
    files: tuple[str, ...]
    caption: str
    body_size: int
    warnings: tuple[str, ...] = field(default=())
    seconds: float = 0.0

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
    for suffix in IMAGE_SUFFIXES:
        match = siblings.get(article.source.stem.lower() + suffix)
        if match is not None and match.is_file():
            return match
    return None


def glob_escape(text: str) -> str:
    """Escape glob metacharacters in a file stem."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def default_hashtags(title: str) -> tuple[str, ...]:
    """Return the defaults plus one tag made of the title's words, if the title is short."""
    words = re.findall(r"\w+", title)
    tag = "".join(w[:1].upper() + w[1:] for w in words)
    extra = (tag,) if words and len(words) <= 4 and len(tag) <= 30 else ()
    return DEFAULT_HASHTAGS + extra


def make_post(
    source: str | os.PathLike,
    *,
    image: str | os.PathLike | None = None,
    handle: str | None = None,
    theme: str | None = None,
    format: str | None = None,
    max_slides: int | None = None,
    out: str | os.PathLike | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Post:
    """Make a carousel from the article at ``source`` and write it to a new post folder.

    :param progress: called after each card with the number of cards made so far and the total.
    """
    started = time.perf_counter()
    article = read_article(source)
    front = {
        "handle": article.handle,
        "image": article.image,
        "theme": article.theme,
        "hashtags": article.hashtags or None,
        "format": article.extra.get("format"),
    }
    flags = {
        "handle": handle,
        "image": Path(image) if image is not None else None,
        "theme": theme,
        "format": format,
        "max_slides": max_slides,
        "out": Path(out) if out is not None else None,
    }
    settings = resolve_settings(front, flags)
    theme_ = load_theme(settings.theme)
    size = FORMATS[settings.format]

    picture_path = find_image(article, settings.image)
    illustration = None
    if picture_path is not None:
        from postkit.illustration import load_illustration

        illustration = load_illustration(picture_path, min_size=size)

    paragraphs = [(p.text, p.heading) for p in article.paragraphs]
    text = PostText(
        title=article.title,
        date_text=article.date_text,
        handle=settings.handle,
        credit=article.credit,
        credit_label=article.credit_label,
    )
    design = Design(theme_, size, text, has_picture=illustration is not None)
    body_face, heading_face = text_faces(theme_, paragraphs)
    types = theme_["type"]
    scale = size[0] / 1080
    style = TextStyle(
        body_font=body_face,
        heading_font=heading_face,
        min_size=round(types["body_min"] * scale),
        max_size=round(types["body_max"] * scale),
        line_factor=types["line_height"],
        gap_factor=types["paragraph_gap"],
    )
    lang = article.lang or "en"
    slicing = slice_paragraphs(paragraphs, style, design.text_box, settings.max_slides - 2, lang, source=str(source))
    plans = plan_post(design, slicing, body_face, heading_face, illustration.size if illustration is not None else None)

    hashtags = settings.hashtags if settings.hashtags is not None else default_hashtags(article.title)
    if article.caption is not None:
        caption = article.caption.strip() + "\n"
    else:
        body_sentences = tuple(s for p, heading in paragraphs if not heading for s in sentences(p, lang))
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
            ),
        )
    warnings = check_caption(caption, str(source))

    target = settings.out if settings.out is not None else DEFAULT_OUT / slug(article)
    from postkit.compose import Painter
    from postkit.output import PostWriter

    painter = Painter(illustration, theme_.colors["scrim"], theme_.colors["ink"])
    scrim_min = theme_["cover"]["scrim_min"]
    slides = []
    with PostWriter(target, force=force) as writer:
        for number, plan in enumerate(plans, start=1):
            name = f"{number:02d}.jpg"
            writer.write_jpeg(name, painter.paint(plan, scrim_min))
            slide_text = {"cover": _cover_text(article), "closing": _closing_text(article, settings)}.get(plan.kind)
            if slide_text is None:
                slide_text = slicing.slides[number - 2].text
            slides.append(
                {
                    "file": name,
                    "kind": plan.kind,
                    "text": slide_text,
                    "alt": alt_text(
                        plan.kind,
                        title=article.title,
                        date_text=article.date_text,
                        credit=article.credit,
                        handle=settings.handle,
                        text=slide_text,
                        has_picture=illustration is not None,
                    ),
                }
            )
            if progress is not None:
                progress(number, len(plans))
        writer.write_text("caption.txt", caption)
        writer.write_json(
            "post.json",
            {
                "postkit_version": __version__,
                "title": article.title,
                "date": article.date.isoformat() if article.date else None,
                "handle": settings.handle,
                "format": settings.format,
                "size": list(size),
                "theme": theme_.name,
                "source": {"file": article.source.name, "sha256": _sha256(article.source)},
                "image": ({"file": picture_path.name, "sha256": _sha256(picture_path)} if picture_path else None),
                "layout": {
                    "engine": layout_engine_name(),
                    "body_size": slicing.size,
                    "body_font": body_face.name,
                    "line_height": slicing.line_height,
                },
                "caption": caption,
                "hashtags": list(hashtags),
                "slides": slides,
            },
        )
        problems = check_post(writer.staging)
        errors = [v for v in problems if v.level == "error"]
        if errors:
            msg = f"the post for {source} breaks Instagram's limits: " + "; ".join(str(v) for v in errors)
            raise CheckError(msg)
        warnings += [str(v) for v in problems]
        folder = writer.commit()
    for warning in warnings:
        log.warning(warning)
    return Post(
        folder=folder,
        files=tuple(s["file"] for s in slides) + ("caption.txt", "post.json"),
        caption=caption,
        body_size=slicing.size,
        warnings=tuple(warnings),
        seconds=time.perf_counter() - started,
    )


def _cover_text(article: Article) -> str:
    return f"{article.date_text}\n{article.title}" if article.date_text else article.title


def _closing_text(article: Article, settings: Settings) -> str:
    parts = []
    if article.credit:
        parts.append(f"{article.credit_label or 'Pictured'}: {article.credit}")
    parts.append(f"@{settings.handle}" if settings.handle else article.title)
    return "\n".join(parts)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
