"""``PoliteClient``: the one HTTP path of the harvest.

Every ``get`` goes through, in order: the allow-list of configured hosts, robots.txt
(protego; fetched once per host per client), the per-host minimum interval (a module-level
clock per host, shared by every client of the process and thread-safe), a hard timeout,
retries with exponential backoff and jitter on 429/5xx/timeouts/resets/truncated bodies
(honouring ``Retry-After``; never on 404/410), an optional http fallback when an https
handshake fails, manual redirects (each hop checked against the allow-list and robots),
a streamed size cap, gzip detection by magic bytes, challenge-page detection, the raw
archive (the body is stored before it is returned) and a fetch-log line for every call.

Outcomes (``FetchResult.outcome`` and the fetch log): ``ok``, ``not_modified``,
``not_found``, ``http_error``, ``network_error``, ``blocked``, ``offsite``, ``too_large``,
``robots_disallowed``.

One ``get`` writes one fetch-log line, whatever happened; its retries are counted in
``attempts`` (``requests_sent`` counts requests on the wire). ``Retry-After`` is honoured up
to ``backoff_max_s``. Validators (ETag / Last-Modified) of 2xx answers to ``conditional``
gets are kept in ``archive/http_cache/<unit>.json``; a 304 re-uses the archived body.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.request import getproxies, proxy_bypass

import requests
from protego import Protego

from disclosure_etl.archive import Archive, FetchLogWriter
from disclosure_etl.config import HttpConfig

log = logging.getLogger(__name__)

__all__ = ["FetchResult", "PoliteClient", "OUTCOMES", "normalize_host"]

OUTCOMES = (
    "ok",
    "not_modified",
    "not_found",
    "http_error",
    "network_error",
    "blocked",
    "offsite",
    "too_large",
    "robots_disallowed",
)
KINDS = ("robots", "discover", "index", "list", "content", "column", "article", "attachment", "image")

_REDIRECTS = (301, 302, 303, 307, 308)
_MAX_REDIRECTS = 10
_CHALLENGE_STATUSES = (412, 521)
_CHALLENGE_MARKERS = (b"__jsluid", b"__jsl_clearance", b"jsl_clearance", b"x-via-jsl")
_LOGGED_HEADERS = (
    "content-type",
    "content-length",
    "content-encoding",
    "etag",
    "last-modified",
    "location",
    "retry-after",
    "x-via-jsl",
    "server",
)
_PROGRESS_EVERY_S = 30.0
_CACHE_SAVE_EVERY_S = 60.0


def normalize_host(netloc: str, scheme: str = "") -> str:
    """``host[:port]`` lower-cased, without the scheme's default port."""
    n = netloc.lower().rsplit("@", 1)[-1]
    for default, sch in ((":80", "http"), (":443", "https")):
        if n.endswith(default) and (scheme in ("", sch)):
            return n[: -len(default)]
    return n


# ---------------------------------------------------------------- per-host politeness clock


class _HostClock:
    """One per host per process: a lock held for the whole request and the time the last
    request to the host finished. The next request starts no earlier than that time plus
    the interval, so the gap the server sees between two requests is never shorter."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last_done = float("-inf")


_CLOCKS: dict[str, _HostClock] = {}
_CLOCKS_LOCK = threading.Lock()
# hosts whose https handshake failed in this process: later requests go straight to http
_HTTP_FALLBACK_HOSTS: set[str] = set()


def _clock(host: str) -> _HostClock:
    with _CLOCKS_LOCK:
        c = _CLOCKS.get(host)
        if c is None:
            c = _CLOCKS[host] = _HostClock()
        return c


# ---------------------------------------------------------------- results


@dataclass
class FetchResult:
    """What one ``PoliteClient.get`` yielded. ``body`` is None when nothing was read
    (offsite, robots_disallowed, too_large, network_error)."""

    url: str
    final_url: str
    status: int | None
    outcome: str
    body: bytes | None = None
    sha256: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    from_cache: bool = False  # a 304 whose body came from the archive
    elapsed_ms: int = 0
    attempts: int = 0

    @property
    def ok(self) -> bool:
        """True when ``body`` holds the resource (fresh or re-used after a 304)."""
        return self.outcome in ("ok", "not_modified") and self.body is not None


@dataclass
class _Attempt:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    error: str | None = None
    failure: str | None = None  # ssl | timeout | network | truncated | too_large
    url: str = ""


class _TooLarge(Exception):
    pass


class _Truncated(Exception):
    pass


# ---------------------------------------------------------------- the client


class PoliteClient:
    """The polite, archived HTTP client of one crawl unit (a sub-site or ``_portal``)."""

    def __init__(
        self,
        http: HttpConfig,
        allowed_hosts: frozenset[str],
        archive: Archive,
        run_id: str,
        unit: str,
    ) -> None:
        self.cfg = http
        self.allowed_hosts = frozenset(normalize_host(h) for h in allowed_hosts)
        self.archive = archive
        self.run_id = run_id
        self.unit = unit
        self.session = requests.Session()
        # proxies from the environment are read once here, not on every request (requests'
        # trust_env walks os.environ per call, a large share of the client's CPU time)
        self.session.trust_env = False
        self._env_proxies = {k: v for k, v in getproxies().items() if k in ("http", "https")}
        self._no_proxy: dict[str, bool] = {}
        self.session.headers.update(
            {"User-Agent": http.user_agent, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
        )
        self._log: FetchLogWriter = archive.fetch_log(run_id, unit)
        self._robots: dict[str, Protego | None] = {}
        self._cache: dict[str, dict[str, Any]] = archive.load_http_cache(unit)
        self._cache_dirty = False
        self._cache_saved_at = time.monotonic()
        self._lock = threading.Lock()
        self.requests_sent = 0  # HTTP requests on the wire (retries and robots included)
        self.fetches = 0  # fetch-log lines
        self.bytes_read = 0
        self.outcomes: dict[str, int] = {}
        self._progress_at = time.monotonic()

    # ------------------------------------------------------------ public

    def get(
        self,
        url: str,
        *,
        kind: str,
        context: dict[str, Any] | None = None,
        conditional: bool = False,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """Fetch ``url`` politely; archive the body; write one fetch-log line; never raises
        for network or HTTP trouble (the outcome says what happened)."""
        if kind not in KINDS:
            raise ValueError(f"unknown fetch kind {kind!r}")
        t0 = time.monotonic()
        cap = max_bytes if max_bytes is not None else int(self.cfg.max_response_mb * 1024 * 1024)
        result = self._get(url, kind=kind, conditional=conditional, max_bytes=cap)
        result.elapsed_ms = int((time.monotonic() - t0) * 1000)
        self._record(kind, result, context or {})
        return result

    def close(self) -> None:
        """Save the validator cache, close the fetch log and the session."""
        self.save_cache()
        self._log.close()
        self.session.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def save_cache(self) -> None:
        """Write ``archive/http_cache/<unit>.json`` if validators changed."""
        with self._lock:
            if not self._cache_dirty:
                return
            snapshot = dict(self._cache)
            self._cache_dirty = False
            self._cache_saved_at = time.monotonic()
        self.archive.save_http_cache(self.unit, snapshot)

    def is_allowed(self, url: str) -> bool:
        """Whether ``url`` is http(s) on a configured host."""
        p = urlsplit(url)
        return p.scheme in ("http", "https") and normalize_host(p.netloc, p.scheme) in self.allowed_hosts

    # ------------------------------------------------------------ the fetch

    def _get(self, url: str, *, kind: str, conditional: bool, max_bytes: int) -> FetchResult:
        if not self.is_allowed(url):
            return FetchResult(url, url, None, "offsite", error="host not in the allow-list")
        if kind != "robots" and not self._robots_allow(url):
            return FetchResult(url, url, None, "robots_disallowed", error="disallowed by robots.txt")
        cached = self._cache.get(url) if conditional else None
        if cached and not (cached.get("sha256") and self.archive.has(cached["sha256"])):
            cached = None
        current = self._effective_url(url)
        attempts = 0
        redirects = 0
        while True:
            att, n = self._with_retries(current, kind, cached if redirects == 0 else None, max_bytes)
            attempts += n
            current = att.url
            if att.status in _REDIRECTS and att.headers.get("location"):
                nxt = urljoin(current, att.headers["location"].strip())
                redirects += 1
                if not self.is_allowed(nxt):
                    return FetchResult(
                        url, nxt, att.status, "offsite", headers=att.headers,
                        error=f"redirect to a host not in the allow-list: {nxt}", attempts=attempts,
                    )
                if kind != "robots" and not self._robots_allow(nxt):
                    return FetchResult(
                        url, nxt, att.status, "robots_disallowed", headers=att.headers,
                        error="redirect target disallowed by robots.txt", attempts=attempts,
                    )
                if redirects > _MAX_REDIRECTS:
                    return FetchResult(
                        url, nxt, att.status, "http_error", headers=att.headers,
                        error="too many redirects", attempts=attempts,
                    )
                current = self._effective_url(nxt)
                continue
            return self._classify(url, att, kind, cached, attempts)

    def _classify(
        self, url: str, att: _Attempt, kind: str, cached: dict[str, Any] | None, attempts: int
    ) -> FetchResult:
        final = att.url
        if att.failure == "too_large":
            return FetchResult(url, final, att.status, "too_large", headers=att.headers,
                               error=att.error, attempts=attempts)
        if att.status is None:
            return FetchResult(url, final, None, "network_error", error=att.error, attempts=attempts)
        keep = att.body is not None and att.status != 304
        sha = self.archive.put(att.body) if keep and att.body is not None else None
        res = FetchResult(url, final, att.status, "ok", body=att.body, sha256=sha,
                          headers=att.headers, error=att.error, attempts=attempts)
        status = att.status
        if status == 304 and cached:
            res.outcome = "not_modified"
            res.sha256 = cached["sha256"]
            res.body = self.archive.get(cached["sha256"])
            res.from_cache = True
            return res
        challenge = self._challenge(att, kind)
        if challenge:
            res.outcome, res.error = "blocked", challenge
            return res
        if status in (404, 410):
            res.outcome, res.error = "not_found", f"HTTP {status}"
            return res
        if not 200 <= status < 300:
            res.outcome = "http_error"
            res.error = att.error or f"HTTP {status}"
            return res
        if kind != "robots":
            self._remember_validators(url, att.headers, sha)
        return res

    @staticmethod
    def _challenge(att: _Attempt, kind: str) -> str | None:
        """Why a response is a challenge/anti-bot page rather than content, or None."""
        h = att.headers
        if att.status in _CHALLENGE_STATUSES:
            return f"challenge status HTTP {att.status}"
        if "x-via-jsl" in h:
            return "Jiasule challenge (X-Via-JSL header)"
        if "__jsluid" in h.get("set-cookie", ""):
            return "Jiasule challenge (__jsluid cookie)"
        body = att.body or b""
        if att.status is not None and 200 <= att.status < 300:
            head = body[:4096].lower()
            if kind == "list" and body.lstrip()[:1] == b"<":
                return "HTML where JSON was expected"
            if len(body) < 64 * 1024 and any(m in head for m in _CHALLENGE_MARKERS):
                return "JavaScript challenge page"
            if (
                len(body) < 16 * 1024
                and b"document.cookie" in head
                and any(m in head for m in (b"location.href", b"location.reload", b"location.replace"))
                and b"_config" not in head
            ):
                return "JavaScript cookie challenge page"
        return None

    def _effective_url(self, url: str) -> str:
        p = urlsplit(url)
        if p.scheme == "https" and normalize_host(p.netloc, "https") in _HTTP_FALLBACK_HOSTS:
            return urlunsplit(("http", normalize_host(p.netloc, "https"), p.path, p.query, ""))
        return urlunsplit((p.scheme, p.netloc, p.path, p.query, ""))

    def _with_retries(
        self, url: str, kind: str, cached: dict[str, Any] | None, max_bytes: int
    ) -> tuple[_Attempt, int]:
        """One URL, retried on transient failures; returns the last attempt and the count."""
        n = 0
        fell_back = False
        while True:
            att = self._attempt(url, kind, cached, max_bytes)
            n += 1
            p = urlsplit(url)
            if att.failure == "ssl" and p.scheme == "https" and self.cfg.http_fallback and not fell_back:
                host = normalize_host(p.netloc, "https")
                log.warning("%s: TLS handshake failed (%s); falling back to http", host, att.error)
                _HTTP_FALLBACK_HOSTS.add(host)
                url = urlunsplit(("http", host, p.path, p.query, ""))
                fell_back = True
                continue
            retry_after = None
            if att.failure in ("timeout", "network", "truncated", "ssl"):
                retryable = True
            elif att.status is not None and (att.status == 429 or (500 <= att.status < 600 and att.status != 521)):
                retryable = True
                retry_after = _retry_after(att.headers.get("retry-after"))
            else:
                retryable = False
            if not retryable or n > self.cfg.retries:
                return att, n
            delay = min(self.cfg.backoff_max_s, self.cfg.backoff_base_s * (2 ** (n - 1)))
            delay *= random.uniform(0.5, 1.0)
            if retry_after is not None:
                delay = max(delay, min(retry_after, self.cfg.backoff_max_s))
            log.info(
                "%s %s: %s; retry %d/%d in %.2fs",
                kind, url, att.error or f"HTTP {att.status}", n, self.cfg.retries, delay,
            )
            time.sleep(delay)

    def _attempt(
        self, url: str, kind: str, cached: dict[str, Any] | None, max_bytes: int
    ) -> _Attempt:
        headers: dict[str, str] = {}
        if kind == "list":
            headers["Accept"] = "application/json, text/javascript, */*; q=0.01"
            headers["X-Requested-With"] = "XMLHttpRequest"
        else:
            headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        if cached:
            if cached.get("etag"):
                headers["If-None-Match"] = cached["etag"]
            if cached.get("last_modified"):
                headers["If-Modified-Since"] = cached["last_modified"]
        p = urlsplit(url)
        host = normalize_host(p.netloc, p.scheme)
        interval = self._interval(host)
        clock = _clock(host)
        att = _Attempt(url=url)
        with clock.lock:
            wait = clock.last_done + interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                self.requests_sent += 1
                self._read(url, headers, max_bytes, att)
            finally:
                clock.last_done = time.monotonic()
        if att.body is not None:
            self.bytes_read += len(att.body)
        return att

    def _read(self, url: str, headers: dict[str, str], max_bytes: int, att: _Attempt) -> None:
        timeout = self.cfg.timeout_s
        deadline = time.monotonic() + 4 * timeout  # whole-response cap against drip-feeding
        try:
            with self.session.get(
                url, headers=headers, stream=True, timeout=(min(timeout, 15.0), timeout),
                allow_redirects=False, proxies=self._proxies_for(url),
            ) as resp:
                att.status = resp.status_code
                att.headers = {k.lower(): v for k, v in resp.headers.items()}
                if resp.status_code in _REDIRECTS or resp.status_code == 304:
                    att.body = b""
                    return
                declared = _int_header(att.headers.get("content-length"))
                encoding = att.headers.get("content-encoding", "").strip().lower()
                encoded = encoding not in ("", "identity")
                if declared is not None and not encoded and declared > max_bytes:
                    raise _TooLarge(f"declared Content-Length {declared} > cap {max_bytes}")
                chunks: list[bytes] = []
                total = 0
                for chunk in resp.iter_content(chunk_size=65536):
                    total += len(chunk)
                    if total > max_bytes:
                        raise _TooLarge(f"body exceeds the cap of {max_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise requests.exceptions.ReadTimeout(f"response not complete in {4 * timeout:.0f}s")
                    chunks.append(chunk)
                wire = resp.raw.tell() if hasattr(resp.raw, "tell") else None
                if declared is not None and wire is not None and wire < declared:
                    raise _Truncated(f"body truncated: {wire} of {declared} bytes")
                body = b"".join(chunks)
                att.body = _gunzip_magic(body, url, max_bytes)
        except _TooLarge as e:
            att.failure, att.error, att.body = "too_large", str(e), None
        except _Truncated as e:
            att.failure, att.error, att.status, att.body = "truncated", str(e), None, None
        except requests.exceptions.SSLError as e:
            att.failure, att.error, att.status = "ssl", f"SSLError: {_short(e)}", None
        except requests.exceptions.Timeout as e:
            att.failure, att.error, att.status = "timeout", f"timeout: {_short(e)}", None
        except requests.exceptions.ChunkedEncodingError as e:
            att.failure, att.error, att.status = "truncated", f"body truncated: {_short(e)}", None
        except requests.exceptions.ContentDecodingError as e:
            att.failure, att.error, att.status = "truncated", f"bad content encoding: {_short(e)}", None
        except (requests.exceptions.ConnectionError, ConnectionError, OSError) as e:
            att.failure, att.error, att.status = "network", f"{type(e).__name__}: {_short(e)}", None
        except requests.exceptions.RequestException as e:
            att.failure, att.error, att.status = "network", f"{type(e).__name__}: {_short(e)}", None
        if att.failure and att.failure != "too_large":
            att.body = None

    def _proxies_for(self, url: str) -> dict[str, str]:
        """The environment's proxies (HTTP(S)_PROXY), unless NO_PROXY exempts the host."""
        if not self._env_proxies:
            return {}
        host = urlsplit(url).netloc
        bypass = self._no_proxy.get(host)
        if bypass is None:
            bypass = self._no_proxy[host] = bool(proxy_bypass(host.split(":")[0]))
        return {} if bypass else self._env_proxies

    # ------------------------------------------------------------ robots.txt

    def _interval(self, host: str) -> float:
        interval = self.cfg.min_interval_s
        rp = self._robots.get(host)
        if rp is not None:
            delay = rp.crawl_delay(self.cfg.user_agent)
            if delay:
                interval = max(interval, min(float(delay), 60.0))
        return interval

    def _robots_allow(self, url: str) -> bool:
        if not self.cfg.respect_robots:
            return True
        p = urlsplit(url)
        host = normalize_host(p.netloc, p.scheme)
        if host not in self._robots:
            self._robots[host] = None  # guards against recursion while fetching it
            robots_url = urlunsplit((p.scheme, p.netloc, "/robots.txt", "", ""))
            res = self.get(robots_url, kind="robots", context={"host": host}, max_bytes=512 * 1024)
            if res.outcome == "ok" and res.body is not None:
                try:
                    self._robots[host] = Protego.parse(res.body.decode("utf-8", "replace"))
                except Exception as e:  # a broken robots.txt allows everything
                    log.warning("%s: unreadable robots.txt (%s)", host, e)
        rp = self._robots[host]
        return rp is None or bool(rp.can_fetch(url, self.cfg.user_agent))

    # ------------------------------------------------------------ bookkeeping

    def _remember_validators(self, url: str, headers: dict[str, str], sha: str | None) -> None:
        etag, lm = headers.get("etag"), headers.get("last-modified")
        with self._lock:
            if (etag or lm) and sha:
                entry = {"etag": etag, "last_modified": lm, "sha256": sha}
                if self._cache.get(url) != entry:
                    self._cache[url] = entry
                    self._cache_dirty = True
            elif url in self._cache:
                del self._cache[url]
                self._cache_dirty = True
            due = self._cache_dirty and time.monotonic() - self._cache_saved_at > _CACHE_SAVE_EVERY_S
        if due:
            self.save_cache()

    def _record(self, kind: str, r: FetchResult, context: dict[str, Any]) -> None:
        self.fetches += 1
        self.outcomes[r.outcome] = self.outcomes.get(r.outcome, 0) + 1
        self._log.write(
            {
                "kind": kind,
                "url": r.url,
                "final_url": r.final_url,
                "status": r.status,
                "outcome": r.outcome,
                "sha256": r.sha256,
                "bytes": len(r.body) if r.body is not None else None,
                "elapsed_ms": r.elapsed_ms,
                "fetched_at": datetime.now(UTC).isoformat(),
                "headers": {k: r.headers[k] for k in _LOGGED_HEADERS if k in r.headers},
                "error": r.error,
                "attempts": r.attempts,
                "from_cache": r.from_cache,
                **context,
            }
        )
        now = time.monotonic()
        if now - self._progress_at >= _PROGRESS_EVERY_S:
            self._progress_at = now
            log.info(
                "%s: %d fetches, %d requests, %.1f MB, outcomes %s",
                self.unit, self.fetches, self.requests_sent, self.bytes_read / 1e6,
                dict(sorted(self.outcomes.items())),
            )


# ---------------------------------------------------------------- helpers


def _int_header(v: str | None) -> int | None:
    if v is None:
        return None
    try:
        return int(v.strip())
    except ValueError:
        return None


def _retry_after(v: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not v:
        return None
    v = v.strip()
    if v.isdigit():
        return float(v)
    try:
        when = email.utils.parsedate_to_datetime(v)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _gunzip_magic(body: bytes, url: str, max_bytes: int) -> bytes:
    """Decompress a gzip body sent without ``Content-Encoding`` (detected by magic bytes)."""
    if body[:2] != b"\x1f\x8b" or urlsplit(url).path.lower().endswith((".gz", ".tgz")):
        return body
    try:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = d.decompress(body, max_bytes + 1)
        if len(out) > max_bytes:
            raise _TooLarge(f"gzip body inflates beyond the cap of {max_bytes} bytes")
        return out
    except zlib.error:
        return body


def _short(e: BaseException) -> str:
    s = str(e)
    return s if len(s) <= 300 else s[:300] + "…"
