"""Every feed publish_all writes, checked by independent validators: the RFC 4287 RELAX NG
grammar (tests/data/atom.rng, converted from atom.rnc with trang), the partner-profile lint
(tests/tools/partner_lint.py, run as partners would: a separate process), and feed.xsl
applied with lxml to show each feed as a right-to-left HTML page."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from syndication.config import Config
from syndication.model import Category, Image
from syndication.publish import publish_all
from syndication.store import Store, open_store
from tests.support import DATA, ROOT
from tests.support.factories import ECONOMY, NOW, make_article, make_config

ATOM_RNG = DATA / "atom.rng"
LINT = ROOT / "tests" / "tools" / "partner_lint.py"


@pytest.fixture(scope="module")
def relaxng() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(ATOM_RNG)))


@pytest.fixture
def published(tmp_path: Path) -> Iterator[tuple[Config, Path]]:
    """A demo publish: ordinary, urgent, captionless, hostile and image-less articles."""
    config = make_config(tmp_path)
    with open_store(config.storage_url) as store:
        _fill(store)
        publish_all(config, store, now=NOW)
    yield config, tmp_path / "out/feeds"


def _fill(store: Store) -> None:
    store.upsert_article(make_article(1))
    store.upsert_article(make_article(2, urgent=True, categories=(ECONOMY,)))
    store.upsert_article(
        make_article(
            3,
            title="\u202bعنوان " * 14000 + "\x00\x1f",  # ~84 KB, bidi marks, controls
            body_html='<div dir="rtl" lang="ar"><p>نص ]]> فيه\x00 محارف\x08 تحكم</p></div>',
            summary="\x0cملخص",
            author=None,
            images=(),
        )
    )
    store.upsert_article(
        make_article(
            4,
            images=(Image(url="https://img.example.com/4.webp"),),  # no caption, no size
            categories=(Category(label="رياضة", slug="sports"),),
        )
    )


def feed_files(out: Path, suffix: str) -> list[Path]:
    files = sorted(out.glob(f"*{suffix}"))
    assert files, f"no {suffix} files published"
    return files


def test_every_published_atom_feed_is_valid_rfc4287(
    published: tuple[Config, Path], relaxng: etree.RelaxNG
) -> None:
    _, out = published
    for path in feed_files(out, ".atom.xml"):
        doc = etree.parse(str(path))
        ok = relaxng.validate(doc)
        assert ok, f"{path.name}: {relaxng.error_log}"
        assert len(relaxng.error_log) == 0


def test_the_grammar_rejects_what_feedgen_gets_wrong(relaxng: etree.RelaxNG) -> None:
    """The check above can fail: feedgen's own Atom content type="CDATA" is invalid."""
    bad = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><id>x:1</id><title>t</title>'
        b"<updated>2026-01-01T00:00:00Z</updated><author><name>n</name></author>"
        b"<entry><id>x:2</id><title>t</title><updated>2026-01-01T00:00:00Z</updated>"
        b'<content type="CDATA">x</content></entry></feed>'
    )
    assert not relaxng.validate(etree.fromstring(bad))


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(LINT), "--lang", "ar", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_published_xml_feed_passes_the_partner_lint(
    published: tuple[Config, Path],
) -> None:
    _, out = published
    paths = feed_files(out, ".rss.xml") + feed_files(out, ".atom.xml")
    # main, urgent, 3 categories, 1 partner × 2 formats, and the urgent archive page
    assert len(paths) == 13
    for path in paths:
        result = lint(path)
        errors = [line for line in result.stdout.splitlines() if line.startswith("ERROR")]
        assert errors == [], f"{path.name}:\n{result.stdout}"
        assert result.returncode == 0, result.stdout
        assert "NoHub" not in result.stdout and "NoSelfLink" not in result.stdout
        assert "NoGuid" not in result.stdout and "Language" not in result.stdout


def test_partner_lint_catches_a_broken_feed(tmp_path: Path) -> None:
    """The lint can fail: a permalink guid that is not a URL is an error."""
    path = tmp_path / "bad.rss.xml"
    path.write_text(
        "<rss version='2.0'><channel><title>t</title><language>ar</language><item>"
        "<title>عنوان طويل بما يكفي للاختبار هنا</title><link>https://e.org/1</link>"
        "<guid>tag:x,2026:1</guid><pubDate>Sun, 01 Feb 2026 00:00:00 +0000</pubDate>"
        "</item></channel></rss>",
        encoding="utf-8",
    )
    result = lint(path)
    assert result.returncode == 1 and "GuidNotPermalink" in result.stdout


def transform(out: Path, name: str) -> etree._Element:
    xslt = etree.XSLT(etree.parse(str(out / "feed.xsl")))
    result = xslt(etree.parse(str(out / name)))
    html = etree.HTML(bytes(result))
    assert html is not None
    return html


def found(parent: etree._Element, path: str) -> etree._Element:
    """parent.find(path), which the page must have."""
    element = parent.find(path)
    assert element is not None, path
    return element


def text_of(element: etree._Element) -> str:
    # lxml's stubs allow bytes; a tree made from a parsed document only holds str.
    return "".join(t for t in element.itertext() if isinstance(t, str))


@pytest.mark.parametrize("name", ["main.rss.xml", "main.atom.xml"])
def test_feed_xsl_renders_an_rtl_page_with_titles_images_and_captions(
    published: tuple[Config, Path], name: str
) -> None:
    _, out = published
    html = transform(out, name)
    assert html.get("dir") == "rtl" and html.get("lang") == "ar"
    assert html.findtext("head/title") == "الأخبار"
    articles = html.findall(".//article")
    assert len(articles) == 4
    titles = [text_of(found(a, "h2/a")) for a in articles]
    assert titles[2] == "عنوان الخبر رقم 2 عن تطورات الأحداث في المنطقة"
    assert titles[3] == "عنوان الخبر رقم 1 عن تطورات الأحداث في المنطقة"
    assert found(articles[2], "h2/span[@class='urgent']").text == "عاجل"
    assert articles[3].find("h2/span[@class='urgent']") is None
    assert found(articles[3], "h2/a").get("href") == "https://partner.example.com/news/1"
    figures = articles[3].findall("figure")
    assert [found(f, "img").get("src") for f in figures] == [
        "https://img.example.com/1-lead.jpg",
        "https://img.example.com/1-second.png",
    ]
    caption = found(figures[0], "figcaption")
    assert (caption.text or "").strip() == "تعليق الصورة الأولى 1"
    assert found(caption, "span[@class='credit']").text == "تصوير: أحمد 1"
    # The hostile article (no images) is listed, without figures.
    assert articles[1].findall("figure") == []
    # The image without caption gets no empty figcaption.
    assert articles[0].find("figure/figcaption") is None


def test_published_feeds_name_the_stylesheet_that_is_published_beside_them(
    published: tuple[Config, Path],
) -> None:
    _, out = published
    for path in feed_files(out, ".rss.xml") + feed_files(out, ".atom.xml"):
        head = path.read_bytes()[:200]
        assert b'<?xml-stylesheet type="text/xsl" href="feed.xsl"?>' in head
    assert (out / "feed.xsl").is_file()


def test_regenerated_demo_feeds_validate_byte_for_byte(tmp_path: Path) -> None:
    """Two stores filled alike publish identical files (nothing depends on the clock)."""
    outputs: list[dict[str, bytes]] = []
    for name in ("a", "b"):
        base = tmp_path / name
        base.mkdir()
        config = make_config(base)
        with open_store(config.storage_url) as store:
            _fill(store)
            publish_all(config, store, now=NOW + dt.timedelta(days=len(outputs)))
        outputs.append({p.name: p.read_bytes() for p in (base / "out/feeds").iterdir()})
    assert outputs[0] == outputs[1]
