"""Render cases: feeds whose rendered bytes are kept as golden files in tests/data/publish.

Each case is one document (RSS, Atom or JSON Feed) of a feed kind with articles chosen to
reach every branch of the renderers: images with and without captions/credits/sizes, no
image, urgent, corrected, "]]>" in a body, characters XML must escape, Arabic and bidi
text, another language, story sources, future dates, archive pages (RFC 5005), an empty
feed. ``random_articles`` makes seeded varied articles for the differential tests.

    python -m tests.support.rendercases --write   # rewrite the golden files
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from syndication.config import PublishSettings
from syndication.model import Article, Block, Category, FeedSpec, Image, StorySource
from syndication.publish.items import ItemCache
from syndication.publish.jsonfeed import render_json
from syndication.publish.render import History, render_atom, render_rss
from tests.support import DATA
from tests.support.factories import ECONOMY, MAIN, NOW, POLITICS, SETTINGS, make_article

GOLDEN = DATA / "publish"

URGENT = FeedSpec(key="urgent", title="عاجل", kind="urgent", limit=10, max_item_age=48)
CATEGORY = FeedSpec(
    key="category-politics",
    title="أخبار الشركاء: سياسة",
    kind="category",
    value="سياسة",
    description="أخبار الشركاء — سياسة",
)
PARTNER = FeedSpec(
    key="partner-akhbar", title="أخبار الشركاء: أخبار", kind="partner", value="akhbar", ttl=0
)
PRIVATE = FeedSpec(key="vip", title="", kind="main", limit=5, private=True, description="")
PLAIN_SETTINGS = dataclasses.replace(
    SETTINGS, stylesheet=False, hub_url=None, logo_url=None, language="ar-EG"
)

Renderer = Callable[..., bytes]


@dataclass(frozen=True, slots=True)
class RenderCase:
    name: str
    fmt: str  # rss, atom or json
    spec: FeedSpec
    articles: tuple[Article, ...]
    settings: PublishSettings = SETTINGS
    history: History | None = None

    @property
    def file_name(self) -> str:
        suffix = {"rss": ".rss.xml", "atom": ".atom.xml", "json": ".json"}[self.fmt]
        return self.name + suffix

    def self_url(self) -> str:
        return self.settings.base_url + self.file_name

    def render(
        self,
        rss: Renderer = render_rss,
        atom: Renderer = render_atom,
        json: Renderer = render_json,
        *,
        cache: ItemCache | None = None,
    ) -> bytes:
        """The case rendered by the given renderers (today's by default)."""
        kw: dict[str, object] = {"self_url": self.self_url(), "now": NOW, "cache": cache}
        if self.fmt == "atom" and self.history is not None:
            kw["history"] = self.history
        renderer = {"rss": rss, "atom": atom, "json": json}[self.fmt]
        return renderer(self.spec, list(self.articles), self.settings, **kw)


def _special_articles() -> tuple[Article, ...]:
    gaza = Category(label="غزة", slug="gaza")
    return (
        make_article(1),
        make_article(2, images=(), body_html="<p>خبر بلا صورة</p>", author=None),
        make_article(3, urgent=True, categories=(POLITICS, ECONOMY)),
        make_article(
            4,
            title="تصحيح: <b>عنوان</b> & \"اقتباس\" 'مفرد' > < \u200fمعدل\u202e",
            summary="ملخص\r\nبسطرين\tوجدولة & <رمز>",
            body_html="<p>قبل ]]> بعد ]]]]> ثم &amp; &lt;x&gt; \x07 \r\n نهاية</p>",
            revision=3,
            updated=dt.datetime(2026, 2, 2, 9, 15, tzinfo=dt.UTC),
        ),
        make_article(
            5,
            language="en",
            title="English story with <tags> & ampersands",
            summary="",
            blocks=(Block("p", "Only the body text, used as summary."),),
            categories=(Category(label="عاجل", slug="urgent"), gaza, gaza),
            images=(
                Image(url="javascript:alert(1)"),
                Image(
                    url="https://img.example.com/5.webp?a=1&b=2",
                    caption='<i>caption</i> "q" & more',
                    credit=" AP ",
                    mime_type="IMAGE/WEBP",
                    width=0,
                    height=-1,
                ),
                Image(url="https://img.example.com/5.webp?a=1&b=2", caption="duplicate"),
                Image(url="https://img.example.com/5.gif", alt="alt only"),
            ),
            author="  Jane\x0b Doe  ",
        ),
        make_article(
            6,
            published=NOW + dt.timedelta(days=2),  # clamped to NOW
            updated=NOW + dt.timedelta(days=3),
            sources=(
                StorySource(
                    partner_id="wire",
                    name="وكالة <الأنباء>",
                    url="https://wire.example.com/a?x=1&y=2",
                    title='عنوان "آخر"',
                    feed_url="https://feeds.example.org/feeds/partner-wire.rss.xml",
                ),
                StorySource(
                    partner_id="bad",
                    name="bad",
                    url="ftp://bad.example.com/",
                    title="",
                    feed_url="https://feeds.example.org/feeds/partner-bad.rss.xml",
                ),
            ),
        ),
        make_article(
            7,
            published=dt.datetime(2026, 2, 1, 10, 0, 0, 123456, tzinfo=dt.UTC),  # microseconds
            updated=dt.datetime(2026, 2, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=3))),
            body_html="نص بلا غلاف <b>عريض</b> \u2066معزول\u2069 \U0001f600",
            title="",
            summary="ملخص فقط يصبح عنوانا",
        ),
        make_article(8, url="not a url"),  # skipped: no http(s) URL
        make_article(9, language="fa", title="x" * 400, body_html="  "),
    )


def cases() -> list[RenderCase]:
    special = _special_articles()
    plain = tuple(make_article(n, urgent=n % 4 == 0) for n in range(10, 22))
    urgent = tuple(a for a in special + plain if a.urgent)
    out: list[RenderCase] = []
    for fmt in ("rss", "atom", "json"):
        out += [
            RenderCase(f"main-{fmt}", fmt, MAIN, special + plain),
            RenderCase(f"special-{fmt}", fmt, dataclasses.replace(MAIN, limit=50), special),
            RenderCase(f"urgent-{fmt}", fmt, URGENT, urgent),
            RenderCase(f"category-{fmt}", fmt, CATEGORY, plain[:5]),
            RenderCase(f"partner-{fmt}", fmt, PARTNER, special[:3], PLAIN_SETTINGS),
            RenderCase(f"private-{fmt}", fmt, PRIVATE, plain[:2]),
            RenderCase(f"empty-{fmt}", fmt, MAIN, ()),
            RenderCase(f"empty-plain-{fmt}", fmt, MAIN, (), PLAIN_SETTINGS),
        ]
    feeds = SETTINGS.base_url
    out += [
        RenderCase(
            "archive-current-atom",
            "atom",
            URGENT,
            urgent,
            history=History(prev_archive=feeds + "archive/urgent-2.atom.xml"),
        ),
        RenderCase(
            "archive-page-atom",
            "atom",
            URGENT,
            urgent[:2],
            history=History(
                current=feeds + "urgent.atom.xml",
                prev_archive=feeds + "archive/urgent-1.atom.xml",
                next_archive=feeds + "archive/urgent-3.atom.xml?a=1&b=2",
                archive=True,
            ),
        ),
        RenderCase("archive-empty-atom", "atom", URGENT, (), history=History(archive=True)),
    ]
    return out


# --- random articles for differential tests -------------------------------------------------

_ALPHABET = (
    "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئةى"
    "abcXYZ0123456789 \t\n\r&<>\"'];]]>=/-.:?#"
    "\u200b\u200f\u202b\u202e\u2066\u061c\ufeff\u00a0\u2028\u0085\x7f"
    "\x00\x01\x0b\x0c\x1f\ud800\ufffe\uffff\U0001f600é€ﷺ"
)


def _text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, n)))


def _maybe(rng: random.Random, value: object) -> object:
    return value if rng.random() < 0.7 else None


def _url(rng: random.Random, n: int, kind: str) -> str:
    if rng.random() < 0.05:
        return rng.choice(["javascript:x", "ftp://x.example/", "https://", "https://a b/"])
    query = rng.choice(["", "?a=1&b=2", "?q=" + "عربي", "#frag'x"])
    ext = rng.choice([".jpg", ".png", ".gif", ".webp", ".avif", ".svg", ".JPEG", ""])
    return f"https://{kind}.example.com/{n}/{rng.randint(0, 9)}{ext}{query}"


def random_articles(seed: int, n: int) -> list[Article]:
    """n seeded articles, varied in every field the renderers read."""
    rng = random.Random(seed)
    base = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    out: list[Article] = []
    for i in range(n):
        images = tuple(
            Image(
                url=_url(rng, i, "img"),
                caption=_maybe(rng, _text(rng, 40)),  # type: ignore[arg-type]
                credit=_maybe(rng, _text(rng, 15)),  # type: ignore[arg-type]
                alt=_maybe(rng, _text(rng, 15)),  # type: ignore[arg-type]
                width=rng.choice([None, 0, -5, 640, 1200]),
                height=rng.choice([None, 0, 480, 800]),
                mime_type=rng.choice([None, "image/png", "IMAGE/JPEG", "text/html", "image/x y"]),
                length=rng.choice([None, 0, 1, 54321]),
            )
            for _ in range(rng.choice([0, 0, 1, 2, 3]))
        )
        body = _text(rng, 200)
        if rng.random() < 0.5:
            body = f'<div dir="rtl" lang="ar"><p>{body}</p></div>'
        if images and rng.random() < 0.5:
            body += f'<img src="{images[0].url}"/>'
        published = base + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 60))
        if rng.random() < 0.1:
            published = published.replace(microsecond=rng.randint(0, 999999))
        elif rng.random() < 0.1:
            published = published.astimezone(dt.timezone(dt.timedelta(hours=rng.randint(-5, 5))))
        updated = published + dt.timedelta(minutes=rng.choice([0, 5, -5, 60 * 24 * 90]))
        labels = ["سياسة", "اقتصاد", "عاجل", "<x>", "", "a&b", _text(rng, 10)]
        categories = tuple(
            Category(label=rng.choice(labels), slug=rng.choice(["", "politics", "a b", "x"]))
            for _ in range(rng.randint(0, 3))
        )
        sources = tuple(
            StorySource(
                partner_id=f"p{j}",
                name=_text(rng, 10),
                url=_url(rng, j, "src"),
                title=_text(rng, 20),
                feed_url=f"https://feeds.example.org/feeds/partner-p{j}.rss.xml",
            )
            for j in range(rng.choice([0, 0, 0, 1, 2]))
        )
        out.append(
            Article(
                id=f"r{seed}-{i:04d}",
                partner_id="akhbar",
                url=_url(rng, i, "news") if rng.random() < 0.97 else "mailto:x",
                guid=None,
                title=_text(rng, 80),
                summary=_text(rng, 120),
                body_html=body,
                blocks=tuple(Block("p", _text(rng, 50)) for _ in range(rng.randint(0, 2))),
                images=images,
                urgent=rng.random() < 0.2,
                published=published,
                updated=updated,
                author=rng.choice([None, "", _text(rng, 20)]),
                categories=categories,
                language=rng.choice(["ar", "en", "ar-EG", "fa", "bad lang", "", "AR"]),
                content_hash=f"h{i}",
                sources=sources,
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the golden files")
    args = parser.parse_args(argv)
    GOLDEN.mkdir(parents=True, exist_ok=True)
    differ = 0
    for case in cases():
        path: Path = GOLDEN / case.file_name
        data = case.render()
        if args.write:
            path.write_bytes(data)
        elif not path.exists() or path.read_bytes() != data:
            print(f"differs: {path.name}")
            differ += 1
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
