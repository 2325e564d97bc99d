"""log: plain lines for people, JSON lines for log shippers, both naming the partner."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterator

import pytest

from syndication import log

NOISY = ("urllib3", "apscheduler", "waitress", "alembic")


@pytest.fixture
def logs(restore_logging: None) -> Iterator[None]:
    """setup() rewires the root logger and the noisy libraries; put them back afterwards."""
    levels = {name: logging.getLogger(name).level for name in NOISY}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().err.splitlines()


def test_json_lines_carry_the_context_fields_that_are_set(
    logs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    log.setup("json")
    logging.getLogger("syndication.ingest").info(
        "polled %d items", 3, extra={"partner": "ahram", "new": 2, "status": "ok"}
    )
    (line,) = lines(capsys)
    record = json.loads(line)
    assert record.pop("time").endswith("+00:00")
    assert record == {
        "level": "info",
        "logger": "syndication.ingest",
        "message": "polled 3 items",
        "partner": "ahram",
        "status": "ok",
        "new": 2,
    }


def test_json_keeps_arabic_readable_and_adds_the_traceback(
    logs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    log.setup("json")
    try:
        raise ValueError("تاريخ غير صالح")
    except ValueError:
        logging.getLogger("syndication").exception("خبر مرفوض", extra={"article": "a1"})
    (line,) = lines(capsys)  # the traceback stays inside the one JSON line
    assert "خبر مرفوض" in line  # not \\u escapes
    record = json.loads(line)
    assert record["article"] == "a1" and record["level"] == "error"
    assert "ValueError: تاريخ غير صالح" in record["traceback"]
    assert dt.datetime.fromisoformat(record["time"]).tzinfo is not None


def test_text_lines_name_the_partner_once(logs: None, capsys: pytest.CaptureFixture[str]) -> None:
    log.setup("text")
    logger = logging.getLogger("syndication.ingest")
    logger.info("feed unchanged", extra={"partner": "ahram"})
    logger.info("partner ahram disabled", extra={"partner": "ahram"})
    logger.info("publish done")
    first, second, third = lines(capsys)
    assert first.startswith("[ahram] ") and first.endswith(
        "INFO syndication.ingest: feed unchanged"
    )
    assert not second.startswith("[") and second.endswith("partner ahram disabled")
    assert not third.startswith("[") and third.endswith("publish done")


def test_setup_replaces_the_handlers_and_sets_the_level(logs: None) -> None:
    log.setup("text", logging.DEBUG)
    log.setup("json", logging.DEBUG)
    root = logging.getLogger()
    (handler,) = root.handlers
    assert isinstance(handler, logging.StreamHandler) and handler.stream is sys.stderr
    assert root.level == logging.DEBUG


@pytest.mark.parametrize(
    ("level", "noisy"),
    [
        (logging.DEBUG, logging.WARNING),
        (logging.INFO, logging.WARNING),
        (logging.ERROR, logging.ERROR),
    ],
)
def test_library_chatter_is_held_at_warning_or_above(logs: None, level: int, noisy: int) -> None:
    log.setup("text", level)
    assert {logging.getLogger(name).level for name in NOISY} == {noisy}
