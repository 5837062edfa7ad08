"""Sharing a case as focal points do it through the case page: propose, approve, carry out."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.models.sharing import CaseShare
from tests.factories import database, make_account
from tests.support.admin import form_post, sign_in, unlock


def pending_share_id(app: Flask, ref: str) -> str:
    with database(app).session() as session:
        return session.scalars(
            select(CaseShare.id).where(
                CaseShare.case_ref == ref, CaseShare.status.in_(("proposed", "approved"))
            )
        ).one()


def second_focal_point(admin_app: Flask, mechanism: str = "CAT") -> FlaskClient:
    """Another focal point of ``mechanism`` (key in the app, unlocked), signed in."""
    other = make_account(admin_app, "focal_point", mechanisms=(mechanism,), key="app")
    client = admin_app.test_client()
    sign_in(admin_app, client, other)
    assert unlock(client).status_code == 302
    return client


def approve(approver: FlaskClient, ref: str, share_id: str) -> Any:
    return form_post(
        approver,
        f"/cases/{ref}/shares/{share_id}/approve",
        {"confirm_consent": "y"},
        approver.get(f"/cases/{ref}").get_data(as_text=True),
    )


def carry_out(sharer: FlaskClient, ref: str, share_id: str) -> Any:
    return form_post(
        sharer,
        f"/cases/{ref}/shares/{share_id}/carry-out",
        {"confirm_consent": "y"},
        sharer.get(f"/cases/{ref}").get_data(as_text=True),
    )


def approve_and_carry_out(
    admin_app: Flask, sharer: FlaskClient, ref: str, approver: FlaskClient | None = None
) -> None:
    """A second focal point approves the proposed sharing; ``sharer`` carries it out."""
    share_id = pending_share_id(admin_app, ref)
    approver = approver or second_focal_point(admin_app)
    approved = approve(approver, ref, share_id)
    assert approved.status_code == 303, approved.get_data(as_text=True)
    done = carry_out(sharer, ref, share_id)
    assert done.status_code == 303, done.get_data(as_text=True)
