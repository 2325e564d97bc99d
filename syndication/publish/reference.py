"""The reference renderer: RSS 2.0 and Atom 1.0 built with feedgen, JSON Feed with json.dumps.

Not used to publish: render.py and jsonfeed.py write the same bytes from pre-serialised item
fragments (fragments.py). This module is what they are held to (tests/publish: golden files,
a differential test over random articles) and what the benchmarks compare against.

feedgen writes the channel / feed (FeedGenerator) and each item (FeedEntry.rss_entry /
atom_entry, our extension registered as add_entry would). An item is serialized once per
format while its article and dates are unchanged (items.py), in the namespace context of
the document root, and the items are spliced, in order, where feedgen appends them:
before ``</channel>`` / ``</feed>``.

feedgen's gaps (see media.py) are filled by our extension; the rest is fixed here: the build
dates are the newest article's (never the clock, so unchanged feeds give identical bytes),
the Atom content is ``type="html"`` (feedgen's ``"CDATA"`` type leaks into Atom), RSS
``content:encoded`` is CDATA split around any literal ``]]>`` (lxml refuses it), and the
``<?xml-stylesheet?>`` instruction is added to the document.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any, cast

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from syndication.config import PublishSettings
from syndication.model import Article, FeedSpec
from syndication.publish import jsonfeed
from syndication.publish import select as sel
from syndication.publish.history import HISTORY_NS, History
from syndication.publish.items import ItemCache, for_run
from syndication.publish.media import AtomLink, EntryExtension, FeedExtension, MediaImage

GENERATOR = "syndication"
STYLESHEET = "feed.xsl"
ATOM_NS = "http://www.w3.org/2005/Atom"


def render_rss(
    spec: FeedSpec,
    articles: list[Article],
    settings: PublishSettings,
    *,
    self_url: str,
    now: dt.datetime,
    cache: ItemCache | None = None,
) -> bytes:
    """RSS 2.0 with content:, dc:, dcterms:, media: and atom: extensions."""
    items = sel.publishable(spec, articles)
    memo = for_run(cache, settings)
    fg = _feed(spec, items, settings, self_url=self_url, now=now, fmt="rss")
    root, doc = fg._create_rss()
    nsmap = root.nsmap
    body = b"".join(
        memo.xml("rss", a, now, lambda a: _rss_item(a, settings, now, nsmap)) for a in items
    )
    return _splice(_serialize(root, doc, settings), b"</channel>", body)


def render_atom(
    spec: FeedSpec,
    articles: list[Article],
    settings: PublishSettings,
    *,
    self_url: str,
    now: dt.datetime,
    cache: ItemCache | None = None,
    history: History | None = None,
) -> bytes:
    """Atom 1.0 (RFC 4287) with media: extension elements, and RFC 5005 links."""
    items = sel.publishable(spec, articles)
    memo = for_run(cache, settings)
    fg = _feed(spec, items, settings, self_url=self_url, now=now, fmt="atom")
    root, doc = fg._create_atom()
    if history is not None:
        _history(root, history)
    nsmap = root.nsmap
    body = b"".join(
        memo.xml("atom", a, now, lambda a: _atom_item(a, settings, now, nsmap)) for a in items
    )
    return _splice(_serialize(root, doc, settings), b"</feed>", body)


def _history(root: etree._Element, history: History) -> None:
    """Feed-level links and the archive marker; the entries are spliced in after them."""
    links = (
        ("current", history.current),
        ("prev-archive", history.prev_archive),
        ("next-archive", history.next_archive),
    )
    for rel, href in links:
        if href:
            link = etree.SubElement(root, f"{{{ATOM_NS}}}link")
            link.set("rel", rel)
            link.set("type", "application/atom+xml")
            link.set("href", href)
    if history.archive:
        nsmap: dict[Any, str] = {"fh": HISTORY_NS}
        root.append(etree.Element(f"{{{HISTORY_NS}}}archive", nsmap=nsmap))


def _rss_item(
    article: Article, settings: PublishSettings, now: dt.datetime, nsmap: dict[Any, str]
) -> bytes:
    entry, cdata = rss_entry(article, settings, now)
    return _swap_markers(_fragment(entry.rss_entry(), "rss", nsmap), cdata)


def _atom_item(
    article: Article, settings: PublishSettings, now: dt.datetime, nsmap: dict[Any, str]
) -> bytes:
    return _fragment(atom_entry(article, settings, now).atom_entry(), "feed", nsmap)


def rss_entry(
    article: Article, settings: PublishSettings, now: dt.datetime
) -> tuple[Any, dict[str, str]]:
    """The feedgen entry of an RSS item, and its CDATA marker → body."""
    entry = _entry(article, settings, now=now)
    ext = _ext(entry)
    # content:encoded must be CDATA with "]]>" split, which lxml cannot write: put a
    # marker in, swap it for the CDATA sections after serializing. The marker holds
    # a hash of the body, so no body can contain its own marker.
    body = sel.body_of(article, settings)
    marker = f"\ue000{hashlib.sha256(body.encode()).hexdigest()[:24]}-0\ue001"
    entry.description(sel.summary_of(article))
    entry.content(marker)
    images = sel.images_of(article)
    if images:
        lead = images[0]
        # RSS allows one enclosure: the lead image; every image is also media:content.
        entry.enclosure(url=lead.url, length=str(lead.length or 0), type=sel.image_type(lead))
    ext.creator = sel.author_of(article)
    ext.modified = sel.rfc3339(sel.updated_of(article, now))
    ext.sources = [(s.feed_url, s.name) for s in sel.sources_of(article)]
    return entry, {marker: body}


def atom_entry(article: Article, settings: PublishSettings, now: dt.datetime) -> Any:
    """The feedgen entry of an Atom item."""
    entry = _entry(article, settings, now=now)
    ext = _ext(entry)
    entry.content(sel.body_of(article, settings), type="html")
    entry.summary(sel.summary_of(article))
    author = sel.author_of(article)
    if author:
        entry.author(name=author)
    links = [AtomLink(href=article.url, rel="alternate", type="text/html")]
    images = sel.images_of(article)
    if images:
        lead = images[0]
        links.append(
            AtomLink(
                href=lead.url,
                rel="enclosure",
                type=sel.image_type(lead),
                length=str(lead.length or 0),
            )
        )
    links.extend(
        AtomLink(href=s.url, rel="related", type="text/html", title=s.name)
        for s in sel.sources_of(article)
    )
    ext.links = links
    lang = sel.language_of(article, settings)
    if lang.lower() != settings.language.lower():
        ext.lang = lang
    return entry


def _feed(
    spec: FeedSpec,
    articles: list[Article],
    settings: PublishSettings,
    *,
    self_url: str,
    now: dt.datetime,
    fmt: str,
) -> Any:
    fg = FeedGenerator()
    fg.register_extension("syndication", FeedExtension, EntryExtension)
    updated = sel.feed_updated(articles, now)
    title = sel.plain(spec.title, limit=sel.TITLE_MAX) or sel.plain(settings.title) or spec.key
    fg.id(sel.feed_id(spec, settings))
    fg.title(title)
    fg.description(sel.plain(spec.description) or sel.plain(settings.description) or title)
    fg.language(settings.language)
    fg.author(name=sel.plain(settings.title) or GENERATOR)
    fg.generator(GENERATOR)
    fg.updated(updated)
    fg.lastBuildDate(updated)
    fg.ttl(max(spec.ttl, 1))
    if settings.logo_url and sel.is_web_url(settings.logo_url):
        fg.logo(settings.logo_url)
    mime = "application/rss+xml" if fmt == "rss" else "application/atom+xml"
    fg.link(href=self_url, rel="self", type=mime)
    if settings.hub_url and not spec.private:  # private feeds are never pinged (a public hub)
        fg.link(href=settings.hub_url, rel="hub")
        cast(FeedExtension, fg.syndication).hub_url = settings.hub_url
    # Last: feedgen makes the last link added the RSS <channel><link>.
    fg.link(href=settings.site_url, rel="alternate", type="text/html")
    return fg


def _entry(article: Article, settings: PublishSettings, *, now: dt.datetime) -> Any:
    """A feedgen entry with what RSS and Atom share, our extension registered (as
    FeedGenerator.add_entry would)."""
    entry = FeedEntry()
    entry.register_extension("syndication", EntryExtension, True, True)
    entry.id(sel.item_id(article, settings))  # also the RSS guid, isPermaLink="false"
    entry.title(sel.title_of(article))
    entry.link(href=article.url, rel="alternate")
    entry.published(sel.published_of(article, now))
    entry.updated(sel.updated_of(article, now))
    categories = [
        {"term": c.slug, "scheme": sel.categories_scheme(settings), "label": c.label}
        for c in sel.categories_of(article)
    ]
    if article.urgent:
        # The urgent flag travels with the item into every feed, in its own scheme.
        categories.append(
            {
                "term": sel.URGENT_TERM,
                "scheme": sel.flags_scheme(settings),
                "label": sel.URGENT_LABEL,
            }
        )
    if categories:
        entry.category(categories)
    ext = _ext(entry)
    ext.images = [MediaImage(image=i, mime_type=sel.image_type(i)) for i in sel.images_of(article)]
    return entry


def _ext(entry: Any) -> EntryExtension:
    return cast(EntryExtension, entry.syndication)


def _serialize(root: etree._Element, doc: etree._ElementTree, settings: PublishSettings) -> bytes:
    if settings.stylesheet:
        root.addprevious(
            etree.ProcessingInstruction("xml-stylesheet", f'type="text/xsl" href="{STYLESHEET}"')
        )
    return etree.tostring(doc, encoding="UTF-8", xml_declaration=True)


def _fragment(element: etree._Element, root_tag: str, nsmap: dict[Any, str]) -> bytes:
    """The bytes `element` has inside the feed document: serialized under a bare root
    with the document root's namespace declarations (so no xmlns:… is repeated on the
    item), without that root's tags. lxml escapes ">" in attribute values, so the
    first ">" ends the root's start tag."""
    wrapper = etree.Element(root_tag, nsmap=nsmap)
    wrapper.append(element)
    data = etree.tostring(wrapper, encoding="UTF-8")
    return data[data.index(b">") + 1 : data.rindex(b"</")]


def _splice(document: bytes, close_tag: bytes, items: bytes) -> bytes:
    """The items go last in the channel (RSS) or feed (Atom), where feedgen appends them."""
    at = document.rindex(close_tag)
    return document[:at] + items + document[at:]


_MARKER = re.compile("\ue000[0-9a-f]{24}-[0-9]+\ue001".encode())


def _swap_markers(data: bytes, cdata: dict[str, str]) -> bytes:
    """Each marker → its CDATA section, in one pass (a replace per item rescanned the whole
    document each time: quadratic in the feed's size). A marker is replaced once, at its
    first place, as before."""
    done: set[bytes] = set()

    def swap(match: re.Match[bytes]) -> bytes:
        marker = match.group(0)
        body = cdata.get(marker.decode())
        if body is None or marker in done:
            return marker
        done.add(marker)
        return _cdata(body).encode()

    return _MARKER.sub(swap, data)


def _cdata(text: str) -> str:
    """CDATA section(s) for text: a literal "]]>" ends one section and starts the next."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


# --- JSON Feed 1.1 -----------------------------------------------------------------------


def render_json(
    spec: FeedSpec,
    articles: list[Article],
    settings: PublishSettings,
    *,
    self_url: str,
    now: dt.datetime,
    cache: ItemCache | None = None,
) -> bytes:
    memo = for_run(cache, settings)
    feed = jsonfeed.feed_object(spec, settings, self_url)
    items = [
        memo.json(a, now, lambda a: _item_text(a, settings, now))
        for a in sel.publishable(spec, articles)
    ]
    feed["items"] = []
    text = _dumps(feed)
    if items:
        # Each item was serialized once per run (items.py); splice them into the list.
        # Raw newlines in JSON text are only indentation, so this is the one place.
        empty = '\n "items": []'
        at = text.index(empty)
        listed = '\n "items": [\n  ' + ",\n  ".join(items) + "\n ]"
        text = text[:at] + listed + text[at + len(empty) :]
    return (text + "\n").encode("utf-8")


def _dumps(value: object) -> str:
    # Sorted keys and fixed separators: the same store gives the same bytes.
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


def _item_text(article: Article, settings: PublishSettings, now: dt.datetime) -> str:
    """The item as json.dumps of the whole feed writes it at depth 2 of the document."""
    return _dumps(_item(article, settings, now)).replace("\n", "\n  ")


def _item(article: Article, settings: PublishSettings, now: dt.datetime) -> dict[str, Any]:
    images = sel.images_of(article)
    tags = [c.label for c in sel.categories_of(article)]
    if article.urgent:
        tags.append(sel.URGENT_LABEL)
    item: dict[str, Any] = {
        "id": sel.item_id(article, settings),
        "url": article.url,
        "title": sel.title_of(article),
        "content_html": sel.body_of(article, settings),
        "summary": sel.summary_of(article),
        "date_published": sel.rfc3339(sel.published_of(article, now)),
        "date_modified": sel.rfc3339(sel.updated_of(article, now)),
        "tags": tags,
        "language": sel.language_of(article, settings),
        "_urgent": bool(article.urgent),
        "_images": [
            {
                "url": i.url,
                "caption": i.caption,
                "credit": i.credit,
                "width": i.width,
                "height": i.height,
            }
            for i in images
        ],
    }
    sources = sel.sources_of(article)
    if sources:
        # The story's other wires (a deduplicated feed shows the story once).
        item["_also_in"] = [
            {"partner": s.partner_id, "name": s.name, "url": s.url, "title": s.title}
            for s in sources
        ]
    author = sel.author_of(article)
    if author:
        item["authors"] = [{"name": author}]
    if images:
        item["image"] = images[0].url
        attachments = []
        for i in images:
            attachment: dict[str, Any] = {"url": i.url, "mime_type": sel.image_type(i)}
            if i.caption:
                attachment["title"] = i.caption
            if i.length:
                attachment["size_in_bytes"] = i.length
            attachments.append(attachment)
        item["attachments"] = attachments
    return item
