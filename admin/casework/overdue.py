"""What is overdue: State replies past their deadline, reviews past their date, and immediate-risk
cases with no reviewer action within 24 hours of being flagged."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from reprisal_intake.models import Case, Consent, today, utcnow
from reprisal_intake.models.casework import Measure

S = TypeVar("S", bound=Select[*tuple[Any, ...]])
ACTION_WINDOW = datetime.timedelta(hours=24)


def flagged_at(
    created: datetime.date, immediate_since: datetime.datetime | None
) -> datetime.datetime:
    """When immediate risk was flagged: at triage, or (flagged by the submitter, who leaves only a
    date) at the start of the day the report was received."""
    return immediate_since or datetime.datetime.combine(created, datetime.time())


def immediate_action_overdue(
    *,
    urgency: str | None,
    status: str,
    created: datetime.date,
    immediate_since: datetime.datetime | None,
    last_action_at: datetime.datetime | None,
    now: datetime.datetime | None = None,
) -> bool:
    if urgency != "immediate" or status == "closed":
        return False
    flagged = flagged_at(created, immediate_since)
    if last_action_at is not None and last_action_at > flagged:
        return False
    return (now or utcnow()) - flagged > ACTION_WINDOW


def case_action_overdue(case: Case, now: datetime.datetime | None = None) -> bool:
    return immediate_action_overdue(
        urgency=case.urgency,
        status=case.status,
        created=case.created,
        immediate_since=case.immediate_since,
        last_action_at=case.last_action_at,
        now=now,
    )


@dataclass
class OverdueLists:
    replies: list[tuple[Measure, Case]]
    reviews: list[Case]
    immediate: list[Case]
    # Open cases whose "keep this report and assess it" is no longer granted (issue 15).
    deletion_reviews: list[Case]

    @property
    def empty(self) -> bool:
        return not (self.replies or self.reviews or self.immediate or self.deletion_reviews)


def overdue(db: Session, scope: ColumnElement[bool] | None) -> OverdueLists:
    def scoped(query: S) -> S:
        query = query.where(Case.status != "closed")
        return query if scope is None else query.where(scope)

    day = today()
    replies = [
        (measure, case)
        for measure, case in db.execute(
            scoped(
                select(Measure, Case)
                .join(Case, Case.ref == Measure.case_ref)
                .where(
                    Measure.status == "sent",
                    Measure.reply_grade.is_(None),
                    Measure.reply_due < day,
                )
                .order_by(Measure.reply_due, Case.ref)
            )
        ).all()
    ]
    reviews = list(
        db.scalars(scoped(select(Case).where(Case.next_review < day).order_by(Case.next_review)))
    )
    immediate = [
        case
        for case in db.scalars(
            scoped(select(Case).where(Case.urgency == "immediate").order_by(Case.created, Case.ref))
        )
        if case_action_overdue(case)
    ]
    latest = (
        select(func.max(Consent.id))
        .where(Consent.scope == "store_assess")
        .group_by(Consent.case_ref)
        .scalar_subquery()
    )
    deletion_reviews = list(
        db.scalars(
            scoped(
                select(Case)
                .join(Consent, Consent.case_ref == Case.ref)
                .where(Consent.id.in_(latest), Consent.state != "granted")
                .order_by(Case.created, Case.ref)
            )
        )
    )
    return OverdueLists(replies, reviews, immediate, deletion_reviews)
