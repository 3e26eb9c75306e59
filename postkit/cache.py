"""A small on-disk cache of work that depends only on its inputs (faces found in a picture, say).

Entries live in the user's cache folder (``$POSTKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/postkit``,
``~/Library/Caches/postkit`` on macOS, ``%LOCALAPPDATA%\\postkit\\Cache`` on Windows), one JSON file
per key, named by a SHA-256 of everything the result depends on. A writer puts each entry in place
with one atomic rename, so processes sharing the folder (a batch's workers) never read half an entry.
A cache is only a shortcut: a folder that cannot be written, or an entry that cannot be read or does
not look right, costs the work again and is never an error. ``POSTKIT_CACHE_DIR=off`` turns it off.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

_MAX_ENTRY = 64 * 1024  # bytes: our entries are a few hundred; a bigger file is not ours
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)


def cache_dir() -> Path | None:
    """Return the folder postkit caches in, or None when caching is turned off."""
    given = os.environ.get("POSTKIT_CACHE_DIR")
    if given:
        return None if given.lower() in {"off", "0", "none"} else Path(given)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "postkit" / "Cache" if base else None
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "postkit"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache") / "postkit"


def key(*parts: bytes | str) -> str:
    """Return the hex SHA-256 naming an entry made from ``parts`` (each length-prefixed, so none run together)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def _entry(kind: str, name: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / kind / f"{name}.json"


def load(kind: str, name: str) -> Any:
    """Return the value stored as ``kind``/``name``, or None if there is none (or it cannot be read)."""
    path = _entry(kind, name)
    if path is None:
        return None
    try:
        # Never through a link, never a FIFO or a device (opening a FIFO would wait for a writer).
        fd = os.open(path, os.O_RDONLY | _O_NONBLOCK | _O_NOFOLLOW | _O_CLOEXEC | _O_BINARY)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as file:
            data = file.read(_MAX_ENTRY + 1)
        if len(data) > _MAX_ENTRY:
            return None
        return json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (OSError, ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python recurses
        return None
    finally:
        os.close(fd)


def _no_constant(name: str) -> None:
    msg = f"{name} is not a value postkit writes"
    raise ValueError(msg)


def store(kind: str, name: str, value: Any) -> None:
    """Store ``value`` (JSON-able) as ``kind``/``name``; quietly do nothing if the folder cannot be written."""
    path = _entry(kind, name)
    if path is None:
        return
    data = json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        pass


def package_folder(name: str) -> Path | None:
    """Return where the installed package ``name`` lives, without importing it (None if it is not installed).

    An entry that depends on a library (a detector, a language model) names the library's files in its
    key, so that an upgrade is a miss; finding them must not cost the import the cache saves.
    """
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))
