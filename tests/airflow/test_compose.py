"""The deployment files validate offline: the compose file against the compose-spec schema
and through Debian's ``docker-compose config``, with credentials only from the environment."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.airflow.conftest import REPO
from tests.needs import need

COMPOSE = REPO / "docker-compose.yaml"
ENV_EXAMPLE = REPO / ".env.example"
AIRFLOW_SERVICES = {
    "airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
    "airflow-triggerer", "airflow-worker",
}  # fmt: skip


def _example_env() -> dict[str, str]:
    env = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


def _check_jsonschema() -> str | None:
    here = Path(sys.executable).with_name("check-jsonschema")
    return str(here) if here.exists() else shutil.which("check-jsonschema")


def test_compose_file_matches_the_compose_spec_schema() -> None:
    tool = _check_jsonschema()
    if tool is None:
        need(False, "check-jsonschema not installed (it is in the dev extra)")
    proc = subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_env_example_documents_every_variable_the_compose_file_uses() -> None:
    used = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", COMPOSE.read_text(encoding="utf-8")))
    assert used - set(_example_env()) == set()


def test_compose_file_holds_no_credentials() -> None:
    secret = re.compile(r"^\s*([A-Z0-9_]*(PASSWORD|FERNET_KEY|JWT_SECRET|SECRET_KEY))\s*:\s*(.+)$")
    for line in COMPOSE.read_text(encoding="utf-8").splitlines():
        m = secret.match(line)
        if m:
            assert m.group(3).startswith("${"), f"literal credential: {line.strip()}"


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``docker-compose config`` with the variables of .env.example (Debian's docker-compose)."""
    tool = shutil.which("docker-compose")
    if tool is None:
        need(False, "docker-compose not installed (apt-get install -y docker-compose)")
    env = {k: v for k, v in os.environ.items() if k not in _example_env()}
    proc = subprocess.run(
        [tool, "--env-file", str(ENV_EXAMPLE), "-f", str(COMPOSE), "config"],
        capture_output=True, text=True, timeout=120, check=False, cwd=REPO, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return dict(yaml.safe_load(proc.stdout))


def test_compose_runs_the_production_shape(resolved: dict) -> None:
    assert AIRFLOW_SERVICES | {"postgres", "redis"} <= set(resolved["services"])
    for name in AIRFLOW_SERVICES | {"postgres", "redis"}:
        if name != "airflow-init":
            assert "healthcheck" in resolved["services"][name], f"{name} has no healthcheck"


def test_every_airflow_component_shares_jwt_secret_and_execution_api(resolved: dict) -> None:
    envs = [resolved["services"][s]["environment"] for s in AIRFLOW_SERVICES]
    assert len({e["AIRFLOW__API_AUTH__JWT_SECRET"] for e in envs}) == 1
    urls = {e["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] for e in envs}
    assert urls == {"http://airflow-apiserver:8080/execution/"}
    for e in envs:
        assert e["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert e["DISCLOSURE_DATA_DIR"] == "/opt/disclosure/data"
    for s in AIRFLOW_SERVICES:  # one data volume: archive, working DuckDB, published snapshot
        volumes = resolved["services"][s]["volumes"]
        assert any(
            str(v).startswith("disclosure-data:")
            or (isinstance(v, dict) and v.get("source") == "disclosure-data")
            for v in volumes
        )


def test_compose_refuses_to_start_without_credentials(tmp_path: Path) -> None:
    tool = shutil.which("docker-compose")
    if tool is None:
        need(False, "docker-compose not installed (apt-get install -y docker-compose)")
    env = {k: v for k, v in os.environ.items() if k not in _example_env()}
    empty = tmp_path / "empty.env"
    empty.write_text("", encoding="utf-8")
    proc = subprocess.run(
        [tool, "--env-file", str(empty), "-f", str(COMPOSE), "config"],
        capture_output=True, text=True, timeout=120, check=False, cwd=REPO, env=env,
    )  # fmt: skip
    assert proc.returncode != 0 and "in .env" in proc.stderr
