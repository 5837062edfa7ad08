"""Writing to a case: replies the submitter reads with their codename, and internal notes they never
can (RPTENV spec §1). Both are envelope items; no word of them is stored in the clear."""

from __future__ import annotations

import io

from sqlalchemy.orm import Session

from admin.cases.own_key_items import seal_internal
from admin.casework.consent_gate import consent_in_force
from admin.casework.lifecycle import note_action
from crypto.envelope import CHUNK_LOG2_TEXT, encrypt
from crypto.keys import public_key_from_bytes
from reprisal_intake.items import add_item
from reprisal_intake.models import Case, Item, today
from reprisal_intake.web.templating import LANGUAGES


def contact_consent(case: Case) -> str:
    """The state of the submitter's "contact me" consent in force."""
    return consent_in_force(case, "contact", None).state


def language_name(code: str) -> str:
    """The case's language as its speakers write it, with its code (``Français (fr)``)."""
    found = LANGUAGES.get(code)
    return f"{found[0]} ({code})" if found else code


def add_reply(db: Session, case: Case, text: str) -> Item:
    """A reply sealed to the case key and to the submitter's key; the caller checked consent."""
    envelope = encrypt(
        text.encode("utf-8"),
        [public_key_from_bytes(case.public_key), public_key_from_bytes(case.submitter_public_key)],
        {"kind": "reply", "created": today().isoformat()},
        chunk_log2=CHUNK_LOG2_TEXT,
    )
    note_action(case)
    return add_item(db, case.ref, "reply", io.BytesIO(envelope), submitter_readable=True)


def add_note(db: Session, case: Case, text: str) -> Item:
    """An internal note between reviewers, sealed to a key of its own that only the mechanisms
    holding the internal record read (admin/cases/own_key_items.py), never to the case key: a
    mechanism the case is shared with does not read it unless the sharing included it."""
    note_action(case)
    return seal_internal(db, case, text.encode("utf-8"))
