"""Scraping rules as data: generic selectors and phrases, plus per-site selector sets.

Everything the extractor "knows" about how news sites mark up their pages lives here, so a
new partner quirk is a data change, not a code change (miniflux's ``scraper/rules.go``,
trafilatura's ``xpaths.py``). The code in the other modules of this package only reads
these names.

`ScrapeRules` (per-partner CSS selectors from config.toml) is defined in ``model.py`` and
re-exported here; :data:`SITE_RULES` holds ready-made rule sets for sites we have seen.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..model import ScrapeRules

__all__ = [
    "AGENCIES",
    "ARTICLE_BODY_SELECTORS",
    "BOILERPLATE_SELECTORS",
    "BYLINE_PREFIX_RE",
    "BYLINE_SELECTORS",
    "CAPTION_CLASSES",
    "CREDIT_CLASSES",
    "CREDIT_PREFIX_RE",
    "DATE_SELECTORS",
    "DISCLAIMER_RE",
    "FOLLOW_MAX_WORDS",
    "FOLLOW_RE",
    "HOME_CRUMBS",
    "JUNK_CLASS_SUBSTRINGS",
    "JUNK_CLASS_TOKENS",
    "META_CLASS_TOKENS",
    "NOT_CATEGORIES",
    "PLACEHOLDER_ALT_RE",
    "READ_ALSO_RE",
    "SITE_RULES",
    "SITE_SUFFIX_SEPARATORS",
    "STANDALONE_JUNK",
    "ScrapeRules",
    "rules_for_url",
]

# --- boilerplate --------------------------------------------------------------------------

# Removed before anything is extracted. Tags first, then structural roles.
BOILERPLATE_SELECTORS: tuple[str, ...] = (
    "script",
    "style",
    "template",
    "iframe",
    "object",
    "embed",
    "form",
    "button",
    "input",
    "select",
    "textarea",
    "svg",
    "canvas",
    "nav",
    "marquee",
    "[role=navigation]",
    "[role=banner]",
    "[role=contentinfo]",
    "[role=complementary]",
    "[aria-hidden=true]",
    "[hidden]",
    "body > header",
    "body > footer",
    "footer",
    "aside",
    "blockquote.twitter-tweet",
    "blockquote.instagram-media",
    "ins.adsbygoogle",
    "[id^=div-gpt-ad]",
)

# A class or id containing one of these (lower-cased) marks page chrome.
JUNK_CLASS_SUBSTRINGS: tuple[str, ...] = (
    "share",
    "social",
    "related",
    "comment",
    "disqus",
    "newsletter",
    "subscribe",
    "ticker",
    "breakingnews",
    "breaking-news",
    "breaking_news",
    "mostread",
    "most-read",
    "most_read",
    "mostpopular",
    "most-popular",
    "popular",
    "trending",
    "readmore",
    "read-more",
    "read-also",
    "readalso",
    "sr-only",
    "visually-hidden",
    "visuallyhidden",
    "screen-reader",
    "sidebar",
    "navbar",
    "menu",
    "footer",
    "advert",
    "sponsor",
    "promo",
    "cookie",
    "gpt-ad",
    "dfp",
    "outbrain",
    "taboola",
    "clipboard",
    "getshorturl",
    "weather",
    "tags",
    "pagination",
    "author-box",
    "widget",
    "breadcrumb",
    "breadcumb",
    "similar",
    "recommended",
    "more-stories",
    "morestories",
    "inject",
    "player",
    "video-card",
    "video-item",
    "jp-relatedposts",
)

# Short class/id tokens (split on "-", "_", " ") that mark chrome only as a whole token,
# because as substrings they hit innocent names ("ad" in "head", "nav" in "unavailable").
JUNK_CLASS_TOKENS: frozenset[str] = frozenset(
    {
        "ad",
        "ads",
        "adv",
        "adslot",
        "banner",
        "nav",
        "tools",
        "toolbar",
        "print",
        "prev",
        "next",
        "previous",
        "pager",
        "hide",
        "hidden",
        "d-none",
        "invisible",
    }
)

# Hidden galleries (lbcgroup's PhotoSwipe "d-none") hold real images; they are read by
# the image finder before boilerplate removal and never count as body text.

# Phrases that head a "read also" / related / most-read block, or make up one inline.
READ_ALSO_RE = re.compile(
    r"^\s*[«\"(]?\s*(?:"
    r"اقرأ\s+(?:أ|ا)يض(?:ا|اً|ًا|اَ)?|اقرأ\s+المزيد|إقرأ\s+(?:أ|ا)يض(?:ا|اً|ًا)?|"
    r"(?:أ|ا)قرأ\s+(?:أ|ا)يض(?:ا|اً|ًا)?|طالع\s+(?:أ|ا)يض(?:ا|اً|ًا)?|"
    r"(?:أخبار|اخبار|مواضيع|مقالات)\s+ذات\s+صلة|ذات\s+صلة|"
    r"(?:ال)?(?:موضوعات|مواضيع|أخبار|اخبار|مقالات)\s+(?:ال)?متعلقة|"
    r"ال(?:أ|ا)كثر\s+(?:قراءة|مشاهدة|تداولا)|اخترنا\s+لك(?:م)?|قد\s+يهمك|"
    r"شاهد\s+(?:أ|ا)يض(?:ا|اً|ًا)?|"
    r"read\s+(?:also|more)|related(?:\s+(?:articles|stories|news))?|most\s+read|"
    r"more\s+on\s+this\s+story"
    r")\s*[:：\-–.»\")]*\s*",
    re.IGNORECASE,
)

# A short line that starts like this asks the reader to follow/subscribe: chrome.
FOLLOW_RE = re.compile(
    r"^\s*(?:تابعوا|تابعونا|تابعنا|اشترك|اشتركوا|للاشتراك|حمل(?:وا)?\s+تطبيق|"
    r"follow\s+us|subscribe|sign\s+up)\b",
    re.IGNORECASE,
)
FOLLOW_MAX_WORDS = 14

# Class/id tokens of the article's meta lines (byline, date, source) inside the body
# container: read by the field finders, never body text.
META_CLASS_TOKENS: frozenset[str] = frozenset(
    {
        "metadata",
        "meta",
        "byline",
        "dateline",
        "author",
        "writeby",
        "date",
        "time",
        "timestamp",
        "publish",
        "published",
        "source",
        "tags",
        "tag",
        "keywords",
    }
)

# Disclaimers and comment policies printed under the story: never content.
DISCLAIMER_RE = re.compile(
    r"لا\s+(?:تعبر|تعبّر)\s+عن\s+(?:رأي|وجهة\s+نظر)|مراجعة\s+التعليقات|سياسة\s+التعليقات|"
    r"(?:opinions|views)\s+expressed\s+(?:here|below|in\s+the\s+comments)",
    re.IGNORECASE,
)

# Section names that are CMS placeholders, not categories.
NOT_CATEGORIES: frozenset[str] = frozenset(
    {"featured", "uncategorized", "غير مصنف", "general", "default", "article", "news", "أخبار"}
)

# Whole blocks of text that are widget labels, never content.
STANDALONE_JUNK: frozenset[str] = frozenset(
    {
        "تم نسخ الرابط",
        "نسخ الرابط",
        "انسخ الرابط",
        "رابط مختصر",
        "شارك",
        "شارك الخبر",
        "شارك المقال",
        "مشاركة",
        "تابعنا",
        "تابعونا",
        "تابعنا على",
        "طباعة",
        "إعلان",
        "اعلان",
        "إعلانات",
        "تعليقات",
        "أضف تعليق",
        "إضافة تعليق جديد",
        "جميع الحقوق محفوظة",
        "المزيد",
        "التالي",
        "السابق",
        "المقال التالي",
        "المقال السابق",
        "الخبر التالي",
        "الخبر السابق",
        "next",
        "previous",
        "advertisement",
        "share",
        "share this article",
        "copy link",
        "link copied",
    }
)

# --- body ----------------------------------------------------------------------------------

# Known article-body containers, tried before text-density scoring (first match with
# enough text wins).
ARTICLE_BODY_SELECTORS: tuple[str, ...] = (
    "[itemprop=articleBody]",
    "#articleBody",
    ".article-body",
    ".article__body",
    ".articleBody",
    ".story-body",
    ".entry-content",
    ".post-content",
    ".content-inner",
    ".field-name-body",
    ".LongDesc",
    ".main_article_body",
    ".b-article__text",
)

# --- images ----------------------------------------------------------------------------------

CAPTION_CLASSES: tuple[str, ...] = (
    "img-caption",
    "image-caption",
    "caption",
    "wp-caption-text",
    "pswp__caption",
    "photo-caption",
    "figure-caption",
    "media-caption",
    "caption-text",
    "desc",
)
CREDIT_CLASSES: tuple[str, ...] = (
    "credit",
    "image-credit",
    "photo-credit",
    "copyright",
    "img-credit",
    "b-article__header-copy",
    "source",
)

# "الصورة: " and friends: a label with nothing after it is not a caption.
PLACEHOLDER_ALT_RE = re.compile(
    r"^\s*(?:الصورة|صورة|صور|image|photo|picture|img|thumbnail|placeholder)?\s*[:：\-]?\s*$",
    re.IGNORECASE,
)

# News and photo agencies; a caption ending with one of these ends with its credit.
AGENCIES: tuple[str, ...] = (
    "رويترز",
    "أ ف ب",
    "أ.ف.ب",
    "ا ف ب",
    "فرانس برس",
    "فرانس برس",
    "وكالة فرانس برس",
    "الأناضول",
    "أسوشيتد برس",
    "أ ب",
    "إ ب أ",
    "د ب أ",
    "غيتي",
    "جيتي",
    "AFP",
    "Reuters",
    "REUTERS",
    "AP",
    "Associated Press",
    "EPA",
    "Getty",
    "Getty Images",
    "Anadolu",
    "Shutterstock",
)

# A credit introduced by a label: "تصوير: x", "المصدر: x", "© x", "Photo: x".
CREDIT_PREFIX_RE = re.compile(
    r"(?:تصوير|عدسة|المصدر|مصدر الصورة|الصورة|حقوق الصورة|Photograph|Photo|Picture|Image|"
    r"Credit|Source|Courtesy)\s*[:：]\s*|©\s*|\(c\)\s*",
    re.IGNORECASE,
)

# --- metadata ------------------------------------------------------------------------------

BYLINE_SELECTORS: tuple[str, ...] = (
    "[rel=author]",
    "[itemprop=author] [itemprop=name]",
    "[itemprop=author]",
    ".writeBy",
    ".byline",
    ".author-name",
    ".post-meta-author",
    ".jeg_meta_author",
    ".article-author",
    ".author",
)
BYLINE_PREFIX_RE = re.compile(
    r"^\s*(?:كتب(?:ت|ه|ها)?|بقلم|حوار|تقرير|إعداد|اعداد|متابعة|ترجمة|By)\s*[:：\-–]?\s+",
    re.IGNORECASE,
)

DATE_SELECTORS: tuple[str, ...] = (
    "[itemprop=datePublished]",
    ".newsStoryDate",
    ".post-meta-date",
    ".article_created",
    ".jeg_meta_date",
    ".tie-date",
    ".date",
    ".time",
    ".published",
    ".post-date",
    ".entry-date",
    ".article-date",
    ".story-date",
    "[class*=date]",
    "[class*=Date]",
    "time",
)

HOME_CRUMBS: frozenset[str] = frozenset(
    {"الرئيسية", "الصفحة الرئيسية", "الرئيسيه", "home", "homepage", "accueil", "خانه"}
)

# Separators between a headline and the site name in <title>/og:title.
SITE_SUFFIX_SEPARATORS: tuple[str, ...] = (" - ", " | ", " – ", " — ", " :: ", " « ", " » ")

# --- per-site rule sets ---------------------------------------------------------------------

# Selector sets for sites seen in the corpus. The generic chain handles all of them; these
# exist for partners whose config.toml wants to pin the known-good selectors.
SITE_RULES: dict[str, ScrapeRules] = {
    "youm7.com": ScrapeRules(
        title="div.articleHeader h1, h1",
        body="#articleBody",
        author="span.writeBy",
        published="span.newsStoryDate",
        drop=("div.ticker", ".NEwShare_Icons", ".share_icons"),
    ),
    "akhbarelyom.com": ScrapeRules(
        title="h1.entry-title",
        body="div.entry-content",
        images=".entry-media img",
        caption="figcaption.img-caption",
        author=".post-meta-author a",
        published="div.post-meta-date",
    ),
    "almadenahnews.com": ScrapeRules(
        title=".main_artlce_title h1",
        body="div.main_article_body",
        images="div.article_image img",
        caption="div.red",
        published="div.article_created",
    ),
    "lbcgroup.tv": ScrapeRules(
        title="h1",
        body="div.LongDesc",
        caption=".pswp__caption",
        published="[id$=_lblDate]",
    ),
    "arabic.sputniknews.com": ScrapeRules(
        title=".b-article__header-title h1",
        body="div.b-article__text",
        credit="div.b-article__header-copy",
        drop=("ul.b-breakingnews-double__list",),
    ),
}


def rules_for_url(url: str) -> ScrapeRules | None:
    """The :data:`SITE_RULES` entry for *url*'s host (``www.`` ignored), if any."""
    host = (urlsplit(url).hostname or "").lower()
    while host:
        rules = SITE_RULES.get(host.removeprefix("www."))
        if rules is not None:
            return rules
        _, _, host = host.partition(".")
    return None
