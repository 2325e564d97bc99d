"""The only HTTP client: partner feeds and article pages → `Fetched` (requests lives here).

What one `Fetcher.get` does, in order:

1. ``file:`` URLs (demo and drop-folder partners) are read from disk, only inside
   `file_root` and only when `allow_file_urls` is set; they get a validator from
   mtime+size, so conditional GET works for files too.
2. For pages: robots.txt (optional, cached per host), then the per-host gate (at most
   `max_per_host` in flight, `min_host_interval` between starts).
3. Each hop: the host is resolved and every address vetted (no loopback, private,
   link-local, multicast, reserved, unspecified) unless `allow_private_networks`; the
   connection itself re-vets and connects to the exact address it checked (no DNS-rebinding
   window between check and connect). Redirects are followed by hand, at most
   `max_redirects`, loops refused.
4. Status policy: 2xx read; 304 → ``not_modified``; 410 → ``FetchError(gone=True)``;
   429/503 → ``FetchError(retry_after=…)``; other ≥ 400 → ``FetchError(status=…)``.
5. The body is read raw from the socket in small pieces under a total deadline, capped in
   wire bytes and, after our own incremental gzip/deflate decoding, in decoded bytes: a slow
   drip or a gzip bomb costs at most `deadline` seconds and `max_bytes` bytes.

`Fetcher.abort()` (the run is stopping) shuts down the socket of every request in flight,
wakes the requests queued at a host gate, and refuses new ones: each ends at once with a
FetchError instead of running on to its deadline.
"""

from __future__ import annotations

import email.utils
import ipaddress
import logging
import mimetypes
import os
import socket
import threading
import time
import urllib.parse
import urllib.request
import urllib.robotparser
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .errors import FetchError
from .model import Fetched, FetchSettings

log = logging.getLogger("syndication.fetch")

FetchKind = Literal["feed", "page"]

PRIVATE_HINT = "set allow_private_networks = true for this partner only if you trust it"

_ACCEPT = {
    "feed": (
        "application/rss+xml, application/atom+xml, application/feed+json, "
        "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, "
        "application/json;q=0.8, */*;q=0.5"
    ),
    "page": "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_CHUNK = 16_384
_ROBOTS_MAX_BYTES = 512_000

_FILE_TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".json": "application/feed+json",
    ".html": "text/html",
    ".htm": "text/html",
}


# --- address policy -------------------------------------------------------------------


class AddressRefused(OSError):
    """A destination address our policy forbids. An OSError so urllib3 wraps it normally."""


def _refused_reason(address: str) -> str | None:
    """Why `address` may not be contacted, or None when it is a public unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # Embedded IPv4 (::ffff:10.0.0.1, 6to4, Teredo) is judged as the IPv4 it reaches.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            ip = embedded
    for flag in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{flag}"):
            return f"{flag.replace('_', '-')} address {ip}"
    if not ip.is_global:  # shared (CGNAT) space and the like
        return f"non-public address {ip}"
    return None


def vet_host(host: str, port: int, trusted: frozenset[str] = frozenset()) -> str:
    """Resolve `host` and return the first address, if every address is public.

    All addresses are checked, not just the first: a name that resolves to one public and
    one private address could reach the private one on a retry. Hosts in `trusted` (names
    or literal addresses, e.g. an intranet partner) skip the check.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise socket.gaierror(f"cannot resolve {host!r}: {e}") from e
    addresses = [str(info[4][0]) for info in infos]
    if host.lower() in trusted:
        return addresses[0] if addresses else host
    for address in addresses:
        reason = _refused_reason(address)
        if reason is not None:
            raise AddressRefused(f"{host} resolves to a {reason}")
    if not addresses:
        raise socket.gaierror(f"cannot resolve {host!r}: no addresses")
    return addresses[0]


class _VettedConnectionMixin:
    """Connect only to the address we just vetted (closes the check-then-connect gap).

    Host header, SNI and certificate checks keep using the host name: only the socket's
    destination is pinned.
    """

    _dns_host: str
    port: int
    trusted_hosts: frozenset[str] = frozenset()  # set per Fetcher on a subclass

    def _new_conn(self) -> socket.socket:
        name = self._dns_host
        self._dns_host = vet_host(name, self.port, self.trusted_hosts)
        try:
            return super()._new_conn()  # type: ignore[misc, no-any-return]
        finally:
            self._dns_host = name


class _VettedHTTPConnection(_VettedConnectionMixin, HTTPConnection):
    pass


class _VettedHTTPSConnection(_VettedConnectionMixin, HTTPSConnection):
    pass


class _VettedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _VettedHTTPConnection


class _VettedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _VettedHTTPSConnection


class _LiveSockets:
    """The connected sockets of one Fetcher, so that `abort` can cut requests in flight.

    Weak references: a connection that is closed and dropped leaves by itself. A closed
    socket object has no descriptor any more, so shutting it down cannot reach a
    descriptor number the kernel has handed to someone else since.
    """

    def __init__(self) -> None:
        self.aborted = threading.Event()
        self._lock = threading.Lock()
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)
        if self.aborted.is_set():  # connected while abort() ran: cut it too
            _cut(sock)

    def abort(self) -> None:
        self.aborted.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            _cut(sock)


def _cut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also under TLS: a thread blocked in recv (waiting for
    # headers or body) wakes at once with end-of-file, and a send fails.
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # closed already, or not connected


class _TrackedConnectionMixin:
    """Registers the socket of each new connection with its Fetcher's `_LiveSockets`."""

    live: _LiveSockets | None = None  # set per Fetcher on a subclass
    sock: socket.socket | None

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        if self.live is not None and self.sock is not None:
            self.live.add(self.sock)


class _VettedAdapter(HTTPAdapter):
    """Connections that vet each address (`trusted`: hosts exempt), or none when `trusted`
    is None (a partner allowed private networks); either way registered with `live`."""

    def __init__(self, trusted: frozenset[str] | None, live: _LiveSockets | None = None) -> None:
        # Read by init_poolmanager, which super().__init__ calls.
        self._trusted = trusted
        self._live = live
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        extra: dict[str, Any] = {"live": self._live}
        if self._trusted is None:
            bases: tuple[type[HTTPConnection], type[HTTPSConnection]] = (
                HTTPConnection,
                HTTPSConnection,
            )
            pools = (HTTPConnectionPool, HTTPSConnectionPool)
        else:
            extra["trusted_hosts"] = self._trusted
            bases = (_VettedHTTPConnection, _VettedHTTPSConnection)
            pools = (_VettedHTTPPool, _VettedHTTPSPool)
        http = type("_Conn", (_TrackedConnectionMixin, bases[0]), extra)
        https = type("_TLSConn", (_TrackedConnectionMixin, bases[1]), extra)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("_Pool", (pools[0],), {"ConnectionCls": http}),
            "https": type("_TLSPool", (pools[1],), {"ConnectionCls": https}),
        }


# --- per-host politeness --------------------------------------------------------------


@dataclass
class _HostGate:
    cond: threading.Condition = field(default_factory=threading.Condition)
    active: int = 0
    next_start: float = 0.0  # monotonic time before which no new request may start

    @contextmanager
    def slot(self, limit: int, interval: float, aborted: threading.Event) -> Iterator[None]:
        with self.cond:
            while True:
                if aborted.is_set():  # abort() notifies every gate
                    raise _Aborted
                now = time.monotonic()
                if self.active < max(limit, 1) and now >= self.next_start:
                    break
                # Sleep until the spacing allows a start, or until a slot is released.
                wait = self.next_start - now if self.active < max(limit, 1) else None
                self.cond.wait(timeout=wait)
            self.active += 1
            self.next_start = now + max(interval, 0.0)
        try:
            yield
        finally:
            with self.cond:
                self.active -= 1
                self.cond.notify_all()


class _Aborted(Exception):
    """Raised inside `Fetcher.get` once `abort` was called; get() names it a FetchError."""


# --- the fetcher ----------------------------------------------------------------------


@dataclass
class _Hop:
    response: requests.Response
    url: str
    permanent: bool  # at least one redirect, and every one was 301/308


class Fetcher:
    """Fetches feeds and pages under one `FetchSettings` (overridable per call).

    Thread-safe. Requests go through requests' transport adapters, lent to one request
    (and its redirects) at a time, with their keep-alive pools: two kinds, one whose
    connections vet addresses (the default) and a plain one for partners that are allowed
    private networks. No `requests.Session`: we want nothing it adds (a cookie jar that
    sends a partner's cookies back to it, environment proxies, hooks), and merging its
    settings cost more than the request itself (`get` of a local 110 KB page: 0.69 →
    0.44 ms of CPU without it; docs/performance.md).

    `trusted_hosts`: host names or literal addresses exempt from the private-network
    refusal (an intranet partner) while every other host, including redirect targets,
    is still checked.

    `host_gate(host)`: an optional context manager entered around each page request
    (host = the URL's netloc, lower case), for politeness shared beyond this process.
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        trusted_hosts: Iterable[str] = (),
        host_gate: Callable[[str], AbstractContextManager[None]] | None = None,
    ) -> None:
        self.settings = settings
        # Wraps each page request with its host (cluster mode: a limiter shared by every
        # worker process), inside this process's own per-host gate.
        self.host_gate = host_gate
        self.trusted_hosts = frozenset(h.lower() for h in trusted_hosts)
        self._adapters: list[_VettedAdapter] = []  # every one made, for close()
        self._idle: dict[bool, list[_VettedAdapter]] = {True: [], False: []}
        self._lock = threading.Lock()
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._live = _LiveSockets()

    # -- public ------------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        partner_id: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        settings: FetchSettings | None = None,
        file_root: str | None = None,
        kind: FetchKind = "feed",
    ) -> Fetched:
        """Fetch `url`; raise FetchError (naming partner and URL) for anything unusable."""
        if not log.isEnabledFor(logging.DEBUG):
            return self._fetch(url, partner_id, etag, last_modified, settings, file_root, kind)
        # -v: one line per request, to see what each partner's server really answers.
        started = time.monotonic()
        verb = "read" if url.startswith("file:") else "GET"
        extra = {"partner": partner_id}
        try:
            fetched = self._fetch(url, partner_id, etag, last_modified, settings, file_root, kind)
        except FetchError as e:
            ms = (time.monotonic() - started) * 1000
            log.debug("%s %s failed in %d ms: %s", verb, url, ms, e.detail, extra=extra)
            raise
        ms = (time.monotonic() - started) * 1000
        moved = f" (redirected to {fetched.final_url})" if fetched.final_url != url else ""
        log.debug(
            "%s %s → %d, %s bytes in %d ms%s",
            verb,
            url,
            fetched.status,
            f"{len(fetched.body):,}",
            ms,
            moved,
            extra=extra,
        )
        return fetched

    def _fetch(
        self,
        url: str,
        partner_id: str | None,
        etag: str | None,
        last_modified: str | None,
        settings: FetchSettings | None,
        file_root: str | None,
        kind: FetchKind,
    ) -> Fetched:
        aborted = self._live.aborted
        try:
            if aborted.is_set():
                raise _Aborted
            fetched = self._get_any(
                url, settings or self.settings, partner_id, etag, last_modified, file_root, kind
            )
        except (FetchError, _Aborted) as e:
            if aborted.is_set():
                raise _stopped_error(partner_id, url) from e
            raise
        # A response cut by abort() may have ended like a complete one (end of file on a
        # body without a length): it is not one.
        if aborted.is_set():
            raise _stopped_error(partner_id, url)
        return fetched

    def abort(self) -> None:
        """The run is stopping: end every request in flight now and refuse new ones.

        Thread-safe and idempotent; the Fetcher stays unusable afterwards (close() it).
        """
        self._live.abort()
        with self._lock:
            gates = list(self._gates.values())
        for gate in gates:
            with gate.cond:
                gate.cond.notify_all()

    def close(self) -> None:
        with self._lock:
            adapters, self._adapters = self._adapters, []
            self._idle = {True: [], False: []}
        for adapter in adapters:
            adapter.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get_any(
        self,
        url: str,
        s: FetchSettings,
        partner_id: str | None,
        etag: str | None,
        last_modified: str | None,
        file_root: str | None,
        kind: FetchKind,
    ) -> Fetched:
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme == "file":
            return _read_file(url, s, file_root, etag, last_modified, partner_id)
        if scheme not in ("http", "https"):
            raise FetchError(
                f"unsupported URL scheme {scheme!r}",
                partner_id=partner_id,
                url=url,
                hint="use an http(s) URL",
            )
        if kind == "page" and s.respect_robots:
            self._check_robots(url, s, partner_id)
        if kind == "page":
            with self._gate(url).slot(s.max_per_host, s.min_host_interval, self._live.aborted):
                if self.host_gate is None:
                    return self._get(url, s, partner_id, etag, last_modified, kind)
                with self.host_gate(urllib.parse.urlsplit(url).netloc.lower()):
                    return self._get(url, s, partner_id, etag, last_modified, kind)
        return self._get(url, s, partner_id, etag, last_modified, kind)

    # -- one request with redirects ----------------------------------------------------

    def _get(
        self,
        url: str,
        s: FetchSettings,
        partner_id: str | None,
        etag: str | None,
        last_modified: str | None,
        kind: FetchKind,
        max_bytes: int | None = None,
    ) -> Fetched:
        deadline = time.monotonic() + s.deadline
        headers = {
            "User-Agent": s.user_agent,
            "Accept": _ACCEPT[kind],
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": "ar, en;q=0.5",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        with self._adapter(s.allow_private_networks) as adapter:
            hop = self._follow(adapter, url, s, partner_id, headers, deadline)
            try:
                return self._finish(
                    url,
                    hop,
                    s,
                    partner_id,
                    etag,
                    last_modified,
                    kind,
                    deadline,
                    max_bytes or s.max_bytes,
                )
            finally:
                hop.response.close()

    def _follow(
        self,
        adapter: _VettedAdapter,
        url: str,
        s: FetchSettings,
        partner_id: str | None,
        headers: dict[str, str],
        deadline: float,
    ) -> _Hop:
        seen = {url}
        current = url
        all_permanent = True
        hops = 0
        while True:
            self._vet(current, s, partner_id)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _deadline_error(s, partner_id, current)
            try:
                response = _send(
                    adapter,
                    "GET",
                    current,
                    headers,
                    (min(s.connect_timeout, remaining), min(s.read_timeout, remaining)),
                )
            except requests.RequestException as e:
                raise _network_error(e, s, partner_id, current) from e
            if response.status_code not in _REDIRECTS or "location" not in response.headers:
                return _Hop(response, current, all_permanent and hops > 0)
            location = response.headers["location"]
            all_permanent = all_permanent and response.status_code in _PERMANENT
            response.close()
            hops += 1
            target = urllib.parse.urljoin(current, location.strip())
            if urllib.parse.urlsplit(target).scheme.lower() not in ("http", "https"):
                raise FetchError(
                    f"redirect to a non-http(s) URL {target!r} refused",
                    partner_id=partner_id,
                    url=current,
                )
            if hops > s.max_redirects:
                raise FetchError(
                    f"too many redirects (more than {s.max_redirects})",
                    partner_id=partner_id,
                    url=url,
                    hint="ask the partner for the feed's final URL",
                )
            if target in seen:
                raise FetchError(
                    f"redirect loop back to {target}",
                    partner_id=partner_id,
                    url=url,
                    hint="the partner's server is mis-configured; tell them",
                )
            seen.add(target)
            current = target

    def _finish(
        self,
        url: str,
        hop: _Hop,
        s: FetchSettings,
        partner_id: str | None,
        etag: str | None,
        last_modified: str | None,
        kind: FetchKind,
        deadline: float,
        max_bytes: int,
    ) -> Fetched:
        response, final_url = hop.response, hop.url
        status = response.status_code
        headers = tuple((k.lower(), v) for k, v in response.headers.items())
        new_etag = response.headers.get("etag")
        new_modified = response.headers.get("last-modified")
        moved = final_url if kind == "feed" and hop.permanent and final_url != url else None
        if status == 304:
            _reuse_connection(response)
            return Fetched(
                url=url,
                final_url=final_url,
                status=304,
                headers=headers,
                body=b"",
                etag=new_etag or etag,
                last_modified=new_modified or last_modified,
                not_modified=True,
                permanent_redirect=moved,
            )
        _check_status(response, partner_id, final_url)
        body = _read_body(response, s, partner_id, final_url, deadline, max_bytes)
        return Fetched(
            url=url,
            final_url=final_url,
            status=status,
            headers=headers,
            body=body,
            etag=new_etag,
            last_modified=new_modified,
            permanent_redirect=moved,
        )

    # -- policy helpers ----------------------------------------------------------------

    def _vet(self, url: str, s: FetchSettings, partner_id: str | None) -> None:
        if s.allow_private_networks:
            return
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            vet_host(host, port, self.trusted_hosts)
        except AddressRefused as e:
            raise FetchError(
                f"refused to connect: {e}", partner_id=partner_id, url=url, hint=PRIVATE_HINT
            ) from None
        except (OSError, ValueError) as e:
            raise FetchError(
                "cannot resolve the host",
                partner_id=partner_id,
                url=url,
                hint="check the URL; the partner's DNS may be down",
            ) from e

    @contextmanager
    def _adapter(self, allow_private: bool) -> Iterator[_VettedAdapter]:
        """An adapter no other thread is using, for one request and its redirects.

        Adapters (and the connections they keep alive) are shared by every thread, one
        request at a time each, not kept one per thread: page threads come and go with
        each partner's poll, and a pool per thread left hundreds of idle connections
        behind, closed one by one at the end of a run (14 % of the polling process's
        CPU for new articles). The last one returned is lent first: its connections are
        the likeliest to be still open.
        """
        with self._lock:
            idle = self._idle[allow_private]
            adapter = idle.pop() if idle else None
        if adapter is None:
            adapter = _VettedAdapter(None if allow_private else self.trusted_hosts, self._live)
            with self._lock:
                self._adapters.append(adapter)
        try:
            yield adapter
        finally:
            with self._lock:
                if adapter in self._adapters:  # else: closed meanwhile, not lent again
                    self._idle[allow_private].append(adapter)

    def _gate(self, url: str) -> _HostGate:
        host = (urllib.parse.urlsplit(url).netloc or "").lower()
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = self._gates[host] = _HostGate()
            return gate

    def _check_robots(self, url: str, s: FetchSettings, partner_id: str | None) -> None:
        parts = urllib.parse.urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        with self._lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:  # one fetch of robots.txt per host, however many threads ask
            if origin in self._robots:
                robots = self._robots[origin]
            else:
                robots, cache = self._load_robots(origin, s, partner_id)
                if cache:
                    self._robots[origin] = robots
        agent = s.user_agent.split("/", 1)[0].strip() or "*"
        if robots is not None and not robots.can_fetch(agent, url):
            raise FetchError(
                "disallowed by robots.txt",
                partner_id=partner_id,
                url=url,
                hint="set respect_robots = false for this partner only with their permission",
            )

    def _load_robots(
        self, origin: str, s: FetchSettings, partner_id: str | None
    ) -> tuple[urllib.robotparser.RobotFileParser | None, bool]:
        """(parser or None for "allow all", whether to cache the answer)."""
        robots_url = origin + "/robots.txt"
        parser = urllib.robotparser.RobotFileParser(robots_url)
        try:
            fetched = self._get(robots_url, s, partner_id, None, None, "page", _ROBOTS_MAX_BYTES)
        except FetchError as e:
            if e.status is not None and 400 <= e.status < 500:
                return None, True  # RFC 9309 §2.3.1.3: no robots.txt → everything allowed
            # Unreachable: RFC 9309 says assume "disallow all"; we are polite anyway
            # (spacing, concurrency), so we allow and do not cache, to retry next time.
            return None, False
        parser.parse(fetched.body.decode("utf-8", errors="replace").splitlines())
        return parser, True


# --- module helpers -------------------------------------------------------------------


def _send(
    adapter: HTTPAdapter,
    method: str,
    url: str,
    headers: Mapping[str, str],
    timeout: tuple[float, float],
    *,
    data: list[tuple[str, str]] | None = None,
) -> requests.Response:
    """One request through `adapter`, its body left to stream; no redirect followed.
    Raises requests' exceptions, as a Session would (the adapter translates urllib3's)."""
    request = requests.PreparedRequest()
    # Prepared as requests.Request would: the URL's non-ASCII path and IDNA host encoded.
    request.prepare(method=method, url=url, headers=headers, data=data)
    return adapter.send(request, stream=True, timeout=timeout)


def _check_status(response: requests.Response, partner_id: str | None, url: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 410:
        raise FetchError(
            "410 Gone: the partner removed this resource for good",
            partner_id=partner_id,
            url=url,
            status=410,
            gone=True,
            hint="disable the partner or ask them for the new feed URL",
        )
    if status in (429, 503):
        retry = parse_retry_after(response.headers.get("retry-after"))
        raise FetchError(
            f"HTTP {status}: the server asks us to slow down"
            + (f" (retry after {retry:.0f} s)" if retry is not None else ""),
            partner_id=partner_id,
            url=url,
            status=status,
            retry_after=retry,
            hint="we will poll later; lower the partner's poll rate if this persists",
        )
    raise FetchError(
        f"HTTP {status} {response.reason or ''}".rstrip(),
        partner_id=partner_id,
        url=url,
        status=status,
        hint="check the URL with the partner" if status < 500 else "the partner's server failed",
    )


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def _read_body(
    response: requests.Response,
    s: FetchSettings,
    partner_id: str | None,
    url: str,
    deadline: float,
    max_bytes: int,
) -> bytes:
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise _too_large(
            max_bytes,
            partner_id,
            url,
            f"body over the size cap, not downloaded: the server announced {int(length):,} "
            "bytes (Content-Length)",
        )
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    decoder = _Decoder.for_encoding(encoding)
    if decoder is None:
        raise FetchError(
            f"unsupported Content-Encoding {encoding!r}",
            partner_id=partner_id,
            url=url,
            hint="we ask for gzip or deflate only; the partner's server ignored that",
        )
    raw: urllib3.HTTPResponse = response.raw
    sock = _socket_of(raw)
    out = bytearray()
    wire = 0
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _deadline_error(s, partner_id, url)
            if sock is not None:
                # A read may not outlive the deadline: one slow recv would otherwise hold
                # the worker for a whole read timeout past it.
                sock.settimeout(min(s.read_timeout, remaining))
            # read1: whatever one recv gives, so a drip of single bytes returns to the loop.
            chunk = raw.read1(_CHUNK, decode_content=False)
            if not chunk:
                break
            wire += len(chunk)
            if wire > max_bytes:
                raise _too_large(
                    max_bytes,
                    partner_id,
                    url,
                    f"body over the size cap, download stopped: {wire:,} bytes received",
                )
            decoder.feed(chunk, out, max_bytes - len(out))
            if len(out) > max_bytes:
                raise _unpacked_too_large(max_bytes, partner_id, url, len(out), wire)
        decoder.finish(out, max_bytes - len(out))
        if len(out) > max_bytes:
            raise _unpacked_too_large(max_bytes, partner_id, url, len(out), wire)
        _reuse_connection(response)
    except (TimeoutError, urllib3.exceptions.ReadTimeoutError) as e:
        if time.monotonic() >= deadline:
            raise _deadline_error(s, partner_id, url) from e
        raise FetchError(
            f"read timed out after {s.read_timeout} s",
            partner_id=partner_id,
            url=url,
            hint="the partner's server is slow; raise read_timeout for this partner",
        ) from e
    except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as e:
        raise FetchError(
            "connection broken while reading the body",
            partner_id=partner_id,
            url=url,
            hint="a network problem or an overloaded server; it will be retried",
        ) from e
    except zlib.error as e:
        raise FetchError(
            f"corrupt {encoding} body",
            partner_id=partner_id,
            url=url,
            hint="the partner's server sends broken compressed data",
        ) from e
    return bytes(out)


def _reuse_connection(response: requests.Response) -> None:
    """Hand a fully read connection back to the keep-alive pool.

    requests' Response.close() drops the connection when the body was not consumed through
    requests itself (we read raw bytes), which would cost a TCP handshake per poll. Only
    called after EOF (or for a 304, which has no body), so the pool gets a clean connection.
    """
    raw = response.raw
    if raw.read1(1, decode_content=False):  # not at EOF after all: let close() drop it
        return
    raw.release_conn()


def _socket_of(raw: urllib3.HTTPResponse) -> socket.socket | None:
    connection = getattr(raw, "connection", None)
    sock = getattr(connection, "sock", None)
    return sock if isinstance(sock, socket.socket) else None


class _Decoder:
    """Incremental gzip/deflate decoding that never produces more than it is allowed."""

    def __init__(self, wbits: int | None) -> None:
        self._wbits = wbits
        self._zlib = zlib.decompressobj(wbits) if wbits is not None else None
        self._first = True

    @classmethod
    def for_encoding(cls, encoding: str) -> _Decoder | None:
        if encoding in ("", "identity"):
            return cls(None)
        if encoding in ("gzip", "x-gzip"):
            return cls(16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            return cls(zlib.MAX_WBITS)
        return None

    def feed(self, data: bytes, out: bytearray, room: int) -> None:
        if self._zlib is None:
            out += data
            return
        if self._first and self._wbits == zlib.MAX_WBITS:
            self._first = False
            try:  # "deflate" is zlib-wrapped by the RFC, raw deflate in practice, often
                probe = zlib.decompressobj(zlib.MAX_WBITS)
                probe.decompress(data[:2])
            except zlib.error:
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        self._drain(data, out, room)

    def _drain(self, data: bytes, out: bytearray, room: int) -> None:
        assert self._zlib is not None
        pending = data
        while True:
            # One byte past the room is enough to know the cap is exceeded.
            piece = self._zlib.decompress(pending, max(room, 0) + 1)
            out += piece
            room -= len(piece)
            if room < 0:
                return
            if self._zlib.eof and self._zlib.unused_data and self._wbits is not None:
                # gzip allows several members back to back
                rest = self._zlib.unused_data
                self._zlib = zlib.decompressobj(self._wbits)
                pending = rest
                continue
            pending = self._zlib.unconsumed_tail
            if not pending:
                return

    def finish(self, out: bytearray, room: int) -> None:
        if self._zlib is not None:
            out += self._zlib.flush(max(room, 0) + 1)


def _read_file(
    url: str,
    s: FetchSettings,
    file_root: str | None,
    etag: str | None,
    last_modified: str | None,
    partner_id: str | None,
) -> Fetched:
    if not s.allow_file_urls:
        raise FetchError(
            "file: URLs are not allowed",
            partner_id=partner_id,
            url=url,
            hint="set allow_file_urls = true for drop-folder partners",
        )
    if not file_root:
        raise FetchError("file: URL without a file root", partner_id=partner_id, url=url)
    parts = urllib.parse.urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise FetchError("file: URL names a remote host", partner_id=partner_id, url=url)
    root = os.path.realpath(file_root)
    raw_path = urllib.request.url2pathname(parts.path)
    path = os.path.realpath(os.path.join(root, raw_path))  # absolute raw_path wins in join
    if os.path.commonpath([root, path]) != root:
        raise FetchError(
            "file is outside the allowed folder",
            partner_id=partner_id,
            url=url,
            hint=f"put partner files under {file_root}",
        )
    try:
        info = os.stat(path)
        if info.st_size > s.max_bytes:
            raise _too_large(
                s.max_bytes,
                partner_id,
                url,
                f"file over the size cap, not read: {info.st_size:,} bytes on disk",
            )
        tag = f'"{info.st_mtime_ns:x}-{info.st_size:x}"'
        modified = email.utils.formatdate(info.st_mtime, usegmt=True)
        unchanged = (etag == tag) if etag else (last_modified == modified)
        body = b"" if unchanged else _read_capped(path, s.max_bytes, partner_id, url)
    except FetchError:
        raise
    except OSError as e:
        raise FetchError(
            "cannot read the file", partner_id=partner_id, url=url, hint="check the path"
        ) from e
    ext = os.path.splitext(path)[1].lower()
    ctype = _FILE_TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    headers = (
        ("content-type", ctype),
        ("etag", tag),
        ("last-modified", modified),
        ("content-length", str(info.st_size)),
    )
    return Fetched(
        url=url,
        final_url=url,
        status=304 if unchanged else 200,
        headers=headers,
        body=body,
        etag=tag,
        last_modified=modified,
        not_modified=unchanged,
    )


def _read_capped(path: str, max_bytes: int, partner_id: str | None, url: str) -> bytes:
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)  # the file may have grown since stat()
    if len(data) > max_bytes:
        raise _too_large(
            max_bytes,
            partner_id,
            url,
            f"file over the size cap, reading stopped: it grew to {len(data):,} bytes or more",
        )
    return data


def _too_large(max_bytes: int, partner_id: str | None, url: str, what: str) -> FetchError:
    """`what`: how the size was found (announced, received, on disk), with that size; the
    operator deciding whether to raise the cap needs both numbers."""
    return FetchError(
        f"{what}, the cap is {max_bytes:,} bytes",
        partner_id=partner_id,
        url=url,
        hint="raise max_bytes for this partner if it is really that big",
    )


def _unpacked_too_large(
    max_bytes: int, partner_id: str | None, url: str, unpacked: int, wire: int
) -> FetchError:
    return _too_large(
        max_bytes,
        partner_id,
        url,
        f"body over the size cap after decompression, download stopped: {unpacked:,} bytes "
        f"unpacked from {wire:,} received",
    )


def _stopped_error(partner_id: str | None, url: str) -> FetchError:
    return FetchError(
        "request stopped: the run is shutting down",
        partner_id=partner_id,
        url=url,
        hint="it is made again on the next start",
    )


def _deadline_error(s: FetchSettings, partner_id: str | None, url: str) -> FetchError:
    return FetchError(
        f"response exceeded the total deadline of {s.deadline} s",
        partner_id=partner_id,
        url=url,
        hint="the server sends too slowly; raise deadline for this partner if it is known slow",
    )


def _network_error(
    e: requests.RequestException, s: FetchSettings, partner_id: str | None, url: str
) -> FetchError:
    refused = _find_cause(e, AddressRefused)
    if refused is not None:
        return FetchError(
            f"refused to connect: {refused}", partner_id=partner_id, url=url, hint=PRIVATE_HINT
        )
    if isinstance(e, requests.ConnectTimeout):
        return FetchError(
            f"connect timed out after {s.connect_timeout} s",
            partner_id=partner_id,
            url=url,
            hint="the partner's server is down or unreachable; it will be retried",
        )
    if isinstance(e, requests.ReadTimeout):
        return FetchError(
            f"no response within {s.read_timeout} s",
            partner_id=partner_id,
            url=url,
            hint="the partner's server hangs; raise read_timeout for this partner if needed",
        )
    return FetchError(
        "network error",
        partner_id=partner_id,
        url=url,
        hint="the partner's server is down or unreachable; it will be retried",
    )


def _find_cause(error: BaseException, kind: type[BaseException]) -> BaseException | None:
    """Walk causes, contexts and urllib3's `.reason` looking for `kind`."""
    seen: set[int] = set()
    stack: list[BaseException] = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        linked = (current.__cause__, current.__context__, getattr(current, "reason", None))
        stack.extend(x for x in (*linked, *current.args) if isinstance(x, BaseException))
    return None


def ping_hub(hub: str, urls: Iterable[str], settings: FetchSettings) -> None:
    """Tell a WebSub hub that our feeds at `urls` changed (a "publish" ping, form-encoded).

    The hub comes from our own config, but the address policy still applies, so a typo
    cannot make us POST into the private network. Raises FetchError when the hub refuses.
    """
    fetcher = Fetcher(settings)
    try:
        fetcher._vet(hub, settings, None)
        data = [("hub.mode", "publish"), *(("hub.url", url) for url in urls)]
        with fetcher._adapter(settings.allow_private_networks) as adapter:
            try:
                response = _send(
                    adapter,
                    "POST",
                    hub,
                    {"User-Agent": settings.user_agent},
                    (settings.connect_timeout, settings.read_timeout),
                    data=data,
                )
            except requests.RequestException as e:
                raise _network_error(e, settings, None, hub) from e
            with response:
                if not 200 <= response.status_code < 300:
                    raise FetchError(
                        f"WebSub hub answered HTTP {response.status_code}",
                        url=hub,
                        status=response.status_code,
                        hint="check [publish] hub_url",
                    )
    finally:
        fetcher.close()


def headers_dict(fetched: Fetched) -> Mapping[str, str]:
    """The response headers as a dict (last value wins), for libraries that want one."""
    return dict(fetched.headers)


__all__ = [
    "PRIVATE_HINT",
    "AddressRefused",
    "FetchKind",
    "Fetcher",
    "headers_dict",
    "parse_retry_after",
    "ping_hub",
    "vet_host",
]
