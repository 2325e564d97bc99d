"""Endurance and faults: many cycles against misbehaving partners, one SIGKILL midway.

    python benchmarks/soak.py                       # 200 partners × 50 items, 20 cycles (~7 min)
    python benchmarks/soak.py --partners 30 --items 10 --cycles 4 --interval 10   # quick

Each cycle is one `syndication run --once` subprocess (ingest every due partner, publish)
against the partner simulator (benchmarks/simulator.py). Between cycles some partners
publish new items and others only new bytes. A tenth of the partners misbehave the whole
time, in equal shares: a feed that never answers (timeout), HTTP 500, malformed XML, and a
gzip bomb. In the middle cycle a burst of new items makes the run long, and the process is
killed with SIGKILL while it works; the next cycle starts it again.

Cycles start `--interval` seconds (the shortest poll interval config.toml accepts) plus
the previous cycle's duration apart, so every healthy partner is due at every cycle. At the end:

- every article a healthy partner served is in the store exactly once (by guid and URL);
- every file under feeds/ is complete and valid (feedparser without bozo, Atom against
  tests/data/atom.rng with lxml RelaxNG, JSON Feed parsed), and no temporary file
  (".<name>.*.tmp", ".probe-*.tmp") is left;
- the run lock is free (the kernel dropped the dead process's flock).

Article pages are not followed by default (`--scrape` turns it on): 10,000 pages at the
~10 pages/s one process scrapes would not fit the time bound.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "benchmarks"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from simulator import FAULTS, Simulator  # noqa: E402

ATOM_RNG = ROOT / "tests" / "data" / "atom.rng"


def write_config(base: Path, sim: Simulator, pids: list[str], interval: int, scrape: bool) -> Path:
    lines = [
        "[storage]",
        'url = "sqlite:///store.db"',
        "[fetch]",
        "connect_timeout = 2.0",
        "read_timeout = 2.0",
        "deadline = 4.0",
        "allow_private_networks = true",
        "max_per_host = 16",
        "min_host_interval = 0.0",
        "[publish]",
        'base_url = "http://127.0.0.1:8080/"',
        'out_dir = "feeds"',
        "per_partner = true",
        "[scheduler]",
        "workers = 16",
        "[[feeds]]",
        'key = "main"',
        'title = "الرئيسية"',
        'kind = "main"',
        "[[feeds]]",
        'key = "urgent"',
        'title = "عاجل"',
        'kind = "urgent"',
    ]
    for pid in pids:
        lines += [
            "[[partners]]",
            f'id = "{pid}"',
            f'name = "شريك {pid}"',
            f'feed_url = "{sim.feed_url(pid)}"',
            f"interval = {interval}",
            "jitter = 0",
            f"scrape = {'true' if scrape else 'false'}",
        ]
    path = base / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start_run(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "syndication", "run", "--once", "--config", str(config)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def check_feeds(folder: Path) -> tuple[int, list[str], list[str]]:
    """(files checked, problems, leftover temporary files)."""
    import feedparser
    from lxml import etree

    schema = etree.RelaxNG(etree.parse(str(ATOM_RNG)))
    problems: list[str] = []
    leftovers = [
        p.name for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")
    ]
    checked = 0
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        data = path.read_bytes()
        if path.name.endswith(".ninjs.json"):  # IPTC ninjs: a list of news objects
            checked += 1
            try:
                assert isinstance(json.loads(data), list)
            except (ValueError, AssertionError) as e:
                problems.append(f"{path.name}: not a ninjs list ({e})")
            continue
        if path.name.endswith("-sitemap.xml"):  # not a feed (tests/publish check it)
            continue
        if path.name.endswith(".json"):
            checked += 1
            try:
                document = json.loads(data)
                assert isinstance(document.get("items"), list)
            except (ValueError, AssertionError) as e:
                problems.append(f"{path.name}: not a JSON Feed ({e})")
            continue
        if not path.name.endswith(".xml"):
            continue
        checked += 1
        parsed = feedparser.parse(data)
        if parsed.bozo:
            problems.append(f"{path.name}: feedparser bozo: {parsed.bozo_exception}")
        if path.name.endswith(".atom.xml"):
            try:
                tree = etree.fromstring(data)
            except etree.XMLSyntaxError as e:
                problems.append(f"{path.name}: not XML: {e}")
                continue
            if not schema.validate(tree):
                problems.append(f"{path.name}: Atom RelaxNG: {schema.error_log.last_error}")
    return checked, problems, leftovers


def lock_free(path: Path) -> bool:
    if not path.exists():
        return True
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--interval", type=int, default=10, help="seconds between cycles (≥ 10)")
    parser.add_argument(
        "--kill-after",
        type=float,
        default=1.5,
        help="seconds into the middle cycle at which it is SIGKILLed",
    )
    parser.add_argument("--scrape", action="store_true", help="follow items to article pages")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=600,
        help="stop starting new cycles after this long (the verification still runs)",
    )
    args = parser.parse_args(argv)

    started = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="soak-"))
    log = base / "runs.log"
    sim = Simulator.start(args.partners, args.items, etag_every=2)
    pids = sim.pids(args.partners)
    faulty = {pid: FAULTS[i % len(FAULTS)] for i, pid in enumerate(pids[::10])}
    for fault in FAULTS:
        sim.configure([p for p, f in faulty.items() if f == fault], fault=fault)
    healthy = [p for p in pids if p not in faulty]
    config = write_config(base, sim, pids, args.interval, args.scrape)
    middle = args.cycles // 2
    codes: Counter[int] = Counter()
    durations: list[float] = []
    killed_at = None
    try:
        for cycle in range(args.cycles):
            if time.monotonic() - started > args.max_seconds and cycle > middle:
                print(f"time bound of {args.max_seconds:.0f} s reached: cycles stop here")
                break
            begin = time.monotonic()
            if cycle == middle:
                sim.add(healthy, min(30, args.items))  # a burst: the killed run has work to do
            elif cycle:
                sim.add(healthy[cycle % 5 :: 5], 2)  # a fifth get two new items
                sim.touch(healthy[(cycle + 2) % 10 :: 10])  # a tenth: new bytes, same items
            proc = start_run(config, log)
            if cycle == middle:
                time.sleep(args.kill_after)
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    killed_at = args.kill_after
                code = proc.wait()
                codes[code] += 1
                proc = start_run(config, log)  # restarted at once
            codes[proc.wait()] += 1
            durations.append(time.monotonic() - begin)
            print(
                f"cycle {cycle + 1:2d}/{args.cycles}: {durations[-1]:5.1f} s"
                + ("  (SIGKILL + restart)" if cycle == middle else ""),
                flush=True,
            )
            if cycle + 1 < args.cycles:
                # A partner polled late in this cycle must be due early in the next one.
                gap = args.interval + durations[-1] + 0.5
                time.sleep(max(0.0, gap - (time.monotonic() - begin)))
        heads = sim.heads()
    finally:
        sim.close()

    # --- verification ----------------------------------------------------------------------
    from syndication.store import open_store

    store = open_store(f"sqlite:///{base / 'store.db'}", migrate=False)
    missing = duplicates = extra = 0
    served = stored_total = 0
    for pid in healthy:
        expected = {f"urn:{pid}:{n}" for n in range(heads[pid] + 1)}
        articles = store.latest(limit=10**6, partner_id=pid)
        guids = [a.guid for a in articles]
        urls = [a.url for a in articles]
        served += len(expected)
        stored_total += len(articles)
        missing += len(expected - set(guids))
        extra += len(set(guids) - expected)
        duplicates += (len(guids) - len(set(guids))) + (len(urls) - len(set(urls)))
    states = {s.partner_id: s for s in store.partner_states()}
    fault_rows = []
    for fault in FAULTS:
        members = [p for p, f in faulty.items() if f == fault]
        arts = sum(len(store.latest(limit=10, partner_id=p)) for p in members)
        errors = {
            (states[p].last_error or "; ".join(states[p].warnings[:1]) or "")[:90]
            for p in members
            if p in states
        }
        fault_rows.append((fault, len(members), arts, sorted(errors)[:1]))
    store.close()
    checked, problems, leftovers = check_feeds(base / "feeds")
    lock = base / "store.db.lock"
    sqlite_leftovers = [p.name for p in base.iterdir() if p.name.endswith(("-journal", "-wal"))]

    ok = not (missing or duplicates or extra or problems or leftovers) and lock_free(lock)
    print("\n== soak report ==")
    print(
        f"partners            {args.partners} ({len(healthy)} healthy, {len(faulty)} misbehaving), "
        f"{args.items} items each, {len(durations)} of {args.cycles} cycles run, "
        f"scrape {'on' if args.scrape else 'off'}"
    )
    print(
        f"run exit codes      {dict(sorted(codes.items()))} (1 = some partners failed; "
        f"-9 = the SIGKILLed run)"
    )
    when = (
        f"at {killed_at:.1f} s into cycle {middle + 1}"
        if killed_at
        else "not sent: the run had already finished"
    )
    print(f"SIGKILL             {when}; restarted at once")
    print(
        f"cycle time          median {sorted(durations)[len(durations) // 2]:.1f} s, "
        f"max {max(durations):.1f} s"
    )
    print(
        f"articles served     {served:,} by healthy partners; stored {stored_total:,}; "
        f"missing {missing}; duplicates {duplicates}; unexpected {extra}"
    )
    for fault, count, arts, errors in fault_rows:
        print(
            f"  fault {fault:<9} {count} partners, {arts} articles, last error or warning: "
            f"{errors[0] if errors else '-'}"
        )
    print(
        f"feed files          {checked} checked (RSS/Atom: feedparser, Atom: RelaxNG; JSON), "
        f"{len(problems)} problems"
    )
    for problem in problems[:10]:
        print(f"  {problem}")
    print(f"temporary files     {leftovers or 'none'} left in feeds/")
    print(
        f"run lock            {'free' if lock_free(lock) else 'STILL HELD'} ({lock.name}); "
        f"SQLite journal/WAL files left: {sqlite_leftovers or 'none'}"
    )
    print(f"total time          {time.monotonic() - started:.0f} s")
    print(f"result              {'PASS' if ok else 'FAIL'}")
    if not args.keep and ok:
        import shutil

        shutil.rmtree(base, ignore_errors=True)
    else:
        print(f"work directory      {base}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
