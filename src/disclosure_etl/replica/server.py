"""The replica HTTP server: a ThreadingHTTPServer in a daemon thread (site_protocol.md §11).

Routes: gkmlpt index views, ``api/all``, content pages, attachments, the portal root, the
report columns and their articles, ``/robots.txt``, ``/images/<name>.png`` (static table
pictures from ``replica/data``); admin endpoints under ``/__replica__/``
(not logged). Every 200 carries ETag and Last-Modified and answers conditional requests
with 304.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import signal
import socket
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import render
from .scenarios import DEFAULT_QUIRKS, SCENARIOS, check_quirks
from .world import TZ, World, build_world

_PREFIX = r"(?P<prefix>(?:/[A-Za-z0-9_]+)?)"
_RE_INDEX = re.compile(_PREFIX + r"/gkmlpt/(?P<view>index|mindex|policy|annualreport|search|guide)/?$")
_RE_API = re.compile(_PREFIX + r"/gkmlpt/api/all/(?P<cat>\d+)/?$")
_RE_CONTENT = re.compile(_PREFIX + r"/gkmlpt/content/(?P<a>\d+)/(?P<b>\d+)/(?P<kind>m?post)_(?P<id>\d+)\.html$")
_RE_ATT = re.compile(_PREFIX + r"/attachment/(?P<a>\d+)/(?P<b>\d+)/(?P<aid>\d+)/(?P<pid>\d+)\.(?P<ext>\w+)$")
_COLUMNS = "|".join(f"(?P<{k}>{re.escape(p)})" for k, p in render.COLUMN_PATHS.items())
_RE_COLUMN = re.compile(rf"(?:{_COLUMNS})(?:index(?:_(?P<n>\d+))?\.html)?$")
_RE_ARTICLE = re.compile(rf"(?:{_COLUMNS})content/post_(?P<id>\d+)\.html$")
_RE_IMAGE = re.compile(r"/images/(?P<name>[a-z0-9_]+\.png)$")
#: Static images (``replica/data/*.png``: a table drawn as a picture) served at /images/<name>.
_IMAGES = Path(__file__).resolve().parent / "data"

log = logging.getLogger(__name__)


def write_response(
    handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str], send_body: bool
) -> int:
    """Write one HTTP response (status, headers, Content-Length, body unless HEAD); the body
    bytes sent. Shared by the replica and the recorded-scenario server."""
    handler.send_response(status)
    for k, v in headers.items():
        handler.send_header(k, v)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if send_body and body:
        handler.wfile.write(body)
        return len(body)
    return 0
ROBOTS = "User-agent: *\nDisallow: /private/\n"


@dataclass(frozen=True)
class RequestRecord:
    """One request the replica answered (admin requests are not recorded)."""

    t_mono: float  # time.monotonic() at arrival
    t_wall: float  # time.time() at arrival
    method: str
    path: str
    query: str
    status: int  # 0 = connection reset by the replica
    user_agent: str
    bytes_sent: int  # body bytes (headers not counted; 0 for HEAD, 304 and resets)
    host: str


@dataclass
class _Response:
    status: int
    body: bytes = b""
    content_type: str = "text/html"
    kind: str = "other"  # index | list | content | attachment | portal | other
    last_modified: int = 0
    headers: dict[str, str] = field(default_factory=dict)


def _frac(*parts: object) -> float:
    h = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(h[:4], "big") / 2**32


class _QuietHTTPServer(ThreadingHTTPServer):
    """A client hanging up mid-response is normal here (size caps, injected faults): log it
    instead of printing socketserver's traceback on stderr."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("replica: request from %s ended with an error", client_address, exc_info=True)


class ReplicaServer:
    """The replica district site on 127.0.0.1 (see the package docstring for the API)."""

    def __init__(
        self,
        scenario: str = "default",
        quirks: dict[str, Any] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        world: World | None = None,
        log_limit: int | None = None,
    ) -> None:
        """``log_limit`` keeps only the newest N request records (None: all of them; a
        province-scale crawl makes millions); ``status_counts`` always counts every answer."""
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown replica scenario: {scenario}")
        check_quirks(quirks or {})
        self.world = world if world is not None else _default_world()
        self.host = host
        self.port = port
        self._scenario = scenario
        self._overrides: dict[str, Any] = dict(quirks or {})
        self._lock = threading.Lock()
        self._log: deque[RequestRecord] = deque(maxlen=log_limit)
        self._status_counts: Counter[int] = Counter()
        self._attempts: dict[tuple[str, str], int] = {}
        self._counter = 0
        self._truncated = False
        self._bucket = (0.0, float("-inf"))  # rate limit: (tokens, time of the last refill)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle
    def start(self) -> ReplicaServer:
        if self._httpd is not None:
            return self
        httpd = _QuietHTTPServer((self.host, self.port), _Handler)
        httpd.replica = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(target=httpd.serve_forever, name="replica-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- state
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def scenario(self) -> str:
        return self._scenario

    @property
    def quirks(self) -> dict[str, Any]:
        """Effective flags: defaults, then the scenario's, then explicit overrides."""
        with self._lock:
            return {**DEFAULT_QUIRKS, **SCENARIOS[self._scenario].quirks, **self._overrides}

    @property
    def request_log(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    @property
    def status_counts(self) -> dict[int, int]:
        """Requests answered since start (or the last ``clear_log``), by status (0 = reset)."""
        with self._lock:
            return dict(self._status_counts)

    @property
    def requests_served(self) -> int:
        """Requests answered since start (or the last ``clear_log``); admin requests aside."""
        with self._lock:
            return sum(self._status_counts.values())

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()
            self._status_counts.clear()

    def set_scenario(self, name: str) -> None:
        """Switch live (same port, same URLs); explicit quirk overrides are kept."""
        if name not in SCENARIOS:
            raise ValueError(f"unknown replica scenario: {name}")
        with self._lock:
            self._scenario = name
            self._attempts.clear()
            self._counter = 0
            self._truncated = False

    def set_quirks(self, **flags: Any) -> None:
        """Override quirk/fault flags live (on top of the scenario's defaults)."""
        check_quirks(flags)
        with self._lock:
            self._overrides.update(flags)
            self._attempts.clear()  # fault decisions start afresh
            self._counter = 0
            if "truncate_once" in flags:
                self._truncated = False

    def reset_quirks(self) -> None:
        """Drop every explicit override (back to the scenario's defaults)."""
        with self._lock:
            self._overrides.clear()
            self._truncated = False

    # -- internals used by the handler
    def _record(self, rec: RequestRecord) -> None:
        with self._lock:
            self._log.append(rec)
            self._status_counts[rec.status] += 1

    def _next(self, path: str, query: str, count_attempts: bool) -> tuple[int, int]:
        """(request number, attempt at this URL); attempts are only counted (and remembered)
        when a fault flag depends on them, so the memory stays flat on a clean crawl."""
        with self._lock:
            self._counter += 1
            if not count_attempts:
                return self._counter, 1
            key = (path, query)
            self._attempts[key] = self._attempts.get(key, 0) + 1
            return self._counter, self._attempts[key]

    def _take_token(self, rps: float) -> bool:
        """A token bucket of ``rps`` tokens a second holding one second's worth: False when
        the client is over the limit."""
        with self._lock:
            tokens, at = self._bucket
            now = time.monotonic()
            tokens = min(rps, tokens + (now - at) * rps) if at != float("-inf") else rps
            ok = tokens >= 1.0
            self._bucket = (tokens - 1.0 if ok else tokens, now)
            return ok

    def _take_truncate(self) -> bool:
        with self._lock:
            if self._truncated:
                return False
            self._truncated = True
            return True

    def route(self, method: str, path: str, query: str, host: str, scheme: str) -> _Response:
        """Answer one (non-admin) request: status, body, type, Last-Modified."""
        q = self.quirks
        scenario = self._scenario
        world = self.world
        today_ts = int(datetime.combine(SCENARIOS[scenario].today, datetime.min.time(), TZ).timestamp())
        base = f"{scheme}://{host}"
        public_base = f"{'http' if q['http_scheme_urls'] else scheme}://{host}"
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}

        if path == "/robots.txt":
            return _Response(200, ROBOTS.encode(), "text/plain", last_modified=today_ts)
        if path in ("/", "/index.html"):
            return _Response(200, render.portal_home(world, q).encode(), kind="portal", last_modified=today_ts)
        if path.startswith("/private/"):
            return _Response(200, b"<html><body>private</body></html>", last_modified=today_ts)
        m = _RE_IMAGE.match(path)
        if m:
            img = _IMAGES / m["name"]
            if img.is_file():
                return _Response(200, img.read_bytes(), "image/png", last_modified=today_ts)
            return _Response(404, render.not_found_page().encode())

        m = _RE_INDEX.match(path)
        if m and world.has_agency(m["prefix"]):
            ag = world.agency(m["prefix"])
            page = render.index_page(world, ag, scenario, q, m["view"])
            return _Response(200, page.encode(), kind="index", last_modified=today_ts)

        m = _RE_API.match(path)
        if m and world.has_agency(m["prefix"]):
            ag = world.agency(m["prefix"])
            cat = int(m["cat"])
            sid = params.get("sid")
            if not q["sid_optional"] and sid != ag.sid:
                body = json.dumps({"code": q["sid_strict_status"], "message": "sid error"}).encode()
                return _Response(int(q["sid_strict_status"]), body, "application/json")
            node = next((n for n in ag.nodes() if n.id == cat), None)
            if cat != 0 and (node is None or node.jump_url):
                return _Response(404, render.not_found_page().encode())
            try:
                page_no = int(params.get("page", "1") or "1")
            except ValueError:
                page_no = 1
            if page_no < 0 or (page_no == 0 and not q["page_zero_is_one"]):
                return _Response(404, render.not_found_page().encode())
            if any(path.startswith(p) for p in q["empty_list_paths"]):
                empty = {"classify": {"id": cat, "name": node.name if node else "全部",
                                      "jump_url": "", "post_count": 0},
                         "articles": [], "total": 0, "offset": 0}  # fmt: skip
                body = json.dumps(empty, ensure_ascii=False).encode()
                return _Response(200, body, "application/json", kind="list")
            data = render.list_json(world, ag, cat, page_no, scenario, q, base, public_base)
            if data is None:
                if q["past_end_404"]:
                    return _Response(404, render.not_found_page().encode(), kind="list")
                lst = world.listing(ag.prefix, cat, scenario)
                data = {
                    "classify": {"id": cat, "name": node.name if node else "全部", "jump_url": "",
                                 "post_count": len(lst.rows)},
                    "articles": [],
                    "total": lst.window if q["listing_window"] else len(lst.rows),
                    "offset": (max(page_no, 1) - 1) * render.PAGE_SIZE,
                }
            body = json.dumps(data, ensure_ascii=False).encode()
            return _Response(200, body, "application/json", kind="list", last_modified=today_ts)

        m = _RE_CONTENT.match(path)
        if m and world.has_agency(m["prefix"]):
            pid = int(m["id"])
            it = world.item(pid, scenario)
            ok = (
                it is not None
                and it.prefix == m["prefix"]
                and int(m["a"]) == pid // 1_000_000
                and int(m["b"]) == pid // 1_000
                and not (it.type == "url" and q["url_rows"])
            )
            if ok and it is not None:
                is_mirror = it.mirror_of is not None and q["mpost_copies"]
                if m["kind"] == "mpost" and not is_mirror:
                    ok = False
            if not ok or it is None:
                return _Response(404, render.not_found_page().encode(), kind="content")
            page = render.content_page(world, it, scenario, q, base, public_base)
            return _Response(200, page.encode(), kind="content", last_modified=it.modified_ts)

        m = _RE_ATT.match(path)
        if m:
            aid = int(m["aid"])
            att = world.attachments.get(aid)
            ok = (
                att is not None
                and att.post_id == int(m["pid"])
                and att.ext == m["ext"]
                and int(m["a"]) == aid // 1_000_000
                and int(m["b"]) == aid // 1_000
                and m["prefix"] in ("", att.prefix)
            )
            if not ok or att is None:
                return _Response(404, render.not_found_page().encode(), kind="attachment")
            post = world.item(att.post_id, "default")
            lm = post.publish_ts if post is not None else today_ts
            return _Response(200, world.attachment_bytes(aid), att.mime, kind="attachment", last_modified=lm,
                             headers={"Content-Disposition": f"attachment; filename={att.post_id}.{att.ext}"})

        m = _RE_COLUMN.match(path)
        if m and (m["dept"] is None or q["department_column"]):
            n = int(m["n"]) if m["n"] else 1
            col_page = render.column_page(world, _column(m), n, q) if n != 1 or not m["n"] else None
            if col_page is None:
                return _Response(404, render.not_found_page().encode(), kind="portal")
            return _Response(200, col_page.encode(), kind="portal", last_modified=today_ts)

        m = _RE_ARTICLE.match(path)
        if m:
            art_page = render.portal_article(world, int(m["id"]), _column(m), base, q)
            if art_page is None:
                return _Response(404, render.not_found_page().encode(), kind="portal")
            art_ts = next(a.publish_ts for a in render.portal_articles(world, q) if a.id == int(m["id"]))
            return _Response(200, art_page.encode(), kind="portal", last_modified=art_ts)

        return _Response(404, render.not_found_page().encode())


def _column(m: re.Match[str]) -> str:
    """The column key (``zj``, ``bm``, ``dept``) a column or article path matched."""
    return next(k for k in render.COLUMN_PATHS if m[k])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two sends: without TCP_NODELAY every small keep-alive
    # response would wait for the peer's delayed ACK (~40 ms)
    disable_nagle_algorithm = True
    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    # -- helpers
    @property
    def replica(self) -> ReplicaServer:
        return self.server.replica  # type: ignore[attr-defined]

    def _send(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str],
        send_body: bool = True,
        record: Callable[[int, int], None] | None = None,
    ) -> int:
        """Send one response. ``record`` is called first, so that a client that has
        received the response always finds it in the request log."""
        if record is not None:
            record(status, len(body) if send_body else 0)
        return write_response(self, status, body, headers, send_body)

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        path, query = url.path, url.query
        rep = self.replica
        if path.startswith("/__replica__/"):
            self._admin(method, path)
            return
        t_mono, t_wall = time.monotonic(), time.time()
        ua = self.headers.get("User-Agent", "")
        host = self.headers.get("Host") or f"{rep.host}:{rep.port}"
        scheme = "https" if self.headers.get("X-Forwarded-Proto", "").lower() == "https" else "http"
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)

        def record(status: int, sent: int) -> None:
            rep._record(RequestRecord(t_mono, t_wall, method, path, query, status, ua, sent, host))

        q = rep.quirks
        if q["ua_reset"] and "Mozilla" not in ua:
            record(0, 0)
            self._reset()
            return
        n, attempt = rep._next(path, query, bool(q["fail_rate"] or q["slow_s"]))
        if q["latency_s"]:
            time.sleep(float(q["latency_s"]))
        if q["rate_limit_rps"] and not rep._take_token(float(q["rate_limit_rps"])):
            self._send(429, b"Too Many Requests", {"Content-Type": "text/plain", "Retry-After": "1"},
                       method != "HEAD", record)
            return
        if any(path.startswith(p) for p in q["challenge_paths"]):
            body = render.challenge_page().encode()
            self._send(int(q["challenge_status"]), body, {
                "Content-Type": "text/html", "X-Via-JSL": "replica,jsl",
                "Set-Cookie": "__jsluid_s=replica; path=/"}, method != "HEAD", record)
            return
        if any(path.startswith(p) for p in q["offsite_redirect_paths"]):
            self._send(302, b"", {"Location": f"http://offsite.invalid{path}"}, True, record)
            return
        if q["burst_429"] and n % int(q["burst_429"]) == 0:
            self._send(429, b"Too Many Requests", {"Content-Type": "text/plain", "Retry-After": "1"},
                       method != "HEAD", record)
            return
        if q["fail_rate"] and attempt < 3 and _frac("fail", path, query, attempt) < float(q["fail_rate"]):
            self._send(502, b"<html><body>502 Bad Gateway</body></html>", {"Content-Type": "text/html"},
                       method != "HEAD", record)
            return
        if q["slow_s"] and _frac("slow", path, query, attempt) < 0.25:
            time.sleep(float(q["slow_s"]) * _frac("delay", path, query, attempt))

        resp = rep.route(method, path, query, host, scheme)
        if resp.status == 200 and any(path.startswith(p) for p in q["oversize_paths"]):
            size = int(float(q["oversize_mb"]) * 1024 * 1024)
            pad = b"<!-- replica oversize padding -->\n"
            resp.body = (resp.body + pad * (size // len(pad) + 1))[:size]
        headers = dict(resp.headers)
        ctype = resp.content_type
        if ctype == "text/html" and not q["no_charset"] or ctype in ("application/json", "text/plain"):
            ctype += "; charset=utf-8"
        headers["Content-Type"] = ctype
        send_body = method != "HEAD"
        if resp.status == 200:
            etag = '"' + hashlib.sha1(resp.body).hexdigest()[:20] + '"'
            headers["ETag"] = etag
            headers["Last-Modified"] = formatdate(resp.last_modified, usegmt=True)
            if self._not_modified(etag, resp.last_modified):
                record(304, 0)
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", headers["Last-Modified"])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if q["truncate_once"] and resp.kind in ("list", "content") and send_body and rep._take_truncate():
                half = resp.body[: len(resp.body) // 2]
                record(200, len(half))
                self.send_response(200)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(resp.body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(half)
                self.wfile.flush()
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
        self._send(resp.status, resp.body, headers, send_body, record)

    def _not_modified(self, etag: str, last_modified: int) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            return "*" in tags or etag in tags or f"W/{etag}" in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                return last_modified <= int(parsedate_to_datetime(ims).timestamp())
            except (TypeError, ValueError):
                return False
        return False

    def _reset(self) -> None:
        """Close the connection with a TCP RST (SO_LINGER 0)."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _admin(self, method: str, path: str) -> None:
        rep = self.replica
        body = b""
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
        status, out = 200, {"ok": True}  # type: tuple[int, Any]
        try:
            if path == "/__replica__/log" and method == "GET":
                out = [asdict(r) for r in rep.request_log]
            elif path == "/__replica__/state" and method == "GET":
                out = {"scenario": rep.scenario, "quirks": rep.quirks, "base_url": rep.base_url}
            elif path == "/__replica__/clear" and method == "POST":
                rep.clear_log()
            elif path.startswith("/__replica__/scenario/") and method == "POST":
                rep.set_scenario(path.rsplit("/", 1)[1])
                out = {"ok": True, "scenario": rep.scenario}
            elif path == "/__replica__/quirks" and method == "POST":
                flags = json.loads(body or b"{}")
                if not isinstance(flags, dict):
                    raise ValueError("quirks body must be a JSON object")
                rep.set_quirks(**flags)
                out = {"ok": True, "quirks": rep.quirks}
            else:
                status, out = 404, {"ok": False, "error": "unknown admin endpoint"}
        except ValueError as exc:
            status, out = 400, {"ok": False, "error": str(exc)}
        data = json.dumps(out, ensure_ascii=False).encode()
        self._send(status, data, {"Content-Type": "application/json"}, method != "HEAD")


_WORLD: World | None = None
_WORLD_LOCK = threading.Lock()


def _default_world() -> World:
    """The scale-1 world, built once per process and shared by servers."""
    global _WORLD
    with _WORLD_LOCK:
        if _WORLD is None:
            _WORLD = build_world()
        return _WORLD


def serve(host: str = "127.0.0.1", port: int = 8000, scenario: str = "default") -> None:
    """Serve the replica until SIGINT/SIGTERM; prints one line with the base URL first."""
    serve_until_stopped(ReplicaServer(scenario=scenario, host=host, port=port))


def serve_until_stopped(srv: Any, banner: Callable[[], str] | None = None) -> None:
    """Start ``srv`` (a ReplicaServer, RecordedServer or ProvinceServer), print its base URL
    (or what ``banner`` returns once it runs), serve until SIGINT/SIGTERM, stop it."""
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    old = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    srv.start()
    try:
        print(banner() if banner is not None else srv.base_url, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        srv.stop()
        for s, h in old.items():
            signal.signal(s, h)


serve_forever = serve
