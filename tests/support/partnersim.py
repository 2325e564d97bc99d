"""A partner simulator: realistic Arabic RSS feeds and article pages served by tests.httpsite.

Used by the ingest tests and by benchmarks/ (which generate hundreds of partners). Each
article page looks like a real Arabic news site: header, nav with an "عاجل" section link,
a breaking-news ticker of OTHER stories, share bar with "تم نسخ الرابط", related links,
a figure with caption and credit, subheadings, comments and footer.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field, replace
from email.utils import format_datetime

from tests.support.httpsite import Route, Site

TOPICS = [
    ("اقتصاد", "البنك المركزي يبقي أسعار الفائدة دون تغيير للمرة الثالثة"),
    ("رياضة", "المنتخب الوطني يتأهل إلى نهائي كأس العرب بعد فوز مثير"),
    ("سياسة", "البرلمان يناقش مشروع قانون الإدارة المحلية في جلسة مطولة"),
    ("ثقافة", "افتتاح معرض الكتاب الدولي بمشاركة أربعين دولة"),
    ("تكنولوجيا", "إطلاق أول قمر صناعي لرصد الطقس من تصميم مهندسين عرب"),
    ("محليات", "محافظة القاهرة تعلن خطة لتطوير شبكة النقل العام"),
]

PARAGRAPH = (
    "وأوضح المتحدث الرسمي في تصريحات صحفية أن الخطة الجديدة تستهدف تحسين مستوى الخدمات "
    "المقدمة للمواطنين خلال الأشهر المقبلة، مشيرا إلى أن التنفيذ سيبدأ على مراحل متتالية "
    "بالتنسيق مع الجهات المعنية، وأن النتائج الأولية ستعلن قبل نهاية العام الجاري."
)


@dataclass(frozen=True)
class SimArticle:
    slug: str
    title: str
    category: str
    published: dt.datetime
    paragraphs: tuple[str, ...]
    subheading: str = "تفاصيل القرار"
    image: str | None = None
    caption: str | None = None
    credit: str | None = None
    urgent: bool = False  # shown as a title prefix in the feed and a badge on the page
    guid: str | None = None  # None → no <guid> in the feed


@dataclass
class SimPartner:
    pid: str
    articles: list[SimArticle] = field(default_factory=list)

    def feed_path(self) -> str:
        return f"/p/{self.pid}/feed.xml"

    def page_path(self, article: SimArticle) -> str:
        return f"/p/{self.pid}/news/{article.slug}.html"


def make_articles(pid: str, n: int, *, start: dt.datetime | None = None) -> list[SimArticle]:
    start = start or dt.datetime(2025, 9, 26, 12, 0, tzinfo=dt.UTC)
    out = []
    for i in range(n):
        category, headline = TOPICS[i % len(TOPICS)]
        out.append(
            SimArticle(
                slug=f"{pid}-{i}",
                title=f"{headline} ({i})",
                category=category,
                published=start - dt.timedelta(minutes=7 * i),
                paragraphs=(PARAGRAPH, PARAGRAPH.replace("الخطة", "المبادرة"), PARAGRAPH[:120]),
                image=f"https://img.{pid}.example/{i}.jpg",
                caption=f"صورة من موقع الحدث رقم {i}",
                credit="تصوير: وكالة الأنباء",
                guid=f"urn:{pid}:{i}",
            )
        )
    return out


def rss(site_url: str, partner: SimPartner) -> bytes:
    items = []
    for a in partner.articles:
        title = ("عاجل: " if a.urgent else "") + a.title
        guid = f'<guid isPermaLink="false">{html.escape(a.guid)}</guid>' if a.guid else ""
        media = ""
        if a.image:
            media = (
                f'<media:content url="{a.image}" medium="image" type="image/jpeg" width="1200" '
                f'height="800"><media:description>{html.escape(a.caption or "")}</media:description>'
                f"<media:credit>{html.escape(a.credit or '')}</media:credit></media:content>"
            )
        items.append(
            f"<item><title>{html.escape(title)}</title>"
            f"<link>{site_url}{partner.page_path(a)}</link>{guid}"
            f"<pubDate>{format_datetime(a.published)}</pubDate>"
            f"<category>{html.escape(a.category)}</category>"
            f"<description>{html.escape(a.paragraphs[0][:160])}</description>{media}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
        f"<channel><title>شريك {partner.pid}</title><link>{site_url}/p/{partner.pid}/</link>"
        f"<description>آخر الأخبار</description><language>ar</language>{''.join(items)}"
        "</channel></rss>"
    ).encode()


def page(site_url: str, partner: SimPartner, a: SimArticle) -> bytes:
    esc = html.escape
    canonical = f"{site_url}{partner.page_path(a)}"
    figure = ""
    if a.image:
        figure = (
            f'<figure class="lead"><img src="{a.image}" alt="{esc(a.title)}" width="1200" '
            f'height="800"><figcaption>{esc(a.caption or "")}'
            f'<span class="credit">{esc(a.credit or "")}</span></figcaption></figure>'
        )
    body = [f"<p>{esc(a.paragraphs[0])}</p>", f"<h2>{esc(a.subheading)}</h2>"]
    body += [f"<p>{esc(p)}</p>" for p in a.paragraphs[1:]]
    body.insert(
        2,
        '<div class="read-also"><strong>اقرأ أيضا:</strong> '
        '<a href="/p/x/other.html">عاجل: خبر آخر لا علاقة له</a></div>',
    )
    badge = '<span class="badge urgent">عاجل</span>' if a.urgent else ""
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{esc(a.title)} - شريك {partner.pid}</title>
<link rel="canonical" href="{canonical}">
<meta property="og:title" content="{esc(a.title)}">
<meta property="og:url" content="{canonical}">
<meta property="article:published_time" content="{a.published.isoformat()}">
<meta property="article:section" content="{esc(a.category)}">
<script>window.dataLayer = [];</script>
</head><body>
<header><a class="logo" href="/"><h1>شريك {partner.pid}</h1></a>
<nav><ul><li><a href="/section/urgent">أخبار عاجلة</a></li><li><a href="/section/sport">رياضة</a></li></ul></nav>
<div class="ticker"><span>عاجل</span><ul><li><a href="/n/1">عاجل: زلزال بقوة خمس درجات</a></li></ul></div>
</header>
<main><article>
{badge}<h1 class="title">{esc(a.title)}</h1>
<div class="byline">كتب أحمد علي</div>
<time datetime="{a.published.isoformat()}">{a.published:%Y-%m-%d %H:%M}</time>
{figure}
<div class="article-body">{"".join(body)}</div>
<div class="share"><a href="#">فيسبوك</a><a href="#">تويتر</a><button>نسخ الرابط</button><span class="toast">تم نسخ الرابط</span></div>
</article>
<aside class="most-read"><h3>الأكثر قراءة</h3><ul><li><a href="/n/2">خبر جانبي</a></li></ul></aside>
<section class="comments"><h3>التعليقات</h3><p>أضف تعليق</p></section>
</main>
<footer>جميع الحقوق محفوظة</footer>
<img src="https://track.example/pixel.gif" width="1" height="1" alt="">
</body></html>""".encode()


def serve_partner(site: Site, partner: SimPartner, *, etag: bool = True) -> str:
    """(Re)register the partner's feed and pages on the site; returns the feed URL."""
    base = site.url("")
    for a in partner.articles:
        site.add(
            partner.page_path(a),
            Route(page(base, partner, a), content_type="text/html; charset=utf-8"),
        )
    return site.add(partner.feed_path(), Route(rss(base, partner), etag=etag))


def edited(a: SimArticle, **changes: object) -> SimArticle:
    return replace(a, **changes)  # type: ignore[arg-type]
