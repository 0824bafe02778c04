"""The DuckDB warehouse: schema and dictionary, set-based loading with a change log,
reconciliation, the SQL check runner, publishing with Parquet exports, and read helpers for the crawl and CLI.

The pipeline uses exactly the functions exported here.
"""

from __future__ import annotations

from disclosure_etl.warehouse.checks import list_checks, run_checks
from disclosure_etl.warehouse.crawl_state import (
    CrawlState,
    read_crawl_state,
    state_path,
    write_crawl_state,
)
from disclosure_etl.warehouse.db import connect, sql_dir
from disclosure_etl.warehouse.dictionary import dictionary_markdown
from disclosure_etl.warehouse.export import (
    BadFilter,
    ExportError,
    UnknownView,
    analyst_views,
    export_view,
    read_manifest,
)
from disclosure_etl.warehouse.load import is_loaded, load_run, reset_derived
from disclosure_etl.warehouse.publish import publish
from disclosure_etl.warehouse.read import (
    SCORECARD_CRITERIA,
    known_items,
    known_report_urls,
    last_full_relist,
    scorecard_lines,
    status_text,
    summary_lines,
)
from disclosure_etl.warehouse.reconcile import refresh_reconciliation

__all__ = [
    "SCORECARD_CRITERIA",
    "BadFilter",
    "ExportError",
    "UnknownView",
    "analyst_views",
    "export_view",
    "read_manifest",
    "CrawlState",
    "connect",
    "dictionary_markdown",
    "is_loaded",
    "known_items",
    "known_report_urls",
    "last_full_relist",
    "list_checks",
    "load_run",
    "publish",
    "read_crawl_state",
    "refresh_reconciliation",
    "reset_derived",
    "run_checks",
    "scorecard_lines",
    "sql_dir",
    "state_path",
    "status_text",
    "summary_lines",
    "write_crawl_state",
]
