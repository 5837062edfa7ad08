"""Reviewer keys held in the app: made here and wrapped under a passphrase (argon2id + SecretBox, the
spec's key-file object), or registered as an offline public key; unlocked into the session only;
rotated by re-sealing every access stanza the key holds, without touching any item."""

from __future__ import annotations

import json

from flask import current_app
from nacl.public import PrivateKey, PublicKey
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from admin.auth.passwords import verify_secret
from crypto.keyfile import unwrap_secret_key, wrap_secret_key
from crypto.keys import generate_keypair, open_case_key, seal_case_key
from reprisal_intake.models import AccessStanza, AdminSession, Case, Reviewer, User

MIN_PASSPHRASE_LENGTH = 12


class KeyError_(Exception):
    """A key operation was refused; the message says why, for the reviewer."""


def passphrase_problem(user: User, passphrase: str, confirmation: str) -> str | None:
    if passphrase != confirmation:
        return "The two passphrases differ."
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        return f"Use at least {MIN_PASSPHRASE_LENGTH} characters."
    # A stolen password must not also open the key.
    if verify_secret(user.password_hash, passphrase):
        return "Choose a passphrase different from your password."
    return None


def _wrap(secret_key: PrivateKey, passphrase: str) -> str:
    config = current_app.config
    wrapped = wrap_secret_key(
        secret_key,
        passphrase,
        opslimit=config["ADMIN_KEY_OPSLIMIT"],
        memlimit=config["ADMIN_KEY_MEMLIMIT"],
    )
    return json.dumps(wrapped, sort_keys=True)


def _reviewer_name(db: Session, user: User) -> str:
    name = user.username
    suffix = 1
    while db.scalar(select(Reviewer.id).where(Reviewer.name == name)) is not None:
        suffix += 1
        name = f"{user.username} ({suffix})"
    return name


def _check_no_key(db: Session, user: User) -> None:
    existing = db.scalar(
        select(Reviewer.id).where(Reviewer.user_id == user.id, Reviewer.active.is_(True))
    )
    if existing is not None:
        raise KeyError_("You already have a key. Rotate it instead of making another.")
    if not user.assigned_mechanisms:
        raise KeyError_("No mechanism is assigned to your account yet; ask an administrator.")


def create_key(db: Session, user: User, passphrase: str) -> tuple[Reviewer, PrivateKey]:
    """A new key pair whose secret half is stored only wrapped under ``passphrase``."""
    _check_no_key(db, user)
    secret_key = generate_keypair()
    reviewer = Reviewer(
        name=_reviewer_name(db, user),
        public_key=bytes(secret_key.public_key),
        mechanisms=list(user.assigned_mechanisms),
        user_id=user.id,
        wrapped_secret_key=_wrap(secret_key, passphrase),
    )
    db.add(reviewer)
    db.flush()
    return reviewer, secret_key


def register_offline_key(db: Session, user: User, public_key: PublicKey) -> Reviewer:
    """An offline key: only its public half reaches the server; the reviewer works on bundles."""
    _check_no_key(db, user)
    reviewer = Reviewer(
        name=_reviewer_name(db, user),
        public_key=bytes(public_key),
        mechanisms=list(user.assigned_mechanisms),
        user_id=user.id,
    )
    db.add(reviewer)
    db.flush()
    return reviewer


def unlock(reviewer: Reviewer, passphrase: str) -> PrivateKey:
    """PassphraseError if the passphrase is wrong; KeyError_ for an offline key."""
    if reviewer.wrapped_secret_key is None:
        raise KeyError_("This is an offline key: open exported bundles with reprisal-decrypt.")
    secret_key = unwrap_secret_key(json.loads(reviewer.wrapped_secret_key), passphrase)
    if bytes(secret_key.public_key) != reviewer.public_key:
        raise KeyError_("The stored key does not match its public key.")
    if not isinstance(secret_key, PrivateKey):
        # The app stores only X25519 keys (create_key); an X-Wing key is not used here yet.
        raise KeyError_("This key is of a kind this app cannot use yet.")
    return secret_key


def rotate(
    db: Session, reviewer: Reviewer, old_key: PrivateKey, new_passphrase: str
) -> tuple[PrivateKey, int]:
    """Replace the key pair: every access stanza of this reviewer is re-sealed to the new public key.

    Items are not touched (the case keys do not change). All or nothing: one transaction.
    """
    # Lock the key's row: two rotations of one key (two browsers) must not interleave.
    db.refresh(reviewer, with_for_update=True)
    if bytes(old_key.public_key) != reviewer.public_key:
        raise KeyError_("The unlocked key is not this reviewer's current key.")
    new_key = generate_keypair()
    new_public = new_key.public_key
    stanzas = list(
        db.scalars(
            select(AccessStanza)
            .where(AccessStanza.reviewer_id == reviewer.id)
            .order_by(AccessStanza.id)
            .with_for_update()
        )
    )
    for stanza in stanzas:
        case_public_key = db.scalar(select(Case.public_key).where(Case.ref == stanza.case_ref))
        case_key = open_case_key(
            [stanza.sealed_case_key],
            old_key,
            case_public_key=PublicKey(case_public_key) if case_public_key else None,
        )
        stanza.sealed_case_key = seal_case_key(case_key, new_public)
    reviewer.public_key = bytes(new_public)
    reviewer.wrapped_secret_key = _wrap(new_key, new_passphrase)
    # Other sessions still hold the old key, which opens nothing now: lock them.
    db.execute(
        update(AdminSession)
        .where(AdminSession.unlocked_reviewer_id == reviewer.id)
        .values(unlocked_reviewer_id=None, sealed_secret_key=None)
    )
    db.flush()
    return new_key, len(stanzas)
