"""The replica district site over real HTTP: routes, shapes, counts, day2 changes, 304s."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from email.utils import formatdate

import pytest
import requests
from bs4 import BeautifulSoup

from disclosure_etl.replica import ReplicaServer, World, build_world
from tests.replica_support import bj_year, get, leaves, list_all, parse_config, session, site_rows


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture(scope="module")
def srv(world: World) -> Iterator[ReplicaServer]:
    with ReplicaServer(world=world) as s:
        yield s


@pytest.fixture()
def s() -> requests.Session:
    return session()


def _index(s: requests.Session, srv: ReplicaServer, prefix: str) -> tuple[str, list[dict]]:
    r = get(s, f"{srv.base_url}{prefix}/gkmlpt/index")
    assert r.status_code == 200
    return parse_config(r.content.decode("utf-8"))


def test_index_pages_carry_js_literal_config_and_agency_name(srv: ReplicaServer, world: World, s: requests.Session) -> None:
    assert len(world.agencies) >= 4
    for ag in world.agencies:
        for view in ("index", "mindex", "policy", "annualreport", "search", "guide"):
            r = get(s, f"{srv.base_url}{ag.prefix}/gkmlpt/{view}")
            html = r.content.decode("utf-8")
            assert r.status_code == 200
            assert f"SID: '{ag.sid}'" in html
            assert re.search(r"TREE: \[.*\], SERVICE_AREA_ID: 200", html)
            soup = BeautifulSoup(html, "html.parser")
            assert ag.name in soup.title.get_text()
            assert soup.find("meta", attrs={"name": "SiteName"})["content"] == ag.name
        sid, tree = parse_config(get(s, f"{srv.base_url}{ag.index_path}").content.decode("utf-8"))
        assert sid == ag.sid
        assert {leaf["id"] for leaf in leaves(tree)} == {leaf.id for leaf in ag.leaves()}
    assert get(s, f"{srv.base_url}/nosuchsite/gkmlpt/index").status_code == 404


def test_list_api_shape_and_paging(srv: ReplicaServer, s: requests.Session) -> None:
    sid, _ = _index(s, srv, "/gzbyhlj")
    url = f"{srv.base_url}/gzbyhlj/gkmlpt/api/all/2120"
    p1 = get(s, f"{url}?page=1&sid={sid}").json()
    assert set(p1) >= {"classify", "articles", "total", "offset"}
    assert set(p1["classify"]) >= {"id", "name", "jump_url", "post_count"}
    assert p1["classify"]["id"] == 2120 and p1["offset"] == 0
    assert len(p1["articles"]) == min(100, p1["total"])
    row = p1["articles"][0]
    for key in ("id", "title", "type", "url", "post_url", "classify_main", "classify_main_name",
                "identifier", "document_number", "publisher", "date", "create_time",
                "display_publish_time", "created_at", "attachment", "relation", "is_abolished"):
        assert key in row
    assert isinstance(row["create_time"], int) and isinstance(row["created_at"], str)
    # newest first
    times = [(a["display_publish_time"], a["id"]) for a in p1["articles"]]
    assert times == sorted(times, reverse=True)
    assert get(s, f"{url}?page=0&sid={sid}").json() == p1
    last = (p1["total"] - 1) // 100 + 1
    pl = get(s, f"{url}?page={last}&sid={sid}").json()
    assert pl["offset"] == (last - 1) * 100
    assert len(pl["articles"]) == p1["total"] - pl["offset"]
    past = get(s, f"{url}?page={last + 1}&sid={sid}")
    assert past.status_code == 404 and past.text.lstrip().startswith("<!DOCTYPE html>")
    # sid is optional by default
    assert get(s, f"{url}?page=1").json() == p1


def test_empty_jump_and_unknown_categories(srv: ReplicaServer, world: World, s: requests.Session) -> None:
    base = srv.base_url
    empty = world.agency("/gzbysqj").leaf_by_name("政府工作报告").id
    d = get(s, f"{base}/gzbysqj/gkmlpt/api/all/{empty}?page=1").json()
    assert d["articles"] == [] and d["total"] == 0
    assert get(s, f"{base}/gzbysqj/gkmlpt/api/all/{empty}?page=2").status_code == 404
    assert get(s, f"{base}/gzbyhlj/gkmlpt/api/all/2180?page=1").status_code == 404  # jump node
    assert get(s, f"{base}/gzbyhlj/gkmlpt/api/all/99999?page=1").status_code == 404
    # 教育局 其他 has only a jump child, so it is a leaf with its own list
    assert get(s, f"{base}/gzbyjy/gkmlpt/api/all/1350?page=1").json()["total"] > 0


def test_cat0_aggregates_the_site_and_window_caps_total(srv: ReplicaServer, world: World, s: requests.Session) -> None:
    sid, tree = _index(s, srv, "")
    all_rows = list_all(s, srv.base_url, "", 0, sid)
    by_leaf = {r["id"] for leaf in leaves(tree) for r in list_all(s, srv.base_url, "", leaf["id"], sid)}
    assert {r["id"] for r in all_rows} == by_leaf
    zwdt = world.agency("").leaf_by_name("政务动态").id
    d = get(s, f"{srv.base_url}/gkmlpt/api/all/{zwdt}?page=1&sid={sid}").json()
    assert d["total"] < d["classify"]["post_count"]
    served = list_all(s, srv.base_url, "", zwdt, sid)
    assert len(served) == d["total"]
    hidden = world.listing("", zwdt).rows[d["total"]:]
    assert hidden and max(h.publish_ts for h in hidden) <= min(r["display_publish_time"] for r in served)


def test_helong_2017_counts_per_category(srv: ReplicaServer, world: World, s: requests.Session) -> None:
    _, tree = _index(s, srv, "/gzbyhlj")
    rows = site_rows(s, srv.base_url, "/gzbyhlj")
    top_of = {}
    for top in tree:
        for leaf in leaves([top]):
            top_of[leaf["id"]] = top["name"]
    counts = Counter(top_of[r["classify_main"]] for r in rows.values() if bj_year(r["display_publish_time"]) == 2017)
    assert dict(counts) == {"组织机构": 8, "工作文件": 10, "工作动态": 169, "行政执法": 6, "财政预决算": 2, "其他": 21}
    assert sum(counts.values()) == 216 == world.expected_posted("/gzbyhlj", 2017)
    url_rows = [r for r in rows.values() if r["type"] == "url" and bj_year(r["display_publish_time"]) == 2017]
    assert url_rows and all(r["url"].startswith("https://mp.weixin.qq.com/s/") for r in url_rows)
    # items near midnight: counted by Beijing time, not UTC
    created = {r["created_at"][:16] for r in rows.values()}
    assert {"2017-12-31 23:30", "2018-01-01 00:10", "2017-01-01 00:30"} <= created
    assert any(r["created_at"][:4] != str(bj_year(r["create_time"])) for r in rows.values())
    assert any(r["date"] == 0 for r in rows.values())


def test_content_page_shape(srv: ReplicaServer, world: World, s: requests.Session) -> None:
    rep = world.report("gzbyhlj-2017")
    r = get(s, srv.base_url + rep.paths[0])
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/html"
    html = r.content.decode("utf-8")
    soup = BeautifulSoup(html, "html.parser")
    first = soup.find("table")
    labels = [td.get_text() for td in first.find_all("td")]
    for label in ("索引号", "分类", "发布机构", "成文日期", "名称", "文号", "发布日期", "主题词"):
        assert label in labels
    assert soup.find("meta", attrs={"name": "ArticleTitle"})["content"] == rep.title
    m = re.search(r"DETAIL:\s*({.*?})\s*,\s*TREE:", html, re.S)
    assert re.search(r"\}, TREE: \[.*\], SERVICE_AREA_ID", html)
    assert m
    raw = m.group(1)
    assert "\\u003C" in raw and "\\u003E" in raw and "<p" not in raw
    detail = json.loads(raw)
    assert detail["id"] == rep.item_id and detail["title"] == rep.title
    assert "本区人民政府鹤龙街道办事处2017年全年主动公开政府信息216条" in detail["content"]
    assert detail["content"].count("<p") >= 20


def test_report_copies_share_the_title(srv: ReplicaServer, world: World, s: requests.Session) -> None:
    rep = world.report("gzbyhlj-2017")
    gk, mirror, portal = rep.paths[:3]
    assert "/mpost_" in mirror and rep.mirror_item_id != rep.item_id != rep.portal_id
    titles = set()
    for path in (gk, mirror, portal):
        soup = BeautifulSoup(get(s, srv.base_url + path).content.decode("utf-8"), "html.parser")
        titles.add(soup.find("meta", attrs={"name": "ArticleTitle"})["content"])
    assert titles == {rep.title}
    page = get(s, srv.base_url + portal).content.decode("utf-8")
    assert "当前位置：" in page and "区政府信息公开年报 &gt; 镇街" in page
    assert re.search(r"发布时间：2018-01-25 来源：鹤龙街", page)
    assert 'name="PubDate"' in page and 'name="ContentSource"' in page
    # the mirror row is listed by the district catalog with an mpost_ url
    rows = site_rows(s, srv.base_url, "")
    assert rows[rep.mirror_item_id]["url"].endswith(f"mpost_{rep.mirror_item_id}.html")
    # the post_ form of the original works, the mpost_ form of a normal post does not
    bad = srv.base_url + gk.replace("/post_", "/mpost_")
    assert get(s, bad).status_code == 404


def test_attachments(srv: ReplicaServer, world: World, s: requests.Session) -> None:
    rows = {**site_rows(s, srv.base_url, "/gzbyjy"), **site_rows(s, srv.base_url, "/gzbyhlj")}
    atts = [a for r in rows.values() for a in r["attachment"]]
    assert atts and all(isinstance(a["size"], str) for a in atts)
    for a in atts[:10]:
        r = get(s, a["url"])
        assert r.status_code == 200
        assert r.headers["Content-Type"] == a["mime"]
        assert str(len(r.content)) == a["size"]
    pairs = [r for r in rows.values() if len(r["attachment"]) == 2]
    assert pairs
    names = {a["url"].rsplit("/", 1)[1] for a in pairs[0]["attachment"]}
    assert len(names) == 1  # same file name, different {aid} directories
    prefixed = [a for a in atts if "/gzbyjy/attachment/" in a["url"]]
    assert len(prefixed) == 1
    assert get(s, prefixed[0]["url"]).status_code == 200


def test_portal_root_and_columns(srv: ReplicaServer, world: World, s: requests.Session) -> None:
    for path in ("/", "/index.html"):
        html = get(s, srv.base_url + path).content.decode("utf-8")
        hrefs = re.findall(r'href="([^"]+)"', html)
        for ag in world.agencies:
            assert ag.index_path in hrefs
        assert any(h.startswith("http://www.gz.gov.cn") for h in hrefs)
    for col in ("zj", "bm"):
        base = f"{srv.base_url}/zwgk/qzfxxgknb/{col}/"
        assert get(s, base).text == get(s, base + "index.html").text
        n, seen = 1, []
        while True:
            r = get(s, base + ("index.html" if n == 1 else f"index_{n}.html"))
            if r.status_code == 404:
                break
            seen += re.findall(r'href="(/zwgk/qzfxxgknb/[a-z]+/content/post_\d+\.html)"', r.content.decode())
            n += 1
        assert n - 1 >= 2
        assert len(seen) == len(world.portal_column(col))
        crumb = {"zj": "镇街", "bm": "部门"}[col]
        for path in seen:
            page = get(s, srv.base_url + path).content.decode()
            assert f"当前位置：<a href=\"/\">首页</a> &gt; 政务公开 &gt; 区政府信息公开年报 &gt; {crumb}" in page
    robots = get(s, srv.base_url + "/robots.txt").text
    assert "Disallow: /private/" in robots


def test_etag_and_last_modified_answer_304(srv: ReplicaServer, world: World, s: requests.Session) -> None:
    urls = [
        "/gzbyhlj/gkmlpt/index",
        "/gzbyhlj/gkmlpt/api/all/2120?page=1",
        world.report("gzbyhlj-2017").paths[0],
        "/zwgk/qzfxxgknb/zj/index.html",
        world.report("gzbysqj-2018").paths[-1],
    ]
    for u in urls:
        r = get(s, srv.base_url + u)
        assert r.status_code == 200 and r.headers["ETag"] and r.headers["Last-Modified"]
        assert get(s, srv.base_url + u, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
        assert get(s, srv.base_url + u, headers={"If-None-Match": '"other"'}).status_code == 200
        ims = r.headers["Last-Modified"]
        assert get(s, srv.base_url + u, headers={"If-Modified-Since": ims}).status_code == 304
        old = formatdate(0, usegmt=True)
        assert get(s, srv.base_url + u, headers={"If-Modified-Since": old}).status_code == 200


def test_day2_changes_are_exactly_world_changes(world: World, s: requests.Session) -> None:
    with ReplicaServer(world=world) as srv:
        before = {p: site_rows(s, srv.base_url, p) for p in (a.prefix for a in world.agencies)}
        srv.set_scenario("day2")
        after = {p: site_rows(s, srv.base_url, p) for p in (a.prefix for a in world.agencies)}
    b = {i: r for rows in before.values() for i, r in rows.items()}
    a = {i: r for rows in after.values() for i, r in rows.items()}
    ch = world.changes("day2")
    assert set(a) - set(b) == ch.new and len(ch.new) == 4
    assert set(b) - set(a) == ch.withdrawn and len(ch.withdrawn) == 2
    edited = {i for i in set(a) & set(b) if a[i]["title"] != b[i]["title"]}
    assert edited == ch.edited and len(edited) == 3
    assert any(a[i]["created_at"].startswith("2026-11-27") and "/gzbyhlj/" in a[i]["url"] for i in ch.new)
    with ReplicaServer(world=world, scenario="day2") as srv:
        for i in ch.withdrawn:
            assert get(s, srv.base_url + "/" + b[i]["url"].split("/", 3)[-1]).status_code == 404
        for i in ch.edited:
            page = get(s, srv.base_url + "/" + a[i]["url"].split("/", 3)[-1]).content.decode()
            assert a[i]["title"] in page


def test_admin_endpoints_switch_state_and_are_not_logged(world: World, s: requests.Session) -> None:
    with ReplicaServer(world=world) as srv:
        get(s, srv.base_url + "/robots.txt")
        assert requests.post(srv.base_url + "/__replica__/scenario/day2", timeout=5).status_code == 200
        assert srv.scenario == "day2"
        assert requests.post(srv.base_url + "/__replica__/scenario/nope", timeout=5).status_code == 400
        r = requests.post(srv.base_url + "/__replica__/quirks", json={"sid_optional": False}, timeout=5)
        assert r.status_code == 200 and srv.quirks["sid_optional"] is False
        assert requests.post(srv.base_url + "/__replica__/quirks", json={"bogus": 1}, timeout=5).status_code == 400
        log = requests.get(srv.base_url + "/__replica__/log", timeout=5).json()
        assert [rec["path"] for rec in log] == ["/robots.txt"]
        assert set(log[0]) == {"t_mono", "t_wall", "method", "path", "query", "status", "user_agent",
                               "bytes_sent", "host"}
        requests.post(srv.base_url + "/__replica__/clear", timeout=5)
        assert srv.request_log == []
