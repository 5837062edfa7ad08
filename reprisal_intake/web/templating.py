"""Template helpers: dates per locale and labels for stored codes."""

from __future__ import annotations

import datetime

from flask import Flask, has_request_context, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l

from .. import consent_wording, domain

STATUS_LABELS = {
    "received": _l("Received"),
    "triaged": _l("Being looked at"),
    "consent_pending": _l("Waiting for your consent"),
    "under_assessment": _l("Being assessed"),
    "action_planned": _l("Action planned"),
    "action_taken": _l("Action taken"),
    "awaiting_state_reply": _l("Waiting for the State's reply"),
    "follow_up": _l("Being followed up"),
    "out_of_scope": _l("Outside what this mechanism can act on"),
    "referred_elsewhere": _l("Passed on to another body"),
    "closed": _l("Closed"),
    "on_hold": _l("On hold"),
}
CONSENT_STATE_LABELS = {
    "granted": _l("Yes"),
    "refused": _l("No"),
    "not_asked": _l("Not decided"),
    "withdrawn": _l("Withdrawn"),
}
CONSENT_SCOPE_LABELS = dict(domain.CONSENT_SCOPES)


def status_label(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


def consent_state_label(code: str) -> str:
    return str(CONSENT_STATE_LABELS.get(code, code))


def consent_label(consent: object) -> str:
    scope = str(getattr(consent, "scope", ""))
    mechanism = getattr(consent, "mechanism_code", None)
    if scope == "share_with" and mechanism:
        return str(_l("Share with %(mechanism)s", mechanism=mechanism))
    return str(CONSENT_SCOPE_LABELS.get(scope, scope))


def date_filter(value: datetime.date) -> str:
    return format_date(value, format="long")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["format_date"] = date_filter
    app.jinja_env.globals.update(
        status_label=status_label,
        consent_state_label=consent_state_label,
        consent_label=consent_label,
        consent_effect=consent_wording.effect,
        consent_consequence=consent_wording.consequence,
        decide_later=consent_wording.DECIDE_LATER,
    )


# The six official languages of the United Nations. The code is the URL prefix (/fr/report) and the
# catalogue's folder; English is also served without a prefix (/report).
# code: (the language's own name, the HTML lang attribute, the writing direction)
LANGUAGES: dict[str, tuple[str, str, str]] = {
    "ar": ("العربية", "ar", "rtl"),
    "zh": ("中文", "zh-Hans", "ltr"),
    "en": ("English", "en", "ltr"),
    "fr": ("Français", "fr", "ltr"),
    "ru": ("Русский", "ru", "ltr"),
    "es": ("Español", "es", "ltr"),
}
DEFAULT_LANGUAGE = "en"
# POST-only pages: the language links lead to the page the form was on.
POST_ONLY_PAGES = {
    "intake.followup_consent": "intake.followup_case",
    "intake.followup_leave": "intake.landing",
}


def language_from_path(path: str) -> str | None:
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in LANGUAGES else None


def url_language() -> str:
    """The language named by the request's URL (``/fr/...``); English without a prefix."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    return language_from_path(request.path) or DEFAULT_LANGUAGE


def select_locale() -> str:
    """Flask-Babel's locale selector: the URL decides, never a cookie or Accept-Language."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    return language_from_path(request.path) or DEFAULT_LANGUAGE


def language_url(code: str) -> str:
    """This page in another language (a GET page: the form a POST came from, or the start page)."""
    rule = request.url_rule
    endpoint = request.endpoint if rule is not None else None
    if endpoint in POST_ONLY_PAGES:
        endpoint = POST_ONLY_PAGES[endpoint]
    elif endpoint is None or "GET" not in (rule.methods or ()):  # type: ignore[union-attr]
        endpoint = "intake.landing"
    args = dict(request.view_args or {}) if endpoint == request.endpoint else {}
    args.pop("lang", None)
    return url_for(endpoint, lang=code, **args)


def language_context() -> dict[str, object]:
    code = str(get_locale() or DEFAULT_LANGUAGE)
    _name, html_lang, direction = LANGUAGES.get(code, LANGUAGES[DEFAULT_LANGUAGE])
    return {
        "page_lang": html_lang,
        "page_dir": direction,
        "page_language": code,
        "languages": [(c, name, lang) for c, (name, lang, _dir) in LANGUAGES.items()],
        "language_url": language_url,
    }


def init_languages(app: Flask) -> None:
    """The intake's language plumbing (the admin app has its own)."""
    app.context_processor(language_context)
    app.jinja_env.globals.update(mechanism_name=domain.mechanism_name)
