"""Which portal columns list annual reports: the configured ones plus those discovered.

A portal page of ``discover`` links to a department's own report column (e.g. a
``…/zfxxgkgzndbg/`` column outside both configured ones) with a text holding 年度报告 or
年报. :func:`report_columns` returns the configured columns first, then every such link
found on the discover pages, on an allowed host only (contract §3: hosts not named by
``sites``, ``discover`` or ``report_columns`` are never fetched). A discovered column is
paged like a configured one; a link that turns out not to be a column (page 1 is 404) is
recorded as such, not as an error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from disclosure_etl.config import DistrictConfig
from disclosure_etl.http import PoliteClient, normalize_host
from disclosure_etl.site.portal import column_page_url, find_report_columns

log = logging.getLogger(__name__)

__all__ = ["ReportColumn", "column_key", "report_columns"]


@dataclass(frozen=True)
class ReportColumn:
    """One portal column to page through."""

    url: str
    discovered: bool  # found on a discover page (not named by ``report_columns``)


def column_key(url: str) -> str:
    """A column's identity: host (scheme-neutral) + the path of its first page."""
    p = urlsplit(column_page_url(url, 1))
    return normalize_host(p.netloc, p.scheme) + p.path


def report_columns(client: PoliteClient, cfg: DistrictConfig) -> list[ReportColumn]:
    """A district's configured report columns, then the ones its discover pages link to."""
    out = {column_key(u): ReportColumn(u, False) for u in cfg.report_columns}
    for page in cfg.discover:
        res = client.get(page, kind="discover", context={"page": page}, conditional=True)
        if not res.ok or res.body is None:
            log.warning("report columns: discover page %s: %s (%s)", page, res.outcome, res.error)
            continue
        for url in find_report_columns(res.body, page):
            if not client.is_allowed(url):
                log.info("report columns: %s is not on an allowed host; skipped", url)
                continue
            out.setdefault(column_key(url), ReportColumn(url, True))
    found = sum(1 for c in out.values() if c.discovered)
    if found:
        log.info("report columns: %d discovered beside the %d configured", found, len(cfg.report_columns))
    return list(out.values())
