"""Old binary Word .doc: LibreOffice converts it, the DOCX path reads it.

``corpus/m03_2022_std.doc`` was saved by LibreOffice 7 (``soffice --convert-to doc``) from
``corpus/m03_2022_std.docx``; both must give the same figures.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from disclosure_etl.reports import parse_report
from disclosure_etl.reports.doc import soffice
from tests.needs import need

CORPUS = Path(__file__).resolve().parent / "corpus"
DOC = CORPUS / "m03_2022_std.doc"


def _figures(path: Path) -> list[tuple[str, float | None, str | None, bool]]:
    r = parse_report(path.read_bytes())
    assert r.parse_status == "parsed", r.parse_note
    return [(f.metric, f.value, f.unit, f.is_blank) for f in r.figures]


def test_doc_gives_the_figures_of_the_docx_it_came_from() -> None:
    need(soffice(), "needs LibreOffice (Debian libreoffice-writer-nogui)")
    r = parse_report(DOC.read_bytes())
    assert r.source_format == "doc"
    assert len(_figures(DOC)) > 150
    assert _figures(DOC) == _figures(CORPUS / "m03_2022_std.docx")


def test_doc_without_libreoffice_falls_back_to_antiword_and_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    antiword = shutil.which("antiword")
    need(antiword, "needs antiword (Debian antiword)")
    assert antiword is not None
    (tmp_path / "antiword").symlink_to(antiword)
    monkeypatch.setenv("PATH", str(tmp_path))
    r = parse_report(DOC.read_bytes())
    assert r.parse_status == "partial"
    assert "libreoffice-writer-nogui" in (r.parse_note or "")
    assert any(f.metric == "active.total" and f.value == 420 for f in r.figures)  # the prose is read


def test_doc_without_any_reader_is_unsupported_naming_the_packages(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    r = parse_report(DOC.read_bytes())
    assert r.parse_status == "unsupported"
    assert "libreoffice-writer-nogui" in (r.parse_note or "") and "antiword" in (r.parse_note or "")
