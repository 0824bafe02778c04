"""Harvest one crawl unit into the archive: a gkmlpt sub-site, or the portal report columns.

A sub-site (:func:`crawl_site`): index page (``_CONFIG``: SID, TREE) → for every leaf
category the list API, page 1 first and further pages only while a page still holds a row
that is new or changed against ``known`` (to the end on a full relist) → content pages of
new/changed ``type:"normal"`` rows (``type:"url"`` rows are recorded, never fetched) →
attachments of annual-report items, keyed by attachment id, under a size cap.

The portal (:func:`crawl_report_columns`): each report column page by page
(``index.html``, ``index_2.html`` … until 404; incrementally, stop after a page whose links
are all known) → new article pages → their attachments.

Every body goes through :class:`~disclosure_etl.http.PoliteClient`, which archives it and
logs the fetch. What the unit did is returned as a typed record (``models.UnitOutcome``
with ``Listing``, ``ContentFetch``, ``AttachmentFetch``, ``ColumnListing``, ``ArticleFetch``,
``CrawlError``) and written as its *unit outcome* (``archive/runs/<run_id>/<unit>.json``,
``UnitOutcome.to_json()``; ``UnitOutcome.from_json`` reads it back)::

    {"unit", "run_id", "kind": "site", "status": "ok" | "partial" | "error",
     "started_at", "finished_at", "full_relist", "requests",
     "site": {"agency_id", "name", "index_url", "base_url", "prefix", "host", "sid",
              "service_area_id", "index_sha256"},
     "categories": [{"id", "name", "parent_id", "path", "post_count", "jump_url", "is_leaf"}],
     "listings": [{"category_id", "category_name", "mode", "status", "pages_read",
                   "rows_seen", "api_total", "post_count", "oldest_published_at", "error",
                   "page_sha256s", "url_rows", "new_rows", "changed_rows",
                   "window_limited", "note", "stop"}],
     "contents": [{"item_id", "category_id", "url", "final_url", "outcome", "sha256", "error"}],
     "attachments": [{"item_id", "attachment_id", "url", "ext", "name", "outcome", "sha256", "error"}],
     "images": [{"item_id", "page_url", "src", "url", "outcome", "sha256", "error"}],
     "errors": [{"stage", "url", "outcome", "error", …}]}

A listing's ``status`` is ``complete`` (read to the end: 404, an empty page or
``offset + rows >= total``), ``partial`` (an incremental listing stopped at a page of known,
unchanged rows: the pages it read are reliable, the rest was not read) or ``error`` (a page
failed; ``error`` says which; the pages before it were read). ``page_sha256s`` lists the
archived list pages in page order, so the parse stage can rebuild every row from the archive.
``window_limited`` marks a category whose API ``total`` is below ``classify.post_count``: the
API serves only a recent window and older items are not listed (a completeness note).
"""

from __future__ import annotations

import itertools
import logging
import re
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from disclosure_etl.config import DistrictConfig
from disclosure_etl.http import FetchResult, PoliteClient, normalize_host
from disclosure_etl.models import (
    ArticleFetch,
    AttachmentFetch,
    Category,
    ColumnListing,
    ContentFetch,
    CrawlError,
    ImageFetch,
    Listing,
    ListRow,
    UnitOutcome,
)
from disclosure_etl.progress import progress
from disclosure_etl.report_columns import report_columns
from disclosure_etl.reports.ocr_pages import image_srcs
from disclosure_etl.site import SiteFormatError
from disclosure_etl.site.gkmlpt import (
    PAGE_SIZE,
    attachment_id_from_url,
    content_url,
    index_url_for,
    list_url,
    parse_content_page,
    parse_index,
    parse_list_page,
)
from disclosure_etl.site.portal import (
    column_page_url,
    find_subsites,
    parse_article,
    parse_column_page,
)

log = logging.getLogger(__name__)

__all__ = [
    "REPORT_EXTS",
    "Discovery",
    "SiteHarvestError",
    "SiteRef",
    "crawl_report_columns",
    "crawl_site",
    "discover_sites",
    "is_report_item",
    "site_ref",
]

REPORT_EXTS = ("pdf", "doc", "docx", "xls", "xlsx")
MAX_PAGES = 100_000  # a runaway guard; a real category has a few hundred pages at most
_REPORT_TITLE_RE = re.compile(r"\d{4}\s*年.*政府信息公开.*(?:年度报告|年报)")
_INDEX_PATH_RE = re.compile(r"^(.*?)/gkmlpt/(?:index|mindex)/?$")


class SiteHarvestError(Exception):
    """A sub-site could not be harvested at all (its index page failed). Its outcome is
    written before this is raised."""


# ---------------------------------------------------------------- sites


@dataclass
class SiteRef:
    """One gkmlpt sub-site to harvest (a crawl unit named by ``agency_id``)."""

    agency_id: str
    index_url: str
    base_url: str
    prefix: str
    host: str
    name: str | None = None
    district_id: str | None = None
    district_name: str | None = None  # as configured (the parse falls back to the root site's)


@dataclass
class Discovery:
    """What one district's discovery unit found: its sub-sites, and the discover pages it
    could not read (``page_errors``: "url: outcome (error)")."""

    sites: list[SiteRef]
    page_errors: list[str] = field(default_factory=list)


def site_ref(index_url: str, name: str | None = None) -> SiteRef:
    """A ``SiteRef`` from ``…/{prefix}/gkmlpt/index``. ``agency_id`` is the prefix without
    slashes, or the host name for the district's own catalog at the root (stable, readable)."""
    p = urlsplit(index_url_for(index_url) or index_url.strip())  # policy, annualreport#… too
    m = _INDEX_PATH_RE.match(p.path)
    if p.scheme not in ("http", "https") or not p.netloc or not m:
        raise ValueError(f"not a gkmlpt index URL: {index_url!r}")
    prefix = m.group(1).rstrip("/")
    host = normalize_host(p.netloc, p.scheme)
    base = f"{p.scheme}://{host}"
    agency_id = prefix.strip("/").replace("/", "-") or host.split(":")[0]
    return SiteRef(
        agency_id=agency_id,
        index_url=f"{base}{prefix}/gkmlpt/index",
        base_url=base,
        prefix=prefix,
        host=host,
        name=name,
    )


def _site_key(ref: SiteRef) -> tuple[str, str]:
    return (ref.host, ref.prefix)


def district_site_ref(ref: SiteRef, district: DistrictConfig) -> SiteRef:
    """``ref`` as a site of ``district``. Its ``agency_id`` keeps the single-district form,
    except in a named district for a site on a non-default port (a replica or test host,
    where every district serves the same prefixes): ``<district id>.<agency id>``."""
    ref.district_id, ref.district_name = district.id, district.name
    if not district.implicit and ":" in ref.host:
        ref.agency_id = f"{district.id}.{ref.agency_id}"
    return ref


def discover_sites(client: PoliteClient, district: DistrictConfig) -> Discovery:
    """The district's configured sites plus every ``/<prefix>/gkmlpt/index`` linked from
    its ``discover`` pages (on allowed hosts), deduplicated by index URL (scheme ignored)."""
    refs: dict[tuple[str, str], SiteRef] = {}
    failed: list[str] = []
    for spec in district.sites:
        ref = site_ref(spec.url, spec.name)
        refs.setdefault(_site_key(ref), ref)
    for page in district.discover:
        res = client.get(page, kind="discover", context={"page": page})
        if not res.ok or res.body is None:
            log.warning("discover page %s: %s (%s)", page, res.outcome, res.error)
            failed.append(f"{page}: {res.outcome}" + (f" ({res.error})" if res.error else ""))
            continue
        found = 0
        for url in find_subsites(res.body, _transport_neutral(res.final_url, page)):
            if not client.is_allowed(url):
                log.debug("discover: %s is not on an allowed host; skipped", url)
                continue
            ref = site_ref(url)
            if _site_key(ref) not in refs:
                refs[_site_key(ref)] = ref
                found += 1
        log.info("discover page %s: %d new sub-sites", page, found)
    return Discovery([district_site_ref(r, district) for r in refs.values()], failed)


# ---------------------------------------------------------------- helpers


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _transport_neutral(final_url: str, requested: str) -> str:
    """``final_url`` with the requested scheme when only the http fallback changed it."""
    f, r = urlsplit(final_url), urlsplit(requested)
    if f.scheme != r.scheme and normalize_host(f.netloc, f.scheme) == normalize_host(r.netloc, r.scheme):
        return urlunsplit((r.scheme, r.netloc, f.path, f.query, ""))
    return final_url


def _on_site(url: str, base_url: str) -> str:
    """Absolute ``url``; on the site's own host it takes the site's scheme (the API often
    states ``http://`` for an https site)."""
    b = urlsplit(base_url)
    u = urlsplit(url)
    if not u.netloc:
        return urlunsplit((b.scheme, b.netloc, u.path, u.query, ""))
    if normalize_host(u.netloc, u.scheme) == normalize_host(b.netloc, b.scheme):
        return urlunsplit((b.scheme, b.netloc, u.path, u.query, ""))
    return url


def _url_key(url: str) -> str:
    p = urlsplit(url)
    return f"{normalize_host(p.netloc, p.scheme)}{p.path}" + (f"?{p.query}" if p.query else "")


def is_report_item(category_name: str | None, title: str | None) -> bool:
    """An annual-report item: its category is a 年度报告 category, or its title reads
    ``…YYYY年…政府信息公开…年度报告`` (or ``…年报``)."""
    return "年度报告" in (category_name or "") or bool(_REPORT_TITLE_RE.search(title or ""))


def _ext(url: str) -> str:
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last else ""


def _error(stage: str, res: FetchResult, **extra: Any) -> CrawlError:
    return CrawlError(stage, res.url, res.outcome, res.error, status=res.status, **extra)


def _category_dict(c: Category) -> dict[str, Any]:
    return asdict(c)


# ---------------------------------------------------------------- one sub-site


def crawl_site(
    client: PoliteClient,
    site: SiteRef,
    known: dict[int, str],
    *,
    full_relist: bool,
    max_attachment_bytes: int,
) -> UnitOutcome:
    """Harvest one sub-site (see the module docstring for the outcome it returns and writes).

    ``known`` maps item_id → row_hash of the items the warehouse already has for the site.
    Raises ``SiteHarvestError`` (after writing the outcome) when the index page cannot be
    fetched or parsed, or when every leaf listing failed.
    """
    requests_before = client.requests_sent
    ctx = {"agency_id": site.agency_id}
    outcome = UnitOutcome(
        client.unit, client.run_id, "site", bool(full_relist), started_at=_now(),
        site={**asdict(site), "sid": None, "service_area_id": None, "index_sha256": None},
    )

    def finish(status: str) -> UnitOutcome:
        outcome.status = status
        outcome.finished_at = _now()
        outcome.requests = client.requests_sent - requests_before
        client.archive.write_unit_outcome(client.run_id, client.unit, outcome.to_json())
        client.save_cache()
        return outcome

    res = client.get(site.index_url, kind="index", context=ctx, conditional=True)
    if not res.ok or res.body is None:
        outcome.errors.append(_error("index", res))
        finish("error")
        raise SiteHarvestError(f"index page {site.index_url}: {res.outcome} ({res.error})")
    outcome.site["index_sha256"] = res.sha256
    try:
        index = parse_index(res.body)
    except SiteFormatError as e:
        outcome.errors.append(CrawlError("index", site.index_url, "format", str(e), res.status))
        finish("error")
        raise SiteHarvestError(f"index page {site.index_url}: {e}") from e
    outcome.site.update(
        sid=index.sid, service_area_id=index.service_area_id, name=site.name or index.name
    )
    outcome.categories = [_category_dict(c) for c in index.categories]
    leaves = index.leaves
    log.info("%s: SID %s, %d categories, %d leaves (%s)", site.agency_id, index.sid,
             len(index.categories), len(leaves), "full relist" if full_relist else "incremental")

    # ---- listings: the leaves side by side (each pages on in order), then the details
    with ThreadPoolExecutor(max_workers=max(1, client.cfg.concurrency)) as pool:
        listed = list(pool.map(
            lambda cat: _list_category(client, site, index.sid, cat, known, full_relist, ctx),
            leaves,
        ))
    todo: dict[int, ListRow] = {}  # new or changed rows, first category wins
    for cat, (listing, failure, rows) in zip(leaves, listed, strict=True):
        outcome.listings.append(listing)
        if failure is not None:
            outcome.errors.append(CrawlError("list", failure.failed_url, failure.failed_outcome, listing.error,
                                             category_id=cat.id))
        for row in rows:
            if known.get(row.item_id) != row.row_hash and row.item_id not in todo:
                todo[row.item_id] = row
    n_url = sum(1 for r in todo.values() if r.item_type != "normal")
    log.info("%s: %d new or changed rows (%d url rows, never fetched)", site.agency_id,
             len(todo), n_url)

    # ---- content pages and report attachments, all queued at once
    _fetch_contents(client, site, [r for r in todo.values() if r.item_type == "normal"],
                    outcome, max_attachment_bytes)

    listings = outcome.listings
    if leaves and all(x.status == "error" for x in listings):
        finish("error")
        raise SiteHarvestError(f"{site.agency_id}: every category listing failed")
    status = "ok" if not outcome.errors else "partial"
    finish(status)
    log.info("%s: %s — %d listings, %d content pages, %d attachments, %d requests, %d errors",
             site.agency_id, status, len(listings), len(outcome.contents),
             len(outcome.attachments), outcome.requests, len(outcome.errors))
    return outcome


# ---------------------------------------------------------------- the one paginator


@dataclass
class PageRead:
    """What one archived page of a listing held, as its reader saw it."""

    entries: int  # rows or links on the page (0: an empty page ends the listing)
    fresh: int  # entries new or changed against what the warehouse knows
    at_end: bool = False  # the page says it is the last (gkmlpt ``offset + rows >= total``)
    repeats_only: bool = False  # every entry was on an earlier page: the API ignores paging


@dataclass
class Paging:
    """How a listing's paging ended (``status`` as in the module docstring)."""

    status: str = "error"
    stop: str | None = None
    error: str | None = None
    pages_read: int = 0
    page_sha256s: list[str] = field(default_factory=list)
    failed_url: str | None = None
    failed_outcome: str | None = None

    def failure(self) -> Paging | None:
        """This paging when it failed (``failed_url``, ``failed_outcome``), else None."""
        return self if self.status == "error" else None


def paginate(
    client: PoliteClient,
    page_url: Callable[[int], str],
    kind: str,
    context: dict[str, Any],
    read: Callable[[bytes, str], PageRead],
    *,
    full_relist: bool,
) -> Paging:
    """Page one listing (a gkmlpt category or a portal column) from page 1.

    Stops at a 404 after page 1, an empty page, a page that says it is the last, or —
    incrementally — after a page with nothing new or changed. A failed fetch, an
    unreadable page (``read`` raises ``SiteFormatError``) or a page of repeats is an error."""
    pg = Paging()
    n = 1
    while True:
        url = page_url(n)
        res = client.get(url, kind=kind, context={**context, "page": n}, conditional=True)
        if res.outcome == "not_found" and n > 1:
            pg.status, pg.stop = "complete", "404"
            return pg
        if res.outcome == "not_found":
            return _failed(pg, url, res.outcome, f"page 1 not found (HTTP {res.status})")
        if not res.ok or res.body is None or res.sha256 is None:
            return _failed(pg, url, res.outcome, f"page {n}: {res.outcome} ({res.error})")
        try:
            page = read(res.body, url)
        except SiteFormatError as e:
            return _failed(pg, url, "format", f"page {n}: {e}")
        pg.pages_read += 1
        pg.page_sha256s.append(res.sha256)
        if not page.entries:
            pg.status, pg.stop = "complete", "empty"
            return pg
        if page.at_end:
            pg.status, pg.stop = "complete", "total"
            return pg
        if page.repeats_only:
            return _failed(pg, url, "format", f"page {n} repeats earlier rows only: the API ignores paging")
        if not full_relist and not page.fresh:
            pg.status, pg.stop = "partial", "known"
            return pg
        if n >= MAX_PAGES:
            return _failed(pg, url, "format", f"stopped after {MAX_PAGES} pages")
        n += 1


def _failed(pg: Paging, url: str, outcome: str, error: str) -> Paging:
    pg.status, pg.error, pg.failed_url, pg.failed_outcome = "error", error, url, outcome
    return pg


def _list_category(
    client: PoliteClient,
    site: SiteRef,
    sid: str,
    cat: Category,
    known: dict[int, str],
    full_relist: bool,
    ctx: dict[str, Any],
) -> tuple[Listing, Paging | None, list[ListRow]]:
    """List one leaf category (contract §7, site_protocol §4.5): its listing record, the
    error record when it failed, and its rows in page order."""
    rec = Listing(cat.id, cat.name, cat.path, "full" if full_relist else "incremental",
                  post_count=cat.post_count)
    rows: list[ListRow] = []
    seen: set[int] = set()
    page = 0

    def read(body: bytes, url: str) -> PageRead:
        nonlocal page
        lp = parse_list_page(body, cat.id)
        page += 1
        if lp.total is not None:
            rec.api_total = lp.total
        if lp.post_count is not None:
            rec.post_count = lp.post_count
        if lp.category_id != cat.id and rec.note is None:
            rec.note = f"classify.id {lp.category_id} != requested {cat.id}: the tree may have changed"
        fresh = added = 0
        for row in lp.rows:
            if row.item_id in seen:
                continue
            seen.add(row.item_id)
            added += 1
            rows.append(row)
            rec.url_rows += row.item_type == "url"
            prev = known.get(row.item_id)
            rec.new_rows += prev is None
            rec.changed_rows += prev is not None and prev != row.row_hash
            fresh += prev != row.row_hash
        offset = lp.offset if lp.offset is not None else (page - 1) * PAGE_SIZE
        at_end = offset + len(lp.rows) >= lp.total if lp.total is not None else len(lp.rows) < PAGE_SIZE
        return PageRead(len(lp.rows), fresh, at_end, repeats_only=bool(lp.rows) and not added)

    pg = paginate(
        client, lambda n: list_url(site.base_url, site.prefix, cat.id, n, sid), "list",
        {**ctx, "category_id": cat.id}, read, full_relist=full_relist,
    )
    rec.status, rec.stop, rec.error = pg.status, pg.stop, pg.error
    rec.pages_read, rec.page_sha256s, rec.rows_seen = pg.pages_read, pg.page_sha256s, len(seen)
    if pg.error and pg.error.startswith("page 1 not found"):
        rec.error = "page 1 not found (HTTP 404): the category may be gone"
    dates = [r.published_at for r in rows if r.published_at]
    rec.oldest_published_at = min(dates).isoformat(sep=" ") if dates else None
    total, nominal = rec.api_total, rec.post_count
    if total is not None and nominal is not None and total < nominal:
        rec.window_limited = True
        window = (
            f"listing window: the API serves {total} of {nominal} items (classify.post_count);"
            " older items are not listed"
        )
        rec.note = f"{rec.note}; {window}" if rec.note else window
    return rec, pg.failure(), rows


#: content pages queued ahead of the one being recorded (the client's workers keep busy;
#: memory holds this many jobs and bodies per sub-site, whatever its size)
CONTENT_AHEAD = 512


def _content_target(site: SiteRef, row: ListRow) -> str:
    """The row's own ``url`` (it knows ``mpost_`` and other prefixes), on the site's scheme;
    computed from the id when the row states none."""
    if row.url and urlsplit(row.url).netloc:
        return _on_site(row.url, site.base_url)
    return content_url(site.base_url, site.prefix, row.item_id)


def _fetch_contents(
    client: PoliteClient,
    site: SiteRef,
    rows: list[ListRow],
    outcome: UnitOutcome,
    max_attachment_bytes: int,
) -> None:
    """Keep ``CONTENT_AHEAD`` content pages queued ahead; record them in row order; then
    the attachments of the report items among them (keyed by attachment id). A page's
    future is dropped once recorded, so a 30,000-item catalog holds a window of bodies and
    jobs, never all of them (a lane crawls a dozen such catalogs at once)."""
    targets = ((r, _content_target(site, r)) for r in rows)
    queued: deque[tuple[ListRow, str, Future[FetchResult]]] = deque()

    def top_up() -> None:
        for row, url in itertools.islice(targets, CONTENT_AHEAD - len(queued)):
            queued.append((row, url, client.submit(url, kind="content", context=_item_ctx(site, row))))

    top_up()
    attachments: list[tuple[ListRow, int, str, str, str, Future[FetchResult]]] = []
    with progress(f"{site.agency_id}: content pages", total=len(rows)) as bar:
        while queued:
            row, url, fut = queued.popleft()
            top_up()
            res = fut.result()
            del fut
            bar.advance()
            outcome.contents.append(ContentFetch(
                row.item_id, row.category_id, url, res.final_url, res.outcome,
                res.sha256 if res.ok else None, res.error if not res.ok else None,
            ))
            if not res.ok and res.outcome != "offsite":  # a row hosted elsewhere is policy
                outcome.errors.append(_error("content", res, item_id=row.item_id))
            if not is_report_item(row.category_name, row.title):
                continue
            wanted, body_html = _report_attachments(site, row, url, res)
            if body_html is not None:
                _fetch_images(client, url, body_html, site.base_url, _item_ctx(site, row), outcome,
                              max_attachment_bytes)
            for aid, (aurl, ext, name) in wanted.items():
                fut_a = client.submit(aurl, kind="attachment", max_bytes=max_attachment_bytes,
                                      conditional=True,
                                      context={**_item_ctx(site, row), "attachment_id": aid})
                attachments.append((row, aid, aurl, ext, name, fut_a))
    while attachments:
        row, aid, aurl, ext, name, fut_a = attachments.pop(0)
        ares = fut_a.result()
        del fut_a
        outcome.attachments.append(AttachmentFetch(
            row.item_id, aid, aurl, ext, ares.outcome, ares.sha256 if ares.ok else None,
            ares.error if not ares.ok else None, name=name,
        ))
        if not ares.ok:
            outcome.errors.append(_error("attachment", ares, item_id=row.item_id, attachment_id=aid))


def _item_ctx(site: SiteRef, row: ListRow) -> dict[str, Any]:
    return {"agency_id": site.agency_id, "item_id": row.item_id, "category_id": row.category_id}


def _report_attachments(
    site: SiteRef, row: ListRow, url: str, res: FetchResult
) -> tuple[dict[int, tuple[str, str, str]], str | None]:
    """attachment id -> (url, ext, name) of a report item, from its API row and its page;
    and the page's body HTML (None when the page could not be read)."""
    wanted: dict[int, tuple[str, str, str]] = {}
    for a in row.attachments:
        ext = (a.ext or _ext(a.url)).lower()
        if ext in REPORT_EXTS:
            wanted.setdefault(a.attachment_id, (_on_site(a.url, site.base_url), ext, a.name))
    if res.ok and res.body is not None:
        try:
            page = parse_content_page(res.body)
        except SiteFormatError:
            page = None
        for link in page.attachment_urls if page else ():
            absolute = _on_site(urljoin(url, link), site.base_url)
            aid = attachment_id_from_url(absolute)
            ext = _ext(absolute)
            if aid is not None and ext in REPORT_EXTS:
                wanted.setdefault(aid, (absolute, ext, ""))
    return wanted, page.body_html if page else None


def _fetch_images(
    client: PoliteClient,
    page_url: str,
    body_html: str,
    base_url: str,
    ctx: dict[str, Any],
    outcome: UnitOutcome,
    max_bytes: int,
) -> None:
    """Archive the ``<img>`` of a report body (tables published as images, read by OCR at
    parse time). Same client, size cap and allow-list as every other fetch."""
    seen: set[str] = set()
    for src in image_srcs(body_html):
        iurl = _on_site(urljoin(page_url, src), base_url)
        if iurl in seen:
            continue
        seen.add(iurl)
        res = client.get(iurl, kind="image", max_bytes=max_bytes, conditional=True,
                         context={**ctx, "src": src})
        outcome.images.append(ImageFetch(
            ctx.get("item_id"), page_url, src, iurl, res.outcome,
            res.sha256 if res.ok else None, res.error if not res.ok else None,
        ))
        if not res.ok and res.outcome != "offsite":
            outcome.errors.append(_error("image", res, page_url=page_url))


# ---------------------------------------------------------------- portal report columns


def crawl_report_columns(
    client: PoliteClient,
    district: DistrictConfig,
    known_urls: set[str],
    *,
    full_relist: bool,
) -> UnitOutcome:
    """Harvest a district's portal report columns (``report_columns``) into the archive.

    Pages each column (``index.html``, ``index_2.html`` … until 404; the same paginator as
    the catalog); incrementally it stops after a page whose links are all in ``known_urls``.
    New article pages are queued as their links are read, then recorded with their
    attachments. Returns (and writes) the unit outcome (``kind`` portal: ``columns``,
    ``articles``, ``attachments``, ``errors``).
    """
    requests_before = client.requests_sent
    max_bytes = int(district.http.max_response_mb * 1024 * 1024)
    known = {_url_key(u) for u in known_urls}
    done: set[str] = set()
    outcome = UnitOutcome(client.unit, client.run_id, "portal", bool(full_relist), started_at=_now())
    articles: list[tuple[str, str, Future[FetchResult]]] = []
    for col in report_columns(client, district):
        column = col.url
        rec = ColumnListing(column, "full" if full_relist else "incremental", discovered=col.discovered)
        outcome.columns.append(rec)

        def read(body: bytes, url: str, rec: ColumnListing = rec, column: str = column) -> PageRead:
            links = parse_column_page(body, url)
            rec.links_seen += len(links)
            if rec.discovered:  # only the reports of a column found by its link text
                links = [link for link in links if is_report_item(None, link.title)]
            fresh = [link for link in links if _url_key(link.url) not in known]
            rec.new_links += len(fresh)
            for link in fresh:
                if _url_key(link.url) not in done:
                    done.add(_url_key(link.url))
                    aurl = _on_site(link.url, column)
                    articles.append((column, aurl, client.submit(
                        aurl, kind="article", context={"column": column})))
            return PageRead(len(links), len(fresh))

        pg = paginate(client, lambda n, column=column: column_page_url(column, n), "column",  # type: ignore[misc]
                      {"column": column}, read, full_relist=full_relist)
        rec.status, rec.stop, rec.error = pg.status, pg.stop, pg.error
        rec.pages_read, rec.page_sha256s = pg.pages_read, pg.page_sha256s
        if pg.error and pg.error.startswith("page 1 not found"):
            if col.discovered:  # a 年报 link that is not a column: not an error
                rec.status, rec.stop, rec.error = "not_a_column", "404", None
                continue
            rec.error = "column page 1 not found (HTTP 404)"
        if (failed := pg.failure()) is not None:
            outcome.errors.append(CrawlError("column", failed.failed_url, failed.failed_outcome, rec.error))
    _record_articles(client, articles, outcome, max_bytes)
    cols = outcome.columns
    if cols and all(c.status in ("error", "not_a_column") for c in cols) and any(
        c.status == "error" for c in cols
    ):
        outcome.status = "error"
    else:
        outcome.status = "ok" if not outcome.errors else "partial"
    outcome.finished_at = _now()
    outcome.requests = client.requests_sent - requests_before
    client.archive.write_unit_outcome(client.run_id, client.unit, outcome.to_json())
    client.save_cache()
    log.info("report columns: %s — %d columns, %d articles, %d attachments, %d requests",
             outcome.status, len(cols), len(outcome.articles), len(outcome.attachments),
             outcome.requests)
    return outcome


def _record_articles(
    client: PoliteClient,
    articles: list[tuple[str, str, Future[FetchResult]]],
    outcome: UnitOutcome,
    max_bytes: int,
) -> None:
    """Record the queued article pages in order; queue and record their attachments."""
    pending: list[tuple[AttachmentFetch, Future[FetchResult]]] = []
    for column, url, fut in articles:
        res = fut.result()
        rec = ArticleFetch(url, column, res.outcome, res.sha256 if res.ok else None,
                           res.error if not res.ok else None)
        outcome.articles.append(rec)
        if not res.ok or res.body is None:
            outcome.errors.append(_error("article", res))
            continue
        try:
            art = parse_article(res.body, url)
        except SiteFormatError as e:
            rec.error = str(e)
            outcome.errors.append(CrawlError("article", url, "format", str(e)))
            continue
        rec.item_id, rec.title, rec.source = art.item_id, art.title, art.source
        rec.published_at = art.published_at.isoformat(sep=" ") if art.published_at else None
        _fetch_images(client, url, art.body_html, url, {"item_id": art.item_id}, outcome, max_bytes)
        seen: set[str] = set()
        for link in art.attachment_urls:
            aurl = _on_site(link, url)
            ext = _ext(aurl)
            aid = attachment_id_from_url(aurl)
            key = str(aid) if aid is not None else _url_key(aurl)
            if ext not in REPORT_EXTS or key in seen:
                continue
            seen.add(key)
            att = AttachmentFetch(art.item_id, aid, aurl, ext, "queued", None, None, article_url=url)
            pending.append((att, client.submit(aurl, kind="attachment", max_bytes=max_bytes,
                                               conditional=True,
                                               context={"item_id": art.item_id, "attachment_id": aid})))
    for att, fut in pending:
        ares = fut.result()
        att.outcome, att.sha256 = ares.outcome, ares.sha256 if ares.ok else None
        att.error = ares.error if not ares.ok else None
        outcome.attachments.append(att)
        if not ares.ok:
            outcome.errors.append(_error("attachment", ares, article_url=att.article_url))
