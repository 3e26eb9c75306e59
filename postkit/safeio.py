"""Read files that untrusted folders hold: regular files only, never through a symlink out, bounded in size.

A post folder (or an article's folder) is data someone else may have made. A name in it can be a FIFO
(opening it blocks), a device or a symlink to /dev/zero (reading never ends), a symlink to a file
elsewhere on the machine, or a file of gigabytes. Everything here checks a file's type before it opens
it, opens without blocking and without following a last-moment symlink, re-checks the open file, and
reads no more than asked.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import BinaryIO

from postkit.errors import PostkitError

CHUNK = 64 * 1024  # what sha256_file reads at a time: memory stays flat for a file of any size

# Missing on Windows, where a FIFO or a device cannot sit in a folder under a file's name anyway.
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class UnsafeFileError(PostkitError):
    """A file that must not be read: not a regular file, a symlink out of its folder, or too large.

    ``reason`` completes a sentence whose subject is the file ("is a FIFO (named pipe), not a file");
    the message puts the path in front of it.
    """

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{printable(os.fspath(path))} {reason}")


class FileTooLargeError(UnsafeFileError):
    """A regular file larger than the caller reads."""

    def __init__(self, path: str | os.PathLike[str], size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(path, f"is {size:,} bytes, more than the {describe_bytes(limit)} postkit reads of it")


def printable(text: str) -> str:
    """Escape control, bidi-override and undecodable characters, so a name prints on one line as itself."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def short_repr(value: object, limit: int = 60) -> str:
    """Show a value in a message as Python writes it (escaped), cut to ``limit`` characters with "..."."""
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def recorded_name(path: str | os.PathLike[str]) -> str:
    """A file's name as text a JSON file can hold: bytes that are not UTF-8 become U+FFFD."""
    return os.fsencode(Path(path).name).decode("utf-8", "replace")


def describe_bytes(count: int) -> str:
    """Write a byte count for a message: "65,536 bytes (64 KB)"."""
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= size and count % size == 0:
            return f"{count:,} bytes ({count // size} {unit})"
    return f"{count:,} bytes"


def file_kind(mode: int) -> str | None:
    """Name what a non-regular file is ("a FIFO (named pipe)"), or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def is_inside(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> bool:
    """Tell whether real path ``path`` is ``root`` or inside it (both already real)."""
    path, root = os.fspath(path), os.fspath(root)
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives (Windows)
        return False


def open_inside(folder: str | os.PathLike[str], name: str) -> tuple[BinaryIO, os.stat_result]:
    """Open the regular file ``folder/name`` for reading; return it with its stat.

    A symlink is followed only to a file inside ``folder`` (by real path). Raise UnsafeFileError for
    anything else that is there, FileNotFoundError when nothing is, and OSError (e.g. permissions).
    """
    if not name or name in (".", "..") or "/" in name or os.sep in name or "\0" in name:
        msg = f"{name!r} is not a file name; name a file directly inside the folder"
        raise ValueError(msg)
    root = os.path.realpath(folder)
    path = os.path.join(folder, name)
    info = os.lstat(path)
    target = path
    if stat.S_ISLNK(info.st_mode):
        target = os.path.realpath(path)
        if not is_inside(target, root):
            raise UnsafeFileError(path, f"is a symbolic link to {printable(target)}, outside its folder")
        info = os.stat(target)
    kind = file_kind(info.st_mode)
    if kind is not None:
        raise UnsafeFileError(path, f"is {kind}, not a file")
    # O_NONBLOCK: if the name was swapped for a FIFO since the stat, opening it does not wait for a
    # writer; O_NOFOLLOW: nor is a symlink put in its place followed. The fstat then proves we hold
    # the very file that was checked.
    fd = os.open(target, _FLAGS | _NOFOLLOW)
    try:
        opened = os.fstat(fd)
        if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino) or not stat.S_ISREG(opened.st_mode):
            raise UnsafeFileError(path, "changed while it was being opened; try again")
        return os.fdopen(fd, "rb"), opened
    except BaseException:
        os.close(fd)
        raise


def read_inside(folder: str | os.PathLike[str], name: str, limit: int) -> bytes:
    """Read the regular file ``folder/name`` (see open_inside), at most ``limit`` bytes, else FileTooLargeError."""
    path = os.path.join(folder, name)
    file, info = open_inside(folder, name)
    with file:
        if info.st_size > limit:
            raise FileTooLargeError(path, info.st_size, limit)
        data = file.read(limit + 1)
    if len(data) > limit:  # it grew after the stat
        raise FileTooLargeError(path, len(data), limit)
    return data


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 hex digest of a regular file, read in 64 KB chunks (memory stays flat).

    Raise UnsafeFileError for a FIFO, a device or a folder (which would block or never end), and
    OSError when the file cannot be read.
    """
    # Checked before opening too: opening some devices already does something.
    kind = file_kind(os.stat(path).st_mode)
    if kind is not None:
        raise UnsafeFileError(path, f"is {kind}, not a file; pass a regular file")
    fd = os.open(path, _FLAGS)
    try:
        kind = file_kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise UnsafeFileError(path, f"is {kind}, not a file; pass a regular file")
        file = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    digest = hashlib.sha256()
    with file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
