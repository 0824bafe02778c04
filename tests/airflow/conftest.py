"""Fixtures for the Airflow tests: a replica site, a demo config, a prepared AIRFLOW_HOME."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from disclosure_etl import airflow_env, demo

REPO = airflow_env.REPO_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
    return demo.prepare_airflow(tmp_path_factory.mktemp("airflow-home"), demo_config)
