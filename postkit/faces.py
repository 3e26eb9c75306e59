"""Faces in a picture, so that a crop keeps people's heads whole (needs the ``faces`` extra: OpenCV).

Two of the Haar cascades that ship inside OpenCV's wheels (no model is downloaded) must agree on a
face: each alone mistakes coins or a motorcycle's headlamp for one on scikit-image's sample
photographs, together they find the astronaut and nothing else. The second runs only where the
first found something. Without OpenCV, ``find_faces`` returns nothing and the crop follows the
picture's most detailed region instead.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from PIL import Image

from postkit import cache

if TYPE_CHECKING:
    import cv2

Box = tuple[float, float, float, float]  # left, top, right, bottom as fractions of the picture

_SHORT_SIDE = 300  # pixels the cascades look at on the picture's shorter side (at 360 coins passed for a face)
_LONG_SIDE = 900  # and at most on its longer side: a group in a wide picture keeps faces big enough to find
_MIN_FACE = 1 / 12  # of the shorter side: a smaller face does not decide a crop
_SCALE_STEP, _NEIGHBOURS = 1.1, 5  # detectMultiScale's scale factor and minimum neighbours
_CASCADES = ("haarcascade_frontalface_alt2.xml", "haarcascade_frontalface_default.xml")  # in OpenCV's wheels
_AGREE = 0.5  # overlap (intersection over union) at which two cascades' boxes are the same face
# A detected box runs from the eyebrows to about the chin; the head goes further up (forehead, hair) and down (chin).
_HEAD_UP, _HEAD_DOWN, _HEAD_SIDE = 0.45, 0.3, 0.1


def available() -> bool:
    """Tell whether a face detector is installed (``pip install 'postkit[faces]'``)."""
    return _cascade_files() is not None


@lru_cache(maxsize=1)
def _cascade_files() -> tuple[str, str] | None:
    # Found without importing OpenCV (70 ms): a picture whose faces are cached never needs it.
    package = cache.package_folder("cv2")
    if package is None:
        return None
    files = tuple(str(package / "data" / name) for name in _CASCADES)
    return (files[0], files[1]) if all(os.path.isfile(f) for f in files) else None


@lru_cache(maxsize=2)
def _cascade(path: str) -> cv2.CascadeClassifier | None:
    try:
        import cv2
    except ImportError:
        return None
    cv2.setNumThreads(1)  # deterministic and fair to a batch's other workers
    cascade = cv2.CascadeClassifier(path)
    return None if cascade.empty() else cascade


def _identity(files: tuple[str, str]) -> str:
    """Name the detector for the cache: its settings and its cascade files' sizes and times."""
    stats = [os.stat(f) for f in files]
    settings = (_SHORT_SIDE, _LONG_SIDE, _MIN_FACE, _AGREE, _SCALE_STEP, _NEIGHBOURS)
    return repr((settings, files, [(s.st_size, s.st_mtime_ns) for s in stats]))


def find_faces(image: Image.Image) -> list[Box]:
    """Return the faces two cascades agree on, largest first, as fractions of the picture's size.

    The answer is kept in postkit's cache (``postkit.cache``), keyed by the pixels the cascades look at
    and the detector, so a picture used again (the same post made again, a Reel after its carousel)
    costs no detection and no OpenCV import.
    """
    files = _cascade_files()
    if files is None or not image.width or not image.height:
        return []
    gray = image.convert("L")
    scale = min(1.0, _SHORT_SIDE / min(gray.size), _LONG_SIDE / max(gray.size))
    if scale < 1.0:
        gray = gray.resize(
            (max(1, round(gray.width * scale)), max(1, round(gray.height * scale))), Image.Resampling.BOX
        )
    smallest = max(20, round(min(gray.size) * _MIN_FACE))
    if smallest > min(gray.size):
        return []
    try:
        name = cache.key("faces", _identity(files), repr(gray.size), gray.tobytes())
    except OSError:
        return _detect(gray, files, smallest)
    cached = _boxes(cache.load("faces", name))
    if cached is not None:
        return cached
    faces = _detect(gray, files, smallest)
    cache.store("faces", name, [list(face) for face in faces])
    return faces


def _boxes(value: Any) -> list[Box] | None:
    """Return a cached answer if it is a list of boxes inside the picture, else None."""
    if not isinstance(value, list):
        return None
    boxes: list[Box] = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 4 and all(type(v) in (int, float) for v in item)):
            return None
        left, top, right, bottom = (float(v) for v in item)
        if not (0 <= left < right <= 1 and 0 <= top < bottom <= 1):
            return None
        boxes.append((left, top, right, bottom))
    return boxes


def _detect(gray: Image.Image, files: tuple[str, str], smallest: int) -> list[Box]:
    import numpy

    pixels = numpy.asarray(gray)
    found = []
    for path in files:
        cascade = _cascade(path)
        if cascade is None:
            return []
        boxes = cascade.detectMultiScale(pixels, _SCALE_STEP, _NEIGHBOURS, minSize=(smallest, smallest))
        if len(boxes) == 0:
            return []  # the two must agree: most pictures stop here, at half the cost (and one cascade loaded)
        found.append([tuple(int(v) for v in box) for box in boxes])
    width, height = gray.size
    faces = [
        (x / width, y / height, (x + w) / width, (y + h) / height)
        for x, y, w, h in found[0]
        if any(_overlap((x, y, w, h), other) >= _AGREE for other in found[1])
    ]
    return sorted(faces, key=lambda b: (-(b[2] - b[0]) * (b[3] - b[1]), b))


def head_box(faces: list[Box]) -> Box:
    """Return the box holding every face's whole head (forehead and hair above, chin below)."""
    heads = []
    for left, top, right, bottom in faces:
        w, h = right - left, bottom - top
        heads.append((left - _HEAD_SIDE * w, top - _HEAD_UP * h, right + _HEAD_SIDE * w, bottom + _HEAD_DOWN * h))
    box = (min(b[0] for b in heads), min(b[1] for b in heads), max(b[2] for b in heads), max(b[3] for b in heads))
    return (max(box[0], 0.0), max(box[1], 0.0), min(box[2], 1.0), min(box[3], 1.0))


def _overlap(a: Sequence[int], b: Sequence[int]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = min(ax + aw, bx + bw) - max(ax, bx)
    h = min(ay + ah, by + bh) - max(ay, by)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / (aw * ah + bw * bh - inter)
