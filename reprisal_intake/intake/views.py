"""The submitter's pages: landing, report form, receipt, follow-up. All plain server-rendered HTML."""

from __future__ import annotations

import io
from collections.abc import Callable

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from nacl.public import PrivateKey, PublicKey
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import BadRequest

from crypto.codename import derive_codename_keys, generate_codename
from crypto.envelope import CHUNK_LOG2_TEXT, encrypt
from crypto.keys import generate_keypair

from .. import domain
from ..db import get_db
from ..extensions import csrf, limiter
from ..models import Consent, Mechanism, today
from . import followup
from .forms import OPTIONAL_SCOPES, CodenameForm, EmptyForm, FollowupForm, ReportForm
from .submission import (
    NewConsent,
    NoReviewersError,
    add_item,
    create_case,
    mechanisms_accepting_reports,
    next_item_seq,
)
from .uploads import accepts_encrypted_files, encrypted_upload

bp = Blueprint("intake", __name__)


def _configured_limit(name: str) -> Callable[[], str]:
    """Global caps on the expensive endpoints, from the config (see web.limits: never per address)."""
    return lambda: str(current_app.config[name])


def _case_key() -> PrivateKey:
    """The new case's key pair, made on first use in this request and never stored unsealed."""
    if "case_key" not in g:
        g.case_key = generate_keypair()
    key: PrivateKey = g.case_key
    return key


def _followup_recipients() -> list[PublicKey]:
    keys = followup.remembered()
    if keys is None:
        raise BadRequest("Enter your codename before sending files.")
    with get_db().session() as session:
        case = followup.find_case(session, keys)
        if case is None:
            raise BadRequest("Enter your codename before sending files.")
        return followup.submitter_recipients(case)


def _uploaded_files(field_files: list[FileStorage]) -> list[FileStorage]:
    """Files the person actually chose (a file input left empty still sends an empty part)."""
    return [f for f in field_files if f.filename or encrypted_upload(f).plaintext_size]


def _validate(form: FlaskForm) -> bool:
    """Validate, turning an expired or missing CSRF token into an error shown beside the answers.

    These forms check their own token (they are exempt from the global check) so that a person who
    spent hours writing does not lose the text to an expired token: the form comes back, filled in,
    with a fresh token.
    """
    valid = form.validate()
    if form.meta.csrf and form.csrf_token.errors:
        form.csrf_token.errors = [
            _(
                "This form was open for a long time, or did not come from this site, so nothing "
                "was saved. Check your answers and send again."
            )
        ]
    return valid


def _mechanism_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    with get_db().session() as session:
        accepting = mechanisms_accepting_reports(session)
        everyone = list(session.scalars(select(Mechanism).order_by(Mechanism.position)))
    return (
        [(m.code, f"{m.name} ({m.code})") for m in accepting],
        [(m.code, f"{m.name} ({m.code})") for m in everyone],
    )


@bp.get("/")
def landing() -> ResponseReturnValue:
    return render_template("intake/landing.html")


@bp.get("/safety")
def safety() -> ResponseReturnValue:
    return render_template("intake/safety.html")


@bp.route("/report", methods=["GET", "POST"])
@limiter.limit(_configured_limit("INTAKE_SUBMIT_LIMIT"), methods=["POST"])
@csrf.exempt
def submit() -> ResponseReturnValue:
    accepting, everyone = _mechanism_choices()
    form = ReportForm(accepting, everyone)
    if request.method == "GET":
        return render_template("intake/report.html", form=form, accepting=accepting)

    files = _uploaded_files(form.attachments.data or [])
    if not _validate(form):
        return render_template(
            "intake/report.html", form=form, accepting=accepting, files_dropped=bool(files)
        ), 400

    codename = generate_codename()
    codename_keys = derive_codename_keys(codename)
    language = str(get_locale() or "en")
    consent_choices = form.consent_choices()
    consents = [NewConsent("store_assess", "granted")]
    consents += [
        NewConsent(code, getattr(form, f"consent_{code}").data) for code, _l in OPTIONAL_SCOPES
    ]
    consents += [NewConsent("share_with", "granted", code) for code in form.share_with.data or []]
    try:
        with get_db().session() as session:
            case = create_case(
                session,
                mechanism_code=form.mechanism.data,
                case_key=_case_key(),
                codename_keys=codename_keys,
                report=form.report_data(),
                attachments=[encrypted_upload(f).envelope() for f in files],
                urgency=form.urgency.data,
                in_detention=form.in_detention.data or None,
                consents=consents,
                given_by=str(consent_choices["given_by"]),
                language=language,
            )
            mechanism = case.mechanisms[0]
    except NoReviewersError:
        form.mechanism.errors = [
            _("Nobody can receive reports for this mechanism yet. Choose another one.")
        ]
        return render_template(
            "intake/report.html", form=form, accepting=accepting, files_dropped=bool(files)
        ), 400
    return render_template(
        "intake/receipt.html",
        codename=codename,
        mechanism=mechanism,
        file_count=len(files),
        created=today(),
        encrypted_in="server",
    )


@bp.route("/followup", methods=["GET", "POST"])
@limiter.limit(_configured_limit("INTAKE_LOOKUP_LIMIT"), methods=["POST"])
@csrf.exempt
def followup_start() -> ResponseReturnValue:
    form = CodenameForm()
    if request.method == "GET":
        return render_template("intake/followup_start.html", form=form)
    if not _validate(form):
        return render_template("intake/followup_start.html", form=form), 400
    keys = derive_codename_keys(form.codename.data)
    with get_db().session() as session:
        case = followup.find_case(session, keys)
    if case is None:
        form.codename.errors = [
            _("No report matches this codename. Check each word and try again.")
        ]
        return render_template("intake/followup_start.html", form=form), 400
    followup.remember(keys)
    return redirect(url_for("intake.followup_case"), code=303)


@bp.route("/followup/case", methods=["GET", "POST"])
@limiter.limit(_configured_limit("INTAKE_FOLLOWUP_LIMIT"), methods=["POST"])
@csrf.exempt
def followup_case() -> ResponseReturnValue:
    keys = followup.remembered()
    if keys is None:
        return redirect(url_for("intake.followup_start"), code=303)
    form = FollowupForm()
    sent = False
    status = 200
    if request.method == "POST":
        files = _uploaded_files(form.attachments.data or [])
        if _validate(form) and (form.message.data or files):
            with get_db().session() as session:
                case = followup.find_case(session, keys)
                if case is None:
                    followup.forget()
                    return redirect(url_for("intake.followup_start"), code=303)
                seq = next_item_seq(session, case.ref)
                if form.message.data:
                    envelope = encrypt(
                        form.message.data.encode(),
                        followup.submitter_recipients(case),
                        {"kind": "followup", "created": today().isoformat()},
                        chunk_log2=CHUNK_LOG2_TEXT,
                    )
                    add_item(session, case, "followup", io.BytesIO(envelope), seq)
                    seq += 1
                for offset, file in enumerate(files):
                    add_item(
                        session, case, "attachment", encrypted_upload(file).envelope(), seq + offset
                    )
            sent = True
            form = FollowupForm(formdata=None)
        else:
            if not form.errors:
                form.message.errors = [_("Write something or choose a file to send.")]
            status = 400
    with get_db().session() as session:
        case = followup.find_case(session, keys)
        if case is None:
            followup.forget()
            return redirect(url_for("intake.followup_start"), code=303)
        messages = followup.readable_messages(session, case, keys)
        consents = _current_consents(case.consents)
        mechanisms = list(case.mechanisms)
        status_code = case.status
        created = case.created
    return render_template(
        "intake/followup_case.html",
        form=form,
        signout=EmptyForm(),
        messages=messages,
        consents=consents,
        mechanisms=mechanisms,
        status=status_code,
        created=created,
        sent=sent,
    ), status


@bp.post("/followup/leave")
def followup_leave() -> ResponseReturnValue:
    form = EmptyForm()
    if form.validate():
        followup.forget()
    return redirect(url_for("intake.landing"), code=303)


def _current_consents(rows: list[Consent]) -> list[Consent]:
    latest: dict[tuple[str, str | None], Consent] = {}
    for row in rows:
        latest[(row.scope, row.mechanism_code)] = row
    order = {code: index for index, (code, _label) in enumerate(domain.CONSENT_SCOPES)}
    return sorted(latest.values(), key=lambda c: (order.get(c.scope, 99), c.mechanism_code or ""))


accepts_encrypted_files("intake.submit", lambda: [_case_key().public_key])
accepts_encrypted_files("intake.followup_case", _followup_recipients)
