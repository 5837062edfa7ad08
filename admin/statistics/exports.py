"""Shared exports of the statistics (CSV and JSON): only cases whose latest "statistics" consent is
granted, and no count below ``SMALL_COUNT`` (shown as "<5" in CSV, null in JSON), so that no person
can be picked out of a small group."""

from __future__ import annotations

import csv
import io
import json

from flask_babel import gettext as _

from admin.statistics.figures import Figures
from admin.statistics.tables import Row, tables, totals

SMALL_COUNT = 5
SUPPRESSED_TEXT = "<5"
FIELDS = ("figure", "code", "label", "count")


def suppressed(count: int) -> int | None:
    return count if count >= SMALL_COUNT else None


def note() -> str:
    return _(
        "Only cases whose person agreed to de-identified statistics are counted. Counts below "
        "%(limit)s are not shown (%(shown)s in CSV, null in JSON).",
        limit=SMALL_COUNT,
        shown=SUPPRESSED_TEXT,
    )


def _rows(figures: Figures) -> list[tuple[str, Row]]:
    rows = [("total", row) for row in totals(figures)]
    for table in tables(figures):
        rows += [(table.key, row) for row in table.rows]
    return rows


def as_csv(figures: Figures) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["# " + note()])
    writer.writerow(["# period", figures.period.start.isoformat(), figures.period.end.isoformat()])
    writer.writerow(FIELDS)
    for figure, row in _rows(figures):
        count = suppressed(row.count)
        writer.writerow([figure, row.code, row.label, SUPPRESSED_TEXT if count is None else count])
    return out.getvalue()


def as_json(figures: Figures) -> str:
    document = {
        "period": {"from": figures.period.start.isoformat(), "to": figures.period.end.isoformat()},
        "note": note(),
        "suppressed_below": SMALL_COUNT,
        "figures": [
            {"figure": figure, "code": row.code, "label": row.label, "count": suppressed(row.count)}
            for figure, row in _rows(figures)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)
