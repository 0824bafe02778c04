"""The report's own arithmetic as a check on an OCR reading (tables 三 and 四).

Identities: table 三 balances per column (new received + carried over = total processed +
carried forward), its outcome rows add up to total processed, each group's sub-items to its
小计, each row's six applicant columns to its 总计; in table 四 each group's four results add up
to its 总计. An identity that fails while one of its cells was read with low confidence is
more likely a misreading than the agency's arithmetic: those cells are named in an
``ocr_uncertain`` note and the report is ``partial``. Identities that hold, or fail with only
confident cells, leave the reading as it is (a real arithmetic error stays for the checks).
"""

from __future__ import annotations

from collections.abc import Iterator

from disclosure_etl.models import Figure
from disclosure_etl.reports.tables import T3_COL_ORDER, T3_SUBS, T4_GROUP_ORDER

#: Cells read with a recognition score below this are doubtful.
LOW_CONFIDENCE = 0.9
_OUTCOME_PREFIXES = ("granted", "partial", "denied_", "unable_", "notproc_", "other")


def _identities(metrics: set[str]) -> Iterator[tuple[list[str], list[str]]]:
    """(left metrics, right metrics) pairs whose sums must be equal."""
    rows = {m.split(".")[1] for m in metrics if m.startswith("t3.")}
    for col in T3_COL_ORDER:
        def at(row: str, col: str = col) -> str:
            return f"t3.{row}.{col}"

        yield [at("new_received"), at("carried_over")], [at("total_processed"), at("carried_forward")]
        parts = [at(r) for r in sorted(rows) if _is_outcome(r)]
        yield [at("total_processed")], parts
        for group, subs in T3_SUBS.items():
            items = [at(f"{group}_{n}") for n in range(1, len(subs) + 1)]
            yield [at(f"{group}_subtotal")], items
    for row in sorted(rows):
        yield [f"t3.{row}.total"], [f"t3.{row}.{c}" for c in T3_COL_ORDER if c != "total"]
    for g in T4_GROUP_ORDER:
        yield [f"t4.{g}.total"], [f"t4.{g}.{r}" for r in ("upheld", "corrected", "other", "pending")]


def _is_outcome(row: str) -> bool:
    if row.endswith("_subtotal"):
        return False
    return row.startswith(_OUTCOME_PREFIXES) and (row in ("granted", "partial", "other") or row[-1].isdigit())


def ocr_doubts(figures: list[Figure]) -> list[str]:
    """``ocr_uncertain: t3.granted.total (conf 0.41), …`` for failed identities that a
    low-confidence OCR cell explains; empty when no figure was read by OCR."""
    by_metric = {f.metric: f for f in figures if f.metric.startswith(("t3.", "t4."))}
    if not any(f.extraction == "ocr" for f in by_metric.values()):
        return []
    doubtful: dict[str, float] = {}
    for left, right in _identities(set(by_metric)):
        involved = [m for m in left + right if m in by_metric]
        if not any(m in by_metric for m in left) or not any(m in by_metric for m in right):
            continue  # one side not stated: nothing to compare
        lhs = sum(by_metric[m].value or 0 for m in left if m in by_metric)
        rhs = sum(by_metric[m].value or 0 for m in right if m in by_metric)
        if lhs == rhs:
            continue
        for m in involved:
            conf = by_metric[m].confidence
            if by_metric[m].extraction == "ocr" and conf is not None and conf < LOW_CONFIDENCE:
                doubtful[m] = conf
    if not doubtful:
        return []
    cells = ", ".join(f"{m} (conf {c:.2f})" for m, c in sorted(doubtful.items(), key=lambda x: x[1])[:8])
    return [f"ocr_uncertain: {cells}"]
