"""Routing: sharing a case with a further mechanism only with the submitter's consent, at the level
the consent allows (a summary, the full case without or with the person's identity), through the
do-no-harm gate (a current risk assessment, the risk of the sharing, a second person's approval when
named or high-risk), and unsharing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from admin.access import CASE_ROLES, focal_point_mechanisms, require_roles
from admin.audit import log as audit_log
from admin.cases.own_key_items import NO_RECORD_READERS, NoReaders
from admin.cases.panels import case_panel
from admin.cases.requests import CaseRequest, forbidden, open_case_request
from admin.casework.lifecycle import note_action
from admin.forms import AdminForm, EmptyForm
from admin.sharing.shares import (
    active_shares,
    carry_out,
    harm_refusals,
    identity_refusal,
    keys_refusal,
    missing_item_readers,
    needs_approval,
    part_refusal,
    pending_shares,
    reseal_items,
    seal_summary,
    seal_to,
    share_consent,
    share_refusal,
    unsealed_reviewers,
    unshare_case,
)
from admin.vocabulary import RISK_LEVELS
from reprisal_intake.consents import SHARE_ACTIONS, action_scopes, blocking
from reprisal_intake.db import get_db
from reprisal_intake.items import OWN_KEY_KINDS
from reprisal_intake.models import Case, Mechanism, Reviewer, User, today
from reprisal_intake.models.sharing import CaseShare
from reprisal_intake.web.forms import SelectChoice

bp = Blueprint("sharing", __name__, url_prefix="/cases")
RISK_CODES = frozenset(code for code, _label in RISK_LEVELS)
bp.register_error_handler(Forbidden, forbidden)

REFUSALS = {
    "unknown_mechanism": _l("There is no such mechanism."),
    "unknown_part": _l("Choose what the mechanism receives."),
    "already_routed": _l("The case is already with this mechanism."),
    "already_proposed": _l(
        "Sharing with this mechanism is already proposed: approve or carry out that proposal."
    ),
    "consent_not_asked": _l(
        "The person was never asked whether it may be shared with this mechanism."
    ),
    "consent_refused": _l("The person refused sharing with this mechanism."),
    "consent_withdrawn": _l("The person withdrew their consent to sharing with this mechanism."),
    "on_hold": _l(
        "The person withdrew a consent, so the case is on hold for any outward action until they "
        "give it again."
    ),
    "identity_consent": _l(
        "The person did not agree that their names and contact details go to this mechanism: "
        "share the case without them."
    ),
    "no_identity": _l("The person gave no names or contact details: share the case without them."),
    "identity_key_needed": _l(
        "Your key does not open the person's identity, so you cannot pass it on."
    ),
    "internal_key_needed": _l(
        "Your key does not open the whole internal record, so you cannot pass it on: share "
        "without it, or ask a focal point of the mechanism the person chose."
    ),
    "summary_key_needed": _l(
        "Your key does not open this summary, so you cannot pass it on: ask a focal point of the "
        "mechanism the person chose."
    ),
    "summary_needed": _l("Write the summary the mechanism will receive."),
    "confirm_needed": _l("Confirm that the consent is still current."),
    "no_reviewers": _l("Nobody at this mechanism has a key yet, so nobody there could read it."),
    "key_needed": _l(
        "Unlock your key first: sharing seals the case key, which only a reader of the case holds."
    ),
    "no_risk_assessment": _l(
        "Assess the risk to the person first: the case has no risk assessment."
    ),
    "risk_review_due": _l("The risk assessment is due for review: review it first."),
    "no_action_risk": _l("Record the risk this sharing carries for the person."),
    "own_proposal": _l("A second person approves: you proposed this sharing yourself."),
    "approver_shares": _l("The person who approved this sharing cannot also carry it out."),
    "not_approved": _l(
        "This sharing waits for a second focal point's or a coordinator's approval."
    ),
    "no_record_readers": NO_RECORD_READERS,
}
CONSENT_STATES = {
    "granted": _l("consent granted"),
    "refused": _l("consent refused"),
    "withdrawn": _l("consent withdrawn"),
    "not_asked": _l("consent not asked"),
}
# What each level gives, in the words the focal point reads (docs/domain.md, "Sharing a case").
PART_CHOICES = {
    "summary": _l(
        "A summary you write here, nothing else (not the report, not the person's identity)"
    ),
    "without_identity": _l("The full case without the person's identity"),
    "with_identity": _l("The full case with the person's identity"),
}
PART_WORDS = {
    "summary": _l("a summary a focal point wrote"),
    "without_identity": _l("the full case without the person's identity"),
    "with_identity": _l("the full case with the person's identity"),
}


class ShareForm(AdminForm):
    mechanism = SelectField(
        _l("Share with"),
        validators=[DataRequired(_l("Choose a mechanism."))],
        validate_choice=False,
    )
    part = RadioField(
        _l("What the mechanism receives"),
        choices=[SelectChoice(code, label) for code, label in PART_CHOICES.items()],
        default="without_identity",
        validate_choice=False,
    )
    summary = TextAreaField(
        _l("The summary (for a summary only)"), validators=[Optional(), Length(max=4000)]
    )
    internal_record = BooleanField(
        _l(
            "Include the internal record (internal notes, risk narratives, risk notes of "
            "measures) with a full case"
        )
    )
    action_risk = SelectField(
        _l("Risk this sharing carries for the person"),
        choices=[SelectChoice("", "-"), *[SelectChoice(c, label) for c, label in RISK_LEVELS]],
        validate_choice=False,
    )
    confirm_consent = BooleanField(
        _l("I checked that the person's consent to this sharing is still current."),
        validators=[DataRequired(_l("Confirm that the consent is still current."))],
    )


class ShareStepForm(AdminForm):
    confirm_consent = BooleanField(
        _l("I checked that the person's consent to this sharing is still current."),
        validators=[DataRequired(_l("Confirm that the consent is still current."))],
    )


class UnshareForm(AdminForm):
    mechanism = StringField(validators=[DataRequired(), Length(max=16)])


def _share_choices(db: Session, case: Case) -> list[tuple[str, str]]:
    """Mechanisms the case is not with yet, those the person agreed to first."""
    routed = {m.code for m in case.mechanisms}
    granted: list[tuple[str, str]] = []
    others: list[tuple[str, str]] = []
    for mechanism in db.scalars(select(Mechanism).order_by(Mechanism.position)):
        if mechanism.code in routed:
            continue
        state = share_consent(case, mechanism.code)
        choice = (
            mechanism.code,
            f"{mechanism.code.replace('_', ' ')}: {mechanism.name} "
            f"({CONSENT_STATES.get(state, state)})",
        )
        (granted if state == "granted" else others).append(choice)
    return [("", _("Choose a mechanism")), *granted, *others]


def offered_parts(case: Case) -> list[str]:
    """The levels the person's consent allows for some mechanism (the server checks again, for the
    mechanism chosen): with the identity only under its own consent and when there is one."""
    offered = []
    for action, part in SHARE_ACTIONS.items():
        scopes = tuple(s for s in action_scopes(action, None) or () if s != "share_with")
        if blocking(case.consents, scopes):
            continue
        if part == "with_identity" and not any(i.kind in OWN_KEY_KINDS for i in case.items):
            continue
        offered.append(part)
    return offered


@case_panel
def sharing_panel(db: Session, user: User, case: Case, case_key: Any) -> dict[str, Any]:
    """Context for this area's part of the case page (``case_key`` is None when locked)."""
    form = ShareForm(formdata=None)
    form.mechanism.choices = _share_choices(db, case)
    form.part.choices = [SelectChoice(p, PART_CHOICES[p]) for p in offered_parts(case)]
    unsealed = {r.name for r in unsealed_reviewers(db, case)}
    missing = set().union(*missing_item_readers(db, case).values())
    if missing:
        unsealed |= set(db.scalars(select(Reviewer.name).where(Reviewer.id.in_(missing))))
    return {
        "share_form": form,
        "share_step_form": ShareStepForm(formdata=None),
        "shares": active_shares(db, case),
        "pending_shares": pending_shares(db, case),
        "part_words": PART_WORDS,
        "unsealed": sorted(unsealed),
    }


def _refused(
    case: Case,
    username: str,
    db: Session,
    code: str,
    reason: str,
    status: int = 409,
    typed: str = "",
) -> ResponseReturnValue:
    """Audit the refusal and say why; a summary the focal point typed comes back to them."""
    audit_log.record(
        db,
        username,
        "share_refused",
        case_ref=case.ref,
        detail={"mechanism": code, "reason": reason},
    )
    return render_template(
        "admin/sharing/refused.html",
        case=case,
        mechanism=code,
        message=REFUSALS[reason],
        typed=typed,
    ), status


def _gate(db: Session, case: Case, share: CaseShare) -> str | None:
    """The consent and do-no-harm checks every step of a sharing passes again (first reason)."""
    mechanism = db.get(Mechanism, share.mechanism_code)
    reason = share_refusal(db, case, mechanism)
    if reason is None:
        reason = part_refusal(case, share.mechanism_code, share.part)
    if reason is None:
        reasons = harm_refusals(db, case, share.action_risk)
        reason = reasons[0] if reasons else None
    return reason


def _carry_out(db: Session, opened: CaseRequest, share: CaseShare) -> ResponseReturnValue:
    case = opened.case
    code = share.mechanism_code
    mechanism = db.get(Mechanism, code)
    if opened.case_key is None or mechanism is None:
        return _refused(case, opened.user.username, db, code, "key_needed")
    reason = keys_refusal(db, case, share, opened.item_keys)
    if reason is not None:
        return _refused(case, opened.user.username, db, code, reason)
    sealed = carry_out(db, case, mechanism, share, opened.case_key, opened.item_keys, opened.user)
    audit_log.record(
        db,
        opened.user.username,
        "case_shared",
        case_ref=case.ref,
        detail={
            "mechanism": code,
            "part": share.part,
            "internal_record": share.internal_record,
            "action_risk": share.action_risk,
            "approved": share.approved_by is not None,
            "stanzas": sealed.case_key,
            "identity_stanzas": sealed.identity,
            "internal_stanzas": sealed.internal_record,
            "summary_stanzas": sealed.summary,
        },
    )
    flash(_("The case is now shared with %(code)s.", code=code))
    return redirect(url_for("cases.case_page_view", ref=case.ref), code=303)


@bp.post("/<ref>/share")
@require_roles(*CASE_ROLES)
def share(ref: str) -> ResponseReturnValue:
    with get_db().session() as db:
        opened = open_case_request(db, ref)
        case = opened.case
        form = ShareForm()
        form.mechanism.choices = _share_choices(db, case)
        if not form.validate_on_submit():
            messages = [str(e) for errors in form.errors.values() for e in errors]
            return render_template(
                "admin/sharing/refused.html", case=case, mechanism=None, message=" ".join(messages)
            ), 400
        code = (form.mechanism.data or "").strip().upper()[:16]
        mechanism = db.get(Mechanism, code)
        typed = (form.summary.data or "") if form.part.data == "summary" else ""
        if opened.case_key is None:
            return _refused(case, opened.user.username, db, code, "key_needed", typed=typed)
        part = form.part.data or "without_identity"
        action_risk = form.action_risk.data if form.action_risk.data in RISK_CODES else None
        proposal = CaseShare(
            case_ref=case.ref,
            mechanism_code=code,
            part=part,
            internal_record=bool(form.internal_record.data) and part != "summary",
            action_risk=action_risk,
            proposed_by=opened.user.id,
            status="proposed",
        )
        reason = share_refusal(db, case, mechanism)
        if reason is None and any(p.mechanism_code == code for p in pending_shares(db, case)):
            reason = "already_proposed"
        if reason is None:
            reason = _gate(db, case, proposal)
        if reason is None and part == "summary" and not (form.summary.data or "").strip():
            return _refused(case, opened.user.username, db, code, "summary_needed", 400, typed)
        if reason is None and part == "with_identity":
            reason = identity_refusal(case, code, opened.item_keys)
        if reason is None and proposal.internal_record:
            reason = keys_refusal(db, case, proposal, opened.item_keys)
        if reason is not None:
            return _refused(case, opened.user.username, db, code, reason, typed=typed)
        if part == "summary":
            try:
                summary, summary_key = seal_summary(db, case, form.summary.data or "")
                proposal.summary_item_id = summary.id
                opened.item_keys[summary.id] = summary_key
            except NoReaders:
                return _refused(
                    case, opened.user.username, db, code, "no_record_readers", typed=typed
                )
        if not needs_approval(part, action_risk):
            return _carry_out(db, opened, proposal)
        db.add(proposal)
        db.flush()
        audit_log.record(
            db,
            opened.user.username,
            "share_proposed",
            case_ref=case.ref,
            detail={
                "share": proposal.id,
                "mechanism": code,
                "part": part,
                "internal_record": proposal.internal_record,
                "action_risk": action_risk,
            },
        )
        flash(
            _(
                "Sharing with %(code)s is proposed. A second focal point or a coordinator must "
                "approve it before it is carried out.",
                code=code,
            )
        )
        return redirect(url_for("cases.case_page_view", ref=case.ref), code=303)


def _pending(db: Session, case: Case, share_id: str) -> CaseShare:
    found = db.get(CaseShare, share_id)
    if found is None or found.case_ref != case.ref or found.status == "shared":
        abort(404)
    return found


@bp.post("/<ref>/shares/<share_id>/approve")
@require_roles(*CASE_ROLES)
def approve_share(ref: str, share_id: str) -> ResponseReturnValue:
    """A second focal point or coordinator approves a proposed sharing and the risk it carries."""
    with get_db().session() as db:
        opened = open_case_request(db, ref, with_key=False)
        case = opened.case
        proposal = _pending(db, case, share_id)
        if not ShareStepForm().validate_on_submit():
            return _refused(
                case, opened.user.username, db, proposal.mechanism_code, "unknown_part", 400
            )
        reason = None if proposal.status == "proposed" else "already_proposed"
        if reason is None and proposal.proposed_by == opened.user.id:
            reason = "own_proposal"
        if reason is None:
            reason = _gate(db, case, proposal)
        if reason is not None:
            audit_log.record(
                db,
                opened.user.username,
                "share_approval_refused",
                case_ref=case.ref,
                detail={"share": proposal.id, "reason": reason},
            )
            return render_template(
                "admin/sharing/refused.html",
                case=case,
                mechanism=proposal.mechanism_code,
                message=REFUSALS[reason],
            ), 409
        proposal.status = "approved"
        proposal.approved_by = opened.user.id
        proposal.approved_on = today()
        note_action(case)
        audit_log.record(
            db,
            opened.user.username,
            "share_approved",
            case_ref=case.ref,
            detail={
                "share": proposal.id,
                "mechanism": proposal.mechanism_code,
                "part": proposal.part,
                "action_risk": proposal.action_risk,
            },
        )
        flash(_("You approved sharing with %(code)s.", code=proposal.mechanism_code))
        return redirect(url_for("cases.case_page_view", ref=case.ref), code=303)


@bp.post("/<ref>/shares/<share_id>/carry-out")
@require_roles(*CASE_ROLES)
def carry_out_share(ref: str, share_id: str) -> ResponseReturnValue:
    """Carry out an approved sharing: anyone of the case but the one who approved it."""
    with get_db().session() as db:
        opened = open_case_request(db, ref)
        case = opened.case
        proposal = _pending(db, case, share_id)
        code = proposal.mechanism_code
        if not ShareStepForm().validate_on_submit():
            return _refused(case, opened.user.username, db, code, "confirm_needed", 400)
        reason = None
        if proposal.status != "approved":
            reason = "not_approved"
        elif proposal.approved_by == opened.user.id:
            reason = "approver_shares"
        if reason is None:
            reason = _gate(db, case, proposal)
        if reason is not None:
            return _refused(case, opened.user.username, db, code, reason)
        return _carry_out(db, opened, proposal)


def _may_unshare(db: Session, user: User, case: Case, code: str) -> bool:
    """Coordinators, and focal points of a mechanism that keeps the case: the mechanism a case was
    shared with cannot send it away from itself (nor cut off the others)."""
    if user.has_role("coordinator"):
        return True
    keeping = {m.code for m in case.mechanisms} - {code}
    return bool(keeping & focal_point_mechanisms(db, user))


@bp.post("/<ref>/unshare")
@require_roles(*CASE_ROLES)
def unshare(ref: str) -> ResponseReturnValue:
    with get_db().session() as db:
        opened = open_case_request(db, ref)
        case = opened.case
        form = UnshareForm()
        if not form.validate_on_submit():
            abort(400)
        code = (form.mechanism.data or "").strip().upper()
        found = db.scalar(
            select(CaseShare).where(
                CaseShare.case_ref == case.ref,
                CaseShare.mechanism_code == code,
                CaseShare.in_force(),
            )
        )
        if found is None:
            # The original mechanism was never shared, so it cannot be unshared.
            abort(404)
        if not _may_unshare(db, opened.user, case, code):
            abort(403)
        removed = unshare_case(db, case, found, opened.user)
        audit_log.record(
            db,
            opened.user.username,
            "case_unshared",
            case_ref=case.ref,
            detail={"mechanism": code, "stanzas_removed": removed},
        )
        flash(
            _(
                "%(code)s no longer receives this case. What was already read or exported there "
                "cannot be unread.",
                code=code,
            )
        )
        return redirect(url_for("cases.case_page_view", ref=case.ref), code=303)


@bp.post("/<ref>/reseal")
@require_roles(*CASE_ROLES)
def reseal(ref: str) -> ResponseReturnValue:
    """Seal the case to keys its mechanisms received after it was sealed or shared."""
    with get_db().session() as db:
        opened = open_case_request(db, ref)
        if not EmptyForm().validate_on_submit():
            abort(400)
        if opened.case_key is None:
            flash(str(REFUSALS["key_needed"]))
            return redirect(url_for("cases.case_page_view", ref=opened.case.ref), code=303)
        reviewers = unsealed_reviewers(db, opened.case)
        added = seal_to(db, opened.case, opened.case_key, reviewers)
        # The identity and the internal record, to the readers they lack, with the keys held here.
        added += reseal_items(db, opened.case, opened.item_keys)
        if added:
            audit_log.record(
                db,
                opened.user.username,
                "routing",
                case_ref=opened.case.ref,
                detail={"reviewers": [r.name for r in reviewers]},
            )
        flash(_("The case is now sealed to %(count)d more key(s).", count=added))
        return redirect(url_for("cases.case_page_view", ref=opened.case.ref), code=303)
