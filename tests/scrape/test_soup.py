"""soup.py's soup, made from lxml's tree, is the one bs4's lxml builder makes.

* Node by node (every tag, string, comment, doctype…): the same class, name or text,
  attributes (their dict class, split ``class``/``rel`` lists, ``<meta>`` charset
  substitutions), every other field bs4 sets on the object, and the same parent,
  next/previous element and sibling links. Two differences are what lxml's tree does not
  keep, as for the pruned build (test_prune.py): whitespace after ``</html>`` and the value
  of a bare boolean attribute; both are set aside before comparing.
* The record scraped from each soup is the same, on every page in tests/data/pages, the
  benchmark's pages, and pages built around the builder's special cases.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Set
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from bs4.element import Comment
from lxml import etree

from syndication.model import Scraped, ScrapeRules
from syndication.scrape import _extract, _text, scrape
from syndication.scrape.page import parse_page
from syndication.scrape.rules import DATE_SELECTORS
from syndication.scrape.soup import TreeSoupBuilder, parse_tree, scrape_soup, whole_soup
from syndication.scrape.tagindex import TagIndex
from tests.support import DATA
from tests.support import simulator as SIM
from tests.support.soups import as_scraped, set_aside

PAGES = DATA / "pages"
INDEX: list[dict[str, Any]] = json.loads((PAGES / "index.json").read_text(encoding="utf-8"))
BASE = "http://127.0.0.1:1"

# What the builder does differently per tag, one case each.
SPECIAL = {
    "whitespace": "<html><body><div> \n <p>  نص  </p>\t<span> </span></div></body></html>",
    "pre and textarea": (
        "<html><body><pre> \n <b> </b>\n</pre> \n<textarea>  </textarea>"
        "<pre><span> \n </span></pre><p> </p></body></html>"
    ),
    "string containers": (
        '<html><head><style> p {} </style><script type="application/ld+json"> {} '
        "</script><script>var a = 1;</script></head><body><template><p>ق<b>ب</b></p> "
        "</template><ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby></body></html>"
    ),
    "comments and PIs": (
        "<!-- before --><?php echo 1 ?><html><body><!-- in --><p>a<!---->b<?x y?>c</p>"
        "<pre><!--  --></pre></body></html><!-- after -->"
    ),
    "doctype": (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html><body><p>x</p></body></html>'
    ),
    "attributes": (
        '<html><head><meta charset="windows-1256"><meta http-equiv="Content-Type" '
        'content="text/html; charset=utf-8"><link rel="canonical  alternate" href="/a">'
        '</head><body class=" a  b "><a rel="nofollow noopener" accesskey="x y">l</a>'
        '<table><tr><td headers="h1 h2">c</td></tr></table><form accept-charset="a b">'
        '<input type="checkbox" checked data-x="1"></form><br><img src="/i.jpg"></body></html>'
    ),
    "markup after html": (
        "<html><body><nav>x</nav><p>نص</p></body></html>\n<script>1</script><p>بعد</p>"
    ),
    "no html element": "<p>فقرة</p><p>أخرى</p>",
    "entities": "<html><body><p>a &amp; b &lt; &#1575; &nbsp; &unknown; c</p></body></html>",
}

_LINKS = ("parent", "next_element", "previous_element", "next_sibling", "previous_sibling")


def _pages() -> list[tuple[str, str, str]]:
    """(name, page text, URL) for every page the builders are compared on."""
    pages = [
        (e["html"], _text((PAGES / e["html"]).read_bytes(), e["url"], None)[0], e["url"])
        for e in INDEX
    ]
    for n in range(3):
        url = f"{BASE}/p/p0001/news/{n}.html"
        pages.append((f"sim{n}", SIM.article_page(BASE, "p0001", n, n == 1).decode(), url))
    pages += [(name, html, f"{BASE}/{n}") for n, (name, html) in enumerate(SPECIAL.items())]
    return pages


PAGE_LIST = _pages()


def _nodes(soup: BeautifulSoup) -> list[Any]:
    """Every node of *soup* in document order, each as what bs4 holds about it."""
    nodes: list[Any] = [soup, *soup.descendants]
    # The element links form one chain from the first child on (the soup's own is None).
    chain: list[Any] = [soup]
    node = soup.contents[0] if soup.contents else None
    while node is not None:
        chain.append(node)
        node = node.next_element
    assert [id(n) for n in chain] == [id(n) for n in nodes]
    at = {id(n): i for i, n in enumerate(nodes)}
    out = []
    for node in nodes:
        fields = dict(vars(node))
        links = [at.get(id(fields.pop(k)), "elsewhere") if fields.get(k) else None for k in _LINKS]
        row: list[Any] = [type(node).__name__, links]
        if isinstance(node, Tag):
            contents = fields.pop("contents")
            attrs = fields.pop("attrs")
            row += [
                node.name,
                [at[id(c)] for c in contents],
                type(attrs).__name__,
                [
                    (k, type(v).__name__, list(v) if isinstance(v, list) else str(v))
                    for k, v in attrs.items()
                ],
            ]
        else:
            row.append(str(node))
        if node is not soup:  # the soup's own fields hold its builder and parse state
            row.append(sorted((k, repr(v)) for k, v in fields.items()))
        out.append(row)
    return out


@pytest.mark.parametrize("index", range(len(PAGE_LIST)), ids=[p[0] for p in PAGE_LIST])
def test_soup_from_lxml_tree_is_bs4s_node_by_node(index: int) -> None:
    _name, text, _url = PAGE_LIST[index]
    ours = _nodes(set_aside(whole_soup(text)))
    reference = _nodes(set_aside(BeautifulSoup(text, "lxml")))
    assert len(ours) == len(reference)
    for mine, theirs in zip(ours, reference, strict=True):
        assert mine == theirs


@pytest.mark.parametrize("index", range(len(PAGE_LIST)), ids=[p[0] for p in PAGE_LIST])
def test_scrape_soup_is_bs4s_without_what_the_scrape_never_reads(index: int) -> None:
    """The scrape's build (no comments, scripts but JSON-LD, styles, layout whitespace)
    is bs4's soup with those removed, node by node."""
    _name, text, _url = PAGE_LIST[index]
    ours = _nodes(set_aside(scrape_soup(text)))
    reference = _nodes(set_aside(as_scraped(BeautifulSoup(text, "lxml"))))
    assert len(ours) == len(reference)
    for mine, theirs in zip(ours, reference, strict=True):
        assert mine == theirs


def test_layout_whitespace_is_what_the_body_walk_never_reads() -> None:
    """Blank strings between blocks go; between inline elements, inside inline ones, in
    <pre>, and after text in a block they stay (the body walk joins a run as written)."""
    html = (
        "<html><body>\n<div>\n<p>a</p>\n<p><b>b</b> <i>c</i></p>\n</div>"
        "<div>text <span> </span>\n<p>d</p></div><pre> <b>e</b> </pre></body></html>"
    )
    soup = scrape_soup(html)
    blank = [s for s in soup.find_all(string=True) if not s.strip()]
    assert [(s.parent.name if s.parent else None, str(s)) for s in blank] == [
        ("p", " "),  # between <b> and <i>
        ("span", " "),  # inside an inline element
        ("div", "\n"),  # after text in its block
        ("pre", " "),
        ("pre", " "),
    ]
    record = scrape(
        "<html><body><article><p><b>كلمة</b> <a href='/x'>أخرى</a> " + "نص " * 100 + "</p>"
        "\n  <p>" + "فقرة " * 40 + "</p>\n</article></body></html>",
        f"{BASE}/ws",
        prune=False,
    )
    assert record.blocks[0].text.startswith("كلمة أخرى نص")


def test_flattened_page_keeps_the_whitespace_it_moves_next_to_text() -> None:
    """An over-deep page is flattened (children moved up beside other text): it is
    built with its layout whitespace, so the moved run still reads "كلمة أخرى"."""
    deep = 97  # the paragraph's <div> sits at depth 100; its inner <div> is unwrapped
    page = (
        "<html><body>" + "<div>" * deep + "<div>كلمة<div>\n<b>أخرى</b> " + "نص " * 120
        + "</div></div>" + "</div>" * deep + "</body></html>"
    )  # fmt: skip
    record = scrape(page, f"{BASE}/deep", prune=False)
    assert record.blocks[0].text.startswith("كلمة أخرى نص")
    assert record == _reference_record(page, f"{BASE}/deep")


class _NothingLeftOut:
    """page.Pruning for a soup that is the whole tree: nothing to doubt."""

    def densest_doubt(
        self, body: Tag, best: Tag | None, threshold: int, score_of: Callable[[Tag], int | None]
    ) -> str | None:
        return None

    def chrome_holders(self) -> Set[int]:
        return set()


def _reference_record(text: str, url: str) -> Scraped:
    """The whole-tree scrape of *text* on the soup bs4's own lxml builder makes."""
    soup = BeautifulSoup(text, "lxml")
    return _extract(text, url, ScrapeRules(), "UTC", None, (soup, _NothingLeftOut()))


@pytest.mark.parametrize("index", range(len(PAGE_LIST)), ids=[p[0] for p in PAGE_LIST])
def test_same_record_from_either_soup(index: int) -> None:
    name, text, url = PAGE_LIST[index]
    if name in SPECIAL:
        return  # not articles: the node-by-node test covers them
    assert scrape(text, url, prune=False) == _reference_record(text, url)


# Hostile text for the parse from UTF-8 bytes: NUL and other controls, CR line ends, a
# literal replacement character, noncharacters, a lone "<", an unclosed comment.
HOSTILE = {
    "controls": "<html><body><p>a\x00b\x01c\x0bd\x7f\x85e</p></body></html>",
    "line ends": "<html>\r\n<body>\r<p>سطر\r\nآخر</p>\r\n</body></html>",
    "replacement": "<p>\ufffd نص \ufffe\uffff \U0010ffff</p>",
    "broken": "<p>نص < ب <!-- لا نهاية",
    "bidi": "<title>\u200f\u202bعاجل\u202c\u200d: خبر\ufeff</title><p>\u2067x\u2069</p>",
}


def _tree(parsed: tuple[Any, Any] | None) -> tuple[str, Any] | None:
    if parsed is None:
        return None
    root, doctype = parsed
    return etree.tostring(root.getroottree(), encoding="unicode"), doctype


@pytest.mark.parametrize(
    "index", range(len(PAGE_LIST) + len(HOSTILE)), ids=[p[0] for p in PAGE_LIST] + [*HOSTILE]
)
def test_the_tree_from_utf8_bytes_is_the_tree_from_text(index: int) -> None:
    text = (
        PAGE_LIST[index][1]
        if index < len(PAGE_LIST)
        else [*HOSTILE.values()][index - len(PAGE_LIST)]
    )
    assert _tree(parse_tree(text, text.encode("utf-8"))) == _tree(parse_tree(text))


@pytest.mark.parametrize(
    ("body", "given"),
    [
        ("<p>نص</p>".encode(), True),
        (codecs.BOM_UTF8 + "<p>نص</p>".encode(), True),
        (codecs.BOM_UTF8 * 2 + "<p>نص</p>".encode(), False),  # the text drops the second
        ("<p>نص</p>".encode() + b"\xff", False),  # replaced: the bytes are not the text
        ("<p>\ufffd</p>".encode(), False),  # a replacement character cannot be told apart
        ("<p>نص</p>".encode("cp1256"), False),
        ("<p>نص</p>".encode("utf-16"), False),
    ],
)
def test_the_scrape_parses_the_pages_bytes_only_when_they_are_its_text(
    body: bytes, given: bool
) -> None:
    text, utf8 = _text(body, BASE, None)
    assert (utf8 is not None) == given
    if utf8 is not None:
        assert utf8 == text.encode("utf-8")


def test_lxml_refusing_a_page_falls_back_to_bs4() -> None:
    assert parse_tree("") is None  # lxml's HTML parser has no document for it
    assert str(whole_soup("")) == str(BeautifulSoup("", "lxml"))


def test_comment_class_and_tail_of_left_out_element() -> None:
    """leave_out (the pruned build's hook) keeps the tail, as a string of its own."""

    class NoSpans(TreeSoupBuilder):
        def leave_out(self, el: Any, parent: Tag) -> bool:
            return bool(el.tag == "span")

    parsed = parse_tree("<html><body><p>a<span>x</span>b<!--c--></p></body></html>")
    assert parsed is not None
    soup = BeautifulSoup("", builder=NoSpans(*parsed))
    p = soup.find("p")
    assert isinstance(p, Tag)
    assert [str(c) for c in p.contents] == ["a", "b", "c"]
    assert isinstance(p.contents[2], Comment)


@pytest.mark.parametrize("index", range(len(PAGE_LIST)), ids=[p[0] for p in PAGE_LIST])
def test_select_each_under_a_root_is_soupsieves(index: int) -> None:
    """Page.select_each(selectors, root), one walk for all selectors (when.py's date
    search), finds what soupsieve's select finds under that root, selector by selector."""
    _name, text, url = PAGE_LIST[index]
    page = parse_page(text, url, ScrapeRules(), "UTC", None)
    tags = page.soup.find_all(True)
    roots = [page.soup, *tags[:: max(1, len(tags) // 25)]]
    for root in roots:
        found = page.select_each(DATE_SELECTORS, root)
        for selector in DATE_SELECTORS:
            assert found[selector] == list(root.css.select(selector)), selector


def _filed(index: TagIndex) -> list[Any]:
    def ids(table: dict[str, list[Tag]]) -> dict[str, list[int]]:
        return {k: [id(t) for t in v] for k, v in table.items()}

    return [
        index.order,
        index._end,
        ids(index._names),
        ids(index._attrs),
        ids(index._classes),
        ids(index._ids),
        [id(c) for c in index._comments],
        index.depth,
    ]


@pytest.mark.parametrize("index", range(len(PAGE_LIST)), ids=[p[0] for p in PAGE_LIST])
def test_tags_filed_by_the_build_are_the_walks(index: int) -> None:
    """The tag index takes what the builder filed as it built (soup.Made); a walk of
    the finished soup files the same tags under the same keys, in the same order."""
    _name, text, _url = PAGE_LIST[index]
    for soup in (scrape_soup(text), whole_soup(text)):
        builder = soup.builder
        assert isinstance(builder, TreeSoupBuilder)
        assert _filed(TagIndex(soup, builder.made)) == _filed(TagIndex(soup))
