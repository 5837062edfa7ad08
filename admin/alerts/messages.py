"""The words of a notification, in the recipient's admin language. They name the mechanism and the
kind of alert and link to the admin app's alerts page: no case reference, no report, no codename."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from admin.alerts.channels import Notification
from admin.i18n import DEFAULT_LANGUAGE, LANGUAGES


def _subject(reason: str, mechanism: str, escalation: bool, triage_days: int) -> str:
    if escalation and reason == "immediate":
        text = _("Not acknowledged: an immediate-risk case for %(mechanism)s", mechanism=mechanism)
    elif escalation:
        text = _("Not acknowledged: an untriaged case for %(mechanism)s", mechanism=mechanism)
    elif reason == "immediate":
        text = _("A new immediate-risk case for %(mechanism)s", mechanism=mechanism)
    else:
        text = _(
            "A case for %(mechanism)s has waited more than %(days)d days for triage",
            mechanism=mechanism,
            days=triage_days,
        )
    return str(text)


def notification(
    *,
    address: str,
    language: str | None,
    reason: str,
    mechanism: str,
    escalation: bool,
    alerts_url: str,
    triage_days: int,
) -> Notification:
    with force_locale(language if language in LANGUAGES else DEFAULT_LANGUAGE):
        subject = _subject(reason, mechanism, escalation, triage_days)
        link = str(_("Sign in to acknowledge it: %(url)s", url=alerts_url))
    body = f"{subject}.\n\n{link}\n"
    return Notification(address=address, subject=subject, body=body)
