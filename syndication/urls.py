"""URL canonicalisation for article identity: tracking parameters and fragments removed."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

# Parameters that identify a campaign or a click, never the article.
_TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "at_")
_TRACKING_NAMES = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref_src",
        "cmpid",
        "ito",
        "ocid",
        "smid",
        "_ga",
        "_gl",
    }
)


def is_tracking_parameter(name: str) -> bool:
    """A query parameter that identifies a campaign or a click, never the article."""
    name = name.lower()
    return name.startswith(_TRACKING_PREFIXES) or name in _TRACKING_NAMES


def without_tracking(url: str) -> str:
    """`url` without its tracking parameters, every other character kept as it was.

    Unlike `canonical_url`, a URL without tracking parameters comes back as the same
    string, so what was derived from such URLs before stays the same.
    """
    head, question, rest = url.partition("?")
    if not question:
        return url
    query, hash_sign, fragment = rest.partition("#")
    params = query.split("&")
    kept = [p for p in params if not is_tracking_parameter(unquote_plus(p.split("=", 1)[0]))]
    if len(kept) == len(params):
        return url
    return head + ("?" + "&".join(kept) if kept else "") + hash_sign + fragment


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # raises for a port that is not a number or out of range
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address keeps the brackets that make it a host
    if port in (80, 443):
        port = None
    netloc = f"{host}:{port}" if port else host
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_parameter(k)
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def is_web_url(url: str | None) -> bool:
    return bool(url) and urlsplit(url or "").scheme in ("http", "https")
