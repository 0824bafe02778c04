"""Tables published as images: rendered from real and corpus HTML tables, read back by OCR.

The images are drawn here (Pillow + Noto Sans CJK, tests/reports/table_png.py) from the HTML
tables at two resolutions; what OCR reads is compared with the hand-written labels (corpus)
and with the hand labels and the report's own HTML tables (real reports in ../shared).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from disclosure_etl.models import Figure
from disclosure_etl.reports import parse_report
from disclosure_etl.reports.ocr import model_paths, ocr_available
from disclosure_etl.reports.ocr_checks import ocr_doubts
from tests.needs import need, shared_path
from tests.reports.table_png import (
    cell_scores,
    chromium_available,
    chromium_tables_to_images,
    font_available,
    table_figures,
    tables_to_images,
)
from tests.reports.test_corpus import expected_figures

CORPUS = Path(__file__).resolve().parent / "corpus"
SCALES = (1.0, 2.0)


def _need_ocr() -> None:
    need(ocr_available(), "needs rapidocr + onnxruntime (requirements.lock)")
    need(font_available(), "needs the CJK font (Debian fonts-noto-cjk) to draw table images")


def _ocr_report(html: bytes, scale: float):  # noqa: ANN202 - ParsedReport
    page, images = tables_to_images(html, scale)
    assert images, "the page has tables to draw"
    return parse_report(page, source_format="html", images=images)


def test_models_ship_inside_the_package() -> None:
    need(ocr_available(), "needs rapidocr + onnxruntime (requirements.lock)")
    import rapidocr

    paths = model_paths()
    assert paths is not None
    root = Path(rapidocr.__file__).parent
    for path in paths.values():
        assert path.is_file() and root in path.parents  # nothing fetched into a cache dir


@pytest.mark.slow
@pytest.mark.parametrize("name", ["m09_2023_label_variants.html"])
@pytest.mark.parametrize("scale", SCALES)
def test_corpus_tables_read_back_from_images(name: str, scale: float) -> None:
    _need_ocr()
    label = json.loads((CORPUS / f"{name}.label.json").read_text(encoding="utf-8"))
    want = {m: v for m, v in expected_figures(label).items() if m.startswith(("t2.", "t3.", "t4."))}
    r = _ocr_report((CORPUS / name).read_bytes(), scale)
    got = table_figures(r)
    assert {m: f.value for m, f in got.items()} == want
    assert all(f.extraction == "ocr" and f.confidence is not None for f in got.values())
    assert r.parse_status == label["parse_status"], r.parse_note


def _real_html() -> list[Path]:
    root = shared_path("real_reports")
    return [p for p in sorted(root.glob("*.html")) if b"<table" in p.read_bytes()]


@pytest.mark.slow
@pytest.mark.parametrize("renderer", ["pillow", "chromium"])
def test_real_report_tables_read_back_from_images(renderer: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Cell recall ≥ 0.95 and precision ≥ 0.99 against the report's own HTML tables, at both
    resolutions, drawn by Pillow (plain ruled grid) and by headless Chromium (the page's own
    border/cellspacing markup); and every hand label of the tables is read right."""
    _need_ocr()
    if renderer == "chromium":
        need(chromium_available(), "needs /usr/bin/chromium (Debian chromium) and fonts-noto-cjk")
    draw = chromium_tables_to_images if renderer == "chromium" else tables_to_images
    files = _real_html()
    labels = json.loads(shared_path("real_reports", "labels.json").read_text(encoding="utf-8"))
    right = ref = got = 0
    for path in files:
        html = path.read_bytes()
        reference = parse_report(html, source_format="html")
        for scale in SCALES:
            page, images = draw(html, scale)
            r = parse_report(page, source_format="html", images=images)
            a, b, c = cell_scores(reference, r)
            right, ref, got = right + a, ref + b, got + c
            figures = table_figures(r)
            for metric, value in labels.get(path.name, {}).items():
                if metric.startswith(("t3.", "t4.")) and metric in figures:
                    assert figures[metric].value == value, (path.name, scale, metric)
    assert files and ref > 0
    with capsys.disabled():
        print(f"\nOCR of real report tables ({renderer}): recall {right / ref:.4f}, precision {right / got:.4f} ({ref} cells)")
    assert right / ref >= 0.95
    assert right / got >= 0.99


_BLANKS_PAGE = """<html><body><p>二〇二三年度某县自然资源局政府信息公开工作年度报告</p>
<p>四、政府信息公开行政复议、行政诉讼情况</p>
<table border="1">
<tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr><td rowspan="2">结果维持</td><td rowspan="2">结果纠正</td><td rowspan="2">其他结果</td>
<td rowspan="2">尚未审结</td><td rowspan="2">总计</td><td colspan="5">未经复议直接起诉</td>
<td colspan="5">复议后起诉</td></tr>
<tr><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>
<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td></tr>
<tr><td>3</td><td></td><td>—</td><td>1</td><td>4</td><td></td><td></td><td></td><td></td><td></td>
<td>2</td><td>0</td><td></td><td>/</td><td>2</td></tr>
</table></body></html>"""


def test_blank_cells_stay_blank() -> None:
    _need_ocr()
    r = _ocr_report(_BLANKS_PAGE.encode("utf-8"), 1.0)
    got = {m: (f.value, f.is_blank) for m, f in table_figures(r).items()}
    assert got["t4.review.upheld"] == (3, False)
    assert got["t4.review.corrected"] == (None, True)  # an empty cell
    assert got["t4.review.other"] == (None, True)  # a dash
    assert got["t4.suit_after_review.corrected"] == (0, False)  # a zero is a zero
    assert got["t4.suit_after_review.pending"] == (None, True)  # a slash
    assert got["t4.suit_direct.total"] == (None, True)


def test_scanned_pdf_without_text_layer_is_read_by_ocr() -> None:
    _need_ocr()
    from PIL import Image

    _, images = tables_to_images(_BLANKS_PAGE.encode("utf-8"), 2.0)
    buf = io.BytesIO()
    Image.open(io.BytesIO(images["table0.png"])).convert("RGB").save(buf, format="PDF", resolution=144)
    r = parse_report(buf.getvalue())
    assert r.source_format == "pdf"
    got = table_figures(r)
    assert got["t4.review.total"].value == 4 and got["t4.review.total"].extraction == "ocr"
    assert "pdf_scanned_page: p1" in (r.parse_note or "")
    assert r.parse_status == "partial"  # its prose is not read


def test_image_body_tables_are_read_and_the_report_is_partial() -> None:
    _need_ocr()
    _, images = tables_to_images(_BLANKS_PAGE.encode("utf-8"), 1.0)
    r = parse_report(images["table0.png"], url="https://x/report.png")
    assert r.source_format == "image" and r.parse_status == "partial"
    assert table_figures(r)["t4.review.upheld"].value == 3


def test_picture_inside_a_docx_is_read_by_ocr() -> None:
    _need_ocr()
    import docx

    _, images = tables_to_images(_BLANKS_PAGE.encode("utf-8"), 1.5)
    d = docx.Document()
    d.add_paragraph("某县自然资源局2023年政府信息公开工作年度报告")
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    d.add_picture(io.BytesIO(images["table0.png"]))
    buf = io.BytesIO()
    d.save(buf)
    got = table_figures(parse_report(buf.getvalue()))
    assert got["t4.suit_after_review.total"].value == 2
    assert got["t4.suit_after_review.total"].extraction == "ocr"


def test_image_not_archived_is_partial_with_a_note() -> None:
    page = _BLANKS_PAGE.replace("<table", '<img src="/img/t4.jpg"><table', 1).split("<table")[0]
    r = parse_report(page.encode("utf-8"), source_format="html", images={})
    assert r.parse_status == "partial"
    assert "image_not_archived: /img/t4.jpg" in (r.parse_note or "")


def _fig(metric: str, value: float, conf: float | None) -> Figure:
    return Figure(metric, value, "件", extraction="ocr" if conf is not None else "table", confidence=conf)


def test_low_confidence_cell_that_breaks_an_identity_is_named() -> None:
    figures = [
        _fig("t4.review.upheld", 3, 0.99), _fig("t4.review.corrected", 8, 0.41),
        _fig("t4.review.other", 0, 1.0), _fig("t4.review.pending", 1, 0.99),
        _fig("t4.review.total", 4, 0.99),
    ]  # fmt: skip
    assert ocr_doubts(figures) == ["ocr_uncertain: t4.review.corrected (conf 0.41)"]


def test_identities_that_hold_or_fail_on_confident_cells_leave_no_doubt() -> None:
    holds = [_fig("t4.review.upheld", 3, 0.5), _fig("t4.review.pending", 1, 0.99), _fig("t4.review.total", 4, 0.99)]
    assert ocr_doubts(holds) == []
    agency_error = [_fig("t4.review.upheld", 3, 0.99), _fig("t4.review.total", 5, 0.99)]
    assert ocr_doubts(agency_error) == []  # the agency's arithmetic, for the checks to report
    not_ocr = [_fig("t4.review.upheld", 3, None), _fig("t4.review.total", 5, None)]
    assert ocr_doubts(not_ocr) == []


def test_balance_broken_by_a_doubtful_cell() -> None:
    figures = [
        _fig("t3.new_received.total", 10, 0.99), _fig("t3.carried_over.total", 2, 0.99),
        _fig("t3.total_processed.total", 8, 0.62), _fig("t3.carried_forward.total", 2, 0.99),
    ]  # fmt: skip
    assert ocr_doubts(figures) == ["ocr_uncertain: t3.total_processed.total (conf 0.62)"]


# (row, col, rowspan, colspan) of a header like table 三's: a label spanning three rows and
# two columns, a cell spanning two rows beside a cell spanning two columns, then body rows.
_SPANNED = [(0, 0, 3, 2), (0, 2, 1, 4), (1, 2, 2, 1), (1, 3, 1, 2), (1, 5, 2, 1), (2, 3, 1, 1),
            (2, 4, 1, 1), (3, 0, 2, 1), (3, 1, 1, 1), (4, 1, 1, 1)]
_SPANNED += [(r, c, 1, 1) for r in (3, 4) for c in range(2, 6)]


def _ruled(line: int, spacing: int, scale: int) -> object:
    """A grid drawn like a browser's ``border=1 cellspacing``: every cell boxed by its own
    ``line``-pixel border, ``spacing`` pixels from its neighbours and from the table's own
    border; three glyph-sized squares of "text" in each cell."""
    import numpy as np

    cw, ch, m = 60 * scale, 24 * scale, 10 * scale
    step = spacing + 2 * line
    img = np.full((m * 2 + 5 * (ch + step) + spacing + 2 * line, m * 2 + 6 * (cw + step) + spacing + 2 * line), 255, np.uint8)
    img[m : -m, m : m + line] = img[m : -m, -m - line : -m] = 140  # the table's own border
    img[m : m + line, m : -m] = img[-m - line : -m, m : -m] = 140
    for r, c, rs, cs in _SPANNED:
        x0, y0 = m + line + spacing + c * (cw + step), m + line + spacing + r * (ch + step)
        x1, y1 = x0 + cs * (cw + step) - spacing, y0 + rs * (ch + step) - spacing
        img[y0:y1, x0:x1] = 60
        img[y0 + line : y1 - line, x0 + line : x1 - line] = 255
        cy, g = (y0 + y1) // 2, 4 * scale
        for cx in range((x0 + x1) // 2 - 3 * g, (x0 + x1) // 2 + 4 * g, 3 * g):
            img[cy - g : cy + g, cx - g : cx + g] = 0
    return img


@pytest.mark.parametrize(("line", "spacing", "scale"), [(1, 0, 1), (1, 2, 1), (2, 4, 2), (3, 6, 3), (4, 2, 2)])
def test_cells_spanning_rows_are_found_at_any_line_thickness(line: int, spacing: int, scale: int) -> None:
    """A merged cell has no rule across it: its borders must still close it, whatever the
    thickness of the (double) rules it passes — a 2x screenshot's double borders included."""
    need(ocr_available(), "needs rapidocr + onnxruntime + OpenCV (requirements.lock)")
    from disclosure_etl.reports.image_tables import find_cells

    got = {(c.row, c.col, c.rowspan, c.colspan) for c in find_cells(_ruled(line, spacing, scale))}
    assert got == set(_SPANNED)


def _boxes(rows: list[list[tuple[int, int]]]) -> list[object]:
    from disclosure_etl.reports.image_tables import CellBox

    return [CellBox(r, c, 1, cs, 0, 0, 1, 1) for r, row in enumerate(rows) for c, cs in row]


def test_an_image_row_not_lined_up_with_its_header_is_realigned_like_html() -> None:
    """A Word-pasted block (header 上年|增减 spanning two, values 3 spanning two|0) drawn as an
    image reads like the same HTML table: the values fall under their own headers."""
    need(ocr_available(), "needs rapidocr + onnxruntime + OpenCV (requirements.lock)")
    from disclosure_etl.reports.extract import expand_spans
    from disclosure_etl.reports.image_tables import _lay_out

    texts = ["事项", "上年数量", "本年增减", "决定数量", "行政许可", "7", "0", "2"]
    rows = [[(0, 1), (1, 1), (2, 2), (4, 1)], [(0, 1), (1, 2), (3, 1), (4, 1)]]
    grid = _lay_out(_boxes(rows), texts)
    assert grid[1] == ["行政许可", "7", "0", "0", "2"]
    html = expand_spans([[(t, 1, cs) for t, (_, cs) in zip(texts[:4], rows[0], strict=True)],
                         [(t, 1, cs) for t, (_, cs) in zip(texts[4:], rows[1], strict=True)]])
    assert grid == html


def test_an_image_grid_with_a_hole_keeps_every_cell_where_it_was_seen() -> None:
    need(ocr_available(), "needs rapidocr + onnxruntime + OpenCV (requirements.lock)")
    from disclosure_etl.reports.image_tables import _lay_out

    rows = [[(0, 1), (1, 1), (2, 1)], [(0, 1), (2, 1)]]  # row 1, column 1: no cell found
    assert _lay_out(_boxes(rows), ["a", "b", "c", "d", "e"]) == [["a", "b", "c"], ["d", "", "e"]]
