"""Mutated corpus documents never make the parser raise; damage shows as partial/failed + note.

Time is bounded by limits inside the parser (bytes, text, pages, tables, spans); bench/reports.py
measures speed — no timing asserts here.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from disclosure_etl.models import ParsedReport
from disclosure_etl.reports import parse_report

CORPUS = Path(__file__).parent / "corpus"
DOCS = sorted(p for p in CORPUS.iterdir() if p.suffix in (".html", ".pdf", ".docx", ".txt"))
STATUSES = {"parsed", "partial", "failed", "unsupported"}


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(0, max(len(data), 1))]


def junk(data: bytes, rng: random.Random) -> bytes:
    pos = rng.randrange(0, max(len(data), 1))
    return data[:pos] + rng.randbytes(rng.randrange(1, 4096)) + data[pos:]


def flip(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(max(1, len(buf) // 500)):
        buf[rng.randrange(len(buf))] = rng.randrange(256)
    return bytes(buf)


def delete_cells(data: bytes, rng: random.Random) -> bytes:
    cells = list(re.finditer(rb"<td[^>]*>.*?</td>", data, re.S))
    for m in sorted(rng.sample(cells, min(len(cells), 12)), key=lambda m: -m.start()):
        data = data[: m.start()] + data[m.end() :]
    return data


def shuffle_rows(data: bytes, rng: random.Random) -> bytes:
    parts = re.split(rb"(?=<tr>)", data)
    head, rows = parts[0], parts[1:]
    rng.shuffle(rows)
    return head + b"".join(rows)


def deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([300, 5_000, 100_000])
    return b"<div>" * depth + data + b"</div>" * depth


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncate": truncate,
    "junk": junk,
    "flip": flip,
    "delete_cells": delete_cells,
    "shuffle_rows": shuffle_rows,
    "deep_nesting": deep_nesting,
}


def check(r: ParsedReport) -> None:
    assert isinstance(r, ParsedReport)
    assert r.parse_status in STATUSES
    if r.parse_status != "parsed":
        assert r.parse_note, r.parse_status
    for f in r.figures:
        assert f.is_blank == (f.value is None)


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_mutations_never_raise(name: str) -> None:
    rng = random.Random(f"{name}-4")
    mutate = MUTATIONS[name]
    for path in DOCS:
        if name in ("delete_cells", "shuffle_rows", "deep_nesting") and path.suffix != ".html":
            continue
        for _ in range(2):
            check(parse_report(mutate(path.read_bytes(), rng), url=str(path)))


def test_fifty_megabyte_body_is_cut_and_reported_partial() -> None:
    seed = (CORPUS / "seed.txt").read_bytes()
    para = b"<p>" + seed.replace(b"\n", b"</p><p>") + b"</p>"
    body = b"<html><body>" + para * (50_000_000 // len(para) + 1) + b"</body></html>"
    assert len(body) > 50_000_000
    r = parse_report(body)
    check(r)
    assert r.parse_status == "partial"
    assert r.parse_note and "input_truncated" in r.parse_note
    assert {f.metric: f.value for f in r.figures}["active.total"] == 216


def test_pathological_spans_are_capped() -> None:
    row = b"<tr>" + b"<td rowspan=100000 colspan=100000>1</td>" * 200 + b"</tr>"
    check(parse_report(b"<table>" + row * 100 + b"</table>"))


def test_deep_nesting_still_reads_the_text() -> None:
    seed = (CORPUS / "seed.txt").read_bytes()
    r = parse_report(b"<html><body>" + b"<div>" * 100_000 + seed + b"</div>" * 100_000 + b"</body></html>")
    check(r)
    assert r.parse_status == "partial" and r.parse_note and "markup_unparseable" in r.parse_note
    assert {f.metric: f.value for f in r.figures}["active.channel.website"] == 216


@pytest.mark.parametrize("data", [b"", b"\x00" * 100, b"%PDF-1.4 garbage", b"PK\x03\x04garbage", b"<html></html>"])
def test_degenerate_inputs(data: bytes) -> None:
    r = parse_report(data)
    check(r)
    assert r.parse_status in ("failed", "unsupported")
