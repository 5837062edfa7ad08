"""Reviewers' free text about a case (risk narrative, measure details, risk notes) as envelope items
sealed to the case public key only: it never lies in the clear in the database.

They are "note" items (the item kinds of RPTENV spec §2, so the case bundle still opens offline); the
metadata's "about" says which case-work record a note belongs to."""

from __future__ import annotations

import io
import json

from sqlalchemy.orm import Session

from admin.cases.decryption import open_item
from crypto.envelope import encrypt
from crypto.keys import CaseKey, public_key_from_bytes
from reprisal_intake.items import add_item
from reprisal_intake.models import Case, Item, today


def seal_text(db: Session, case: Case, about: str, fields: dict[str, str]) -> Item | None:
    """Store the non-empty ``fields`` as one note ``about`` a record ("risk", "measure"); None when
    there is nothing to store."""
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
    """The fields of a sealed item, or {} when there is none or the key is locked."""
    if item_id is None or case_key is None:
        return {}
    item = db.get(Item, item_id)
    if item is None:
        return {}
    opened = open_item(db, item, case_key)
    if opened.error or opened.text is None:
        return {"error": opened.error or ""}
    try:
        fields = json.loads(opened.text)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in fields.items()} if isinstance(fields, dict) else {}
