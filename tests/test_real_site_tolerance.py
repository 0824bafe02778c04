"""Real-site layouts (issue 11 §5), each a replica quirk, over real HTTP.

One pipeline run of the replica with every real-site quirk switched on; each test checks
what one quirk must not break. The quirks are off by default, so each test also checks
that its quirk really changed what the replica serves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from disclosure_etl import pipeline
from disclosure_etl.replica import ReplicaServer, World
from disclosure_etl.replica.render import (
    COLUMN_PATHS,
    DEPARTMENT_PREFIX,
    POSTER,
    UNLISTED_ARTICLE_ID,
    UNLISTED_DEPARTMENT,
    is_date_only,
)
from disclosure_etl.site.gkmlpt import parse_list_page
from tests.conftest import replica_config
from tests.replica_support import get, session

QUIRKS = {"date_only_rows": True, "attachment_type_short": True, "entry_views": True,
          "department_column": True, "poster_source": True}


@pytest.fixture(scope="module")
def srv() -> Iterator[ReplicaServer]:
    with ReplicaServer(quirks=QUIRKS) as s:
        yield s


@pytest.fixture(scope="module")
def run(srv: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data = tmp_path_factory.mktemp("tolerance")
    cfg = replica_config(srv.base_url, data)
    result = pipeline.run(cfg)
    return {"cfg": cfg, "path": Path(result["published"])}


def _q(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_rows_with_only_a_written_date_are_counted_by_it(
    srv: ReplicaServer, run: dict[str, Any]
) -> None:
    world: World = srv.world
    year = 2021
    date_only = [it for it in world.items() if it.prefix == "/gzbyjtj" and it.year == year
                 and is_date_only(it)]
    assert date_only, "the quirk strips no row of this site and year"
    rows = _q(run["path"], "SELECT count(*) FROM posted_items WHERE agency_id = 'gzbyjtj' "
              "AND published_at IS NULL AND year(written_date) = ?", [year])
    assert rows == [(len(date_only),)]  # no publish time is invented
    (posted, note), = _q(run["path"], "SELECT posted, note FROM reconciliation WHERE agency_id = "
                         "'gzbyjtj' AND report_year = ? AND scope = 'total'", [year])
    assert posted == world.expected_posted("/gzbyjtj", year)
    assert f"{len(date_only)} of {posted} posted have no publish time" in note


def test_attachment_extension_comes_from_its_url(srv: ReplicaServer, run: dict[str, Any]) -> None:
    rep = next(r for r in srv.world.reports if r.source_format == "docx" and r.item_id)
    cat = srv.world.agency(rep.prefix).leaf_by_name("政府信息公开年度报告").id
    body = get(session(), f"{srv.base_url}{rep.prefix}/gkmlpt/api/all/{cat}?page=1").content
    raw = next(a for a in json.loads(body)["articles"] if a["id"] == rep.item_id)
    assert [a["type"] for a in raw["attachment"]] == ["doc"]  # the quirk is on
    row = next(r for r in parse_list_page(body, cat).rows if r.item_id == rep.item_id)
    assert [a.ext for a in row.attachments] == ["docx"]
    (stored,), = _q(run["path"], "SELECT attachments FROM posted_items WHERE item_id = ?", [rep.item_id])
    assert [a["ext"] for a in json.loads(stored)] == ["docx"]
    (fmt,), = _q(run["path"], "SELECT source_format FROM annual_reports WHERE report_year = ? "
                 "AND agency_id = ?", [rep.year, rep.prefix.strip("/")])
    assert fmt == "docx"


def test_entry_views_on_the_portal_name_every_sub_site(srv: ReplicaServer, run: dict[str, Any]) -> None:
    home = get(session(), srv.base_url + "/").text
    assert "/gkmlpt/search?type=" in home and "/gkmlpt/annualreport#" in home
    got = {r[0] for r in _q(run["path"], "SELECT site_url FROM agencies")}
    assert got == {f"{srv.base_url}{a.prefix}/gkmlpt/index" for a in srv.world.agencies}


def test_a_department_report_column_is_discovered_and_paged(
    srv: ReplicaServer, run: dict[str, Any]
) -> None:
    moved = [r for r in srv.world.reports if r.prefix == DEPARTMENT_PREFIX and r.portal_id]
    assert moved
    urls = {u for row in _q(run["path"], "SELECT url, copies FROM annual_reports "
                                         "WHERE agency_id = 'gzbyjy'") for u in [row[0], *row[1]]}
    for r in moved:
        assert f"{srv.base_url}{COLUMN_PATHS['dept']}content/post_{r.portal_id}.html" in urls, r.key
    only_portal = next(r for r in moved if not r.item_id)  # this one is in no catalog
    assert _q(run["path"], "SELECT parse_status FROM annual_reports WHERE agency_id = 'gzbyjy' "
              "AND report_year = ?", [only_portal.year]) == [("parsed",)]
    # the 年报 link that is not a column is no error of the run
    errs = _q(run["path"], "SELECT url FROM run_errors WHERE url LIKE '%/zwgk/nbcx/%'")
    assert errs == []


def test_report_owner_and_publisher_ignore_the_posting_office(
    srv: ReplicaServer, run: dict[str, Any]
) -> None:
    sample = next(r for r in srv.world.reports if r.portal_path and r.prefix != DEPARTMENT_PREFIX)
    assert f"来源：{POSTER}" in get(session(), srv.base_url + str(sample.portal_path)).content.decode()
    portal_only = [r for r in srv.world.reports if not r.item_id and r.portal_id]
    assert portal_only
    for r in portal_only:
        agency = r.prefix.strip("/") or None
        rows = _q(run["path"], "SELECT agency_id, publisher FROM annual_reports WHERE report_year = ? "
                  "AND url LIKE ?", [r.year, f"%post_{r.portal_id}.html"])
        assert len(rows) == 1, r.key
        assert rows[0][0] == agency
        assert rows[0][1] != POSTER and rows[0][1] is not None
    district = srv.world.agency("")
    root = _q(run["path"], "SELECT count(*) FROM annual_reports a JOIN agencies g USING (agency_id) "
              "WHERE g.prefix = ''")
    assert root == [(sum(1 for r in srv.world.reports if r.prefix == district.prefix),)]


def test_a_report_of_an_unharvested_agency_is_not_given_to_its_poster(run: dict[str, Any]) -> None:
    rows = _q(run["path"], "SELECT agency_id, publisher, parse_status, parse_note FROM annual_reports "
              "WHERE url LIKE ?", [f"%post_{UNLISTED_ARTICLE_ID}.html"])
    assert len(rows) == 1
    agency, publisher, status, note = rows[0]
    assert agency is None and publisher == UNLISTED_DEPARTMENT  # 来源 names 白云区人民政府
    assert status == "parsed" and "owner unknown" in note


def test_report_titles_that_say_nianbao_are_reports() -> None:
    from disclosure_etl.crawl import is_report_item

    assert is_report_item(None, "广州市某区司法局2023年政府信息公开年报")
    assert is_report_item(None, "某街道办事处2022年度政府信息公开工作年度报告")
    assert not is_report_item(None, "2023年统计年报")
