"""The production shape on one machine: CeleryExecutor on the local Postgres and Redis,
scheduler, dag-processor, api-server and two Celery workers; the nightly DAG is triggered
through the REST API (v2, JWT from the SimpleAuthManager) against the replica, the asset
chain runs the other two DAGs, and the published warehouse equals the embedded run's."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from disclosure_etl import airflow_env, config, demo
from tests.airflow.conftest import ADMIN, REPO, free_port, stop, wait_http

pytestmark = [pytest.mark.distributed, pytest.mark.slow]

PG = "postgres@127.0.0.1:5432"
DB_NAME = "disclosure_airflow_test"
REDIS_DB = 7
RECON_SQL = "SELECT * FROM reconciliation ORDER BY ALL"
ITEMS_SQL = (
    "SELECT item_id, agency_id, category_id, category_name, title, item_type, url, published_at, "
    "written_date, document_number, identifier, publisher, is_abolished, withdrawn_at IS NULL "
    "FROM posted_items ORDER BY ALL"
)


def _reset_backends() -> None:
    """A fresh metadata database and an empty Redis db for this test only."""
    import psycopg2
    import redis

    con = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {DB_NAME}")
    con.close()
    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()


class Api:
    """A tiny client of the Airflow REST API v2 with a SimpleAuthManager JWT."""

    def __init__(self, base: str) -> None:
        self.base = base
        req = urllib.request.Request(
            f"{base}/auth/token",
            data=json.dumps({"username": ADMIN[0], "password": ADMIN[1]}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            self.token = json.load(resp)["access_token"]

    def call(self, method: str, path: str, body: Any = None) -> Any:
        req = urllib.request.Request(
            f"{self.base}/api/v2{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.load(resp)

    def wait_dag(self, dag_id: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.call("GET", f"/dags/{dag_id}")
                return
            except urllib.error.HTTPError:
                time.sleep(2)
        raise TimeoutError(f"DAG {dag_id} was not parsed within {timeout}s")

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return list(
            self.call("GET", f"/dags/{dag_id}/dagRuns?order_by=-run_after&limit=20")["dag_runs"]
        )

    def wait_run(self, dag_id: str, run_id: str, timeout: float) -> dict[str, Any]:
        """Wait for one DAG run to reach a terminal state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = next((r for r in self.runs(dag_id) if r["dag_run_id"] == run_id), None)
            if run and run["state"] in ("success", "failed"):
                return run
            time.sleep(3)
        raise TimeoutError(f"{dag_id} {run_id} did not finish within {timeout}s")

    def wait_run_after(self, dag_id: str, after: str, timeout: float) -> dict[str, Any]:
        """Wait for the asset-triggered run queued after ``after`` (ISO time) to finish, and
        for the DAG to have no active run left."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.runs(dag_id)
            mine = [r for r in runs if (r.get("queued_at") or r["run_after"]) >= after]
            active = [r for r in runs if r["state"] in ("queued", "running")]
            if mine and not active:
                return mine[0]
            time.sleep(3)
        raise TimeoutError(f"no finished {dag_id} run after {after} within {timeout}s")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        path = f"/dags/{dag_id}/dagRuns/{urllib.request.quote(run_id, safe='')}/taskInstances?limit=100"
        return list(self.call("GET", path)["task_instances"])


@pytest.fixture(scope="module")
def celery_stack(
    replica_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[airflow_env.AirflowHome, str, Path]]:
    """Scheduler, dag-processor, api-server and two Celery workers on Postgres + Redis."""
    _reset_backends()
    root = tmp_path_factory.mktemp("celery")
    cfg_path = demo.write_config(replica_url, root / "data")
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    pg = f"{PG}/{DB_NAME}"
    ah = airflow_env.prepare_home(
        root / "home",
        sql_alchemy_conn=f"postgresql+psycopg2://{pg}",
        executor="CeleryExecutor",
        extra={
            "DISCLOSURE_CONFIG": str(cfg_path),
            "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://{pg}",
            "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.airflow.worker_hostname.hostname",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "PYTHONPATH": str(REPO),
            # manual-only crawl: an unpaused cron DAG (catchup off) would also run its last slot
            "DISCLOSURE_CRAWL_SCHEDULE": "none",
        },
    )
    airflow_env.write_simple_auth_users(ah, dict([ADMIN]))
    ah.set_pools(airflow_env.pools_for(config.load(cfg_path)))
    logs = root / "logs"
    logs.mkdir()
    components = {
        "api-server": (["api-server", "--host", "127.0.0.1", "--port", str(port)], {}),
        "scheduler": (["scheduler"], {}),
        "dag-processor": (["dag-processor"], {}),
        "worker-a": (
            ["celery", "worker", "-H", "worker-a@%h", "-c", "2", "--skip-serve-logs"],
            {"DISCLOSURE_TEST_HOSTNAME": "worker-a"},
        ),
        "worker-b": (
            ["celery", "worker", "-H", "worker-b@%h", "-c", "2", "--skip-serve-logs"],
            {"DISCLOSURE_TEST_HOSTNAME": "worker-b"},
        ),
    }
    procs = []
    try:
        for name, (args, env) in components.items():
            log = (logs / f"{name}.log").open("w", encoding="utf-8")
            procs.append(ah.popen(*args, log=log, env=env))
        wait_http(f"{api}/api/v2/monitor/health", 120, procs[0])
        yield ah, api, cfg_path
    finally:
        for proc in reversed(procs):
            stop(proc)
        print(f"component logs: {logs}")


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_celery_run_triggered_by_rest_equals_embedded_run(
    celery_stack: tuple[airflow_env.AirflowHome, str, Path],
    dags_ran: list[str],
    demo_config: Path,
) -> None:
    _ah, base, cfg_path = celery_stack
    api = Api(base)
    for dag_id in airflow_env.DAG_IDS:
        api.wait_dag(dag_id, 120)
    triggered = api.call("POST", "/dags/disclosure_crawl/dagRuns", {"logical_date": None})
    crawl = api.wait_run("disclosure_crawl", triggered["dag_run_id"], 360)
    assert crawl["state"] == "success"
    runs = {"disclosure_crawl": crawl}
    previous = crawl  # each asset-triggered run is queued while its producer's run is running
    for dag_id in ("disclosure_reports", "disclosure_checks"):
        runs[dag_id] = previous = api.wait_run_after(dag_id, previous["start_date"], 240)

    states: dict[str, dict[str, str]] = {}
    hostnames: set[str] = set()
    for dag_id, run in runs.items():
        tis = api.task_instances(dag_id, run["dag_run_id"])
        states[dag_id] = {f"{t['task_id']}[{t['map_index']}]": t["state"] for t in tis}
        hostnames |= {t["hostname"] for t in tis if t.get("hostname")}
    assert runs["disclosure_reports"]["state"] == "success", states["disclosure_reports"]

    published = config.load(cfg_path).published_path
    n_errors = _rows(
        published,
        "SELECT count(*) FROM latest_check_results WHERE severity = 'error' AND status IN ('fail', 'error')",
    )[0][0]
    checks = states["disclosure_checks"]
    assert checks["check[-1]"] == checks["publish[-1]"] == "success"
    assert checks["findings[-1]"] == ("failed" if n_errors else "success")
    assert sum(k.startswith("crawl_site[") for k in states["disclosure_crawl"]) >= 2

    assert {"worker-a", "worker-b"} <= hostnames, f"tasks ran on {hostnames} only"

    embedded = config.load(demo_config).published_path
    assert _rows(published, RECON_SQL) == _rows(embedded, RECON_SQL)
    assert _rows(published, ITEMS_SQL) == _rows(embedded, ITEMS_SQL)
