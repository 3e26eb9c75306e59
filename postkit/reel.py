"""Make a Reel from a post: its cards laid out for 9:16, each on screen for its reading time, as an MP4.

The cards are the post's, laid out in the story format with no text where the Reels interface draws
(limits.reel_covered). Each text card stays for the time its text takes to read in the article's
language; the illustration alone moves (a slow zoom that keeps the heads found in it whole), the text
never; cards cross-fade. A still card is drawn and converted once and sent to the encoder as often as
it shows; a moving picture is drawn every few frames. Needs the ``video`` extra (PyAV, which bundles
FFmpeg's libraries with the x264 encoder).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageChops

from postkit import __version__
from postkit.errors import PostkitError
from postkit.i18n import NO_SPACE_LANGUAGES, language_key
from postkit.limits import (
    REEL_CODEC,
    REEL_FPS,
    REEL_MAX_SECONDS,
    REEL_MIN_SECONDS,
    REEL_PIXEL_FORMAT,
    REEL_SIZE,
    reel_covered,
)

if TYPE_CHECKING:
    from postkit.article import Article
    from postkit.compose import Layers
    from postkit.layout import CardPlan
    from postkit.settings import Settings

log = logging.getLogger("postkit")

VIDEO_FILE = "reel.mp4"
COVER_FILE = "reel-cover.jpg"
CAPTION_FILE = "caption.txt"
MANIFEST = "reel.json"
INSTALL_HINT = "pip install 'postkit[video]' (in a clone of postkit: pip install '.[video]')"

# Reading rates. IReST (Trauzettel-Klosinski & Dietz, IOVS 2012;53:5452, 17 languages, read aloud):
# 184 words a minute on average; for Chinese characters, 259.5 a minute (maximum reading speed, aloud).
# Silent reading is faster: 238 against 183 words a minute in English (Brysbaert, J. Mem. Lang. 2019,
# 190 studies), a ratio of 1.30, applied to both. Languages written without spaces count characters.
WORDS_PER_MINUTE = 239
CHARACTERS_PER_MINUTE = 338
FIND_SECONDS = 1.0  # to find where a card's text starts, before reading it
TEXT_MIN_SECONDS = 3.0
COVER_SECONDS = 3.0
CLOSING_SECONDS = 4.0
FADE_FRAMES = 12  # a cross-fade of 0.4 s at 30 fps, centred on each cut
ZOOM = 1.06  # the illustration's slow zoom over a card's time
# A moving picture is drawn anew every few frames: the cover's at 30 a second, a band's at 6 (its zoom
# moves by a fraction of a pixel a step: it looks as smooth, for a fifth of the drawing and encoding).
MOTION_STEP = {"cover": 1, "text": 5, "closing": 5}
# x264: quality-based (CRF 20: text edges clean after compression), a fixed number of threads so that
# the same input gives the same bytes on any machine.
X264_OPTIONS = {"preset": "veryfast", "crf": "20", "threads": "2"}
AUDIO_FADE_SECONDS = 2.0
AUDIO_RATE = 48_000
AUDIO_BIT_RATE = 128_000


class VideoError(PostkitError):
    """The Reel cannot be made: no video extra, a bad --seconds-per-slide, an unreadable audio file."""


def load_av() -> Any:
    """Import PyAV; without the video extra, raise VideoError saying how to install it."""
    try:
        import av
    except ImportError:
        msg = f"postkit reel needs the video extra (PyAV, with FFmpeg's libraries): {INSTALL_HINT}"
        raise VideoError(msg) from None
    return av


def reading_seconds(text: str, lang: str | None) -> float:
    """Return how long a card with ``text`` stays: the time to find and read it, at least TEXT_MIN_SECONDS."""
    if language_key(lang) in NO_SPACE_LANGUAGES:
        minutes = len("".join(text.split())) / CHARACTERS_PER_MINUTE
    else:
        minutes = len(text.split()) / WORDS_PER_MINUTE
    return max(TEXT_MIN_SECONDS, FIND_SECONDS + 60 * minutes)


@dataclass(frozen=True)
class Shot:
    """One card of the Reel and the frames it owns, from the cut before it to the cut after it."""

    number: int  # from 1
    kind: str  # cover, text or closing
    text: str
    alt: str
    start: int  # first frame
    end: int  # the frame after its last

    @property
    def seconds(self) -> float:
        """How long the card is on screen, half of each cross-fade included."""
        return (self.end - self.start) / REEL_FPS


def plan_shots(
    kinds: Sequence[str],
    texts: Sequence[str],
    alts: Sequence[str],
    lang: str | None,
    seconds_per_slide: float | None = None,
) -> list[Shot]:
    """Give each card its frames: a text card its reading time (or ``seconds_per_slide``), the others fixed."""
    shots = []
    start = 0
    for number, (kind, text, alt) in enumerate(zip(kinds, texts, alts, strict=True), start=1):
        if seconds_per_slide is not None:
            seconds = seconds_per_slide
        elif kind == "cover":
            seconds = COVER_SECONDS
        elif kind == "closing":
            seconds = CLOSING_SECONDS
        else:
            seconds = reading_seconds(text, lang)
        frames = max(FADE_FRAMES, round(seconds * REEL_FPS))
        shots.append(Shot(number, kind, text, alt, start, start + frames))
        start += frames
    return shots


def parse_seconds_per_slide(value: str | float | None) -> float | None:
    """Read --seconds-per-slide: "auto" (None: reading time) or a number of seconds from 1 to 60."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "auto"):
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 1.0 <= seconds <= 60.0:
        msg = f"--seconds-per-slide must be auto or a number of seconds from 1 to 60, not {value!r}"
        raise VideoError(msg)
    return seconds


@dataclass(frozen=True)
class Reel:
    """A Reel written: its folder, timeline and how long it took."""

    folder: Path
    shots: tuple[Shot, ...]
    frames: int
    seconds_taken: float
    warnings: tuple[str, ...] = ()

    @property
    def seconds(self) -> float:
        """The video's running time."""
        return self.frames / REEL_FPS


def make_reel(  # noqa: PLR0913 (the command's options, keyword-only, each with a default)
    source: str | os.PathLike[str] | Article,
    settings: Settings | Mapping[str, Any] | None = None,
    *,
    audio: str | os.PathLike[str] | None = None,
    seconds_per_slide: str | float | None = None,
    out: str | os.PathLike[str] | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    article: str | os.PathLike[str] | None = None,
    library: Mapping[str, Any] | None = None,
    caption_vars: Mapping[str, Any] | None = None,
) -> Reel:
    """Make the Reel of an article, or of the post in a post folder, and write its folder.

    Writes reel.mp4, reel-cover.jpg, caption.txt and reel.json to ``out``: by default NAME.reel beside
    the post folder, or out/DATE-TITLE.reel for an article.

    :param settings: the post's settings (as for make_post); for a post folder, those post.json records.
    :param audio: a sound file laid under the video, cut and faded out to its length.
    :param seconds_per_slide: "auto" (each card's reading time) or seconds for every card.
    :param article: a post folder's article, when post.json's record cannot name it.
    :param library: a batch library's settings, and ``caption_vars`` its caption's (see build_post).
    """
    started = time.perf_counter()
    av = load_av()
    per_slide = parse_seconds_per_slide(seconds_per_slide)
    audio_path, sound = _check_audio(av, audio) if audio is not None else (None, None)
    cards, target = _cards(source, settings, out, article, (library, caption_vars))
    kinds = [plan.kind for plan in cards.plans]
    shots = plan_shots(kinds, cards.texts, cards.alts, cards.lang, per_slide)
    frames = shots[-1].end
    warnings = list(cards.warnings)
    if sound is not None and sound < frames / REEL_FPS - 0.5:
        warnings.append(
            f"{audio} plays {sound:.1f} s and the Reel {frames / REEL_FPS:.1f} s: the rest is silent; "
            "use a longer sound, or shorter cards (--seconds-per-slide)"
        )
    if not REEL_MIN_SECONDS <= frames / REEL_FPS <= REEL_MAX_SECONDS:
        msg = (
            f"the Reel would run {frames / REEL_FPS:.1f} s; Instagram takes {REEL_MIN_SECONDS:.0f} s to "
            f"{REEL_MAX_SECONDS / 60:.0f} min; change --seconds-per-slide"
        )
        raise VideoError(msg)
    from postkit.output import PostWriter, dumps_json, encode_jpeg

    with PostWriter(target, force=force, own_file=MANIFEST, kind="Reel") as writer:
        encode_video(av, writer.claim(VIDEO_FILE), cards, shots, audio_path, progress)
        writer.write_bytes(COVER_FILE, encode_jpeg(cards.images[0]))
        writer.write_text(CAPTION_FILE, cards.caption)
        writer.write_text(MANIFEST, dumps_json(_manifest(cards, shots, audio_path)))
        folder = writer.commit()
    for warning in warnings:
        log.warning("%s", warning)
    return Reel(folder, tuple(shots), frames, time.perf_counter() - started, tuple(warnings))


@dataclass(frozen=True)
class ReelCards:
    """The Reel's cards, drawn, with what moves on them."""

    plans: tuple[CardPlan, ...]
    images: tuple[Image.Image, ...]
    layers: tuple[Layers | None, ...]
    illustration: Image.Image | None
    texts: tuple[str, ...]
    alts: tuple[str, ...]
    caption: str
    title: str
    lang: str | None
    warnings: tuple[str, ...]


def _cards(
    source: str | os.PathLike[str] | Article,
    settings: Settings | Mapping[str, Any] | None,
    out: str | os.PathLike[str] | None,
    article: str | os.PathLike[str] | None,
    batch: tuple[Mapping[str, Any] | None, Mapping[str, Any] | None] = (None, None),
) -> tuple[ReelCards, Path]:
    """Lay out and draw the Reel's cards; return them and the folder the Reel goes to."""
    from postkit.article import Article, slug
    from postkit.pipeline import _settle, compose_cards, find_image, paint_cards
    from postkit.settings import DEFAULT_OUT

    library, caption_vars = batch
    options: dict[str, Any] = {"format": "story"}
    if not isinstance(source, Article) and Path(source).is_dir():
        from postkit.export import read_post, remake_source

        post = read_post(source)
        target_info, made_from = remake_source(post, article, "A Reel")
        options |= {"image": target_info.image, "theme": str(target_info.theme_dir)}
        settings, library, caption_vars = target_info.settings, target_info.library, target_info.caption_vars
        read: str | os.PathLike[str] | Article = made_from
        default = Path(source).parent / f"{Path(os.path.abspath(source)).name}.reel"
    else:
        read = source
        default = None
    parsed, name, resolved, theme_ = _settle(read, settings, options, library)
    cards = compose_cards(
        parsed, resolved, theme_, find_image(parsed, resolved.image), name=name, covered=reel_covered(REEL_SIZE)
    )
    painted = paint_cards(parsed, resolved, cards, name, caption_vars)
    from postkit.compose import Painter

    painter = Painter(cards.illustration, cards.theme.colors["scrim"], cards.theme.colors["ink"])
    scrim_min = cards.theme["cover"]["scrim_min"]
    layers = tuple(painter.layers(plan, scrim_min) for plan in cards.plans)
    if out is not None:
        target = Path(out)
    elif default is not None:
        target = default
    else:
        target = DEFAULT_OUT / f"{slug(parsed)}.reel"
    reel_cards = ReelCards(
        plans=tuple(cards.plans),
        images=painted.images,
        layers=layers,
        illustration=cards.illustration,
        texts=painted.texts,
        alts=painted.alts,
        caption=painted.caption,
        title=parsed.title,
        lang=cards.lang,
        warnings=painted.warnings,
    )
    return reel_cards, target


def _check_audio(av: Any, audio: str | os.PathLike[str]) -> tuple[Path, float | None]:
    """Check a sound file before anything is drawn; return it and how long it plays (None: unknown)."""
    path = Path(audio)
    if not path.exists():
        msg = f"{audio}: no such sound file; pass the path of an audio file (MP3, M4A, WAV, ...)"
        raise VideoError(msg)
    if not path.is_file():  # a FIFO or a device would be read forever
        msg = f"{audio} is not a file (a folder, a pipe or a device); pass an audio file (MP3, M4A, WAV, ...)"
        raise VideoError(msg)
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                msg = f"{audio} has no sound; pass an audio file (MP3, M4A, WAV, ...)"
                raise VideoError(msg)
            stream = container.streams.audio[0]
            if stream.duration is not None and stream.time_base is not None:
                seconds: float | None = float(stream.duration * stream.time_base)
            else:
                seconds = container.duration / 1_000_000 if container.duration is not None else None
    except av.error.FFmpegError as exc:
        msg = f"{audio} cannot be read as sound ({exc.strerror or exc}); pass an audio file (MP3, M4A, WAV, ...)"
        raise VideoError(msg) from None
    if seconds is not None and seconds <= 0:
        msg = f"{audio} holds no sound (0 s); pass an audio file with sound in it"
        raise VideoError(msg)
    return path, seconds


# ---------------------------------------------------------------------------------------------
# Frames


class _Card:
    """One card's frames: still, or with its picture zoomed slowly, drawn only when they change."""

    def __init__(self, shot: Shot, image: Image.Image, layers: Layers | None, illustration: Image.Image | None):
        self.shot = shot
        self.image = image
        self.step = MOTION_STEP.get(shot.kind, 3)
        self.moving = layers is not None and illustration is not None
        self.layers = layers
        if layers is not None and illustration is not None:
            self._prepare(layers, illustration)

    def _prepare(self, layers: Layers, illustration: Image.Image) -> None:
        from postkit.illustration import crop_box

        picture = layers.picture
        x0, y0, x1, y1 = picture.box
        self.size = (x1 - x0, y1 - y0)
        self.origin = (x0, y0)
        box = crop_box(illustration.size, self.size, picture.focus, picture.keep, picture.window, ZOOM)
        if box is None or crop_box(illustration.size, self.size, picture.focus, picture.keep, picture.window) is None:
            self.moving = False  # the heads fill the picture: it stays still rather than cut them
            return
        # The illustration scaled once so that the closest crop maps about one to one: each frame is then
        # a small resample of a region of it.
        factor = min(1.0, self.size[0] / (box[2] - box[0]))
        self.factor = factor
        self.source = (
            illustration
            if factor == 1.0
            else illustration.resize(
                (max(1, round(illustration.width * factor)), max(1, round(illustration.height * factor))),
                Image.Resampling.BILINEAR,
            )
        )
        self.picture = picture
        self.illustration_size = illustration.size
        over_black, over_white = layers.over_black, layers.over_white
        self.under = ImageChops.subtract(over_white, over_black)  # how much of what lies under shows, per channel
        self.over = over_black  # what lies over it, already multiplied by its coverage
        self.plain = self._clear_box(over_black, over_white)

    def _clear_box(self, over_black: Image.Image, over_white: Image.Image) -> bool:
        # Nothing is drawn over the picture's box (a band above the text): the picture is pasted on the card.
        if self.layers is None or self.layers.scrim is not None:
            return False
        x0, y0 = self.origin
        region = (x0, y0, x0 + self.size[0], y0 + self.size[1])
        # Where nothing is drawn, the black canvas stays black and the white one white.
        shows = ImageChops.subtract(over_white.crop(region), over_black.crop(region))
        return ImageChops.invert(shows).getbbox() is None

    def key(self, frame: int) -> int:
        """Return what the frame shows: equal keys, equal pictures."""
        if not self.moving:
            return 0
        return (min(frame, self.shot.end - 1) - self.shot.start) // self.step

    def frame(self, frame: int) -> Image.Image:
        """Return the card as shown at ``frame`` (a frame of its shot, or just outside it in a fade)."""
        if not self.moving:
            return self.image
        from postkit.illustration import crop_box

        span = max(1, self.shot.end - self.shot.start - 1)
        progress = min(1.0, max(0.0, self.key(frame) * self.step / span))
        zoom = 1.0 + (ZOOM - 1.0) * progress
        picture = self.picture
        box = crop_box(self.illustration_size, self.size, picture.focus, picture.keep, picture.window, zoom)
        assert box is not None  # both ends fit, so every zoom between does
        f, (limit_w, limit_h) = self.factor, self.source.size
        # Rounding the scaled copy's size may leave it a hair short of the box scaled: keep the box inside.
        scaled = (
            max(0.0, box[0] * f),
            max(0.0, box[1] * f),
            min(float(limit_w), box[2] * f),
            min(float(limit_h), box[3] * f),
        )
        shown = self.source.resize(self.size, Image.Resampling.BILINEAR, box=scaled)
        if self.plain:
            card = self.image.copy()
            card.paste(shown, self.origin)
            return card
        assert self.layers is not None
        under = Image.new("RGB", self.image.size, self.layers.background)
        under.paste(shown, self.origin)
        if self.layers.scrim is not None:
            under = Image.composite(Image.new("RGB", under.size, self.layers.scrim_rgb), under, self.layers.scrim)
        return ImageChops.add(ImageChops.multiply(under, self.under), self.over)


def encode_video(
    av: Any,
    path: Path,
    cards: ReelCards,
    shots: Sequence[Shot],
    audio: Path | None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Encode the Reel's frames (and its sound) into ``path``: H.264 in MP4, faststart."""
    container = av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"})
    try:
        stream = container.add_stream("libx264", rate=REEL_FPS, options=dict(X264_OPTIONS))
        stream.width, stream.height = REEL_SIZE
        stream.pix_fmt = REEL_PIXEL_FORMAT
        sound = container.add_stream("aac", rate=AUDIO_RATE) if audio is not None else None
        if sound is not None:
            sound.bit_rate = AUDIO_BIT_RATE
            sound.layout = "stereo"
        _encode_frames(av, container, stream, cards, shots, progress)
        if sound is not None and audio is not None:
            try:
                _encode_audio(av, container, sound, audio, shots[-1].end / REEL_FPS)
            except av.error.FFmpegError as exc:
                reason = exc.strerror or exc
                msg = f"{audio} cannot be read as sound ({reason}); pass an audio file (MP3, M4A, WAV, ...)"
                raise VideoError(msg) from None
    finally:
        container.close()


def _encode_frames(
    av: Any,
    container: Any,
    stream: Any,
    cards: ReelCards,
    shots: Sequence[Shot],
    progress: Callable[[int, int], None] | None,
) -> None:
    playing = [
        _Card(shot, image, layers, cards.illustration)
        for shot, image, layers in zip(shots, cards.images, cards.layers, strict=True)
    ]
    total = shots[-1].end
    half = FADE_FRAMES // 2
    last_key: tuple[int, int] | None = None
    video_frame = None
    for frame in range(total):
        index = next(k for k, shot in enumerate(shots) if shot.start <= frame < shot.end)
        card = playing[index]
        fade_from = playing[index - 1] if index > 0 and frame < card.shot.start + half else None
        fade_to = playing[index + 1] if index + 1 < len(playing) and frame >= card.shot.end - half else None
        if fade_from is not None or fade_to is not None:
            # A cross-fade centred on the cut: the two cards blended, the later one rising.
            cut = card.shot.start if fade_from is not None else card.shot.end
            first, second = (fade_from, card) if fade_from is not None else (card, fade_to)
            assert first is not None and second is not None
            alpha = (frame - (cut - half) + 0.5) / FADE_FRAMES
            image = Image.blend(first.frame(frame), second.frame(frame), alpha)
            video_frame = av.VideoFrame.from_image(image).reformat(format=REEL_PIXEL_FORMAT)
            last_key = None
        else:
            key = (index, card.key(frame))
            if key != last_key or video_frame is None:
                video_frame = av.VideoFrame.from_image(card.frame(frame)).reformat(format=REEL_PIXEL_FORMAT)
                last_key = key
        video_frame.pts = frame
        for packet in stream.encode(video_frame):
            container.mux(packet)
        if progress is not None and (frame % REEL_FPS == 0 or frame == total - 1):
            progress(frame + 1, total)
    for packet in stream.encode():
        container.mux(packet)


def _encode_audio(av: Any, container: Any, stream: Any, path: Path, seconds: float) -> None:
    """Lay the sound file under the video: cut to its length (silence after a shorter one), faded out."""
    fade_start = max(0.0, seconds - AUDIO_FADE_SECONDS)
    with av.open(str(path)) as source:
        source_stream = source.streams.audio[0]
        graph = av.filter.Graph()
        chain = [
            graph.add_abuffer(template=source_stream),
            graph.add("apad"),
            graph.add("atrim", f"end={seconds:.6f}"),
            graph.add("afade", f"t=out:st={fade_start:.6f}:d={min(AUDIO_FADE_SECONDS, seconds):.6f}"),
            graph.add("aformat", f"sample_fmts=fltp:sample_rates={AUDIO_RATE}:channel_layouts=stereo"),
            graph.add("asetnsamples", "n=1024:p=1"),
            graph.add("abuffersink"),
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            first.link_to(second)
        graph.configure()
        try:
            for decoded in source.decode(source_stream):
                graph.push(decoded)
                _drain(av, graph, container, stream)
            graph.push(None)
        except av.error.EOFError:
            pass  # the sound is longer than the video: cut at its end
        _drain(av, graph, container, stream)
    for packet in stream.encode(None):
        container.mux(packet)


def _drain(av: Any, graph: Any, container: Any, stream: Any) -> None:
    while True:
        try:
            frame = graph.pull()
        except (av.error.BlockingIOError, av.error.EOFError):
            return
        frame.pts = None
        for packet in stream.encode(frame):
            container.mux(packet)


def _manifest(cards: ReelCards, shots: Sequence[Shot], audio: Path | None) -> dict[str, Any]:
    top, bottom, side = reel_covered(REEL_SIZE)
    return {
        "generator": f"postkit {__version__}",
        "title": cards.title,
        "lang": cards.lang,
        "video": VIDEO_FILE,
        "cover": COVER_FILE,
        "size": list(REEL_SIZE),
        "fps": REEL_FPS,
        "codec": REEL_CODEC,
        "pixel_format": REEL_PIXEL_FORMAT,
        "frames": shots[-1].end,
        "seconds": shots[-1].end / REEL_FPS,
        "fade_frames": FADE_FRAMES,
        "covered": {"top": top, "bottom": bottom, "side": side},
        "audio": {"file": audio.name, "fade_out_seconds": AUDIO_FADE_SECONDS} if audio is not None else None,
        "shots": [
            {
                "number": shot.number,
                "kind": shot.kind,
                "text": shot.text,
                "alt": shot.alt,
                "start": shot.start,
                "end": shot.end,
                "seconds": round(shot.seconds, 3),
                "text_boxes": [[round(v) for v in line.box] for line in plan.lines],
            }
            for shot, plan in zip(shots, cards.plans, strict=True)
        ],
    }
