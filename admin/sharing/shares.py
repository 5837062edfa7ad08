"""Sharing a case with a further mechanism (RPTENV spec §1: routing adds access stanzas, nothing is
re-encrypted) and unsharing it, only ever with the submitter's consent in force."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from admin.cases.own_key_items import (
    SUMMARY_ABOUT,
    active_shares_by_code,
    certified_readers,
    grant_internal_record,
    internal_items,
    own_key_item_ids,
    record_holders,
    seal_own_key_item,
    seal_to_readers,
)
from admin.casework.consent_gate import HIGH_RISKS, consent_in_force, current_risk
from admin.casework.lifecycle import note_action
from crypto.keys import CaseKey, public_key_from_bytes, seal_case_key
from reprisal_intake.consents import SHARE_ACTIONS, action_scopes, blocking, case_on_hold
from reprisal_intake.items import OWN_KEY_KINDS
from reprisal_intake.models import (
    AccessStanza,
    Case,
    Item,
    ItemAccess,
    Mechanism,
    Reviewer,
    User,
    reviewer_mechanisms,
    today,
)
from reprisal_intake.models.sharing import SHARE_PARTS, CaseShare
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
            .where(
                CaseShare.case_ref == case.ref,
                CaseShare.in_force(),
            )
            .order_by(CaseShare.shared_on, CaseShare.mechanism_code)
        )
    )


def pending_shares(db: Session, case: Case) -> list[CaseShare]:
    """Shares proposed (and perhaps approved) but not carried out yet."""
    return list(
        db.scalars(
            select(CaseShare)
            .where(CaseShare.case_ref == case.ref, CaseShare.status.in_(("proposed", "approved")))
            .order_by(CaseShare.shared_on, CaseShare.mechanism_code)
        )
    )


def part_refusal(case: Case, mechanism_code: str, part: str) -> str | None:
    """Why this part may not go to this mechanism under the person's consent (the scopes of its
    action in OUTWARD_ACTIONS), or None."""
    if part not in SHARE_PARTS:
        return "unknown_part"
    action = next(a for a, p in SHARE_ACTIONS.items() if p == part)
    scopes = action_scopes(action, None) or ()
    for scope, _mechanism, state in blocking(case.consents, scopes, mechanism_code):
        if scope == "share_identity":
            return "identity_consent"
        if scope == "share_with":
            return f"consent_{state}"
        return "on_hold"
    return None


def needs_approval(part: str, action_risk: str | None) -> bool:
    """Named (with the person's identity), or a high or critical risk of its own (docs/domain.md,
    "Do no harm")."""
    return part == "with_identity" or (action_risk is not None and action_risk in HIGH_RISKS)


def harm_refusals(db: Session, case: Case, action_risk: str | None) -> list[str]:
    """What the do-no-harm gate still asks for before this case may be shared (empty: nothing)."""
    reasons = []
    assessment = current_risk(db, case)
    if assessment is None:
        reasons.append("no_risk_assessment")
    elif assessment.next_review < today():
        reasons.append("risk_review_due")
    if not action_risk:
        reasons.append("no_action_risk")
    return reasons


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
    """Seal the identity items' keys to the mechanism's certified focal points (item stanzas); the
    caller has checked ``identity_refusal``. Returns how many stanzas were added."""
    readers = certified_reviewer_ids(db, {mechanism_code})
    added = 0
    for item in case.items:
        key = item_keys.get(item.id)
        if item.kind in OWN_KEY_KINDS and key is not None:
            added += seal_to_readers(db, case, item, key, readers)
    return added


def unsealed_reviewers(db: Session, case: Case) -> list[Reviewer]:
    """Active keys of the case's mechanisms added after the case was sealed or shared, so that
    they cannot read it yet; a shared mechanism counts only while the person's consent holds, and
    never one that received a summary only (it holds no stanza of the case key)."""
    shares = active_shares_by_code(db, case)
    codes = {
        m.code
        for m in case.mechanisms
        if m.code not in shares
        or (shares[m.code].part != "summary" and share_consent(case, m.code) == "granted")
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


def keys_refusal(
    db: Session, case: Case, share: CaseShare, item_keys: dict[str, CaseKey]
) -> str | None:
    """Why the sharer cannot pass on what ``share`` promises with the keys they hold, or None."""
    if share.part == "summary":
        if share.summary_item_id is None or share.summary_item_id not in item_keys:
            return "summary_key_needed"
        return None
    if share.internal_record and any(i.id not in item_keys for i in internal_items(db, case)):
        return "internal_key_needed"
    if share.part == "with_identity":
        return identity_refusal(case, share.mechanism_code, item_keys)
    return None


@dataclass
class Sealed:
    case_key: int = 0
    identity: int = 0
    internal_record: int = 0
    summary: int = 0


def carry_out(
    db: Session,
    case: Case,
    mechanism: Mechanism,
    share: CaseShare,
    case_key: CaseKey,
    item_keys: dict[str, CaseKey],
    user: User,
) -> Sealed:
    """Give the mechanism's focal points exactly what ``share.part`` promises and route the case
    there. The caller has checked ``share_refusal``, ``part_refusal``, the do-no-harm gate and
    ``keys_refusal``."""
    receivers = certified_reviewer_ids(db, {mechanism.code})
    sealed = Sealed()
    if share.part == "summary":
        summary = db.get(Item, share.summary_item_id)
        if summary is not None and share.summary_item_id in item_keys:
            sealed.summary = seal_to_readers(db, case, summary, item_keys[summary.id], receivers)
    else:
        sealed_to = {stanza.reviewer_id for stanza in case.access}
        reviewers = list(db.scalars(select(Reviewer).where(Reviewer.id.in_(receivers - sealed_to))))
        sealed.case_key = seal_to(db, case, case_key, reviewers)
        if share.internal_record:
            sealed.internal_record = grant_internal_record(db, case, item_keys, receivers) or 0
        if share.part == "with_identity":
            sealed.identity = share_identity(db, case, mechanism.code, item_keys)
    case.mechanisms.append(mechanism)
    note_action(case)
    share.status = "shared"
    share.shared_on = today()
    share.shared_by = user.id
    db.add(share)
    db.flush()
    return sealed


def seal_summary(db: Session, case: Case, text: str) -> tuple[Item, CaseKey]:
    """The summary a focal point wrote for a mechanism, sealed for now to the holders of the
    internal record only; sharing adds the receiving mechanism's focal points."""
    metadata: dict[str, object] = {
        "kind": "note",
        "about": SUMMARY_ABOUT,
        "created": today().isoformat(),
    }
    return seal_own_key_item(db, case, text.encode("utf-8"), metadata, record_holders(db, case))


def missing_item_readers(db: Session, case: Case) -> dict[str, set[str]]:
    """By own-key item id, the readers it should be sealed to and is not: the holders of the
    internal record for its items, for the identity the readers of the mechanisms that hold it
    (the one the person chose, those it was shared with together with it), and for a summary the
    holders of the internal record and the focal points of the mechanism it was written for."""
    shares = active_shares_by_code(db, case)
    owning = {m.code for m in case.mechanisms if m.code not in shares}
    with_identity = {code for code, s in shares.items() if s.part == "with_identity"}
    identity_readers = certified_readers(db, owning | with_identity)
    record = record_holders(db, case)
    own = own_key_item_ids(db, case)
    wanted: dict[str, set[str]] = {}
    for item in internal_items(db, case):
        wanted[item.id] = record
    for item in case.items:
        if item.kind in OWN_KEY_KINDS and item.id in own:
            wanted[item.id] = identity_readers
    for code, share in shares.items():
        if share.part == "summary" and share.summary_item_id is not None:
            wanted[share.summary_item_id] = record | certified_reviewer_ids(db, {code})
    missing = {}
    for item_id, readers in wanted.items():
        holders = set(
            db.scalars(select(ItemAccess.reviewer_id).where(ItemAccess.item_id == item_id))
        )
        if readers - holders:
            missing[item_id] = readers - holders
    return missing


def reseal_items(db: Session, case: Case, item_keys: dict[str, CaseKey]) -> int:
    """Seal the own-key items whose keys this reader holds to the readers they lack."""
    added = 0
    for item_id, readers in missing_item_readers(db, case).items():
        item = db.get(Item, item_id)
        if item is not None and item_id in item_keys:
            added += seal_to_readers(db, case, item, item_keys[item_id], readers)
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
