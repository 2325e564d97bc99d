"""feeds/index.html: every public feed, with autodiscovery links in <head>.

Built only from the feed list, with no date in it, so it stays byte-identical (and is not
rewritten) until the set of feeds or their titles change.
"""

from __future__ import annotations

import html

from syndication.config import PublishSettings
from syndication.model import FeedSpec
from syndication.publish import select as sel

FORMAT_LABEL = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}


def render_index(specs: list[FeedSpec], settings: PublishSettings) -> bytes:
    public = [s for s in specs if not s.private]
    lang = html.escape(settings.language, quote=True)
    site_title = html.escape(sel.plain(settings.title) or "syndication")
    head: list[str] = []
    rows: list[str] = []
    for spec in public:
        title = html.escape(sel.plain(spec.title) or spec.key, quote=True)
        links: list[str] = []
        for fmt in spec.formats:
            url = html.escape(sel.self_url(settings, sel.file_name(spec, fmt)), quote=True)
            head.append(
                f'<link rel="alternate" type="{sel.MIME_TYPE[fmt]}" '
                f'title="{title} ({FORMAT_LABEL[fmt]})" href="{url}">'
            )
            links.append(
                f'<a href="{url}" type="{sel.MIME_TYPE[fmt]}" dir="ltr">{FORMAT_LABEL[fmt]}</a>'
            )
        description = html.escape(sel.plain(spec.description))
        rows.append(
            f'<li id="feed-{html.escape(spec.key, quote=True)}"><strong>{title}</strong>'
            + (f" — {description}" if description else "")
            + f' <span class="formats">{" · ".join(links)}</span></li>'
        )
    lines = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}" dir="rtl">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{site_title}</title>",
        *head,
        "<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;"
        "padding:0 1rem;line-height:1.6}li{margin:.5rem 0}.formats a{margin:0 .25rem}</style>",
        "</head>",
        "<body>",
        f"<h1>{site_title}</h1>",
        f"<p>{html.escape(sel.plain(settings.description))}</p>",
        '<ul class="feeds">',
        *rows,
        "</ul>",
        "</body>",
        "</html>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")
