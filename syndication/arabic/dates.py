"""Dates as Arabic (and Persian, and English) news sites write them → aware datetimes.

What this module owns: turning a machine or visible date string into an aware
``datetime`` (:func:`parse_date`) or every date in a longer text (:func:`find_dates`).

Understood:

* ISO 8601 / RFC 3339, also ``+0400`` (no colon), ``Z``, ``T`` with spaces around it, and
  no zone at all (→ the caller's time zone); RFC 822/1123 (``Mon, 24 Aug 2020 09:23:13 GMT``).
* Day–month–year and month–day–year with month names from every family: Egyptian/Gulf
  (يناير…), Levantine (كانون الثاني…), Maghrebi (جانفي…, and Moroccan يوليوز غشت شتنبر
  نونبر دجنبر), Persian transliterations of Gregorian months (ژانویه…), English, and
  paired forms ("24 نيسان / أبريل 2020", "28 آب/اغسطس 2013").
* Numeric ``17.03.2020``, ``2020/12/25``, ``25/12/2020`` (day first unless told otherwise,
  or unless the numbers decide it).
* Times ``09:23``, ``09:23:13``, with ص/م, صباحًا/مساءً, ظهرًا, عصرًا, ليلًا, فجرًا, AM/PM,
  ق.ظ/ب.ظ; the time may follow the date (``- 12:09 م``, ``| 12:42``) or precede it
  (``GMT 17:27 17.03.2020``).
* Zones: ``GMT``/``UTC``/``Z``, ``GMT+3``, ``(GMT+0400)``, ``+03:00``, a few English
  abbreviations (EST, CET…), and ``بتوقيت <city>`` for Arab capitals and Greenwich.
  Without a zone, the time is in *tz* (a zoneinfo name such as ``"Africa/Cairo"``).
* Arabic-Indic ٠-٩ and Persian ۰-۹ digits; weekday names and words such as "تم نشره",
  "آخر تحديث", "(محدثة …)", "بتاريخ" are simply skipped.
* Solar Hijri (Persian calendar) dates ``۱۳۹۹/۰۲/۲۱`` or ``۲۱ اردیبهشت ۱۳۹۹`` are converted
  to Gregorian with the standard arithmetic (Borkowski breaks) algorithm, but only when the
  text is Persian (Persian digits or letters) or names a Persian month; other years before
  1500 (e.g. Islamic Hijri "1442 هـ") are not dates to us and are skipped.

A date without a time is midnight in *tz*. Junk gives None / ``[]``; nothing here raises on
text. An unknown *tz* name is a configuration error and raises ``ValueError``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .charmap import CharMap
from .digits import has_persian_digits, to_ascii_digits
from .text import strip_invisible

__all__ = ["find_dates", "get_tz", "parse_date", "solar_hijri_to_gregorian"]

TzArg = str | dt.tzinfo

# --- normalization -----------------------------------------------------------------------

_FOLD = CharMap(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ی": "ي",
        "ک": "ك",
        "ة": "ه",
        "\u066a": "%",
    }
)
_TASHKEEL_RE = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")


def _normalize(text: str) -> str:
    """Folded copy used for matching only: digits ASCII, no tashkeel, one alef, lower case."""
    s = unicodedata.normalize("NFC", text)
    s = strip_invisible(s)
    s = to_ascii_digits(s)
    s = _TASHKEEL_RE.sub("", s)
    s = _FOLD(s).casefold()
    return " ".join(s.split())


# --- month names (already in folded form: see _normalize) ---------------------------------

_GREGORIAN_MONTHS: dict[str, int] = {}
_SOLAR_MONTHS: dict[str, int] = {}


def _add(table: dict[str, int], month: int, *names: str) -> None:
    for name in names:
        table[_normalize(name)] = month


_add(_GREGORIAN_MONTHS, 1, "يناير", "جانفي", "كانون الثاني", "كانون ثاني", "ژانویه", "ينايير")
_add(_GREGORIAN_MONTHS, 2, "فبراير", "فيفري", "شباط", "فوریه", "فبرایر")
_add(_GREGORIAN_MONTHS, 3, "مارس", "آذار", "اذار")
_add(_GREGORIAN_MONTHS, 4, "أبريل", "ابريل", "إبريل", "أفريل", "افريل", "نيسان", "آوریل", "ابرايل")
_add(_GREGORIAN_MONTHS, 5, "مايو", "ماي", "أيار", "ايار", "مه", "مایو")
_add(_GREGORIAN_MONTHS, 6, "يونيو", "يونية", "يونيه", "جوان", "حزيران", "ژوئن")
_add(_GREGORIAN_MONTHS, 7, "يوليو", "يولية", "يوليه", "يوليوز", "جويلية", "جويلة", "تموز", "ژوئیه")
_add(_GREGORIAN_MONTHS, 8, "أغسطس", "اغسطس", "غشت", "أوت", "اوت", "آب", "اب")
_add(_GREGORIAN_MONTHS, 9, "سبتمبر", "شتنبر", "أيلول", "ايلول", "سپتامبر")
_add(_GREGORIAN_MONTHS, 10, "أكتوبر", "اكتوبر", "تشرين الأول", "تشرين الاول", "تشرين أول", "اکتبر")
_add(_GREGORIAN_MONTHS, 11, "نوفمبر", "نونبر", "تشرين الثاني", "تشرين ثاني", "نوامبر")
_add(_GREGORIAN_MONTHS, 12, "ديسمبر", "دجنبر", "كانون الأول", "كانون الاول", "كانون أول", "دسامبر")
for _i, _names in enumerate(
    (
        ("january", "jan"),
        ("february", "feb"),
        ("march", "mar"),
        ("april", "apr"),
        ("may",),
        ("june", "jun"),
        ("july", "jul"),
        ("august", "aug"),
        ("september", "sept", "sep"),
        ("october", "oct"),
        ("november", "nov"),
        ("december", "dec"),
    ),
    start=1,
):
    _add(_GREGORIAN_MONTHS, _i, *_names)

_add(_SOLAR_MONTHS, 1, "فروردین")
_add(_SOLAR_MONTHS, 2, "اردیبهشت")
_add(_SOLAR_MONTHS, 3, "خرداد")
_add(_SOLAR_MONTHS, 4, "تیر")
_add(_SOLAR_MONTHS, 5, "مرداد", "امرداد")
_add(_SOLAR_MONTHS, 6, "شهریور")
_add(_SOLAR_MONTHS, 7, "مهر")
_add(_SOLAR_MONTHS, 8, "آبان")
_add(_SOLAR_MONTHS, 9, "آذر")
_add(_SOLAR_MONTHS, 10, "دی")
_add(_SOLAR_MONTHS, 11, "بهمن")
_add(_SOLAR_MONTHS, 12, "اسفند")

_ALL_MONTHS: dict[str, tuple[int, bool]] = {k: (v, False) for k, v in _GREGORIAN_MONTHS.items()}
_ALL_MONTHS.update({k: (v, True) for k, v in _SOLAR_MONTHS.items()})

_NOT_LETTER_BEFORE = r"(?<![^\W\d_])"
_NOT_LETTER_AFTER = r"(?![^\W\d_])"
_MONTH = (
    _NOT_LETTER_BEFORE
    + "(?:"
    + "|".join(
        r"\s+".join(re.escape(part) for part in name.split())
        for name in sorted(_ALL_MONTHS, key=len, reverse=True)
    )
    + ")"
    + r"\.?"  # "Aug." / "Sept."
    + _NOT_LETTER_AFTER
)


def _month_of(name: str) -> tuple[int, bool] | None:
    return _ALL_MONTHS.get(" ".join(name.rstrip(".").split()))


# --- patterns (all on the normalized text) ---------------------------------------------------

# "24 نيسان / أبريل 2020", "28 اب/اغسطس 2013", "13 ديسمبر2018", "Mon, 24 Aug 2020", "9th May 2020"
_DMY_NAME_RE = re.compile(
    r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s\-.]*(?:من\s+)?(?:شهر\s+)?"
    rf"(?P<m>{_MONTH})(?:\s*[/\-(]\s*(?P<m2>{_MONTH})\s*\)?)?"
    r"[\s,،.\-]*(?:(?:سنه|عام)\s+)?(?P<y>\d{4})(?!\d)"
    rf"(?:\s*م{_NOT_LETTER_AFTER})?"  # "2020م": the Gregorian era mark, not "PM"
)
# "November 9, 2020", "ديسمبر 25, 2020", "Aug 24 2020"
_MDY_NAME_RE = re.compile(
    rf"(?P<m>{_MONTH})(?:\s*[/\-]\s*(?P<m2>{_MONTH}))?"
    r"[\s\-]*(?P<d>\d{1,2})(?:st|nd|rd|th)?(?!\d)[\s,،]*(?P<y>\d{4})(?!\d)"
    rf"(?:\s*م{_NOT_LETTER_AFTER})?"
)
# "2020-12-01", "2020/12/25", "1399/02/21"
_YMD_RE = re.compile(
    r"(?<![\d.:/\-])(?P<y>\d{4})(?P<s>[/.\-])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?!\d)"
)
# "17.03.2020", "25/12/2020"
_DMY_RE = re.compile(
    r"(?<![\d.:/\-])(?P<a>\d{1,2})(?P<s>[/.\-])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4})(?!\d)"
)

_TIME = (
    r"(?<![\d:])(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<F>\d{1,9}))?)?(?![\d:])"
    r"(?:\s*(?P<ampm>صباحا|صباح|ص|مساءا|مساء|م|ظهرا|الظهر|عصرا|فجرا|ليلا"
    r"|a\.?m\.?|p\.?m\.?|ق\.?\s?ظ|ب\.?\s?ظ)" + _NOT_LETTER_AFTER + r")?"
)
# Between a date and the time that follows it: "T", " - ", " | ", "، الساعة ", " at ".
# Maghrebi bylines say "على الساعة 17:05" ("at the hour"), as Gulf ones say "الساعة".
_TIME_AFTER_RE = re.compile(
    r"(?:\s*t\s*|[\s,،\-–—|@/]*(?:(?:(?:علي\s*)?الساعه|ساعه|at|في|ساعت)\s*)?)" + _TIME
)
# A time right before the date: "GMT 17:27 17.03.2020".
_TIME_BEFORE_RE = re.compile(_TIME + r"[\s,،\-–—|@/]*$")

_ABBREV_OFFSETS = {
    "gmt": 0,
    "utc": 0,
    "ut": 0,
    "z": 0,
    "est": -5,
    "edt": -4,
    "cst": -6,
    "cdt": -5,
    "mst": -7,
    "mdt": -6,
    "pst": -8,
    "pdt": -7,
    "cet": 1,
    "cest": 2,
    "eet": 2,
    "eest": 3,
    "msk": 3,
}
_CITY_ZONES = {
    _normalize(k): v
    for k, v in {
        "غرينتش": "UTC",
        "جرينتش": "UTC",
        "غرينيتش": "UTC",
        "جرينيتش": "UTC",
        "القاهرة": "Africa/Cairo",
        "مصر": "Africa/Cairo",
        "مكة": "Asia/Riyadh",
        "الرياض": "Asia/Riyadh",
        "السعودية": "Asia/Riyadh",
        "بيروت": "Asia/Beirut",
        "لبنان": "Asia/Beirut",
        "دمشق": "Asia/Damascus",
        "سوريا": "Asia/Damascus",
        "بغداد": "Asia/Baghdad",
        "العراق": "Asia/Baghdad",
        "الأردن": "Asia/Amman",
        "القدس": "Asia/Jerusalem",
        "الدوحة": "Asia/Qatar",
        "قطر": "Asia/Qatar",
        "أبوظبي": "Asia/Dubai",
        "الإمارات": "Asia/Dubai",
        "دبي": "Asia/Dubai",
        "الكويت": "Asia/Kuwait",
        "المنامة": "Asia/Bahrain",
        "البحرين": "Asia/Bahrain",
        "مسقط": "Asia/Muscat",
        "تونس": "Africa/Tunis",
        "الجزائر": "Africa/Algiers",
        "الرباط": "Africa/Casablanca",
        "المغرب": "Africa/Casablanca",
        "ليبيا": "Africa/Tripoli",
        "الخرطوم": "Africa/Khartoum",
        "السودان": "Africa/Khartoum",
        "صنعاء": "Asia/Aden",
        "اليمن": "Asia/Aden",
        "طهران": "Asia/Tehran",
        "تهران": "Asia/Tehran",
    }.items()
}
_OFFSET = r"(?P<sign>[+-])\s*(?P<oh>\d{1,2})(?::?(?P<om>\d{2}))?"
# A zone right after the time (or date): "Z", "+0400", " GMT", " (GMT+0400)", " بتوقيت القاهرة".
_TZ_AFTER_RE = re.compile(
    r"\s*\(?\s*(?:"
    r"(?P<abbr>gmt|utc|ut|z|est|edt|cst|cdt|mst|mdt|pst|pdt|cet|cest|eet|eest|msk)"
    + _NOT_LETTER_AFTER
    + r"(?:\s*"
    + _OFFSET
    + r")?"
    + r"|(?P<nsign>[+-])(?P<noh>\d{2})(?::?(?P<nom>\d{2}))?(?!\d)"
    + r"|ب?توقيت\s+(?P<city>[^\W\d_]+)(?:\s+(?P<city2>[^\W\d_]+))?"
    + r")"
)
# A zone right before the time: "GMT 17:27", "(محدثه GMT 17:49 …".
_TZ_BEFORE_RE = re.compile(
    r"(?:(?P<abbr>gmt|utc)(?:\s*" + _OFFSET + r")?)" + _NOT_LETTER_AFTER + r"[\s(]*$"
)


# --- zones -------------------------------------------------------------------------------


def get_tz(tz: TzArg) -> dt.tzinfo:
    """A tzinfo for a zoneinfo name (``"Africa/Cairo"``, ``"UTC"``) or a tzinfo as is.

    Raises ``ValueError`` naming the zone when zoneinfo does not know it.
    """
    if isinstance(tz, dt.tzinfo):
        return tz
    if tz.upper() in ("UTC", "GMT", "Z"):
        return dt.UTC
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(
            f"unknown time zone {tz!r}: use an IANA name such as 'Africa/Cairo' or 'UTC'"
        ) from e


def _fixed(hours: int, minutes: int = 0, sign: str = "+") -> dt.tzinfo | None:
    if hours > 14 or minutes > 59:
        return None
    delta = dt.timedelta(hours=hours, minutes=minutes)
    if sign == "-":
        delta = -delta
    return dt.UTC if not delta else dt.timezone(delta)


def _zone_from_match(m: re.Match[str]) -> dt.tzinfo | None:
    groups = m.groupdict()
    if groups.get("abbr"):
        base = _ABBREV_OFFSETS[groups["abbr"]]
        if groups.get("sign"):
            # "GMT+3", "GMT+0400": the offset is from GMT, so only GMT/UTC take one.
            if base != 0:
                return None
            oh, om = groups["oh"], groups.get("om")
            return _fixed(int(oh), int(om or 0), groups["sign"])
        return _fixed(abs(base), 0, "-" if base < 0 else "+")
    if groups.get("nsign"):
        return _fixed(int(groups["noh"]), int(groups.get("nom") or 0), groups["nsign"])
    if groups.get("city"):
        for key in (
            f"{groups['city']}{groups.get('city2') or ''}",
            groups["city"],
        ):
            name = _CITY_ZONES.get(key)
            if name is not None:
                return get_tz(name)
    return None


# --- Solar Hijri ---------------------------------------------------------------------------

# Years (Solar Hijri) where the 2820/33-year leap pattern breaks; the standard table used
# by the arithmetic Jalali algorithm, valid for years -61..3177.
_JALALI_BREAKS = (
    -61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210,
    1635, 2060, 2097, 2192, 2262, 2324, 2394, 2456, 3178,
)  # fmt: skip


def _jalali_year_info(jy: int) -> tuple[int, int, bool]:
    """(Gregorian year of Nowruz, day of March of Nowruz, is jy a leap year)."""
    gy = jy + 621
    leap_j = -14
    jp = _JALALI_BREAKS[0]
    jump = 0
    for jm in _JALALI_BREAKS[1:]:
        jump = jm - jp
        if jy < jm:
            break
        leap_j += (jump // 33) * 8 + (jump % 33) // 4
        jp = jm
    n = jy - jp
    leap_j += (n // 33) * 8 + ((n % 33) + 3) // 4
    if jump % 33 == 4 and jump - n == 4:
        leap_j += 1
    leap_g = gy // 4 - ((gy // 100 + 1) * 3) // 4 - 150
    march = 20 + leap_j - leap_g
    if jump - n < 6:
        n = n - jump + ((jump + 4) // 33) * 33
    r = ((n + 1) % 33) - 1
    leap = r % 4 if r >= 0 else -1
    return gy, march, leap == 0


def solar_hijri_to_gregorian(year: int, month: int, day: int) -> dt.date | None:
    """Convert a Solar Hijri (Jalali) date to Gregorian; None when the date does not exist.

    >>> solar_hijri_to_gregorian(1399, 2, 21)
    datetime.date(2020, 5, 10)
    """
    if not (1 <= year <= 3177 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    gy, march, leap = _jalali_year_info(year)
    if month > 6 and day > 30:
        return None
    if month == 12 and day == 30 and not leap:
        return None
    # Months 1-6 have 31 days, 7-11 have 30.
    offset = (month - 1) * 31 - (month // 7) * (month - 7) + day - 1
    return dt.date(gy, 3, march) + dt.timedelta(days=offset)


# --- assembling ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _DateHit:
    start: int
    end: int
    date: dt.date


_MIN_YEAR = 1800
_MAX_YEAR = 2200
_SOLAR_YEARS = range(1200, 1500)


def _make_date(y: int, m: int, d: int, *, solar: bool, persian_context: bool) -> dt.date | None:
    if y in _SOLAR_YEARS and (solar or persian_context):
        return solar_hijri_to_gregorian(y, m, d)
    if solar or not (_MIN_YEAR <= y <= _MAX_YEAR):
        return None
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _date_hits(norm: str, *, dayfirst: bool, persian_context: bool) -> Iterator[_DateHit]:
    for m in _DMY_NAME_RE.finditer(norm):
        yield from _named_hit(m, persian_context)
    for m in _MDY_NAME_RE.finditer(norm):
        yield from _named_hit(m, persian_context)
    for m in _YMD_RE.finditer(norm):
        date = _make_date(
            int(m["y"]), int(m["m"]), int(m["d"]), solar=False, persian_context=persian_context
        )
        if date is not None:
            yield _DateHit(m.start(), m.end(), date)
    for m in _DMY_RE.finditer(norm):
        a, b, y = int(m["a"]), int(m["b"]), int(m["y"])
        if a > 12 or (dayfirst and b <= 12):
            day, month = a, b
        else:
            day, month = b, a
        date = _make_date(y, month, day, solar=False, persian_context=persian_context)
        if date is not None:
            yield _DateHit(m.start(), m.end(), date)


def _named_hit(m: re.Match[str], persian_context: bool) -> Iterator[_DateHit]:
    month = _month_of(m["m"])
    if month is None:
        return
    if m["m2"]:
        other = _month_of(m["m2"])
        # "نيسان / أبريل" names one month twice; two different months is not a date.
        if other is None or other[0] != month[0]:
            return
    date = _make_date(
        int(m["y"]), month[0], int(m["d"]), solar=month[1], persian_context=persian_context
    )
    if date is not None:
        yield _DateHit(m.start(), m.end(), date)


def _select(hits: list[_DateHit]) -> list[_DateHit]:
    """Leftmost-longest, non-overlapping."""
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    chosen: list[_DateHit] = []
    for h in hits:
        if chosen and h.start < chosen[-1].end:
            continue
        chosen.append(h)
    return chosen


def _time_of(m: re.Match[str]) -> dt.time | None:
    hour, minute = int(m["H"]), int(m["M"])
    second = int(m["S"] or 0)
    micro = int((m["F"] or "0")[:6].ljust(6, "0"))
    ampm = (m["ampm"] or "").replace(".", "").replace(" ", "")
    if ampm:
        if hour > 12 or hour == 0:
            # "13:00 م" is redundant but harmless; "0:30 ص" is plainly 00:30.
            if hour > 12 and ampm in ("ص", "صباح", "صباحا", "am", "قظ"):
                return None
        elif ampm in ("ص", "صباح", "صباحا", "am", "قظ", "فجرا"):
            hour = 0 if hour == 12 else hour
        elif ampm in ("م", "مساء", "مساءا", "pm", "بظ", "عصرا"):
            hour = hour if hour == 12 else hour + 12
        elif ampm in ("ظهرا", "الظهر"):
            hour = hour + 12 if hour < 7 else hour  # "1 ظهرا" is 13:00, "12 ظهرا" noon
        elif ampm == "ليلا":
            hour = 0 if hour == 12 else (hour + 12 if hour >= 6 else hour)
    try:
        return dt.time(hour, minute, second, micro)
    except ValueError:
        return None


def _attach(
    norm: str, hit: _DateHit, lo: int, hi: int, default_tz: dt.tzinfo
) -> tuple[dt.datetime, int]:
    """Build the datetime for *hit*, looking for a time/zone in norm[lo:hi]; return new end."""
    start, end = hit.start, hit.end
    lo = max(lo, start - 40)  # a time/zone "before" the date sits right before it
    time: dt.time | None = None
    zone: dt.tzinfo | None = None
    time_after = _TIME_AFTER_RE.match(norm, end, hi)
    if time_after is not None:
        time = _time_of(time_after)
        if time is not None:
            end = time_after.end()
    if time is None:
        before = _TIME_BEFORE_RE.search(norm[lo:start])
        if before is not None:
            time = _time_of(before)
            if time is not None:
                start = lo + before.start()
    tz_after = _TZ_AFTER_RE.match(norm, end, hi)
    if tz_after is not None and (time is not None or tz_after["abbr"] or tz_after["city"]):
        zone = _zone_from_match(tz_after)
        if zone is not None:
            end = tz_after.end()
    if zone is None:
        tz_before = _TZ_BEFORE_RE.search(norm[lo:start])
        if tz_before is not None:
            zone = _zone_from_match(tz_before)
    value = dt.datetime.combine(hit.date, time or dt.time(0, 0))
    return value.replace(tzinfo=zone or default_tz), end


def find_dates(text: str, tz: TzArg = "UTC", *, dayfirst: bool = True) -> list[dt.datetime]:
    """Every date in *text*, in order of appearance, as aware datetimes.

    Each date takes the time written right after it (or right before it, as in
    ``GMT 17:27 17.03.2020``) and a zone written next to that time; otherwise midnight
    and/or *tz*. Never raises on text; raises ``ValueError`` for an unknown *tz* name.
    """
    default_tz = get_tz(tz)
    if not isinstance(text, str) or not text:
        return []
    norm = _normalize(text[:100_000])  # a date is never worth scanning megabytes for
    persian_context = has_persian_digits(text) or any(c in "پچژگکی" for c in text)
    hits = _select(list(_date_hits(norm, dayfirst=dayfirst, persian_context=persian_context)))
    out: list[dt.datetime] = []
    prev_end = 0
    for i, hit in enumerate(hits):
        hi = hits[i + 1].start if i + 1 < len(hits) else len(norm)
        value, prev_end = _attach(norm, hit, prev_end, hi, default_tz)
        out.append(value)
    return out


def parse_date(
    text: str, tz: str | dt.tzinfo = "UTC", *, dayfirst: bool = True
) -> dt.datetime | None:
    """The first date in *text* as an aware datetime, or None when there is none.

    See the module docstring for the accepted forms. A naive time is taken to be in *tz*.
    """
    default_tz = get_tz(tz)
    if not isinstance(text, str):
        return None
    found = find_dates(text, default_tz, dayfirst=dayfirst)
    return found[0] if found else None
