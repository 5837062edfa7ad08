"""Who may read a new case: the keys the organisation certified (docs/spec/reader-record-v1.md).

A reviewer row is only a candidate. It becomes a reader of mechanism M when its record verifies with a
pinned organisation key, is within its dates, covers M in the role the row has (focal point linked to
M, or escrow), names exactly the row's key, and no signed revocation names that key. The database can
narrow the circle (deactivate a key, unlink a mechanism), never widen it.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto.errors import RptenvError
from crypto.records import ReaderRecord, Revocation, verify_record

from .models import ReaderRevocation, Reviewer, reviewer_mechanisms

# The suites this intake seals to: RPTENV suite 1 (X25519) and suite 2 (X-Wing, rptenv-v2.md).
SEALABLE_SUITES = frozenset({1, 2})


@dataclass(frozen=True)
class CertifiedReader:
    reviewer_id: str
    public_key: bytes
    record: ReaderRecord
    record_text: str

    @property
    def escrow(self) -> bool:
        return self.record.role == "escrow"


@lru_cache(maxsize=2048)
def verified(text: str, org_keys: tuple[bytes, ...]) -> ReaderRecord | Revocation | None:
    """The record if a pinned key signed it, else None. A pure function of its arguments."""
    try:
        return verify_record(text, org_keys)
    except RptenvError:
        return None


_r = Reviewer.__table__.c
_links = reviewer_mechanisms.c
_revocations = ReaderRevocation.__table__.c
# One statement: every active key that has a record, once per mechanism link (escrow keys have
# none), with any revocation of the same key. Only these columns: the intake's database role may
# read nothing else of a reviewer.
_CANDIDATES = (
    select(_r.id, _r.public_key, _r.record, _r.escrow, _links.mechanism_code, _revocations.record)
    .select_from(
        Reviewer.__table__.outerjoin(reviewer_mechanisms, _links.reviewer_id == _r.id).outerjoin(
            ReaderRevocation.__table__, _revocations.public_key == _r.public_key
        )
    )
    .where(_r.active.is_(True), _r.record.is_not(None))
    .order_by(_r.id)
)


@dataclass(frozen=True)
class ReaderCircle:
    """Every certified reader today, with the mechanisms each may read."""

    readers: Sequence[tuple[CertifiedReader, frozenset[str]]]

    def for_mechanism(self, code: str) -> list[CertifiedReader]:
        """Who a new case of ``code`` is sealed to: its focal points, then (only when it has one)
        the escrow keys that cover it. Empty when no focal point can read it."""
        focal = [r for r, codes in self.readers if not r.escrow and code in codes]
        if not focal:
            return []
        return focal + [r for r, _codes in self.readers if r.escrow and r.record.covers(code)]


def certified_focal_points(circle: ReaderCircle, codes: set[str]) -> set[str]:
    """The reviewer ids of the certified focal points of any of these mechanisms."""
    return {r.reviewer_id for r, readable in circle.readers if not r.escrow and readable & codes}


def reader_circle(
    session: Session, org_keys: tuple[bytes, ...], day: datetime.date
) -> ReaderCircle:
    """Read and check every candidate key (one query, once per transaction: the session is the
    transaction here). Never cached across requests: a key withdrawn or revoked a moment ago must
    not receive a case; only the signature checks are."""
    cached = session.info.get(_CACHE)
    if cached is not None and cached[0] == (org_keys, day):
        circle: ReaderCircle = cached[1]
        return circle
    circle = _read_circle(session, org_keys, day)
    session.info[_CACHE] = ((org_keys, day), circle)
    return circle


_CACHE = "reprisal_reader_circle"


def _read_circle(session: Session, org_keys: tuple[bytes, ...], day: datetime.date) -> ReaderCircle:
    rows: dict[str, tuple[bytes, str, bool, set[str], bool]] = {}
    for reviewer_id, public_key, text, escrow, mechanism, revocation in session.execute(
        _CANDIDATES
    ):
        key, stored_text, is_escrow, codes, revoked = rows.setdefault(
            reviewer_id, (public_key, text, bool(escrow), set(), False)
        )
        if mechanism is not None:
            codes.add(mechanism)
        if revocation is not None and not revoked:
            found = verified(revocation, org_keys)
            if isinstance(found, Revocation) and found.public_key == public_key:
                rows[reviewer_id] = (key, stored_text, is_escrow, codes, True)
    readers = []
    for reviewer_id, (public_key, text, escrow, codes, revoked) in rows.items():
        record = verified(text, org_keys)
        if (
            revoked
            or not isinstance(record, ReaderRecord)
            or record.public_key != public_key
            or record.suite not in SEALABLE_SUITES
            or not record.valid_on(day)
            or (record.role == "escrow") != escrow
        ):
            continue
        reader = CertifiedReader(reviewer_id, public_key, record, text)
        # A focal point reads a mechanism when both the record and the database say so.
        readable = frozenset(codes & set(record.mechanisms)) if not escrow else frozenset()
        readers.append((reader, readable))
    return ReaderCircle(readers)
