"""``disclosure-etl probe URL``: one page of each kind from a new district, every parser run on it.

The first command an operator runs against a district the project has never seen. Through
:class:`~disclosure_etl.http.PoliteClient` (robots.txt, the per-host interval, an allow-list
of the URL's host only) it fetches, in this order:

``portal`` the URL's portal page (the URL itself, or ``/`` of its host for a gkmlpt URL) →
``index`` a gkmlpt index (the URL's own, else the first sub-site the portal links) →
``list`` page 1 of the list API (all categories, else the first leaf) → ``content`` a
content page (a row with attachments first) → ``attachment`` one attachment of it →
``column`` page 1 of a report column (linked from the portal by its 年度报告/年报 text, else
the Baiyun layout) → ``report`` the newest report of that column (its attachment when the
page itself states no figures).

Each page is run through its parser (``site.gkmlpt``, ``site.portal``, ``reports``) and
reported as :class:`PageProbe`: parsed or not, the fields found and the fields missing. A kind
is *parsed* when it was fetched, its parser accepted it and every required field was found.
The responses are saved as a recorded scenario (:mod:`disclosure_etl.replica.recorded`), so
``disclosure-etl replica serve --scenario DIR`` replays them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from disclosure_etl.archive import Archive
from disclosure_etl.config import HttpConfig
from disclosure_etl.http import FetchResult, PoliteClient, normalize_host
from disclosure_etl.models import ListRow
from disclosure_etl.replica.recorded import ScenarioRecorder
from disclosure_etl.site import SiteFormatError
from disclosure_etl.site.gkmlpt import (
    METADATA_LABELS,
    index_url_for,
    list_url,
    parse_content_page,
    parse_index,
    parse_list_page,
)
from disclosure_etl.site.portal import (
    column_page_url,
    find_report_columns,
    find_subsites,
    parse_article,
    parse_column_page,
)

__all__ = ["KINDS", "PageProbe", "ProbeResult", "probe"]

KINDS = ("portal", "index", "list", "content", "attachment", "column", "report")
#: file signatures of the attachment types a report comes in
_MAGIC = {"pdf": (b"%PDF",), "docx": (b"PK",), "xlsx": (b"PK",), "zip": (b"PK",),
          "doc": (b"\xd0\xcf\x11\xe0",), "xls": (b"\xd0\xcf\x11\xe0",), "ofd": (b"PK",)}
_REPORT_EXTS = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "ofd")
MAX_COLUMN_TRIES = 3  # linked report columns tried before the column kind is given up


@dataclass
class PageProbe:
    """What the probe found for one page kind."""

    kind: str
    url: str | None = None
    status: int | None = None
    outcome: str = "not fetched"
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    required: tuple[str, ...] = ()
    error: str | None = None

    @property
    def parsed(self) -> bool:
        return self.error is None and not any(f in self.missing for f in self.required)

    def check(self, name: str, ok: Any, required: bool = False) -> None:
        """Record field ``name`` as found (truthy ``ok``) or missing."""
        (self.found if ok else self.missing).append(name)
        if required:
            self.required += (name,)


@dataclass
class ProbeResult:
    url: str
    host: str
    pages: list[PageProbe]
    scenario_dir: Path | None

    @property
    def ok(self) -> bool:
        return all(p.parsed for p in self.pages)


class _Prober:
    """One probe: a client, a recorder and the page probes gathered so far."""

    def __init__(self, client: PoliteClient, recorder: ScenarioRecorder | None) -> None:
        self.client = client
        self.recorder = recorder
        self.pages: dict[str, PageProbe] = {k: PageProbe(k) for k in KINDS}

    def fetch(self, kind: str, url: str, fetch_kind: str, **kw: Any) -> FetchResult | None:
        """Fetch ``url`` for page kind ``kind``; None (with the error recorded) unless ok."""
        page = self.pages[kind]
        page.url = url
        res = self.client.get(url, kind=fetch_kind, context={"probe": kind}, **kw)
        page.status, page.outcome = res.status, res.outcome
        if self.recorder is not None:
            self.recorder.add(res, kind)
        if not res.ok or res.body is None:
            page.error = f"{res.outcome}: {res.error or res.status}"
            return None
        return res

    def fail(self, kind: str, why: str) -> None:
        self.pages[kind].error = why


def probe(url: str, out_dir: Path | None = None, http: HttpConfig | None = None) -> ProbeResult:
    """Probe a district from ``url`` (a portal page or any gkmlpt entry view); save the
    responses as a recorded scenario in ``out_dir`` when given."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = normalize_host(parts.netloc, parts.scheme)
    origin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    recorder = ScenarioRecorder(origin) if out_dir is not None else None
    with tempfile.TemporaryDirectory(prefix="probe-") as tmp:
        archive = Archive(Path(tmp))
        with PoliteClient(http or HttpConfig(), frozenset({host}), archive, "probe", "_probe") as client:
            p = _Prober(client, recorder)
            robots = client.get(origin + "/robots.txt", kind="robots")
            if recorder is not None and robots.status is not None:
                recorder.add(robots, "robots")
            _run(p, url, origin)
    if recorder is not None and out_dir is not None:
        recorder.save(out_dir)
    return ProbeResult(url, host, list(p.pages.values()), out_dir)


def _run(p: _Prober, url: str, origin: str) -> None:
    given_index = index_url_for(url)
    portal_url = origin + "/" if given_index else url
    subsites, columns = _probe_portal(p, portal_url)
    index_url = given_index or next(iter(subsites), None)
    rows = _probe_index_and_list(p, index_url) if index_url else []
    if not index_url:
        p.fail("index", "no gkmlpt index: the portal links none")
        p.fail("list", "no gkmlpt index to list")
    attachment = _probe_content(p, rows, origin)
    _probe_attachment(p, attachment)
    # the first of the linked columns that lists articles (a 年报 link may be a search page)
    for column in (columns or [origin + "/zwgk/qzfxxgknb/zj/"])[:MAX_COLUMN_TRIES]:
        p.pages["column"], p.pages["report"] = PageProbe("column"), PageProbe("report")
        if _probe_column_and_report(p, column):
            break


def _probe_portal(p: _Prober, url: str) -> tuple[list[str], list[str]]:
    page = p.pages["portal"]
    res = p.fetch("portal", url, "discover")
    if res is None or res.body is None:
        return [], []
    linked = find_subsites(res.body, url)
    subsites = [u for u in linked if p.client.is_allowed(u)]
    columns = [u for u in find_report_columns(res.body, url) if p.client.is_allowed(u)]
    page.check(f"sub-site links ({len(subsites)})", subsites, required=True)
    page.check(f"report column links ({len(columns)})", columns)
    if len(linked) > len(subsites):
        page.found.append(f"{len(linked) - len(subsites)} sub-site links on other hosts (not probed)")
    return subsites, columns


def _probe_index_and_list(p: _Prober, index_url: str) -> list[ListRow]:
    res = p.fetch("index", index_url, "index")
    if res is None or res.body is None:
        p.fail("list", "the index failed")
        return []
    page = p.pages["index"]
    try:
        index = parse_index(res.body)
    except SiteFormatError as e:
        page.error = f"parse_index: {e}"
        p.fail("list", "the index failed")
        return []
    page.check(f"SID {index.sid}", index.sid, required=True)
    page.check(f"TREE ({len(index.categories)} nodes)", index.categories, required=True)
    page.check(f"leaves ({len(index.leaves)})", index.leaves, required=True)
    page.check("site name", index.name)
    page.check("年度报告 category", any("年度报告" in c.name for c in index.leaves))
    ref = urlsplit(index_url)
    base = urlunsplit((ref.scheme, ref.netloc, "", "", ""))
    prefix = ref.path.rsplit("/gkmlpt/", 1)[0]
    rows = _probe_list(p, list_url(base, prefix, 0, 1, index.sid), 0)
    if rows is None and index.leaves:  # some deployments may not serve category 0
        p.pages["list"].error = None
        rows = _probe_list(p, list_url(base, prefix, index.leaves[0].id, 1, index.sid),
                           index.leaves[0].id)
    return rows or []


def _probe_list(p: _Prober, url: str, category_id: int) -> list[ListRow] | None:
    res = p.fetch("list", url, "list")
    if res is None or res.body is None:
        return None
    page = p.pages["list"]
    page.found.clear()
    page.missing.clear()
    try:
        lp = parse_list_page(res.body, category_id)
    except SiteFormatError as e:
        page.error = f"parse_list_page: {e}"
        return None
    rows = list(lp.rows)
    fields: list[tuple[str, Callable[[ListRow], Any], bool]] = [
        ("id", lambda r: r.item_id, True), ("title", lambda r: r.title, True),
        ("url", lambda r: r.url, True), ("publish time", lambda r: r.published_at, False),
        ("written date", lambda r: r.written_date, False), ("publisher", lambda r: r.publisher, False),
        ("identifier", lambda r: r.identifier, False), ("attachments", lambda r: r.attachments, False),
    ]
    page.check(f"rows ({len(rows)})", rows, required=True)
    page.check(f"total {lp.total}", lp.total is not None)
    for name, get, required in fields:
        page.check(name, any(get(r) for r in rows), required)
    return rows


def _probe_content(p: _Prober, rows: list[ListRow], origin: str) -> str | None:
    """Fetch one content page (a normal row with attachments first); its first attachment URL."""
    normal = [r for r in rows if r.item_type == "normal" and r.url]
    if not normal:
        p.fail("content", "no normal row with a content URL on the list page")
        return None
    row = next((r for r in normal if r.attachments), normal[0])
    url = _same_origin(row.url, origin)
    res = p.fetch("content", url, "content")
    if res is None or res.body is None:
        return _same_origin(row.attachments[0].url, origin) if row.attachments else None
    page = p.pages["content"]
    try:
        content = parse_content_page(res.body)
    except SiteFormatError as e:
        page.error = f"parse_content_page: {e}"
        return None
    page.check("title", content.title, required=True)
    page.check("body (DETAIL.content)", content.body_html.strip(), required=True)
    for label in METADATA_LABELS:
        page.check(label, content.metadata.get(label))
    page.check(f"attachment links ({len(content.attachment_urls)})", content.attachment_urls)
    links = [urljoin(url, a) for a in content.attachment_urls]
    links += [a.url for a in row.attachments]
    return _same_origin(links[0], origin) if links else None


def _probe_attachment(p: _Prober, url: str | None) -> None:
    if url is None:
        p.fail("attachment", "no attachment linked from the list row or the content page")
        return
    res = p.fetch("attachment", url, "attachment")
    if res is None or res.body is None:
        return
    page = p.pages["attachment"]
    ext = _ext(url)
    page.check(f"{len(res.body)} bytes", res.body, required=True)
    page.check(f"extension {ext or '?'}", ext)
    page.check(f"content-type {res.headers.get('content-type', '?')}", res.headers.get("content-type"))
    magic = _MAGIC.get(ext)
    if magic is not None:
        page.check(f"{ext} signature", res.body.startswith(magic), required=True)


def _probe_column_and_report(p: _Prober, column: str) -> bool:
    """Probe a report column and its newest report; whether the column listed articles."""
    url = column_page_url(column, 1)
    res = p.fetch("column", url, "column")
    if res is None or res.body is None:
        p.fail("report", "the report column failed")
        return False
    page = p.pages["column"]
    try:
        links = parse_column_page(res.body, url)
    except SiteFormatError as e:
        page.error = f"parse_column_page: {e}"
        links = []
    page.check(f"article links ({len(links)})", links, required=True)
    page.check("titles", any(link.title for link in links))
    page.check("dates", any(link.date for link in links))
    if not links:
        p.fail("report", "the report column links no article")
        return False
    _probe_report(p, links[0].url)
    return True


def _probe_report(p: _Prober, url: str) -> None:
    from disclosure_etl.reports import parse_report

    res = p.fetch("report", url, "article")
    if res is None or res.body is None:
        return
    page = p.pages["report"]
    try:
        art = parse_article(res.body, url)
    except SiteFormatError as e:
        page.error = f"parse_article: {e}"
        return
    page.check("title", art.title, required=True)
    page.check("发布时间", art.published_at)
    page.check("来源", art.source)
    parsed = parse_report(art.body_html.encode("utf-8"), source_format="html", url=url,
                          title=art.title, published_at=art.published_at)
    files = [a for a in art.attachment_urls if _ext(a) in _REPORT_EXTS]
    if not parsed.figures and files:
        ares = p.client.get(files[0], kind="attachment", context={"probe": "report"})
        if p.recorder is not None:
            p.recorder.add(ares, "report")
        if ares.ok and ares.body is not None:
            parsed = parse_report(ares.body, url=files[0], title=art.title, published_at=art.published_at)
            page.found.append(f"from {_ext(files[0])} attachment")
    page.check(f"report year {parsed.report_year}", parsed.report_year, required=True)
    page.check(f"agency {parsed.agency}", parsed.agency)
    page.check(f"template {parsed.template}", parsed.template)
    page.check(f"figures ({len(parsed.figures)})", parsed.figures, required=True)
    page.check(f"parse_status {parsed.parse_status}", parsed.parse_status in ("parsed", "partial"),
               required=True)


def _ext(url: str) -> str:
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last else ""


def _same_origin(url: str, origin: str) -> str:
    """``url`` on the probed origin's scheme when it names the same host (the API often says
    ``http://`` for an https site)."""
    u, o = urlsplit(url), urlsplit(origin)
    if not u.netloc:
        return urljoin(origin + "/", url)
    if normalize_host(u.netloc, u.scheme) == normalize_host(o.netloc, o.scheme):
        return urlunsplit((o.scheme, o.netloc, u.path, u.query, ""))
    return url


def print_table(result: ProbeResult) -> None:
    """The probe's table (rich): page kind, path, status, parsed, fields found and missing."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"probe of {result.host}")
    for col in ("page kind", "path", "status", "parsed", "found", "missing"):
        table.add_column(col, overflow="fold")
    for page in result.pages:
        path = _key_path(page.url) if page.url else "-"
        missing = ", ".join(page.missing) + (f" [{page.error}]" if page.error else "")
        table.add_row(page.kind, path, str(page.status or page.outcome), "yes" if page.parsed else "NO",
                      ", ".join(page.found), missing.strip())
    Console(width=max(160, Console().width), markup=False).print(table)


def _key_path(url: str) -> str:
    p = urlsplit(url)
    return (p.path or "/") + (f"?{p.query}" if p.query else "")
