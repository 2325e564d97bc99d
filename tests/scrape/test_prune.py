"""The scraper's fast paths give exactly the slow paths' answers.

* ``scrape(prune=True)`` (chrome left out of the soup, see scrape/prune.py) and
  ``scrape(prune=False)`` (the whole page in bs4) give identical records, on every page
  in tests/data/pages, on the benchmark's 110 KB pages and on pages built to trip the
  pruning conditions (the densest text inside a nav, breadcrumbs in the nav, a nav
  inside a form, JSON-LD in the footer…).
* ``densest.densest``'s one-pass text measure equals ``text_of`` / ``find_all`` element by
  element, and picks the element the per-element scoring picked; ``page.text_length`` (the
  bounded count) equals it up to its limit.
* ``densest``'s second call, after boilerplate removal, re-measures only what the removal
  changed (``Page.drop``) and finds what a whole walk finds, element by element.
* ``Page.select``'s keyed walk returns what soupsieve's ``select`` returns.
* prune.py's lxml reading of the text (``_survey``: an element's text length, its links'
  and its p/div descendants') is bs4's ``text_of`` for every element, its start-tag
  numbering is bs4's, and its descendant test (``_seen_inside``) answers as
  ``_read_early``/``_first_turn`` of each descendant do.
* A plan made from kept verdicts (prune.Verdicts: chrome judged once by the bytes of its
  subtree) is the plan worked out from the tree, and changed chrome is judged afresh.
* The urgent-badge search (``extract._badge_in``, bounded text reads) answers as the
  search written with bs4's ``find_all``/``find_parent`` and whole texts did.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import soupsieve
from bs4 import BeautifulSoup, Tag
from bs4.builder._lxml import LXMLTreeBuilder
from bs4.element import Comment, NavigableString
from lxml import etree

from syndication.arabic.text import clean_text, is_urgent_label
from syndication.errors import ScrapeError
from syndication.model import Scraped, ScrapeRules
from syndication.scrape import SITE_RULES, extract, prune, rules, rules_for_url, scoring, scrape
from syndication.scrape import body as body_mod
from syndication.scrape import densest as densest_mod
from syndication.scrape.boilerplate import link_density, link_density_within, remove_boilerplate
from syndication.scrape.page import Page, classes_and_id, parse_page, strings, text_length, text_of
from syndication.scrape.rules import (
    ARTICLE_BODY_SELECTORS,
    BOILERPLATE_SELECTORS,
    BYLINE_SELECTORS,
    DATE_SELECTORS,
)
from syndication.scrape.selectors import subject_test
from tests.support import DATA, ROOT
from tests.support import simulator as SIM
from tests.support.factories import PARA, PARA2, TITLE
from tests.support.soups import set_aside, without_layout_space

PAGES = DATA / "pages"
INDEX: list[dict[str, Any]] = json.loads((PAGES / "index.json").read_text(encoding="utf-8"))


BASE = "http://127.0.0.1:1"


def _html(entry: dict[str, Any]) -> bytes:
    return (PAGES / str(entry["html"])).read_bytes()


def _tag_number(el: etree._Element) -> int:
    """An element's start-tag number: the elements before it, ancestors included."""
    count = el.xpath("count(preceding::*) + count(ancestor::*)")
    assert isinstance(count, float)  # XPath count() is a number
    return int(count)


def _both(page: str | bytes, url: str, rules: ScrapeRules | None = None) -> None:
    """Both paths give the same record, or the same error."""
    results: list[Scraped | str] = []
    for fast in (True, False):
        try:
            results.append(scrape(page, url, rules, prune=fast))
        except ScrapeError as exc:
            results.append(f"ScrapeError: {exc}")
    assert results[0] == results[1]


@pytest.mark.parametrize("entry", INDEX, ids=[e["html"] for e in INDEX])
def test_same_record_on_every_page(entry: dict[str, Any]) -> None:
    _both(_html(entry), entry["url"])
    rules = rules_for_url(entry["url"])
    if rules is not None:
        _both(_html(entry), entry["url"], rules)


@pytest.mark.parametrize("urgent", [False, True])
def test_same_record_on_benchmark_pages(urgent: bool) -> None:
    for n in range(3):
        _both(SIM.article_page(BASE, "p0001", n, urgent), f"{BASE}/p/p0001/news/{n}.html")


def _pruned_and_whole(text: str) -> tuple[Page, Page]:
    """*text* parsed on the fast path (forced) and whole."""
    pruned = prune.PRUNER.build(text, "x", ScrapeRules(), force=True)
    page = parse_page(text, "x", ScrapeRules(), "UTC", None, pruned=pruned)
    return page, parse_page(text, "x", ScrapeRules(), "UTC", None)


def test_benchmark_page_is_pruned() -> None:
    """The fast path applies to the benchmark's page (the nav's mega menu is not built)."""
    text = SIM.article_page(BASE, "p0000", 1).decode()
    planned = prune.plan(text, ScrapeRules())
    assert planned is not None and "nav" in {p.name for p in planned.skip.values()}
    page, full = _pruned_and_whole(text)
    assert len(page.soup.find_all(True)) < 0.8 * len(full.soup.find_all(True))
    remove_boilerplate(page)  # the densest element is proven the same: no FullTreeNeeded


def _left_out(name: str) -> list[str]:
    """The names and classes of what the plan of TRICKY[*name*] leaves out."""
    planned = prune.plan(TRICKY[name], ScrapeRules())
    assert planned is not None
    return [f"{el.tag}.{el.get('class')}" for el in planned.skip]


def test_benchmark_page_leaves_its_story_cards_unbuilt() -> None:
    page, full = _pruned_and_whole(SIM.article_page(BASE, "p0000", 1).decode())
    assert not page.soup.select("main > div.card") and full.soup.select("main > div.card")
    assert len(page.soup.find_all(True)) < 0.2 * len(full.soup.find_all(True))
    remove_boilerplate(page)  # the densest element is proven the same: no FullTreeNeeded


@pytest.mark.parametrize(
    ("name", "cards"),
    [
        ("teaser grid beside the article", 20),
        ("teaser grid under the body", 20),
        ("teaser grid in the article body", 20),
        ("read-also heading before a teaser grid", 20),  # the label's sibling: guarded
        ("teaser grid of grids", 0),  # the outer grid, whose cards are div.col
        ("teaser grid in one card of a grid", 0),  # judged with the outer cards' text
        ("teaser grid with a card of text", 0),
        ("teaser grid with a hidden card", 0),
        ("teaser grid with a labelled card", 0),
        ("teaser grid in a form", 0),
        ("teaser grid with class chrome in its cards", 0),  # the class pass changes them
        ("three cards", 0),
    ],
)
def test_the_plan_leaves_out_whole_teaser_grids_only(name: str, cards: int) -> None:
    left_out = _left_out(name)
    assert left_out.count("div.card") == cards
    if name == "teaser grid of grids":
        assert left_out.count("div.col") == 4


def test_a_teaser_grid_left_out_is_proven_not_densest() -> None:
    """The grid's cards add nothing to their parent's score (each holds less than
    DIV_TEXT_MIN of text outside links): the pruned page needs no whole tree."""
    page, _ = _pruned_and_whole(TRICKY["teaser grid beside the article"])
    remove_boilerplate(page)
    assert "خبر رقم" not in page.soup.get_text()


def _article(before: str = "", after: str = "", head: str = "") -> str:
    return f"""<!DOCTYPE html><html lang="ar"><head><meta charset="utf-8">
<title>{TITLE} - موقع</title>{head}</head><body>{before}
<article><h1>{TITLE}</h1><div class="article-body"><p>{PARA}</p><p>{PARA2}</p></div></article>
{after}</body></html>"""


MENU = "".join(f'<li><a href="/s/{i}">قسم {i}</a></li>' for i in range(30))
LONG = " ".join([PARA, PARA2] * 3)
CARDS = "".join(
    f'<div class="card"><a href="/n/{i}"><img src="https://img.example/{i}.jpg" width="300" '
    f'height="200"></a><h4><a href="/n/{i}">خبر رقم {i} عن الاقتصاد</a></h4>'
    f'<span class="time">منذ {i} دقيقة</span></div>'
    for i in range(20)
)

TRICKY = {
    "plain nav": _article(f"<nav><ul>{MENU}</ul></nav>", "<footer>حقوق</footer>"),
    "densest text in the nav": _article(f"<nav><div><p>{LONG}</p><p>{LONG}</p></div></nav>"),
    "nav holds content": _article(f"<nav><p>{LONG}</p><p>{LONG}</p></nav>"),
    "densest span in the nav": _article(f"<nav><span>{LONG}</span></nav>"),
    "breadcrumbs in the nav": _article(
        '<nav class="breadcrumb"><a href="/">الرئيسية</a><a href="/eco">اقتصاد</a></nav>'
    ),
    "aria breadcrumbs": _article(
        '<nav aria-label="Breadcrumb"><a href="/">الرئيسية</a><a href="/eco">اقتصاد</a></nav>'
    ),
    "section in the nav": _article(
        '<nav><span itemprop="articleSection">رياضة</span><ul>' + MENU + "</ul></nav>"
    ),
    "json-ld in the footer": _article(
        after='<footer><script type="application/ld+json">{"@type":"NewsArticle",'
        '"headline":"عنوان آخر","author":{"@type":"Person","name":"سارة"}}</script></footer>'
    ),
    "meta in the aside": _article(
        after='<aside><meta property="og:title" content="عنوان من الشريط"></aside>'
    ),
    "h1 in the header": _article(f"<header><h1>الموقع</h1><nav><ul>{MENU}</ul></nav></header>"),
    "nav in a form": _article(f"<form><nav><ul>{MENU}</ul></nav>", "</form>"),
    "button in the nav": _article(f"<nav><button>القائمة</button><ul>{MENU}</ul></nav>"),
    "article inside the nav": f"""<html><body><nav><ul>{MENU}</ul>
<article><h1>{TITLE}</h1><p>{PARA}</p><p>{PARA2}</p></article></nav></body></html>""",
    "nav inside the body text": _article().replace(
        "<p>" + PARA2, f"<nav><ul>{MENU}</ul></nav><p>" + PARA2
    ),
    "nav inside a paragraph's span": _article().replace(
        "<p>" + PARA, f"<p><span><nav>{MENU}</nav></span>" + PARA
    ),
    "nav between two text nodes": _article(
        f"<div>قبل القائمة<nav><ul>{MENU}</ul></nav>بعد القائمة</div>"
    ),
    "comments and scripts between text": _article().replace(
        PARA, PARA[:40] + "<!-- c --><script>var x=1;</script><style>p{}</style>" + PARA[40:]
    ),
    "only chrome": f"<html><body><nav><ul>{MENU}</ul></nav><footer>x</footer></body></html>",
    "nothing but a nav with text": f"<html><body><nav><p>{LONG}</p></nav></body></html>",
    "aside with hidden image": _article(
        after='<aside aria-hidden="true"><img src="https://img.example/a.jpg"></aside>'
    ),
    "header under body": _article(f"<header><ul>{MENU}</ul></header>"),
    "deep nav": _article("<div>" * 120 + f"<nav><ul>{MENU}</ul></nav>" + "</div>" * 120),
    "template in the nav": _article(f"<nav><template><p>{LONG}</p></template>{MENU}</nav>"),
    # Chrome the class pass removes (div.related, .share…).
    "related cards": _article(after=f'<div class="related">{CARDS}</div>'),
    "related holds the densest text": _article(
        after=f'<div class="related"><div><p>{LONG}</p><p>{LONG}</p></div></div>'
    ),
    "related with long text": _article(after=f'<div class="related"><span>{LONG}</span></div>'),
    "read-also heading before the cards": _article(
        after=f'<h3>اقرأ أيضا</h3><div class="related">{CARDS}</div>'
    ),
    "read-also label inside the cards": _article(
        after=f'<div class="related"><h3>اقرأ أيضا</h3>{CARDS}</div>'
    ),
    "widget label next to the cards": _article(
        after=f'<div><span>شارك</span><div class="related">{CARDS}</div></div>'
    ),
    "label text beside the cards": _article(
        after=f'<div>شارك<div class="related">{CARDS}</div></div>'
    ),
    "cards in a junk wrapper": _article(
        after=f'<div class="sidebar"><div class="related">{CARDS}</div></div>'
    ),
    "cards in a hidden wrapper": _article(
        after=f'<div style="display:none"><div class="related">{CARDS}</div></div>'
    ),
    "cards in the article body": _article().replace(
        "<p>" + PARA2, f'<div class="related">{CARDS}</div><p>' + PARA2
    ),
    "cards with a button": _article(
        after=f'<div class="related"><button>المزيد</button>{CARDS}</div>'
    ),
    "cards inside a form": _article("<form>", f'<div class="related">{CARDS}</div></form>'),
    "nested junk classes": _article(
        after=f'<div class="most-read"><div class="related">{CARDS}</div>{CARDS}</div>'
    ),
    # Teaser grids the teaser pass removes (cards whose class names nothing we know).
    "teaser grid beside the article": _article(after=f"<div>{CARDS}</div>"),
    "teaser grid under the body": _article(after=CARDS),
    "teaser grid in the article body": _article().replace("<p>" + PARA2, CARDS + "<p>" + PARA2),
    "read-also heading before a teaser grid": _article(
        after=f"<div><h3>اقرأ أيضا</h3>{CARDS}</div>"
    ),
    "read-also label beside a teaser grid": _article(after=f"<div>اقرأ أيضا{CARDS}</div>"),
    "teaser grid of grids": _article(
        after="<div>" + f'<div class="col">{CARDS}</div>' * 4 + "</div>"
    ),
    "teaser grid in one card of a grid": _article(
        after="<div>"
        + f'<div class="col">{CARDS}</div>'
        + f'<div class="col">{PARA}</div>' * 3
        + "</div>"
    ),
    "teaser grid with a card of text": _article(
        after=f'<div>{CARDS}<div class="card"><p>{LONG}</p></div></div>'
    ),
    "teaser grid holding the densest text": _article(
        after=f'<div>{CARDS}<div class="card"><a href="/x">خبر</a><p>{LONG}</p></div></div>'
    ),
    "teaser grid with a hidden card": _article(
        after=f'<div>{CARDS}<div class="card" style="display:none"><a href="/x">خبر</a></div></div>'
    ),
    "teaser grid with a labelled card": _article(
        after=f'<div>{CARDS}<div class="card"><a href="/x">خبر</a><span>شارك</span></div></div>'
    ),
    "teaser grid with class chrome in its cards": _article(
        after="<div>"
        + '<div class="card"><span>نص قصير بلا رابط</span><div class="share"><a href="/s">'
        "شارك هذا الخبر مع أصدقائك الآن</a></div></div>" * 5 + "</div>"
    ),
    "teaser grid in a related block": _article(
        after=f'<div class="related"><div>{CARDS}</div></div>'
    ),
    "teaser grid in a form": _article("<form>", f"<div>{CARDS}</div></form>"),
    "three cards": _article(
        after="<div>" + "</div>".join(CARDS.split("</div>")[:3]) + "</div></div>"
    ),
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_same_record_on_tricky_pages(name: str) -> None:
    _both(TRICKY[name], "https://news.example/ar/1")
    _both(TRICKY[name], "https://news.example/ar/1", ScrapeRules(categories=".cat"))


# --- the soup built from the plan's tree is the parser's ---------------------------------


class ParserDrivenBuilder(LXMLTreeBuilder):
    """The reference for prune.TreeBuilder: bs4's own lxml builder driven by the parser's
    events (a second parse of the page), leaving out the same things by start-tag number."""

    def __init__(self, planned: prune.Plan, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Each left-out element's start-tag number: the elements before it, ancestors
        # included.
        self.skip = {_tag_number(el): pruned for el, pruned in planned.skip.items()}
        self.elements = planned.elements
        self.index = -1
        self.depth = 0  # > 0 while inside a left-out element
        self.mismatch = False

    def start(self, tag: Any, attrib: Any, nsmap: Any = None) -> None:
        self.index += 1
        if self.depth:
            self.depth += 1
            return
        planned = self.skip.get(self.index)
        if planned is not None:
            assert self.soup is not None
            if planned.name != tag:
                self.mismatch = True  # lxml's two readings of the page disagree
            planned.parent = self.soup.currentTag
        elif not (
            tag == "style"
            or (tag == "script" and "ld+json" not in str(attrib.get("type", "")).lower())
        ):
            super().start(tag, attrib, nsmap or {})
            return
        assert self.soup is not None
        self.soup.endData()
        self.depth = 1

    def aligned(self) -> bool:
        """Did the start tags bs4 was sent line up with the tree the plan was made on?

        They differ on some broken pages (markup after </html> starts a second <html>
        event that lxml's own tree does not have).
        """
        return not self.mismatch and self.index + 1 == self.elements

    def end(self, tag: Any) -> None:
        if self.depth:
            self.depth -= 1
            return
        super().end(tag)

    def data(self, data: Any) -> None:
        if not self.depth:
            super().data(data)

    def comment(self, text: Any) -> None:
        if not self.depth:
            assert self.soup is not None
            self.soup.endData()

    def pi(self, target: Any, data: Any) -> None:
        if not self.depth:
            super().pi(target, data)

    def doctype(self, name: Any, pubid: Any, system: Any) -> None:
        if not self.depth:
            super().doctype(name, pubid, system)


def _comparable(soup: BeautifulSoup) -> str:
    """The soup's markup without what the parser reports and lxml's tree does not keep:
    whitespace strings between top-level elements (after ``</html>``), and the value of
    a bare boolean attribute."""
    return set_aside(soup).decode()


def _tree_pages() -> list[tuple[str, str]]:
    pages = [(_html(e).decode("utf-8", "replace"), e["html"]) for e in INDEX]
    pages += [
        (SIM.article_page(BASE, "p0002", n, n % 2 == 1).decode(), f"sim{n}") for n in range(4)
    ]
    pages += [(html, name) for name, html in TRICKY.items()]
    pages.append(
        (
            "<!-- a --><?xml version='1.0'?><!DOCTYPE html><html><body><nav>x</nav>"
            "<p>نص</p></body></html>\n<script>1</script><p>بعد</p><!-- z -->",
            "after html",
        )
    )
    return pages


@pytest.mark.parametrize("index", range(len(_tree_pages())))
def test_soup_from_the_plans_tree_is_the_parsers(index: int) -> None:
    text, _name = _tree_pages()[index]
    planned = prune.plan(text, ScrapeRules())
    if planned is None:
        return  # lxml refused the page: the whole-tree path scrapes it
    walked = BeautifulSoup(text, builder=prune.TreeBuilder(planned))
    parents = [p.parent for p in planned.skip.values()]
    reference = ParserDrivenBuilder(planned)
    parsed = BeautifulSoup(text, builder=reference)
    assert reference.aligned()
    assert _comparable(walked) == _comparable(without_layout_space(parsed))
    # Each left-out element is recorded under the same parent either way.
    assert [p and p.name for p in parents] == [
        p.parent and p.parent.name for p in planned.skip.values()
    ]


# --- the one-pass text measure and the keyed select ----------------------------------------


def _own_score(tag: Tag) -> int:
    """body._own_score as it was: text_of and find_all per child (the reference)."""
    score = 0
    for child in tag.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            score += len(child.strip())
        elif isinstance(child, Tag):
            if child.name == "a":
                continue
            if child.name in ("p", "blockquote") or child.name in scoring.INLINE:
                score += len(text_of(child)) - sum(len(text_of(a)) for a in child.find_all("a"))
            elif (
                child.name in ("div", "section")
                and child.find(["p", "div", "section", "ul", "table"]) is None
            ):
                text = len(text_of(child)) - sum(len(text_of(a)) for a in child.find_all("a"))
                if text >= 25:
                    score += text
    return score


def _densest_reference(page: Page) -> Tag | None:
    best: Tag | None = None
    best_score = 0
    body = page.soup.body or page.soup
    for tag in body.find_all(["div", "section", "article", "main", "td", "span", "font", "p"]):
        if tag.name == "p" and tag.find(["p", "div"]) is None:
            continue
        score = _own_score(tag)
        if score > best_score:
            best, best_score = tag, score
    return best if best_score >= 80 else None


def _pages() -> list[tuple[str, str]]:
    out = [(_html(e).decode("utf-8", "replace"), e["url"]) for e in INDEX]
    out.append((SIM.article_page(BASE, "p0002", 7).decode(), f"{BASE}/p/p0002/news/7.html"))
    out.extend((html, "https://news.example/ar/1") for html in TRICKY.values())
    return out


def _check_measure(page: Page) -> None:
    nodes: dict[int, Any] = {}
    order: list[Tag] = []
    root = page.soup.body or page.soup
    densest_mod._measure(root, nodes, order)
    for tag in root.find_all(True):
        node = nodes[id(tag)]
        assert node.length == len(text_of(tag)), tag.name
        # The bounded counts (boilerplate's label blocks): exact up to their limit.
        for limit in (0, 40, 1500):
            bounded = text_length(tag, limit)
            assert bounded == node.length if node.length <= limit else bounded > limit
            within = link_density_within(tag, limit)
            assert within == (link_density(tag) if node.length <= limit else None)
        assert node.links == sum(len(text_of(a)) for a in tag.find_all("a")), tag.name
        blocks = tag.find(["p", "div", "section", "ul", "table"]) is not None
        assert node.blocks == blocks, tag.name
        assert node.pdiv == (tag.find(["p", "div"]) is not None), tag.name
        if tag.name in scoring.CANDIDATES:
            assert densest_mod._scored(tag, nodes) == _own_score(tag)
    assert densest_mod.densest(page) is _densest_reference(page)


@pytest.mark.parametrize("index", range(len(_pages())))
def test_one_pass_measure_is_text_of(index: int) -> None:
    text, url = _pages()[index]
    page = parse_page(text, url, ScrapeRules(), "UTC", None)
    _check_measure(page)
    remove_boilerplate(page)
    _check_measure(page)


def _densest_checked(
    checked: list[int],
) -> Callable[..., Tag | None]:
    """densest(), which on its call after boilerplate removal also measures the page
    afresh and requires the same answer, node for node."""
    real = densest_mod.densest

    def both(page: Page, *, check: bool = False) -> Tag | None:
        kept = page.measured
        got = real(page, check=check)
        if kept is None:
            return got
        again = page.measured
        assert isinstance(again, densest_mod._Measured)
        page.measured = None  # the whole walk, as on a first call
        assert real(page, check=check) is got
        fresh = page.measured
        assert isinstance(fresh, densest_mod._Measured)
        assert again.order == fresh.order
        assert all(again.nodes[key] == node for key, node in fresh.nodes.items())
        checked.append(len(fresh.nodes))
        return got

    return both


@pytest.mark.parametrize("index", range(len(_pages())))
def test_densest_after_removal_is_the_whole_walks(
    index: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The densest element after boilerplate removal, from the first measure and what the
    removal changed (Page.drop), is the one a whole walk of the tree finds, and so is
    every element's measure."""
    text, url = _pages()[index]
    checked: list[int] = []
    both = _densest_checked(checked)
    monkeypatch.setattr(body_mod, "densest", both)
    # A partner's drop rules remove first (the first paragraph: the body itself changes).
    dropping = ScrapeRules(drop=("h4", "p:first-of-type", "figure"))
    for partner_rules in (None, rules_for_url(url), dropping):
        for fast in (True, False):
            try:
                scrape(text, url, partner_rules, prune=fast)
            except ScrapeError:
                pass
    assert checked  # the second call happened and was compared


SELECTORS = (
    *ARTICLE_BODY_SELECTORS,
    *BYLINE_SELECTORS,
    *DATE_SELECTORS,
    *BOILERPLATE_SELECTORS,
    ", ".join(BYLINE_SELECTORS),
    "[itemtype*=BreadcrumbList], .breadcrumb, .breadcrumbs, [aria-label*=breadcrumb i]",
    "[itemprop=articleSection]",
    "time[itemprop=datePublished]",
    "div.article-body p, h1",
    "DIV > P",
    "#ARTICLEBODY",
    ".ENTRY-CONTENT",
    "a:not(.x)",
    "*",
    # Case and quoting variants: the subject test must never turn away what soupsieve takes.
    "[ROLE=navigation]",
    "[role=NAVIGATION]",
    '[rel="author"]',
    "[rel='AUTHOR' i]",
    "[id^=DIV-GPT-AD]",
    "[class*=DATE]",
    "[class~=byline]",
    "[lang|=ar]",
    "[class$=body]",
    "Body > Header",
    "SCRIPT, Style",
    "h1, h2",
    "BLOCKQUOTE.Twitter-Tweet",
    "P.x.y",
    "div#main.Article",
    "[data-x], [hidden]",
    *(
        s
        for rules in SITE_RULES.values()
        for s in (rules.title, rules.body, rules.author, rules.published, rules.caption)
        if s
    ),
)


@pytest.mark.parametrize("index", range(len(_pages())))
def test_keyed_select_is_soupsieve(index: int) -> None:
    text, url = _pages()[index]
    page = parse_page(text, url, ScrapeRules(), "UTC", None)
    for selector in SELECTORS:
        assert page.select(selector) == page.soup.select(selector), selector
        for root in page.soup.find_all(["article", "div"], limit=5):
            assert page.select(selector, root) == root.select(selector), selector
    each = page.select_each(ARTICLE_BODY_SELECTORS)
    assert each == {s: page.soup.select(s) for s in ARTICLE_BODY_SELECTORS}
    # The tag index is built before boilerplate removal and asked after it: removed tags
    # must be gone from every answer, survivors still in document order.
    page.tag_index()
    remove_boilerplate(page)
    for selector in SELECTORS:
        assert page.select(selector) == page.soup.select(selector), selector
        for root in page.soup.find_all(["article", "div"], limit=5):
            assert page.select(selector, root) == root.select(selector), selector
    assert page.select_each(BOILERPLATE_SELECTORS) == {
        s: page.soup.select(s) for s in BOILERPLATE_SELECTORS
    }
    assert page.named("h1", "h2", "img") == page.soup.find_all(["h1", "h2", "img"])
    assert strings(page.soup) == page.soup.find_all(string=True)
    for tag in page.soup.find_all(True):
        assert text_of(tag) == clean_text(tag.get_text(" ")), tag.name


@pytest.mark.parametrize("index", range(len(_pages())))
def test_subject_test_never_turns_away_a_match(index: int) -> None:
    text, url = _pages()[index]
    page = parse_page(text, url, ScrapeRules(), "UTC", None)
    tags = page.soup.find_all(True)
    for selector in SELECTORS:
        subject = subject_test(selector)
        if subject is None:
            continue
        for tag in tags:
            if soupsieve.match(selector, tag):
                assert subject.test(tag), (selector, tag.name, tag.attrs)
            elif subject.exact:
                assert not subject.test(tag), (selector, tag.name)


def test_subject_test_reads_only_plain_shapes() -> None:
    assert subject_test("a:not(.x)") is None  # pseudo-classes: soupsieve alone
    assert subject_test("svg|rect") is None  # namespaces
    exact = subject_test("script, style")
    assert exact is not None and exact.exact
    near = subject_test("body > header")
    assert near is not None and not near.exact  # the context is soupsieve's to judge
    soup = BeautifulSoup('<p class="A b" data-k="Xy">t</p><script></script>', "lxml")
    p, script = soup.p, soup.script
    assert isinstance(p, Tag) and isinstance(script, Tag)
    assert exact.test(script) and not exact.test(p)
    check = subject_test("p.a[data-k^=x]")
    assert check is not None and check.test(p) and not check.test(script)
    miss = subject_test("p.c, p[data-k$=z]")
    assert miss is not None and not miss.test(p)


@pytest.mark.parametrize("index", range(len(_pages())))
def test_lxml_text_and_numbering_are_bs4s(index: int) -> None:
    text, _ = _pages()[index]
    parser = etree.HTMLParser(recover=True, huge_tree=False)
    parser.feed(text)
    root = parser.close()
    # The document's elements, not only the root's: markup after </html> may make a second
    # root. "//*" selects elements only; the checks say so to the type checker.
    found = root.xpath("//*")
    assert isinstance(found, list)
    elements = [el for el in found if isinstance(el, etree._Element)]
    tags = BeautifulSoup(text, "lxml").find_all(True)
    assert [el.tag for el in elements] == [t.name for t in tags]
    for n, (el, tag) in enumerate(zip(elements, tags, strict=True)):
        if tag.name in ("script", "style", "template", "rt", "rp"):
            continue  # their text is read by its own rules; never measured by prune.py
        if any(p.name == "template" for p in tag.parents):
            continue  # prune.py never looks inside a template
        survey = prune._survey(el)
        assert survey.length == len(text_of(tag)), (n, tag.name)
        assert survey.linked == sum(len(text_of(a)) for a in tag.find_all("a")), (n, tag.name)
        if tag.find("template") is None:  # bs4 reads a template's strings by their own rules
            paragraphs = [len(text_of(p)) for p in tag.find_all(["p", "div"])]
            assert survey.paragraphs == paragraphs, (n, tag.name)
        assert _tag_number(el) == n


# The turns prune.py asks _seen_inside about: each structural chrome name's, and the class
# pass's (after every selector).
_TURNS = sorted(
    {
        prune._removal_turn(etree.Element(name))
        for name in ("nav", "aside", "footer", "marquee", "header")
    }
    | {prune._LATE - 1}
)


def _seen_reference(el: etree._Element, turn: int) -> bool:
    return any(
        prune._read_early(d) or (d.tag not in ("script", "style") and prune._first_turn(d) <= turn)
        for d in el.iterdescendants()
        if isinstance(d.tag, str)
    )


@pytest.mark.parametrize("index", range(len(_pages())))
def test_seen_inside_is_read_early_or_first_turn(index: int) -> None:
    text, _ = _pages()[index]
    parser = etree.HTMLParser(recover=True, huge_tree=False)
    parser.feed(text)
    found = parser.close().xpath("//*")
    assert isinstance(found, list)
    elements = [el for el in found if isinstance(el, etree._Element)]
    for turn in _TURNS:
        got = [prune._seen_inside(el, turn) for el in elements]
        assert got == [_seen_reference(el, turn) for el in elements], turn
        assert any(got) and not all(got)  # both answers are exercised


# --- verdicts kept by the bytes of the chrome (Verdicts) ---------------------------------


def _planned(text: str) -> tuple[int, int, list[tuple[int, str, int, int, bool, bool]]]:
    """A plan as comparable values: elements, left out, and each left-out element."""
    planned = prune.plan(text, ScrapeRules())
    assert planned is not None
    items = sorted(
        (_tag_number(el), p.name, p.inner, p.counted, p.blocks, p.by_class)
        for el, p in planned.skip.items()
    )
    return planned.elements, planned.left_out, items


@pytest.mark.parametrize("index", range(len(_pages())))
def test_a_kept_verdict_is_the_one_worked_out(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page planned again is judged from the kept verdicts alone, and they give the plan
    worked out from its tree."""
    text, _ = _pages()[index]
    prune.VERDICTS.clear()
    cold = _planned(text)

    def judged_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("a verdict was worked out again")

    monkeypatch.setattr(prune, "_verdict", judged_again)
    assert _planned(text) == cold


def test_the_benchmark_sites_chrome_is_judged_once() -> None:
    prune.VERDICTS.clear()
    first = _planned(SIM.article_page(BASE, "p0001", 1).decode())
    kept = len(prune.VERDICTS)
    assert first[2] and kept >= len(first[2])  # every left-out element has a verdict
    # Another page of another site: the same menus and footer, other story cards.
    _planned(SIM.article_page(BASE, "p0002", 5).decode())
    assert len(prune.VERDICTS) - kept < kept / 2


def test_a_changed_block_is_judged_afresh() -> None:
    """The same footer with article text in it is no longer chrome, whatever was kept."""
    prune.VERDICTS.clear()
    menu = _planned(_article(after=f"<footer><ul>{MENU}</ul></footer>"))
    assert [item[1] for item in menu[2]] == ["footer"]
    text = _article(after=f"<footer><ul>{MENU}</ul><p>{LONG}</p><p>{LONG}</p></footer>")
    assert prune.plan(text, ScrapeRules()) is not None
    assert _planned(text)[2] == []
    # One letter is enough to be judged again.
    menu_b = _planned(_article(after=f"<footer><ul>{MENU}</ul>ب</footer>"))
    assert menu_b[2] and len(prune.VERDICTS) == 3


def test_kept_verdicts_are_bounded() -> None:
    verdicts = prune.Verdicts(max_entries=2)
    root = etree.fromstring(
        "<div>" + "".join(f"<footer><a>{i}</a></footer>" for i in range(3)) + "</div>",
        etree.HTMLParser(),
    )
    footers = root.findall(".//footer")
    for el in footers:
        verdicts.judge(el, 0, labels=False)
    assert len(verdicts) == 1  # full at the third: forgotten, then the third kept
    assert verdicts.judge(footers[2], 0, labels=False) == prune._verdict(
        footers[2], 0, labels=False
    )


# --- which sites are planned (SiteOdds) -------------------------------------------------


def test_site_odds_stop_planning_a_site_whose_pages_never_pay() -> None:
    odds = prune.SiteOdds(patience=3, retry=5)
    url = "https://plain.example/news/1"
    for _ in range(3):
        assert odds.should_plan(url)
        odds.record(url, paid=False)
    # Then only every fifth page of the site is planned; other sites are untouched.
    seen = []
    for _ in range(10):
        seen.append(odds.should_plan(url))
        if seen[-1]:
            odds.record(url, paid=False)
    assert seen == [False, False, False, False, True] * 2
    assert odds.should_plan("https://other.example/a")
    # A page that pays makes it a planned site again.
    odds.record("https://PLAIN.example/x", paid=True)
    assert all(odds.should_plan(url) for _ in range(3))


def test_scrape_learns_which_sites_pay_and_keeps_the_record() -> None:
    """The default (prune=None) stops planning a site without chrome to leave out; the
    records are the same as with the full tree, page after page."""
    seed = (ROOT / "tests" / "data" / "pages" / "seed" / "seed.html").read_bytes()
    url = "https://plain-seed.example/news/1"
    full = scrape(seed, url, prune=False)
    for _ in range(prune.SITES.patience + 2):
        assert scrape(seed, url) == full
    assert not prune.SITES.should_plan(url)
    page = SIM.article_page("http://127.0.0.1:9", "p0000", 1)
    chrome_url = "https://chrome-heavy.example/news/1"
    for _ in range(prune.SITES.patience + 2):
        assert scrape(page, chrome_url) == scrape(page, chrome_url, prune=False)
    assert prune.SITES.should_plan(chrome_url)


def test_a_site_whose_pruned_pages_need_the_whole_tree_stops_being_planned() -> None:
    """albayan's page has chrome enough to plan, but the densest-element check sends it
    down the whole-tree path: built twice. After `patience` such pages the site is
    planned no more (it once kept being planned: its pages "paid" at planning time)."""
    entry = next(e for e in INDEX if "albayan" in e["html"])
    page = _html(entry)
    planned = prune.plan(page.decode("utf-8", "replace"), ScrapeRules())
    assert planned is not None and planned.worth_it()
    url = "https://twice-built.example/news/1"
    full = scrape(page, url, prune=False)
    for _ in range(prune.SITES.patience):
        assert prune.SITES.should_plan(url)
        assert scrape(page, url) == full
    assert not prune.SITES.should_plan(url)


def _badge_in_reference(container: Tag, skip: list[Tag]) -> bool:
    """extract._badge_in as first written: bs4's matchers, every tag's whole text."""
    for tag in container.find_all(True):
        if any(tag is s or any(p is s for p in tag.parents) for s in skip):
            continue
        text = text_of(tag)
        if not text or len(text) > 30:
            continue
        if tag.find(True) is not None and any(text_of(c) == text for c in tag.find_all(True)):
            continue
        if tag.name == "a" and tag.find_parent(["li"]) is not None:
            continue
        if is_urgent_label(text):
            return True
    return False


@pytest.mark.parametrize("index", range(len(_pages())))
def test_badge_search_is_the_reference(index: int) -> None:
    text, url = _pages()[index]
    page = parse_page(text, url, ScrapeRules(), "UTC", None)
    remove_boilerplate(page)
    tags = page.soup.find_all(True)
    skip = [t for t in tags if t.name in ("p", "article")][:3]
    # Containers all through the page, with and without parts skipped; the badges the
    # pages carry are found by both or neither.
    for container in tags[:: max(1, len(tags) // 40)]:
        for parts in ([], skip):
            assert extract._badge_in(container, parts) == _badge_in_reference(container, parts)


@pytest.mark.parametrize("index", range(len(_pages())))
def test_class_pass_judges_the_tags_the_per_tag_test_picks(index: int) -> None:
    """The class pass picks its tags from the index's distinct class and id names; that
    is every tag with a style or with names judged chrome as one string, as before."""
    assert not any(ch.isspace() for s in rules.JUNK_CLASS_SUBSTRINGS for ch in s)
    text, url = _pages()[index]
    page = parse_page(text, url, ScrapeRules(), "UTC", None)
    tags = page.tag_index()
    picked = tags.keyed(
        attrs=("style",),
        classes=[k for k in tags.class_keys() if scoring.junk_names(k)],
        ids=[k for k in tags.id_keys() if scoring.junk_names(k)],
    )
    reference = [
        t
        for t in page.soup.find_all(True)
        if "style" in t.attrs or scoring.junk_names(classes_and_id(t))
    ]
    assert [id(t) for t in picked] == [id(t) for t in reference]
