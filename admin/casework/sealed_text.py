"""Reviewers' free text about a case (risk narrative, measure details, risk notes) as envelope items:
it never lies in the clear in the database.

They are "note" items (the item kinds of RPTENV spec §2); the metadata's "about" says which case-work
record a note belongs to. What belongs to the internal record (risk narratives, the risk notes of
measures) is sealed to a key of its own, readable only by the mechanisms that hold the internal
record (admin/cases/own_key_items.py); the rest (a measure's details, a State's reply) to the case
public key, so that the case bundle still opens it offline."""

from __future__ import annotations

import io
import json

from sqlalchemy.orm import Session

from admin.cases.decryption import open_item
from admin.cases.own_key_items import INTERNAL_ABOUT, seal_internal_fields
from admin.cases.requests import current_item_keys
from crypto.envelope import encrypt
from crypto.keys import CaseKey, public_key_from_bytes
from reprisal_intake.items import add_item
from reprisal_intake.models import Case, Item, today


def seal_text(db: Session, case: Case, about: str, fields: dict[str, str]) -> Item | None:
    """Store the non-empty ``fields`` as one note ``about`` a record ("risk", "measure"); None when
    there is nothing to store. Raises ``own_key_items.NoReaders`` when an internal-record text has
    nobody certified to read it."""
    if about in INTERNAL_ABOUT:
        return seal_internal_fields(db, case, about, fields)
    kept = {name: text for name, text in fields.items() if text.strip()}
    if not kept:
        return None
    envelope = encrypt(
        json.dumps(kept, ensure_ascii=False, sort_keys=True).encode(),
        [public_key_from_bytes(case.public_key)],
        {"kind": "note", "about": about, "created": today().isoformat()},
    )
    return add_item(db, case.ref, "note", io.BytesIO(envelope), submitter_readable=False)


def open_text(db: Session, item_id: str | None, case_key: CaseKey | None) -> dict[str, str]:
    """The fields of a sealed item, or {} when there is none, the key is locked or the item is not
    sealed to this reader (the internal record of a case shared without it)."""
    if item_id is None or case_key is None:
        return {}
    item = db.get(Item, item_id)
    if item is None:
        return {}
    opened = open_item(db, item, case_key, current_item_keys())
    if opened.withheld:
        return {"withheld": "1"}
    if opened.error or opened.text is None:
        return {"error": opened.error or ""}
    try:
        fields = json.loads(opened.text)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in fields.items()} if isinstance(fields, dict) else {}
