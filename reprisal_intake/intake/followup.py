"""The submitter's return visits: find the case by codename, read replies, add information.

The codename is never stored. After it is entered once, the session cookie carries the lookup tag and the
submitter secret key sealed with a key only the server holds, so the next pages can decrypt replies
without asking again; neither the cookie alone nor the server alone can open anything.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app, session
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey
from nacl.secret import SecretBox
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from crypto.codename import CodenameKeys
from crypto.envelope import EnvelopeReader
from crypto.errors import RptenvError
from crypto.keys import public_key_from_bytes
from crypto.stanzas import RecipientKey

from ..db import scope_to_submitter
from ..envelopes import open_envelope
from ..models import (
    AuditInboxEvent,
    Case,
    Item,
    SubmitterTag,
    random_id,
    today,
)
from ..models.sharing import CaseShare

SESSION_KEY = "followup"


@dataclass(frozen=True)
class Message:
    item_id: str
    kind: str
    created: datetime.date
    text: str | None
    file_name: str | None


def _session_box() -> SecretBox:
    secret = current_app.config["SECRET_KEY"]
    key = hmac.new(secret, b"reprisal intake follow-up session", hashlib.sha256).digest()
    return SecretBox(key)


def remember(keys: CodenameKeys) -> None:
    # The lookup tag, the X25519 submitter key and (codename v2) the X-Wing submitter seed.
    sealed = _session_box().encrypt(
        keys.lookup_tag + bytes(keys.submitter_key) + (keys.hybrid_seed or b"")
    )
    session.clear()
    session[SESSION_KEY] = base64.b64encode(sealed).decode()
    session.permanent = True


def forget() -> None:
    session.pop(SESSION_KEY, None)


def remembered() -> CodenameKeys | None:
    sealed = session.get(SESSION_KEY)
    if not isinstance(sealed, str):
        return None
    try:
        opened = _session_box().decrypt(base64.b64decode(sealed))
    except (CryptoError, ValueError):
        return None
    if len(opened) not in (64, 96):
        return None
    return CodenameKeys(
        lookup_tag=opened[:32],
        submitter_key=PrivateKey(opened[32:64]),
        hybrid_seed=opened[64:] or None,
    )


def find_case(db_session: Session, keys: CodenameKeys) -> Case | None:
    scope_to_submitter(db_session, keys.lookup_tag)
    return db_session.scalar(
        select(Case)
        .join(SubmitterTag, SubmitterTag.case_ref == Case.ref)
        .where(SubmitterTag.tag == keys.lookup_tag)
    )


def item_id_for(form_secret: bytes) -> str:
    """The id of the first item a follow-up form adds: derived from the form's one-time secret
    (keyed BLAKE2b, 128 bits, the shape of ``random_id``), so that the form sent again finds it."""
    digest = hashlib.blake2b(b"reprisal intake follow-up item", digest_size=16, key=form_secret)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def has_item(db_session: Session, item_id: str) -> bool:
    """Whether the case named by this transaction's lookup tag holds this (submitter-readable)
    item; row-level security hides every other case's items."""
    return db_session.scalar(select(Item.id).where(Item.id == item_id)) is not None


def shared_parts(db_session: Session, case: Case) -> dict[str, str]:
    """The mechanisms the case was shared with and the part each received (a summary, the full
    case without or with the person's identity: docs/domain.md, "Sharing a case")."""
    rows = db_session.execute(
        select(CaseShare.mechanism_code, CaseShare.part).where(
            CaseShare.case_ref == case.ref,
            CaseShare.in_force(),
        )
    )
    return {code: part for code, part in rows}


def submitter_recipients(case: Case) -> list[RecipientKey]:
    """What the person's own follow-ups are sealed to: the case key and the submitter key, both
    of the case's suite (X25519, or X-Wing for a case made for hybrid readers only)."""
    return [
        public_key_from_bytes(case.public_key),
        public_key_from_bytes(case.submitter_public_key),
    ]


def readable_messages(db_session: Session, case: Case, keys: CodenameKeys) -> list[Message]:
    """Items the submitter may read (replies and their own follow-ups), decrypted in memory.

    Only items marked submitter-readable are read; one that still does not open with the submitter
    key is skipped rather than shown broken.
    """
    items = db_session.scalars(
        select(Item)
        .where(Item.case_ref == case.ref, Item.submitter_readable.is_(True))
        .order_by(Item.seq)
    )
    submitter_key = keys.submitter_key_for(case.submitter_public_key)
    if submitter_key is None:  # a v1 codename never names a case with an X-Wing submitter key
        return []
    messages = []
    for item in items:
        try:
            reader = EnvelopeReader(open_envelope(db_session, item.id), submitter_key)
        except RptenvError:
            continue
        metadata = reader.metadata
        if item.kind == "attachment":
            # Only the name is shown; the data is not decrypted just to list the file.
            messages.append(
                Message(item.id, item.kind, item.created, None, str(metadata.get("name") or ""))
            )
        else:
            text = b"".join(reader.chunks()).decode("utf-8", "replace")
            messages.append(Message(item.id, item.kind, item.created, text, None))
    return messages


def note_consent_change(db_session: Session, case_ref: str) -> None:
    """Leave a content-free event for the audit log: this case's consent changed today. The intake
    holds no audit key; the admin side chains the event (admin.audit.log). On PostgreSQL the
    database accepts it only for the case the transaction's lookup tag names."""
    db_session.execute(
        insert(AuditInboxEvent),
        {"id": random_id(), "case_ref": case_ref, "action": "consent_changed", "recorded": today()},
    )
