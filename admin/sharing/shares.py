"""Sharing a case with a further mechanism (RPTENV spec §1: routing adds access stanzas, nothing is
re-encrypted) and unsharing it, only ever with the submitter's consent in force."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from admin.casework.consent_gate import consent_in_force
from admin.casework.lifecycle import note_action
from crypto.keys import CaseKey, public_key_from_bytes, seal_case_key
from reprisal_intake.consents import blocking, case_on_hold
from reprisal_intake.items import OWN_KEY_KINDS
from reprisal_intake.models import (
    AccessStanza,
    Case,
    ItemAccess,
    Mechanism,
    Reviewer,
    User,
    reviewer_mechanisms,
    today,
)
from reprisal_intake.models.sharing import CaseShare
from reprisal_intake.readers import certified_focal_points, reader_circle


def share_consent(case: Case, mechanism_code: str) -> str:
    """The state of the submitter's "share with this mechanism" consent in force."""
    return consent_in_force(case, "share_with", mechanism_code).state


def mechanism_reviewer_ids(db: Session, codes: set[str], *, active_only: bool = True) -> set[str]:
    """The (active) reviewer keys of these mechanisms (escrow keys belong to none)."""
    if not codes:
        return set()
    query = (
        select(Reviewer.id)
        .join(reviewer_mechanisms, reviewer_mechanisms.c.reviewer_id == Reviewer.id)
        .where(reviewer_mechanisms.c.mechanism_code.in_(codes))
    )
    if active_only:
        query = query.where(Reviewer.active.is_(True))
    return set(db.scalars(query))


def certified_reviewer_ids(db: Session, codes: set[str]) -> set[str]:
    """The focal points of these mechanisms whose keys the organisation certified today: the only
    keys a case is ever sealed to (docs/spec/reader-record-v1.md)."""
    if not codes:
        return set()
    circle = reader_circle(db, current_app.config["ORG_PUBLIC_KEYS"], today())
    return certified_focal_points(circle, codes)


def active_shares(db: Session, case: Case) -> list[CaseShare]:
    return list(
        db.scalars(
            select(CaseShare)
            .where(CaseShare.case_ref == case.ref, CaseShare.unshared_on.is_(None))
            .order_by(CaseShare.shared_on, CaseShare.mechanism_code)
        )
    )


def share_refusal(db: Session, case: Case, mechanism: Mechanism | None) -> str | None:
    """Why this case may not be shared with ``mechanism`` now (a reason code), or None."""
    if mechanism is None:
        return "unknown_mechanism"
    if mechanism.code in {m.code for m in case.mechanisms}:
        return "already_routed"
    state = share_consent(case, mechanism.code)
    if state != "granted":
        return f"consent_{state}"
    if case.status in ("on_hold", "closed") or case_on_hold(case.consents):
        return "on_hold"
    if not certified_reviewer_ids(db, {mechanism.code}):
        return "no_reviewers"
    return None


def identity_refusal(case: Case, mechanism_code: str, item_keys: dict[str, CaseKey]) -> str | None:
    """Why the person's identity may not go with this share (a reason code), or None."""
    if blocking(case.consents, ("share_with", "share_identity"), mechanism_code):
        return "identity_consent"
    identity_ids = {item.id for item in case.items if item.kind in OWN_KEY_KINDS}
    if not identity_ids:
        return "no_identity"
    if not identity_ids <= set(item_keys):
        return "identity_key_needed"
    return None


def share_identity(
    db: Session, case: Case, mechanism_code: str, item_keys: dict[str, CaseKey]
) -> int:
    """Seal the identity items' keys to the mechanism's reviewers (item stanzas); the caller has
    checked ``identity_refusal``. Returns how many stanzas were added."""
    reviewers = list(
        db.scalars(
            select(Reviewer).where(Reviewer.id.in_(mechanism_reviewer_ids(db, {mechanism_code})))
        )
    )
    added = 0
    for item in case.items:
        key = item_keys.get(item.id)
        if item.kind not in OWN_KEY_KINDS or key is None:
            continue
        holders = set(
            db.scalars(select(ItemAccess.reviewer_id).where(ItemAccess.item_id == item.id))
        )
        for reviewer in reviewers:
            if reviewer.id in holders:
                continue
            db.add(
                ItemAccess(
                    case_ref=case.ref,
                    item_id=item.id,
                    reviewer_id=reviewer.id,
                    sealed_item_key=seal_case_key(key, public_key_from_bytes(reviewer.public_key)),
                )
            )
            added += 1
    db.flush()
    return added


def unsealed_reviewers(db: Session, case: Case) -> list[Reviewer]:
    """Active keys of the case's mechanisms added after the case was sealed or shared, so that
    they cannot read it yet; a shared mechanism counts only while the person's consent holds."""
    shared = {share.mechanism_code for share in active_shares(db, case)}
    codes = {
        m.code
        for m in case.mechanisms
        if m.code not in shared or share_consent(case, m.code) == "granted"
    }
    sealed_to = {stanza.reviewer_id for stanza in case.access}
    missing = certified_reviewer_ids(db, codes) - sealed_to
    if not missing:
        return []
    return list(
        db.scalars(select(Reviewer).where(Reviewer.id.in_(missing)).order_by(Reviewer.name))
    )


def seal_to(db: Session, case: Case, case_key: CaseKey, reviewers: list[Reviewer]) -> int:
    """Add an access stanza for each reviewer (RPTENV spec §1); nothing is re-encrypted."""
    for reviewer in reviewers:
        stanza = seal_case_key(case_key, public_key_from_bytes(reviewer.public_key))
        db.add(AccessStanza(case_ref=case.ref, reviewer_id=reviewer.id, sealed_case_key=stanza))
    db.flush()
    return len(reviewers)


def share_case(db: Session, case: Case, mechanism: Mechanism, case_key: CaseKey, user: User) -> int:
    """Seal the case key to the mechanism's reviewers and route the case there; returns how many
    access stanzas were added. The caller has checked ``share_refusal``."""
    sealed_to = {stanza.reviewer_id for stanza in case.access}
    new_ids = certified_reviewer_ids(db, {mechanism.code}) - sealed_to
    reviewers = list(db.scalars(select(Reviewer).where(Reviewer.id.in_(new_ids))))
    added = seal_to(db, case, case_key, reviewers)
    case.mechanisms.append(mechanism)
    note_action(case)
    db.add(CaseShare(case_ref=case.ref, mechanism_code=mechanism.code, shared_by=user.id))
    db.flush()
    return added


def unshare_case(db: Session, case: Case, share: CaseShare, user: User) -> int:
    """Take the mechanism off the case and remove the access stanzas that only it justified (never a
    stanza of a reviewer of a mechanism the case keeps, nor an escrow key's); returns how many."""
    case.mechanisms[:] = [m for m in case.mechanisms if m.code != share.mechanism_code]
    keep = mechanism_reviewer_ids(db, {m.code for m in case.mechanisms}, active_only=False)
    keep |= set(db.scalars(select(Reviewer.id).where(Reviewer.escrow.is_(True))))
    drop = mechanism_reviewer_ids(db, {share.mechanism_code}, active_only=False) - keep
    removed = 0
    if drop:
        result = db.execute(
            delete(AccessStanza).where(
                AccessStanza.case_ref == case.ref, AccessStanza.reviewer_id.in_(drop)
            ),
            execution_options={"synchronize_session": "fetch"},
        )
        removed = int(getattr(result, "rowcount", 0) or 0)
        # The identity's item stanzas go with the case key's.
        db.execute(
            delete(ItemAccess).where(
                ItemAccess.case_ref == case.ref, ItemAccess.reviewer_id.in_(drop)
            ),
            execution_options={"synchronize_session": "fetch"},
        )
    note_action(case)
    share.unshared_on = today()
    share.unshared_by = user.id
    db.flush()
    return removed
