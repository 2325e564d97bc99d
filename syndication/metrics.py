"""Process metrics in the Prometheus text format (0.0.4), with no third-party library.

This module owns the metric names and their meaning; ingest, publish and serve only
increment them, and `GET /metrics` renders them:

    from syndication import metrics
    metrics.inc("syndication_polls_total", partner="x", result="ok")
    metrics.set("syndication_last_publish_timestamp_seconds", time.time())
    metrics.observe("syndication_publish_duration_seconds", 0.42)
    with metrics.timer("syndication_publish_duration_seconds"): ...
    text = metrics.render()

Three kinds, fixed by the first call on a name (or by `CATALOG`): `inc` makes a counter,
`set` a gauge, `observe` a summary exported as `<name>_sum` and `<name>_count`. Using a
name as another kind is a programming error (ValueError). A `Registry` is thread-safe (one
lock) so the scheduler's worker threads and the server's threads can share the module-level
default registry. Label values are escaped, so a hostile partner id cannot forge lines.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["counter", "gauge", "summary"]
LabelKey = tuple[tuple[str, str], ...]

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")

# The metrics the pipeline reports; declared here so the names and help texts live in
# one place. Other names still work: their kind comes from the first call.
CATALOG: dict[str, tuple[Kind, str]] = {
    "syndication_polls_total": (
        "counter",
        "Partner feed polls by partner and result (ok, not_modified, unchanged, failed).",
    ),
    "syndication_item_failures_total": (
        "counter",
        "Feed items that could not be turned into an article, by partner.",
    ),
    "syndication_articles_total": (
        "counter",
        "Articles stored, by partner and result (new, updated).",
    ),
    "syndication_partner_last_success_timestamp_seconds": (
        "gauge",
        "Unix time of the last successful poll, by partner.",
    ),
    "syndication_publish_duration_seconds": ("summary", "Time spent in one publish run."),
    "syndication_last_publish_timestamp_seconds": (
        "gauge",
        "Unix time of the last successful publish.",
    ),
    "syndication_http_requests_total": (
        "counter",
        "Requests answered by `syndication serve`, by status code.",
    ),
}


@dataclass(slots=True)
class _Metric:
    kind: Kind
    help: str
    values: dict[LabelKey, float] = field(default_factory=dict)
    counts: dict[LabelKey, int] = field(default_factory=dict)  # summaries only


_valid_labels: dict[str, None] = {}  # names already checked: the hot path skips the regex


def _label_key(labels: dict[str, object]) -> LabelKey:
    for name in labels:
        if name not in _valid_labels:
            if not _LABEL.match(name) or name.startswith("__"):
                raise ValueError(f"invalid Prometheus label name {name!r}")
            _valid_labels[name] = None
    if len(labels) == 1:
        ((k, v),) = labels.items()
        return ((k, str(v)),)
    return tuple(sorted((k, str(v)) for k, v in labels.items()))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _format_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _series(name: str, key: LabelKey) -> str:
    if not key:
        return name
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in key)
    return f"{name}{{{inner}}}"


class Registry:
    """A set of named metrics; every method is safe to call from any thread."""

    def __init__(self, catalog: dict[str, tuple[Kind, str]] | None = None) -> None:
        self._lock = threading.Lock()
        self._metrics: dict[str, _Metric] = {}
        self._catalog = dict(CATALOG if catalog is None else catalog)

    def _get(self, name: str, kind: Kind) -> _Metric:
        metric = self._metrics.get(name)
        if metric is None:
            if not _NAME.match(name):
                raise ValueError(f"invalid Prometheus metric name {name!r}")
            declared = self._catalog.get(name)
            if declared is not None and declared[0] != kind:
                raise ValueError(f"metric {name} is a {declared[0]}, not a {kind}")
            metric = _Metric(kind, declared[1] if declared else "")
            self._metrics[name] = metric
        elif metric.kind != kind:
            raise ValueError(f"metric {name} is a {metric.kind}, not a {kind}")
        return metric

    def inc(self, name: str, value: float = 1.0, **labels: object) -> None:
        """Add `value` (≥ 0) to a counter."""
        if value < 0:
            raise ValueError(f"counter {name} can only go up (got {value})")
        key = _label_key(labels)
        with self._lock:
            metric = self._get(name, "counter")
            metric.values[key] = metric.values.get(key, 0.0) + value

    def set(self, name: str, value: float, **labels: object) -> None:
        """Set a gauge."""
        key = _label_key(labels)
        with self._lock:
            self._get(name, "gauge").values[key] = float(value)

    def observe(self, name: str, value: float, **labels: object) -> None:
        """Record one observation of a summary (exported as _sum and _count)."""
        key = _label_key(labels)
        with self._lock:
            metric = self._get(name, "summary")
            metric.values[key] = metric.values.get(key, 0.0) + value
            metric.counts[key] = metric.counts.get(key, 0) + 1

    @contextmanager
    def timer(self, name: str, **labels: object) -> Iterator[None]:
        """Observe the duration of the `with` block in seconds, even when it raises."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.observe(name, time.perf_counter() - start, **labels)

    def value(self, name: str, **labels: object) -> float | None:
        """The current value (a summary's sum) of one series, None if never touched."""
        key = _label_key(labels)
        with self._lock:
            metric = self._metrics.get(name)
            return None if metric is None else metric.values.get(key)

    def render(self) -> str:
        """All metrics in the Prometheus text exposition format 0.0.4."""
        lines: list[str] = []
        with self._lock:
            for name in sorted(self._metrics):
                metric = self._metrics[name]
                if metric.help:
                    help_text = metric.help.replace("\\", "\\\\").replace("\n", "\\n")
                    lines.append(f"# HELP {name} {help_text}")
                lines.append(f"# TYPE {name} {metric.kind}")
                for key in sorted(metric.values):
                    value = metric.values[key]
                    if metric.kind == "summary":
                        lines.append(f"{_series(name + '_sum', key)} {_format_value(value)}")
                        lines.append(f"{_series(name + '_count', key)} {metric.counts[key]}")
                    else:
                        lines.append(f"{_series(name, key)} {_format_value(value)}")
        return "\n".join(lines) + "\n" if lines else ""

    def clear(self) -> None:
        """Forget every series (tests, or a process that re-execs)."""
        with self._lock:
            self._metrics.clear()


REGISTRY = Registry()


def inc(name: str, value: float = 1.0, **labels: object) -> None:
    REGISTRY.inc(name, value, **labels)


def set(name: str, value: float, **labels: object) -> None:  # shadows the builtin on purpose
    REGISTRY.set(name, value, **labels)


def observe(name: str, value: float, **labels: object) -> None:
    REGISTRY.observe(name, value, **labels)


def timer(name: str, **labels: object) -> AbstractContextManager[None]:
    return REGISTRY.timer(name, **labels)


def render() -> str:
    return REGISTRY.render()


__all__ = ["CATALOG", "REGISTRY", "Registry", "inc", "observe", "render", "set", "timer"]
