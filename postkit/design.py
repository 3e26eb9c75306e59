"""Plan each card of a post (cover, text slides, closing) from the theme's geometry, as data."""

from __future__ import annotations

import gettext
import math
from dataclasses import dataclass
from typing import Any

from postkit.bidi import paragraph_is_rtl
from postkit.casing import tracking_allowed, upper
from postkit.errors import LayoutError
from postkit.fonts import Face, FontFile, TextFace, face, styled_face
from postkit.language import text_direction
from postkit.layout import CardPlan, Line, Picture, Rule, chunks, ink_box, line_height, measure, wrap
from postkit.limits import FORMATS as FORMATS  # the card shapes, for those who plan cards
from postkit.limits import STORY_ASPECT, story_covered
from postkit.segment import CLUSTER, WORD_JOINER, keep_phrases
from postkit.slicing import Slicing, Slide, TextStyle
from postkit.themes import Theme

# The share of the card a split or framed cover's picture keeps when a long title needs the room.
_STRIP = 0.2


@dataclass(frozen=True)
class PostText:
    """The words a post's cards show besides the body."""

    title: str
    date_text: str | None
    handle: str | None
    credit: str | None
    credit_label: str | None
    lang: str | None = None

    @property
    def tr(self) -> gettext.NullTranslations:
        """Return the catalog of postkit's own words in the post's language."""
        from postkit.i18n import translations

        return translations(self.lang)

    @property
    def at_handle(self) -> str | None:
        return f"@{self.handle}" if self.handle else None

    @property
    def kicker(self) -> str:
        """Return the date line in capitals, by the language's rules (none for scripts without case)."""
        return upper(self.date_text or "", self.lang)

    @property
    def rtl(self) -> bool:
        """Tell whether the post reads right to left (its language is Arabic, Hebrew, Persian...)."""
        return text_direction(self.lang) == "rtl"

    @property
    def swipe_cue(self) -> str:
        """Return the cover's cue; its arrow points the way the carousel moves (left on a right-to-left post)."""
        return self.tr.gettext("Swipe") + (" \u2190" if self.rtl else " \u2192")

    @property
    def tap_cue(self) -> str:
        """Return a story cover's cue: stories are tapped through, not swiped."""
        return self.tr.gettext("Tap") + (" \u2190" if self.rtl else " \u2192")

    @property
    def credit_heading(self) -> str:
        """Return the label above the credit: the article's own ("Фото"), else postkit's word for it."""
        return self.credit_label or self.tr.gettext("Pictured")

    @property
    def follow_line(self) -> str:
        """Return the closing slide's invitation to follow the account ("" without a handle)."""
        return self.tr.gettext("Follow for a new story from history every day") if self.handle else ""

    def own_words(self) -> list[str]:
        """Return every word postkit itself sets on this post's cards (to find fonts for them)."""
        return [self.swipe_cue, self.tap_cue, self.credit_heading, self.follow_line]


class Design:
    """The theme's geometry at one card size, and the plan of every card."""

    def __init__(  # noqa: PLR0913 (what shapes the cards: the theme, the size and what covers it, the text, the picture)
        self,
        theme: Theme,
        size: tuple[int, int],
        text: PostText,
        has_picture: bool,
        focus: tuple[float, float] | None = None,
        fit: str | None = None,
        band_focus: tuple[float, float] | None = None,
        keep: tuple[float, float, float, float] | None = None,
        covered: tuple[int, int, int] | None = None,
    ):
        self.theme = theme
        # How the picture fills the cover: "cover" (cropped around the focus) or "contain" (whole).
        self.fit = fit or theme.settings.get("picture", {}).get("fit", "cover")
        # The picture's point to keep in view: given, found by smart_focus, or the theme's default.
        self.focus = focus or (0.5, 0.5)
        # The text slides' band: the given point or the heads, else the focus's x at the theme's height.
        self.band_focus = band_focus or (self.focus[0], theme["text"].get("band_focus", (0.5, 0.5))[1])
        self.keep = keep  # the people's heads: every crop holds them whole or leaves them out
        self.notes: list[str] = []  # what the design changed from the theme to fit the text, for the user
        self.picture_share = 0.35  # the least share of a split or framed cover's height its picture takes
        self.size = self.width, self.height = size
        self.text = text
        self.has_picture = has_picture
        self.scale = scale = self.width / 1080
        # Wrap a little short of the margin: some glyphs' ink overhangs their advance width.
        self.overhang = round(6 * scale)
        margins = theme["margins"]
        self.side = round(margins["side"] * scale)
        # What an app draws over the card (a Reel's caption and buttons): rows at the top and the bottom
        # and columns at each side, in px, where no text goes.
        self.covered = covered
        if covered is not None:
            self.side = max(self.side, covered[2])
        self.line_width = self.width - 2 * self.side - self.overhang
        # A card wider than tall (landscape) has little height to spare: its vertical margins and
        # gaps shrink with its height, and its text slides drop the running head.
        self.short = self.height < self.width
        self.vscale = vscale = self.height / 1080 if self.short else scale
        self.top = round(margins["top"] * vscale)
        self.bottom = round(margins["bottom"] * vscale)
        # A story is tapped through, full screen, under Instagram's header and reply bar: no text there.
        self.story = abs(self.width / self.height - STORY_ASPECT) < 0.01
        if self.story:
            header, reply_bar = covered[:2] if covered is not None else story_covered(self.height)
            self.top, self.bottom = max(self.top, header), max(self.bottom, reply_bar)
        types = theme["type"]
        self.colors = theme.colors
        self.tracking = types["tracking"]
        label_chain = theme.font_paths("label")
        self.label = face(label_chain, round(types["label_size"] * scale))
        self.kicker_font = face(label_chain, round(types["kicker_size"] * scale))
        self.title_chain = theme.font_paths("title")
        self.credit_chain = theme.font_paths("credit")
        # The layout of each card kind, from the theme (see templates/themes/*/theme.toml).
        self.cover_layout = theme["cover"].get("layout", "full-bleed") if has_picture else "typographic"
        self.text_background = theme["text"].get("background", "paper")
        if self.text_background == "picture" and not has_picture:
            self.text_background = "paper"
        self.indicator = theme["text"].get("indicator", "counter")
        self.closing_layout = theme["closing"].get("layout", "print")
        if self.closing_layout == "picture" and not has_picture:
            self.closing_layout = "print"
        # Text slides: an illustration band, a running head, the text, a footer. A short card
        # (landscape) has no room for the band.
        section = theme["text"]
        banded = has_picture and self.text_background == "paper" and self.height >= self.width
        self.band = round(self.height * section["band"]) if banded else 0
        # The footer: handle and counter sit on the bottom margin, a hairline rule above them.
        self.footer_y = self.height - self.bottom - self._height(self.label)
        self.rule_y = self.footer_y - round(section["footer_gap"] * vscale)
        head_top = self.band + round(56 * scale) if self.band else self.top
        self.head_y = head_top
        self.text_top = self.top if self.short else head_top + self._height(self.kicker_font) + round(40 * scale)
        self.text_bottom = self.rule_y - round(section["footer_gap"] * vscale)

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _height(font: Face) -> int:
        ascent, descent = font.getmetrics()
        return ascent + descent

    def _margins(self) -> tuple[int, int, int, int]:
        return (self.side, self.top, self.width - self.side, self.height - self.bottom)

    def _fit_one_line(self, text: str, font: Face, width: float, tracking: float = 0.0) -> str:
        """Return ``text``, or its longest start (whole clusters) that fits with an ellipsis."""
        if measure(font, text, tracking) <= width:
            return text
        ends = [match.end() for match in CLUSTER.finditer(text)]
        low, high = 0, len(ends)  # ends[:low] fit with the ellipsis; found by bisection: widths grow
        while low < high:
            middle = (low + high) // 2
            if measure(font, text[: ends[middle]].rstrip() + "\u2026", tracking) <= width:
                low = middle + 1
            else:
                high = middle
        return (text[: ends[low - 1]] if low else "").rstrip() + "\u2026"

    def _rtl(self, text: str) -> bool:
        """Return the base direction of one text element on this post's cards."""
        return paragraph_is_rtl(text, self.text.rtl)

    def _tracking(self, text: str) -> float:
        """Letter-space labels only in scripts with capitals: never Arabic, Hebrew, CJK, Indic..."""
        return self.tracking * self.kicker_font.size if tracking_allowed(text) else 0.0

    def _left(
        self,
        text: str,
        font: TextFace,
        y: float,
        fill: tuple[int, int, int],
        tracking: float = 0.0,
        rtl: bool | None = None,
    ) -> Line:
        """Set a line flush left, moved right if a glyph's ink overhangs its origin (J, italics)."""
        rtl = self._rtl(text) if rtl is None else rtl
        x = self.side + max(0.0, -ink_box(font, text, tracking, rtl)[0])
        return Line(text=text, x=x, y=y, font=font, fill=fill, tracking=tracking, rtl=rtl)

    def _right(
        self,
        text: str,
        font: TextFace,
        y: float,
        fill: tuple[int, int, int],
        tracking: float = 0.0,
        rtl: bool | None = None,
    ) -> Line:
        """Set a line flush right, so that neither its advance nor its ink passes the margin."""
        rtl = self._rtl(text) if rtl is None else rtl
        x = self.width - self.side - max(measure(font, text, tracking), ink_box(font, text, tracking, rtl)[2])
        return Line(text=text, x=x, y=y, font=font, fill=fill, tracking=tracking, rtl=rtl)

    def _start(
        self,
        text: str,
        font: TextFace,
        y: float,
        fill: tuple[int, int, int],
        tracking: float = 0.0,
        rtl: bool | None = None,
    ) -> Line:
        """Set a line at the side reading starts from: left, or right on a right-to-left post."""
        place = self._right if self.text.rtl else self._left
        return place(text, font, y, fill, tracking, rtl)

    def _end(
        self,
        text: str,
        font: TextFace,
        y: float,
        fill: tuple[int, int, int],
        tracking: float = 0.0,
        rtl: bool | None = None,
    ) -> Line:
        """Set a line at the side reading ends at: right, or left on a right-to-left post."""
        place = self._left if self.text.rtl else self._right
        return place(text, font, y, fill, tracking, rtl)

    def _centred(self, text: str, font: Face, y: float, fill: tuple[int, int, int], tracking: float = 0.0) -> Line:
        x = (self.width - measure(font, text, tracking)) / 2
        return Line(text=text, x=x, y=y, font=font, fill=fill, tracking=tracking, rtl=self._rtl(text))

    def _bar(self, y: int, length: int, thickness: int, fill: tuple[int, int, int]) -> Rule:
        """Return a short accent bar at the side reading starts from."""
        x0 = self.width - self.side - length if self.text.rtl else self.side
        return Rule((x0, y, x0 + length, y + thickness), fill)

    @property
    def text_box(self) -> tuple[int, int]:
        """Return the width and height of the area text slides set their body in."""
        return self.line_width, self.text_bottom - self.text_top

    # -- cards -------------------------------------------------------------------------------

    def cover(self) -> CardPlan:
        """Plan the cover: the picture full-bleed, the date and title set large at the bottom."""
        c, s = self.colors, self.scale
        layout = self.cover_layout
        light_on_dark = layout in ("full-bleed", "split", "typographic")
        text_rgb = c["cover_text"] if light_on_dark else c["ink"]
        kicker_rgb = c["cover_kicker"] if light_on_dark else c["accent"]
        row_rgb = c["cover_text"] if light_on_dark else c["muted"]
        background = {"split": c["accent"], "framed": c["paper"], "typographic": c["scrim"]}.get(layout, (0, 0, 0))
        plan = CardPlan(kind="cover", size=self.size, margins=self._margins(), background=background)
        width = self.line_width
        types = self.theme["type"]
        short = self.height < self.width  # landscape: smaller title, fewer lines
        # Stack from the bottom up: the handle row, the title, the date, an accent bar. Over a
        # full-bleed picture the stack sits low, under the scrim; a typographic cover centres it.
        bottom = self.bottom
        frame_inset = round(40 * s)  # a typographic cover's frame; the handle row stays inside it
        if layout == "typographic":
            bottom = max(bottom, frame_inset + 2 + round(24 * self.vscale))
        row_y = self.height - bottom - self._height(self.label)
        gap = round((28 if short else 56) * s)
        above = round(58 * s) + self._height(self.kicker_font)
        # The height a title may take at most: between the handle row and the date line with its bar
        # (below the picture of a split or framed cover).
        ceiling = round(self.height * self.picture_share) + round(48 * s) if layout in ("split", "framed") else self.top
        room = row_y - gap - ceiling - above - (0 if short else round(30 * s))  # landscape has no bar
        try:
            title_font, title_lines = self._title(width, types, max_lines=2 if short else None, room=room)
        except LayoutError:
            if layout not in ("split", "framed"):
                raise
            self._another_arrangement(layout)
            return self.cover()
        title_lh = line_height(title_font, self.theme["cover"].get("title_leading", 0.88))
        title_height = (len(title_lines) - 1) * title_lh + self._height(title_font)
        title_top = row_y - gap - title_height
        if layout == "typographic":
            title_top = min(title_top, (self.height - title_height + above) // 2)
        picture_bottom = 0
        if layout in ("split", "framed"):
            # The picture takes the top of the card, the text block the rest.
            block = title_height + above + gap + self._height(self.label) + bottom + round(48 * s)
            picture_bottom = max(round(self.height * self.picture_share), self.height - block)
            title_top = max(title_top, picture_bottom + round(48 * s) + above)
        title_rtl = self._rtl(self.text.title)
        for k, text in enumerate(title_lines):
            plan.lines.append(self._start(text, title_font, title_top + k * title_lh, text_rgb, rtl=title_rtl))
        kicker_y = title_top - round(28 * s) - self._height(self.kicker_font)
        if self.text.kicker:
            tracking = self._tracking(self.text.kicker)
            kicker = self._fit_one_line(self.text.kicker, self.kicker_font, width, tracking)
            plan.lines.append(self._start(kicker, self.kicker_font, kicker_y, kicker_rgb, tracking))
        bar_y = kicker_y - round(30 * s)
        if not short:
            plan.rules.append(self._bar(bar_y, round(72 * s), max(2, round(6 * s)), kicker_rgb))
        if self.text.at_handle:
            handle = self._fit_one_line(self.text.at_handle, self.label, width * 0.6)
            plan.lines.append(self._start(handle, self.label, row_y, row_rgb))
        # The cue points the way the carousel moves: to the left on a right-to-left post.
        cue = self.text.tap_cue if self.story else self.text.swipe_cue
        if self.covered is None:  # a Reel plays by itself: nothing to tap or swipe
            plan.lines.append(self._end(cue, self.label, row_y, row_rgb, rtl=self.text.rtl))
        self._cover_picture(plan, layout, picture_bottom, bar_y, frame_inset)
        return plan

    def _another_arrangement(self, layout: str) -> None:
        """Arrange a split or framed cover whose title does not fit as a designer would, and say so.

        First the picture becomes a strip above the title, then the cover is set in type alone,
        where the title has the card's height.
        """
        if self.picture_share > _STRIP:
            self.picture_share = _STRIP
            self.notes.append(
                f"the title is too long for the {layout} cover's text block even at the theme's smallest title "
                "size, so the picture is a strip above it; shorten the title to show more of the picture"
            )
            return
        self.cover_layout = "typographic"
        self.notes[-1:] = [
            f"the title is too long for the {layout} cover even with the picture as a strip, so the cover "
            "is set in type alone"
            + ("" if self.shows_picture_after_cover else " and the post has no picture")
            + "; shorten the title to keep the picture on the cover"
        ]

    def _cover_picture(self, plan: CardPlan, layout: str, picture_bottom: int, bar_y: int, frame_inset: int) -> None:
        """Place the cover's picture for ``layout`` (or, on a cover of type alone, its frame)."""
        s, focus = self.scale, self.focus
        if layout == "full-bleed":
            # The heads go above the text, and inside the central 3:4 that the profile grid shows
            # (a story is not on the grid).
            share = 1.0 if self.story else min(1.0, 0.75 * self.height / self.width)
            text_top = min(line.box[1] for line in plan.lines) - round(24 * s)
            window = ((1 - share) / 2, 0.0, (1 + share) / 2, max(0.0, text_top / self.height))
            plan.picture = Picture(box=(0, 0, *self.size), focus=focus, keep=self.keep, window=window, fit=self.fit)
            plan.scrim_top = max(0, min(round(self.height * self.theme["cover"]["scrim_from"]), bar_y - round(220 * s)))
            if self.covered is not None:
                # A Reel's cover sets its text high, above the interface: the scrim darkens fully by the
                # text's top, not below it.
                plan.scrim_top = max(0, min(plan.scrim_top, round(text_top) - round(0.25 * self.height)))
                plan.scrim_ramp = (text_top - plan.scrim_top) / max(1, self.height - plan.scrim_top)
        elif layout == "split":
            plan.picture = Picture(box=(0, 0, self.width, picture_bottom), focus=focus, keep=self.keep, fit=self.fit)
        elif layout == "framed":
            inset = self.side
            plan.picture = Picture(
                box=(inset, self.top, self.width - inset, picture_bottom), focus=focus, keep=self.keep, fit=self.fit
            )
        else:
            inset = frame_inset
            for box in (
                (inset, inset, self.width - inset, inset + 2),
                (inset, self.height - inset - 2, self.width - inset, self.height - inset),
                (inset, inset, inset + 2, self.height - inset),
                (self.width - inset - 2, inset, self.width - inset, self.height - inset),
            ):
                plan.rules.append(Rule(box, self.colors["cover_kicker"]))

    @property
    def shows_picture_after_cover(self) -> bool:
        """Tell whether the text slides or the closing slide show the picture."""
        return bool(self.band) or self.text_background == "picture" or self.closing_layout in ("print", "picture")

    def _title(
        self, width: float, types: dict[str, Any], max_lines: int | None = None, room: float = 0
    ) -> tuple[Face, list[str]]:
        """Choose the largest title size whose lines fit the width, in at most title_max_lines and ``room`` px.

        When no size gives few enough lines, the smallest is kept if its lines still fit ``room``.
        """
        s = self.scale
        # A card wider than tall (landscape) scales its smallest title with its height, as its margins do.
        low, high = round(types["title_min"] * (self.vscale if self.short else s)), round(types["title_max"] * s)
        if max_lines is not None:
            high = max(low, round(high * 0.7))
        title = keep_phrases(self.text.title, self.text.lang)
        leading = self.theme["cover"].get("title_leading", 0.88)

        def lines_at(font: Face) -> list[str]:
            return [line.replace(WORD_JOINER, "") for line in wrap(title, font, width, self.text.lang)]

        def fits(font: Face, lines: list[str]) -> bool:
            return (len(lines) - 1) * line_height(font, leading) + self._height(font) <= room

        words = [unit for unit in chunks(title, self.text.lang) if not unit.isspace()]
        # A display title is set smaller before a word is hyphenated ("Watersnood-/ramp"); only when no
        # size within the range holds every word on a line is one broken.
        for whole_words in (True, False):
            for size in range(high, low - 1, -2):
                font = self._title_face(size)
                if whole_words and any(measure(font, word) > width for word in words):
                    continue
                lines = lines_at(font)
                if len(lines) <= (max_lines or types["title_max_lines"]) and fits(font, lines):
                    return font, lines
        font = self._title_face(low)
        lines = lines_at(font)
        if fits(font, lines):
            return font, lines
        # Set smaller than the theme allows, or in more lines than the cover has room for, a title
        # would run over the date line and off the card.
        msg = (
            f"the title is too long for the cover of a {self.width}x{self.height} post: at the theme's smallest "
            f"title size ({low} px) it takes {len(lines)} lines and {max_lines or types['title_max_lines']} fit; "
            "shorten the title"
        )
        raise LayoutError(msg)

    def _title_face(self, size: int) -> Face:
        # Lining figures: Playfair's default old-style figures look wrong in a date or a title.
        return face(self.title_chain, size, ("lnum",))

    def _text_colors(self) -> tuple[tuple[int, int, int], ...]:
        """Return (text, running head, footer, rule) colours for text and closing slides."""
        c = self.colors
        if self.text_background in ("picture", "accent"):
            return c["cover_text"], c["cover_kicker"], c["cover_text"], c["cover_text"]
        return c["ink"], c["accent"], c["muted"], c["rule"]

    def _background(self, plan: CardPlan, layout: str) -> None:
        """Give a text or closing slide its picture or accent background."""
        if layout == "picture":
            plan.picture = Picture(
                box=(0, 0, *self.size), focus=self.focus, blur=round(self.theme["text"].get("blur", 12) * self.scale)
            )
            plan.scrim_top, plan.scrim_ramp = 0, 0.0
        elif layout == "accent":
            plan.background = self.colors["accent"]

    def _indicator(
        self, plan: CardPlan, number: int, total: int, y: int, fill: tuple[int, int, int], current: tuple[int, int, int]
    ) -> None:
        """Draw the slide's position: "2/8", or a row of short bars with the current one long."""
        if self.indicator == "counter":
            plan.lines.append(self._end(f"{number}/{total}", self.label, y, fill, rtl=False))
        elif self.indicator == "dots":
            s = self.scale
            short, long, gap, height = round(10 * s), round(30 * s), round(8 * s), max(2, round(5 * s))
            width = (total - 1) * short + long + (total - 1) * gap
            x = self.side if self.text.rtl else self.width - self.side - width
            middle = y + self._height(self.label) // 2
            # On a right-to-left post the first slide's bar is the rightmost.
            for k in range(total, 0, -1) if self.text.rtl else range(1, total + 1):
                length = long if k == number else short
                plan.rules.append(
                    Rule(
                        (x, middle - height // 2, x + length, middle - height // 2 + height),
                        current if k == number else fill,
                    )
                )
                x += length + gap

    def text_slide(self, slide: Slide, slicing: Slicing, chains: TextChains, number: int, total: int) -> CardPlan:
        """Plan a text slide: the band, the running head, the slide's lines, handle and counter."""
        c, s = self.colors, self.scale
        plan = CardPlan(kind="text", size=self.size, margins=self._margins(), background=c["paper"])
        text_rgb, head_rgb, foot_rgb, rule_rgb = self._text_colors()
        self._background(plan, self.text_background)
        if self.band:
            plan.picture = Picture(box=(0, 0, self.width, self.band), focus=self.band_focus, keep=self.keep)
            plan.rules.append(Rule((0, self.band, self.width, self.band + max(2, round(6 * s))), c["accent"]))
        width = self.line_width
        title = upper(self.text.title, self.text.lang)
        head = self.text.kicker or title
        tracking = self._tracking(f"{head} {title}")
        if self.text.kicker and measure(self.kicker_font, f"{head} \u00b7 {title}", tracking) <= width:
            head = f"{head} \u00b7 {title}"
        tracking = self._tracking(head)
        head = self._fit_one_line(head, self.kicker_font, width, tracking)
        if not self.short:
            plan.lines.append(self._start(head, self.kicker_font, self.head_y, head_rgb, tracking))
        body = styled_face(chains.body, chains.italic, chains.bold, slicing.size)
        heading = face(chains.heading, slicing.size)
        y = self.text_top
        for k, block in enumerate(slide.blocks):
            if k:
                y += slicing.paragraph_gap
            font = heading if block.heading else body
            rtl = self._rtl(block.text)
            place = self._right if rtl else self._left
            for text in block.lines:
                plan.lines.append(place(text, font, y, text_rgb, rtl=rtl))
                y += slicing.line_height
        rule_y = self.rule_y
        plan.rules.append(Rule((self.side, rule_y, self.width - self.side, rule_y + max(1, round(2 * s))), rule_rgb))
        row_y = self.footer_y
        if self.text.at_handle:
            handle = self._fit_one_line(self.text.at_handle, self.label, width * 0.6)
            plan.lines.append(self._start(handle, self.label, row_y, foot_rgb))
        self._indicator(plan, number, total, row_y, foot_rgb, head_rgb)
        return plan

    def closing(self, picture_size: tuple[int, int] | None) -> CardPlan:
        """Plan the closing slide: the illustration framed like a print, its credit, the handle."""
        c, s = self.colors, self.scale
        plan = CardPlan(kind="closing", size=self.size, margins=self._margins(), background=c["paper"])
        layout = self.closing_layout
        self._background(plan, layout)
        if layout == "print":
            colors = (c["ink"], c["accent"], c["muted"])
        else:
            colors = (c["cover_text"], c["cover_kicker"], c["cover_text"])
        stack = self._closing_stack(picture_size if layout == "print" and self.height >= self.width else None)
        room = self.height - self.top - self.bottom
        self._fit_stack(stack, room)
        others = sum(self._part_height(stack, k, p) + round(_CLOSING_GAPS[k] * s) for k, p in stack.parts)
        print_box = (0, 0)
        if picture_size is not None and any(kind == "print" for kind, _ in stack.parts):
            print_box = self._print_size(picture_size, room - others)
            others += print_box[1]
        y = self.top + max(0, (room - others) // 2)
        for kind, payload in stack.parts:
            self._place_part(plan, stack, kind, payload, y, print_box, colors)
            y += self._part_height(stack, kind, payload, print_box[1]) + round(_CLOSING_GAPS[kind] * s)
        return plan

    def _closing_stack(self, print_size: tuple[int, int] | None) -> _Stack:
        """Return the closing slide's parts, top to bottom, and the faces they are set in."""
        s, width = self.scale, self.line_width
        parts: list[tuple[str, Any]] = []  # (kind, payload): the kind tells the payload's type
        if self.text.credit:  # "Pictured" over no credit (a print alone, or no picture at all) says nothing
            parts.append(("kicker", upper(self.text.credit_heading, self.text.lang)))
        if print_size:
            parts.append(("print", print_size))
        credit_font: Face | None = None
        if self.text.credit:
            credit_lines: list[str] = []
            for size in range(round(34 * s), round(24 * s) - 1, -2):
                credit_font = face(self.credit_chain, size)
                credit_lines = wrap(self.text.credit, credit_font, width, self.text.lang)
                if len(credit_lines) <= 4:
                    break
            parts.append(("credit", credit_lines))
        # Playfair's "@" is a light italic form that jars at this size: the handle goes bare.
        sign = self.text.handle or self.text.title
        sign_font = self._title_face(round(56 * s))
        while measure(sign_font, sign) > width and sign_font.size > 24:
            sign_font = self._title_face(sign_font.size - 4)
        parts += [
            ("rule", None),
            ("sign", wrap(sign, sign_font, width, self.text.lang)),
            ("follow", self.text.follow_line),
        ]
        credit_lh = line_height(credit_font, 1.3) if credit_font else 0
        return _Stack(parts, credit_font, sign_font, credit_lh, line_height(sign_font, 1.1))

    def _part_height(self, stack: _Stack, kind: str, payload: Any, print_h: int = 0) -> int:
        if kind == "kicker":
            return self._height(self.kicker_font)
        if kind == "print":
            return print_h
        if kind == "credit":
            assert stack.credit_font is not None  # set with the credit's lines
            return int((len(payload) - 1) * stack.credit_lh + self._height(stack.credit_font))
        if kind == "rule":
            return max(2, round(4 * self.scale))
        if kind == "sign":
            return int((len(payload) - 1) * stack.sign_lh + self._height(stack.sign_font))
        if not payload:
            return 0
        # A fallback face's descenders (Arabic, Devanagari) can reach below the label's own descent.
        ink_bottom = ink_box(self.label, payload, 0.0, self._rtl(payload))[3]
        return max(self._height(self.label), math.ceil(ink_bottom))

    def _fit_stack(self, stack: _Stack, room: int) -> None:
        """Drop the least needed parts, then credit lines, until the parts but the print fit ``room``."""

        def total() -> int:
            return sum(
                self._part_height(stack, k, p) + round(_CLOSING_GAPS[k] * self.scale)
                for k, p in stack.parts
                if k != "print"
            )

        for optional in ("follow", "kicker", "rule"):
            if total() <= room:
                break
            stack.parts = [(k, p) for k, p in stack.parts if k != optional]
        while any(k == "credit" and len(p) > 1 for k, p in stack.parts) and total() > room:
            font = stack.credit_font
            assert font is not None
            stack.parts = [
                (k, p[:-2] + [self._fit_one_line(p[-2] + "\u2026", font, self.line_width)] if k == "credit" else p)
                for k, p in stack.parts
            ]

    def _print_size(self, picture_size: tuple[int, int], available: int) -> tuple[int, int]:
        """Return the framed print's size: the theme's share of the width, as tall as the picture and room allow."""
        s = self.scale
        max_w = round(self.width * self.theme["closing"]["print_width"])
        frame = round(24 * s)
        pw, ph = picture_size
        inner_w = max_w - 2 * frame
        # max(1, ...): a 30000x10 panorama still gets a print one pixel high, not zero.
        inner_h = max(1, min(round(inner_w * ph / pw), max(available - 2 * frame, round(120 * s))))
        inner_w = max(1, min(inner_w, round(inner_h * pw / ph)))
        return inner_w + 2 * frame, inner_h + 2 * frame

    def _place_part(
        self,
        plan: CardPlan,
        stack: _Stack,
        kind: str,
        payload: Any,
        y: int,
        print_box: tuple[int, int],
        colors: tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]],
    ) -> None:
        """Put one part of the closing slide's stack on the plan at ``y``."""
        s = self.scale
        text_rgb, head_rgb, foot_rgb = colors
        if kind == "kicker":
            plan.lines.append(self._centred(payload, self.kicker_font, y, head_rgb, self._tracking(payload)))
        elif kind == "print":
            x0 = (self.width - print_box[0]) // 2
            plan.picture = Picture(
                box=(x0, y, x0 + print_box[0], y + print_box[1]),
                fit="exact",
                frame=max(1, round(2 * s)),
                mat=round(24 * s) - max(1, round(2 * s)),
            )
        elif kind == "credit":
            assert stack.credit_font is not None
            for k, text in enumerate(payload):
                plan.lines.append(self._centred(text, stack.credit_font, y + k * stack.credit_lh, foot_rgb))
        elif kind == "rule":
            half = round(36 * s)
            rule_h = self._part_height(stack, "rule", None)
            plan.rules.append(Rule((self.width // 2 - half, y, self.width // 2 + half, y + rule_h), head_rgb))
        elif kind == "sign":
            for k, text in enumerate(payload):
                plan.lines.append(self._centred(text, stack.sign_font, y + k * stack.sign_lh, text_rgb))
        elif kind == "follow" and payload:
            plan.lines.append(
                self._centred(self._fit_one_line(payload, self.label, self.line_width), self.label, y, foot_rgb)
            )


# The space under each part of the closing slide's stack, in px at 1080 wide.
_CLOSING_GAPS = {"kicker": 28, "print": 40, "credit": 48, "rule": 40, "sign": 24, "follow": 0}


@dataclass
class _Stack:
    """The closing slide's parts, top to bottom, and the faces they are set in."""

    parts: list[tuple[str, Any]]
    credit_font: Face | None
    sign_font: Face
    credit_lh: int
    sign_lh: int


def plan_post(
    design: Design, slicing: Slicing, chains: TextChains, picture_size: tuple[int, int] | None
) -> list[CardPlan]:
    """Plan every card of the post in order: cover, text slides, closing slide."""
    total = len(slicing.slides) + 2
    plans = [design.cover()]
    plans += [design.text_slide(slide, slicing, chains, k + 2, total) for k, slide in enumerate(slicing.slides)]
    plans.append(design.closing(picture_size))
    return plans


@dataclass(frozen=True)
class TextChains:
    """The font chains body text is set in."""

    body: tuple[FontFile, ...]
    heading: tuple[FontFile, ...]
    italic: tuple[FontFile, ...]
    bold: tuple[FontFile, ...]


def text_chains(theme: Theme) -> TextChains:
    """Return the theme's font chains for body text and headings."""
    body = theme.font_paths("body")
    optional = theme["fonts"]
    return TextChains(
        body=body,
        heading=theme.font_paths("heading"),
        italic=theme.font_paths("italic") if "italic" in optional else body,
        bold=theme.font_paths("bold") if "bold" in optional else body,
    )


def text_style(theme: Theme, chains: TextChains, size: tuple[int, int]) -> TextStyle:
    """Return how body text is set on cards of ``size``: the theme's chains and its type scale."""
    types = theme["type"]
    scale = size[0] / 1080
    return TextStyle(
        body_fonts=chains.body,
        heading_fonts=chains.heading,
        min_size=round(types["body_min"] * scale),
        max_size=round(types["body_max"] * scale),
        line_factor=types["line_height"],
        gap_factor=types["paragraph_gap"],
        italic_fonts=chains.italic,
        bold_fonts=chains.bold,
    )
