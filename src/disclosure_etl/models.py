"""Plain data records passed between stages.

These are the contracts between modules: the site parsers produce them, the crawl
and parse stages move them, the warehouse loads them. No behaviour lives here.
Times of publication are naive ``datetime`` in Asia/Shanghai wall-clock; times we
observed something are timezone-aware UTC ``datetime``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------- site structure


@dataclass(frozen=True)
class Category:
    """One node of a gkmlpt TREE."""

    id: int
    name: str
    parent_id: int | None = None
    path: str = ""  # names from the root, joined by "/" (e.g. "组织机构/机构职能")
    post_count: int | None = None
    jump_url: str | None = None
    is_leaf: bool = False


@dataclass(frozen=True)
class SiteIndex:
    """What a sub-site's ``/gkmlpt/index`` page tells us (its ``window._CONFIG``)."""

    sid: str
    categories: tuple[Category, ...]  # every node, parents and jump nodes included
    name: str | None = None  # from <title>/meta when the page states it
    service_area_id: str | None = None

    @property
    def leaves(self) -> tuple[Category, ...]:
        return tuple(c for c in self.categories if c.is_leaf)


@dataclass(frozen=True, slots=True)
class Attachment:
    attachment_id: int
    name: str
    ext: str
    mime: str | None
    size: int | None  # bytes; the API sends a numeric string
    url: str


@dataclass(frozen=True, slots=True)
class ListRow:
    """One article row of the list API, normalised."""

    item_id: int
    category_id: int
    category_name: str
    title: str
    item_type: str  # "normal" | "url"
    url: str
    post_url: str | None
    published_at: datetime | None  # display_publish_time, else create_time, else created_at
    written_date: date | None  # 成文日期 (`date`), None when 0
    document_number: str | None
    identifier: str | None
    publisher: str | None
    is_abolished: bool
    attachments: tuple[Attachment, ...]
    row_hash: str  # sha256 of the canonical JSON of the raw row: changes when the row changes


@dataclass(frozen=True)
class ListPage:
    """One page of ``/gkmlpt/api/all/{cat}``."""

    category_id: int
    category_name: str | None
    post_count: int | None  # classify.post_count (nominal)
    total: int | None  # rows the API serves (the window)
    offset: int | None
    rows: tuple[ListRow, ...]


@dataclass(frozen=True)
class ContentPage:
    """A gkmlpt content page (``…/content/a/b/post_{id}.html``)."""

    item_id: int | None
    title: str | None
    metadata: dict[
        str, str
    ]  # label (索引号, 分类, 发布机构, 成文日期, 名称, 文号, 发布日期, 主题词) -> text
    body_html: str  # DETAIL.content, unescaped; "" when absent
    attachment_urls: tuple[str, ...]


@dataclass(frozen=True)
class PortalLink:
    """A link on an NFCMS portal column page."""

    url: str
    title: str
    date: date | None


@dataclass(frozen=True)
class PortalArticle:
    """An NFCMS portal article page (``…/content/post_{id}.html``)."""

    url: str
    item_id: int | None
    title: str | None
    published_at: datetime | None  # 发布时间
    source: str | None  # 来源
    body_html: str
    attachment_urls: tuple[str, ...]


# ---------------------------------------------------------------- annual reports


@dataclass
class Figure:
    """One number an annual report states (a ``report_figures`` row)."""

    metric: str
    value: float | None
    unit: str | None
    is_blank: bool = False
    approx: bool = False
    source_excerpt: str = ""
    extraction: str = "text"  # text (prose) | table (a table cell) | ocr (a cell read from an image)
    confidence: float | None = None  # OCR recognition score 0..1; None unless extraction is ocr


@dataclass
class ParsedReport:
    """What the report parser returns for one document."""

    source_format: str  # html | pdf | docx | xlsx | xls | doc | txt
    parse_status: str  # parsed | partial | failed | unsupported
    template: str | None = None  # legacy | 2019 | 2021
    report_year: int | None = None
    agency: str | None = None
    title: str | None = None
    published_at: datetime | None = None
    period_start: date | None = None
    period_end: date | None = None
    parse_note: str | None = None
    figures: list[Figure] = field(default_factory=list)
    #: core figures of its template (reports/coverage.py) it should state / that were found
    figures_expected: int | None = None
    figures_found: int | None = None
    text: str = ""  # the prose lines read (tables left out); not part of the JSON shape
    content_sha256: str | None = None  # sha256 of the document's visible text (lines and cells)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``disclosure-etl report --json`` (contract.md §2)."""
        return {
            "template": self.template,
            "report_year": self.report_year,
            "agency": self.agency,
            "title": self.title,
            "published_at": self.published_at.isoformat(sep=" ") if self.published_at else None,
            "parse_status": self.parse_status,
            "parse_note": self.parse_note,
            "source_format": self.source_format,
            "figures_expected": self.figures_expected,
            "figures_found": self.figures_found,
            "figures": [
                {
                    "metric": f.metric,
                    "value": f.value,
                    "unit": f.unit,
                    "is_blank": f.is_blank,
                    "approx": f.approx,
                    "source_excerpt": f.source_excerpt,
                    "extraction": f.extraction,
                    "confidence": f.confidence,
                }
                for f in self.figures
            ],
        }


# ---------------------------------------------------------------- crawl records (crawl → archive → parse)


@dataclass
class CrawlError:
    """Something a crawl unit could not fetch or read (``stage``: index, list, content,
    attachment, column, article)."""

    stage: str
    url: str | None
    outcome: str | None
    error: str | None
    status: int | None = None
    category_id: int | None = None
    item_id: int | None = None
    attachment_id: int | None = None
    article_url: str | None = None
    page_url: str | None = None  # the report page an image belongs to


@dataclass
class Listing:
    """How one leaf category was listed (``status``: complete | partial | error)."""

    category_id: int
    category_name: str
    path: str
    mode: str  # full | incremental
    status: str = "error"
    pages_read: int = 0
    rows_seen: int = 0
    api_total: int | None = None
    post_count: int | None = None
    oldest_published_at: str | None = None
    error: str | None = None
    page_sha256s: list[str] = field(default_factory=list)
    url_rows: int = 0
    new_rows: int = 0
    changed_rows: int = 0
    window_limited: bool = False
    note: str | None = None
    stop: str | None = None


@dataclass
class ColumnListing:
    """How one portal report column was paged."""

    column_url: str
    mode: str
    discovered: bool = False  # found by its link text on a discover page, not configured
    status: str = "error"
    pages_read: int = 0
    links_seen: int = 0
    new_links: int = 0
    page_sha256s: list[str] = field(default_factory=list)
    error: str | None = None
    stop: str | None = None


@dataclass(slots=True)
class ContentFetch:
    """A gkmlpt content page fetched for a new or changed row."""

    item_id: int
    category_id: int
    url: str
    final_url: str
    outcome: str
    sha256: str | None
    error: str | None


@dataclass
class ArticleFetch:
    """A portal article page (a report-column link)."""

    url: str
    column_url: str
    outcome: str
    sha256: str | None
    error: str | None
    item_id: int | None = None
    title: str | None = None
    published_at: str | None = None
    source: str | None = None


@dataclass(slots=True)
class AttachmentFetch:
    """A report attachment (of a catalog item, or of a portal article: ``article_url``)."""

    item_id: int | None
    attachment_id: int | None
    url: str
    ext: str
    outcome: str
    sha256: str | None
    error: str | None
    name: str | None = None
    article_url: str | None = None


@dataclass
class ImageFetch:
    """An ``<img>`` of a report body (a table published as a picture, read by OCR)."""

    item_id: int | None
    page_url: str
    src: str
    url: str
    outcome: str
    sha256: str | None
    error: str | None


@dataclass
class DistrictRun:
    """One district in a run manifest (``manifest["districts"]``): its crawl units, how many
    sub-sites its discovery yielded and, when that failed, why (``discover_error``)."""

    id: str
    name: str | None
    discover_unit: str
    portal_unit: str
    has_report_columns: bool  # configured columns: a failed portal unit is a failed unit
    implicit: bool = False  # the one district of a config without ``districts:``
    sites: int = 0
    discover_error: str | None = None

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> DistrictRun:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in doc.items() if k in names})


_OUTCOME_PARTS: dict[str, type] = {
    "listings": Listing,
    "columns": ColumnListing,
    "contents": ContentFetch,
    "articles": ArticleFetch,
    "attachments": AttachmentFetch,
    "images": ImageFetch,
    "errors": CrawlError,
}
_SITE_ONLY = ("site", "categories", "listings", "contents")
_PORTAL_ONLY = ("columns", "articles")


@dataclass
class UnitOutcome:
    """What one crawl unit did (``kind`` site: a gkmlpt sub-site; portal: the report
    columns); written as ``archive/runs/<run>/<unit>.json`` and read back by the parse."""

    unit: str
    run_id: str
    kind: str
    full_relist: bool
    status: str = "ok"  # ok | partial | error
    started_at: str | None = None
    finished_at: str | None = None
    requests: int = 0
    site: dict[str, Any] = field(default_factory=dict)
    categories: list[dict[str, Any]] = field(default_factory=list)
    listings: list[Listing] = field(default_factory=list)
    contents: list[ContentFetch] = field(default_factory=list)
    columns: list[ColumnListing] = field(default_factory=list)
    articles: list[ArticleFetch] = field(default_factory=list)
    attachments: list[AttachmentFetch] = field(default_factory=list)
    images: list[ImageFetch] = field(default_factory=list)
    errors: list[CrawlError] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The archived JSON form (the parts of the other kind left out)."""
        doc = asdict(self)
        for key in _PORTAL_ONLY if self.kind == "site" else _SITE_ONLY:
            doc.pop(key, None)
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> UnitOutcome:
        """Read an archived outcome; keys this version does not know are ignored."""
        known = {f.name for f in fields(cls)}
        args = {k: v for k, v in doc.items() if k in known and k not in _OUTCOME_PARTS}
        for key, part in _OUTCOME_PARTS.items():
            names = {f.name for f in fields(part)}
            args[key] = [part(**{k: v for k, v in d.items() if k in names})
                         for d in doc.get(key) or []]
        return cls(**args)


# ---------------------------------------------------------------- one run, parsed

@dataclass(frozen=True)
class BatchTable:
    """How a RunBatch table follows from the ``sql/schema.sql`` table it loads: that
    table's columns, without those the load fills itself, with a few of its own."""

    core: str  # the schema.sql table (in schema ``core``)
    load_fills: tuple[str, ...] = ()  # bookkeeping columns the load computes
    leading: tuple[tuple[str, str], ...] = ()  # (name, DuckDB type) before the table's own
    trailing: tuple[tuple[str, str], ...] = ()


#: Each RunBatch table and the schema.sql table it derives from (the one definition of
#: the columns: add a column there and the batch, its Arrow schema and the load follow).
BATCH_TABLES: dict[str, BatchTable] = {
    "runs": BatchTable("runs", ("reports_loaded", "loaded_at")),  # one row: the run itself
    "agencies": BatchTable("agencies", ("first_run_id", "last_run_id")),
    "categories": BatchTable("categories", ("last_run_id",)),
    "listings": BatchTable("listings"),  # one row per (agency, leaf) the run tried to list
    # every list row the run saw (an item listed under two categories: both rows)
    "list_rows": BatchTable(
        "items",
        ("first_seen_at", "last_seen_at", "withdrawn_at", "first_run_id", "last_run_id", "categories"),
        leading=(("run_id", "VARCHAR"),),
        trailing=(("seen_at", "TIMESTAMP WITH TIME ZONE"),),
    ),
    "item_details": BatchTable("item_details"),  # content pages fetched this run
    "reports": BatchTable("reports", ("run_id",)),  # annual reports, copies folded
    # the prose of each report and what identifies its content (one row per report)
    "report_texts": BatchTable("report_texts"),
    "report_figures": BatchTable("report_figures"),
    "fetches": BatchTable("fetches"),  # every HTTP fetch of the run (the fetch log)
    "run_errors": BatchTable("run_errors"),  # what went wrong, by stage
}


def batch_column_types(table: str) -> tuple[tuple[str, str], ...]:
    """``(column, DuckDB type)`` of a RunBatch table, derived from ``sql/schema.sql``."""
    from disclosure_etl.warehouse.db import core_columns  # lazy: warehouse imports models

    spec = BATCH_TABLES[table]
    own = tuple((c, t) for c, t in core_columns()[spec.core] if c not in spec.load_fills)
    names = {c for c, _ in own}
    return tuple(x for x in spec.leading if x[0] not in names) + own + spec.trailing


class _BatchColumns(Mapping[str, tuple[str, ...]]):
    """``RUN_BATCH_COLUMNS[table]``: column names, derived on first use and kept."""

    def __init__(self) -> None:
        self._cols: dict[str, tuple[str, ...]] | None = None

    def _all(self) -> dict[str, tuple[str, ...]]:
        if self._cols is None:
            self._cols = {t: tuple(c for c, _ in batch_column_types(t)) for t in BATCH_TABLES}
        return self._cols

    def __getitem__(self, table: str) -> tuple[str, ...]:
        return self._all()[table]

    def __iter__(self) -> Iterator[str]:
        return iter(BATCH_TABLES)

    def __len__(self) -> int:
        return len(BATCH_TABLES)


#: Columns of each RunBatch table: every row has exactly these columns.
RUN_BATCH_COLUMNS: Mapping[str, tuple[str, ...]] = _BatchColumns()


#: rows a RunBatch table keeps as Python values before packing them into one Arrow chunk
BATCH_CHUNK_ROWS = 8192


class BatchRows:
    """The rows of one RunBatch table, stored by column, not as a dict per row.

    Added values wait in one list per column; every ``BATCH_CHUNK_ROWS`` rows they are
    coerced to the table's Arrow schema (``warehouse.load.columns_to_arrow``) and packed
    into a chunk, so a run of a million rows holds Arrow buffers, not Python objects. With
    a ``spill`` path the packed chunks are written to that Parquet file instead of being
    kept: the batch of a province run then holds one chunk per table in memory, and the
    load scans the file (``source``).
    """

    def __init__(self, table: str, spill: Path | None = None) -> None:
        self.table = table
        self.columns = RUN_BATCH_COLUMNS[table]
        self._known = frozenset(self.columns)
        self._pending: dict[str, list[Any]] = {c: [] for c in self.columns}
        self._n_pending = 0
        self._chunks: list[Any] = []  # pyarrow Tables of the table's schema
        self._n_chunked = 0  # rows in _chunks
        self._n_packed = 0
        self._spill = spill
        self._writer: Any = None  # pyarrow.parquet.ParquetWriter, opened on the first chunk

    def append(self, row: Mapping[str, Any]) -> None:
        """Add one row (missing columns are NULL; an unknown column is a ``KeyError``)."""
        unknown = row.keys() - self._known
        if unknown:
            raise KeyError(f"{self.table}: unknown columns {sorted(unknown)}")
        for c, values in self._pending.items():
            values.append(row.get(c))
        self._n_pending += 1
        if self._n_pending >= BATCH_CHUNK_ROWS:
            self._pack()

    def extend(self, chunk: Any) -> None:
        """Add rows already in Arrow (a ``pyarrow.Table`` of the table's schema, e.g. one
        sub-site's rows built in another process)."""
        from disclosure_etl.warehouse.load import to_arrow  # lazy: warehouse imports models

        self._pack()
        self._add_chunk(to_arrow(self.table, chunk))

    def _pack(self) -> None:
        from disclosure_etl.warehouse.load import columns_to_arrow

        if self._n_pending:
            self._add_chunk(columns_to_arrow(self.table, self._pending))
            self._pending = {c: [] for c in self.columns}
            self._n_pending = 0

    def _add_chunk(self, chunk: Any) -> None:
        if not chunk.num_rows:
            return
        self._chunks.append(chunk)
        self._n_chunked += chunk.num_rows
        self._n_packed += chunk.num_rows
        if self._spill is not None and self._n_chunked >= BATCH_CHUNK_ROWS:
            self._write_chunks()

    def _write_chunks(self) -> None:
        """Spilled: the kept chunks as one row group of the Parquet file."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._chunks:
            return
        group = pa.concat_tables(self._chunks)
        if self._writer is None:
            self._writer = pq.ParquetWriter(str(self._spill), group.schema)
        self._writer.write_table(group)
        self._chunks, self._n_chunked = [], 0

    def __len__(self) -> int:
        return self._n_packed + self._n_pending

    def spill_file(self) -> Path | None:
        """The Parquet file that holds every row (the last chunks written, the file closed:
        a second call returns it again), or None when nothing spilled (see ``to_arrow``)."""
        self._pack()
        if self._spill is None or (self._writer is None and not self._spill.is_file()):
            return None
        if self._writer is not None:
            self._write_chunks()
            self._writer.close()
            self._writer = None
        return self._spill

    def to_arrow(self) -> Any:
        """Every row as one ``pyarrow.Table`` of the table's schema (chunks are not copied;
        a spilled table is read back from its file: for tests and small runs)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        from disclosure_etl.warehouse.load import arrow_schema

        path = self.spill_file()
        if path is not None:
            self._chunks = [pq.read_table(path), *self._chunks]
            path.unlink()
            self._spill = None
        if len(self._chunks) > 1:
            self._chunks = [pa.concat_tables(self._chunks)]
        return self._chunks[0] if self._chunks else arrow_schema(self.table).empty_table()

    def __getitem__(self, i: int) -> dict[str, Any]:
        """Row ``i`` as a dict of its loaded values (for tests and debugging; not fast)."""
        table = self.to_arrow()
        return dict(table.slice(range(table.num_rows)[i], 1).to_pylist()[0])


@dataclass
class RunBatch:
    """Everything one archived run yields, as rows per warehouse staging table.

    ``tables[name]`` holds the ``BatchRows`` of ``RUN_BATCH_COLUMNS[name]`` (a caller that
    builds a table set-based, as the benches do, may put a ``pyarrow.Table`` in its place).
    JSON-valued columns (``attachments``, ``metadata``) hold JSON text; ``copies`` holds a
    list of URLs. Times: ``published_at``/``oldest_published_at`` naive Asia/Shanghai;
    ``seen_at``/``fetched_at``/``started_at``/``finished_at`` aware UTC. With ``spill_dir``
    every table spills its packed rows to ``<spill_dir>/<table>.parquet`` (the caller owns
    the directory and removes it after the load).
    """

    run_id: str
    tables: dict[str, Any] = field(default_factory=dict)
    spill_dir: Path | None = None

    def __post_init__(self) -> None:
        for name in RUN_BATCH_COLUMNS:
            if name not in self.tables:
                spill = self.spill_dir / f"{name}.parquet" if self.spill_dir else None
                self.tables[name] = BatchRows(name, spill)

    def add(self, table: str, **row: Any) -> None:
        """Add one row to ``table`` (keyword per column)."""
        self.tables[table].append(row)
