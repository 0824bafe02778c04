"""report.copied_from_other_agency at scale: masked-clause comparison of N reports.

Builds a warehouse of ``--reports`` reports (default 50,000: 5,000 agencies × 10 years),
each with ~1,500 characters of prose drawn from a shared template (boilerplate every
agency writes) plus sentences of its own, and plants ``--copies`` copies (another agency's
text of the same year, names and figures rewritten). Then:

1. baseline: one DuckDB scan that masks and splits every text into clauses and counts them
   (the least work any clause-level comparison has to do, measured in the same run);
2. ``bind_copies``: the two passes of ``warehouse.similarity``.

Prints both times, the ratio, and how many planted copies were found (and how many others).

    .venv/bin/python bench/copies.py [--reports 50000] [--copies 20]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from disclosure_etl import warehouse as wh
from disclosure_etl.config import ChecksConfig
from disclosure_etl.warehouse.similarity import bind_copies

TEMPLATE = [
    "本报告根据《中华人民共和国政府信息公开条例》要求，由{name}编制",
    "本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止",
    "{name}主动公开政府信息{n}条，其中工作动态类信息{m}条",
    "全年收到政府信息公开申请{k}件，均在法定期限内答复",
    "{name}严格落实政府信息公开保密审查制度，未发生泄密事件",
    "下一步，{name}将进一步规范政府信息公开工作，提升公开质量",
]
WORDS = ["社区", "旧村", "改造", "河涌", "整治", "网格", "培训", "公示", "听证", "台账", "电梯", "消防", "市场", "垃圾", "分类", "低保", "医保", "征收", "补偿", "安置"]


def own_sentences(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice(WORDS) for _ in range(rng.randint(6, 10))) + f"共{rng.randint(1, 900)}项"
            for _ in range(n)]


def build(con, n_reports: int, n_copies: int) -> tuple[set[str], set[str]]:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    years = list(range(2016, 2026))
    n_agencies = max(2, n_reports // len(years))
    names = [f"广州市测试区人民政府{i:04d}街道办事处" for i in range(n_agencies)]
    con.execute("INSERT INTO core.agencies (agency_id, name) SELECT * FROM (VALUES " +
                ",".join(f"('a{i}', '{nm}')" for i, nm in enumerate(names)) + ")")
    rid, aid, yr, txt = [], [], [], []
    texts: dict[tuple[int, int], str] = {}
    for y in years:
        for i in range(n_agencies):
            head = [t.format(name=names[i], y=y, n=rng.randint(20, 400), m=rng.randint(5, 200),
                             k=rng.randint(0, 30)) for t in TEMPLATE]
            texts[(i, y)] = "。".join(head + own_sentences(rng, 60)) + "。"
    planted: set[str] = set()
    originals: set[str] = set()
    for c in range(n_copies):
        y = years[c % len(years)]
        src, dst = rng.sample(range(n_agencies), 2)
        body = texts[(src, y)].replace(names[src], names[dst])
        texts[(dst, y)] = "".join(ch if not ch.isdigit() else str((int(ch) + 3) % 10) for ch in body)
        planted.add(f"r{dst}-{y}")
        originals.add(f"r{src}-{y}")
    for (i, y), t in texts.items():
        rid.append(f"r{i}-{y}")
        aid.append(f"a{i}")
        yr.append(y)
        txt.append(t)
    tbl = pa.table({"report_id": rid, "agency_id": aid, "report_year": yr, "text": txt})
    con.register("bench_src", tbl)
    con.execute("INSERT INTO core.reports (report_id, agency_id, report_year, published_at) "
                "SELECT report_id, agency_id, report_year, make_timestamp(report_year + 1, 1, 1, 0, 0, 0) "
                "+ to_seconds(hash(report_id) % 1000000) FROM bench_src")
    con.execute("INSERT INTO core.report_texts (report_id, text) SELECT report_id, text FROM bench_src")
    con.unregister("bench_src")
    return planted, originals


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=50_000)
    ap.add_argument("--copies", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        con = wh.connect(Path(d) / "bench.duckdb")
        t = time.perf_counter()
        planted, originals = build(con, args.reports, args.copies)
        print(f"built {args.reports} reports in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        t = time.perf_counter()
        base = con.execute(
            "SELECT count(*) FROM (SELECT unnest(regexp_split_to_array("
            "regexp_replace(text, '[0-9]+', '#', 'g'), '[，。；\\n]+')) AS c FROM core.report_texts) "
            "WHERE length(c) >= 6").fetchall()[0][0]
        baseline = time.perf_counter() - t
        t = time.perf_counter()
        bind_copies(con, ChecksConfig(), enabled=True)
        took = time.perf_counter() - t
        found = {r[0] for r in con.execute("SELECT report_id FROM check_copies WHERE copied").fetchall()}
        print(f"reports          {args.reports}")
        print(f"clauses          {base}")
        print(f"baseline scan    {baseline:8.2f} s")
        print(f"bind_copies      {took:8.2f} s   ({took / baseline:.1f}× the baseline scan)")
        print(f"planted copies   {len(planted)}: found {len(planted & found)}; their originals "
              f"flagged {len(originals & found)}; any other report flagged "
              f"{len(found - planted - originals)}")
        con.close()


if __name__ == "__main__":
    main()
