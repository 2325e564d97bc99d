"""OPML in and out: partner lists exchanged with other feed tools.

Import produces `[[partners]]` TOML (validated by the normal config loader before it is
written); export writes OPML 2.0 from the configured partners. OPML files come from
outside, so the XML parser resolves no entities and loads nothing from the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import quoteattr

from lxml import etree

from .arabic.slug import slugify
from .errors import ConfigError
from .model import PartnerFeed

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def partners_from_opml(path: Path, *, taken: Iterable[str] = ()) -> list[dict[str, str]]:
    """Outlines with an xmlUrl → partner tables (id, name, feed_url, site_url)."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError("cannot read the OPML file", path=str(path)) from e
    if b"<!ENTITY" in raw:
        # Entity declarations have no business in a partner list (billion laughs).
        raise ConfigError(
            "the OPML file declares XML entities; refusing it",
            path=str(path),
            hint="export it again without a DOCTYPE",
        )
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError as e:
        raise ConfigError(
            f"not valid XML: {e}", path=str(path), hint="export the OPML again from the source tool"
        ) from None
    if root.tag != "opml":
        raise ConfigError("not an OPML document (root element is not <opml>)", path=str(path))
    used = set(taken)
    out: list[dict[str, str]] = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if not url or url in used:
            continue
        name = (outline.get("title") or outline.get("text") or url).strip()
        pid = _unique_id(name, url, used)
        used.update((pid, url))
        entry = {"id": pid, "name": name, "feed_url": url}
        site = (outline.get("htmlUrl") or "").strip()
        if site:
            entry["site_url"] = site
        out.append(entry)
    return out


def partners_to_toml(partners: list[dict[str, str]]) -> str:
    blocks = []
    for p in partners:
        lines = ["[[partners]]"]
        keys = ("id", "name", "feed_url", "site_url")
        lines += [f"{k} = {_toml_str(p[k])}" for k in keys if k in p]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def partners_to_opml(partners: Iterable[PartnerFeed], *, title: str) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{_xml_text(title)}</title></head>",
        "  <body>",
    ]
    for p in partners:
        name = quoteattr(p.name)
        attrs = f'type="rss" text={name} title={name} xmlUrl={quoteattr(p.feed_url)}'
        if p.site_url:
            attrs += f" htmlUrl={quoteattr(p.site_url)}"
        lines.append(f"    <outline {attrs}/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _unique_id(name: str, url: str, used: set[str]) -> str:
    base = slugify(name) if re.search(r"\w", name) else slugify(url)
    base = re.sub(r"[^a-z0-9_-]", "-", base.lower()).strip("-")[:50] or "partner"
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _toml_str(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped)
    return f'"{escaped}"'


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
