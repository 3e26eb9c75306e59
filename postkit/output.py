"""Write a post folder safely: all files or none, never half a post, same bytes for same input.

postkit deletes and replaces only what it made. A post is built in a hidden staging folder that
carries a marker file (MARKER: the owner's pid, host, boot and start time); an old post being
replaced is marked the same way before it is moved aside. A folder left by a killed run is
recognised by that marker, never by its name, and removed (or, for a moved-aside post whose
replacement never arrived, put back) only once its owner process is gone. The one exception is a
staging folder whose maker was killed before its marker was whole: empty, or holding only the start
of a marker, and named as mkdtemp names staging folders; rmdir removes it, deleting nothing. Commits and clean-ups
in one output folder take that folder's lock (LOCK_FILE), shared by ``postkit carousel`` and
``postkit batch``. Generated files such as a batch's index.html carry a marker in their text, and
a file without it is not replaced unless forced.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any

from PIL import Image

from postkit.errors import OutputError

log = logging.getLogger("postkit")

JPEG_QUALITY = 92
MARKER = ".postkit-staging"  # inside every staging and moved-aside folder postkit makes
LOCK_FILE = ".postkit.lock"  # in an output folder while a run commits or cleans there
LOCK_WAIT = 30.0  # seconds a run waits for another run's commit or clean-up before it gives up
# A leftover whose owner cannot be proven gone (another host, or no /proc to tell a reused pid)
# is removed only after this long: no postkit run builds one post for a day.
STALE_AFTER = 24 * 3600.0
_MARKER_MAX_BYTES = 4096
# The name tempfile.mkdtemp gives a staging folder: "." + the post's name + "." + 8 random characters + ".tmp".
_STAGING_NAME = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")
_GENERATED_PEEK = 4096  # how much of an existing generated file is read to find its marker

_FIX = "check the folder's permissions and free space, or choose another --out"
_STAGING = "staging"  # a post (or file) being built
_ASIDE = "aside"  # an old post moved aside while its replacement is renamed into place
_LOCK_TEXT = b"postkit lock\n"
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)
# Directories whose file system cannot fsync them: nothing to make durable, not a failure.
_NO_DIR_FSYNC = {errno.EINVAL, errno.EBADF, getattr(errno, "ENOTSUP", -1), getattr(errno, "EOPNOTSUPP", -1)}
# Tokens of the markers this process is using right now: its own live folders are never stale.
_ACTIVE: set[str] = set()


def safe_join(folder: Path, name: str) -> Path:
    """Join ``name`` to ``folder``, refusing names that are empty, absolute, or escape it."""
    parts = name.replace("\\", "/").split("/")
    if (
        not name
        or "\0" in name
        or PurePosixPath(name.replace("\\", "/")).is_absolute()
        or (len(name) > 1 and name[1] == ":")  # a Windows drive, e.g. "C:x"
        or any(part in ("", ".", "..") for part in parts)
    ):
        msg = f"refusing to write {name!r}: a file name must stay inside {folder} (a postkit bug)"
        raise OutputError(msg)
    return Path(folder, *parts)


def encode_jpeg(image: Image.Image, quality: int = JPEG_QUALITY) -> bytes:
    """Encode ``image`` as a baseline sRGB JPEG without metadata; same pixels give same bytes."""
    rgb = _to_rgb(image)
    buffer = io.BytesIO()
    rgb.save(
        buffer,
        format="JPEG",
        quality=quality,
        subsampling=0,  # 4:4:4: chroma subsampling blurs the edges of coloured text
        # No optimize pass: it saves ~5% of bytes (far below 8 MB anyway) for a second encode.
        optimize=False,
        exif=b"",
        icc_profile=None,
        comment=b"",  # Pillow would otherwise copy image.info["comment"]
    )
    return buffer.getvalue()


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # Dropping alpha would leave whatever colour hides under transparent pixels: use white.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def dumps_json(data: Any) -> str:
    """Serialise ``data`` as stable, readable UTF-8 JSON ending in a newline."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


# ---------------------------------------------------------------------------------------------
# The output folder's lock


class FolderLock:
    """Hold ``folder``'s lock file while committing or cleaning there; wait up to ``wait`` seconds for it.

    The file is removed on release (while still held), so no lock file stays behind; a waiter that
    then holds a removed file's lock notices and takes the new file's instead. Without ``fcntl``
    (Windows) there is no lock: run one postkit per folder at a time there.

    :param busy: the message when the lock is still held after ``wait`` seconds (default: name the file).
    """

    def __init__(
        self, folder: str | os.PathLike[str], *, name: str = LOCK_FILE, wait: float = LOCK_WAIT, busy: str | None = None
    ) -> None:
        self.folder = Path(folder)
        self.path = self.folder / name
        self.wait = wait
        self.busy = busy
        self._fd: int | None = None
        self._ours = False

    def __enter__(self) -> FolderLock:
        try:
            import fcntl
        except ImportError:
            return self
        deadline = time.monotonic() + self.wait
        while True:
            fd = self._open()
            try:
                if not self._flock(fcntl, fd, deadline):
                    msg = self.busy or (
                        f"another postkit run is writing in {self.folder} (it holds {self.path}); "
                        "wait for it to finish and try again, or choose another --out"
                    )
                    raise OutputError(msg)
                if self._still_there(fd):
                    self._fd = fd
                    self._ours = self._claim(fd)
                    return self
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)  # the holder we waited for removed the file: lock the new one

    def _open(self) -> int:
        flags = os.O_RDWR | os.O_CREAT | _O_CLOEXEC | _O_NOFOLLOW | _O_NONBLOCK
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            msg = f"cannot lock {self.path} ({_reason(exc)}); {_FIX}"
            raise OutputError(msg) from exc
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            msg = f"{self.path} is not postkit's lock file (not a regular file); move it away and try again"
            raise OutputError(msg)
        return fd

    @staticmethod
    def _flock(fcntl: Any, fd: int, deadline: float) -> bool:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.02)
            except OSError as exc:
                if exc.errno in (errno.ENOLCK, errno.EINVAL, getattr(errno, "ENOTSUP", -1)):
                    return True  # a file system without locks: go on unlocked, as on Windows
                raise

    def _still_there(self, fd: int) -> bool:
        try:
            now = os.lstat(self.path)
        except FileNotFoundError:
            return False
        held = os.fstat(fd)
        return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)

    @staticmethod
    def _claim(fd: int) -> bool:
        """Mark a new lock file as postkit's; tell whether the file is postkit's (so removed on release)."""
        try:
            head = os.pread(fd, len(_LOCK_TEXT) + 1, 0)
        except OSError:
            return False
        if head != _LOCK_TEXT and _LOCK_TEXT.startswith(head):  # new, or a write cut short: postkit's
            with contextlib.suppress(OSError):
                os.pwrite(fd, _LOCK_TEXT, 0)
            return True
        return head == _LOCK_TEXT

    def __exit__(self, *exc: object) -> None:
        if self._fd is None:
            return
        if self._ours:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        os.close(self._fd)  # closing releases the lock
        self._fd = None


# ---------------------------------------------------------------------------------------------
# Markers and leftovers


def _boot_id() -> str | None:
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            return f.read(64).strip() or None
    except OSError:
        return None


def _pid_namespace() -> str | None:
    try:
        return os.readlink("/proc/self/ns/pid")
    except (OSError, AttributeError):
        return None


_BOOT = _boot_id()
_HOST = socket.gethostname()
# Containers on one host may share a name and a folder but not their pids: those of another pid
# namespace cannot be checked from here.
_PID_NS = _pid_namespace()


def _process_start(pid: int) -> tuple[str, str] | None:
    """Return a process's state letter and start time (clock ticks after boot) from /proc, or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            text = f.read(4096).decode("ascii", "replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces or ")": split after the last one.
    fields = text[text.rfind(")") + 2 :].split()
    if len(fields) < 20:
        return None
    return fields[0], fields[19]


def _owner(token: str) -> dict[str, Any]:
    pid = os.getpid()
    started = _process_start(pid)
    return {
        "pid": pid,
        "host": _HOST,
        "boot": _BOOT,
        "pidns": _PID_NS,
        "start": started[1] if started else None,
        "time": time.time(),  # only to age markers from other hosts; never part of a post
        "token": token,
    }


def _plain_name(value: object) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= 255
        and value not in (".", "..")
        and not any(c in value for c in "/\\\0")
    )


def _write_marker(folder: Path, kind: str, name: str, target: str, token: str) -> None:
    """Write MARKER into ``folder``: what it is (``kind``), its own name, the name it stands for, its owner."""
    data = json.dumps({"postkit": kind, "folder": name, "target": target, **_owner(token)}, sort_keys=True)
    _write_file(folder / MARKER, data.encode("utf-8"))


def read_marker(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Return the postkit marker inside ``folder`` if there is a valid one, else None (never follows a link)."""
    path = os.path.join(folder, MARKER)
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MARKER_MAX_BYTES:
            return None
        fd = os.open(path, os.O_RDONLY | _O_CLOEXEC | _O_NOFOLLOW | _O_NONBLOCK | _O_BINARY)
    except OSError:
        return None
    try:
        opened = os.fstat(fd)
        if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            return None
        data = os.read(fd, _MARKER_MAX_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        marker = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(marker, dict) or marker.get("postkit") not in (_STAGING, _ASIDE):
        return None
    pid = marker.get("pid")
    if not (_plain_name(marker.get("folder")) and _plain_name(marker.get("target"))):
        return None
    if type(pid) is not int or pid <= 0 or not isinstance(marker.get("host"), str):
        return None
    if not isinstance(marker.get("token"), str) or not isinstance(marker.get("time"), (int, float)):
        return None
    return marker


def owner_alive(marker: dict[str, Any]) -> bool:
    """Tell whether the process that wrote ``marker`` may still be using its folder.

    Gone for sure: another boot of this machine, no such pid, a zombie, or a pid now used by a
    process that started at another time. Where that cannot be told (another host or pid namespace,
    no /proc), the owner counts as alive until the marker is STALE_AFTER old.
    """
    age: float = time.time() - marker["time"]
    if marker["host"] != _HOST:
        return age < STALE_AFTER
    if marker.get("boot") and _BOOT and marker["boot"] != _BOOT:
        return False
    if marker.get("pidns") != _PID_NS:
        return age < STALE_AFTER
    pid = marker["pid"]
    if pid == os.getpid():
        current = _process_start(pid)
        if current is None or marker.get("start") in (None, current[1]):
            return marker["token"] in _ACTIVE
        return False
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process there
        return age < STALE_AFTER
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        pass  # another user's process, but a process
    current = _process_start(pid)
    if current is None:
        return age < STALE_AFTER
    state, start = current
    if state == "Z":  # dead, waiting for its parent to collect its exit status
        return False
    if marker.get("start") is None:
        return age < STALE_AFTER
    return bool(marker["start"] == start)  # else the pid now belongs to another process


def clean_leftovers(folder: str | os.PathLike[str]) -> list[str]:
    """Remove what killed postkit runs left in ``folder``; return what was cleaned. Hold FolderLock(folder).

    Only folders carrying postkit's marker, and only once their owner is gone: a staging folder is
    deleted; a moved-aside old post is put back if its replacement never arrived, else deleted; a
    marker left inside a post that did arrive is removed. Anything else, whatever its name, is not
    touched.
    """
    root = Path(folder)
    cleaned: list[str] = []
    try:
        with os.scandir(root) as scan:
            entries = sorted((e for e in scan if e.is_dir(follow_symlinks=False)), key=lambda e: e.name)
    except OSError:
        return cleaned
    for entry in entries:
        path = root / entry.name
        marker = read_marker(path)
        if marker is None and _STAGING_NAME.fullmatch(entry.name) and _remove_unmarked_staging(path):
            cleaned.append(entry.name)
        if marker is None or owner_alive(marker):
            continue
        try:
            if _clean_one(root, path, marker):
                cleaned.append(entry.name)
        except OSError as exc:
            log.warning("could not clean up %s left by an interrupted postkit run (%s)", path, _reason(exc))
    if cleaned:
        log.info("cleaned up %d folder(s) left in %s by an interrupted run: %s", len(cleaned), root, ", ".join(cleaned))
    return cleaned


def _remove_unmarked_staging(path: Path) -> bool:
    """Remove a staging folder whose maker was killed before its marker was whole: empty, or holding only
    the marker's first bytes.

    Staging folders are made and marked under the folder's lock, which the caller holds, so one like this
    is no live run's. rmdir removes only an empty folder: nothing of anyone's is deleted with it.
    """
    try:
        with os.scandir(path) as scan:
            names = [entry.name for entry in scan]
        if names not in ([], [MARKER]):
            return False
        if names:
            part = os.lstat(path / MARKER)
            if not stat.S_ISREG(part.st_mode) or part.st_size > _MARKER_MAX_BYTES:
                return False
            os.unlink(path / MARKER)
        os.rmdir(path)
    except OSError:
        return False
    return True


def _clean_one(root: Path, path: Path, marker: dict[str, Any]) -> bool:
    if marker["folder"] != path.name:
        if marker["target"] == path.name:
            # Renamed into place (a new post) or never moved aside (an old post): the post is whole.
            (path / MARKER).unlink(missing_ok=True)
            return True
        return False  # renamed by someone else: not ours to judge
    if marker["postkit"] == _ASIDE:
        target = root / marker["target"]
        if not os.path.lexists(target):
            # Killed between moving the old post aside and renaming the new one in: the old one is good.
            os.replace(path, target)
            (target / MARKER).unlink(missing_ok=True)
            log.warning("put back %s, moved aside by an interrupted postkit run", target)
            return True
    remove_marked(path)
    return True


def _drop_stray_marker(post: Path) -> None:
    """Remove a marker left inside a whole post by a run killed right after its rename (we hold the lock)."""
    marker = read_marker(post)
    if marker is not None and marker["folder"] != post.name and marker["target"] == post.name:
        (post / MARKER).unlink(missing_ok=True)


def remove_marked(path: str | os.PathLike[str]) -> None:
    """Delete a marked folder, its marker last: if this is interrupted, what remains is still recognisable."""
    folder = Path(path)
    with os.scandir(folder) as scan:
        children = [e for e in scan if e.name != MARKER]
    for child in children:
        if child.is_dir(follow_symlinks=False):
            shutil.rmtree(child.path)
        else:
            os.unlink(child.path)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(folder / MARKER)
    os.rmdir(folder)


def _discard(folder: Path) -> None:
    """Remove a staging folder of this process after a failure; a remnant stays marked for a later clean-up."""
    with contextlib.suppress(OSError):
        remove_marked(folder)


def _make_staging(parent: Path, name: str, token: str) -> Path:
    """Make a marked, hidden staging folder in ``parent`` for ``name``; the caller holds the folder's lock."""
    try:
        # The name is only for people looking at the folder: the marker says what it is.
        staging = Path(tempfile.mkdtemp(prefix=f".{name[:200]}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        msg = f"cannot write in {parent} ({_reason(exc)}); {_FIX}"
        raise OutputError(msg) from exc
    _ACTIVE.add(token)
    try:
        # mkdtemp makes the folder private (0700); a finished post should be readable.
        staging.chmod(0o755)
        _write_marker(staging, _STAGING, staging.name, name, token)
    except OSError as exc:
        _ACTIVE.discard(token)
        _discard(staging)
        msg = f"cannot write in {parent} ({_reason(exc)}); {_FIX}"
        raise OutputError(msg) from exc
    return staging


# ---------------------------------------------------------------------------------------------
# Signals during renames


class HeldSignals:
    """Signals that arrived while held, and the handlers they would have had (see ``signals_held``)."""

    def __init__(self) -> None:
        self.handlers: dict[int, Any] = {}
        self.held: list[int] = []

    def hold(self, signum: int, frame: object) -> None:
        self.held.append(signum)

    def release(self) -> None:
        """Act now on the signals that arrived: run the handler each would have had (it may raise)."""
        while self.held:
            signum = self.held.pop(0)
            if signum in self.held:
                continue  # the same signal twice while held counts once, as the kernel would count it
            handler = self.handlers.get(signum)
            if callable(handler):
                handler(signum, None)
            elif handler is not None:  # SIG_DFL: what the signal would have done (SIG_IGN is never held)
                current = signal.signal(signum, handler)
                signal.raise_signal(signum)
                signal.signal(signum, current)


@contextlib.contextmanager
def signals_held() -> Iterator[HeldSignals]:
    """Hold Ctrl-C, SIGTERM, SIGHUP and a time limit's SIGALRM inside the block; act on them at its end.

    A handler that raises can do so at any line, including inside another library's locking or
    between two renames. Held, a signal takes effect where the block says (``release()``) or when
    it ends: a commit stops after its second rename, and the batch's main loop stops between two
    looks at its pool (an exception raised inside ``concurrent.futures.wait`` can leave a lock held
    that the pool's shutdown then waits for). Only the main thread can swap handlers; elsewhere
    (and where these signals do not exist) nothing is held.
    """
    signals = HeldSignals()
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGALRM"):
            number = getattr(signal, name, None)
            if number is None or signal.getsignal(number) is signal.SIG_IGN:
                continue
            previous = signal.signal(number, signals.hold)
            signals.handlers[number] = previous if previous is not None else signal.SIG_DFL
    try:
        yield signals
    finally:
        for number, handler in signals.handlers.items():
            signal.signal(number, handler)
        signals.release()


# ---------------------------------------------------------------------------------------------
# Writing a post


class PostWriter:
    """Build a post in a marked, hidden staging folder beside the target, then rename it into place."""

    def __init__(
        self, target: str | os.PathLike[str], *, force: bool = False, own_file: str = "post.json", kind: str = "post"
    ) -> None:
        self.target = Path(target)
        self.force = force
        # What the folder is, and the file that says it is postkit's (only such a folder --force replaces).
        self.own_file = own_file
        self.kind = kind
        # Absolute, so that "." or "out/x/.." still have a real name and parent.
        self._path = Path(os.path.abspath(self.target))
        self._staging: Path | None = None
        self._token = secrets.token_hex(8)
        self._written: set[str] = set()
        self._files: list[Path] = []  # flushed to disk only if they are to replace a post (see commit)
        self._committed = False

    def __enter__(self) -> PostWriter:
        target, shown = self._path, self.target
        if not target.name:
            msg = f"{shown} cannot be a post folder; choose another --out"
            raise OutputError(msg)
        self._check_target()

        parent = target.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            msg = f"cannot create folder {parent} ({_reason(exc)}); choose another --out"
            raise OutputError(msg) from exc
        with FolderLock(parent):
            # Every run tidies its folder: a killed run's staging goes, a moved-aside post comes back.
            clean_leftovers(parent)
            self._check_target()
            self._staging = _make_staging(parent, target.name, self._token)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._staging is not None and not self._committed:
            _discard(self._staging)
        _ACTIVE.discard(self._token)
        self._staging = None

    def check(self) -> None:
        """Raise OutputError now if the target could not be written (exists without --force, is a file...)."""
        self._check_target()

    @property
    def staging(self) -> Path:
        """Return the hidden folder the post is being built in."""
        if self._staging is None:
            msg = "PostWriter.staging is only available inside 'with PostWriter(...)'"
            raise RuntimeError(msg)
        return self._staging

    def write_bytes(self, name: str, data: bytes) -> Path:
        """Write ``data`` to ``name`` in the staging folder; each name only once."""
        path = self.claim(name)
        try:
            _write_file(path, data, sync=False)
        except OSError as exc:
            msg = f"cannot write {self.target / name} ({_reason(exc)}); {_FIX}"
            raise OutputError(msg) from exc
        return path

    def claim(self, name: str) -> Path:
        """Return where ``name`` goes in the staging folder (its folder made), for the caller to write.

        Each name only once; the file is flushed to disk with the others when it replaces a post.
        """
        if self._committed:
            msg = f"cannot write {name}: the post was already committed"
            raise RuntimeError(msg)
        path = safe_join(self.staging, name)
        # Case-folded: "01.JPG" and "01.jpg" are the same file on macOS and Windows.
        key = str(PurePosixPath(*path.relative_to(self.staging).parts)).casefold()
        if key == MARKER.casefold():
            msg = f"{name} is postkit's own marker file and cannot be part of a post (a postkit bug)"
            raise OutputError(msg)
        if key in self._written:
            msg = f"{name} was written twice to {self.target} (a postkit bug)"
            raise OutputError(msg)
        self._written.add(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            msg = f"cannot write {self.target / name} ({_reason(exc)}); {_FIX}"
            raise OutputError(msg) from exc
        self._files.append(path)
        return path

    def write_text(self, name: str, text: str) -> Path:
        """Write ``text`` as UTF-8 with "\\n" newlines."""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return self.write_bytes(name, text.encode("utf-8"))

    def write_json(self, name: str, data: Any) -> Path:
        """Write ``data`` as sorted, indented UTF-8 JSON."""
        return self.write_text(name, dumps_json(data))

    def write_jpeg(self, name: str, image: Image.Image) -> Path:
        """Write ``image`` as a JPEG (see encode_jpeg)."""
        return self.write_bytes(name, encode_jpeg(image))

    def commit(self) -> Path:
        """Move the staged post into place, replacing the old one only if forced; return it."""
        staging = self.staging
        if self._committed:
            msg = "PostWriter.commit() was called twice"
            raise RuntimeError(msg)
        target = self._path
        # A new post is only flushed as a whole folder: a power cut can cost it, but nothing else. One
        # that replaces a post has its files flushed first, so the old one is never traded for a torn one.
        self._flush(staging, files=False)
        with FolderLock(target.parent):
            # Checked again: something may have appeared at the target while the post was built.
            self._check_target()
            with signals_held():
                if os.path.lexists(target):
                    self._flush(staging, files=True)
                    self._replace_existing(staging, target)
                else:
                    try:
                        os.replace(staging, target)
                    except OSError as exc:
                        msg = f"cannot move the post into {self.target} ({_reason(exc)}); {_FIX}"
                        raise OutputError(msg) from exc
                self._committed = True
                self._staging = None
                # The staging marker came along; a remnant (if this fails) is cleaned once we are gone.
                with contextlib.suppress(OSError):
                    os.unlink(target / MARKER)
                _ACTIVE.discard(self._token)
        _sync_parent(target)
        return self.target

    def _flush(self, staging: Path, *, files: bool) -> None:
        try:
            for path in self._files if files else ():
                _fsync_file(path)
            _fsync_dir(staging)
        except OSError as exc:
            msg = f"cannot save {self.target} to disk ({_reason(exc)}); {_FIX}"
            raise OutputError(msg) from exc

    def _replace_existing(self, staging: Path, target: Path) -> None:
        name = f".{target.name[:200]}.{secrets.token_hex(4)}.old"
        backup = target.with_name(name)
        token = secrets.token_hex(8)
        _ACTIVE.add(token)
        try:
            # Marked before the move, so a run killed right after it is repaired by the next one.
            try:
                _drop_stray_marker(target)
                _write_marker(target, _ASIDE, name, target.name, token)
                os.replace(target, backup)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.unlink(target / MARKER)
                msg = f"cannot move the old {self.target} aside ({_reason(exc)}); {_FIX}"
                raise OutputError(msg) from exc
            try:
                os.replace(staging, target)
            except OSError as exc:
                try:
                    os.replace(backup, target)
                except OSError:
                    msg = (
                        f"cannot move the post into {self.target} ({_reason(exc)}), and the old "
                        f"post could not be put back: it is in {backup}; rename it back by hand"
                    )
                    raise OutputError(msg) from exc
                with contextlib.suppress(OSError):
                    os.unlink(target / MARKER)
                msg = f"cannot move the post into {self.target} ({_reason(exc)}); the old post is unchanged; {_FIX}"
                raise OutputError(msg) from exc
        finally:
            _ACTIVE.discard(token)
        # The new post is in place; an old post that cannot be deleted now stays marked for later.
        _discard(backup)

    def _check_target(self) -> None:
        target, shown = self._path, self.target
        if not os.path.lexists(target):
            return
        if target.is_symlink():
            # Replacing it would empty the folder it points to, which may be anyone's.
            msg = (
                f"{shown} is a symbolic link, and postkit replaces only folders it wrote; remove the link or "
                "choose another --out"
            )
            raise OutputError(msg)
        if not target.is_dir():
            msg = f"{shown} is a file, not a folder; choose another --out"
            raise OutputError(msg)
        if not self.force:
            msg = f"{shown} already exists; pass --force to replace it, or choose another --out"
            raise OutputError(msg)
        # --force deletes the old folder: never let a typo ("--out ~") delete something else.
        try:
            looks_like_post = (target / self.own_file).is_file() or not any(target.iterdir())
        except OSError as exc:
            msg = f"cannot read {shown} ({_reason(exc)}); choose another --out"
            raise OutputError(msg) from exc
        if not looks_like_post:
            msg = (
                f"{shown} is not a postkit {self.kind} (no {self.own_file}), so --force will not delete it; "
                "choose another --out"
            )
            raise OutputError(msg)


# ---------------------------------------------------------------------------------------------
# Generated files (a batch's index.html)


def _head(path: str | os.PathLike[str]) -> bytes | None:
    """Return the first bytes of the regular file ``path``, None for anything else (never follows a link)."""
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        return None
    fd = os.open(path, os.O_RDONLY | _O_CLOEXEC | _O_NOFOLLOW | _O_NONBLOCK | _O_BINARY)
    try:
        opened = os.fstat(fd)
        if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            return None
        return os.read(fd, _GENERATED_PEEK)
    finally:
        os.close(fd)


def check_generated(path: str | os.PathLike[str], markers: Iterable[bytes], *, force: bool = False) -> None:
    """Raise OutputError unless ``path`` is free, a file postkit generated, or ``force`` (never a folder)."""
    target = Path(path)
    try:
        info = os.lstat(target)
        if stat.S_ISDIR(info.st_mode):
            msg = f"{target} is a folder, so postkit will not write its {target.name}; move it or choose another --out"
            raise OutputError(msg)
        if force:
            return
        head = _head(target)
    except FileNotFoundError:
        return
    except OSError as exc:
        msg = f"cannot read {target} ({_reason(exc)}); {_FIX}"
        raise OutputError(msg) from exc
    if head is not None and any(marker in head for marker in markers):
        return
    msg = (
        f"{target} was not written by postkit, so it is not replaced; "
        "pass --force to replace it, or choose another --out"
    )
    raise OutputError(msg)


def write_generated(
    path: str | os.PathLike[str], data: bytes, *, markers: Iterable[bytes], force: bool = False
) -> Path:
    """Write a file postkit generates (``data`` must hold its marker) whole, replacing only postkit's own.

    The file is built in a marked staging folder and renamed over the old one under the folder's
    lock; an existing file without one of ``markers`` is replaced only with ``force``.
    """
    target = Path(path)
    markers = tuple(markers)
    if not any(marker in data[:_GENERATED_PEEK] for marker in markers):
        msg = f"{target.name} must carry postkit's marker in its first {_GENERATED_PEEK} bytes (a postkit bug)"
        raise OutputError(msg)
    return _replace_whole(target, data, lambda: check_generated(target, markers, force=force))


def replace_file(path: str | os.PathLike[str], data: bytes, fix: str = _FIX) -> Path:
    """Write ``data`` to ``path`` whole, replacing what is there: a reader sees the old file or the new one.

    The file is built in a marked staging folder (removed on any failure, or by the next run if
    postkit is killed) and renamed into place under the folder's lock. ``fix`` ends an error's message.
    """
    return _replace_whole(Path(path), data, fix=fix)


def _replace_whole(target: Path, data: bytes, check: Callable[[], None] | None = None, fix: str = _FIX) -> Path:
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"cannot create folder {folder} ({_reason(exc)}); {fix}"
        raise OutputError(msg) from exc
    token = secrets.token_hex(8)
    with FolderLock(folder):
        if check is not None:
            check()
        staging = _make_staging(folder, target.name, token)
        try:
            built = staging / target.name
            try:
                _write_file(built, data)
                with signals_held():
                    os.replace(built, target)
            except OSError as exc:
                msg = f"cannot write {target} ({_reason(exc)}); {fix}"
                raise OutputError(msg) from exc
        finally:
            _discard(staging)
            _ACTIVE.discard(token)
    _sync_parent(target)
    return target


# ---------------------------------------------------------------------------------------------
# Low-level


def _write_file(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Create ``path`` (never an existing file, never through a link), write ``data`` whole, flush it to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_CLOEXEC | _O_NOFOLLOW | _O_BINARY, 0o666)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR | _O_CLOEXEC | _O_NOFOLLOW | _O_BINARY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _fsync_dir(path: Path) -> None:
    """Make the names in folder ``path`` durable; raise OSError if the disk fails it."""
    try:
        fd = os.open(path, os.O_RDONLY | _O_CLOEXEC)
    except OSError as exc:
        # Folders cannot be opened this way on Windows, nor without read permission: nothing to flush then.
        if os.name == "nt" or exc.errno in (errno.EACCES, errno.EPERM):
            return
        raise
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _NO_DIR_FSYNC:
            raise
    finally:
        os.close(fd)


def _sync_parent(target: Path) -> None:
    # After the rename the new file or post is in place and whole; only its durability is in doubt.
    try:
        _fsync_dir(target.parent)
    except OSError as exc:
        log.warning(
            "%s was written, but %s could not be flushed to disk (%s); it may not survive a power cut",
            target,
            target.parent,
            _reason(exc),
        )
