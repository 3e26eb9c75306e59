"""Check a Reel's folder (postkit reel) against Instagram's limits for Reels, from the video file itself.

The video is read back with PyAV (the ``video`` extra): its container, codec, pixel format, size, frame
rate and running time are what the file says, not what reel.json records. The folder is untrusted.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Any

from postkit.check import ERROR, WARNING, Violation, caption_violations, decode_caption, image_header
from postkit.limits import (
    CAPTION_MAX_CHARS,
    REEL_CODEC,
    REEL_FPS_RANGE,
    REEL_MAX_SECONDS,
    REEL_MIN_SECONDS,
    REEL_PIXEL_FORMAT,
    REEL_SIZE,
)
from postkit.safeio import FileTooLargeError, UnsafeFileError, open_inside, read_inside

VIDEO_MAX_BYTES = 4 * 1024 * 1024 * 1024  # Instagram's Reels take at most 4 GB (a postkit Reel: a few MB)
_CAPTION_MAX_BYTES = 64 * 1024
# The top-level MP4 boxes before the media data: "moov" among them means playback starts at once.
_BOX_HEADER = struct.Struct(">I4s")


def check_reel(folder: str | os.PathLike[str]) -> list[Violation]:
    """List every way the Reel in ``folder`` breaks Instagram's limits, errors first."""
    from postkit.reel import CAPTION_FILE, COVER_FILE, INSTALL_HINT, VIDEO_FILE

    root = Path(folder)
    found: list[Violation] = []
    try:
        import av
    except ImportError:
        message = f"cannot be read without the video extra (PyAV): {INSTALL_HINT}"
        return [Violation(ERROR, VIDEO_FILE, message)]
    _check_video(av, root, VIDEO_FILE, found)
    _check_cover(root, COVER_FILE, found)
    _check_caption(root, CAPTION_FILE, found)
    return sorted(found, key=lambda v: v.level != ERROR)


def _check_video(av: Any, root: Path, name: str, found: list[Violation]) -> None:
    def add(level: str, message: str) -> None:
        found.append(Violation(level, name, message))

    try:
        file, info = open_inside(root, name)
    except FileNotFoundError:
        add(ERROR, "is missing; make the Reel again with postkit reel")
        return
    except (UnsafeFileError, OSError) as exc:
        add(ERROR, f"cannot be read ({getattr(exc, 'reason', None) or exc}); make the Reel again")
        return
    with file:
        if info.st_size > VIDEO_MAX_BYTES:
            add(ERROR, f"is {info.st_size:,} bytes; Instagram takes Reels of at most 4 GB")
            return
        try:
            head = file.read(1 << 20)
            whole = _boxes_whole(file, info.st_size)
            file.seek(0)
            with av.open(file, "r") as container:
                _check_streams(container, add)
        except (av.error.FFmpegError, ValueError, OSError) as exc:
            add(ERROR, f"cannot be read as a video ({exc}); make the Reel again with postkit reel")
            return
    if not _moov_first(head):
        add(WARNING, "has its index (moov) after the media: playback waits for the whole file; make it again")
    if not whole:
        add(ERROR, "is cut short (its boxes run past the end of the file); copy it again, or make the Reel again")


def _check_streams(container: Any, add: Any) -> None:
    if "mp4" not in container.format.name.split(","):
        add(ERROR, f"is a {container.format.name} file, not MP4; Instagram takes MP4 Reels")
    if not container.streams.video:
        add(ERROR, "has no video stream; make the Reel again")
        return
    stream = container.streams.video[0]
    codec = stream.codec_context.name
    if codec != REEL_CODEC:
        add(ERROR, f"is encoded with {codec}, not H.264; make the Reel again")
    pixel_format = stream.codec_context.pix_fmt
    if pixel_format != REEL_PIXEL_FORMAT:
        add(ERROR, f"has pixel format {pixel_format}, not yuv420p (4:2:0), which every player decodes")
    size = (stream.codec_context.width, stream.codec_context.height)
    if size != REEL_SIZE:
        add(ERROR, f"is {size[0]}x{size[1]}; Instagram's Reels are {REEL_SIZE[0]}x{REEL_SIZE[1]} (9:16)")
    rate = float(stream.average_rate or 0)
    if not REEL_FPS_RANGE[0] <= rate <= REEL_FPS_RANGE[1]:
        add(ERROR, f"plays at {rate:g} frames a second; Instagram takes {REEL_FPS_RANGE[0]}-{REEL_FPS_RANGE[1]}")
    seconds = _seconds(container, stream)
    if seconds is None:
        add(ERROR, "has no running time; make the Reel again")
    elif not REEL_MIN_SECONDS <= seconds <= REEL_MAX_SECONDS:
        add(
            ERROR,
            f"runs {seconds:.1f} s; Instagram takes Reels of {REEL_MIN_SECONDS:.0f} s to "
            f"{REEL_MAX_SECONDS / 60:.0f} min; change --seconds-per-slide",
        )


def _seconds(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / 1_000_000
    return None


def _moov_first(head: bytes) -> bool:
    """Tell whether the MP4's top-level "moov" box comes before its "mdat" box (faststart)."""
    position = 0
    while position + _BOX_HEADER.size <= len(head):
        size, kind = _BOX_HEADER.unpack_from(head, position)
        if kind == b"moov":
            return True
        if kind == b"mdat" or size < _BOX_HEADER.size:
            return False
        position += size
    return False


def _boxes_whole(file: Any, size: int) -> bool:
    """Tell whether the MP4's top-level boxes end exactly at the end of the file (none cut short)."""
    position = 0
    while position < size:
        file.seek(position)
        header = file.read(16)
        if len(header) < _BOX_HEADER.size:
            return False
        length, _ = _BOX_HEADER.unpack_from(header)
        if length == 1:  # a 64-bit size follows the type
            if len(header) < 16:
                return False
            length = struct.unpack_from(">Q", header, 8)[0]
        elif length == 0:  # the box runs to the end of the file
            return True
        if length < _BOX_HEADER.size:
            return False
        position += length
    return position == size


def _check_cover(root: Path, name: str, found: list[Violation]) -> None:
    try:
        file, _ = open_inside(root, name)
    except FileNotFoundError:
        found.append(Violation(WARNING, name, "is missing: Instagram will take a frame for the Reel's cover"))
        return
    except (UnsafeFileError, OSError) as exc:
        found.append(Violation(ERROR, name, f"cannot be read ({getattr(exc, 'reason', None) or exc})"))
        return
    with file:
        try:
            kind, _, size, _ = image_header(file)
        except Exception as exc:  # any decoder error of an untrusted picture: one line
            found.append(Violation(ERROR, name, f"is not a picture Pillow can read ({type(exc).__name__})"))
            return
    if kind != "JPEG" or size != REEL_SIZE:
        found.append(Violation(ERROR, name, f"is a {kind} of {size[0]}x{size[1]}, not a 1080x1920 JPEG"))


def _check_caption(root: Path, name: str, found: list[Violation]) -> None:
    try:
        caption = decode_caption(read_inside(root, name, _CAPTION_MAX_BYTES))
    except FileNotFoundError:
        found.append(Violation(WARNING, name, "is missing: write the Reel's caption"))
        return
    except (FileTooLargeError, UnsafeFileError, OSError, ValueError) as exc:
        found.append(Violation(ERROR, name, f"cannot be read ({exc}); at most {CAPTION_MAX_CHARS:,} characters"))
        return
    found.extend(Violation(v.level, name, v.message) for v in caption_violations(caption.removesuffix("\n"), name))
