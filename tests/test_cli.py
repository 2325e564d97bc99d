"""The command line on the shipped demo: exit codes, messages, the lock, feeds written."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import feedparser
import pytest

from syndication.cli import build_parser, main
from syndication.config import load
from syndication.lock import run_lock
from syndication.model import PartnerState
from tests.support.clirun import COMMANDS, run_cli
from tests.support.httpsite import Route, Site
from tests.support.partnersim import SimPartner, edited, make_articles, serve_partner

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
    for sub in (
        "run",
        "ingest",
        "publish",
        "serve",
        "scrape",
        "check-config",
        "partners",
        "articles",
    ):
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


# --- input validation at the edges --------------------------------------------------------


@pytest.mark.parametrize("port", ["99999", "65536", "-1", "eighty"])
def test_port_outside_the_range_is_refused(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["serve", "--port", port])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"--port: {port!r} is not a port number" in err
    assert "1-65535, or 0 for any free port" in err


@pytest.mark.parametrize("port", ["0", "1", "8080", "65535"])
def test_port_in_the_range_is_accepted(port: str) -> None:
    assert build_parser().parse_args(["serve", "--port", port]).port == int(port)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///vra/syndication.db",
        "sqlite:///var/db/syndication.db",
        "sqlite:///{tmp}/gone/s.db",
    ],
    ids=["typo", "below-var", "absolute"],
)
def test_sqlite_directory_that_does_not_exist_is_refused(demo: Path, url: str) -> None:
    url = url.format(tmp=demo)
    config = demo / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('url = "sqlite:///var/syndication.db"', f'url = "{url}"'))
    done = run_cli("run", "--once", cwd=demo)
    assert done.returncode == 2, done.stdout
    directory = Path(url.removeprefix("sqlite:///"))
    directory = (directory if directory.is_absolute() else demo / directory).parent
    assert f"config.toml: storage.url: the directory {directory} does not exist" in done.stderr
    assert "create it or fix the path" in done.stderr and "Traceback" not in done.stderr
    assert not directory.exists() and not (demo / "var").exists()
    assert not (demo / "feeds").exists()  # nothing ran
    check = run_cli("check-config", cwd=demo)
    assert check.returncode == 2 and "does not exist" in check.stderr


def test_shipped_var_directory_is_created_beside_the_config(demo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert not (demo / "var").exists()
    done = run_cli(
        "ingest", "--partner", "nile-post", "--config", str(demo / "config.toml"), cwd=elsewhere
    )
    assert done.returncode == 0, done.stderr
    assert (demo / "var" / "syndication.db").is_file()
    assert not (elsewhere / "var").exists()


# Every command refuses a config without partners; import-opml is how partners are added.
NO_PARTNER_COMMANDS = [c for c in COMMANDS if c[:2] != ("partners", "import-opml")]


@pytest.mark.parametrize("command", NO_PARTNER_COMMANDS, ids=lambda c: "-".join(c))
def test_config_without_partners_is_refused(
    command: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging
    import socket

    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    extra: list[str] = []
    with socket.socket() as taken:
        if command == ("serve",):
            # Should the check be missing, the server fails on a taken port, not hang.
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            extra = ["--port", str(taken.getsockname()[1])]
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        try:
            code = main([*command, "--config", str(config), *extra])
        finally:
            root.handlers[:] = handlers
            root.setLevel(level)
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"{config}: partners: no partners configured" in err
    assert "add at least one [[partners]] table" in err
    assert "syndication partners import-opml FILE --write" in err
    assert not (tmp_path / "feeds").exists() and not (tmp_path / "syndication.db").exists()


def test_unknown_postgresql_role_is_named_not_blamed_on_the_server(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from tests.support import PG_URL

    url = sa.make_url(PG_URL).set(username="no_such_role_i12", password=None)
    config = tmp_path / "config.toml"
    shutil.copy(ROOT / "config.toml", config)
    shutil.copytree(ROOT / "demo", tmp_path / "demo")
    text = config.read_text(encoding="utf-8").replace(
        'url = "sqlite:///var/syndication.db"',
        f'url = "{url.render_as_string(hide_password=False)}"',
    )
    config.write_text(text, encoding="utf-8")
    done = run_cli("partners", "list", cwd=tmp_path)
    assert done.returncode == 2, done.stdout
    assert 'PostgreSQL has no role "no_such_role_i12"' in done.stderr
    assert "create the role (createuser no_such_role_i12)" in done.stderr
    assert "fix the user name in [storage] url" in done.stderr
    assert "is it running" not in done.stderr and "cannot reach" not in done.stderr


# --- honest reports -----------------------------------------------------------------------


def test_ingest_of_a_partner_not_due_says_until_when(demo: Path) -> None:
    first = run_cli("ingest", "--partner", "nile-post", cwd=demo)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(
        "ingested 1 partner: 5 new, 0 updated, 0 partners failed, 0 article pages failed\n"
    ), first.stdout
    state = _partner_state(demo, "nile-post")
    assert state.next_check_at is not None
    # due a tenth of the 300 s interval early (pollpolicy.is_due)
    due = state.next_check_at - dt.timedelta(seconds=30)

    again = run_cli("ingest", "--partner", "nile-post", cwd=demo)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [
        "ingested 0 partners: 0 new, 0 updated, 0 partners failed, 0 article pages failed",
        f"  nile-post: deferred until {due:%Y-%m-%d %H:%M:%S}Z (use --force to poll now)",
    ]

    forced = run_cli("ingest", "--partner", "nile-post", "--force", cwd=demo)
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.startswith("ingested 1 partner: 0 new"), forced.stdout
    assert "deferred" not in forced.stdout


def _partner_state(demo: Path, pid: str) -> PartnerState:
    from syndication.store import open_store

    with open_store(load(demo / "config.toml").storage_url) as store:
        state = store.get_partner_state(pid)
    assert state is not None
    return state


def test_verbose_ingest_logs_each_request_and_page_and_the_byte_cap(
    site: Site, tmp_path: Path
) -> None:
    sim = SimPartner("sim", make_articles("sim", 4))
    sim.articles[1] = edited(sim.articles[1], urgent=True)
    feed_url = serve_partner(site, sim)
    cap = 20_000
    # one page announces its size over the cap; one is small on the wire but not unpacked
    big = sim.page_path(sim.articles[2])
    site.add(big, Route(b"<p>" + b"x" * 30_000 + b"</p>", content_type="text/html"))
    bomb = sim.page_path(sim.articles[3])
    site.add(bomb, Route(b"<p>" + b"y" * 60_000 + b"</p>", content_type="text/html", gzip=True))
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///store.db"\n'
        f"[fetch]\nallow_private_networks = true\nmin_host_interval = 0.0\nmax_bytes = {cap}\n"
        f'[[partners]]\nid = "sim"\nname = "شريك"\nfeed_url = "{feed_url}"\n',
        encoding="utf-8",
    )
    done = run_cli("-v", "ingest", "--partner", "sim", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    err = done.stderr
    feed_bytes = len(site.routes[sim.feed_path()].body)
    assert re.search(
        rf"DEBUG syndication\.fetch: GET {re.escape(feed_url)} → 200, {feed_bytes:,} bytes "
        r"in \d+ ms",
        err,
    ), err
    for article in sim.articles[:2]:
        url = site.url(sim.page_path(article))
        size = len(site.routes[sim.page_path(article)].body)
        assert re.search(rf"GET {re.escape(url)} → 200, {size:,} bytes in \d+ ms", err), err
        urgent = "yes" if article.urgent else "no"
        assert re.search(
            rf"DEBUG syndication\.ingest: scraped {re.escape(url)} in \d+ ms: title yes, "
            rf"3 paragraphs, 1 subheading, 1 image, 1 caption, date yes, urgent {urgent}$",
            err,
            re.MULTILINE,
        ), err
    warnings = [line for line in err.splitlines() if " WARNING " in line]
    announced = next(line for line in warnings if site.url(big) in line)
    assert "article page failed, keeping the feed's own text" in announced
    assert (
        f"body over the size cap, not downloaded: the server announced {30_007:,} bytes "
        f"(Content-Length), the cap is {cap:,} bytes"
    ) in announced
    unpacked = next(line for line in warnings if site.url(bomb) in line)
    assert re.search(
        rf"body over the size cap after decompression, download stopped: {cap + 1:,} bytes "
        rf"unpacked from [\d,]+ received, the cap is {cap:,} bytes",
        unpacked,
    ), unpacked
    # the failed pages are counted, with singular and plural right
    assert done.stdout.startswith(
        "ingested 1 partner: 4 new, 0 updated, 0 partners failed, 2 article pages failed"
    ), done.stdout
