"""Shared helpers of the HTTP and crawl tests (no tests here)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from disclosure_etl.archive import Archive
from disclosure_etl.config import HttpConfig
from disclosure_etl.http import PoliteClient
from disclosure_etl.replica import ReplicaServer

FAST_HTTP = HttpConfig(
    min_interval_s=0.0,
    timeout_s=5.0,
    retries=4,
    backoff_base_s=0.01,
    backoff_max_s=0.05,
)


@contextmanager
def fast_replica(scenario: str = "default", **kwargs: Any) -> Iterator[ReplicaServer]:
    """The real replica server on 127.0.0.1 (a fresh one, not the shared conftest fixture)."""
    with ReplicaServer(scenario=scenario, **kwargs) as srv:
        yield srv


def host_of(srv: ReplicaServer) -> str:
    return srv.base_url.split("://", 1)[1]


def make_client(
    srv: ReplicaServer,
    tmp_path: Path,
    unit: str = "u1",
    run_id: str = "r1",
    extra_hosts: tuple[str, ...] = (),
    **http: Any,
) -> PoliteClient:
    cfg = replace(FAST_HTTP, **http)
    archive = Archive(tmp_path / "archive")
    return PoliteClient(cfg, frozenset({host_of(srv), *extra_hosts}), archive, run_id, unit)


def requests_to(srv: ReplicaServer, path: str) -> int:
    return sum(1 for r in srv.request_log if r.path == path)
