"""``PoliteClient``: the one HTTP path of the harvest.

Every ``get`` (``submit(...).result()``) goes through, in order: the allow-list of
configured hosts, robots.txt (protego; fetched once per host per client), the client's
queue, the per-host clock, a bounded request (connect and read timeouts, a whole-response
cap), retries, an optional http fallback when an https handshake fails, manual redirects
(each hop checked against the allow-list and robots), a streamed size cap, gzip detection by
magic bytes, challenge-page detection, the raw archive (the body is stored before it is
returned) and a fetch-log line for every call.

The queue: ``http.concurrency`` worker threads per client take the job that is due first. A
transient failure (429/5xx but 521, timeouts, resets, truncated bodies) puts the job back
with its backoff due time (tenacity's ``wait_exponential_jitter``; never on 404/410), so
the host's other queued requests go on meanwhile. The per-host clock (one per host per
process, shared by every client and worker) spaces request *starts* at least
``min_interval_s`` (or robots.txt's Crawl-delay) apart; a 429 or ``Retry-After`` (capped at
``backoff_max_s``) pauses the host for everyone.

Outcomes (``FetchResult.outcome`` and the fetch log): ``ok``, ``not_modified``,
``not_found``, ``http_error``, ``network_error``, ``blocked``, ``offsite``, ``too_large``,
``robots_disallowed``.

One ``get`` writes one fetch-log line, whatever happened; its retries are counted in
``attempts`` (``requests_sent`` counts requests on the wire). Validators (ETag /
Last-Modified) of 2xx answers to ``conditional`` gets are kept in
``archive/http_cache/<unit>.json``; a 304 re-uses the archived body. A client opened on a
run and unit whose fetch log already has lines (a killed attempt being resumed) answers
those URLs from the archive (``FetchResult.reused``), with no request and no new log line.
"""

from __future__ import annotations

import email.utils
import heapq
import logging
import threading
import time
import zlib
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.request import getproxies, proxy_bypass

import requests
from protego import Protego
from tenacity import RetryCallState, Retrying, wait_exponential_jitter

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
    """One per host per process, shared by every client and worker thread: request
    *starts* to the host are at least the interval apart, and a ``429`` or ``Retry-After``
    pauses the host for everyone until ``paused_until``. The lock is held while a thread
    waits for its turn, so the next turn is counted from the moment this one started."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.next_start = float("-inf")
        self.paused_until = float("-inf")
        self.starts: deque[float] = deque(maxlen=10_000)  # recent start times (monotonic)

    def wait_turn(self, interval: float) -> None:
        """Block until this thread may start a request to the host."""
        with self.lock:
            while True:
                now = time.monotonic()
                start = max(self.next_start, self.paused_until)
                if start <= now:
                    break
                time.sleep(start - now)
            self.next_start = now + interval
            self.starts.append(now)

    def pause(self, seconds: float) -> None:
        until = time.monotonic() + seconds
        with self.lock:
            self.paused_until = max(self.paused_until, until)


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
    reused: bool = False  # answered from this run's own fetch log (a resumed unit): no request

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


@dataclass
class _Job:
    """One ``get`` in the client's queue: where it stands and when it is due again."""

    url: str
    kind: str
    context: dict[str, Any]
    conditional: bool
    max_bytes: int
    future: Future[FetchResult]
    t0: float
    cached: dict[str, Any] | None = None
    current: str = ""
    due: float = 0.0
    attempts: int = 0  # requests sent for this get, every hop
    tries: int = 0  # requests sent for the current hop (the retry count)
    redirects: int = 0
    fell_back: bool = False


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
        self._resume = _resumable(archive, run_id, unit)
        self._log: FetchLogWriter = archive.fetch_log(run_id, unit)
        self._robots: dict[str, Protego | None] = {}
        self._cache: dict[str, dict[str, Any]] = archive.load_http_cache(unit)
        self._cache_dirty = False
        self._cache_saved_at = time.monotonic()
        self._lock = threading.Lock()
        self._robots_lock = threading.RLock()
        self.requests_sent = 0  # HTTP requests on the wire (retries and robots included)
        self.fetches = 0  # fetch-log lines
        self.reused = 0  # gets answered from the run's own fetch log (resumed unit)
        self.bytes_read = 0
        self.outcomes: dict[str, int] = {}
        self._progress_at = time.monotonic()
        self._wait = wait_exponential_jitter(
            multiplier=http.backoff_base_s, max=http.backoff_max_s, jitter=http.backoff_base_s
        )
        self._fresh: deque[_Job] = deque()  # first attempts, in submit order
        self._retries: list[tuple[float, int, _Job]] = []  # by due time; first when due
        self._seq = 0
        self._cv = threading.Condition()
        self._workers: list[threading.Thread] = []
        self._stopping = False

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
        fut = self.submit(url, kind=kind, context=context, conditional=conditional,
                          max_bytes=max_bytes)
        return fut.result()

    def submit(
        self,
        url: str,
        *,
        kind: str,
        context: dict[str, Any] | None = None,
        conditional: bool = False,
        max_bytes: int | None = None,
    ) -> Future[FetchResult]:
        """Queue ``url`` for the client's workers; the future holds what ``get`` returns.

        A failed attempt goes back into the queue with its backoff due time, so the
        other queued requests go on meanwhile (at the host's interval)."""
        if kind not in KINDS:
            raise ValueError(f"unknown fetch kind {kind!r}")
        cap = max_bytes if max_bytes is not None else int(self.cfg.max_response_mb * 1024 * 1024)
        now = time.monotonic()
        job = _Job(url, kind, context or {}, conditional, cap, Future(), now, due=now)
        done = self._reused(job) or self._refused(job)
        if done is not None:
            job.future.set_result(done)
            return job.future
        cached = self._cache.get(url) if conditional else None
        if cached and not (cached.get("sha256") and self.archive.has(cached["sha256"])):
            cached = None
        job.cached, job.current = cached, self._effective_url(url)
        # inline, in this thread: a worker's own nested fetch, and robots.txt (read under the
        # robots lock, so it must never wait for a worker that may be waiting for that lock)
        if kind == "robots" or getattr(_WORKER, "client", None) is self:
            while not job.future.done():
                time.sleep(max(0.0, job.due - time.monotonic()))
                self._step(job)
            return job.future
        self._push(job)
        return job.future

    def close(self) -> None:
        """Stop the workers, save the validator cache, close the fetch log and the session.
        Requests still queued (the caller gave up on them, e.g. after an error) are dropped:
        their futures are cancelled; requests in flight finish and are logged."""
        with self._cv:
            self._stopping = True
            dropped = [*self._fresh, *(j for _, _, j in self._retries)]
            self._fresh.clear()
            self._retries.clear()
            self._cv.notify_all()
        for job in dropped:
            job.future.cancel()
        if dropped:
            log.warning("%s: %d queued requests dropped at close", self.unit, len(dropped))
        for t in self._workers:
            t.join()
        self._workers.clear()
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

    # ------------------------------------------------------------ the queue

    def _push(self, job: _Job) -> None:
        with self._cv:
            if self._stopping:
                raise RuntimeError(f"client {self.unit} is closed")
            if job.attempts == 0:
                self._fresh.append(job)
            else:
                self._seq += 1
                heapq.heappush(self._retries, (job.due, self._seq, job))
            while len(self._workers) < max(1, self.cfg.concurrency):
                t = threading.Thread(target=self._work, name=f"fetch-{self.unit}", daemon=True)
                self._workers.append(t)
                t.start()
            self._cv.notify()

    def _work(self) -> None:
        _WORKER.client = self
        while True:
            with self._cv:
                while True:
                    now = time.monotonic()
                    if self._retries and self._retries[0][0] <= now:  # a due retry first
                        job = heapq.heappop(self._retries)[2]
                        break
                    if self._fresh:
                        job = self._fresh.popleft()
                        break
                    if self._stopping and not self._retries:
                        return
                    self._cv.wait(self._retries[0][0] - now if self._retries else None)
            try:
                self._step(job)
            except BaseException as e:  # a bug, not network trouble: the caller sees it
                job.future.set_exception(e)
            if not job.future.done():
                self._push(job)

    def _reused(self, job: _Job) -> FetchResult | None:
        """The answer this run already archived for the URL (a resumed unit), or None."""
        rec = self._resume.get((job.kind, job.url)) if job.kind != "robots" else None
        if rec is None:
            return None
        sha = rec.get("sha256")
        body = self.archive.get(sha) if sha and self.archive.has(sha) else None
        if rec["outcome"] != "not_found" and body is None:
            return None
        with self._lock:
            self.reused += 1
        return FetchResult(job.url, rec.get("final_url") or job.url, rec.get("status"),
                           rec["outcome"], body=body, sha256=sha, headers=rec.get("headers") or {},
                           error=rec.get("error"), from_cache=True, reused=True)

    def _refused(self, job: _Job) -> FetchResult | None:
        """Offsite or robots-disallowed (logged like any fetch), else None."""
        url = job.url
        if not self.is_allowed(url):
            res = FetchResult(url, url, None, "offsite", error="host not in the allow-list")
        elif job.kind != "robots" and not self._robots_allow(url):
            res = FetchResult(url, url, None, "robots_disallowed", error="disallowed by robots.txt")
        else:
            return None
        self._record(job.kind, res, job.context)
        return res

    # ------------------------------------------------------------ one attempt of a job

    def _step(self, job: _Job) -> None:
        """One request of ``job``; then finish it, or set its next due time (retry, redirect)."""
        att = self._attempt(job.current, job.kind, job.cached if job.redirects == 0 else None,
                            job.max_bytes)
        job.attempts += 1
        job.tries += 1
        p = urlsplit(job.current)
        if att.failure == "ssl" and p.scheme == "https" and self.cfg.http_fallback and not job.fell_back:
            host = normalize_host(p.netloc, "https")
            log.warning("%s: TLS handshake failed (%s); falling back to http", host, att.error)
            _HTTP_FALLBACK_HOSTS.add(host)
            job.current, job.fell_back = urlunsplit(("http", host, p.path, p.query, "")), True
            job.due = time.monotonic()
            return
        if _retryable(att) and job.tries <= self.cfg.retries:
            self._schedule_retry(job, att)
            return
        if att.status in _REDIRECTS and att.headers.get("location"):
            res = self._redirect(job, att)
            if res is None:
                return
        else:
            res = self._classify(job.url, att, job.kind, job.cached, job.attempts)
        self._finish(job, res)

    def _schedule_retry(self, job: _Job, att: _Attempt) -> None:
        delay = self._wait(_retry_state(job.tries))
        host = normalize_host(urlsplit(job.current).netloc, urlsplit(job.current).scheme)
        retry_after = _retry_after(att.headers.get("retry-after")) if att.status else None
        if att.status == 429 or retry_after is not None:  # the server asks the host to slow down
            pause = min(retry_after if retry_after is not None else delay, self.cfg.backoff_max_s)
            _clock(host).pause(pause)
            delay = max(delay, pause)
        job.due = time.monotonic() + delay
        log.info("%s %s: %s; retry %d/%d in %.2fs", job.kind, job.current,
                 att.error or f"HTTP {att.status}", job.tries, self.cfg.retries, delay)

    def _redirect(self, job: _Job, att: _Attempt) -> FetchResult | None:
        """Follow one hop (None: queued again), or the result that ends the job."""
        nxt = urljoin(att.url, att.headers["location"].strip())
        job.redirects += 1
        def end(outcome: str, error: str) -> FetchResult:
            return FetchResult(job.url, nxt, att.status, outcome, headers=att.headers,
                               error=error, attempts=job.attempts)

        if not self.is_allowed(nxt):
            return end("offsite", f"redirect to a host not in the allow-list: {nxt}")
        if job.kind != "robots" and not self._robots_allow(nxt):
            return end("robots_disallowed", "redirect target disallowed by robots.txt")
        if job.redirects > _MAX_REDIRECTS:
            return end("http_error", "too many redirects")
        job.current, job.tries, job.due = self._effective_url(nxt), 0, time.monotonic()
        return None

    def _finish(self, job: _Job, res: FetchResult) -> None:
        res.elapsed_ms = int((time.monotonic() - job.t0) * 1000)
        self._record(job.kind, res, job.context)
        job.future.set_result(res)

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
        att = _Attempt(url=url)
        _clock(host).wait_turn(self._interval(host))
        with self._lock:
            self.requests_sent += 1
        self._read(url, headers, max_bytes, att)
        if att.body is not None:
            with self._lock:
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
        with self._robots_lock:  # one fetch per host, and nobody passes before it is read
            if host not in self._robots:
                self._robots[host] = None  # guards against recursion while fetching it
                robots_url = urlunsplit((p.scheme, p.netloc, "/robots.txt", "", ""))
                res = self.get(robots_url, kind="robots", context={"host": host},
                               max_bytes=512 * 1024)
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
        with self._lock:
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
        with self._lock:
            due = now - self._progress_at >= _PROGRESS_EVERY_S
            if due:
                self._progress_at = now
        if due:
            log.info(
                "%s: %d fetches, %d requests, %.1f MB, outcomes %s",
                self.unit, self.fetches, self.requests_sent, self.bytes_read / 1e6,
                dict(sorted(self.outcomes.items())),
            )


# ---------------------------------------------------------------- helpers

_WORKER = threading.local()  # .client: the PoliteClient whose worker this thread is
_RETRY_STATE_OWNER = Retrying()
_REUSABLE = ("ok", "not_modified", "not_found")


def _retry_state(failures: int) -> RetryCallState:
    """A tenacity call state after ``failures`` failed attempts (for its wait functions)."""
    state = RetryCallState(_RETRY_STATE_OWNER, None, (), {})
    state.attempt_number = failures
    return state


def _retryable(att: _Attempt) -> bool:
    """Transient: timeouts, resets, truncated bodies, TLS trouble, 429 and 5xx but 521."""
    if att.failure in ("timeout", "network", "truncated", "ssl"):
        return True
    return att.status is not None and (att.status == 429 or (500 <= att.status < 600 and att.status != 521))


def _resumable(archive: Archive, run_id: str, unit: str) -> dict[tuple[str, str], dict[str, Any]]:
    """What this unit already fetched in this run (a killed attempt), by ``(kind, url)``:
    the answers a resumed unit re-uses instead of asking the server again."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for rec in archive.iter_fetches(run_id, unit):
        if rec.get("outcome") in _REUSABLE and rec.get("kind") != "robots" and rec.get("url"):
            out[(rec["kind"], rec["url"])] = rec
    return out


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
