"""Statistics: coding a case's de-identified facts, the dashboard with server-rendered charts, and exports."""

from __future__ import annotations

import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden
from wtforms import HiddenField, SelectField
from wtforms.validators import AnyOf, InputRequired

from admin.access import CASE_ROLES, case_scope, require_roles
from admin.annual_report.rules import anonymity_requested
from admin.audit import log as audit_log
from admin.cases.decryption import open_item
from admin.cases.panels import case_panel
from admin.cases.requests import forbidden, open_case_request
from admin.cases.views import case_page_view
from admin.casework.conditional_fields import refuse_inapplicable
from admin.forms import AdminForm
from admin.reporting_periods import parse_period, period_of, recent_periods
from admin.statistics.charts import render
from admin.statistics.coding import StatisticsForm, prefill, save, statistics_consent
from admin.statistics.exports import as_csv, as_json, note
from admin.statistics.figures import Period, figures
from admin.statistics.suppression import SMALL_COUNT
from admin.statistics.tables import tables, totals
from reprisal_intake.db import get_db
from reprisal_intake.models import Case, User, today
from reprisal_intake.models.statistics import CaseStatistics
from reprisal_intake.web.forms import SelectChoice, given
from reprisal_intake.web.headers import BASE_POLICY

bp = Blueprint("statistics", __name__)
bp.register_error_handler(Forbidden, forbidden)

EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


class ExportForm(AdminForm):
    """Exports are by fixed reporting period only (1 May to 30 April): two overlapping ad-hoc ranges
    could be subtracted from each other to isolate a few cases."""

    period = SelectField(_l("Reporting period"), choices=[], validators=[InputRequired()])
    format = HiddenField(validators=[AnyOf(list(EXPORT_TYPES))])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.period.choices = [SelectChoice(p.code, p.code) for p in recent_periods(today())]


@case_panel
def statistics_panel(db: Session, user: User, case: Case, case_key: Any) -> dict[str, Any]:
    """Context for this area's part of the case page (``case_key`` is None when locked)."""
    consent = statistics_consent(db, case)
    consented = consent == "granted"
    form: StatisticsForm | None = g.get("statistics_form")
    source = "submitted"
    if form is None:
        reports = [item for item in case.items if item.kind == "report"]
        opened = [open_item(db, item, case_key) for item in reports] if case_key else []
        data, source = prefill(db, case, opened, consented)
        form = StatisticsForm(formdata=None, data=data)
    return {
        "statistics_form": form,
        "statistics_consent": consent,
        "statistics_consented": consented,
        "statistics_source": source,
        "statistics_row": db.get(CaseStatistics, case.ref),
        "statistics_anonymity": anonymity_requested(case),
    }


@bp.post("/cases/<ref>/statistics")
@require_roles(*CASE_ROLES)
def code_case(ref: str) -> ResponseReturnValue:
    form = StatisticsForm()
    with get_db().session() as db:
        opened = open_case_request(db, ref, with_key=False)
        user, case = opened.user, opened.case
        consented = statistics_consent(db, case) == "granted"
        # Gender, age and women and girls posted without the person's consent are refused, not
        # dropped (admin/casework/conditional_fields.py).
        valid = form.validate_on_submit()
        refused = refuse_inapplicable(form, consented) or not valid
        if not refused:
            save(db, case, form, consented, user.id)
            audit_log.record(db, user.username, "statistics_coded", case_ref=case.ref)
        case_ref = case.ref
    if refused:
        # The case page again, with the answers and their errors (nothing is lost).
        g.statistics_form = form
        response = make_response(case_page_view(ref))
        response.status_code = 400
        return response
    flash(_("The statistics coding is saved."))
    return redirect(url_for("cases.case_page_view", ref=case_ref, _anchor="statistics"))


def _period() -> Period:
    default = Period.month_of(today())
    try:
        start = datetime.date.fromisoformat(request.args.get("from") or default.start.isoformat())
        end = datetime.date.fromisoformat(request.args.get("to") or default.end.isoformat())
    except ValueError:
        abort(400)
    if end < start:
        abort(400)
    return Period(start, end)


@bp.get("/statistics/")
@require_roles(*CASE_ROLES)
def dashboard() -> ResponseReturnValue:
    period = _period()
    with get_db().session() as db:
        user = db.get(User, g.user.id)
        if user is None:
            abort(403)
        found = figures(db, period, case_scope(db, user))
        shared = figures(db, period, case_scope(db, user), consented_only=True)
    shown = [(table, render(table) if table.rows else None) for table in tables(found)]
    hashes = sorted({chart.style_hash for _table, chart in shown if chart is not None})
    # The charts' <style> elements, by hash; never 'unsafe-inline', never a script.
    g.extra_csp = {"style-src": " ".join([BASE_POLICY["style-src"], *hashes])}
    export = ExportForm(formdata=None, data={"period": period_of(period.start).code})
    return render_template(
        "admin/statistics/dashboard.html",
        period=period,
        figures=found,
        totals=totals(found),
        shown=shown,
        shared_cases=shared.cases,
        export_form=export,
        export_note=note(),
        small_count=SMALL_COUNT,
    )


@bp.post("/statistics/export")
@require_roles(*CASE_ROLES)
def export() -> ResponseReturnValue:
    form = ExportForm()
    reporting = parse_period(form.period.data or "")
    if not form.validate_on_submit() or reporting is None:
        abort(400)
    period = Period(reporting.starts, reporting.ends)
    kind = given(form.format.data)
    with get_db().session() as db:
        user = db.get(User, g.user.id)
        if user is None:
            abort(403)
        shared = figures(db, period, case_scope(db, user), consented_only=True)
        body = (as_csv if kind == "csv" else as_json)(shared, reporting.code)
        audit_log.record(
            db,
            user.username,
            "statistics_exported",
            detail={"period": reporting.code, "format": kind},
        )
    response = Response(body, mimetype=EXPORT_TYPES[kind].split(";")[0])
    response.headers["Content-Type"] = EXPORT_TYPES[kind]
    name = f"statistics-{reporting.code}.{kind}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
