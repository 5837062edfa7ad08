"""The export for the drafting team of the Secretary-General's report: the cases included in one
reporting period, each as its person's consent to the report allows.

* named (consent "sg_report_named" in force): the case reference and the coded facts about the person
  (who was targeted, gender, age band) come too, so the team can find the case and name the person;
* without names ("sg_report_anonymised"): no case reference, no date, nothing about the person, only
  the State, the mechanisms, the acts, the perpetrators, the assessment and the State's replies;
* no consent in force (refused or withdrawn since the decision): left out, and counted.

Consent is read when the export is made, not when the case was included: a withdrawal takes the case
out of the next export. Cases withheld for protection are counted, never listed.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.annual_report.rules import current_assessment, report_naming
from admin.reporting_periods import Period
from reprisal_intake.models import Case
from reprisal_intake.models.annual_report import ReportInclusion, StateReply
from reprisal_intake.models.statistics import CaseStatistics

FORMAT = "reprisal-sg-report-export"


def _earlier(db: Session, inclusion: ReportInclusion) -> dict[str, str | None] | None:
    if inclusion.follows_up_id:
        earlier = db.get(ReportInclusion, inclusion.follows_up_id)
        if earlier is not None:
            return {
                "period": earlier.period,
                "document_symbol": earlier.document_symbol,
                "paragraph": earlier.paragraph,
            }
    if inclusion.follows_up_reference:
        return {"period": None, "reference": inclusion.follows_up_reference}
    return None


def _entry(db: Session, case: Case, inclusion: ReportInclusion, naming: str) -> dict[str, Any]:
    coded = db.get(CaseStatistics, case.ref)
    assessment = current_assessment(db, case.ref)
    replies = db.scalars(
        select(StateReply)
        .where(StateReply.case_ref == case.ref)
        .order_by(StateReply.received_on, StateReply.seq, StateReply.id)
    )
    entry: dict[str, Any] = {
        "naming": naming,
        "document_symbol": inclusion.document_symbol,
        "paragraph": inclusion.paragraph,
        "follows_up": _earlier(db, inclusion),
        "state": coded.state if coded else None,
        "mechanisms": [m.code for m in case.mechanisms],
        "acts": coded.act_codes if coded else [],
        "perpetrators": coded.perpetrator_codes if coded else [],
        "assessment": assessment.outcome if assessment else None,
        "state_replies": [
            {
                "received_on": reply.received_on.isoformat(),
                "grade": reply.grade,
                "asked_for": reply.measure_id is not None,
            }
            for reply in replies
        ],
    }
    if naming == "named":
        entry["case_ref"] = case.ref
        entry["victim_type"] = coded.victim_type if coded else None
        entry["gender"] = coded.gender if coded else None
        entry["age_band"] = coded.age_band if coded else None
    return entry


def build(db: Session, period: Period) -> dict[str, Any]:
    rows = db.execute(
        select(ReportInclusion, Case)
        .join(Case, Case.ref == ReportInclusion.case_ref)
        .where(ReportInclusion.period == period.code)
        .order_by(ReportInclusion.document_symbol, ReportInclusion.paragraph, Case.ref)
    ).all()
    entries = []
    withheld = no_consent = 0
    for inclusion, case in rows:
        if inclusion.status == "withheld":
            withheld += 1
            continue
        if inclusion.status != "included":
            continue
        naming = report_naming(case)
        if naming is None:
            no_consent += 1
            continue
        entries.append(_entry(db, case, inclusion, naming))
    return {
        "format": FORMAT,
        "version": 1,
        "period": period.code,
        "from": period.starts.isoformat(),
        "to": period.ends.isoformat(),
        "cases": entries,
        "withheld_for_protection": withheld,
        "left_out_without_consent": no_consent,
    }


def as_json(export: dict[str, Any]) -> str:
    return json.dumps(export, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
