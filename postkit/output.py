"""Write a post folder safely: all files or none, never half a post, same bytes for same input."""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any

from PIL import Image

from postkit.errors import OutputError

JPEG_QUALITY = 92

_FIX = "check the folder's permissions and free space, or choose another --out"


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


def encode_jpeg(image: Image.Image) -> bytes:
    """Encode ``image`` as a baseline sRGB JPEG without metadata; same pixels give same bytes."""
    rgb = _to_rgb(image)
    buffer = io.BytesIO()
    rgb.save(
        buffer,
        format="JPEG",
        quality=JPEG_QUALITY,
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


class PostWriter:
    """Build a post in a hidden staging folder beside the target, then rename it into place."""

    def __init__(self, target: str | os.PathLike[str], *, force: bool = False) -> None:
        self.target = Path(target)
        self.force = force
        # Absolute, so that "." or "out/x/.." still have a real name and parent.
        self._path = Path(os.path.abspath(self.target))
        self._staging: Path | None = None
        self._written: set[str] = set()
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
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
        except OSError as exc:
            msg = f"cannot write in {parent} ({_reason(exc)}); {_FIX}"
            raise OutputError(msg) from exc
        self._staging = staging
        try:
            # mkdtemp makes the folder private (0700); a finished post should be readable.
            staging.chmod(0o755)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            msg = f"cannot set permissions on {staging} ({_reason(exc)}); {_FIX}"
            raise OutputError(msg) from exc
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._staging is not None and not self._committed:
            shutil.rmtree(self._staging, ignore_errors=True)
        self._staging = None

    @property
    def staging(self) -> Path:
        """Return the hidden folder the post is being built in."""
        if self._staging is None:
            msg = "PostWriter.staging is only available inside 'with PostWriter(...)'"
            raise RuntimeError(msg)
        return self._staging

    def write_bytes(self, name: str, data: bytes) -> Path:
        """Write ``data`` to ``name`` in the staging folder; each name only once."""
        if self._committed:
            msg = f"cannot write {name}: the post was already committed"
            raise RuntimeError(msg)
        path = safe_join(self.staging, name)
        # Case-folded: "01.JPG" and "01.jpg" are the same file on macOS and Windows.
        key = str(PurePosixPath(*path.relative_to(self.staging).parts)).casefold()
        if key in self._written:
            msg = f"{name} was written twice to {self.target} (a postkit bug)"
            raise OutputError(msg)
        self._written.add(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("xb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            msg = f"cannot write {self.target / name} ({_reason(exc)}); {_FIX}"
            raise OutputError(msg) from exc
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
        _fsync_dir(staging)
        # Checked again: something may have appeared at the target while the post was built.
        self._check_target()
        if os.path.lexists(target):
            self._replace_existing(staging, target)
        else:
            try:
                os.replace(staging, target)
            except OSError as exc:
                msg = f"cannot move the post into {self.target} ({_reason(exc)}); {_FIX}"
                raise OutputError(msg) from exc
        self._committed = True
        self._staging = None
        _fsync_dir(target.parent)
        return self.target

    def _replace_existing(self, staging: Path, target: Path) -> None:
        backup = target.with_name(f".{target.name}.{secrets.token_hex(4)}.old")
        try:
            os.replace(target, backup)
        except OSError as exc:
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
            msg = f"cannot move the post into {self.target} ({_reason(exc)}); the old post is unchanged; {_FIX}"
            raise OutputError(msg) from exc
        if backup.is_symlink():
            backup.unlink(missing_ok=True)
        else:
            shutil.rmtree(backup, ignore_errors=True)

    def _check_target(self) -> None:
        target, shown = self._path, self.target
        if not os.path.lexists(target):
            return
        if not target.is_dir():
            msg = f"{shown} is a file, not a folder; choose another --out"
            raise OutputError(msg)
        if not self.force:
            msg = f"{shown} already exists; pass --force to replace it, or choose another --out"
            raise OutputError(msg)
        # --force deletes the old folder: never let a typo ("--out ~") delete something else.
        try:
            looks_like_post = (target / "post.json").is_file() or not any(target.iterdir())
        except OSError as exc:
            msg = f"cannot read {shown} ({_reason(exc)}); choose another --out"
            raise OutputError(msg) from exc
        if not looks_like_post:
            msg = f"{shown} is not a postkit post (no post.json), so --force will not delete it; choose another --out"
            raise OutputError(msg)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _fsync_dir(path: Path) -> None:
    # Makes the renames durable on POSIX; directories cannot be opened this way on Windows.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
