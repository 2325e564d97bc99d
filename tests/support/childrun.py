"""`syndication run` in a child process against one partner on the test site, whose feed
or second article's page can be held back (tests/support/httpsite.py `Gate`): the stop and orphan
tests use it to know which stage the child is in when they signal it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import IO

import pytest

from tests.support import ROOT
from tests.support.httpsite import Gate, Route, Site
from tests.support.partnersim import SimArticle, SimPartner, page, rss

DEADLINE = 5.0  # [fetch] deadline of these configs
STOP_BOUND = DEADLINE + 5.0  # from SIGTERM to exit, as the daemon promises
AT_ONCE = 5.0  # from a second signal to exit: "at once", with room for a loaded machine
PID = "slow"


def write_config(tmp_path: Path, feed_url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            [storage]
            url = "sqlite:///var/store.db"
            [fetch]
            allow_private_networks = true
            min_host_interval = 0.0
            max_per_host = 1          # pages one after another: the gate decides the stage
            connect_timeout = 2.0
            read_timeout = {DEADLINE}
            deadline = {DEADLINE}
            [scheduler]
            publish_debounce = 0.5
            workers = 2
            scrape_processes = 1
            [[partners]]
            id = "{PID}"
            name = "شريك بطيء"
            feed_url = "{feed_url}"
            interval = 10
            jitter = 0
            [[feeds]]
            key = "main"
            title = "الرئيسية"
            kind = "main"
            """
        ),
        encoding="utf-8",
    )
    return path


class Run:
    """`syndication run [--once]` in a child process, its output in a file; close() kills
    it if it still runs (tests collect them in a fixture that does so)."""

    def __init__(self, tmp_path: Path, config: Path, *args: str) -> None:
        self.log_path = tmp_path / "run.log"
        self._log: IO[bytes] = self.log_path.open("ab")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SYNDICATION_")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "syndication", "run", "--config", str(config), *args],
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {timeout:g} s after the signal:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def serve(site: Site, articles: list[SimArticle], *, gate: str | None) -> tuple[Gate | None, str]:
    """The partner's feed and pages; `gate`: "feed" or "page" (the second article's page)
    is held back. Returns the gate and the feed URL."""
    partner = SimPartner(PID, articles)
    base = site.url("")
    held: Gate | None = None
    for n, article in enumerate(articles):
        route = Route(page(base, partner, article), content_type="text/html; charset=utf-8")
        if gate == "page" and n == 1:
            held = site.gate(partner.page_path(article), route)
        else:
            site.add(partner.page_path(article), route)
    feed = Route(rss(base, partner))
    if gate == "feed":
        held = site.gate(partner.feed_path(), feed)
    else:
        site.add(partner.feed_path(), feed)
    return held, site.url(partner.feed_path())
