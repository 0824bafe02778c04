"""A load killed mid-transaction, and analysts reading while runs publish."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from whfix import Run, big_run, differences, ts

from disclosure_etl import warehouse as wh

HERE = Path(__file__).parent
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}

N1, N2 = 200_000, 500_000

CHILD = textwrap.dedent(f"""
    import sys
    from pathlib import Path
    from whfix import big_run
    from disclosure_etl import warehouse as wh
    con = wh.connect(Path(sys.argv[1]))
    batch = big_run(2, {N2}, start_id=1_150_000)
    print("loading", flush=True)
    wh.load_run(con, batch)
    print("done", flush=True)
""")


@pytest.mark.slow
def test_sigkill_during_load_leaves_nothing_and_the_rerun_matches(tmp_path: Path) -> None:
    work = tmp_path / "work.duckdb"
    con = wh.connect(work)
    wh.load_run(con, big_run(1, N1))
    con.close()

    child = subprocess.Popen([sys.executable, "-c", CHILD, str(work)], stdout=subprocess.PIPE,
                             text=True, env=ENV)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "loading"
    time.sleep(0.5)  # well inside the multi-second load transaction
    child.send_signal(signal.SIGKILL)
    rest = child.stdout.read()
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert "done" not in rest, "the load finished before the kill: make the batch bigger"

    con = wh.connect(work)  # recovers from the WAL
    assert not wh.is_loaded(con, "run002")
    assert con.execute("SELECT count(*) FROM core.items").fetchall() == [(N1,)]
    assert con.execute("SELECT count(*) FROM core.item_events").fetchall() == [(N1,)]
    wh.load_run(con, big_run(2, N2, start_id=1_150_000))  # the rerun
    n_items, n_keys = con.execute(
        "SELECT count(*), count(DISTINCT (agency_id, item_id)) FROM core.items").fetchall()[0]
    con.close()
    assert n_items == n_keys == 1_150_000 - 1_000_000 + N2  # no duplicates, nothing lost

    ref = wh.connect(tmp_path / "ref.duckdb")
    wh.load_run(ref, big_run(1, N1))
    wh.load_run(ref, big_run(2, N2, start_id=1_150_000))
    ref.close()
    assert differences(work, tmp_path / "ref.duckdb") == {}


READER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    import duckdb
    published, stop = Path(sys.argv[1]), Path(sys.argv[2])
    # (one process shares one DuckDB instance per path, so an open session would pin the
    #  old file here: test_publish_with_an_analyst_session_open covers a held session)
    ok = errors = 0
    counts = set()
    msgs = []
    while not stop.exists():
        try:
            c = duckdb.connect(str(published), read_only=True)
            counts.add(c.execute("SELECT count(*) FROM posted_items").fetchall()[0][0])
            c.close()
            ok += 1
        except Exception as e:
            errors += 1
            msgs.append(str(e)[:200])
        time.sleep(0.005)
    print(json.dumps({"ok": ok, "errors": errors, "counts": sorted(counts), "msgs": msgs[:3]}))
""")


@pytest.mark.slow
def test_analyst_reading_while_two_runs_publish(tmp_path: Path) -> None:
    work, pub = tmp_path / "work.duckdb", tmp_path / "published" / "warehouse.duckdb"
    con = wh.connect(work)
    wh.load_run(con, Run(1).agency().listed(11, [(1, ts(2017))]).batch)
    con.close()
    wh.publish(work, pub, keep=2)

    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(pub), str(stop)],
                              stdout=subprocess.PIPE, text=True, env=ENV)
    time.sleep(1.0)
    publish_errors = 0
    for n in (2, 3):
        con = wh.connect(work)
        wh.load_run(con, Run(n).agency().listed(11, [(i, ts(2017)) for i in range(1, n + 1)]).batch)
        con.close()
        try:
            wh.publish(work, pub, keep=2)
        except Exception:
            publish_errors += 1
        time.sleep(0.5)
    stop.touch()
    out, _ = reader.communicate(timeout=60)
    result = json.loads(out)
    assert publish_errors == 0
    assert result["errors"] == 0, result["msgs"]
    assert result["ok"] > 10
    assert result["counts"][-1] == 3  # new sessions see the last publish
    # the published file is the working file's content; two snapshots kept beside it
    snaps = sorted(pub.parent.glob("warehouse-*.duckdb"))
    assert len(snaps) == 2
    assert not list(pub.parent.glob(".*.tmp"))
    ro = wh.connect(pub, read_only=True)
    assert ro.execute("SELECT count(*) FROM posted_items").fetchall() == [(3,)]
    ro.close()


def test_publish_with_an_analyst_session_open(tmp_path: Path) -> None:
    work, pub = tmp_path / "work.duckdb", tmp_path / "pub" / "warehouse.duckdb"
    con = wh.connect(work)
    wh.load_run(con, Run(1).agency().listed(11, [(1, ts(2017))]).batch)
    con.close()
    wh.publish(work, pub, keep=0)
    analyst = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import sys, duckdb
            c = duckdb.connect(sys.argv[1], read_only=True)
            print(c.execute("SELECT count(*) FROM posted_items").fetchall()[0][0], flush=True)
            sys.stdin.readline()
            print(c.execute("SELECT count(*) FROM posted_items").fetchall()[0][0], flush=True)
        """), str(pub)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert analyst.stdout is not None and analyst.stdin is not None
    assert analyst.stdout.readline().strip() == "1"
    con = wh.connect(work)
    wh.load_run(con, Run(2).agency().listed(11, [(1, ts(2017)), (2, ts(2017))]).batch)
    con.close()
    assert wh.publish(work, pub, keep=0) == pub  # does not fail with the analyst's lock held
    analyst.stdin.write("\n")
    analyst.stdin.flush()
    assert analyst.stdout.readline().strip() == "1"  # the open session keeps its snapshot
    assert analyst.wait(timeout=30) == 0
    assert not list(pub.parent.glob("warehouse-*.duckdb"))
