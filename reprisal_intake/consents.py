"""The consent rules both apps follow (San José Guidelines: free, informed, revocable). Each change is
a new row; the latest row per scope is in force, so the history stays; withdrawn consent puts outward
action on hold. The submitter changes consent from the follow-up page; reviewers read it here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy.orm import Session

from . import domain
from .models import Case, Consent

ScopeKey = tuple[str, str | None]  # (scope, mechanism code for "share_with")


def current_consents(rows: Iterable[Consent]) -> dict[ScopeKey, Consent]:
    latest: dict[ScopeKey, Consent] = {}
    for row in sorted(rows, key=lambda r: r.id):
        latest[(row.scope, row.mechanism_code)] = row
    return latest


def in_force(rows: Iterable[Consent]) -> list[Consent]:
    """The consent in force for each scope, in the order of docs/domain.md."""
    order = {code: index for index, (code, _label) in enumerate(domain.CONSENT_SCOPES)}
    return sorted(
        current_consents(rows).values(),
        key=lambda c: (order.get(c.scope, 99), c.mechanism_code or ""),
    )


def next_state(previous: str | None, answer: str) -> str:
    """A "no" to something granted before is a withdrawal; otherwise the answer as given."""
    if answer == "refused" and previous == "granted":
        return "withdrawn"
    return answer


def record_changes(
    session: Session,
    case: Case,
    answers: Mapping[ScopeKey, str],
    *,
    given_by: str,
    language: str,
) -> list[Consent]:
    """Add a row for every scope whose state changes; return the new rows."""
    latest = current_consents(case.consents)
    added = []
    for key, answer in sorted(answers.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        previous = latest[key].state if key in latest else None
        state = next_state(previous, answer)
        if state == previous:
            continue
        row = Consent(
            case_ref=case.ref,
            scope=key[0],
            mechanism_code=key[1],
            state=state,
            given_by=given_by,
            language=language,
        )
        session.add(row)
        added.append(row)
    return added


def share_answers(latest: Mapping[ScopeKey, Consent], chosen: Iterable[str]) -> dict[ScopeKey, str]:
    """Ticked mechanisms are granted; a mechanism granted before and now unticked is refused
    (recorded as withdrawn)."""
    chosen = set(chosen)
    granted = {
        m for (scope, m), c in latest.items() if scope == "share_with" and c.state == "granted"
    }
    answers: dict[ScopeKey, str] = {("share_with", m): "granted" for m in chosen}
    answers.update({("share_with", m): "refused" for m in granted - chosen if m is not None})
    return answers


def outward_action_on_hold(rows: Iterable[Consent]) -> bool:
    """Withdrawn consent puts the case on hold for outward action (docs/domain.md), at once."""
    return any(c.state == "withdrawn" for c in current_consents(rows).values())
