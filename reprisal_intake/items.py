"""Adding an item (one envelope) to a case: its place in the case, its row and its stored pieces."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from .envelopes import store_envelope
from .models import Case, Item, random_id, today

# Item kinds sealed to a key of their own rather than the case key: only the reviewers with an
# ItemAccess stanza read them (docs/spec/rptenv-v1-identity.md).
OWN_KEY_KINDS = frozenset({"identity"})


def allocate_seq(session: Session, case_ref: str) -> int:
    """The next position in the case. Incrementing a counter on the case row (rather than reading
    the largest seq) serialises concurrent additions and needs no read access to other items."""
    count = session.execute(
        update(Case)
        .where(Case.ref == case_ref)
        .values(item_count=Case.item_count + 1)
        .returning(Case.item_count),
        execution_options={"synchronize_session": False},
    ).scalar_one()
    return int(count) - 1


def add_item(
    session: Session,
    case_ref: str,
    kind: str,
    envelope: IO[bytes],
    *,
    submitter_readable: bool,
    item_id: str | None = None,
) -> Item:
    """Store ``envelope`` as the case's next item. ``submitter_readable`` must be true exactly when
    the envelope carries a stanza for the submitter key. ``item_id`` defaults to a random id."""
    item_id = item_id or random_id()
    seq = allocate_seq(session, case_ref)
    size, sha256 = store_envelope(session, item_id, envelope)
    item = Item(
        id=item_id,
        case_ref=case_ref,
        seq=seq,
        kind=kind,
        submitter_readable=submitter_readable,
        size=size,
        sha256=sha256,
    )
    session.add(item)
    session.flush()
    return item


def store_new_items(
    session: Session, case_ref: str, envelopes: Sequence[tuple[str, IO[bytes]]]
) -> list[str]:
    """Store ``(kind, envelope)`` pairs as items 0, 1, ... of a case created in this transaction
    with ``item_count=len(envelopes)``, in one INSERT of item rows. None is submitter-readable: a
    new case's report and attachments carry no submitter stanza."""
    rows = []
    for seq, (kind, envelope) in enumerate(envelopes):
        item_id = random_id()
        size, sha256 = store_envelope(session, item_id, envelope)
        rows.append(
            {
                "id": item_id,
                "case_ref": case_ref,
                "seq": seq,
                "kind": kind,
                "submitter_readable": False,
                "created": today(),
                "size": size,
                "sha256": sha256,
            }
        )
    session.execute(insert(Item.__table__), rows)
    return [str(row["id"]) for row in rows]
