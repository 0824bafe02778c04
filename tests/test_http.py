"""PoliteClient against real servers on 127.0.0.1: the replica, plus a tiny local server
for the few behaviours the replica does not produce (gzip without Content-Encoding, a
request that hangs once)."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from disclosure_etl.archive import Archive
from disclosure_etl.http import PoliteClient, _clock
from disclosure_etl.replica import ReplicaServer
from tests.test_http_support import (
    FAST_HTTP,
    fast_replica,
    host_of,
    make_client,
    requests_to,
)

JUMP_NODE_LIST = "/gkmlpt/api/all/1170"  # a jump node of the district tree: 404
ARRIVAL_JITTER_S = 0.04  # a loaded 2-core machine schedules the server's threads late


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with fast_replica() as srv:
        yield srv


@pytest.fixture(autouse=True)
def _clean(replica: ReplicaServer) -> Iterator[None]:
    replica.reset_quirks()
    replica.set_scenario("default")
    replica.clear_log()
    yield
    replica.reset_quirks()


def _log(tmp_path: Path, unit: str = "u1") -> list[dict]:
    return list(Archive(tmp_path / "archive").iter_fetches("r1", unit))


# ---------------------------------------------------------------- ok path, archive, log


def test_body_is_archived_and_every_call_logged(replica: ReplicaServer, tmp_path: Path) -> None:
    c = make_client(replica, tmp_path)
    res = c.get(replica.base_url + "/gkmlpt/index", kind="index", context={"agency_id": "by"})
    assert res.outcome == "ok" and res.status == 200 and res.ok
    assert res.sha256 == hashlib.sha256(res.body).hexdigest()
    assert c.archive.get(res.sha256) == res.body
    c.get(replica.base_url + "/nowhere.html", kind="content")
    c.close()
    lines = _log(tmp_path)
    assert [r["kind"] for r in lines] == ["robots", "index", "content"]
    idx = lines[1]
    for key in ("run_id", "seq", "unit", "kind", "url", "final_url", "status", "outcome",
                "sha256", "bytes", "elapsed_ms", "fetched_at", "headers", "error"):
        assert key in idx
    assert idx["agency_id"] == "by" and idx["sha256"] == res.sha256 and idx["bytes"] == len(res.body)
    assert lines[2]["outcome"] == "not_found"


def test_404_is_not_retried(replica: ReplicaServer, tmp_path: Path) -> None:
    c = make_client(replica, tmp_path)
    res = c.get(replica.base_url + JUMP_NODE_LIST + "?page=1", kind="list")
    assert res.outcome == "not_found" and res.status == 404
    assert requests_to(replica, JUMP_NODE_LIST) == 1


# ---------------------------------------------------------------- robots.txt


def test_robots_fetched_once_per_host_per_client_and_obeyed(
    replica: ReplicaServer, tmp_path: Path
) -> None:
    c = make_client(replica, tmp_path)
    c.get(replica.base_url + "/gkmlpt/index", kind="index")
    c.get(replica.base_url + "/gzbyjy/gkmlpt/index", kind="index")
    res = c.get(replica.base_url + "/private/intranet.html", kind="discover")
    assert res.outcome == "robots_disallowed" and res.body is None
    assert requests_to(replica, "/robots.txt") == 1
    assert requests_to(replica, "/private/intranet.html") == 0
    c2 = make_client(replica, tmp_path, unit="u2")
    c2.get(replica.base_url + "/gkmlpt/index", kind="index")
    assert requests_to(replica, "/robots.txt") == 2
    assert [r["outcome"] for r in _log(tmp_path)] == ["ok", "ok", "ok", "robots_disallowed"]


def test_robots_can_be_switched_off(replica: ReplicaServer, tmp_path: Path) -> None:
    c = make_client(replica, tmp_path, respect_robots=False)
    assert c.get(replica.base_url + "/private/intranet.html", kind="discover").outcome == "ok"
    assert requests_to(replica, "/robots.txt") == 0


# ---------------------------------------------------------------- politeness


def test_gap_between_requests_to_one_host_is_never_below_min_interval(
    replica: ReplicaServer, tmp_path: Path
) -> None:
    interval = 0.2
    clients = [make_client(replica, tmp_path, unit=f"t{i}", min_interval_s=interval) for i in range(2)]
    paths = ["/gkmlpt/index", "/gzbyjy/gkmlpt/index", "/gzbyhlj/gkmlpt/index", "/zwgk/qzfxxgknb/zj/"]

    def work(c) -> None:  # type: ignore[no-untyped-def]
        for p in paths:
            c.get(replica.base_url + p, kind="index")

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times = sorted(r.t_mono for r in replica.request_log)
    assert len(times) == 2 * (len(paths) + 1)  # robots.txt once per client
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # the promise is on request starts at the client (exact); the server stamps arrival
    # after its own thread scheduling, with a few milliseconds of jitter either way
    assert min(gaps) >= interval - ARRIVAL_JITTER_S
    starts = list(_clock(host_of(replica)).starts)[-len(times):]
    assert min(b - a for a, b in zip(starts, starts[1:], strict=False)) >= interval


# ---------------------------------------------------------------- allow-list, size, challenges


def test_url_on_another_host_is_refused_without_a_request(
    replica: ReplicaServer, tmp_path: Path
) -> None:
    c = make_client(replica, tmp_path)
    res = c.get("https://mp.weixin.qq.com/s/abc", kind="content")
    assert res.outcome == "offsite" and res.body is None and res.status is None
    c.close()
    assert _log(tmp_path)[0]["outcome"] == "offsite"
    assert replica.request_log == []


def test_redirect_to_another_host_is_not_followed(replica: ReplicaServer, tmp_path: Path) -> None:
    replica.set_quirks(offsite_redirect_paths=["/gzbyjy/"])
    c = make_client(replica, tmp_path)
    res = c.get(replica.base_url + "/gzbyjy/gkmlpt/index", kind="index")
    assert res.outcome == "offsite" and res.status == 302
    assert res.final_url == "http://offsite.invalid/gzbyjy/gkmlpt/index"
    assert res.body is None
    c.close()
    line = _log(tmp_path)[-1]
    assert line["outcome"] == "offsite" and line["final_url"].startswith("http://offsite.invalid/")
    assert requests_to(replica, "/gzbyjy/gkmlpt/index") == 1
    assert {r.host for r in replica.request_log} == {host_of(replica)}


def test_oversize_body_stops_reading(replica: ReplicaServer, tmp_path: Path) -> None:
    replica.set_quirks(oversize_paths=["/gzbyjy/gkmlpt/index"], oversize_mb=3)
    c = make_client(replica, tmp_path)
    res = c.get(replica.base_url + "/gzbyjy/gkmlpt/index", kind="index", max_bytes=1024 * 1024)
    assert res.outcome == "too_large" and res.body is None and res.sha256 is None
    assert "cap" in (res.error or "")
    # under a larger cap the same page is fine
    ok = c.get(replica.base_url + "/gzbyjy/gkmlpt/index", kind="index", max_bytes=8 * 1024 * 1024)
    assert ok.outcome == "ok" and len(ok.body or b"") == 3 * 1024 * 1024
    c.close()
    assert [r["outcome"] for r in _log(tmp_path)][-2:] == ["too_large", "ok"]


@pytest.mark.parametrize("status", [200, 412, 521])
def test_challenge_page_is_blocked_and_not_retried(
    replica: ReplicaServer, tmp_path: Path, status: int
) -> None:
    replica.set_quirks(challenge_paths=["/gzbyjy/"], challenge_status=status)
    c = make_client(replica, tmp_path)
    res = c.get(replica.base_url + "/gzbyjy/gkmlpt/index", kind="index")
    assert res.outcome == "blocked" and res.status == status
    assert requests_to(replica, "/gzbyjy/gkmlpt/index") == 1
    c.close()
    assert _log(tmp_path)[-1]["outcome"] == "blocked"


def test_html_where_json_was_expected_is_blocked(replica: ReplicaServer, tmp_path: Path) -> None:
    c = make_client(replica, tmp_path)
    res = c.get(replica.base_url + "/gkmlpt/index", kind="list")
    assert res.outcome == "blocked" and "JSON" in (res.error or "")


# ---------------------------------------------------------------- retries


def test_5xx_is_retried_until_it_succeeds(replica: ReplicaServer, tmp_path: Path) -> None:
    replica.set_quirks(fail_rate=1.0)  # the replica fails attempts 1 and 2 of every URL
    c = make_client(replica, tmp_path, respect_robots=False)
    res = c.get(replica.base_url + "/gkmlpt/index", kind="index")
    assert res.outcome == "ok" and res.attempts == 3
    assert [r.status for r in replica.request_log] == [502, 502, 200]


def test_5xx_gives_up_after_the_configured_retries(replica: ReplicaServer, tmp_path: Path) -> None:
    replica.set_quirks(fail_rate=1.0)
    c = make_client(replica, tmp_path, respect_robots=False, retries=1)
    res = c.get(replica.base_url + "/gkmlpt/index", kind="index")
    assert res.outcome == "http_error" and res.status == 502 and res.attempts == 2


def test_429_honours_retry_after(replica: ReplicaServer, tmp_path: Path) -> None:
    replica.set_quirks(burst_429=2)  # every 2nd request: 429 with Retry-After: 1
    c = make_client(replica, tmp_path, respect_robots=False, backoff_max_s=5.0)
    c.get(replica.base_url + "/gkmlpt/index", kind="index")  # request 1
    res = c.get(replica.base_url + "/gzbyjy/gkmlpt/index", kind="index")  # 2 → 429, 3 → ok
    assert res.outcome == "ok" and res.attempts == 2
    log = [r for r in replica.request_log if r.path == "/gzbyjy/gkmlpt/index"]
    assert [r.status for r in log] == [429, 200]
    assert log[1].t_mono - log[0].t_mono >= 1.0


def test_truncated_body_is_retried(replica: ReplicaServer, tmp_path: Path) -> None:
    replica.set_quirks(truncate_once=True)
    c = make_client(replica, tmp_path, respect_robots=False)
    url = replica.base_url + "/gkmlpt/api/all/1120?page=1&sid=200070"
    res = c.get(url, kind="list")
    assert res.outcome == "ok" and res.attempts == 2
    assert len(res.body or b"") == int(res.headers["content-length"])
    log = [r for r in replica.request_log if r.path == "/gkmlpt/api/all/1120"]
    assert len(log) == 2 and log[0].bytes_sent < log[1].bytes_sent


def test_connection_reset_for_non_browser_ua(replica: ReplicaServer, tmp_path: Path) -> None:
    replica.set_quirks(ua_reset=True)
    bot = make_client(replica, tmp_path, unit="bot", user_agent="curl/8.0", retries=1,
                      respect_robots=False)
    res = bot.get(replica.base_url + "/gkmlpt/index", kind="index")
    assert res.outcome == "network_error" and res.attempts == 2 and res.status is None
    browser = make_client(replica, tmp_path, respect_robots=False)  # default: a browser UA
    assert browser.get(replica.base_url + "/gkmlpt/index", kind="index").outcome == "ok"


# ---------------------------------------------------------------- conditional requests


def test_conditional_request_reuses_the_archived_body(replica: ReplicaServer, tmp_path: Path) -> None:
    url = replica.base_url + "/gkmlpt/index"
    c = make_client(replica, tmp_path, respect_robots=False)
    first = c.get(url, kind="index", conditional=True)
    second = c.get(url, kind="index", conditional=True)
    assert first.outcome == "ok" and not first.from_cache
    assert second.outcome == "not_modified" and second.status == 304 and second.from_cache
    assert second.body == first.body and second.sha256 == first.sha256
    c.close()
    cache = Archive(tmp_path / "archive").load_http_cache("u1")
    assert cache[url]["sha256"] == first.sha256 and cache[url]["etag"]
    # a later run of the same unit sends the stored validators
    c2 = make_client(replica, tmp_path, run_id="r2", respect_robots=False)
    third = c2.get(url, kind="index", conditional=True)
    assert third.outcome == "not_modified" and third.body == first.body
    assert [r.status for r in replica.request_log] == [200, 304, 304]


def test_unconditional_request_ignores_validators(replica: ReplicaServer, tmp_path: Path) -> None:
    url = replica.base_url + "/gkmlpt/index"
    c = make_client(replica, tmp_path, respect_robots=False)
    c.get(url, kind="index", conditional=True)
    assert c.get(url, kind="index").outcome == "ok"


# ---------------------------------------------------------------- https → http fallback


def test_http_fallback_when_the_tls_handshake_fails(replica: ReplicaServer, tmp_path: Path) -> None:
    https_url = "https://" + host_of(replica) + "/gkmlpt/index"  # the replica speaks plain http
    c = make_client(replica, tmp_path, respect_robots=False)
    res = c.get(https_url, kind="index")
    assert res.outcome == "ok" and res.url == https_url
    assert res.final_url == replica.base_url + "/gkmlpt/index"


def test_no_http_fallback_when_switched_off(tmp_path: Path) -> None:
    with fast_replica() as srv:
        host = host_of(srv)
        c = make_client(srv, tmp_path, respect_robots=False, http_fallback=False, retries=0)
        res = c.get("https://" + host + "/gkmlpt/index", kind="index")
        assert res.outcome == "network_error" and "SSL" in (res.error or "")


# ---------------------------------------------------------------- a tiny server for the rest


class _Tiny(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    hits: dict[str, int] = {}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:  # noqa: N802
        n = _Tiny.hits[self.path] = _Tiny.hits.get(self.path, 0) + 1
        if self.path == "/gzip-no-header.json":
            self._send(gzip.compress(b'{"articles": [], "total": 0}'), "application/json")
        elif self.path == "/hang-once.html":
            if n == 1:
                time.sleep(1.5)
            self._send(b"<html>late</html>", "text/html")
        elif self.path == "/gzip-bomb.html":
            self._send(gzip.compress(b" " * (4 * 1024 * 1024)), "text/html")
        else:
            self._send(b"User-agent: *\n", "text/plain")

    def _send(self, body: bytes, ctype: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client may have timed out already
            self.wfile.write(body)


@pytest.fixture()
def tiny() -> Iterator[str]:
    _Tiny.hits = {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Tiny)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _tiny_client(host: str, tmp_path: Path, **http: Any) -> PoliteClient:
    cfg = replace(FAST_HTTP, **http)
    return PoliteClient(cfg, frozenset({host}), Archive(tmp_path / "a"), "r1", "t")


def test_gzip_detected_by_magic_bytes_without_content_encoding(tiny: str, tmp_path: Path) -> None:
    c = _tiny_client(tiny, tmp_path)
    res = c.get(f"http://{tiny}/gzip-no-header.json", kind="list")
    assert res.outcome == "ok" and res.body == b'{"articles": [], "total": 0}'


def test_gzip_body_inflating_past_the_cap_is_too_large(tiny: str, tmp_path: Path) -> None:
    c = _tiny_client(tiny, tmp_path)
    res = c.get(f"http://{tiny}/gzip-bomb.html", kind="content", max_bytes=1024 * 1024)
    assert res.outcome == "too_large" and res.body is None


def test_timeout_is_retried(tiny: str, tmp_path: Path) -> None:
    c = _tiny_client(tiny, tmp_path, timeout_s=0.5)
    res = c.get(f"http://{tiny}/hang-once.html", kind="content")
    assert res.outcome == "ok" and res.attempts == 2 and res.body == b"<html>late</html>"
    assert _Tiny.hits["/hang-once.html"] == 2


# ---------------------------------------------------------------- the queue: retries do not stall


INDEXES = ["/gkmlpt/index", "/gzbyjy/gkmlpt/index", "/gzbyhlj/gkmlpt/index",
           "/zwgk/qzfxxgknb/zj/", "/zwgk/qzfxxgknb/bm/", "/"]


def test_a_failed_request_waits_in_the_queue_while_the_others_go_on(
    replica: ReplicaServer, tmp_path: Path
) -> None:
    replica.set_quirks(fail_rate=1.0)  # every URL: 502, 502, then 200
    c = make_client(replica, tmp_path, respect_robots=False, min_interval_s=0.02,
                    backoff_base_s=0.3, backoff_max_s=1.0, concurrency=2)
    t0 = time.monotonic()
    futures = [c.submit(replica.base_url + p, kind="index") for p in INDEXES]
    results = [f.result() for f in futures]
    elapsed = time.monotonic() - t0
    c.close()
    assert [r.outcome for r in results] == ["ok"] * len(INDEXES)
    assert [r.attempts for r in results] == [3] * len(INDEXES)
    log = replica.request_log
    # every URL's first attempt went out before any retry: nobody waited behind a backoff
    assert {r.path for r in log[: len(INDEXES)]} == set(INDEXES)
    assert [r.status for r in log[: len(INDEXES)]] == [502] * len(INDEXES)
    # sleeping through each backoff in turn would take len × (0.3 + 0.6) s at least
    assert elapsed < len(INDEXES) * 0.9 / 2


def test_429_pauses_the_host_for_every_queued_request(replica: ReplicaServer, tmp_path: Path) -> None:
    replica.set_quirks(burst_429=5)  # the 5th request is answered 429, Retry-After: 1
    c = make_client(replica, tmp_path, respect_robots=False, min_interval_s=0.02,
                    backoff_max_s=5.0, concurrency=4)
    paths = [f"/gkmlpt/api/all/{cat}?page=1&sid=200070" for cat in range(1120, 1132)]
    results = [f.result() for f in [c.submit(replica.base_url + p, kind="list") for p in paths]]
    c.close()
    assert all(r.status in (200, 404) for r in results)
    log = replica.request_log
    t429 = next(r.t_mono for r in log if r.status == 429)
    # requests already on their way when the 429 left may arrive just after it; after that
    # the host is quiet until Retry-After has passed
    quiet = [r for r in log if t429 + 0.15 < r.t_mono < t429 + 1.0 - ARRIVAL_JITTER_S]
    assert quiet == []
    assert len([r for r in log if r.t_mono >= t429 + 1.0 - ARRIVAL_JITTER_S]) >= 3


def test_requests_overlap_while_their_starts_keep_the_interval(
    replica: ReplicaServer, tmp_path: Path
) -> None:
    replica.set_quirks(latency_s=0.2)
    interval = 0.05
    c = make_client(replica, tmp_path, respect_robots=False, min_interval_s=interval, concurrency=4)
    paths = [f"/gkmlpt/api/all/{cat}?page=1&sid=200070" for cat in range(1120, 1132)]
    t0 = time.monotonic()
    for f in [c.submit(replica.base_url + p, kind="list") for p in paths]:
        f.result()
    elapsed = time.monotonic() - t0
    c.close()
    times = sorted(r.t_mono for r in replica.request_log)
    assert len(times) == len(paths)
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= interval - ARRIVAL_JITTER_S
    starts = list(_clock(host_of(replica)).starts)[-len(paths):]
    assert min(b - a for a, b in zip(starts, starts[1:], strict=False)) >= interval
    assert elapsed < len(paths) * (0.2 + interval) / 2  # one at a time would take twice this
