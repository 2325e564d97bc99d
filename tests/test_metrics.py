"""The Prometheus text registry: kinds, labels, escaping, threads."""

from __future__ import annotations

import threading

import pytest

from syndication import metrics
from syndication.metrics import Registry


def test_counter_gauge_summary_render() -> None:
    r = Registry()
    r.inc("syndication_polls_total", partner="a", result="ok")
    r.inc("syndication_polls_total", 2, result="ok", partner="a")  # label order is irrelevant
    r.inc("syndication_polls_total", partner="b", result="failed")
    r.set("syndication_last_publish_timestamp_seconds", 1_700_000_000.5)
    r.observe("syndication_publish_duration_seconds", 0.25)
    r.observe("syndication_publish_duration_seconds", 0.5)
    text = r.render()
    assert text.endswith("\n")
    lines = text.splitlines()
    assert "# TYPE syndication_polls_total counter" in lines
    assert 'syndication_polls_total{partner="a",result="ok"} 3' in lines
    assert 'syndication_polls_total{partner="b",result="failed"} 1' in lines
    assert "# TYPE syndication_last_publish_timestamp_seconds gauge" in lines
    assert "syndication_last_publish_timestamp_seconds 1700000000.5" in lines
    assert "# TYPE syndication_publish_duration_seconds summary" in lines
    assert "syndication_publish_duration_seconds_sum 0.75" in lines
    assert "syndication_publish_duration_seconds_count 2" in lines
    assert any(line.startswith("# HELP syndication_polls_total ") for line in lines)


def test_label_values_are_escaped() -> None:
    r = Registry()
    r.inc("x_total", partner='a"b\\c\nd')
    assert 'x_total{partner="a\\"b\\\\c\\nd"} 1' in r.render()


@pytest.mark.parametrize(
    "call",
    [
        lambda r: r.inc("bad name"),
        lambda r: r.inc("ok_total", **{"bad-label": "x"}),
        lambda r: r.inc("ok_total", __reserved="x"),
        lambda r: r.inc("ok_total", -1),
        lambda r: r.set("syndication_polls_total", 1),  # declared a counter
    ],
)
def test_misuse_raises(call: object) -> None:
    with pytest.raises(ValueError):
        call(Registry())  # type: ignore[operator]


def test_kind_is_fixed_by_first_use() -> None:
    r = Registry()
    r.set("queue_depth", 3)
    with pytest.raises(ValueError, match="gauge"):
        r.inc("queue_depth")


def test_timer_observes_even_on_error() -> None:
    r = Registry()
    with pytest.raises(RuntimeError), r.timer("syndication_publish_duration_seconds"):
        raise RuntimeError("boom")
    assert "syndication_publish_duration_seconds_count 1" in r.render()


def test_concurrent_increments_are_not_lost() -> None:
    r = Registry()

    def work() -> None:
        for _ in range(2000):
            r.inc("syndication_articles_total", partner="p", result="new")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert r.value("syndication_articles_total", partner="p", result="new") == 16000


def test_module_level_default_registry() -> None:
    metrics.inc("syndication_item_failures_total", partner="zz-test")
    metrics.set("syndication_partner_last_success_timestamp_seconds", 5, partner="zz-test")
    text = metrics.render()
    assert 'syndication_item_failures_total{partner="zz-test"}' in text
    assert 'syndication_partner_last_success_timestamp_seconds{partner="zz-test"} 5' in text


def test_empty_registry_renders_nothing() -> None:
    assert Registry().render() == ""
