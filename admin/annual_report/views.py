"""The case page's assessment and report part (assess, place in a report, record a State reply) and
the coordinators' export for the drafting team. Every step is audited in the transaction that makes
it; a refused step changes nothing and answers 409 with the reason; bad input answers 400."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden

from admin.access import CASE_ROLES, require_roles
from admin.annual_report import export, rules
from admin.annual_report.forms import (
    NONE_CHOSEN,
    AssessmentForm,
    InclusionForm,
    StateReplyForm,
)
from admin.audit import log as audit_log
from admin.auth.current_user import signed_in
from admin.cases.panels import case_panel
from admin.cases.requests import forbidden, open_case_request
from admin.casework.ordering import next_in_case
from admin.casework.sealed_text import open_text, seal_text
from admin.reporting_periods import parse_period, recent_periods
from admin.vocabulary import (
    ASSESSMENT_OUTCOMES,
    INCLUSION_STATUSES,
    MEASURE_KINDS_BY_CODE,
    REPLY_GRADES,
)
from crypto.envelope import encrypt
from crypto.keys import public_key_from_bytes
from reprisal_intake.db import get_db
from reprisal_intake.items import add_item
from reprisal_intake.models import Case, User, today
from reprisal_intake.models.annual_report import Assessment, ReportInclusion, StateReply
from reprisal_intake.models.casework import Measure
from reprisal_intake.web.forms import SelectChoice

bp = Blueprint("annual_report", __name__)
bp.register_error_handler(Forbidden, forbidden)

LABELS = {
    "outcome": dict(ASSESSMENT_OUTCOMES),
    "inclusion": dict(INCLUSION_STATUSES),
    "grade": dict(REPLY_GRADES),
}


def _inclusions(db: Session, case_ref: str) -> list[ReportInclusion]:
    return list(
        db.scalars(
            select(ReportInclusion)
            .where(ReportInclusion.case_ref == case_ref)
            .order_by(ReportInclusion.period.desc())
        )
    )


def _state_measures(db: Session, case_ref: str) -> list[Measure]:
    return [
        m
        for m in db.scalars(
            select(Measure)
            .where(Measure.case_ref == case_ref)
            .order_by(Measure.planned_on, Measure.seq, Measure.id)
        )
        if (kind := MEASURE_KINDS_BY_CODE.get(m.kind)) is not None and kind.to_state
    ]


def _forms(
    db: Session, case: Case, *, blank: bool
) -> tuple[AssessmentForm, InclusionForm, StateReplyForm]:
    assessment = AssessmentForm(formdata=None) if blank else AssessmentForm()
    inclusion = InclusionForm(formdata=None) if blank else InclusionForm()
    reply = StateReplyForm(formdata=None) if blank else StateReplyForm()
    inclusion.period.choices = [SelectChoice(p.code, p.code) for p in recent_periods(today())]
    inclusion.follows_up.choices = [
        SelectChoice("", NONE_CHOSEN),
        *(
            SelectChoice(
                row.id, f"{row.period}: {row.document_symbol or '-'} ¶ {row.paragraph or '-'}"
            )
            for row in _inclusions(db, case.ref)
            if row.status == "included"
        ),
    ]
    reply.measure.choices = [
        SelectChoice("", _("Nothing: the State replied unasked")),
        *(
            SelectChoice(m.id, f"{MEASURE_KINDS_BY_CODE[m.kind].label} ({m.sent_on or '-'})")
            for m in _state_measures(db, case.ref)
        ),
    ]
    return assessment, inclusion, reply


@case_panel
def annual_report_panel(db: Session, user: User, case: Case, case_key: Any) -> dict[str, Any]:
    """Context for admin/templates/admin/case/_annual_report.html (``case_key`` None when locked)."""
    assessment_form, inclusion_form, reply_form = _forms(db, case, blank=True)
    assessment = rules.current_assessment(db, case.ref)
    if assessment is not None:
        # A new assessment starts from the one in force.
        assessment_form.outcome.data = assessment.outcome
    inclusions = _inclusions(db, case.ref)
    if inclusions:
        # The place in the report starts from the latest period recorded.
        latest = inclusions[0]
        inclusion_form.period.data = latest.period
        inclusion_form.status.data = latest.status
        inclusion_form.document_symbol.data = latest.document_symbol or ""
        inclusion_form.paragraph.data = latest.paragraph or ""
        inclusion_form.follows_up.data = latest.follows_up_id or ""
        inclusion_form.follows_up_reference.data = latest.follows_up_reference or ""
    replies = list(
        db.scalars(
            select(StateReply)
            .where(StateReply.case_ref == case.ref)
            .order_by(StateReply.received_on.desc(), StateReply.seq.desc(), StateReply.id)
        )
    )
    return {
        "annual_report": {
            "assessment": assessment,
            "naming": rules.report_naming(case),
            "inclusions": inclusions,
            "replies": [(r, open_text(db, r.text_item_id, case_key).get("text")) for r in replies],
            "labels": LABELS,
            "forms": {
                "assessment": assessment_form,
                "inclusion": inclusion_form,
                "reply": reply_form,
            },
            "can_read": case_key is not None,
        }
    }


def _back(case: Case) -> ResponseReturnValue:
    return redirect(url_for("cases.case_page_view", ref=case.ref) + "#annual-report")


def _again(case: Case, form: Any, which: str) -> ResponseReturnValue:
    return (
        render_template("admin/annual_report/form.html", case=case, form=form, which=which),
        400,
    )


def _refused(case: Case, reasons: list[str]) -> ResponseReturnValue:
    return render_template("admin/annual_report/refused.html", case=case, reasons=reasons), 409


@bp.post("/cases/<ref>/assessment")
@require_roles(*CASE_ROLES)
def assess(ref: str) -> ResponseReturnValue:
    with get_db().session() as db:
        opened = open_case_request(db, ref, with_key=False)
        form, _inclusion, _reply = _forms(db, opened.case, blank=False)
        if not form.validate_on_submit():
            return _again(opened.case, form, "assessment")
        seq = (
            db.scalar(
                select(func.max(Assessment.seq)).where(Assessment.case_ref == opened.case.ref)
            )
            or 0
        ) + 1
        db.add(
            Assessment(
                case_ref=opened.case.ref,
                seq=seq,
                outcome=form.outcome.data,
                assessed_by=opened.user.id,
            )
        )
        audit_log.record(
            db,
            opened.user.username,
            "assessed",
            case_ref=opened.case.ref,
            detail={"outcome": form.outcome.data},
        )
        return _back(opened.case)


@bp.post("/cases/<ref>/sg-report")
@require_roles(*CASE_ROLES)
def place_in_report(ref: str) -> ResponseReturnValue:
    with get_db().session() as db:
        opened = open_case_request(db, ref, with_key=False)
        case = opened.case
        _assessment, form, _reply = _forms(db, case, blank=False)
        if not form.validate_on_submit():
            return _again(case, form, "inclusion")
        period = parse_period(form.period.data or "")
        if period is None:
            abort(400)
        follows_up = db.get(ReportInclusion, form.follows_up.data) if form.follows_up.data else None
        symbol = (form.document_symbol.data or "").strip()
        paragraph = (form.paragraph.data or "").strip()
        reasons = rules.inclusion_refusals(
            db, case, form.status.data, symbol, paragraph, follows_up, period.code
        )
        if reasons:
            return _refused(case, reasons)
        row = db.scalars(
            select(ReportInclusion).where(
                ReportInclusion.case_ref == case.ref, ReportInclusion.period == period.code
            )
        ).one_or_none()
        if row is None:
            row = ReportInclusion(case_ref=case.ref, period=period.code)
            db.add(row)
        row.status = form.status.data
        row.document_symbol = symbol or None
        row.paragraph = paragraph or None
        row.follows_up_id = follows_up.id if follows_up else None
        row.follows_up_reference = (form.follows_up_reference.data or "").strip() or None
        row.decided_by = opened.user.id
        row.decided_on = today()
        audit_log.record(
            db,
            opened.user.username,
            "report_inclusion_recorded",
            case_ref=case.ref,
            detail={
                "period": row.period,
                "status": row.status,
                "document_symbol": row.document_symbol,
                "paragraph": row.paragraph,
            },
        )
        return _back(case)


def _seal_file(db: Session, case: Case) -> str | None:
    upload = request.files.get("attachment")
    if upload is None or not upload.filename:
        return None
    envelope = encrypt(
        upload.stream.read(),
        [public_key_from_bytes(case.public_key)],
        {
            "kind": "attachment",
            "name": upload.filename,
            "type": upload.mimetype or "application/octet-stream",
            "about": "state_reply",
            "created": today().isoformat(),
        },
    )
    return add_item(db, case.ref, "attachment", io.BytesIO(envelope), submitter_readable=False).id


@bp.post("/cases/<ref>/state-replies")
@require_roles(*CASE_ROLES)
def record_state_reply(ref: str) -> ResponseReturnValue:
    with get_db().session() as db:
        opened = open_case_request(db, ref, with_key=False)
        case = opened.case
        _assessment, _inclusion, form = _forms(db, case, blank=False)
        if not form.validate_on_submit():
            return _again(case, form, "reply")
        measure = db.get(Measure, form.measure.data) if form.measure.data else None
        received_on = form.received_on.data
        assert received_on is not None  # InputRequired
        reasons = rules.reply_refusals(case, measure, form.grade.data, received_on, today())
        if reasons:
            return _refused(case, reasons)
        text = seal_text(db, case, "state_reply", {"text": form.text.data or ""})
        reply = StateReply(
            case_ref=case.ref,
            measure_id=measure.id if measure else None,
            received_on=received_on,
            seq=next_in_case(db, StateReply, case.ref),
            grade=form.grade.data,
            text_item_id=text.id if text else None,
            file_item_id=_seal_file(db, case),
            recorded_by=opened.user.id,
        )
        db.add(reply)
        if measure is not None and measure.reply_grade is None:
            measure.reply_grade = reply.grade
            measure.reply_on = received_on
        audit_log.record(
            db,
            opened.user.username,
            "state_reply_recorded",
            case_ref=case.ref,
            detail={
                "grade": reply.grade,
                "received_on": received_on.isoformat(),
                "measure": reply.measure_id,
                "text": reply.text_item_id,
                "file": reply.file_item_id,
            },
        )
        return _back(case)


@bp.get("/annual-report/")
@require_roles("coordinator")
def periods_page() -> ResponseReturnValue:
    with get_db().session() as db:
        signed_in(db)
        counts = dict(
            db.execute(
                select(ReportInclusion.period, func.count())
                .where(ReportInclusion.status == "included")
                .group_by(ReportInclusion.period)
            ).all()
        )
    return render_template(
        "admin/annual_report/periods.html",
        periods=[(p, counts.get(p.code, 0)) for p in recent_periods(today())],
    )


@bp.get("/annual-report/<code>.json")
@require_roles("coordinator")
def export_period(code: str) -> ResponseReturnValue:
    period = parse_period(code)
    if period is None:
        abort(404)
    with get_db().session() as db:
        _row, user = signed_in(db)
        built = export.build(db, period)
        audit_log.record(
            db,
            user.username,
            "annual_report_exported",
            detail={"period": period.code, "cases": len(built["cases"])},
        )
    return Response(
        export.as_json(built),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="sg-report-{period.code}.json"',
            "Cache-Control": "no-store",
        },
    )
