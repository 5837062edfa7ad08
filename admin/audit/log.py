"""The append-only audit log, chained and authenticated with a key the database does not hold.

Each entry's ``hash`` is HMAC-SHA-256, under the audit key (``admin.audit.keys``), of the canonical
JSON of its fields and of the previous entry's MAC. Whoever can write the database but lacks the key
cannot edit, insert or remove an entry without ``verify`` finding it: a chain recomputed with plain
SHA-256, or with any other key, fails. Cutting entries off the end and moving the head back leaves a
shorter chain that is still valid, so ``checkpoint`` gives a MACed line naming the head, to keep
elsewhere; ``verify`` with those lines finds any entry rewritten or removed before one of them.

On PostgreSQL the admin role may not write ``audit_log`` or ``audit_head``: it appends only through
``reprisal_audit_append`` (migration 0011), which takes the next place after the head and a time
within minutes of now, and never edits or deletes. The intake holds no audit key: it leaves a
content-free event (which case, what kind, the date) in ``audit_inbox`` for the case its lookup tag
names, and the next append here chains it, as the actor ``submitter``, which no other entry may
claim. Entries hold who, what, which case and when, never case content or secrets.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from admin.audit.keys import AuditKeys, current_audit_keys
from reprisal_intake.models import AuditEntry, AuditHead, AuditInboxEvent, utcnow

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
    "reader_migrated",
    "access_denied",
    "case_viewed",
    "item_decrypted",
    "case_read",
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
    "share_proposed",
    "share_approved",
    "share_approval_refused",
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
    # Cases linked as one matter (admin/cases/matters.py)
    "cases_linked",
    "cases_unlinked",
    # Assessment and the Secretary-General's report (admin/annual_report/views.py)
    "assessed",
    "report_inclusion_recorded",
    "annual_report_exported",
    # Command-line actions that change who can read or what is kept (admin/cli/)
    "database_roles_granted",
    "backup_restored",
    # The person's own actions at the intake, chained from audit_inbox (content-free)
    "consent_changed",
)
SUBMITTER = "submitter"
# What the intake may leave in audit_inbox (a CHECK constraint holds the database to it too).
SUBMITTER_ACTIONS = ("consent_changed",)


def canonical_entry(entry: AuditEntry) -> bytes:
    """The bytes an entry's MAC covers: its fields and the previous entry's MAC, as sorted JSON."""
    return json.dumps(
        {
            "seq": entry.seq,
            "at": entry.at.isoformat(timespec="microseconds"),
            "actor": entry.actor,
            "action": entry.action,
            "case_ref": entry.case_ref,
            "detail": entry.detail,
            "prev_hash": entry.prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    ).encode()


def entry_mac(key: bytes, entry: AuditEntry) -> str:
    return hmac.new(key, canonical_entry(entry), hashlib.sha256).hexdigest()


def legacy_entry_hash(entry: AuditEntry) -> str:
    """Plain SHA-256, as entries were chained before migration 0011 (anyone could recompute it)."""
    return hashlib.sha256(canonical_entry(entry)).hexdigest()


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    case_ref: str | None = None,
    detail: Mapping[str, object] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (so it commits or rolls back with the action),
    after chaining the intake's pending events."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if actor == SUBMITTER:
        raise ValueError("only the intake's events are the submitter's")
    chain = _Chain(session, current_audit_keys())
    chain.take_inbox()
    detail_text = json.dumps(dict(detail or {}), sort_keys=True, separators=(",", ":"))
    return chain.append(utcnow(), actor, action, case_ref, detail_text)


def take_inbox(session: Session) -> int:
    """Chain the intake's pending events now (``audit verify`` and ``checkpoint`` do)."""
    return _Chain(session, current_audit_keys()).take_inbox()


class _Chain:
    """The head, locked for the transaction: appends are serialized and numbered without gaps."""

    def __init__(self, session: Session, keys: AuditKeys) -> None:
        self.session = session
        self.keys = keys
        self.postgres = session.get_bind().dialect.name == "postgresql"
        if self.postgres:
            row = session.execute(text("SELECT seq, hash FROM reprisal_audit_head()")).one()
            self.seq, self.hash = int(row.seq), str(row.hash)
        else:
            head = session.scalar(
                select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
            )
            if head is None:
                head = AuditHead(id=HEAD_ID, seq=0, hash=GENESIS_HASH)
                session.add(head)
            self.head = head
            self.seq, self.hash = head.seq, head.hash

    def take_inbox(self) -> int:
        events = list(
            self.session.scalars(
                select(AuditInboxEvent).order_by(AuditInboxEvent.recorded, AuditInboxEvent.id)
            )
        )
        for event in events:
            at = datetime.datetime.combine(event.recorded, datetime.time())
            self.append(at, SUBMITTER, event.action, event.case_ref, "{}", inbox_id=event.id)
        return len(events)

    def append(
        self,
        at: datetime.datetime,
        actor: str,
        action: str,
        case_ref: str | None,
        detail: str,
        *,
        inbox_id: str | None = None,
    ) -> AuditEntry:
        seq = self.seq + 1
        entry = AuditEntry(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            case_ref=case_ref,
            detail=detail,
            prev_hash=self.hash,
        )
        entry.hash = mac = entry_mac(self.keys.entries, entry)
        if self.postgres:
            self.session.execute(
                text(
                    "SELECT reprisal_audit_append(:seq, :at, :actor, :action, :case_ref, "
                    ":detail, :prev_hash, :hash, :inbox_id)"
                ),
                {
                    "seq": seq,
                    "at": at,
                    "actor": actor,
                    "action": action,
                    "case_ref": case_ref,
                    "detail": detail,
                    "prev_hash": self.hash,
                    "hash": mac,
                    "inbox_id": inbox_id,
                },
            )
        else:
            self.session.add(entry)
            self.head.seq, self.head.hash = seq, mac
            if inbox_id is not None:
                self.session.execute(delete(AuditInboxEvent).where(AuditInboxEvent.id == inbox_id))
            self.session.flush()
        self.seq, self.hash = seq, mac
        return entry


# What check_chain finds wrong (also printed by ``reprisal-admin audit verify``).
ENTRY_MISSING = "entry missing"
PREVIOUS_HASH_MISMATCH = "previous hash does not match"
ENTRY_CHANGED = "entry was changed"
END_MISSING = "entries missing at the end of the log"
CHECKPOINT_NOT_AUTHENTIC = "a checkpoint was not made with this audit key"
CHECKPOINT_UNREADABLE = "a checkpoint line cannot be read"
REWRITTEN_BEFORE_CHECKPOINT = "entries were rewritten or removed before a checkpoint"
# Problems whose first_bad_seq is a line of the checkpoint file, not an entry.
CHECKPOINT_PROBLEMS = (CHECKPOINT_NOT_AUTHENTIC, CHECKPOINT_UNREADABLE)


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str = ""


def check_chain(
    entries: Iterable[AuditEntry],
    head: AuditHead | None,
    keys: AuditKeys,
    checkpoints: Sequence[Checkpoint] = (),
) -> ChainCheck:
    """Recompute the chain; report the first entry that was edited, removed or reordered, or the
    first checkpoint the log no longer reaches."""
    wanted = {c.seq: c.head for c in checkpoints}
    found: dict[int, str] = {0: GENESIS_HASH} if 0 in wanted else {}
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainCheck(False, count, expected_seq, ENTRY_MISSING)
        if entry.prev_hash != expected_prev:
            return ChainCheck(False, count, entry.seq, PREVIOUS_HASH_MISMATCH)
        digest = entry_mac(keys.entries, entry)
        if not hmac.compare_digest(digest, entry.hash):
            return ChainCheck(False, count, entry.seq, ENTRY_CHANGED)
        if entry.seq in wanted:
            found[entry.seq] = digest
        expected_prev = digest
        expected_seq += 1
        count += 1
    for checkpoint in sorted(checkpoints, key=lambda c: c.seq):
        if found.get(checkpoint.seq) != checkpoint.head:
            return ChainCheck(False, count, checkpoint.seq, REWRITTEN_BEFORE_CHECKPOINT)
    head_seq = head.seq if head else 0
    head_hash = head.hash if head else GENESIS_HASH
    if head_seq != count or head_hash != expected_prev:
        return ChainCheck(False, count, count + 1, END_MISSING)
    return ChainCheck(True, count)


def verify(session: Session, checkpoint_lines: Iterable[str] = ()) -> ChainCheck:
    """Check the chain with the audit key, and that it still reaches every checkpoint given."""
    keys = current_audit_keys()
    checkpoints = []
    for number, line in enumerate(checkpoint_lines, start=1):
        if not line.strip():
            continue
        try:
            checkpoint = Checkpoint.parse(line)
        except ValueError:
            return ChainCheck(False, 0, number, CHECKPOINT_UNREADABLE)
        if not checkpoint.authentic(keys):
            return ChainCheck(False, 0, number, CHECKPOINT_NOT_AUTHENTIC)
        checkpoints.append(checkpoint)
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000)
    head = session.get(AuditHead, HEAD_ID)
    return check_chain(entries, head, keys, checkpoints)


CHECKPOINT_LINE = re.compile(
    r"^reprisal-audit-checkpoint v1 seq=(\d{1,18}) head=([0-9a-f]{64}) "
    r"date=(\d{4}-\d{2}-\d{2}) mac=([0-9a-f]{64})$"
)


@dataclass(frozen=True)
class Checkpoint:
    """One line naming the chain's head on a date, MACed with the audit key's checkpoint key
    (docs/design.md, "Audit log"). Kept outside the server, it pins every entry up to ``seq``."""

    seq: int
    head: str
    date: datetime.date
    mac: str = ""

    def signed_text(self) -> str:
        return (
            f"reprisal-audit-checkpoint v1 seq={self.seq} head={self.head} "
            f"date={self.date.isoformat()}"
        )

    def expected_mac(self, keys: AuditKeys) -> str:
        return hmac.new(keys.checkpoints, self.signed_text().encode(), hashlib.sha256).hexdigest()

    def authentic(self, keys: AuditKeys) -> bool:
        return hmac.compare_digest(self.mac, self.expected_mac(keys))

    def line(self) -> str:
        return f"{self.signed_text()} mac={self.mac}"

    @classmethod
    def parse(cls, line: str) -> Checkpoint:
        match = CHECKPOINT_LINE.match(line.strip())
        if match is None:
            raise ValueError("not a checkpoint line")
        seq, head, date, mac = match.groups()
        return cls(int(seq), head, datetime.date.fromisoformat(date), mac)


def checkpoint(session: Session) -> Checkpoint:
    """The current head as a checkpoint line (after chaining the intake's pending events)."""
    keys = current_audit_keys()
    chain = _Chain(session, keys)
    chain.take_inbox()
    unsigned = Checkpoint(chain.seq, chain.hash, utcnow().date())
    return Checkpoint(unsigned.seq, unsigned.head, unsigned.date, unsigned.expected_mac(keys))


def authenticate_legacy_chain(session: Session) -> ChainCheck:
    """Once, when ``reprisal-admin init`` migrates across 0011: check the old SHA-256 chain, and
    only if it is intact, MAC every entry with the audit key. Run as the schema owner. An entry
    rewritten before this upgrade cannot be told apart; one rewritten after it can."""
    entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    head = session.get(AuditHead, HEAD_ID)
    expected_prev = GENESIS_HASH
    for number, entry in enumerate(entries, start=1):
        if entry.seq != number or entry.prev_hash != expected_prev:
            return ChainCheck(False, number - 1, number, PREVIOUS_HASH_MISMATCH)
        if legacy_entry_hash(entry) != entry.hash:
            return ChainCheck(False, number - 1, number, ENTRY_CHANGED)
        expected_prev = entry.hash
    if (head.seq if head else 0) != len(entries) or (
        head.hash if head else GENESIS_HASH
    ) != expected_prev:
        return ChainCheck(False, len(entries), len(entries) + 1, END_MISSING)
    keys = current_audit_keys()
    previous = GENESIS_HASH
    for entry in entries:
        entry.prev_hash = previous
        entry.hash = previous = entry_mac(keys.entries, entry)
    if head is not None:
        head.hash = previous
    session.flush()
    return ChainCheck(True, len(entries))
