"""config.toml → frozen Config.

Every problem is a ConfigError naming the file, the key path and what to do, e.g.
``config.toml: partners[2].feed_url: not an http(s) URL``. Unknown keys are rejected
(typos must not silently fall back to defaults). `check-config` runs this same code.
"""

from __future__ import annotations

import codecs
import dataclasses
import difflib
import os
import re
import tomllib
import types
import typing
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import unquote, urlsplit

from .arabic.slug import RESERVED_SLUGS, is_safe_slug, slugify
from .arabic.text import clean_text
from .errors import ConfigError
from .model import (
    ALL_FORMATS,
    FeedSpec,
    FetchSettings,
    PartnerFeed,
    ScrapeRules,
    StorySettings,
)


@dataclass(frozen=True, slots=True)
class CategoryDef:
    """One of our categories: the Arabic label readers see and its stable ASCII slug."""

    label: str
    slug: str
    aliases: tuple[str, ...] = ()  # other labels (from partners) that mean this category


@dataclass(frozen=True, slots=True)
class PublishSettings:
    base_url: str = "http://127.0.0.1:8080/"  # where feeds/ is served; absolute self links
    out_dir: str = "feeds"  # resolved against the config file's directory
    # Private feeds only: never inside out_dir (a web server may serve all of that), 0700.
    private_dir: str = "feeds-private"
    site_url: str = "https://example.invalid/"
    title: str = "syndication"
    description: str = "أخبار الشركاء"
    language: str = "ar"
    scheme_base: str = "https://example.invalid/taxonomy/"  # category / flags schemes
    logo_url: str | None = None
    hub_url: str | None = None  # WebSub hub; pinged after a feed changes
    per_category: bool = True  # one feed per category seen in the store
    per_partner: bool = True  # one feed per configured partner
    default_limit: int = 50
    max_bytes: int = 2_000_000
    stylesheet: bool = True  # <?xml-stylesheet?> so browsers render the feed RTL


@dataclass(frozen=True, slots=True)
class SchedulerSettings:
    publish_debounce: float = 5.0  # seconds: a burst of ingests makes one publish
    publish_interval: int = 900  # seconds: fallback publish even when nothing changed
    misfire_grace: int = 60
    workers: int = 8  # thread pool for partner polls
    # Worker processes that scrape article pages (scrapepool.py); None: one per CPU core
    # (none on one core), 0: scrape in the polling threads.
    scrape_processes: int | None = None
    scrape_timeout: float = 60.0  # seconds one page may take before its worker is stopped
    # Added to the workers' niceness (scrapepool.WORKER_NICENESS says why); 0: none.
    scrape_niceness: int = 10


@dataclass(frozen=True, slots=True)
class ServeSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    stale_after: int = 3600  # /healthz fails when the last publish is older
    tokens: tuple[tuple[str, str], ...] = ()  # (partner name, token) for private feeds
    status_token: str | None = None  # opens /status only; any [serve.tokens] token does too


# --- [health]: when the status page flags a partner (syndication/health.py) -------------


@dataclass(frozen=True, slots=True)
class HealthSettings:
    idle_alert: int = 6 * 3600  # seconds answering without a new item before "quiet"
    failure_alert: int = 5  # failed polls in a row before "failing"
    short_body: int = 300  # letters: a body shorter than this is "short"
    poor_share: float = 0.5  # short or empty bodies among the latest articles → "poor pages"
    poor_sample: int = 5  # …once at least this many articles were built


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    """[cluster]: Celery workers, a standby-capable scheduler, stateless serving (PostgreSQL)."""

    enabled: bool = False  # off: the single-process daemon (`run`) is the run mode
    broker_url: str = "redis://127.0.0.1:6379/0"  # Celery broker (redis:// or amqp://)
    result_backend: str | None = None  # task results are not needed; set for benchmarks
    redis_url: str | None = None  # shared limiter and debounce keys; default: broker_url
    queue: str = "syndication"  # Celery queue for our tasks
    key_prefix: str = "syndication"  # prefix of every Redis key we and the broker write
    host_rate_limit: float = 2.0  # article page requests per second per host, all workers; 0 = off
    visibility_timeout: int = 600  # seconds before a dead worker's task is delivered again
    task_time_limit: int = 300  # a task running longer is killed (must be < visibility_timeout)
    leader_poll: float = 1.0  # seconds between standby schedulers' attempts to take over
    dispatch_interval: float = 1.0  # seconds between the active scheduler's scans for due partners


@dataclass(frozen=True, slots=True)
class Config:
    path: str  # the file this came from; used in every message
    base_dir: str  # its directory: relative paths resolve against it
    storage_url: str
    fetch: FetchSettings
    publish: PublishSettings
    scheduler: SchedulerSettings
    serve: ServeSettings
    partners: tuple[PartnerFeed, ...]
    feeds: tuple[FeedSpec, ...]
    categories: tuple[CategoryDef, ...] = field(default=())
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    health: HealthSettings = field(default_factory=HealthSettings)
    stories: StorySettings = field(default_factory=StorySettings)
    # partner id → partner: publishing names a story's sources from it, hundreds of
    # times a run, and a scan of a thousand partners each time showed in its profile.
    _by_id: dict[str, PartnerFeed] = field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        # setdefault: the first of duplicate ids wins, as the scan it replaces did.
        for p in self.partners:
            self._by_id.setdefault(p.id, p)

    def partner(self, partner_id: str) -> PartnerFeed | None:
        return self._by_id.get(partner_id)


# --- loading and validation -----------------------------------------------------------

ENV_CONFIG = "SYNDICATION_CONFIG"
ENV_STORAGE = "SYNDICATION_STORAGE_URL"  # overrides [storage].url (deployments, CI)
DEFAULT_CONFIG = "config.toml"

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_FEED_KINDS = ("main", "urgent", "category", "partner")
URGENT_MAX_ITEM_AGE = 48.0  # hours; [[feeds]] max_item_age of an urgent feed that sets none
_MAX_ITEM_AGE_LIMIT = 87_600.0  # ten years: beyond it a timedelta could overflow
_TOKEN_ENV_PREFIX = "env:"


def default_path() -> str:
    return os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG


def load(path: str | os.PathLike[str] | None = None) -> Config:
    """Read, validate and freeze the configuration. Raises ConfigError."""
    shown = str(path if path is not None else default_path())
    file = Path(shown)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            "file not found",
            path=shown,
            hint="pass --config PATH, set $SYNDICATION_CONFIG, or run from the directory "
            "that holds config.toml",
        ) from None
    except OSError as e:
        raise ConfigError("cannot read the file", path=shown) from e
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ConfigError("not UTF-8 text", path=shown, hint="save the file as UTF-8") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"not valid TOML: {e}", path=shown) from None
    return _Loader(shown, file.resolve().parent).config(data)


class _Loader:
    """Walks the TOML tables; every error carries the dotted key path."""

    def __init__(self, path: str, base_dir: Path) -> None:
        self.path = path
        self.base_dir = base_dir

    def fail(self, key: str, message: str, hint: str | None = None) -> NoReturn:
        raise ConfigError(message, path=self.path, key=key, hint=hint)

    # -- generic ---------------------------------------------------------------------

    def table(self, value: object, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(key, f"expected a table, got {_type_name(value)}")
        return value

    def known(self, table: dict[str, Any], key: str, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for name in table:
            if name not in allowed:
                near = difflib.get_close_matches(name, sorted(allowed), n=1)
                hint = f"did you mean '{near[0]}'?" if near else "remove it"
                self.fail(_join(key, name), "unknown key", hint)

    def fields(
        self, cls: type[Any], table: dict[str, Any], key: str, skip: Iterable[str] = ()
    ) -> dict[str, Any]:
        """Type-check the scalar fields of a settings dataclass present in `table`."""
        skip = set(skip)
        hints = typing.get_type_hints(cls)
        out: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in skip or f.name not in table:
                continue
            out[f.name] = self.typed(table[f.name], hints[f.name], _join(key, f.name))
        return out

    def typed(self, value: object, hint: Any, key: str) -> Any:
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (types.UnionType, typing.Union):
            for arg in args:
                if arg is type(None):
                    continue
                return self.typed(value, arg, key)
        if hint is bool:
            if not isinstance(value, bool):
                self.fail(key, f"expected true or false, got {_type_name(value)}")
            return value
        if hint is int:
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(key, f"expected an integer, got {_type_name(value)}")
            return value
        if hint is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.fail(key, f"expected a number, got {_type_name(value)}")
            return float(value)
        if hint is str:
            if not isinstance(value, str):
                self.fail(key, f"expected a string, got {_type_name(value)}")
            return value
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            if not isinstance(value, list):
                self.fail(key, f"expected a list, got {_type_name(value)}")
            return tuple(self.typed(v, args[0], f"{key}[{i}]") for i, v in enumerate(value))
        if origin is typing.Literal or (
            origin is tuple and args and typing.get_origin(args[0]) is typing.Literal
        ):
            return value
        return value

    def check_range(self, key: str, value: float, low: float, high: float) -> None:
        if not low <= value <= high:
            self.fail(key, f"{value} is out of range", f"use a value from {low:g} to {high:g}")

    def check_url(self, key: str, value: str, *, file_ok: bool = False) -> str:
        parts = urlsplit(value)
        if parts.scheme == "file" and file_ok:
            return self.file_url(key, value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            allowed = "an http(s) or file: URL" if file_ok else "an http(s) URL"
            self.fail(key, f"not {allowed}: {value!r}")
        return value

    def file_url(self, key: str, value: str) -> str:
        # file:demo/x.xml is relative to the config file, so the shipped config works from
        # any working directory.
        rest = value[len("file:") :]
        if rest.startswith("//"):
            rest = urlsplit(value).path
        target = Path(unquote(rest))
        if not target.is_absolute():
            target = self.base_dir / target
        return target.resolve().as_uri()

    # -- sections --------------------------------------------------------------------

    def config(self, data: dict[str, Any]) -> Config:
        self.known(
            data,
            "",
            (
                "storage",
                "fetch",
                "publish",
                "scheduler",
                "serve",
                "categories",
                "partners",
                "feeds",
                "cluster",
                "health",
                "stories",
            ),
        )
        storage = self.table(data.get("storage", {}), "storage")
        self.known(storage, "storage", ("url",))
        url = os.environ.get(ENV_STORAGE) or storage.get("url", "sqlite:///syndication.db")
        if not isinstance(url, str):
            self.fail("storage.url", f"expected a string, got {_type_name(url)}")
        fetch = self.fetch(data.get("fetch", {}), "fetch", FetchSettings())
        publish = self.publish(data.get("publish", {}))
        scheduler = self.scheduler(data.get("scheduler", {}))
        serve = self.serve(data.get("serve", {}))
        categories = self.categories(data.get("categories", []))
        partners = self.partners(data.get("partners", []), fetch)
        feeds = self.feeds(data.get("feeds", []), partners, publish)
        storage_url = self.storage_url(url)
        cluster = self.cluster(data.get("cluster", {}), storage_url)
        health = self.health(data.get("health", {}))
        stories = self.stories(data.get("stories", {}))
        return Config(
            path=self.path,
            base_dir=str(self.base_dir),
            storage_url=storage_url,
            fetch=fetch,
            publish=publish,
            scheduler=scheduler,
            serve=serve,
            partners=partners,
            feeds=feeds,
            categories=categories,
            cluster=cluster,
            health=health,
            stories=stories,
        )

    def storage_url(self, url: str) -> str:
        key = "storage.url"
        if url.startswith("sqlite:///"):
            rest = url[len("sqlite:///") :]
            if not rest or rest.startswith("/") or rest.startswith(":memory:"):
                return url
            # Relative SQLite paths follow the config file, not the working directory.
            return "sqlite:///" + str((self.base_dir / rest).resolve())
        if url.startswith(("postgresql://", "postgresql+psycopg://")):
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://") :]
            return url
        self.fail(
            key,
            f"unsupported database URL {url!r}",
            "use sqlite:///path.db or postgresql+psycopg://user@host/db",
        )

    def fetch(self, value: object, key: str, base: FetchSettings) -> FetchSettings:
        table = self.table(value, key)
        self.known(table, key, (f.name for f in dataclasses.fields(FetchSettings)))
        vals = self.fields(FetchSettings, table, key)
        result = dataclasses.replace(base, **vals)
        self.check_range(f"{key}.connect_timeout", result.connect_timeout, 0.1, 120)
        self.check_range(f"{key}.read_timeout", result.read_timeout, 0.1, 300)
        self.check_range(f"{key}.deadline", result.deadline, 0.5, 600)
        self.check_range(f"{key}.max_bytes", result.max_bytes, 1024, 200_000_000)
        self.check_range(f"{key}.max_redirects", result.max_redirects, 0, 20)
        self.check_range(f"{key}.max_per_host", result.max_per_host, 1, 64)
        self.check_range(f"{key}.min_host_interval", result.min_host_interval, 0, 60)
        if not result.user_agent.strip():
            self.fail(f"{key}.user_agent", "must not be empty")
        return result

    def publish(self, value: object) -> PublishSettings:
        key = "publish"
        table = self.table(value, key)
        self.known(table, key, (f.name for f in dataclasses.fields(PublishSettings)))
        result = PublishSettings(**self.fields(PublishSettings, table, key))
        for name in ("base_url", "site_url", "scheme_base"):
            self.check_url(f"{key}.{name}", getattr(result, name))
        for name in ("logo_url", "hub_url"):
            if getattr(result, name):
                self.check_url(f"{key}.{name}", getattr(result, name))
        if not result.base_url.endswith("/"):
            result = dataclasses.replace(result, base_url=result.base_url + "/")
        if not result.scheme_base.endswith("/"):
            result = dataclasses.replace(result, scheme_base=result.scheme_base + "/")
        given = result
        result = dataclasses.replace(
            result,
            out_dir=self.local_dir(f"{key}.out_dir", result.out_dir),
            private_dir=self.local_dir(f"{key}.private_dir", result.private_dir),
        )
        self.check_private_dir(result, given)
        self.check_range(f"{key}.default_limit", result.default_limit, 1, 1000)
        self.check_range(f"{key}.max_bytes", result.max_bytes, 10_000, 50_000_000)
        if result.language.strip() == "":
            self.fail(f"{key}.language", "must not be empty")
        return result

    def local_dir(self, key: str, value: str) -> str:
        """A directory setting: relative paths follow the config file."""
        if not value.strip():
            self.fail(key, "must not be empty")
        path = Path(value)
        return str(path if path.is_absolute() else (self.base_dir / path))

    def check_private_dir(self, publish: PublishSettings, given: PublishSettings) -> None:
        """Private feeds must not be reachable through the public directory (which nginx
        may serve whole), and the public one must not sit in the 0700 private one.
        `given`: the settings as written, for the message."""
        public = Path(publish.out_dir).resolve()
        private = Path(publish.private_dir).resolve()
        where = f"{given.private_dir!r} and out_dir {given.out_dir!r}"
        if private.is_relative_to(public):
            self.fail(
                "publish.private_dir",
                f"{where}: the private feeds would be inside the public directory",
                'use a directory beside out_dir, e.g. private_dir = "feeds-private"',
            )
        if public.is_relative_to(private):
            self.fail(
                "publish.private_dir",
                f"{where}: the public directory would be inside the private one",
                'use a directory beside out_dir, e.g. private_dir = "feeds-private"',
            )

    def scheduler(self, value: object) -> SchedulerSettings:
        key = "scheduler"
        table = self.table(value, key)
        self.known(table, key, (f.name for f in dataclasses.fields(SchedulerSettings)))
        result = SchedulerSettings(**self.fields(SchedulerSettings, table, key))
        self.check_range(f"{key}.publish_debounce", result.publish_debounce, 0, 600)
        self.check_range(f"{key}.publish_interval", result.publish_interval, 10, 86400)
        self.check_range(f"{key}.misfire_grace", result.misfire_grace, 1, 3600)
        self.check_range(f"{key}.workers", result.workers, 1, 256)
        if result.scrape_processes is not None:
            self.check_range(f"{key}.scrape_processes", result.scrape_processes, 0, 64)
        self.check_range(f"{key}.scrape_timeout", result.scrape_timeout, 1, 3600)
        self.check_range(f"{key}.scrape_niceness", result.scrape_niceness, 0, 19)
        return result

    def serve(self, value: object) -> ServeSettings:
        key = "serve"
        table = self.table(value, key)
        self.known(table, key, ("host", "port", "stale_after", "tokens", "status_token"))
        vals = self.fields(ServeSettings, table, key, skip=("tokens", "status_token"))
        tokens_table = self.table(table.get("tokens", {}), f"{key}.tokens")
        tokens: list[tuple[str, str]] = []
        for name, token in tokens_table.items():
            tokens.append((name, self.token(token, f"{key}.tokens.{name}")))
        status_token = None
        if "status_token" in table:
            status_token = self.token(table["status_token"], f"{key}.status_token")
        result = ServeSettings(**vals, tokens=tuple(tokens), status_token=status_token)
        self.check_range(f"{key}.port", result.port, 0, 65535)
        self.check_range(f"{key}.stale_after", result.stale_after, 10, 7 * 86400)
        return result

    def token(self, token: object, tkey: str) -> str:
        if not isinstance(token, str):
            self.fail(tkey, f"expected a string, got {_type_name(token)}")
        if token.startswith(_TOKEN_ENV_PREFIX):
            # Secrets can stay out of the file: token = "env:PARTNER_X_TOKEN".
            var = token[len(_TOKEN_ENV_PREFIX) :]
            token = os.environ.get(var, "")
            if not token:
                self.fail(tkey, f"environment variable {var} is not set or empty")
        if len(token) < 16:
            self.fail(tkey, "token too short", "use at least 16 random characters")
        return token

    def health(self, value: object) -> HealthSettings:
        key = "health"
        table = self.table(value, key)
        self.known(table, key, (f.name for f in dataclasses.fields(HealthSettings)))
        result = HealthSettings(**self.fields(HealthSettings, table, key))
        self.check_range(f"{key}.idle_alert", result.idle_alert, 60, 90 * 86400)
        self.check_range(f"{key}.failure_alert", result.failure_alert, 1, 1000)
        self.check_range(f"{key}.short_body", result.short_body, 1, 100_000)
        self.check_range(f"{key}.poor_share", result.poor_share, 0.01, 1)
        self.check_range(f"{key}.poor_sample", result.poor_sample, 1, 100)
        return result

    def stories(self, value: object) -> StorySettings:
        key = "stories"
        table = self.table(value, key)
        self.known(table, key, (f.name for f in dataclasses.fields(StorySettings)))
        result = StorySettings(**self.fields(StorySettings, table, key))
        self.check_range(f"{key}.window", result.window, 1, 720)
        if not 0 < result.threshold <= 1:  # NaN fails too
            self.fail(
                f"{key}.threshold",
                f"{result.threshold} is out of range",
                "use a share above 0 and at most 1, e.g. 0.4 (see docs/clustering.md)",
            )
        return result

    def cluster(self, value: object, storage_url: str) -> ClusterSettings:
        key = "cluster"
        table = self.table(value, key)
        self.known(table, key, (f.name for f in dataclasses.fields(ClusterSettings)))
        result = ClusterSettings(**self.fields(ClusterSettings, table, key))
        broker = urlsplit(result.broker_url).scheme
        if broker not in ("redis", "rediss", "amqp", "amqps"):
            self.fail(
                f"{key}.broker_url",
                f"unsupported broker URL {result.broker_url!r}",
                "use redis://host:6379/0 or amqp://user@host//",
            )
        redis_url = result.redis_url or result.broker_url
        if urlsplit(redis_url).scheme not in ("redis", "rediss"):
            self.fail(
                f"{key}.redis_url",
                "the shared limiter needs Redis",
                'set redis_url = "redis://host:6379/0" when the broker is RabbitMQ',
            )
        if not _ID_RE.match(result.queue):
            self.fail(
                f"{key}.queue",
                f"{result.queue!r} is not a valid queue name",
                "use lowercase ASCII letters, digits, '-' and '_'",
            )
        if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", result.key_prefix):
            self.fail(
                f"{key}.key_prefix",
                f"{result.key_prefix!r} is not a valid key prefix",
                "use ASCII letters, digits and '_.:-' (max 64)",
            )
        self.check_range(f"{key}.host_rate_limit", result.host_rate_limit, 0, 1000)
        self.check_range(f"{key}.visibility_timeout", result.visibility_timeout, 5, 86400)
        self.check_range(f"{key}.task_time_limit", result.task_time_limit, 1, 86400)
        if result.task_time_limit >= result.visibility_timeout:
            self.fail(
                f"{key}.task_time_limit",
                "must be shorter than visibility_timeout",
                "otherwise a running poll is delivered to a second worker",
            )
        self.check_range(f"{key}.leader_poll", result.leader_poll, 0.1, 60)
        self.check_range(f"{key}.dispatch_interval", result.dispatch_interval, 0.1, 60)
        if result.enabled and not storage_url.startswith("postgresql"):
            self.fail(
                f"{key}.enabled",
                "cluster mode needs PostgreSQL as the shared store",
                'set [storage] url = "postgresql+psycopg://user@host/db" '
                "(SQLite cannot be shared between machines)",
            )
        return result

    def categories(self, value: object) -> tuple[CategoryDef, ...]:
        if not isinstance(value, list):
            self.fail(
                "categories",
                f"expected an array of tables ([[categories]]), got {_type_name(value)}",
            )
        out: list[CategoryDef] = []
        seen_labels: dict[str, str] = {}
        seen_slugs: dict[str, str] = {}
        for i, item in enumerate(value):
            key = f"categories[{i}]"
            table = self.table(item, key)
            self.known(table, key, ("label", "slug", "aliases"))
            label = clean_text(
                self.typed(table.get("label"), str, f"{key}.label") if "label" in table else ""
            )
            if not label:
                self.fail(f"{key}.label", "missing or empty")
            slug = self.typed(table.get("slug", slugify(label)), str, f"{key}.slug")
            if not is_safe_slug(slug):
                self.fail(
                    f"{key}.slug",
                    f"{slug!r} is not a safe slug",
                    "use lowercase ASCII letters, digits and '-'",
                )
            if slug in RESERVED_SLUGS:
                self.fail(
                    f"{key}.slug", f"{slug!r} is reserved for our own feeds", "set another slug"
                )
            aliases = tuple(
                clean_text(a)
                for a in self.typed(table.get("aliases", []), tuple[str, ...], f"{key}.aliases")
            )
            for name in (label, *aliases):
                if name in seen_labels:
                    self.fail(key, f"label {name!r} already used by {seen_labels[name]}")
                seen_labels[name] = key
            if slug in seen_slugs:
                self.fail(f"{key}.slug", f"{slug!r} already used by {seen_slugs[slug]}")
            seen_slugs[slug] = key
            out.append(CategoryDef(label=label, slug=slug, aliases=aliases))
        return tuple(out)

    def partners(self, value: object, fetch: FetchSettings) -> tuple[PartnerFeed, ...]:
        if not isinstance(value, list):
            self.fail(
                "partners", f"expected an array of tables ([[partners]]), got {_type_name(value)}"
            )
        out: list[PartnerFeed] = []
        seen: dict[str, str] = {}
        for i, item in enumerate(value):
            key = f"partners[{i}]"
            table = self.table(item, key)
            self.known(table, key, (f.name for f in dataclasses.fields(PartnerFeed)))
            for required in ("id", "name", "feed_url"):
                if required not in table:
                    self.fail(
                        f"{key}.{required}", "missing", "every partner needs id, name and feed_url"
                    )
            vals = self.fields(PartnerFeed, table, key, skip=("rules", "category_map", "fetch"))
            pid = vals["id"]
            if not _ID_RE.match(pid):
                self.fail(
                    f"{key}.id",
                    f"{pid!r} is not a valid id",
                    "use lowercase ASCII letters, digits, '-' and '_' (max 63)",
                )
            if pid in seen:
                self.fail(f"{key}.id", f"duplicate partner id {pid!r} (also {seen[pid]})")
            seen[pid] = key
            vals["feed_url"] = self.check_url(f"{key}.feed_url", vals["feed_url"], file_ok=True)
            if vals.get("site_url"):
                self.check_url(f"{key}.site_url", vals["site_url"])
            partner_fetch = self.fetch(table.get("fetch", {}), f"{key}.fetch", fetch)
            if vals["feed_url"].startswith("file:") and not partner_fetch.allow_file_urls:
                self.fail(
                    f"{key}.feed_url",
                    "file: URLs are disabled",
                    "set allow_file_urls = true in [fetch] or this partner's [partners.fetch]",
                )
            rules_table = self.table(table.get("rules", {}), f"{key}.rules")
            self.known(
                rules_table, f"{key}.rules", (f.name for f in dataclasses.fields(ScrapeRules))
            )
            rules = ScrapeRules(**self.fields(ScrapeRules, rules_table, f"{key}.rules"))
            cmap_table = self.table(table.get("category_map", {}), f"{key}.category_map")
            cmap: list[tuple[str, str]] = []
            for src, dst in cmap_table.items():
                if not isinstance(dst, str) or not clean_text(dst):
                    self.fail(f"{key}.category_map.{src}", "expected a non-empty category label")
                cmap.append((clean_text(src), clean_text(dst)))
            partner = PartnerFeed(
                **vals, rules=rules, category_map=tuple(cmap), fetch=partner_fetch
            )
            self.check_range(f"{key}.interval", partner.interval, 10, 86400)
            self.check_range(f"{key}.jitter", partner.jitter, 0, 3600)
            self.check_range(f"{key}.max_items", partner.max_items, 1, 1000)
            if partner.idle_alert is not None:
                self.check_range(f"{key}.idle_alert", partner.idle_alert, 60, 90 * 86400)
            if partner.failure_alert is not None:
                self.check_range(f"{key}.failure_alert", partner.failure_alert, 1, 1000)
            try:
                zoneinfo.ZoneInfo(partner.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                self.fail(
                    f"{key}.timezone",
                    f"unknown time zone {partner.timezone!r}",
                    "use an IANA name such as 'Africa/Cairo'",
                )
            if partner.encoding:
                try:
                    codecs.lookup(partner.encoding)
                except LookupError:
                    self.fail(
                        f"{key}.encoding",
                        f"unknown encoding {partner.encoding!r}",
                        "e.g. 'windows-1256'",
                    )
            out.append(partner)
        return tuple(out)

    def feeds(
        self, value: object, partners: tuple[PartnerFeed, ...], publish: PublishSettings
    ) -> tuple[FeedSpec, ...]:
        if not isinstance(value, list):
            self.fail("feeds", f"expected an array of tables ([[feeds]]), got {_type_name(value)}")
        out: list[FeedSpec] = []
        seen: dict[str, str] = {}
        partner_ids = {p.id for p in partners}
        for i, item in enumerate(value):
            key = f"feeds[{i}]"
            table = self.table(item, key)
            self.known(table, key, (f.name for f in dataclasses.fields(FeedSpec)))
            for required in ("key", "title", "kind"):
                if required not in table:
                    self.fail(f"{key}.{required}", "missing")
            vals = self.fields(FeedSpec, table, key, skip=("formats", "kind", "dedupe"))
            if "dedupe" in table:
                if table["dedupe"] not in ("cluster", "none"):
                    self.fail(
                        f"{key}.dedupe",
                        f"{table['dedupe']!r} is not one of cluster, none",
                        '"cluster": one item per story; "none": every article',
                    )
                vals["dedupe"] = table["dedupe"]
            kind = table["kind"]
            if kind not in _FEED_KINDS:
                self.fail(f"{key}.kind", f"{kind!r} is not one of {', '.join(_FEED_KINDS)}")
            formats = self.typed(
                table.get("formats", list(ALL_FORMATS)), tuple[str, ...], f"{key}.formats"
            )
            for j, fmt in enumerate(formats):
                if fmt not in ALL_FORMATS:
                    self.fail(
                        f"{key}.formats[{j}]", f"{fmt!r} is not one of {', '.join(ALL_FORMATS)}"
                    )
            if not formats:
                self.fail(f"{key}.formats", "must name at least one format")
            vals.setdefault("limit", publish.default_limit)
            if kind == "urgent":
                vals.setdefault("max_item_age", URGENT_MAX_ITEM_AGE)
            age = vals.get("max_item_age")
            if age is not None and not (0 < age <= _MAX_ITEM_AGE_LIMIT):  # NaN fails too
                self.fail(
                    f"{key}.max_item_age",
                    f"{age:g} is not a positive number of hours",
                    f"use hours above 0 and at most {_MAX_ITEM_AGE_LIMIT:g}, e.g. 48",
                )
            spec = FeedSpec(**vals, kind=kind, formats=tuple(dict.fromkeys(formats)))
            if not is_safe_slug(spec.key):
                self.fail(
                    f"{key}.key",
                    f"{spec.key!r} is not a safe file name",
                    "use lowercase ASCII letters, digits and '-'",
                )
            if spec.key in seen:
                self.fail(f"{key}.key", f"duplicate feed key {spec.key!r} (also {seen[spec.key]})")
            seen[spec.key] = key
            if kind in ("category", "partner") and not spec.value:
                self.fail(f"{key}.value", f"a {kind} feed needs a value")
            if kind == "partner" and spec.value not in partner_ids:
                self.fail(f"{key}.value", f"no partner with id {spec.value!r}")
            self.check_range(f"{key}.limit", spec.limit, 1, 1000)
            self.check_range(f"{key}.ttl", spec.ttl, 1, 1440)
            self.check_range(f"{key}.max_age", spec.max_age, 0, 86400)
            out.append(spec)
        return tuple(out)


def check_partner(config: Config, table: dict[str, Any]) -> PartnerFeed:
    """Validate one [[partners]] table as `load` would in `config`'s file (same rules, same
    [fetch] defaults); raises ConfigError. `partners import-opml` judges each outline with
    it, so its dry run and --write give the same verdict."""
    loader = _Loader(config.path, Path(config.base_dir))
    return loader.partners([table], config.fetch)[0]


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _type_name(value: object) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)
