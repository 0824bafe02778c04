"""Scenarios and quirk flags of the replica (site_protocol.md §11.2).

Quirk flags 1–14 are on by default; fault flags are off except in scenario ``faults``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

#: Quirks of site_protocol.md §11.2 (1–14, on by default) and fault injection (15, off).
DEFAULT_QUIRKS: dict[str, Any] = {
    # 1. _CONFIG is a JS literal (unquoted keys, 'SID', keys after TREE); off: strict JSON
    "config_js_literal": True,
    # 2. TREE holds jump nodes (their id answers 404); off: no jump nodes in TREE
    "jump_nodes": True,
    # 3. page=0 is page 1; off: page=0 answers 404
    "page_zero_is_one": True,
    # 4. past the last page: 404 with an HTML body; off: 200 JSON with articles []
    "past_end_404": True,
    # 5. listing window (total < post_count on one district category); off: total = post_count
    "listing_window": True,
    # 6. sid may be missing or wrong; off: missing/wrong sid answers `sid_strict_status`
    "sid_optional": True,
    "sid_strict_status": 400,
    # 7. one row with created_at != create_time and one with date = 0; off: both normal
    "time_oddities": True,
    # 8. type "url" rows pointing off-site; off: those rows are "normal" with a content page
    "url_rows": True,
    # 9. `url` uses http:// even when the request came over https (X-Forwarded-Proto);
    #    `post_url` points to the portal copy for reports
    "http_scheme_urls": True,
    # 10. mirrored rows use mpost_ URLs (different id than the original); off: post_ URLs
    "mpost_copies": True,
    # 11. attachment size as a string; one attachment under "{prefix}/attachment/…";
    #     off: size is an int and every attachment is linked at the root
    "attachment_quirks": True,
    # 12. DETAIL strings escape < > " & as \\u003C… and DETAIL sits right before TREE;
    #     off: plain JSON strings and TREE before DETAIL
    "detail_escapes": True,
    # 13. the metadata table is the first <table> of a content page; off: a layout table first
    "metadata_table_first": True,
    # 14. Content-Type: text/html without charset on HTML pages; off: "; charset=utf-8"
    "no_charset": True,
    # 15. pinned-looking old rows on top of the district's 其他 listing; off: plain date order
    "pinned_rows": True,
    # ---- real-site layouts seen in stored copies of gkmlpt and portal pages (off by default)
    # some rows carry only `date` (成文日期, their publish day): no display_publish_time,
    # create_time or created_at
    "date_only_rows": False,
    # attachment `type` is the short one ("doc" for a .docx file, "xls" for .xlsx)
    "attachment_type_short": False,
    # the portal links sub-sites through other catalog views (policy, annualreport#cat,
    # search?type=…, mindex) instead of /gkmlpt/index
    "entry_views": False,
    # 区教育局's reports sit in a department's own column /gzjg/qwbgs/zfxxgkgzndbg/ (linked from
    # the portal home as …年度报告), not in the bm column, beside the report of a department
    # with no catalog (render.UNLISTED_DEPARTMENT); plus a 年报 link that is not a column
    "department_column": False,
    # every portal article's 来源 names the office that posted it (白云区人民政府), not the author
    "poster_source": False,
    # ---- faults (off by default)
    "fail_rate": 0.0,  # fraction of requests answered 502 (deterministic; attempt >= 3 succeeds)
    "burst_429": 0,  # every Nth request answers 429 with Retry-After: 1 (0 = off)
    "rate_limit_rps": 0.0,  # requests a second (token bucket, 1 s burst); beyond: 429 (0 = off)
    "latency_s": 0.0,  # every answer waits this long before it is sent
    "slow_s": 0.0,  # some responses (1 in 4, deterministic) are delayed by up to this many seconds
    "truncate_once": False,  # one list/content response sends half its declared body, then closes
    "ua_reset": False,  # reset the TCP connection when the User-Agent lacks "Mozilla"
    "challenge_paths": [],  # path prefixes answered with a Jiasule-style JS challenge page
    "challenge_status": 200,  # status of challenge answers (200, 412 or 521)
    "offsite_redirect_paths": [],  # path prefixes answered 302 to http://offsite.invalid/…
    "oversize_paths": [],  # path prefixes answered with an oversize body
    # list API paths answered 200 with no rows (articles [], total 0): a silent redesign
    "empty_list_paths": [],
    "oversize_mb": 3,
}


@dataclass(frozen=True)
class Scenario:
    """A named state of the replica: which items exist, what day it is, default quirks."""

    name: str
    items: str  # item state: "default" or "day2"
    today: date
    quirks: dict[str, Any] = field(default_factory=dict)
    description: str = ""


SCENARIOS: dict[str, Scenario] = {
    "default": Scenario("default", "default", date(2026, 11, 26), {}, "the district on 2026-11-26"),
    "day2": Scenario(
        "day2", "day2", date(2026, 11, 27), {},
        "default plus a day: 4 new items, 3 edited titles, 2 withdrawn items",
    ),
    "faults": Scenario(
        "faults", "default", date(2026, 11, 26),
        {"fail_rate": 0.2, "burst_429": 9, "slow_s": 0.3, "truncate_once": True},
        "the default world with 502s, 429 bursts, slow responses and one truncated body",
    ),
}


def check_quirks(flags: dict[str, Any]) -> None:
    """Raise ValueError naming the first unknown flag."""
    for k in flags:
        if k not in DEFAULT_QUIRKS:
            raise ValueError(f"unknown replica quirk: {k}")
