"""The parse stage: one archived run → a ``RunBatch`` of warehouse rows.

Reads only the archive (run manifest, unit outcomes, fetch logs, raw bodies) and calls the
same pure parsers the crawl used (``site.gkmlpt``, ``site.portal``) plus the report parser.
A parser fix is rolled out by re-parsing (``disclosure-etl parse --rebuild``), never by
re-crawling.

Annual reports are gathered from the gkmlpt report items fetched in the run (the page body,
or its PDF/DOCX/XLS attachments when the body holds no figures) and from the portal report
columns' article pages. Copies of one report (portal copy, ``mpost_`` mirror) are folded by
agency + report year + normalised title into one report whose ``copies`` lists every URL.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import multiprocessing
import re
import unicodedata
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from disclosure_etl.ahead import submitted_ahead
from disclosure_etl.archive import Archive, ArchiveError
from disclosure_etl.crawl import is_report_item
from disclosure_etl.models import DistrictRun, Figure, ListRow, ParsedReport, RunBatch
from disclosure_etl.reports import parse_report, short_agency_name
from disclosure_etl.site import SiteFormatError
from disclosure_etl.site.gkmlpt import parse_content_page, parse_list_page
from disclosure_etl.site.portal import parse_article
from disclosure_etl.warehouse.load import columns_to_arrow

log = logging.getLogger(__name__)

#: fetch outcomes that count as HTTP errors in the run ledger
HTTP_ERROR_OUTCOMES = frozenset({"http_error", "network_error", "blocked", "too_large"})
_STATUS_RANK = {"parsed": 3, "partial": 2, "unsupported": 1, "failed": 0}
_TITLE_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")
_FIGURE_FIELDS = [f.name for f in fields(Figure)]  # each a report_figures column
#: a run with fewer fetches is parsed in one process (a pool is not worth its start)
PARALLEL_FROM_FETCHES = 2_000
#: units each parse worker may have done or queued ahead of the unit awaited
UNITS_AHEAD = 16


@dataclass
class _ReportCandidate:
    """One copy of a report document found in the run."""

    agency_id: str | None  # the publishing site's agency (gkmlpt) or None (portal)
    url: str
    title: str | None
    published_at: datetime | None
    publisher: str | None
    item_id: int | None
    parsed: ParsedReport
    sha256: str | None
    extra_urls: list[str] = field(default_factory=list)
    #: the named district it was found in (None in a single-district run): its owner is
    #: looked for among that district's agencies only
    district: str | None = None
    #: ``parsed.figures`` packed as zstd-compressed Arrow IPC (the Figure columns of
    #: ``report_figures``): a province run holds ~10k copies and a million figures until
    #: the copies are folded
    figures: bytes | None = None
    n_figures: int = 0

    def packed(self) -> _ReportCandidate:
        """The final candidate with its figures packed (``parsed.figures`` emptied)."""
        figs = self.parsed.figures
        cols = {k: [getattr(f, k) for f in figs] for k in _FIGURE_FIELDS}
        table = columns_to_arrow("report_figures", cols).select(_FIGURE_FIELDS)
        sink = pa.BufferOutputStream()
        options = pa.ipc.IpcWriteOptions(compression="zstd")
        with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
            writer.write_table(table)
        self.figures = sink.getvalue().to_pybytes()
        self.n_figures, self.parsed.figures = len(figs), []
        return self

    def figure_rows(self) -> list[dict[str, Any]]:
        """The packed figures, one dict per figure (the Figure columns)."""
        if self.figures is None:
            return []
        return list(pa.ipc.open_stream(self.figures).read_all().to_pylist())

    def rank(self) -> tuple[int, int]:
        return _rank(self.parsed.parse_status, self.n_figures)


def build_batch(
    archive: Archive,
    run_id: str,
    con: Any = None,
    *,
    workers: int = 1,
    spill_dir: Path | None = None,
    parallel_from: int = PARALLEL_FROM_FETCHES,
) -> RunBatch:
    """Every warehouse row one archived run yields. ``con`` (the working warehouse, optional)
    lets reports fold with copies loaded by earlier runs and resolves agencies by name.

    ``spill_dir``: the batch spills its rows there as Parquet (``RunBatch``), so memory
    does not grow with the run. ``workers`` > 1: a run of at least ``parallel_from``
    fetches has its sub-site units read in that many processes (``_site_unit``, a pure
    function of the archive); the rows and report copies come back in site order, so the
    batch is the one a single process builds."""
    manifest = archive.read_run_manifest(run_id) or {}
    batch = RunBatch(run_id, spill_dir=spill_dir)
    requests = pages_fetched = http_errors = 0
    for f in archive.iter_fetches(run_id):  # streamed: the fetch log is the largest table
        batch.add("fetches", **{k: f.get(k) for k in _FETCH_KEYS}, run_id=run_id)
        requests += 1
        pages_fetched += f.get("outcome") in ("ok", "not_modified")
        http_errors += f.get("outcome") in HTTP_ERROR_OUTCOMES
    batch.add(
        "runs",
        run_id=run_id,
        started_at=manifest.get("started_at"),
        finished_at=manifest.get("finished_at"),
        status=manifest.get("status"),
        requests=requests,
        pages_fetched=pages_fetched,
        http_errors=http_errors,
        full_relist=bool(manifest.get("full_relist")),
    )
    districts = _district_runs(manifest)
    for d in districts:
        if d.discover_error:
            _error(batch, "discover", None, None, f"district {d.id}: {d.discover_error}")
    scope = {d.id for d in districts if not d.implicit}  # districts that scope ownership
    names, district_of = _known_agencies(con)
    procs = workers if requests >= parallel_from else 1
    candidates = _read_units(batch, archive, manifest.get("sites", []), districts, scope,
                             names, district_of, procs)
    _add_reports(batch, candidates, names, district_of, _existing_copies(con))
    return batch


@dataclass
class _SiteRows:
    """What one sub-site unit of a run yields: its rows per RunBatch table (Arrow), the
    name its catalog gave (None: no crawl outcome, the unit never finished) and the report
    copies its catalog holds."""

    tables: dict[str, pa.Table]
    crawled: bool
    catalog_name: str | None = None
    sid: Any = None
    candidates: list[_ReportCandidate] = field(default_factory=list)


def _site_unit(archive_root: str, run_id: str, site: dict[str, Any]) -> _SiteRows:
    """One sub-site unit's rows, from the archive alone (run in a worker process or not)."""
    archive = Archive(Path(archive_root))
    unit = RunBatch(run_id)
    agency_id = site["agency_id"]
    outcome = archive.read_unit_outcome(run_id, agency_id)
    if outcome is None:
        _error(unit, "crawl", agency_id, site.get("index_url"),
               "no crawl outcome: the crawl of this site did not finish")
        found, info = [], None
    else:
        found, info = _site_rows(unit, archive, run_id, agency_id, outcome), outcome.get("site", {})
    tables = _unit_tables(unit)
    if info is None:
        return _SiteRows(tables, crawled=False)
    return _SiteRows(tables, True, info.get("name"), info.get("sid"), found)


def _portal_unit(archive_root: str, run_id: str, unit_id: str) -> _SiteRows:
    """One district portal unit's report copies (and its errors), from the archive alone."""
    archive = Archive(Path(archive_root))
    unit = RunBatch(run_id)
    outcome = archive.read_unit_outcome(run_id, unit_id)
    found = [] if outcome is None else _portal_candidates(unit, archive, run_id, outcome)
    return _SiteRows(_unit_tables(unit), outcome is not None, candidates=found)


def _unit_tables(unit: RunBatch) -> dict[str, pa.Table]:
    return {t: rows.to_arrow() for t, rows in unit.tables.items() if len(rows)}


#: a unit job: ("site", its manifest entry) or ("portal", its unit id)
_Job = tuple[str, Any]


def _read_unit(archive_root: str, run_id: str, job: _Job) -> _SiteRows:
    kind, arg = job
    reader = _site_unit if kind == "site" else _portal_unit
    return reader(archive_root, run_id, arg)


def _map_units(
    archive: Archive, run_id: str, jobs: list[_Job], workers: int
) -> Iterator[_SiteRows]:
    """``_read_unit`` of every job, in job order: here, or in ``workers`` processes with at
    most ``UNITS_AHEAD`` per worker done or queued ahead of the one awaited (a finished
    unit waits in memory until its turn)."""
    job = functools.partial(_read_unit, str(archive.root), run_id)
    if workers <= 1 or len(jobs) < 2:
        yield from map(job, jobs)
        return
    log.info("parse: reading %d units in %d processes", len(jobs), workers)
    # fork: the children share the parent's pages and import nothing again (spawn would
    # re-import the __main__ of an Airflow task: all of Airflow); they never touch DuckDB
    ctx = multiprocessing.get_context("fork")
    with _children_allowed(), ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        for done in submitted_ahead(lambda j: pool.submit(job, j), jobs, workers * UNITS_AHEAD):
            yield done.result()


@contextlib.contextmanager
def _children_allowed() -> Iterator[None]:
    """Let this process start the parse workers although it may be marked daemonic: an
    Airflow task run by a Celery prefork worker is (celery/celery#1709, apache/airflow#14896),
    and multiprocessing refuses children to a daemon so that none outlives it. The pool is
    shut down and joined before this block ends, so none does."""
    config: dict[str, Any] = vars(multiprocessing.current_process())["_config"]
    daemon = config.pop("daemon", None)
    try:
        yield
    finally:
        if daemon is not None:
            config["daemon"] = daemon


def _read_units(
    batch: RunBatch,
    archive: Archive,
    sites: list[dict[str, Any]],
    districts: list[DistrictRun],
    scope: set[str],
    names: dict[str, str],
    district_of: dict[str, str | None],
    workers: int = 1,
) -> list[_ReportCandidate]:
    """The rows of every sub-site unit then portal unit of the run (``names`` and
    ``district_of`` learn the sub-sites' agencies); returns the report copies found."""
    root_by_host = {s["host"]: s["agency_id"] for s in sites if not s.get("prefix")}
    candidates: list[_ReportCandidate] = []
    agencies: list[dict[str, Any]] = []
    jobs: list[_Job] = [("site", s) for s in sites]
    jobs += [("portal", d.portal_unit) for d in districts]
    owners: list[dict[str, Any] | DistrictRun] = [*sites, *districts]
    for owner, rows in zip(owners, _map_units(archive, batch.run_id, jobs, workers),
                           strict=True):
        for table, chunk in rows.tables.items():
            batch.tables[table].extend(chunk)
        if isinstance(owner, DistrictRun):
            for cand in rows.candidates:
                cand.district = owner.id if owner.id in scope else None
            candidates.extend(rows.candidates)
            continue
        if not rows.crawled:
            continue
        site, agency_id = owner, owner["agency_id"]
        name = rows.catalog_name or site.get("name") or names.get(agency_id)
        if name:
            names[agency_id] = name
        district_of[agency_id] = site.get("district_id")
        parent = root_by_host.get(site["host"]) if site.get("prefix") else None
        agencies.append(dict(
            agency_id=agency_id,
            name=name,
            site_url=site["index_url"],
            sid=rows.sid,
            parent_agency_id=parent,
            host=site["host"],
            prefix=site.get("prefix") or "",
            district_id=site.get("district_id"),
            district_name=site.get("district_name"),
        ))
        for cand in rows.candidates:
            cand.district = site.get("district_id") if site.get("district_id") in scope else None
        candidates.extend(rows.candidates)
    _add_agencies(batch, agencies)
    return candidates


def _district_runs(manifest: dict[str, Any]) -> list[DistrictRun]:
    """The districts the run discovered; a run from before districts had the one portal
    unit ``_portal``."""
    if manifest.get("districts"):
        return [DistrictRun.from_json(d) for d in manifest["districts"]]
    return [DistrictRun("", None, "_discover", "_portal", True, implicit=True)]


def _add_agencies(batch: RunBatch, agencies: list[dict[str, Any]]) -> None:
    """The agency rows; a district not named in the config is named after its root
    catalog (the site at the root of the district's portal host)."""
    root_name: dict[str, str] = {}
    for a in agencies:
        if not a["prefix"] and a["district_id"] and a["name"]:
            root_name.setdefault(a["district_id"], a["name"])
    for a in agencies:
        if a["district_name"] is None and a["district_id"]:
            a["district_name"] = root_name.get(a["district_id"])
        batch.add("agencies", **a)


_FETCH_KEYS = (
    "seq",
    "unit",
    "kind",
    "agency_id",
    "url",
    "final_url",
    "status",
    "outcome",
    "sha256",
    "bytes",
    "elapsed_ms",
    "fetched_at",
    "error",
)


def _error(batch: RunBatch, stage: str, agency_id: str | None, url: str | None, msg: str) -> None:
    batch.add(
        "run_errors", run_id=batch.run_id, stage=stage, agency_id=agency_id, url=url, message=msg
    )


def _site_rows(
    batch: RunBatch, archive: Archive, run_id: str, agency_id: str, outcome: dict[str, Any]
) -> list[_ReportCandidate]:
    """Categories, listings, list rows and content pages of one sub-site unit."""
    for e in outcome.get("errors", []):
        _error(
            batch,
            "crawl",
            agency_id,
            e.get("url"),
            f"{e.get('stage')}: {e.get('outcome')} {e.get('error') or ''}".strip(),
        )
    for c in outcome.get("categories", []):
        batch.add(
            "categories",
            agency_id=agency_id,
            category_id=c["id"],
            name=c["name"],
            parent_id=c.get("parent_id"),
            path=c.get("path"),
            is_leaf=bool(c.get("is_leaf")),
            post_count=c.get("post_count"),
            jump_url=c.get("jump_url"),
        )
    seen_at = outcome.get("started_at")
    rows_by_item: dict[int, ListRow] = {}
    for lst in outcome.get("listings", []):
        cat_id = lst["category_id"]
        seen: set[int] = set()
        last_read: ListRow | None = None  # the last row in page order
        for sha in lst.get("page_sha256s", []):
            try:
                page = parse_list_page(archive.get(sha), cat_id)
            except (ArchiveError, SiteFormatError) as e:
                _error(
                    batch,
                    "parse",
                    agency_id,
                    None,
                    f"list page {sha[:12]} of category {cat_id}: {e}",
                )
                continue
            for row in page.rows:
                last_read = row
                if row.item_id in seen:
                    continue
                seen.add(row.item_id)
                rows_by_item.setdefault(row.item_id, row)
                batch.add(
                    "list_rows",
                    run_id=run_id,
                    agency_id=agency_id,
                    seen_at=seen_at,
                    **_row_columns(row),
                )
        # An incremental listing that stopped at known rows covers the pages it read: every
        # row newer than the last row read (in page order: pinned old rows sit on top of
        # page 1, so the oldest row read is not the bound) should have been listed.
        status = {"complete": "complete", "partial": "complete"}.get(lst.get("status"), "error")
        covered_from = lst.get("oldest_published_at")
        if lst.get("status") == "partial":
            covered_from = last_read.published_at if last_read else None
        batch.add(
            "listings",
            run_id=run_id,
            agency_id=agency_id,
            category_id=cat_id,
            category_name=lst.get("category_name"),
            mode=lst.get("mode"),
            status=status,
            pages_read=lst.get("pages_read"),
            rows_seen=lst.get("rows_seen"),
            api_total=lst.get("api_total"),
            post_count=lst.get("post_count"),
            oldest_published_at=covered_from,
            error=lst.get("error") or lst.get("note"),
        )

    attachments: dict[int, list[dict[str, Any]]] = {}
    for a in outcome.get("attachments", []):
        if a.get("sha256"):
            attachments.setdefault(a["item_id"], []).append(a)
    images = _archived_images(archive, outcome, "item_id")
    candidates: list[_ReportCandidate] = []
    contents = [c for c in outcome.get("contents", []) if c.get("sha256")]
    for c, body in zip(contents, archive.read_ahead(c["sha256"] for c in contents), strict=True):
        try:
            content = parse_content_page(body.result())
        except (ArchiveError, SiteFormatError) as e:
            _error(batch, "parse", agency_id, c.get("url"), f"content page: {e}")
            continue
        batch.add(
            "item_details",
            run_id=run_id,
            agency_id=agency_id,
            item_id=c["item_id"],
            content_url=c["url"],
            sha256=c["sha256"],
            title=content.title,
            metadata=json.dumps(content.metadata, ensure_ascii=False),
        )
        item_row = rows_by_item.get(c["item_id"])
        title = (
            (item_row.title if item_row else None) or content.metadata.get("名称") or content.title
        )
        if not is_report_item(
            item_row.category_name if item_row else content.metadata.get("分类"), title
        ):
            continue
        parsed = parse_report(
            content.body_html.encode("utf-8"),
            source_format="html",
            url=c["url"],
            title=title,
            published_at=item_row.published_at if item_row else None,
            images=images.get(c["item_id"]),
        )
        cand = _ReportCandidate(
            agency_id=agency_id,
            url=c["url"],
            title=title,
            published_at=item_row.published_at if item_row else None,
            publisher=(item_row.publisher if item_row else None)
            or content.metadata.get("发布机构"),
            item_id=c["item_id"],
            parsed=parsed,
            sha256=c["sha256"],
        )
        candidates.append(
            _with_attachments(cand, archive, attachments.get(c["item_id"], [])).packed()
        )
    return candidates


def _row_columns(row: ListRow) -> dict[str, Any]:
    return {
        "item_id": row.item_id,
        "category_id": row.category_id,
        "category_name": row.category_name,
        "title": row.title,
        "item_type": row.item_type,
        "url": row.url,
        "post_url": row.post_url,
        "published_at": row.published_at,
        "written_date": row.written_date,
        "document_number": row.document_number,
        "identifier": row.identifier,
        "publisher": row.publisher,
        "is_abolished": row.is_abolished,
        "row_hash": row.row_hash,
        "attachments": json.dumps(
            [
                {"id": a.attachment_id, "name": a.name, "ext": a.ext, "size": a.size, "url": a.url}
                for a in row.attachments
            ],
            ensure_ascii=False,
        ),
    }


def _archived_images(
    archive: Archive, outcome: dict[str, Any], key: str
) -> dict[Any, dict[str, bytes]]:
    """The archived ``<img>`` bodies of the unit's report pages: page key → src → bytes."""
    out: dict[Any, dict[str, bytes]] = {}
    for im in outcome.get("images", []):
        if not im.get("sha256"):
            continue
        try:
            out.setdefault(im.get(key), {})[im["src"]] = archive.get(im["sha256"])
        except ArchiveError:
            continue
    return out


def _rank(parse_status: str, n_figures: int) -> tuple[int, int]:
    """How good a parse is: status first, then how many figures."""
    return _STATUS_RANK.get(parse_status, 0), n_figures


def _better(a: ParsedReport, b: ParsedReport) -> bool:
    """Is ``a`` a better parse than ``b``?"""
    return _rank(a.parse_status, len(a.figures)) > _rank(b.parse_status, len(b.figures))


def _with_attachments(
    cand: _ReportCandidate, archive: Archive, attachments: Iterable[dict[str, Any]]
) -> _ReportCandidate:
    """Use an attachment's parse when the page body itself states no figures."""
    if cand.parsed.parse_status == "parsed" and cand.parsed.figures:
        return cand
    for a in attachments:
        try:
            data = archive.get(a["sha256"])
        except ArchiveError:
            continue
        parsed = parse_report(data, url=a["url"], title=cand.title, published_at=cand.published_at)
        cand.extra_urls.append(a["url"])
        if _better(parsed, cand.parsed):
            note = f"parsed from attachment {a['url']}"
            parsed.parse_note = f"{parsed.parse_note}; {note}" if parsed.parse_note else note
            cand.parsed, cand.sha256 = parsed, a["sha256"]
    return cand


def _portal_candidates(
    batch: RunBatch, archive: Archive, run_id: str, outcome: dict[str, Any]
) -> list[_ReportCandidate]:
    for e in outcome.get("errors", []):
        _error(
            batch,
            "crawl",
            None,
            e.get("url"),
            f"{e.get('stage')}: {e.get('outcome')} {e.get('error') or ''}".strip(),
        )
    attachments: dict[str, list[dict[str, Any]]] = {}
    for a in outcome.get("attachments", []):
        if a.get("sha256"):
            attachments.setdefault(a["article_url"], []).append(a)
    images = _archived_images(archive, outcome, "page_url")
    out: list[_ReportCandidate] = []
    for art in outcome.get("articles", []):
        if not art.get("sha256"):
            continue
        try:
            page = parse_article(archive.get(art["sha256"]), art["url"])
        except (ArchiveError, SiteFormatError) as e:
            _error(batch, "parse", None, art["url"], f"portal article: {e}")
            continue
        parsed = parse_report(
            page.body_html.encode("utf-8"),
            source_format="html",
            url=page.url,
            title=page.title,
            published_at=page.published_at,
            images=images.get(art["url"]),
        )
        cand = _ReportCandidate(
            agency_id=None,
            url=page.url,
            title=page.title,
            published_at=page.published_at,
            publisher=None,  # 来源 names the office that posted it, not the report's author
            item_id=page.item_id,
            parsed=parsed,
            sha256=art["sha256"],
        )
        out.append(_with_attachments(cand, archive, attachments.get(art["url"], [])).packed())
    return out


# ---------------------------------------------------------------- agencies and folding


def agency_core(name: str | None) -> str:
    """The distinctive part of an agency name: 广州市白云区人民政府鹤龙街道办事处 → 鹤龙街,
    来源 "鹤龙街" → 鹤龙街, 广州市白云区教育局 → 教育局."""
    if not name:
        return ""
    s = short_agency_name(unicodedata.normalize("NFKC", name)).replace(" ", "")
    s = re.sub(r"(办事处|人民政府)$", "", s)
    s = re.sub(r"街道$", "街", s)
    return s


def resolve_agency(names: dict[str, str], *hints: str | None) -> str | None:
    """The agency whose name matches a hint (report agency, 来源, publisher, title)."""
    cores = {aid: agency_core(n) for aid, n in names.items() if n}
    for hint in hints:
        h = agency_core(hint)
        if not h:
            continue
        exact = [aid for aid, c in cores.items() if c and c == h]
        if len(exact) == 1:
            return exact[0]
        loose = [aid for aid, c in cores.items() if c and len(c) >= 2 and (c in h or h in c)]
        if len(loose) == 1:
            return loose[0]
    return None


def _norm_title(title: str | None) -> str:
    t = unicodedata.normalize("NFKC", title or "")
    return re.sub(r"[\s\W_]+", "", t)


def report_id_for(agency_key: str, year: int | None, title: str | None) -> str:
    """A stable id for a report: agency + year + normalised title (copies share it)."""
    key = f"{agency_key}|{year}|{_norm_title(title)}"
    return "r" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:15]


def _year_of(cand: _ReportCandidate) -> int | None:
    if cand.parsed.report_year:
        return cand.parsed.report_year
    m = _TITLE_YEAR.search(unicodedata.normalize("NFKC", cand.title or ""))
    return int(m.group(1)) if m else None


def _add_reports(
    batch: RunBatch,
    candidates: list[_ReportCandidate],
    names: dict[str, str],
    district_of: dict[str, str | None],
    existing: dict[str, list[str]],
) -> None:
    folded: dict[str, list[_ReportCandidate]] = {}
    owner: dict[str, str | None] = {}
    scoped = _DistrictNames(names, district_of)
    for cand in candidates:
        # who owns it: the agency its title (else its text) names, else its 发布机构, else the
        # catalog that publishes it; never a portal page's 来源 (contract §7)
        stated = resolve_agency(scoped.of(cand.district), cand.parsed.agency, cand.publisher,
                                cand.title)
        agency_id = stated or cand.agency_id
        year = _year_of(cand)
        key_agency = agency_id or agency_core(cand.parsed.agency or cand.publisher) or "?"
        if agency_id is None and cand.district:  # an unowned report of one named district
            key_agency = f"{cand.district}|{key_agency}"
        rid = report_id_for(key_agency, year, cand.title or cand.parsed.title)
        folded.setdefault(rid, []).append(cand)
        owner[rid] = agency_id
    for rid, copies in folded.items():
        best = copies[0]
        for c in copies[1:]:
            if c.rank() > best.rank():
                best = c
        # the agency's own catalog copy is the report's url, the rest are copies
        own = [c for c in copies if c.agency_id and c.agency_id == owner[rid]]
        primary = own[0] if own else copies[0]
        urls = ([primary.url] if own else []) + existing.get(rid, [])
        urls += [c.url for c in copies] + [u for c in copies for u in c.extra_urls]
        all_urls = list(dict.fromkeys(urls))
        p = best.parsed
        year = _year_of(best)
        published = min((c.published_at for c in copies if c.published_at), default=None)
        batch.add(
            "reports",
            report_id=rid,
            agency_id=owner[rid],
            report_year=year,
            title=best.title or p.title,
            url=all_urls[0],
            copies=all_urls[1:],
            published_at=published,
            template=p.template,
            source_format=p.source_format,
            parse_status=p.parse_status,
            parse_note=_owner_note(p.parse_note, owner[rid], p.agency or best.title),
            period_start=p.period_start,
            period_end=p.period_end,
            item_id=primary.item_id,
            sha256=best.sha256,
            publisher=best.publisher or p.agency,
            figures_expected=p.figures_expected,
            figures_found=p.figures_found,
        )
        batch.add(
            "report_texts",
            report_id=rid,
            sha256=best.sha256,
            content_sha256=content_sha256(p, best.sha256),
            text=p.text,
        )
        for f in best.figure_rows():
            batch.add("report_figures", report_id=rid, agency_id=owner[rid], report_year=year, **f)
        for c in copies:
            c.figures = None  # in the batch now (the best copy's), or never needed


class _DistrictNames:
    """Agency names a report's owner is looked for among: with a named district, that
    district's agencies (and those loaded before districts existed); else every agency."""

    def __init__(self, names: dict[str, str], district_of: dict[str, str | None]) -> None:
        self.names, self.district_of = names, district_of
        self._cache: dict[str | None, dict[str, str]] = {None: names}

    def of(self, district: str | None) -> dict[str, str]:
        if district not in self._cache:
            self._cache[district] = {a: n for a, n in self.names.items()
                                     if self.district_of.get(a) in (district, None)}
        return self._cache[district]


def _owner_note(note: str | None, owner: str | None, named: str | None) -> str | None:
    """The parse note, plus why a report has no owner (its agency is not a harvested one)."""
    if owner is not None:
        return note
    why = f"owner unknown: {named or 'the report names no agency'} is not a harvested agency"
    return f"{note}; {why}" if note else why


def content_sha256(parsed: ParsedReport, document_sha256: str | None) -> str | None:
    """What makes a report version: its visible text (the parser's ``content_sha256``), else
    (a document that could not be read) the archived document's own sha256."""
    return parsed.content_sha256 or document_sha256


def _known_agencies(con: Any) -> tuple[dict[str, str], dict[str, str | None]]:
    """Agencies earlier runs loaded: agency_id -> name, agency_id -> district_id."""
    if con is None:
        return {}, {}
    try:
        rows = con.execute(
            "SELECT agency_id, name, district_id FROM agencies WHERE name IS NOT NULL"
        ).fetchall()
    except Exception:  # a fresh warehouse may not have the view yet
        return {}, {}
    return {str(a): str(n) for a, n, _ in rows}, {str(a): d for a, _, d in rows}


def _existing_copies(con: Any) -> dict[str, list[str]]:
    """URLs already recorded for each report, so a later run's copy folds in, never replaces."""
    if con is None:
        return {}
    try:
        rows = con.execute("SELECT report_id, url, copies FROM annual_reports").fetchall()
    except Exception:
        return {}
    return {str(r): [u for u in [url, *(copies or [])] if u] for r, url, copies in rows}
