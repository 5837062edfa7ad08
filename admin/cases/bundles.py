"""Case queries and the case bundle export (RPTENV spec §3), shared by the CLI and later the web app."""

from __future__ import annotations

import os
import tempfile
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crypto.bundle import BundleAccess, BundleItemSource, write_bundle
from crypto.keys import CaseKey, public_key_from_bytes
from reprisal_intake.envelopes import open_envelope
from reprisal_intake.items import OWN_KEY_KINDS
from reprisal_intake.models import AccessStanza, Case, ItemAccess


def case_summary(case: Case) -> dict[str, Any]:
    """The routing fields of a case: nothing a submitter wrote."""
    return {
        "ref": case.ref,
        "mechanisms": [m.code for m in case.mechanisms],
        "status": case.status,
        "created": case.created.isoformat(),
        "urgency": case.urgency,
        "in_detention": case.in_detention,
        "items": len(case.items),
    }


def list_cases(session: Session) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .options(selectinload(Case.mechanisms), selectinload(Case.items))
            .order_by(Case.created.desc(), Case.ref)
        )
    )


def write_case_bundle(
    session: Session, case: Case, handle: BinaryIO, case_key: CaseKey | None = None
) -> None:
    """Write the case bundle (ciphertext and routing fields only) to an open binary file; with the
    case secret key, its manifest is authenticated (docs/spec/bundle-v2.md)."""
    access = [
        BundleAccess(reviewer=stanza.reviewer.name, sealed_case_key=stanza.sealed_case_key)
        for stanza in session.scalars(
            select(AccessStanza)
            .where(AccessStanza.case_ref == case.ref)
            .options(selectinload(AccessStanza.reviewer))
            .order_by(AccessStanza.id)
        )
    ]
    own_key = set(
        session.scalars(select(ItemAccess.item_id).where(ItemAccess.case_ref == case.ref))
    )
    items = [
        BundleItemSource(
            id=item.id,
            kind=item.kind,
            created=item.created,
            open=partial(open_envelope, session, item.id),
        )
        # A v1 bundle's items all open with the case key; the identity, the internal record and
        # summaries are sealed to keys of their own (item stanzas), so they stay out
        # (docs/spec/rptenv-v1-identity.md, rptenv-v1-own-key-items.md).
        for item in case.items
        if item.kind not in OWN_KEY_KINDS and item.id not in own_key
    ]
    summary = case_summary(case)
    summary.pop("ref")
    summary.pop("items")
    write_bundle(
        handle,
        case_ref=case.ref,
        case_public_key=public_key_from_bytes(case.public_key),
        access=access,
        items=items,
        case=summary,
        case_key=case_key,
    )


def export_case(session: Session, case: Case, out: Path, case_key: CaseKey | None = None) -> None:
    """Write the case bundle to ``out`` atomically: a crash leaves no partial bundle behind."""
    out = out.resolve()
    fd, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write_case_bundle(session, case, handle, case_key)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
