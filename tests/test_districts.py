"""Several districts in one config (issue #13), end to end over real HTTP: replica servers as
districts → pipeline.run → the published DuckDB file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from disclosure_etl import pipeline
from disclosure_etl.config import Config, from_dict
from disclosure_etl.replica import ReplicaServer
from tests.conftest import replica_config
from tests.test_cli import cli

HTTP = {"min_interval_s": 0, "retries": 4, "backoff_base_s": 0.05}
UA_B = "Mozilla/5.0 (X11; Linux x86_64) disclosure-etl district-b"


def district(did: str, srv: ReplicaServer, **extra: Any) -> dict[str, Any]:
    b = srv.base_url
    return {"id": did, "discover": [f"{b}/"],
            "report_columns": [f"{b}/zwgk/qzfxxgknb/zj/", f"{b}/zwgk/qzfxxgknb/bm/"], **extra}


def districts_config(data: Path, *entries: dict[str, Any]) -> Config:
    return from_dict({"http": HTTP, "data_dir": str(data), "warehouse": str(data / "wh.duckdb"),
                      "districts": list(entries)}, source=str(data / "disclosure.yaml"))


def q(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, ReplicaServer]]:
    blocked = {"challenge_paths": ["/"], "challenge_status": 521}  # every path: a WAF challenge
    with ReplicaServer() as a, ReplicaServer() as b, ReplicaServer(quirks=blocked) as c:
        yield {"a": a, "b": b, "c": c}


@pytest.fixture(scope="module")
def single(servers: dict[str, ReplicaServer], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The old single-district config on replica a."""
    cfg = replica_config(servers["a"].base_url, tmp_path_factory.mktemp("single"))
    return Path(pipeline.run(cfg)["published"])


@pytest.fixture(scope="module")
def two(servers: dict[str, ReplicaServer], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Districts a (named) and b (own category map and user agent) in one run."""
    data = tmp_path_factory.mktemp("two")
    (data / "b_map.yaml").write_text("其他: [其他]\n", encoding="utf-8")  # nothing else mapped
    cfg = districts_config(
        data, district("a", servers["a"], name="甲区"),
        district("b", servers["b"], category_map="b_map.yaml", http={"user_agent": UA_B}),
    )
    servers["b"].clear_log()
    result = pipeline.run(cfg)
    return {"cfg": cfg, "result": result, "path": Path(result["published"]),
            "b_log": servers["b"].request_log}


def test_agencies_carry_their_district_and_unique_ids(two: dict[str, Any], single: Path) -> None:
    plain = {a for (a,) in q(single, "SELECT agency_id FROM agencies")}
    rows = q(two["path"], "SELECT district_id, agency_id, district_name FROM agencies")
    for did in ("a", "b"):  # replica hosts have a port: ids are qualified by the district
        assert {a for d, a, _ in rows if d == did} == {f"{did}.{a}" for a in plain}
    root_name = q(single, "SELECT name FROM agencies WHERE prefix = ''")[0][0]
    assert {(d, n) for d, _, n in rows} == {("a", "甲区"), ("b", root_name)}
    # the old config: one implicit district named after its portal host, ids as before
    assert set(q(single, "SELECT district_id, district_name FROM agencies")) == {
        ("127.0.0.1", root_name)}


def test_each_district_has_its_own_crawl_units_and_http_settings(two: dict[str, Any]) -> None:
    cfg: Config = two["cfg"]
    units = set(pipeline.archive_for(cfg).units(two["result"]["crawl"]["run_id"]))
    assert {"_discover.a", "_portal.a", "_discover.b", "_portal.b"} <= units
    assert not units & {"_discover", "_portal"}
    assert two["result"]["crawl"]["status"] == "success"
    agents = {r.user_agent for r in two["b_log"]}
    assert agents == {UA_B}  # district b's http override reached every unit that fetched from b


def test_reports_are_owned_within_their_district(two: dict[str, Any], servers: dict[str, Any]) -> None:
    rows = q(two["path"], "SELECT a.district_id, r.url FROM annual_reports r "
                          "JOIN agencies a USING (agency_id)")
    assert q(two["path"], "SELECT count(*) FROM annual_reports WHERE agency_id IS NULL") == [(0,)]
    for did, url in rows:
        assert url.startswith(servers[did].base_url + "/"), (did, url)


def test_a_district_reconciles_like_a_single_district_run(two: dict[str, Any], single: Path) -> None:
    cols = "agency_id, report_year, scope, reported, posted, status"
    before = q(single, f"SELECT {cols} FROM reconciliation ORDER BY 1, 2, 3")
    after = q(two["path"], f"SELECT {cols} FROM reconciliation WHERE district_id = 'a' ORDER BY 1, 2, 3")
    assert before and after == [(f"a.{r[0]}", *r[1:]) for r in before]


def test_a_district_reconciles_with_its_own_category_map(two: dict[str, Any]) -> None:
    rows = q(two["path"], "SELECT district_id, substr(agency_id, 3), report_year, status, note "
                          "FROM reconciliation WHERE scope = '部门文件'")
    a = {r[1:3]: r[3] for r in rows if r[0] == "a"}
    b = {r[1:3]: (r[3], r[4]) for r in rows if r[0] == "b"}
    assert a.keys() == b.keys() and all(s != "not_comparable" for s in a.values())
    # b's map has no 部门文件 entry: only a catalog category of that very name counts; an
    # agency whose catalog calls it otherwise (工作文件, 规范性文件 …) is not comparable
    differ = [b[k] for k in a if b[k][0] != a[k]]
    assert differ and all(
        s == "not_comparable" and n.startswith("no category mapping for 部门文件") for s, n in differ
    )


def test_run_level_parse_health_is_one_row_per_district(two: dict[str, Any], single: Path) -> None:
    sql = ("SELECT status, json_extract_string(sample, '$.district_id'), message "
           "FROM latest_check_results WHERE check_id = 'report.parse_health' AND agency_id IS NULL")
    rows = q(two["path"], sql)
    assert sorted(r[1] for r in rows) == ["a", "b"]
    assert all(r[2].startswith(f"District {r[1]}: ") for r in rows)
    (one,) = q(single, sql)  # one district: the one run-level row, without a district
    assert one[1] is None and not one[2].startswith("District")


def test_status_and_findings_filter_by_district(two: dict[str, Any]) -> None:
    path = str(two["path"])
    p = cli("status", "--warehouse", path, "--district", "b")
    assert p.returncode == 0, p.stderr
    sites = p.stdout.split("items per site:")[1].split("open findings")[0]
    assert "district: b" in p.stdout and "b.gzbyjy" in sites and "a.gzbyjy" not in sites
    findings = p.stdout.split("open findings")[1].splitlines()[2:]  # after the header row
    assert findings and all(line.split()[2].startswith("b.") or line.startswith("  …")
                            for line in findings), findings
    p = cli("findings", "--warehouse", path, "--district", "a", "--json")
    assert p.returncode == 0, p.stderr
    found = [json.loads(line) for line in p.stdout.splitlines()]
    assert found and {f["district_id"] for f in found} == {"a"}
    total = q(two["path"], "SELECT count(*) FROM findings WHERE district_id = 'a'")[0][0]
    assert len(found) == total


def test_a_blocked_district_fails_alone(
    servers: dict[str, ReplicaServer], tmp_path_factory: pytest.TempPathFactory
) -> None:
    data = tmp_path_factory.mktemp("blocked")
    cfg = districts_config(data, district("a", servers["a"]),
                           district("c", servers["c"], http={"retries": 0}))
    with pytest.raises(pipeline.PipelineError, match="could not harvest: _discover.c, _portal.c"):
        pipeline.run(cfg)
    run_id = pipeline.archive_for(cfg).runs()[-1]
    manifest = pipeline.archive_for(cfg).read_run_manifest(run_id) or {}
    assert manifest["status"] == "partial"
    assert manifest["failed_by_district"] == {"a": [], "c": ["_discover.c", "_portal.c"]}
    wh = cfg.published_path  # published all the same: a was harvested and loaded
    assert {d for (d,) in q(wh, "SELECT DISTINCT district_id FROM agencies")} == {"a"}
    assert q(wh, "SELECT count(*) FROM annual_reports")[0][0] > 0
    assert q(wh, "SELECT status FROM runs") == [("partial",)]
    (why,) = q(wh, "SELECT message FROM run_errors WHERE stage = 'discover'")
    assert why[0].startswith("district c: ") and "blocked" in why[0]


def test_no_district_with_a_site_is_a_pipeline_error(
    servers: dict[str, ReplicaServer], tmp_path: Path
) -> None:
    cfg = districts_config(tmp_path, district("c", servers["c"], http={"retries": 0}),
                           {"id": "d", "discover": ["http://127.0.0.1:9/"], "http": {"retries": 0}})
    run_id = pipeline.start_run(cfg)
    with pytest.raises(pipeline.PipelineError, match="no sub-site found") as e:
        pipeline.discover(cfg, run_id)
    assert "c: " in str(e.value) and "d: " in str(e.value)


def test_agency_ids_on_real_hosts_stay_single_district_ids_unless_taken(tmp_path: Path) -> None:
    """Default ports (real sites): the single-district ids; a prefix another district's site
    already has is qualified by the later district; a sub-site listed by two districts stays
    the first one's. (Explicit ``sites`` only: nothing is fetched.)"""
    x, y = "https://www.x.gov.cn", "https://www.y.gov.cn"
    cfg = districts_config(
        tmp_path,
        {"id": "x", "sites": [f"{x}/gkmlpt/index", f"{x}/gzxjy/gkmlpt/index", f"{x}/jtj/gkmlpt/index"]},
        {"id": "y", "sites": [f"{y}/gkmlpt/index", f"{y}/gzyjy/gkmlpt/index", f"{y}/jtj/gkmlpt/index",
                              f"{x}/gzxjy/gkmlpt/index"]},
    )
    sites = pipeline.discover(cfg, pipeline.start_run(cfg))
    assert sorted((s["district_id"], s["agency_id"]) for s in sites) == [
        ("x", "gzxjy"), ("x", "jtj"), ("x", "www.x.gov.cn"),
        ("y", "gzyjy"), ("y", "www.y.gov.cn"), ("y", "y.jtj"),
    ]
