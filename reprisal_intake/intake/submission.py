"""Storing a new report: one transaction holds the case, its access stanzas, lookup tag, consents and
every envelope, or nothing at all."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from nacl.public import PrivateKey, PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto.codename import CodenameKeys
from crypto.envelope import CHUNK_LOG2_TEXT, encrypt
from crypto.keys import seal_case_key

from ..db import scope_to_submitter
from ..items import add_item
from ..models import (
    AccessStanza,
    Case,
    Consent,
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


@dataclass(frozen=True)
class RecipientKey:
    reviewer_id: str
    public_key: bytes


def reviewers_for(session: Session, mechanism_code: str) -> list[RecipientKey]:
    """The public keys a new case of this mechanism is sealed to.

    Only the id and public key columns are read: the intake's database role may read nothing else
    of a reviewer.
    """
    rows = session.execute(
        select(Reviewer.id, Reviewer.public_key)
        .join(reviewer_mechanisms, reviewer_mechanisms.c.reviewer_id == Reviewer.id)
        .where(Reviewer.active.is_(True), reviewer_mechanisms.c.mechanism_code == mechanism_code)
        .order_by(Reviewer.id)
    )
    found = [RecipientKey(reviewer_id, public_key) for reviewer_id, public_key in rows]
    if not found:
        return found
    # Offline escrow keys (admin app, key recovery) are one more recipient of every new case.
    escrow = session.execute(
        select(Reviewer.id, Reviewer.public_key)
        .where(Reviewer.active.is_(True), Reviewer.escrow.is_(True))
        .order_by(Reviewer.id)
    )
    known = {r.reviewer_id for r in found}
    return found + [RecipientKey(i, key) for i, key in escrow if i not in known]


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


@dataclass(frozen=True)
class CaseFacts:
    """What is stored in the clear about a new case: routing fields and consent (DESIGN.md)."""

    mechanism_code: str
    urgency: str | None
    in_detention: str | None
    consents: Sequence[NewConsent]
    given_by: str
    language: str


@dataclass(frozen=True)
class SealedCase:
    """A new case as ciphertext and public values only, made by the server or by a browser."""

    case_public_key: bytes
    submitter_public_key: bytes
    lookup_tag: bytes
    access: Mapping[str, bytes]  # reviewer id -> the case secret key sealed to that reviewer
    sealed_to: Mapping[str, bytes]  # reviewer id -> the public key it was sealed to
    report: IO[bytes]  # the report envelope
    attachments: Sequence[IO[bytes]]  # attachment envelopes


class RecipientsChangedError(Exception):
    """The access stanzas do not match the mechanism's reviewers (they changed, or were forged)."""


def store_case(session: Session, facts: CaseFacts, sealed: SealedCase) -> Case:
    """Write a sealed case in the caller's transaction; both submission paths end here, so their
    rows are the same but for content."""
    mechanism = session.get(Mechanism, facts.mechanism_code)
    if mechanism is None or not mechanism.accepts_reports:
        raise NoReviewersError(facts.mechanism_code)
    current = {r.reviewer_id: r.public_key for r in reviewers_for(session, facts.mechanism_code)}
    if not current:
        raise NoReviewersError(facts.mechanism_code)
    # Every current key, and only those: a key rotated or added since the browser fetched the keys
    # would otherwise leave a stanza nobody can open, or a reader without one.
    if set(sealed.access) != set(current) or dict(sealed.sealed_to) != current:
        raise RecipientsChangedError(facts.mechanism_code)

    scope_to_submitter(session, sealed.lookup_tag)
    case = Case(
        public_key=sealed.case_public_key,
        submitter_public_key=sealed.submitter_public_key,
        urgency=facts.urgency,
        in_detention=facts.in_detention,
        language=facts.language,
        item_count=0,
        mechanisms=[mechanism],
    )
    session.add(case)
    session.flush()
    # The tag first: row-level security lets this transaction see the new case through it.
    session.add(SubmitterTag(tag=sealed.lookup_tag, case_ref=case.ref))
    session.flush()
    for reviewer_id, sealed_case_key in sorted(sealed.access.items()):
        session.add(
            AccessStanza(
                case_ref=case.ref, reviewer_id=reviewer_id, sealed_case_key=sealed_case_key
            )
        )
    for consent in facts.consents:
        session.add(
            Consent(
                case_ref=case.ref,
                scope=consent.scope,
                mechanism_code=consent.mechanism_code,
                state=consent.state,
                given_by=facts.given_by,
                language=facts.language,
            )
        )
    session.flush()
    add_item(session, case.ref, "report", sealed.report, submitter_readable=False)
    for attachment in sealed.attachments:
        add_item(session, case.ref, "attachment", attachment, submitter_readable=False)
    return case


def seal_on_server(
    session: Session,
    mechanism_code: str,
    *,
    case_key: PrivateKey,
    codename_keys: CodenameKeys,
    report: dict[str, object],
    attachments: Sequence[IO[bytes]],
) -> SealedCase:
    """The no-JavaScript path: the server seals what the browser would have (in memory only)."""
    recipients = reviewers_for(session, mechanism_code)
    report_envelope = encrypt(
        json.dumps(report, ensure_ascii=False, sort_keys=True).encode(),
        [case_key.public_key],
        {"kind": "report", "created": today().isoformat()},
        chunk_log2=CHUNK_LOG2_TEXT,
    )
    return SealedCase(
        case_public_key=bytes(case_key.public_key),
        submitter_public_key=bytes(codename_keys.submitter_key.public_key),
        lookup_tag=codename_keys.lookup_tag,
        access={
            r.reviewer_id: seal_case_key(case_key, PublicKey(r.public_key)) for r in recipients
        },
        sealed_to={r.reviewer_id: r.public_key for r in recipients},
        report=io.BytesIO(report_envelope),
        attachments=attachments,
    )
