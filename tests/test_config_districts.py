"""config.py: the ``districts:`` list (contract §3 / issue #13) and the implicit district."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from disclosure_etl.config import BUILTIN_CATEGORY_MAP, ConfigError, from_dict, load


def two_districts(**extra: Any) -> dict[str, Any]:
    return {
        "http": {"min_interval_s": 3.0, "retries": 2},
        "districts": [
            {"id": "baiyun", "name": "广州市白云区", "discover": ["https://www.by.gov.cn/"],
             "report_columns": ["https://www.by.gov.cn/zwgk/qzfxxgknb/zj/"],
             "http": {"min_interval_s": 0.5}},
            {"id": "tianhe", "sites": [{"url": "https://www.thnet.gov.cn/gzthjy/gkmlpt/index"}],
             "category_map": "th_map.yaml"},
        ],
        **extra,
    }


def test_an_old_config_is_one_implicit_district_named_after_its_portal_host() -> None:
    cfg = from_dict({"discover": ["https://www.by.gov.cn/"], "http": {"retries": 1}})
    (d,) = cfg.districts
    assert (d.id, d.name, d.implicit) == ("by.gov.cn", None, True)
    assert d.discover == ("https://www.by.gov.cn/",) and d.http.retries == 1
    assert (d.discover_unit, d.portal_unit) == ("_discover", "_portal")
    assert d.category_map == BUILTIN_CATEGORY_MAP
    assert cfg.district("by.gov.cn") is not None
    assert cfg.allowed_hosts == {"www.by.gov.cn"}


def test_districts_merge_http_onto_the_top_level_and_resolve_their_category_map(
    tmp_path: Path,
) -> None:
    cfg = from_dict(two_districts(), source=str(tmp_path / "disclosure.yaml"))
    by, th = cfg.districts
    assert (by.id, by.name, th.id, th.name) == ("baiyun", "广州市白云区", "tianhe", None)
    assert (by.http.min_interval_s, by.http.retries) == (0.5, 2)  # own key, inherited key
    assert (th.http.min_interval_s, th.http.retries) == (3.0, 2)
    assert th.category_map == tmp_path / "th_map.yaml"
    assert by.category_map == BUILTIN_CATEGORY_MAP
    assert (by.discover_unit, th.portal_unit) == ("_discover.baiyun", "_portal.tianhe")
    assert cfg.allowed_hosts == {"www.by.gov.cn", "www.thnet.gov.cn"}
    assert cfg.district("tianhe").sites[0].url.endswith("/gzthjy/gkmlpt/index")
    with pytest.raises(ConfigError, match="no district 'haizhu'"):
        cfg.district("haizhu")


def test_a_district_without_its_own_map_takes_the_top_level_one(tmp_path: Path) -> None:
    data = two_districts(category_map="all.yaml")
    cfg = from_dict(data, source=str(tmp_path / "c.yaml"))
    assert [d.category_map for d in cfg.districts] == [tmp_path / "all.yaml", tmp_path / "th_map.yaml"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["districts"][1].update(foo=1), r"unknown config key 'districts\[1\]\.foo'"),
        (lambda d: d["districts"][1].update(id="baiyun"), "district 'baiyun' is listed twice"),
        (lambda d: d["districts"][0].pop("id"), r"'districts\[0\]\.id' is required"),
        (lambda d: d["districts"][0].update(id="Bai Yun"), r"'districts\[0\]\.id' is required"),
        (lambda d: d["districts"][1].pop("sites"), "a district needs 'sites' or 'discover'"),
        (lambda d: d["districts"][0]["http"].update(bogus=1),
         r"unknown config key 'districts\[0\]\.http\.bogus'"),
        (lambda d: d["districts"][0]["http"].update(concurrency=0), "concurrency must be >= 1"),
        (lambda d: d["districts"][0].update(discover=["ftp://x/"]), "not an http"),
        (lambda d: d.update(discover=["https://www.by.gov.cn/"]), "cannot be combined"),
        (lambda d: d.update(districts=[]), "non-empty list"),
    ],
)
def test_bad_districts_are_config_errors_naming_the_key(change: Any, message: str) -> None:
    data = two_districts()
    change(data)
    with pytest.raises(ConfigError, match=message):
        from_dict(data)


def test_site_override_replaces_the_districts_with_the_implicit_one(tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "disclosure.yaml"
    path.write_text(yaml.safe_dump(two_districts(), allow_unicode=True), encoding="utf-8")
    assert [d.id for d in load(path).districts] == ["baiyun", "tianhe"]
    cfg = load(path, sites=["http://127.0.0.1:8123/"])
    (d,) = cfg.districts
    assert (d.id, d.implicit, d.discover) == ("127.0.0.1", True, ("http://127.0.0.1:8123/",))
    assert d.report_columns == ("http://127.0.0.1:8123/zwgk/qzfxxgknb/zj/",
                                "http://127.0.0.1:8123/zwgk/qzfxxgknb/bm/")
    assert d.http.min_interval_s == 3.0  # the top-level http stays
