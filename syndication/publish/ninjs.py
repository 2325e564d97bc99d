"""IPTC ninjs 3.0 ("News in JSON"): the format agency systems exchange stories in.

One file per public feed, `feeds/<key>.ninjs.json`: a JSON array of ninjs 3.0 objects,
newest first, the same articles as the feed's RSS/Atom/JSON Feed files, followed by one
object with `pubStatus: "canceled"` for each article of the feed's selection killed in
the last KILL_NOTICE_HOURS (so a partner's system takes the story down too). A canceled
object carries no headline or body: a story killed for legal reasons must not be
republished by its own take-down notice.

Mapping (docs/editorial.md): `uri` is the item's stable tag URI (as the Atom id);
`version` counts corrections; `urgency` is 1 for urgent stories and 5 (the IPTC
"normal") otherwise; categories are `subjects`; each image is an `associations` entry of
type picture with its caption (`descriptions`), credit (`by`) and a rendition.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from syndication.config import PublishSettings
from syndication.model import Article, FeedSpec, Image
from syndication.publish import select as sel
from syndication.publish.items import ItemCache

NINJS_VERSION = "3.0"
NINJS_SCHEMA = "http://www.iptc.org/std/ninjs/ninjs-schema_3.0.json#"
FILE_SUFFIX = ".ninjs.json"
URGENT_URGENCY = 1
NORMAL_URGENCY = 5
KILL_NOTICE_HOURS = 48
_STANDARD = {"name": "ninjs", "version": NINJS_VERSION, "schema": NINJS_SCHEMA}


def render_ninjs(
    spec: FeedSpec,
    articles: list[Article],
    killed: list[Article],
    settings: PublishSettings,
    *,
    now: dt.datetime,
    cache: ItemCache | None = None,
) -> bytes:
    """The feed's ninjs file. Deterministic (no clock in the bytes) so an unchanged
    selection rewrites nothing. `cache` (made for `settings`) keeps each article's object
    for the other feeds it is in, as it does the feed formats' items."""

    def build(todo: list[Article]) -> list[str]:
        return [json.dumps(item(a, settings, now), ensure_ascii=False) for a in todo]

    shown = sel.publishable(spec, articles)
    lines = cache.ninjs_all(shown, now, build) if cache is not None else build(shown)
    lines += [json.dumps(canceled(a, settings), ensure_ascii=False) for a in killed]
    # One object a line: as easy to diff as an indented file, and written by json's C
    # encoder (any `indent` falls back to its Python one, which took two thirds of a
    # publish run).
    text = "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"
    return text.encode("utf-8")


def item(article: Article, settings: PublishSettings, now: dt.datetime) -> dict[str, Any]:
    value: dict[str, Any] = {
        "uri": sel.item_id(article, settings),
        "standard": dict(_STANDARD),
        "type": "text",
        "representationType": "full",
        "version": str(article.revision),
        "firstCreated": sel.rfc3339(sel.published_of(article, now)),
        "versionCreated": sel.rfc3339(sel.updated_of(article, now)),
        "pubStatus": "usable",
        "urgency": URGENT_URGENCY if article.urgent else NORMAL_URGENCY,
        "language": sel.language_of(article, settings),
        "headlines": [{"role": "main", "value": sel.title_of(article)}],
        "descriptions": [{"role": "summary", "value": sel.summary_of(article)}],
        "bodies": [_body(article, settings)],
        "altIds": _alt_ids(article),
        "renditions": [{"name": "web", "href": article.url, "contentType": "text/html"}],
    }
    if article.embargo_until is not None:
        value["embargoedUntil"] = sel.rfc3339(sel.instant(article.embargo_until))
    author = sel.author_of(article)
    if author:
        value["by"] = author
    subjects = [_subject(label, slug, settings) for label, slug in _categories(article)]
    if subjects:
        value["subjects"] = subjects
    associations = [_picture(article, n, image) for n, image in enumerate(sel.images_of(article))]
    if associations:
        value["associations"] = associations
    return value


def canceled(article: Article, settings: PublishSettings) -> dict[str, Any]:
    """The take-down notice of a killed article: identity and status, no content."""
    killed_at = article.killed_at or article.updated
    return {
        "uri": sel.item_id(article, settings),
        "standard": dict(_STANDARD),
        "type": "text",
        "representationType": "partial",
        "version": str(article.revision),
        "versionCreated": sel.rfc3339(sel.instant(killed_at)),
        "pubStatus": "canceled",
        "language": sel.language_of(article, settings),
    }


def _body(article: Article, settings: PublishSettings) -> dict[str, Any]:
    text = article.body_text
    return {
        "role": "main",
        "contentType": "text/html",
        "charCount": len(text.replace("\n", "")),
        "wordCount": len(text.split()),
        "value": sel.body_of(article, settings),
    }


def _alt_ids(article: Article) -> list[dict[str, str]]:
    ids = [{"role": "partner", "value": article.partner_id}]
    guid = sel.plain(article.guid, limit=500)
    if guid:
        ids.append({"role": "partner-guid", "value": guid})
    return ids


def _categories(article: Article) -> list[tuple[str, str]]:
    return [(c.label, c.slug) for c in sel.categories_of(article)]


def _subject(label: str, slug: str, settings: PublishSettings) -> dict[str, Any]:
    subject: dict[str, Any] = {"name": label, "rel": "category", "literal": slug}
    if settings.scheme_base and sel.is_web_url(settings.scheme_base):
        base = (
            settings.scheme_base
            if settings.scheme_base.endswith("/")
            else settings.scheme_base + "/"
        )
        subject["uri"] = f"{base}category/{slug}"
    return subject


def _picture(article: Article, n: int, image: Image) -> dict[str, Any]:
    rendition: dict[str, Any] = {
        "name": "original",
        "href": image.url,
        "contentType": sel.image_type(image),
    }
    if image.width:
        rendition["width"] = image.width
    if image.height:
        rendition["height"] = image.height
    if image.length:
        rendition["sizeInBytes"] = image.length
    picture: dict[str, Any] = {
        "name": "featureimage" if n == 0 else f"image{n + 1}",
        "rel": "image",
        "uri": image.url,
        "type": "picture",
        "renditions": [rendition],
    }
    if image.caption:
        picture["descriptions"] = [{"role": "caption", "value": image.caption}]
    if image.credit:
        picture["by"] = image.credit
    if image.alt:
        picture["headlines"] = [{"role": "alt", "value": image.alt}]
    return picture


def matches(article: Article, spec: FeedSpec, category_slug: str | None) -> bool:
    """Whether a (killed) article belongs to the feed's selection."""
    if spec.kind == "urgent":
        return article.urgent
    if spec.kind == "partner":
        return article.partner_id == (spec.value or "")
    if spec.kind == "category":
        return any(c.slug == category_slug for c in article.categories)
    return True


__all__ = ["FILE_SUFFIX", "KILL_NOTICE_HOURS", "NINJS_SCHEMA", "matches", "render_ninjs"]
