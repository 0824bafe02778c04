"""Loading one run's ``RunBatch``: one transaction, set-based (Arrow + MERGE INTO)."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from disclosure_etl.models import RUN_BATCH_COLUMNS, BatchRows, RunBatch, batch_column_types
from disclosure_etl.warehouse.db import TASK_MEMORY_LIMIT, one

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: DuckDB's memory limit while a run loads (its buffers beyond it are written to disk)
LOAD_MEMORY_LIMIT = TASK_MEMORY_LIMIT
_PROFILE = bool(os.environ.get("DISCLOSURE_WH_PROFILE"))  # per-statement load timings
_TS = pa.timestamp("us")
_TSZ = pa.timestamp("us", tz="UTC")
_S = pa.string()
_I = pa.int64()
_B = pa.bool_()

#: Arrow type of a DuckDB column type of schema.sql (integers all travel as int64)
_ARROW: dict[str, pa.DataType] = {
    "VARCHAR": _S,
    "BIGINT": _I,
    "INTEGER": _I,
    "SMALLINT": _I,
    "BOOLEAN": _B,
    "DOUBLE": pa.float64(),
    "FLOAT": pa.float64(),
    "DATE": pa.date32(),
    "TIMESTAMP": _TS,
    "TIMESTAMP WITH TIME ZONE": _TSZ,
    "JSON": _S,
}


def _arrow_type(duck: str) -> pa.DataType:
    if duck.endswith("[]"):
        return pa.list_(_arrow_type(duck[:-2]))
    if duck not in _ARROW:
        raise TypeError(f"schema.sql type {duck!r} has no Arrow type in warehouse.load")
    return _ARROW[duck]


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of a RunBatch table, from its schema.sql definition."""
    return pa.schema([pa.field(c, _arrow_type(t)) for c, t in batch_column_types(table)])


def _json_text(v: Any) -> Any:
    if v is None or isinstance(v, str):
        return v
    return json.dumps(_plain(v), ensure_ascii=False, sort_keys=True)


def _plain(v: Any) -> Any:
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return dataclasses.asdict(v)
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    return v


def _coerce(v: Any, t: pa.DataType) -> Any:
    if v is None:
        return None
    if isinstance(v, str) and (pa.types.is_timestamp(t) or pa.types.is_date(t)):
        if pa.types.is_date(t):
            return date.fromisoformat(v[:10])
        v = datetime.fromisoformat(v.replace("Z", "+00:00"))
    if pa.types.is_timestamp(t) and isinstance(v, datetime):
        if t.tz is None and v.tzinfo is not None:  # publication times: Shanghai wall-clock
            return v.astimezone(SHANGHAI).replace(tzinfo=None)
        if t.tz is not None and v.tzinfo is None:  # observation times: naive means UTC
            return v.replace(tzinfo=UTC)
        return v
    if pa.types.is_date(t) and isinstance(v, datetime):
        return v.date()
    if pa.types.is_list(t) and isinstance(v, tuple):
        return list(v)
    if pa.types.is_string(t) and not isinstance(v, str):
        return _json_text(v)
    if pa.types.is_list(t) and isinstance(v, str):
        return [v]
    return v


def to_arrow(table: str, rows: Any) -> pa.Table:
    """A RunBatch table (``BatchRows``, list of dicts, or an Arrow table/batch reader) as Arrow."""
    if isinstance(rows, BatchRows):
        return rows.to_arrow()
    schema = arrow_schema(table)
    if isinstance(rows, pa.RecordBatchReader):
        rows = rows.read_all()
    if isinstance(rows, pa.Table):
        missing = [c for c in schema.names if c not in rows.column_names]
        for c in missing:
            rows = rows.append_column(c, pa.nulls(rows.num_rows, schema.field(c).type))
        return rows.select(schema.names).cast(schema)
    return columns_to_arrow(table, {f.name: [r.get(f.name) for r in rows] for f in schema})


def _staged(con: duckdb.DuckDBPyConnection, table: str, rows: Any) -> Any:
    """What the load registers as ``stg_<table>``: a spilled table's Parquet file, read by
    DuckDB itself (its buffers stay within the load's memory limit; a pyarrow scan of the
    same file decoded ahead outside it: +0.7 GiB at 300k items), else the rows as Arrow."""
    path = rows.spill_file() if isinstance(rows, BatchRows) else None
    return con.read_parquet(str(path)) if path is not None else to_arrow(table, rows)


def columns_to_arrow(table: str, columns: dict[str, list[Any]]) -> pa.Table:
    """Column lists of Python values (all of one length; a column not given is NULL) as
    Arrow, each value coerced to the column's type (ISO strings to times, tuples to lists,
    other values to JSON text)."""
    schema = arrow_schema(table)
    n = len(next(iter(columns.values()))) if columns else 0
    arrays = [pa.array(_coerced(columns[f.name], f.type), type=f.type) if f.name in columns
              else pa.nulls(n, f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


#: Python types Arrow takes as they are for a column type (no ``_coerce`` needed)
_PLAIN: dict[pa.DataType, tuple[type, ...]] = {
    _S: (str,), _I: (int,), _B: (bool,), pa.float64(): (float, int)
}


def _coerced(values: list[Any], t: pa.DataType) -> list[Any]:
    """``values`` coerced to ``t``: as they are when every one is None or of a plain type."""
    plain = _PLAIN.get(t)
    if plain is not None and all(v is None or type(v) in plain for v in values):
        return values
    return [_coerce(v, t) for v in values]


def is_loaded(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """True when ``run_id`` has been loaded (its runs row exists)."""
    return bool(one(con, "SELECT count(*) FROM core.runs WHERE run_id = ?", [run_id])[0])


#: this run's item_details rows, one per (agency, item): the first by content url where an
#: item's page was fetched twice (only those are sorted)
_RUN_DETAILS = """WITH dup AS (SELECT agency_id, item_id FROM stg_item_details
                           WHERE item_id IS NOT NULL
                           GROUP BY agency_id, item_id HAVING count(*) > 1)
              SELECT * FROM stg_item_details ANTI JOIN dup USING (agency_id, item_id)
              WHERE item_id IS NOT NULL
              UNION ALL BY NAME
              FROM (SELECT DISTINCT ON (agency_id, item_id) * FROM stg_item_details
                    SEMI JOIN dup USING (agency_id, item_id)
                    ORDER BY agency_id, item_id, content_url)"""

# The set-based load, statement by statement. Staging relations are named stg_<table>.
_LOAD_SQL: tuple[str, ...] = (
    # the run row is the loaded mark
    """INSERT INTO core.runs
       SELECT $run_id, r.started_at, r.finished_at, r.status, r.requests, r.pages_fetched,
              r.http_errors, r.full_relist,
              (SELECT count(*) FROM stg_reports WHERE parse_status IN ('parsed', 'partial')),
              now()
       FROM (SELECT * FROM stg_runs UNION ALL BY NAME
             SELECT NULL AS run_id WHERE NOT EXISTS (SELECT 1 FROM stg_runs)) r
       LIMIT 1""",
    """MERGE INTO core.agencies t
       USING (SELECT DISTINCT ON (agency_id) * FROM stg_agencies
              WHERE agency_id IS NOT NULL ORDER BY agency_id) s
       ON t.agency_id = s.agency_id
       WHEN MATCHED THEN UPDATE SET
           name = COALESCE(s.name, t.name), site_url = COALESCE(s.site_url, t.site_url),
           sid = COALESCE(s.sid, t.sid),
           parent_agency_id = COALESCE(s.parent_agency_id, t.parent_agency_id),
           host = COALESCE(s.host, t.host), prefix = COALESCE(s.prefix, t.prefix),
           district_id = COALESCE(s.district_id, t.district_id),
           district_name = COALESCE(s.district_name, t.district_name),
           last_run_id = $run_id
       WHEN NOT MATCHED THEN INSERT VALUES
           (s.agency_id, s.name, s.site_url, s.sid, s.parent_agency_id, s.host, s.prefix,
            $run_id, $run_id, s.district_id, s.district_name)""",
    """MERGE INTO core.categories t
       USING (SELECT DISTINCT ON (agency_id, category_id) * FROM stg_categories
              WHERE category_id IS NOT NULL ORDER BY agency_id, category_id) s
       ON t.agency_id = s.agency_id AND t.category_id = s.category_id
       WHEN MATCHED THEN UPDATE SET
           name = s.name, parent_id = s.parent_id, path = s.path, is_leaf = s.is_leaf,
           post_count = s.post_count, jump_url = s.jump_url, last_run_id = $run_id
       WHEN NOT MATCHED THEN INSERT VALUES
           (s.agency_id, s.category_id, s.name, s.parent_id, s.path, s.is_leaf, s.post_count,
            s.jump_url, $run_id)""",
    """INSERT INTO core.listings BY NAME
       SELECT * REPLACE ($run_id AS run_id) FROM stg_listings""",
    """INSERT INTO core.fetches BY NAME
       SELECT * REPLACE ($run_id AS run_id) FROM stg_fetches""",
    """INSERT INTO core.run_errors BY NAME
       SELECT * REPLACE ($run_id AS run_id) FROM stg_run_errors""",
    # one row per (agency, item) seen this run: the lowest category id's row (latest seen)
    # stands for it; ``categories`` lists every category it was listed under. Most items
    # have one list row and pass through; only the others are aggregated (a wide arg_min
    # over a million rows was most of a province load's time and memory)
    """CREATE OR REPLACE TEMP TABLE run_items AS
       WITH dup AS (SELECT agency_id, item_id FROM stg_list_rows
                    GROUP BY agency_id, item_id HAVING count(*) > 1)
       SELECT agency_id, item_id, seen_at AS seen_first, seen_at AS seen_last,
              [category_id] AS categories, category_id, category_name, title, item_type, url,
              post_url, published_at, written_date, document_number, identifier, publisher,
              is_abolished, attachments, row_hash
       FROM stg_list_rows ANTI JOIN dup USING (agency_id, item_id)
       UNION ALL BY NAME
       SELECT agency_id, item_id, min(seen_at) AS seen_first, max(seen_at) AS seen_last,
              list(DISTINCT category_id ORDER BY category_id) AS categories,
              unnest(arg_min(
                  struct_pack(category_id, category_name, title, item_type, url, post_url,
                              published_at, written_date, document_number, identifier,
                              publisher, is_abolished, attachments, row_hash),
                  struct_pack(category_id, s := -epoch_us(seen_at), row_hash)))
       FROM stg_list_rows SEMI JOIN dup USING (agency_id, item_id)
       GROUP BY agency_id, item_id""",
    # events: new / changed / returned from what was listed ...
    """CREATE OR REPLACE TEMP TABLE run_events AS
       SELECT CASE WHEN i.item_id IS NULL THEN 'new'
                   WHEN i.withdrawn_at IS NOT NULL THEN 'returned'
                   ELSE 'changed' END AS event,
              s.agency_id, s.item_id, s.seen_first AS event_at, s.category_id,
              i.title AS old_title, s.title AS new_title,
              i.row_hash AS old_row_hash, s.row_hash AS new_row_hash
       FROM run_items s
       LEFT JOIN core.items i ON i.agency_id = s.agency_id AND i.item_id = s.item_id
       WHERE i.item_id IS NULL OR i.withdrawn_at IS NOT NULL
          OR i.row_hash IS DISTINCT FROM s.row_hash""",
    # ... and withdrawn: known, listed, not seen now, in a complete listing that covered it;
    # a listing with no rows withdraws nothing, full relist or not (crawl.empty_listing stays
    # open meanwhile: a category that had items and now lists none is a finding, not news)
    """INSERT INTO run_events
       SELECT 'withdrawn', i.agency_id, i.item_id,
              COALESCE((SELECT max(finished_at) FROM stg_runs), now()),
              i.category_id, i.title, NULL, i.row_hash, NULL
       FROM (SELECT DISTINCT m.agency_id, m.item_id
             FROM (SELECT agency_id, item_id, published_at, category_id AS cat
                   FROM core.items
                   WHERE withdrawn_at IS NULL AND len(COALESCE(categories, [])) <= 1
                   UNION ALL
                   SELECT agency_id, item_id, published_at, unnest(categories)
                   FROM core.items
                   WHERE withdrawn_at IS NULL AND len(categories) > 1) m
             JOIN stg_listings l ON l.agency_id = m.agency_id AND l.category_id = m.cat
             WHERE l.status = 'complete' AND COALESCE(l.rows_seen, 0) > 0
               AND (COALESCE(m.published_at >= l.oldest_published_at, FALSE)
                    OR (l.mode = 'full'
                        AND NOT COALESCE(l.api_total < l.post_count, FALSE)))) w
       JOIN core.items i ON i.agency_id = w.agency_id AND i.item_id = w.item_id
       ANTI JOIN run_items s ON s.agency_id = w.agency_id AND s.item_id = w.item_id""",
    """INSERT INTO core.item_events
       SELECT $run_id, agency_id, item_id, event, event_at, category_id, old_title,
              new_title, old_row_hash, new_row_hash
       FROM run_events""",
    # items: update the ones seen again, insert the new ones
    """UPDATE core.items t SET
           category_id = s.category_id, category_name = s.category_name, title = s.title,
           item_type = s.item_type, url = s.url, post_url = s.post_url,
           published_at = s.published_at, written_date = s.written_date,
           document_number = s.document_number, identifier = s.identifier,
           publisher = s.publisher, is_abolished = s.is_abolished,
           attachments = s.attachments, row_hash = s.row_hash,
           first_seen_at = least(t.first_seen_at, s.seen_first),
           last_seen_at = greatest(t.last_seen_at, s.seen_last),
           withdrawn_at = NULL, last_run_id = $run_id, categories = s.categories
       FROM run_items s
       WHERE t.agency_id = s.agency_id AND t.item_id = s.item_id""",
    """INSERT INTO core.items
       SELECT s.agency_id, s.item_id, s.category_id, s.category_name, s.title, s.item_type,
              s.url, s.post_url, s.published_at, s.written_date, s.document_number,
              s.identifier, s.publisher, s.is_abolished, s.attachments, s.row_hash,
              s.seen_first, s.seen_last, NULL, $run_id, $run_id, s.categories
       FROM run_items s
       SEMI JOIN run_events e ON e.event = 'new' AND e.agency_id = s.agency_id
                              AND e.item_id = s.item_id""",
    """UPDATE core.items t SET withdrawn_at = e.event_at
       FROM run_events e
       WHERE e.event = 'withdrawn' AND t.agency_id = e.agency_id AND t.item_id = e.item_id""",
    # item details: the content page of each (agency, item), the first by url when fetched
    # twice; updated where known, inserted where not (a MERGE held the whole source)
    f"""UPDATE core.item_details t SET
           run_id = $run_id, content_url = s.content_url, sha256 = s.sha256, title = s.title,
           metadata = s.metadata
       FROM ({_RUN_DETAILS}) s
       WHERE t.agency_id = s.agency_id AND t.item_id = s.item_id""",
    f"""INSERT INTO core.item_details
       SELECT s.agency_id, s.item_id, $run_id, s.content_url, s.sha256, s.title, s.metadata
       FROM ({_RUN_DETAILS}) s
       ANTI JOIN core.item_details t ON t.agency_id = s.agency_id AND t.item_id = s.item_id""",
    # reports: upsert by report_id (delete + insert with its figures)
    """DELETE FROM core.report_figures
       WHERE report_id IN (SELECT report_id FROM stg_reports)""",
    """DELETE FROM core.reports WHERE report_id IN (SELECT report_id FROM stg_reports)""",
    """INSERT INTO core.reports BY NAME
       SELECT DISTINCT ON (report_id) *, $run_id AS run_id
       FROM stg_reports ORDER BY report_id""",
    """INSERT INTO core.report_figures BY NAME
       SELECT f.* REPLACE (COALESCE(f.agency_id, r.agency_id) AS agency_id,
                           COALESCE(f.report_year, r.report_year) AS report_year,
                           COALESCE(f.is_blank, f.value IS NULL) AS is_blank,
                           COALESCE(f.approx, FALSE) AS approx,
                           COALESCE(f.extraction, 'text') AS extraction)
       FROM stg_report_figures f LEFT JOIN core.reports r USING (report_id)
       WHERE f.metric IS NOT NULL""",
    """DELETE FROM core.report_texts WHERE report_id IN (SELECT report_id FROM stg_report_texts)""",
    """INSERT INTO core.report_texts
       SELECT DISTINCT ON (report_id) report_id, sha256, content_sha256, text
       FROM stg_report_texts ORDER BY report_id""",
    # every version: a new one when the content differs from the report's latest version
    """INSERT INTO core.report_versions
       SELECT t.report_id, COALESCE(v.version, 0) + 1, t.content_sha256, t.sha256, r.url,
              r.parse_status, $run_id, COALESCE((SELECT max(started_at) FROM stg_runs), now()),
              $run_id, COALESCE((SELECT max(started_at) FROM stg_runs), now()), f.figures
       FROM (SELECT DISTINCT ON (report_id) * FROM stg_report_texts ORDER BY report_id) t
       LEFT JOIN core.reports r USING (report_id)
       LEFT JOIN (SELECT report_id, max(version) AS version,
                         arg_max(content_sha256, version) AS content_sha256
                  FROM core.report_versions GROUP BY report_id) v USING (report_id)
       LEFT JOIN (SELECT report_id, json_group_object(metric, value) AS figures
                  FROM (SELECT report_id, metric, max(value) AS value FROM stg_report_figures
                        WHERE metric IS NOT NULL GROUP BY ALL)
                  GROUP BY report_id) f USING (report_id)
       WHERE v.content_sha256 IS DISTINCT FROM t.content_sha256""",
    """UPDATE core.report_versions t
       SET last_seen_run = $run_id,
           last_seen_at = COALESCE((SELECT max(started_at) FROM stg_runs), now())
       FROM (SELECT report_id, max(version) AS version FROM core.report_versions
             WHERE report_id IN (SELECT report_id FROM stg_report_texts)
             GROUP BY report_id) m
       WHERE t.report_id = m.report_id AND t.version = m.version""",
)


def load_run(con: duckdb.DuckDBPyConnection, batch: RunBatch) -> dict[str, Any]:
    """Load one run in one transaction; a no-op (``{"skipped": True}``) if already loaded."""
    run_id = batch.run_id
    if is_loaded(con, run_id):
        return {"run_id": run_id, "skipped": True}
    tables = {f"stg_{name}": _staged(con, name, batch.tables.get(name, []))
              for name in RUN_BATCH_COLUMNS}
    for view, table in tables.items():
        con.register(view, table)
    # rows carry no meaningful order; letting DuckDB write them in parallel order is faster
    keep_order = one(con, "SELECT current_setting('preserve_insertion_order')")[0]
    con.execute("SET preserve_insertion_order = false")
    # DuckDB's default (80 % of RAM) lets a province run's load keep ~0.7 GiB of buffers on
    # top of the batch; bounded, it writes them out (a worker stays under 1 GiB, issue #13).
    # The connection's own limit is restored afterwards.
    limit = one(con, "SELECT current_setting('memory_limit')")[0]
    con.execute(f"SET memory_limit = '{LOAD_MEMORY_LIMIT}'")
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            if is_loaded(con, run_id):  # loaded by someone else meanwhile
                con.execute("ROLLBACK")
                return {"run_id": run_id, "skipped": True}
            for sql in _LOAD_SQL:
                t = time.perf_counter()
                con.execute(sql, {"run_id": run_id} if "$run_id" in sql else None)
                if _PROFILE:
                    print(f"  load {time.perf_counter() - t:7.2f} s  {sql.split()[0]} "
                          f"{' '.join(sql.split()[1:5])}", file=sys.stderr)
            row = one(
                con,
                """SELECT count(*) FILTER (WHERE event = 'new'),
                          count(*) FILTER (WHERE event = 'changed'),
                          count(*) FILTER (WHERE event = 'withdrawn'),
                          count(*) FILTER (WHERE event = 'returned')
                   FROM run_events""",
            )
            n_reports = one(con, "SELECT count(*) FROM stg_reports")
            n_figures = one(con, "SELECT count(*) FROM stg_report_figures")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        for view in tables:
            con.unregister(view)
        con.execute("DROP TABLE IF EXISTS run_items; DROP TABLE IF EXISTS run_events")
        con.execute(f"SET preserve_insertion_order = {'true' if keep_order else 'false'}")
        con.execute(f"SET memory_limit = '{limit}'")
    return {
        "run_id": run_id,
        "skipped": False,
        "new": row[0],
        "changed": row[1],
        "withdrawn": row[2],
        "returned": row[3],
        "reports": n_reports[0],
        "figures": n_figures[0],
    }


#: tables emptied by reset_derived: everything a run's load writes, and what is derived from it
DERIVED_TABLES = (
    "runs",
    "agencies",
    "categories",
    "listings",
    "items",
    "item_details",
    "item_events",
    "reports",
    "report_figures",
    "report_texts",
    "report_versions",
    "fetches",
    "run_errors",
    "reconciliation",
)


def reset_derived(con: duckdb.DuckDBPyConnection) -> None:
    """Empty every table loaded from runs (``parse --rebuild``); check history is kept.

    The runs' loaded marks go too, so replaying the archived runs loads each again.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        for t in DERIVED_TABLES:
            con.execute(f"DELETE FROM core.{t}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
