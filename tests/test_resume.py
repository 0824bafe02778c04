"""A crawl killed with SIGKILL resumes in the next run: what it archived is re-used, not
fetched again, and the warehouse ends as an uninterrupted run leaves it.

The crawl runs as a real ``disclosure-etl crawl`` subprocess against the replica server on
127.0.0.1; it is killed once enough content pages are in its fetch logs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import pytest
import yaml

from disclosure_etl import pipeline
from disclosure_etl.archive import Archive
from disclosure_etl.config import Config, from_dict
from disclosure_etl.replica import ReplicaServer

KILL_AFTER_CONTENT_PAGES = 1200
TABLES = {
    "posted_items": "item_id, agency_id, category_id, category_name, title, item_type, url, "
    "published_at, written_date, document_number, identifier, publisher, is_abolished, "
    "withdrawn_at IS NULL",
    "annual_reports": "report_id, agency_id, report_year, title, url, list_sort(copies), "
    "published_at, template, source_format, parse_status, parse_note",
    "report_figures": "report_id, agency_id, report_year, metric, value, unit, is_blank, approx, "
    "source_excerpt",
    "reconciliation": "agency_id, report_year, scope, reported, posted, difference, status, note",
}


def _settings(base: str, data: Path) -> dict[str, Any]:
    return {
        "discover": [f"{base}/"],
        "report_columns": [f"{base}/zwgk/qzfxxgknb/zj/", f"{base}/zwgk/qzfxxgknb/bm/"],
        "http": {"min_interval_s": 0.002, "retries": 4, "backoff_base_s": 0.02,
                 "concurrency": 4},
        "data_dir": str(data),
        "warehouse": str(data / "warehouse.duckdb"),
    }


def _content_lines(archive_root: Path) -> int:
    n = 0
    for log in archive_root.glob("runs/*/*.jsonl"):
        with open(log, encoding="utf-8") as fh:
            n += sum(1 for line in fh if '"kind":"content"' in line)
    return n


def _crawl_cmd(config: Path) -> list[str]:
    return [sys.executable, "-m", "disclosure_etl.cli", "crawl", "--config", str(config)]


def _rows(cfg: Config) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        return {t: sorted(con.execute(f"SELECT {cols} FROM {t}").fetchall(), key=repr)
                for t, cols in TABLES.items()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def site() -> Any:
    with ReplicaServer(scenario="default", quirks={"latency_s": 0.003}) as srv:
        yield srv


def test_sigkilled_crawl_resumes_reusing_what_it_archived(site: ReplicaServer, tmp_path: Path) -> None:
    data = tmp_path / "killed"
    settings = _settings(site.base_url, data)
    config = tmp_path / "disclosure.yaml"
    config.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    cfg = from_dict(settings)

    proc = subprocess.Popen(_crawl_cmd(config), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 300
    while _content_lines(data / "archive") < KILL_AFTER_CONTENT_PAGES:
        assert proc.poll() is None, "the crawl ended before it could be killed"
        assert time.monotonic() < deadline, "the crawl made no progress"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    archive = Archive(data / "archive")
    (killed_run,) = archive.runs()
    assert not (archive.read_run_manifest(killed_run) or {}).get("crawled")
    first = {r["url"] for r in archive.iter_fetches(killed_run)
             if r["kind"] == "content" and r["outcome"] == "ok"}
    assert len(first) >= KILL_AFTER_CONTENT_PAGES * 0.9

    site.clear_log()
    done = subprocess.run(_crawl_cmd(config), capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert archive.runs() == [killed_run]  # the next run carried the killed one on
    assert (archive.read_run_manifest(killed_run) or {}).get("status") == "success"
    first_paths = {urlsplit(u).path for u in first}
    again = [r for r in site.request_log if r.path in first_paths]
    share = len({r.path for r in again}) / len(first)
    print(json.dumps({"first_attempt_content_pages": len(first), "fetched_again": len(again),
                      "share": round(share, 4)}))
    assert share <= 0.05

    pipeline.parse(cfg)
    clean_cfg = from_dict(_settings(site.base_url, tmp_path / "clean"))
    pipeline.crawl(clean_cfg)
    pipeline.parse(clean_cfg)
    resumed, clean = _rows(cfg), _rows(clean_cfg)
    assert all(clean[t] for t in ("posted_items", "annual_reports", "report_figures"))
    for table in TABLES:
        assert resumed[table] == clean[table], table


def test_a_run_killed_during_its_parse_is_loaded_before_the_next_crawl(
    site: ReplicaServer, tmp_path: Path
) -> None:
    cfg = from_dict(_settings(site.base_url, tmp_path / "data"))
    first = pipeline.crawl(cfg)["run_id"]  # crawled; the parse never happened (killed)
    assert pipeline.unloaded_runs(cfg) == [first]
    site.clear_log()
    pipeline.run(cfg)
    assert [r.path for r in site.request_log if "/content/" in r.path] == []
    assert pipeline.unloaded_runs(cfg) == []
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (2,)
    finally:
        con.close()
