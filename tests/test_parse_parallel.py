"""A large run's sub-site units are read in worker processes and its rows spill to Parquet
(``parse.build_batch``): the batch, and the warehouse loaded from it, are the ones a single
in-memory build gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from disclosure_etl import config, pipeline
from disclosure_etl import warehouse as wh
from disclosure_etl.parse import build_batch
from disclosure_etl.replica.province import ProvinceServer


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The config (as a mapping) of a crawled two-district replica province."""
    data = tmp_path_factory.mktemp("parallel") / "data"
    with ProvinceServer(districts=2, sites=(3, 4), log_limit=0) as prov:
        doc = prov.config_dict(min_interval_s=0.0)
        doc.update(data_dir=str(data), warehouse=str(data / "warehouse.duckdb"))
        pipeline.crawl(config.from_dict(doc))
    return doc


def test_parallel_spilled_batch_equals_the_serial_in_memory_batch(
    crawled: dict[str, Any], tmp_path: Path
) -> None:
    archive = pipeline.archive_for(config.from_dict(crawled))
    run_id = archive.runs()[-1]
    serial = build_batch(archive, run_id, workers=1)
    parallel = build_batch(archive, run_id, workers=2, spill_dir=tmp_path, parallel_from=0)
    assert len(serial.tables["list_rows"]) > 500 and len(serial.tables["reports"]) > 10
    assert sorted(p.name for p in tmp_path.iterdir())  # something spilled
    for name, rows in serial.tables.items():
        assert parallel.tables[name].to_arrow().equals(rows.to_arrow()), name


def test_parse_spills_beside_the_warehouse_and_leaves_nothing_behind(
    crawled: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``pipeline.parse`` with workers and every table spilled to Parquet (small chunks, so
    each file holds many row groups; DuckDB reads them) loads exactly what a serial build
    loaded from Arrow in memory (chunks never full, nothing written); no spill directory is
    left behind."""
    import disclosure_etl.parse as parse_mod
    from disclosure_etl import models

    monkeypatch.setattr(parse_mod, "PARALLEL_FROM_FETCHES", 0)
    loaded = {}
    for workers, chunk in ((2, 50), (1, 10**9)):
        monkeypatch.setattr(models, "BATCH_CHUNK_ROWS", chunk)
        cfg = config.from_dict({**crawled, "parse_workers": workers})
        pipeline.parse(cfg, rebuild=True)
        con = wh.connect(Path(cfg.warehouse))
        loaded[workers] = {t: con.execute(
            f"SELECT count(*), md5(string_agg(x::VARCHAR, '|' ORDER BY x::VARCHAR)) "
            f"FROM (SELECT t AS x FROM core.{t} t)").fetchone()
            for t in ("items", "item_details", "reports", "report_figures", "fetches",
                      "listings", "categories", "report_texts")}
        con.close()
        leftovers = [p.name for p in Path(cfg.warehouse).parent.iterdir()
                     if p.name.startswith(".parse-")]
        assert leftovers == []
    assert loaded[2] == loaded[1] and loaded[1]["items"][0] > 500


def _parse_in_child(doc: dict[str, Any], out: Any) -> None:
    import disclosure_etl.parse as parse_mod

    parse_mod.PARALLEL_FROM_FETCHES = 0
    result = pipeline.parse(config.from_dict({**doc, "parse_workers": 2}), rebuild=True)
    out.put(len(result["loaded"]))


def test_parse_workers_start_from_a_daemonic_process(crawled: dict[str, Any]) -> None:
    """A Celery prefork worker runs the Airflow task in a daemonic process, which
    multiprocessing refuses children: the parse still reads the units in its workers."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    proc = ctx.Process(target=_parse_in_child, args=(crawled, out), daemon=True)
    proc.start()
    proc.join(timeout=300)
    assert proc.exitcode == 0
    assert out.get(timeout=5) == 1  # the one crawled run, loaded
