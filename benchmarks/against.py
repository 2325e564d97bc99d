"""One section of the suite, this checkout against an earlier revision, in the same run.

    python -m benchmarks.against 64a8f83                 # (c) new articles, 3 pairs
    python -m benchmarks.against 64a8f83 --pairs 5 --only scrape \\
        --row "scrape() (ours: tree + extraction)" --base "BeautifulSoup(page, 'lxml')"

A target such as "twice the figure of the day it was set" needs that day's code measured
beside ours, on the same machine, at the same hour: absolute rates here drift by up to 2×
from one day to the next. This checks the revision out into a temporary git worktree,
then runs `python -m benchmarks.run --only SECTION` in each tree in turn (theirs, ours,
theirs, ours, …) with the same interpreter and packages, reads one row of each output,
and prints every pair and the median of the per-pair multiples; with a baseline row, also
each side's figure over its own baseline, which takes out most of a change in the
machine's speed between the two runs. Each tree runs its own benchmark code, so the row
must exist under the same label in both.

From the checkout root, in a git clone (the worktree is removed afterwards).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_VALUE = re.compile(r"^\s+(?P<label>.+?)\s{2,}(?P<value>[\d,]+\.\d+) (?P<unit>\S+)")


@dataclass(frozen=True, slots=True)
class Reading:
    value: float  # the row's figure
    unit: str
    base: float | None  # the baseline row's figure in the same output, if one was asked for


def read_row(output: str, label: str) -> tuple[float, str] | None:
    """The figure and unit of the row whose label starts with *label*."""
    for line in output.splitlines():
        m = _VALUE.match(line)
        if m and m["label"].startswith(label):
            return float(m["value"].replace(",", "")), m["unit"]
    return None


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    """git in this checkout, its output captured (the caller reads the return code)."""
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def run_section(tree: Path, section: str, row: str, base: str | None) -> Reading:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--only", section],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = read_row(done.stdout, row)
    if done.returncode != 0 or found is None:
        sys.exit(
            f"benchmarks.against: {tree.name}: no row {row!r} in the output of "
            f"`benchmarks.run --only {section}` (exit {done.returncode}); its last lines:\n"
            + "\n".join((done.stdout + done.stderr).splitlines()[-15:])
        )
    baseline = read_row(done.stdout, base) if base else None
    return Reading(found[0], found[1], baseline[0] if baseline else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.against", description=__doc__.splitlines()[0]
    )
    parser.add_argument("revision", help="the earlier commit (any git revision)")
    parser.add_argument("--only", default="articles", help="the section (default: articles)")
    parser.add_argument(
        "--row",
        default="(c) pages scraped in 2 worker processes (ours)",
        help="the label of the row to compare (its start)",
    )
    parser.add_argument(
        "--base",
        default="BeautifulSoup alone in 2 processes (ceiling)",
        help="a baseline row printed beside it ('' for none)",
    )
    parser.add_argument("--pairs", type=int, default=3, help="runs of each tree (default 3)")
    args = parser.parse_args(argv)
    sha = _git("rev-parse", "--short", f"{args.revision}^{{commit}}")
    if sha.returncode != 0:
        parser.error(f"{args.revision!r} is no commit of this clone: {sha.stderr.strip()}")
    rev = sha.stdout.strip()
    head = _git("rev-parse", "--short", "HEAD").stdout.strip()
    dirty = _git("status", "--porcelain", "--untracked-files=no").stdout.strip()
    ours_name = f"{head}{' + uncommitted changes' if dirty else ''}"
    print(f"`benchmarks.run --only {args.only}`: {rev} against {ours_name}, {args.pairs} pairs")
    print(f"row: {args.row}" + (f"; baseline: {args.base}" if args.base else ""))
    multiples: list[float] = []
    # Each side over its own baseline: what is left of a pair when the machine's speed
    # moved between the two runs (the baseline moves with it; our code does not).
    normalized: list[float] = []
    with tempfile.TemporaryDirectory(prefix="against-") as tmp:
        theirs = Path(tmp) / rev
        added = _git("worktree", "add", "--detach", "--quiet", str(theirs), rev)
        if added.returncode != 0:
            sys.exit(f"benchmarks.against: git worktree add failed: {added.stderr.strip()}")
        try:
            for n in range(1, args.pairs + 1):
                old = run_section(theirs, args.only, args.row, args.base or None)
                new = run_section(ROOT, args.only, args.row, args.base or None)
                multiples.append(new.value / old.value)
                line = f"  pair {n}: {rev} {old.value:,.1f}  {head} {new.value:,.1f} {new.unit}"
                line += f"   {new.value / old.value:.2f}×"
                if old.base and new.base:
                    share = (new.value / new.base) / (old.value / old.base)
                    normalized.append(share)
                    line += f"   (baselines {old.base:,.1f}, {new.base:,.1f}: {share:.2f}× of it)"
                print(line, flush=True)
        finally:
            _git("worktree", "remove", "--force", str(theirs))
    print(f"median of the per-pair multiples: {statistics.median(multiples):.2f}×")
    if normalized:
        print(
            "median of the per-pair multiples of each side's share of its baseline: "
            f"{statistics.median(normalized):.2f}×"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
