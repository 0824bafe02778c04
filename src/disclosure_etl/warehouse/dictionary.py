"""The data dictionary (docs/warehouse.md), generated from the views' COMMENT ON text."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

HEADER = """# Warehouse data dictionary

Generated from the `COMMENT ON` text of the analyst views by
`python -m disclosure_etl.warehouse.docs docs/warehouse.md`; do not edit by hand.

Open the published snapshot read-only, with DuckDB 2.x (the file format is not readable
by DuckDB < 2.0):

```python
import duckdb
con = duckdb.connect("data/published/warehouse.duckdb", read_only=True)
con.sql("SELECT * FROM reconciliation WHERE status = 'mismatch'").show()
```

Times of publication (`published_at`, `oldest_published_at`) are Asia/Shanghai
wall-clock `TIMESTAMP`; times we observed something (`*_seen_at`, `checked_at`,
`fetched_at`, …) are `TIMESTAMPTZ`. The tables behind the views live in schema `core`
and may change; the views are the stable interface.
"""

PARQUET = """
## Parquet exports

Each publish also writes every view below as Parquet, from the snapshot being published,
into `data/published/parquet/` (beside `warehouse.duckdb`): `<view>.parquet`, except
`report_figures`, which is a folder partitioned by year (Hive style,
`report_figures/report_year=YYYY/data_0.parquet`; a NULL year is
`report_year=__HIVE_DEFAULT_PARTITION__`; `report_year` is read from the folder names, so
it comes last, and pandas makes it a category; with no figures at all the folder holds no
file and the manifest says 0 rows). `manifest.json` names the run (`run_id`), when
the set was written (`generated_at`, UTC) and, per view, its row count and every file's
path (relative to the folder), rows, bytes and sha256. Any Parquet reader opens them; no
DuckDB 2.x needed.

`parquet` is a symlink that each publish points at a complete new set
(`parquet-<UTC stamp>/`, written beside it with `manifest.json` last): a reader sees the
old set or the new one, never a half-written one. The previous set is kept until the next
publish, so a reader that listed its files can still open them. To read several files of
one set (e.g. check them against `manifest.json`), resolve the link once
(`os.path.realpath("data/published/parquet")`) and read inside that folder. When the export fails the
snapshot is still published, the previous set stays, and the publish stage fails (exit 1).

```python
import duckdb
duckdb.sql("SELECT count(*) FROM 'data/published/parquet/posted_items.parquet'").show()
duckdb.sql(\"\"\"
    SELECT report_year, metric, sum(value) FROM read_parquet(
        'data/published/parquet/report_figures/**/*.parquet', hive_partitioning = true)
    WHERE report_year = 2023 GROUP BY ALL\"\"\").show()

import pandas as pd  # pandas + pyarrow
items = pd.read_parquet("data/published/parquet/posted_items.parquet")
figures = pd.read_parquet("data/published/parquet/report_figures",
                          filters=[("report_year", "=", 2023)])

import polars as pl
items = pl.read_parquet("data/published/parquet/posted_items.parquet")
figures = pl.scan_parquet("data/published/parquet/report_figures/**/*.parquet",
                          hive_partitioning=True).filter(pl.col("report_year") == 2023).collect()
```

One view on demand, from the published snapshot (`--where` is a SQL condition on the
view's columns; CSV goes to stdout without `--out`; an unknown view or a bad condition
exits 2):

```sh
disclosure-etl export reconciliation --format csv --where "status = 'mismatch'" > mismatches.csv
disclosure-etl export posted_items --format parquet --where "agency_id = 'gzbyhlj'" --out items.parquet
```
"""


def _md(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def dictionary_markdown(con: duckdb.DuckDBPyConnection) -> str:
    """The markdown body of docs/warehouse.md: every main-schema view and its columns."""
    from disclosure_etl.warehouse.export import view_comments

    views = view_comments(con)
    out = [HEADER, PARQUET]
    out.append("## Views\n")
    out.append("| view | description |\n|---|---|")
    out.extend(f"| [`{v}`](#{v}) | {_md(c)} |" for v, c in views)
    for view, comment in views:
        out.append(f"\n## {view}\n\n{_md(comment)}\n")
        out.append("| column | type | description |\n|---|---|---|")
        for col, typ, ccomment in con.execute(
            "SELECT column_name, data_type, comment FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND table_name = ? "
            "AND database_name = current_database() ORDER BY column_index",
            [view],
        ).fetchall():
            out.append(f"| `{col}` | {typ} | {_md(ccomment)} |")
    from disclosure_etl.warehouse.checks import list_checks

    out.append(
        "\n## Checks\n\nOne file each in `sql/checks/`; results in `check_results`. A check "
        "that finds nothing to look at stores one `error` row, unless the table says why "
        "empty is a pass.\n"
    )
    out.append(
        "| check_id | dimension | severity | tolerance | description | when nothing to check |\n"
        "|---|---|---|---|---|---|"
    )
    out.extend(
        f"| `{c.id}` | {c.dimension} | {c.severity} | {_md(c.tolerance)} | {_md(c.description)} "
        f"| {_md('pass: ' + c.empty_pass) if c.empty_pass else 'error'} |"
        for c in list_checks()
    )
    out.append(
        "\n## Example queries\n\nEach is a file in `sql/examples/`; the test suite runs "
        "every one against a real warehouse.\n"
    )
    for title, sql in example_queries():
        out.append(f"### {title}\n\n```sql\n{sql}\n```\n")
    return "\n".join(out) + "\n"


def example_queries() -> list[tuple[str, str]]:
    """(title, SQL) of every ``sql/examples/*.sql``: the title is the file's first comment."""
    from disclosure_etl.warehouse.db import sql_dir

    out = []
    for path in sorted((sql_dir() / "examples").glob("*.sql")):
        lines = path.read_text(encoding="utf-8").strip().splitlines()
        title = (
            lines[0].removeprefix("--").strip()
            if lines and lines[0].startswith("--")
            else path.stem
        )
        out.append((title, "\n".join(lines[1:]).strip()))
    return out


def generate() -> str:
    """The dictionary of a fresh warehouse built from ``sql/``."""
    from disclosure_etl.warehouse.db import connect

    with tempfile.TemporaryDirectory() as d:
        con = connect(Path(d) / "dict.duckdb")
        try:
            return dictionary_markdown(con)
        finally:
            con.close()
