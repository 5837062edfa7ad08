"""A submitter's steps on the intake, as a browser without JavaScript sends them."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from crypto.envelope import decrypt_to
from crypto.keys import open_case_key, public_key_from_bytes
from reprisal_intake.envelopes import open_envelope
from reprisal_intake.models import AccessStanza, Case, Consent, EnvelopeChunk, Item, SubmitterTag
from reprisal_intake.models.base import Base
from tests.factories import database, report_form
from tests.support.forms import csrf_token, post_form

CODENAME = re.compile(r'<p class="codename" id="codename"[^>]*>([a-z \-]+)</p>')


def submit(client: FlaskClient, **overrides: object):
    token = csrf_token(client, "/report")
    return post_form(client, "/report", report_form(token, **overrides))


def counts(app: Flask) -> dict[str, int]:
    with database(app).session() as session:
        return {
            model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Case, AccessStanza, Item, EnvelopeChunk, SubmitterTag, Consent)
        }


def read_item(app: Flask, item: Item, reviewer_key) -> tuple[dict, bytes]:
    with database(app).session() as session:
        stanzas = session.scalars(
            select(AccessStanza.sealed_case_key).where(AccessStanza.case_ref == item.case_ref)
        )
        case_public_key = session.scalar(select(Case.public_key).where(Case.ref == item.case_ref))
        case_key = open_case_key(
            list(stanzas), reviewer_key, case_public_key=public_key_from_bytes(case_public_key)
        )
        out = io.BytesIO()
        metadata = decrypt_to(open_envelope(session, item.id), case_key, out)
        return metadata, out.getvalue()


def enter(client: FlaskClient, codename: str):
    token = csrf_token(client, "/followup")
    return client.post("/followup", data={"csrf_token": token, "codename": codename})


def assert_nothing_stored(app: Flask, before: dict[str, int]) -> None:
    assert counts(app) == before


def rows_per_table(app: Flask) -> dict[str, int]:
    """How many rows every table of the schema holds."""
    with database(app).session() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }
