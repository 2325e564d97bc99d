"""Our feedgen extension: what feedgen 1.0 cannot write, or writes wrong.

Used only from reference.py (the one feedgen user), registered with
``fg.register_extension("syndication", FeedExtension, EntryExtension)``.

- every image as ``media:content`` (url, medium="image", type, width, height) with its own
  ``media:description type="plain"`` (caption) and ``media:credit role="photographer"
  scheme="urn:ebu"`` (credit), never inside ``media:group`` — feedgen's media extension has
  no caption/credit and groups everything by default;
- Atom entry links rebuilt with rel/type/length: feedgen 1.0 drops them (a shadowed loop
  variable, upstream issues #135/#143), which turns an image enclosure into a second
  alternate link;
- RSS ``atom:link rel="hub"``: feedgen writes only rel="self" into RSS;
- RSS ``dc:creator`` (bylines are names, RSS <author> is an e-mail) and ``dcterms:modified``;
- per-entry ``xml:lang`` when an article is not in the feed's language.

feedgen calls these classes duck-typed (extend_ns / extend_rss / extend_atom), so they do
not subclass its untyped base classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from syndication.model import Image

MEDIA_NS = "http://search.yahoo.com/mrss/"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True, slots=True)
class MediaImage:
    """An image as we publish it: cleaned text, a known MIME type."""

    image: Image
    mime_type: str


@dataclass(frozen=True, slots=True)
class AtomLink:
    href: str
    rel: str
    type: str | None = None
    length: str | None = None
    title: str | None = None


class FeedExtension:
    """Channel level: namespaces and the RSS hub link."""

    def __init__(self) -> None:
        self.hub_url: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"media": MEDIA_NS, "dc": DC_NS, "dcterms": DCTERMS_NS}

    def extend_rss(self, rss: etree._Element) -> etree._Element:
        channel = rss.find("channel")
        if channel is not None and self.hub_url:
            link = etree.Element(f"{{{ATOM_NS}}}link", href=self.hub_url, rel="hub")
            selfs = channel.findall(f"{{{ATOM_NS}}}link")
            if selfs:
                selfs[-1].addnext(link)
            else:
                channel.append(link)
        return rss

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        return feed  # feedgen writes feed-level Atom links correctly


@dataclass(slots=True)
class EntryExtension:
    """Item / entry level. Set the fields, feedgen calls extend_rss or extend_atom."""

    images: list[MediaImage] = field(default_factory=list)
    creator: str | None = None
    modified: str | None = None  # RFC 3339, RSS only (Atom has <updated>)
    lang: str | None = None  # set only when it differs from the feed's language
    links: list[AtomLink] = field(default_factory=list)  # Atom entry links, complete
    # RSS <source url="feed">name</source>, one per other wire of the story
    sources: list[tuple[str, str]] = field(default_factory=list)

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_rss(self, item: etree._Element) -> etree._Element:
        if self.creator:
            etree.SubElement(item, f"{{{DC_NS}}}creator").text = self.creator
        if self.modified:
            etree.SubElement(item, f"{{{DCTERMS_NS}}}modified").text = self.modified
        for url, name in self.sources:
            etree.SubElement(item, "source", url=url).text = name
        self._media(item)
        return item

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        # feedgen's entry links have lost rel/type/length: drop them, write ours.
        for old in [el for el in entry if el.tag in ("link", f"{{{ATOM_NS}}}link")]:
            entry.remove(old)
        for link in self.links:
            el = etree.SubElement(entry, "link", href=link.href, rel=link.rel)
            if link.type:
                el.set("type", link.type)
            if link.length:
                el.set("length", link.length)
            if link.title:
                el.set("title", link.title)
        if self.lang:
            entry.set(XML_LANG, self.lang)
        self._media(entry)
        return entry

    def _media(self, parent: etree._Element) -> None:
        for media in self.images:
            image = media.image
            content = etree.SubElement(
                parent, f"{{{MEDIA_NS}}}content", url=image.url, medium="image"
            )
            content.set("type", media.mime_type)
            if image.length:
                content.set("fileSize", str(image.length))
            if image.width:
                content.set("width", str(image.width))
            if image.height:
                content.set("height", str(image.height))
            if image.caption:
                desc = etree.SubElement(content, f"{{{MEDIA_NS}}}description", type="plain")
                desc.text = image.caption
            if image.credit:
                credit = etree.SubElement(
                    content, f"{{{MEDIA_NS}}}credit", role="photographer", scheme="urn:ebu"
                )
                credit.text = image.credit
