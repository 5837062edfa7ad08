"""The consent gate and the do-no-harm gate of outward action (docs/domain.md: Consent, Outward
actions, Do no harm).

One rule for planning and sending: every scope the action discloses under (``OUTWARD_ACTIONS``) and
"store and assess" must be granted in the latest recorded state; refused, withdrawn or never asked
blocks the action from planning on. Sending also needs the reviewer to confirm the consent is
current, a risk assessment whose review date has not passed, the action's own risk recorded, and,
for named, public or State-facing actions and any action whose own risk is high or critical, the
approval of a second focal point or coordinator who is not the one sending it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.vocabulary import CONSENT_STATE_LABELS, MEASURE_KINDS_BY_CODE, MeasureKind, label
from reprisal_intake import domain
from reprisal_intake.consent_wording import effect
from reprisal_intake.consents import NAMED, blocking, current_consents, variant_of
from reprisal_intake.models import Case, Consent
from reprisal_intake.models.casework import Measure, RiskAssessment

HIGH_RISKS = frozenset({"high", "critical"})


@dataclass(frozen=True)
class ConsentState:
    scope: str
    mechanism_code: str | None
    state: str
    row: Consent | None


def consent_in_force(case: Case, scope: str, mechanism_code: str | None) -> ConsentState:
    row = current_consents(case.consents).get((scope, mechanism_code))
    return ConsentState(scope, mechanism_code, row.state if row else "not_asked", row)


def scope_label(scope: str, mechanism_code: str | None = None) -> str:
    if not scope:
        return str(_("none (inside this service)"))
    shown = label(domain.CONSENT_SCOPES, scope)
    return f"{shown} ({mechanism_code})" if mechanism_code else shown


def measure_variant(measure: Measure) -> str | None:
    return variant_of(measure.kind, measure.consent_scope)


def measure_scopes(measure: Measure) -> tuple[str, ...]:
    kind = MEASURE_KINDS_BY_CODE[measure.kind]
    return kind.scopes(measure_variant(measure)) or ()


def consent_refusals(
    case: Case, scopes: tuple[str, ...], mechanism_code: str | None = None
) -> list[str]:
    """Why an action under ``scopes`` may not be planned or sent now, in the words both sides read."""
    if not scopes:
        return []
    reasons = []
    if case.status in ("on_hold", "closed"):
        reasons.append(
            _("The case is on hold or closed: no outward action may be planned or sent.")
        )
    for scope, mechanism, state in blocking(case.consents, scopes, mechanism_code):
        row = current_consents(case.consents).get((scope, mechanism))
        # Babel does not extract a call nested in another call's arguments: name it first.
        since = _(" (since %(date)s)", date=format_date(row.recorded, format="long")) if row else ""
        reasons.append(
            _(
                "Consent for “%(scope)s” is %(state)s%(since)s, not granted.",
                scope=scope_label(scope, mechanism),
                state=label(CONSENT_STATE_LABELS, state),
                since=since,
            )
            + " "
            + effect(scope, state, mechanism)
        )
    return reasons


def measure_status(case: Case, measure: Measure) -> str:
    """planned, blocked (a planned measure whose consent no longer holds), sent or cancelled."""
    if measure.status == "planned" and consent_refusals(
        case, measure_scopes(measure), measure.mechanism_code
    ):
        return "blocked"
    return measure.status


def needs_approval(kind: MeasureKind, variant: str | None, action_risk: str | None) -> bool:
    """Named, public or State-facing actions, and any action whose own risk is high or critical."""
    return (
        variant == NAMED
        or kind.public
        or kind.state_facing
        or (action_risk is not None and action_risk in HIGH_RISKS)
    )


def current_risk(db: Session, case: Case) -> RiskAssessment | None:
    return db.scalars(
        select(RiskAssessment)
        .where(RiskAssessment.case_ref == case.ref)
        .order_by(RiskAssessment.version.desc())
        .limit(1)
    ).first()


def harm_refusals(
    db: Session,
    case: Case,
    measure: Measure,
    *,
    action_risk: str | None,
    sender_id: str,
    day: datetime.date,
) -> list[str]:
    """Why ``measure`` may not be sent now for want of a do-no-harm step; empty when it may."""
    kind = MEASURE_KINDS_BY_CODE[measure.kind]
    if not measure_scopes(measure):
        return [] if action_risk else [_("Record the risk this action carries for the person.")]
    reasons = []
    assessment = current_risk(db, case)
    if assessment is None:
        reasons.append(_("Assess the risk to the person first: the case has no risk assessment."))
    elif assessment.next_review < day:
        reasons.append(
            _(
                "The risk assessment was due for review on %(date)s: review it first.",
                date=format_date(assessment.next_review, format="long"),
            )
        )
    if not action_risk:
        reasons.append(_("Record the risk this action carries for the person."))
    if needs_approval(kind, measure_variant(measure), action_risk):
        if measure.approved_by is None:
            reasons.append(
                _(
                    "A second focal point or a coordinator must approve this action first "
                    "(named, public or State-facing, or a high or critical risk)."
                )
            )
        elif measure.approved_by == sender_id:
            reasons.append(_("The person who approved this action cannot also record it as sent."))
        elif (
            action_risk in HIGH_RISKS
            and measure.action_risk is not None
            and measure.action_risk not in HIGH_RISKS
        ):
            reasons.append(
                _("The risk is now higher than the one approved: ask for approval again.")
            )
    return reasons


def refusals(
    db: Session,
    case: Case,
    measure: Measure,
    *,
    confirmed_current: bool,
    action_risk: str | None,
    sender_id: str,
    day: datetime.date,
) -> list[str]:
    """Why ``measure`` may not be recorded as sent now; empty when it may."""
    reasons = consent_refusals(case, measure_scopes(measure), measure.mechanism_code)
    if not confirmed_current:
        reasons.append(_("Confirm that you checked the consent is still current."))
    reasons += harm_refusals(
        db, case, measure, action_risk=action_risk, sender_id=sender_id, day=day
    )
    return reasons
