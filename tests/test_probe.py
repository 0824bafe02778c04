"""`disclosure-etl probe` against the real replica, its recorded scenario replayed by
`disclosure-etl replica serve --scenario DIR`, and a replica with a broken page kind."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from disclosure_etl.probe import KINDS
from disclosure_etl.replica import RecordedServer, ReplicaServer

INTERVAL = 0.2
#: how late the server may stamp a request it reads on a loaded machine
JITTER_S = 0.06


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("probe-cfg") / "disclosure.yaml"
    p.write_text(f"http:\n  min_interval_s: {INTERVAL}\n  timeout_s: 5\n  retries: 2\n"
                 "  backoff_base_s: 0.05\n", encoding="utf-8")
    return p


def probe(url: str, config: Path, out: Path | None = None) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "disclosure_etl.cli", "probe", url, "--config", str(config)]
    if out is not None:
        args += ["--out", str(out)]
    return subprocess.run(args, capture_output=True, text=True, timeout=180)


def table_rows(stdout: str) -> dict[str, list[str]]:
    """page kind -> its cells (a cell wrapped over several lines joined), from the rich table."""
    rows: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in stdout.splitlines():
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.strip("│").split("│")]
        if cells[0]:
            current = rows.setdefault(cells[0], cells)
        elif current is not None:
            current[:] = [f"{a} {b}".strip() for a, b in zip(current, cells, strict=True)]
    return rows


@pytest.fixture(scope="module")
def recorded(config: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    out = tmp_path_factory.mktemp("probe") / "scenario"
    with ReplicaServer() as srv:
        p = probe(srv.base_url + "/", config, out)
        yield {"proc": p, "out": out, "log": srv.request_log, "base": srv.base_url}


def test_probe_of_the_replica_parses_every_page_kind(recorded: dict[str, object]) -> None:
    p = recorded["proc"]
    assert isinstance(p, subprocess.CompletedProcess)
    assert p.returncode == 0, (p.stdout, p.stderr)
    rows = table_rows(p.stdout)
    assert list(rows) == list(KINDS)
    assert all(cells[3] == "yes" for cells in rows.values()), p.stdout
    assert "figures (" in rows["report"][4] and "SID " in rows["index"][4]


def test_probe_is_polite(recorded: dict[str, object]) -> None:
    log = recorded["log"]
    assert isinstance(log, list)
    assert log[0].path == "/robots.txt"
    # the server stamps each request when it reads it: on a loaded machine one stamp can be
    # late by tens of ms, which shortens the next gap, but a probe that did not wait would
    # show gaps near 0, and the whole span cannot shrink below the intervals it waited
    starts = [r.t_mono for r in log]
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= INTERVAL - JITTER_S
    assert starts[-1] - starts[0] >= len(gaps) * INTERVAL * 0.95 - JITTER_S
    assert len(log) <= 12  # one page per kind, robots, no crawl


def test_probe_writes_a_scenario_directory(recorded: dict[str, object]) -> None:
    out = recorded["out"]
    assert isinstance(out, Path)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "disclosure-etl-scenario/1"
    assert manifest["origin"] == recorded["base"]
    kinds = {e["kind"] for e in manifest["responses"].values()}
    assert kinds >= set(KINDS)
    for key, e in manifest["responses"].items():
        assert key.startswith("/") and (out / e["body"]).is_file(), key


def test_served_scenario_probes_to_the_same_table(recorded: dict[str, object], config: Path) -> None:
    out, first = recorded["out"], recorded["proc"]
    assert isinstance(first, subprocess.CompletedProcess)
    server = subprocess.Popen(
        [sys.executable, "-m", "disclosure_etl.cli", "replica", "serve", "--scenario", str(out),
         "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        base = server.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:")
        again = probe(base + "/", config)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert again.returncode == 0, (again.stdout, again.stderr)
    assert table_rows(again.stdout) == table_rows(first.stdout)


def test_replay_answers_only_what_was_recorded(recorded: dict[str, object]) -> None:
    out = recorded["out"]
    assert isinstance(out, Path)
    with RecordedServer(out) as srv:
        status, _, body = srv.answer("/gkmlpt/index", f"127.0.0.1:{srv.port}")
        assert status == 200 and b"_CONFIG" in body
        assert srv.answer("/no/such/page.html", "h")[0] == 404
        _, _, listing = srv.answer(next(k for k in srv.responses if "/api/all/" in k), "x.test:1")
        assert str(recorded["base"]).encode() not in listing  # links lead back to the replay


@pytest.mark.parametrize(
    ("quirks", "broken"),
    [({"challenge_paths": ["/attachment/"], "challenge_status": 521}, "attachment"),
     ({"empty_list_paths": ["/gkmlpt/api/all/"]}, "list"),
     ({"challenge_paths": ["/zwgk/qzfxxgknb/zj/content/"]}, "report")],
)
def test_probe_with_a_broken_page_kind_exits_1(config: Path, quirks: dict[str, object], broken: str) -> None:
    with ReplicaServer(quirks=quirks) as srv:
        p = probe(srv.base_url + "/", config)
    assert p.returncode == 1, (p.stdout, p.stderr)
    rows = table_rows(p.stdout)
    assert rows[broken][3] == "NO"
    assert rows["portal"][3] == "yes" and rows["index"][3] == "yes"
    assert broken in p.stderr.strip().splitlines()[-1]


def test_probe_takes_the_next_linked_column_when_one_lists_nothing(config: Path) -> None:
    with ReplicaServer(quirks={"challenge_paths": ["/zwgk/qzfxxgknb/zj/index"]}) as srv:
        p = probe(srv.base_url + "/", config)
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert table_rows(p.stdout)["column"][1].startswith("/zwgk/qzfxxgknb/bm/")
