"""The production shape on one machine: CeleryExecutor on the local Postgres and Redis,
scheduler, dag-processor, api-server and two Celery workers; the nightly DAG is triggered
through the REST API (v2, JWT from the SimpleAuthManager) against the replica, the asset
chain runs the other two DAGs, and the published warehouse equals the embedded run's: for the
default replica district, and for a 3-district replica province (3 hosts, 2 crawl lanes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from disclosure_etl import config, demo, pipeline
from disclosure_etl.celery_stack import CeleryStack

pytestmark = [pytest.mark.distributed, pytest.mark.slow]

RECON_SQL = "SELECT * FROM reconciliation ORDER BY ALL"
ITEMS_SQL = (
    "SELECT item_id, agency_id, category_id, category_name, title, item_type, url, published_at, "
    "written_date, document_number, identifier, publisher, is_abolished, withdrawn_at IS NULL "
    "FROM posted_items ORDER BY ALL"
)


@pytest.fixture
def celery_stack(replica_url: str, tmp_path: Path) -> Iterator[CeleryStack]:
    """Scheduler, dag-processor, api-server and two Celery workers on Postgres + Redis, over
    a demo config of the default replica district."""
    cfg_path = demo.write_config(replica_url, tmp_path / "data")
    with CeleryStack(tmp_path, cfg_path) as stack:
        yield stack


def _states(stack: CeleryStack, runs: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, str]], set[str]]:
    """Task states per DAG (``task_id[map_index]`` -> state) and the hostnames that ran them."""
    states: dict[str, dict[str, str]] = {}
    hostnames: set[str] = set()
    for dag_id, run in runs.items():
        tis = stack.api.task_instances(dag_id, run["dag_run_id"])
        states[dag_id] = {f"{t['task_id']}[{t['map_index']}]": t["state"] for t in tis}
        hostnames |= {t["hostname"] for t in tis if t.get("hostname")}
    return states, hostnames


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_celery_run_triggered_by_rest_equals_embedded_run(
    celery_stack: CeleryStack, dags_ran: list[str], demo_config: Path
) -> None:
    runs = celery_stack.api.nightly(timeout=360)
    assert runs["disclosure_crawl"]["state"] == "success"
    states, hostnames = _states(celery_stack, runs)
    assert runs["disclosure_reports"]["state"] == "success", states["disclosure_reports"]

    published = config.load(celery_stack.config_path).published_path
    n_errors = _rows(
        published,
        "SELECT count(*) FROM latest_check_results WHERE severity = 'error' AND status IN ('fail', 'error')",
    )[0][0]
    checks = states["disclosure_checks"]
    assert checks["check[-1]"] == checks["publish[-1]"] == "success"
    assert checks["findings[-1]"] == ("failed" if n_errors else "success")
    # one host: its sub-sites make one crawl lane (politeness in one process)
    assert [k for k in states["disclosure_crawl"] if k.startswith("crawl_lane[")] == ["crawl_lane[0]"]

    assert set(celery_stack.worker_names()) <= hostnames, f"tasks ran on {hostnames} only"

    embedded = config.load(demo_config).published_path
    assert _rows(published, RECON_SQL) == _rows(embedded, RECON_SQL)
    assert _rows(published, ITEMS_SQL) == _rows(embedded, ITEMS_SQL)


# ------------------------------------------------------------------ a 3-district province

DISTRICT_RECON_SQL = (
    "SELECT a.district_id, r.* FROM reconciliation r JOIN agencies a USING (agency_id) "
    "ORDER BY ALL"
)


@pytest.fixture(scope="module")
def province() -> Iterator[Any]:
    """The replica province scenario: 3 small districts, each on its own port (= host)."""
    from disclosure_etl.replica.province import ProvinceServer

    with ProvinceServer(districts=3, sites=(3, 4)) as prov:
        yield prov


def _province_config(prov: Any, data_dir: Path) -> Path:
    doc = prov.config_dict(min_interval_s=0.0, retries=2, timeout_s=30)
    doc["data_dir"] = str(data_dir)
    doc["warehouse"] = str(data_dir / "warehouse.duckdb")
    data_dir.mkdir(parents=True)
    path = data_dir / "province.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_three_district_province_through_celery_equals_embedded_run(
    province: Any, tmp_path: Path
) -> None:
    embedded_cfg = config.load(_province_config(province, tmp_path / "embedded"))
    pipeline.run(embedded_cfg)  # raises if a sub-site could not be harvested
    cfg_path = _province_config(province, tmp_path / "celery")
    with CeleryStack(tmp_path / "stack", cfg_path, crawl_lanes=2) as stack:
        runs = stack.api.nightly(timeout=480)
        states, hostnames = _states(stack, runs)
    assert runs["disclosure_crawl"]["state"] == "success", states["disclosure_crawl"]
    assert runs["disclosure_reports"]["state"] == "success", states["disclosure_reports"]
    # 3 hosts in 2 lanes of whole hosts
    assert sorted(k for k in states["disclosure_crawl"] if k.startswith("crawl_lane[")) == [
        "crawl_lane[0]",
        "crawl_lane[1]",
    ]
    assert set(stack.worker_names()) <= hostnames, f"tasks ran on {hostnames} only"

    published = config.load(cfg_path).published_path
    want = {d.id: len(d.world.agencies) for d in province.districts}
    got = dict(_rows(published, "SELECT district_id, count(*) FROM agencies GROUP BY ALL"))
    assert got == want  # every district's agencies, none without a district_id

    ours = _rows(published, DISTRICT_RECON_SQL)
    assert {r[0] for r in ours} == set(want)  # reconciliation rows in every district
    assert ours == _rows(embedded_cfg.published_path, DISTRICT_RECON_SQL)

    # the scorecard: exactly one row per agency and report year, for every agency, and a row
    # for every year an agency published a report
    per_year = _rows(
        published, "SELECT agency_id, report_year, count(*) FROM agency_scorecard GROUP BY ALL"
    )
    assert per_year and all(n == 1 for _a, _y, n in per_year)
    assert {a for a, _y, _n in per_year} == {
        r[0] for r in _rows(published, "SELECT agency_id FROM agencies")
    }
    reported = set(_rows(published, "SELECT DISTINCT agency_id, report_year FROM annual_reports "
                                    "WHERE report_year IS NOT NULL"))
    assert reported <= {(a, y) for a, y, _n in per_year}
