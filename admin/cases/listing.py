"""The case list: routing fields only (nothing is decrypted), filtered and paged with a keyset on
(created, ref), newest first, so any page costs an index range scan even at 1,000,000 cases. Ordered
by next action due (or filtered on it: overdue, due this week), the keyset is (next_due, ref), oldest
deadline first, on ``ix_cases_next_due_ref``; the owner filters use ``ix_cases_owner_created_ref``.
No page counts the cases: "Next page" is shown when one more row than the page exists.

Open immediate-risk cases come first, above the pages, in their own short queue (oldest first, marked
when no reviewer acted within 24 hours): that keeps them at the top of every focal point's list without
changing the paged order or its index."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Row, Select, exists, select, tuple_
from sqlalchemy.orm import Session

from admin.casework.overdue import immediate_action_overdue
from reprisal_intake.models import Case, case_mechanisms, today

PAGE_SIZE = 50
S = TypeVar("S", bound=Select[*tuple[Any, ...]])
# The immediate-risk queue is short in practice; past this many (a page's worth) the list says there
# are more and links to them filtered by urgency, where they are paged.
IMMEDIATE_LIMIT = 50
_REF_SYMBOLS = re.compile(r"[^0-9A-Z]")
# The owner filter's values besides a user's id.
UNASSIGNED = "none"
# The due filter's values, and the orders.
DUE_FILTERS = ("overdue", "week")
ORDERS = ("received", "due")
WEEK = datetime.timedelta(days=7)


@dataclass(frozen=True)
class CaseFilters:
    mechanism: str | None = None
    status: str | None = None
    urgency: str | None = None
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    ref: str | None = None
    # A user's id, or UNASSIGNED.
    owner: str | None = None
    # One of DUE_FILTERS.
    due: str | None = None
    order: str = "received"

    @property
    def by_due(self) -> bool:
        """Ordered by next action due (asked for, or implied by a due filter)."""
        return self.order == "due" or self.due is not None


@dataclass(frozen=True)
class CaseRow:
    ref: str
    created: datetime.date
    status: str
    urgency: str | None
    in_detention: str | None
    mechanisms: tuple[str, ...]
    overdue: bool = False
    owner_id: str | None = None
    next_due: datetime.date | None = None
    next_due_reason: str | None = None

    @property
    def due_passed(self) -> bool:
        return self.next_due is not None and self.next_due < today()


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    next_cursor: str | None
    immediate: list[CaseRow] = field(default_factory=list)
    # More open immediate-risk cases match than the queue shows.
    more_immediate: bool = False


def normalise_ref(text: str) -> str:
    """A reference as typed (any case, with or without dashes) in its stored form."""
    symbols = _REF_SYMBOLS.sub("", text.upper())
    if len(symbols) != 16:
        return text.strip().upper()
    return "-".join(symbols[i : i + 4] for i in range(0, 16, 4))


def encode_cursor(row: CaseRow, by_due: bool = False) -> str:
    day = row.next_due if by_due else row.created
    assert day is not None  # ordered by due, every listed row has a due date
    return f"{day.isoformat()}_{row.ref}"


def decode_cursor(cursor: str | None) -> tuple[datetime.date, str] | None:
    if not cursor or "_" not in cursor:
        return None
    day, ref = cursor.split("_", 1)
    try:
        return datetime.date.fromisoformat(day), ref
    except ValueError:
        return None


def page_query(
    scope: ColumnElement[bool] | None,
    filters: CaseFilters,
    after: tuple[datetime.date, str] | None,
    size: int = PAGE_SIZE,
) -> Select[*tuple[Any, ...]]:
    query = _filtered(_ROW_COLUMNS, scope, filters)
    if filters.by_due:
        query = query.where(Case.next_due.is_not(None))
        if after is not None:
            query = query.where(tuple_(Case.next_due, Case.ref) > tuple_(*after))
        return query.order_by(Case.next_due, Case.ref).limit(size + 1)
    if after is not None:
        query = query.where(tuple_(Case.created, Case.ref) < tuple_(*after))
    return query.order_by(Case.created.desc(), Case.ref.desc()).limit(size + 1)


def immediate_query(
    scope: ColumnElement[bool] | None, filters: CaseFilters
) -> Select[*tuple[Any, ...]]:
    """Open immediate-risk cases matching the filters, oldest first (few: no paging)."""
    return (
        _filtered(_ROW_COLUMNS, scope, filters)
        .where(Case.urgency == "immediate", Case.status != "closed")
        .order_by(Case.created, Case.ref)
        .limit(IMMEDIATE_LIMIT + 1)
    )


_ROW_COLUMNS = select(
    Case.ref,
    Case.created,
    Case.status,
    Case.urgency,
    Case.in_detention,
    Case.immediate_since,
    Case.last_action_at,
    Case.owner_id,
    Case.next_due,
    Case.next_due_reason,
)


def _filtered(query: S, scope: ColumnElement[bool] | None, filters: CaseFilters) -> S:
    if scope is not None:
        query = query.where(scope)
    if filters.mechanism:
        query = query.where(
            exists().where(
                case_mechanisms.c.case_ref == Case.ref,
                case_mechanisms.c.mechanism_code == filters.mechanism,
            )
        )
    if filters.status:
        query = query.where(Case.status == filters.status)
    if filters.urgency:
        query = query.where(Case.urgency == filters.urgency)
    if filters.created_from:
        query = query.where(Case.created >= filters.created_from)
    if filters.created_to:
        query = query.where(Case.created <= filters.created_to)
    if filters.ref:
        query = query.where(Case.ref == normalise_ref(filters.ref))
    if filters.owner == UNASSIGNED:
        query = query.where(Case.owner_id.is_(None))
    elif filters.owner:
        query = query.where(Case.owner_id == filters.owner)
    day = today()
    if filters.due == "overdue":
        query = query.where(Case.next_due < day)
    elif filters.due == "week":
        query = query.where(Case.next_due >= day, Case.next_due < day + WEEK)
    return query


def case_page(
    db: Session,
    scope: ColumnElement[bool] | None,
    filters: CaseFilters,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
) -> CasePage:
    found = db.execute(page_query(scope, filters, decode_cursor(cursor), size)).all()
    has_more = len(found) > size
    found = found[:size]
    immediate = db.execute(immediate_query(scope, filters)).all() if not cursor else []
    more_immediate = len(immediate) > IMMEDIATE_LIMIT
    immediate = immediate[:IMMEDIATE_LIMIT]
    codes: dict[str, list[str]] = {row.ref: [] for row in [*found, *immediate]}
    if codes:
        for ref, code in db.execute(
            select(case_mechanisms.c.case_ref, case_mechanisms.c.mechanism_code)
            .where(case_mechanisms.c.case_ref.in_(list(codes)))
            .order_by(case_mechanisms.c.mechanism_code)
        ):
            codes[ref].append(code)
    rows = [_row(r, codes[r.ref]) for r in found]
    return CasePage(
        rows,
        encode_cursor(rows[-1], filters.by_due) if has_more and rows else None,
        [_row(r, codes[r.ref]) for r in immediate],
        more_immediate,
    )


def _row(found: Row[Any], codes: list[str]) -> CaseRow:
    overdue = immediate_action_overdue(
        urgency=found.urgency,
        status=found.status,
        created=found.created,
        immediate_since=found.immediate_since,
        last_action_at=found.last_action_at,
    )
    return CaseRow(
        found.ref,
        found.created,
        found.status,
        found.urgency,
        found.in_detention,
        tuple(codes),
        overdue,
        found.owner_id,
        found.next_due,
        found.next_due_reason,
    )
