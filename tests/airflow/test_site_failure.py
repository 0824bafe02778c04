"""A blocked sub-site: its crawl task fails, finish_crawl still closes and records the run, the
crawl DAG run is red, and the other sub-sites still reach the warehouse."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from disclosure_etl import airflow_env, config, demo

pytestmark = [pytest.mark.airflow, pytest.mark.slow]

BLOCKED = "gzbyjy"  # 白云区教育局: answered with a 412 JS challenge on every page


@pytest.fixture(scope="module")
def blocked_replica() -> Iterator[str]:
    from disclosure_etl.replica import ReplicaServer

    quirks = {"challenge_paths": [f"/{BLOCKED}/"], "challenge_status": 412}
    with ReplicaServer(quirks=quirks) as server:
        yield server.base_url


def test_blocked_site_turns_crawl_red_after_recording_and_others_still_load(
    blocked_replica: str, tmp_path: Path
) -> None:
    cfg_path = demo.write_config(blocked_replica, tmp_path / "data")
    ah = demo.prepare_airflow(tmp_path / "home", cfg_path)
    ah.env["DISCLOSURE_TASK_RETRIES"] = "0"  # fail fast: no retry of the blocked site

    failed = demo.run_dags(ah, progress=print, dag_ids=("disclosure_crawl",))
    assert failed == ["disclosure_crawl"], f"see {ah.log_path}"

    cfg = config.load(cfg_path)
    manifests = list((Path(cfg.data_dir) / "archive" / "runs").glob("*/run.json"))
    assert len(manifests) == 1
    manifest = json.loads(manifests[0].read_text(encoding="utf-8"))
    assert manifest["crawled"] is True, "finish_crawl did not close the run"
    assert BLOCKED in manifest["failed_units"] and manifest["status"] == "partial"
    # finish_crawl emitted the asset although the run is red: the reports DAG will be triggered
    db = sqlite3.connect(ah.home / "airflow.db")
    try:
        (events,) = db.execute(
            "SELECT count(*) FROM asset_event e JOIN asset a ON a.id = e.asset_id WHERE a.uri = ?",
            (airflow_env.ASSET_CRAWLED,),
        ).fetchone()
    finally:
        db.close()
    assert events == 1

    assert demo.run_dags(ah, progress=print, dag_ids=("disclosure_reports",)) == []
    con = duckdb.connect(cfg.warehouse, read_only=True)
    try:
        agencies = {
            r[0] for r in con.execute("SELECT DISTINCT agency_id FROM posted_items").fetchall()
        }
    finally:
        con.close()
    assert "gzbyhlj" in agencies and BLOCKED not in agencies
