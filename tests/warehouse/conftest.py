from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from disclosure_etl import warehouse as wh  # noqa: E402


@pytest.fixture
def wh_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def con(wh_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = wh.connect(wh_path)
    yield c
    c.close()
