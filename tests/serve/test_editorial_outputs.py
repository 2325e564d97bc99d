"""`syndication serve` hands out the ninjs files and the news sitemap with their own
content types, and the bytes of the next publish after a kill."""

from __future__ import annotations

import datetime as dt
import http.client
import json
from pathlib import Path

from syndication.publish import publish_all
from syndication.serve import create_server
from syndication.store import open_store
from tests.support.factories import make_article, make_config

NOW = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.UTC)


def get(host: str, port: int, path: str) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type") or "", resp.read()
    finally:
        conn.close()


def test_ninjs_and_news_sitemap_are_served_and_follow_a_kill(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    with open_store(config.storage_url) as store:
        store.upsert_article(make_article(1))
        store.upsert_article(make_article(2))
        publish_all(config, store, now=NOW)
        with create_server(config, "127.0.0.1", 0) as server:
            server.start()
            status, ctype, body = get(server.host, server.port, "/main.ninjs.json")
            assert status == 200 and ctype == "application/json; charset=utf-8"
            assert [i["pubStatus"] for i in json.loads(body)] == ["usable", "usable"]
            status, ctype, body = get(server.host, server.port, "/news-sitemap.xml")
            assert status == 200 and ctype == "application/xml; charset=utf-8"
            assert b"https://partner.example.com/news/2" in body

            store.kill_article("art0002", "سحب", "amira", now=NOW)
            publish_all(config, store, now=NOW)
            _, _, body = get(server.host, server.port, "/main.ninjs.json")
            assert [i["pubStatus"] for i in json.loads(body)] == ["usable", "canceled"]
            _, _, body = get(server.host, server.port, "/news-sitemap.xml")
            assert b"https://partner.example.com/news/2" not in body
            _, _, body = get(server.host, server.port, "/main.rss.xml")
            assert make_article(2).title.encode() not in body
