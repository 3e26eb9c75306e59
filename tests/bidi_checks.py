"""A check of bidi control characters for the tests of text that sits inside a page or a line."""

from __future__ import annotations


def closes_inside(text: str) -> bool:
    """Tell whether every PDI and PDF of ``text`` closes something opened in it, and nothing stays open."""
    open_ = []
    for char in text:
        if char in "\u2066\u2067\u2068":
            open_.append("i")
        elif char in "\u202a\u202b\u202d\u202e":
            open_.append("e")
        elif char == "\u2069":
            if "i" not in open_:
                return False
            while open_.pop() != "i":
                pass
        elif char == "\u202c":
            if not open_ or open_[-1] != "e":
                return False
            open_.pop()
    return not open_
