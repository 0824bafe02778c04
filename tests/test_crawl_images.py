"""Images of report bodies go through PoliteClient (archive, size cap, allow-list), and the
parser reads the archived bytes by OCR — against the real replica (``/images/t4_table.png``:
table 四 drawn as a picture, 3 | blank | — | 1 | 4 in 行政复议, 2 | 0 | blank | / | 2 after review)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from disclosure_etl import crawl
from disclosure_etl.archive import Archive
from disclosure_etl.models import UnitOutcome
from disclosure_etl.replica import ReplicaServer
from disclosure_etl.reports import parse_report
from disclosure_etl.reports.ocr import ocr_available
from tests.needs import need
from tests.test_http_support import fast_replica, make_client

BODY = (
    "<p>某区2023年政府信息公开工作年度报告</p><p>四、政府信息公开行政复议、行政诉讼情况</p>"
    '<p><img src="/images/t4_table.png"></p><p><img src="/images/t4_table.png"></p>'
    '<img src="http://elsewhere.example.org/t.png"><img src="/images/gone.png">'
    '<img src="/images/logo_icon.png">'
)


@pytest.fixture
def replica() -> Iterator[ReplicaServer]:
    with fast_replica() as srv:
        yield srv


def _fetch(srv: ReplicaServer, tmp_path: Path, max_bytes: int) -> tuple[dict[str, Any], Archive]:
    """The archived JSON form of a unit outcome after fetching BODY's images."""
    outcome = UnitOutcome("u", "run", "site", False)
    with make_client(srv, tmp_path) as client:
        crawl._fetch_images(client, f"{srv.base_url}/gkmlpt/content/1/1/post_1.html", BODY,
                            srv.base_url, {"item_id": 1}, outcome, max_bytes)
    return outcome.to_json(), Archive(tmp_path / "archive")


def test_body_images_are_fetched_archived_and_policed(replica: ReplicaServer, tmp_path: Path) -> None:
    outcome, archive = _fetch(replica, tmp_path, 10**6)
    by_src = {im["src"]: im for im in outcome["images"]}
    assert list(by_src) == ["/images/t4_table.png", "http://elsewhere.example.org/t.png", "/images/gone.png"]
    ok = by_src["/images/t4_table.png"]  # fetched once although shown twice; the icon is skipped
    assert ok["outcome"] == "ok" and archive.get(ok["sha256"]).startswith(b"\x89PNG")
    assert by_src["http://elsewhere.example.org/t.png"]["outcome"] == "offsite"
    assert by_src["/images/gone.png"]["outcome"] == "not_found"
    assert [e["stage"] for e in outcome["errors"]] == ["image"]  # the 404; off-site is policy


def test_body_image_over_the_size_cap_is_not_archived(replica: ReplicaServer, tmp_path: Path) -> None:
    outcome, _ = _fetch(replica, tmp_path, 1000)
    first = outcome["images"][0]
    assert first["outcome"] == "too_large" and first["sha256"] is None


def test_archived_body_image_is_read_by_ocr(replica: ReplicaServer, tmp_path: Path) -> None:
    need(ocr_available(), "needs rapidocr + onnxruntime (requirements.lock)")
    outcome, archive = _fetch(replica, tmp_path, 10**6)
    images = {im["src"]: archive.get(im["sha256"]) for im in outcome["images"] if im["sha256"]}
    r = parse_report(BODY.encode("utf-8"), source_format="html", images=images)
    got = {f.metric: f.value for f in r.figures if f.metric.startswith("t4.")}
    assert got["t4.review.upheld"] == 3 and got["t4.review.total"] == 4
    assert got["t4.review.corrected"] is None and got["t4.review.other"] is None
    assert got["t4.suit_after_review.pending"] is None and got["t4.suit_after_review.total"] == 2
    assert "image_not_archived" in (r.parse_note or "")  # the off-site and the missing image
