"""Audit entries in words: each action's label and its details as a sentence in the reader's
language, never the stored codes or JSON (issue 17)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_babel.speaklater import LazyString

from admin.vocabulary import STATUS_LABELS
from reprisal_intake import domain

ACTION_LABELS: dict[str, LazyString] = {
    "sign_in": _l("Signed in"),
    "sign_in_failed": _l("Sign-in failed"),
    "sign_out": _l("Signed out"),
    "sign_out_everywhere": _l("Signed out everywhere"),
    "account_locked": _l("Account locked"),
    "invitation_created": _l("Invitation created"),
    "invitation_accepted": _l("Invitation accepted"),
    "totp_enrolled": _l("Authenticator app set up"),
    "recovery_code_used": _l("Recovery code used"),
    "recovery_codes_renewed": _l("Recovery codes renewed"),
    "security_key_added": _l("Security key added"),
    "role_change": _l("Roles changed"),
    "user_deactivated": _l("Account deactivated"),
    "key_created": _l("Key created"),
    "key_registered": _l("Key registered"),
    "key_unlocked": _l("Key unlocked"),
    "key_locked": _l("Key locked"),
    "key_rotated": _l("Key replaced"),
    "escrow_key_added": _l("Escrow key added"),
    "access_denied": _l("Access refused"),
    "case_viewed": _l("Case opened (key locked)"),
    "case_read": _l("Case read"),
    "item_decrypted": _l("Case read"),
    "item_downloaded": _l("File downloaded"),
    "case_exported": _l("Encrypted case exported"),
    "routing": _l("Case routed"),
    "status_changed": _l("Status changed"),
    "triaged": _l("Triaged"),
    "risk_assessed": _l("Risk assessed"),
    "measure_recorded": _l("Measure recorded"),
    "measure_refused": _l("Measure refused"),
    "state_reply_recorded": _l("State reply recorded"),
    "case_shared": _l("Case shared"),
    "case_unshared": _l("Sharing stopped"),
    "share_refused": _l("Sharing refused"),
    "share_proposed": _l("Sharing proposed, waiting for a second person's approval"),
    "share_approved": _l("Sharing approved by a second focal point"),
    "share_approval_refused": _l("Sharing approval refused"),
    "reply_sent": _l("Reply sent to the person"),
    "note_added": _l("Internal note added"),
    "purge_planned": _l("Deletion planned"),
    "retention_set": _l("Retention period set"),
    "case_purged": _l("Case deleted"),
    "statistics_coded": _l("Statistics coded"),
    "statistics_exported": _l("Statistics exported"),
    "measure_approved": _l("Measure approved by a second focal point"),
    "measure_approval_refused": _l("Measure approval refused"),
    "measure_cancelled": _l("Measure cancelled"),
    "reader_added": _l("Reader added"),
    "reader_certified": _l("Reader certified"),
    "reader_revoked": _l("Reader revoked"),
    "reader_migrated": _l("Reader moved to a new hybrid key, cases re-sealed"),
    "database_roles_granted": _l("Database roles granted"),
    "backup_restored": _l("Backup restored"),
    "consent_changed": _l("The person changed their consent"),
    "alert_acknowledged": _l("Alert acknowledged"),
    "case_owner_changed": _l("Case owner changed"),
    "cases_linked": _l("Cases linked as one matter"),
    "cases_unlinked": _l("Link between cases undone"),
    "assessed": _l("Case assessed"),
    "report_inclusion_recorded": _l("Annual report inclusion recorded"),
    "annual_report_exported": _l("Annual report exported"),
}

# The actions that read a case's content: the "who has read what" view lists these.
READ_ACTIONS = ("case_read", "item_decrypted", "item_downloaded", "case_exported")


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action.replace("_", " ")


def details(raw: str) -> dict[str, object]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _status(code: object) -> str:
    label = STATUS_LABELS.get(str(code))
    return str(label) if label is not None else str(code)


def _choice(code: object, table: tuple[tuple[str, object], ...]) -> str:
    return str(dict(table).get(str(code), str(code).replace("_", " ")))


def _count(detail: Mapping[str, object], name: str) -> int:
    value = detail.get(name)
    if isinstance(value, list):
        return len(value)
    return value if isinstance(value, int) else 0


def _status_change_notes(detail: Mapping[str, object]) -> list[str]:
    """What a status change adds: a step towards a suggested status, or a closing acknowledged with
    work still open (admin/casework/suggestions.py, admin/casework/closing.py)."""
    notes = []
    if detail.get("suggested"):
        notes.append(
            _(
                "A step towards “%(status)s”, suggested by the work done.",
                status=_status(detail.get("suggested")),
            )
        )
    left = detail.get("closed_anyway")
    if isinstance(left, Mapping):
        planned = _count(left, "planned")
        notes.append(
            ngettext(
                "Closed anyway: %(num)s measure was still planned.",
                "Closed anyway: %(num)s measures were still planned.",
                planned,
            )
            if planned
            else _("Closed anyway.")
        )
        if left.get("next_review"):
            notes.append(
                _("The next review was set for %(date)s.", date=str(left.get("next_review")))
            )
    return notes


def sentence(action: str, detail: Mapping[str, object]) -> str:
    """The details of one entry as a sentence ("" when there is nothing to add to its label)."""
    if action in ("case_read", "item_decrypted"):
        count = _count(detail, "items_opened") or _count(detail, "items")
        return ngettext(
            "%(num)s item decrypted and shown.", "%(num)s items decrypted and shown.", count
        )
    if action == "item_downloaded":
        return _("One attachment downloaded in the clear.")
    if action == "status_changed":
        return " ".join(
            [
                _(
                    "From %(from)s to %(to)s.",
                    **{"from": _status(detail.get("from")), "to": _status(detail.get("to"))},
                ),
                *_status_change_notes(detail),
            ]
        )
    if action == "triaged":
        return _(
            "Urgency: %(urgency)s; in detention: %(detention)s.",
            urgency=_choice(detail.get("urgency"), domain.URGENCIES),
            detention=_choice(detail.get("in_detention"), domain.IN_DETENTION),
        )
    if action == "risk_assessed":
        return _(
            "Version %(version)s; next review %(date)s.",
            version=detail.get("version", "-"),
            date=detail.get("next_review", "-"),
        )
    if action in ("case_shared", "case_unshared", "share_refused", "share_proposed"):
        return _(
            "Mechanism: %(name)s.", name=domain.mechanism_name(str(detail.get("mechanism", "")))
        )
    if action == "sign_in" and detail.get("method"):
        methods = {"totp": _("authenticator app"), "webauthn": _("security key")}
        # Babel does not extract a call nested in another call's arguments: name it first.
        recovery_code = _("recovery code")
        return _("With %(method)s.", method=methods.get(str(detail["method"]), recovery_code))
    if action in ("role_change", "invitation_created", "user_deactivated") and detail.get("user"):
        return _("Account: %(user)s.", user=detail["user"])
    if action == "statistics_exported":
        return _(
            "From %(start)s to %(end)s.", start=detail.get("from", "-"), end=detail.get("to", "-")
        )
    if action in ("cases_linked", "cases_unlinked"):
        return _("With case %(ref)s.", ref=detail.get("other", "-"))
    if action == "purge_planned":
        return _("%(count)s cases.", count=_count(detail, "cases"))
    return ""
