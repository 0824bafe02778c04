"""End to end over real HTTP: the replica district → run → the published DuckDB file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from disclosure_etl import pipeline
from disclosure_etl.replica import ReplicaServer
from tests.conftest import replica_config


@pytest.fixture(scope="module")
def published(replica: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data = tmp_path_factory.mktemp("e2e")
    cfg = replica_config(replica.base_url, data)
    result = pipeline.run(cfg)
    return {"cfg": cfg, "result": result, "path": Path(result["published"])}


def _q(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _total(path: Path, agency: str, year: int) -> tuple[Any, ...]:
    rows = _q(
        path,
        "SELECT reported, posted, difference, status FROM reconciliation "
        "WHERE agency_id = ? AND report_year = ? AND scope = 'total'",
        [agency, year],
    )
    assert len(rows) == 1, rows
    return rows[0]


def test_published_snapshot_is_the_default_location(published: dict[str, Any]) -> None:
    assert published["path"] == published["cfg"].published_path
    assert published["path"].is_file()


def test_helong_2017_reported_216_posted_216_match(published: dict[str, Any]) -> None:
    assert _total(published["path"], "gzbyhlj", 2017) == (216, 216, 0, "match")


def test_street_that_overstates_its_posts_is_a_mismatch(published: dict[str, Any]) -> None:
    reported, posted, difference, status = _total(published["path"], "gzbyjtj", 2021)
    assert (reported, posted, status) == (150, 132, "mismatch")
    assert difference == posted - reported


def test_posted_matches_what_the_replica_lists(
    published: dict[str, Any], replica: ReplicaServer
) -> None:
    for prefix, agency, year in (("/gzbyhlj", "gzbyhlj", 2017), ("/gzbyjtj", "gzbyjtj", 2021)):
        posted = _total(published["path"], agency, year)[1]
        assert posted == replica.world.expected_posted(prefix, year)


def test_views_keep_contract_columns(published: dict[str, Any]) -> None:
    contract = {
        "agencies": "agency_id name site_url sid parent_agency_id",
        "posted_items": "item_id agency_id category_id category_name title item_type url "
        "published_at written_date document_number identifier publisher is_abolished "
        "first_seen_at last_seen_at withdrawn_at",
        "annual_reports": "report_id agency_id report_year title url copies published_at "
        "template source_format parse_status parse_note",
        "report_figures": "report_id agency_id report_year metric value unit is_blank approx "
        "source_excerpt",
        "reconciliation": "agency_id report_year scope reported posted difference status note",
        "check_results": "run_id check_id dimension severity status agency_id report_year "
        "observed expected message sample checked_at",
        "latest_check_results": "run_id check_id dimension severity status agency_id "
        "report_year observed expected message sample checked_at",
        "runs": "run_id started_at finished_at status requests pages_fetched items_new "
        "items_changed items_withdrawn reports_parsed http_errors",
        "findings": "check_id agency_id report_year scope first_seen_run last_seen_run state "
        "acknowledged_by acknowledged_at ack_note",
    }
    for view, cols in contract.items():
        have = [r[0] for r in _q(published["path"], f"DESCRIBE {view}")]
        assert have[: len(cols.split())] == cols.split(), view


def test_findings_flag_the_overstating_street_and_not_helong(published: dict[str, Any]) -> None:
    rows = _q(
        published["path"],
        "SELECT check_id, agency_id, report_year, status FROM latest_check_results "
        "WHERE check_id IN ('reconcile.active_total', 'report.t3_balance') AND status <> 'pass'",
    )
    assert ("reconcile.active_total", "gzbyjtj", 2021, "fail") in rows
    assert ("report.t3_balance", "gzbyjtj", 2021, "fail") in rows
    assert not [r for r in rows if r[1] == "gzbyhlj" and r[2] == 2017]


def test_the_example_report_is_folded_with_its_copies(published: dict[str, Any]) -> None:
    rows = _q(
        published["path"],
        "SELECT parse_status, template, len(copies), url FROM annual_reports "
        "WHERE agency_id = 'gzbyhlj' AND report_year = 2017",
    )
    assert len(rows) == 1
    status, template, n_copies, url = rows[0]
    assert (status, template) == ("parsed", "legacy")
    assert n_copies >= 1  # the portal copy (and the mpost_ mirror)
    assert "/gzbyhlj/gkmlpt/content/" in url


def test_rerunning_parse_is_idempotent(published: dict[str, Any]) -> None:
    cfg = published["cfg"]
    before = _q(Path(cfg.warehouse), "SELECT count(*), sum(hash(item_id, title)) FROM posted_items")
    assert pipeline.parse(cfg)["loaded"] == []
    after = _q(Path(cfg.warehouse), "SELECT count(*), sum(hash(item_id, title)) FROM posted_items")
    assert before == after


def test_every_documented_example_query_runs(published: dict[str, Any]) -> None:
    from disclosure_etl.warehouse.dictionary import example_queries

    examples = dict((title, sql) for title, sql in example_queries())
    assert len(examples) >= 5
    results = {title: _q(published["path"], sql) for title, sql in examples.items()}
    overstated = next(rows for title, rows in results.items() if "claimed more" in title)
    assert [(r[1], r[2], r[3]) for r in overstated if "景泰" in r[0]] == [(2021, 150, 132)]
    unbalanced = next(rows for title, rows in results.items() if "Table 三" in title)
    assert {(r[0], r[1], r[2]) for r in unbalanced} == {
        ("gzbyjtj", 2021, "legal_service"),
        ("gzbyjtj", 2021, "total"),
    }


def test_the_run_publishes_every_view_as_parquet_with_the_same_rows(
    published: dict[str, Any],
) -> None:
    from disclosure_etl import warehouse as wh
    from disclosure_etl.warehouse.export import parquet_link

    path = published["path"]
    manifest = wh.read_manifest(path)
    folder = parquet_link(path)
    run_id = _q(path, "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1")[0][0]
    assert manifest["run_id"] == run_id
    views = [r[0] for r in _q(path, "SELECT view_name FROM duckdb_views() WHERE NOT internal "
                                    "AND schema_name = 'main' AND database_name = current_database()")]
    assert sorted(manifest["views"]) == sorted(views)  # type: ignore[arg-type]
    for view in views:
        entry = manifest["views"][view]  # type: ignore[index]
        files = [str(folder / f["path"]) for f in entry["files"]]
        n = _q(path, "SELECT count(*) FROM read_parquet(?, hive_partitioning = true)", [files])
        assert n[0][0] == entry["rows"] == _q(path, f'SELECT count(*) FROM "{view}"')[0][0], view
    years = {r[0] for r in _q(path, "SELECT DISTINCT report_year FROM report_figures")}
    assert {p.name for p in (folder / "report_figures").iterdir()} == {
        f"report_year={y}" for y in years
    } and len(years) > 1
