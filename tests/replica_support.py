"""Helpers for the replica tests: a tiny, honest gkmlpt client over real HTTP."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import requests

BJ = timezone(timedelta(hours=8))
UA = "Mozilla/5.0 (X11; Linux x86_64) replica-tests"


def session() -> requests.Session:
    s = requests.Session()
    s.headers["User-Agent"] = UA
    return s


def get(s: requests.Session, url: str, retries: int = 8, **kw: Any) -> requests.Response:
    """GET with retries on 429/5xx and broken connections (honours Retry-After)."""
    last: Exception | None = None
    for _ in range(retries):
        try:
            r = s.get(url, timeout=10, **kw)
        except requests.RequestException as exc:  # truncated body, reset
            last = exc
            continue
        if r.status_code == 429:
            time.sleep(float(r.headers.get("Retry-After", "1")))
            continue
        if r.status_code >= 500:
            continue
        return r
    raise AssertionError(f"no success after {retries} tries: {url} ({last})")


def parse_config(html: str) -> tuple[str, list[dict[str, Any]]]:
    """(SID, TREE) from a gkmlpt page, the way site_protocol.md §3.1 says crawlers do it."""
    m = re.search(r"SID:\s*'(\d+)'", html)
    assert m, "no single-quoted SID"
    start = html.index("TREE:") + len("TREE:")
    depth = 0
    for i in range(start, len(html)):
        ch = html[i]
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return m.group(1), json.loads(html[start : i + 1])
    raise AssertionError("TREE not closed")


def leaves(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Leaf selection of site_protocol.md §3.1."""
    out: list[dict[str, Any]] = []
    for n in tree:
        if n.get("jump_url"):
            continue
        sub = leaves(n.get("children", []))
        out += sub or [n]
    return out


def list_all(s: requests.Session, base: str, prefix: str, cat: int, sid: str) -> list[dict[str, Any]]:
    """Every row the API serves for a category (paging loop of §4.5)."""
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        r = get(s, f"{base}{prefix}/gkmlpt/api/all/{cat}?page={page}&sid={sid}")
        if r.status_code == 404:
            break
        d = r.json()
        rows += d["articles"]
        if not d["articles"] or d["offset"] + len(d["articles"]) >= d["total"]:
            break
        page += 1
    return rows


def site_rows(s: requests.Session, base: str, prefix: str) -> dict[int, dict[str, Any]]:
    """All rows of a sub-site, over its leaf categories."""
    idx = get(s, f"{base}{prefix}/gkmlpt/index")
    sid, tree = parse_config(idx.content.decode("utf-8"))
    out: dict[int, dict[str, Any]] = {}
    for leaf in leaves(tree):
        for row in list_all(s, base, prefix, leaf["id"], sid):
            out[row["id"]] = row
    return out


def bj_year(ts: int) -> int:
    return datetime.fromtimestamp(ts, BJ).year
