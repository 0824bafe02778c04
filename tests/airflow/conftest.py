"""Fixtures for the Airflow tests: a replica site, a demo config, a prepared AIRFLOW_HOME,
the three DAGs run once (``airflow dags test``), and an api-server with the Disclosure plugin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from disclosure_etl import airflow_env, demo
from disclosure_etl.celery_stack import ADMIN, free_port, stop, wait_http

__all__ = ["ADMIN", "REPO", "free_port", "stop", "wait_http"]

REPO = airflow_env.REPO_ROOT


@pytest.fixture(scope="session")
def replica_url() -> Iterator[str]:
    """The offline replica district site (default scenario) on a free loopback port."""
    from disclosure_etl.replica import ReplicaServer

    with ReplicaServer() as server:
        yield server.base_url


@pytest.fixture(scope="session")
def demo_config(replica_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo config (sites discovered from the replica root) with its own data dir."""
    return demo.write_config(replica_url, tmp_path_factory.mktemp("airflow-data") / "data")


@pytest.fixture(scope="session")
def airflow_home(
    demo_config: Path, tmp_path_factory: pytest.TempPathFactory
) -> airflow_env.AirflowHome:
    """An embedded (SQLite) AIRFLOW_HOME, migrated, with the writer and host pools."""
    ah = demo.prepare_airflow(tmp_path_factory.mktemp("airflow-home"), demo_config)
    airflow_env.write_simple_auth_users(ah, dict([ADMIN]))
    return ah


@pytest.fixture(scope="session")
def dags_ran(airflow_home: airflow_env.AirflowHome) -> list[str]:
    """Run disclosure_crawl, disclosure_reports, disclosure_checks once (``airflow dags test``);
    returns the ids of the DAGs whose run failed."""
    return demo.run_dags(airflow_home, progress=print)


@pytest.fixture(scope="session")
def api_server(
    airflow_home: airflow_env.AirflowHome,
    dags_ran: list[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """``airflow api-server`` on a free loopback port (plugin loaded); yields its base URL."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("api-server") / "api-server.log"
    with log_path.open("w", encoding="utf-8") as log:
        proc = airflow_home.popen("api-server", "--host", "127.0.0.1", "--port", str(port), log=log)
        try:
            wait_http(f"http://127.0.0.1:{port}/api/v2/monitor/health", 120, proc)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(proc)
