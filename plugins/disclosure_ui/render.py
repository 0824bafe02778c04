"""HTML of the Disclosure page: runs, the agency ranking (scorecard), a reported-vs-posted
chart (inline SVG), and the new, open and acknowledged findings; ``?district=ID`` narrows the
ranking, chart, table and findings to one district, ``?year=Y`` picks the ranking's year."""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Any
from urllib.parse import urlencode

from disclosure_ui.snapshot import Finding, ScoreRow, Snapshot

REPORTED_COLOR = "#3b5bdb"
POSTED_COLOR = "#f08c00"


def _e(value: Any) -> str:
    return "" if value is None else escape(str(value))


def _num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return escape(f"{value:,}" if isinstance(value, int) else str(value))


def _time(value: Any) -> str:
    if value is None:
        return "–"
    text = (
        value.isoformat(sep=" ", timespec="seconds") if hasattr(value, "isoformat") else str(value)
    )
    return escape(text)


def agency_chart(name: str, agency_id: str, rows: list[dict[str, Any]]) -> str:
    """One small bar chart: reported (blue) vs posted (orange) per report year of one agency."""
    bar, gap, pad_l, pad_b, pad_t, height = 9, 8, 34, 22, 8, 120
    width = pad_l + len(rows) * (2 * bar + gap) + gap
    top = max([r["reported"] or 0 for r in rows] + [r["posted"] or 0 for r in rows] + [1])
    plot_h = height - pad_b - pad_t

    def y(v: int | None) -> float:
        return pad_t + plot_h - (plot_h * (v or 0) / top)

    parts = [
        f'<svg class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" data-agency="{_e(agency_id)}" '
        f'aria-label="reported vs posted items per year, {_e(name)}">',
        f'<text class="axis" x="{pad_l - 4}" y="{pad_t + 8}" text-anchor="end">{_num(top)}</text>',
        f'<text class="axis" x="{pad_l - 4}" y="{pad_t + plot_h}" text-anchor="end">0</text>',
        f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{width}" y2="{pad_t + plot_h}" class="base"/>',
    ]
    for i, r in enumerate(rows):
        x = pad_l + gap + i * (2 * bar + gap)
        status = r["status"] or ""
        tip = (
            f"{r['report_year']}: reported {r['reported'] if r['reported'] is not None else '–'}, "
            f"posted {r['posted'] if r['posted'] is not None else '–'} ({status})"
        )
        parts.append(
            f'<g class="year {escape(status)}" data-year="{_e(r["report_year"])}" '
            f'data-reported="{_e(r["reported"])}" data-posted="{_e(r["posted"])}" '
            f'data-status="{escape(status)}"><title>{escape(tip)}</title>'
        )
        if r["reported"] is not None:
            parts.append(
                f'<rect x="{x}" y="{y(r["reported"]):.1f}" width="{bar}" '
                f'height="{pad_t + plot_h - y(r["reported"]):.1f}" fill="{REPORTED_COLOR}"/>'
            )
        if r["posted"] is not None:
            parts.append(
                f'<rect x="{x + bar}" y="{y(r["posted"]):.1f}" width="{bar}" '
                f'height="{pad_t + plot_h - y(r["posted"]):.1f}" fill="{POSTED_COLOR}"/>'
            )
        label_cls = "axis bad" if status == "mismatch" else "axis"
        parts.append(
            f'<text class="{label_cls}" x="{x + bar}" y="{height - 6}" text-anchor="middle">'
            f"{str(r['report_year'])[-2:]}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def chart_section(snap: Snapshot, district: str | None = None) -> str:
    by_agency: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in _in_district(snap.reconciliation, district):
        by_agency[(r["name"], r["agency_id"])].append(r)
    if not by_agency:
        return "<p class='empty'>No reconciliation rows yet (no annual report parsed).</p>"
    cells = []
    for (name, agency_id), rows in sorted(by_agency.items()):
        mism = sum(1 for r in rows if r["status"] == "mismatch")
        badge = f"<span class='badge bad'>{mism} mismatch</span>" if mism else ""
        cells.append(
            f"<figure class='agency'><figcaption>{_e(name)} {badge}</figcaption>"
            f"{agency_chart(name, agency_id, rows)}</figure>"
        )
    legend = (
        f"<p class='legend'><span class='swatch' style='background:{REPORTED_COLOR}'></span>"
        f"reported in the annual report &nbsp; <span class='swatch' style='background:{POSTED_COLOR}'>"
        "</span>items posted in the catalog &nbsp; year labels in red: mismatch</p>"
    )
    return legend + "<div id='chart' class='charts'>" + "".join(cells) + "</div>"


def _in_district(rows: list[dict[str, Any]], district: str | None) -> list[dict[str, Any]]:
    return [r for r in rows if district is None or r.get("district_id") == district]


def recon_table(snap: Snapshot, district: str | None = None) -> str:
    rows = "".join(
        f"<tr class='{_e(r['status'])}'><td>{_e(r['name'])}</td><td>{_e(r['report_year'])}</td>"
        f"<td class='n'>{_num(r['reported'])}</td><td class='n'>{_num(r['posted'])}</td>"
        f"<td class='n'>{_num(r['difference'])}</td><td>{_e(r['status'])}</td><td>{_e(r['note'])}</td></tr>"
        for r in _in_district(snap.reconciliation, district)
    )
    return (
        "<details><summary>Table: reported vs posted (total), per agency and year</summary>"
        "<table id='reconciliation'><thead><tr><th>agency</th><th>year</th><th>reported</th>"
        "<th>posted</th><th>difference</th><th>status</th><th>note</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details>"
    )


def runs_table(snap: Snapshot) -> str:
    if not snap.runs:
        return "<p class='empty'>No run loaded yet.</p>"
    head = (
        "<tr><th>run</th><th>started</th><th>finished</th><th>status</th><th>requests</th>"
        "<th>pages</th><th>new</th><th>changed</th><th>withdrawn</th><th>reports</th>"
        "<th>HTTP errors</th></tr>"
    )
    body = "".join(
        f"<tr class='{_e(r['status'])}'><td><code>{_e(r['run_id'])}</code></td>"
        f"<td>{_time(r['started_at'])}</td><td>{_time(r['finished_at'])}</td><td>{_e(r['status'])}</td>"
        + "".join(
            f"<td class='n'>{_num(r[k])}</td>"
            for k in (
                "requests",
                "pages_fetched",
                "items_new",
                "items_changed",
                "items_withdrawn",
                "reports_parsed",
                "http_errors",
            )
        )  # fmt: skip
        + "</tr>"
        for r in snap.runs
    )
    return f"<table id='runs'><thead>{head}</thead><tbody>{body}</tbody></table>"


def _finding_row(f: Finding) -> str:
    links = " ".join(
        f"<a href='{escape(u, quote=True)}' target='_blank' rel='noopener noreferrer'>source</a>"
        for u in f.links
    )
    observed = (
        ""
        if f.observed is None and f.expected is None
        else f"{_num(f.observed)} / {_num(f.expected)}"
    )
    new = " <span class='badge new'>new</span>" if f.is_new and f.state == "open" else ""
    scope = f" <span class='scope'>{_e(f.scope)}</span>" if f.scope else ""
    ack = (
        f"<br><span class='ack'>acknowledged by {_e(f.acknowledged_by)} "
        f"{_time(f.acknowledged_at)}: {_e(f.ack_note)}</span>"
        if f.state == "acknowledged"
        else ""
    )
    return (
        f"<tr class='finding {_e(f.severity)} {_e(f.state)}' data-check='{_e(f.check_id)}' "
        f"data-key='{_e(f.finding_key)}' data-state='{_e(f.state)}'>"
        f"<td><span class='sev {_e(f.severity)}'>{_e(f.severity)}</span>{new}</td>"
        f"<td><code>{_e(f.check_id)}</code>{scope}</td><td>{_e(f.agency)}</td>"
        f"<td>{_e(f.report_year)}</td><td class='msg'>{_e(f.message)}{ack}</td>"
        f"<td class='n'>{observed}</td><td><code>{_e(f.finding_key)}</code><br>"
        f"<small>since {_e(f.first_seen_run)}</small></td><td>{links}</td></tr>"
    )


def findings_table(findings: list[Finding], table_id: str, empty: str) -> str:
    if not findings:
        return f"<p class='empty ok' id='{table_id}-empty'>{escape(empty)}</p>"
    head = (
        "<tr><th>severity</th><th>check</th><th>agency</th><th>year</th><th>message</th>"
        "<th>observed / expected</th><th>key</th><th>links</th></tr>"
    )
    body = "".join(_finding_row(f) for f in findings)
    return f"<table id='{table_id}'><thead>{head}</thead><tbody>{body}</tbody></table>"


def findings_sections(snap: Snapshot, district: str | None = None) -> str:
    """New, open (new included) and acknowledged findings (of one district, if given)."""

    def pick(state: str) -> list[Finding]:
        return [f for f in snap.by_state(state) if district is None or f.district_id == district]

    new, open_, acked = pick("new"), pick("open"), pick("acknowledged")
    return (
        f"<h2>New in the latest run ({len(new)})</h2>"
        + findings_table(new, "findings-new", "Nothing new in the latest run.")
        + f"<h2>Open findings ({len(open_)})</h2>"
        + "<p class='legend'>Acknowledge one that needs no action with "
        "<code>disclosure-etl findings ack KEY --note TEXT</code>.</p>"
        + findings_table(open_, "findings", "No open findings in the latest run.")
        + f"<h2>Acknowledged ({len(acked)})</h2>"
        + findings_table(acked, "findings-acknowledged", "No acknowledged finding is open.")
    )


_MARK = {True: ("ok", "✓"), False: ("bad", "✗"), None: ("unknown", "?")}


def filter_form(snap: Snapshot, district: str | None, year: int | None) -> str:
    """GET form choosing the district (all by default) and the ranking's year."""
    dopts = "<option value=''>all districts</option>" + "".join(
        f"<option value='{_e(d)}'{' selected' if d == district else ''}>{_e(n)}</option>"
        for d, n in snap.districts()
    )
    yopts = "".join(f"<option{' selected' if y == year else ''}>{y}</option>" for y in snap.years())
    return (
        "<form id='filter' method='get' class='filter'><label>district "
        f"<select name='district'>{dopts}</select></label> <label>report year "
        f"<select name='year'>{yopts}</select></label> <button type='submit'>show</button></form>"
    )


def _score_row(r: ScoreRow, district: str | None) -> str:
    cells = "".join(
        f"<td class='crit {_MARK[v.value][0]}' data-criterion='{v.criterion}' title='{_e(v.note)}'>"
        f"{_MARK[v.value][1]}</td>"
        for v in r.verdicts
    )
    rank = r.rank_in_district if district else r.rank_in_year
    return (
        f"<tr data-agency='{_e(r.agency_id)}' data-rank='{rank}' data-total='{r.total_score}'>"
        f"<td class='n'>{rank}</td><td>{_e(r.agency)}</td><td>{_e(r.district)}</td>"
        f"<td class='n'>{r.total_score}/{r.max_score}</td>{cells}"
        f"<td class='n'>{r.criteria_unknown}</td></tr>"
    )


def ranking_section(snap: Snapshot, district: str | None, year: int | None) -> str:
    """Agencies ranked by scorecard total for ``year`` (default: the latest), one district or all."""
    years = snap.years()
    if not years:
        return "<p class='empty'>No scorecard rows yet (no report due or published).</p>"
    year = year if year in years else years[0]
    rows = snap.ranking(year, district)
    if not rows:
        return filter_form(snap, district, year) + (
            f"<p class='empty' id='ranking-empty'>No agency of this district has a {year} row.</p>"
        )
    head = "".join(
        f"<th title='{c}'>{c.replace('_', ' ')}</th>"
        for c in (v.criterion for v in rows[0].verdicts)
    )
    body = "".join(_score_row(r, district) for r in rows)
    link = urlencode({"year": year, **({"district": district} if district else {})})
    return (
        filter_form(snap, district, year)
        + f"<p class='legend'>{year} reports, ranked by total score (one point per criterion that "
        "holds; ✗ does not hold, ? cannot tell and scores nothing; hover a mark for why; "
        "equal totals share a rank). Method: docs/scorecard.md; the rows are the view "
        f"<code>agency_scorecard</code>. <a id='ranking-link' href='?{_e(link)}'>link to this "
        "ranking</a></p>"
        f"<table id='ranking' data-year='{year}' data-district='{_e(district or '')}'><thead><tr>"
        f"<th>rank</th><th>agency</th><th>district</th><th>total</th>{head}<th>unknown</th>"
        f"</tr></thead><tbody>{body}</tbody></table>"
    )


def page(
    snap: Snapshot,
    static_prefix: str = "static",
    *,
    district: str | None = None,
    year: int | None = None,
) -> str:
    """The whole page, of one district when ``district`` is set; the ranking for ``year``
    (default: the latest). Asset links are relative so the page works under any url prefix."""
    head = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>Disclosure — published warehouse</title>"
        f"<link rel='stylesheet' href='{static_prefix}/disclosure.css'></head><body>"
    )
    if not snap.exists:
        return (
            head + "<h1>Disclosure</h1><p class='empty'>No snapshot has been published yet "
            f"(<code>{_e(snap.path)}</code>). It appears after the first successful "
            "<code>disclosure_checks</code> run.</p></body></html>"
        )
    open_ = snap.by_state("open")
    n_err = sum(1 for f in open_ if f.severity == "error")
    n_warn = len(open_) - n_err
    counts = " · ".join(f"{_num(v)} {escape(k.replace('_', ' '))}" for k, v in snap.counts.items())
    summary = (
        f"<p class='meta'>Snapshot <code>{_e(snap.path)}</code>, published {_time(snap.published_at)} UTC"
        f" (read-only). {counts}.</p>"
        f"<p class='status'><span class='sev error'>{n_err} error</span> "
        f"<span class='sev warn'>{n_warn} warn</span> open findings in the latest run "
        f"({len(snap.by_state('new'))} new, {len(snap.by_state('acknowledged'))} acknowledged)."
        "</p>"
    )
    error = f"<p class='bad'>{_e(snap.error)}</p>" if snap.error else ""
    return (
        head
        + "<h1>Disclosure</h1>"
        + summary
        + error
        + "<h2>Last runs</h2>"
        + runs_table(snap)
        + "<h2>Agency ranking (scorecard)</h2>"
        + ranking_section(snap, district, year)
        + "<h2>Reported vs posted, per agency and year</h2>"
        + chart_section(snap, district)
        + recon_table(snap, district)
        + findings_sections(snap, district)
        + "</body></html>"
    )
