"""Extraction quality on the corpus pages: our scraper vs trafilatura, with pinned floors.

    python -m benchmarks.extraction_quality          # table + gate (exit 1 below a floor)
    python -m benchmarks.extraction_quality --ours   # our scraper only (no trafilatura)

Run from the checkout root. Pages, ground truth, metrics and floors are those of the
test suite's quality gate (tests/support/extraction.py, run by tests/scrape/test_golden.py);
this adds trafilatura's column for comparison (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from tests.support.extraction import FIELDS, FLOORS, Extracted, Truth, evaluate, gate, run_ours


def run_trafilatura(truth: Truth) -> Extracted:
    import trafilatura  # benchmark-only dependency

    html = truth.html.read_text(encoding="utf-8", errors="replace")
    xml = trafilatura.extract(
        html,
        url=truth.url,
        output_format="xml",
        with_metadata=True,
        include_images=True,
        include_comments=False,
    )
    if not xml:
        return Extracted(None, "", [], None, False)
    from lxml import etree

    doc = etree.fromstring(xml.encode("utf-8"))
    main = doc.find("main")
    # lxml's stubs allow bytes; a tree parsed from text only holds str.
    texts = [t.strip() for t in main.itertext() if isinstance(t, str)] if main is not None else []
    body = "\n".join(t for t in texts if t)
    images: list[tuple[str, str | None]] = [
        (g.get("src", ""), g.get("title") or g.get("alt"))
        for g in doc.iter("graphic")
        if g.get("src")
    ]
    if doc.get("image"):
        images.append((doc.get("image", ""), None))
    date = None
    if doc.get("date"):
        try:
            date = dt.date.fromisoformat(doc.get("date", "")[:10])
        except ValueError:
            date = None
    return Extracted(doc.get("title"), body, images, date, urgent=False)


def table(columns: dict[str, dict[str, float]]) -> str:
    names = list(columns)
    lines = ["| field | " + " | ".join(names) + " | floor (ours) |"]
    lines.append("|---|" + "---|" * len(names) + "---|")
    for f in FIELDS:
        cells = " | ".join(f"{columns[n][f]:.2f}" for n in names)
        lines.append(f"| {f} | {cells} | {FLOORS[f]:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.extraction_quality", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--ours", action="store_true", help="skip trafilatura")
    args = parser.parse_args(argv)
    columns = {"syndication.scrape": evaluate(run_ours)}
    if not args.ours:
        columns["trafilatura"] = evaluate(run_trafilatura)
    print(table(columns))
    failures = gate(columns["syndication.scrape"])
    for failure in failures:
        print(f"below floor: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
