"""Case work on a case: lifecycle transitions, triage, risk assessments, measures with the consent gate,
State replies, and the overdue view.

Every step is audited in the transaction that makes it. A refused step changes nothing but its audit
entry (where the issue asks for one) and answers 409 with the reason; bad input answers 400 with the
form as sent, so nothing typed is lost.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden

from admin.access import CASE_ROLES, case_scope, require_roles
from admin.audit import log as audit_log
from admin.auth.current_user import signed_in
from admin.cases.own_key_items import NO_RECORD_READERS, NoReaders
from admin.cases.panels import case_panel
from admin.cases.requests import forbidden, open_case_request
from admin.casework import lifecycle
from admin.casework.closing import LeftOpen, left_open
from admin.casework.conditional_fields import offered, refuse_inapplicable
from admin.casework.consent_gate import (
    consent_in_force,
    consent_refusals,
    measure_scopes,
    measure_status,
    refusals,
    scope_label,
)
from admin.casework.forms import (
    NONE_CHOSEN,
    ApproveMeasureForm,
    CancelMeasureForm,
    PlanMeasureForm,
    ReplyForm,
    RiskForm,
    SendMeasureForm,
    SuggestedStatusForm,
    TransitionForm,
    TriageForm,
    options,
)
from admin.casework.ordering import next_in_case
from admin.casework.overdue import case_action_overdue, overdue
from admin.casework.risk import risk_level
from admin.casework.sealed_text import open_text, seal_text
from admin.casework.suggestions import WORK_LABELS, suggestions
from admin.vocabulary import (
    CANCEL_REASONS,
    CHANNELS,
    CLOSURE_REASONS,
    CONSENT_STATE_LABELS,
    HOLD_REASONS,
    MEASURE_KINDS,
    MEASURE_KINDS_BY_CODE,
    MEASURE_STATUS_LABELS,
    REOPEN_REASONS,
    REPLY_GRADES,
    RISK_LEVELS,
    RISK_LIKELIHOODS,
    RISK_SEVERITIES,
    STATUS_LABELS,
    VARIANTS,
)
from crypto.keys import CaseKey
from reprisal_intake import domain
from reprisal_intake.consent_wording import effect
from reprisal_intake.consents import case_on_hold, in_force
from reprisal_intake.db import get_db
from reprisal_intake.models import Case, Mechanism, User, today, utcnow
from reprisal_intake.models.casework import Measure, RiskAssessment, StatusChange
from reprisal_intake.web.forms import SelectChoice, given

bp = Blueprint("casework", __name__)

LABELS: dict[str, dict[str, Any]] = {
    "status": dict(STATUS_LABELS),
    "reason": dict(CLOSURE_REASONS + HOLD_REASONS + REOPEN_REASONS),
    "risk": dict(RISK_LEVELS),
    "likelihood": dict(RISK_LIKELIHOODS),
    "severity": dict(RISK_SEVERITIES),
    "channel": dict(CHANNELS),
    "grade": dict(REPLY_GRADES),
    "consent": dict(CONSENT_STATE_LABELS),
    "giver": dict(domain.CONSENT_GIVERS),
    "measure_status": MEASURE_STATUS_LABELS,
    "cancel_reason": dict(CANCEL_REASONS),
    "urgency": dict(domain.URGENCIES),
    "in_detention": dict(domain.IN_DETENTION),
}
RISK_NARRATIVE_FIELDS = ("threat_source", "history", "vulnerability", "capacities")


# A case outside the user's mechanisms is audited, then refused, as on the case page.
bp.register_error_handler(Forbidden, forbidden)
# The case-work forms show a conditional field only where it applies (or was posted anyway).
bp.add_app_template_global(offered, "field_offered")


def _mechanism_choices(db: Session) -> list[SelectChoice]:
    codes = db.scalars(select(Mechanism.code).order_by(Mechanism.position))
    return options(NONE_CHOSEN, ((c, domain.mechanism_name(c)) for c in codes))


def _plan_form(db: Session) -> PlanMeasureForm:
    form = PlanMeasureForm()
    form.mechanism.choices = _mechanism_choices(db)
    return form


def _offered(case: Case) -> tuple[list[tuple[str, str | None]], list[tuple[str, str | None]]]:
    """(kind, variant) pairs the consent in force allows, and those it blocks (refer_mechanism
    counts as allowed: its consent is per mechanism and checked when it is planned)."""
    allowed: list[tuple[str, str | None]] = []
    blocked: list[tuple[str, str | None]] = []
    for kind in MEASURE_KINDS:
        for variant in kind.variants or (None,):
            scopes = kind.scopes(variant) or ()
            if kind.names_mechanism:
                scopes = tuple(s for s in scopes if s != "share_with") or ("store_assess",)
            (blocked if consent_refusals(case, scopes) else allowed).append((kind.code, variant))
    return allowed, blocked


def _blank_plan_form(db: Session, case: Case) -> PlanMeasureForm:
    """The plan form offers only what the person's consent allows (the server checks again)."""
    form = PlanMeasureForm(formdata=None)
    form.mechanism.choices = _mechanism_choices(db)
    allowed, _blocked = _offered(case)
    kinds = {code for code, _variant in allowed}
    variants = {variant for _code, variant in allowed}
    form.kind.choices = options(
        NONE_CHOSEN, ((k.code, k.label) for k in MEASURE_KINDS if k.code in kinds)
    )
    form.variant.choices = options(NONE_CHOSEN, ((c, lbl) for c, lbl in VARIANTS if c in variants))
    return form


def _open(db: Session, ref: str) -> tuple[User, Case]:
    opened = open_case_request(db, ref, with_key=False)
    return opened.user, opened.case


def _back(case: Case) -> ResponseReturnValue:
    return redirect(url_for("cases.case_page_view", ref=case.ref) + "#casework")


def _form_again(case: Case, form: FlaskForm, which: str, **extra: Any) -> ResponseReturnValue:
    """The form as sent with its errors (400): nothing typed is lost."""
    return (
        render_template(
            "admin/casework/form.html",
            case=case,
            form=form,
            which=which,
            labels=STATUS_LABELS,
            **extra,
        ),
        400,
    )


def _refused(case: Case, reasons: list[str], status: int = 409) -> ResponseReturnValue:
    return (
        render_template("admin/casework/refused.html", case=case, reasons=reasons),
        status,
    )


@bp.post("/cases/<ref>/triage")
@require_roles(*CASE_ROLES)
def triage(ref: str) -> ResponseReturnValue:
    form = TriageForm()
    with get_db().session() as db:
        user, case = _open(db, ref)
        if not form.validate_on_submit():
            return _form_again(case, form, "triage")
        if case.status == "closed":
            return _refused(case, [_("This case is closed: reopen it before triaging it again.")])
        previous = {"urgency": case.urgency, "in_detention": case.in_detention}
        if form.urgency.data == "immediate" and case.urgency != "immediate":
            # Flagging is not itself the action the 24-hour rule waits for.
            case.immediate_since = utcnow()
            lifecycle.note_action(case, case.immediate_since)
        else:
            if form.urgency.data != "immediate":
                case.immediate_since = None
            lifecycle.note_action(case)
        case.urgency = form.urgency.data
        case.in_detention = form.in_detention.data
        audit_log.record(
            db,
            user.username,
            "triaged",
            case_ref=case.ref,
            detail={
                "urgency": case.urgency,
                "in_detention": case.in_detention,
                "was": previous,
            },
        )
        lifecycle.mark_triaged(db, user, case)
        return _back(case)


@bp.post("/cases/<ref>/transition")
@require_roles(*CASE_ROLES)
def transition(ref: str) -> ResponseReturnValue:
    form = TransitionForm()
    with get_db().session() as db:
        user, case = _open(db, ref)
        if not form.validate_on_submit():
            return _form_again(case, form, "transition")
        target = form.to_status.data
        try:
            lifecycle.check(case, target, form.reason.data or None)
        except lifecycle.TransitionRefused as refused:
            return _refused(case, [str(refused)])
        if refuse_inapplicable(form, lifecycle.reason_kind(case, target)):
            return _form_again(case, form, "transition")
        audited_with = None
        if target == "closed":
            still_open = left_open(db, case)
            if still_open and not form.close_anyway.data:
                return _closing_warning(db, case, form, still_open)
            audited_with = still_open.acknowledged() if still_open else None
        lifecycle.move(db, user, case, target, form.reason.data or None, audited_with=audited_with)
        return _back(case)


def _closing_warning(
    db: Session, case: Case, form: TransitionForm, still_open: LeftOpen
) -> ResponseReturnValue:
    """Closing would leave work open: list it, with a way to resolve each, or to close anyway (409:
    nothing changed)."""
    return (
        render_template(
            "admin/casework/closing.html",
            case=case,
            form=form,
            still_open=still_open,
            kind_labels={k.code: k.label for k in MEASURE_KINDS},
            cancel=CancelMeasureForm(formdata=None),
        ),
        409,
    )


@bp.post("/cases/<ref>/suggested-status")
@require_roles(*CASE_ROLES)
def follow_suggestion(ref: str) -> ResponseReturnValue:
    """One click on a suggestion: the moves it names, each allowed and audited like any other."""
    form = SuggestedStatusForm()
    with get_db().session() as db:
        user, case = _open(db, ref)
        if not form.validate_on_submit():
            abort(400)
        chosen = next((s for s in suggestions(db, case) if s.status == form.to_status.data), None)
        if chosen is None:
            return _refused(
                case,
                [_("This status is not suggested for the case now: choose it under “Status”.")],
            )
        for step in chosen.steps:
            lifecycle.move(
                db,
                user,
                case,
                step,
                audited_with={"suggested": chosen.status, "after": chosen.work},
            )
        return _back(case)


@bp.post("/cases/<ref>/risk")
@require_roles(*CASE_ROLES)
def assess_risk(ref: str) -> ResponseReturnValue:
    form = RiskForm()
    with get_db().session() as db:
        user, case = _open(db, ref)
        if not form.validate_on_submit():
            return _form_again(case, form, "risk")
        version = (
            db.scalar(
                select(func.max(RiskAssessment.version)).where(RiskAssessment.case_ref == case.ref)
            )
            or 0
        ) + 1
        try:
            narrative = seal_text(
                db,
                case,
                "risk",
                {name: getattr(form, name).data or "" for name in RISK_NARRATIVE_FIELDS},
            )
        except NoReaders:
            return _refused(case, [str(NO_RECORD_READERS)])
        assessment = RiskAssessment(
            case_ref=case.ref,
            version=version,
            likelihood=form.likelihood.data,
            severity=form.severity.data,
            level=risk_level(form.likelihood.data, form.severity.data),
            next_review=form.next_review.data,
            narrative_item_id=narrative.id if narrative else None,
            assessed_by=user.id,
        )
        db.add(assessment)
        case.next_review = form.next_review.data
        lifecycle.note_action(case)
        audit_log.record(
            db,
            user.username,
            "risk_assessed",
            case_ref=case.ref,
            detail={
                "version": version,
                "level": assessment.level,
                "next_review": assessment.next_review.isoformat(),
            },
        )
        return _back(case)


@bp.post("/cases/<ref>/measures")
@require_roles(*CASE_ROLES)
def plan_measure(ref: str) -> ResponseReturnValue:
    with get_db().session() as db:
        user, case = _open(db, ref)
        form = _plan_form(db)
        if not form.validate_on_submit():
            return _form_again(case, form, "plan")
        kind = MEASURE_KINDS_BY_CODE[form.kind.data]
        if refuse_inapplicable(form, kind):
            return _form_again(case, form, "plan")
        scope = kind.consent_scope(form.variant.data or None)
        if scope is None:
            form.variant.errors = [_("Choose whether the person is named or not.")]
            return _form_again(case, form, "plan")
        mechanism = form.mechanism.data or None
        if kind.names_mechanism and mechanism is None:
            form.mechanism.errors = [_("Choose the mechanism the case is referred to.")]
            return _form_again(case, form, "plan")
        scopes = kind.scopes(form.variant.data or None) or ()
        reasons = consent_refusals(case, scopes, mechanism if kind.names_mechanism else None)
        if reasons:
            audit_log.record(
                db,
                user.username,
                "measure_refused",
                case_ref=case.ref,
                detail={"stage": "plan", "kind": kind.code, "scope": scope, "mechanism": mechanism},
            )
            return _refused(case, reasons)
        details = seal_text(db, case, "measure", {"details": form.details.data or ""})
        measure = Measure(
            case_ref=case.ref,
            kind=kind.code,
            consent_scope=scope,
            mechanism_code=mechanism if kind.names_mechanism else None,
            status="planned",
            seq=next_in_case(db, Measure, case.ref),
            details_item_id=details.id if details else None,
            recorded_by=user.id,
        )
        db.add(measure)
        db.flush()
        lifecycle.note_action(case)
        audit_log.record(
            db,
            user.username,
            "measure_recorded",
            case_ref=case.ref,
            detail={"measure": measure.id, "kind": kind.code, "status": "planned"},
        )
        return _back(case)


def _measure_of(db: Session, case: Case, measure_id: str) -> Measure:
    measure = db.get(Measure, measure_id)
    if measure is None or measure.case_ref != case.ref:
        abort(404)
    return measure


@bp.post("/cases/<ref>/measures/<measure_id>/sent")
@require_roles(*CASE_ROLES)
def send_measure(ref: str, measure_id: str) -> ResponseReturnValue:
    form = SendMeasureForm()
    with get_db().session() as db:
        user, case = _open(db, ref)
        measure = _measure_of(db, case, measure_id)
        if measure.status != "planned":
            return _refused(case, [_("Only a planned measure can be recorded as sent.")])
        valid = form.validate_on_submit()
        if refuse_inapplicable(form, measure) or not valid:
            return _form_again(case, form, "send", measure=measure)
        if given(form.sent_on.data) > today():
            form.sent_on.errors = [_("A measure cannot be recorded as sent on a future date.")]
            return _form_again(case, form, "send", measure=measure)
        kind = MEASURE_KINDS_BY_CODE[measure.kind]
        action_risk = form.action_risk.data or measure.action_risk
        reasons = refusals(
            db,
            case,
            measure,
            confirmed_current=bool(form.consent_current.data),
            action_risk=action_risk,
            sender_id=user.id,
            day=today(),
        )
        if kind.to_state and form.reply_due.data is None:
            reasons.append(_("Set the date by which the State should reply."))
        if reasons:
            consent = consent_in_force(case, measure.consent_scope, measure.mechanism_code)
            audit_log.record(
                db,
                user.username,
                "measure_refused",
                case_ref=case.ref,
                detail={
                    "measure": measure.id,
                    "scope": measure.consent_scope,
                    "mechanism": measure.mechanism_code,
                    "consent": consent.state,
                    "confirmed": bool(form.consent_current.data),
                    "action_risk": action_risk,
                    "approved": measure.approved_by is not None,
                },
            )
            return _refused(case, reasons)
        try:
            note = seal_text(db, case, "measure_risk", {"risk_note": form.risk_note.data or ""})
        except NoReaders:
            return _refused(case, [str(NO_RECORD_READERS)])
        measure.status = "sent"
        measure.sent_on = form.sent_on.data
        measure.channel = form.channel.data
        measure.action_risk = action_risk
        measure.consent_confirmed = True
        measure.reply_due = form.reply_due.data
        measure.risk_note_item_id = note.id if note else None
        measure.sent_by = user.id
        lifecycle.note_action(case)
        audit_log.record(
            db,
            user.username,
            "measure_recorded",
            case_ref=case.ref,
            detail={
                "measure": measure.id,
                "kind": measure.kind,
                "status": "sent",
                "scope": measure.consent_scope,
                "action_risk": measure.action_risk,
                "reply_due": measure.reply_due.isoformat() if measure.reply_due else None,
            },
        )
        return _back(case)


@bp.post("/cases/<ref>/measures/<measure_id>/approve")
@require_roles(*CASE_ROLES)
def approve_measure(ref: str, measure_id: str) -> ResponseReturnValue:
    """A second focal point or coordinator approves a planned measure and the risk it carries."""
    form = ApproveMeasureForm()
    with get_db().session() as db:
        user, case = _open(db, ref)
        measure = _measure_of(db, case, measure_id)
        if measure.status != "planned":
            return _refused(case, [_("Only a planned measure can be approved.")])
        if not form.validate_on_submit():
            return _form_again(case, form, "approve", measure=measure)
        reasons = consent_refusals(case, measure_scopes(measure), measure.mechanism_code)
        if measure.recorded_by == user.id:
            reasons.append(_("A second person approves: you planned this measure yourself."))
        if reasons:
            audit_log.record(
                db,
                user.username,
                "measure_approval_refused",
                case_ref=case.ref,
                detail={"measure": measure.id},
            )
            return _refused(case, reasons)
        measure.approved_by = user.id
        measure.approved_on = today()
        measure.action_risk = form.action_risk.data
        lifecycle.note_action(case)
        audit_log.record(
            db,
            user.username,
            "measure_approved",
            case_ref=case.ref,
            detail={
                "measure": measure.id,
                "kind": measure.kind,
                "action_risk": measure.action_risk,
            },
        )
        return _back(case)


@bp.post("/cases/<ref>/measures/<measure_id>/cancel")
@require_roles(*CASE_ROLES)
def cancel_measure(ref: str, measure_id: str) -> ResponseReturnValue:
    form = CancelMeasureForm()
    with get_db().session() as db:
        user, case = _open(db, ref)
        measure = _measure_of(db, case, measure_id)
        if measure.status != "planned":
            return _refused(case, [_("Only a planned measure can be cancelled.")])
        if not form.validate_on_submit():
            return _form_again(case, form, "cancel", measure=measure)
        measure.status = "cancelled"
        measure.cancelled_on = today()
        measure.cancel_reason = form.reason.data
        measure.cancelled_by = user.id
        lifecycle.note_action(case)
        audit_log.record(
            db,
            user.username,
            "measure_cancelled",
            case_ref=case.ref,
            detail={"measure": measure.id, "kind": measure.kind, "reason": measure.cancel_reason},
        )
        return _back(case)


@bp.post("/cases/<ref>/measures/<measure_id>/reply")
@require_roles(*CASE_ROLES)
def record_reply(ref: str, measure_id: str) -> ResponseReturnValue:
    form = ReplyForm()
    with get_db().session() as db:
        user, case = _open(db, ref)
        measure = _measure_of(db, case, measure_id)
        if measure.status != "sent" or not MEASURE_KINDS_BY_CODE[measure.kind].to_state:
            return _refused(case, [_("Only a measure sent to the State can have a State reply.")])
        valid = form.validate_on_submit()
        if refuse_inapplicable(form, form.grade.data) or not valid:
            return _form_again(case, form, "reply", measure=measure)
        day = today()
        if form.grade.data == "D":
            if measure.reply_due is None or day <= measure.reply_due:
                return _refused(
                    case, [_("“No reply” can be recorded only after the reply deadline.")]
                )
            reply_on = None
        else:
            reply_on = form.reply_on.data
            if reply_on is None:
                form.reply_on.errors = [_("Give the date of the State's reply.")]
                return _form_again(case, form, "reply", measure=measure)
            if reply_on > day or (measure.sent_on and reply_on < measure.sent_on):
                form.reply_on.errors = [
                    _("The reply date must be between the date sent and today.")
                ]
                return _form_again(case, form, "reply", measure=measure)
        measure.reply_grade = form.grade.data
        measure.reply_on = reply_on
        lifecycle.note_action(case)
        audit_log.record(
            db,
            user.username,
            "state_reply_recorded",
            case_ref=case.ref,
            detail={"measure": measure.id, "grade": measure.reply_grade},
        )
        return _back(case)


@bp.get("/casework/overdue")
@require_roles(*CASE_ROLES)
def overdue_view() -> ResponseReturnValue:
    with get_db().session() as db:
        _row, user = signed_in(db)
        lists = overdue(db, case_scope(db, user))
        return render_template("admin/casework/overdue.html", lists=lists, today=today())


def _risk_form_from_last(
    risks: list[RiskAssessment], case_key: CaseKey | None, db: Session
) -> RiskForm:
    """The new version starts from the last one: its ratings, review date and (key unlocked) text."""
    if not risks:
        return RiskForm(formdata=None)
    last = risks[0]
    narrative = open_text(db, last.narrative_item_id, case_key)
    narrative.pop("error", None)
    narrative.pop("withheld", None)
    return RiskForm(
        formdata=None,
        likelihood=last.likelihood,
        severity=last.severity,
        next_review=last.next_review,
        **narrative,
    )


@case_panel
def casework_panel(db: Session, user: User, case: Case, case_key: CaseKey | None) -> dict[str, Any]:
    """Context for this area's part of the case page (``case_key`` is None when locked)."""
    risks = list(
        db.scalars(
            select(RiskAssessment)
            .where(RiskAssessment.case_ref == case.ref)
            .order_by(RiskAssessment.version.desc())
        )
    )
    measures = list(
        db.scalars(
            select(Measure)
            .where(Measure.case_ref == case.ref)
            .order_by(Measure.planned_on, Measure.seq, Measure.id)
        )
    )
    history = list(
        db.scalars(
            select(StatusChange)
            .where(StatusChange.case_ref == case.ref)
            .order_by(StatusChange.changed_at, StatusChange.seq, StatusChange.id)
        )
    )
    consents = list(case.consents)
    triage_form = TriageForm(
        formdata=None, urgency=case.urgency, in_detention=case.in_detention or "unknown"
    )
    day = today()
    return {
        "casework": {
            "targets": lifecycle.allowed_targets(case),
            "suggestions": suggestions(db, case),
            "suggestion_form": SuggestedStatusForm(formdata=None),
            "work_labels": WORK_LABELS,
            "left_open": left_open(db, case) if case.status in lifecycle.OPEN_STATUSES else None,
            "history": history,
            "on_hold_for_outward_action": case.status == "on_hold" or case_on_hold(consents),
            "deletion_review": case_on_hold(consents),
            "effect": effect,
            "not_offered": _offered(case)[1],
            "kind_labels": {k.code: k.label for k in MEASURE_KINDS},
            "variant_labels": dict(VARIANTS),
            "action_overdue": case_action_overdue(case),
            "review_overdue": case.status != "closed"
            and case.next_review is not None
            and case.next_review < day,
            "consents_in_force": in_force(consents),
            "consent_history": sorted(consents, key=lambda c: c.id, reverse=True),
            "scope_label": scope_label,
            "risks": risks,
            "risk_narrative": open_text(db, risks[0].narrative_item_id, case_key) if risks else {},
            "measures": [
                {
                    "row": m,
                    "kind": MEASURE_KINDS_BY_CODE.get(m.kind),
                    "consent": consent_in_force(case, m.consent_scope, m.mechanism_code),
                    "status": measure_status(case, m),
                    "blocked_by": consent_refusals(case, measure_scopes(m), m.mechanism_code)
                    if m.status == "planned"
                    else [],
                    "details": open_text(db, m.details_item_id, case_key),
                    "risk_note": open_text(db, m.risk_note_item_id, case_key),
                    "reply_overdue": m.status == "sent"
                    and m.reply_grade is None
                    and m.reply_due is not None
                    and m.reply_due < day,
                }
                for m in measures
            ],
            "today": day,
            "labels": LABELS,
            "forms": {
                "triage": triage_form,
                "transition": TransitionForm(formdata=None),
                "risk": _risk_form_from_last(risks, case_key, db),
                "plan": _blank_plan_form(db, case),
                "send": SendMeasureForm(formdata=None, sent_on=day),
                "approve": ApproveMeasureForm(formdata=None),
                "cancel": CancelMeasureForm(formdata=None),
                "reply": ReplyForm(formdata=None),
            },
        }
    }
