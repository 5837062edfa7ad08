"""The case list: routing fields only (nothing is decrypted), filtered and paged with a keyset on
(created, ref), newest first, so any page costs an index range scan even at 100,000 cases."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, exists, select, tuple_
from sqlalchemy.orm import Session

from reprisal_intake.models import Case, case_mechanisms

PAGE_SIZE = 50
_REF_SYMBOLS = re.compile(r"[^0-9A-Z]")


@dataclass(frozen=True)
class CaseFilters:
    mechanism: str | None = None
    status: str | None = None
    urgency: str | None = None
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    ref: str | None = None


@dataclass(frozen=True)
class CaseRow:
    ref: str
    created: datetime.date
    status: str
    urgency: str | None
    in_detention: str | None
    mechanisms: tuple[str, ...]


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    next_cursor: str | None


def normalise_ref(text: str) -> str:
    """A reference as typed (any case, with or without dashes) in its stored form."""
    symbols = _REF_SYMBOLS.sub("", text.upper())
    if len(symbols) != 16:
        return text.strip().upper()
    return "-".join(symbols[i : i + 4] for i in range(0, 16, 4))


def encode_cursor(row: CaseRow) -> str:
    return f"{row.created.isoformat()}_{row.ref}"


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
) -> Select[tuple[str, datetime.date, str, str | None, str | None]]:
    query = select(Case.ref, Case.created, Case.status, Case.urgency, Case.in_detention)
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
    if after is not None:
        query = query.where(tuple_(Case.created, Case.ref) < tuple_(*after))
    return query.order_by(Case.created.desc(), Case.ref.desc()).limit(size + 1)


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
    codes: dict[str, list[str]] = {row.ref: [] for row in found}
    if codes:
        for ref, code in db.execute(
            select(case_mechanisms.c.case_ref, case_mechanisms.c.mechanism_code)
            .where(case_mechanisms.c.case_ref.in_(list(codes)))
            .order_by(case_mechanisms.c.mechanism_code)
        ):
            codes[ref].append(code)
    rows = [
        CaseRow(r.ref, r.created, r.status, r.urgency, r.in_detention, tuple(codes[r.ref]))
        for r in found
    ]
    return CasePage(rows, encode_cursor(rows[-1]) if has_more and rows else None)
