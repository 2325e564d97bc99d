"""normalize: feed item + scraped page → Article, one fallback order per field.

Each test builds a real FeedItem and Scraped (no parsing, no network) and checks which
source wins when both have the field, and what is used when the preferred one is missing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from syndication.config import CategoryDef
from syndication.model import Article, Block, Category, FeedItem, Image, PartnerFeed, Scraped
from syndication.normalize import (
    SUMMARY_MAX,
    TITLE_MAX,
    content_hash,
    find_author,
    find_blocks,
    find_body_html,
    find_categories,
    find_images,
    find_language,
    find_published,
    find_summary,
    find_title,
    find_updated,
    find_urgent,
    find_url,
    to_article,
)

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
CAIRO = dt.timezone(dt.timedelta(hours=2))
PARTNER = PartnerFeed(id="ahram", name="الأهرام", feed_url="https://ahram.example/rss")
FEED_URL = "https://ahram.example/news/15?utm_source=rss&id=15"
PAGE_URL = "https://www.ahram.example/News/15.aspx"


def item(**changes: Any) -> FeedItem:
    base = FeedItem(
        partner_id="ahram",
        guid="urn:ahram:15",
        url=FEED_URL,
        title="عنوان الخلاصة",
        published=dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC),
        summary="ملخص من الخلاصة.",
        author="مراسل الخلاصة",
    )
    return dataclasses.replace(base, **changes)


def page(**changes: Any) -> Scraped:
    base = Scraped(
        url=PAGE_URL,
        title="عنوان الصفحة",
        urgent=False,
        published=dt.datetime(2026, 3, 1, 10, 0, tzinfo=CAIRO),
        updated=None,
        author="كاتب الصفحة",
        categories=(),
        summary="ملخص من الصفحة.",
        blocks=(Block("p", "الفقرة الأولى من الصفحة."), Block("h2", "عنوان فرعي")),
        images=(),
        body_html="<p>الفقرة الأولى من الصفحة.</p><h2>عنوان فرعي</h2>",
        language="ar",
    )
    return dataclasses.replace(base, **changes)


# --- url -------------------------------------------------------------------------------


def test_url_prefers_the_page_canonical_and_drops_tracking() -> None:
    assert find_url(item(), page()) == "https://www.ahram.example/News/15.aspx"
    assert find_url(item(), None) == "https://ahram.example/news/15?id=15"


def test_url_falls_back_to_the_feed_link_when_the_page_url_is_not_web() -> None:
    assert find_url(item(), page(url="android-app://ahram/15")) == (
        "https://ahram.example/news/15?id=15"
    )


def test_url_without_any_web_address_keeps_what_the_feed_gave() -> None:
    assert find_url(item(url="/news/15"), None) == "/news/15"
    assert find_url(item(url=None), page(url="ftp://x/15")) == "ftp://x/15"


# --- title -----------------------------------------------------------------------------


def test_title_prefers_the_page_and_loses_the_urgent_prefix_and_bidi_marks() -> None:
    assert find_title(item(), page()) == "عنوان الصفحة"
    assert find_title(item(), page(title="عاجل: \u202bوزير الخارجية يصل\u202c")) == (
        "وزير الخارجية يصل"
    )


def test_title_falls_back_to_the_feed_then_a_placeholder() -> None:
    assert find_title(item(), page(title=None)) == "عنوان الخلاصة"
    # A page title of invisible marks only is no title at all.
    assert find_title(item(), page(title="\u200f\u200b ")) == "عنوان الخلاصة"
    assert find_title(item(title=""), None) == "(بدون عنوان)"


def test_long_title_is_cut_with_an_ellipsis() -> None:
    title = find_title(item(title="كلمة " * 200), None)
    assert len(title) == TITLE_MAX
    assert title.endswith("…")


# --- urgent ----------------------------------------------------------------------------


def test_urgent_from_the_feed_the_page_or_the_partners_urgent_categories() -> None:
    assert find_urgent(PARTNER, item(urgent=True), page()) is True
    assert find_urgent(PARTNER, item(), page(urgent=True)) is True
    partner = dataclasses.replace(PARTNER, urgent_categories=("أخبار مهمة",))
    assert find_urgent(partner, item(categories=(" أخبار مهمة ",)), None) is True
    assert find_urgent(partner, item(), page(categories=("أخبار مهمة",))) is True
    assert find_urgent(partner, item(categories=("رياضة",)), page()) is False


# --- dates -----------------------------------------------------------------------------


def test_published_is_the_feed_date_then_the_page_date_then_updated_then_now() -> None:
    feed_date = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    page_date = dt.datetime(2026, 3, 1, 10, 0, tzinfo=CAIRO)
    updated = dt.datetime(2026, 3, 1, 11, 0, tzinfo=dt.UTC)
    assert find_published(item(), page(), NOW) == feed_date
    got = find_published(item(published=None), page(), NOW)
    assert got == page_date and got.tzinfo == dt.UTC
    assert find_published(item(published=None, updated=updated), None, NOW) == updated
    assert find_published(item(published=None), page(published=None), NOW) == NOW


def test_a_date_in_the_future_is_clamped_to_a_few_minutes_after_now() -> None:
    next_year = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    published = find_published(item(published=next_year), None, NOW)
    assert NOW < published <= NOW + dt.timedelta(minutes=5)
    assert find_updated(item(updated=next_year), None, published, NOW) == published


def test_updated_is_the_latest_of_published_and_both_updates() -> None:
    published = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    later = dt.datetime(2026, 3, 1, 11, 0, tzinfo=dt.UTC)
    assert find_updated(item(), None, published, NOW) == published
    assert find_updated(item(updated=later), page(), published, NOW) == later
    assert find_updated(item(), page(updated=later), published, NOW) == later


# --- author, language ------------------------------------------------------------------


def test_author_prefers_the_page_byline_then_the_feed() -> None:
    assert find_author(item(), page()) == "كاتب الصفحة"
    assert find_author(item(), page(author=" \u200f ")) == "مراسل الخلاصة"
    assert find_author(item(author=None), page(author=None)) is None


def test_language_from_the_page_else_detected_else_arabic() -> None:
    assert find_language(page(language="fr"), "عنوان", ()) == "fr"
    english = (Block("p", "The minister arrived today in the capital for talks."),)
    assert find_language(None, "Minister arrives", english) == "en"
    assert find_language(None, "123", ()) == "ar"


# --- categories ------------------------------------------------------------------------


def test_categories_merge_feed_and_page_skip_urgency_and_apply_the_partner_map() -> None:
    partner = dataclasses.replace(
        PARTNER, category_map=(("سياسه", "سياسة"),), urgent_categories=("هام",)
    )
    got = find_categories(
        partner,
        item(categories=("سياسه", "عاجل", "هام", "اقتصاد")),
        page(categories=("سياسة", "رياضة")),
        (),
    )
    assert [c.label for c in got] == ["سياسة", "اقتصاد", "رياضة"]
    assert len({c.slug for c in got}) == 3


def test_with_our_taxonomy_only_known_labels_and_aliases_survive() -> None:
    ours = (
        CategoryDef(label="سياسة", slug="politics", aliases=("شؤون سياسية",)),
        CategoryDef(label="اقتصاد", slug="economy"),
    )
    got = find_categories(PARTNER, item(categories=("شؤون سياسية", "منوعات", "اقتصاد")), None, ours)
    assert got == (
        Category(label="سياسة", slug="politics"),
        Category(label="اقتصاد", slug="economy"),
    )


# --- summary, blocks, body -------------------------------------------------------------


def test_summary_is_the_feeds_then_the_pages_then_the_first_paragraph() -> None:
    blocks = (Block("h2", "عنوان فرعي"), Block("p", "الفقرة الأولى."))
    assert find_summary(item(summary="<p>ملخص <b>الخلاصة</b></p>"), page(), blocks) == (
        "ملخص الخلاصة"
    )
    assert find_summary(item(summary=None), page(), blocks) == "ملخص من الصفحة."
    assert find_summary(item(summary=" "), page(summary=None), blocks) == "الفقرة الأولى."
    assert find_summary(item(summary=None), None, ()) == ""


def test_summary_is_plain_text_of_at_most_its_limit() -> None:
    got = find_summary(item(summary="<p>" + "جملة طويلة. " * 100 + "</p>"), None, ())
    assert len(got) == SUMMARY_MAX and got.endswith("…") and "<" not in got


def test_blocks_are_the_pages_else_the_feed_content_else_the_summary() -> None:
    assert find_blocks(item(), page()) == page().blocks
    from_content = find_blocks(item(content_html="<p>الأولى</p><p>الثانية</p>"), page(blocks=()))
    assert from_content == (Block("p", "الأولى"), Block("p", "الثانية"))
    lines = find_blocks(item(content_html="سطر أول<br>سطر &amp; ثان<script>x</script>"), None)
    assert lines == (Block("p", "سطر أول"), Block("p", "سطر & ثان"))
    assert find_blocks(item(summary="ملخص فقط"), None) == (Block("p", "ملخص فقط"),)


def test_body_is_the_pages_else_the_feeds_else_built_from_blocks_sanitized_and_rtl() -> None:
    assert find_body_html(item(), page(), (), PAGE_URL) == (
        '<div dir="rtl" lang="ar"><p>الفقرة الأولى من الصفحة.</p><h2>عنوان فرعي</h2></div>'
    )
    hostile = '<p onclick="steal()">نص</p><script>alert(1)</script><img src="/i.jpg">'
    assert find_body_html(item(content_html=hostile), page(body_html=" "), (), PAGE_URL) == (
        '<div dir="rtl" lang="ar"><p>نص</p><img src="https://www.ahram.example/i.jpg"></div>'
    )
    blocks = (Block("p", "نص <b>"), Block("h2", "عنوان"), Block("quote", "قول"))
    assert find_body_html(item(), None, blocks, PAGE_URL) == (
        '<div dir="rtl" lang="ar"><p>نص &lt;b&gt;</p><h2>عنوان</h2><blockquote>قول</blockquote></div>'
    )


# --- images ----------------------------------------------------------------------------


def test_images_page_first_then_feed_media_merged_by_url() -> None:
    lead = "https://img.example/lead.jpg"
    extra = "https://img.example/extra.jpg"
    got = find_images(
        item(
            images=(
                Image(url=lead, caption="تعليق الخلاصة", credit="وكالة", width=1200),
                Image(url=extra, caption=" صورة إضافية "),
                Image(url="data:image/png;base64,AAAA"),
            )
        ),
        page(images=(Image(url=lead, alt="نص بديل"),)),
    )
    assert got == (
        Image(url=lead, caption="تعليق الخلاصة", credit="وكالة", alt="نص بديل", width=1200),
        Image(url=extra, caption="صورة إضافية"),
    )


def test_the_page_caption_wins_over_the_feeds() -> None:
    url = "https://img.example/lead.jpg"
    got = find_images(
        item(images=(Image(url=url, caption="تعليق الخلاصة"),)),
        page(images=(Image(url=url, caption="تعليق الصفحة"),)),
    )
    assert [i.caption for i in got] == ["تعليق الصفحة"]


# --- the whole article -----------------------------------------------------------------


def build(feed: FeedItem, scraped: Scraped | None = None) -> Article:
    return to_article(PARTNER, feed, scraped or page(), article_id="a1", item_hash="h1", now=NOW)


def test_to_article_hashes_what_readers_see_not_dates_or_ids() -> None:
    article = build(item())
    assert article.content_hash == content_hash(article)
    assert (article.url, article.title, article.author) == (
        PAGE_URL,
        "عنوان الصفحة",
        "كاتب الصفحة",
    )
    moved = build(item(published=dt.datetime(2026, 2, 1, tzinfo=dt.UTC)))
    assert moved.published != article.published
    assert moved.content_hash == article.content_hash  # a re-dated story is "unchanged"
    assert build(item(), page(title="عنوان معدل")).content_hash != article.content_hash


@pytest.mark.parametrize("field", ["title", "summary", "body_html", "urgent", "author", "url"])
def test_every_visible_field_changes_the_content_hash(field: str) -> None:
    article = build(item())
    values: dict[str, Any] = {"urgent": not article.urgent, "url": "https://x.example/2"}
    value = values.get(field, "نص آخر")
    assert content_hash(dataclasses.replace(article, **{field: value})) != article.content_hash
