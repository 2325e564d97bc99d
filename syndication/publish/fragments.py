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

    def __len__(self) -> int:
        """Its size for the item cache's budget (the body dominates)."""
        return len(self.body) + len(self.summary) + len(self.title)


def prepare(article: Article, settings: PublishSettings, now: dt.datetime) -> Prepared:
    images = tuple(sel.images_of(article))
    return Prepared(
        item_id=sel.item_id(article, settings),
        url=article.url,
        title=sel.title_of(article),
        summary=sel.summary_of(article),
        body=sel.body_of(article, settings, images=images),
        author=sel.author_of(article),
        language=sel.language_of(article, settings),
        published=sel.published_of(article, now),
        updated=sel.updated_of(article, now),
        categories=tuple(sel.categories_of(article)),
        urgent=article.urgent,
        images=images,
        image_types=tuple(sel.image_type(i) for i in images),
        sources=tuple(sel.sources_of(article)),
    )


def cached(memo: ItemCache, article: Article, now: dt.datetime) -> Prepared:
    """The article's Prepared from the item cache: built once for all three formats."""
    return memo.prepared(article, now, lambda a: prepare(a, memo.settings, now))


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
    text = esc.text_clean
    out = [
        "<item><title>",
        text(p.title),
        "</title><link>",
        text(p.url),
        "</link><description>",
        text(p.summary),
        "</description><content:encoded>",
        cdata(p.body),
        '</content:encoded><guid isPermaLink="false">',
        esc.text(p.item_id),
        "</guid>",
    ]
    for cat in p.categories:
        out += ('<category domain="', const.categories_scheme, '">', text(cat.label), "</category>")
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
    if p.author:
        out += ("<dc:creator>", text(p.author), "</dc:creator>")
    out += ("<dcterms:modified>", sel.rfc3339(p.updated), "</dcterms:modified>")
    for s in p.sources:
        out += ('<source url="', esc.attr(s.feed_url), '">', esc.text(s.name), "</source>")
    _media(out, p)
    out.append("</item>")
    return "".join(out).encode()


def _media(out: list[str], p: Prepared) -> None:
    for image, mime in zip(p.images, p.image_types, strict=True):
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


# --- Atom 1.0 --------------------------------------------------------------------------------


def atom_entry(p: Prepared, settings: PublishSettings) -> bytes:
    """<entry> as feedgen's atom_entry plus our extension (media.py) write it."""
    const = _setting(settings)
    text = esc.text_clean
    attr = esc.attr_clean
    updated = p.updated.isoformat()
    out = [
        "<entry>" if p.language.lower() == const.language else f'<entry xml:lang="{p.language}">',
        "<id>",
        esc.text(p.item_id),
        "</id><title>",
        text(p.title),
        "</title><updated>",
        updated,
        "</updated>",
    ]
    if p.author:
        out += ("<author><name>", text(p.author), "</name></author>")
    out += (
        '<content type="html">',
        text(p.body),
        "</content><summary>",
        text(p.summary),
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
        p.published.isoformat(),
        '</published><link href="',
        attr(p.url),
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
    _media(out, p)
    out.append("</entry>")
    return "".join(out).encode()


# --- JSON Feed 1.1 ---------------------------------------------------------------------------
# The item as json.dumps(feed, ensure_ascii=False, indent=1, sort_keys=True) writes it at
# depth 2 of the document: keys sorted, one space of indent per level, items at two.


def _s(value: str) -> str:
    return encode_basestring(value)


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
        sel.rfc3339(p.updated),
        '",\n   "date_published": "',
        sel.rfc3339(p.published),
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
