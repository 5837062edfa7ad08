"""Shared exports of the statistics (CSV and JSON) for one fixed reporting period: only cases whose
latest "statistics" consent is granted, and no count below ``SMALL_COUNT`` nor any count that the
others would give back (admin/statistics/suppression.py): hidden counts are "x" in CSV, null in
JSON, whatever their size (a count hidden to protect another may be large).

Every linear relation between the published counts is written here as data, built from the table
definitions (admin/statistics/tables.py), so that a table added there is either in a relation below or
listed as one that splits no published total; tests/admin/statistics/test_suppression.py checks that
every table and every total is placed. The JSON export publishes the relations with the counts: the
protection never relies on a reader not knowing them.

Relations (a total is the sum of its parts):

* ``PARTITIONS``: a table whose rows split a total, each case (measure, reply) in exactly one row,
  with a "not known" row for what has no code: cases by month and by status (= cases received); coded
  cases by State, setting, who was targeted and age band (= cases coded); measures sent to the State
  by reply (A to E and awaiting = measures sent to the State); replies without a measure by grade
  (= those replies).
* ``SUBTOTALS``: a total that is the sum of some rows of other tables: State replies received = the
  replied grades (A, B, C, E) of the measures' replies and of the replies without a measure; measures
  sent to the State = the rows of "measures taken" whose kind is addressed to the State. Together with
  the partitions this gives, for example, State replies = measures sent to the State - D - awaiting +
  replies without a measure: the combination that gave a hidden "State replies" back before the
  suppression looked at the whole system instead of one equation at a time.

Bounds (one count is at most another): ``BOUNDS`` (coded <= cases, unconfirmed <= coded, women and
girls <= individuals, anonymity requested and withheld for protection <= cases) and every row of the
tables whose rows overlap (``OVERLAPPING``: a case under two mechanisms, with several acts or
perpetrators) <= the cases it is drawn from. Individuals and organisations count people and bodies,
not cases, and are tied to no other count. The shares shown on the dashboard (women and girls among
individuals, the State reply rate) are not exported.

Relations across exports: exports are by fixed, non-overlapping reporting periods only, so no two
exports of one scope share cases. Two people with different scopes (a focal point's mechanism, the
coordinator's all) export overlapping case sets; see docs/design.md.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask_babel import gettext as _

from admin.statistics.disclosure import Bound, Key, Relation
from admin.statistics.figures import REPLIED_GRADES, Figures
from admin.statistics.suppression import NOT_KNOWN, SMALL_COUNT, TOTAL, Cell, guard, protect
from admin.statistics.tables import tables, totals
from admin.vocabulary import MEASURE_KINDS

SUPPRESSED_TEXT = "x"
FIELDS = ("figure", "code", "label", "count")
# The tables that split a total: (table, the total, whether some of the total may be in no row).
PARTITIONS = (
    ("by_month", "cases", False),
    ("by_status", "cases", False),
    ("by_state", "coded", True),
    ("by_setting", "coded", True),
    ("by_victim_type", "coded", True),
    ("by_age_band", "coded", True),
    ("replies_by_grade", "state_measures_sent", False),
    ("unsolicited_replies_by_grade", "unsolicited_replies", False),
)
# Totals that are the sum of some rows of tables: (total, ((table, the codes of its rows), ...)).
STATE_KINDS = frozenset(kind.code for kind in MEASURE_KINDS if kind.to_state)
SUBTOTALS: tuple[tuple[str, tuple[tuple[str, frozenset[str]], ...]], ...] = (
    (
        "state_replies",
        (
            ("replies_by_grade", frozenset(REPLIED_GRADES)),
            ("unsolicited_replies_by_grade", frozenset(REPLIED_GRADES)),
        ),
    ),
    ("state_measures_sent", (("measures_by_kind", STATE_KINDS),)),
)
# Tables whose rows overlap (one case in several rows): each row is at most the total named.
OVERLAPPING = {"by_mechanism": "cases", "by_act": "coded", "by_perpetrator": "coded"}
# Totals tied to no other count: organisations count bodies (several per case or none).
UNRELATED = {"organisations": "bodies, not cases"}
# (smaller, larger): totals that are part of another total.
BOUNDS = (
    ("coded", "cases"),
    ("unconfirmed", "coded"),
    ("women_girls", "individuals"),
    ("anonymity_requested", "cases"),
    ("withheld_for_protection", "cases"),
)


def note() -> str:
    return _(
        "Only cases whose person agreed to de-identified statistics are counted. Counts from 1 to "
        "%(limit)s are not shown (%(shown)s in CSV, null in JSON), nor any count that could be "
        "worked out from the totals and the other rows.",
        limit=SMALL_COUNT - 1,
        shown=SUPPRESSED_TEXT,
    )


def relations(cells: list[Cell]) -> tuple[Relation, ...]:
    """Every equation between ``cells``: the partitions, then the subtotals."""
    keys = [c.key for c in cells]
    found = [
        Relation(
            (TOTAL, total),
            tuple(k for k in keys if k[0] == figure),
            f"the rows of {figure} add up to {total}",
        )
        for figure, total, _open in PARTITIONS
    ]
    for total, sources in SUBTOTALS:
        parts = tuple(
            k for k in keys for figure, codes in sources if k[0] == figure and k[1] in codes
        )
        tables_named = " and ".join(figure for figure, _codes in sources)
        found.append(
            Relation((TOTAL, total), parts, f"{total} is part of the rows of {tables_named}")
        )
    return tuple(found)


def bounds(cells: list[Cell]) -> tuple[Bound, ...]:
    found = [
        Bound((TOTAL, smaller), (TOTAL, larger), f"{smaller} are some of the {larger}")
        for smaller, larger in BOUNDS
    ]
    found += [
        Bound(
            c.key,
            (TOTAL, OVERLAPPING[c.figure]),
            f"a row of {c.figure} is some of the {OVERLAPPING[c.figure]}",
        )
        for c in cells
        if c.figure in OVERLAPPING
    ]
    return tuple(found)


def unprotected(figures: Figures) -> list[Cell]:
    """Every count of the export, none hidden yet."""
    found = [Cell(TOTAL, row.code, row.label, row.count) for row in totals(figures)]
    by_total = {cell.code: cell.count for cell in found}
    remainders = {figure: total for figure, total, open_ended in PARTITIONS if open_ended}
    for table in tables(figures):
        rows = [Cell(table.key, row.code, row.label, row.count) for row in table.rows]
        if table.key in remainders:
            rest = by_total[remainders[table.key]] - sum(row.count for row in table.rows)
            rows.append(Cell(table.key, NOT_KNOWN, _("Not known or not coded"), rest))
        found += rows
    return found


def cells(figures: Figures) -> list[Cell]:
    """Every count of the export, its hidden ones marked; checked (``suppression.guard``) before
    anything is written."""
    found = unprotected(figures)
    found_relations, found_bounds = relations(found), bounds(found)
    protect(found, found_relations, found_bounds)
    guard(found, found_relations, found_bounds)
    return found


def _relations_document(found: list[Cell]) -> list[dict[str, Any]]:
    def name(key: Key) -> dict[str, str]:
        return {"figure": key[0], "code": key[1]}

    return [
        {"total": name(r.total), "parts": [name(p) for p in r.parts], "reason": r.reason}
        for r in relations(found)
    ] + [
        {"at_most": name(b.larger), "count": name(b.smaller), "reason": b.reason}
        for b in bounds(found)
    ]


def as_csv(figures: Figures, period_code: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["# " + note()])
    writer.writerow(
        ["# period", period_code, figures.period.start.isoformat(), figures.period.end.isoformat()]
    )
    writer.writerow(FIELDS)
    for cell in cells(figures):
        writer.writerow(
            [cell.figure, cell.code, cell.label, SUPPRESSED_TEXT if cell.hidden else cell.count]
        )
    return out.getvalue()


def as_json(figures: Figures, period_code: str) -> str:
    found = cells(figures)
    document = {
        "period": {
            "code": period_code,
            "from": figures.period.start.isoformat(),
            "to": figures.period.end.isoformat(),
        },
        "note": note(),
        "suppressed_below": SMALL_COUNT,
        "figures": [
            {
                "figure": cell.figure,
                "code": cell.code,
                "label": cell.label,
                "count": None if cell.hidden else cell.count,
            }
            for cell in found
        ],
        "relations": _relations_document(found),
    }
    return json.dumps(document, ensure_ascii=False, indent=1)
