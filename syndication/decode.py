"""Bytes + declared charset → text: the one place that decides a document's encoding.

Order (first that applies wins):

1. the partner's `encoding` override (they lie, we know better);
2. a byte-order mark (UTF-8, UTF-16, UTF-32);
3. the HTTP ``charset``, if the bytes decode cleanly with it;
4. the document's own declaration: ``<?xml encoding?>``, ``<meta charset>``,
   ``<meta http-equiv=Content-Type>`` (if the bytes decode cleanly);
5. strict UTF-8;
6. detection: an Arabic single-byte check first (windows-1256 / ISO-8859-6), then
   charset-normalizer, then windows-1256 with replacement characters as the last resort.

Why the Arabic check comes first: an undeclared windows-1256 page is the classic failure of
generic detectors (and of feedparser, which falls back to windows-1252), and it turns a whole
article into mojibake. Bytes that decode cleanly as windows-1256 into long runs of Arabic
letters are windows-1256. The same check also overrules a Western label (ISO-8859-1,
windows-1252) that a mis-configured server put on Arabic bytes.

charset-normalizer is used only here.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# UTF-16/32 without a BOM, recognised by how "<?" is laid out (XML 1.0 appendix F).
_NO_BOM_WIDE: tuple[tuple[bytes, str], ...] = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_META_CHARSET = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_XML_DECL_TEXT = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2")

# How far into a document we look for a declaration: HTML puts <meta charset> in <head>,
# which can follow long inline scripts.
_SNIFF_BYTES = 16_384

# Labels servers put on everything by default; Arabic bytes under them are mojibake.
_WESTERN = frozenset({"latin-1", "iso8859-1", "cp1252", "ascii", "iso8859-15"})

_ARABIC_CANDIDATES = ("cp1256", "iso8859-6")
_HIGH_BIT = re.compile(rb"[\x80-\xff]")
_SCORE_CHARS = 65_536  # enough text to judge; keeps the check cheap on big pages


def canonical(name: str | None) -> str | None:
    """Python's codec name for a charset label ("windows-1256" → "cp1256"), or None."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    if not label:
        return None
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True):  # "rot13", "zlib": not charsets
        return None
    return info.name


def decode_html(
    body: bytes, http_charset: str | None = None, override: str | None = None
) -> tuple[str, str]:
    """Decode a page (or any document) to text; returns (text, codec name used).

    Never raises for bad bytes: the last resort decodes with replacement characters.
    """
    encoding, strip = _choose(body, http_charset, override)
    text = body[strip:].decode(encoding, errors="replace")
    return text.removeprefix("\ufeff"), encoding


def utf8_source(body: bytes, text: str, encoding: str) -> bytes | None:
    """The bytes of *body* that are exactly *text* in UTF-8, when `decode_html` made
    *text* from *body* with *encoding*; None when that is not certain.

    An HTML parser reads UTF-8 bytes faster than a str (lxml hands libxml2 a str as UCS-4,
    which it converts), and encoding the text again would cost what reading it saves.
    Certain means: the codec was UTF-8 and nothing was replaced (no U+FFFD in the text,
    so the decode was strict), after at most one BOM, which the text does not keep.
    """
    if encoding != "utf-8" or "\ufffd" in text:
        return None
    source = body.removeprefix(codecs.BOM_UTF8)
    if source.startswith(codecs.BOM_UTF8):
        return None  # a second BOM: the text dropped it, the bytes keep it
    return source


def feed_to_utf8(
    body: bytes, http_charset: str | None = None, override: str | None = None
) -> tuple[bytes, str | None]:
    """Re-encode a feed as UTF-8 with its XML declaration saying so.

    Returns (bytes, source encoding). When the document is already UTF-8 and nothing
    declares otherwise, the body is returned untouched with None: there is nothing to fix,
    and copying a large feed costs time. Otherwise the source encoding is returned and
    the caller must tell the XML parser ``charset=utf-8`` (the HTTP header would win over
    the rewritten declaration).
    """
    encoding, strip = _choose(body, http_charset, override)
    declared = _declared(body)
    http = canonical(http_charset)
    if (
        encoding == "utf-8"
        and strip == 0
        and declared in (None, "utf-8")
        and http in (None, "utf-8")
    ):
        return body, None
    text = body[strip:].decode(encoding, errors="replace").removeprefix("\ufeff")
    text = _XML_DECL_TEXT.sub(r"\1\2utf-8\2", text, count=1)
    return text.encode("utf-8"), encoding


# --- the decision ---------------------------------------------------------------------


def _choose(body: bytes, http_charset: str | None, override: str | None) -> tuple[str, int]:
    """(codec name, number of BOM bytes to skip)."""
    forced = canonical(override)
    if forced is not None:
        bom, skip = _bom(body)
        return forced, skip if bom == forced else 0

    bom, skip = _bom(body)
    if bom is not None:
        return bom, skip

    for prefix, wide in _NO_BOM_WIDE:
        if body.startswith(prefix) and _decodes(body, wide):
            return wide, 0

    http = canonical(http_charset)
    if http is not None and _decodes(body, http):
        return _unless_arabic(body, http), 0

    declared = _declared(body)
    if declared is not None and _decodes(body, declared):
        return _unless_arabic(body, declared), 0

    if _decodes(body, "utf-8"):
        return "utf-8", 0

    return _detect(body), 0


def _bom(body: bytes) -> tuple[str | None, int]:
    for mark, name in _BOMS:
        if body.startswith(mark):
            return name, len(mark)
    return None, 0


def _declared(body: bytes) -> str | None:
    head = body[:_SNIFF_BYTES]
    match = _XML_DECL.match(head) or _META_CHARSET.search(head)
    if match is None:
        return None
    name = canonical(match.group(1).decode("ascii"))
    # A declaration of UTF-16 in a byte stream we could read as ASCII is a lie.
    if name is not None and name.startswith(("utf-16", "utf-32")):
        return None
    return name


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _unless_arabic(body: bytes, encoding: str) -> str:
    """Overrule a Western single-byte label when the bytes are plainly Arabic."""
    if encoding not in _WESTERN:
        return encoding
    return _arabic_single_byte(body) or encoding


def _detect(body: bytes) -> str:
    arabic = _arabic_single_byte(body)
    if arabic is not None:
        return arabic
    best = from_bytes(body[:200_000]).best()
    if best is not None:
        name = canonical(best.encoding)
        if name is not None:
            return _unless_arabic(body, name)
    return "cp1256"  # we are an Arabic newsroom: the likeliest undeclared legacy charset


# Arabic letters proper (hamza … yeh, plus the Persian/Urdu additions partners use).
def _is_arabic_letter(ch: str) -> bool:
    return "\u0621" <= ch <= "\u064a" or "\u0671" <= ch <= "\u06d3"


def _arabic_single_byte(body: bytes) -> str | None:
    """cp1256 or ISO-8859-6 when the bytes decode cleanly into mostly-Arabic words."""
    if _HIGH_BIT.search(body, 0, _SCORE_CHARS) is None:
        return None
    best: tuple[float, str] | None = None
    for encoding in _ARABIC_CANDIDATES:
        try:
            text = body.decode(encoding)[:_SCORE_CHARS]
        except UnicodeDecodeError:
            continue
        score = _arabic_score(text)
        if score is not None and (best is None or score > best[0]):
            best = (score, encoding)
    return best[1] if best is not None else None


def _arabic_score(text: str) -> float | None:
    """Share of non-ASCII letters that are Arabic letters inside Arabic words, or None.

    Requiring runs (a letter next to another Arabic letter) keeps out Western text whose
    odd accented letter happens to map onto an Arabic code point in cp1256.
    """
    letters = 0
    arabic_in_runs = 0
    previous_arabic = False
    for index, ch in enumerate(text):
        if ch < "\x80":
            previous_arabic = False
            continue
        if "\x80" <= ch <= "\x9f":  # C1 controls: never in real text
            return None
        is_arabic = _is_arabic_letter(ch)
        if ch.isalpha():
            letters += 1
        if is_arabic:
            following = text[index + 1] if index + 1 < len(text) else ""
            if previous_arabic or (following and _is_arabic_letter(following)):
                arabic_in_runs += 1
        previous_arabic = is_arabic
    if arabic_in_runs < 3 or not letters:
        return None
    ratio = arabic_in_runs / letters
    return ratio if ratio >= 0.8 else None


__all__ = ["canonical", "decode_html", "feed_to_utf8"]
