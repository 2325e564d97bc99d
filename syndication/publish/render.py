"""RSS 2.0 and Atom 1.0 bytes for one feed: a head template, the items' pre-serialised
fragments (fragments.py, cached per article by items.py), the closing tags.

The bytes are those of the feedgen-based reference renderer (reference.py), which the
tests hold this module to (golden files, random articles): element and attribute order,
namespace declarations, escaping, the ``<?xml-stylesheet?>`` instruction. The build dates
are the newest article's (never the clock, so unchanged feeds give identical bytes).
"""

from __future__ import annotations

import datetime as dt

from syndication.config import PublishSettings
from syndication.model import Article, FeedSpec
from syndication.publish import escape as esc
from syndication.publish import fragments as frag
from syndication.publish import select as sel
from syndication.publish.history import HISTORY_NS, History
from syndication.publish.items import ItemCache, for_run

__all__ = ["History", "render_atom", "render_rss"]

GENERATOR = "syndication"
STYLESHEET = "feed.xsl"
ATOM_NS = "http://www.w3.org/2005/Atom"
_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"
_STYLESHEET_PI = f'<?xml-stylesheet type="text/xsl" href="{STYLESHEET}"?>'
_EXT_NS = (
    'xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/"'
)
_RSS_OPEN = (
    f'<rss {_EXT_NS} xmlns:atom="{ATOM_NS}" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0"><channel>'
)
_ATOM_OPEN = f'<feed {_EXT_NS} xmlns="{ATOM_NS}"'


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
    head = _rss_head(spec, items, settings, self_url=self_url, now=now)

    def build(todo: list[Article]) -> list[bytes]:
        return [frag.rss_item(p, settings) for p in frag.cached(memo, todo, now)]

    parts = [head.encode()]
    parts += memo.xml_all("rss", items, now, build)
    parts.append(b"</channel></rss>")
    return b"".join(parts)  # one copy of the document


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
    head = _atom_head(spec, items, settings, self_url=self_url, now=now, history=history)

    def build(todo: list[Article]) -> list[bytes]:
        return [frag.atom_entry(p, settings) for p in frag.cached(memo, todo, now)]

    parts = [head.encode()]
    parts += memo.xml_all("atom", items, now, build)
    parts.append(b"</feed>")
    return b"".join(parts)


def _title(spec: FeedSpec, settings: PublishSettings) -> str:
    return sel.plain(spec.title, limit=sel.TITLE_MAX) or sel.plain(settings.title) or spec.key


def _description(spec: FeedSpec, settings: PublishSettings, title: str) -> str:
    return sel.plain(spec.description) or sel.plain(settings.description) or title


def _start(settings: PublishSettings) -> str:
    return _DECLARATION + (_STYLESHEET_PI if settings.stylesheet else "")


def _element(tag: str, value: str) -> str:
    return f"<{tag}>{esc.text(value)}</{tag}>"


def _rss_head(
    spec: FeedSpec,
    items: list[Article],
    settings: PublishSettings,
    *,
    self_url: str,
    now: dt.datetime,
) -> str:
    """<rss>…<channel> and the channel's elements, in feedgen's order."""
    if not settings.site_url:
        raise ValueError("Required fields not set (link)")  # as feedgen refuses it
    title = _title(spec, settings)
    updated = sel.feed_updated(items, now)
    out = [
        _start(settings),
        _RSS_OPEN,
        _element("title", title),
        _element("link", settings.site_url),
        _element("description", _description(spec, settings, title)),
        f'<atom:link href="{esc.attr(self_url)}" rel="self" type="application/rss+xml"/>',
    ]
    if settings.hub_url and not spec.private:  # private feeds are never pinged (a public hub)
        out.append(f'<atom:link href="{esc.attr(settings.hub_url)}" rel="hub"/>')
    out.append(
        f"<docs>http://www.rssboard.org/rss-specification</docs><generator>{GENERATOR}</generator>"
    )
    if settings.logo_url and sel.is_web_url(settings.logo_url):
        out += (
            "<image>",
            _element("url", settings.logo_url),
            _element("title", title),
            _element("link", settings.site_url),
            "</image>",
        )
    if settings.language:
        out.append(_element("language", settings.language))
    out.append(f"<lastBuildDate>{frag.rfc2822(updated)}</lastBuildDate>")
    out.append(f"<ttl>{max(spec.ttl, 1)}</ttl>")
    return "".join(out)


def _atom_head(
    spec: FeedSpec,
    items: list[Article],
    settings: PublishSettings,
    *,
    self_url: str,
    now: dt.datetime,
    history: History | None,
) -> str:
    """<feed> and the feed's elements, in feedgen's order, then the RFC 5005 links."""
    title = _title(spec, settings)
    updated = sel.feed_updated(items, now)
    lang = f' xml:lang="{esc.attr(settings.language)}"' if settings.language else ""
    out = [
        _start(settings),
        _ATOM_OPEN,
        lang,
        ">",
        _element("id", sel.feed_id(spec, settings)),
        _element("title", title),
        f"<updated>{updated.isoformat()}</updated>",
        f"<author><name>{esc.text(sel.plain(settings.title) or GENERATOR)}</name></author>",
        f'<link href="{esc.attr(self_url)}" rel="self" type="application/atom+xml"/>',
    ]
    if settings.hub_url and not spec.private:
        out.append(f'<link href="{esc.attr(settings.hub_url)}" rel="hub"/>')
    out.append(f'<link href="{esc.attr(settings.site_url)}" rel="alternate" type="text/html"/>')
    out.append(f"<generator>{GENERATOR}</generator>")
    if settings.logo_url and sel.is_web_url(settings.logo_url):
        out.append(_element("logo", settings.logo_url))
    out.append(_element("subtitle", _description(spec, settings, title)))
    if history is not None:
        out.append(_history(history))
    return "".join(out)


def _history(history: History) -> str:
    """The RFC 5005 links as lxml wrote them when added to feedgen's finished tree: each in
    a namespace declared on the spot with a generated prefix (ns0, ns1…), then the marker."""
    out: list[str] = []
    links = (
        ("current", history.current),
        ("prev-archive", history.prev_archive),
        ("next-archive", history.next_archive),
    )
    for rel, href in links:
        if href:
            ns = f"ns{len(out)}"
            out.append(
                f'<{ns}:link xmlns:{ns}="{ATOM_NS}" rel="{rel}" '
                f'type="application/atom+xml" href="{esc.attr(href)}"/>'
            )
    if history.archive:
        out.append(f'<fh:archive xmlns:fh="{HISTORY_NS}"/>')
    return "".join(out)
