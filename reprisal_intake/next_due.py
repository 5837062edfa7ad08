"""A case's next action due (docs/domain.md, "Next action due"): the earliest of its deadlines.

Pure: callers read the dates and store the result in ``cases.next_due`` and ``cases.next_due_reason``
(the intake when it creates a case, admin/cases/due.py whenever the admin app changes one of them), so
the case list can filter and order on an index.
"""

from __future__ import annotations

import datetime

# Days after the day received by which an untriaged case must be triaged: immediate risk within
# the 24-hour rule (the next day), urgent cases by the alerts' default triage deadline.
TRIAGE_DAYS = {"immediate": 1, "urgent": 2}
REASONS = ("triage", "risk_review", "state_reply", "retention")


def triage_deadline(
    status: str, urgency: str | None, created: datetime.date
) -> datetime.date | None:
    if status != "received" or urgency not in TRIAGE_DAYS:
        return None
    return created + datetime.timedelta(days=TRIAGE_DAYS[urgency])


def next_action_due(
    *,
    status: str,
    urgency: str | None,
    created: datetime.date,
    next_review: datetime.date | None,
    reply_due: datetime.date | None,
    retention_due: datetime.date | None,
) -> tuple[datetime.date | None, str | None]:
    """The earliest deadline and its reason (one of REASONS), or (None, None).

    A closed case has only its retention review; an open one its triage deadline, risk review and the
    earliest State reply still awaited. On a tie the earlier reason in REASONS is named."""
    if status == "closed":
        candidates = [("retention", retention_due)]
    else:
        candidates = [
            ("triage", triage_deadline(status, urgency, created)),
            ("risk_review", next_review),
            ("state_reply", reply_due),
        ]
    dated = [(day, REASONS.index(reason), reason) for reason, day in candidates if day is not None]
    if not dated:
        return None, None
    day, _order, reason = min(dated)
    return day, reason
