"""Structured metadata of a page: JSON-LD objects, <meta> tags, canonical link, <base>, lang.

Read once, before any boilerplate is removed, into a :class:`PageMeta` the field finders
query. JSON-LD is flattened (``@graph``, top-level lists, nested objects) so a finder sees
every typed object; the article-like ones (``NewsArticle``, ``ReportageNewsArticle``,
``Article``…) are kept apart because they speak for the story itself.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup, Tag

from .tagindex import TagIndex

log = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset(
    {
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "article",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "report",
    }
)

_MAX_LD_BYTES = 1_000_000  # a JSON-LD block larger than this is not metadata
_MAX_DEPTH = 8

JsonObj = dict[str, Any]


@dataclass
class PageMeta:
    articles: list[JsonObj] = field(default_factory=list)  # article-typed JSON-LD objects
    objects: list[JsonObj] = field(default_factory=list)  # every typed JSON-LD object
    tags: dict[str, list[str]] = field(default_factory=dict)  # lower-cased key → contents
    canonical: str | None = None
    og_url: str | None = None
    base_href: str | None = None
    lang: str | None = None
    title_tag: str | None = None

    def first(self, *keys: str) -> str | None:
        """The first non-empty <meta> content among *keys* (in the order given)."""
        for key in keys:
            for value in self.tags.get(key.lower(), ()):
                if value.strip():
                    return value
        return None

    def all(self, *keys: str) -> list[str]:
        out: list[str] = []
        for key in keys:
            out.extend(v for v in self.tags.get(key.lower(), ()) if v.strip())
        return out

    def ld(self, key: str) -> Any:
        """The first non-empty value of *key* in the article-typed JSON-LD objects."""
        for obj in self.articles:
            value = obj.get(key)
            if value not in (None, "", [], {}):
                return value
        return None


def types_of(obj: JsonObj) -> set[str]:
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {v.rsplit("/", 1)[-1].lower() for v in values if isinstance(v, str)}


def _walk(node: Any, depth: int = 0) -> Iterator[JsonObj]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, depth + 1)
    elif isinstance(node, dict):
        if "@type" in node:
            yield node
        for key, value in node.items():
            if key != "@context" and isinstance(value, list | dict):
                yield from _walk(value, depth + 1)


def _load_json(text: str) -> Any:
    text = text.strip().removeprefix("<!--").removesuffix("-->").strip()
    text = text.removeprefix("//<![CDATA[").removesuffix("//]]>").strip()
    try:
        return json.loads(text, strict=False)
    except ValueError:
        # Several objects pasted one after another without a list around them.
        decoder = json.JSONDecoder(strict=False)
        items: list[Any] = []
        pos = 0
        while pos < len(text):
            while pos < len(text) and text[pos] in " \t\r\n,;":
                pos += 1
            if pos >= len(text):
                break
            try:
                obj, pos = decoder.raw_decode(text, pos)
            except ValueError:
                break
            items.append(obj)
        return items


def unescape(value: str) -> str:
    """JSON-LD and meta values are sometimes HTML-escaped twice (``&quot;`` in lbcgroup)."""
    return html.unescape(value) if "&" in value else value


_HEAD_KINDS = ("script", "meta", "link", "base", "html", "title")


def _head_tags(tags: TagIndex) -> dict[str, list[Tag]]:
    """The script/meta/link/base/html/title elements of the page, in document order,
    from the tag index (a walk of its own per kind went over the whole 100 KB tree)."""
    return {kind: tags.named(kind) for kind in _HEAD_KINDS}


def collect_meta(soup: BeautifulSoup, tags: TagIndex) -> PageMeta:
    meta = PageMeta()
    found = _head_tags(tags)
    for script in found["script"]:
        if script.get("type") is None:
            continue
        if "ld+json" not in str(script.get("type", "")).lower():
            continue
        text = script.string or script.get_text()
        if not text or len(text) > _MAX_LD_BYTES:
            continue
        data = _load_json(text)
        for obj in _walk(data):
            meta.objects.append(obj)
            if types_of(obj) & ARTICLE_TYPES:
                meta.articles.append(obj)
    for tag in found["meta"]:
        content = tag.get("content")
        if not isinstance(content, str):
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = tag.get(attr)
            if isinstance(key, str) and key.strip():
                meta.tags.setdefault(key.strip().lower(), []).append(unescape(content))
    for link in found["link"]:
        if link.get("href") is None:
            continue
        rel: Any = link.get("rel") or []
        rels = [str(r).lower() for r in (rel if isinstance(rel, list) else [rel])]
        if "canonical" in rels and meta.canonical is None:
            meta.canonical = str(link["href"]).strip() or None
    meta.og_url = meta.first("og:url")
    base = next((b for b in found["base"] if b.get("href") is not None), None)
    if base is not None:
        meta.base_href = str(base["href"]).strip() or None
    if found["html"]:
        lang = found["html"][0].get("lang") or found["html"][0].get("xml:lang")
        meta.lang = str(lang).strip() or None if lang else None
    if found["title"]:
        meta.title_tag = found["title"][0].get_text(" ")
    return meta
