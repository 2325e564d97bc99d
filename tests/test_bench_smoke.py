"""The performance suite's tiniest mode runs end to end, so benchmarks/ cannot rot.

No figure is asserted (timings are not test material); what is checked is that every
section ran on real inputs and printed its targets.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

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


def test_against_reads_back_the_rows_the_suite_prints(capsys: pytest.CaptureFixture[str]) -> None:
    """benchmarks.against compares two revisions through the suite's printed rows: the
    row format and its reader must agree (labels with spaces, parentheses, thousands)."""
    from benchmarks.against import read_row
    from benchmarks.run import row

    row("BeautifulSoup alone in 2 processes (ceiling)", 91.34, "pages/s")
    row("(c) pages scraped in 2 worker processes (ours)", 1234.56, "articles/s", "ceiling", 91.3)
    out = capsys.readouterr().out
    assert read_row(out, "(c) pages scraped in 2 worker processes (ours)") == (
        1234.6,
        "articles/s",
    )
    assert read_row(out, "BeautifulSoup alone") == (91.3, "pages/s")
    assert read_row(out, "(c) pages scraped in the polling threads") is None
