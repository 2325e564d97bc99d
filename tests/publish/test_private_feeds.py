"""Private feeds ([[feeds]] private = true) never land where the public is served.

Real parts throughout: a SQLite (or PostgreSQL) store, publish_all writing real files,
`syndication serve` on 127.0.0.1 port 0 (from the directories and from the store), and the
CLI in a child process on a copy of the shipped demo.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.client
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from syndication.config import (
    Config,
    PublishSettings,
    SchedulerSettings,
    ServeSettings,
    load,
)
from syndication.model import FeedSpec, FetchSettings, PartnerFeed
from syndication.publish import publish_all
from syndication.publish.write import write_if_changed
from syndication.serve import FeedServer, create_server
from syndication.store import Store, open_store
from tests.support import ROOT
from tests.support.clirun import run_cli
from tests.support.factories import make_article

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
TOKEN = "tok-platform-0123456789"
VIP = FeedSpec(key="vip", title="خاص بالشركاء", kind="main", private=True)
VIP_NAMES = ("vip.rss.xml", "vip.atom.xml", "vip.json")
HUB = "https://hub.example.org/"


def make_config(tmp_path: Path, *, private: bool = True) -> Config:
    # private_dir is left at its default ("feeds-private" beside the config file), so the
    # same test also runs against a version that had no such setting.
    return Config(
        path=str(tmp_path / "config.toml"),
        base_dir=str(tmp_path),
        storage_url=f"sqlite:///{tmp_path / 'store.db'}",
        fetch=FetchSettings(),
        publish=PublishSettings(
            base_url="https://feeds.example.org/", out_dir=str(tmp_path / "feeds"), hub_url=HUB
        ),
        scheduler=SchedulerSettings(),
        serve=ServeSettings(tokens=(("platform", TOKEN),)),
        partners=(PartnerFeed(id="akhbar", name="أخبار اليوم", feed_url="https://p.example/rss"),),
        feeds=(
            FeedSpec(key="main", title="الأخبار", kind="main"),
            dataclasses.replace(VIP, private=private),
        ),
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as s:
        s.upsert_article(make_article(1))
        s.upsert_article(make_article(2, urgent=True))
        yield s


def files_under(directory: Path) -> dict[str, bytes]:
    """Every file below `directory` (any depth, dot files too), relative name → bytes."""
    found: dict[str, bytes] = {}
    for root, _dirs, names in os.walk(directory):
        for name in names:
            path = Path(root) / name
            found[str(path.relative_to(directory))] = path.read_bytes()
    return found


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class Pings:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, hub: str, urls: list[str]) -> None:
        self.urls.extend(urls)


def get(
    server: FeedServer, path: str, headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    # http.client sends the path exactly as written (no normalisation of .. or %2f).
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.msg, resp.read()
    finally:
        conn.close()


# --- publishing -------------------------------------------------------------------------


def test_private_feed_is_written_only_to_the_private_dir_owner_only(
    tmp_path: Path, store: Store
) -> None:
    config = make_config(tmp_path)
    pings = Pings()
    publish_all(config, store, now=NOW, ping=pings)
    public, private = tmp_path / "feeds", tmp_path / "feeds-private"

    assert sorted(files_under(private)) == sorted(VIP_NAMES)
    assert mode(private) == 0o700
    for name in VIP_NAMES:
        assert mode(private / name) == 0o600, name
    published = files_under(public)
    assert not [name for name in published if "vip" in name]
    assert "main.rss.xml" in published and mode(public / "main.rss.xml") == 0o644
    # Nothing public links to it: not the index, not the hub.
    assert b"vip" not in published["index.html"]
    assert pings.urls and not [url for url in pings.urls if "vip" in url]
    vip_rss = (private / "vip.rss.xml").read_bytes()
    assert HUB.encode() not in vip_rss and HUB.encode() in published["main.rss.xml"]
    # The store keeps it under a name no public request can spell, as serving nodes read.
    assert store.get_feed_file("vip.rss.xml") is None
    saved = store.get_feed_file("private/vip.rss.xml")
    assert saved is not None and saved[0] == vip_rss


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_switching_private_and_public_leaves_no_stale_copy(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    url = str(request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url"))
    config = dataclasses.replace(make_config(tmp_path, private=False), storage_url=url)
    public, private = tmp_path / "feeds", tmp_path / "feeds-private"
    with open_store(url) as store:
        store.upsert_article(make_article(1))
        publish_all(config, store, now=NOW)
        assert {"vip.rss.xml", "vip.json"} <= set(files_under(public))
        assert store.get_feed_file("vip.rss.xml") is not None

        config = make_config(tmp_path, private=True)
        config = dataclasses.replace(config, storage_url=url)
        publish_all(config, store, now=NOW)
        assert not [name for name in files_under(public) if "vip" in name]
        assert sorted(files_under(private)) == sorted(VIP_NAMES)
        names = set(store.feed_file_etags())
        assert not names & set(VIP_NAMES)
        assert {f"private/{n}" for n in VIP_NAMES} <= names

        config = dataclasses.replace(make_config(tmp_path, private=False), storage_url=url)
        publish_all(config, store, now=NOW)
        assert files_under(private) == {}
        assert set(VIP_NAMES) <= set(files_under(public))
        names = set(store.feed_file_etags())
        assert set(VIP_NAMES) <= names and not [n for n in names if n.startswith("private/")]


def test_private_files_an_older_version_left_in_feeds_are_removed(
    tmp_path: Path, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(tmp_path)
    publish_all(config, store, now=NOW)
    public = tmp_path / "feeds"
    # What a version that wrote private feeds beside the public ones leaves behind,
    # including the temporary file of an interrupted write and the store's public name.
    for name in ("vip.rss.xml", "vip.json", ".vip.atom.xml.k2j4x1.tmp"):
        (public / name).write_bytes(b"<rss>private</rss>")
        os.chmod(public / name, 0o644)
    store.save_feed_file("vip.rss.xml", b"<rss>private</rss>", '"old"')

    publish_all(config, store, now=NOW)  # nothing changed: the feeds themselves are skipped
    assert not [name for name in files_under(public) if "vip" in name]
    assert store.get_feed_file("vip.rss.xml") is None
    assert "vip.rss.xml" in caplog.text and "private" in caplog.text


def test_private_modes_are_enforced_on_existing_dir_and_files(tmp_path: Path, store: Store) -> None:
    private = tmp_path / "feeds-private"
    private.mkdir(mode=0o755)
    os.chmod(private, 0o755)  # as an operator's mkdir leaves it
    config = make_config(tmp_path)
    publish_all(config, store, now=NOW)
    assert mode(private) == 0o700
    os.chmod(private / "vip.rss.xml", 0o644)
    publish_all(config, store, now=NOW, force=True)  # same bytes: not rewritten, mode fixed
    assert mode(private / "vip.rss.xml") == 0o600


def test_atomic_write_gives_the_mode_asked_for_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "vip.rss.xml"
    path.write_bytes(b"old")
    os.chmod(path, 0o644)
    old_umask = os.umask(0)  # the widest umask: nothing but our own mode applies
    try:
        assert write_if_changed(path, b"<rss/>", feed_key="vip", mode=0o600)
        assert mode(path) == 0o600
        os.umask(0o077)  # the strictest usual one must not narrow a public feed either
        public = tmp_path / "main.rss.xml"
        assert write_if_changed(public, b"<rss/>", feed_key="main")
        assert mode(public) == 0o644
    finally:
        os.umask(old_umask)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.rss.xml", "vip.rss.xml"]


# --- serving ----------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["directories", "store"])
def test_serve_needs_the_token_and_nothing_private_is_reachable_without_it(
    tmp_path: Path, store: Store, source: str
) -> None:
    config = make_config(tmp_path)
    publish_all(config, store, now=NOW)
    public, private = tmp_path / "feeds", tmp_path / "feeds-private"
    secret = {name: (private / name).read_bytes() for name in VIP_NAMES}
    # Leftovers the next publish would remove: serve must not hand them out meanwhile.
    (public / "vip.rss.xml").write_bytes(b"<rss>stale private copy</rss>")
    store.save_feed_file("vip.rss.xml", b"<rss>stale private copy</rss>", '"stale"')

    from_store = source == "store"
    if from_store:
        shutil.rmtree(public)
        shutil.rmtree(private)  # a stateless node has only the store

    def factory() -> Store:
        return open_store(config.storage_url, migrate=False)

    server = create_server(config, "127.0.0.1", 0, store_factory=factory, from_store=from_store)
    with server:
        server.start()
        auth = {"Authorization": f"Bearer {TOKEN}"}
        for name, body in secret.items():
            status, headers, got = get(server, f"/{name}")
            assert status == 401 and body not in got, name
            assert headers["WWW-Authenticate"].startswith("Bearer")
            status, headers, got = get(server, f"/{name}", auth)
            assert (status, got) == (200, body), name
            assert headers["Cache-Control"].startswith("private")
            assert "Link" not in headers  # no hub advertised for a private feed
            etag = headers["ETag"]
            assert get(server, f"/{name}", {"If-None-Match": etag})[0] == 401
            assert get(server, f"/{name}?token={TOKEN}")[0] == 200
        # Every way of spelling the private files' places is a plain 404.
        for path in (
            "/feeds-private/vip.rss.xml",
            "/feeds-private%2Fvip.rss.xml",
            "/../feeds-private/vip.rss.xml",
            "/private/vip.rss.xml",
            "/private%2Fvip.rss.xml",
        ):
            status, _, got = get(server, path)
            assert status == 404 and b"rss" not in got, path
            assert get(server, path, auth)[0] == 404, path
        # What the public can reach: every file under feeds/, by its URL path.
        if not from_store:
            for name, body in files_under(public).items():
                if name.startswith("vip."):
                    assert get(server, f"/{name}")[0] == 401
                    continue
                assert body not in secret.values(), name
                status, _, got = get(server, f"/{name}")
                assert got not in secret.values(), name
        assert get(server, "/main.rss.xml")[0] == 200
        assert b"vip" not in get(server, "/")[2]


def test_cli_publish_on_the_demo_with_a_private_feed(tmp_path: Path) -> None:
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    shutil.copytree(ROOT / "demo", tmp_path / "demo")
    with (tmp_path / "config.toml").open("a", encoding="utf-8") as f:
        f.write(
            '\n[[feeds]]\nkey = "platform"\ntitle = "منصة الشريك"\nkind = "main"\n'
            "private = true\n"
            f'\n[serve.tokens]\nplatform = "{TOKEN}"\n'
        )
    done = run_cli("run", "--once", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    public, private = tmp_path / "feeds", tmp_path / "feeds-private"
    assert sorted(files_under(private)) == [
        "platform.atom.xml",
        "platform.json",
        "platform.rss.xml",
    ]
    assert mode(private) == 0o700 and mode(private / "platform.rss.xml") == 0o600
    assert "main.rss.xml" in files_under(public)
    assert not [name for name in files_under(public) if "platform" in name]
    checked = run_cli("check-config", cwd=tmp_path)
    assert f"private     {private.resolve()}: platform" in checked.stdout

    config = load(tmp_path / "config.toml")
    with create_server(config, "127.0.0.1", 0) as server:
        server.start()
        assert get(server, "/platform.rss.xml")[0] == 401
        status, _, body = get(server, "/platform.rss.xml", {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200 and body == (private / "platform.rss.xml").read_bytes()
        assert get(server, "/main.rss.xml")[0] == 200
