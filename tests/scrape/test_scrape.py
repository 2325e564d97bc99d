"""Unit cases for the article scraper: one small inline page per rule."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

import syndication.scrape as scrape_pkg
from syndication.arabic.text import matching_key
from syndication.errors import ScrapeError
from syndication.model import ScrapeRules
from syndication.scrape import MAX_PAGE_CHARS, rules_for_url, scoring, scrape
from syndication.scrape.boilerplate import remove_boilerplate
from syndication.scrape.credits import split_credit
from syndication.scrape.images import parse_srcset
from syndication.scrape.page import parse_page
from tests.support.factories import PARA, PARA2, TITLE

URL = "https://news.example/ar/story/1"


def page(body: str = "", head: str = "", html_attrs: str = 'lang="ar" dir="rtl"') -> str:
    """A small article page; *body* goes inside the article after two real paragraphs."""
    return f"""<!DOCTYPE html><html {html_attrs}><head><meta charset="utf-8">
<title>{TITLE} - موقع الأخبار</title>{head}</head><body>
<nav class="menu"><a href="/">الرئيسية</a></nav>
<article><h1>{TITLE}</h1>
<div class="article-body"><p>{PARA}</p><p>{PARA2}</p>{body}</div></article>
<footer>جميع الحقوق محفوظة</footer></body></html>"""


# --- images ---------------------------------------------------------------------------------


def test_lazy_image_real_url_beats_placeholder_src() -> None:
    s = scrape(
        page(
            '<img src="/img/placeholder.gif" data-src="/photos/a.jpg" alt="حقل قمح">'
            '<img src="data:image/gif;base64,R0lGOD" data-lazy-src="/photos/b.jpg" alt="">'
            '<img src="/img/blank.gif" data-original="/photos/c.jpg" alt="">'
        ),
        URL,
    )
    assert [i.url for i in s.images] == [
        "https://news.example/photos/a.jpg",
        "https://news.example/photos/b.jpg",
        "https://news.example/photos/c.jpg",
    ]


def test_srcset_largest_candidate_wins() -> None:
    s = scrape(
        page(
            '<img srcset="/p/s.jpg 320w, /p/l.jpg 1280w, /p/m.jpg 640w" width="320" height="180">'
        ),
        URL,
    )
    (image,) = s.images
    assert image.url == "https://news.example/p/l.jpg"
    assert (image.width, image.height) == (1280, 720)
    assert parse_srcset("a.jpg 1x,b.jpg 2x") == [("a.jpg", 1.0), ("b.jpg", 2.0)]


def test_noscript_image_used_when_src_is_a_placeholder() -> None:
    s = scrape(
        page(
            '<img src="/img/lazy-placeholder.png"><noscript><img src="/photos/real.jpg"></noscript>'
        ),
        URL,
    )
    assert [i.url for i in s.images] == ["https://news.example/photos/real.jpg"]


def test_tracking_pixels_icons_logos_and_data_uris_are_refused_and_duplicates_merged() -> None:
    s = scrape(
        page(
            '<img src="https://stats.example/p.gif" width="1" height="1">'
            '<img src="/icons/facebook.png" width="24" height="24">'
            '<img src="/images/site-logo.png">'
            '<img src="data:image/png;base64,iVBORw0KGgo=">'
            '<img src="/img/icon.svg">'
            '<img src="/photos/x.jpg?w=300" alt="">'
            '<figure><img src="/photos/x.jpg?w=900"><figcaption>مزارعون في الحقل</figcaption></figure>'
        ),
        URL,
    )
    (image,) = s.images
    assert image.url == "https://news.example/photos/x.jpg?w=300"
    assert image.caption == "مزارعون في الحقل"  # the duplicate's caption is merged in


def test_caption_from_figcaption_and_alt_only_as_fallback() -> None:
    s = scrape(
        page(
            f'<figure><img src="/p/1.jpg" alt="{TITLE}"></figure>'
            '<figure><img src="/p/2.jpg" alt="وزير الزراعة يتحدث"></figure>'
            '<figure><img src="/p/3.jpg" alt="الصورة: "></figure>'
            '<figure><img src="/p/4.jpg" alt="نص بديل"><figcaption>الشرح الحقيقي</figcaption></figure>'
        ),
        URL,
    )
    captions = [i.caption for i in s.images]
    assert captions == [None, "وزير الزراعة يتحدث", None, "الشرح الحقيقي"]
    assert s.images[3].alt == "نص بديل"


def test_caption_classes_and_the_element_after_the_image() -> None:
    s = scrape(
        page(
            '<div class="wp-caption"><img src="/p/1.jpg"><p class="wp-caption-text">شرح ووردبريس</p></div>'
            '<div class="article_image"><img src="/p/2.jpg" alt="x y z"><div class="red">شرح تحت الصورة</div></div>'
        ),
        URL,
    )
    assert [i.caption for i in s.images] == ["شرح ووردبريس", "شرح تحت الصورة"]
    assert "شرح تحت الصورة" not in s.body_text


def test_jsonld_image_caption_when_the_page_has_none() -> None:
    ld = (
        '<script type="application/ld+json">{"@context":"https://schema.org","@graph":['
        '{"@type":"NewsArticle","headline":"TITLE","image":{"@type":"ImageObject",'
        '"url":"https://news.example/p/lead.jpg","caption":"صورة من الحقل"}}]}</script>'
    )
    s = scrape(page('<img src="/p/lead.jpg" alt="">', head=ld.replace("TITLE", TITLE)), URL)
    assert s.images[0].caption == "صورة من الحقل"


@pytest.mark.parametrize(
    ("text", "caption", "credit"),
    [
        ("مزارع يحصد القمح. تصوير: أحمد حسن", "مزارع يحصد القمح.", "أحمد حسن"),
        ("مزارع يحصد القمح (رويترز)", "مزارع يحصد القمح", "رويترز"),
        ("مزارع يحصد القمح - أ ف ب", "مزارع يحصد القمح", "أ ف ب"),
        ("A farmer. Photograph: Eva Manez/Reuters", "A farmer.", "Eva Manez/Reuters"),
        ("A farmer. (Adel Hana/Associated Press)", "A farmer.", "Adel Hana/Associated Press"),
        ("المصدر: وكالة الأنباء", None, "وكالة الأنباء"),
        ("قرار عاجل بشأن المزارعين", "قرار عاجل بشأن المزارعين", None),
    ],
)
def test_split_credit(text: str, caption: str | None, credit: str | None) -> None:
    assert split_credit(text) == (caption, credit)


def test_credit_element_kept_apart_from_caption() -> None:
    s = scrape(
        page(
            '<figure><img src="/p/1.jpg"><figcaption>حصاد القمح في الدلتا '
            '<span class="credit">© AFP</span></figcaption></figure>'
        ),
        URL,
    )
    (image,) = s.images
    assert (image.caption, image.credit) == ("حصاد القمح في الدلتا", "AFP")
    assert '<span class="credit">AFP</span>' in s.body_html


# --- urgent ---------------------------------------------------------------------------------


def test_urgent_badge_of_the_article() -> None:
    html = page().replace("<h1>", '<span class="label">عاجل</span><h1>')
    assert scrape(html, URL).urgent is True


def test_urgent_never_from_ticker_menu_related_or_adjective() -> None:
    chrome = (
        '<div class="breaking-news-ticker"><span>عاجل</span><ul><li>'
        '<a href="/s/2">عاجل| خبر آخر تماما عن موضوع مختلف</a></li></ul></div>'
        '<ul class="main-nav"><li><a href="/section/urgent">عاجل</a></li></ul>'
    )
    related = '<div class="related"><h3>اقرأ أيضا</h3><a href="/s/3">عاجل: قصة أخرى</a></div>'
    html = page(related).replace("<article>", chrome + "<article>")
    html = html.replace(PARA2, PARA2 + " وصدر قرار عاجل من النائب العام.")
    s = scrape(html, URL)
    assert s.urgent is False
    assert "قصة أخرى" not in s.body_text and "خبر آخر" not in s.body_text


def test_urgent_title_prefix_is_stripped() -> None:
    html = page().replace(f"<h1>{TITLE}</h1>", f"<h1>عاجل| {TITLE}</h1>")
    html = html.replace(f"<title>{TITLE}", f"<title>عاجل| {TITLE}")
    s = scrape(html, URL)
    assert s.urgent is True and s.title == TITLE


def test_urgent_adjective_in_title_is_not_a_prefix() -> None:
    title = "قرار عاجل من النائب العام بشأن المزارعين"
    html = page().replace(f"<h1>{TITLE}</h1>", f"<h1>{title}</h1>").replace(TITLE, title)
    s = scrape(html, URL)
    assert s.urgent is False and s.title == title


def test_urgent_from_article_section_and_partner_selector() -> None:
    head = '<meta property="article:section" content="أخبار عاجلة">'
    assert scrape(page(head=head), URL).urgent is True
    html = page('<i class="flash-flag"></i>')
    assert scrape(html, URL).urgent is False
    assert scrape(html, URL, ScrapeRules(urgent=".flash-flag")).urgent is True


# --- body -----------------------------------------------------------------------------------


def test_br_separated_div_body_splits_into_paragraphs() -> None:
    html = f"""<html lang="ar"><body><div class="LongDesc"><div>{PARA}<br><br>{PARA2}<br/>
    <br/>فقرة ثالثة قصيرة لكنها من النص.</div></div></body></html>"""
    s = scrape(html, URL)
    assert [b.text for b in s.blocks] == [PARA, PARA2, "فقرة ثالثة قصيرة لكنها من النص."]


def test_subheadings_h2_h3_and_bold_only_lines_in_order() -> None:
    s = scrape(
        page(
            "<h2>خلفية القرار</h2><p>" + PARA + "</p><p><strong>ردود الفعل</strong></p>"
            "<h4>تفاصيل إضافية</h4><p><b>كلام عريض داخل</b> فقرة عادية طويلة بما يكفي.</p>"
        ),
        URL,
    )
    heads = [(b.kind, b.text) for b in s.blocks if b.kind != "p"]
    assert heads == [("h2", "خلفية القرار"), ("h3", "ردود الفعل"), ("h3", "تفاصيل إضافية")]


def test_nested_paragraphs_and_quotes() -> None:
    s = scrape(page("<p><p>فقرة داخل فقرة.</p></p><blockquote>قال الوزير كلاما</blockquote>"), URL)
    assert ("p", "فقرة داخل فقرة.") in [(b.kind, b.text) for b in s.blocks]
    assert ("quote", "قال الوزير كلاما") in [(b.kind, b.text) for b in s.blocks]


def test_boilerplate_removed_inline_and_in_blocks() -> None:
    s = scrape(
        page(
            '<p><strong>اقرأ أيضاً:</strong> <a href="/s/9">وزير آخر يعلن شيئا</a></p>'
            '<div class="share"><a>نسخ الرابط</a><span>تم نسخ الرابط</span></div>'
            '<span class="sr-only">انتقل إلى المحتوى</span><div><span>شارك</span></div>'
            '<div class="newsletter">اشترك في النشرة</div><div id="comments">أضف تعليق</div>'
            "<p>تابعونا على فيسبوك وتويتر</p>"
        ),
        URL,
    )
    for junk in ("وزير آخر", "نسخ الرابط", "انتقل إلى", "شارك", "النشرة", "أضف تعليق", "تابعونا"):
        assert junk not in s.body_text and junk not in s.body_html
    assert s.body_text == f"{PARA}\n{PARA2}"


def _card(i: int, cls: str = "item", name: str = "div") -> str:
    """A "more news" card: a linked picture, a linked headline and a short time."""
    return (
        f'<{name} class="{cls}"><a href="/n/{i}"><img src="/t/{i}.jpg"></a>'
        f'<h4><a href="/n/{i}">عنوان خبر آخر رقم {i} عن الاقتصاد</a></h4>'
        f"<span>منذ {i} دقيقة</span></{name}>"
    )


def _left_after_boilerplate(extra: str) -> str:
    """The page's text once boilerplate removal has run on the whole tree."""
    doc = parse_page(page(extra), URL, ScrapeRules(), "UTC", None)
    remove_boilerplate(doc)
    return doc.soup.get_text(" ")


def test_a_grid_of_teaser_cards_is_removed_whatever_its_class() -> None:
    # Cards of one class under one parent, other markup between them, in the body too.
    cards = "".join(_card(i) for i in range(3)) + "<p>فاصل</p>" + _card(3)
    assert "عنوان خبر آخر" not in _left_after_boilerplate(f"<div>{cards}</div>")
    assert "عنوان خبر آخر" not in _left_after_boilerplate(
        "".join(_card(i, "teaser-x", "li") for i in range(6))
    )


@pytest.mark.parametrize(
    "markup",
    [
        # Three cards are not a grid (scoring.TEASER_RUN).
        "<div>" + "".join(_card(i) for i in range(3)) + "</div>",
        # One card of the four is mostly text: the four are not teasers.
        "<div>"
        + "".join(_card(i) for i in range(3))
        + '<div class="item"><a href="/n/9">رابط</a> قرار عاجل من الحكومة بشأن الأسعار</div>'
        + "</div>",
        # Of one name and class only: two classes, two names.
        "<div>" + "".join(_card(i, "a" if i % 2 else "b") for i in range(6)) + "</div>",
        "<div>" + "".join(_card(i, name="li" if i % 2 else "div") for i in range(6)) + "</div>",
        # Paragraphs that are each one link are not cards (TEASER_NAMES).
        "".join(f'<p class="item"><a href="/n/{i}">عنوان خبر آخر {i}</a></p>' for i in range(5)),
        # Without a class, a run of divs is the page's own layout.
        "<div>" + "".join(_card(i).replace(' class="item"', "") for i in range(6)) + "</div>",
    ],
)
def test_what_is_not_a_teaser_grid_stays(markup: str) -> None:
    assert "عنوان خبر آخر" in _left_after_boilerplate(markup)


def test_script_iframe_and_handlers_never_reach_body_html() -> None:
    s = scrape(
        page(
            '<p onclick="steal()">نص <script>alert(1)</script>آمن<iframe src="https://evil.example">'
            '</iframe></p><style>p{}</style><p><a href="javascript:alert(2)">رابط</a> بعده نص.</p>'
        ),
        URL,
    )
    for bad in ("script", "iframe", "onclick", "javascript:", "alert", "<style"):
        assert bad not in s.body_html
    assert "<p>نص آمن</p>" in s.body_html


def test_body_html_escapes_text_and_places_figures_in_order() -> None:
    s = scrape(
        page(
            '<figure><img src="/p/1.jpg"><figcaption>أ &lt;b&gt;</figcaption></figure><p>x &lt; y بعد الصورة</p>'
        ),
        URL,
    )
    lines = s.body_html.split("\n")
    assert lines[2].startswith('<figure><img src="https://news.example/p/1.jpg"')
    assert "<figcaption>أ &lt;b&gt;</figcaption>" in lines[2]
    assert lines[3] == "<p>x &lt; y بعد الصورة</p>"


# --- metadata -------------------------------------------------------------------------------


def test_relative_urls_resolve_base_then_canonical_then_base_url_then_url() -> None:
    img = '<img src="p/1.jpg">'
    base = '<base href="https://cdn.example/media/">'
    canonical = '<link rel="canonical" href="https://www.news.example/a/b/story">'
    assert scrape(page(img, head=base + canonical), URL).images[0].url == (
        "https://cdn.example/media/p/1.jpg"
    )
    s = scrape(page(img, head=canonical), URL, base_url="https://other.example/x/")
    assert s.images[0].url == "https://www.news.example/a/b/p/1.jpg"
    assert s.url == "https://www.news.example/a/b/story"
    s = scrape(page(img), URL, base_url="https://other.example/x/")
    assert s.images[0].url == "https://other.example/x/p/1.jpg"
    s = scrape(page(img), URL)
    assert s.images[0].url == "https://news.example/ar/story/p/1.jpg" and s.url == URL


def test_title_order_and_site_suffix() -> None:
    html = page().replace(f"<h1>{TITLE}</h1>", "")
    assert scrape(html, URL).title == TITLE  # from <title>, " - موقع الأخبار" removed
    og = '<meta property="og:title" content="عنوان المشاركة - موقع الأخبار">'
    assert scrape(page(head=og), URL).title == "عنوان المشاركة"
    logo = '<header><a href="/"><h1><img src="/logo.png" alt="الموقع"></h1></a></header>'
    html = (
        page()
        .replace("<body>", "<body>" + logo)
        .replace(f"<title>{TITLE} - موقع الأخبار", "<title>x")
    )
    assert scrape(html, URL).title == TITLE


def test_dates_from_jsonld_meta_and_visible_text() -> None:
    ld = '<script type="application/ld+json">[{"@type":"NewsArticle","datePublished":"2024-03-05T10:00:00+03:00"}]</script>'
    assert scrape(page(head=ld), URL).published == dt.datetime(
        2024, 3, 5, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=3))
    )
    arabic = '<meta property="article:published_time" content="الأربعاء، 07 أكتوبر 2020 - 12:09 م">'
    s = scrape(page(head=arabic), URL, timezone="Africa/Cairo")
    assert s.published is not None and s.published.date() == dt.date(2020, 10, 7)
    assert s.published.utcoffset() == dt.timedelta(hours=2)  # from the zone (no DST in 2020)
    visible = page().replace(
        f"{TITLE}</h1>", f'{TITLE}</h1><span class="x">الجمعة 24 نيسان / أبريل 2020</span>'
    )
    assert scrape(visible, URL).published == dt.datetime(2020, 4, 24, tzinfo=dt.UTC)


def test_author_categories_summary_language() -> None:
    head = (
        '<meta name="description" content="ملخص الخبر عن خطة دعم المزارعين">'
        '<meta property="article:section" content="اقتصاد">'
        '<meta property="article:tag" content="زراعة">'
    )
    html = page(head=head, html_attrs='lang="en-US" dir="rtl"').replace(
        "<article>", '<article><span class="byline">كتب: محمد علي</span>'
    )
    html = html.replace(
        '<nav class="menu">',
        '<ol class="breadcrumb"><li><a href="/">الرئيسية</a></li><li><a href="/eco">اقتصاد</a></li>'
        '<li><a href="/eco/agr">زراعة محلية</a></li></ol><nav class="menu">',
    )
    s = scrape(html, URL)
    assert s.author == "محمد علي"
    assert s.categories == ("اقتصاد", "زراعة", "زراعة محلية")
    assert s.summary == "ملخص الخبر عن خطة دعم المزارعين"
    assert s.language == "ar"  # lang="en-US" contradicted by the Arabic text


# --- rules, bad input -----------------------------------------------------------------------


def test_partner_rules_override_the_generic_chain() -> None:
    story = (
        '<div class="story"><div class="pic"><img src="/p/1.jpg" alt="بديل">'
        '<em class="cap">شرح الشريك</em><b class="by">عدسة الشريك</b></div>'
        "<p>نص الشريك المختار فقط.</p></div>"
    )
    html = page().replace("<footer>", story + "<footer>")
    rules = ScrapeRules(
        title="title", body=".story", images=".pic img", caption=".cap", credit=".by",
        drop=(".article-body",),
    )  # fmt: skip
    s = scrape(html, URL, rules)
    assert s.body_text == "نص الشريك المختار فقط."
    assert s.title == TITLE
    (image,) = s.images
    assert (image.caption, image.credit) == ("شرح الشريك", "عدسة الشريك")
    assert rules_for_url("https://www.youm7.com/story/1") is not None


def test_bad_selector_in_rules_is_a_scrape_error() -> None:
    with pytest.raises(ScrapeError, match="bad CSS selector"):
        scrape(page(), URL, ScrapeRules(body="div[[["))


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "<html><body></body></html>",
        "<html><body><nav><a href='/'>الرئيسية</a></nav></body></html>",
    ],
)
def test_page_without_article_is_a_named_scrape_error(html: str) -> None:
    with pytest.raises(ScrapeError) as info:
        scrape(html, URL)
    assert URL in str(info.value) and "no article body found" in str(info.value)


def test_truncated_and_deeply_nested_html() -> None:
    truncated = page()[: page().index(PARA2) + 40]
    assert scrape(truncated, URL).blocks[0].text == PARA
    nested = page("<div>" * 5000 + "<p>عميق جدا</p>" + "</div>" * 5000)
    assert scrape(nested, URL).blocks[0].text == PARA


def test_ten_megabyte_page_finishes() -> None:
    junk = "<div class='x'><span>حشو</span> filler text</div>\n" * (10_000_000 // 50)
    html = page().replace("<footer>", junk + "<footer>")
    assert len(html) > MAX_PAGE_CHARS
    s = scrape(html.encode("utf-8"), URL)
    assert s.blocks[0].text == PARA


def test_windows_1256_declared_only_in_meta() -> None:
    html = page().replace(
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">',
    )
    s = scrape(html.encode("cp1256"), URL)
    assert s.title == TITLE and s.blocks[0].text == PARA


def test_unknown_timezone_is_a_scrape_error() -> None:
    with pytest.raises(ScrapeError, match="Mars/Olympus"):
        scrape(page(), URL, timezone="Mars/Olympus")


def test_failure_in_one_optional_field_is_logged_not_fatal(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> str:
        raise RuntimeError("widget exploded")

    monkeypatch.setattr(scrape_pkg, "find_author", broken)
    with caplog.at_level(logging.WARNING, logger="syndication.scrape"):
        s = scrape(page(), URL)
    assert s.author is None and s.blocks[0].text == PARA
    assert any("author" in r.getMessage() and r.exc_info for r in caplog.records)


def test_credit_keeps_its_own_parentheses_and_is_not_doubled() -> None:
    from syndication.scrape.credits import split_credit

    assert split_credit("© وكالة الأنباء (تجريبية)", credit_only=True) == (
        None,
        "وكالة الأنباء (تجريبية)",
    )
    assert split_credit("صورة المحطة (تصوير: أحمد علي)") == ("صورة المحطة", "أحمد علي")
    html = (
        """<html><body><article><h1>عنوان الخبر التجريبي</h1>
    <div class="news-photo"><img src="https://img.example/a.jpg" width="900" height="600">
    <div class="caption">مسافرون في المحطة</div><div class="photo-credit">© وكالة (تجريبية)</div></div>
    <div class="text"><p>"""
        + "فقرة طويلة من نص الخبر. " * 20
        + "</p></div></article></body></html>"
    )
    rules = ScrapeRules(
        credit="div.news-photo div.photo-credit", caption="div.news-photo div.caption"
    )
    image = scrape(html, "https://a.example/n/1", rules).images[0]
    assert (image.caption, image.credit) == ("مسافرون في المحطة", "وكالة (تجريبية)")


def test_long_text_label_shortcut_never_turns_away_a_label() -> None:
    """is_junk_label skips matching_key for a text with too many letters to fold into a
    label's key. Its premise: matching_key keeps every letter and digit of Unicode but
    those in scoring._VANISHING, and joins at most three into one (Hangul jamo)."""
    for point in range(0x110000):
        char = chr(point)
        if char.isalnum() and char not in scoring._VANISHING:
            assert matching_key(char), f"U+{point:04X}"
    assert len(matching_key("\u1100\u1161\u11a8")) == 1  # three jamo, one syllable
    # Labels padded past the short-text cache with what the key drops: still labels.
    label = "تم نسخ الرابط"
    for pad in ("ـ", " ", "\u064b", "\u200f", "\u06e5", ":"):
        text = pad * 300 + label + pad * 10
        assert scoring.is_junk_label(text) == scoring._junk_label(text) is True
    # A paragraph is not one, with or without the shortcut.
    paragraph = "نص " * 100
    assert not scoring.is_junk_label(paragraph)
    assert scoring._TOO_MANY_LETTERS.match(paragraph)
    assert not scoring._TOO_MANY_LETTERS.match("ـ" * 300 + label)
