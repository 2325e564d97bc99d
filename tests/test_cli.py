"""The command line on the shipped demo: exit codes, messages, the lock, feeds written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import feedparser
import pytest

from syndication.config import load
from syndication.lock import run_lock
from tests.clirun import run_cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """The shipped config.toml and demo/ in a fresh directory, as after a clean clone."""
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    shutil.copytree(ROOT / "demo", tmp_path / "demo")
    return tmp_path


def test_run_once_on_the_shipped_demo(demo: Path) -> None:
    done = run_cli("run", "--once", cwd=demo)
    assert done.returncode == 0, done.stderr
    assert "0 partners failed" in done.stdout
    feeds = demo / "feeds"
    names = {p.name for p in feeds.iterdir()}
    for key in ("main", "urgent", "category-technology", "partner-nile-post"):
        assert {f"{key}.rss.xml", f"{key}.atom.xml", f"{key}.json"} <= names
    assert "index.html" in names

    main = feedparser.parse((feeds / "main.rss.xml").read_bytes())
    assert not main.bozo and len(main.entries) == 12
    # The demo stories are from September 2025: older than the urgent feed's 48 hours
    # (max_item_age), so it is empty; the urgent flag is read from the main feed.
    assert feedparser.parse((feeds / "urgent.atom.xml").read_bytes()).entries == []
    everything = feedparser.parse((feeds / "main.atom.xml").read_bytes()).entries
    flagged = [e for e in everything if any(t.term == "urgent" for t in e.get("tags", []))]
    titles = [e.title for e in flagged]
    # the seed article, urgent, with its prefix stripped; "قرار عاجل" is not urgent
    assert "مايكروسوفت تعطل بعض خدماتها لإسرائيل.. والسبب مهندس مصري" in titles
    assert any("قرار عاجل" in e.title for e in everything)
    assert not any("قرار عاجل" in t for t in titles)
    assert all(not e.title.startswith("عاجل") for e in everything)
    seed = next(e for e in flagged if e.title.startswith("مايكروسوفت"))
    body = seed.content[0].value
    assert "<figcaption>" in body and "المهندس المصري حسام نصر" in body
    assert "ما علاقة المهندس المصري؟" in body and "تتبع مكالمات الفلسطينيين" in body
    for path in feeds.glob("*.xml"):
        text = path.read_text(encoding="utf-8")
        assert "تم نسخ الرابط" not in text and "نسخ الرابط" not in text, path.name
        assert "<script" not in text

    index = (feeds / "index.html").read_text(encoding="utf-8")
    assert 'dir="rtl"' in index
    assert 'type="application/rss+xml"' in index and 'type="application/atom+xml"' in index

    # a second run changes nothing: every file byte-identical and untouched
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in feeds.iterdir()}
    again = run_cli("run", "--once", cwd=demo)
    assert again.returncode == 0, again.stderr
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in feeds.iterdir()}
    assert after == before


def test_scrape_json_prints_the_record(demo: Path) -> None:
    page = demo / "demo/partners/nile-post/articles/microsoft-israel.html"
    done = run_cli("scrape", str(page), "--json", "--partner", "nile-post", cwd=demo)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert list(record) == [
        "url",
        "title",
        "urgent",
        "published",
        "updated",
        "author",
        "categories",
        "summary",
        "body_text",
        "body_html",
        "images",
        "language",
    ]
    assert record["urgent"] is True
    assert record["url"].startswith("https://www.nile-post.example/")
    assert record["published"] == "2025-09-26T15:15:00+03:00"
    assert any(i["caption"] == "المهندس المصري حسام نصر" for i in record["images"])
    assert "تم نسخ الرابط" not in record["body_text"]
    assert record["body_html"].startswith('<div dir="rtl" lang="ar">')


def test_second_run_is_refused_while_the_lock_is_held(demo: Path) -> None:
    config = load(demo / "config.toml")
    with run_lock(config):
        done = run_cli("run", "--once", cwd=demo)
    assert done.returncode == 3
    assert "another syndication process" in done.stderr
    assert not (demo / "feeds" / "main.rss.xml").exists()


def test_broken_config_exits_2_naming_the_file(demo: Path) -> None:
    (demo / "config.toml").write_text("[fetch]\nmax_bytes = -1\n", encoding="utf-8")
    done = run_cli("run", "--once", cwd=demo)
    assert done.returncode == 2
    assert "config.toml: fetch.max_bytes: -1 is out of range" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_config_exits_2(tmp_path: Path) -> None:
    done = run_cli("check-config", cwd=tmp_path)
    assert done.returncode == 2
    assert "config.toml: file not found" in done.stderr


def test_feeds_path_that_is_a_file_exits_2(demo: Path) -> None:
    (demo / "feeds").write_text("not a directory")
    done = run_cli("publish", cwd=demo)
    assert done.returncode == 2
    assert "feeds" in done.stderr and "Traceback" not in done.stderr


def test_failing_partner_gives_exit_1_and_others_are_published(demo: Path) -> None:
    text = (demo / "config.toml").read_text(encoding="utf-8")
    text += '\n[[partners]]\nid = "missing"\nname = "غائب"\nfeed_url = "file:demo/partners/missing/feed.xml"\n'
    (demo / "config.toml").write_text(text, encoding="utf-8")
    done = run_cli("run", "--once", cwd=demo)
    assert done.returncode == 1, done.stderr
    assert "FAILED missing" in done.stdout
    main = feedparser.parse((demo / "feeds" / "main.rss.xml").read_bytes())
    assert len(main.entries) == 12


def test_every_subcommand_has_help(demo: Path) -> None:
    for sub in ("run", "ingest", "publish", "serve", "scrape", "check-config", "partners"):
        done = run_cli(sub, "--help", cwd=demo)
        assert done.returncode == 0 and "--config" in done.stdout, sub


def test_partners_list_shows_state(demo: Path) -> None:
    run_cli("ingest", "--partner", "nile-post", cwd=demo)
    done = run_cli("partners", "list", cwd=demo)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["PARTNER", "ENABLED", "LAST"]
    nile = next(line for line in lines if line.startswith("nile-post")).split()
    levant = next(line for line in lines if line.startswith("levant-daily")).split()
    assert nile[1] == "yes" and nile[2] != "-"  # polled: a last-success time
    assert levant[2] == "-"  # never polled


def test_unknown_partner_id_is_a_config_error(demo: Path) -> None:
    done = run_cli("ingest", "--partner", "nobody", cwd=demo)
    assert done.returncode == 2
    assert "no partner with id 'nobody'" in done.stderr
