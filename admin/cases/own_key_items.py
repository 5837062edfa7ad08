"""Items sealed to a key of their own (docs/spec/rptenv-v1-own-key-items.md): the internal record of a
case (internal notes, risk narratives, the risk notes of measures) and the summaries written for a
mechanism a case is shared with. Like the identity item (docs/spec/rptenv-v1-identity.md), each has
a fresh key pair; its secret key is sealed to each reader in an ``ItemAccess`` stanza, and only
those readers open it, whoever else holds the case key.

Who holds the internal record: the certified readers (focal points, and the escrow keys that cover
them) of the mechanisms of the case that were not given it by a share, that is the mechanism the
person chose, and of the mechanisms a share gave it to because the focal point who shared chose so.
"""

from __future__ import annotations

import io
import json

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto.envelope import CHUNK_LOG2_TEXT, encrypt
from crypto.keys import (
    CaseKey,
    generate_key,
    public_key_from_bytes,
    seal_case_key,
)
from crypto.stanzas import suite_of
from reprisal_intake.items import add_item
from reprisal_intake.models import Case, Item, ItemAccess, Reviewer, today
from reprisal_intake.models.sharing import CaseShare
from reprisal_intake.readers import reader_circle

# What a note is "about" in its metadata when it belongs to the internal record; a note with no
# "about" is an internal note between reviewers. A measure's details ("measure") and a State's
# reply ("state_reply") stay on the case key: they are what was done, part of the full case.
INTERNAL_ABOUT = frozenset({"", "risk", "measure_risk"})
SUMMARY_ABOUT = "share_summary"


NO_RECORD_READERS = _l(
    "Nobody at the mechanism the person chose has a certified key, so nobody could read this: "
    "nothing was stored."
)


class NoReaders(Exception):
    """Nobody certified could read the item: it is not written."""


def active_shares_by_code(db: Session, case: Case) -> dict[str, CaseShare]:
    rows = db.scalars(
        select(CaseShare).where(
            CaseShare.case_ref == case.ref,
            CaseShare.in_force(),
        )
    )
    return {row.mechanism_code: row for row in rows}


def certified_readers(db: Session, codes: set[str]) -> set[str]:
    """The certified readers of any of ``codes`` today: their focal points and the escrow keys that
    cover them (as a new case of theirs is sealed, reprisal_intake.readers)."""
    circle = reader_circle(db, current_app.config["ORG_PUBLIC_KEYS"], today())
    found: set[str] = set()
    for code in codes:
        found |= {r.reviewer_id for r in circle.for_mechanism(code)}
    return found


def record_mechanisms(db: Session, case: Case) -> set[str]:
    """The mechanisms that hold the case's internal record."""
    shares = active_shares_by_code(db, case)
    return {
        m.code for m in case.mechanisms if m.code not in shares or shares[m.code].internal_record
    }


def record_holders(db: Session, case: Case) -> set[str]:
    """The reviewer ids the internal record is sealed to now."""
    return certified_readers(db, record_mechanisms(db, case))


def seal_to_readers(db: Session, case: Case, item: Item, key: CaseKey, reader_ids: set[str]) -> int:
    """Add an item stanza for each reader that lacks one; returns how many were added. The item
    key and the readers' keys may each be of either suite (crypto.keys.seal_case_key)."""
    holders = set(db.scalars(select(ItemAccess.reviewer_id).where(ItemAccess.item_id == item.id)))
    missing = sorted(reader_ids - holders)
    if not missing:
        return 0
    for reviewer in db.scalars(select(Reviewer).where(Reviewer.id.in_(missing))):
        db.add(
            ItemAccess(
                case_ref=case.ref,
                item_id=item.id,
                reviewer_id=reviewer.id,
                sealed_item_key=seal_case_key(key, public_key_from_bytes(reviewer.public_key)),
            )
        )
    db.flush()
    return len(missing)


def seal_own_key_item(
    db: Session, case: Case, data: bytes, metadata: dict[str, object], reader_ids: set[str]
) -> tuple[Item, CaseKey]:
    """A "note" envelope sealed to a fresh key of its own, that key sealed to ``reader_ids``;
    returns the item and its key (for this request only: it is stored nowhere else)."""
    if not reader_ids:
        raise NoReaders
    # Of the case key's suite: an internal note of a post-quantum case is post-quantum too.
    item_key = generate_key(suite_of(public_key_from_bytes(case.public_key)))
    envelope = encrypt(data, [item_key.public_key], metadata, chunk_log2=CHUNK_LOG2_TEXT)
    item = add_item(db, case.ref, "note", io.BytesIO(envelope), submitter_readable=False)
    seal_to_readers(db, case, item, item_key, reader_ids)
    return item, item_key


def seal_internal(db: Session, case: Case, data: bytes, about: str = "") -> Item:
    """An item of the internal record, sealed to its holders only (``about`` "" for a note)."""
    metadata: dict[str, object] = {"kind": "note", "created": today().isoformat()}
    if about:
        metadata["about"] = about
    item, _key = seal_own_key_item(db, case, data, metadata, record_holders(db, case))
    return item


def seal_internal_fields(
    db: Session, case: Case, about: str, fields: dict[str, str]
) -> Item | None:
    kept = {name: text for name, text in fields.items() if text.strip()}
    if not kept:
        return None
    data = json.dumps(kept, ensure_ascii=False, sort_keys=True).encode()
    return seal_internal(db, case, data, about)


def own_key_item_ids(db: Session, case: Case) -> set[str]:
    """The case's items sealed to their own key (they have item stanzas)."""
    return set(db.scalars(select(ItemAccess.item_id).where(ItemAccess.case_ref == case.ref)))


def internal_items(db: Session, case: Case) -> list[Item]:
    """The own-key notes of the case other than summaries: its internal record (identity apart)."""
    own = own_key_item_ids(db, case)
    summaries = set(
        db.scalars(
            select(CaseShare.summary_item_id).where(
                CaseShare.case_ref == case.ref, CaseShare.summary_item_id.is_not(None)
            )
        )
    )
    return [i for i in case.items if i.kind == "note" and i.id in own and i.id not in summaries]


def grant_internal_record(
    db: Session, case: Case, item_keys: dict[str, CaseKey], reader_ids: set[str]
) -> int | None:
    """Seal every item of the internal record to ``reader_ids`` with the keys the sharer holds;
    None (and nothing added) when the sharer lacks the key of any of them."""
    items = internal_items(db, case)
    if any(item.id not in item_keys for item in items):
        return None
    return sum(seal_to_readers(db, case, item, item_keys[item.id], reader_ids) for item in items)
