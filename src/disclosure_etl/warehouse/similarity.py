"""Near-identical reports of different agencies (``report.copied_from_other_agency``).

Each report's prose (``core.report_texts``) is masked: its own agency's name, in every form
(full, short and core: 广州市白云区人民政府鹤龙街道办事处, 鹤龙街道办事处, 鹤龙街道, 鹤龙街, 鹤龙;
from ``agencies.name`` and the reports' publishers), becomes ``@``, so a copy whose names
were swapped matches its original. The text is cut into clauses (at ，。；：！？ and line ends) and
each clause of six characters or more is hashed: a report is its set of clause hashes.

Boilerplate is what many agencies write: a clause found in the reports of three or more
agencies is template text and says nothing about copying. The remaining clauses are the
report's own; a copy shares its own clauses with exactly one other agency. Candidate pairs
are found through shared own clauses only (same year, different agencies), which is linear
in the number of clauses and needs no all-pairs scan; each candidate's similarity is the
Jaccard index of the two clause sets.

Two passes: numbers kept (a copy that kept the other report's figures: where every agency
fills the same template, only the numbers tell reports apart) and numbers masked as ``#``
(a copy whose figures were rewritten). A pair is a copy when, in either pass, its similarity
reaches ``checks.copy_similarity`` and it shares at least 80% of the smaller report's own
clauses (and at least three). All of it runs in DuckDB; :func:`bind_copies` leaves one row
per report with text in the temp table ``check_copies(report_id, agency_id, report_year,
clauses, other_report_id, other_agency_id, similarity, shared_distinctive, distinctive,
copied)`` naming its closest other-agency report.
"""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa

from disclosure_etl.config import ChecksConfig
from disclosure_etl.reports.metadata import short_agency_name

COPY_CHECK = "report.copied_from_other_agency"
MIN_CLAUSE_CHARS = 6
BOILERPLATE_AGENCIES = 3  # a clause in this many agencies' reports is template text
OWN_SHARE = 0.8  # a copy shares at least this share of the smaller report's own clauses
_NUMBER = r"[0-9０-９]+(?:[.．][0-9０-９]+)?"
_CLAUSE_SPLIT = r"[，,。；;：:！!？?\n]+"

_EMPTY = """
CREATE OR REPLACE TEMP TABLE check_copies (
    report_id VARCHAR, agency_id VARCHAR, report_year INTEGER, clauses BIGINT,
    other_report_id VARCHAR, other_agency_id VARCHAR, similarity DOUBLE,
    shared_distinctive BIGINT, distinctive BIGINT, copied BOOLEAN)
"""

#: the masked prose of every report, names masked (numbers are masked per pass)
_TEXTS = """
CREATE OR REPLACE TEMP TABLE cp_text AS
SELECT r.report_id, r.agency_id, r.report_year,
       list_reduce(COALESCE(n.forms, []), lambda acc, f: replace(acc, f, '@'), t.text) AS t
FROM core.report_texts t JOIN core.reports r USING (report_id)
LEFT JOIN cp_names n ON n.agency_id = r.agency_id
WHERE r.agency_id IS NOT NULL AND r.report_year IS NOT NULL AND t.text IS NOT NULL;
CREATE OR REPLACE TEMP TABLE cp_raw AS
SELECT * FROM (SELECT report_id, agency_id, report_year,
                      trim(unnest(regexp_split_to_array(t, $split))) AS c FROM cp_text)
WHERE length(c) >= $min_chars
"""

#: one pass: clause sets, own clauses, candidate pairs and their scores, appended to cp_all
_PASS: tuple[str, ...] = (
    """CREATE OR REPLACE TEMP TABLE cp_clauses AS
       SELECT DISTINCT report_id, agency_id, report_year,
              hash(CASE WHEN $mask_numbers THEN regexp_replace(c, $number, '#', 'g') ELSE c END) AS h
       FROM cp_raw""",
    # the clauses fewer than $boiler agencies wrote: a report's own text
    """CREATE OR REPLACE TEMP TABLE cp_distinct AS
       SELECT c.* FROM cp_clauses c
       SEMI JOIN (SELECT h FROM cp_clauses GROUP BY h
                  HAVING count(DISTINCT agency_id) < $boiler) d ON d.h = c.h""",
    """CREATE OR REPLACE TEMP TABLE cp_size AS
       SELECT c.report_id, count(*) AS clauses, COALESCE(any_value(d.n), 0) AS distinctive
       FROM cp_clauses c
       LEFT JOIN (SELECT report_id, count(*) AS n FROM cp_distinct GROUP BY report_id) d
         USING (report_id)
       GROUP BY c.report_id""",
    # candidate pairs: same year, different agencies, sharing an own clause
    """CREATE OR REPLACE TEMP TABLE cp_pairs AS
       SELECT a.report_id AS a_id, b.report_id AS b_id, count(*) AS shared_distinctive
       FROM cp_distinct a
       JOIN cp_distinct b ON a.h = b.h AND a.report_year = b.report_year
                         AND a.agency_id <> b.agency_id
       GROUP BY ALL""",
    """INSERT INTO cp_all
       SELECT $mask_numbers, p.a_id, p.b_id, p.shared_distinctive, sa.distinctive, sb.distinctive,
              COALESCE(s.shared, 0) / (sa.clauses + sb.clauses - COALESCE(s.shared, 0))
       FROM cp_pairs p
       JOIN cp_size sa ON sa.report_id = p.a_id
       JOIN cp_size sb ON sb.report_id = p.b_id
       LEFT JOIN (SELECT p2.a_id, p2.b_id, count(*) AS shared
                  FROM cp_pairs p2
                  JOIN cp_clauses x ON x.report_id = p2.a_id
                  JOIN cp_clauses y ON y.report_id = p2.b_id AND y.h = x.h
                  GROUP BY ALL) s ON s.a_id = p.a_id AND s.b_id = p.b_id""",
)

_RESULT = """
CREATE OR REPLACE TEMP TABLE check_copies AS
WITH judged AS (
    SELECT *, jaccard >= $threshold AND shared_distinctive >= 3
              AND shared_distinctive >= $own_share * least(a_dist, b_dist) AS copied
    FROM cp_all
), best AS (
    SELECT * FROM judged
    QUALIFY row_number() OVER (PARTITION BY a_id ORDER BY copied DESC, jaccard DESC, b_id) = 1
)
SELECT t.report_id, t.agency_id, t.report_year, s.clauses,
       b.b_id AS other_report_id, o.agency_id AS other_agency_id,
       round(b.jaccard, 3) AS similarity, b.shared_distinctive,
       COALESCE(b.a_dist, s.distinctive) AS distinctive, COALESCE(b.copied, FALSE) AS copied
FROM cp_text t
LEFT JOIN cp_size s USING (report_id)
LEFT JOIN best b ON b.a_id = t.report_id
LEFT JOIN cp_text o ON o.report_id = b.b_id
"""
_SCRATCH = ("cp_names", "cp_text", "cp_raw", "cp_clauses", "cp_distinct", "cp_size", "cp_pairs", "cp_all")


def name_forms(name: str) -> set[str]:
    """The forms an agency name takes in report prose, longest first when joined."""
    forms = {name.strip(), short_agency_name(name)}
    for f in list(forms):
        core = re.sub(r"(办事处|人民政府)$", "", f)
        forms.add(core)
        stem = re.sub(r"(街道|街|镇)$", "", core)
        if len(stem) >= 2:
            forms |= {stem + "街道", stem + "街", stem}
    return {f for f in forms if len(f) >= 2}


def mask_forms(names: list[str]) -> list[str]:
    """Every form of the given agency names, longest first (so 鹤龙街道 goes before 鹤龙)."""
    return sorted({f for n in names if n for f in name_forms(n)}, key=lambda f: (-len(f), f))


def _bind_name_patterns(con: duckdb.DuckDBPyConnection) -> None:
    """``cp_names(agency_id, forms)``: each agency's name forms, longest first."""
    names: dict[str, list[str]] = {}
    for agency_id, name in con.execute(
        "SELECT agency_id, name FROM core.agencies WHERE name IS NOT NULL UNION "
        "SELECT agency_id, publisher FROM core.reports "
        "WHERE agency_id IS NOT NULL AND publisher IS NOT NULL"
    ).fetchall():
        names.setdefault(str(agency_id), []).append(str(name))
    patterns = pa.table(
        {"agency_id": list(names), "forms": [mask_forms(v) for v in names.values()]},
        schema=pa.schema([("agency_id", pa.string()), ("forms", pa.list_(pa.string()))]),
    )
    con.register("cp_names_src", patterns)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE cp_names AS SELECT * FROM cp_names_src")
    finally:
        con.unregister("cp_names_src")


def bind_copies(con: duckdb.DuckDBPyConnection, config: ChecksConfig, *, enabled: bool) -> None:
    """Build ``check_copies`` (empty unless ``enabled``)."""
    con.execute(_EMPTY)
    if not enabled:
        return
    _bind_name_patterns(con)
    params = {
        "number": _NUMBER,
        "split": _CLAUSE_SPLIT,
        "min_chars": MIN_CLAUSE_CHARS,
        "boiler": BOILERPLATE_AGENCIES,
        "threshold": float(config.copy_similarity),
        "own_share": OWN_SHARE,
    }

    def run(sql: str, **extra: object) -> None:
        both = {**params, **extra}
        con.execute(sql, {k: v for k, v in both.items() if f"${k}" in sql})

    try:
        run(_TEXTS)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE cp_all (mask_numbers BOOLEAN, a_id VARCHAR, "
            "b_id VARCHAR, shared_distinctive BIGINT, a_dist BIGINT, b_dist BIGINT, jaccard DOUBLE)"
        )
        # numbers kept first (a copy that kept the other report's figures), then masked
        # (a copy whose figures were rewritten); cp_size is the masked pass's afterwards
        for mask_numbers in (False, True):
            for sql in _PASS:
                run(sql, mask_numbers=mask_numbers)
        run(_RESULT)
    finally:
        for t in _SCRATCH:
            con.execute(f"DROP TABLE IF EXISTS {t}")
