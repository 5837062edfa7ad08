"""Links between cases: possible duplicates and cases linked as one matter (issue 17).

A possible duplicate is found from the coded facts only (``case_statistics``, never a decrypted
report): another case routed to one of the same mechanisms, received within DUPLICATE_WINDOW days,
with the same State held responsible, at least one act in common, and perpetrators in common where
both are coded. It is computed again whenever a case's coding is stored or changed (on commit, like
the next action due), so the list reads the links on an index by case.

Linking two cases as one matter keeps both records whole: each stays readable on its own, each
shows the other, both are audited, and the link can be undone. Only a focal point who can read both
cases (both are routed to their mechanisms and sealed to one of their keys) may link or unlink them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, inspect, or_, select
from sqlalchemy.orm import Session, sessionmaker

from admin.access import may_open_case, user_reviewers
from reprisal_intake.models import AccessStanza, Case, User, case_mechanisms, today
from reprisal_intake.models.links import POSSIBLE_DUPLICATE, SAME_MATTER, CaseLink
from reprisal_intake.models.statistics import CaseStatistics

DUPLICATE_WINDOW = datetime.timedelta(days=30)
_CODED = "duplicate_check_cases"


@dataclass(frozen=True)
class Link:
    other_ref: str
    kind: str


def init_app(sessions: sessionmaker[Session]) -> None:
    from sqlalchemy import event

    event.listen(sessions, "before_flush", _note_codings)
    event.listen(sessions, "before_commit", _check_before_commit)
    event.listen(sessions, "after_rollback", lambda s: s.info.pop(_CODED, None))


def _note_codings(session: Session, _context: Any, _instances: Any) -> None:
    refs: set[str] = session.info.setdefault(_CODED, set())
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, CaseStatistics) and (
            inspect(obj).pending
            or any(
                inspect(obj).attrs[name].history.has_changes()
                for name in ("state", "acts", "perpetrators")
            )
        ):
            refs.add(obj.case_ref)


def _check_before_commit(session: Session) -> None:
    if not session.info.get(_CODED):
        return
    session.flush()
    for ref in sorted(session.info.pop(_CODED, set())):
        find_duplicates(session, ref)


def _similar(mine: CaseStatistics, other_acts: str, other_perpetrators: str) -> bool:
    if not set(mine.act_codes) & set(other_acts.split()):
        return False
    theirs = set(other_perpetrators.split())
    return not (mine.perpetrator_codes and theirs) or bool(set(mine.perpetrator_codes) & theirs)


def find_duplicates(db: Session, ref: str) -> list[str]:
    """Store (both ways) the possible duplicates of case ``ref`` from its coding, replacing the
    ones found before; returns their references."""
    db.execute(
        delete(CaseLink).where(
            CaseLink.kind == POSSIBLE_DUPLICATE,
            or_(CaseLink.case_ref == ref, CaseLink.other_ref == ref),
        )
    )
    case = db.get(Case, ref)
    coding = db.get(CaseStatistics, ref)
    if case is None or coding is None or coding.state is None or not coding.act_codes:
        return []
    codes = select(case_mechanisms.c.mechanism_code).where(case_mechanisms.c.case_ref == ref)
    shared_mechanism = exists().where(
        case_mechanisms.c.case_ref == Case.ref, case_mechanisms.c.mechanism_code.in_(codes)
    )
    candidates = db.execute(
        select(Case.ref, CaseStatistics.acts, CaseStatistics.perpetrators)
        .join(CaseStatistics, CaseStatistics.case_ref == Case.ref)
        .where(
            Case.created >= case.created - DUPLICATE_WINDOW,
            Case.created <= case.created + DUPLICATE_WINDOW,
            Case.ref != ref,
            CaseStatistics.state == coding.state,
            shared_mechanism,
        )
        .order_by(Case.ref)
    ).all()
    found = [other for other, acts, perps in candidates if _similar(coding, acts, perps)]
    for other in found:
        for one, two in ((ref, other), (other, ref)):
            db.add(
                CaseLink(case_ref=one, other_ref=two, kind=POSSIBLE_DUPLICATE, linked_on=today())
            )
    return found


def links_of(
    db: Session, scope: ColumnElement[bool] | None, refs: Iterable[str]
) -> dict[str, list[Link]]:
    """The links of each of ``refs`` to cases the reader may see (``scope``): cases linked as one
    matter first, then possible duplicates not already linked. One query on the links' primary key."""
    refs = list(dict.fromkeys(refs))
    found: dict[str, list[Link]] = {ref: [] for ref in refs}
    if not refs:
        return found
    query = (
        select(CaseLink.case_ref, CaseLink.other_ref, CaseLink.kind)
        .join(Case, Case.ref == CaseLink.other_ref)
        .where(CaseLink.case_ref.in_(refs))
        .order_by(CaseLink.case_ref, CaseLink.kind.desc(), CaseLink.other_ref)
    )
    if scope is not None:
        query = query.where(scope)
    matters: set[tuple[str, str]] = set()
    for ref, other, kind in db.execute(query):
        if kind == SAME_MATTER:
            matters.add((ref, other))
        elif (ref, other) in matters:
            continue
        found[ref].append(Link(other, kind))
    return found


def can_read(db: Session, user: User, case: Case) -> bool:
    """A focal point whose mechanisms include the case's and to one of whose keys it is sealed."""
    if not user.has_role("focal_point") or not may_open_case(db, user, case):
        return False
    keys = [reviewer.id for reviewer in user_reviewers(db, user)]
    return bool(keys) and (
        db.scalar(
            select(AccessStanza.id)
            .where(AccessStanza.case_ref == case.ref, AccessStanza.reviewer_id.in_(keys))
            .limit(1)
        )
        is not None
    )


def link_same_matter(db: Session, one: str, two: str, user_id: str) -> bool:
    """Link two cases as one matter (both ways); False if they already are."""
    if db.get(CaseLink, (one, two, SAME_MATTER)) is not None:
        return False
    for a, b in ((one, two), (two, one)):
        db.add(CaseLink(case_ref=a, other_ref=b, kind=SAME_MATTER, linked_by=user_id))
    return True


def unlink_same_matter(db: Session, one: str, two: str) -> bool:
    """Undo a link as one matter (both ways); False if there was none."""
    done = db.execute(
        delete(CaseLink).where(
            CaseLink.kind == SAME_MATTER,
            or_(
                (CaseLink.case_ref == one) & (CaseLink.other_ref == two),
                (CaseLink.case_ref == two) & (CaseLink.other_ref == one),
            ),
        )
    )
    return bool(getattr(done, "rowcount", 0))
