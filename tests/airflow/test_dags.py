"""The three DAGs parse cleanly and run end to end against the replica (``airflow dags test``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from disclosure_etl import airflow_env, config

pytestmark = [pytest.mark.airflow, pytest.mark.slow]

DAGS = airflow_env.REPO_ROOT / "dags"

DAGBAG_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from airflow.dag_processing.dagbag import DagBag
    bag = DagBag(dag_folder=sys.argv[1])
    out = {"import_errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {}}
    for dag_id, dag in bag.dags.items():
        out["dags"][dag_id] = {
            "tasks": sorted(dag.task_ids),
            "schedule": type(dag.timetable).__name__,
            "catchup": dag.catchup,
            "tags": sorted(dag.tags),
            "max_active_runs": dag.max_active_runs,
            "has_doc": bool(dag.doc_md),
            "tz": str(dag.timezone),
            "pools": {t.task_id: t.pool for t in dag.tasks},
            "retries": {t.task_id: t.retries for t in dag.tasks},
            "timeouts": {t.task_id: t.execution_timeout is not None for t in dag.tasks},
            "backoff": {t.task_id: t.retry_exponential_backoff for t in dag.tasks},
        }
    print("DAGBAG_JSON" + json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def dagbag(airflow_home: airflow_env.AirflowHome) -> dict:
    """Load the DagBag in a subprocess using the prepared home (keeps pytest free of Airflow)."""
    proc = subprocess.run(
        [sys.executable, "-c", DAGBAG_SCRIPT, str(DAGS)],
        env=airflow_home.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("DAGBAG_JSON")), None)
    assert line, f"DagBag subprocess failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(line[len("DAGBAG_JSON") :])


def test_dagbag_has_no_import_errors_and_the_three_dags(dagbag: dict) -> None:
    assert dagbag["import_errors"] == {}
    assert set(airflow_env.DAG_IDS) <= set(dagbag["dags"])


def test_dags_are_declared_for_operators(dagbag: dict) -> None:
    for dag_id in airflow_env.DAG_IDS:
        d = dagbag["dags"][dag_id]
        assert d["catchup"] is False
        assert d["tags"] and "disclosure" in d["tags"]
        assert d["has_doc"], f"{dag_id} has no operator documentation"
        assert d["tz"] == "Asia/Shanghai"
        assert all(d["timeouts"].values()), f"{dag_id}: a task without execution_timeout"
        gates = {"harvest_complete", "findings"}
        for task_id, retries in d["retries"].items():
            if task_id not in gates:
                assert retries >= 1 and d["backoff"][task_id] > 1, f"{dag_id}.{task_id} no backoff"
    crawl = dagbag["dags"]["disclosure_crawl"]
    assert crawl["max_active_runs"] == 1
    assert crawl["schedule"] == "CronTriggerTimetable"  # 02:00 Asia/Shanghai, no data intervals
    assert dagbag["dags"]["disclosure_reports"]["schedule"] == "AssetTriggeredTimetable"
    # on the loaded asset, and daily on time for crawl.freshness alone
    assert dagbag["dags"]["disclosure_checks"]["schedule"] == "AssetOrTimeSchedule"
    assert {"check", "publish", "notify", "findings"} <= set(dagbag["dags"]["disclosure_checks"]["tasks"])
    assert {
        "start_run",
        "discover",
        "plan_lanes",
        "crawl_lane",
        "crawl_report_columns",
        "finish_crawl",
        "harvest_complete",
    } <= set(crawl["tasks"])
    # one mapped crawl task whatever the hosts (found at run time), bounded by the crawl pool
    assert [t for t in crawl["tasks"] if t.startswith("crawl_")] == [
        "crawl_lane",
        "crawl_report_columns",
    ]
    assert crawl["pools"]["crawl_lane"] == airflow_env.CRAWL_POOL
    assert dagbag["dags"]["disclosure_reports"]["pools"]["parse"] == airflow_env.WRITER_POOL
    checks = dagbag["dags"]["disclosure_checks"]["pools"]
    assert checks["check"] == checks["publish"] == airflow_env.WRITER_POOL


def test_no_dag_uses_the_logical_date() -> None:
    pattern = re.compile(r"logical_date|execution_date|\{\{\s*ds\b|\bds_nodash\b|data_interval")
    for path in DAGS.glob("*.py"):
        assert not pattern.search(path.read_text(encoding="utf-8")), (
            f"{path.name} uses the logical date"
        )


def test_three_dags_run_against_the_replica_and_load_the_warehouse(
    airflow_home: airflow_env.AirflowHome, demo_config: Path, dags_ran: list[str]
) -> None:
    failed = dags_ran
    assert [d for d in failed if d != "disclosure_checks"] == [], f"see {airflow_home.log_path}"
    cfg = config.load(demo_config)
    assert cfg.published_path.is_file(), "disclosure_checks did not publish"
    con = duckdb.connect(str(cfg.published_path), read_only=True)
    try:
        row = con.execute(
            "SELECT r.reported, r.posted, r.status FROM reconciliation r "
            "JOIN agencies a USING (agency_id) WHERE a.name LIKE '%鹤龙街道%' "
            "AND r.report_year = 2017 AND r.scope = 'total'"
        ).fetchone()
        n_errors = con.execute(
            "SELECT count(*) FROM findings WHERE state = 'open' AND is_new "
            "AND (severity = 'error' OR status = 'error')"
        ).fetchone()
    finally:
        con.close()
    assert row == (216, 216, "match")
    # fail_on=new_error (default): red exactly when an error finding is new (the first run:
    # every open one) or a check could not run
    assert ("disclosure_checks" in failed) == bool(n_errors and n_errors[0])
    log = airflow_home.log_path.read_text(encoding="utf-8", errors="replace")
    assert "nothing sent (nothing new, or no notify channel configured)" in log  # notify ran
    if n_errors and n_errors[0]:
        assert "new error finding(s) (fail_on=new_error)" in log  # the gate said why
