"""Shared fixtures: a replica district site on 127.0.0.1 and configs pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from disclosure_etl.config import Config, from_dict
from disclosure_etl.replica import ReplicaServer


def replica_config(base_url: str, data_dir: Path, **http: Any) -> Config:
    """A config that discovers the replica's sub-sites and reads its two report columns."""
    cfg = from_dict(
        {
            "discover": [f"{base_url}/"],
            "report_columns": [
                f"{base_url}/zwgk/qzfxxgknb/zj/",
                f"{base_url}/zwgk/qzfxxgknb/bm/",
            ],
            "http": {"min_interval_s": 0, "retries": 4, "backoff_base_s": 0.05, **http},
            "data_dir": str(data_dir),
            "warehouse": str(data_dir / "warehouse.duckdb"),
        }
    )
    return cfg


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(scenario="default") as srv:
        yield srv
