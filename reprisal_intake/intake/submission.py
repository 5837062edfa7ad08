"""Storing a new report: one transaction holds the case, its access stanzas, lookup tag, consents and
every envelope, or nothing at all."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from nacl.public import PrivateKey, PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crypto.codename import CodenameKeys
from crypto.envelope import CHUNK_LOG2_TEXT, encrypt
from crypto.keys import seal_case_key

from ..envelopes import store_envelope
from ..models import (
    AccessStanza,
    Case,
    Consent,
    Item,
    Mechanism,
    Reviewer,
    SubmitterTag,
    reviewer_mechanisms,
    today,
)


class NoReviewersError(Exception):
    """Nobody holds a key for this mechanism, so a report sent to it could never be read."""


@dataclass(frozen=True)
class NewConsent:
    scope: str
    state: str
    mechanism_code: str | None = None


def reviewers_for(session: Session, mechanism_code: str) -> list[Reviewer]:
    return list(
        session.scalars(
            select(Reviewer)
            .where(
                Reviewer.active.is_(True), Reviewer.mechanisms.any(Mechanism.code == mechanism_code)
            )
            .order_by(Reviewer.id)
        )
    )


def mechanisms_accepting_reports(session: Session) -> list[Mechanism]:
    """Mechanisms that accept reports and have at least one active reviewer to read them."""
    return list(
        session.scalars(
            select(Mechanism)
            .where(
                Mechanism.accepts_reports.is_(True),
                Mechanism.code.in_(
                    select(reviewer_mechanisms.c.mechanism_code)
                    .join(Reviewer, Reviewer.id == reviewer_mechanisms.c.reviewer_id)
                    .where(Reviewer.active.is_(True))
                ),
            )
            .order_by(Mechanism.position)
        )
    )


def next_item_seq(session: Session, case_ref: str) -> int:
    current = session.scalar(select(func.max(Item.seq)).where(Item.case_ref == case_ref))
    return 0 if current is None else current + 1


def add_item(session: Session, case: Case, kind: str, envelope: IO[bytes], seq: int) -> Item:
    item = Item(case_ref=case.ref, seq=seq, kind=kind, size=0, sha256="")
    session.add(item)
    session.flush()
    store_envelope(session, item, envelope)
    return item


def create_case(
    session: Session,
    *,
    mechanism_code: str,
    case_key: PrivateKey,
    codename_keys: CodenameKeys,
    report: dict[str, object],
    attachments: Sequence[IO[bytes]],
    urgency: str | None,
    in_detention: str | None,
    consents: Sequence[NewConsent],
    given_by: str,
    language: str,
) -> Case:
    mechanism = session.get(Mechanism, mechanism_code)
    if mechanism is None or not mechanism.accepts_reports:
        raise NoReviewersError(mechanism_code)
    reviewers = reviewers_for(session, mechanism_code)
    if not reviewers:
        raise NoReviewersError(mechanism_code)

    case = Case(
        public_key=bytes(case_key.public_key),
        submitter_public_key=bytes(codename_keys.submitter_key.public_key),
        urgency=urgency,
        in_detention=in_detention,
        language=language,
        mechanisms=[mechanism],
    )
    session.add(case)
    session.flush()
    for reviewer in reviewers:
        session.add(
            AccessStanza(
                case_ref=case.ref,
                reviewer_id=reviewer.id,
                sealed_case_key=seal_case_key(case_key, PublicKey(reviewer.public_key)),
            )
        )
    session.add(SubmitterTag(tag=codename_keys.lookup_tag, case_ref=case.ref))
    for consent in consents:
        session.add(
            Consent(
                case_ref=case.ref,
                scope=consent.scope,
                mechanism_code=consent.mechanism_code,
                state=consent.state,
                given_by=given_by,
                language=language,
            )
        )

    report_envelope = encrypt(
        _json_bytes(report),
        [case_key.public_key],
        {"kind": "report", "created": today().isoformat()},
        chunk_log2=CHUNK_LOG2_TEXT,
    )
    add_item(session, case, "report", io.BytesIO(report_envelope), seq=0)
    for seq, attachment in enumerate(attachments, start=1):
        add_item(session, case, "attachment", attachment, seq=seq)
    return case


def _json_bytes(value: dict[str, object]) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True).encode()
