"""The performance suite's tiniest mode runs end to end, so benchmarks/ cannot rot.

No figure is asserted (timings are not test material); what is checked is that every
section ran on real inputs and printed its targets.
"""

from __future__ import annotations

import subprocess
import sys

from tests.support import ROOT


def test_the_suite_runs_in_its_tiny_mode() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--tiny"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,  # the benchmarks run from the checkout root
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for section in (
        "== parse",
        "== scrape",
        "== render",
        "== serve",
        "== poll cycles",
        "== publish",
        "== new articles",
        "== freshness",
        "== memory",
        "== ingestion peer",
        "== targets ==",
    ):
        assert section in out, section
    # The cycles really polled: unchanged feeds were recognised and answered without writes.
    assert "(a) database writes during unchanged cycles" in out
    assert "targets met" in out
