"""The Disclosure plugin on a real api-server: behind Airflow's login, read-only over the
published snapshot, with the chart and the findings."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.airflow.conftest import ADMIN

pytestmark = [pytest.mark.airflow, pytest.mark.slow]


def _token(base: str) -> str:
    req = urllib.request.Request(
        f"{base}/auth/token",
        data=json.dumps({"username": ADMIN[0], "password": ADMIN[1]}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return str(json.load(resp)["access_token"])


def _get(url: str, token: str | None = None, accept: str = "*/*") -> tuple[int, str]:
    headers = {"Accept": accept}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def test_disclosure_page_requires_an_airflow_login(api_server: str) -> None:
    status, _ = _get(f"{api_server}/disclosure/")
    assert status == 401
    status, _ = _get(f"{api_server}/disclosure/api/snapshot")
    assert status == 401


def test_disclosure_page_shows_runs_chart_and_findings(api_server: str) -> None:
    token = _token(api_server)
    status, html = _get(f"{api_server}/disclosure/", token)
    assert status == 200
    assert '<svg class="chart"' in html and 'data-reported="216"' in html
    assert "id='runs'" in html and "id='findings'" in html
    status, body = _get(f"{api_server}/disclosure/api/snapshot", token)
    snap = json.loads(body)
    assert snap["exists"] and snap["runs"], "no run in the published snapshot"
    hl = [r for r in snap["reconciliation"] if "鹤龙街道" in r["name"] and r["report_year"] == 2017]
    assert [(r["reported"], r["posted"], r["status"]) for r in hl] == [(216, 216, "match")]
    assert all(f["message"] for f in snap["findings"])


def test_plugin_registers_the_nav_entry(api_server: str) -> None:
    status, body = _get(f"{api_server}/api/v2/plugins", _token(api_server))
    assert status == 200
    views = [v for p in json.loads(body)["plugins"] for v in p["external_views"]]
    assert {"name": "Disclosure", "destination": "nav"}.items() <= views[0].items()


def test_disclosure_page_ranks_agencies_with_year_and_district_filters(api_server: str) -> None:
    token = _token(api_server)
    status, html = _get(f"{api_server}/disclosure/?year=2021", token)
    assert status == 200
    assert "<table id='ranking' data-year='2021'" in html and "<form id='filter'" in html
    assert html.count("<tr data-agency=") == 5  # the replica's five agencies, one row each
    status, html = _get(f"{api_server}/disclosure/?district=nowhere&year=2021", token)
    assert status == 200
    assert "id='ranking-empty'" in html and "data-check=" not in html  # findings filtered too
    status, body = _get(f"{api_server}/disclosure/api/snapshot", token)
    rows = json.loads(body)["scorecard"]
    keys = [(r["agency_id"], r["report_year"]) for r in rows]
    assert keys and len(keys) == len(set(keys))
