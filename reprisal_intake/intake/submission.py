"""Storing a new report: one transaction holds the case, its access stanzas, lookup tag, consents and
every envelope, or nothing at all."""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, make_transient_to_detached

from crypto.codename import CodenameKeys
from crypto.envelope import CHUNK_LOG2_TEXT, EnvelopeReader, EnvelopeWriter, encrypt
from crypto.keys import CaseKey, generate_key, public_key_from_bytes, seal_case_key
from crypto.stanzas import SUITE_CLASSICAL, SUITE_HYBRID, suite_of
from crypto.xwing import PUBLIC_KEY_SIZE as HYBRID_PUBLIC_KEY_SIZE

from ..consent_wording import WORDING_VERSION
from ..items import store_new_items
from ..models import (
    AccessStanza,
    Case,
    Consent,
    ItemAccess,
    Mechanism,
    SubmitterTag,
    case_mechanisms,
    new_case_ref,
    random_id,
    today,
)
from ..next_due import triage_deadline
from ..readers import reader_circle


def case_suite(reader_public_keys: Iterable[bytes]) -> int:
    """The suite of a new case's keys (case key, submitter key, identity key) and of its envelopes:
    2 (X-Wing) when every reader it is sealed to holds a hybrid key, else 1. A case that a
    classical key can open is only as strong as X25519 (docs/spec/rptenv-v2.md sections 3-4)."""
    keys = list(reader_public_keys)
    if keys and all(len(key) == HYBRID_PUBLIC_KEY_SIZE for key in keys):
        return SUITE_HYBRID
    return SUITE_CLASSICAL


def likely_case_suite(choices: Iterable[MechanismChoice]) -> int:
    """The suite a new case will most likely need before its mechanism is known (files are
    encrypted as they arrive): 2 when any mechanism's certified readers hold a hybrid key. Only a
    guess, never a reason to seal to anyone: ``store_on_server`` seals the files again when it was
    wrong."""
    return SUITE_HYBRID if any(choice.hybrid_readers for choice in choices) else SUITE_CLASSICAL


def reseal_envelope(source: IO[bytes], old_key: CaseKey, new_key: CaseKey) -> IO[bytes]:
    """The envelope ``source`` (sealed to ``old_key`` alone) sealed again to ``new_key`` alone, with
    the same metadata and chunk size: one chunk in memory at a time, only ciphertext spooled."""
    reader = EnvelopeReader(source, old_key)  # type: ignore[arg-type]
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - returned to the caller, who closes it
    writer = EnvelopeWriter(
        spool, [new_key.public_key], reader.metadata, chunk_log2=reader.header.chunk_log2
    )
    for chunk in reader.chunks():
        writer.write(chunk)
    writer.close()
    source.close()  # the envelope sealed to the old key is of no more use
    spool.seek(0)
    return spool


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
    record: str = ""  # the signed reader record, for the browser to check itself


_mechanism = Mechanism.__table__.c
_MECHANISMS = select(_mechanism.code, _mechanism.name, _mechanism.accepts_reports).order_by(
    _mechanism.position
)


def reviewers_for(
    session: Session, mechanism_code: str, org_keys: tuple[bytes, ...]
) -> list[RecipientKey]:
    """The public keys a new case of this mechanism is sealed to: its certified focal points and,
    when it has any, the certified escrow keys that cover it (``readers``); none when the
    mechanism does not accept reports.

    Never cached: a key rotated, withdrawn or revoked a moment ago must not receive a case.
    """
    mechanism = session.get(Mechanism, mechanism_code)  # from the session's identity map if read
    if mechanism is None or not mechanism.accepts_reports:
        return []
    circle = reader_circle(session, org_keys, today())
    return [
        RecipientKey(r.reviewer_id, r.public_key, r.record_text)
        for r in circle.for_mechanism(mechanism_code)
    ]


@dataclass(frozen=True)
class MechanismChoice:
    code: str
    name: str
    accepting: bool  # accepts reports and has at least one certified focal point to read them
    focal_points: int = 0  # certified focal points who would read a new case
    escrow_holders: tuple[str, ...] = ()  # holders of the escrow keys it would also be sealed to
    hybrid_readers: bool = False  # any of its readers holds an X-Wing (suite 2) key


def mechanism_choices(session: Session, org_keys: tuple[bytes, ...]) -> list[MechanismChoice]:
    """Every mechanism in order, each with who would read a report sent to it now (two queries)."""
    circle = reader_circle(session, org_keys, today())
    choices = []
    for code, name, accepts in session.execute(_MECHANISMS):
        readers = circle.for_mechanism(code) if accepts else []
        choices.append(
            MechanismChoice(
                code,
                name,
                bool(readers),
                sum(not r.escrow for r in readers),
                tuple(sorted({r.record.holder for r in readers if r.escrow})),
                any(len(r.public_key) == HYBRID_PUBLIC_KEY_SIZE for r in readers),
            )
        )
    return choices


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
    # The person's identity (names, contact details) sealed to its own key, and that key sealed to
    # each reviewer of the chosen mechanism (reviewer id -> stanza); None when none was given.
    identity: IO[bytes] | None = None
    identity_access: Mapping[str, bytes] | None = None


class RecipientsChangedError(Exception):
    """The access stanzas do not match the mechanism's reviewers (they changed, or were forged)."""


def store_case(
    session: Session, facts: CaseFacts, sealed: SealedCase, org_keys: tuple[bytes, ...]
) -> Case:
    """Write a case sealed by a browser in the caller's transaction, after checking that it was
    sealed to exactly the mechanism's current certified keys. Returns the case, detached."""
    mechanism = session.get(Mechanism, facts.mechanism_code)
    current = {
        r.reviewer_id: r.public_key for r in reviewers_for(session, facts.mechanism_code, org_keys)
    }
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
    case_key: CaseKey | None,
    codename_keys: CodenameKeys,
    report: dict[str, object],
    identity: str = "",
    attachments: Sequence[IO[bytes]],
    org_keys: tuple[bytes, ...],
) -> str:
    """The no-JavaScript path: seal the case (in memory only) to the certified keys read in this
    same transaction, then write it; return its reference. The rows are the same as the browser
    path's but for content.

    ``case_key`` is the key the attachments were encrypted to as they arrived (None without
    attachments). It was made before the mechanism was known: when it is not of the suite the
    mechanism's readers call for, a new case key is made and the attachments sealed again to it.
    """
    recipients = reviewers_for(session, facts.mechanism_code, org_keys)
    if not recipients:
        raise NoReviewersError(facts.mechanism_code)
    suite = case_suite(r.public_key for r in recipients)
    resealed: list[IO[bytes]] = []
    if case_key is None or suite_of(case_key) != suite:
        old_key, case_key = case_key, generate_key(suite)
        if old_key is not None:
            resealed = [reseal_envelope(a, old_key, case_key) for a in attachments]
            attachments = resealed
    try:
        sealed = seal_on_server(
            recipients,
            case_key=case_key,
            codename_keys=codename_keys,
            report=report,
            identity=identity,
            attachments=attachments,
        )
        return _insert_case(session, facts, sealed)
    finally:
        for spool in resealed:
            spool.close()


def _insert_case(session: Session, facts: CaseFacts, sealed: SealedCase) -> str:
    """The case's rows, one INSERT per table; returns the new case's reference.

    Core statements: no unit-of-work bookkeeping for rows this transaction never reads back, and
    no RETURNING (the intake's database role may not read access stanzas or report items back).
    Row-level security does not check inserts against the lookup tag, nor foreign keys, so the
    transaction need not name the case (``scope_to_submitter``) to write it.
    """
    ref = new_case_ref()
    created = today()
    # A new case's only deadline is its triage (docs/domain.md, "Next action due").
    due = triage_deadline("received", facts.urgency, created)
    session.execute(
        insert(Case.__table__),
        {
            "ref": ref,
            "public_key": sealed.case_public_key,
            "submitter_public_key": sealed.submitter_public_key,
            "created": created,
            "urgency": facts.urgency,
            "next_due": due,
            "next_due_reason": "triage" if due else None,
            "in_detention": facts.in_detention,
            "language": facts.language,
            # The report and the attachments are items 0, 1, ...: nobody else can add to a case
            # that does not exist yet, so the counter is set here, not incremented per item.
            "item_count": 1 + len(sealed.attachments) + (sealed.identity is not None),
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
                "wording": WORDING_VERSION,
            }
            for version, consent in enumerate(facts.consents)
        ],
    )
    identity = [("identity", sealed.identity)] if sealed.identity is not None else []
    item_ids = store_new_items(
        session,
        ref,
        [("report", sealed.report), *(("attachment", a) for a in sealed.attachments), *identity],
    )
    if identity and sealed.identity_access:
        session.execute(
            insert(ItemAccess.__table__),
            [
                {
                    "id": random_id(),
                    "case_ref": ref,
                    "item_id": item_ids[-1],
                    "reviewer_id": reviewer_id,
                    "sealed_item_key": stanza,
                    "created": created,
                }
                for reviewer_id, stanza in sorted(sealed.identity_access.items())
            ],
        )
    return ref


def seal_on_server(
    recipients: Sequence[RecipientKey],
    *,
    case_key: CaseKey,
    codename_keys: CodenameKeys,
    report: dict[str, object],
    identity: str = "",
    attachments: Sequence[IO[bytes]],
) -> SealedCase:
    """Seal what the browser would have (in memory only) to ``recipients``. The identity gets a key
    of its own, sealed to the same readers, so that sharing the case key never hands it over.
    The submitter key and the identity key are of the case key's suite."""
    suite = suite_of(case_key)
    report_envelope = encrypt(
        json.dumps(report, ensure_ascii=False, sort_keys=True).encode(),
        [case_key.public_key],
        {"kind": "report", "created": today().isoformat()},
        chunk_log2=CHUNK_LOG2_TEXT,
    )
    identity_envelope = None
    identity_access = None
    if identity:
        identity_key = generate_key(suite)
        identity_envelope = io.BytesIO(
            encrypt(
                identity.encode(),
                [identity_key.public_key],
                {"kind": "identity", "created": today().isoformat()},
                chunk_log2=CHUNK_LOG2_TEXT,
            )
        )
        identity_access = {
            r.reviewer_id: seal_case_key(identity_key, public_key_from_bytes(r.public_key))
            for r in recipients
        }
    return SealedCase(
        case_public_key=bytes(case_key.public_key),
        submitter_public_key=bytes(codename_keys.submitter_public_key(suite)),
        lookup_tag=codename_keys.lookup_tag,
        access={
            r.reviewer_id: seal_case_key(case_key, public_key_from_bytes(r.public_key))
            for r in recipients
        },
        sealed_to={r.reviewer_id: r.public_key for r in recipients},
        report=io.BytesIO(report_envelope),
        attachments=attachments,
        identity=identity_envelope,
        identity_access=identity_access,
    )
