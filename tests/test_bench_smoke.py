"""The performance suite's tiniest mode runs end to end, so benchmarks/ cannot rot.

No figure is asserted (timings are not test material); what is checked is that every
section ran on real inputs and printed its targets.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_suite_runs_in_its_tiny_mode() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--tiny"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
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
        "== targets ==",
    ):
        assert section in out, section
    # The cycles really polled: unchanged feeds were recognised and answered without writes.
    assert "(a) database writes during unchanged cycles" in out
    assert "targets met" in out
