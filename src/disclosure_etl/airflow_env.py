"""The Airflow side of the project, without importing Airflow.

Two jobs, both usable from code that must never import Airflow (``src/disclosure_etl``):

* the names the DAGs share (asset URIs, the writer and crawl pools, task defaults, the
  crawl lanes' labels), so the DAG files stay thin and every caller agrees on them;
* preparing an ``AIRFLOW_HOME`` (embedded SQLite for the demo and ``make airflow``, or any
  metadata database for the distributed test) and running the ``airflow`` CLI in a
  subprocess with the project's ``dags/`` and ``plugins/``.

``python -m disclosure_etl.airflow_env standalone`` is ``make airflow``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

#: Emitted by ``disclosure_crawl`` when a run's raw archive is closed.
ASSET_CRAWLED = "disclosure://archive/crawled"
#: Emitted by ``disclosure_reports`` when the working DuckDB has loaded every crawled run.
ASSET_LOADED = "disclosure://warehouse/loaded"
#: One-slot pool held by every task that writes DuckDB (contract.md §5).
WRITER_POOL = "duckdb_writer"
#: Held by every crawl lane; its slots bound the crawl tasks running at once (all DAG runs).
CRAWL_POOL = "crawl"
#: The IANA zone the schedules are written in.
TIMEZONE = "Asia/Shanghai"
#: Crawl schedule of ``disclosure_crawl``: 02:00 Asia/Shanghai, nightly.
CRAWL_SCHEDULE = "0 2 * * *"
#: daily freshness-only check (Asia/Shanghai): flags a pipeline that stopped harvesting
FRESHNESS_SCHEDULE = "0 10 * * *"
DAG_IDS = ("disclosure_crawl", "disclosure_reports", "disclosure_checks")

#: Repository root when running from a checkout (``pip install -e .``).
REPO_ROOT = Path(__file__).resolve().parents[2]


def task_defaults(
    *,
    retries: int | None = None,
    retry_delay_s: float | None = None,
    max_retry_delay_s: float = 900.0,
) -> dict[str, Any]:
    """``default_args`` for every disclosure DAG: retries with exponential backoff.

    ``DISCLOSURE_TASK_RETRIES`` (default 2) and ``DISCLOSURE_RETRY_DELAY_S`` (default 60) set
    the retry policy of a deployment (tests use 0). Each task sets its own
    ``execution_timeout``; the one here is only the fallback.
    """
    if retries is None:
        retries = int(os.environ.get("DISCLOSURE_TASK_RETRIES", "2"))
    if retry_delay_s is None:
        retry_delay_s = float(os.environ.get("DISCLOSURE_RETRY_DELAY_S", "60"))
    return {
        "owner": "disclosure-etl",
        "retries": retries,
        "retry_delay": timedelta(seconds=retry_delay_s),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(seconds=max_retry_delay_s),
        "execution_timeout": timedelta(hours=1),
    }


def crawl_schedule() -> str | None:
    """The crawl DAG's cron (Asia/Shanghai): ``$DISCLOSURE_CRAWL_SCHEDULE``, else 02:00 nightly.

    ``none`` makes the crawl manual-only (triggered from the UI or REST API). Note that an
    unpaused cron DAG with ``catchup=False`` runs its latest missed slot right away.
    """
    return _cron("DISCLOSURE_CRAWL_SCHEDULE", CRAWL_SCHEDULE)


def freshness_schedule() -> str | None:
    """The cron (Asia/Shanghai) of the checks DAG's freshness-only runs:
    ``$DISCLOSURE_FRESHNESS_SCHEDULE``, else 10:00 daily; ``none`` = on the asset only."""
    return _cron("DISCLOSURE_FRESHNESS_SCHEDULE", FRESHNESS_SCHEDULE)


def _cron(env: str, default: str) -> str | None:
    value = os.environ.get(env, default).strip()
    return None if value.lower() in ("", "none") else value


def crawl_lanes_setting() -> int:
    """How many crawl tasks run at once (``$DISCLOSURE_CRAWL_LANES``, default 2): the slots
    of the ``crawl`` pool and the most lanes the crawl DAG splits the hosts into. Size it to
    the Celery worker slots you give the crawl (each lane is one task process)."""
    lanes = int(os.environ.get("DISCLOSURE_CRAWL_LANES", "2"))
    if lanes < 1:
        raise ValueError(f"DISCLOSURE_CRAWL_LANES must be >= 1, not {lanes}")
    return lanes


def lane_label(sites: Sequence[Mapping[str, Any]]) -> str:
    """The readable map index of one crawl lane: its hosts and sub-site count."""
    hosts = list(dict.fromkeys(str(s.get("host") or "?") for s in sites))
    shown = ", ".join(hosts[:3]) + (f" +{len(hosts) - 3} hosts" if len(hosts) > 3 else "")
    return f"{shown} ({len(sites)} sub-sites)"


def site_label(site: Mapping[str, Any]) -> str:
    """A readable name of one sub-site in log lines: ``name (agency_id)``."""
    name = str(site.get("name") or "").strip()
    agency = str(site.get("agency_id") or "").strip()
    if name and agency and name != agency:
        return f"{name} ({agency})"
    return name or agency or str(site.get("index_url") or "?")


def pools_for(lanes: int | None = None) -> dict[str, int]:
    """The pools a deployment needs: the one-slot writer pool and the ``crawl`` pool."""
    return {WRITER_POOL: 1, CRAWL_POOL: lanes or crawl_lanes_setting()}


# --------------------------------------------------------------------------- AIRFLOW_HOME


def airflow_bin() -> str:
    """The ``airflow`` executable of this interpreter's environment (else the one on PATH)."""
    here = Path(sys.executable).with_name("airflow")
    return str(here) if here.exists() else (shutil.which("airflow") or "airflow")


@dataclass
class AirflowHome:
    """A prepared ``AIRFLOW_HOME`` and the environment every ``airflow`` call runs with."""

    home: Path
    env: dict[str, str]
    log_path: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        check: bool = True,
        capture: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``airflow ARGS``; output goes to :attr:`log_path` unless ``capture``."""
        full_env = {**self.env, **(env or {})}
        cmd = [airflow_bin(), *args]
        if capture:
            proc = subprocess.run(
                cmd, env=full_env, text=True, capture_output=True, timeout=timeout, check=False
            )
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write(f"\n$ airflow {' '.join(args)}\n{proc.stdout}{proc.stderr}")
        else:
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write(f"\n$ airflow {' '.join(args)}\n")
                log.flush()
                proc = subprocess.run(
                    cmd,
                    env=full_env,
                    text=True,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=timeout,
                    check=False,
                )
        if check and proc.returncode != 0:
            raise AirflowCommandError(args, proc.returncode, self.log_path)
        return proc

    def popen(
        self, *args: str, log: IO[str] | None = None, env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[str]:
        """Start ``airflow ARGS`` in the background (its own process group)."""
        return subprocess.Popen(
            [airflow_bin(), *args],
            env={**self.env, **(env or {})},
            text=True,
            stdout=log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def set_pools(self, pools: Mapping[str, int]) -> None:
        """Create or update pools in one CLI call (``airflow pools import``)."""
        path = self.home / "pools.json"
        path.write_text(pool_spec(pools), encoding="utf-8")
        self.run("pools", "import", str(path))


class AirflowCommandError(RuntimeError):
    """An ``airflow`` CLI call exited non-zero; its output is in ``log_path``."""

    def __init__(self, args: Sequence[str], returncode: int, log_path: Path) -> None:
        self.returncode = returncode
        self.log_path = log_path
        super().__init__(f"`airflow {' '.join(args)}` exited {returncode}; see {log_path}")


def pool_spec(pools: Mapping[str, int]) -> str:
    """The JSON ``airflow pools import`` reads, for ``pools`` (name -> slots)."""
    spec = {
        name: {"slots": slots, "description": _pool_description(name), "include_deferred": False}
        for name, slots in pools.items()
    }
    return json.dumps(spec, indent=2)


def _pool_description(name: str) -> str:
    if name == WRITER_POOL:
        return "one writer of the DuckDB working database at a time (contract §5)"
    return "crawl lanes running at once (each lane holds whole hosts: politeness is in-process)"


def airflow_env(
    home: Path,
    *,
    dags_folder: Path | None = None,
    plugins_folder: Path | None = None,
    sql_alchemy_conn: str | None = None,
    executor: str = "LocalExecutor",
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment for an ``airflow`` process using ``home`` (no file is written).

    Settings go through ``AIRFLOW__SECTION__KEY`` variables so that every component started
    with this environment agrees (dags/plugins folders, JWT secret, metadata database).
    """
    home = home.resolve()
    secret_file = home / "jwt_secret"
    if not secret_file.exists():
        home.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(secrets.token_urlsafe(32), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str((dags_folder or REPO_ROOT / "dags").resolve()),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(
                (plugins_folder or REPO_ROOT / "plugins").resolve()
            ),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": executor,
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": TIMEZONE,
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(
                home / "simple_auth_manager_passwords.json.generated"
            ),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sql_alchemy_conn
            or f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__API_AUTH__JWT_SECRET": secret_file.read_text(encoding="utf-8").strip(),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW__API__EXPOSE_CONFIG": "False",
            "AIRFLOW__CORE__LAZY_LOAD_PLUGINS": "False",
            "PYTHONDONTWRITEBYTECODE": "1",
            # `airflow standalone` and the Celery worker start `airflow …` by name
            "PATH": os.pathsep.join([str(Path(airflow_bin()).parent), os.environ.get("PATH", "")]),
        }
    )
    if extra:
        env.update(extra)
    return env


def prepare_home(
    home: Path,
    *,
    log_path: Path | None = None,
    migrate: bool = True,
    **env_kwargs: Any,
) -> AirflowHome:
    """Create ``home`` and migrate its metadata database once (a stamp file remembers it)."""
    home.mkdir(parents=True, exist_ok=True)
    env = airflow_env(home, **env_kwargs)
    ah = AirflowHome(
        home=home.resolve(), env=env, log_path=(log_path or home / "airflow.log").resolve()
    )
    ah.log_path.parent.mkdir(parents=True, exist_ok=True)
    if migrate:
        stamp = home / ".migrated"
        want = f"{_airflow_version()} {env['AIRFLOW__DATABASE__SQL_ALCHEMY_CONN']}"
        if not stamp.exists() or stamp.read_text(encoding="utf-8") != want:
            ah.run("db", "migrate")
            stamp.write_text(want, encoding="utf-8")
    return ah


def write_simple_auth_users(ah: AirflowHome, users: Mapping[str, str]) -> None:
    """Fix the SimpleAuthManager users and passwords (all admins) for a dev/test home."""
    ah.env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] = ",".join(f"{u}:admin" for u in users)
    Path(ah.env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]).write_text(
        json.dumps(dict(users)), encoding="utf-8"
    )


def _airflow_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("apache-airflow-core")
    except PackageNotFoundError:  # pragma: no cover - Airflow not installed
        return "?"


def standalone(home: Path | None = None) -> int:
    """``make airflow``: ``airflow standalone`` with the project's dags and plugins."""
    home = home or REPO_ROOT / ".airflow" / "standalone"
    ah = prepare_home(home, log_path=home / "migrate.log")
    from disclosure_etl import config

    cfg = config.load()
    ah.set_pools(pools_for())
    print(f"AIRFLOW_HOME={ah.home}")
    print(
        f"dags: {ah.env['AIRFLOW__CORE__DAGS_FOLDER']}  plugins: {ah.env['AIRFLOW__CORE__PLUGINS_FOLDER']}"
    )
    print("UI: http://localhost:8080 (user 'admin', password printed below by Airflow)")
    print(f"config: {cfg.source}  data dir: {cfg.data_dir}")
    sys.stdout.flush()
    return subprocess.call([airflow_bin(), "standalone"], env=ah.env)


def pools_file(path: Path) -> Path:
    """Write the pools a deployment needs as an ``airflow pools import`` file."""
    path.write_text(pool_spec(pools_for()), encoding="utf-8")
    return path


USAGE = """usage: python -m disclosure_etl.airflow_env COMMAND
  standalone [AIRFLOW_HOME]  `airflow standalone` with the project's dags and plugins (make airflow)
  pools FILE                 write the pools a deployment needs, for `airflow pools import FILE`"""


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m disclosure_etl.airflow_env standalone|pools …``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "standalone":
        return standalone(Path(args[1]) if len(args) > 1 else None)
    if len(args) == 2 and args[0] == "pools":
        print(pools_file(Path(args[1])))
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
