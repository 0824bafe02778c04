"""The replica world: determinism, report numbers, PDF/DOCX files, scale, the serve() CLI hook."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import zipfile

import docx
import pdfplumber
import pytest
import requests
from bs4 import BeautifulSoup

from disclosure_etl.replica import ReplicaServer, World, build_world
from disclosure_etl.replica.reports import T3_COLS
from tests.replica_support import session


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


def test_world_is_deterministic(world: World) -> None:
    other = build_world()
    assert [(i.id, i.title, i.publish_ts) for i in world.items()] == [
        (i.id, i.title, i.publish_ts) for i in other.items()
    ]
    assert world.changes("day2") == other.changes("day2")
    key = world.report("gzbysqj-2018").attachment_id
    assert key is not None
    assert world.attachment_bytes(key) == other.attachment_bytes(key)
    key2 = world.report("gzbysqj-2019").attachment_id
    assert key2 is not None
    assert world.attachment_bytes(key2) == other.attachment_bytes(key2)
    assert "INVENTED" in world.notes


def test_ids_and_prefixes(world: World) -> None:
    ids = [i.id for i in sorted(world.items(), key=lambda i: (i.publish_ts, i.id))]
    assert ids == sorted(ids) and 10_400_000 < ids[0] < 10_600_000
    assert min(world.attachments) >= 8_000_000
    prefixes = {a.prefix for a in world.agencies}
    assert {"", "/gzbyhlj", "/gzbyjtj", "/gzbyjy", "/gzbysqj"} <= prefixes
    assert [a.slug for a in world.agencies if a.prefix == "/gzbyhlj"] == ["gzbyhlj"]


def test_report_claims_against_posted(world: World) -> None:
    jt21 = world.report("gzbyjtj-2021")
    assert jt21.template == "2021" and jt21.claimed_total == 150
    assert sum(jt21.claimed_categories.values()) == 150
    assert world.expected_posted("/gzbyjtj", 2021) == 132
    jt20 = world.report("gzbyjtj-2020")
    assert jt20.template == "2019" and jt20.claimed_total == world.expected_posted("/gzbyjtj", 2020)
    jy19 = world.report("gzbyjy-2019")
    assert jy19.template == "2019" and jy19.portal_column == "bm"
    assert jy19.claimed_total == world.expected_posted("/gzbyjy", 2019)
    assert world.report("gzbysqj-2018").claimed_total == world.expected_posted("/gzbysqj", 2018)
    assert world.report("gzbysqj-2019").claimed_total == world.expected_posted("/gzbysqj", 2019)
    hl = world.report("gzbyhlj-2017")
    assert hl.claimed_total == 216 == world.expected_posted("/gzbyhlj", 2017)
    assert hl.published_at.date().isoformat() == "2018-01-25"


def _t3(fig: dict, row: str, col: str) -> int:
    v = fig.get(f"t3.{row}.{col}")
    return int(v or 0)


def test_jingtai_2021_breaks_only_the_t3_balance(world: World) -> None:
    fig = world.report("gzbyjtj-2021").figures
    rows = sorted({k.split(".")[1] for k in fig if k.startswith("t3.")})
    outcome_rows = [r for r in rows if r not in ("new_received", "carried_over", "total_processed", "carried_forward")]
    broken = []
    for c in T3_COLS:
        if _t3(fig, "new_received", c) + _t3(fig, "carried_over", c) != _t3(fig, "total_processed", c) + _t3(fig, "carried_forward", c):
            broken.append(c)
        assert _t3(fig, "total_processed", c) == sum(_t3(fig, r, c) for r in outcome_rows)
    assert broken == ["legal_service", "total"]
    for r in rows:
        assert _t3(fig, r, "total") == sum(_t3(fig, r, c) for c in T3_COLS[:-1])
    for g in ("review", "suit_direct", "suit_after_review"):
        assert fig[f"t4.{g}.total"] == sum(fig[f"t4.{g}.{x}"] for x in ("upheld", "corrected", "other", "pending"))
    assert any(v is None for k, v in fig.items() if k.startswith("t3."))  # blank cells exist


def test_template_tables_use_word_markup_and_spans(world: World) -> None:
    soup = BeautifulSoup(world.report("gzbyjtj-2021").body_html, "html.parser")
    tables = soup.find_all("table")
    assert len(tables) == 3
    assert all("MsoNormalTable" in t.get("class", []) for t in tables)
    t3 = tables[1]
    assert t3.find("td", attrs={"rowspan": "22"}).get_text(strip=True) == "三、本年度办理结果"
    assert t3.find("td", attrs={"colspan": "3", "rowspan": "3"})
    assert "&nbsp;" in str(t3) or "\xa0" in t3.get_text()
    assert tables[0].find("td", attrs={"colspan": "4"}).get_text(strip=True) == "第二十条第（一）项"
    text = soup.get_text()
    assert "2021年，本街道主动公开政府信息150条" in text
    t3_2019 = BeautifulSoup(world.report("gzbyjy-2019").body_html, "html.parser").find_all("table")[1]
    assert t3_2019.find("td", attrs={"rowspan": "20"})
    assert "上一年项目数量" in world.report("gzbyjy-2019").body_html


def test_pdf_and_docx_reports_extract_back_to_chinese(world: World) -> None:
    s = session()
    with ReplicaServer(world=world) as srv:
        pdf_rep = world.report("gzbysqj-2018")
        r = s.get(srv.base_url + pdf_rep.paths[-1], timeout=10)
        assert r.headers["Content-Type"] == "application/pdf"
        with pdfplumber.open(io.BytesIO(r.content)) as pdf:
            text = "".join(p.extract_text() or "" for p in pdf.pages)
        assert "本街道办事处2018年全年主动公开政府信息120条" in text.replace("\n", "")
        docx_rep = world.report("gzbysqj-2019")
        r = s.get(srv.base_url + docx_rep.paths[-1], timeout=10)
        assert r.headers["Content-Type"].endswith("wordprocessingml.document")
        d = docx.Document(io.BytesIO(r.content))
        paras = "".join(p.text for p in d.paragraphs)
        assert "主动公开政府信息125条" in paras
        assert len(d.tables) == 3
        cells = [c.text for row in d.tables[1].rows for c in row.cells]
        assert "一、本年新收政府信息公开申请数量" in cells and "法律服务机构" in cells
        # the gkmlpt item is attachment-only: its body just links the file
        page = s.get(srv.base_url + docx_rep.paths[0], timeout=10).content.decode()
        assert docx_rep.paths[-1] in page and "详见附件" in page
    assert zipfile.ZipFile(io.BytesIO(r.content)).testzip() is None


def test_scale_multiplies_filler_but_keeps_specials(world: World) -> None:
    big = build_world(scale=3)
    assert len(big.items()) > 2.5 * len(world.items())
    for key in ("gzbyhlj-2017", "gzbyjtj-2021", "gzbyjy-2019"):
        assert big.report(key).claimed_total == world.report(key).claimed_total
        assert big.report(key).body_html == world.report(key).body_html
    assert big.expected_posted_by_category("/gzbyhlj", 2017) == world.expected_posted_by_category("/gzbyhlj", 2017)
    assert big.expected_posted("/gzbyjtj", 2021) == 132
    assert len(big.changes("day2").new) == 4


def test_serve_prints_base_url_and_stops_on_sigterm() -> None:
    code = "from disclosure_etl.replica import serve; serve('127.0.0.1', 0, 'day2')"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:")
        state = requests.get(base + "/__replica__/state", timeout=5).json()
        assert state["scenario"] == "day2"
        assert requests.get(base + "/gzbyhlj/gkmlpt/index", timeout=5).status_code == 200
        log = requests.get(base + "/__replica__/log", timeout=5).json()
        assert [rec["path"] for rec in log] == ["/gzbyhlj/gkmlpt/index"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_filler_attachments_are_valid_files(world: World) -> None:
    import openpyxl

    pdf = next(a for a in world.attachments.values() if a.payload == "pdf")
    with pdfplumber.open(io.BytesIO(world.attachment_bytes(pdf.id))) as doc:
        assert str(pdf.post_id) in (doc.pages[0].extract_text() or "")
    xlsx = next(a for a in world.attachments.values() if a.payload == "xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(world.attachment_bytes(xlsx.id)))
    assert wb.active is not None and next(iter(wb.active.values))[0] == "序号"
