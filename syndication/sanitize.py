"""The HTML allowlist: the last transform every body HTML goes through (the only nh3 user).

Partners' HTML is hostile until it has passed :func:`sanitize_html`. It keeps the story
markup we republish (paragraphs, subheadings, quotes, lists, tables, links and
``<figure><img><figcaption>``) and nothing else:

* tags: p h2 h3 h4 blockquote figure figcaption img a ul ol li strong em b i br span
  table thead tbody tr th td small sub sup; any other tag is unwrapped (text kept),
  except script style iframe object embed form noscript template svg math (and a few
  relatives) whose content goes too;
* attributes: a[href title], img[src alt width height], td/th[colspan rowspan],
  span[class="credit"] only; no ``on*``, no ``style``, no ids;
* URLs: http/https (and mailto for links); relative URLs are resolved against
  *base_url* when one is given; every link gets ``rel="noopener noreferrer nofollow"``;
* images without a usable ``src`` and 1×1 / 0×0 tracking pixels are dropped;
* control characters other than ``\\n`` and ``\\t`` are removed; empty ``<p>`` are removed.

Why it runs last: any later rewrite could reintroduce what was removed (miniflux runs its
sanitizer last for the same reason).
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable
from typing import Literal
from urllib.parse import urljoin, urlsplit

import nh3

__all__ = ["html_to_text", "sanitize_html", "wrap_rtl"]

ALLOWED_TAGS = frozenset(
    {
        "p", "h2", "h3", "h4", "blockquote", "figure", "figcaption", "img", "a", "ul", "ol",
        "li", "strong", "em", "b", "i", "br", "span", "table", "thead", "tbody", "tr", "th",
        "td", "small", "sub", "sup",
    }
)  # fmt: skip
# Removed together with everything inside them.
CLEAN_CONTENT_TAGS = frozenset(
    {
        "script", "style", "iframe", "object", "embed", "form", "noscript", "template",
        "svg", "math", "applet", "frame", "frameset", "noembed", "noframes", "textarea",
        "select", "button", "title", "head", "xmp", "plaintext", "canvas", "audio", "video",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "span": {"class"},
}
LINK_REL = "noopener noreferrer nofollow"

_URL_ATTRS = {("a", "href"), ("img", "src")}
_DIMENSION_RE = re.compile(r"\s*(\d{1,5})(?:\.\d+)?\s*(?:px)?\s*")
_SPAN_RE = re.compile(r"\s*(\d{1,3})\s*")
# nh3 (html5ever) serializes attributes as name="value" with '"' escaped, so these are exact.
_IMG_RE = re.compile(r'<img((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*="[^"]*")*)\s*/?>')
_ATTR_RE = re.compile(r'\s+([a-zA-Z_:][-a-zA-Z0-9_:.]*)="([^"]*)"')
_EMPTY_P_RE = re.compile(r"<p>(?:\s|&nbsp;|\u00a0|<br\s*/?>)*</p>")
_EMPTY_FIGURE_RE = re.compile(r"<figure>\s*</figure>")
# Block tags outside the allowlist are unwrapped; a newline keeps their words apart
# ("<div>أ</div><div>ب</div>" must not become "أب").
_UNWRAPPED_BLOCK_RE = re.compile(
    r"<(?=/?(?:h1|h5|h6|div|section|article|header|footer|aside|main|nav|pre|dl|dt|dd|hr|"
    r"address|center|caption|tfoot|details|summary|picture|video|audio)\b)",
    re.IGNORECASE,
)
_BLOCK_TAG_RE = re.compile(
    r"<(?=/?(?:p|h[1-6]|blockquote|figure|figcaption|li|ul|ol|tr|td|th|table|thead|tbody|"
    r"br|div|section|article|header|footer|aside|dd|dt|dl|pre|hr)\b)",
    re.IGNORECASE,
)


# Controls (category Cc: U+0000–U+001F, U+007F–U+009F) but tab and newline, lone
# surrogates (Cs) and U+FFFE/U+FFFF; one regex pass, not a category lookup per character.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _drop_controls(s: str) -> str:
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", s)


def _is_web_url(url: str, *, allow_mailto: bool) -> bool:
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return False
    return scheme in ("http", "https") or (allow_mailto and scheme == "mailto")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if (tag, attr) in _URL_ATTRS:
        if not value.strip():
            return None
        # Relative URLs were already resolved (or left relative when there is no base);
        # anything with a scheme must be http(s), or mailto for a link.
        if urlsplit(value.strip()).scheme and not _is_web_url(value, allow_mailto=tag == "a"):
            return None
        return value.strip()
    if tag == "img" and attr in ("width", "height"):
        m = _DIMENSION_RE.fullmatch(value)
        return (m.group(1).lstrip("0") or "0") if m else None
    if attr in ("colspan", "rowspan"):
        m = _SPAN_RE.fullmatch(value)
        return m.group(1) if m and 0 < int(m.group(1)) <= 100 else None
    if tag == "span" and attr == "class":
        return "credit" if "credit" in value.split() else None
    return value


def _relative_rewriter(
    base_url: str | None,
) -> Callable[[str], str | None] | Literal["pass_through"]:
    if not base_url:
        return "pass_through"

    def rewrite(url: str) -> str | None:
        try:
            absolute = urljoin(base_url, url.strip())
        except ValueError:
            return None
        return absolute if _is_web_url(absolute, allow_mailto=False) else None

    return rewrite


def _keep_img(match: re.Match[str]) -> str:
    attrs = dict(_ATTR_RE.findall(match.group(1)))
    if not attrs.get("src", "").strip():
        return ""
    if attrs.get("width") in ("0", "1") or attrs.get("height") in ("0", "1"):
        return ""  # a tracking pixel
    return match.group(0)


def sanitize_html(html: str, base_url: str | None = None) -> str:
    """Allowlist-sanitize *html* (see the module docstring); never raises on content."""
    if not html:
        return ""
    cleaned = nh3.clean(
        _UNWRAPPED_BLOCK_RE.sub("\n<", _drop_controls(html)),
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel=LINK_REL,
        url_relative=_relative_rewriter(base_url),
        strip_comments=True,
    )
    cleaned = _IMG_RE.sub(_keep_img, cleaned)
    previous = None
    while previous != cleaned:  # a <p> may become empty once its empty child is gone
        previous = cleaned
        cleaned = _EMPTY_FIGURE_RE.sub("", _EMPTY_P_RE.sub("", cleaned))
    return cleaned.strip()


_LANG_RE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def wrap_rtl(html: str, lang: str = "ar") -> str:
    """``<div dir="rtl" lang="…">html</div>``; a malformed *lang* falls back to ``ar``."""
    if not _LANG_RE.fullmatch(lang):
        lang = "ar"
    return f'<div dir="rtl" lang="{lang}">{html}</div>'


def html_to_paragraphs(html: str) -> list[str]:
    """The text of *html* one paragraph per block (p, li, br, h2, …): no markup, entities
    decoded, whitespace collapsed to single spaces; empty blocks left out."""
    if not html:
        return []
    broken = _BLOCK_TAG_RE.sub("\n<", _drop_controls(html))
    text = nh3.clean(
        broken, tags=set(), clean_content_tags=set(CLEAN_CONTENT_TAGS), strip_comments=True
    )
    paragraphs = (" ".join(line.split()) for line in htmllib.unescape(text).split("\n"))
    return [p for p in paragraphs if p]


def html_to_text(html: str) -> str:
    """Plain text of *html* (e.g. for summaries): no markup, entities decoded, whitespace
    collapsed to single spaces; block boundaries become spaces. Script/style contents and
    the other removed blocks never appear in the text.

    The result is text, not HTML: escape it before putting it into markup.
    """
    return " ".join(html_to_paragraphs(html))
