"""The HTML of `/status` and `/status/<partner>`: Arabic, right to left, no JavaScript.

Server-rendered with inline CSS and inline SVG sparklines, so there is nothing to build
or fetch; the page reloads itself every minute (`<meta http-equiv="refresh">`) because
editors keep it open all day. Every string that came from a partner (titles, URLs, error
messages) is escaped here; titles were sanitized on the way in as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from urllib.parse import quote, urlsplit

from syndication.health import WEEK_HOURS, PartnerHealth, Status
from syndication.model import HealthNote

REFRESH = 60  # seconds

LABEL: dict[Status, str] = {
    "failing": "متعطل",
    "quiet": "صامت",
    "poor_pages": "استخراج ضعيف",
    "erroring": "أخطاء متفرقة",
    "waiting": "لم يُستطلع بعد",
    "ok": "يعمل",
    "disabled": "موقوف في الإعدادات",
}
COLOUR: dict[Status, str] = {
    "failing": "#c62828",
    "quiet": "#d97706",
    "poor_pages": "#7b1fa2",
    "erroring": "#b59a00",
    "waiting": "#757575",
    "ok": "#2e7d32",
    "disabled": "#9e9e9e",
}
ORDER: tuple[Status, ...] = tuple(LABEL)  # worst first: problems on top of the table
EVENT_LABEL = {"article": "خبر", "page_failed": "فشل صفحة", "poll_failed": "فشل استطلاع"}

CSS = """
body{font-family:"Noto Naskh Arabic","Noto Sans Arabic",Tahoma,"DejaVu Sans",sans-serif;
margin:0;background:#f6f7f9;color:#1d2433}
header{background:#1d2433;color:#fff;padding:.8rem 1.2rem}
header h1{margin:0;font-size:1.3rem}
header p{margin:.3rem 0 0;font-size:.9rem;color:#cfd6e4}
main{padding:1rem 1.2rem}
.summary{display:flex;gap:.6rem;flex-wrap:wrap;margin-bottom:1rem}
.summary span{background:#fff;border-radius:6px;padding:.4rem .8rem;border-inline-start:6px solid}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem}
th,td{padding:.45rem .55rem;border-bottom:1px solid #e3e6ec;text-align:start;vertical-align:top}
th{background:#eef1f6;font-weight:600;white-space:nowrap}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
tr.flagged td{background:#fff7f2}
.badge{display:inline-block;color:#fff;border-radius:4px;padding:.1rem .5rem;white-space:nowrap}
.why{display:block;font-size:.8rem;color:#5a6478;margin-top:.2rem}
.err{color:#8a1c1c;font-size:.82rem;max-width:28rem;overflow-wrap:anywhere}
.err code{direction:ltr;unicode-bidi:isolate;color:#5a6478}
a{color:#0b57d0}
svg.spark{display:block}
.muted{color:#5a6478}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:.6rem;
margin-bottom:1rem}
.figures div{background:#fff;border-radius:6px;padding:.5rem .8rem}
.figures b{display:block;font-size:1.2rem}
.figures b .why{font-weight:normal}
bdi{unicode-bidi:isolate}
"""


def overview(rows: Sequence[PartnerHealth], now: dt.datetime, title: str) -> bytes:
    """The table of every partner, flagged ones first."""
    ordered = sorted(rows, key=lambda r: ORDER.index(r.status))
    flagged = [r for r in rows if r.flags]
    counts = {s: sum(1 for r in rows if r.status == s) for s in ORDER}
    summary = "".join(
        f'<span style="border-color:{COLOUR[s]}">{LABEL[s]}: <b>{n}</b></span>'
        for s, n in counts.items()
        if n
    )
    body_rows = "".join(_row(r, now) for r in ordered)
    heading = (
        f"{len(flagged)} من {len(rows)} شركاء بحاجة إلى انتباه"
        if flagged
        else f"كل الشركاء ({len(rows)}) بخير"
    )
    table = f"""<table id="partners">
<caption class="muted" style="text-align:start;padding:.4rem 0">النشاط: أخبار جديدة في الساعة
خلال آخر 7 أيام، الأحدث إلى اليسار</caption>
<thead><tr><th scope="col">الشريك</th><th scope="col">الحالة</th>
<th scope="col">آخر محاولة</th><th scope="col">آخر نجاح</th><th scope="col">آخر خبر جديد</th>
<th scope="col">إخفاقات متتالية</th><th scope="col">24 ساعة</th><th scope="col">7 أيام</th>
<th scope="col">النشاط</th><th scope="col">زمن الصفحة (الوسيط)</th>
<th scope="col">نص قصير / فارغ</th><th scope="col">آخر خطأ</th></tr></thead>
<tbody>{body_rows}</tbody></table>"""
    prefix = f"({len(flagged)}) " if flagged else ""
    return _page(
        f"{prefix}حالة الشركاء — {title}",
        f"<h1>حالة الشركاء</h1><p>{escape(heading)} · {_stamp(now)}</p>",
        f'<div class="summary">{summary}</div>{table}',
    )


def partner_page(
    row: PartnerHealth, events: Sequence[HealthNote], now: dt.datetime, title: str
) -> bytes:
    """One partner: its figures, a larger sparkline, its recent articles and failures."""
    figures = [
        ("الحالة", _badge(row) + _why(row, now)),
        ("آخر محاولة", _age(row.last_attempt_at, now)),
        ("آخر نجاح", _age(row.last_success_at, now)),
        ("آخر خبر جديد", _age(row.last_new_item_at, now)),
        ("إخفاقات متتالية", f"{row.failure_streak} من {row.failure_alert}"),
        ("أخبار جديدة", f"{row.items_24h} في 24 ساعة<br>{row.items_7d} في 7 أيام"),
        ("زمن الصفحة (الوسيط)", _seconds(row.median_page_seconds)),
        ("نص قصير / فارغ", _shares(row)),
    ]
    cards = "".join(f"<div>{label}<b>{value}</b></div>" for label, value in figures)
    error = _error(row, limit=1000)
    items = "".join(_event(e, now) for e in events) or (
        '<tr><td colspan="5" class="muted">لا أحداث في الأسبوع الماضي</td></tr>'
    )
    content = f"""<p><a href="/status">→ كل الشركاء</a></p>
<div class="figures">{cards}</div>
{f'<p class="err">آخر خطأ: {error}</p>' if error else ""}
<h2>النشاط خلال 7 أيام</h2>{_spark(row, width=672, height=60)}
<p class="muted" style="width:672px;display:flex;justify-content:space-between;margin:.2rem 0">
<span>قبل 7 أيام</span><span>الآن</span></p>
<h2>آخر الأخبار والإخفاقات</h2>
<table id="events"><thead><tr><th scope="col">الوقت</th><th scope="col">النوع</th>
<th scope="col">الخبر / الخطأ</th><th scope="col">طول النص</th>
<th scope="col">زمن الصفحة</th></tr></thead><tbody>{items}</tbody></table>"""
    name = escape(row.name)
    return _page(
        f"{name} — حالة الشركاء — {title}",
        f"<h1><bdi>{name}</bdi> <small>({escape(row.partner_id)})</small></h1><p>{_stamp(now)}</p>",
        content,
    )


def _page(title: str, header: str, content: str) -> bytes:
    # `title` is built from escaped parts by the callers.
    html = f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{REFRESH}">
<meta name="robots" content="noindex">
<title>{title}</title><style>{CSS}</style></head>
<body><header>{header}</header><main>{content}</main></body></html>
"""
    return html.encode("utf-8")


def _row(r: PartnerHealth, now: dt.datetime) -> str:
    link = f"/status/{quote(r.partner_id)}"
    flags = " ".join(r.flags)
    css = ' class="flagged"' if r.flags else ""
    return (
        f'<tr{css} data-partner="{escape(r.partner_id)}" data-status="{r.status}" '
        f'data-flags="{flags}">'
        f'<th scope="row"><a href="{link}"><bdi>{escape(r.name)}</bdi></a>'
        f'<span class="why">{escape(r.partner_id)}</span></th>'
        f"<td>{_badge(r)}{_why(r, now)}</td>"
        f"<td>{_age(r.last_attempt_at, now)}</td>"
        f"<td>{_age(r.last_success_at, now)}</td>"
        f"<td>{_age(r.last_new_item_at, now)}</td>"
        f'<td class="num">{r.failure_streak}</td>'
        f'<td class="num">{r.items_24h}</td>'
        f'<td class="num">{r.items_7d}</td>'
        f"<td>{_spark(r)}</td>"
        f'<td class="num">{_seconds(r.median_page_seconds)}</td>'
        f'<td class="num">{_shares(r)}</td>'
        f'<td class="err">{_error(r)}</td>'
        "</tr>"
    )


def _badge(r: PartnerHealth) -> str:
    return f'<span class="badge" style="background:{COLOUR[r.status]}">{LABEL[r.status]}</span>'


def _why(r: PartnerHealth, now: dt.datetime) -> str:
    """Why the row is flagged, in words an editor acts on."""
    reasons = []
    if "failing" in r.flags:
        if r.disabled_reason:
            reasons.append("الخلاصة أُزيلت نهائيًا (HTTP 410)")
        else:
            reasons.append(f"{r.failure_streak} محاولات فاشلة متتالية (الحد {r.failure_alert})")
    if "quiet" in r.flags and r.quiet_since is not None:
        reasons.append(
            f"يجيب بلا أخبار جديدة منذ {_duration(now - r.quiet_since)} "
            f"(الحد {_duration(dt.timedelta(seconds=r.idle_alert))})"
        )
    if "poor_pages" in r.flags:
        share = (r.short_share or 0) + (r.empty_share or 0)
        reasons.append(f"{share:.0%} من آخر {r.sampled} خبرًا بنص قصير أو فارغ")
    return "".join(f'<span class="why">{escape(text)}</span>' for text in reasons)


def _spark(r: PartnerHealth, width: int = 168, height: int = 26) -> str:
    """New items per hour as bars, the newest hour at the left (the end of an RTL line)."""
    peak = max(r.hourly, default=0)
    step = width / WEEK_HOURS
    bars = []
    for i, count in enumerate(r.hourly):
        if not count:
            continue
        h = max(1.0, height * count / peak)
        x = width - (i + 1) * step  # i = 0 is the oldest hour: the right edge
        bars.append(
            f'<rect x="{x:.1f}" y="{height - h:.1f}" width="{max(step, 1):.1f}" height="{h:.1f}"/>'
        )
    colour = COLOUR[r.status] if r.flags else "#3b6fd4"
    label = f"{r.items_7d} خبرًا جديدًا في 7 أيام، أعلى ساعة {peak}"
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{label}"><title>{label}</title>'
        f'<line x1="0" y1="{height - 0.5}" x2="{width}" y2="{height - 0.5}" stroke="#d5d9e2"/>'
        f'<g fill="{colour}">{"".join(bars)}</g></svg>'
    )


def _error(r: PartnerHealth, limit: int = 160) -> str:
    text = r.disabled_reason or r.last_error
    if not text:
        return ""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    kind = f"<code>{escape(r.last_error_class)}</code> " if r.last_error_class else ""
    when = f' <span class="muted">{_stamp(r.last_error_at)}</span>' if r.last_error_at else ""
    # Our messages are English: dir="auto" keeps a URL and its words in order.
    return f'{kind}<bdi dir="auto">{escape(text)}</bdi>{when}'


def _event(e: HealthNote, now: dt.datetime) -> str:
    if e.kind == "article":
        title = escape(e.title or e.url or "")
        what = f'<a href="{escape(e.url)}">{title}</a>' if e.url and _linkable(e.url) else title
        chars = "-" if e.body_chars is None else f"{e.body_chars} حرفًا"
        return (
            f'<tr data-kind="article"><td>{_age(e.at, now)}</td><td>{EVENT_LABEL[e.kind]}</td>'
            f'<td><bdi>{what}</bdi></td><td class="num">{chars}</td>'
            f'<td class="num">{_seconds(e.seconds)}</td></tr>'
        )
    kind = f"<code>{escape(e.error_class)}</code> " if e.error_class else ""
    url = f'<br><code dir="ltr">{escape(e.url)}</code>' if e.url else ""
    return (
        f'<tr data-kind="{e.kind}"><td>{_age(e.at, now)}</td><td>{EVENT_LABEL[e.kind]}</td>'
        f'<td class="err">{kind}<bdi dir="auto">{escape(e.message or "")}</bdi>{url}</td>'
        "<td></td><td></td></tr>"
    )


def _linkable(url: str | None) -> bool:
    return bool(url) and urlsplit(url or "").scheme in ("http", "https")


def _age(when: dt.datetime | None, now: dt.datetime) -> str:
    if when is None:
        return '<span class="muted">أبدًا</span>'
    iso = when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    delta = now - when
    text = "الآن" if delta < dt.timedelta(minutes=1) else f"منذ {_duration(delta)}"
    return f'<time datetime="{iso}" title="{_plain_stamp(when)}">{text}</time>'


def _duration(delta: dt.timedelta) -> str:
    """Compact Arabic duration: "7 س 2 د", "3 ي 4 س" (digits as the newsroom writes them)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} د"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} س {minutes % 60} د" if minutes % 60 else f"{hours} س"
    return f"{hours // 24} ي {hours % 24} س" if hours % 24 else f"{hours // 24} ي"


def _stamp(when: dt.datetime | None) -> str:
    """A UTC time, isolated left to right (inside Arabic text its parts would reorder)."""
    if when is None:
        return "-"
    return f'<bdi dir="ltr">{when.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC</bdi>'


def _plain_stamp(when: dt.datetime) -> str:
    return f"{when.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"  # for attributes


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f} م.ث" if value < 1 else f"{value:.1f} ث"


def _shares(r: PartnerHealth) -> str:
    if not r.sampled:
        return "-"
    return f"{r.short_share or 0:.0%} / {r.empty_share or 0:.0%} من {r.sampled}"


__all__ = ["COLOUR", "LABEL", "overview", "partner_page"]
