"""The append-only, hash-chained audit log of reviewer actions.

Each entry's hash is SHA-256 over the canonical JSON of its fields and the previous entry's hash, so an
edited or deleted entry breaks the chain at that point. Appends lock the chain head row, so entries are
numbered without gaps even with several workers. Entries hold who, what, which case and when, never
case content or secrets.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from reprisal_intake.models import AuditEntry, AuditHead, utcnow

GENESIS_HASH = "0" * 64
HEAD_ID = 1

ACTIONS = (
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "sign_out_everywhere",
    "account_locked",
    "invitation_created",
    "invitation_accepted",
    "totp_enrolled",
    "recovery_code_used",
    "recovery_codes_renewed",
    "security_key_added",
    "role_change",
    "user_deactivated",
    "key_created",
    "key_registered",
    "key_unlocked",
    "key_locked",
    "key_rotated",
    "escrow_key_added",
    # Reader records (issue 14: admin/cli/reviewers.py, admin/cli/escrow.py)
    "reader_added",
    "reader_certified",
    "reader_revoked",
    "access_denied",
    "case_viewed",
    "item_decrypted",
    "item_downloaded",
    "case_exported",
    "routing",
    # Case work (admin/casework/views.py)
    "status_changed",
    "triaged",
    "risk_assessed",
    "measure_recorded",
    "measure_refused",
    "measure_approved",
    "measure_approval_refused",
    "measure_cancelled",
    "state_reply_recorded",
    # Routing, contact, retention (admin/sharing/views.py, admin/contact/views.py, purge)
    "case_shared",
    "case_unshared",
    "share_refused",
    "reply_sent",
    "note_added",
    "purge_planned",
    "retention_set",
    "case_purged",
    # Statistics (admin/statistics/views.py)
    "statistics_coded",
    "statistics_exported",
    # Alerts and ownership (admin/alerts/views.py)
    "alert_acknowledged",
    "case_owner_changed",
    # Assessment and the Secretary-General's report (admin/annual_report/views.py)
    "assessed",
    "report_inclusion_recorded",
    "annual_report_exported",
)


def entry_hash(
    *,
    seq: int,
    at: datetime.datetime,
    actor: str,
    action: str,
    case_ref: str | None,
    detail: str,
    prev_hash: str,
) -> str:
    canonical = json.dumps(
        {
            "seq": seq,
            "at": at.isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "case_ref": case_ref,
            "detail": detail,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    case_ref: str | None = None,
    detail: Mapping[str, object] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (so it commits or rolls back with the action)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    head = session.scalar(select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update())
    if head is None:
        head = AuditHead(id=HEAD_ID, seq=0, hash=GENESIS_HASH)
        session.add(head)
    at = utcnow()
    detail_text = json.dumps(dict(detail or {}), sort_keys=True, separators=(",", ":"))
    seq = head.seq + 1
    digest = entry_hash(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        case_ref=case_ref,
        detail=detail_text,
        prev_hash=head.hash,
    )
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        case_ref=case_ref,
        detail=detail_text,
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(entry)
    head.seq = seq
    head.hash = digest
    session.flush()
    return entry


# What check_chain finds wrong (also printed by ``reprisal-admin audit verify``).
ENTRY_MISSING = "entry missing"
PREVIOUS_HASH_MISMATCH = "previous hash does not match"
ENTRY_CHANGED = "entry was changed"
END_MISSING = "entries missing at the end of the log"


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str = ""


def check_chain(entries: Iterable[AuditEntry], head: AuditHead | None) -> ChainCheck:
    """Recompute the chain; report the first entry that was edited, removed or reordered."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainCheck(False, count, expected_seq, ENTRY_MISSING)
        if entry.prev_hash != expected_prev:
            return ChainCheck(False, count, entry.seq, PREVIOUS_HASH_MISMATCH)
        digest = entry_hash(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            case_ref=entry.case_ref,
            detail=entry.detail,
            prev_hash=entry.prev_hash,
        )
        if digest != entry.hash:
            return ChainCheck(False, count, entry.seq, ENTRY_CHANGED)
        expected_prev = digest
        expected_seq += 1
        count += 1
    head_seq = head.seq if head else 0
    head_hash = head.hash if head else GENESIS_HASH
    if head_seq != count or head_hash != expected_prev:
        return ChainCheck(False, count, count + 1, END_MISSING)
    return ChainCheck(True, count)


def verify(session: Session) -> ChainCheck:
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000)
    head = session.get(AuditHead, HEAD_ID)
    return check_chain(entries, head)
