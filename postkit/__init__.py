"""postkit: turn an article and one illustration into a ready-to-upload Instagram carousel.

The public API (each name is loaded on first use, so that ``import postkit`` stays cheap)::

    import postkit

    post = postkit.make_post("notes/tunguska.md", postkit.Settings(format="square"))
    problems = postkit.check_post(post.folder)
    postkit.make_preview(post.folder)
    postkit.export_post(post.folder, "bluesky,linkedin", handles={"bluesky": "name.bsky.social"})

See docs/api.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the module that defines it (and its name there).
_EXPORTS = {
    "make_post": ("postkit.pipeline", "make_post"),
    "render_post": ("postkit.pipeline", "render_post"),
    "Post": ("postkit.pipeline", "Post"),
    "RenderedPost": ("postkit.pipeline", "RenderedPost"),
    "read_article": ("postkit.article", "read_article"),
    "article_from_text": ("postkit.article", "article_from_text"),
    "Article": ("postkit.article", "Article"),
    "Settings": ("postkit.settings", "Settings"),
    "resolve_settings": ("postkit.settings", "resolve_settings"),
    "Layer": ("postkit.settings", "Layer"),
    "load_theme": ("postkit.themes", "load_theme"),
    "list_themes": ("postkit.themes", "list_themes"),
    "check_post": ("postkit.check", "check_post"),
    "export_post": ("postkit.export", "export_post"),
    "make_reel": ("postkit.reel", "make_reel"),
    "make_preview": ("postkit.preview", "write_preview"),
    "run_batch": ("postkit.batch", "run_batch"),
    "Selection": ("postkit.batch", "Selection"),
    "PostkitError": ("postkit.errors", "PostkitError"),
}

__all__ = [
    "Article",
    "Layer",
    "Post",
    "PostkitError",
    "RenderedPost",
    "Selection",
    "Settings",
    "__version__",
    "article_from_text",
    "check_post",
    "export_post",
    "list_themes",
    "load_theme",
    "make_post",
    "make_preview",
    "make_reel",
    "read_article",
    "render_post",
    "resolve_settings",
    "run_batch",
]

if TYPE_CHECKING:
    from postkit.article import Article, article_from_text, read_article
    from postkit.batch import Selection, run_batch
    from postkit.check import check_post
    from postkit.errors import PostkitError
    from postkit.export import export_post
    from postkit.pipeline import Post, RenderedPost, make_post, render_post
    from postkit.preview import write_preview as make_preview
    from postkit.reel import make_reel
    from postkit.settings import Layer, Settings, resolve_settings
    from postkit.themes import list_themes, load_theme


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        msg = f"module 'postkit' has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib

    module, attribute = _EXPORTS[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
