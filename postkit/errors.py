"""The one family of errors postkit raises; the CLI turns each into a one-line ``Error: ...``."""


class PostkitError(Exception):
    """Base class: the message names the file, what is wrong, and how to fix it."""


class ArticleError(PostkitError):
    """The article cannot be read or parsed."""


class ImageError(PostkitError):
    """The illustration cannot be read or used."""


class ThemeError(PostkitError):
    """The theme is unknown or its theme.toml is invalid."""


class FontError(PostkitError):
    """A font is missing, unreadable, or lacks the characters the text needs."""


class LayoutError(PostkitError):
    """The text cannot be laid out within the limits (e.g. too many slides)."""


class OutputError(PostkitError):
    """The post cannot be written where asked."""


class CheckError(PostkitError):
    """A post folder breaks one of Instagram's limits."""
