"""The audit log, for auditors: newest first, paged by sequence number, with the chain's state."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from admin.access import require_roles
from admin.audit import log as audit_log
from reprisal_intake.db import get_db
from reprisal_intake.models import AuditEntry

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 100
# The highest sequence number the column holds (a 32-bit INTEGER); SQLite cannot even bind a number
# past 64 bits.
LAST_SEQUENCE_NUMBER = 2**31 - 1
CHAIN_PROBLEMS = {
    audit_log.ENTRY_MISSING: _l("an entry is missing"),
    audit_log.PREVIOUS_HASH_MISMATCH: _l("it does not follow from the entry before it"),
    audit_log.ENTRY_CHANGED: _l("the entry was changed"),
    audit_log.END_MISSING: _l("entries are missing at the end of the log"),
}


def _before() -> int | None:
    """The sequence number an older page starts below (``?before=``), if any; 400 if not one."""
    value = request.args.get("before", "").strip()
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        abort(400)
    if not 0 < number <= LAST_SEQUENCE_NUMBER:
        abort(400)
    return number


@bp.get("/")
@require_roles("auditor")
def log() -> ResponseReturnValue:
    before = _before()
    case_ref = request.args.get("case", "").strip().upper()[:24] or None
    with get_db().session() as db:
        query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(PAGE_SIZE + 1)
        if before:
            query = query.where(AuditEntry.seq < before)
        if case_ref:
            query = query.where(AuditEntry.case_ref == case_ref)
        entries = list(db.scalars(query))
        more = len(entries) > PAGE_SIZE
        entries = entries[:PAGE_SIZE]
        check = audit_log.verify(db) if request.args.get("verify") else None
    return render_template(
        "admin/audit.html",
        entries=entries,
        next_before=entries[-1].seq if more and entries else None,
        case_ref=case_ref,
        check=check,
        problem=CHAIN_PROBLEMS.get(check.problem, check.problem) if check else None,
    )
