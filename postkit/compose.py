"""Paint card plans into images: background, illustration, scrim, rules and text."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter

from postkit.contrast import MIN_CONTRAST, worst_contrast
from postkit.fonts import TextFace
from postkit.illustration import contain, cover
from postkit.layout import CardPlan, Line, Picture, measure
from postkit.segment import clusters

MAT = (251, 248, 241)
_SCRIM_STEP = 0.08


@dataclass(frozen=True)
class Layers:
    """A card whose picture can move (postkit.reel): what lies under, on and over its picture."""

    background: tuple[int, int, int]
    picture: Picture  # where the picture goes and how it is cropped
    scrim: Image.Image | None  # the scrim's mask over the card (L), None without one
    scrim_rgb: tuple[int, int, int]
    over_black: Image.Image  # the card's rules and lines painted on black
    over_white: Image.Image  # and on white: (white - black) is how much of what lies under shows


class Painter:
    """Paint the cards of one post, reusing the illustration's resized copies between cards."""

    def __init__(
        self, illustration: Image.Image | None, scrim_rgb: tuple[int, int, int], keyline_rgb: tuple[int, int, int]
    ):
        self.illustration = illustration
        self.scrim_rgb = scrim_rgb
        self.keyline_rgb = keyline_rgb
        self._pictures: dict[Picture, Image.Image] = {}

    def paint(self, plan: CardPlan, scrim_min: float = 0.55) -> Image.Image:
        """Paint one card; over a picture, darken the scrim until every line reaches 4.5:1."""
        image = self.paint_background(plan, scrim_min)
        draw = ImageDraw.Draw(image)
        for rule in plan.rules:
            draw.rectangle((rule.box[0], rule.box[1], rule.box[2] - 1, rule.box[3] - 1), fill=rule.fill)
        for line in plan.lines:
            draw_line(image, draw, line)
        return image

    def paint_background(self, plan: CardPlan, scrim_min: float = 0.55) -> Image.Image:
        """Paint what lies behind the card's text: background, picture and scrim."""
        image = Image.new("RGB", plan.size, plan.background)
        if plan.picture and self.illustration is not None:
            self._paste_picture(image, plan.picture, self.illustration)
        if plan.scrim_top is not None and self.illustration is not None:
            image = self._scrim(image, plan, plan.scrim_top, scrim_min)
        return image

    def _picture(self, illustration: Image.Image, picture: Picture, size: tuple[int, int]) -> Image.Image:
        key = Picture(
            box=(0, 0, *size),
            fit=picture.fit,
            focus=picture.focus,
            keep=picture.keep,
            window=picture.window,
            blur=picture.blur,
        )
        if key not in self._pictures:
            if picture.fit == "exact":
                # A print a third of the picture's size: bicubic after a box reduction looks the same.
                image = illustration.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)
            elif picture.fit == "contain":
                image = contain(illustration, size, "blur")
            elif picture.blur:
                # Blur a quarter-size copy and scale it up: the same look for a fraction of the cost.
                small = cover(illustration, (max(1, size[0] // 4), max(1, size[1] // 4)), picture.focus, picture.keep)
                blurred = small.filter(ImageFilter.GaussianBlur(picture.blur / 4))
                image = blurred.resize(size, Image.Resampling.BICUBIC)
            else:
                image = cover(illustration, size, picture.focus, picture.keep, picture.window)
            self._pictures[key] = image
        return self._pictures[key]

    def _paste_picture(self, image: Image.Image, picture: Picture, illustration: Image.Image) -> None:
        x0, y0, x1, y1 = picture.box
        if picture.frame or picture.mat:
            draw = ImageDraw.Draw(image)
            draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=self.keyline_rgb)
            f = picture.frame
            draw.rectangle((x0 + f, y0 + f, x1 - 1 - f, y1 - 1 - f), fill=MAT)
            inset = picture.frame + picture.mat
            x0, y0, x1, y1 = x0 + inset, y0 + inset, x1 - inset, y1 - inset
        image.paste(self._picture(illustration, picture, (x1 - x0, y1 - y0)), (x0, y0))

    def _scrim(self, image: Image.Image, plan: CardPlan, top: int, strength: float) -> Image.Image:
        """Darken the picture from ``top`` (the plan's scrim_top) down, as little as keeps all text legible."""
        return self.scrim(image, plan, top, strength)[0]

    def scrim(self, image: Image.Image, plan: CardPlan, top: int, strength: float) -> tuple[Image.Image, Image.Image]:
        """Return the picture darkened as little as keeps all text legible, and the scrim's mask (L)."""
        width, height = plan.size
        ramp = max(1, round((height - top) * plan.scrim_ramp))
        solid = Image.new("RGB", plan.size, self.scrim_rgb)
        # Each strength is judged on the lines' boxes alone; the whole card is darkened once, at the end.
        regions = [(_pixel_box(line.box, plan.size), line.fill) for line in plan.lines]
        while True:
            column = Image.new("L", (1, height), 0)
            column.putdata([_alpha(y, top, ramp, strength) for y in range(height)])
            mask = column.resize(plan.size, Image.Resampling.NEAREST)  # a column repeated: no filter needed
            worst = min(
                (
                    worst_contrast(
                        Image.composite(solid.crop(box), image.crop(box), mask.crop(box)),
                        (0, 0, box[2] - box[0], box[3] - box[1]),
                        fill,
                    )
                    for box, fill in regions
                    if box[2] > box[0] and box[3] > box[1]
                ),
                default=21.0,
            )
            if worst >= MIN_CONTRAST or strength >= 1.0:
                return Image.composite(solid, image, mask), mask
            strength = min(1.0, strength + _SCRIM_STEP)

    def layers(self, plan: CardPlan, scrim_min: float = 0.55) -> Layers | None:
        """Split a card whose picture can move (a cropped picture, not a framed print) into its layers.

        None for a card without such a picture. The card is the background with the picture in
        ``picture.box``, darkened by ``scrim`` (a mask), under ``over_black``/``over_white``: its rules and
        lines painted on black and on white, from which any picture gets them with their antialiasing.
        """
        picture = plan.picture
        if self.illustration is None or picture is None or picture.fit != "cover" or picture.frame or picture.mat:
            return None
        if picture.blur:
            return None  # a blurred backdrop behind text: it stays still
        background = Image.new("RGB", plan.size, plan.background)
        self._paste_picture(background, picture, self.illustration)
        mask = None
        if plan.scrim_top is not None:
            background, mask = self.scrim(background, plan, plan.scrim_top, scrim_min)
            # The strength the static card needed, kept: the text is legible over this picture.
        over = []
        for colour in ((0, 0, 0), (255, 255, 255)):
            canvas = Image.new("RGB", plan.size, colour)
            draw = ImageDraw.Draw(canvas)
            for rule in plan.rules:
                draw.rectangle((rule.box[0], rule.box[1], rule.box[2] - 1, rule.box[3] - 1), fill=rule.fill)
            for line in plan.lines:
                draw_line(canvas, draw, line)
            over.append(canvas)
        return Layers(plan.background, picture, mask, self.scrim_rgb, over[0], over[1])


def _pixel_box(box: tuple[float, float, float, float], size: tuple[int, int]) -> tuple[int, int, int, int]:
    """Round a line's box to the pixels worst_contrast reads behind it, inside the card."""
    x0, y0, x1, y1 = (max(0, round(v)) for v in box)
    return x0, y0, min(x1, size[0]), min(y1, size[1])


def _alpha(y: int, top: int, ramp: int, strength: float) -> int:
    if y < top:
        return 0
    t = min(1.0, (y - top) / ramp)
    eased = t * t * (3 - 2 * t)
    return round(255 * strength * eased)


def draw_line(image: Image.Image, draw: ImageDraw.ImageDraw, line: Line) -> None:
    """Draw one line at its top-left corner; tracked labels come from a cached tile."""
    if not line.tracking:
        line.font.draw(image, draw, (line.x, line.y), line.text, line.fill, rtl=line.rtl)
        return
    tile = _tracked_tile(line.font, line.text, line.tracking, line.fill)
    image.paste(tile, (round(line.x), round(line.y)), tile)


_tiles: dict[tuple[TextFace, str, float, tuple[int, ...]], Image.Image] = {}
_MAX_TILES = 32  # a post draws a few labels; a batch's running heads (each post's title) would pile up


def _tracked_tile(face: TextFace, text: str, tracking: float, fill: tuple[int, int, int]) -> Image.Image:
    """Draw a letter-spaced label once, cluster by cluster, into a transparent tile for reuse.

    Running heads and handles repeat on every slide; one tile saves a draw call per letter.
    """
    key = (face, text, tracking, tuple(fill))
    tile = _tiles.get(key)
    if tile is None:
        ascent, descent = face.getmetrics()
        width = round(measure(face, text, tracking) + face.size)
        tile = Image.new("RGBA", (width, ascent + descent + face.size // 2), (*fill, 0))
        draw = ImageDraw.Draw(tile)
        done = ""
        for k, cluster in enumerate(clusters(text)):
            face.draw(tile, draw, (measure(face, done) + tracking * k, 0), cluster, (*fill, 255))
            done += cluster
        if len(_tiles) >= _MAX_TILES:
            del _tiles[next(iter(_tiles))]  # the oldest
        _tiles[key] = tile
    return tile


def contact_sheet(paths: list[str], *, columns: int = 5, width: int = 240, gap: int = 16) -> Image.Image:
    """Lay the slides at ``paths`` out in a grid of ``width``-px thumbnails, each numbered from 1."""
    from postkit.fonts import load_font, resolve_font

    thumbs = []
    for path in paths:
        with Image.open(path) as slide:
            # No taller than three widths, whatever a slide claims: a thumbnail, not a memory sink.
            height = max(1, min(3 * width, round(width * slide.height / slide.width)))
            slide.draft("RGB", (width, height))  # decode JPEGs at reduced size: much faster
            thumbs.append(slide.convert("RGB").resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0))
    columns = max(1, min(columns, len(thumbs)))
    rows = -(-len(thumbs) // columns)
    cell = max((t.height for t in thumbs), default=width)
    sheet = Image.new("RGB", (gap + columns * (width + gap), gap + rows * (cell + gap)), (250, 250, 250))
    draw = ImageDraw.Draw(sheet)
    font = load_font(resolve_font("inter/Inter-SemiBold.ttf"), max(12, width // 10))
    pad = max(4, width // 40)
    for index, thumb in enumerate(thumbs):
        x = gap + (index % columns) * (width + gap)
        y = gap + (index // columns) * (cell + gap)
        sheet.paste(thumb, (x, y))
        draw.rectangle((x - 1, y - 1, x + thumb.width, y + thumb.height), outline=(219, 219, 219))
        # The number sits on a dark badge so it reads over any picture.
        label = str(index + 1)
        left, top, right, bottom = draw.textbbox((0, 0), label, font=font, anchor="lt")
        box = (x + pad, y + pad, x + pad * 3 + right - left, y + pad * 3 + bottom - top)
        draw.rounded_rectangle(box, radius=pad * 2, fill=(38, 38, 38))
        draw.text((box[0] + pad - left, box[1] + pad - top), label, font=font, fill=(255, 255, 255), anchor="lt")
    return sheet
