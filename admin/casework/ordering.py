"""Stable ordering of a case's records: measures, State replies and status changes are numbered in the order they
were recorded within their case (``seq``), so rows of the same day are listed by date, then by that
number, never by their random ids."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reprisal_intake.models.annual_report import StateReply
from reprisal_intake.models.casework import Measure, StatusChange


def next_in_case(
    db: Session, model: type[Measure] | type[StateReply] | type[StatusChange], case_ref: str
) -> int:
    """The number the next ``model`` row of case ``case_ref`` takes (1 for the first)."""
    return (db.scalar(select(func.max(model.seq)).where(model.case_ref == case_ref)) or 0) + 1
