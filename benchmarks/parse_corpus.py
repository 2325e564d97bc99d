"""Run the parse stage over every file of feedparser's own test corpus.

    python -m benchmarks.parse_corpus [CORPUS_DIR] [--rounds N]

Prints: files, parsed, rejected (by error type), unhandled, seconds. The corpus is a copy of
kurtmckee/feedparser's tests/ data tree in tests/data/feedparser-tests (see its PROVENANCE.md).
Each file's ``Header:`` comment line, when present, is used as the HTTP Content-Type, the
way feedparser's own test runner simulates HTTP. Also counts how often the lxml fast path
(`scan_item_keys`) answered and whether it agreed with the full parse.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from syndication.errors import FeedParseError
from syndication.model import Fetched, PartnerFeed
from syndication.parse import parse_feed, scan_item_keys
from tests.support import DATA

DEFAULT_CORPUS = DATA / "feedparser-tests"
_HEADER = re.compile(rb"^Header:\s*Content-type:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
PARTNER = PartnerFeed(
    id="corpus", name="feedparser corpus", feed_url="http://example.com/feed", max_items=10**6
)


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix in (".xml", ".json"))


def fetched_for(path: Path, corpus: Path) -> Fetched:
    body = path.read_bytes()
    headers: tuple[tuple[str, str], ...] = ()
    match = _HEADER.search(body[:2048])
    if match:
        headers = (("content-type", match.group(1).decode("latin-1")),)
    elif path.suffix == ".json":
        headers = (("content-type", "application/feed+json"),)
    url = "http://example.com/" + path.relative_to(corpus).as_posix()
    return Fetched(url=url, final_url=url, status=200, headers=headers, body=body)


@dataclass
class Outcome:
    files: int = 0
    parsed: int = 0
    items: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    unhandled: list[tuple[str, str]] = field(default_factory=list)
    scanned: int = 0  # fast path gave an answer
    scan_disagreed: list[str] = field(default_factory=list)


def run(corpus: Path = DEFAULT_CORPUS, *, check_scan: bool = True) -> Outcome:
    out = Outcome()
    for path in corpus_files(corpus):
        out.files += 1
        fetched = fetched_for(path, corpus)
        name = path.relative_to(corpus).as_posix()
        try:
            parsed = parse_feed(fetched, PARTNER)
        except FeedParseError as e:
            out.rejected[_reason(e)] += 1
            continue
        except Exception:  # the figure this script exists to keep at zero
            out.unhandled.append((name, traceback.format_exc()))
            continue
        out.parsed += 1
        out.items += len(parsed.items)
        if check_scan:
            try:
                keys = scan_item_keys(fetched.body)
            except Exception:
                out.unhandled.append((name, traceback.format_exc()))
                continue
            if keys is not None:
                out.scanned += 1
                if keys != [(i.guid, i.url) for i in parsed.items]:
                    out.scan_disagreed.append(name)
    return out


def _reason(error: FeedParseError) -> str:
    message = error.message
    for marker in ("HTML page", "entity bomb", "not a feed", "not well-formed", "empty", "JSON"):
        if marker in message:
            return marker
    return message.split(":")[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.parse_corpus", description=__doc__.splitlines()[0]
    )
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=1, help="repeat and report the median time")
    args = parser.parse_args(argv)
    times = []
    outcome = Outcome()
    for _ in range(max(args.rounds, 1)):
        start = time.perf_counter()
        outcome = run(args.corpus)
        times.append(time.perf_counter() - start)
    print(f"files:      {outcome.files}")
    print(f"parsed:     {outcome.parsed} ({outcome.items} items)")
    print(f"rejected:   {sum(outcome.rejected.values())}")
    for reason, count in outcome.rejected.most_common():
        print(f"  {count:5d}  {reason}")
    print(f"unhandled:  {len(outcome.unhandled)}")
    for name, trace in outcome.unhandled[:5]:
        print(f"  {name}\n{trace}")
    print(f"fast path:  answered {outcome.scanned}, disagreed {len(outcome.scan_disagreed)}")
    for name in outcome.scan_disagreed[:10]:
        print(f"  {name}")
    print(f"seconds:    {statistics.median(times):.2f} (median of {len(times)})")
    return 1 if outcome.unhandled or outcome.scan_disagreed else 0


if __name__ == "__main__":
    raise SystemExit(main())
