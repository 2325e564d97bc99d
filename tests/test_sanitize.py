"""The body-HTML allowlist (syndication.sanitize)."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from syndication.sanitize import html_to_text, sanitize_html, wrap_rtl

DATA = Path(__file__).parent / "data" / "sanitize"
BASE = "https://partner.example/news/2020/story.html"

# Nothing executable or able to load third-party content may survive, whatever the input.
FORBIDDEN = [
    "<script",
    "</script",
    "<style",
    "<iframe",
    "<object",
    "<embed",
    "<applet",
    "<form",
    "<input",
    "<frame",
    "<meta",
    "<link",
    "<base",
    "<svg",
    "<math",
    "<template",
    "<noscript",
    "javascript:",
    "vbscript:",
    "data:",
    "style=",
    "srcset",
    "formaction",
]
_ON_ATTR = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


def assert_safe(out: str) -> None:
    low = out.lower()
    for needle in FORBIDDEN:
        assert needle not in low, (needle, out)
    assert not _ON_ATTR.search(out), out


# (input html, substrings that must remain, substrings that must be gone)
HOSTILE: list[tuple[str, list[str], list[str]]] = [
    ("<p>a<script>alert(1)</script>b</p>", ["<p>ab</p>"], ["alert"]),
    ("<script>alert(1)", [], ["alert"]),  # unclosed
    ("<SCRIPT SRC=//x.example/x.js></SCRIPT>ok", ["ok"], ["x.js"]),
    ("<scr<script>ipt>alert(1)</script>", [], ["<scr"]),
    ("<style>p{color:red}</style><p>t</p>", ["<p>t</p>"], ["color"]),
    ('<p style="position:fixed;top:0">t</p>', ["<p>t</p>"], []),
    (
        '<img src="https://a.example/x.jpg" onerror="alert(1)">',
        ['src="https://a.example/x.jpg"'],
        ["alert"],
    ),
    ("<img src=x onerror=alert(1)//>", [], ["alert"]),
    ('<p onclick="steal()" onmouseover="x()">t</p>', ["<p>t</p>"], ["steal"]),
    ('<body onload="x()"><p>t</p></body>', ["<p>t</p>"], ["onload"]),
    ('<a href="javascript:alert(1)">x</a>', [">x</a>"], ["alert"]),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', [">x</a>"], ["alert"]),
    ('<a href="java\tscript:alert(1)">x</a>', [">x</a>"], ["alert"]),
    ('<a href="&#106;avascript:alert(1)">x</a>', [">x</a>"], ["alert"]),
    ('<a href=" javascript:alert(1)">x</a>', [">x</a>"], ["alert"]),
    ('<a href="vbscript:msgbox(1)">x</a>', [">x</a>"], ["msgbox"]),
    ('<a href="data:text/html,<script>alert(1)</script>">x</a>', [">x</a>"], ["alert"]),
    ('<img src="data:image/png;base64,iVBORw0KGgo=">', [], ["<img", "base64"]),
    ('<img src="javascript:alert(1)">', [], ["<img"]),
    (
        '<iframe src="https://evil.example/">inner text</iframe><p>t</p>',
        ["<p>t</p>"],
        ["inner", "evil"],
    ),
    ('<object data="x.swf"><param name=a value=b>fallback</object>t', ["t"], ["fallback", "x.swf"]),
    ('<embed src="x.swf">t', ["t"], ["x.swf"]),
    (
        '<form action="https://evil.example"><input name=q><button>Go</button></form>t',
        ["t"],
        ["evil", "Go"],
    ),
    ("<noscript><p>enable js</p></noscript>t", ["t"], ["enable"]),
    ("<template><p>hidden</p></template>t", ["t"], ["hidden"]),
    ('<svg onload="alert(1)"><circle r=1 /></svg>t', ["t"], ["circle", "alert"]),
    ("<math><mi>x</mi></math>t", ["t"], ["<mi"]),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example">t', ["t"], ["evil"]),
    ('<link rel="stylesheet" href="https://evil.example/x.css">t', ["t"], ["evil"]),
    ('<base href="https://evil.example/">t', ["t"], ["evil"]),
    ("<!--[if IE]><script>alert(1)</script><![endif]-->t", ["t"], ["alert", "<!--"]),
    ('<div id="x" class="y" data-x="1"><p>t</p></div>', ["<p>t</p>"], ["id=", "class=", "data-x"]),
    (
        '<span class="credit evil">تصوير: علي</span>',
        ['<span class="credit">تصوير: علي</span>'],
        ["evil"],
    ),
    ('<span class="highlight">x</span>', ["<span>x</span>"], ["highlight"]),
    ('<img src="https://t.example/p.gif" width="1" height="1">', [], ["<img"]),
    ('<img src="https://t.example/p.gif" width="0" height="0">', [], ["<img"]),
    ('<img src="https://t.example/p.gif" width="1px" height="1px">', [], ["<img"]),
    ('<img alt="no source">', [], ["<img"]),
    ('<img src="">', [], ["<img"]),
    (
        '<img src="https://a.example/x.jpg" srcset="https://a.example/x2.jpg 2x">',
        ["x.jpg"],
        ["x2.jpg"],
    ),
    (
        '<a href="https://a.example/" target="_blank" rel="opener">x</a>',
        ['rel="noopener noreferrer nofollow"'],
        ["_blank", '"opener"'],
    ),
    ("<p>a\x00b\x07c\x1b</p>", ["<p>abc</p>"], ["\x00", "\x07", "\x1b"]),
    ("<p></p><p> </p><p>&nbsp;</p><p><br></p><p>x</p>", ["<p>x</p>"], ["<p></p>", "<p> </p>"]),
    ('<td colspan="2" rowspan="x" onclick="y">c</td>', [], ["onclick", "rowspan"]),
    ("<h1>top</h1><h5>small</h5>", ["top", "small"], ["<h1", "<h5", "topsmall"]),
    ("<div>أ</div><div>ب</div><section>ج</section>", ["أ", "ب", "ج"], ["<div", "أب", "بج"]),
    ("<marquee><blink>old</blink></marquee>", ["old"], ["<marquee", "<blink"]),
    ('<a href="mailto:desk@news.example">mail</a>', ['href="mailto:desk@news.example"'], []),
    ('<img src="mailto:desk@news.example">', [], ["<img"]),
    ('<a href="https://a.example/?q=&quot;onmouseover=alert(1)">x</a>', [">x</a>"], []),
]


def test_hostile_table_size() -> None:
    assert len(HOSTILE) >= 40


@pytest.mark.parametrize(("html", "keep", "gone"), HOSTILE)
def test_hostile_html(html: str, keep: list[str], gone: list[str]) -> None:
    out = sanitize_html(html, BASE)
    assert_safe(out)
    for s in keep:
        assert s in out, (s, out)
    for s in gone:
        assert s not in out, (s, out)


def test_figure_img_figcaption_survives_intact() -> None:
    # The shape the scraper builds (corpus: akhbarelyom figcaption.img-caption "نعيمة عاكف").
    html = (
        '<figure class="entry-media"><img src="/images/naima.jpg" alt="نعيمة عاكف" '
        'width="800" height="450" loading="lazy" style="border:0">'
        '<figcaption class="img-caption">نعيمة عاكف <span class="credit">تصوير: أرشيف</span>'
        "</figcaption></figure>"
    )
    out = sanitize_html(html, "https://akhbarelyom.com/news/newdetails/3126898/1/")
    assert out == (
        '<figure><img src="https://akhbarelyom.com/images/naima.jpg" alt="نعيمة عاكف" '
        'width="800" height="450"><figcaption>نعيمة عاكف <span class="credit">تصوير: أرشيف</span>'
        "</figcaption></figure>"
    )


def test_figure_whose_image_is_a_pixel_disappears() -> None:
    out = sanitize_html('<figure><img src="https://t.example/p.gif" width="1"></figure><p>x</p>')
    assert out == "<p>x</p>"


def test_relative_urls_resolved_against_base() -> None:
    out = sanitize_html('<a href="../other.html">o</a><img src="img/a.jpg" width="10">', BASE)
    assert 'href="https://partner.example/news/other.html"' in out
    assert 'src="https://partner.example/news/2020/img/a.jpg"' in out


def test_protocol_relative_url_takes_base_scheme() -> None:
    out = sanitize_html('<img src="//cdn.example/a.jpg">', BASE)
    assert 'src="https://cdn.example/a.jpg"' in out


def test_relative_urls_kept_relative_without_base() -> None:
    out = sanitize_html('<a href="/x">x</a>')
    assert 'href="/x"' in out


def test_allowed_structure_is_kept() -> None:
    html = (
        "<h2>عنوان فرعي</h2><p>فقرة <strong>مهمة</strong> و<em>مائلة</em> "
        "<b>b</b> <i>i</i> <small>s</small> H<sub>2</sub>O x<sup>2</sup><br>سطر</p>"
        "<blockquote>اقتباس</blockquote><ul><li>1</li></ul><ol><li>2</li></ol>"
        '<table><thead><tr><th colspan="2">h</th></tr></thead><tbody><tr><td rowspan="2">c</td>'
        "</tr></tbody></table><h3>h3</h3><h4>h4</h4>"
    )
    assert sanitize_html(html) == html


def test_link_rel_is_forced() -> None:
    out = sanitize_html('<a href="https://a.example/" title="t">x</a>')
    assert out == (
        '<a href="https://a.example/" title="t" rel="noopener noreferrer nofollow">x</a>'
    )


def test_arabic_text_and_entities_survive() -> None:
    html = "<p>«الصباح» &amp; الشروق — 5&nbsp;%</p>"
    assert sanitize_html(html) == "<p>«الصباح» &amp; الشروق — 5&nbsp;%</p>"


def test_cdata_end_and_control_chars_are_neutralized() -> None:
    out = sanitize_html("<p>a ]]> b\x0c\x1f</p>")
    assert "\x0c" not in out and "\x1f" not in out
    assert "]]&gt;" in out  # escaped, so it cannot close a CDATA section in a feed


def test_empty_and_whitespace_input() -> None:
    assert sanitize_html("") == ""
    assert sanitize_html("   ") == ""
    assert sanitize_html("<p></p>") == ""


def test_idempotent() -> None:
    for html, _, _ in HOSTILE:
        once = sanitize_html(html, BASE)
        assert sanitize_html(once, BASE) == once


def test_large_input_does_not_crash() -> None:
    html = "<p>" + "كلمة " * 200_000 + "</p>" + "<div>" * 5000 + "x" + "</div>" * 5000
    out = sanitize_html(html)
    assert out.startswith("<p>كلمة")
    assert out.endswith("x")


# --- feedparser's sanitizer cases (tests/data/sanitize, see PROVENANCE.md) -----------------


def _payload(path: Path) -> str:
    """The HTML carried by the feed file's entry content / description."""
    ET.register_namespace("", "http://www.w3.org/1999/xhtml")
    root = ET.parse(path).getroot()
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag not in ("content", "description", "encoded", "summary"):
            continue
        mode = el.get("mode")
        if mode == "base64":
            return base64.b64decode("".join((el.text or "").split())).decode("utf-8")
        if mode == "xml":
            return "".join(ET.tostring(child, encoding="unicode") for child in el)
        return el.text or ""
    raise AssertionError(f"no content element in {path.name}")


FEEDPARSER_CASES = [
    # (file, text that must remain)
    ("entry_content_crazy.xml", []),
    ("entry_content_script.xml", ["safe", "description"]),
    ("entry_content_script_cdata.xml", ["safe", "description"]),
    ("entry_content_script_base64.xml", ["safe", "description"]),
    ("entry_content_script_inline.xml", ["safe", "description"]),
    ("entry_content_onerror.xml", ['src="http://www.ragingplatypus.com/i/cam-full.jpg"']),
    ("entry_content_onclick.xml", ['src="http://www.ragingplatypus.com/i/cam-full.jpg"']),
    ("entry_content_iframe.xml", ["safe"]),
    # object/embed/applet content goes with the tag (feedparser keeps it; we drop it)
    ("entry_content_object.xml", ["safe"]),
    ("entry_content_embed.xml", ["safe", "<b>description</b>"]),
    ("entry_content_applet.xml", ["safe", "<b>description</b>"]),
    ("entry_content_frame.xml", ["safe", "<b>description</b>"]),
    ("entry_content_meta.xml", ["safe", "<b>description</b>"]),
    ("entry_content_link.xml", ["safe", "<b>description</b>"]),
    ("entry_content_style.xml", ["never trust your upstream platypus"]),
    ("entry_content_style_tag.xml", ["safe", "<b>description</b>"]),
    ("entry_content_blink.xml", ["safe description"]),
    ("item_content_encoded_script_nested_cdata.xml", []),
    ("style_background_url.xml", ["Some text"]),
    ("blogger_dollar_sign_in_attribute.xml", ['src="http://site.invalid/img.jpg"']),
]


@pytest.mark.parametrize(("name", "keep"), FEEDPARSER_CASES)
def test_feedparser_sanitize_corpus(name: str, keep: list[str]) -> None:
    html = _payload(DATA / name)
    out = sanitize_html(html, "http://example.com/")
    assert_safe(out)
    assert "location.href" not in out and "executeMe" not in out.replace("executeMe();", "")
    for s in keep:
        assert s in out, (s, out)


def test_feedparser_crazy_leaves_no_script_body() -> None:
    out = sanitize_html(_payload(DATA / "entry_content_crazy.xml"))
    assert_safe(out)
    assert "function executeMe" not in out
    assert "alert" not in out.lower()


# --- wrap_rtl / html_to_text ------------------------------------------------------------------


def test_wrap_rtl() -> None:
    assert wrap_rtl("<p>x</p>") == '<div dir="rtl" lang="ar"><p>x</p></div>'
    assert wrap_rtl("<p>x</p>", "fa") == '<div dir="rtl" lang="fa"><p>x</p></div>'
    # a hostile lang value cannot break out of the attribute
    assert wrap_rtl("x", 'ar"><script>') == '<div dir="rtl" lang="ar">x</div>'


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>فقرة أولى</p><p>فقرة ثانية</p>", "فقرة أولى فقرة ثانية"),
        ("<h2>عنوان</h2><p>نص<br>سطر</p>", "عنوان نص سطر"),
        ("<p>a<script>alert(1)</script>b</p>", "ab"),
        ("<p>x &amp; y &lt;z&gt; &nbsp; w</p>", "x & y <z> w"),
        ("<p>con<b>cat</b>enated</p>", "concatenated"),
        ("<figure><img src=a.jpg><figcaption>تعليق</figcaption></figure><p>نص</p>", "تعليق نص"),
        ("<style>p{}</style><iframe>no</iframe>ok", "ok"),
        ("", ""),
        ("<p>\x00ctrl\x07</p>", "ctrl"),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_controls_dropped_over_every_code_point() -> None:
    """Cc (but tab and newline; CR becomes newline), Cs, U+FFFE and U+FFFF go; nothing else."""
    import unicodedata

    from syndication import sanitize as sanitize_mod

    every = "".join(map(chr, range(0x110000)))
    expected = "".join(
        c
        for c in every.replace("\r", "\n")
        if c in "\n\t" or not (unicodedata.category(c) in ("Cc", "Cs") or c in "\ufffe\uffff")
    )
    assert sanitize_mod._drop_controls(every) == expected
    assert sanitize_mod._drop_controls("a\r\nb\rc") == "a\nb\nc"
