"""Endurance and faults: many runs against misbehaving partners, killed at random moments.

    python -m benchmarks.soak                    # cron: 200 partners × 50 items, 20 cycles
    python -m benchmarks.soak --partners 30 --items 10 --cycles 4   # a quick one
    python -m benchmarks.soak --daemon --scrape  # daemon: 40 partners, 10 minutes of stops
    python -m benchmarks.soak --daemon --scrape --partners 20 --items 5 --duration 120

Both modes run against the partner simulator (tests/support/simulator.py), where partners
keep publishing new items and new bytes, and a tenth of them misbehave the whole time, in
equal shares: a feed that never answers (timeout), HTTP 500, malformed XML, and a gzip bomb.

Cron mode (the default): each cycle is one `syndication run --once` subprocess (ingest
every due partner, publish). In the middle cycle a burst of new items makes the run long,
and the process is killed with SIGKILL while it works; the next cycle starts it again.
Cycles start `--interval` seconds (the shortest poll interval config.toml accepts) plus
the previous cycle's duration apart, so every healthy partner is due at every cycle.

Daemon mode (`--daemon`): the daemon (`syndication run`) runs for `--duration` seconds and
is stopped at random moments (a seeded RNG: `--seed`), by SIGTERM or SIGKILL (`--sigkill`
is the share of SIGKILLs), `--gap-min`..`--gap-max` seconds after each start, and started
again at once. Feeds hold four times `--items`, so no item a partner served leaves its
feed before some daemon could store it. With `--scrape` the daemon follows items to their
pages, so scraping worker processes (and their fork server and resource tracker) exist to
be orphaned. Each stop is measured: a SIGTERM must end the daemon with exit code 0 within
the stop bound (the fetch deadline plus 5 s), and after either signal no process of that
run may be left 10 s later (processes are found by a marker in their environment, which
every child inherits). At the end the daemon is given time to take in everything the
partners served and is stopped with SIGTERM.

At the end of either mode:

- every article a healthy partner served is in the store exactly once (by guid and URL);
- every file under feeds/ is complete and valid (feedparser without bozo, Atom against
  tests/data/atom.rng with lxml RelaxNG, JSON Feed parsed), and no temporary file
  (".<name>.*.tmp", ".probe-*.tmp") is left;
- the run lock is free (the kernel dropped the dead process's flock);
- daemon mode: every stop met its bound, and no process of any run is left.

Article pages are not followed by default (`--scrape` turns it on): in cron mode 10,000
pages at the ~10 pages/s one process scrapes would not fit the time bound.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import DATA, ROOT
from tests.support.simulator import FAULTS, Simulator

ATOM_RNG = DATA / "atom.rng"
DEADLINE = 4.0  # [fetch] deadline of the soak's config
STOP_BOUND = DEADLINE + 5.0  # SIGTERM → exit, as the daemon promises
ORPHAN_BOUND = 10.0  # after the daemon's exit, until no process of its run is left
MARKER = "SYNDICATION_SOAK_RUN"  # environment variable that marks every process of a run
DAEMON_WINDOW = 4  # daemon mode: feeds hold this many times --items (new items stop there)


def write_config(
    base: Path, sim: Simulator, pids: list[str], interval: int, scrape: bool, daemon: bool = False
) -> Path:
    lines = [
        "[storage]",
        'url = "sqlite:///store.db"',
        "[fetch]",
        "connect_timeout = 2.0",
        "read_timeout = 2.0",
        f"deadline = {DEADLINE}",
        "allow_private_networks = true",
        "max_per_host = 16",
        "min_host_interval = 0.0",
        "[publish]",
        'base_url = "http://127.0.0.1:8080/"',
        'out_dir = "feeds"',
        "per_partner = true",
        "[scheduler]",
        "workers = 16",
        # Workers even on one core: the daemon soak is also about orphaned worker processes.
        *(["scrape_processes = 2", "publish_debounce = 1.0"] if daemon else []),
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


def start_run(
    config: Path, log: Path, *, once: bool = True, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "syndication", "run", "--config", str(config)]
    with log.open("ab") as out:
        return subprocess.Popen(
            command + (["--once"] if once else []),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )


def marked_processes(marker: str) -> list[tuple[int, str]]:
    """(pid, command) of every live process whose environment holds `marker` (/proc)."""
    found = []
    needle = marker.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if needle not in Path(f"/proc/{entry}/environ").read_bytes().split(b"\0"):
                continue
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            continue  # exited; only waits to be reaped
        found.append((int(entry), command.replace(b"\0", b" ").decode(errors="replace")[:120]))
    return found


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


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


@dataclass
class Setup:
    base: Path
    sim: Simulator
    healthy: list[str]
    faulty: dict[str, str]
    config: Path
    log: Path


@dataclass
class Stop:
    """One stop of the daemon: the signal, when it came, and how the run ended."""

    signal: str
    after: float  # seconds the daemon had been running
    code: int | None  # None: still running after the bound + grace (then killed)
    seconds: float  # signal → exit
    cleanup: float  # exit → no process of the run left
    leftovers: list[str] = field(default_factory=list)  # processes still there after that


def setup(args: argparse.Namespace, *, daemon: bool) -> Setup:
    base = Path(tempfile.mkdtemp(prefix="soak-"))
    if daemon:
        # A window that never drops an item: a daemon killed again and again may go a while
        # without storing anything, and "every article once" must not depend on luck.
        sim = Simulator.start(args.partners, DAEMON_WINDOW * args.items, etag_every=2, empty=True)
        sim.add(None, args.items)
    else:
        sim = Simulator.start(args.partners, args.items, etag_every=2)
    pids = sim.pids(args.partners)
    faulty = {pid: FAULTS[i % len(FAULTS)] for i, pid in enumerate(pids[::10])}
    for fault in FAULTS:
        sim.configure([p for p, f in faulty.items() if f == fault], fault=fault)
    healthy = [p for p in pids if p not in faulty]
    config = write_config(base, sim, pids, args.interval, args.scrape, daemon)
    return Setup(base, sim, healthy, faulty, config, base / "runs.log")


def run_cron(args: argparse.Namespace, env: Setup, started: float) -> tuple[list[str], bool]:
    """The cron cycles; (report lines, whether they passed their own checks)."""
    sim, healthy, config, log = env.sim, env.healthy, env.config, env.log
    middle = args.cycles // 2
    codes: Counter[int] = Counter()
    durations: list[float] = []
    killed_at = None
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
    when = (
        f"at {killed_at:.1f} s into cycle {middle + 1}"
        if killed_at
        else "not sent: the run had already finished"
    )
    lines = [
        f"runs                {len(durations)} of {args.cycles} cycles of `run --once`",
        f"run exit codes      {dict(sorted(codes.items()))} (1 = some partners failed; "
        f"-9 = the SIGKILLed run)",
        f"SIGKILL             {when}; restarted at once",
        f"cycle time          median {sorted(durations)[len(durations) // 2]:.1f} s, "
        f"max {max(durations):.1f} s",
    ]
    return lines, True


def run_daemon(args: argparse.Namespace, env: Setup, started: float) -> tuple[list[str], bool]:
    """The daemon, stopped at random moments and started again; (report lines, passed)."""
    rng = random.Random(args.seed)
    sim, healthy = env.sim, env.healthy
    marker = f"{MARKER}={uuid.uuid4().hex}"
    child_env = {**os.environ, MARKER: marker.split("=", 1)[1]}
    stops: list[Stop] = []
    rounds = 0
    window = DAEMON_WINDOW * args.items
    served = dict.fromkeys(healthy, args.items)  # items in each feed so far

    def start() -> tuple[subprocess.Popen[bytes], float]:
        return start_run(env.config, env.log, once=False, env=child_env), time.monotonic()

    def stop(proc: subprocess.Popen[bytes], began: float, sig: signal.Signals) -> Stop:
        sent = time.monotonic()
        proc.send_signal(sig)
        try:
            code: int | None = proc.wait(timeout=STOP_BOUND + 30)
        except subprocess.TimeoutExpired:
            code = None
            proc.kill()
            proc.wait()
        ended = time.monotonic()
        wait_until(lambda: not marked_processes(marker), ORPHAN_BOUND)
        left = [f"{pid} {command}" for pid, command in marked_processes(marker)]
        for pid, _ in marked_processes(marker):  # so they cannot confound what follows
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        return Stop(sig.name, sent - began, code, ended - sent, time.monotonic() - ended, left)

    proc, began = start()
    deadline = started + args.duration
    while True:
        gap = rng.uniform(args.gap_min, args.gap_max)
        if time.monotonic() + gap >= deadline:
            break
        # Partners keep publishing while the daemon runs: a fifth get new items (while
        # their feed window has room), a tenth only new bytes.
        rounds += 1
        more = rng.randint(1, 3)
        adding = [p for p in healthy[rounds % 5 :: 5] if served[p] + more <= window]
        if adding:
            sim.add(adding, more)
            for pid in adding:
                served[pid] += more
        sim.touch(healthy[(rounds + 2) % 10 :: 10])
        time.sleep(gap)  # the random moment
        sig = signal.SIGKILL if rng.random() < args.sigkill else signal.SIGTERM
        stops.append(stop(proc, began, sig))
        last = stops[-1]
        print(
            f"stop {len(stops):3d}: {last.signal:<7} after {last.after:5.1f} s → exit "
            f"{last.code} in {last.seconds:4.1f} s; processes gone {last.cleanup:4.1f} s later"
            + (f"; LEFT: {last.leftovers}" if last.leftovers else ""),
            flush=True,
        )
        proc, began = start()  # at once
    # The end: time to take in whatever the partners served, then a last SIGTERM.
    heads = sim.heads()
    caught_up = wait_until(lambda: _all_stored(env, heads), args.settle)
    # Like every stop, not before --gap-min: a signal in the first instants of the
    # interpreter's start comes before any handler can exist.
    time.sleep(max(0.0, began + args.gap_min - time.monotonic()))
    stops.append(stop(proc, began, signal.SIGTERM))
    last = stops[-1]
    print(
        f"final stop: SIGTERM → exit {last.code} in {last.seconds:.1f} s "
        f"({'caught up' if caught_up else f'not caught up after {args.settle:.0f} s'})",
        flush=True,
    )
    left_at_end = marked_processes(marker)

    terms = [x for x in stops if x.signal == "SIGTERM"]
    kills = [x for x in stops if x.signal == "SIGKILL"]
    slow = [x for x in terms if x.code is None or x.seconds > STOP_BOUND]
    bad_code = [x for x in terms if x.code != 0] + [x for x in kills if x.code != -9]
    orphaned = [x for x in stops if x.leftovers]
    codes = Counter(x.code for x in stops)

    def worst(values: list[float]) -> str:
        return f"max {max(values):.1f} s, median {sorted(values)[len(values) // 2]:.1f} s"

    lines = [
        f"daemon runs         {len(stops)} over {time.monotonic() - started:.0f} s (seed "
        f"{args.seed}): {len(terms)} stopped by SIGTERM, {len(kills)} by SIGKILL, each "
        f"restarted at once",
        f"exit codes          {dict(sorted(codes.items(), key=str))} (0 = SIGTERM, "
        f"-9 = SIGKILL); unexpected: {len(bad_code)}",
        f"SIGTERM → exit      {worst([x.seconds for x in terms])}; bound "
        f"{STOP_BOUND:.0f} s (fetch deadline + 5 s); over it: {len(slow)}",
        f"signal moments      {', '.join(f'{x.after:.1f}' for x in stops)} s after start",
        f"processes of a run  gone after its exit within {worst([x.cleanup for x in stops])}; "
        f"bound {ORPHAN_BOUND:.0f} s; runs that left some: {len(orphaned)}",
        f"processes at end    {len(left_at_end)} of any run still alive (scan of /proc)",
        f"caught up           {'yes' if caught_up else 'NO'}: every served item stored "
        f"before the final stop",
    ]
    lines += [f"  left after {x.signal}: {x.leftovers[:4]}" for x in orphaned[:5]]
    ok = not (slow or bad_code or orphaned or left_at_end) and caught_up
    return lines, ok


def _all_stored(env: Setup, heads: dict[str, int]) -> bool:
    """True once every item the healthy partners had served (up to `heads`) is stored."""
    import sqlite3

    try:
        db = sqlite3.connect(f"file:{env.base / 'store.db'}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return False
    try:
        guids = {g for (g,) in db.execute("SELECT guid FROM articles")}
    except sqlite3.Error:
        return False
    finally:
        db.close()
    return all(f"urn:{pid}:{n}" in guids for pid in env.healthy for n in range(heads[pid] + 1))


def verify(env: Setup, heads: dict[str, int]) -> tuple[list[str], bool]:
    """The closing checks of both modes; (report lines, passed)."""
    from syndication.store import open_store

    base = env.base
    store = open_store(f"sqlite:///{base / 'store.db'}", migrate=False)
    missing = duplicates = extra = 0
    served = stored_total = 0
    for pid in env.healthy:
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
        members = [p for p, f in env.faulty.items() if f == fault]
        arts = sum(len(store.latest(limit=10, partner_id=p)) for p in members)
        messages = {
            (states[p].last_error or "; ".join(states[p].warnings[:1]) or "")[:90]
            for p in members
            if p in states
        }
        fault_rows.append((fault, len(members), arts, sorted(messages)[:1]))
    store.close()
    checked, problems, leftovers = check_feeds(base / "feeds")
    lock = base / "store.db.lock"
    sqlite_leftovers = [p.name for p in base.iterdir() if p.name.endswith(("-journal", "-wal"))]
    lines = [
        f"articles served     {served:,} by healthy partners; stored {stored_total:,}; "
        f"missing {missing}; duplicates {duplicates}; unexpected {extra}"
    ]
    for fault, count, arts, errors in fault_rows:
        lines.append(
            f"  fault {fault:<9} {count} partners, {arts} articles, last error or warning: "
            f"{errors[0] if errors else '-'}"
        )
    lines.append(
        f"feed files          {checked} checked (RSS/Atom: feedparser, Atom: RelaxNG; JSON), "
        f"{len(problems)} problems"
    )
    lines += [f"  {problem}" for problem in problems[:10]]
    lines.append(f"temporary files     {leftovers or 'none'} left in feeds/")
    lines.append(
        f"run lock            {'free' if lock_free(lock) else 'STILL HELD'} ({lock.name}); "
        f"SQLite journal/WAL files left: {sqlite_leftovers or 'none'}"
    )
    ok = not (missing or duplicates or extra or problems or leftovers) and lock_free(lock)
    return lines, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--partners", type=int, help="partners (cron 200, daemon 40)")
    parser.add_argument("--items", type=int, help="items per feed at first (cron 50, daemon 10)")
    parser.add_argument(
        "--interval",
        type=int,
        default=10,
        help="partners' poll interval in seconds (≥ 10); cron mode: also between cycles",
    )
    parser.add_argument("--scrape", action="store_true", help="follow items to article pages")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    cron = parser.add_argument_group("cron mode (default): cycles of `run --once`")
    cron.add_argument("--cycles", type=int, default=20)
    cron.add_argument(
        "--kill-after",
        type=float,
        default=1.5,
        help="seconds into the middle cycle at which it is SIGKILLed",
    )
    cron.add_argument(
        "--max-seconds",
        type=float,
        default=600,
        help="stop starting new cycles after this long (the verification still runs)",
    )
    daemon = parser.add_argument_group(
        "daemon mode: `run` stopped at random moments by SIGTERM or SIGKILL, restarted at once"
    )
    daemon.add_argument("--daemon", action="store_true", help="run this mode")
    daemon.add_argument("--duration", type=float, default=600, help="seconds of stops (600)")
    daemon.add_argument("--seed", type=int, default=1, help="seed of the random moments (1)")
    daemon.add_argument(
        "--gap-min",
        type=float,
        default=2.0,
        help="fewest seconds from a start to its signal (2; the interpreter must be up)",
    )
    daemon.add_argument(
        "--gap-max", type=float, default=30.0, help="most seconds from a start to its signal (30)"
    )
    daemon.add_argument(
        "--sigkill", type=float, default=0.5, help="share of the stops made by SIGKILL (0.5)"
    )
    daemon.add_argument(
        "--settle",
        type=float,
        default=180.0,
        help="seconds the last daemon gets to take in every served item (180)",
    )
    args = parser.parse_args(argv)
    if args.partners is None:
        args.partners = 40 if args.daemon else 200
    if args.items is None:
        args.items = 10 if args.daemon else 50

    started = time.monotonic()
    env = setup(args, daemon=args.daemon)
    try:
        if args.daemon:
            lines, passed = run_daemon(args, env, started)
        else:
            lines, passed = run_cron(args, env, started)
        heads = env.sim.heads()
    finally:
        env.sim.close()
    checks, checked_ok = verify(env, heads)
    ok = passed and checked_ok

    print("\n== soak report ==")
    print(
        f"partners            {args.partners} ({len(env.healthy)} healthy, {len(env.faulty)} "
        f"misbehaving), {args.items} items each, scrape {'on' if args.scrape else 'off'}, "
        f"{'daemon' if args.daemon else 'cron'} mode"
    )
    for line in (*lines, *checks):
        print(line)
    print(f"total time          {time.monotonic() - started:.0f} s")
    print(f"result              {'PASS' if ok else 'FAIL'}")
    if not args.keep and ok:
        import shutil

        shutil.rmtree(env.base, ignore_errors=True)
    else:
        print(f"work directory      {env.base}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
