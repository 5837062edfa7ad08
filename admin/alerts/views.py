"""Alerts in the admin app: the list of open alerts (where a notification's link leads), acknowledging
one (which makes the acknowledger the case's owner when it has none), and the case page's part showing
the owner, with a button to take the case."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden

from admin.access import CASE_ROLES, case_scope, may_open_case, require_roles
from admin.audit import log as audit_log
from admin.auth.current_user import signed_in
from admin.cases.panels import case_panel
from admin.cases.requests import CaseAccessDenied, forbidden, open_case_request
from admin.forms import AdminForm
from reprisal_intake.db import get_db
from reprisal_intake.models import Case, User, today
from reprisal_intake.models.alerts import Alert

bp = Blueprint("alerts", __name__)
bp.register_error_handler(Forbidden, forbidden)

REASON_LABELS = {
    "immediate": _l("New immediate-risk case"),
    "untriaged": _l("Untriaged past its deadline"),
}


class AcknowledgeForm(AdminForm):
    """A button: the alert is in the address."""


class TakeCaseForm(AdminForm):
    """A button: the signed-in user becomes the case's owner."""


def _owner_name(db: Session, case: Case) -> str | None:
    owner = db.get(User, case.owner_id) if case.owner_id else None
    return owner.username if owner is not None else None


def _open_alerts(db: Session, case_ref: str) -> list[Alert]:
    return list(
        db.scalars(
            select(Alert)
            .where(Alert.case_ref == case_ref, Alert.acknowledged_on.is_(None))
            .order_by(Alert.mechanism_code)
        )
    )


@case_panel
def owner_panel(db: Session, user: User, case: Case, case_key: Any) -> dict[str, Any]:
    """Context for the case page's owner and alerts part (admin/templates/admin/case/_alerts.html)."""
    return {
        "case_owner": _owner_name(db, case),
        "owned_by_me": case.owner_id == user.id,
        "case_alerts": _open_alerts(db, case.ref),
        "alert_reasons": REASON_LABELS,
        "take_case_form": TakeCaseForm(formdata=None),
        "acknowledge_form": AcknowledgeForm(formdata=None),
    }


@bp.get("/alerts/")
@require_roles(*CASE_ROLES)
def alert_list() -> ResponseReturnValue:
    with get_db().session() as db:
        _row, user = signed_in(db)
        query = (
            select(Alert, Case)
            .join(Case, Case.ref == Alert.case_ref)
            .where(Alert.acknowledged_on.is_(None))
            .order_by(Alert.sent_on, Alert.case_ref, Alert.mechanism_code)
        )
        scope = case_scope(db, user)
        if scope is not None:
            query = query.where(scope)
        rows = [(alert, case) for alert, case in db.execute(query)]
        return render_template(
            "admin/alerts/list.html",
            rows=rows,
            reasons=REASON_LABELS,
            form=AcknowledgeForm(formdata=None),
            owners={case.ref: _owner_name(db, case) for _alert, case in rows},
        )


@bp.post("/alerts/<alert_id>/acknowledge")
@require_roles(*CASE_ROLES)
def acknowledge(alert_id: str) -> ResponseReturnValue:
    if not AcknowledgeForm().validate_on_submit():
        abort(400)
    with get_db().session() as db:
        _row, user = signed_in(db)
        alert = db.get(Alert, alert_id)
        if alert is None:
            abort(404)
        case = db.get(Case, alert.case_ref)
        assert case is not None  # the alert's foreign key cascades
        if not may_open_case(db, user, case):
            raise CaseAccessDenied(user.username, case.ref)
        if alert.acknowledged_on is None:
            alert.acknowledged_on = today()
            alert.acknowledged_by = user.id
            alert.escalate_after = None
            if case.owner_id is None:
                case.owner_id = user.id
            audit_log.record(
                db,
                user.username,
                "alert_acknowledged",
                case_ref=case.ref,
                detail={"mechanism": alert.mechanism_code, "reason": alert.reason},
            )
        return redirect(url_for("cases.case_page_view", ref=case.ref) + "#owner")


@bp.post("/cases/<ref>/owner")
@require_roles(*CASE_ROLES)
def take_case(ref: str) -> ResponseReturnValue:
    if not TakeCaseForm().validate_on_submit():
        abort(400)
    with get_db().session() as db:
        opened = open_case_request(db, ref, with_key=False)
        case, user = opened.case, opened.user
        if case.owner_id != user.id:
            previous = _owner_name(db, case)
            case.owner_id = user.id
            audit_log.record(
                db,
                user.username,
                "case_owner_changed",
                case_ref=case.ref,
                detail={"owner": user.username, "was": previous},
            )
        return redirect(url_for("cases.case_page_view", ref=case.ref) + "#owner")
