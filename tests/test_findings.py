"""The headline test: one honest run over the default replica finds exactly what was planted.

The replica publishes a report for every agency and year; a handful are planted wrong
(World.planted_findings, documented in World.notes). Every other check must pass.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest

from disclosure_etl import pipeline
from disclosure_etl.replica import ReplicaServer
from tests.conftest import replica_config


@pytest.fixture(scope="module")
def findings(replica: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, int]]:
    cfg = replica_config(replica.base_url, tmp_path_factory.mktemp("findings"))
    result = pipeline.run(cfg)
    con = duckdb.connect(str(Path(result["published"])), read_only=True)
    try:
        rows = con.execute(
            "SELECT check_id, agency_id, report_year FROM latest_check_results "
            "WHERE status NOT IN ('pass', 'skip') ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
    return [(c, a, int(y)) for c, a, y in rows]


def _agency_id(replica: ReplicaServer, prefix: str) -> str:
    """The warehouse agency_id of a replica prefix: the prefix without slashes, or the host."""
    return prefix.strip("/") or str(urlsplit(replica.base_url).hostname)


def test_the_run_finds_exactly_the_planted_findings(
    findings: list[tuple[str, str, int]], replica: ReplicaServer
) -> None:
    planted = {(c, _agency_id(replica, p), y) for c, p, y in replica.world.planted_findings}
    got = set(findings)
    assert got - planted == set(), "findings nobody planted"
    assert planted - got == set(), "planted findings the run missed"

