"""Replica quirk switches and fault injection, over real HTTP."""

from __future__ import annotations

import json
import re
import socket
from collections import Counter
from collections.abc import Iterator

import pytest
import requests

from disclosure_etl.replica import SCENARIOS, ReplicaServer, World, build_world
from tests.replica_support import UA, get, list_all, session


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture()
def srv(world: World) -> Iterator[ReplicaServer]:
    with ReplicaServer(world=world) as s:
        yield s


def _raw(srv: ReplicaServer, path: str, ua: str = UA) -> bytes:
    """One request on a raw socket; returns whatever arrived before the close."""
    with socket.create_connection((srv.host, srv.port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nUser-Agent: {ua}\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


@pytest.mark.slow  # the 429s carry Retry-After: 1
def test_faults_scenario_fails_sometimes_but_every_request_succeeds_on_retry(world: World) -> None:
    assert SCENARIOS["faults"].quirks["fail_rate"] > 0
    s = session()
    with ReplicaServer(world=world, scenario="faults") as srv:
        paths = ["/gzbyhlj/gkmlpt/index"] + [f"/gzbyhlj/gkmlpt/api/all/2120?page={p}" for p in range(1, 6)]
        paths += world.report("gzbyjtj-2021").paths
        paths += [it.content_path for it in world.items()[:12] if it.content_path]
        for p in paths:
            r = get(s, srv.base_url + p, retries=10)
            assert r.status_code == 200, p
        statuses = Counter(rec.status for rec in srv.request_log)
        assert statuses[502] > 0 and statuses[429] > 0
        # the same request sequence gives the same statuses (deterministic)
        first = [(rec.path, rec.query, rec.status) for rec in srv.request_log]
        srv.set_scenario("faults")
        srv.clear_log()
        for p in paths:
            get(s, srv.base_url + p, retries=10)
        assert [(rec.path, rec.query, rec.status) for rec in srv.request_log] == first


def test_truncate_once_sends_half_the_declared_body_once(srv: ReplicaServer) -> None:
    srv.set_quirks(truncate_once=True)
    path = "/gzbyhlj/gkmlpt/api/all/2120?page=1"
    raw = _raw(srv, path)
    head, _, body = raw.partition(b"\r\n\r\n")
    declared = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    assert 0 < len(body) < declared
    again = _raw(srv, path)
    head, _, body = again.partition(b"\r\n\r\n")
    assert len(body) == int(re.search(rb"Content-Length: (\d+)", head).group(1))


def test_truncate_once_happens_once(srv: ReplicaServer) -> None:
    srv.set_quirks(truncate_once=True)
    path = "/gzbyhlj/gkmlpt/api/all/2120?page=1"
    with pytest.raises(requests.RequestException):
        requests.get(srv.base_url + path, headers={"User-Agent": UA}, timeout=5)
    r = requests.get(srv.base_url + path, headers={"User-Agent": UA}, timeout=5)
    assert r.status_code == 200 and r.json()["articles"]


def test_fail_rate_is_deterministic_and_retries_succeed(srv: ReplicaServer) -> None:
    srv.set_quirks(fail_rate=0.5)
    s = session()
    for i in range(20):
        url = f"{srv.base_url}/gzbyhlj/gkmlpt/api/all/2120?page=1&n={i}"
        assert get(s, url, retries=3).status_code == 200
    assert any(rec.status == 502 for rec in srv.request_log)


def test_burst_429_carries_retry_after(srv: ReplicaServer) -> None:
    srv.set_quirks(burst_429=3)
    got = [requests.get(srv.base_url + "/robots.txt", timeout=5) for _ in range(6)]
    limited = [r for r in got if r.status_code == 429]
    assert len(limited) == 2 and all(r.headers["Retry-After"] == "1" for r in limited)


def test_ua_reset_resets_non_browser_clients(srv: ReplicaServer) -> None:
    srv.set_quirks(ua_reset=True)
    with pytest.raises(requests.ConnectionError):
        requests.get(srv.base_url + "/gzbyhlj/gkmlpt/index", headers={"User-Agent": "python-requests"}, timeout=5)
    assert requests.get(srv.base_url + "/gzbyhlj/gkmlpt/index", headers={"User-Agent": UA}, timeout=5).ok
    assert srv.request_log[0].status == 0


def test_challenge_redirect_and_oversize_paths(srv: ReplicaServer) -> None:
    s = session()
    srv.set_quirks(challenge_paths=["/gzbyjy/"], challenge_status=521,
                   offsite_redirect_paths=["/gzbysqj/gkmlpt/guide"], oversize_paths=["/gzbyjtj/gkmlpt/index"],
                   oversize_mb=1)
    r = s.get(srv.base_url + "/gzbyjy/gkmlpt/index", timeout=5)
    assert r.status_code == 521 and "X-Via-JSL" in r.headers and "_CONFIG" not in r.text
    srv.set_quirks(challenge_status=200)
    r = s.get(srv.base_url + "/gzbyjy/gkmlpt/index", timeout=5)
    assert r.status_code == 200 and "X-Via-JSL" in r.headers and "SID:" not in r.text
    r = s.get(srv.base_url + "/gzbysqj/gkmlpt/guide", allow_redirects=False, timeout=5)
    assert r.status_code == 302 and r.headers["Location"].startswith("http://offsite.invalid/")
    r = s.get(srv.base_url + "/gzbyjtj/gkmlpt/index", timeout=5)
    assert len(r.content) == 1024 * 1024


def test_slow_responses_are_delayed(srv: ReplicaServer) -> None:
    srv.set_quirks(slow_s=0.2)
    s = session()
    for i in range(12):
        assert get(s, f"{srv.base_url}/gzbyhlj/gkmlpt/api/all/2120?page={i % 6 + 1}&n={i}").status_code == 200


def test_quirk_switches_switch(srv: ReplicaServer, world: World) -> None:
    s = session()
    b = srv.base_url
    api = f"{b}/gzbyhlj/gkmlpt/api/all/2120"
    # 6. sid
    assert get(s, f"{api}?page=1").status_code == 200
    srv.set_quirks(sid_optional=False)
    assert get(s, f"{api}?page=1").status_code == 400
    assert get(s, f"{api}?page=1&sid=200211").status_code == 200
    srv.set_quirks(sid_optional=True)
    # 3. page=0
    srv.set_quirks(page_zero_is_one=False)
    assert get(s, f"{api}?page=0").status_code == 404
    # 4. past the end
    srv.set_quirks(past_end_404=False)
    r = get(s, f"{api}?page=99")
    assert r.status_code == 200 and r.json()["articles"] == []
    # 14. charset
    assert get(s, b + "/gzbyhlj/gkmlpt/index").headers["Content-Type"] == "text/html"
    srv.set_quirks(no_charset=False)
    assert get(s, b + "/gzbyhlj/gkmlpt/index").headers["Content-Type"] == "text/html; charset=utf-8"
    # 1. config literal, 2. jump nodes
    srv.set_quirks(config_js_literal=False, jump_nodes=False)
    html = get(s, b + "/gzbyhlj/gkmlpt/index").text
    cfg = json.loads(re.search(r"window\._CONFIG = (\{.*\});", html, re.S).group(1))
    assert cfg["SID"] == "200211" and all("jump_url" not in n for n in cfg["TREE"])
    # 5. listing window
    zwdt = world.agency("").leaf_by_name("政务动态").id
    d = get(s, f"{b}/gkmlpt/api/all/{zwdt}?page=1").json()
    assert d["total"] < d["classify"]["post_count"]
    srv.set_quirks(listing_window=False)
    d = get(s, f"{b}/gkmlpt/api/all/{zwdt}?page=1").json()
    assert d["total"] == d["classify"]["post_count"]
    # 12. DETAIL escapes, 13. metadata table first
    srv.set_quirks(config_js_literal=True)
    path = world.report("gzbyhlj-2017").paths[0]
    html = get(s, b + path).content.decode()
    assert "\\u003C" in html and html.index("DETAIL:") < html.index("TREE:")
    srv.set_quirks(detail_escapes=False, metadata_table_first=False, config_js_literal=True)
    html = get(s, b + path).content.decode()
    assert "\\u003C" not in html and html.index("TREE:") < html.index("DETAIL:")
    assert html.index('class="layout"') < html.index('class="meta"')
    # 8. url rows, 10. mpost copies, 11. attachment quirks
    rep = world.report("gzbyhlj-2017")
    root = f"{b}/gkmlpt/api/all/{world.agency('').leaf_by_name('政府信息公开年度报告').id}?page=1"
    row = next(a for a in get(s, root).json()["articles"] if a["id"] == rep.mirror_item_id)
    assert "/mpost_" in row["url"]
    srv.set_quirks(mpost_copies=False, url_rows=False, attachment_quirks=False)
    row = next(a for a in get(s, root).json()["articles"] if a["id"] == rep.mirror_item_id)
    assert "/post_" in row["url"] and get(s, row["url"]).status_code == 200
    rows = get(s, f"{api}?page=1").json()["articles"]
    assert all(r["type"] == "normal" for r in rows)
    # 7. time oddities
    odd = next(it for it in world.items() if it.special == "created_at-differs")
    srv.set_quirks(time_oddities=True)
    rows = {r["id"]: r for r in list_all(s, b, "/gzbyhlj", odd.category_id, "200211")}
    assert rows[odd.id]["created_at"].startswith("2018-03-05")
    srv.set_quirks(time_oddities=False)
    rows = {r["id"]: r for r in list_all(s, b, "/gzbyhlj", odd.category_id, "200211")}
    assert rows[odd.id]["created_at"].startswith("2017-12-28")


def test_http_scheme_urls_behind_tls_proxy(srv: ReplicaServer, world: World) -> None:
    s = session()
    s.headers["X-Forwarded-Proto"] = "https"
    api = f"{srv.base_url}/gzbysqj/gkmlpt/api/all/{world.agency('/gzbysqj').leaf_by_name('政府信息公开年度报告').id}?page=1"
    row = next(r for r in get(s, api).json()["articles"] if r["attachment"])
    assert row["url"].startswith("http://")
    assert row["post_url"].startswith("https://") and "/zwgk/qzfxxgknb/zj/content/post_" in row["post_url"]
    assert row["post_url"] != row["url"]
    srv.set_quirks(http_scheme_urls=False)
    row = next(r for r in get(s, api).json()["articles"] if r["attachment"])
    assert row["url"].startswith("https://")
