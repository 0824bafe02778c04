"""Plain-text rendering of a ParsedReport for ``disclosure-etl report``."""

from __future__ import annotations

from disclosure_etl.models import ParsedReport


def _value(value: float | None, is_blank: bool) -> str:
    if value is None:
        return "(blank)" if is_blank else "(none)"
    return str(int(value)) if float(value).is_integer() else repr(value)


def format_report_text(r: ParsedReport) -> str:
    """Header lines (template, year, agency, status) then one ``metric value unit`` line per figure."""
    lines = [
        f"template: {r.template or '-'}",
        f"report_year: {r.report_year or '-'}",
        f"agency: {r.agency or '-'}",
        f"title: {r.title or '-'}",
        f"published_at: {r.published_at.isoformat(sep=' ') if r.published_at else '-'}",
        f"period: {r.period_start or '-'} .. {r.period_end or '-'}",
        f"source_format: {r.source_format}",
        f"parse_status: {r.parse_status}" + (f" ({r.parse_note})" if r.parse_note else ""),
        f"core figures: {r.figures_found}/{r.figures_expected} found"
        if r.figures_expected is not None
        else "core figures: -",
        f"figures: {len(r.figures)}",
    ]
    for f in r.figures:
        approx = " ~" if f.approx else ""
        lines.append(f"{f.metric} {_value(f.value, f.is_blank)} {f.unit or ''}{approx}".rstrip())
    return "\n".join(lines) + "\n"
