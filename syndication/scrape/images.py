"""Images of the article: lead and inline, each with its own caption and credit.

``find_images`` owns the fallback orders:

* URL: ``srcset``/``data-srcset`` (largest) → ``data-src``/``data-lazy-src``/
  ``data-original``… → ``<noscript><img>`` → ``src``; placeholders (data: URIs,
  ``blank.gif``, ``jeg-empty.png``…) are skipped at every step; the result is absolute.
  Tracking pixels, icons, logos, avatars and SVGs are refused; duplicates are merged.
* caption: partner ``caption`` selector → ``figcaption`` → a known caption class in the
  image's wrapper → the element right after the image inside its wrapper (almadenahnews
  ``div.red``) → JSON-LD ``ImageObject.caption`` → ``alt`` (never when it repeats the
  headline or is an empty label such as "الصورة: ").
* credit: partner ``credit`` selector → credit-class/``copyrightHolder`` elements in the
  wrapper → a labelled or agency tail split off the caption (``split_credit``).

With no usable image in the page's article area, the JSON-LD / ``og:image`` image becomes
the lead image.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from bs4 import Tag
from bs4.element import NavigableString

from ..arabic.text import clean_text, matching_key
from ..model import Image
from . import captions
from .credits import split_credit
from .meta import unescape
from .page import Page, classes_and_id, named, strings, text_of
from .rules import CAPTION_CLASSES, CREDIT_CLASSES, PLACEHOLDER_ALT_RE

_LAZY_ATTRS = (
    "data-src",
    "data-lazy-src",
    "data-original",
    "data-lazy",
    "data-url",
    "data-full-src",
    "data-hi-res-src",
    "data-orig-file",
)
_SRCSET_ATTRS = ("data-srcset", "data-lazy-srcset", "srcset")
_PLACEHOLDER_RE = re.compile(
    r"(?:placeholder|blank|empty|spacer|pixel|transparent|loading|lazy|grey\.|gray\.|"
    r"no-?image|default-image|1x1)[^/]*$",
    re.IGNORECASE,
)
_UNWANTED_RE = re.compile(
    r"logo|icon|favicon|avatar|sprite|emoji|badge|/ads?/|advert|banner-ad|doubleclick|"
    r"analytics|scorecardresearch|facebook\.com/tr|/pixel|beacon|1px|spacer|gravatar|"
    r"/author|writer|profile-pic",
    re.IGNORECASE,
)
_UNWANTED_CLASS_RE = re.compile(
    r"logo|icon|avatar|emoji|author|writer|profile|video|player|headshot", re.IGNORECASE
)
_MAX_CAPTION = 400
_WRAPPER_LEVELS = 3


@dataclass
class FoundImages:
    images: list[Image] = field(default_factory=list)
    tag_index: dict[int, int] = field(default_factory=dict)  # id(img/figure) → images index
    consumed: set[int] = field(default_factory=set)  # caption/credit elements (not body text)


def _int(value: Any) -> int | None:
    if value is None:
        return None
    m = re.match(r"\s*(\d+(?:\.\d+)?)", str(value))
    if m is None:
        return None
    number = int(float(m.group(1)))
    return number if 0 < number < 100_000 else None


def parse_srcset(srcset: str) -> list[tuple[str, float]]:
    """``"a.jpg 480w, b.jpg 800w"`` → ``[("a.jpg", 480), ("b.jpg", 800)]`` (1x when bare)."""
    out: list[tuple[str, float]] = []
    i, n = 0, len(srcset)
    while i < n:
        while i < n and (srcset[i].isspace() or srcset[i] == ","):
            i += 1
        j = i
        while j < n and not srcset[j].isspace():
            j += 1
        url = srcset[i:j]
        if url.endswith(","):
            url, descriptor, i = url.rstrip(","), "", j
        else:
            k = srcset.find(",", j)
            k = n if k < 0 else k
            descriptor, i = srcset[j:k].strip(), k + 1
        if not url:
            continue
        m = re.match(r"([\d.]+)\s*([wx])", descriptor)
        size = 1.0
        if m is not None:
            try:
                size = float(m.group(1))
            except ValueError:
                size = 1.0
        out.append((url, size))
    return out


def _is_placeholder(url: str) -> bool:
    url = url.strip()
    if not url or url.startswith(("data:", "about:", "javascript:")) or url == "#":
        return True
    path = urlsplit(url).path if "://" in url else url.split("?")[0]
    return bool(_PLACEHOLDER_RE.search(path))


def best_url(img: Tag) -> tuple[str | None, float | None]:
    """The real source of *img* and the srcset width it came with (if any)."""
    for attr in _LAZY_ATTRS:
        value = img.get(attr)
        if isinstance(value, str) and not _is_placeholder(value):
            return value.strip(), None
    for attr in _SRCSET_ATTRS:
        value = img.get(attr)
        if isinstance(value, str) and value.strip():
            options = [(u, s) for u, s in parse_srcset(value) if not _is_placeholder(u)]
            if options:
                url, size = max(options, key=lambda o: o[1])
                return url, size if size > 10 else None
    noscript = img.find_next_sibling("noscript")
    if noscript is None and img.parent is not None:
        noscript = img.parent.find("noscript")
    if isinstance(noscript, Tag):
        inner = noscript.find("img")
        if isinstance(inner, Tag) and inner is not img:
            found, found_size = best_url(inner)
            if found:
                return found, found_size
    src = img.get("src")
    if isinstance(src, str) and not _is_placeholder(src):
        return src.strip(), None
    picture = img.parent if img.parent is not None and img.parent.name == "picture" else None
    if picture is not None:
        for source in picture.find_all("source"):
            for attr in _SRCSET_ATTRS:
                value = source.get(attr)
                if isinstance(value, str):
                    options = [(u, s) for u, s in parse_srcset(value) if not _is_placeholder(u)]
                    if options:
                        return max(options, key=lambda o: o[1])[0], None
    return None, None


def _unwanted(img: Tag, url: str) -> bool:
    width, height = _int(img.get("width")), _int(img.get("height"))
    if (width is not None and width <= 2) or (height is not None and height <= 2):
        return True  # tracking pixel
    if width is not None and height is not None and width <= 64 and height <= 64:
        return True  # icon
    path = urlsplit(url).path.lower()
    if path.endswith((".svg", ".ico")):
        return True
    if _UNWANTED_RE.search(url):
        return True
    # Author headshots and video posters are marked on a wrapper a few levels up.
    names = [classes_and_id(img)] + [classes_and_id(p) for p in list(img.parents)[:4]]
    return bool(_UNWANTED_CLASS_RE.search(" ".join(names)))


def _key(url: str) -> str:
    """Dedupe key: host + path, case-folded (sizes differ only in the query string)."""
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}{parts.path.lower()}"


def _same_headline(text: str, title: str | None) -> bool:
    if not title:
        return False
    a, b = matching_key(text), matching_key(title)
    return a == b or (len(a) > 20 and (a in b or b in a))


def _wrappers(img: Tag, page: Page, roots: list[Tag]) -> list[Tag]:
    """Ancestors of *img* that belong to it alone (stop at a body root or a second image)."""
    out: list[Tag] = []
    node = img
    for _ in range(_WRAPPER_LEVELS):
        parent = node.parent
        if parent is None or parent.name in ("body", "html") or any(parent is r for r in roots):
            break
        if _two_images(parent):
            break
        out.append(parent)
        node = parent
    return out


def _two_images(tag: Tag) -> bool:
    """Does *tag* hold images of two different sources? (stops at the second one)"""
    seen: set[str | None] = set()
    for img in named(tag, "img"):
        seen.add(best_url(img)[0])
        if len(seen) > 1:
            return True
    return False


def _has_class(tag: Tag, names: tuple[str, ...]) -> bool:
    cls: Any = tag.get("class") or []
    tokens = {str(c).lower() for c in (cls if isinstance(cls, list) else [str(cls)])}
    return any(n.lower() in tokens for n in names)


def _credit_elements(container: Tag, page: Page) -> list[Tag]:
    found: list[Tag] = []
    if page.rules.credit:
        found.extend(page.select(page.rules.credit, container))
    for tag in container.find_all(True):
        prop = str(tag.get("itemprop") or "").lower()
        if _has_class(tag, CREDIT_CLASSES) or prop in ("copyrightholder", "credittext"):
            found.append(tag)
    # The partner rule and the generic classes often name the same element: keep it once.
    unique: dict[int, Tag] = {}
    for tag in found:
        unique.setdefault(id(tag), tag)
    return list(unique.values())


def _caption_element(img: Tag, page: Page, wrappers: list[Tag]) -> Tag | None:
    if page.rules.caption:
        for wrapper in wrappers:
            hits = [t for t in page.select(page.rules.caption, wrapper) if text_of(t)]
            if hits:
                return hits[0]
    for wrapper in wrappers:
        if wrapper.name == "figure":
            caption = wrapper.find("figcaption")
            if isinstance(caption, Tag) and text_of(caption):
                return caption
    for wrapper in wrappers:
        for tag in wrapper.find_all(True):
            if _has_class(tag, CAPTION_CLASSES) and text_of(tag):
                return tag
    # The element right after the image inside its own wrapper (almadenahnews div.red,
    # a lazy image's p.img-desc), or the next cell of a layout table (captions.py).
    node = img
    while node.parent is not None and node.parent.name in ("a", "picture"):
        node = node.parent
    if wrappers and node.parent is wrappers[0]:
        found = captions.after_image(node, wrappers[0])
        if found is not None:
            return found
    return captions.in_table(node)


def _ld_captions(page: Page) -> dict[str, str]:
    out: dict[str, str] = {}
    for obj in page.meta.objects:
        caption = obj.get("caption") or None
        url = obj.get("contentUrl") or obj.get("url")
        if isinstance(caption, str) and isinstance(url, str):
            resolved = page.resolve(url)
            if resolved:
                out.setdefault(_key(resolved), clean_text(caption))
    return out


def _read_image(
    img: Tag, page: Page, roots: list[Tag], title: str | None, ld_captions: dict[str, str]
) -> tuple[Image, list[Tag]] | None:
    raw, size = best_url(img)
    url = page.resolve(raw)
    if url is None or _unwanted(img, url):
        return None
    wrappers = _wrappers(img, page, roots)
    caption_el = _caption_element(img, page, wrappers)
    consumed: list[Tag] = []
    credit: str | None = None
    caption: str | None = None
    credit_scope = [caption_el] if caption_el is not None else []
    credit_scope += wrappers
    for container in credit_scope:
        elements = _credit_elements(container, page)
        if elements:
            credit = clean_text(" ".join(text_of(e) for e in elements)) or None
            consumed.extend(elements)
            break
    if caption_el is not None:
        skip = {id(e) for e in consumed}  # credit elements inside the caption
        consumed.append(caption_el)
        parts = [
            str(s)
            for s in strings(caption_el)
            if not any(id(p) in skip for p in s.parents) and type(s) is NavigableString
        ]
        caption = clean_text(unescape(" ".join(parts))) or None
    if caption is None:
        caption = ld_captions.get(_key(url))
    alt = clean_text(unescape(str(img.get("alt") or ""))) or None
    if caption is None and alt and not PLACEHOLDER_ALT_RE.match(alt):
        caption = alt
    if caption is not None:
        caption, tail = split_credit(caption)
        credit = credit or tail
    if caption is not None and (
        _same_headline(caption, title) or PLACEHOLDER_ALT_RE.match(caption)
    ):
        caption = None
    if credit:
        credit = split_credit(credit, credit_only=True)[1] or credit
    width, height = _int(img.get("width")), _int(img.get("height"))
    if size is not None:
        if width and height:
            height = round(height * size / width)
        width = int(size)
    image = Image(url=url, caption=caption, credit=credit, alt=alt, width=width, height=height)
    return image, consumed


def _candidates(page: Page, scope: list[Tag]) -> list[Tag]:
    if page.rules.images:
        found = page.select(page.rules.images)
        return [t for t in found if t.name == "img"] + [
            i for t in found if t.name != "img" for i in named(t, "img")
        ]
    seen: set[int] = set()
    out: list[Tag] = []
    for container in scope:
        for img in named(container, "img"):
            if id(img) in seen or any(p.name == "noscript" for p in img.parents):
                continue
            seen.add(id(img))
            out.append(img)
    out.sort(key=page.position)
    return out


def _meta_image(page: Page) -> Image | None:
    """The lead image the page declares in JSON-LD or OpenGraph."""
    value = page.meta.ld("image")
    if isinstance(value, list) and value:
        value = value[0]
    url: str | None = None
    caption: str | None = None
    width = height = None
    if isinstance(value, dict):
        raw = value.get("url") or value.get("contentUrl")
        url = raw if isinstance(raw, str) else None
        cap = value.get("caption")
        caption = clean_text(cap) if isinstance(cap, str) else None
        width, height = _int(value.get("width")), _int(value.get("height"))
    elif isinstance(value, str):
        url = value
    if not url:
        url = page.meta.first("og:image:secure_url", "og:image", "og:image:url", "twitter:image")
        width = _int(page.meta.first("og:image:width"))
        height = _int(page.meta.first("og:image:height"))
    resolved = page.resolve(url)
    if resolved is None or _UNWANTED_RE.search(resolved) or _is_placeholder(resolved):
        return None
    credit = None
    if caption:
        caption, credit = split_credit(caption)
    return Image(url=resolved, caption=caption or None, credit=credit, width=width, height=height)


def find_images(page: Page, roots: list[Tag], scope: list[Tag], title: str | None) -> FoundImages:
    result = FoundImages()
    by_key: dict[str, int] = {}
    ld_captions = _ld_captions(page)
    for img in _candidates(page, scope):
        read = _read_image(img, page, roots, title, ld_captions)
        if read is None:
            continue
        image, consumed = read
        result.consumed.update(id(t) for t in consumed)
        key = _key(image.url)
        if key in by_key:
            index = by_key[key]
            old = result.images[index]
            if old.caption is None and image.caption is not None:
                result.images[index] = replace(old, caption=image.caption, credit=image.credit)
        else:
            index = by_key[key] = len(result.images)
            result.images.append(image)
        result.tag_index[id(img)] = index
        for parent in img.parents:
            if parent.name == "figure":
                result.tag_index.setdefault(id(parent), index)
                break
    if not result.images:
        lead = _meta_image(page)
        if lead is not None:
            result.images.append(lead)
    return result
