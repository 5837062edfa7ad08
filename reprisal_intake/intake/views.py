"""The submitter's pages: landing, report form, receipt, follow-up. All plain server-rendered HTML."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import BadRequest

from crypto.codename import (
    CodenameKeys,
    codename_from_secret,
    codename_language,
    derive_codename_v2_keys,
    read_codename,
)
from crypto.envelope import CHUNK_LOG2_TEXT, encrypt
from crypto.keys import CaseKey, generate_key
from crypto.stanzas import RecipientKey

from .. import consents as consent_rules
from .. import domain
from ..db import get_db
from ..extensions import csrf, limiter
from ..items import add_item
from ..models import today
from ..web.forms import given
from ..web.headers import SCRIPT_POLICY, extra_csp
from ..web.lastread import LastRead
from ..web.templating import DEFAULT_LANGUAGE, LANGUAGES, url_language
from . import followup, receipt
from .forms import (
    CHANGEABLE_SCOPES,
    CodenameForm,
    ConsentChangeForm,
    EmptyForm,
    FollowupForm,
    ReportForm,
)
from .receipt import form_secret, new_form_token
from .submission import (
    CaseFacts,
    MechanismChoice,
    NoReviewersError,
    likely_case_suite,
    mechanism_choices,
    store_on_server,
)
from .uploads import accepts_encrypted_files, encrypted_upload

bp = Blueprint("intake", __name__)
LANGUAGE_PREFIX = "/<any({}):lang>".format(",".join(LANGUAGES))


def route(rule: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a page at ``rule`` (English) and at ``/<lang>`` + ``rule`` (every UN language).

    The language is in the URL so that plain links choose it, without JavaScript or a cookie.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        bp.add_url_rule(rule, view_func=view, **options)
        bp.add_url_rule(LANGUAGE_PREFIX + rule, view_func=view, **options)
        return view

    return decorate


@bp.url_value_preprocessor
def _take_language(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    # The locale selector reads the language from the path; the views do not take it.
    if values:
        values.pop("lang", None)


@bp.url_defaults
def _keep_language(_endpoint: str, values: dict[str, Any]) -> None:
    """Links and form actions stay in the page's language; English has no prefix."""
    language = values.get("lang", url_language())
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        values.pop("lang", None)
    else:
        values["lang"] = language


def configured_limit(name: str) -> Callable[[], str]:
    """Limits per browser session on the expensive endpoints, from the config (web.limits: never
    global, never per address)."""
    return lambda: str(current_app.config[name])


def _org_keys() -> tuple[bytes, ...]:
    """The pinned organisation keys (docs/spec/reader-record-v1.md section 6)."""
    keys: tuple[bytes, ...] = current_app.config["ORG_PUBLIC_KEYS"]
    return keys


def _org_keys_text() -> str:
    """The pinned keys as the page carries them, for the browser's own checks (records.js)."""
    return " ".join(base64.b64encode(key).decode() for key in _org_keys())


@dataclass(frozen=True)
class Readers:
    """Who reads a new case of one mechanism, from the certified records (readers.py)."""

    code: str
    label: str
    focal_points: int
    escrow_holders: tuple[str, ...]


def _readers(rows: list[MechanismChoice], everyone: list[tuple[str, str]]) -> list[Readers]:
    return [
        Readers(m.code, label, m.focal_points, m.escrow_holders)
        for m, (_code, label) in zip(rows, everyone, strict=True)
        if m.accepting
    ]


def _upload_case_key() -> CaseKey:
    """The key this request's attachments are encrypted to as they arrive, made on first use and
    never stored unsealed. The mechanism is not known yet: the key is X-Wing when any certified
    reader held a hybrid key when they were last read; ``store_on_server`` seals the files again
    to a case key of the other suite when the mechanism needs it."""
    if "case_key" not in g:
        g.case_key = generate_key(likely_case_suite(current_app.extensions.get(_CHOICES_SEEN, ())))
    key: CaseKey = g.case_key
    return key


def _followup_recipients() -> list[RecipientKey]:
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


@lru_cache(maxsize=1024)
def _mechanism_label(language: str, code: str, stored_name: str) -> str:
    """A mechanism's label in ``language``, the current request's: the catalogues do not change
    while the process runs, and the stored name is part of the key."""
    return f"{domain.mechanism_name(code, stored_name)} ({code})"


# The mechanism choices this app last read, for the suite of files encrypted as they arrive.
_CHOICES_SEEN = "reprisal_intake.mechanism_choices_seen"


def _read_mechanism_choices() -> list[MechanismChoice]:
    with get_db().session() as session:
        choices = mechanism_choices(session, _org_keys())
    current_app.extensions[_CHOICES_SEEN] = tuple(choices)
    return choices


# While the database is down, the form shows the choices last read (web.lastread).
_last_mechanism_choices = LastRead(_read_mechanism_choices)


def _mechanism_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(mechanisms a report can be sent to now, every mechanism), labelled in the page's language."""
    return _labelled(_last_mechanism_choices())


def _labelled(
    rows: list[MechanismChoice],
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    language = str(get_locale() or DEFAULT_LANGUAGE)
    everyone = [(m.code, _mechanism_label(language, m.code, m.name)) for m in rows]
    accepting = [choice for choice, m in zip(everyone, rows, strict=True) if m.accepting]
    return accepting, everyone


@route("/")
def landing() -> ResponseReturnValue:
    return render_template("intake/landing.html")


@route("/safety")
def safety() -> ResponseReturnValue:
    return render_template("intake/safety.html")


@route("/report", methods=["GET", "POST"])
@limiter.limit(configured_limit("INTAKE_SUBMIT_LIMIT"), methods=["POST"])
@csrf.exempt
@extra_csp(**SCRIPT_POLICY)
def submit() -> ResponseReturnValue:
    language = codename_language(str(get_locale() or DEFAULT_LANGUAGE))
    if request.method != "POST":  # GET, and HEAD, which must cost what GET costs
        mechanisms = _last_mechanism_choices()
        accepting, everyone = _labelled(mechanisms)
        form = ReportForm(accepting, everyone)
        return _report_page(form, accepting, new_form_token(), language, mechanisms, everyone)

    # Read the whole body first (files are encrypted as they arrive), so that a slow upload holds
    # no transaction; then one transaction reads the choices, checks the form and stores the case.
    request.files  # noqa: B018
    # The codename derives from the form's one-time token: the same form sent again (a reload, a
    # double click, a retry after a lost answer) finds its own lookup tag already stored.
    token = request.form.get("form_token")
    secret = form_secret(token)
    if secret is None:  # a page from before tokens, or no browser: no repeat protection possible
        token = new_form_token()
        secret = form_secret(token)
        assert secret is not None
    codename_keys = derive_codename_v2_keys(codename_from_secret(secret, language), language)
    stored = False
    try:
        with get_db().session() as session:
            mechanisms = mechanism_choices(session, _org_keys())
            current_app.extensions[_CHOICES_SEEN] = tuple(mechanisms)
            accepting, everyone = _labelled(mechanisms)
            form = ReportForm(accepting, everyone)
            files = _uploaded_files(form.attachments.data or [])
            if _validate(form):
                store_on_server(
                    session,
                    CaseFacts(
                        mechanism_code=form.mechanism.data,
                        urgency=form.urgency.data,
                        in_detention=form.in_detention.data or None,
                        consents=form.new_consents(),
                        given_by=form.consent_given_by.data,
                        language=str(get_locale() or "en"),
                    ),
                    case_key=g.get("case_key"),
                    codename_keys=codename_keys,
                    report=form.report_data(),
                    identity=form.identity_text(),
                    attachments=[encrypted_upload(f).envelope() for f in files],
                    org_keys=_org_keys(),
                )
                stored = True
    except NoReviewersError:
        form.mechanism.errors = [
            _("Nobody can receive reports for this mechanism yet. Choose another one.")
        ]
    except IntegrityError:
        if not _already_stored(codename_keys):
            raise
        receipt.hold(receipt.PendingReceipt(secret, language, repeat=True))
        return redirect(url_for("intake.report_received"), code=303)
    if not stored:
        return (
            _report_page(
                form, accepting, token, language, mechanisms, everyone, files_dropped=bool(files)
            ),
            400,
        )
    receipt.hold(receipt.PendingReceipt(secret, language, repeat=False))
    return redirect(url_for("intake.report_received"), code=303)


def _report_page(
    form: ReportForm,
    accepting: list[tuple[str, str]],
    token: str | None,
    language: str,
    mechanisms: list[MechanismChoice],
    everyone: list[tuple[str, str]],
    *,
    files_dropped: bool = False,
) -> str:
    return render_template(
        "intake/report.html",
        form=form,
        accepting=accepting,
        form_token=token,
        codename_language=language,
        files_dropped=files_dropped,
        readers=_readers(mechanisms, everyone),
        org_keys=_org_keys_text(),
    )


def _already_stored(keys: CodenameKeys) -> bool:
    """Whether a case with this lookup tag exists (the tag's insert failed: a repeat, or a race
    with the same form sent twice at once)."""
    with get_db().session() as session:
        return followup.find_case(session, keys) is not None


@route("/report/received", methods=["GET", "POST"])
def report_received() -> ResponseReturnValue:
    """The receipt: the codename until the person confirms they wrote it down, then a plain page
    with the ways on. Reloading it stores nothing."""
    confirm_form = EmptyForm()
    if request.method == "POST":  # the token was checked before the view (CSRFProtect)
        receipt.confirm()
        return redirect(url_for("intake.report_received"), code=303)
    held = receipt.pending()
    if held is None:
        if receipt.confirmed():
            return render_template("intake/receipt_done.html")
        return redirect(url_for("intake.landing"), code=303)
    codename = codename_from_secret(held.secret, held.language)
    with get_db().session() as session:
        case = followup.find_case(session, derive_codename_v2_keys(codename, held.language))
        if case is None:  # deleted since; nothing to show
            receipt.confirm()
            return redirect(url_for("intake.report_received"), code=303)
        mechanism = case.mechanisms[0]
        created, file_count = case.created, case.item_count - 1
        shared = {
            code
            for (scope, code), consent in consent_rules.current_consents(case.consents).items()
            if scope == "share_with" and consent.state == "granted"
        }
        rows = mechanism_choices(session, _org_keys())
        readers = _readers(rows, _labelled(rows)[1])
    return render_template(
        "intake/receipt.html",
        codename=codename,
        codename_words=codename.split(" "),
        codename_language=held.language,
        repeat=held.repeat,
        mechanism=mechanism,
        file_count=file_count,
        created=created,
        confirm_form=confirm_form,
        readers=[r for r in readers if r.code == mechanism.code],
        shared_readers=[r for r in readers if r.code in shared],
    )


@route("/followup", methods=["GET", "POST"])
@limiter.limit(configured_limit("INTAKE_LOOKUP_LIMIT"), methods=["POST"])
@csrf.exempt
def followup_start() -> ResponseReturnValue:
    form = CodenameForm()
    if request.method != "POST":  # GET, and HEAD, which must cost what GET costs
        return render_template("intake/followup_start.html", form=form)
    if not _validate(form):
        return render_template("intake/followup_start.html", form=form), 400
    keys = None
    with get_db().session() as session:
        # Every reading of what was typed (v1; v2 in each language holding the words): usually one.
        for reading in read_codename(given(form.codename.data)):
            if followup.find_case(session, reading) is not None:
                keys = reading
                break
    if keys is None:
        form.codename.errors = [
            _("No report matches this codename. Check each word and try again.")
        ]
        return render_template("intake/followup_start.html", form=form), 400
    followup.remember(keys)
    return redirect(url_for("intake.followup_case"), code=303)


FOLLOWUP_NOTICES = frozenset({"sent", "already_sent"})


@route("/followup/case", methods=["GET", "POST"])
@limiter.limit(configured_limit("INTAKE_FOLLOWUP_LIMIT"), methods=["POST"])
@csrf.exempt
def followup_case() -> ResponseReturnValue:
    keys = followup.remembered()
    if keys is None:
        return redirect(url_for("intake.followup_start"), code=303)
    if request.method != "POST":  # GET, and HEAD
        notice = request.args.get("notice")
        return _case_page(keys, notice=notice if notice in FOLLOWUP_NOTICES else None)
    form = FollowupForm()
    files = _uploaded_files(form.attachments.data or [])
    if not (_validate(form) and (form.message.data or files)):
        if not form.errors:
            form.message.errors = [_("Write something or choose a file to send.")]
        return _case_page(keys, form=form, status=400)
    # The first new item's id derives from the form's one-time token: the same form sent again
    # (a reload, a retry after a lost answer) finds it and stores nothing twice.
    secret = form_secret(request.form.get("form_token"))
    first_id = followup.item_id_for(secret) if secret is not None else None
    try:
        with get_db().session() as session:
            case = followup.find_case(session, keys)
            if case is None:
                followup.forget()
                return redirect(url_for("intake.followup_start"), code=303)
            if first_id is not None and followup.has_item(session, first_id):
                return redirect(url_for("intake.followup_case", notice="already_sent"), code=303)
            envelopes: list[tuple[str, IO[bytes]]] = []
            if form.message.data:
                envelope = encrypt(
                    form.message.data.encode(),
                    followup.submitter_recipients(case),
                    {"kind": "followup", "created": today().isoformat()},
                    chunk_log2=CHUNK_LOG2_TEXT,
                )
                envelopes.append(("followup", io.BytesIO(envelope)))
            envelopes += [("attachment", encrypted_upload(f).envelope()) for f in files]
            for index, (kind, envelope_stream) in enumerate(envelopes):
                add_item(
                    session,
                    case.ref,
                    kind,
                    envelope_stream,
                    submitter_readable=True,
                    item_id=first_id if index == 0 else None,
                )
    except IntegrityError:  # the same form sent twice at once: the first one stored it
        return redirect(url_for("intake.followup_case", notice="already_sent"), code=303)
    return redirect(url_for("intake.followup_case", notice="sent"), code=303)


def _case_page(
    keys: CodenameKeys,
    *,
    form: FollowupForm | None = None,
    consent_form: ConsentChangeForm | None = None,
    notice: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    _accepting, everyone = _mechanism_choices()
    with get_db().session() as session:
        case = followup.find_case(session, keys)
        if case is None:
            followup.forget()
            return redirect(url_for("intake.followup_start"), code=303)
        messages = followup.readable_messages(session, case, keys)
        consents = consent_rules.in_force(case.consents)
        on_hold = consent_rules.case_on_hold(case.consents)
        mechanisms = list(case.mechanisms)
        # A closed case is deleted once past the retention of every one of its mechanisms.
        kept = [m.retention_days for m in mechanisms]
        retention_days = None if None in kept or not kept else max(d for d in kept if d is not None)
        # None for the mechanism the person chose, else the part it was shared.
        parts = followup.shared_parts(session, case)
        holders = [(m, parts.get(m.code)) for m in mechanisms]
        status_code = case.status
        created = case.created
    if consent_form is None:
        consent_form = ConsentChangeForm(everyone, formdata=None)
        for consent in consents:
            if consent.scope == "share_with":
                continue
            field = getattr(consent_form, f"scope_{consent.scope}", None)
            if field is not None:
                field.data = (
                    "granted"
                    if consent.state == "granted"
                    else ("refused" if consent.state in ("refused", "withdrawn") else None)
                )
        consent_form.share_with.data = [
            c.mechanism_code for c in consents if c.scope == "share_with" and c.state == "granted"
        ]
        consent_form.consent_given_by.data = consents[-1].given_by if consents else None
    return render_template(
        "intake/followup_case.html",
        form=form or FollowupForm(formdata=None),
        form_token=(
            request.form.get("form_token")
            if form is not None and form_secret(request.form.get("form_token"))
            else new_form_token()
        ),
        consent_form=consent_form,
        signout=EmptyForm(),
        messages=messages,
        consents=consents,
        on_hold=on_hold,
        mechanisms=mechanisms,
        holders=holders,
        status=status_code,
        retention_days=retention_days,
        created=created,
        notice=notice,
    ), status


@route("/followup/consent", methods=["POST"])
@limiter.limit(configured_limit("INTAKE_FOLLOWUP_LIMIT"))
@csrf.exempt
def followup_consent() -> ResponseReturnValue:
    keys = followup.remembered()
    if keys is None:
        return redirect(url_for("intake.followup_start"), code=303)
    _accepting, everyone = _mechanism_choices()
    consent_form = ConsentChangeForm(everyone)
    if not _validate(consent_form):
        return _case_page(keys, consent_form=consent_form, status=400)
    with get_db().session() as session:
        case = followup.find_case(session, keys)
        if case is None:
            followup.forget()
            return redirect(url_for("intake.followup_start"), code=303)
        latest = consent_rules.current_consents(case.consents)
        answers: dict[consent_rules.ScopeKey, str] = {
            (code, None): field.data
            for code, field in zip(CHANGEABLE_SCOPES, consent_form.scope_fields(), strict=True)
            if field.data
        }
        answers.update(consent_rules.share_answers(latest, consent_form.share_with.data or []))
        changed = consent_rules.record_changes(
            session,
            case,
            answers,
            given_by=consent_form.consent_given_by.data,
            language=str(get_locale() or "en"),
        )
        if changed:
            followup.note_consent_change(session, case.ref)
    return _case_page(keys, notice="consent_changed" if changed else "consent_unchanged")


@route("/followup/leave", methods=["POST"])
def followup_leave() -> ResponseReturnValue:
    form = EmptyForm()
    if form.validate():
        followup.forget()
    return redirect(url_for("intake.landing"), code=303)


accepts_encrypted_files("intake.submit", lambda: [_upload_case_key().public_key])
accepts_encrypted_files("intake.followup_case", _followup_recipients)
