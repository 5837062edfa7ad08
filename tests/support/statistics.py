"""Cases as the statistics see them: routing fields, the person's consent, and a coding."""

from __future__ import annotations

import datetime

from flask import Flask

from reprisal_intake.models import Case, Consent, Mechanism, today
from reprisal_intake.models.statistics import CaseStatistics
from tests.factories import database


def coded_case(
    app: Flask,
    mechanism: str = "CAT",
    *,
    created: datetime.date | None = None,
    coded: bool = True,
    consents: tuple[tuple[str, str], ...] = (("statistics", "granted"),),
    **coding: object,
) -> str:
    """A case with ``consents`` (scope, state) and, if ``coded``, a coding with ``coding``."""
    with database(app).session() as session:
        case = Case(
            public_key=bytes(32),
            submitter_public_key=bytes(32),
            created=created or today(),
            mechanisms=[session.get(Mechanism, mechanism)],
        )
        session.add(case)
        session.flush()
        for scope, state in consents:
            session.add(
                Consent(
                    case_ref=case.ref, scope=scope, state=state, given_by="victim", language="en"
                )
            )
        if coded:
            session.add(CaseStatistics(case_ref=case.ref, individuals=1, organisations=0, **coding))
        return case.ref
