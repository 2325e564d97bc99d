"""The fragment renderers (render.py, jsonfeed.py, fragments.py, escape.py) against the
feedgen reference (reference.py) and lxml: byte for byte, over random articles; the item
cache shares an article's items across feeds and renders an edited article again."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable

import pytest
from lxml import etree

from syndication.config import PublishSettings
from syndication.model import Article, FeedSpec
from syndication.publish import escape as esc
from syndication.publish import reference as ref
from syndication.publish.history import History
from syndication.publish.items import ItemCache
from syndication.publish.jsonfeed import render_json
from syndication.publish.render import render_atom, render_rss
from tests.support.factories import MAIN, NOW, SETTINGS, make_article
from tests.support.rendercases import PLAIN_SETTINGS, random_articles

Renderer = Callable[..., bytes]
PAIRS: dict[str, tuple[Renderer, Renderer]] = {
    "rss": (render_rss, ref.render_rss),
    "atom": (render_atom, ref.render_atom),
    "json": (render_json, ref.render_json),
}
SELF = SETTINGS.base_url + "main.xml"
ODD_SETTINGS = dataclasses.replace(
    SETTINGS,
    site_url="https://news.example.org/?a=1&b=<2>",
    title=" عنوان\u200f & <b>x</b> ",
    description="",
    language="",
    scheme_base="https://news.example.org/t?x=\"1\"&y='2'",
    logo_url="javascript:x",
)


def outcome(render: Renderer, *args: object, **kw: object) -> bytes | str:
    """The bytes, or the name of the exception class for an input it refuses."""
    try:
        return render(*args, **kw)
    except ValueError as e:
        return type(e).__name__


@pytest.mark.parametrize("settings", [SETTINGS, PLAIN_SETTINGS, ODD_SETTINGS], ids=str)
@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_random_articles_render_as_the_reference_does(fmt: str, settings: PublishSettings) -> None:
    ours, reference = PAIRS[fmt]
    articles = random_articles(seed=17, n=150)
    spec = dataclasses.replace(MAIN, limit=200, key="random", title="")
    rendered = 0
    for start in range(0, len(articles), 10):  # feeds of ten: a failure names few articles
        chunk = articles[start : start + 10]
        expected = outcome(reference, spec, chunk, settings, self_url=SELF, now=NOW)
        got = outcome(ours, spec, chunk, settings, self_url=SELF, now=NOW)
        assert got == expected, [a.id for a in chunk]
        rendered += isinstance(got, bytes)
    assert rendered >= 12  # the random inputs are mostly renderable: this compares bytes
    whole = outcome(reference, spec, articles, settings, self_url=SELF, now=NOW)
    assert outcome(ours, spec, articles, settings, self_url=SELF, now=NOW) == whole


def test_archive_links_render_as_the_reference_does() -> None:
    articles = random_articles(seed=5, n=20)
    for history in (
        History(),
        History(archive=True),
        History(current="https://f.example/a?x=1&y=2"),
        History(next_archive="https://f.example/n", archive=True),
        History("https://f.example/c", "https://f.example/p", "https://f.example/n", True),
    ):
        ours = render_atom(MAIN, articles, SETTINGS, self_url=SELF, now=NOW, history=history)
        expected = ref.render_atom(
            MAIN, articles, SETTINGS, self_url=SELF, now=NOW, history=history
        )
        assert ours == expected


def test_an_article_in_several_feeds_is_rendered_once_per_format() -> None:
    cache = ItemCache(SETTINGS)
    articles = [make_article(n) for n in range(1, 9)]
    feeds = [
        dataclasses.replace(MAIN, key="a"),
        dataclasses.replace(MAIN, key="b", limit=4),
        dataclasses.replace(MAIN, key="c", limit=6),
    ]
    for spec in feeds:
        for ours, reference in PAIRS.values():
            expected = reference(spec, articles, SETTINGS, self_url=SELF, now=NOW)
            assert ours(spec, articles, SETTINGS, self_url=SELF, now=NOW, cache=cache) == expected
    assert cache.misses == 3 * 8  # each article's item once per format
    assert cache.hits == 3 * (4 + 6)
    assert len(cache) == 3 * 8


def test_an_edited_article_is_rendered_again_in_every_format() -> None:
    cache = ItemCache(SETTINGS)
    original = make_article(3)
    for ours, _ in PAIRS.values():
        ours(MAIN, [original], SETTINGS, self_url=SELF, now=NOW, cache=cache)
    # Same id, same content hash: only the body and a caption changed.
    edited = dataclasses.replace(
        original,
        body_html="<p>نص مصحح &amp; جديد</p>",
        images=(dataclasses.replace(original.images[0], caption="تعليق مصحح"),),
    )
    for fmt, (ours, reference) in PAIRS.items():
        data = ours(MAIN, [edited], SETTINGS, self_url=SELF, now=NOW, cache=cache)
        assert data == reference(MAIN, [edited], SETTINGS, self_url=SELF, now=NOW), fmt
        assert "نص مصحح".encode() in data and "تعليق مصحح".encode() in data
        assert "الفقرة الأولى".encode() not in data


# --- escaping against lxml ---------------------------------------------------------------------

_CHARS = (
    "aب &<>\"'\t\n\r]]>\x7f\x85\u2028\u200f\ufeff\ufdd0é😀"
    "\x00\x01\x08\x0b\x0c\x0e\x1f\ufffe\uffff\ud800\udfff"
)


def _lxml_text(value: str) -> str:
    el = etree.Element("x")
    el.text = value
    return etree.tostring(el, encoding="UTF-8").decode()[3:-4]


def _lxml_attr(value: str) -> str:
    el = etree.Element("x", a=value)
    return etree.tostring(el, encoding="UTF-8").decode()[6:-3]


def _lxml_or_error(make: Callable[[str], str], value: str) -> str:
    try:
        return make(value)
    except ValueError:  # UnicodeEncodeError (a lone surrogate) is one too
        return "refused"


def _ours_or_error(make: Callable[[str], str], value: str) -> str:
    try:
        return make(value)
    except ValueError:
        return "refused"


def test_escaping_matches_lxml_over_generated_strings() -> None:
    rng = random.Random(20261206)
    strings = list(_CHARS) + [
        "".join(rng.choice(_CHARS) for _ in range(rng.randint(0, 12))) for _ in range(3000)
    ]
    refused = 0
    for value in strings:
        expected_text = _lxml_or_error(_lxml_text, value)
        assert _ours_or_error(esc.text, value) == expected_text, repr(value)
        assert _ours_or_error(esc.attr, value) == _lxml_or_error(_lxml_attr, value), repr(value)
        if expected_text == "refused":
            refused += 1
        else:  # the unchecked variants agree on what lxml accepts
            assert esc.text_clean(value) == expected_text
            assert esc.attr_clean(value) == _lxml_attr(value)
    assert 0 < refused < len(strings)  # both kinds of input were generated


def test_a_document_lxml_could_not_build_is_not_written() -> None:
    bad = dataclasses.replace(SETTINGS, site_url="https://news.example.org/\x01")
    article: list[Article] = [make_article(1)]
    for fmt in ("rss", "atom"):
        ours, reference = PAIRS[fmt]
        with pytest.raises(ValueError):
            reference(MAIN, article, bad, self_url=SELF, now=NOW)
        with pytest.raises(ValueError):
            ours(MAIN, article, bad, self_url=SELF, now=NOW)


def test_an_empty_feed_spec_renders_as_the_reference_does() -> None:
    spec = FeedSpec(key="k", title="", kind="main", limit=0, ttl=0)
    for ours, reference in PAIRS.values():
        expected = reference(spec, [make_article(1)], SETTINGS, self_url=SELF, now=NOW)
        assert ours(spec, [make_article(1)], SETTINGS, self_url=SELF, now=NOW) == expected
