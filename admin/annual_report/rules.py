"""What may be recorded: an inclusion in the report needs the person's consent to the report and a
credible assessment; a State reply needs a date that can be true and, when it answers a measure, a
measure sent to that State. Each check returns the reasons it refuses, for the reviewer."""

from __future__ import annotations

import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.vocabulary import MEASURE_KINDS_BY_CODE
from reprisal_intake.consents import current_consents
from reprisal_intake.models import Case
from reprisal_intake.models.annual_report import Assessment, ReportInclusion
from reprisal_intake.models.casework import Measure

NEEDS_CONSENT = ("proposed", "included")


def report_naming(case: Case) -> str | None:
    """How the person agreed to appear in the Secretary-General's report: "named", "anonymised",
    or None (not agreed, refused or withdrawn). Naming wins when both are granted."""
    latest = current_consents(case.consents)
    for naming in ("named", "anonymised"):
        consent = latest.get((f"sg_report_{naming}", None))
        if consent is not None and consent.state == "granted":
            return naming
    return None


def anonymity_requested(case: Case) -> bool:
    """The person asked not to be named in the Secretary-General's report: they refused or withdrew
    being named, or agreed to the report only without names. (Giving no name in the report form is
    not such a request: the reports mean the person's wish, not what the form lacks.)"""
    latest = current_consents(case.consents)
    named = latest.get(("sg_report_named", None))
    anonymised = latest.get(("sg_report_anonymised", None))
    if named is not None and named.state in ("refused", "withdrawn"):
        return True
    return (
        anonymised is not None
        and anonymised.state == "granted"
        and (named is None or named.state != "granted")
    )


def current_assessment(db: Session, case_ref: str) -> Assessment | None:
    return db.scalars(
        select(Assessment).where(Assessment.case_ref == case_ref).order_by(Assessment.seq.desc())
    ).first()


def inclusion_refusals(
    db: Session,
    case: Case,
    status: str,
    symbol: str,
    paragraph: str,
    follows_up: ReportInclusion | None,
    period: str,
) -> list[str]:
    reasons = []
    if status in NEEDS_CONSENT and report_naming(case) is None:
        reasons.append(
            _(
                "The person has not agreed to appear in the Secretary-General's report, named or "
                "without names: it can only be withheld."
            )
        )
    if status == "included":
        assessment = current_assessment(db, case.ref)
        if assessment is None or assessment.outcome != "credible":
            reasons.append(
                _("Only a case assessed as a credible reprisal linked to cooperation is included.")
            )
        if not symbol or not paragraph:
            reasons.append(_("Give the report's document symbol and paragraph."))
    if follows_up is not None and (follows_up.case_ref != case.ref or follows_up.period >= period):
        reasons.append(_("A follow-up refers to this case in an earlier report."))
    return reasons


def reply_refusals(
    case: Case,
    measure: Measure | None,
    grade: str,
    received_on: datetime.date,
    today: datetime.date,
) -> list[str]:
    reasons = []
    if received_on > today:
        reasons.append(_("The reply date cannot be in the future."))
    if measure is not None:
        kind = MEASURE_KINDS_BY_CODE.get(measure.kind)
        if measure.case_ref != case.ref or kind is None or not kind.to_state:
            reasons.append(_("Only a measure sent to the State can have a State reply."))
        elif measure.status != "sent" or (measure.sent_on and received_on < measure.sent_on):
            reasons.append(_("The reply date must be between the date sent and today."))
    if grade == "D":
        reasons.append(
            _("“No reply” is not a reply: record it on the measure once its deadline has passed.")
        )
    return reasons
