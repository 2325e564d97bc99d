"""No orphans: whatever kills a run, the processes it started end within seconds.

With the forkserver start method a scraping worker's parent is the fork server, not the
process that owns the pool, and the worker holds the fork server's and the resource
tracker's pipes open, so none of them would notice that owner dying by themselves. Real
processes and real signals throughout; the process tree is read from /proc before the kill
(tests/support/proctree.py), and the bound is the harness's own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ROOT
from tests.support.childrun import AT_ONCE, PID, Run, serve, write_config
from tests.support.httpsite import Site, wait_for
from tests.support.partnersim import make_articles
from tests.support.proctree import Proc, command, descendants, running

ORPHANS_GONE = 10.0  # from the kill until no process of the run is left


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    started: list[Run] = []
    yield started
    for run in started:
        run.close()


def wait_gone(procs: list[Proc]) -> list[str]:
    """The processes of `procs` still running after ORPHANS_GONE seconds."""
    wait_for(lambda: not any(running(p) for p in procs), ORPHANS_GONE)
    return [f"{p[0]}: {command(p)}" for p in procs if running(p)]


@pytest.mark.parametrize("mode", ["once", "daemon"])
def test_no_process_outlives_a_killed_run(
    site: Site, tmp_path: Path, runs: list[Run], mode: str
) -> None:
    """SIGKILL of `run --once` (a cron run) or of the daemon once the first page was
    scraped (so the fork server, the resource tracker and a scraping worker exist), while
    the second page is in flight."""
    gate, url = serve(site, make_articles(PID, 2), gate="page")
    once = ("--once",) if mode == "once" else ()
    runs.append(run := Run(tmp_path, write_config(tmp_path, url), *once))
    assert gate is not None and gate.arrived.wait(60), run.log()
    tree = descendants(run.proc.pid)
    assert any("forkserver" in command(p) for p in tree), [command(p) for p in tree]
    run.signal(signal.SIGKILL)
    assert run.wait(AT_ONCE) == -signal.SIGKILL
    assert wait_gone(tree) == []


def test_scraping_workers_exit_when_their_pool_owner_is_killed_mid_page(
    tmp_path: Path,
) -> None:
    """A worker busy with a page (one that never ends) when the process that owns the pool
    is killed: nothing else would ever end it, nor the fork server and resource tracker
    whose pipes it holds open."""
    script = textwrap.dedent(
        """
        from syndication.model import ScrapeRules
        from syndication.scrapepool import PageJob, ScrapePool
        from tests.test_orphans import announce_and_hang

        if __name__ == "__main__":
            pool = ScrapePool(1, target=announce_and_hang)
            pool.scrape(PageJob(b"<html></html>", "https://example.org/a", ScrapeRules()))
        """
    )
    (tmp_path / "owner.py").write_text(script, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(tmp_path / "owner.py")], stdout=subprocess.PIPE, env=env, cwd=ROOT
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the worker says it took the page
        assert line.startswith(b"scraping"), line
        tree = descendants(proc.pid)
        worker = int(line.split()[1])
        assert worker in {pid for pid, _ in tree}
        proc.kill()
        proc.wait(timeout=AT_ONCE)
        assert wait_gone(tree) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def announce_and_hang(job: object) -> object:
    """Runs in a scraping worker: say so on stdout (the owner's), then never return."""
    os.write(1, f"scraping {os.getpid()}\n".encode())
    threading.Event().wait()
    raise AssertionError("unreachable")
