"""A case walked through assessment and the Secretary-General's report, as a focal point's browser
sends the forms."""

from __future__ import annotations

import io
import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.models import Case
from tests.factories import Account, database, make_account
from tests.support.admin import form_post, sign_in, unlock
from tests.support.intake import submit


def reported_case(app: Flask, client: FlaskClient, **answers: Any) -> str:
    """Submit a CAT report with ``answers``; its reference."""
    with database(app).session() as session:
        before = set(session.scalars(select(Case.ref)))
    assert submit(client, **answers).status_code == 200
    with database(app).session() as session:
        (ref,) = set(session.scalars(select(Case.ref))) - before
    return ref


def focal_point_desk(admin_app: Flask) -> tuple[Account, FlaskClient]:
    account = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    browser = admin_app.test_client()
    sign_in(admin_app, browser, account)
    assert unlock(browser).status_code == 302
    return account, browser


def step(browser: FlaskClient, ref: str, path: str, **data: Any) -> Any:
    page = browser.get(f"/cases/{ref}").get_data(as_text=True)
    return form_post(browser, f"/cases/{ref}/{path}", data, page)


def state_reply(browser: FlaskClient, ref: str, file: bytes | None = None, **data: Any) -> Any:
    if file is not None:
        data["attachment"] = (io.BytesIO(file), "note-verbale.pdf", "application/pdf")
    return step(browser, ref, "state-replies", **data)


def export(admin_app: Flask, period: str) -> dict[str, Any]:
    coordinator = make_account(admin_app, "coordinator")
    browser = admin_app.test_client()
    sign_in(admin_app, browser, coordinator)
    response = browser.get(f"/annual-report/{period}.json")
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="sg-report-{period}.json"'
    )
    exported: dict[str, Any] = json.loads(response.get_data(as_text=True))
    return exported
