#!/usr/bin/env python3
# Provenance: copy of the newsroom's shared reference tool tools/partner_lint.py (sha256 75d7aaf3758e7e17…), unchanged below; refresh by copying it again.
# ruff: noqa
"""News-partner profile lint for RSS 2.0 / Atom 1.0 feeds (our own checks, stdlib only).

The W3C engine checks the specs; it does NOT fail a feed for things news partners reject:
an item without <guid> (only a warning in RSS 2.0), a <media:content> without url,
duplicate ids, future dates, images without captions. This script does.

Usage: partner_lint.py [--lang ar] [--max-bytes 2000000] FEEDFILE
Output: "ERROR|WARNING <where> <code> <message>" lines, then a summary line.
Exit:   0 no errors, 1 errors, 2 not parseable / not a feed.
Sources for each rule: ../PUBLISHING.md (partner table).
"""
import argparse
import datetime as dt
import email.utils
import os
import re
import sys
import xml.etree.ElementTree as ET

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "media": "http://search.yahoo.com/mrss/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
BIDI = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
TAG = re.compile(r"<[a-zA-Z/][^>]*>")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


class Report:
    def __init__(self):
        self.errors = self.warnings = 0

    def err(self, where, code, msg):
        self.errors += 1
        print("ERROR %s %s %s" % (where, code, msg))

    def warn(self, where, code, msg):
        self.warnings += 1
        print("WARNING %s %s %s" % (where, code, msg))


def q(prefix, name):
    return "{%s}%s" % (NS[prefix], name)


def text(el):
    return (el.text or "").strip() if el is not None else ""


def check_date(r, where, value, kind, now):
    if not value:
        return
    if kind == "rfc822":
        try:
            d = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            d = None
        if d is None or d.tzinfo is None:
            r.err(where, "BadDate", "not an RFC 822 date with zone: %r" % value)
            return
    else:
        if not RFC3339.match(value):
            r.err(where, "BadDate", "not an RFC 3339 date-time: %r" % value)
            return
        d = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if d > now + dt.timedelta(minutes=10):
        r.err(where, "FutureDate", "%s is in the future (partners drop or pin such items)" % value)


def check_title(r, where, title):
    if not title:
        r.err(where, "NoTitle", "item has no title")
        return
    if TAG.search(title):
        r.err(where, "HtmlInTitle", "title contains HTML tags (MSN, SmartNews: plain text only)")
    if BIDI.search(title):
        r.warn(where, "BidiControlInTitle", "title contains bidi/zero-width control characters")
    n = len(title)
    if n < 20 or n > 150:
        r.warn(where, "TitleLength", "title is %d chars; MSN wants 20..150" % n)


def check_media(r, where, item):
    images = 0
    for mc in item.iter(q("media", "content")):
        url = mc.get("url")
        if not url and mc.find(q("media", "player")) is None:
            r.err(where, "MediaContentNoUrl", "media:content without url (and without media:player)")
            continue
        if url and not re.match(r"^https?://", url):
            r.err(where, "MediaContentRelativeUrl", "media:content url is not absolute: %r" % url)
        is_image = mc.get("medium") == "image" or (mc.get("type") or "").startswith("image/")
        if is_image:
            images += 1
            cap = mc.find(q("media", "description"))
            if cap is None:
                cap = mc.find(q("media", "title"))
            if cap is None:
                # media:description may also sit on the item / media:group level
                cap = item.find(q("media", "description"))
            if cap is None or not text(cap):
                r.warn(where, "ImageNoCaption", "image %s has no media:description/media:title" % url)
            if mc.find(q("media", "credit")) is None and item.find(q("media", "credit")) is None:
                r.warn(where, "ImageNoCredit", "image %s has no media:credit" % url)
    return images


def lint_rss(r, root, args, now):
    ch = root.find("channel")
    if ch is None:
        r.err("channel", "NoChannel", "rss without channel")
        return
    lang = text(ch.find("language"))
    if not lang.lower().startswith(args.lang):
        r.warn("channel", "Language", "<language> is %r, expected %r" % (lang, args.lang))
    links = ch.findall(q("atom", "link"))
    if not any(l.get("rel") == "self" for l in links):
        r.warn("channel", "NoSelfLink", 'no <atom:link rel="self"> (W3C, Google)')
    if not any(l.get("rel") == "hub" for l in links):
        r.warn("channel", "NoHub", 'no <atom:link rel="hub">: no WebSub push (Google, Flipboard)')
    seen = set()
    items = ch.findall("item")
    if not items:
        r.warn("channel", "Empty", "feed has no items")
    for i, it in enumerate(items, 1):
        where = "item[%d]" % i
        check_title(r, where, text(it.find("title")))
        link = text(it.find("link"))
        if not re.match(r"^https?://", link):
            r.err(where, "NoLink", "item has no absolute <link>")
        g = it.find("guid")
        gv = text(g)
        if not gv:
            r.err(where, "NoGuid", "item has no <guid> (MSN, Google dedupe on it)")
        else:
            if gv in seen:
                r.err(where, "DuplicateGuid", "guid %r repeats" % gv)
            seen.add(gv)
            perma = (g.get("isPermaLink") or "true").lower() == "true"
            if perma and not re.match(r"^https?://", gv):
                r.err(where, "GuidNotPermalink", 'guid is not a URL: set isPermaLink="false" (Google)')
        pd = text(it.find("pubDate"))
        if not pd:
            r.err(where, "NoPubDate", "item has no <pubDate> (MSN, SmartNews, Google require it)")
        check_date(r, where, pd, "rfc822", now)
        if it.find(q("content", "encoded")) is None:
            r.warn(where, "NoFullText", "no content:encoded (Google, Flipboard, SmartNews want full text)")
        if it.find(q("dc", "creator")) is None and it.find("author") is None:
            r.warn(where, "NoByline", "no dc:creator/author")
        if check_media(r, where, it) == 0 and it.find("enclosure") is None:
            r.warn(where, "NoImage", "no image (MSN auto-publish, Flipboard need one)")


def lint_atom(r, root, args, now):
    lang = root.get(XML_LANG) or ""
    if not lang.lower().startswith(args.lang):
        r.warn("feed", "Language", "feed xml:lang is %r, expected %r" % (lang, args.lang))
    links = root.findall(q("atom", "link"))
    if not any(l.get("rel") == "self" for l in links):
        r.warn("feed", "NoSelfLink", 'no <link rel="self">')
    if not any(l.get("rel") == "hub" for l in links):
        r.warn("feed", "NoHub", 'no <link rel="hub">: no WebSub push')
    seen = set()
    for i, e in enumerate(root.findall(q("atom", "entry")), 1):
        where = "entry[%d]" % i
        check_title(r, where, text(e.find(q("atom", "title"))))
        idv = text(e.find(q("atom", "id")))
        if not idv:
            r.err(where, "NoId", "entry has no <id>")
        elif idv in seen:
            r.err(where, "DuplicateId", "id %r repeats" % idv)
        seen.add(idv)
        for tag in ("updated", "published"):
            check_date(r, where, text(e.find(q("atom", tag))), "rfc3339", now)
        if not any(l.get("rel", "alternate") == "alternate" for l in e.findall(q("atom", "link"))):
            r.err(where, "NoAlternate", "entry has no alternate link")
        c = e.find(q("atom", "content"))
        if c is None:
            r.warn(where, "NoFullText", "no <content>")
        elif c.get("type") not in (None, "text", "html", "xhtml") and "/" not in c.get("type", ""):
            r.err(where, "BadContentType", "content type=%r" % c.get("type"))
        if e.find(q("atom", "author")) is None and root.find(q("atom", "author")) is None:
            r.warn(where, "NoByline", "no author")
        encl = [l for l in e.findall(q("atom", "link")) if l.get("rel") == "enclosure"]
        if check_media(r, where, e) == 0 and not encl:
            r.warn(where, "NoImage", "no image")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("feed")
    ap.add_argument("--lang", default="ar")
    ap.add_argument("--max-bytes", type=int, default=2_000_000, help="Google News: 2 MB per feed")
    args = ap.parse_args()
    r = Report()
    size = os.path.getsize(args.feed)
    if size > args.max_bytes:
        r.warn("file", "TooBig", "%d bytes > %d" % (size, args.max_bytes))
    try:
        root = ET.parse(args.feed).getroot()
    except ET.ParseError as e:
        print("ERROR file NotWellFormed %s" % e)
        print("partner-lint: errors=1 warnings=0")
        return 2
    now = dt.datetime.now(dt.timezone.utc)
    if root.tag == "rss":
        lint_rss(r, root, args, now)
    elif root.tag == q("atom", "feed"):
        lint_atom(r, root, args, now)
    else:
        print("ERROR file NotAFeed root element %s" % root.tag)
        return 2
    print("partner-lint: errors=%d warnings=%d" % (r.errors, r.warnings))
    return 1 if r.errors else 0


if __name__ == "__main__":
    sys.exit(main())
