"""The storage contract: every test runs on SQLite and on PostgreSQL (`store_url`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from syndication.errors import StorageError
from syndication.model import Article, Block, Category, Image, PartnerState
from syndication.store import Store, open_store

CAIRO = dt.timezone(dt.timedelta(hours=3))
T0 = dt.datetime(2026, 5, 10, 9, 30, 15, 123456, tzinfo=CAIRO)
POLITICS = Category(label="سياسة", slug="politics")
ECONOMY = Category(label="اقتصاد", slug="economy")
SPORTS = Category(label="رياضة", slug="sports")


def make_article(
    n: int,
    *,
    partner_id: str = "ahram",
    urgent: bool = False,
    categories: tuple[Category, ...] = (POLITICS,),
    published: dt.datetime | None = None,
    title: str | None = None,
    item_hash: str | None = None,
) -> Article:
    """A realistic normalized article; content_hash covers what an edit would change."""
    published = published or T0 + dt.timedelta(minutes=n)
    title = title or f"وزير الخارجية يبحث مع نظيره الأردني تطورات الأوضاع في المنطقة ({n})"
    blocks = (
        Block("p", "بحث وزير الخارجية اليوم الأحد مع نظيره الأردني آخر التطورات الإقليمية."),
        Block("h2", "تنسيق مشترك"),
        Block("p", "وأكد الجانبان أهمية مواصلة التنسيق والتشاور بين البلدين الشقيقين."),
        Block("quote", "«نعمل معاً من أجل الاستقرار»"),
    )
    images = (
        Image(
            url=f"https://www.example-news.eg/media/{n}/main.jpg",
            caption="وزير الخارجية خلال اللقاء",
            credit="تصوير: أحمد حسن",
            alt="لقاء الوزيرين",
            width=1200,
            height=675,
            mime_type="image/jpeg",
            length=183_204,
        ),
        Image(url=f"https://www.example-news.eg/media/{n}/second.jpg"),
    )
    body_html = (
        '<div dir="rtl" lang="ar">'
        + "".join(f"<{b.kind}>{b.text}</{b.kind}>" for b in blocks)
        + "</div>"
    )
    content = "|".join([title, body_html, *(i.url for i in images), str(urgent)]) + "|".join(
        c.slug for c in categories
    )
    return Article(
        id=hashlib.sha256(f"{partner_id}:{n}".encode()).hexdigest()[:32],
        partner_id=partner_id,
        url=f"https://www.example-news.eg/news/{n}",
        guid=f"urn:example-news:{n}",
        title=title,
        summary="بحث الوزيران تطورات الأوضاع في المنطقة.",
        body_html=body_html,
        blocks=blocks,
        images=images,
        urgent=urgent,
        published=published,
        updated=published,
        author="محمد علي",
        categories=categories,
        language="ar",
        content_hash=hashlib.sha256(content.encode()).hexdigest(),
        item_hash=item_hash or f"item-{n}",
    )


def edited(article: Article, **changes: object) -> Article:
    """The same story, edited: new content hash, later `updated`, a different `published`
    (partners do move it; we must not)."""
    new = dataclasses.replace(article, **changes)  # type: ignore[arg-type]
    return dataclasses.replace(
        new,
        content_hash=hashlib.sha256((article.content_hash + repr(changes)).encode()).hexdigest(),
        updated=article.updated + dt.timedelta(hours=1),
        published=article.published + dt.timedelta(hours=2),
    )


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    try:
        yield s
    finally:
        s.close()


# --- articles ---------------------------------------------------------------------------


def test_article_round_trips_exactly(store: Store) -> None:
    article = make_article(1, urgent=True, categories=(POLITICS, ECONOMY))
    assert store.upsert_article(article) == "new"
    got = store.get_article(article.id)
    assert got == article
    assert got is not None
    assert got.published.utcoffset() == dt.timedelta(0)
    assert got.published.hour == 6  # 09:30 in Cairo (+03) is 06:30 UTC
    assert [c.slug for c in got.categories] == ["politics", "economy"]  # order kept


def test_round_trip_with_empty_optionals(store: Store) -> None:
    article = dataclasses.replace(
        make_article(2, categories=()), images=(), blocks=(), guid=None, author=None
    )
    store.upsert_article(article)
    assert store.get_article(article.id) == article
    assert store.get_article("no-such-id") is None


def test_a_slug_shared_by_two_labels_is_stored_once(store: Store) -> None:
    twice = make_article(3, categories=(POLITICS, Category("السياسة", "politics"), SPORTS))
    assert store.upsert_article(twice) == "new"
    got = store.get_article(twice.id)
    assert got == dataclasses.replace(twice, categories=(POLITICS, SPORTS))
    assert [a.id for a in store.latest(limit=5, category_slug="politics")] == [twice.id]


def test_concurrent_writers_of_one_article(store_url: str) -> None:
    # Eight writers race to store the same new article (a redelivered task, two workers):
    # exactly one creates it, the others see it unchanged, nobody fails.
    article = make_article(7, urgent=True, categories=(POLITICS, ECONOMY))
    with open_store(store_url) as shared:
        barrier = threading.Barrier(8)

        def write() -> str:
            barrier.wait()
            return shared.upsert_article(article)

        with ThreadPoolExecutor(8) as pool:
            results = sorted(pool.map(lambda _: write(), range(8)))
        assert results == ["new"] + ["unchanged"] * 7
        assert shared.get_article(article.id) == article
        assert shared.categories() == [ECONOMY, POLITICS]


def test_unchanged_costs_no_content_write_but_keeps_new_item_hash(store: Store) -> None:
    article = make_article(1)
    store.upsert_article(article)
    stamp = store.feed_stamp()
    assert store.upsert_article(article) == "unchanged"
    same_content = dataclasses.replace(article, item_hash="item-1-reordered")
    assert store.upsert_article(same_content) == "unchanged"
    assert store.known_item_hashes([article.id]) == {article.id: "item-1-reordered"}
    assert store.feed_stamp() == stamp


def test_update_replaces_content_keeps_published_moves_updated(store: Store) -> None:
    article = make_article(1, categories=(POLITICS,))
    store.upsert_article(article)
    edit = edited(article, title="تعديل: الوزيران يتفقان على خطة عمل", categories=(ECONOMY,))
    assert store.upsert_article(edit) == "updated"
    got = store.get_article(article.id)
    assert got == dataclasses.replace(edit, published=article.published)
    assert got is not None and got.updated == article.updated + dt.timedelta(hours=1)
    # The category feeds follow the edit.
    assert store.latest(limit=10, category_slug="politics") == []
    assert [a.id for a in store.latest(limit=10, category_slug="economy")] == [article.id]
    assert store.count_articles() == 1


def test_deleted_article_never_comes_back(store: Store) -> None:
    article = make_article(1)
    store.upsert_article(article)
    assert store.delete_article(article.id, reason="طلب الشريك الحذف") is True
    assert store.get_article(article.id) is None
    assert store.upsert_article(article) == "tombstoned"
    assert store.upsert_article(edited(article, title="نسخة جديدة")) == "tombstoned"
    assert store.get_article(article.id) is None
    assert store.count_articles() == 0
    assert store.latest(limit=10) == []
    assert store.delete_article(article.id) is False  # already gone


def test_tombstone_for_an_id_never_stored(store: Store) -> None:
    assert store.delete_article("never-seen", reason="blocked") is False
    assert store.known_item_hashes(["never-seen"]) == {"never-seen": ""}
    assert store.upsert_article(dataclasses.replace(make_article(5), id="never-seen")) == (
        "tombstoned"
    )


def test_known_item_hashes(store: Store) -> None:
    kept, gone = make_article(1, item_hash="h-1"), make_article(2, item_hash="h-2")
    store.upsert_article(kept)
    store.upsert_article(gone)
    store.delete_article(gone.id)
    # More ids than one IN list holds, so the chunking is exercised.
    ids = [f"unknown-{i}" for i in range(1200)] + [kept.id, gone.id]
    assert store.known_item_hashes(ids) == {kept.id: "h-1", gone.id: ""}
    assert store.known_item_hashes([]) == {}


def test_latest_orders_newest_first_then_by_id(store: Store) -> None:
    times = [T0, T0 + dt.timedelta(hours=2), T0 + dt.timedelta(hours=1)]
    made = [make_article(i, published=t) for i, t in enumerate(times)]
    tie = [make_article(10 + i, published=T0 + dt.timedelta(hours=1)) for i in range(3)]
    for article in made + tie:
        store.upsert_article(article)
    got = [a.id for a in store.latest(limit=50)]
    tied = sorted([made[2].id, *(a.id for a in tie)])
    assert got == [made[1].id, *tied, made[0].id]
    assert [a.id for a in store.latest(limit=2)] == got[:2]
    assert store.latest(limit=0) == []


def test_latest_filters(store: Store) -> None:
    a = make_article(1, partner_id="ahram", urgent=True, categories=(POLITICS,))
    b = make_article(2, partner_id="masrawy", urgent=False, categories=(POLITICS, SPORTS))
    c = make_article(3, partner_id="ahram", urgent=False, categories=(ECONOMY,))
    d = make_article(4, partner_id="masrawy", urgent=True, categories=(SPORTS,))
    for article in (a, b, c, d):
        store.upsert_article(article)

    def ids(**filters: object) -> list[str]:
        return [x.id for x in store.latest(limit=10, **filters)]  # type: ignore[arg-type]

    assert ids(urgent=True) == [d.id, a.id]
    assert ids(urgent=False) == [c.id, b.id]
    assert ids(category_slug="politics") == [b.id, a.id]
    assert ids(category_slug="sports") == [d.id, b.id]
    assert ids(category_slug="culture") == []
    assert ids(partner_id="ahram") == [c.id, a.id]
    assert ids(partner_id="masrawy", urgent=True) == [d.id]
    assert ids(category_slug="sports", partner_id="masrawy", urgent=False) == [b.id]
    assert store.latest(limit=10, category_slug="sports")[1] == b  # categories loaded in full
    assert store.count_articles() == 4


def test_categories_are_distinct_sorted_and_follow_edits(store: Store) -> None:
    first = make_article(1, categories=(SPORTS, POLITICS))
    second = make_article(2, categories=(POLITICS, ECONOMY))
    store.upsert_article(first)
    store.upsert_article(second)
    assert store.categories() == [ECONOMY, POLITICS, SPORTS]
    store.upsert_article(edited(first, categories=(POLITICS,)))
    assert store.categories() == [ECONOMY, POLITICS]  # nobody is in sports any more
    store.delete_article(second.id)
    assert store.categories() == [POLITICS]
    store.delete_article(first.id)
    assert store.categories() == []


# --- feed stamps ------------------------------------------------------------------------


def test_feed_stamp_changes_only_for_affected_selections(store: Store) -> None:
    store.upsert_article(make_article(1, partner_id="ahram", categories=(POLITICS,)))
    store.upsert_article(make_article(2, partner_id="masrawy", categories=(SPORTS,)))

    def stamps() -> dict[str, str]:
        return {
            "main": store.feed_stamp(),
            "urgent": store.feed_stamp(urgent=True),
            "politics": store.feed_stamp(category_slug="politics"),
            "sports": store.feed_stamp(category_slug="sports"),
            "economy": store.feed_stamp(category_slug="economy"),
            "ahram": store.feed_stamp(partner_id="ahram"),
            "masrawy": store.feed_stamp(partner_id="masrawy"),
        }

    before = stamps()
    urgent = make_article(3, partner_id="ahram", urgent=True, categories=(POLITICS,))
    # Another story: the same text would join masrawy's story and touch its feeds too
    # (tests/store/test_stories.py).
    urgent = dataclasses.replace(
        urgent,
        blocks=(Block("p", "أعلنت هيئة الأرصاد الجوية عن موجة حارة تضرب البلاد بدءا من غد الاثنين وتستمر حتى نهاية الأسبوع."),),
    )
    store.upsert_article(urgent)
    after = stamps()
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {"main", "urgent", "politics", "ahram"}

    # An edit that moves the story to another category touches the old and the new one.
    store.upsert_article(edited(urgent, categories=(ECONOMY,)))
    again = stamps()
    assert {key for key in after if after[key] != again[key]} == {
        "main",
        "urgent",
        "politics",
        "economy",
        "ahram",
    }

    # Unchanged and tombstoned writes touch nothing; a deletion touches its selections.
    store.upsert_article(make_article(2, partner_id="masrawy", categories=(SPORTS,)))
    assert stamps() == again
    store.delete_article(make_article(2, partner_id="masrawy").id)
    gone = stamps()
    assert {key for key in again if again[key] != gone[key]} == {"main", "sports", "masrawy"}
    store.upsert_article(make_article(2, partner_id="masrawy", categories=(SPORTS,)))
    assert stamps() == gone


def test_feed_stamp_never_repeats_after_delete_and_add(store: Store) -> None:
    first = make_article(1, categories=(SPORTS,))
    store.upsert_article(first)
    stamp = store.feed_stamp(category_slug="sports")
    store.delete_article(first.id)
    store.upsert_article(make_article(2, categories=(SPORTS,)))  # same count as before
    assert store.feed_stamp(category_slug="sports") != stamp


# --- atomicity --------------------------------------------------------------------------


def test_failed_write_leaves_nothing_half_written(store: Store) -> None:
    stamp = store.feed_stamp()
    # The article row goes in first; the empty category label then violates a CHECK
    # constraint, and the whole transaction must roll back.
    broken = make_article(1, categories=(POLITICS, Category(label="", slug="empty")))
    with pytest.raises(StorageError, match=rf"storing article {broken.id}.*constraint"):
        store.upsert_article(broken)
    assert store.get_article(broken.id) is None
    assert store.known_item_hashes([broken.id]) == {}
    assert store.count_articles() == 0
    assert store.categories() == []
    assert store.feed_stamp() == stamp

    good = make_article(2)
    store.upsert_article(good)
    bad_edit = edited(good, title="عنوان جديد", categories=(Category(label="", slug="x"),))
    with pytest.raises(StorageError):
        store.upsert_article(bad_edit)
    assert store.get_article(good.id) == good


def test_naive_datetime_is_refused(store: Store) -> None:
    naive = dataclasses.replace(make_article(1), published=dt.datetime(2026, 5, 10, 9, 0))
    with pytest.raises(StorageError, match="naive datetime"):
        store.upsert_article(naive)
    assert store.count_articles() == 0


# --- partners, meta, feed files ---------------------------------------------------------


def test_partner_state_round_trip(store: Store) -> None:
    assert store.get_partner_state("ahram") is None
    state = PartnerState(
        partner_id="ahram",
        feed_url="https://gate.example-news.eg/rss/الأخبار",
        etag='W/"5f3c-abc"',
        last_modified="Sun, 10 May 2026 06:00:00 GMT",
        body_hash="a" * 64,
        next_check_at=T0 + dt.timedelta(minutes=5),
        consecutive_errors=2,
        last_error="partner ahram: timed out: انتهت المهلة",
        last_attempt_at=T0,
        last_success_at=T0 - dt.timedelta(days=1),
        disabled_reason=None,
        identity="url",
        warnings=("guid مكرر في 3 عناصر", "undeclared windows-1256"),
    )
    store.save_partner_state(state)
    assert store.get_partner_state("ahram") == state
    recovered = dataclasses.replace(state, consecutive_errors=0, last_error=None, warnings=())
    store.save_partner_state(recovered)
    store.save_partner_state(PartnerState(partner_id="aawsat"))
    assert store.get_partner_state("ahram") == recovered
    assert store.partner_states() == [PartnerState(partner_id="aawsat"), recovered]


def test_partner_states_saved_in_one_batch(store: Store) -> None:
    old = PartnerState(partner_id="ahram", etag='"1"', consecutive_errors=3)
    store.save_partner_state(old)
    newer = dataclasses.replace(old, etag='"2"', consecutive_errors=0, last_success_at=T0)
    others = [PartnerState(partner_id=f"p{i:03d}", etag=f'"e{i}"') for i in range(70)]
    # The last state of a partner wins, inside a batch as across calls.
    store.save_partner_states([dataclasses.replace(old, etag='"stale"'), *others, newer])
    assert store.get_partner_state("ahram") == newer
    assert store.partner_states() == [newer, *others]
    store.save_partner_states([])
    assert len(store.partner_states()) == 71


def test_meta(store: Store) -> None:
    assert store.get_meta("last_publish") is None
    store.set_meta("last_publish", "2026-05-10T06:30:00+00:00")
    store.set_meta("last_publish", "2026-05-10T06:35:00+00:00")
    store.set_meta("note", "ملاحظة")
    assert store.get_meta("last_publish") == "2026-05-10T06:35:00+00:00"
    assert store.get_meta("note") == "ملاحظة"


def test_feed_files(store: Store) -> None:
    assert store.get_feed_file("main.rss.xml") is None
    assert store.feed_file_etags() == {}
    body = '<?xml version="1.0" encoding="utf-8"?><rss><channel><title>الرئيسية</title>'.encode()
    store.save_feed_file("main.rss.xml", body, '"v1"')
    store.save_feed_file("main.rss.xml", body + b"\x00\xff</channel></rss>", '"v2"')
    store.save_feed_file("urgent.atom.xml", b"<feed/>", '"u1"')
    assert store.get_feed_file("main.rss.xml") == (body + b"\x00\xff</channel></rss>", '"v2"')
    assert store.feed_file_etags() == {"main.rss.xml": '"v2"', "urgent.atom.xml": '"u1"'}


def test_delete_feed_files(store: Store) -> None:
    for name in ("main.rss.xml", "vip.rss.xml", "private/vip.rss.xml", "private/old.json"):
        store.save_feed_file(name, b"<rss/>", f'"{name}"')
    assert store.delete_feed_files([]) == 0
    assert store.delete_feed_files(["vip.rss.xml", "private/old.json", "never.json"]) == 2
    assert sorted(store.feed_file_etags()) == ["main.rss.xml", "private/vip.rss.xml"]
    assert store.get_feed_file("vip.rss.xml") is None


# --- opening, migrations, failures ------------------------------------------------------


def test_open_twice_is_idempotent_and_keeps_data(store_url: str) -> None:
    article = make_article(1)
    with open_store(store_url) as first:
        first.upsert_article(article)
        first.ping()
    with open_store(store_url) as again, open_store(store_url, migrate=False) as plain:
        assert again.get_article(article.id) == article
        assert plain.get_article(article.id) == article
        assert again.upsert_article(article) == "unchanged"


def test_unmigrated_database_is_refused_without_migrate(store_url: str) -> None:
    with pytest.raises(StorageError, match="schema is at revision empty"):
        open_store(store_url, migrate=False)


def test_two_stores_on_one_database_agree(store_url: str) -> None:
    article = make_article(1)
    with open_store(store_url) as one, open_store(store_url) as two:
        assert one.upsert_article(article) == "new"
        assert two.upsert_article(article) == "unchanged"
        assert two.delete_article(article.id) is True
        assert one.upsert_article(article) == "tombstoned"


def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    with open_store(sqlite_url) as store:
        store.upsert_article(make_article(1))
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sqlite_directory_is_created(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'deep' / 'er' / 'store.db'}") as store:
        assert store.count_articles() == 0
    assert (tmp_path / "deep" / "er" / "store.db").is_file()


def test_locked_sqlite_database_gives_a_clear_error(sqlite_url: str) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    open_store(sqlite_url).close()
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")  # another process in the middle of a write
        with open_store(sqlite_url, busy_timeout=0.05) as store:
            assert store.count_articles() == 0  # readers still read (WAL)
            with pytest.raises(StorageError) as caught:
                store.upsert_article(make_article(1))
            message = str(caught.value)
            assert path in message
            assert "locked by another process" in message
            assert "stop the other syndication process or wait" in message
            other.execute("ROLLBACK")
            assert store.upsert_article(make_article(1)) == "new"
    finally:
        other.close()


def test_locked_postgresql_row_gives_a_clear_error(pg_url: str) -> None:
    import sqlalchemy as sa

    open_store(pg_url).close()
    other = sa.create_engine(pg_url)
    try:
        with other.connect() as conn, conn.begin():
            # Another writer is mid-transaction and holds the change counter.
            conn.exec_driver_sql("SELECT value FROM counters FOR UPDATE")
            with open_store(pg_url, busy_timeout=0.05) as store:
                with pytest.raises(StorageError, match="locked by another process"):
                    store.upsert_article(make_article(1))
                assert store.count_articles() == 0
    finally:
        other.dispose()


def test_sqlite_path_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a directory should be")
    with pytest.raises(StorageError, match=r"not-a-dir.*cannot create the directory"):
        open_store(f"sqlite:///{blocker / 'store.db'}")


def test_not_a_sqlite_file(tmp_path: Path) -> None:
    bogus = tmp_path / "store.db"
    bogus.write_bytes(b"this is not a database, just text " * 200)
    with pytest.raises(StorageError, match="not a SQLite database"):
        open_store(f"sqlite:///{bogus}")


def test_unreachable_postgresql_names_the_server_and_hides_the_password() -> None:
    url = "postgresql+psycopg://syndication:sekret@127.0.0.1:1/news"
    with pytest.raises(StorageError) as caught:
        open_store(url, busy_timeout=1)
    message = str(caught.value)
    assert "cannot reach PostgreSQL at 127.0.0.1:1" in message
    assert "is it running?" in message
    assert "sekret" not in message
    assert "syndication:***@127.0.0.1:1/news" in message


def test_unknown_postgresql_role_says_so_against_the_real_server() -> None:
    import sqlalchemy as sa

    from tests.conftest import PG_URL

    url = sa.make_url(PG_URL).set(username="no_such_role_i12", password=None)
    with pytest.raises(StorageError) as caught:
        open_store(url.render_as_string(hide_password=False), busy_timeout=1)
    message = str(caught.value)
    assert 'PostgreSQL has no role "no_such_role_i12"' in message
    assert "create the role (createuser no_such_role_i12)" in message
    assert "is it running" not in message and "cannot reach" not in message


def test_unknown_postgresql_database_says_so_against_the_real_server() -> None:
    import sqlalchemy as sa

    from tests.conftest import PG_URL

    url = sa.make_url(PG_URL).set(database="no_such_db_i12")
    with pytest.raises(StorageError) as caught:
        open_store(url.render_as_string(hide_password=False), busy_timeout=1)
    message = str(caught.value)
    assert 'the PostgreSQL database "no_such_db_i12" does not exist' in message
    assert "createdb no_such_db_i12" in message
    assert "is it running" not in message


# What psycopg reports for failures the test server (trust authentication, every client
# allowed) cannot produce; the texts are the server's own.
@pytest.mark.parametrize(
    ("server_says", "problem", "hint"),
    [
        (
            'connection to server at "db.internal" (10.0.0.5), port 5432 failed: FATAL:  '
            'password authentication failed for user "syndication"',
            'PostgreSQL refused the password of user "syndication"',
            "check the password in [storage] url",
        ),
        (
            'connection to server at "db.internal" (10.0.0.5), port 5432 failed: '
            "fe_sendauth: no password supplied",
            "PostgreSQL asks for a password and none was given",
            "put it in [storage] url",
        ),
        (
            'connection to server at "db.internal" (10.0.0.5), port 5432 failed: FATAL:  '
            'no pg_hba.conf entry for host "10.0.0.9", user "syndication", database "news", '
            "no encryption",
            "PostgreSQL does not accept this client (no pg_hba.conf entry)",
            "add a pg_hba.conf line for this host, user and database",
        ),
        (
            'connection to server at "db.internal" (10.0.0.5), port 5432 failed: FATAL:  '
            'permission denied for database "news"\nDETAIL:  User does not have CONNECT '
            "privilege.",
            "the PostgreSQL user may not connect to this database",
            "GRANT CONNECT ON DATABASE",
        ),
        (
            'failed to resolve host "db.internall": [Errno -2] Name or service not known',
            "cannot resolve the PostgreSQL host name",
            "check the host in [storage] url",
        ),
        (
            'connection to server at "10.0.0.5", port 5432 failed: timeout expired',
            "no answer from PostgreSQL at db.internal:5432",
            "is it running, and may this machine reach it",
        ),
    ],
    ids=["password", "no-password", "pg_hba", "connect-privilege", "dns", "timeout"],
)
def test_postgresql_connection_errors_are_explained(
    server_says: str, problem: str, hint: str
) -> None:
    import psycopg
    import sqlalchemy as sa

    from syndication.store.db import explain

    error = sa.exc.OperationalError(None, None, psycopg.OperationalError(server_says))
    said, todo = explain(error, "postgresql+psycopg://syndication:***@db.internal/news")
    assert said.startswith(problem), said
    assert todo is not None and hint in todo, todo
    assert "is it running?" not in todo or "timeout" in server_says


def test_unsupported_url_is_refused() -> None:
    with pytest.raises(StorageError, match="unsupported database 'mysql'"):
        open_store("mysql://root@localhost/news")
    with pytest.raises(StorageError, match="not a database URL"):
        open_store("feeds.db")
