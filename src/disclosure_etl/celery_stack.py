"""The production shape on one machine, for `make test-distributed` and `bench/scale.py`.

:class:`CeleryStack` starts the CeleryExecutor deployment on the local Postgres and Redis:
api-server, scheduler, dag-processor and N Celery workers (each reporting its own hostname),
with a fresh metadata database and an empty Redis db; :class:`Api` is a tiny client of the
REST API v2 (JWT from the SimpleAuthManager) that triggers and follows DAG runs. No Airflow
import: every component is an ``airflow`` subprocess (see :mod:`disclosure_etl.airflow_env`).

    with CeleryStack(root, config_path) as stack:
        run = stack.api.trigger_and_wait("disclosure_crawl", timeout=600)
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from disclosure_etl import airflow_env

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USER = "postgres"
REDIS_URL = "redis://127.0.0.1:6379"
ADMIN = ("admin", "admin-test-pw")
#: environment variable naming the hostname a worker reports (two workers on one machine)
HOSTNAME_ENV = "DISCLOSURE_WORKER_HOSTNAME"


def worker_hostname() -> str:
    """``[core] hostname_callable``: ``$DISCLOSURE_WORKER_HOSTNAME``, else the FQDN, so two
    workers on one machine can be told apart in the task instances."""
    return os.environ.get(HOSTNAME_ENV) or socket.getfqdn()


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float, proc: subprocess.Popen[str] | None = None) -> None:
    """Wait until ``url`` answers (any HTTP status); fail early if ``proc`` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def stop(proc: subprocess.Popen[str], timeout: float = 20) -> None:
    """Stop a component started with ``AirflowHome.popen`` (its whole process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def reset_backends(db_name: str, redis_db: int) -> None:
    """A fresh Postgres metadata database ``db_name`` and an empty Redis db ``redis_db``."""
    import psycopg2
    import redis

    con = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres")
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {db_name}")
    con.close()
    redis.Redis.from_url(f"{REDIS_URL}/{redis_db}").flushdb()


class Api:
    """A tiny client of the Airflow REST API v2 with a SimpleAuthManager JWT."""

    def __init__(self, base: str, user: tuple[str, str] = ADMIN) -> None:
        self.base = base
        req = urllib.request.Request(
            f"{base}/auth/token",
            data=json.dumps({"username": user[0], "password": user[1]}).encode(),
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
        """Wait until the dag-processor has parsed ``dag_id``."""
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

    def trigger(self, dag_id: str) -> str:
        """Start a manual run of ``dag_id``; returns its Airflow run id."""
        run = self.call("POST", f"/dags/{dag_id}/dagRuns", {"logical_date": None})
        return str(run["dag_run_id"])

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

    def nightly(self, timeout: float) -> dict[str, dict[str, Any]]:
        """Trigger ``disclosure_crawl`` and follow the asset chain to the end of
        ``disclosure_checks``: the finished run of each DAG (key: DAG id)."""
        crawl = self.wait_run("disclosure_crawl", self.trigger("disclosure_crawl"), timeout)
        runs = {"disclosure_crawl": crawl}
        previous = crawl  # each asset-triggered run is queued while its producer's run runs
        for dag_id in ("disclosure_reports", "disclosure_checks"):
            runs[dag_id] = previous = self.wait_run_after(dag_id, previous["start_date"], timeout)
        return runs

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        quoted = urllib.parse.quote(run_id, safe="")
        path = f"/dags/{dag_id}/dagRuns/{quoted}/taskInstances?limit=1000"
        return list(self.call("GET", path)["task_instances"])

    def task_result(self, dag_id: str, run_id: str, task_id: str) -> Any:
        """What ``task_id`` returned in ``run_id`` (its ``return_value`` XCom)."""
        quoted = urllib.parse.quote(run_id, safe="")
        path = f"/dags/{dag_id}/dagRuns/{quoted}/taskInstances/{task_id}/xcomEntries/return_value"
        return self.call("GET", path)["value"]


@dataclass
class CeleryStack:
    """Scheduler, dag-processor, api-server and ``workers`` Celery workers (``concurrency``
    slots each) on Postgres + Redis, over the DAGs of this checkout and ``config_path``.
    ``crawl_lanes`` sizes the ``crawl`` pool (and ``DISCLOSURE_CRAWL_LANES``)."""

    root: Path
    config_path: Path
    db_name: str = "disclosure_airflow_test"
    redis_db: int = 7
    workers: int = 2
    concurrency: int = 2
    crawl_lanes: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.logs = self.root / "logs"
        self.home: airflow_env.AirflowHome | None = None
        self._api: Api | None = None

    @property
    def api(self) -> Api:
        """The REST client (a token fetched once the api-server answers)."""
        if self._api is None:
            self._api = Api(self.base_url)
        return self._api

    def worker_names(self) -> list[str]:
        return [f"worker-{chr(ord('a') + i)}" for i in range(self.workers)]

    def _prepare(self) -> airflow_env.AirflowHome:
        reset_backends(self.db_name, self.redis_db)
        pg = f"{PG_USER}@{PG_HOST}:{PG_PORT}/{self.db_name}"
        ah = airflow_env.prepare_home(
            self.root / "home",
            sql_alchemy_conn=f"postgresql+psycopg2://{pg}",
            executor="CeleryExecutor",
            extra={
                "DISCLOSURE_CONFIG": str(self.config_path),
                "DISCLOSURE_CRAWL_LANES": str(self.crawl_lanes),
                "AIRFLOW__CELERY__BROKER_URL": f"{REDIS_URL}/{self.redis_db}",
                "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://{pg}",
                "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"{__name__}.worker_hostname",
                "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                # manual-only crawl: an unpaused cron DAG (catchup off) would run its last slot
                "DISCLOSURE_CRAWL_SCHEDULE": "none",
                # and no freshness-only checks run beside the chain under test
                "DISCLOSURE_FRESHNESS_SCHEDULE": "none",
                **self.extra_env,
            },
        )
        airflow_env.write_simple_auth_users(ah, dict([ADMIN]))
        ah.set_pools(airflow_env.pools_for(self.crawl_lanes))
        return ah

    def start(self, timeout: float = 120) -> None:
        """Start every component and wait for the api-server and the three DAGs."""
        self.home = ah = self._prepare()
        self.logs.mkdir(parents=True, exist_ok=True)
        serve = ["api-server", "--host", "127.0.0.1", "--port", str(self.port)]
        components: dict[str, tuple[list[str], dict[str, str]]] = {
            "api-server": (serve, {}),
            "scheduler": (["scheduler"], {}),
            "dag-processor": (["dag-processor"], {}),
        }
        for name in self.worker_names():
            args = ["celery", "worker", "-H", f"{name}@%h", "-c", str(self.concurrency)]
            components[name] = ([*args, "--skip-serve-logs"], {HOSTNAME_ENV: name})
        for name, (args, env) in components.items():
            log = (self.logs / f"{name}.log").open("w", encoding="utf-8")
            self.procs[name] = ah.popen(*args, log=log, env=env)
        wait_http(f"{self.base_url}/api/v2/monitor/health", timeout, self.procs["api-server"])
        for dag_id in airflow_env.DAG_IDS:
            self.api.wait_dag(dag_id, timeout)

    def close(self) -> None:
        """Stop every component (workers first)."""
        for proc in reversed(list(self.procs.values())):
            stop(proc)

    def __enter__(self) -> CeleryStack:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
        print(f"component logs: {self.logs}")
