"""Partner health flags from stored notes and states, at an injected `now` (no sleeping),
and the `[health]` / `status_token` configuration."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from syndication.config import HealthSettings, load
from syndication.errors import ConfigError, FetchError
from syndication.health import assess, error_class
from syndication.model import HealthNote, PartnerState
from syndication.store import Store, open_store
from tests.support.factories import build_config

NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)


def ago(hours: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours)


def answering(pid: str, hours: float = 0.1) -> PartnerState:
    return PartnerState(pid, last_attempt_at=ago(hours), last_success_at=ago(hours))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'store.db'}")


def statuses(
    tmp_path: Path, store: Store, **overrides: object
) -> dict[str, tuple[str, tuple[str, ...]]]:
    ids = ["daily", "weekly", "fresh", "shaky", "gone", "off"]
    config = build_config(tmp_path, [(pid, f"https://{pid}.example/rss") for pid in ids])
    partners = []
    for p in config.partners:
        if p.id == "weekly":
            p = dataclasses.replace(p, idle_alert=8 * 86400)
        if p.id == "off":
            p = dataclasses.replace(p, enabled=False)
        partners.append(p)
    config = dataclasses.replace(config, partners=tuple(partners), **overrides)  # type: ignore[arg-type]
    return {r.partner_id: (r.status, r.flags) for r in assess(config, store, NOW)}


def test_quiet_is_measured_from_the_last_new_item_or_from_the_first_poll(
    tmp_path: Path, store: Store
) -> None:
    store.save_partner_states(
        [answering("daily"), answering("weekly"), answering("fresh"), answering("off")],
        health=[
            HealthNote("daily", ago(30), "seen"),
            HealthNote("daily", ago(6.5), "new", count=4),
            HealthNote("weekly", ago(30), "new", count=1),  # its own idle_alert: 8 days
            HealthNote("fresh", ago(5), "seen"),  # nothing yet, watched for 5 h only
            HealthNote("off", ago(30), "seen"),
        ],
    )
    found = statuses(tmp_path, store)
    assert found["daily"] == ("quiet", ("quiet",))
    assert found["weekly"] == ("ok", ())
    assert found["fresh"] == ("ok", ())
    assert found["off"] == ("disabled", ())  # switched off on purpose: not an alert
    assert found["shaky"] == ("waiting", ())  # never polled
    # A longer [health] idle_alert for everyone: daily is fine again.
    longer = statuses(tmp_path, store, health=HealthSettings(idle_alert=7 * 3600))
    assert longer["daily"] == ("ok", ())


def test_failing_after_failure_alert_polls_and_when_gone(tmp_path: Path, store: Store) -> None:
    shaky = PartnerState(
        "shaky",
        consecutive_errors=2,
        last_error="HTTP 502",
        last_attempt_at=ago(0.1),
        last_success_at=ago(1),
    )
    gone = PartnerState(
        "gone",
        consecutive_errors=1,
        last_attempt_at=ago(1),
        last_success_at=ago(2),
        disabled_reason="feed gone (HTTP 410)",
    )
    daily = answering("daily")
    store.save_partner_states(
        [shaky, gone, dataclasses.replace(daily, consecutive_errors=5, last_error="timeout")],
        health=[HealthNote(pid, ago(30), "seen") for pid in ("shaky", "gone", "daily")],
    )
    found = statuses(tmp_path, store)
    assert found["shaky"] == ("erroring", ())  # failing, but not long enough to flag
    assert found["gone"] == ("failing", ("failing",))
    assert found["daily"] == ("failing", ("failing",))  # and not "quiet": it does not answer
    stricter = statuses(tmp_path, store, health=HealthSettings(failure_alert=2))
    assert stricter["shaky"] == ("failing", ("failing",))


def test_poor_pages_needs_enough_articles_and_a_high_share(tmp_path: Path, store: Store) -> None:
    def articles(pid: str, lengths: list[int]) -> list[HealthNote]:
        return [
            HealthNote(pid, ago(1) + dt.timedelta(minutes=i), "article", body_chars=n, seconds=0.2)
            for i, n in enumerate(lengths)
        ]

    store.save_partner_states(
        [answering("daily"), answering("fresh"), answering("weekly")],
        health=[
            HealthNote("daily", ago(1), "new", count=6),
            HealthNote("fresh", ago(1), "new", count=4),
            HealthNote("weekly", ago(1), "new", count=6),
            *articles("daily", [0, 120, 0, 2000, 299, 1500]),  # 4 of 6 short or empty
            *articles("fresh", [0, 0, 0, 0]),  # only four: too few to judge
            *articles("weekly", [0, 2000, 2500, 1800, 900, 3000]),  # one empty in six
        ],
    )
    config = build_config(
        tmp_path, [(p, f"https://{p}.example/") for p in ("daily", "fresh", "weekly")]
    )
    rows = {r.partner_id: r for r in assess(config, store, NOW)}
    assert rows["daily"].flags == ("poor_pages",)
    assert rows["daily"].short_share == pytest.approx(2 / 6)
    assert rows["daily"].empty_share == pytest.approx(2 / 6)
    assert rows["daily"].median_page_seconds == pytest.approx(0.2)
    assert rows["fresh"].flags == ()
    assert rows["weekly"].flags == ()


def test_items_per_hour_over_the_week(tmp_path: Path, store: Store) -> None:
    store.save_partner_states(
        [answering("daily")],
        health=[
            HealthNote("daily", ago(0), "new", count=2),  # this hour: the last bar
            HealthNote("daily", ago(23), "new", count=3),  # the 24th bar back
            HealthNote("daily", ago(24.5), "new", count=5),  # outside 24 h, inside 7 d
            HealthNote("daily", ago(167), "new", count=7),  # the first bar
            HealthNote("daily", ago(169), "new", count=11),  # older than the week
        ],
    )
    config = build_config(tmp_path, [("daily", "https://daily.example/")])
    (row,) = assess(config, store, NOW)
    assert (row.items_24h, row.items_7d) == (5, 17)
    assert len(row.hourly) == 168 and row.hourly[-1] == 2 and row.hourly[0] == 7


def test_error_class_names_the_kind_of_failure() -> None:
    assert error_class(FetchError("x", status=503)) == "FetchError (HTTP 503)"
    assert error_class(FetchError("timed out")) == "FetchError"
    assert error_class(KeyError("k")) == "bug: KeyError"


CONFIG = """
[[partners]]
id = "a"
name = "أ"
feed_url = "https://a.example/rss"
{partner}
{tables}
"""


@pytest.mark.parametrize(
    ("partner", "tables", "message"),
    [
        ("", "[health]\nidle_alert = 10", "config.toml: health.idle_alert: 10 is out of range"),
        ("", "[health]\nidle = 3600", "config.toml: health.idle: unknown key"),
        ("", '[health]\npoor_share = "half"', "health.poor_share: expected a number"),
        ("idle_alert = 0", "", "partners[0].idle_alert: 0 is out of range"),
        ("failure_alert = 0", "", "partners[0].failure_alert: 0 is out of range"),
        ("", '[serve]\nstatus_token = "short"', "serve.status_token: token too short"),
        (
            "",
            '[serve]\nstatus_token = "env:NO_SUCH_VAR_FOR_STATUS"',
            "serve.status_token: environment variable NO_SUCH_VAR_FOR_STATUS is not set",
        ),
    ],
)
def test_bad_health_settings_are_refused(
    tmp_path: Path, partner: str, tables: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(partner=partner, tables=tables), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert message in str(caught.value)


def test_health_settings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    text = CONFIG.format(
        partner="idle_alert = 86400\nfailure_alert = 3",
        tables='[health]\nidle_alert = 7200\nshort_body = 200\n\n[serve]\nstatus_token = "0123456789abcdef0"',
    )
    path.write_text(text, encoding="utf-8")
    config = load(path)
    assert config.health == HealthSettings(idle_alert=7200, short_body=200)
    assert (config.partners[0].idle_alert, config.partners[0].failure_alert) == (86400, 3)
    assert config.serve.status_token == "0123456789abcdef0"
