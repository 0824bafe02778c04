"""Pure annual-report parser: bytes (HTML, PDF, DOCX, XLSX, XLS, DOC, text) → ParsedReport.

Modules: ``numbers`` (numerals), ``text`` (normalisation), ``phrases`` (free-text figures),
``tables`` (tables 二/三/四: the row-label × column-label mapper), ``flattext`` (tables whose
markup was lost → grids), ``stats_table`` (the 统计表 of old reports), ``labels`` and
``template`` (legacy/2019/2021), ``coverage`` (core figures and what makes a report
``parsed``), ``metadata`` (year, agency,
dates), ``extract`` (format detection and readers), ``parse`` (the entry point),
``render`` (CLI text).
"""

from disclosure_etl.reports.extract import detect_format
from disclosure_etl.reports.metadata import short_agency_name
from disclosure_etl.reports.parse import parse_report
from disclosure_etl.reports.render import format_report_text

__all__ = ["detect_format", "format_report_text", "parse_report", "short_agency_name"]
