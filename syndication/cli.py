"""The `syndication` command: the only place that prints, exits and maps errors to codes.

Exit codes (documented in README and docs/operations.md):
    0  everything went fine (also: stopped by SIGTERM/SIGINT, having finished cleanly)
    1  some partners or feeds failed (the rest were ingested and published); import-opml:
       some outlines were not importable (the rest were taken)
    2  configuration or fatal error (bad config.toml or option value, no partners, missing
       database directory, database unreachable, feeds/ unwritable)
    3  another run holds the lock (cron overlap); nothing was done
  143  stopped at once by a second SIGTERM/SIGINT (`run`, `ingest`), or the daemon's jobs
       did not end within the stop bound; the article being written was rolled back
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import config as config_mod
from .config import Config
from .errors import ConfigError, LockError, PartnerError, SyndicationError
from .log import setup as setup_logging
from .model import IngestReport, Scraped
from .stopping import StopSignals

EXIT_OK, EXIT_PARTIAL, EXIT_FATAL, EXIT_LOCKED = 0, 1, 2, 3

log = logging.getLogger("syndication")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.log_format, logging.DEBUG if args.verbose else logging.INFO)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ConfigError as e:
        _error(str(e))
        return EXIT_FATAL
    except LockError as e:
        _error(str(e))
        return EXIT_LOCKED
    except SyndicationError as e:
        _error(str(e))
        return EXIT_FATAL
    except KeyboardInterrupt:
        _error("interrupted")
        return 130


# -- parser ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    # The global options are accepted before and after the command. The copies the
    # subcommands carry default to SUPPRESS: a real default there would overwrite, with
    # the default, a value given before the command (argparse copies every attribute of
    # the subcommand's namespace onto the main one). Given in both places, the later wins.
    parser = argparse.ArgumentParser(
        prog="syndication",
        description="Feed hub of an Arabic newsroom: poll partner feeds, scrape articles, "
        "publish Arabic RSS 2.0, Atom 1.0 and JSON Feed.",
        parents=[_global_options(defaults=True)],
    )
    common = _global_options(defaults=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", parents=[common], help="the daemon (or --once for cron)")
    p.add_argument("--once", action="store_true", help="ingest every partner once, publish, exit")
    p.add_argument("--force", action="store_true", help="ignore back-off and validators")
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("ingest", parents=[common], help="poll partners once (no publish)")
    p.add_argument(
        "--partner", action="append", metavar="ID", help="only this partner (repeatable)"
    )
    p.add_argument("--force", action="store_true", help="ignore back-off and validators")
    p.set_defaults(handler=cmd_ingest)

    p = sub.add_parser("publish", parents=[common], help="write feeds/ from the store")
    p.add_argument("--force", action="store_true", help="re-render every feed")
    p.set_defaults(handler=cmd_publish)

    p = sub.add_parser("serve", parents=[common], help="serve feeds/ over HTTP")
    p.add_argument("--host", default=None, help="address to bind (default from [serve])")
    p.add_argument(
        "--port",
        type=_port,
        default=None,
        help="port, 1-65535, or 0 for any free port (default from [serve])",
    )
    p.add_argument(
        "--from-store",
        action="store_true",
        help="serve the feed files saved in the store, not feeds/ (implied by [cluster] enabled)",
    )
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser(
        "scheduler",
        parents=[common],
        help="cluster mode: enqueue due partner polls (one active, others stand by)",
    )
    p.set_defaults(handler=cmd_scheduler)

    p = sub.add_parser(
        "worker", parents=[common], help="cluster mode: a Celery worker running polls and publishes"
    )
    p.add_argument(
        "--concurrency",
        type=int,
        default=None,
        metavar="N",
        help="tasks at once in this worker (default: number of CPUs)",
    )
    p.add_argument(
        "--pool",
        choices=("prefork", "threads", "solo"),
        default="prefork",
        help="Celery pool (default prefork: one process per task slot)",
    )
    p.add_argument(
        "--hostname", default=None, metavar="NAME", help="worker name (default celery@<host>)"
    )
    p.set_defaults(handler=cmd_worker)

    p = sub.add_parser("scrape", parents=[common], help="scrape one article page, print the record")
    p.add_argument("source", metavar="SOURCE", help="http(s) URL or a local HTML file")
    p.add_argument("--json", action="store_true", help="print the record as one JSON object")
    p.add_argument("--partner", metavar="ID", help="apply this partner's rules and time zone")
    p.add_argument("--base-url", metavar="URL", help="resolve relative URLs of a local file")
    p.set_defaults(handler=cmd_scrape)

    p = sub.add_parser("check-config", parents=[common], help="validate the configuration")
    p.set_defaults(handler=cmd_check_config)

    p = sub.add_parser("partners", parents=[common], help="list, import or export partners")
    psub = p.add_subparsers(dest="partners_command", required=True, metavar="ACTION")
    q = psub.add_parser("list", parents=[common], help="table of partners and their state")
    q.set_defaults(handler=cmd_partners_list)
    q = psub.add_parser(
        "status",
        parents=[common],
        help="health of each partner: quiet, failing and poorly scraped ones flagged "
        "(exit 1 when any is)",
    )
    q.add_argument("--json", action="store_true", help="print JSON instead of a table")
    q.add_argument("--partner", action="append", metavar="ID", help="only this partner")
    q.set_defaults(handler=cmd_partners_status)
    q = psub.add_parser("import-opml", parents=[common], help="add partners from an OPML file")
    q.add_argument("file", metavar="FILE")
    q.add_argument("--write", action="store_true", help="append them to the config file")
    q.set_defaults(handler=cmd_partners_import)
    q = psub.add_parser("export-opml", parents=[common], help="print the partners as OPML")
    q.set_defaults(handler=cmd_partners_export)

    _add_articles_parser(sub, common)
    return parser


# -- editorial control: `syndication articles …` (docs/editorial.md) ------------------------


def _add_articles_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "articles", parents=[common], help="list, kill, restore, flag or embargo articles"
    )
    asub = p.add_subparsers(dest="articles_command", required=True, metavar="ACTION")
    q = asub.add_parser("list", parents=[common], help="newest articles with their state")
    q.add_argument("--partner", metavar="ID", help="only this partner's")
    q.add_argument("--urgent", action="store_true", help="only urgent ones")
    q.add_argument("--since", metavar="WHEN", help="published since (2h, 1d, 2026-12-05, ISO time)")
    q.add_argument("--limit", type=_positive, default=50, metavar="N", help="at most N (50)")
    q.set_defaults(handler=cmd_articles_list)
    publish = argparse.ArgumentParser(add_help=False)
    publish.add_argument(
        "--no-publish", action="store_true", help="change the store only; the next publish shows it"
    )
    q = asub.add_parser(
        "kill", parents=[common, publish], help="take an article out of every feed, for good"
    )
    q.add_argument("id", metavar="ID", help="article id (or its first 6+ characters)")
    q.add_argument("--reason", required=True, metavar="TEXT", help="why (kept in the history)")
    q.set_defaults(handler=cmd_articles_kill)
    q = asub.add_parser("unkill", parents=[common, publish], help="bring a killed article back")
    q.add_argument("id", metavar="ID")
    q.set_defaults(handler=cmd_articles_unkill)
    q = asub.add_parser(
        "urgent", parents=[common, publish], help="set the urgent flag (wins over detection)"
    )
    q.add_argument("id", metavar="ID")
    q.add_argument("value", choices=("on", "off"))
    q.set_defaults(handler=cmd_articles_urgent)
    q = asub.add_parser(
        "embargo", parents=[common, publish], help="hold an article until a time ('none' lifts it)"
    )
    q.add_argument("id", metavar="ID")
    q.add_argument("until", metavar="UNTIL", help="ISO time with offset, a duration (2h), or none")
    q.set_defaults(handler=cmd_articles_embargo)
    q = asub.add_parser("history", parents=[common], help="every editorial action on an article")
    q.add_argument("id", metavar="ID")
    q.set_defaults(handler=cmd_articles_history)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def _moment(text: str, *, ago: bool, option: str) -> dt.datetime:
    from .editorial import parse_moment

    try:
        return parse_moment(text, dt.datetime.now(dt.UTC), ago=ago)
    except ValueError as e:
        raise SyndicationError(f"{option}: {e}") from None


def _article_id(store: Any, text: str) -> str:
    """The one stored article `text` names, or a ConfigError saying what to type."""
    found: list[str] = store.resolve_article_id(text)
    if not found:
        raise SyndicationError(
            f"no stored article has the id {text!r}",
            hint="see `syndication articles list` (an id, or its first 6 or more characters)",
        )
    if len(found) > 1:
        raise SyndicationError(
            f"{text!r} is the start of {len(found)} article ids: {', '.join(found[:5])}",
            hint="give more characters of the id",
        )
    return found[0]


def cmd_articles_list(args: argparse.Namespace) -> int:
    from .editorial import state_of

    cfg = load_config(args)
    if args.partner:
        _check_partner_ids(cfg, [args.partner])
    since = _moment(args.since, ago=True, option="--since") if args.since else None
    now = dt.datetime.now(dt.UTC)
    with _open_store(cfg) as store:
        found = store.list_articles(
            limit=args.limit,
            partner_id=args.partner,
            urgent=True if args.urgent else None,
            since=since,
        )
    rows = [("ID", "PUBLISHED", "PARTNER", "STATE", "REV", "TITLE")]
    rows += [
        (a.id, _when(a.published), a.partner_id, state_of(a, now), str(a.revision), a.title)
        for a in found
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        cells = [cell.ljust(w) for cell, w in zip(r[:-1], widths, strict=True)]
        print("  ".join([*cells, r[-1][:80]]).rstrip())
    return EXIT_OK


def _edit(
    args: argparse.Namespace, change: Callable[[Any, str, str], bool], done: str, noop: str
) -> int:
    """Resolve the id, apply `change(store, id, actor)`, publish at once (unless
    --no-publish) so every output follows within this command."""
    from . import metrics
    from .editorial import actor
    from .publish import publish_all

    cfg = load_config(args)
    with _open_store(cfg) as store, metrics.flushed(store):
        article_id = _article_id(store, args.id)
        if not change(store, article_id, actor()):
            print(f"{article_id}: {noop}; nothing changed")
            return EXIT_OK
        article = store.get_article(article_id)
        title = article.title if article is not None else ""
        print(f"{article_id}: {done} ({title[:60]})")
        if args.no_publish:
            return EXIT_OK
        published = publish_all(cfg, store, ping=_websub_ping(cfg))
    changed = sum(1 for p in published if p.changed)
    print(
        f"published {_plural(len(published), 'feed file')} ({changed} changed) "
        f"in {cfg.publish.out_dir}"
    )
    return EXIT_OK


def cmd_articles_kill(args: argparse.Namespace) -> int:
    reason = " ".join(args.reason.split())
    if not reason:
        raise SyndicationError("--reason: say why the article is killed (it goes in its history)")
    return _edit(
        args,
        lambda store, aid, who: store.kill_article(aid, reason, who),
        "killed",
        "already killed",
    )


def cmd_articles_unkill(args: argparse.Namespace) -> int:
    return _edit(
        args, lambda store, aid, who: store.unkill_article(aid, who), "restored", "not killed"
    )


def cmd_articles_urgent(args: argparse.Namespace) -> int:
    on = args.value == "on"
    return _edit(
        args,
        lambda store, aid, who: store.set_urgent(aid, on, who),
        f"urgent {args.value}",
        "unknown",
    )


def cmd_articles_embargo(args: argparse.Namespace) -> int:
    lift = args.until.strip().lower() in ("none", "off", "lift")
    until = None if lift else _moment(args.until, ago=False, option="UNTIL")
    text = "embargo lifted" if until is None else f"embargoed until {_when(until)}"
    return _edit(args, lambda store, aid, who: store.set_embargo(aid, until, who), text, "unknown")


def cmd_articles_history(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    with _open_store(cfg) as store:
        article_id = _article_id(store, args.id)
        events = store.article_history(article_id)
    if not events:
        print(f"{article_id}: no editorial actions recorded")
        return EXIT_OK
    rows = [("WHEN", "WHO", "ACTION", "DETAIL")]
    rows += [(_when(e.at), e.actor, e.action, e.detail) for e in events]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print(article_id)
    for r in rows:
        cells = [cell.ljust(w) for cell, w in zip(r[:3], widths, strict=True)]
        print("  ".join([*cells, r[3]]).rstrip())
    return EXIT_OK


def _global_options(*, defaults: bool) -> argparse.ArgumentParser:
    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--config",
        metavar="PATH",
        default=default(None),
        help="configuration file (default: $SYNDICATION_CONFIG or ./config.toml)",
    )
    options.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=default("text"),
        help="log line format (default: text)",
    )
    options.add_argument(
        "-v", "--verbose", action="store_true", default=default(False), help="debug logging"
    )
    return options


# -- commands --------------------------------------------------------------------------


# The shipped config keeps its SQLite file in var/ beside it; that one directory is created
# on first use (so a clean clone runs). Any other missing directory is refused: it is far
# more often a typo than a wish for a fresh, empty database that re-ingests everything.
SHIPPED_DATA_DIR = "var"


def load_config(args: argparse.Namespace, *, need_partners: bool = True) -> Config:
    """The configuration every command runs on, with the checks a running command needs
    beyond the file's own validity (`need_partners=False` only for import-opml, which is
    how partners get into a new file)."""
    cfg = config_mod.load(args.config)
    if need_partners and not cfg.partners:
        raise ConfigError(
            "no partners configured",
            path=cfg.path,
            key="partners",
            hint="add at least one [[partners]] table, or import them: "
            "syndication partners import-opml FILE --write",
        )
    _check_sqlite_directory(cfg)
    return cfg


def _check_sqlite_directory(cfg: Config) -> None:
    prefix = "sqlite:///"
    if not cfg.storage_url.startswith(prefix):
        return
    path = Path(cfg.storage_url[len(prefix) :])
    if not path.is_absolute():  # :memory: and the like; the store refuses those itself
        return
    directory = path.parent
    if directory.is_dir():
        return
    if not directory.exists() and directory == Path(cfg.base_dir) / SHIPPED_DATA_DIR:
        return  # the run lock and the store create it when they open the database
    problem = "is not a directory" if directory.exists() else "does not exist"
    raise ConfigError(
        f"the directory {directory} {problem}",
        path=cfg.path,
        key="storage.url",
        hint="create it or fix the path in [storage] url or $SYNDICATION_STORAGE_URL "
        f"(only {SHIPPED_DATA_DIR}/ beside the config file is created by itself)",
    )


def cmd_check_config(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    enabled = sum(1 for p in cfg.partners if p.enabled)
    print(f"{cfg.path}: OK")
    print(f"  storage     {_safe_url(cfg.storage_url)}")
    print(f"  partners    {len(cfg.partners)} ({enabled} enabled)")
    for p in cfg.partners:
        state = "" if p.enabled else " (disabled)"
        print(f"    - {p.id:<20} every {p.interval:>5}s  {p.feed_url}{state}")
    print(f"  feeds       {len(cfg.feeds)} configured", end="")
    extra = [
        k
        for k, on in (("category", cfg.publish.per_category), ("partner", cfg.publish.per_partner))
        if on
    ]
    print(f" + one per {' and per '.join(extra)}" if extra else "")
    print(f"  categories  {len(cfg.categories)}")
    print(f"  output      {cfg.publish.out_dir} → {cfg.publish.base_url}")
    private = [f.key for f in cfg.feeds if f.private]
    if private:
        # Not under out_dir: only `syndication serve` hands these out, with a token.
        print(f"  private     {cfg.publish.private_dir}: {', '.join(private)}")
    opened = cfg.serve.status_token or cfg.serve.tokens
    h = cfg.health
    print(
        f"  status      /status {'on (token)' if opened else 'off (no [serve] status_token)'}; "
        f"quiet after {h.idle_alert}s, failing after {h.failure_alert} failures"
    )
    return EXIT_OK


def cmd_ingest(args: argparse.Namespace) -> int:
    from . import metrics
    from .lock import run_lock

    with StopSignals() as signals:
        cfg = load_config(args)
        _check_partner_ids(cfg, args.partner)
        # metrics.flushed: counts of polls that wrote nothing are saved before we exit.
        with run_lock(cfg), _open_store(cfg) as store, metrics.flushed(store):
            reports = _ingest(
                cfg,
                store,
                signals,
                partner_ids=args.partner,
                force=args.force,
                on_report=_progress(len(args.partner or cfg.partners)),
            )
        return _summarise(reports, named=bool(args.partner))


def cmd_run(args: argparse.Namespace) -> int:
    from .lock import run_lock

    # First of all: a SIGTERM from here on stops the run cleanly (see syndication.stopping).
    with StopSignals() as signals:
        cfg = load_config(args)
        if not args.once and cfg.cluster.enabled:
            raise ConfigError(
                "the single-process daemon does not run in cluster mode",
                path=cfg.path,
                key="cluster.enabled",
                hint="start `syndication scheduler` and `syndication worker` instead",
            )
        if not args.once:
            from .schedule import run_daemon

            with run_lock(cfg):
                return run_daemon(cfg, signals)
        from . import metrics
        from .publish import publish_all

        # The publish saves what this run counted; metrics.flushed saves it when publish fails.
        with run_lock(cfg), _open_store(cfg) as store, metrics.flushed(store):
            partners = [p for p in cfg.partners if p.enabled]
            reports = _ingest(
                cfg, store, signals, force=args.force, on_report=_progress(len(partners))
            )
            status = _summarise(reports, named=False)
            # Also after a SIGTERM: what was stored reaches the feeds (local work, quick).
            published = publish_all(cfg, store, ping=_websub_ping(cfg))
        changed = sum(1 for p in published if p.changed)
        print(
            f"published {_plural(len(published), 'feed file')} ({changed} changed) "
            f"in {cfg.publish.out_dir}"
        )
        return status


def _ingest(cfg: Config, store: Any, signals: StopSignals, **kwargs: Any) -> list[IngestReport]:
    """run_ingest that a SIGTERM cuts short: the requests and scrapes in flight end at once,
    articles already built are stored, the rest waits for the next run."""
    from .fetch import Fetcher
    from .ingest import run_ingest, scrape_pool

    fetcher = Fetcher(cfg.fetch)
    pages = scrape_pool(cfg)
    signals.on_stop(fetcher.abort)
    signals.on_stop(pages.abort)
    try:
        return run_ingest(cfg, store, fetcher=fetcher, pages=pages, stop=signals.event, **kwargs)
    finally:
        fetcher.close()
        pages.close()


def cmd_publish(args: argparse.Namespace) -> int:
    from . import metrics
    from .publish import publish_all

    cfg = load_config(args)
    with _open_store(cfg) as store, metrics.flushed(store):
        published = publish_all(cfg, store, force=args.force, ping=_websub_ping(cfg))
    changed = sum(1 for p in published if p.changed)
    print(
        f"published {_plural(len(published), 'feed file')} ({changed} changed) "
        f"in {cfg.publish.out_dir}"
    )
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    cfg = load_config(args)
    host = args.host or cfg.serve.host
    port = cfg.serve.port if args.port is None else args.port
    serve(cfg, host, port, from_store=args.from_store or cfg.cluster.enabled)
    return EXIT_OK


def cmd_scheduler(args: argparse.Namespace) -> int:
    from .cluster import run_scheduler

    return run_scheduler(load_config(args))


def cmd_worker(args: argparse.Namespace) -> int:
    from .cluster import run_worker

    if args.concurrency is not None and args.concurrency < 1:
        raise ConfigError("--concurrency must be at least 1", path="command line")
    return run_worker(
        load_config(args),
        concurrency=args.concurrency,
        pool=args.pool,
        hostname=args.hostname,
        loglevel="DEBUG" if args.verbose else "INFO",
    )


def cmd_scrape(args: argparse.Namespace) -> int:
    from .model import ScrapeRules
    from .sanitize import sanitize_html, wrap_rtl
    from .scrape import scrape

    rules, timezone, fetch_settings = ScrapeRules(), "UTC", None
    # Without a config file, scrape works with the generic rules; but a file the operator
    # named (--config, $SYNDICATION_CONFIG) must exist, or a typo would go unnoticed.
    named = args.config or os.environ.get(config_mod.ENV_CONFIG)
    if args.partner or named or Path(config_mod.default_path()).exists():
        cfg = load_config(args)
        fetch_settings = cfg.fetch
        if args.partner:
            partner = cfg.partner(args.partner)
            if partner is None:
                raise ConfigError(
                    f"no partner with id {args.partner!r}", path=cfg.path, key="partners"
                )
            rules, timezone, fetch_settings = partner.rules, partner.timezone, partner.fetch
    source: str = args.source
    charset = None
    if source.startswith(("http://", "https://")):
        from .fetch import Fetcher
        from .model import FetchSettings

        fetcher = Fetcher(fetch_settings or FetchSettings())
        try:
            page = fetcher.get(source, partner_id=args.partner, kind="page")
        finally:
            fetcher.close()
        body, url = page.body, page.final_url
        content_type = page.header("content-type") or ""
        if "charset=" in content_type:
            charset = content_type.split("charset=", 1)[1].split(";")[0].strip(" \"'")
    else:
        path = Path(source)
        try:
            body = path.read_bytes()
        except OSError as e:
            _error(f"{source}: cannot read the file: {e.strerror}")
            return EXIT_FATAL
        url = args.base_url or path.resolve().as_uri()
    try:
        scraped = scrape(
            body, url, rules, timezone=timezone, http_charset=charset, base_url=args.base_url
        )
    except PartnerError as e:
        _error(str(e))
        return EXIT_PARTIAL
    record = scraped_record(scraped, sanitize_html, wrap_rtl)
    if args.json:
        print(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        for key, value in record.items():
            if key not in ("body_html",):
                print(f"{key:>10}: {value}")
    return EXIT_OK


def scraped_record(
    scraped: Scraped,
    sanitize: Callable[..., str],
    wrap: Callable[[str], str],
) -> dict[str, Any]:
    """The record `scrape --json` prints: exactly the fields the issue names."""

    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "url": scraped.url,
        "title": scraped.title,
        "urgent": scraped.urgent,
        "published": iso(scraped.published),
        "updated": iso(scraped.updated),
        "author": scraped.author,
        "categories": list(scraped.categories),
        "summary": scraped.summary,
        "body_text": scraped.body_text,
        "body_html": wrap(sanitize(scraped.body_html, base_url=scraped.url)),
        "images": [
            {
                "url": i.url,
                "caption": i.caption,
                "credit": i.credit,
                "alt": i.alt,
                "width": i.width,
                "height": i.height,
            }
            for i in scraped.images
        ],
        "language": scraped.language,
    }


def cmd_partners_list(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    with _open_store(cfg) as store:
        states = {s.partner_id: s for s in store.partner_states()}
    rows = [("PARTNER", "ENABLED", "LAST SUCCESS", "NEXT POLL", "ERRORS", "LAST ERROR")]
    for p in cfg.partners:
        s = states.get(p.id)
        rows.append(
            (
                p.id,
                "no" if not p.enabled else ("gone" if s and s.disabled_reason else "yes"),
                _when(s.last_success_at if s else None),
                _when(s.next_check_at if s else None),
                str(s.consecutive_errors if s else 0),
                ((s.disabled_reason or s.last_error or "") if s else "")[:70],
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    return EXIT_OK


def cmd_partners_status(args: argparse.Namespace) -> int:
    from . import health

    cfg = load_config(args)
    _check_partner_ids(cfg, args.partner)
    now = dt.datetime.now(dt.UTC)
    with _open_store(cfg) as store:
        rows = health.assess(cfg, store, now)
    if args.partner:
        rows = [r for r in rows if r.partner_id in set(args.partner)]
    flagged = [r for r in rows if r.flags]
    if args.json:
        doc = {
            "at": now.isoformat().replace("+00:00", "Z"),
            "flagged": [r.partner_id for r in flagged],
            "partners": [r.as_json() for r in rows],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return EXIT_PARTIAL if flagged else EXIT_OK
    table = [
        (
            "PARTNER",
            "STATUS",
            "LAST ATTEMPT",
            "LAST SUCCESS",
            "LAST NEW ITEM",
            "FAILS",
            "24H",
            "7D",
            "PAGE",
            "SHORT/EMPTY",
            "LAST ERROR",
        )
    ]
    for r in rows:
        status = ",".join(f.upper() for f in r.flags) or r.status
        short = "-"
        if r.sampled:
            short = f"{r.short_share or 0:.0%}/{r.empty_share or 0:.0%} of {r.sampled}"
        error = f"{r.last_error_class}: {r.last_error}" if r.last_error_class else r.last_error
        table.append(
            (
                r.partner_id,
                status,
                _ago(r.last_attempt_at, now),
                _ago(r.last_success_at, now),
                _ago(r.last_new_item_at, now),
                f"{r.failure_streak}/{r.failure_alert}",
                str(r.items_24h),
                str(r.items_7d),
                "-" if r.median_page_seconds is None else f"{r.median_page_seconds * 1000:.0f}ms",
                short,
                (r.disabled_reason or error or "")[:90],
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for line in table:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
    if flagged:
        print(
            f"\n{len(flagged)} of {len(rows)} partners flagged: "
            + ", ".join(f"{r.partner_id} ({', '.join(r.flags)})" for r in flagged)
        )
    return EXIT_PARTIAL if flagged else EXIT_OK


def _ago(value: dt.datetime | None, now: dt.datetime) -> str:
    """ "7h02m ago": an editor reads ages, not timestamps."""
    if value is None:
        return "never"
    seconds = int((now - value).total_seconds())
    if seconds < 0:
        return _when(value)
    if seconds < 60:
        return f"{seconds}s ago"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}h{minutes % 60:02d}m ago"
    return f"{hours // 24}d{hours % 24:02d}h ago"


def cmd_partners_import(args: argparse.Namespace) -> int:
    from .opml import partners_from_opml, partners_to_toml

    cfg = load_config(args, need_partners=False)
    existing = {p.id for p in cfg.partners} | {p.feed_url for p in cfg.partners}
    found = partners_from_opml(Path(args.file), taken=existing)
    # One verdict per outline, the same with and without --write.
    accepted, refused = _importable(cfg, args.file, found)
    for line in refused:
        print(line, file=sys.stderr)
    if not accepted:
        if refused:
            raise ConfigError(
                f"no importable outlines ({len(refused)} not importable, see above)",
                path=args.file,
            )
        print(f"nothing to import: every feed in {args.file} is configured already")
        return EXIT_OK
    status = EXIT_PARTIAL if refused else EXIT_OK
    snippet = partners_to_toml(accepted)
    if not args.write:
        print(snippet, end="")
        not_taken = f", {_plural(len(refused), 'outline')} not" if refused else ""
        print(
            f"# {_plural(len(accepted), 'partner')} importable{not_taken}; "
            f"re-run with --write to append them to {cfg.path}",
            file=sys.stderr,
        )
        return status
    path = Path(cfg.path)
    original = path.read_text(encoding="utf-8")
    candidate = original.rstrip("\n") + "\n\n" + snippet
    tmp = path.with_name(f".{path.name}.import.tmp")
    tmp.write_text(candidate, encoding="utf-8")
    try:
        config_mod.load(tmp)  # never write a config that would not load
    except ConfigError as e:
        tmp.unlink()
        raise ConfigError(
            f"the imported partners would make the config invalid: {e.message}",
            path=args.file,
            key=e.key,
        ) from None
    tmp.replace(path)
    print(f"added {_plural(len(accepted), 'partner')} to {cfg.path}")
    return status


def _importable(
    cfg: Config, source: str, found: list[dict[str, str]]
) -> tuple[list[dict[str, str]], list[str]]:
    """(partner tables that load as part of `cfg`, one message per refused outline)."""
    accepted: list[dict[str, str]] = []
    refused: list[str] = []
    for entry in found:
        try:
            config_mod.check_partner(cfg, entry)
        except ConfigError as e:
            why = e.message + (f" ({e.hint})" if e.hint else "")
            refused.append(
                f"{source}: outline {entry['name']!r} ({entry['feed_url']}) not importable: {why}"
            )
        else:
            accepted.append(entry)
    return accepted, refused


def cmd_partners_export(args: argparse.Namespace) -> int:
    from .opml import partners_to_opml

    cfg = load_config(args)
    sys.stdout.write(partners_to_opml(cfg.partners, title=cfg.publish.title))
    return EXIT_OK


# -- helpers ---------------------------------------------------------------------------


def _open_store(cfg: Config) -> Any:
    from .store import open_store

    return _closing(open_store(cfg.storage_url, stories=cfg.stories))


class _closing:
    def __init__(self, store: Any) -> None:
        self.store = store

    def __enter__(self) -> Any:
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()


def _websub_ping(cfg: Config) -> Callable[[str, list[str]], None] | None:
    if not cfg.publish.hub_url:
        return None
    from .fetch import ping_hub

    def ping(hub: str, urls: list[str]) -> None:
        ping_hub(hub, urls, cfg.fetch)

    return ping


def _check_partner_ids(cfg: Config, ids: list[str] | None) -> None:
    for pid in ids or ():
        if cfg.partner(pid) is None:
            known = ", ".join(p.id for p in cfg.partners) or "none"
            raise ConfigError(
                f"no partner with id {pid!r} (configured: {known})", path=cfg.path, key="partners"
            )


def _progress(total: int) -> Callable[[IngestReport], None] | None:
    """A one-line progress bar on a terminal; log lines alone otherwise (cron, CI)."""
    if not sys.stderr.isatty():
        return None
    done = [0]

    def show(report: IngestReport) -> None:
        done[0] += 1
        width = 30
        filled = int(width * done[0] / max(total, 1))
        bar = "█" * filled + "·" * (width - filled)
        sys.stderr.write(f"\r[{bar}] {done[0]}/{total} {report.partner_id}: {report.status}   ")
        if done[0] >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def _summarise(reports: list[IngestReport], *, named: bool) -> int:
    """The run's result on stdout. Partners that were not polled are not counted as
    ingested: each named one (--partner) says until when it waits, otherwise one line
    counts them."""
    waiting = [r for r in reports if r.status in ("deferred", "disabled")]
    polled = [r for r in reports if r.status not in ("deferred", "disabled", "stopped")]
    failed = [r for r in polled if r.status == "failed"]
    new = sum(r.new for r in polled)
    updated = sum(r.updated for r in polled)
    items_failed = sum(len(r.failures) for r in polled)
    print(
        f"ingested {_plural(len(polled), 'partner')}: {new} new, {updated} updated, "
        f"{_plural(len(failed), 'partner')} failed, "
        f"{_plural(items_failed, 'article page')} failed"
    )
    for r in failed:
        print(f"  FAILED {r.partner_id}: {r.error}")
    for r in waiting:
        if r.status == "disabled":
            print(f"  {r.partner_id}: disabled: {r.error} (use --force to poll it anyway)")
        elif named:
            until = _when(r.next_poll)
            print(f"  {r.partner_id}: deferred until {until} (use --force to poll now)")
    deferred = [r.next_poll for r in waiting if r.status == "deferred"]
    if deferred and not named:
        due = [when for when in deferred if when is not None]
        print(
            f"  {_plural(len(deferred), 'partner')} not due yet"
            + (f", the next at {_when(min(due))}" if due else "")
            + " (use --force to poll now)"
        )
    stopped = sum(1 for r in reports if r.status == "stopped")
    if stopped:
        print(
            f"  {_plural(stopped, 'partner')} not polled: stopped by a signal (the next run "
            "polls them)"
        )
    return EXIT_PARTIAL if failed else EXIT_OK


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _port(text: str) -> int:
    """--port: a TCP port, or 0 for any free one (the server logs the port it got)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        # Checked here: the socket layer would take 99999 modulo 65536 without a word.
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port number (use 1-65535, or 0 for any free port)"
        )
    return value


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ") if value else "-"


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url


def _error(message: str) -> None:
    print(f"syndication: error: {message}", file=sys.stderr)


__all__ = ["main"]
