"""Importing the organisation's signed files into the database, and how a stored key stands:
`reprisal-admin reviewer add --record`, `reviewer certify`, `reviewer revoke`, `escrow add --record`,
`reviewer list` and the admin app's account page (docs/spec/reader-record-v1.md).

Whatever is imported here, the intake checks every record again before sealing (``readers``).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto.errors import RptenvError
from crypto.records import ReaderRecord, Revocation, verify_record

from .models import ReaderRevocation, Reviewer
from .readers import SEALABLE_SUITES, verified


class RecordRejected(Exception):
    """A record file that does not certify this key (the message says why, without secrets)."""


def check_reader_record(
    text: str,
    org_keys: tuple[bytes, ...],
    day: datetime.date,
    *,
    public_key: bytes,
    escrow: bool,
    mechanisms: Sequence[str] = (),
) -> ReaderRecord:
    """The record, if it certifies ``public_key`` in this role for every one of ``mechanisms``
    and is not expired; RecordRejected otherwise."""
    if not org_keys:
        raise RecordRejected("no organisation key is pinned (REPRISAL_ORG_PUBLIC_KEYS)")
    try:
        record = verify_record(text, org_keys)
    except RptenvError as error:
        raise RecordRejected(f"not a valid record: {error}") from None
    if not isinstance(record, ReaderRecord):
        raise RecordRejected("this is a revocation, not a reader record")
    if record.public_key != public_key:
        raise RecordRejected("the record is for another key")
    if (record.role == "escrow") != escrow:
        raise RecordRejected(f"the record is for a key of role {record.role}")
    uncovered = sorted(code for code in mechanisms if not record.covers(code))
    if uncovered:
        raise RecordRejected(f"the record does not cover {', '.join(uncovered)}")
    if record.not_after < day:
        raise RecordRejected(f"the record expired on {record.not_after.isoformat()}")
    if record.suite not in SEALABLE_SUITES:
        raise RecordRejected(f"this intake cannot seal to suite {record.suite}")
    return record


def is_revoked(session: Session, public_key: bytes, org_keys: tuple[bytes, ...]) -> bool:
    for text in session.scalars(
        select(ReaderRevocation.record).where(ReaderRevocation.public_key == public_key)
    ):
        found = verified(text, org_keys)
        if isinstance(found, Revocation) and found.public_key == public_key:
            return True
    return False


def certify(
    session: Session, text: str, org_keys: tuple[bytes, ...], day: datetime.date
) -> tuple[Reviewer, ReaderRecord]:
    """Attach a signed record to the stored key it certifies (a key made in the admin app, or
    one stored earlier without a record, or a renewal)."""
    try:
        record = verify_record(text, org_keys)
    except RptenvError as error:
        raise RecordRejected(f"not a valid record: {error}") from None
    if not isinstance(record, ReaderRecord):
        raise RecordRejected("this is a revocation, not a reader record")
    rows = list(
        session.scalars(
            select(Reviewer).where(
                Reviewer.public_key == record.public_key, Reviewer.active.is_(True)
            )
        )
    )
    if len(rows) != 1:
        raise RecordRejected(
            "no active stored key matches this record" if not rows else "several keys match"
        )
    [row] = rows
    codes = [m.code for m in row.mechanisms]
    if record.role == "focal_point" and not any(record.covers(code) for code in codes):
        raise RecordRejected(
            f"the record covers {', '.join(record.mechanisms)}, the key is for {', '.join(codes)}"
        )
    check_reader_record(text, org_keys, day, public_key=row.public_key, escrow=row.escrow)
    if is_revoked(session, row.public_key, org_keys):
        raise RecordRejected("this key was revoked; its holder needs a new key")
    row.record = text
    return row, record


def revoke(session: Session, text: str, org_keys: tuple[bytes, ...]) -> tuple[Revocation, int]:
    """Store a signed revocation; returns it and how many stored keys it revokes."""
    try:
        found = verify_record(text, org_keys)
    except RptenvError as error:
        raise RecordRejected(f"not a valid revocation: {error}") from None
    if not isinstance(found, Revocation):
        raise RecordRejected("this is a reader record, not a revocation")
    session.add(ReaderRevocation(public_key=found.public_key, record=text))
    count = len(
        list(session.scalars(select(Reviewer.id).where(Reviewer.public_key == found.public_key)))
    )
    return found, count


def reader_standing(
    session: Session, row: Reviewer, org_keys: tuple[bytes, ...], day: datetime.date
) -> tuple[str, ReaderRecord | None]:
    """("certified" | "waiting" | "revoked" | "not_signed" | "expired" | "not_yet", record)."""
    if is_revoked(session, row.public_key, org_keys):
        return "revoked", None
    if row.record is None:
        return "waiting", None
    record = verified(row.record, org_keys)
    if not isinstance(record, ReaderRecord) or record.public_key != row.public_key:
        return "not_signed", None
    if record.not_after < day:
        return "expired", record
    if record.not_before > day:
        return "not_yet", record
    return "certified", record


def reader_status(
    session: Session, row: Reviewer, org_keys: tuple[bytes, ...], day: datetime.date
) -> str:
    """How a stored key stands, in words for `reprisal-admin reviewer list`."""
    standing, record = reader_standing(session, row, org_keys, day)
    if standing == "certified" and record is not None:
        return f"certified until {record.not_after.isoformat()}"
    if standing == "expired" and record is not None:
        return f"record expired on {record.not_after.isoformat()}"
    if standing == "not_yet" and record is not None:
        return f"certified from {record.not_before.isoformat()}"
    return {
        "revoked": "revoked",
        "waiting": "waiting for the organisation's signature",
        "not_signed": "record not signed by a pinned organisation key",
    }[standing]
