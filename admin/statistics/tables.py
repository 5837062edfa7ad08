"""The figures as labelled tables, in the page's language: what the dashboard shows (a chart and a
table each), and what the exports write."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from admin.statistics.figures import AWAITING_REPLY, Counts, Figures
from admin.vocabulary import MEASURE_KINDS_BY_CODE, REPLY_GRADES, STATUS_LABELS
from reprisal_intake import domain
from reprisal_intake.countries import place_name


@dataclass(frozen=True)
class Row:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    category: str
    rows: list[Row]
    # "month": a column chart in time order; otherwise horizontal bars, largest first.
    kind: str = "bars"


def _vocabulary(pairs: tuple[tuple[str, LazyString], ...]) -> Callable[[str], str]:
    labels = dict(pairs)
    return lambda code: str(labels.get(code, code))


def _country(code: str) -> str:
    return place_name(code, str(get_locale() or "en"))


def _month(code: str) -> str:
    year, month = (int(part) for part in code.split("-"))
    return format_date(datetime.date(year, month, 1), format="MMMM y")


def _measure(code: str) -> str:
    kind = MEASURE_KINDS_BY_CODE.get(code)
    return str(kind.label) if kind is not None else code


# key: (title, category column, how a code is named, chart kind)
TABLES: dict[str, tuple[LazyString, LazyString, Callable[[str], str], str]] = {
    "by_mechanism": (
        _l("Cases by mechanism"),
        _l("Mechanism"),
        lambda code: f"{domain.mechanism_name(code)} ({code})",
        "bars",
    ),
    "by_month": (_l("Cases by month received"), _l("Month"), _month, "month"),
    "by_state": (_l("Cases by State held responsible"), _l("State"), _country, "bars"),
    "by_act": (_l("Cases by act"), _l("Act"), _vocabulary(domain.ACTS), "bars"),
    "by_perpetrator": (
        _l("Cases by perpetrator"),
        _l("Perpetrator"),
        _vocabulary(domain.PERPETRATORS),
        "bars",
    ),
    "by_setting": (
        _l("Cases online and offline"),
        _l("Where it happened"),
        _vocabulary(domain.SETTINGS),
        "bars",
    ),
    "by_victim_type": (
        _l("Cases by who was targeted"),
        _l("Targeted"),
        _vocabulary(domain.VICTIM_TYPES),
        "bars",
    ),
    "by_age_band": (
        _l("Cases by age (with consent only)"),
        _l("Age"),
        _vocabulary(domain.AGE_BANDS),
        "bars",
    ),
    "by_status": (
        _l("Follow-up: cases by status"),
        _l("Status"),
        _vocabulary(tuple(STATUS_LABELS.items())),
        "bars",
    ),
    "measures_by_kind": (
        _l("Measures taken (sent in the period)"),
        _l("Measure"),
        _measure,
        "bars",
    ),
    "replies_by_grade": (
        _l("State replies to measures sent to the State"),
        _l("Reply"),
        _vocabulary((*REPLY_GRADES, (AWAITING_REPLY, _l("Awaiting a reply")))),
        "bars",
    ),
}


def tables(figures: Figures) -> list[Table]:
    found = []
    for key, (title, category, name, kind) in TABLES.items():
        counts: Counts = getattr(figures, key)
        rows = [Row(code, name(code), count) for code, count in counts]
        found.append(Table(key, str(title), str(category), rows, kind))
    return found


# key: label, for the figures that are one number each
TOTALS: dict[str, LazyString] = {
    "cases": _l("Cases received"),
    "coded": _l("Cases coded for statistics"),
    "individuals": _l("Individuals"),
    "organisations": _l("Organisations"),
    "women_girls": _l("Women and girls"),
    "anonymity_requested": _l("Cases where anonymity was requested"),
    "withheld_for_protection": _l("Cases withheld for protection (on hold for security)"),
    "state_measures_sent": _l("Measures sent to the State"),
    "state_replies": _l("State replies received (graded A, B, C or E)"),
}


def totals(figures: Figures) -> list[Row]:
    return [Row(key, str(label), int(getattr(figures, key))) for key, label in TOTALS.items()]
