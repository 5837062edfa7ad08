"""A case's story in words, oldest first and numbered from 1: what the person sent after the report
(follow-ups, files), what colleagues wrote (replies, notes) and did (triage, status, risk, measures,
sharing), each with who and when. Texts about a risk assessment or a measure are shown in that
section, once, not again here."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.audit.sentences import action_label, details, sentence
from admin.cases.decryption import OpenedItem
from reprisal_intake.models import AuditEntry, Case

# Case work shown in the story (reads, downloads and exports are in the audit log, not here).
WORK_ACTIONS = (
    "triaged",
    "status_changed",
    "risk_assessed",
    "measure_recorded",
    "measure_refused",
    "state_reply_recorded",
    "case_shared",
    "case_unshared",
    "statistics_coded",
)
WRITTEN_ACTIONS = ("reply_sent", "note_added")


@dataclass
class Attachment:
    item_id: str
    name: str
    type: str
    size: int
    error: str | None = None


@dataclass
class Event:
    day: datetime.date
    time: datetime.time | None
    who: str
    what: str
    text: str | None = None
    attachment: Attachment | None = None
    number: int = 0
    error: str | None = None


def attachment_of(opened: OpenedItem) -> Attachment:
    name = opened.metadata.get("name")
    kind = opened.metadata.get("type")
    return Attachment(
        opened.item.id,
        name if isinstance(name, str) and name else _("(no name)"),
        kind if isinstance(kind, str) and kind else _("unknown type"),
        opened.item.size,
        opened.error,
    )


def report_attachments(opened: Iterable[OpenedItem]) -> list[Attachment]:
    """The files sent with the report: the attachments right after it."""
    found = []
    for entry in sorted(opened, key=lambda o: o.item.seq):
        if entry.item.kind in ("report", "identity"):
            continue
        if entry.item.kind != "attachment":
            break
        found.append(attachment_of(entry))
    return found


def story(db: Session, case: Case, opened: list[OpenedItem]) -> list[Event]:
    entries = list(
        db.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.case_ref == case.ref,
                AuditEntry.action.in_(WORK_ACTIONS + WRITTEN_ACTIONS),
            )
            .order_by(AuditEntry.seq)
        )
    )
    written_by: dict[str, AuditEntry] = {}
    events: list[Event] = []
    for audited in entries:
        detail = details(audited.detail)
        if audited.action in WRITTEN_ACTIONS:
            written_by[str(detail.get("item"))] = audited
            continue
        events.append(
            Event(
                audited.at.date(),
                audited.at.time(),
                audited.actor,
                " ".join(
                    filter(
                        None, [action_label(audited.action) + ".", sentence(audited.action, detail)]
                    )
                ),
            )
        )
    sent_with_report = {a.item_id for a in report_attachments(opened)}
    # The person's items carry a date only; on a day with staff entries they keep their place
    # after the item written before them (items are numbered in the order they were stored).
    previous: tuple[datetime.date, datetime.time] | None = None
    for entry in sorted(opened, key=lambda o: o.item.seq):
        item = entry.item
        if item.kind in ("report", "identity") or item.id in sent_with_report or entry.withheld:
            continue  # a withheld item (not sealed to this reader) has no place in their story
        if item.kind == "note" and "about" in entry.metadata:
            continue  # a risk narrative or a measure's text: shown in its own section
        by = written_by.get(item.id)
        who = by.actor if by is not None else _("The person")
        time = by.at.time() if by is not None else None
        if time is None and previous is not None and previous[0] == item.created:
            time = previous[1]
        if time is not None:
            previous = (item.created, time)
        what = {
            "followup": _("Follow-up from the person."),
            "reply": _("Reply to the person."),
            "note": _("Internal note."),
            "attachment": _("File."),
        }.get(item.kind, item.kind)
        event = Event(item.created, time, who, what, error=entry.error)
        if item.kind == "attachment" and entry.error is None:
            event.attachment = attachment_of(entry)
        elif entry.error is None:
            event.text = entry.text
        events.append(event)
    events.sort(key=lambda e: (e.day, e.time or datetime.time.min))
    for number, event in enumerate(events, start=1):
        event.number = number
    return events
