"""Moving a reader to a new (hybrid) key: the organisation's signed record for the new key replaces
the old one, every access stanza of the reader is re-sealed from the old key to the new one (the
case keys and items do not change, docs/spec/rptenv-v2.md section 4), and the old key is retired:
no row keeps it, so neither path of the intake seals to it again. All or nothing: one transaction."""

from __future__ import annotations

import datetime
import hashlib

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crypto.errors import RptenvError
from crypto.keys import open_case_key, public_key_from_bytes, reseal_case_key, seal_case_key
from crypto.records import ReaderRecord, verify_record
from crypto.stanzas import SUITE_HYBRID, ReaderKey, RecipientKey, suite_of
from reprisal_intake.models import AccessStanza, AdminSession, Case, ItemAccess, Reviewer
from reprisal_intake.reader_records import RecordRejected, check_reader_record, is_revoked


class MigrationRefused(Exception):
    """The migration was refused before anything changed; the message says why."""


def key_fingerprint(public_key: bytes) -> str:
    """A short, public name for a key in the audit log (SHA-256 of the public key, 16 hex digits)."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def reseal_reader_stanzas(
    session: Session, reviewer_id: str, old_key: ReaderKey, new_public: RecipientKey
) -> int:
    """Re-seal to ``new_public`` every stanza ``old_key`` opens for this reader: its case-key stanzas
    (checked against each case's public key) and the stanzas of items sealed to their own key (the
    identity). Items are not touched. Returns the number of case-key stanzas re-sealed."""
    stanzas = list(
        session.scalars(
            select(AccessStanza)
            .where(AccessStanza.reviewer_id == reviewer_id)
            .order_by(AccessStanza.id)
            .with_for_update()
        )
    )
    for stanza in stanzas:
        case_public_key = session.scalar(select(Case.public_key).where(Case.ref == stanza.case_ref))
        if case_public_key is None:  # pragma: no cover - a stanza always belongs to a case
            raise MigrationRefused(f"stanza {stanza.id} names no case")
        stanza.sealed_case_key = reseal_case_key(
            [stanza.sealed_case_key],
            old_key,
            new_public,
            case_public_key=public_key_from_bytes(case_public_key),
        )
    item_stanzas = session.scalars(
        select(ItemAccess)
        .where(ItemAccess.reviewer_id == reviewer_id)
        .order_by(ItemAccess.id)
        .with_for_update()
    )
    for item_stanza in item_stanzas:
        # An identity item's own key is of its case key's suite (X-Wing for a suite-2 case).
        item_case_key = session.scalar(
            select(Case.public_key).where(Case.ref == item_stanza.case_ref)
        )
        if item_case_key is None:  # pragma: no cover - an item stanza always belongs to a case
            raise MigrationRefused(f"item stanza {item_stanza.id} names no case")
        item_key = open_case_key(
            [item_stanza.sealed_item_key],
            old_key,
            case_suite=suite_of(public_key_from_bytes(item_case_key)),
        )
        item_stanza.sealed_item_key = seal_case_key(item_key, new_public)
    return len(stanzas)


def migrate_reader(
    session: Session,
    old_public_key: bytes,
    old_key: ReaderKey,
    record_text: str,
    org_keys: tuple[bytes, ...],
    day: datetime.date,
) -> tuple[Reviewer, bytes, int]:
    """Move the active reader holding ``old_public_key`` to the hybrid key ``record_text`` certifies.

    Returns the reader, the new public key and how many stanzas were re-sealed.
    """
    if bytes(old_key.public_key) != old_public_key:
        raise MigrationRefused("the key file is not the old key")
    row = session.scalars(
        select(Reviewer)
        .where(Reviewer.public_key == old_public_key, Reviewer.active.is_(True))
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise MigrationRefused("no active reader has this key")
    codes = [m.code for m in row.mechanisms]
    try:
        record = check_reader_record(
            record_text,
            org_keys,
            day,
            public_key=_named_key(record_text, org_keys),
            escrow=row.escrow,
            mechanisms=codes,
        )
    except RecordRejected as error:
        raise MigrationRefused(str(error)) from None
    if record.suite != SUITE_HYBRID:
        raise MigrationRefused(f"the new key must be hybrid (suite 2), not suite {record.suite}")
    new_public_key = record.public_key
    if session.scalar(select(Reviewer.id).where(Reviewer.public_key == new_public_key)):
        raise MigrationRefused("the new key is stored already")
    if is_revoked(session, new_public_key, org_keys):
        raise MigrationRefused("the new key was revoked")
    new_public = public_key_from_bytes(new_public_key)
    count = reseal_reader_stanzas(session, row.id, old_key, new_public)
    row.public_key = new_public_key
    row.record = record_text
    # The new secret key lives in its holder's key file; a copy of the old one kept by the app
    # would open nothing now.
    row.wrapped_secret_key = None
    session.execute(
        update(AdminSession)
        .where(AdminSession.unlocked_reviewer_id == row.id)
        .values(unlocked_reviewer_id=None, sealed_secret_key=None)
    )
    session.flush()
    return row, new_public_key, count


def _named_key(text: str, org_keys: tuple[bytes, ...]) -> bytes:
    """The public key a signed record names (check_reader_record then checks the rest)."""
    try:
        record = verify_record(text, org_keys)
    except RptenvError as error:
        raise RecordRejected(f"not a valid record: {error}") from None
    if not isinstance(record, ReaderRecord):
        raise RecordRejected("this is a revocation, not a reader record")
    return record.public_key
