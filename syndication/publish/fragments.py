"""Pre-serialised items: an article's RSS item, Atom entry and JSON Feed item as text.

Each is written from a string template with the bytes the reference renderer (feedgen and
lxml, reference.py) gives the same element inside its document: same element and attribute
order, same escaping (escape.py), ``<x></x>`` for an empty text as lxml writes it. What
the three share (cleaned title, body, dates…) is computed once per article (Prepared); the
item cache (items.py) keeps both, so an article in several feeds is rendered once.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from json.encoder import encode_basestring

from syndication.config import PublishSettings
from syndication.model import Article, Category, Image, StorySource
from syndication.publish import escape as esc
from syndication.publish import select as sel
from syndication.publish.items import ItemCache

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class Prepared:
    """What every format of an article's item shares, cleaned (select.py) once."""

    item_id: str
    url: str
    title: str
    summary: str
    body: str
    author: str | None
    language: str
    published: dt.datetime
    updated: dt.datetime
    categories: tuple[Category, ...]
    urgent: bool
    images: tuple[Image, ...]
    image_types: tuple[str, ...]
    sources: tuple[StorySource, ...]
    # The same pieces of the RSS item and the Atom entry, XML-escaped once.
    published_iso: str  # UTC, whole seconds: "…+00:00" (Atom), "…Z" (RFC 3339) from it
    updated_iso: str
    x_item_id: str
    x_url: str  # an http(s) URL has no quote, tab or newline: text and attribute alike
    x_title: str
    x_summary: str
    x_author: str | None
    x_media: str  # media:content elements

    def __len__(self) -> int:
        """Its size for the item cache's budget (the body dominates)."""
        return len(self.body) + len(self.summary) + len(self.title)


def prepare(article: Article, settings: PublishSettings, now: dt.datetime) -> Prepared:
    images = tuple(sel.images_of(article))
    image_types = tuple(sel.image_type(i) for i in images)
    title = sel.title_of(article)
    summary = sel.summary_of(article)
    author = sel.author_of(article)
    item_id = sel.item_id(article, settings)
    published = sel.published_of(article, now)
    updated = sel.updated_of(article, now)
    return Prepared(
        item_id=item_id,
        url=article.url,
        title=title,
        summary=summary,
        body=sel.body_of(article, settings, images=images),
        author=author,
        language=sel.language_of(article, settings),
        published=published,
        updated=updated,
        categories=tuple(sel.categories_of(article)),
        urgent=article.urgent,
        images=images,
        image_types=image_types,
        sources=tuple(sel.sources_of(article)),
        published_iso=published.isoformat(),
        updated_iso=updated.isoformat(),
        x_item_id=esc.text(item_id),
        x_url=esc.attr_clean(article.url),
        x_title=esc.text_clean(title),
        x_summary=esc.text_clean(summary),
        x_author=esc.text_clean(author) if author else None,
        x_media=_media(images, image_types),
    )


def _rfc3339(iso: str) -> str:
    """select.rfc3339 of a UTC whole-seconds date, from its isoformat."""
    return iso[:-6] + "Z"


def cached(memo: ItemCache, articles: list[Article], now: dt.datetime) -> list[Prepared]:
    """The articles' Prepared from the item cache: built once for all three formats."""
    settings = memo.settings
    return memo.prepared_all(articles, now, lambda todo: [prepare(a, settings, now) for a in todo])


@dataclass(frozen=True, slots=True)
class _Setting:
    """Per-settings constants, escaped once."""

    categories_scheme: str
    flags_scheme: str
    language: str  # lower-cased: an entry in another language carries xml:lang


def _setting(settings: PublishSettings) -> _Setting:
    # By identity first: one publish run passes the same object for every item (hashing a
    # PublishSettings, field by field, cost more than the lookup saves).
    global _last_setting
    last = _last_setting  # one read: a tuple, so another thread never mixes two
    if last is not None and last[0] is settings:
        return last[1]
    made = _make_setting(settings)
    _last_setting = (settings, made)
    return made


_last_setting: tuple[PublishSettings, _Setting] | None = None


@functools.lru_cache(maxsize=16)
def _make_setting(settings: PublishSettings) -> _Setting:
    return _Setting(
        categories_scheme=esc.attr(sel.categories_scheme(settings)),
        flags_scheme=esc.attr(sel.flags_scheme(settings)),
        language=settings.language.lower(),
    )


_URGENT_LABEL = esc.text(sel.URGENT_LABEL)
_URGENT_TERM = esc.attr(sel.URGENT_TERM)


def rfc2822(value: dt.datetime) -> str:
    """feedgen's RSS date (strftime "%a, %d %b %Y %H:%M:%S %z" in the C locale), UTC."""
    return (
        f"{_DAYS[value.weekday()]}, {value.day:02d} {_MONTHS[value.month - 1]} {value.year:04d} "
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d} +0000"
    )


def cdata(text: str) -> str:
    """CDATA section(s) for text: a literal "]]>" ends one section and starts the next."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


# --- RSS 2.0 ---------------------------------------------------------------------------------


def rss_item(p: Prepared, settings: PublishSettings) -> bytes:
    """<item> as feedgen's rss_entry plus our extension (media.py) write it."""
    const = _setting(settings)
    out = [
        "<item><title>",
        p.x_title,
        "</title><link>",
        p.x_url,
        "</link><description>",
        p.x_summary,
        "</description><content:encoded>",
        cdata(p.body),
        '</content:encoded><guid isPermaLink="false">',
        p.x_item_id,
        "</guid>",
    ]
    for cat in p.categories:
        out += (
            '<category domain="',
            const.categories_scheme,
            '">',
            esc.text_clean(cat.label),
            "</category>",
        )
    if p.urgent:
        out += ('<category domain="', const.flags_scheme, '">', _URGENT_LABEL, "</category>")
    if p.images:
        lead = p.images[0]
        out += (
            '<enclosure url="',
            esc.attr_clean(lead.url),
            f'" length="{lead.length or 0}" type="',
            esc.attr_clean(p.image_types[0]),
            '"/>',
        )
    out += ("<pubDate>", rfc2822(p.published), "</pubDate>")
    if p.x_author is not None:
        out += ("<dc:creator>", p.x_author, "</dc:creator>")
    out += ("<dcterms:modified>", _rfc3339(p.updated_iso), "</dcterms:modified>")
    for s in p.sources:
        out += ('<source url="', esc.attr(s.feed_url), '">', esc.text(s.name), "</source>")
    out += (p.x_media, "</item>")
    return "".join(out).encode()


def _media(images: tuple[Image, ...], image_types: tuple[str, ...]) -> str:
    """Every image as media:content, the same in RSS and Atom (one prefix in both)."""
    out: list[str] = []
    for image, mime in zip(images, image_types, strict=True):
        out += (
            '<media:content url="',
            esc.attr_clean(image.url),
            '" medium="image" type="',
            esc.attr_clean(mime),
            '"',
        )
        if image.length:
            out.append(f' fileSize="{image.length}"')
        if image.width:
            out.append(f' width="{image.width}"')
        if image.height:
            out.append(f' height="{image.height}"')
        if not (image.caption or image.credit):
            out.append("/>")
            continue
        out.append(">")
        if image.caption:
            out += (
                '<media:description type="plain">',
                esc.text_clean(image.caption),
                "</media:description>",
            )
        if image.credit:
            out += (
                '<media:credit role="photographer" scheme="urn:ebu">',
                esc.text_clean(image.credit),
                "</media:credit>",
            )
        out.append("</media:content>")
    return "".join(out)


# --- Atom 1.0 --------------------------------------------------------------------------------


def atom_entry(p: Prepared, settings: PublishSettings) -> bytes:
    """<entry> as feedgen's atom_entry plus our extension (media.py) write it."""
    const = _setting(settings)
    attr = esc.attr_clean
    out = [
        "<entry>" if p.language.lower() == const.language else f'<entry xml:lang="{p.language}">',
        "<id>",
        p.x_item_id,
        "</id><title>",
        p.x_title,
        "</title><updated>",
        p.updated_iso,
        "</updated>",
    ]
    if p.x_author is not None:
        out += ("<author><name>", p.x_author, "</name></author>")
    out += (
        '<content type="html">',
        esc.text_clean(p.body),
        "</content><summary>",
        p.x_summary,
        "</summary>",
    )
    for cat in p.categories:
        out += (
            '<category term="',
            attr(cat.slug),
            '" scheme="',
            const.categories_scheme,
            '" label="',
            attr(cat.label),
            '"/>',
        )
    if p.urgent:
        out += (
            f'<category term="{_URGENT_TERM}" scheme="',
            const.flags_scheme,
            f'" label="{sel.URGENT_LABEL}"/>',
        )
    out += (
        "<published>",
        p.published_iso,
        '</published><link href="',
        p.x_url,
        '" rel="alternate" type="text/html"/>',
    )
    if p.images:
        lead = p.images[0]
        out += (
            '<link href="',
            attr(lead.url),
            '" rel="enclosure" type="',
            attr(p.image_types[0]),
            f'" length="{lead.length or 0}"/>',
        )
    for s in p.sources:
        out += ('<link href="', attr(s.url), '" rel="related" type="text/html"')
        if s.name:
            out += (' title="', esc.attr(s.name), '"')
        out.append("/>")
    out += (p.x_media, "</entry>")
    return "".join(out).encode()


# --- JSON Feed 1.1 ---------------------------------------------------------------------------
# The item as json.dumps(feed, ensure_ascii=False, indent=1, sort_keys=True) writes it at
# depth 2 of the document: keys sorted, one space of indent per level, items at two.


_s = encode_basestring  # a JSON string literal, non-ASCII kept (ensure_ascii=False)


def _n(value: int | None) -> str:
    return "null" if value is None else int.__repr__(value)


# Objects and lists inside an item's fields sit at depth 4 (their members at 5).
_OPEN = "{\n     "
_NEXT = ",\n     "
_CLOSE = "\n    }"


def _list(members: list[str]) -> str:
    """A list field of the item: members at depth 4, the bracket closed at depth 3."""
    if not members:
        return "[]"
    return "[\n    " + ",\n    ".join(members) + "\n   ]"


def _image(i: Image) -> str:
    return (
        f'{_OPEN}"caption": {"null" if i.caption is None else _s(i.caption)}'
        f'{_NEXT}"credit": {"null" if i.credit is None else _s(i.credit)}'
        f'{_NEXT}"height": {_n(i.height)}{_NEXT}"url": {_s(i.url)}'
        f'{_NEXT}"width": {_n(i.width)}{_CLOSE}'
    )


def _attachment(i: Image, mime: str) -> str:
    out = f'{_OPEN}"mime_type": {_s(mime)}'
    if i.length:
        out += f'{_NEXT}"size_in_bytes": {_n(i.length)}'
    if i.caption:
        out += f'{_NEXT}"title": {_s(i.caption)}'
    return out + f'{_NEXT}"url": {_s(i.url)}{_CLOSE}'


def _source(s: StorySource) -> str:
    return (
        f'{_OPEN}"name": {_s(s.name)}{_NEXT}"partner": {_s(s.partner_id)}'
        f'{_NEXT}"title": {_s(s.title)}{_NEXT}"url": {_s(s.url)}{_CLOSE}'
    )


def json_item(p: Prepared) -> str:
    """The item's JSON text, indented for its place in the items list: the fields in
    sorted order, as json.dumps(sort_keys=True) writes them."""
    out = ["{\n   "]
    if p.sources:
        out += ('"_also_in": ', _list([_source(s) for s in p.sources]), ",\n   ")
    out += (
        '"_images": ',
        _list([_image(i) for i in p.images]),
        ',\n   "_urgent": ',
        "true" if p.urgent else "false",
        ",\n   ",
    )
    if p.images:
        attachments = [_attachment(i, m) for i, m in zip(p.images, p.image_types, strict=True)]
        out += ('"attachments": ', _list(attachments), ",\n   ")
    if p.author:
        out += ('"authors": ', _list([f'{_OPEN}"name": {_s(p.author)}{_CLOSE}']), ",\n   ")
    out += (
        '"content_html": ',
        _s(p.body),
        ',\n   "date_modified": "',
        _rfc3339(p.updated_iso),
        '",\n   "date_published": "',
        _rfc3339(p.published_iso),
        '",\n   "id": ',
        _s(p.item_id),
    )
    if p.images:
        out += (',\n   "image": ', _s(p.images[0].url))
    tags = [_s(c.label) for c in p.categories]
    if p.urgent:
        tags.append(_URGENT_JSON)
    out += (
        ',\n   "language": ',
        _s(p.language),
        ',\n   "summary": ',
        _s(p.summary),
        ',\n   "tags": ',
        _list(tags),
        ',\n   "title": ',
        _s(p.title),
        ',\n   "url": ',
        _s(p.url),
        "\n  }",
    )
    return "".join(out)


_URGENT_JSON = _s(sel.URGENT_LABEL)
