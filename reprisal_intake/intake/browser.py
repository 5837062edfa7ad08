"""The JavaScript path: the browser encrypts, uploads ciphertext in parts, then commits.

The server checks structure only (magic, version, sizes, stanza counts, that the access stanzas cover
exactly the mechanism's reviewers), never content: it cannot read any of it. The case lands through the
same ``store_case`` as the no-JavaScript path, so the rows are the same but for content.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hmac
import io
import re
from collections.abc import Sequence
from typing import IO, Any, TypeGuard

from flask import Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import format_date, get_locale
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crypto.codename import V2_LANGUAGES, v2_wordlist, wordlist
from crypto.envelope import check_structure, read_header
from crypto.errors import RptenvError
from crypto.keys import ACCESS_STANZA_SIZES
from crypto.records import SUITE_PUBLIC_KEY_SIZES
from crypto.xwing import PUBLIC_KEY_SIZE as XWING_PUBLIC_KEY_SIZE

from .. import domain
from ..db import get_db, scope_to_submitter, scope_to_uploads
from ..envelopes import PIECE_SIZE, PieceStream, numbered_pieces
from ..extensions import limiter
from ..models import Case, Mechanism, SubmitterTag, Upload, UploadPart, random_id, today
from .submission import (
    CaseFacts,
    NewConsent,
    NoReviewersError,
    RecipientsChangedError,
    SealedCase,
    case_suite,
    reviewers_for,
    store_case,
)
from .views import configured_limit, route

PART_MAX_BYTES = 8 * 1024 * 1024
MAX_PENDING_UPLOADS = 500
MAX_ATTACHMENTS = 50
# The same day as reprisal_pending_uploads() (migration 0011) on PostgreSQL.
ABANDONED_AFTER = datetime.timedelta(days=1)
# As on the report form: domain.ASKED_LATER is asked on the follow-up page only.
OPTIONAL_SCOPES = (
    frozenset(code for code, _l in domain.CONSENT_SCOPES)
    - {"store_assess", "share_with"}
    - domain.ASKED_LATER
)
CONSENT_STATES = frozenset({"granted", "refused", "not_asked"})
UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


class Invalid(Exception):
    """A request the browser code would never send: refused with 400 and a short reason."""


def problem(status: int, code: str) -> tuple[Response, int]:
    return jsonify({"error": code}), status


def _b64(value: Any, size: int | None = None, what: str = "value") -> bytes:
    if not isinstance(value, str):
        raise Invalid(f"{what} is missing")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise Invalid(f"{what} is not base64") from error
    if size is not None and len(raw) != size:
        raise Invalid(f"{what} has the wrong length")
    return raw


def check_envelope(source: IO[bytes], size: int, what: str, suite: int) -> None:
    """Structure only: a valid RPTENV header of the case's ``suite`` (version 1 with suite 1,
    version 2 with suite 2), a length the format allows, one stanza (the case key: reports and
    attachments are never sealed to anyone else)."""
    try:
        header = read_header(source)
        check_structure(header, size)
    except RptenvError as error:
        raise Invalid(f"{what} is not a valid envelope") from error
    if header.suite != suite:
        raise Invalid(f"{what} must be an envelope of suite {suite}")
    if len(header.stanzas) != 1:
        raise Invalid(f"{what} must be sealed to the case key only")


def _open_upload(session: Session, upload: Upload) -> IO[bytes]:
    """An upload's parts read back in order, one part in memory at a time."""
    parts = numbered_pieces(
        session, UploadPart.data, UploadPart.upload_id, upload.id, UploadPart.seq
    )
    return io.BufferedReader(PieceStream(parts), PIECE_SIZE)


@route("/report/keys/<code>", methods=["GET"])
def recipient_keys(code: str) -> ResponseReturnValue:
    """The public keys a browser seals a new case of this mechanism to."""
    if not _is_code(code):
        return problem(404, "no_recipients")
    with get_db().session() as session:
        recipients = reviewers_for(session, code, current_app.config["ORG_PUBLIC_KEYS"])
    if not recipients:
        return problem(404, "no_recipients")
    return jsonify(
        {
            "mechanism": code,
            # The browser checks each record against the organisation keys pinned in the page
            # (static/js/records.js) and seals to none if one fails.
            "recipients": [
                {
                    "id": r.reviewer_id,
                    "public_key": base64.b64encode(r.public_key).decode(),
                    "record": r.record,
                }
                for r in recipients
            ],
            "part_size": 4 * 1024 * 1024,
            "max_bytes": current_app.config["MAX_CONTENT_LENGTH"],
        }
    )


@route("/report/wordlist.txt", methods=["GET"])
def codename_words() -> ResponseReturnValue:
    return Response("\n".join(wordlist()) + "\n", mimetype="text/plain")


@route("/report/words/<language>.txt", methods=["GET"])
def codename_words_v2(language: str) -> ResponseReturnValue:
    """A codename v2 word list (docs/codename-v2.md), fetched by the page only when it sends."""
    if language not in V2_LANGUAGES:
        return problem(404, "no_list")
    return Response("\n".join(v2_wordlist(language)) + "\n", mimetype="text/plain")


@route("/report/uploads", methods=["POST"])
@limiter.limit(configured_limit("INTAKE_UPLOAD_LIMIT"))
def start_upload() -> ResponseReturnValue:
    with get_db().session() as session:
        if _pending_uploads(session) >= MAX_PENDING_UPLOADS:
            return problem(503, "busy")
        upload = Upload(id=random_id(), size=0, parts=0)
        scope_to_uploads(session, [upload.id])
        session.add(upload)
    return jsonify({"upload": upload.id}), 201


def _pending_uploads(session: Session) -> int:
    """Delete the uploads abandoned for a day, then count every browser's pending uploads. On
    PostgreSQL through a function (migration 0011) that takes no date: the intake's role cannot
    see others' uploads, nor make the function delete uploads that are not abandoned."""
    if session.get_bind().dialect.name == "postgresql":
        return int(session.scalar(select(func.reprisal_pending_uploads())) or 0)
    abandoned_before = today() - ABANDONED_AFTER
    session.execute(delete(Upload).where(Upload.created < abandoned_before))
    return session.scalar(select(func.count()).select_from(Upload)) or 0


@route("/report/uploads/<upload_id>/parts/<int:seq>", methods=["POST"])
@limiter.limit(configured_limit("INTAKE_UPLOAD_LIMIT"))
def upload_part(upload_id: str, seq: int) -> ResponseReturnValue:
    if (request.content_length or 0) > PART_MAX_BYTES:
        return problem(413, "part_too_large")
    if not UPLOAD_ID.fullmatch(upload_id):
        return problem(404, "no_upload")
    data = request.get_data(cache=False)
    if not data or len(data) > PART_MAX_BYTES:
        return problem(400, "bad_part")
    with get_db().session() as session:
        scope_to_uploads(session, [upload_id])
        upload = session.get(Upload, upload_id, with_for_update=True)
        if upload is None:
            return problem(404, "no_upload")
        if seq < upload.parts:
            # A retry of a part whose answer was lost: accept it if it is the same size.
            stored = session.scalar(
                select(func.length(UploadPart.data)).where(
                    UploadPart.upload_id == upload_id, UploadPart.seq == seq
                )
            )
            return (
                (jsonify({"parts": upload.parts}), 200)
                if stored == len(data)
                else problem(409, "part_conflict")
            )
        if seq != upload.parts:
            return problem(409, "part_out_of_order")
        if upload.size + len(data) > current_app.config["MAX_CONTENT_LENGTH"]:
            return problem(413, "upload_too_large")
        session.add(UploadPart(upload_id=upload_id, seq=seq, data=data))
        upload.parts += 1
        upload.size += len(data)
        return jsonify({"parts": upload.parts}), 200


def _is_code(value: object) -> TypeGuard[str]:
    """Could be a mechanism code: short printable ASCII (no NUL, which PostgreSQL refuses)."""
    return (
        isinstance(value, str) and 0 < len(value) <= 16 and value.isascii() and value.isprintable()
    )


def _one_of(value: object, choices: Sequence[tuple[str, object]]) -> TypeGuard[str]:
    return isinstance(value, str) and any(value == code for code, _label in choices)


def _check_shared_mechanisms(session: Session, facts: CaseFacts) -> None:
    named = {c.mechanism_code for c in facts.consents if c.mechanism_code is not None}
    known = set(session.scalars(select(Mechanism.code).where(Mechanism.code.in_(named))))
    if named - known:
        raise Invalid("consent.share_with names a mechanism that does not exist")


def _facts(payload: dict[str, Any]) -> CaseFacts:
    mechanism = payload.get("mechanism")
    if not _is_code(mechanism):
        raise Invalid("mechanism is missing")
    urgency = payload.get("urgency")
    if not _one_of(urgency, domain.URGENCIES):
        raise Invalid("urgency is not known")
    in_detention = payload.get("in_detention")
    if in_detention is not None and not _one_of(in_detention, domain.IN_DETENTION):
        raise Invalid("in_detention is not known")
    consent = payload.get("consent")
    if not isinstance(consent, dict) or consent.get("store_assess") != "granted":
        raise Invalid("consent to keep and assess the report is required")
    given_by = consent.get("given_by")
    if not _one_of(given_by, domain.CONSENT_GIVERS):
        raise Invalid("consent.given_by is not known")
    consents = [NewConsent("store_assess", "granted")]
    for scope in sorted(OPTIONAL_SCOPES):
        state = consent.get(scope, "not_asked")
        if not isinstance(state, str) or state not in CONSENT_STATES:
            raise Invalid(f"consent.{scope} is not known")
        consents.append(NewConsent(scope, state))
    share_with = consent.get("share_with", [])
    if not isinstance(share_with, list) or not all(_is_code(c) for c in share_with):
        raise Invalid("consent.share_with must be a list of codes")
    # The chosen mechanism receives the report anyway: naming it again records nothing.
    shared = sorted(set(share_with) - {mechanism})
    consents += [NewConsent("share_with", "granted", code) for code in shared]
    return CaseFacts(
        mechanism_code=mechanism,
        urgency=urgency,
        in_detention=in_detention,
        consents=consents,
        given_by=given_by,
        language=str(get_locale() or "en"),
    )


def _upload_ids(payload: dict[str, Any]) -> list[str]:
    upload_ids = payload.get("attachments", [])
    if (
        not isinstance(upload_ids, list)
        or len(upload_ids) > MAX_ATTACHMENTS
        or not all(isinstance(i, str) and UPLOAD_ID.fullmatch(i) for i in upload_ids)
    ):
        raise Invalid("attachments must be a list of upload ids")
    return upload_ids


def _sealed(session: Session, payload: dict[str, Any], upload_ids: list[str]) -> SealedCase:
    access = payload.get("access")
    if not isinstance(access, list) or not access:
        raise Invalid("access is missing")
    stanzas: dict[str, bytes] = {}
    sealed_to: dict[str, bytes] = {}
    for entry in access:
        if not isinstance(entry, dict) or not isinstance(entry.get("reviewer"), str):
            raise Invalid("access entries need a reviewer")
        # The stanza's length is that of the suite of the key it is sealed to (32 or 1216 bytes).
        public_key = _b64(entry.get("public_key"), None, "public_key")
        suite = {32: 1, XWING_PUBLIC_KEY_SIZE: 2}.get(len(public_key))
        if suite is None:
            raise Invalid("public_key has the length of no suite")
        stanzas[entry["reviewer"]] = _b64(
            entry.get("sealed_case_key"), ACCESS_STANZA_SIZES[suite], "sealed_case_key"
        )
        sealed_to[entry["reviewer"]] = public_key
    # Every key and envelope of the case is of one suite: X-Wing when every reader is hybrid
    # (store_case then checks that these are the mechanism's current readers).
    suite = case_suite(sealed_to.values())
    key_size = SUITE_PUBLIC_KEY_SIZES[suite]
    report = _b64(payload.get("report"), None, "report")
    check_envelope(io.BytesIO(report), len(report), "report", suite)
    identity, identity_access = _identity(payload, sealed_to, suite)
    scope_to_uploads(session, upload_ids)
    attachments = []
    for upload_id in upload_ids:
        upload = session.get(Upload, upload_id)
        if upload is None or upload.parts == 0:
            raise Invalid("an attachment upload is missing")
        check_envelope(_open_upload(session, upload), upload.size, "attachment", suite)
        attachments.append(_open_upload(session, upload))
    return SealedCase(
        case_public_key=_b64(payload.get("case_public_key"), key_size, "case_public_key"),
        submitter_public_key=_b64(
            payload.get("submitter_public_key"), key_size, "submitter_public_key"
        ),
        lookup_tag=_b64(payload.get("lookup_tag"), 32, "lookup_tag"),
        access=stanzas,
        sealed_to=sealed_to,
        report=io.BytesIO(report),
        attachments=attachments,
        identity=identity,
        identity_access=identity_access,
    )


def _first_outcome(sealed: SealedCase, upload_ids: list[str]) -> ResponseReturnValue | None:
    """The outcome of the case this commit repeats: same lookup tag and same submitter key (both
    derive from the codename), or None when it repeats nothing."""
    with get_db().session() as session:
        scope_to_submitter(session, sealed.lookup_tag)
        case = session.scalar(
            select(Case)
            .join(SubmitterTag, SubmitterTag.case_ref == Case.ref)
            .where(SubmitterTag.tag == sealed.lookup_tag)
        )
        if case is None or not hmac.compare_digest(
            case.submitter_public_key, sealed.submitter_public_key
        ):
            return None
        mechanism = case.mechanisms[0]
        outcome = {
            "created": format_date(case.created, format="long"),
            "mechanism": domain.mechanism_name(mechanism.code, mechanism.name),
            "files": case.item_count - 1 - (sealed.identity is not None),
            "repeat": True,
        }
        scope_to_uploads(session, upload_ids)
        session.execute(delete(Upload).where(Upload.id.in_(upload_ids)))
    return jsonify(outcome), 200


def _identity(
    payload: dict[str, Any], readers: dict[str, bytes], suite: int
) -> tuple[IO[bytes] | None, dict[str, bytes] | None]:
    """The identity envelope and its key's stanzas, one for each reader of the case key (reader id
    -> the public key the case key was sealed to, whose suite gives the stanza's length)."""
    if payload.get("identity") is None:
        if payload.get("identity_access") is not None:
            raise Invalid("identity_access without identity")
        return None, None
    envelope = _b64(payload.get("identity"), None, "identity")
    check_envelope(io.BytesIO(envelope), len(envelope), "identity", suite)
    entries = payload.get("identity_access")
    if not isinstance(entries, list):
        raise Invalid("identity_access is missing")
    stanzas: dict[str, bytes] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("reviewer"), str):
            raise Invalid("identity_access entries need a reviewer")
        reader_key = readers.get(entry["reviewer"])
        if reader_key is None:
            raise Invalid("identity_access must name the readers of the case key")
        suite = 2 if len(reader_key) == XWING_PUBLIC_KEY_SIZE else 1
        stanzas[entry["reviewer"]] = _b64(
            entry.get("sealed_item_key"), ACCESS_STANZA_SIZES[suite], "sealed_item_key"
        )
    if set(stanzas) != set(readers):
        raise Invalid("identity_access must name the readers of the case key")
    return io.BytesIO(envelope), stanzas


@route("/report/commit", methods=["POST"])
@limiter.limit(configured_limit("INTAKE_SUBMIT_LIMIT"))
def commit() -> ResponseReturnValue:
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the JSON parser goes; the page never sends that
        payload = None
    if not isinstance(payload, dict):
        return problem(400, "not_json")
    try:
        facts = _facts(payload)
        upload_ids = _upload_ids(payload)
        with get_db().session() as session:
            _check_shared_mechanisms(session, facts)
            sealed = _sealed(session, payload, upload_ids)
            case = store_case(session, facts, sealed, current_app.config["ORG_PUBLIC_KEYS"])
            session.execute(delete(Upload).where(Upload.id.in_(upload_ids)))
            mechanism = case.mechanisms[0]
            mechanism_name = domain.mechanism_name(mechanism.code, mechanism.name)
    except IntegrityError:
        # The lookup tag is stored already: the page sent this commit before (its answer was
        # lost) or twice at once. The codename derives from the page's one-time token, so the
        # first case's outcome is the answer; the parts uploaded again are dropped.
        repeat = _first_outcome(sealed, upload_ids)
        if repeat is not None:
            return repeat
        # Any other clash (an id): rolled back, and answered as any invalid commit, without
        # saying which value clashed.
        return jsonify({"error": "invalid", "detail": "the report could not be stored"}), 400
    except Invalid as error:
        return jsonify({"error": "invalid", "detail": str(error)}), 400
    except NoReviewersError:
        return problem(400, "no_recipients")
    except RecipientsChangedError:
        return problem(409, "recipients_changed")
    return jsonify(
        {
            "created": format_date(today(), format="long"),
            "mechanism": mechanism_name,
            "files": len(sealed.attachments),
        }
    ), 201
