"""The agency_scorecard view on warehouses built from the replica (docs/scorecard.md).

One honest run over the default replica publishes a snapshot; the tests read a copy of it
(districts set by UPDATE, as a `districts:` config would) and a second copy changed the way
real sites go wrong (a report without a date, a partial and a failed parse, a report owned by
an agency with no catalog) with its checks re-run and a freshness run 3 days later.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from disclosure_etl import pipeline
from disclosure_etl import warehouse as wh
from disclosure_etl.config import Config, load_category_map
from disclosure_etl.replica import ReplicaServer
from tests.conftest import replica_config

CRITERIA = (
    "published",
    "on_time",
    "parse_complete",
    "reconciles",
    "identities_hold",
    "not_copied",
    "catalog_fresh",
)
ROOT = "127.0.0.1"  # the district's own catalog at the replica's root: agency_id = host
#: agency -> (district_id, district_name); two districts so the ranking has something to filter
DISTRICTS = {
    ROOT: ("by", "白云区"),
    "gzbyhlj": ("by", "白云区"),
    "gzbyjtj": ("by", "白云区"),
    "gzbyjy": ("th", "天河区"),
    "gzbysqj": ("th", "天河区"),
}
#: check of a planted finding -> the scorecard column it must turn FALSE (carry_over is a
#: cross-year check, not one of a report's internal identities: no column)
COLUMN_OF = {
    "coverage.report_missing": "published",
    "coverage.report_late": "on_time",
    "report.copied_from_previous_year": "not_copied",
    "reconcile.active_total": "reconciles",
    "reconcile.active_category": "reconciles",
    "report.category_sum": "identities_hold",
    "report.t3_balance": "identities_hold",
}


def set_districts(path: Path) -> None:
    """Put the warehouse's agencies in the DISTRICTS (what a `districts:` config would do)."""
    con = wh.connect(path)
    try:
        for agency, (did, name) in DISTRICTS.items():
            con.execute(
                "UPDATE core.agencies SET district_id = ?, district_name = ? WHERE agency_id = ?",
                [did, name, agency],
            )
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(replica: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path]:
    cfg = replica_config(replica.base_url, tmp_path_factory.mktemp("scorecard"))
    return cfg, Path(pipeline.run(cfg)["published"])


@pytest.fixture(scope="module")
def card(built: tuple[Config, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published snapshot as the run left it, districts set."""
    path = tmp_path_factory.mktemp("card") / "warehouse.duckdb"
    shutil.copy(built[1], path)
    set_districts(path)
    return path


@pytest.fixture(scope="module")
def broken(
    replica: ReplicaServer, built: tuple[Config, Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A copy with what real sites do wrong, its checks re-run, then a freshness run 3 days on."""
    cfg = replica_config(replica.base_url, tmp_path_factory.mktemp("broken"))
    shutil.copy(built[1], cfg.warehouse)
    set_districts(Path(cfg.warehouse))
    con = wh.connect(Path(cfg.warehouse))
    try:

        def rid(year: int) -> str:
            return str(
                con.execute(
                    "SELECT report_id FROM core.reports WHERE agency_id = 'gzbyhlj' "
                    "AND report_year = ?",
                    [year],
                ).fetchall()[0][0]
            )

        con.execute("UPDATE core.reports SET published_at = NULL WHERE report_id = ?", [rid(2019)])
        con.execute(
            "UPDATE core.reports SET parse_status = 'partial', parse_note = "
            "'missing 3/201: t3: rows unable_1..3 not found' WHERE report_id = ?",
            [rid(2020)],
        )
        con.execute(
            "UPDATE core.reports SET parse_status = 'failed', parse_note = "
            "'attachment_only: the page only links to a scan' WHERE report_id = ?",
            [rid(2021)],
        )
        con.execute("DELETE FROM core.report_figures WHERE report_id = ?", [rid(2021)])
        # a report whose owner has no catalog of its own (known only from a portal column)
        con.execute(
            "INSERT INTO core.reports SELECT * REPLACE ('gzbyzz' AS agency_id, 'rzz2024' AS report_id, "
            "'zz' AS sha256) FROM core.reports WHERE report_id = ?",
            [rid(2024)],
        )
        wh.refresh_reconciliation(con, load_category_map(cfg), cfg.reconcile)
    finally:
        con.close()
    pipeline.check(cfg)
    pipeline.run_freshness(cfg, now=datetime.now(UTC) + timedelta(days=3))
    return Path(cfg.warehouse)


def _rows(path: Path, where: str = "TRUE", params: list[Any] | None = None) -> list[dict[str, Any]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute(f"SELECT * FROM agency_scorecard WHERE {where}", params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def _one(path: Path, agency: str, year: int) -> dict[str, Any]:
    rows = _rows(path, "agency_id = ? AND report_year = ?", [agency, year])
    assert len(rows) == 1, rows
    return rows[0]


def test_one_row_per_agency_and_year_due_or_published(card: Path) -> None:
    rows = _rows(card)
    keys = [(r["agency_id"], r["report_year"]) for r in rows]
    assert len(keys) == len(set(keys))
    # world notes: 鹤龙街 reports from 2017, the others from 2016, through 2025 (松洲街 2021 missing)
    expected = {(a, y) for a in DISTRICTS for y in range(2017 if a == "gzbyhlj" else 2016, 2026)}
    assert set(keys) == expected
    missing = _one(card, "gzbysqj", 2021)
    assert missing["report_id"] is None and missing["published"] is False
    assert "No 2021 report found although it was due by 2022-01-31" in missing["published_note"]


def test_planted_findings_turn_exactly_their_columns_false(
    card: Path, replica: ReplicaServer
) -> None:
    got = {
        (r["agency_id"], r["report_year"], c)
        for r in _rows(card)
        for c in CRITERIA
        if r[c] is False
    }
    planted = {
        (p.strip("/") or ROOT, y, COLUMN_OF[c])
        for c, p, y in replica.world.planted_findings
        if c in COLUMN_OF
    }
    # a report never published was not published on time either
    assert got == planted | {("gzbysqj", 2021, "on_time")}
    assert _one(card, "gzbyhlj", 2022)["identities_hold"] is True  # carry-over is cross-year


def test_notes_say_why(card: Path) -> None:
    late = _one(card, "gzbyjy", 2022)
    assert (
        "2023-03-15" in late["on_time_note"]
        and "after the deadline 2023-01-31" in late["on_time_note"]
    )
    jtj = _one(card, "gzbyjtj", 2021)
    assert "total: posted 132, reported 150" in jtj["reconciles_note"]
    assert "工作动态: posted 80, reported 98" in jtj["reconciles_note"]
    assert jtj["identities_hold_note"].startswith("report.t3_balance:")
    assert "report.category_sum" in _one(card, "gzbyjtj", 2018)["identities_hold_note"]
    copied = _one(card, ROOT, 2023)
    assert "identical to the 2022 report" in copied["not_copied_note"]
    ok = _one(card, "gzbyhlj", 2017)
    assert all(ok[c] is True for c in CRITERIA) and ok["total_score"] == 7 == ok["max_score"]
    assert ok["parse_complete_note"].startswith("parsed: ")


def test_not_comparable_reconciliation_is_no_pass(card: Path) -> None:
    row = _one(card, ROOT, 2017)  # the district's 政务动态 listing window starts in 2019
    assert row["reconciles"] is None and row["reconciles_score"] == 0
    assert row["reconciles_note"].startswith("cannot tell, total not comparable: year incomplete")
    assert row["total_score"] == 6 and row["criteria_unknown"] == 1


def test_scores_and_ranks_follow_the_criteria(card: Path) -> None:
    for r in _rows(card):
        assert r["total_score"] == sum(r[f"{c}_score"] for c in CRITERIA)
        assert all(r[f"{c}_score"] == (1 if r[c] is True else 0) for c in CRITERIA)
        assert r["criteria_unknown"] == sum(r[c] is None for c in CRITERIA)
    y2021 = sorted(_rows(card, "report_year = 2021"), key=lambda r: r["rank_in_year"])
    assert [(r["agency_id"], r["total_score"], r["rank_in_year"]) for r in y2021][-2:] == [
        ("gzbyjtj", 5, 4),
        ("gzbysqj", 1, 5),
    ]
    th = {r["agency_id"]: r["rank_in_district"] for r in y2021 if r["district_id"] == "th"}
    assert th == {"gzbyjy": 1, "gzbysqj": 2}
    assert {r["district_name"] for r in y2021} == {"白云区", "天河区"}


def test_cannot_tell_cases_are_null_with_the_reason(broken: Path) -> None:
    undated = _one(broken, "gzbyhlj", 2019)
    assert undated["on_time"] is None and "publication date is unknown" in undated["on_time_note"]
    partial = _one(broken, "gzbyhlj", 2020)
    assert partial["parse_complete"] is False
    assert (
        partial["parse_complete_note"] == "partial: missing 3/201: t3: rows unable_1..3 not found"
    )
    failed = _one(broken, "gzbyhlj", 2021)
    assert failed["parse_complete"] is False and failed["parse_complete_note"].startswith(
        "failed: attachment_only"
    )
    assert failed["identities_hold"] is None
    assert failed["identities_hold_note"].startswith(
        "cannot tell: no identity check covered the report (parse_status failed"
    )
    assert failed["reconciles"] is None and failed["reconciles_note"].startswith("cannot tell")
    orphan = _one(broken, "gzbyzz", 2024)
    assert orphan["district_id"] is None and orphan["catalog_fresh"] is None
    assert "no catalog checked by crawl.freshness" in orphan["catalog_fresh_note"]
    assert orphan["not_copied"] is None and orphan["not_copied_note"].startswith("cannot tell")


def test_a_stale_catalog_is_false_and_makes_a_missing_report_unknown(broken: Path) -> None:
    stale = _one(broken, "gzbyjtj", 2021)
    assert stale["catalog_fresh"] is False
    assert "No complete listing for" in stale["catalog_fresh_note"]
    missing = _one(broken, "gzbysqj", 2021)
    assert missing["published"] is None and missing["on_time"] is None
    assert "the catalog is not known to be fully listed" in missing["published_note"]
    assert missing["total_score"] == 0 and missing["criteria_unknown"] == 6


def test_cli_prints_the_ranking_of_a_district(card: Path) -> None:
    from tests.test_cli import cli

    p = cli("scorecard", "--warehouse", str(card), "--year", "2021", "--district", "th")
    assert p.returncode == 0, p.stderr
    head, *lines = p.stdout.splitlines()
    assert head.startswith("2021 ranking (district th); marks: published on_time")
    assert [ln.split()[:3] for ln in lines] == [["1", "7/7", "?0"], ["2", "1/7", "?4"]]
    assert lines[0].endswith("✓✓✓✓✓✓✓  天河区")
    assert "✗✗????✓" in lines[1]  # 松洲街 2021: not published, so not on time; catalog fresh
    everyone = cli("scorecard", "--warehouse", str(card), "--year", "2021").stdout.splitlines()
    assert len(everyone) == 1 + 5 and everyone[0].startswith("2021 ranking (all districts)")
