"""The raw archive on real files in tmp_path."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from pathlib import Path

import pytest

from disclosure_etl.archive import Archive, ArchiveError


def test_put_is_content_addressed_gzip_and_idempotent(tmp_path: Path) -> None:
    a = Archive(tmp_path / "archive")
    body = "政府信息公开".encode() * 100
    sha = a.put(body)
    assert sha == hashlib.sha256(body).hexdigest()
    path = tmp_path / "archive" / "objects" / sha[:2] / f"{sha}.gz"
    assert gzip.decompress(path.read_bytes()) == body
    mtime = path.stat().st_mtime_ns
    assert a.put(body) == sha
    assert path.stat().st_mtime_ns == mtime  # not rewritten
    assert a.get(sha) == body
    assert not list(path.parent.glob(".*tmp"))  # no temp files left behind


def test_get_missing_object_raises(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    with pytest.raises(ArchiveError):
        a.get("0" * 64)
    with pytest.raises(ArchiveError):
        a.get("../../etc/passwd")


def test_empty_body(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    assert a.get(a.put(b"")) == b""


def test_fetch_log_appends_flushed_lines_and_continues_seq(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    w = a.fetch_log("r1", "gzbyjy")
    w.write({"kind": "index", "url": "u1"})
    # flushed per line: readable while the writer is still open
    assert [r["seq"] for r in a.iter_fetches("r1", "gzbyjy")] == [1]
    w.write({"kind": "list", "url": "u2"})
    w.close()
    with a.fetch_log("r1", "gzbyjy") as w2:
        rec = w2.write({"kind": "list", "url": "u3"})
    assert rec["seq"] == 3 and rec["run_id"] == "r1" and rec["unit"] == "gzbyjy"
    assert [r["url"] for r in a.iter_fetches("r1", "gzbyjy")] == ["u1", "u2", "u3"]


def test_fetch_log_is_thread_safe(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    with a.fetch_log("r1", "u") as w:
        threads = [
            threading.Thread(target=lambda: [w.write({"i": i}) for i in range(200)])
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    seqs = [r["seq"] for r in a.iter_fetches("r1", "u")]
    assert sorted(seqs) == list(range(1, 801))


def test_iter_fetches_skips_a_torn_last_line_and_spans_units(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    with a.fetch_log("r1", "a") as w:
        w.write({"url": "x"})
    with a.fetch_log("r1", "b") as w:
        w.write({"url": "y"})
    with open(a.fetch_log_path("r1", "b"), "a", encoding="utf-8") as fh:
        fh.write('{"url": "tor')
    assert [r["url"] for r in a.iter_fetches("r1")] == ["x", "y"]


def test_outcomes_and_manifest_round_trip(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    assert a.read_unit_outcome("r1", "gzbyjy") is None
    assert a.read_run_manifest("r1") is None
    a.write_unit_outcome("r1", "gzbyjy", {"status": "ok", "名称": "教育局"})
    a.write_run_manifest("r1", {"run_id": "r1", "sites": []})
    assert a.read_unit_outcome("r1", "gzbyjy") == {"status": "ok", "名称": "教育局"}
    assert a.read_run_manifest("r1") == {"run_id": "r1", "sites": []}
    raw = (a.run_dir("r1") / "gzbyjy.json").read_text(encoding="utf-8")
    assert json.loads(raw)["名称"] == "教育局"


def test_runs_oldest_first(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    for rid in ("20261127T020000Z-bbbbbb", "20261126T020000Z-aaaaaa", "zzz-manual"):
        a.write_run_manifest(rid, {"run_id": rid})
    # creation order, not name order
    assert a.runs() == ["20261127T020000Z-bbbbbb", "20261126T020000Z-aaaaaa", "zzz-manual"]


def test_unit_names_are_checked(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    for bad in ("../x", "a/b", "", "run"):
        with pytest.raises(ArchiveError):
            a.fetch_log("r1", bad)


def test_http_cache_round_trip(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    assert a.load_http_cache("_portal") == {}
    a.save_http_cache("_portal", {"http://h/x": {"etag": '"1"', "sha256": "ab"}})
    assert a.load_http_cache("_portal")["http://h/x"]["etag"] == '"1"'
    assert (tmp_path / "http_cache" / "_portal.json").exists()


def test_read_ahead_yields_each_body_in_order_and_a_missing_one_raises_in_its_place(
    tmp_path: Path,
) -> None:
    archive = Archive(tmp_path)
    bodies = [f"page {i}".encode() * (i + 1) for i in range(200)]
    shas = [archive.put(b) for b in bodies]
    missing = "0" * 64
    order = [*shas[:100], missing, *shas[100:]]
    got: list[bytes | str] = []
    for fut in archive.read_ahead(order, ahead=8, threads=3):
        try:
            got.append(fut.result())
        except ArchiveError as e:
            got.append(str(e))
    assert got[:100] == bodies[:100] and got[101:] == bodies[100:]
    assert got[100] == f"object not in archive: {missing}"
