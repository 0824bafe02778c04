"""Rebuild the reconciliation table (reported counts against posted items)."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from disclosure_etl.config import ReconcileConfig
from disclosure_etl.warehouse.db import read_sql


def refresh_reconciliation(
    con: duckdb.DuckDBPyConnection,
    category_map: dict[str, list[str]],
    reconcile: ReconcileConfig,
    district_maps: dict[str, dict[str, list[str]]] | None = None,
) -> None:
    """Recompute ``core.reconciliation`` from items, listings and report figures (one
    transaction). An agency whose ``district_id`` has an entry in ``district_maps`` is
    reconciled with that district's category map, any other with ``category_map``."""
    pairs: list[tuple[str | None, str, str]] = [
        (None, label, name) for label, names in category_map.items() for name in names
    ]
    for district, cmap in (district_maps or {}).items():
        pairs += [(district, label, name) for label, names in cmap.items() for name in names]
    mapping = pa.table(
        {"district_id": [p[0] for p in pairs], "label": [p[1] for p in pairs],
         "name": [p[2] for p in pairs]},
        schema=pa.schema([("district_id", pa.string()), ("label", pa.string()), ("name", pa.string())]),
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE recon_params AS SELECT ?::DOUBLE AS tolerance_abs, "
        "?::DOUBLE AS tolerance_pct",
        [float(reconcile.tolerance_abs), float(reconcile.tolerance_pct)],
    )
    con.register("recon_map_src", mapping)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE recon_map AS SELECT * FROM recon_map_src")
    finally:
        con.unregister("recon_map_src")
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(read_sql("reconciliation.sql"))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
