"""A focal point working on one reported case: the steps of the case-work forms, as a browser sends them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.consents import next_version
from reprisal_intake.models import Case, Consent, today
from reprisal_intake.models.casework import RiskAssessment
from tests.factories import Account, database, make_account
from tests.support.admin import form_post, sign_in
from tests.support.intake import submit


@dataclass
class Casework:
    app: Flask
    reviewer: FlaskClient
    ref: str
    account: Account
    second: list[FlaskClient] = field(default_factory=list)

    def page(self) -> str:
        response = self.reviewer.get(f"/cases/{self.ref}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    def post(self, step: str, **data: Any) -> Any:
        """POST a case-work form of the case page (step: "triage", "transition", "risk", ...)."""
        return form_post(self.reviewer, f"/cases/{self.ref}/{step}", data, self.page())

    def assess_risk(self, next_review: datetime.date | None = None) -> Any:
        review = next_review or today() + datetime.timedelta(days=30)
        return self.post(
            "risk", likelihood="possible", severity="serious", next_review=review.isoformat()
        )

    def second_focal_point(self) -> FlaskClient:
        """Another CAT focal point, signed in, who approves what this one plans."""
        if not self.second:
            other = make_account(self.app, "focal_point", mechanisms=("CAT",), key="app")
            client = self.app.test_client()
            sign_in(self.app, client, other)
            self.second.append(client)
        return self.second[0]

    def approve(self, measure_id: str, action_risk: str = "medium") -> Any:
        """The second focal point approves the measure (named, public or State-facing, or high risk)."""
        other = self.second_focal_point()
        page = other.get(f"/cases/{self.ref}").get_data(as_text=True)
        return form_post(
            other,
            f"/cases/{self.ref}/measures/{measure_id}/approve",
            {"action_risk": action_risk},
            page,
        )

    def ready_to_send(self, measure_id: str, action_risk: str = "medium") -> None:
        """The do-no-harm steps before sending: a current risk assessment and a second approval."""
        with database(self.app).session() as session:
            assessed = session.scalars(
                select(RiskAssessment.id).where(RiskAssessment.case_ref == self.ref)
            ).first()
        if assessed is None:
            assert self.assess_risk().status_code == 302
        self.approve(measure_id, action_risk)

    def case(self) -> Case:
        with database(self.app).session() as session:
            case = session.get(Case, self.ref)
            assert case is not None
            session.expunge(case)
            return case


def a_case_on_my_desk(
    app: Flask, admin_app: Flask, client: FlaskClient, *roles: str, **answers: Any
) -> Casework:
    """A CAT focal point (key in the app) signed in, and one CAT case reported with ``answers``."""
    account = make_account(admin_app, *(roles or ("focal_point",)), mechanisms=("CAT",), key="app")
    assert submit(client, **answers).status_code == 200
    with database(app).session() as session:
        ref = session.scalars(select(Case.ref)).one()
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, account)
    return Casework(admin_app, reviewer, ref, account)


def record_consent(
    app: Flask, ref: str, scope: str, state: str, mechanism: str | None = None
) -> None:
    """A new consent version, as the intake records it when the submitter changes their answer."""
    with database(app).session() as session:
        session.add(
            Consent(
                case_ref=ref,
                version=next_version(session, ref),
                scope=scope,
                mechanism_code=mechanism,
                state=state,
                given_by="victim",
                language="en",
            )
        )


def update_case(app: Flask, ref: str, **values: Any) -> None:
    """Put the case in a given state directly (what earlier steps or time passing would have done)."""
    with database(app).session() as session:
        case = session.get(Case, ref)
        assert case is not None
        for name, value in values.items():
            setattr(case, name, value)


def risk_assessed(app: Flask, ref: str, next_review: datetime.date | None = None) -> None:
    """A risk assessment of the case, due for review on ``next_review`` (in 30 days by default), as
    the risk form records it: the do-no-harm gate of outward actions and sharing asks for one."""
    with database(app).session() as session:
        version = len(
            list(session.scalars(select(RiskAssessment.id).where(RiskAssessment.case_ref == ref)))
        )
        session.add(
            RiskAssessment(
                case_ref=ref,
                version=version + 1,
                likelihood="possible",
                severity="serious",
                level="medium",
                next_review=next_review or today() + datetime.timedelta(days=30),
            )
        )
