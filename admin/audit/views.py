"""The audit log, for auditors: newest first, paged by sequence number, with the chain's state."""

from __future__ import annotations

import datetime

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from admin.access import require_roles
from admin.audit import log as audit_log
from admin.audit.sentences import READ_ACTIONS, action_label, details, sentence
from reprisal_intake.db import get_db
from reprisal_intake.models import AuditEntry, Case

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


def _day(name: str) -> datetime.date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        abort(400)


def _filtered(query: Select[AuditEntry]) -> tuple[Select[AuditEntry], dict[str, str]]:
    """The filters of the page (user, event type, case, period) applied to ``query``."""
    shown: dict[str, str] = {}
    actor = request.args.get("user", "").strip()[:64]
    if actor:
        query = query.where(AuditEntry.actor == actor)
        shown["user"] = actor
    action = request.args.get("action", "").strip()
    if action:
        if action not in audit_log.ACTIONS:
            abort(400)
        query = query.where(AuditEntry.action == action)
        shown["action"] = action
    case_ref = request.args.get("case", "").strip().upper()[:24]
    if case_ref:
        query = query.where(AuditEntry.case_ref == case_ref)
        shown["case"] = case_ref
    start, end = _day("from"), _day("to")
    if start:
        query = query.where(AuditEntry.at >= datetime.datetime.combine(start, datetime.time.min))
        shown["from"] = start.isoformat()
    if end:
        query = query.where(
            AuditEntry.at
            < datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min)
        )
        shown["to"] = end.isoformat()
    return query, shown


def _rows(entries: list[AuditEntry]) -> list[dict[str, object]]:
    return [
        {
            "entry": e,
            "label": action_label(e.action),
            "sentence": sentence(e.action, details(e.detail)),
        }
        for e in entries
    ]


@bp.get("/")
@require_roles("auditor")
def log() -> ResponseReturnValue:
    before = _before()
    with get_db().session() as db:
        query, shown = _filtered(
            select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(PAGE_SIZE + 1)
        )
        if before:
            query = query.where(AuditEntry.seq < before)
        entries = list(db.scalars(query))
        more = len(entries) > PAGE_SIZE
        entries = entries[:PAGE_SIZE]
        check = audit_log.verify(db) if request.args.get("verify") else None
        actors = list(db.scalars(select(AuditEntry.actor).distinct().order_by(AuditEntry.actor)))
    return render_template(
        "admin/audit.html",
        rows=_rows(entries),
        next_before=entries[-1].seq if more and entries else None,
        shown=shown,
        actors=actors,
        actions=sorted(((a, action_label(a)) for a in audit_log.ACTIONS), key=lambda p: p[1]),
        check=check,
        problem=CHAIN_PROBLEMS.get(check.problem, check.problem) if check else None,
    )


@bp.get("/cases/<ref>")
@require_roles("auditor")
def case_readers(ref: str) -> ResponseReturnValue:
    """Who has read what of one case: per person, each read, download and export, with dates."""
    ref = ref.strip().upper()[:24]
    with get_db().session() as db:
        if db.get(Case, ref) is None and not db.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.case_ref == ref)
        ):
            abort(404)
        entries = list(
            db.scalars(
                select(AuditEntry)
                .where(AuditEntry.case_ref == ref, AuditEntry.action.in_(READ_ACTIONS))
                .order_by(AuditEntry.seq)
            )
        )
    readers: dict[str, list[dict[str, object]]] = {}
    for row in _rows(entries):
        entry = row["entry"]
        assert isinstance(entry, AuditEntry)
        readers.setdefault(entry.actor, []).append(row)
    return render_template("admin/audit_case.html", ref=ref, readers=readers)
