"""What is new on each listed case since the reader last read it: the person wrote or sent a file,
a colleague wrote, the consent changed, a State replied, the case was shared. Computed for the rows
of one page only (at most a page and the immediate queue), each query on an index by case."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reprisal_intake.models import AuditEntry, Consent, Item

NEVER_READ = "never_read"
NEWS_LABELS: dict[str, LazyString] = {
    NEVER_READ: _l("not read yet"),
    "followup": _l("the person wrote"),
    "attachment": _l("new file"),
    "note": _l("a colleague wrote"),
    "reply": _l("a colleague replied"),
    "consent": _l("consent changed"),
    "state_reply_recorded": _l("State reply"),
    "case_shared": _l("shared"),
}
# Others' work on a case that its readers should see first.
WORK_NEWS = ("state_reply_recorded", "case_shared")


def news(db: Session, username: str, refs: Iterable[str]) -> dict[str, list[str]]:
    """For each ref, the kinds of news (keys of NEWS_LABELS), in that order, since ``username``'s
    last read of the case."""
    refs = list(dict.fromkeys(refs))
    if not refs:
        return {}
    last_reads: dict[str, tuple[datetime.datetime, int]] = {}
    newest = (
        select(AuditEntry.case_ref, func.max(AuditEntry.seq))
        .where(
            AuditEntry.case_ref.in_(refs),
            AuditEntry.actor == username,
            AuditEntry.action == "case_read",
        )
        .group_by(AuditEntry.case_ref)
    )
    seqs = [seq for _ref, seq in db.execute(newest)]
    for entry in db.scalars(select(AuditEntry).where(AuditEntry.seq.in_(seqs))) if seqs else []:
        try:
            opened = int(json.loads(entry.detail).get("items_opened", 0))
        except (ValueError, AttributeError, TypeError):
            opened = 0
        if entry.case_ref is not None:
            last_reads[entry.case_ref] = (entry.at, opened)
    found: dict[str, set[str]] = {ref: set() for ref in refs}
    for ref in refs:
        if ref not in last_reads:
            found[ref].add(NEVER_READ)
    read = [ref for ref in refs if ref in last_reads]
    if read:
        for ref, seq, kind in db.execute(
            select(Item.case_ref, Item.seq, Item.kind).where(Item.case_ref.in_(read), Item.seq > 0)
        ):
            if seq >= last_reads[ref][1] and kind in NEWS_LABELS:
                found[ref].add(kind)
        for ref, recorded in db.execute(
            select(Consent.case_ref, func.max(Consent.recorded))
            .where(Consent.case_ref.in_(read))
            .group_by(Consent.case_ref)
        ):
            if recorded > last_reads[ref][0].date():
                found[ref].add("consent")
        for about, action, at in db.execute(
            select(AuditEntry.case_ref, AuditEntry.action, AuditEntry.at).where(
                AuditEntry.case_ref.in_(read),
                AuditEntry.action.in_(WORK_NEWS),
                AuditEntry.actor != username,
            )
        ):
            if about is not None and at > last_reads[about][0]:
                found[about].add(action)
    return {ref: [k for k in NEWS_LABELS if k in kinds] for ref, kinds in found.items()}
