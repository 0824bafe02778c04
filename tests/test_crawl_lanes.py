"""How the crawl is split for Airflow: lanes keep every host whole and stay balanced, and
`crawl_sites` crawls several hosts at once, listing a failed sub-site while the others go on."""

from __future__ import annotations

from pathlib import Path

from disclosure_etl import pipeline
from disclosure_etl.config import from_dict


def _sites(counts: dict[str, int]) -> list[dict[str, str]]:
    return [
        {"agency_id": f"{host}-{i}", "host": host, "index_url": f"http://{host}/s{i}/gkmlpt/index"}
        for host, n in counts.items()
        for i in range(n)
    ]


def test_lanes_keep_each_host_in_one_lane_and_balance_sub_sites() -> None:
    counts = {f"127.0.0.1:{9000 + h}": 20 + (h % 5) * 5 for h in range(21)}
    lanes = pipeline.crawl_lanes(_sites(counts), 4)
    assert len(lanes) == 4
    for host in counts:  # a host's politeness clock lives in one process
        assert sum(any(s["host"] == host for s in lane) for lane in lanes) == 1
    assert sum(map(len, lanes)) == sum(counts.values())
    sizes = [len(lane) for lane in lanes]
    assert max(sizes) - min(sizes) <= max(counts.values())  # greedy: within one host of even


def test_fewer_hosts_than_lanes_gives_one_lane_per_host_and_one_host_one_lane() -> None:
    assert len(pipeline.crawl_lanes(_sites({"a": 3, "b": 1}), 8)) == 2
    only = pipeline.crawl_lanes(_sites({"www.by.gov.cn": 5}), 2)
    assert [[s["agency_id"] for s in lane] for lane in only] == [
        [f"www.by.gov.cn-{i}" for i in range(5)]  # discovery order kept within a host
    ]


def test_sites_by_host_ignores_the_case_of_the_host() -> None:
    groups = pipeline.sites_by_host([{"host": "WWW.BY.gov.cn"}, {"host": "www.by.gov.cn"}])
    assert list(groups) == ["www.by.gov.cn"] and len(groups["www.by.gov.cn"]) == 2


def test_crawl_sites_crawls_every_host_and_lists_the_failed_site(tmp_path: Path) -> None:
    from disclosure_etl.replica.province import ProvinceServer

    quirks = {"challenge_paths": ["/d01jd02/"], "challenge_status": 412}  # one blocked sub-site
    with ProvinceServer(
        districts=2, sites=(2, 2), root_items=(20, 30), site_items=(10, 20), quirks=quirks
    ) as prov:
        doc = prov.config_dict(min_interval_s=0.0, retries=0)
        cfg = from_dict({**doc, "data_dir": str(tmp_path)})
        run_id = pipeline.start_run(cfg)
        sites = pipeline.discover(cfg, run_id)
        outcome = pipeline.crawl_sites(cfg, run_id, sites)
    assert len(pipeline.sites_by_host(sites)) == 2
    blocked = next(s["agency_id"] for s in sites if s["prefix"] == "/d01jd02")
    assert [f.split(":")[0] for f in outcome.failed] == [blocked]
    harvested = {h["unit"] for h in outcome.harvested}
    assert harvested == {s["agency_id"] for s in sites} - {blocked}  # the others went on
    assert all(h["status"] == "ok" for h in outcome.harvested)
