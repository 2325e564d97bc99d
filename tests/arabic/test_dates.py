"""Dates as partners write them → aware datetimes (syndication.arabic.dates).

The "corpus:" comments name the captured page a string was copied from: the real Arabic
news pages under tests/data/pages/<site>/, and, marked "(Persian)", htmldate's Persian
test pages (yjc.ir, khabaronline.ir), whose strings are quoted here but not copied.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from zoneinfo import ZoneInfo

import pytest

from syndication.arabic.dates import find_dates, get_tz, parse_date, solar_hijri_to_gregorian
from syndication.arabic.digits import to_ascii_digits
from tests.support import DATA

# (text, tz, expected isoformat or None)
CASES: list[tuple[str, str, str | None]] = [
    # --- machine dates from the corpus ---------------------------------------------------
    # corpus: youm7 meta article:published_time
    ("2020-08-24T09:23:13Z", "Africa/Cairo", "2020-08-24T09:23:13+00:00"),
    # corpus: albayan time[datetime] / article:published_time (offset without colon)
    ("2020-06-03T03:01+0400", "UTC", "2020-06-03T03:01:00+04:00"),
    # corpus: albayan JSON-LD dateModified
    ("2020-06-03T01:30+0400", "UTC", "2020-06-03T01:30:00+04:00"),
    # corpus: alyaum meta datePublished (no zone → partner zone)
    ("2020-12-01 02:00:00", "Asia/Riyadh", "2020-12-01T02:00:00+03:00"),
    ("2020-12-01 02:00:00", "UTC", "2020-12-01T02:00:00+00:00"),
    # corpus: alyaum JSON-LD
    ("2020-12-01T02:00:00+03:00", "UTC", "2020-12-01T02:00:00+03:00"),
    # corpus: sputnik-arabic time[datetime] (no zone; the visible text says GMT)
    ("2020-03-17T17:27", "UTC", "2020-03-17T17:27:00+00:00"),
    # corpus: elbaladtv article:published_time (UTC, the day before local)
    ("2020-12-24T23:59:50+00:00", "Africa/Cairo", "2020-12-24T23:59:50+00:00"),
    # corpus: elbaladtv JSON-LD (local)
    ("2020-12-25T01:59:50+02:00", "UTC", "2020-12-25T01:59:50+02:00"),
    # corpus: beirutobserver article:published_time
    ("2020-11-09T18:34:47+00:00", "Asia/Beirut", "2020-11-09T18:34:47+00:00"),
    # corpus: lbcgroup meta datePublished / JSON-LD
    ("2026-01-08T11:42:50Z", "Asia/Beirut", "2026-01-08T11:42:50+00:00"),
    ("2026-01-08T11:42:50+00:00", "UTC", "2026-01-08T11:42:50+00:00"),
    # corpus (Persian): khabaronline meta name=date ("T" with spaces, +0330)
    ("2020-02-18 T 07:20:50 +0330", "UTC", "2020-02-18T07:20:50+03:30"),
    # corpus (Persian): khabaronline JSON-LD
    ("2020-02-18T03:25:00Z", "Asia/Tehran", "2020-02-18T03:25:00+00:00"),
    # --- visible dates from the corpus ---------------------------------------------------
    # corpus: youm7 span.newsStoryDate
    ("الإثنين، 24 أغسطس 2020 09:23 ص", "Africa/Cairo", "2020-08-24T09:23:00+02:00"),
    # corpus: akhbarelyom div.post-meta-date (and its non-ISO article:published_time)
    (" الأربعاء، 07 أكتوبر 2020 - 12:09 م", "Africa/Cairo", "2020-10-07T12:09:00+02:00"),
    ("الأربعاء، 07 أكتوبر 2020 - 12:09 م", "UTC", "2020-10-07T12:09:00+00:00"),
    # corpus: albayan time.date.published
    ("03 يونيو 2020", "Asia/Dubai", "2020-06-03T00:00:00+04:00"),
    # corpus: almadenahnews div.article_created (paired Levantine / Egyptian month)
    (
        "تم نشره الجمعة 24 نيسان / أبريل 2020 09:22 مساءً",
        "Asia/Amman",
        "2020-04-24T21:22:00+03:00",
    ),
    # corpus: sputnik-arabic time.b-article__refs-date (zone and time before the date)
    ("GMT 17:27 17.03.2020", "Africa/Cairo", "2020-03-17T17:27:00+00:00"),
    # corpus: sputnik-arabic update line
    ("(محدثة GMT 17:49 17.03.2020) ", "Africa/Cairo", "2020-03-17T17:49:00+00:00"),
    # corpus: elbaladtv .jeg_meta_date
    (" 2020/12/25 - 1:59 صباحًا", "Africa/Cairo", "2020-12-25T01:59:00+02:00"),
    # corpus: elbaladtv related-posts date (month–day–year with an Arabic month)
    (" ديسمبر 25, 2020", "Africa/Cairo", "2020-12-25T00:00:00+02:00"),
    # corpus: beirutobserver span.tie-date (English date on an Arabic page)
    ("November 9, 2020", "Asia/Beirut", "2020-11-09T00:00:00+02:00"),
    # corpus: cnn-arabic div.cnn_strytmstmp (the time is the *update* time: not taken)
    (
        "الأربعاء، 28 آب/اغسطس 2013، آخر تحديث 14:00 (GMT+0400)",
        "UTC",
        "2013-08-28T00:00:00+00:00",
    ),
    ("الأحد، 04 آب/اغسطس 2013، آخر تحديث 02:21 (GMT+0400)", "UTC", "2013-08-04T00:00:00+00:00"),
    # corpus: lbcgroup span lblDate
    ("2026-01-08 | 12:42", "Asia/Beirut", "2026-01-08T12:42:00+02:00"),
    # corpus: assabah body text (Maghrebi month)
    ("8 فيفري 2019", "Africa/Tunis", "2019-02-08T00:00:00+01:00"),
    # corpus: assabah body text (no space before the year)
    ("منذ بداية الحراك الشعبي في 13 ديسمبر2018 ونحن", "UTC", "2018-12-13T00:00:00+00:00"),
    # corpus: alyaum <time> is only "٠٢:٠٠" — a time without a date is not a date
    ("  ٠٢:٠٠ ", "Asia/Riyadh", None),
    # corpus (Persian): yjc article:published_time, Solar Hijri in Persian digits
    ("۱۳۹۹/۰۲/۲۱ - ۱۸:۵۹", "Asia/Tehran", "2020-05-10T18:59:00+04:30"),
    # corpus (Persian): yjc visible date with a Solar Hijri month name
    ("تاریخ انتشار: ۲۱ ارديبهشت ۱۳۹۹ - ۱۸:۵۹", "Asia/Tehran", "2020-05-10T18:59:00+04:30"),
    # --- RFC 822 --------------------------------------------------------------------------
    ("Mon, 24 Aug 2020 09:23:13 GMT", "Africa/Cairo", "2020-08-24T09:23:13+00:00"),
    ("Mon, 24 Aug 2020 09:23:13 +0300", "UTC", "2020-08-24T09:23:13+03:00"),
    ("Mon, 24 Aug 2020 09:23:13 -0000", "Africa/Cairo", "2020-08-24T09:23:13+00:00"),
    ("Mon, 24 Aug 2020 09:23:13 EST", "UTC", "2020-08-24T09:23:13-05:00"),
    ("Tue, 1 Sep 2020 7:05:00 Z", "UTC", "2020-09-01T07:05:00+00:00"),
    # --- ISO variants ---------------------------------------------------------------------
    ("2020-06-03", "Asia/Dubai", "2020-06-03T00:00:00+04:00"),
    ("2020-06-03T03:01:02.5+04:00", "UTC", "2020-06-03T03:01:02.500000+04:00"),
    ("2020-06-03T03:01+04", "UTC", "2020-06-03T03:01:00+04:00"),
    ("2020-06-03t03:01:00z", "Asia/Dubai", "2020-06-03T03:01:00+00:00"),
    # --- Egyptian/Gulf month spellings ----------------------------------------------------
    ("5 يناير 2021", "UTC", "2021-01-05T00:00:00+00:00"),
    ("5 فبراير 2021", "UTC", "2021-02-05T00:00:00+00:00"),
    ("5 مارس 2021", "UTC", "2021-03-05T00:00:00+00:00"),
    ("5 إبريل 2021", "UTC", "2021-04-05T00:00:00+00:00"),
    ("5 ابريل 2021", "UTC", "2021-04-05T00:00:00+00:00"),
    ("5 مايو 2021", "UTC", "2021-05-05T00:00:00+00:00"),
    ("5 يونية 2021", "UTC", "2021-06-05T00:00:00+00:00"),
    ("5 يوليو 2021", "UTC", "2021-07-05T00:00:00+00:00"),
    ("5 يولية 2021", "UTC", "2021-07-05T00:00:00+00:00"),
    ("5 اغسطس 2021", "UTC", "2021-08-05T00:00:00+00:00"),
    ("5 سبتمبر 2021", "UTC", "2021-09-05T00:00:00+00:00"),
    ("5 اكتوبر 2021", "UTC", "2021-10-05T00:00:00+00:00"),
    ("5 نوفمبر 2021", "UTC", "2021-11-05T00:00:00+00:00"),
    ("5 ديسمبر 2021", "UTC", "2021-12-05T00:00:00+00:00"),
    # --- Levantine ------------------------------------------------------------------------
    ("5 كانون الثاني 2021", "UTC", "2021-01-05T00:00:00+00:00"),
    ("5 شباط 2021", "UTC", "2021-02-05T00:00:00+00:00"),
    ("5 آذار 2021", "UTC", "2021-03-05T00:00:00+00:00"),
    ("5 اذار 2021", "UTC", "2021-03-05T00:00:00+00:00"),
    ("5 أيار 2021", "UTC", "2021-05-05T00:00:00+00:00"),
    ("5 حزيران 2021", "UTC", "2021-06-05T00:00:00+00:00"),
    ("5 تموز 2021", "UTC", "2021-07-05T00:00:00+00:00"),
    ("5 اب 2021", "UTC", "2021-08-05T00:00:00+00:00"),
    ("5 ايلول 2021", "UTC", "2021-09-05T00:00:00+00:00"),
    ("5 تشرين الاول 2021", "UTC", "2021-10-05T00:00:00+00:00"),
    ("5 تشرين الثاني 2021", "UTC", "2021-11-05T00:00:00+00:00"),
    ("5 كانون الأول 2021", "UTC", "2021-12-05T00:00:00+00:00"),
    # --- Maghrebi -------------------------------------------------------------------------
    ("5 جانفي 2021", "UTC", "2021-01-05T00:00:00+00:00"),
    ("5 أفريل 2021", "UTC", "2021-04-05T00:00:00+00:00"),
    ("5 ماي 2021", "UTC", "2021-05-05T00:00:00+00:00"),
    ("5 جوان 2021", "UTC", "2021-06-05T00:00:00+00:00"),
    ("5 جويلية 2021", "UTC", "2021-07-05T00:00:00+00:00"),
    ("5 جويلة 2021", "UTC", "2021-07-05T00:00:00+00:00"),
    ("5 أوت 2021", "UTC", "2021-08-05T00:00:00+00:00"),
    ("5 شتنبر 2021", "UTC", "2021-09-05T00:00:00+00:00"),
    # --- paired forms, other orders -------------------------------------------------------
    ("28 آب/اغسطس 2013", "UTC", "2013-08-28T00:00:00+00:00"),
    ("3 أغسطس/آب 2013", "UTC", "2013-08-03T00:00:00+00:00"),
    ("24 نيسان (أبريل) 2020", "UTC", "2020-04-24T00:00:00+00:00"),
    ("Aug 24, 2020", "UTC", "2020-08-24T00:00:00+00:00"),
    ("24th August 2020", "UTC", "2020-08-24T00:00:00+00:00"),
    # --- digits ---------------------------------------------------------------------------
    ("٢٤ أغسطس ٢٠٢٠ ٠٩:٢٣ ص", "Africa/Cairo", "2020-08-24T09:23:00+02:00"),
    ("۲۴ اوت ۲۰۲۰", "UTC", "2020-08-24T00:00:00+00:00"),
    ("١٧٫٠٣٫٢٠٢٠", "UTC", "2020-03-17T00:00:00+00:00"),
    # --- AM/PM markers ---------------------------------------------------------------------
    ("10 مايو 2020 9:00 مساء", "UTC", "2020-05-10T21:00:00+00:00"),
    ("10 مايو 2020 12:30 ص", "UTC", "2020-05-10T00:30:00+00:00"),
    ("10 مايو 2020 12:30 م", "UTC", "2020-05-10T12:30:00+00:00"),
    ("10 مايو 2020 الساعة 1:15 ظهرا", "UTC", "2020-05-10T13:15:00+00:00"),
    ("10 مايو 2020 9:05 صباحاً", "UTC", "2020-05-10T09:05:00+00:00"),
    ("10 مايو 2020 9:05 PM", "UTC", "2020-05-10T21:05:00+00:00"),
    ("10 مايو 2020م 9:05", "UTC", "2020-05-10T09:05:00+00:00"),
    # --- prefixes and zones ---------------------------------------------------------------
    ("نشر في: 10 مايو 2020 - 09:00", "Africa/Cairo", "2020-05-10T09:00:00+02:00"),
    ("آخر تحديث: السبت 10 مايو 2020", "UTC", "2020-05-10T00:00:00+00:00"),
    ("بتاريخ 25/12/2020", "UTC", "2020-12-25T00:00:00+00:00"),
    ("10 مايو 2020 09:00 GMT+3", "UTC", "2020-05-10T09:00:00+03:00"),
    ("10 مايو 2020 09:00 (GMT+0400)", "UTC", "2020-05-10T09:00:00+04:00"),
    ("10 مايو 2020 09:00 UTC", "Asia/Riyadh", "2020-05-10T09:00:00+00:00"),
    ("10 مايو 2020 الساعة 9:00 مساء بتوقيت القاهرة", "UTC", "2020-05-10T21:00:00+02:00"),
    ("10 مايو 2020 09:00 بتوقيت مكة المكرمة", "UTC", "2020-05-10T09:00:00+03:00"),
    ("10 مايو 2020 09:00 بتوقيت غرينتش", "Asia/Riyadh", "2020-05-10T09:00:00+00:00"),
    # Hijri date first, Gregorian after "الموافق": the Hijri one is not ours to convert.
    ("الخميس 12 ربيع الأول 1442 هـ الموافق 29 أكتوبر 2020", "UTC", "2020-10-29T00:00:00+00:00"),
    # --- numeric orders -------------------------------------------------------------------
    ("03/04/2020", "UTC", "2020-04-03T00:00:00+00:00"),
    ("13/04/2020", "UTC", "2020-04-13T00:00:00+00:00"),
    ("04/13/2020", "UTC", "2020-04-13T00:00:00+00:00"),
    ("2020.12.25", "UTC", "2020-12-25T00:00:00+00:00"),
    # --- junk -----------------------------------------------------------------------------
    ("قرار عاجل", "UTC", None),
    ("", "UTC", None),
    ("99/99/9999", "UTC", None),
    ("31 فبراير 2020", "UTC", None),
    ("2020-13-01", "UTC", None),
    ("2020-02-30T10:00:00Z", "UTC", None),
    ("أغسطس/آب", "UTC", None),  # corpus: beirutobserver body text — a month, not a date
    ("12 ربيع الأول 1442 هـ", "UTC", None),
    ("1442/03/12", "UTC", None),  # Islamic Hijri in ASCII digits: not Solar Hijri
    ("version 1.2.3", "UTC", None),
    ("192.168.1.1", "UTC", None),
    ("24 نيسان / أيار 2020", "UTC", None),  # two different months named
    ("\u200f\u202b\ufeff", "UTC", None),
    ("9999-99-99T99:99:99Z", "UTC", None),
    ("عاجل" * 1000, "UTC", None),
]


def test_case_count() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize(("text", "tz", "expected"), CASES)
def test_parse_date(text: str, tz: str, expected: str | None) -> None:
    got = parse_date(text, tz)
    if expected is None:
        assert got is None
    else:
        assert got is not None
        assert got.tzinfo is not None and got.utcoffset() is not None
        assert got.isoformat() == expected


# The ground-truth publication date of each corpus page (tests/data/pages/<site>/
# *.expected.json; htmldate's ground truth for the two Persian pages) and the
# visible/machine string the page carries for it.
CORPUS_DATES = [
    ("youm7", "الإثنين، 24 أغسطس 2020 09:23 ص", "Africa/Cairo", "2020-08-24"),
    ("akhbarelyom", "الأربعاء، 07 أكتوبر 2020 - 12:09 م", "Africa/Cairo", "2020-10-07"),
    ("albayan", "2020-06-03T03:01+0400", "Asia/Dubai", "2020-06-03"),
    ("alyaum", "2020-12-01 02:00:00", "Asia/Riyadh", "2020-12-01"),
    (
        "almadenahnews",
        "تم نشره الجمعة 24 نيسان / أبريل 2020 09:22 مساءً",
        "Asia/Amman",
        "2020-04-24",
    ),
    ("sputnik-arabic", "GMT 17:27 17.03.2020", "UTC", "2020-03-17"),
    ("elbaladtv", " 2020/12/25 - 1:59 صباحًا", "Africa/Cairo", "2020-12-25"),
    ("beirutobserver", "November 9, 2020", "Asia/Beirut", "2020-11-09"),
    ("yjc", "۱۳۹۹/۰۲/۲۱ - ۱۸:۵۹", "Asia/Tehran", "2020-05-10"),
    ("khabaronline", "2020-02-18 T 07:20:50 +0330", "Asia/Tehran", "2020-02-18"),
]


@pytest.mark.parametrize(("site", "text", "tz", "day"), CORPUS_DATES)
def test_corpus_ground_truth_day(site: str, text: str, tz: str, day: str) -> None:
    got = parse_date(text, tz)
    assert got is not None, site
    # The ground truth is the local calendar day (elbaladtv: UTC would be the day before).
    assert got.astimezone(ZoneInfo(tz)).date().isoformat() == day


def test_elbaladtv_utc_and_local_are_the_same_instant() -> None:
    # corpus: elbaladtv has article:published_time in UTC and JSON-LD in local time.
    a = parse_date("2020-12-24T23:59:50+00:00")
    b = parse_date("2020-12-25T01:59:50+02:00")
    assert a == b


def test_dayfirst_false_reads_month_first() -> None:
    assert parse_date("03/04/2020", dayfirst=False) == dt.datetime(2020, 3, 4, tzinfo=dt.UTC)
    # unambiguous either way
    assert parse_date("13/04/2020", dayfirst=False) == dt.datetime(2020, 4, 13, tzinfo=dt.UTC)


def test_tz_accepts_tzinfo_objects() -> None:
    tz = dt.timezone(dt.timedelta(hours=3))
    got = parse_date("2020-12-01 02:00:00", tz)
    assert got == dt.datetime(2020, 12, 1, 2, tzinfo=tz)


def test_zoneinfo_applies_daylight_saving() -> None:
    # Beirut is +02:00 in winter and +03:00 in summer.
    winter = parse_date("2020-01-15 12:00", "Asia/Beirut")
    summer = parse_date("2020-07-15 12:00", "Asia/Beirut")
    assert winter is not None and summer is not None
    assert winter.utcoffset() == dt.timedelta(hours=2)
    assert summer.utcoffset() == dt.timedelta(hours=3)


def test_unknown_tz_name_is_a_value_error_naming_it() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        parse_date("2020-01-01", "Mars/Olympus")
    with pytest.raises(ValueError):
        get_tz("../../etc/passwd")


def test_find_dates_returns_all_in_order_with_their_own_times() -> None:
    text = "نشر في 3 مارس 2020 - 10:00 ص، آخر تحديث 4 مارس 2020 - 11:30 م"
    assert find_dates(text, "Africa/Cairo") == [
        dt.datetime(2020, 3, 3, 10, 0, tzinfo=ZoneInfo("Africa/Cairo")),
        dt.datetime(2020, 3, 4, 23, 30, tzinfo=ZoneInfo("Africa/Cairo")),
    ]


def test_find_dates_sputnik_published_and_updated() -> None:
    # corpus: sputnik-arabic shows both lines in one header block.
    text = "GMT 17:27 17.03.2020 (محدثة GMT 17:49 17.03.2020)"
    assert find_dates(text, "Africa/Cairo") == [
        dt.datetime(2020, 3, 17, 17, 27, tzinfo=dt.UTC),
        dt.datetime(2020, 3, 17, 17, 49, tzinfo=dt.UTC),
    ]


def test_find_dates_in_prose_and_junk() -> None:
    assert find_dates("") == []
    assert find_dates("لا يوجد تاريخ هنا، فقط 12:00 و 3.5%") == []
    got = find_dates("بين 1 يناير 2020 و 2 فبراير 2020 وفي 2020-03-03")
    assert [d.date() for d in got] == [
        dt.date(2020, 1, 1),
        dt.date(2020, 2, 2),
        dt.date(2020, 3, 3),
    ]


def test_bidi_marks_and_tashkeel_do_not_break_parsing() -> None:
    text = "\u200f\u202bالإثنين،\u200f 24 أَغُسْطُس 2020\u202c 09:23 ص"
    assert parse_date(text, "UTC") == dt.datetime(2020, 8, 24, 9, 23, tzinfo=dt.UTC)


def test_nbsp_between_parts() -> None:
    assert parse_date("24\u00a0أغسطس\u00a02020", "UTC") == dt.datetime(2020, 8, 24, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("jalali", "gregorian"),
    [
        ((1399, 1, 1), dt.date(2020, 3, 20)),  # Nowruz 2020
        ((1399, 2, 21), dt.date(2020, 5, 10)),  # corpus: yjc
        ((1398, 11, 29), dt.date(2020, 2, 18)),  # corpus: khabaronline
        ((1403, 12, 30), dt.date(2025, 3, 20)),  # 1403 is a leap year
        ((1404, 1, 1), dt.date(2025, 3, 21)),
        ((1375, 1, 1), dt.date(1996, 3, 20)),
        ((1357, 11, 22), dt.date(1979, 2, 11)),
    ],
)
def test_solar_hijri_conversion(jalali: tuple[int, int, int], gregorian: dt.date) -> None:
    assert solar_hijri_to_gregorian(*jalali) == gregorian


@pytest.mark.parametrize("bad", [(1402, 12, 30), (1399, 7, 31), (1399, 13, 1), (1399, 0, 1)])
def test_solar_hijri_nonexistent_days(bad: tuple[int, int, int]) -> None:
    assert solar_hijri_to_gregorian(*bad) is None


def test_solar_hijri_is_monotonic_over_a_century() -> None:
    prev = None
    for year in range(1350, 1450):
        for month in range(1, 13):
            for day in (1, 29):
                got = solar_hijri_to_gregorian(year, month, day)
                assert got is not None
                if prev is not None:
                    assert got > prev
                prev = got
        # every year starts on 20 or 21 March (Nowruz)
        nowruz = solar_hijri_to_gregorian(year, 1, 1)
        assert nowruz is not None and nowruz.month == 3 and nowruz.day in (20, 21, 22)


def test_never_raises_on_random_text() -> None:
    import random

    rng = random.Random(1234)
    alphabet = "0123456789٠١٢٣٤٥٦٧٨٩:/.-+ ،,|()TZصم" + "يناير نيسان جانفي GMT UTC بتوقيت"
    for _ in range(2000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        got = parse_date(s, "Africa/Cairo")
        assert got is None or got.tzinfo is not None


def test_to_ascii_digits() -> None:
    assert to_ascii_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert to_ascii_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert to_ascii_digits("١٢٬٣٤٥٫٦٧") == "12,345.67"
    assert to_ascii_digits("abc ١٠") == "abc 10"
    assert to_ascii_digits("") == ""


PAGES = DATA / "pages"


@pytest.mark.parametrize(
    ("site", "text", "tz", "day"), [c for c in CORPUS_DATES if c[0] not in ("yjc", "khabaronline")]
)
def test_corpus_strings_occur_in_the_pages_and_match_ground_truth(
    site: str, text: str, tz: str, day: str
) -> None:
    # Keeps the literals above honest: each is really on that page, and the page's
    # expected.json agrees with what we parse from it.
    (page,) = sorted((PAGES / site).glob("*.html"))
    (expected_file,) = sorted((PAGES / site).glob("*.expected.json"))
    source = page.read_text(encoding="utf-8")
    # Visible text with tags removed (sputnik wraps "GMT" in its own <span>), or an
    # attribute value (meta content, time datetime) in the markup itself.
    visible = " ".join(html.unescape(re.sub(r"<[^>]*>", "", source)).split())
    markup = " ".join(html.unescape(source).split())
    needle = " ".join(text.split())
    assert needle in visible or needle in markup
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    assert expected["expected_publication_date"] == day
