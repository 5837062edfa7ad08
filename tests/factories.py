"""Test data, made the way the product makes it (through the model and the crypto package)."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from typing import Any

from flask import Flask
from nacl.public import PrivateKey
from sqlalchemy import select

from crypto.keys import generate_keypair
from reprisal_intake.db import Database
from reprisal_intake.models import Mechanism, Reviewer

_names = itertools.count(1)

CONSENT_SCOPES_ASKED = (
    "contact",
    "state_named",
    "state_anonymised",
    "public_named",
    "public_anonymised",
    "sg_report_named",
    "sg_report_anonymised",
    "committee_report",
    "statistics",
)


@dataclass
class ReviewerWithKey:
    id: str
    name: str
    secret_key: PrivateKey


def database(app: Flask) -> Database:
    found: Database = app.extensions["reprisal_db"]
    return found


def make_reviewer(app: Flask, *mechanisms: str, name: str | None = None) -> ReviewerWithKey:
    key = generate_keypair()
    name = name or f"Reviewer {next(_names)}"
    with database(app).session() as session:
        rows = list(
            session.scalars(select(Mechanism).where(Mechanism.code.in_(mechanisms or ("CAT",))))
        )
        reviewer = Reviewer(name=name, public_key=bytes(key.public_key), mechanisms=rows)
        session.add(reviewer)
        session.flush()
        return ReviewerWithKey(reviewer.id, reviewer.name, key)


def report_form(csrf_token: str, **overrides: Any) -> dict[str, Any]:
    """What a browser sends when a person fills in the report form's required fields."""
    data: dict[str, Any] = {
        "csrf_token": csrf_token,
        "mechanism": "CAT",
        "what_happened": "After I met the Committee my passport was taken at the airport.",
        "urgency": "urgent",
        "submitter_role": "victim",
        "consent_store_assess": "y",
        "consent_given_by": "victim",
        **{f"consent_{scope}": "not_asked" for scope in CONSENT_SCOPES_ASKED},
        "attachments": [(io.BytesIO(b""), "", "application/octet-stream")],
    }
    data.update(overrides)
    return data
