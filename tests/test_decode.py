"""decode: which charset a document is read with, especially undeclared Arabic legacy ones."""

from __future__ import annotations

import pytest

from syndication.decode import canonical, decode_html, feed_to_utf8

ARABIC = (
    "أعلنت وزارة الصحة اليوم عن خطة جديدة لمواجهة موجة الحر في المدن الكبرى، "
    "وقال المتحدث الرسمي إن الإجراءات تشمل فتح مراكز تبريد في الأحياء الشعبية."
)
PAGE = f"<html><head><title>خبر</title></head><body><p>{ARABIC}</p></body></html>"
FEED = f'<rss version="2.0"><channel><title>{ARABIC}</title></channel></rss>'


def declared_feed(encoding: str) -> str:
    return f'<?xml version="1.0" encoding="{encoding}"?>' + FEED


@pytest.mark.parametrize("encoding", ["cp1256", "iso-8859-6"])
def test_undeclared_arabic_single_byte_is_detected(encoding: str) -> None:
    text, used = decode_html(PAGE.encode(encoding))
    assert ARABIC in text
    assert used == canonical(encoding)


def test_windows_1256_declared_in_xml_declaration() -> None:
    body = declared_feed("windows-1256").encode("cp1256")
    text, used = decode_html(body)
    assert used == "cp1256" and ARABIC in text


def test_windows_1256_declared_only_in_http_header() -> None:
    text, used = decode_html(PAGE.encode("cp1256"), http_charset="windows-1256")
    assert used == "cp1256" and ARABIC in text


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="windows-1256">',
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">',
    ],
)
def test_windows_1256_declared_only_in_meta(meta: str) -> None:
    body = PAGE.replace("<head>", "<head>" + meta).encode("cp1256")
    text, used = decode_html(body)
    assert used == "cp1256" and ARABIC in text


def test_utf8_with_bom() -> None:
    text, used = decode_html(b"\xef\xbb\xbf" + PAGE.encode("utf-8"))
    assert used == "utf-8" and text.startswith("<html>")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_or_without_bom(encoding: str) -> None:
    body = ('<?xml version="1.0" encoding="utf-16"?>' + FEED).encode(encoding)
    out, source = feed_to_utf8(body)
    assert source is not None and source.startswith("utf-16")
    assert out.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert ARABIC.encode() in out


def test_http_charset_that_lies_is_overruled_by_the_bytes() -> None:
    # Says UTF-8, sends windows-1256: the bytes are not valid UTF-8.
    text, used = decode_html(PAGE.encode("cp1256"), http_charset="utf-8")
    assert used == "cp1256" and ARABIC in text


def test_western_label_on_arabic_bytes_is_overruled() -> None:
    text, used = decode_html(PAGE.encode("cp1256"), http_charset="iso-8859-1")
    assert used == "cp1256" and ARABIC in text


def test_western_label_on_western_text_is_kept() -> None:
    french = "<p>Le président a annoncé à la télévision que l'été sera très chaud.</p>"
    text, used = decode_html(french.encode("latin-1"), http_charset="iso-8859-1")
    assert used == "iso8859-1" and "président" in text


def test_override_wins_over_everything() -> None:
    body = declared_feed("utf-8").encode("cp1256")
    text, used = decode_html(body, http_charset="utf-8", override="windows-1256")
    assert used == "cp1256" and ARABIC in text


def test_utf8_feed_passes_through_untouched() -> None:
    body = declared_feed("utf-8").encode()
    out, source = feed_to_utf8(body, http_charset="utf-8")
    assert out is body and source is None


def test_cp1256_feed_is_reencoded_with_its_declaration_rewritten() -> None:
    body = declared_feed("windows-1256").encode("cp1256")
    out, source = feed_to_utf8(body)
    assert source == "cp1256"
    assert out == declared_feed("utf-8").encode("utf-8")


def test_undeclared_cp1256_feed_is_reencoded() -> None:
    out, source = feed_to_utf8(FEED.encode("cp1256"))
    assert source == "cp1256" and out == FEED.encode("utf-8")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("windows-1256", "cp1256"),
        ("CP1256", "cp1256"),
        ("arabic", "iso8859-6"),
        ("ISO-8859-6", "iso8859-6"),
        ("utf8", "utf-8"),
        ("rot13", None),
        ("no-such", None),
        ("", None),
    ],
)
def test_charset_labels(label: str, expected: str | None) -> None:
    assert canonical(label) == expected


def test_garbage_never_raises() -> None:
    text, used = decode_html(bytes(range(256)) * 10)
    assert isinstance(text, str) and used
