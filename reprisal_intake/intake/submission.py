"""Storing a new report: one transaction holds the case, its access stanzas, lookup tag, consents and
every envelope, or nothing at all."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from nacl.public import PrivateKey, PublicKey
from sqlalchemy import bindparam, insert, or_, select
from sqlalchemy.orm import Session, make_transient_to_detached

from crypto.codename import CodenameKeys
from crypto.envelope import CHUNK_LOG2_TEXT, encrypt
from crypto.keys import seal_case_key

from ..items import store_new_items
from ..models import (
    AccessStanza,
    Case,
    Consent,
    Mechanism,
    Reviewer,
    SubmitterTag,
    case_mechanisms,
    new_case_ref,
    random_id,
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


# The two reads of a submission, built once on the tables' columns: building a statement (and
# going through the ORM's column mapping) costs more than running it.
_reviewer = Reviewer.__table__.c
_mechanism = Mechanism.__table__.c
_reads_mechanism = (
    select(reviewer_mechanisms.c.reviewer_id)
    .where(
        reviewer_mechanisms.c.reviewer_id == _reviewer.id,
        reviewer_mechanisms.c.mechanism_code == bindparam("mechanism_code"),
    )
    .exists()
)
_RECIPIENTS = (
    select(_reviewer.id, _reviewer.public_key, _reads_mechanism)
    .where(
        select(_mechanism.code)
        .where(
            _mechanism.code == bindparam("mechanism_code"),
            _mechanism.accepts_reports.is_(True),
        )
        .exists(),
        _reviewer.active.is_(True),
        or_(_reads_mechanism, _reviewer.escrow.is_(True)),
    )
    .order_by(_reviewer.id)
)
_MECHANISM_CHOICES = select(
    _mechanism.code,
    _mechanism.name,
    _mechanism.accepts_reports,
    select(reviewer_mechanisms.c.reviewer_id)
    .join(Reviewer.__table__, _reviewer.id == reviewer_mechanisms.c.reviewer_id)
    .where(reviewer_mechanisms.c.mechanism_code == _mechanism.code, _reviewer.active.is_(True))
    .exists(),
).order_by(_mechanism.position)


def reviewers_for(session: Session, mechanism_code: str) -> list[RecipientKey]:
    """The public keys a new case of this mechanism is sealed to: the mechanism's active reviewers
    and, when it has any, the offline escrow keys (admin app, key recovery), in one query; none
    when the mechanism does not accept reports.

    Only the id and public key columns are read: the intake's database role may read nothing else
    of a reviewer. Never cached: a key rotated or withdrawn a moment ago must not receive a case.
    """
    rows = session.execute(_RECIPIENTS, {"mechanism_code": mechanism_code}).all()
    found = [RecipientKey(reviewer_id, key) for reviewer_id, key, reads in rows if reads]
    if not found:
        return found
    return found + [RecipientKey(reviewer_id, key) for reviewer_id, key, reads in rows if not reads]


@dataclass(frozen=True)
class MechanismChoice:
    code: str
    name: str
    accepting: bool  # accepts reports and has at least one active reviewer to read them


def mechanism_choices(session: Session) -> list[MechanismChoice]:
    """Every mechanism in order, each marked whether a report can be sent to it now (one query)."""
    return [
        MechanismChoice(code, name, bool(accepts) and bool(readable))
        for code, name, accepts, readable in session.execute(_MECHANISM_CHOICES)
    ]


@dataclass(frozen=True)
class CaseFacts:
    """What is stored in the clear about a new case: routing fields and consent (docs/design.md)."""

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
    """Write a case sealed by a browser in the caller's transaction, after checking that it was
    sealed to exactly the mechanism's current keys. Returns the case as a detached object."""
    mechanism = session.get(Mechanism, facts.mechanism_code)
    current = {r.reviewer_id: r.public_key for r in reviewers_for(session, facts.mechanism_code)}
    if mechanism is None or not current:
        raise NoReviewersError(facts.mechanism_code)
    # Every current key, and only those: a key rotated or added since the browser fetched the keys
    # would otherwise leave a stanza nobody can open, or a reader without one.
    if set(sealed.access) != set(current) or dict(sealed.sealed_to) != current:
        raise RecipientsChangedError(facts.mechanism_code)
    case = Case(ref=_insert_case(session, facts, sealed), mechanisms=[mechanism])
    make_transient_to_detached(case)
    return case


def store_on_server(
    session: Session,
    facts: CaseFacts,
    *,
    case_key: PrivateKey,
    codename_keys: CodenameKeys,
    report: dict[str, object],
    attachments: Sequence[IO[bytes]],
) -> str:
    """The no-JavaScript path: seal the case (in memory only) to the keys read in this same
    transaction, then write it; return its reference. The rows are the same as the browser
    path's but for content."""
    recipients = reviewers_for(session, facts.mechanism_code)
    if not recipients:
        raise NoReviewersError(facts.mechanism_code)
    sealed = seal_on_server(
        recipients,
        case_key=case_key,
        codename_keys=codename_keys,
        report=report,
        attachments=attachments,
    )
    return _insert_case(session, facts, sealed)


def _insert_case(session: Session, facts: CaseFacts, sealed: SealedCase) -> str:
    """The case's rows, one INSERT per table; returns the new case's reference.

    Core statements: no unit-of-work bookkeeping for rows this transaction never reads back, and
    no RETURNING (the intake's database role may not read access stanzas or report items back).
    Row-level security does not check inserts against the lookup tag, nor foreign keys, so the
    transaction need not name the case (``scope_to_submitter``) to write it.
    """
    ref = new_case_ref()
    created = today()
    session.execute(
        insert(Case.__table__),
        {
            "ref": ref,
            "public_key": sealed.case_public_key,
            "submitter_public_key": sealed.submitter_public_key,
            "created": created,
            "urgency": facts.urgency,
            "in_detention": facts.in_detention,
            "language": facts.language,
            # The report and the attachments are items 0, 1, ...: nobody else can add to a case
            # that does not exist yet, so the counter is set here, not incremented per item.
            "item_count": 1 + len(sealed.attachments),
        },
    )
    session.execute(insert(SubmitterTag.__table__), {"tag": sealed.lookup_tag, "case_ref": ref})
    session.execute(
        insert(case_mechanisms), {"case_ref": ref, "mechanism_code": facts.mechanism_code}
    )
    session.execute(
        insert(AccessStanza.__table__),
        [
            {
                "id": random_id(),
                "case_ref": ref,
                "reviewer_id": reviewer_id,
                "sealed_case_key": sealed_case_key,
                "created": created,
            }
            for reviewer_id, sealed_case_key in sorted(sealed.access.items())
        ],
    )
    session.execute(
        insert(Consent.__table__),
        [
            {
                "id": random_id(),
                "case_ref": ref,
                "version": version,
                "scope": consent.scope,
                "mechanism_code": consent.mechanism_code,
                "state": consent.state,
                "given_by": facts.given_by,
                "language": facts.language,
                "recorded": created,
            }
            for version, consent in enumerate(facts.consents)
        ],
    )
    store_new_items(
        session,
        ref,
        [("report", sealed.report), *(("attachment", a) for a in sealed.attachments)],
    )
    return ref


def seal_on_server(
    recipients: Sequence[RecipientKey],
    *,
    case_key: PrivateKey,
    codename_keys: CodenameKeys,
    report: dict[str, object],
    attachments: Sequence[IO[bytes]],
) -> SealedCase:
    """Seal what the browser would have (in memory only) to ``recipients``."""
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
