"""Small builders of RunBatch fixtures for the warehouse tests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from disclosure_etl import warehouse as wh
from disclosure_etl.models import RunBatch

HL = "gzbyhlj"
HL_NAME = "广州市白云区人民政府鹤龙街道办事处"
DISTRICT = "root"
DISTRICT_NAME = "广州市白云区人民政府"

#: (category_id, name, parent_id, is_leaf)
TREE: tuple[tuple[int, str, int | None, bool], ...] = (
    (1, "组织机构", None, False),
    (11, "机构职能", 1, True),
    (12, "领导信息", 1, True),
    (2, "部门文件", None, True),
    (3, "政务动态", None, True),
    (4, "财政预决算", None, True),
    (5, "政府信息公开年度报告", None, True),
)


def run_time(n: int) -> datetime:
    """Start time of the n-th fixture run: daily at 18:00 UTC from 2026-01-01."""
    return datetime(2026, 1, 1, 18, 0, tzinfo=UTC) + timedelta(days=n)


class Run:
    """One fixture run; ``.batch`` is the RunBatch."""

    def __init__(self, n: int, *, full_relist: bool = False, status: str = "complete") -> None:
        self.n = n
        self.at = run_time(n)
        self.batch = RunBatch(run_id=f"run{n:03d}")
        self.batch.add(
            "runs",
            run_id=self.batch.run_id,
            started_at=self.at,
            finished_at=self.at + timedelta(minutes=10),
            status=status,
            requests=0,
            pages_fetched=0,
            http_errors=0,
            full_relist=full_relist,
        )

    def agency(self, agency_id: str = HL, name: str = HL_NAME,
               tree: Iterable[tuple[int, str, int | None, bool]] = TREE) -> Run:
        self.batch.add("agencies", agency_id=agency_id, name=name,
                       site_url=f"https://www.by.gov.cn/{agency_id}/gkmlpt/index", sid=agency_id,
                       parent_agency_id=None, host="www.by.gov.cn", prefix=agency_id)
        names = {c[0]: c[1] for c in tree}
        for cid, cname, parent, leaf in tree:
            path = f"{names[parent]}/{cname}" if parent else cname
            self.batch.add("categories", agency_id=agency_id, category_id=cid, name=cname,
                           parent_id=parent, path=path, is_leaf=leaf, post_count=None)
        return self

    def listed(self, category_id: int, items: Iterable[tuple[int, datetime]], *,
               agency_id: str = HL, mode: str = "full", status: str = "complete",
               api_total: int | None = None, post_count: int | None = None,
               item_type: str = "normal", titles: dict[int, str] | None = None,
               category_name: str | None = None) -> Run:
        """List ``items`` ((item_id, published_at)) under a category, and record the listing."""
        items = list(items)
        name = category_name or dict((c[0], c[1]) for c in TREE).get(category_id, f"c{category_id}")
        for item_id, published in items:
            title = (titles or {}).get(item_id, f"item {item_id}")
            self.item(agency_id, item_id, category_id, name, published, title, item_type)
        self.batch.add(
            "listings", run_id=self.batch.run_id, agency_id=agency_id, category_id=category_id,
            category_name=name, mode=mode, status=status, pages_read=1 + len(items) // 100,
            rows_seen=len(items), api_total=len(items) if api_total is None else api_total,
            post_count=len(items) if post_count is None else post_count,
            oldest_published_at=min((p for _, p in items), default=None), error=None)
        return self

    def item(self, agency_id: str, item_id: int, category_id: int, category_name: str,
             published: datetime, title: str, item_type: str = "normal") -> Run:
        h = hashlib.sha256(f"{item_id}|{title}|{published}".encode()).hexdigest()
        self.batch.add(
            "list_rows", run_id=self.batch.run_id, agency_id=agency_id, item_id=item_id,
            category_id=category_id, category_name=category_name, title=title,
            item_type=item_type, url=f"https://www.by.gov.cn/{agency_id}/gkmlpt/content/0/"
            f"{item_id // 1000}/post_{item_id}.html", post_url=None, published_at=published,
            written_date=None, document_number=None, identifier=None, publisher=None,
            is_abolished=False, attachments="[]", row_hash=h, seen_at=self.at)
        return self

    def report(self, report_id: str, year: int, figures: dict[str, float | None], *,
               agency_id: str = HL, published_at: datetime | None = None,
               template: str = "legacy", approx: Iterable[str] = (),
               sha256: str | None = None, url: str | None = None, text: str | None = None,
               parse_status: str = "parsed", parse_note: str | None = None,
               extraction: str | None = None, confidence: float | None = None) -> Run:
        """A report with its figures and its prose (``text``; default: a line naming it);
        ``extraction``/``confidence`` are stated on each figure (default: not stated).

        Its content hash stands for the document's visible text: here the text and the
        figures, so changing either makes a new version."""
        self.batch.add(
            "reports", report_id=report_id, agency_id=agency_id, report_year=year,
            title=f"{year}年政府信息公开工作年度报告", url=url or f"https://www.by.gov.cn/r/{report_id}.html",
            copies=[], published_at=published_at or datetime(year + 1, 1, 20, 10, 0),
            template=template, source_format="html", parse_status=parse_status,
            parse_note=parse_note,
            period_start=None, period_end=None, item_id=None, sha256=sha256 or report_id,
            publisher=None)
        prose = f"{agency_id} {year} {report_id}" if text is None else text
        content = hashlib.sha256(
            "\n".join([prose, *sorted(f"{m}={v!r}" for m, v in figures.items())]).encode()
        ).hexdigest()
        self.batch.add("report_texts", report_id=report_id, sha256=sha256 or report_id,
                       content_sha256=content, text=prose)
        approx = set(approx)
        for metric, value in figures.items():
            self.batch.add(
                "report_figures", report_id=report_id, agency_id=agency_id, report_year=year,
                metric=metric, value=value, unit="%" if metric.endswith(".pct") else "件",
                is_blank=value is None, approx=metric in approx, source_excerpt=metric,
                extraction=extraction, confidence=confidence)
        return self

    def fetch(self, outcome: str = "ok", n: int = 1, agency_id: str = HL) -> Run:
        for _ in range(n):
            seq = len(self.batch.tables["fetches"])
            self.batch.add(
                "fetches", run_id=self.batch.run_id, seq=seq, unit=agency_id, kind="list",
                agency_id=agency_id, url=f"https://www.by.gov.cn/x/{seq}", final_url=None,
                status=200 if outcome == "ok" else 500, outcome=outcome, sha256=None,
                bytes=100, elapsed_ms=5.0, fetched_at=self.at, error=None)
        return self


def ts(y: int, m: int = 6, d: int = 1) -> datetime:
    """A publish time (naive Asia/Shanghai)."""
    return datetime(y, m, d, 9, 30)


#: tables compared by snapshot(): everything except load/refresh/check timestamps
_SNAPSHOT = {
    "runs": "* EXCLUDE (loaded_at)",
    "agencies": "*",
    "categories": "*",
    "listings": "*",
    "items": "*",
    "item_details": "*",
    "item_events": "*",
    "reports": "*",
    "report_figures": "*",
    "report_texts": "*",
    "report_versions": "* EXCLUDE (first_seen_at, last_seen_at)",
    "fetches": "*",
    "run_errors": "*",
}


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row, sorted: equal snapshots mean equal warehouses."""
    out = {}
    for t, cols in _SNAPSHOT.items():
        rows = con.execute(f"SELECT {cols} FROM core.{t}").fetchall()
        out[t] = sorted(rows, key=repr)
    return out


def open_wh(path: Path) -> duckdb.DuckDBPyConnection:
    return wh.connect(path)


def big_run(n: int, count: int, *, agency_id: str = HL, start_id: int = 1_000_000) -> RunBatch:
    """A run listing ``count`` items under category 2 (as an Arrow table), deterministic."""
    import pyarrow as pa
    import pyarrow.compute as pc

    r = Run(n).agency(agency_id)
    ids = pa.array(range(start_id, start_id + count), type=pa.int64())
    idstr = pc.cast(ids, pa.string())
    base = datetime(2015, 1, 1, 8, 0)
    published = pa.array([base + timedelta(minutes=7 * i) for i in range(count)],
                         type=pa.timestamp("us"))
    rows = pa.table({
        "run_id": pa.array([r.batch.run_id] * count),
        "agency_id": pa.array([agency_id] * count),
        "item_id": ids,
        "category_id": pa.array([2] * count, type=pa.int64()),
        "category_name": pa.array(["部门文件"] * count),
        "title": pc.binary_join_element_wise(pa.array([f"run{n} 标题 "] * count), idstr, ""),
        "item_type": pa.array(["normal"] * count),
        "url": pc.binary_join_element_wise(pa.array(["https://www.by.gov.cn/p/"] * count), idstr, ""),
        "published_at": published,
        "is_abolished": pa.array([False] * count),
        "attachments": pa.array(["[]"] * count),
        "row_hash": pc.binary_join_element_wise(pa.array([f"h{n}-"] * count), idstr, ""),
        "seen_at": pa.array([r.at] * count, type=pa.timestamp("us", tz="UTC")),
    })
    r.batch.tables["list_rows"] = rows  # type: ignore[assignment]
    r.batch.add("listings", run_id=r.batch.run_id, agency_id=agency_id, category_id=2,
                category_name="部门文件", mode="full", status="complete", pages_read=count // 100,
                rows_seen=count, api_total=count, post_count=count,
                oldest_published_at=base, error=None)
    return r.batch


def differences(a: Path, b: Path) -> dict[str, int]:
    """Rows in one warehouse file and not the other (both ways, per table), compared in DuckDB."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{a}' AS a (READ_ONLY); ATTACH '{b}' AS b (READ_ONLY)")
        out = {}
        for t, cols in _SNAPSHOT.items():
            n = con.execute(
                f"SELECT (SELECT count(*) FROM (SELECT {cols} FROM a.core.{t} EXCEPT ALL "
                f"SELECT {cols} FROM b.core.{t})) + (SELECT count(*) FROM (SELECT {cols} FROM "
                f"b.core.{t} EXCEPT ALL SELECT {cols} FROM a.core.{t}))").fetchall()[0][0]
            if n:
                out[t] = n
        return out
    finally:
        con.close()


def statuses(rows: list[tuple[Any, ...]]) -> set[str]:
    """The distinct statuses (first column) of check-result rows."""
    return {r[0] for r in rows}


def load(con: duckdb.DuckDBPyConnection, *runs: Run) -> None:
    """Load the runs' batches into the warehouse, in order."""
    for r in runs:
        wh.load_run(con, r.batch)
