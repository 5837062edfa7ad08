"""Test data, made the way the product makes it (through the model and the crypto package)."""

from __future__ import annotations

import datetime
import hashlib
import io
import itertools
import re
from dataclasses import dataclass
from typing import Any

import nacl.signing
from flask import Flask
from nacl.public import PrivateKey
from sqlalchemy import select

from crypto.codename import CodenameKeys, read_codename
from crypto.keys import generate_hybrid_key, generate_keypair
from crypto.records import sign_reader
from crypto.xwing import XWingSecretKey
from reprisal_intake.db import Database
from reprisal_intake.models import Mechanism, Reviewer, random_id

_names = itertools.count(1)

CONSENT_SCOPES_ASKED = (
    "contact",
    "share_identity",
    "state_named",
    "state_anonymised",
    "other_states_named",
    "other_states_anonymised",
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
    secret_key: PrivateKey | XWingSecretKey


# The organisation key of the test deployment: conftest pins its public half for every app
# (REPRISAL_ORG_PUBLIC_KEYS), so the factories' reviewers are certified readers.
ORG_SIGNING_KEY = nacl.signing.SigningKey(hashlib.sha256(b"reprisal tests organisation").digest())
ORG_PUBLIC_KEY = bytes(ORG_SIGNING_KEY.verify_key)


def reader_record(
    public_key: bytes,
    *mechanisms: str,
    role: str = "focal_point",
    holder: str = "Test reader",
    not_before: datetime.date | None = None,
    not_after: datetime.date | None = None,
    signing_key: nacl.signing.SigningKey = ORG_SIGNING_KEY,
    suite: int = 1,
) -> str:
    """A reader record for ``public_key``, signed by the test organisation key by default."""
    day = datetime.datetime.now(datetime.UTC).date()
    return sign_reader(
        signing_key,
        public_key=public_key,
        holder=holder,
        role=role,
        mechanisms=mechanisms,
        not_before=not_before or day - datetime.timedelta(days=30),
        not_after=not_after or day + datetime.timedelta(days=365),
        suite=suite,
    )


def database(app: Flask) -> Database:
    found: Database = app.extensions["reprisal_db"]
    return found


def make_reviewer(
    app: Flask,
    *mechanisms: str,
    name: str | None = None,
    certified: bool = True,
    hybrid: bool = False,
) -> ReviewerWithKey:
    """A focal point's offline key; with ``certified`` (the default) the organisation signed it.
    ``hybrid``: an X-Wing (suite 2) key and record instead of an X25519 one."""
    key: PrivateKey | XWingSecretKey = generate_hybrid_key() if hybrid else generate_keypair()
    name = name or f"Reviewer {next(_names)}"
    codes = mechanisms or ("CAT",)
    suite = 2 if hybrid else 1
    record = (
        reader_record(bytes(key.public_key), *codes, holder=name, suite=suite)
        if certified
        else None
    )
    with database(app).session() as session:
        rows = list(session.scalars(select(Mechanism).where(Mechanism.code.in_(codes))))
        reviewer = Reviewer(
            name=name, public_key=bytes(key.public_key), mechanisms=rows, record=record
        )
        session.add(reviewer)
        session.flush()
        return ReviewerWithKey(reviewer.id, reviewer.name, key)


RECEIPT_CODENAME = re.compile(r'<p class="codename" id="codename"[^>]*>([^<]+)</p>')


def receipt_codename(page: str) -> str:
    """The codename on a receipt page (any language)."""
    match = RECEIPT_CODENAME.search(page)
    assert match, "no codename on the page"
    return match.group(1)


def receipt_keys(codename: str) -> CodenameKeys:
    """The keys of a codename shown on a receipt (its version 2 reading, whatever the language)."""
    readings = read_codename(codename)
    assert readings, f"not a codename: {codename!r}"
    return readings[0]


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


# --- admin app accounts (issue 4) ---------------------------------------------------------------

ACCOUNT_PASSWORD = "correct horse battery staple"
KEY_PASSPHRASE = "a different key passphrase"


@dataclass
class Account:
    id: str
    username: str
    password: str
    totp_secret: str
    reviewer: ReviewerWithKey | None = None


def sealed_totp_secret(app: Flask, secret: str, user_id: str) -> str:
    """As the admin app stores it: encrypted with its key, for this account (admin.auth.totp)."""
    from admin.auth.totp import seal_secret

    with app.app_context():
        return seal_secret(secret, user_id)


def make_account(
    app: Flask,
    *roles: str,
    mechanisms: tuple[str, ...] = (),
    username: str | None = None,
    key: str | None = None,
) -> Account:
    """An enrolled account (password + TOTP). ``key``: None, "app" (wrapped under KEY_PASSPHRASE,
    cheap KDF) or "offline" (public key only)."""
    import json

    import nacl.pwhash
    import pyotp
    from argon2 import PasswordHasher

    from crypto.keyfile import wrap_secret_key
    from reprisal_intake.models import User

    username = username or f"user{next(_names)}"
    secret = pyotp.random_base32()
    with database(app).session() as session:
        rows = list(session.scalars(select(Mechanism).where(Mechanism.code.in_(mechanisms))))
        user_id = random_id()
        user = User(
            id=user_id,
            username=username,
            roles=" ".join(roles),
            password_hash=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(
                ACCOUNT_PASSWORD
            ),
            totp_secret=sealed_totp_secret(app, secret, user_id),
            assigned_mechanisms=rows,
        )
        session.add(user)
        session.flush()
        reviewer = None
        if key is not None:
            secret_key = generate_keypair()
            wrapped = None
            if key == "app":
                wrapped = json.dumps(
                    wrap_secret_key(
                        secret_key,
                        KEY_PASSPHRASE,
                        opslimit=nacl.pwhash.argon2id.OPSLIMIT_MIN,
                        memlimit=nacl.pwhash.argon2id.MEMLIMIT_MIN,
                    )
                )
            row = Reviewer(
                name=f"{username} key",
                public_key=bytes(secret_key.public_key),
                mechanisms=rows,
                user_id=user.id,
                wrapped_secret_key=wrapped,
                record=reader_record(bytes(secret_key.public_key), *mechanisms)
                if mechanisms
                else None,
            )
            session.add(row)
            session.flush()
            reviewer = ReviewerWithKey(row.id, row.name, secret_key)
        return Account(user.id, username, ACCOUNT_PASSWORD, secret, reviewer)
