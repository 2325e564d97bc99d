"""A newsroom week for the status page: four partners on a real local site, ingested
with an injected clock into a real SQLite store.

- `wafa` is healthy: items all week, one new ten minutes ago;
- `sahel` went quiet: it sent items seven hours ago and answers 200 (304) since;
- `nour` fails: its feed answers HTTP 500, six polls in a row;
- `raqim`, added today, sends pages we scrape badly: every article body comes out short.

The clock is injected, so nothing waits; `now` is the real time at the start, so a CLI
run in a child process a moment later sees the same picture.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from syndication.config import Config, load
from syndication.ingest import run_ingest
from syndication.store import open_store
from tests.support.httpsite import Route, Site
from tests.support.partnersim import SimPartner, make_articles, serve_partner

STATUS_TOKEN = "status-token-0123456789abcdef"
PARTNER_TOKEN = "partner-token-0123456789abcdef"


@dataclass
class Newsroom:
    config: Config
    path: Path  # config.toml
    now: dt.datetime


def config_text(site: Site, tmp: Path) -> str:
    names = {
        "wafa": "وكالة وفا",
        "sahel": "صحيفة الساحل",
        "nour": "قناة النور",
        "raqim": "موقع رقيم",
    }
    partners = "".join(
        f"""
[[partners]]
id = "{pid}"
name = "{name}"
feed_url = "{site.url(f"/p/{pid}/feed.xml")}"
interval = 300
"""
        for pid, name in names.items()
    )
    return f"""
[storage]
url = "sqlite:///{tmp / "var" / "store.db"}"

[fetch]
allow_private_networks = true
connect_timeout = 2
read_timeout = 3
deadline = 5
min_host_interval = 0
max_per_host = 4

[publish]
title = "غرفة الأخبار"

[scheduler]
scrape_processes = 0

[serve]
status_token = "{STATUS_TOKEN}"

[serve.tokens]
partner-a = "{PARTNER_TOKEN}"
{partners}
[[feeds]]
key = "main"
title = "الرئيسية"
kind = "main"
"""


def build(site: Site, tmp: Path) -> Newsroom:
    (tmp / "var").mkdir(exist_ok=True)
    path = tmp / "config.toml"
    path.write_text(config_text(site, tmp), encoding="utf-8")
    config = load(path)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def at(hours: float) -> dt.datetime:
        return now - dt.timedelta(hours=hours)

    wafa = SimPartner("wafa", make_articles("wafa", 6, start=at(30)))
    sahel = SimPartner("sahel", make_articles("sahel", 3, start=at(8)))
    thin = [
        replace(a, paragraphs=("تفاصيل لاحقا.",), image=None)
        for a in make_articles("raqim", 6, start=at(3))
    ]
    raqim = SimPartner("raqim", thin)
    serve_partner(site, wafa)
    serve_partner(site, sahel)
    serve_partner(site, raqim)
    site.add("/p/nour/feed.xml", Route(b"internal error", status=500, content_type="text/plain"))

    with open_store(config.storage_url) as store:

        def poll(hours_ago: float, *ids: str) -> None:
            run_ingest(
                config, store, partner_ids=list(ids), force=True, clock=lambda: at(hours_ago)
            )

        poll(30, "wafa", "sahel", "nour")  # a day ago: nour already fails
        for h in (6, 5, 4, 3, 2):
            poll(h, "nour")  # six failures in a row
        poll(7, "sahel")  # the same feed again: 304
        sahel.articles = make_articles("sahel", 4, start=at(7))
        serve_partner(site, sahel)
        poll(7, "sahel")  # its last new item, seven hours ago
        poll(0.5, "sahel")  # answers, nothing new: quiet since
        wafa.articles = make_articles("wafa", 8, start=at(0.2))
        serve_partner(site, wafa)
        poll(0.2, "wafa")
        poll(0.1, "raqim")  # a new partner: six thin articles at once
    return Newsroom(config, path, now)
