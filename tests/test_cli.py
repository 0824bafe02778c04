"""The command line as a user meets it: exit codes and one-line messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SEED = (
    Path(__file__).resolve().parents[1] / "src/disclosure_etl/replica/data/helong_2017_report.txt"
)


def cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "disclosure_etl.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **env} if env else None,
        timeout=120,
    )


def assert_one_line_error(p: subprocess.CompletedProcess[str], code: int) -> None:
    """Exit ``code``; the error is one ``disclosure-etl: …`` line, last, with no traceback
    (progress log lines may precede it)."""
    assert p.returncode == code, (p.returncode, p.stdout, p.stderr)
    lines = p.stderr.strip().splitlines()
    errors = [ln for ln in lines if ln.startswith("disclosure-etl:")]
    assert len(errors) == 1 and lines[-1] == errors[0], p.stderr
    assert "Traceback" not in p.stderr


def test_unknown_option_exits_2_with_one_line() -> None:
    p = cli("run", "--no-such-option")
    assert_one_line_error(p, 2)
    assert "--no-such-option" in p.stderr


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    p = cli("crawl", "--config", str(tmp_path / "nope.yaml"))
    assert_one_line_error(p, 2)
    assert "nope.yaml" in p.stderr


def test_unknown_config_key_is_named(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("sites: []\nhttp:\n  min_interval: 1\n")
    p = cli("crawl", "--config", str(cfg))
    assert_one_line_error(p, 2)
    assert "http.min_interval" in p.stderr


def test_unreachable_site_exits_1(tmp_path: Path) -> None:
    # port 9 on loopback: nothing listens there, the connection is refused at once
    p = cli(
        "run",
        "--site",
        "http://127.0.0.1:9/gkmlpt/index",
        "--data-dir",
        str(tmp_path),
        "--config",
        str(_fast_config(tmp_path)),
    )
    assert_one_line_error(p, 1)
    assert "127.0.0.1" in p.stderr


def _fast_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "fast.yaml"
    cfg.write_text("http:\n  retries: 0\n  timeout_s: 2\n")
    return cfg


def test_report_json_on_the_example_report() -> None:
    p = cli("report", str(SEED), "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    figures = {f["metric"]: f["value"] for f in out["figures"]}
    assert out["report_year"] == 2017
    assert figures["active.total"] == 216
    assert set(out) >= {"template", "report_year", "agency", "parse_status", "figures"}
    # the seed is legacy with all four sections: active, application, review and lawsuit totals
    assert (out["parse_status"], out["figures_expected"], out["figures_found"]) == ("parsed", 4, 4)


@pytest.mark.parametrize(
    "cmd",
    ["run", "crawl", "parse", "check", "publish", "status", "report", "replica", "probe", "findings",
     "export", "scorecard"],
)
def test_every_command_has_help(cmd: str) -> None:
    p = cli(cmd, "--help")
    assert p.returncode == 0, p.stderr
    assert "Usage:" in p.stdout
