"""Decrypting a case for a reviewer whose key is unlocked in the session, in memory only.

Reports are small JSON objects; attachments are streamed chunk by chunk from the database through the
envelope reader to the response, never written anywhere in the clear.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto.envelope import EnvelopeReader
from crypto.errors import NotARecipientError, RptenvError
from crypto.keys import CaseKey, open_case_key, public_key_from_bytes
from crypto.stanzas import ReaderKey, suite_of
from reprisal_intake.db import Database
from reprisal_intake.envelopes import PIECE_SIZE, open_envelope
from reprisal_intake.items import OWN_KEY_KINDS
from reprisal_intake.models import AccessStanza, Case, EnvelopeChunk, Item, ItemAccess

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def case_key_for(
    db: Session, case: Case, reviewer_id: str, reviewer_key: ReaderKey
) -> CaseKey | None:
    """The case secret key from this reviewer's access stanza, or None if the case is not sealed to
    them (or the stanza does not open)."""
    stanza = db.scalar(
        select(AccessStanza.sealed_case_key).where(
            AccessStanza.case_ref == case.ref, AccessStanza.reviewer_id == reviewer_id
        )
    )
    if stanza is None:
        return None
    try:
        key = open_case_key(
            [stanza], reviewer_key, case_public_key=public_key_from_bytes(case.public_key)
        )
    except RptenvError:
        return None
    # Either suite, for the reviewer's key and for the case key (X-Wing for a case made for
    # hybrid readers only, docs/spec/rptenv-v2.md section 4).
    return key


def item_keys_for(
    db: Session, case: Case, reviewer_id: str, reviewer_key: ReaderKey
) -> dict[str, CaseKey]:
    """The keys of the case's own-key items (the identity) sealed to this reviewer, by item id."""
    keys: dict[str, CaseKey] = {}
    case_suite = suite_of(public_key_from_bytes(case.public_key))
    rows = db.execute(
        select(ItemAccess.item_id, ItemAccess.sealed_item_key).where(
            ItemAccess.case_ref == case.ref, ItemAccess.reviewer_id == reviewer_id
        )
    )
    for item_id, stanza in rows:
        try:
            # An identity item's own key is of the case key's suite (the intake makes them so).
            key = open_case_key([stanza], reviewer_key, case_suite=case_suite)
        except RptenvError:
            continue
        keys[item_id] = key
    return keys


@dataclass
class OpenedItem:
    item: Item
    metadata: dict[str, object]
    # Only for text items (report, follow-up, reply, note); attachments are streamed on request.
    text: str | None = None
    answers: dict[str, object] | None = None
    error: str | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)
    # An own-key item (the identity, the internal record, a summary) whose key is not sealed to this
    # reader: not shown, not an error.
    withheld: bool = False


def _flatten(answers: dict[str, object]) -> list[tuple[str, str]]:
    """Answers as (question, answer) text pairs, shown escaped, never as HTML."""
    pairs = []
    for key in sorted(answers):
        value = answers[key]
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            shown = json.dumps(value, ensure_ascii=False, sort_keys=True)
        else:
            shown = "" if value is None else str(value)
        pairs.append((key.replace("_", " "), shown))
    return pairs


def open_item(
    db: Session,
    item: Item,
    case_key: CaseKey | None,
    item_keys: dict[str, CaseKey] | None = None,
) -> OpenedItem:
    key = case_key
    own = (item_keys or {}).get(item.id)
    if own is not None:
        key = own
    elif item.kind in OWN_KEY_KINDS or key is None:
        return OpenedItem(item, {}, withheld=True)
    try:
        reader = EnvelopeReader(open_envelope(db, item.id), key)
        metadata = dict(reader.metadata)
        if item.kind == "attachment":
            return OpenedItem(item, metadata)
        data = b"".join(reader.chunks())
    except NotARecipientError:
        if item.kind == "note":
            # A note of the internal record (or a summary for another mechanism) sealed to its own
            # key, which is not sealed to this reader (docs/spec/rptenv-v1-own-key-items.md).
            return OpenedItem(item, {}, withheld=True)
        return OpenedItem(item, {}, error="This item could not be decrypted or is damaged.")
    except RptenvError:
        return OpenedItem(item, {}, error="This item could not be decrypted or is damaged.")
    text = data.decode("utf-8", errors="replace")
    opened = OpenedItem(item, metadata, text=text)
    if item.kind == "report":
        try:
            answers = json.loads(text)
        except ValueError:
            answers = None
        if isinstance(answers, dict):
            opened.answers = answers
            opened.fields = _flatten(answers)
    return opened


class PiecewiseEnvelope(io.RawIOBase):
    """An item's stored envelope, each piece fetched in its own short transaction.

    A download can last minutes; holding one transaction open that long would keep SQLite's write
    lock (every transaction there is BEGIN IMMEDIATE) or an idle transaction on PostgreSQL. Items
    never change once stored, so reading piece by piece is consistent.
    """

    def __init__(self, database: Database, item_id: str) -> None:
        super().__init__()
        self._database = database
        self._item_id = item_id
        self._seq = 0
        self._buffer = b""
        self._exhausted = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer and not self._exhausted:
            with self._database.session() as db:
                piece = db.execute(
                    select(EnvelopeChunk.data).where(
                        EnvelopeChunk.item_id == self._item_id, EnvelopeChunk.seq == self._seq
                    )
                ).scalar_one_or_none()
            if piece is None:
                self._exhausted = True
            else:
                self._buffer = piece
                self._seq += 1
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count


def attachment_stream(
    database: Database, item_id: str, case_key: CaseKey
) -> tuple[dict[str, object], Iterator[bytes]]:
    """The metadata and a generator of the decrypted data, authenticated chunk by chunk.

    Call it outside any open session. A damaged envelope raises inside the generator, so the
    download stops short rather than ever delivering unauthenticated bytes.
    """
    source = io.BufferedReader(PiecewiseEnvelope(database, item_id), buffer_size=PIECE_SIZE)
    reader = EnvelopeReader(source, case_key)
    return dict(reader.metadata), reader.chunks()


def safe_filename(metadata: dict[str, object], fallback: str) -> str:
    name = metadata.get("name")
    if not isinstance(name, str):
        return fallback
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE_FILENAME.sub("_", base).strip("._")[:100]
    return cleaned or fallback
