"""The figures of the annual reports (docs/domain.md, "What gets reported") for a period, as counts.

Cases are those received in the period (``Case.created``) that the user may see. Case routing fields
(mechanism, month, status) are counted for every case; the facts of a report (State, acts,
perpetrators, ...) only for cases a focal point has coded (``CaseStatistics``). Measures and State
replies are those sent in the period.
"""

from __future__ import annotations

import calendar
import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from admin.annual_report.rules import anonymity_requested
from admin.vocabulary import MEASURE_KINDS_BY_CODE
from reprisal_intake.models import Case, Consent, case_mechanisms
from reprisal_intake.models.casework import Measure
from reprisal_intake.models.statistics import CaseStatistics

# Cases counted by a category; codes are labelled when shown.
Counts = list[tuple[str, int]]
# D is "no reply" (recorded after the deadline); E a reply contrary to the recommendation.
REPLIED_GRADES = ("A", "B", "C", "E")
AWAITING_REPLY = "awaiting"  # sent, no reply graded yet


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @classmethod
    def month_of(cls, day: datetime.date) -> Period:
        last = calendar.monthrange(day.year, day.month)[1]
        return cls(day.replace(day=1), day.replace(day=last))


@dataclass
class Figures:
    period: Period
    cases: int = 0
    coded: int = 0
    individuals: int = 0
    organisations: int = 0
    women_girls: int = 0
    anonymity_requested: int = 0
    withheld_for_protection: int = 0
    by_mechanism: Counts = field(default_factory=list)
    by_month: Counts = field(default_factory=list)
    by_status: Counts = field(default_factory=list)
    by_state: Counts = field(default_factory=list)
    by_act: Counts = field(default_factory=list)
    by_perpetrator: Counts = field(default_factory=list)
    by_setting: Counts = field(default_factory=list)
    by_victim_type: Counts = field(default_factory=list)
    by_age_band: Counts = field(default_factory=list)
    measures_by_kind: Counts = field(default_factory=list)
    replies_by_grade: Counts = field(default_factory=list)
    state_measures_sent: int = 0
    state_replies: int = 0

    @property
    def women_girls_share(self) -> float | None:
        """Women and girls among the individuals counted, in percent (None with no individuals)."""
        return 100 * self.women_girls / self.individuals if self.individuals else None

    @property
    def state_reply_rate(self) -> float | None:
        return (
            100 * self.state_replies / self.state_measures_sent
            if self.state_measures_sent
            else None
        )


def statistics_consent_granted() -> ColumnElement[bool]:
    """The case's latest "statistics" consent is granted (a later refusal or withdrawal wins)."""
    latest = aliased(Consent)
    newer = aliased(Consent)
    return exists().where(
        latest.case_ref == Case.ref,
        latest.scope == "statistics",
        latest.state == "granted",
        ~exists().where(
            newer.case_ref == latest.case_ref,
            newer.scope == "statistics",
            newer.id > latest.id,
        ),
    )


def _ranked(counter: Counter[str]) -> Counts:
    return sorted(counter.items(), key=lambda pair: (-pair[1], pair[0]))


def _cases(period: Period, scope: ColumnElement[bool] | None, consented_only: bool) -> Select[str]:
    conditions = [Case.created >= period.start, Case.created <= period.end]
    if scope is not None:
        conditions.append(scope)
    if consented_only:
        conditions.append(statistics_consent_granted())
    return select(Case.ref).where(and_(*conditions))


def figures(
    db: Session,
    period: Period,
    scope: ColumnElement[bool] | None,
    *,
    consented_only: bool = False,
) -> Figures:
    """Every figure for the cases of ``period`` within ``scope`` (``access.case_scope``)."""
    refs = _cases(period, scope, consented_only).subquery()
    result = Figures(period)
    cases = db.execute(
        select(Case.created, Case.status, Case.hold_reason).where(Case.ref.in_(select(refs.c.ref)))
    ).all()
    result.cases = len(cases)
    result.by_month = sorted(Counter(row.created.strftime("%Y-%m") for row in cases).items())
    result.by_status = _ranked(Counter(row.status for row in cases))
    result.withheld_for_protection = sum(
        1 for row in cases if row.status == "on_hold" and row.hold_reason == "security"
    )
    result.by_mechanism = [
        (code, count)
        for code, count in db.execute(
            select(case_mechanisms.c.mechanism_code, func.count())
            .where(case_mechanisms.c.case_ref.in_(select(refs.c.ref)))
            .group_by(case_mechanisms.c.mechanism_code)
            .order_by(func.count().desc(), case_mechanisms.c.mechanism_code)
        ).all()
    ]
    # Every case counts here, coded or not: it is the person's consent to the report that says it.
    result.anonymity_requested = sum(
        1
        for case in db.scalars(select(Case).where(Case.ref.in_(select(refs.c.ref))))
        if anonymity_requested(case)
    )
    _add_coded(
        result,
        db.scalars(select(CaseStatistics).where(CaseStatistics.case_ref.in_(select(refs.c.ref)))),
    )
    _add_measures(
        result,
        db.scalars(
            select(Measure).where(
                Measure.case_ref.in_(select(refs.c.ref)),
                Measure.status == "sent",
                Measure.sent_on >= period.start,
                Measure.sent_on <= period.end,
            )
        ),
    )
    return result


def _add_coded(result: Figures, rows: Iterable[CaseStatistics]) -> None:
    states: Counter[str] = Counter()
    acts: Counter[str] = Counter()
    perpetrators: Counter[str] = Counter()
    settings: Counter[str] = Counter()
    victim_types: Counter[str] = Counter()
    age_bands: Counter[str] = Counter()
    for row in rows:
        result.coded += 1
        result.individuals += row.individuals
        result.organisations += row.organisations
        result.women_girls += row.women_girls
        for counter, code in (
            (states, row.state),
            (settings, row.setting),
            (victim_types, row.victim_type),
            (age_bands, row.age_band),
        ):
            if code:
                counter[code] += 1
        acts.update(set(row.act_codes))
        perpetrators.update(set(row.perpetrator_codes))
    result.by_state = _ranked(states)
    result.by_act = _ranked(acts)
    result.by_perpetrator = _ranked(perpetrators)
    result.by_setting = _ranked(settings)
    result.by_victim_type = _ranked(victim_types)
    result.by_age_band = _ranked(age_bands)


def _add_measures(result: Figures, measures: Iterable[Measure]) -> None:
    kinds: Counter[str] = Counter()
    grades: Counter[str] = Counter()
    for measure in measures:
        kinds[measure.kind] += 1
        kind = MEASURE_KINDS_BY_CODE.get(measure.kind)
        if kind is not None and kind.to_state:
            result.state_measures_sent += 1
            grades[measure.reply_grade or AWAITING_REPLY] += 1
            if measure.reply_grade in REPLIED_GRADES:
                result.state_replies += 1
    result.measures_by_kind = _ranked(kinds)
    result.replies_by_grade = sorted(grades.items())
