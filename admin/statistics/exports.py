"""Shared exports of the statistics (CSV and JSON) for one fixed reporting period: only cases whose
latest "statistics" consent is granted, and no count below ``SMALL_COUNT`` nor any count that the
others would give back (admin/statistics/suppression.py): hidden counts are "<5" in CSV, null in
JSON."""

from __future__ import annotations

import csv
import io
import json

from flask_babel import gettext as _

from admin.statistics.figures import REPLIED_GRADES, Figures
from admin.statistics.suppression import (
    NOT_KNOWN,
    SMALL_COUNT,
    TOTAL,
    Cell,
    Partition,
    Subtotal,
    protect,
)
from admin.statistics.tables import tables, totals

SUPPRESSED_TEXT = "<5"
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
)
SUBTOTALS = (Subtotal("state_replies", "replies_by_grade", frozenset(REPLIED_GRADES)),)


def note() -> str:
    return _(
        "Only cases whose person agreed to de-identified statistics are counted. Counts from 1 to "
        "%(limit)s are not shown (%(shown)s in CSV, null in JSON), nor any count that could be "
        "worked out from the totals and the other rows.",
        limit=SMALL_COUNT - 1,
        shown=SUPPRESSED_TEXT,
    )


def cells(figures: Figures) -> list[Cell]:
    """Every count of the export, its hidden ones marked."""
    found = [Cell(TOTAL, row.code, row.label, row.count) for row in totals(figures)]
    by_total = {cell.code: cell.count for cell in found}
    remainders = {figure: total for figure, total, open_ended in PARTITIONS if open_ended}
    for table in tables(figures):
        rows = [Cell(table.key, row.code, row.label, row.count) for row in table.rows]
        if table.key in remainders:
            rest = by_total[remainders[table.key]] - sum(row.count for row in table.rows)
            rows.append(Cell(table.key, NOT_KNOWN, _("Not known or not coded"), rest))
        found += rows
    partitions = tuple(Partition(figure, total) for figure, total, _open in PARTITIONS)
    return protect(found, partitions, SUBTOTALS).cells


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
    document = {
        "period": {
            "code": period_code,
            "from": figures.period.start.isoformat(),
            "to": figures.period.end.isoformat(),
        },
        "note": note(),
        "suppressed_below": SMALL_COUNT,
        "partitions": [
            {"figure": figure, "total": total, "not_known_row": open_ended}
            for figure, total, open_ended in PARTITIONS
        ],
        "figures": [
            {
                "figure": cell.figure,
                "code": cell.code,
                "label": cell.label,
                "count": None if cell.hidden else cell.count,
            }
            for cell in cells(figures)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)
