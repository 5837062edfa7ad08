"""The consent rules both apps follow (San José Guidelines: free, informed, revocable). Each change is
a new row; the latest row per scope is in force, so the history stays. The submitter changes consent
from the follow-up page; reviewers read it here.

One rule (docs/domain.md, "Outward actions"): every outward action discloses under the scopes
``OUTWARD_ACTIONS`` names; it may be planned, and sent, only while each of them is granted and
"store and assess" is granted. Messages inside the service, to the codename, need no scope."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import domain
from .consent_wording import WORDING_VERSION
from .models import Case, Consent

ScopeKey = tuple[str, str | None]  # (scope, mechanism code for "share_with")

NAMED, ANONYMISED = "named", "anonymised"


def _variants(prefix: str) -> dict[str | None, tuple[str, ...]]:
    return {NAMED: (f"{prefix}_named",), ANONYMISED: (f"{prefix}_anonymised",)}


# Every outward action and the scopes it discloses under, by variant (None: the action has none).
# docs/domain.md has the same table; tests/test_consent_table.py checks that they agree.
# "share_summary", "share" and "share_with_identity" are sharing the case from the sharing panel
# (SHARE_ACTIONS); the others are measure kinds.
OUTWARD_ACTIONS: dict[str, dict[str | None, tuple[str, ...]]] = {
    "acknowledge": {None: ()},
    "verify": {None: ("store_assess",)},
    "state_letter": _variants("state"),
    "state_meeting": _variants("state"),
    "dialogue": _variants("state"),
    "interim_measures": _variants("state"),
    "state_follow_up": _variants("state"),
    "mobilise_diplomats": _variants("other_states"),
    "public_statement": _variants("public"),
    "refer_mechanism": {None: ("share_with",)},
    "share_summary": {None: ("share_with",)},
    "share": {None: ("share_with",)},
    "share_with_identity": {None: ("share_with", "share_identity")},
    "sg_report": _variants("sg_report"),
    "committee_report": {None: ("committee_report",)},
}
# The sharing actions of the table and the part of the case each sends (docs/domain.md, "Sharing a
# case"): a summary a focal point wrote, the full case without the person's identity, or with it.
SHARE_ACTIONS = {
    "share_summary": "summary",
    "share": "without_identity",
    "share_with_identity": "with_identity",
}
# Actions a second focal point approves before they are sent, whatever their risk: they face the
# State or other States, or they are public (docs/domain.md, "Do no harm").
STATE_FACING = frozenset(
    {"state_letter", "state_meeting", "dialogue", "interim_measures", "state_follow_up"}
    | {"mobilise_diplomats"}
)
PUBLIC = frozenset({"public_statement", "sg_report", "committee_report"})


def action_scopes(action: str, variant: str | None) -> tuple[str, ...] | None:
    """The scopes ``action`` discloses under with ``variant``; None if the variant does not fit."""
    return OUTWARD_ACTIONS[action].get(variant)


def variant_of(action: str, scope: str) -> str | None:
    """The variant of ``action`` whose scopes include ``scope`` (a stored measure keeps its scope)."""
    for variant, scopes in OUTWARD_ACTIONS[action].items():
        if scope in scopes:
            return variant
    return None


def state_in_force(rows: Iterable[Consent], scope: str, mechanism_code: str | None = None) -> str:
    row = current_consents(rows).get((scope, mechanism_code))
    return row.state if row is not None else "not_asked"


def case_on_hold(rows: Iterable[Consent]) -> bool:
    """Without "keep this report and assess it" the whole case is on hold (and up for deletion)."""
    return state_in_force(rows, "store_assess") != "granted"


def blocking(
    rows: Iterable[Consent], scopes: tuple[str, ...], mechanism_code: str | None = None
) -> list[tuple[str, str | None, str]]:
    """The (scope, mechanism, state) that block an action under ``scopes``: every one not granted,
    and "store and assess" if it is not. Empty when the action is allowed. An action under no scope
    stays inside this service (acknowledging the person) and is always allowed."""
    if not scopes:
        return []
    rows = list(rows)
    needed = ["store_assess", *[s for s in scopes if s != "store_assess"]]
    found = []
    for scope in needed:
        mechanism = mechanism_code if scope == "share_with" else None
        state = state_in_force(rows, scope, mechanism)
        if state != "granted":
            found.append((scope, mechanism, state))
    return found


def current_consents(rows: Iterable[Consent]) -> dict[ScopeKey, Consent]:
    latest: dict[ScopeKey, Consent] = {}
    for row in sorted(rows, key=lambda r: r.version):
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


def next_version(session: Session, case_ref: str) -> int:
    """The version the case's next consent row takes (0 for the first)."""
    found = session.scalar(
        select(func.coalesce(func.max(Consent.version) + 1, 0)).where(Consent.case_ref == case_ref)
    )
    return int(found or 0)


def record_changes(
    session: Session,
    case: Case,
    answers: Mapping[ScopeKey, str],
    *,
    given_by: str,
    language: str,
) -> list[Consent]:
    """Add a row for every scope whose state changes; return the new rows.

    The case row is locked first, so two changes at once take versions one after the other."""
    session.execute(select(Case.ref).where(Case.ref == case.ref).with_for_update())
    version = next_version(session, case.ref)
    latest = current_consents(case.consents)
    added = []
    for key, answer in sorted(answers.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        previous = latest[key].state if key in latest else None
        state = next_state(previous, answer)
        if state == previous:
            continue
        row = Consent(
            case_ref=case.ref,
            version=version,
            scope=key[0],
            mechanism_code=key[1],
            state=state,
            given_by=given_by,
            language=language,
            wording=WORDING_VERSION,
        )
        session.add(row)
        added.append(row)
        version += 1
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
