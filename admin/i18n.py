"""The admin app's languages: the six official languages of the United Nations, Arabic right to left.

Chosen, in this order, by a plain link on every page (kept in a small cookie of its own, so that it
survives signing in, which clears the session), by the account's saved preference (the account page),
then by the browser's ``Accept-Language`` among the six; English otherwise. Staff are not anonymous submitters, so the browser may suggest the language
here (the intake never lets it: see docs/translations.md).

The admin catalogue is admin/translations; the intake's catalogue is loaded first so the shared
vocabularies of ``reprisal_intake.domain`` are translated too (Flask-Babel merges the two).
"""

from __future__ import annotations

from pathlib import Path

from babel import Locale, UnknownLocaleError
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import RadioField
from wtforms.validators import InputRequired

from admin import vocabulary
from admin.access import require_roles
from admin.extensions import babel
from admin.forms import AdminForm
from admin.redirects import safe_next
from reprisal_intake import domain
from reprisal_intake.db import get_db
from reprisal_intake.models import User
from reprisal_intake.web.forms import SelectChoice

# code: the language's own name (shown in the links, in that language), in the intake's order
LANGUAGES: dict[str, str] = {
    "ar": "العربية",
    "zh": "中文",
    "en": "English",
    "fr": "Français",
    "ru": "Русский",
    "es": "Español",
}
# The HTML lang attribute where it is more than the code (the catalogue is simplified Chinese).
HTML_LANG = {"zh": "zh-Hans"}
RIGHT_TO_LEFT = frozenset({"ar"})
DEFAULT_LANGUAGE = "en"
COOKIE = "admin_language"
COOKIE_MAX_AGE = 365 * 24 * 3600

ADMIN_TRANSLATIONS = Path(__file__).resolve().parent / "translations"
INTAKE_TRANSLATIONS = Path(__file__).resolve().parents[1] / "reprisal_intake" / "translations"

bp = Blueprint("language", __name__)


def select_locale() -> str:
    """Flask-Babel's locale selector for the admin app."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = g.get("chosen_language") or request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return str(chosen)
    user = g.get("user")
    preferred = getattr(user, "language", None)
    if preferred in LANGUAGES:
        return str(preferred)
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LANGUAGE


def language_name(code: str | None) -> str:
    """A language code (``Case.language``) named in the page's language: "Russian", "russe"."""
    if not code:
        return "-"
    try:
        name = Locale.parse(code).get_display_name(str(get_locale() or DEFAULT_LANGUAGE))
    except (ValueError, UnknownLocaleError):
        return code
    return (name or code)[:1].upper() + (name or code)[1:]


def own_language_name(code: str | None) -> str:
    """The language named in itself ("Русский"), for a ``lang`` attribute beside it."""
    try:
        name = Locale.parse(code or "").get_display_name(code or "")
    except (ValueError, UnknownLocaleError):
        return code or "-"
    return name or code or "-"


ITEM_KINDS = {
    "report": _l("Report"),
    "attachment": _l("Attachment"),
    "followup": _l("Follow-up"),
    "reply": _l("Reply"),
    "note": _l("Note"),
    "identity": _l("Identity (names and contact details)"),
}
ROLE_NAMES = {
    "focal_point": _l("Focal point"),
    "coordinator": _l("Coordinator"),
    "administrator": _l("Administrator"),
    "auditor": _l("Auditor"),
}
DETENTION = {"yes": _l("Yes"), "no": _l("No"), "unknown": _l("Not known")}
# Messages that reach a template as data (admin/cases/decryption.py), listed here so they are extracted.
DATA_MESSAGES = (_l("This item could not be decrypted or is damaged."),)


def role_names(codes: list[str] | set[str] | frozenset[str]) -> str:
    return ", ".join(str(ROLE_NAMES.get(code, code)) for code in sorted(codes))


def item_kind_label(code: str) -> str:
    return str(ITEM_KINDS.get(code, code.replace("_", " ").capitalize()))


def case_status_label(code: str) -> str:
    return vocabulary.label(tuple(vocabulary.STATUS_LABELS.items()), code)


def urgency_label(code: str | None) -> str:
    return vocabulary.label(domain.URGENCIES, code)


def detention_label(code: str | None) -> str:
    return "-" if code is None else str(DETENTION.get(code, code))


class LanguageForm(AdminForm):
    language = RadioField(
        _l("Language of the admin app"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        validators=[InputRequired()],
    )


def account_language_form() -> LanguageForm:
    """The account page's language form, showing the language in use."""
    return LanguageForm(formdata=None, data={"language": str(get_locale() or DEFAULT_LANGUAGE)})


@bp.get("/language/<code>")
def switch(code: str) -> ResponseReturnValue:
    """A plain link: show the app in ``code`` in this browser from now on."""
    if code not in LANGUAGES:
        abort(404)
    return remember(redirect(safe_next(request.args.get("next"))), code)


def remember(response: Response, code: str) -> Response:
    response.set_cookie(
        COOKIE,
        code,
        max_age=COOKIE_MAX_AGE,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.post("/account/language")
@require_roles()
def save_preference() -> ResponseReturnValue:
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    with get_db().session() as db:
        user = db.get(User, g.user.id)
        if user is None:
            abort(403)
        user.language = form.language.data
    g.chosen_language = form.language.data
    refresh()  # say it in the language just chosen
    flash(_("Your language is saved."))
    return remember(redirect(url_for("account.overview")), form.language.data)


def language_context() -> dict[str, object]:
    code = str(get_locale() or DEFAULT_LANGUAGE)
    here = request.full_path.rstrip("?") if request.method == "GET" else url_for("admin.home")
    return {
        "page_lang": HTML_LANG.get(code, code),
        "page_dir": page_direction(code),
        "page_language": code,
        "languages": [
            (
                other,
                name,
                HTML_LANG.get(other, other),
                url_for("language.switch", code=other, next=here),
            )
            for other, name in LANGUAGES.items()
        ],
    }


def page_direction(code: str) -> str:
    """The writing direction of a page in ``code``: ``rtl`` for Arabic, ``ltr`` otherwise."""
    return "rtl" if code in RIGHT_TO_LEFT else "ltr"


def init_app(app: Flask) -> None:
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", f"{INTAKE_TRANSLATIONS};{ADMIN_TRANSLATIONS}"
    )
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.context_processor(language_context)
    app.jinja_env.globals.update(
        language_name=language_name,
        account_language_form=account_language_form,
        own_language_name=own_language_name,
        item_kind_label=item_kind_label,
        role_names=role_names,
        case_status_label=case_status_label,
        urgency_label=urgency_label,
        detention_label=detention_label,
    )
