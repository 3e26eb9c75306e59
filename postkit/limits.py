"""Instagram's limits for feed carousels, each beside its source (see docs in instagram.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Slides per carousel in the app: 20 since Aug 2024.
# Source: "Instagram Expands Carousel Post Limit to 20 Photos and Videos"
# (theentrepreneurstory.com/?p=12080, 2024-08-09).
MAX_SLIDES_APP = 20

# Slides per carousel through the Graph API (and so most schedulers): "up to 10 container IDs".
# Source: Meta "IG User Media" reference,
# developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media ;
# Meta "Content Publishing", developers.facebook.com/docs/instagram-platform/content-publishing
MAX_SLIDES_API = 10

# A carousel has at least two items. Source: Meta "IG User Media" (children: 2-10 containers).
MIN_SLIDES = 2

# The card shapes postkit makes, in px: the feed's 4:5, 1:1 and 1.91:1 (Instagram accepts 4:5 to
# 1.91:1 at 1080 wide) and the Stories shape 9:16, for sharing slides there.
FORMATS = {"portrait": (1080, 1350), "square": (1080, 1080), "landscape": (1080, 566), "story": (1080, 1920)}

# Caption: "Maximum 2200 characters, 30 hashtags, and 20 @ tags".
# Source: Meta "IG User Media" reference (caption parameter).
CAPTION_MAX_CHARS = 2200
HASHTAGS_MAX = 30
MENTIONS_MAX = 20

# The app is capping hashtags at 5 per post (Adam Mosseri, 19 Dec 2025).
# Source: "An era is ending on Instagram: hashtag limit imposed" (en.shiftdelete.net);
# "Instagram implements new limits on hashtag use" (recentmedianews.com);
# ayrshare.com/docs/apis/post/social-networks/instagram ("up to 5 hashtags").
HASHTAGS_RECOMMENDED = 5

# Only about the first 125 characters show before "more".
# Source: Instagram Help "Why doesn't my entire caption display in feed?"
# (help.instagram.com/1643471055915254).
CAPTION_VISIBLE_CHARS = 125

# alt_text: "up to 1000 character, for an image".
# Source: Meta "IG User Media" reference (alt_text query parameter, since 2025-03-24);
# Later Help "Schedule Posts With Alt Text" (help.later.com/hc/en-us/articles/4403505955991).
ALT_TEXT_MAX = 1000

# Image file size: error 2207004 "should be less than 8 MiB".
# Source: Meta "IG User Media" → Image Specifications; Meta "Error Codes"
# (developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes).
IMAGE_MAX_BYTES = 8 * 1024 * 1024

# Image width 320-1440 px (scaled up or down outside that range).
# Source: Meta "IG User Media" → Image Specifications.
WIDTH_MIN = 320
WIDTH_MAX = 1440

# Aspect ratio (width / height) "must be within a 4:5 to 1.91:1 range".
# Source: Meta "IG User Media" → Image Specifications;
# docs.getlate.dev/resources/media-guidelines/instagram ;
# ayrshare.com/docs/media-guidelines/instagram
ASPECT_MIN = 4 / 5
ASPECT_MAX = 1.91

# Hashtag: '#' + word characters, not glued to a preceding word or an HTML entity ("&#39;").
_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")
# Mention: '@' + a username (letters, digits, '.', '_'; at most 30), not glued to a preceding
# word, so e-mail addresses do not count.
_MENTION = re.compile(r"(?<!\w)@([A-Za-z0-9._]{1,30})")


def caption_length(text: str) -> int:
    """Count ``text`` conservatively: the larger of code points and UTF-16 code units."""
    # Instagram does not document how it counts emoji; an emoji outside the BMP is one code
    # point but two UTF-16 units, so take the larger count (open question in instagram.md).
    return max(len(text), len(text.encode("utf-16-le", "surrogatepass")) // 2)


def hashtags_in(text: str) -> list[str]:
    """List the hashtags in ``text`` (without '#'), in order, repeats included."""
    return _HASHTAG.findall(text)


def mentions_in(text: str) -> list[str]:
    """List the @mentions in ``text`` (without '@'), in order, repeats included."""
    # A full stop right after a name ends the sentence: usernames cannot end with '.'.
    names = (name.rstrip(".") for name in _MENTION.findall(text))
    return [name for name in names if name]


# Stories are full-screen 9:16 (1080x1920); Meta "IG User Media" image specs for STORIES.
STORY_ASPECT = 9 / 16

# What Instagram draws over a story, where text is hidden or hard to read: the header (progress
# bars, the account's picture and name, the close button) over the top 250 px of 1080x1920, and the
# reply bar and reactions over the bottom 250-340 px (the larger kept). Guidance, not a Meta rule.
# Sources: "Instagram Story Dimensions: the 1080x1920 guide" (webbannerexperts.com, top and bottom
# 250 px); "Instagram Story & Reels Ads: where text is actually safe" (imagefactory.co.kr, 2026-06-12:
# top 250 px, bottom 340 px); the team's reference notes (networks.md, "Reels interface overlays").
STORY_HEIGHT = 1920
STORY_HEADER_PX = 250
STORY_REPLY_BAR_PX = 340


def story_covered(height: int) -> tuple[int, int]:
    """Return the rows (from the top, from the bottom) Instagram covers on a story ``height`` px tall."""
    return round(STORY_HEADER_PX * height / STORY_HEIGHT), round(STORY_REPLY_BAR_PX * height / STORY_HEIGHT)


# Other networks, for one post made from the same article (issue 13). Each figure with its source, as
# the team's notes (networks.md, checked 2026-11-29) give it; None where no source gives one.
@dataclass(frozen=True)
class NetworkLimits:
    """What one network accepts in a post: images, their bytes, alt text, and text as it counts it."""

    name: str
    images: int | None  # most images in one post
    min_images: int  # fewest in a carousel (1: a single image is a post)
    image_bytes: int | None  # most bytes per image
    alt_chars: int | None  # most characters of alt text per image
    alt_required: bool
    text: int  # most units of text per post, as ``counting`` counts
    counting: str  # one of COUNTINGS
    source: str
    alt_text: bool = True  # False: the network takes no alt text
    # Hashtags per post that the network's own guidance gives (None: no norm); see HASHTAG_NORMS.
    hashtags: int | None = None


# How networks count text: user-perceived characters (grapheme clusters); the same but an emoji as its
# UTF-8 bytes (Threads); UTF-16 code units (TikTok); X's weighted length (twitter-text: a URL is 23,
# most scripts' characters 1, CJK and emoji 2); code points.
COUNTINGS = ("graphemes", "threads", "utf16", "x", "chars")

# Hashtags per post (guidance, not a rule an API enforces). Threads takes "only one tag per post"
# (Adam Mosseri, 2023-12-08; macrumors.com/2023/12/08/threads-introduces-tags-or-hashtags/); X's Help
# Center recommends "no more than two" (quoted in socialk.it/en/blog/twitter-hashtag-strategy). For
# LinkedIn, Facebook and TikTok no source gives a number: postkit keeps Instagram's cap of 5 there
# (HASHTAGS_RECOMMENDED above). Bluesky and Mastodon give none either; their tags are for search and
# for following topics, so all the post's tags are kept.
HASHTAG_NORMS = {"threads": 1, "x": 2, "linkedin": HASHTAGS_RECOMMENDED, "facebook": HASHTAGS_RECOMMENDED,
                 "tiktok": HASHTAGS_RECOMMENDED}  # fmt: skip

NETWORKS = {
    # Threads "Posts" and "Create a Carousel Container": carousels of 2-20, 500 characters, "emojis are
    # counted as the number of UTF-8 bytes"; alt_text on images (no length given).
    "threads": NetworkLimits("Threads", 20, 2, None, None, False, 500, "threads",
                             "developers.facebook.com/docs/threads/posts", hashtags=HASHTAG_NORMS["threads"]),
    # Bluesky lexicon app.bsky.embed.images: 4 images, blob maxSize 1000000, alt required;
    # app.bsky.feed.post: 300 graphemes.
    "bluesky": NetworkLimits("Bluesky", 4, 1, 1_000_000, None, True, 300, "graphemes",
                             "github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/embed/images.json"),
    # Mastodon: 4 attachments and 500 characters by default (a server may allow more); descriptions up
    # to 1,500 characters (mastodon/mastodon issue 12268).
    "mastodon": NetworkLimits("Mastodon", 4, 1, None, 1500, False, 500, "chars",
                              "github.com/mastodon/mastodon/issues/12268"),
    # X: 4 images of at most 5 MB, alt text up to 1,000 (v2 media metadata), 280 weighted characters.
    "x": NetworkLimits("X", 4, 1, 5 * 1024 * 1024, 1000, False, 280, "x",
                       "developer.x.com/en/docs/counting-characters", hashtags=HASHTAG_NORMS["x"]),
    # LinkedIn MultiImage API: 2-20 images of at most 5 MB; 3,000 characters.
    "linkedin": NetworkLimits("LinkedIn", 20, 2, 5 * 1024 * 1024, None, False, 3000, "chars",
                              "learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/multiimage-post-api",
                              hashtags=HASHTAG_NORMS["linkedin"]),
    # Facebook Pages: photos under 10 MB (under 4 MB recommended); about 63,206 characters.
    "facebook": NetworkLimits("Facebook Page", None, 1, 10 * 1024 * 1024, None, False, 63206, "chars",
                              "developers.facebook.com/docs/graph-api/photo-uploads",
                              hashtags=HASHTAG_NORMS["facebook"]),
    # TikTok photo mode: up to 35 images of at most 20 MB; description 4,000 UTF-16 units (title 90); no
    # alt text.
    "tiktok": NetworkLimits("TikTok", 35, 1, 20 * 1024 * 1024, None, False, 4000, "utf16",
                            "developers.tiktok.com/doc/content-posting-api-reference-photo-post",
                            alt_text=False, hashtags=HASHTAG_NORMS["tiktok"]),
}  # fmt: skip

# TikTok photo mode: a title of at most 90 UTF-16 units; images "1080p" at most, 1080x1920 preferred.
# Source: developers.tiktok.com/doc/content-posting-api-reference-photo-post (title, photo_images).
TIKTOK_TITLE_MAX = 90
TIKTOK_MAX_SIZE = (1080, 1920)

# LinkedIn documents (the "document carousel"): PDF of at most 100 MB and 300 pages.
# Source: learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/documents-api
LINKEDIN_DOCUMENT_MAX_BYTES = 100 * 1024 * 1024
LINKEDIN_DOCUMENT_MAX_PAGES = 300

# Reels (issue 14): what Instagram takes, from the team's notes (networks.md, "Instagram Reels"), which cite
# Meta "IG User Media" (developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media,
# Reels specifications): MP4 or MOV, H.264 or HEVC, 23-60 fps, 1080x1920, 3 s to 15 minutes. postkit writes
# the most widely played of each: MP4, H.264 in yuv420p (4:2:0, the only chroma players all decode), 30 fps,
# with the index at the front (faststart) so that playback starts before the whole file is fetched.
REEL_SIZE = (1080, 1920)
REEL_FPS = 30
REEL_FPS_RANGE = (23, 60)
REEL_MIN_SECONDS = 3.0
REEL_MAX_SECONDS = 15 * 60.0
REEL_CODEC = "h264"
REEL_PIXEL_FORMAT = "yuv420p"

# What the Reels interface draws over the video: the header over the top ~14%, the caption, the audio
# line and the buttons over the bottom ~35%, and ~6% at each side. Guidance, not a Meta rule. Sources:
# the team's notes (networks.md, "Reels interface overlays", the commonly quoted safe zone for 1080x1920).
REEL_TOP_SHARE = 0.14
REEL_BOTTOM_SHARE = 0.35
REEL_SIDE_SHARE = 0.06


def reel_covered(size: tuple[int, int] = REEL_SIZE) -> tuple[int, int, int]:
    """Return the rows (top, bottom) and the columns at each side, in px, the Reels interface covers."""
    width, height = size
    return round(REEL_TOP_SHARE * height), round(REEL_BOTTOM_SHARE * height), round(REEL_SIDE_SHARE * width)
