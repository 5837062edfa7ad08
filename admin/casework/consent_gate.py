"""The consent gate: no measure is recorded as sent unless the consent it needs is granted in the
latest recorded state, the reviewer confirms it is still current, and the risk of the action is
recorded (docs/domain.md: Consent, Measures). Withdrawn consent blocks even if granted before."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from admin.vocabulary import CONSENT_STATE_LABELS, label
from reprisal_intake import domain
from reprisal_intake.consents import current_consents
from reprisal_intake.models import Case, Consent
from reprisal_intake.models.casework import Measure


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
    shown = label(domain.CONSENT_SCOPES, scope)
    return f"{shown} ({mechanism_code})" if mechanism_code else shown


def refusals(
    case: Case, measure: Measure, *, confirmed_current: bool, action_risk: str | None
) -> list[str]:
    """Why ``measure`` may not be recorded as sent now; empty when it may."""
    reasons = []
    if case.status in ("on_hold", "closed"):
        reasons.append(_("The case is on hold or closed: no outward action may be recorded."))
    consent = consent_in_force(case, measure.consent_scope, measure.mechanism_code)
    if consent.state != "granted":
        reasons.append(
            _(
                "Consent for “%(scope)s” is %(state)s%(since)s, not granted.",
                scope=scope_label(consent.scope, consent.mechanism_code),
                state=label(CONSENT_STATE_LABELS, consent.state),
                since=(
                    _(" (since %(date)s)", date=consent.row.recorded.isoformat())
                    if consent.row
                    else ""
                ),
            )
        )
    if not confirmed_current:
        reasons.append(_("Confirm that you checked the consent is still current."))
    if not action_risk:
        reasons.append(_("Record the risk this action carries for the person."))
    return reasons
