"""`disclosure-etl findings` over a real run of the replica: list, --new, ack; and the
acknowledgement survives `parse --rebuild` and a warehouse built anew from the archive."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from disclosure_etl import pipeline
from disclosure_etl.config import Config
from disclosure_etl.config import load as load_config
from disclosure_etl.replica import ReplicaServer
from disclosure_etl.warehouse import findings as fm
from disclosure_etl.warehouse.db import reading
from tests.test_cli import cli


@pytest.fixture(scope="module")
def setup(replica: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path]:
    """One full run of the replica; returns its config and the config file for the CLI."""
    data = tmp_path_factory.mktemp("findings-cli") / "data"
    path = data.parent / "disclosure.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "discover": [f"{replica.base_url}/"],
                "report_columns": [f"{replica.base_url}/zwgk/qzfxxgknb/zj/"],
                "http": {"min_interval_s": 0, "backoff_base_s": 0.05},
                "data_dir": str(data),
                "warehouse": str(data / "warehouse.duckdb"),
            }
        ),
        encoding="utf-8",
    )
    cfg = load_config(path)
    pipeline.run(cfg)
    return cfg, path


def listed(config: Path, *args: str) -> list[dict[str, Any]]:
    p = cli("findings", "--json", "--config", str(config), *args)
    assert p.returncode == 0, p.stderr
    return [json.loads(line) for line in p.stdout.splitlines()]


def state_of(cfg: Config, key: str) -> tuple[Any, ...]:
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        rows = con.execute(
            "SELECT state, acknowledged_by, ack_note FROM findings WHERE finding_key = ?", [key]
        ).fetchall()
    finally:
        con.close()
    assert len(rows) == 1, rows
    return tuple(rows[0])


def test_findings_lists_every_open_finding_as_new_after_the_first_run(
    setup: tuple[Config, Path],
) -> None:
    cfg, config = setup
    every = listed(config)
    assert every and {f["state"] for f in every} == {"open"}
    assert {f["finding_key"] for f in listed(config, "--new")} == {f["finding_key"] for f in every}
    text = cli("findings", "--config", str(config))
    assert text.returncode == 0
    assert every[0]["finding_key"] in text.stdout and f"{len(every)} finding(s)" in text.stdout


def test_check_fail_on_exits_3_on_new_errors_only_when_asked(setup: tuple[Config, Path]) -> None:
    _cfg, config = setup
    p = cli("check", "--config", str(config), "--fail-on", "new_error")
    assert p.returncode == 3 and "new error finding(s)" in p.stderr, (p.returncode, p.stderr)
    assert cli("check", "--config", str(config)).returncode == 0  # default: never


def test_ack_is_recorded_and_survives_rebuild_and_a_new_warehouse(
    setup: tuple[Config, Path],
) -> None:
    cfg, config = setup
    target = next(f for f in listed(config) if f["check_id"] == "reconcile.active_total")
    key = target["finding_key"]
    p = cli("findings", "--config", str(config), "ack", key, "--note", "报告含政务微博条数",
            "--by", "li.wei")  # fmt: skip
    assert p.returncode == 0, p.stderr
    ack_file = Path(cfg.data_dir) / "acknowledgements.jsonl"
    assert json.loads(ack_file.read_text(encoding="utf-8"))["finding_key"] == key

    pipeline.check(cfg)  # the check loads the acknowledgements file
    assert state_of(cfg, key) == ("acknowledged", "li.wei", "报告含政务微博条数")
    pipeline.publish(cfg)
    assert [f["finding_key"] for f in listed(config, "--state", "acknowledged")] == [key]
    # the same run checked again is still the night the finding first appeared
    assert key in {f["finding_key"] for f in listed(config, "--new")}

    pipeline.parse(cfg, rebuild=True)
    assert state_of(cfg, key)[0] == "acknowledged"

    Path(cfg.warehouse).unlink()  # a new warehouse, built from the archive alone
    Path(f"{cfg.warehouse}.wal").unlink(missing_ok=True)
    pipeline.parse(cfg)
    pipeline.check(cfg)
    assert state_of(cfg, key) == ("acknowledged", "li.wei", "报告含政务微博条数")


def test_ack_of_an_unknown_key_exits_2(setup: tuple[Config, Path]) -> None:
    _cfg, config = setup
    p = cli("findings", "--config", str(config), "ack", "000000000000", "--note", "x", "--by", "a")
    assert p.returncode == 2 and "no finding with key '000000000000'" in p.stderr


def test_a_freshness_only_run_moves_only_crawl_freshness(setup: tuple[Config, Path]) -> None:
    cfg, _config = setup
    result = pipeline.check(cfg, only=pipeline.FRESHNESS_ONLY)
    assert result["run_id"].startswith("freshness-")
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        checks = con.execute(
            "SELECT DISTINCT check_id FROM check_results WHERE run_id = ?", [result["run_id"]]
        ).fetchall()
        resolved = con.execute("SELECT count(*) FROM findings WHERE state = 'resolved'").fetchone()
    finally:
        con.close()
    assert checks == [("crawl.freshness",)]
    assert resolved == (0,)


def test_a_stalled_pipeline_is_red_once_then_stays_open(setup: tuple[Config, Path]) -> None:
    cfg, _config = setup
    working = Path(cfg.warehouse)
    later = date(2027, 3, 1)  # no crawl since: every sub-site is stale on the daily check
    pipeline.check(cfg, today=later, only=pipeline.FRESHNESS_ONLY)
    first = pipeline.findings_verdict(cfg, "new_error", pipeline.FRESHNESS_ONLY, path=working)
    assert first.fail and {f.check_id for f in first.findings} == {"crawl.freshness"}
    pipeline.check(cfg, today=later + timedelta(days=1), only=pipeline.FRESHNESS_ONLY)
    again = pipeline.findings_verdict(cfg, "new_error", pipeline.FRESHNESS_ONLY, path=working)
    assert not again.fail  # notified and red once, not every day
    assert pipeline.findings_verdict(cfg, "error", pipeline.FRESHNESS_ONLY, path=working).fail
    pipeline.check(cfg)  # the next real checks run: fresh again, the finding resolves
    with reading(working) as con:
        states = {f.state for f in fm.list_findings(con, check_ids=pipeline.FRESHNESS_ONLY)}
    assert states == {"resolved"}


def test_a_time_scheduled_airflow_run_checks_freshness_only() -> None:
    from enum import Enum

    class DagRunType(str, Enum):  # noqa: UP042 - the shape of Airflow's enum (str, Enum)
        SCHEDULED = "scheduled"
        ASSET_TRIGGERED = "asset_triggered"
        MANUAL = "manual"

    assert pipeline.checks_for(DagRunType.SCHEDULED) == ("crawl.freshness",)
    assert pipeline.checks_for(DagRunType.ASSET_TRIGGERED) is None
    assert pipeline.checks_for(DagRunType.MANUAL) is None
    assert pipeline.checks_for("scheduled") == ("crawl.freshness",)
