"""Issue 15, point 4: sharing offers a summary, the full case without the person's identity and the
full case with it, as the consent allows, and the internal record (internal notes, risk narratives)
only when the focal point ticks it. Generated from ``SHARE_ACTIONS`` and ``OUTWARD_ACTIONS``: every
level x every state of every scope it needs, through HTTP; then the receiving mechanism's focal point
reads exactly what the level promises, and nothing else (the rest is "not shared with you" or 403).
The person's follow-up page says who has the case and what part of it."""

from __future__ import annotations

import datetime
import html
import io
from dataclasses import dataclass

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from sqlalchemy import select

from crypto.envelope import CHUNK_LOG2_TEXT, encrypt
from crypto.keys import public_key_from_bytes
from reprisal_intake.consents import OUTWARD_ACTIONS, SHARE_ACTIONS
from reprisal_intake.domain import CONSENT_STATES, mechanism_name
from reprisal_intake.items import add_item
from reprisal_intake.models import AccessStanza, Case, Item, ItemAccess, today
from reprisal_intake.models.sharing import CaseShare
from reprisal_intake.web.templating import LANGUAGES
from tests.factories import database, make_account, make_reviewer
from tests.support.admin import audit_actions, form_post, sign_in, unlock
from tests.support.casework import record_consent, risk_assessed
from tests.support.intake import CODENAME, enter, submit
from tests.support.sharing import (
    approve,
    approve_and_carry_out,
    carry_out,
    pending_share_id,
    second_focal_point,
)

RECEIVER = "ASG"
# What the case holds, each with a marker only it contains.
MARKERS = {
    "report": "LEVEL-REPORT-5521",
    "identity": "LEVEL-IDENTITY-5522",
    "summary": "LEVEL-SUMMARY-5523",
    "note": "LEVEL-NOTE-5524",
    "risk": "LEVEL-RISK-5525",
}
# What each level promises the receiving mechanism (docs/domain.md, "Sharing a case"); the internal
# record (note, risk) is added only when the focal point ticks it, and never to a summary.
PROMISES = {
    "summary": {"summary"},
    "without_identity": {"report"},
    "with_identity": {"report", "identity"},
}
INTERNAL = {"note", "risk"}
LEVELS = [
    pytest.param(part, internal, id=f"{part}{'-internal' if internal else ''}")
    for part in SHARE_ACTIONS.values()
    for internal in ((False, True) if part != "summary" else (False,))
]
CONSENT_CASES = [
    pytest.param(action, scope, state, id=f"{action}-{scope}-{state}")
    for action in SHARE_ACTIONS
    for scope in dict.fromkeys(("store_assess", *OUTWARD_ACTIONS[action][None]))
    for state in CONSENT_STATES
]


@dataclass
class SharedCase:
    ref: str
    codename: str
    cat: FlaskClient
    attachment_id: str


def a_case_with_everything(app: Flask, admin_app: Flask, client: FlaskClient) -> SharedCase:
    """A CAT case with a report, a file and the person's identity, an internal note and a risk
    narrative, every consent sharing with ASG needs granted; the CAT focal point unlocked."""
    cat_account = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    receipt = submit(
        client,
        what_happened=MARKERS["report"],
        identity=MARKERS["identity"],
        share_with=[RECEIVER],
        attachments=[(io.BytesIO(b"LEVEL-FILE"), "evidence.txt", "text/plain")],
    )
    codename = CODENAME.search(receipt.get_data(as_text=True)).group(1)
    with database(app).session() as session:
        ref = session.scalars(select(Case.ref)).one()
        attachment_id = session.scalars(
            select(Item.id).where(Item.case_ref == ref, Item.kind == "attachment")
        ).one()
    record_consent(app, ref, "share_identity", "granted")
    cat = admin_app.test_client()
    sign_in(admin_app, cat, cat_account)
    assert unlock(cat).status_code == 302
    page = cat.get(f"/cases/{ref}").get_data(as_text=True)
    review = (today() + datetime.timedelta(days=30)).isoformat()
    assessed = form_post(
        cat,
        f"/cases/{ref}/risk",
        {
            "likelihood": "possible",
            "severity": "serious",
            "next_review": review,
            "threat_source": MARKERS["risk"],
        },
        page,
    )
    assert assessed.status_code == 302
    noted = form_post(cat, f"/cases/{ref}/note", {"note": MARKERS["note"]}, page)
    assert noted.status_code == 303
    return SharedCase(ref, codename, cat, attachment_id)


def share_form(part: str, internal: bool = False, risk: str = "low") -> dict[str, str]:
    form = {
        "mechanism": RECEIVER,
        "part": part,
        "action_risk": risk,
        "confirm_consent": "y",
        "summary": MARKERS["summary"] if part == "summary" else "",
    }
    if internal:
        form["internal_record"] = "y"
    return form


def share(case: SharedCase, part: str, internal: bool = False, risk: str = "low") -> object:
    return form_post(case.cat, f"/cases/{case.ref}/share", share_form(part, internal, risk))


def receiver(admin_app: Flask) -> FlaskClient:
    account = make_account(admin_app, "focal_point", mechanisms=(RECEIVER,), key="app")
    client = admin_app.test_client()
    sign_in(admin_app, client, account)
    assert unlock(client).status_code == 302
    return client


@pytest.mark.parametrize(("part", "internal"), LEVELS)
def test_the_receiving_mechanism_reads_exactly_what_the_level_promises(
    app: Flask, admin_app: Flask, client: FlaskClient, part: str, internal: bool
) -> None:
    case = a_case_with_everything(app, admin_app, client)
    at_asg = receiver(admin_app)
    assert at_asg.get(f"/cases/{case.ref}").status_code == 403, "not shared yet"

    page = case.cat.get(f"/cases/{case.ref}").get_data(as_text=True)
    assert f'value="{part}"' in page, "offered: the consent allows it"
    shared = share(case, part, internal)
    assert shared.status_code == 303, shared.get_data(as_text=True)
    if part == "with_identity":  # named: a second person approves, then it is carried out
        approve_and_carry_out(admin_app, case.cat, case.ref)

    seen = at_asg.get(f"/cases/{case.ref}")
    assert seen.status_code == 200
    text = seen.get_data(as_text=True)
    promised = PROMISES[part] | (INTERNAL if internal else set())
    for what, marker in MARKERS.items():
        assert (marker in text) == (what in promised), (what, part, internal)
    # What is not shared is said so (or refused), never shown.
    if "identity" not in promised and part != "summary":
        assert "it was not shared with you" in text
    if "risk" not in promised and part != "summary":
        assert "Not shared with you: the risk narrative" in text
    if part == "summary":
        assert "the report itself, the person's identity and the internal record were not" in text
    download = at_asg.get(f"/cases/{case.ref}/items/{case.attachment_id}")
    assert download.status_code == (403 if part == "summary" else 200)
    # The focal point of the mechanism the person chose still reads everything.
    own = case.cat.get(f"/cases/{case.ref}").get_data(as_text=True)
    assert all(marker in own for what, marker in MARKERS.items() if what != "summary")
    assert (MARKERS["summary"] in own) == (part == "summary")

    # The person's follow-up page says who has the case and what part of it.
    assert enter(client, case.codename).status_code == 303
    followup = client.get("/followup/case").get_data(as_text=True)
    words = {
        "summary": "only a summary a focal point wrote, not your report and not your names or "
        "contact details.",
        "without_identity": "your report, without your names and contact details.",
        "with_identity": "your report and your names and contact details.",
    }
    assert f"Assistant Secretary-General leading UN work on reprisals: {words[part]}" in followup
    assert "Committee against Torture, the mechanism you chose: your report" in followup
    with database(app).session() as session:
        row = session.scalars(select(CaseShare)).one()
        assert (row.part, row.internal_record, row.status) == (part, internal, "shared")


@pytest.mark.parametrize(("action", "scope", "state"), CONSENT_CASES)
def test_each_level_is_offered_and_shared_only_under_its_consent(
    app: Flask, admin_app: Flask, client: FlaskClient, action: str, scope: str, state: str
) -> None:
    case = a_case_with_everything(app, admin_app, client)
    receiver(admin_app)
    part = SHARE_ACTIONS[action]
    record_consent(app, case.ref, scope, state, RECEIVER if scope == "share_with" else None)
    page = case.cat.get(f"/cases/{case.ref}").get_data(as_text=True)
    response = share(case, part)
    with database(app).session() as session:
        mechanisms = [m.code for m in session.get(Case, case.ref).mechanisms]
        rows = list(session.scalars(select(CaseShare.status)))
    if state == "granted":
        assert response.status_code == 303
        assert rows == (["proposed"] if part == "with_identity" else ["shared"])
        return
    assert response.status_code == 409
    assert mechanisms == ["CAT"] and rows == [], "nothing shared, nothing proposed"
    with database(app).session() as session:
        notes = list(session.scalars(select(Item.id).where(Item.kind == "note")))
    assert len(notes) == 2, "no summary stored: only the note and the risk narrative"
    if part == "summary":
        assert MARKERS["summary"] in response.get_data(as_text=True), "what was typed comes back"
    if scope == "share_identity":
        assert 'value="with_identity"' not in page, "not offered without the person's consent"
    refused = [a for _w, a, r in audit_actions(admin_app) if r == case.ref and a == "share_refused"]
    assert refused == ["share_refused"]


def test_sharing_waits_for_a_current_risk_assessment_and_the_risk_of_the_sharing(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    cat_account = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    receiver(admin_app)
    submit(client, share_with=[RECEIVER])
    with database(app).session() as session:
        ref = session.scalars(select(Case.ref)).one()
    cat = admin_app.test_client()
    sign_in(admin_app, cat, cat_account)
    assert unlock(cat).status_code == 302
    case = SharedCase(ref, "", cat, "")

    unassessed = share(case, "without_identity")
    assert unassessed.status_code == 409
    assert "the case has no risk assessment" in unassessed.get_data(as_text=True)
    risk_assessed(app, ref, today() - datetime.timedelta(days=1))
    overdue = share(case, "without_identity")
    assert overdue.status_code == 409
    assert "due for review" in overdue.get_data(as_text=True)
    risk_assessed(app, ref)
    unrated = form_post(
        cat, f"/cases/{ref}/share", {**share_form("without_identity"), "action_risk": ""}
    )
    assert unrated.status_code == 409
    assert "Record the risk this sharing carries" in unrated.get_data(as_text=True)
    with database(app).session() as session:
        assert [m.code for m in session.get(Case, ref).mechanisms] == ["CAT"]
    assert share(case, "without_identity").status_code == 303


@pytest.mark.parametrize(("part", "risk"), [("with_identity", "low"), ("without_identity", "high")])
def test_named_or_high_risk_sharing_needs_a_second_person_who_does_not_carry_it_out(
    app: Flask, admin_app: Flask, client: FlaskClient, part: str, risk: str
) -> None:
    case = a_case_with_everything(app, admin_app, client)
    at_asg = receiver(admin_app)
    assert share(case, part, risk=risk).status_code == 303
    share_id = pending_share_id(app, case.ref)
    assert at_asg.get(f"/cases/{case.ref}").status_code == 403, "proposed is not shared"
    assert "It waits for a second focal point" in case.cat.get(f"/cases/{case.ref}").get_data(
        as_text=True
    )
    # The proposer cannot approve it, nor carry it out unapproved.
    assert approve(case.cat, case.ref, share_id).status_code == 409
    unapproved = carry_out(case.cat, case.ref, share_id)
    assert unapproved.status_code == 409
    assert "waits for a second focal point" in unapproved.get_data(as_text=True)
    second = second_focal_point(admin_app)
    assert approve(second, case.ref, share_id).status_code == 303
    # The approver does not carry it out either.
    assert carry_out(second, case.ref, share_id).status_code == 409
    assert at_asg.get(f"/cases/{case.ref}").status_code == 403
    assert carry_out(case.cat, case.ref, share_id).status_code == 303
    assert MARKERS["report"] in at_asg.get(f"/cases/{case.ref}").get_data(as_text=True)
    steps = [a for _w, a, r in audit_actions(admin_app) if r == case.ref and "share" in a]
    assert steps == [
        "share_proposed",
        "share_approval_refused",
        "share_refused",
        "share_approved",
        "share_refused",
        "case_shared",
    ]


def test_a_mechanism_given_the_internal_record_reads_notes_written_later(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    case = a_case_with_everything(app, admin_app, client)
    at_asg = receiver(admin_app)
    assert share(case, "without_identity", internal=True).status_code == 303
    page = case.cat.get(f"/cases/{case.ref}").get_data(as_text=True)
    form_post(case.cat, f"/cases/{case.ref}/note", {"note": "LATER-NOTE-5526"}, page)
    assert "LATER-NOTE-5526" in at_asg.get(f"/cases/{case.ref}").get_data(as_text=True)


def test_a_mechanism_shared_without_it_never_reads_notes_written_later(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    case = a_case_with_everything(app, admin_app, client)
    at_asg = receiver(admin_app)
    assert share(case, "without_identity").status_code == 303
    page = case.cat.get(f"/cases/{case.ref}").get_data(as_text=True)
    form_post(case.cat, f"/cases/{case.ref}/note", {"note": "LATER-NOTE-5527"}, page)
    assert "LATER-NOTE-5527" in case.cat.get(f"/cases/{case.ref}").get_data(as_text=True)
    assert "LATER-NOTE-5527" not in at_asg.get(f"/cases/{case.ref}").get_data(as_text=True)
    # Resealing never gives ASG the internal record (nor a new CAT key anything but its due).
    page = at_asg.get(f"/cases/{case.ref}").get_data(as_text=True)
    assert "cannot read it yet" not in page


@pytest.mark.parametrize("part", ["summary", "without_identity"])
def test_the_follow_up_page_says_who_has_what_in_the_six_languages(
    app: Flask, admin_app: Flask, client: FlaskClient, part: str
) -> None:
    """The person's words for each holder come from the intake's catalogue in each language."""
    case = a_case_with_everything(app, admin_app, client)
    receiver(admin_app)
    assert share(case, part).status_code == 303
    assert enter(client, case.codename).status_code == 303
    chosen = (
        "%(mechanism)s, the mechanism you chose: your report and, if you gave them, your names "
        "and contact details."
    )
    shared = {
        "summary": "%(mechanism)s: only a summary a focal point wrote, not your report and not "
        "your names or contact details.",
        "without_identity": "%(mechanism)s: your report, without your names and contact details.",
    }[part]
    for language in LANGUAGES:
        prefix = "" if language == "en" else f"/{language}"
        page = html.unescape(client.get(f"{prefix}/followup/case").get_data(as_text=True))
        with app.test_request_context(), force_locale(language):
            expected = [
                gettext(chosen, mechanism=mechanism_name("CAT")),
                gettext(shared, mechanism=mechanism_name(RECEIVER)),
            ]
        for words in expected:
            assert words in page, (language, words)
        if language != "en":
            assert "the mechanism you chose" not in page, language


def test_resealing_gives_a_new_key_what_its_mechanism_holds_and_no_more(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    """Re-sealing remains the mechanism: a new CAT key gets the case key, the identity and the
    internal record; a new key of a mechanism given a summary gets the summary only."""
    case = a_case_with_everything(app, admin_app, client)
    receiver(admin_app)
    assert share(case, "summary").status_code == 303
    new_cat = make_reviewer(app, "CAT", name="New CAT key")
    new_asg = make_reviewer(app, "ASG", name="New ASG key")
    page = case.cat.get(f"/cases/{case.ref}").get_data(as_text=True)
    assert "cannot read it yet: New ASG key, New CAT key." in page
    assert form_post(case.cat, f"/cases/{case.ref}/reseal", {}, page).status_code == 303
    with database(app).session() as session:
        kinds = {
            reviewer: sorted(
                session.scalars(
                    select(Item.kind)
                    .join(ItemAccess, ItemAccess.item_id == Item.id)
                    .where(ItemAccess.reviewer_id == reviewer)
                )
            )
            for reviewer in (new_cat.id, new_asg.id)
        }
        stanzas = set(
            session.scalars(
                select(AccessStanza.reviewer_id).where(AccessStanza.case_ref == case.ref)
            )
        )
    # CAT: the identity, the note, the risk narrative and the summary it sent; ASG: the summary.
    assert kinds == {new_cat.id: ["identity", "note", "note", "note"], new_asg.id: ["note"]}
    assert new_cat.id in stanzas and new_asg.id not in stanzas
    assert "cannot read it yet" not in case.cat.get(f"/cases/{case.ref}").get_data(as_text=True)


def test_a_note_written_before_the_internal_record_was_sealed_apart_still_opens(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    """Notes stored before 2026-12-02 are sealed to the case key (docs/spec/
    rptenv-v1-own-key-items.md section 1): they keep opening, nothing is re-encrypted; they are not
    withheld from a mechanism the case was shared with in full, which always held the case key."""
    case = a_case_with_everything(app, admin_app, client)
    with database(app).session() as session:
        stored = session.get(Case, case.ref)
        envelope = encrypt(
            b"OLD-NOTE-5528",
            [public_key_from_bytes(stored.public_key)],
            {"kind": "note", "created": today().isoformat()},
            chunk_log2=CHUNK_LOG2_TEXT,
        )
        add_item(session, case.ref, "note", io.BytesIO(envelope), submitter_readable=False)
    assert "OLD-NOTE-5528" in case.cat.get(f"/cases/{case.ref}").get_data(as_text=True)
    at_asg = receiver(admin_app)
    assert share(case, "without_identity").status_code == 303
    seen = at_asg.get(f"/cases/{case.ref}").get_data(as_text=True)
    assert "OLD-NOTE-5528" in seen and MARKERS["note"] not in seen


def test_a_mechanism_given_a_summary_changes_nothing_on_the_case(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    """A summary is read and nothing else: every state-changing case route answers 403 to a focal
    point whose mechanism holds only a summary (audited), and the case is unchanged."""
    case = a_case_with_everything(app, admin_app, client)
    at_asg = receiver(admin_app)
    assert share(case, "summary").status_code == 303
    page = at_asg.get(f"/cases/{case.ref}").get_data(as_text=True)
    assert MARKERS["summary"] in page
    # It reads the summary and nothing of the case work: no routing facts, consents, forms.
    for words in (
        "Urgency",
        "In detention",
        "Case work",
        "Sharing with other mechanisms",
        "Statistics coding",
        "Owner",
        "What the person allows",
    ):
        assert words not in page, words
    assert "What the person allows" in case.cat.get(f"/cases/{case.ref}").get_data(as_text=True)
    with database(app).session() as session:
        before = session.get(Case, case.ref)
        assert before is not None
        status, owner = before.status, before.owner_id
    routes = []
    with admin_app.test_request_context():
        for rule in admin_app.url_map.iter_rules():
            if "ref" in rule.arguments and "POST" in (rule.methods or set()):
                values = {name: "PLACEHOLDER" for name in rule.arguments}
                values["ref"] = case.ref
                routes.append(url_for(rule.endpoint, **values))
    assert len(routes) >= 20, routes
    answers = {
        route: form_post(at_asg, route, {"to_status": "closed", "reason": "resolved"}, page)
        for route in routes
    }
    assert {r: a.status_code for r, a in answers.items() if a.status_code != 403} == {}
    with database(app).session() as session:
        after = session.get(Case, case.ref)
        assert after is not None
        assert (after.status, after.owner_id) == (status, owner)
    denied = [a for _w, a, r in audit_actions(admin_app) if r == case.ref and a == "access_denied"]
    assert len(denied) == len(routes)


def test_a_mechanism_given_a_summary_cannot_approve_a_named_share(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    """The second person of the do-no-harm gate reads the case they approve passing on: a focal
    point whose mechanism holds only a summary cannot be that person."""
    case = a_case_with_everything(app, admin_app, client)
    at_asg = receiver(admin_app)
    assert share(case, "summary").status_code == 303
    record_consent(app, case.ref, "share_with", "granted", "SPT")
    make_account(admin_app, "focal_point", mechanisms=("SPT",), key="app")
    proposed = form_post(
        case.cat,
        f"/cases/{case.ref}/share",
        {"mechanism": "SPT", "part": "with_identity", "action_risk": "low", "confirm_consent": "y"},
    )
    assert proposed.status_code == 303
    share_id = pending_share_id(app, case.ref)
    assert approve(at_asg, case.ref, share_id).status_code == 403
    assert carry_out(case.cat, case.ref, share_id).status_code == 409
    with database(app).session() as session:
        pending = session.get(CaseShare, share_id)
        assert pending is not None
        assert (pending.status, pending.approved_by) == ("proposed", None)


def test_the_identity_is_shared_only_to_keys_the_organisation_certified(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    """No new reader without a second person: an active ASG key stored without the organisation's
    record gets no stanza for the identity (nor the case key) when the case is shared with it."""
    case = a_case_with_everything(app, admin_app, client)
    at_asg = receiver(admin_app)
    unsigned = make_reviewer(app, RECEIVER, name="Unsigned ASG key", certified=False)
    assert share(case, "with_identity").status_code == 303
    approve_and_carry_out(admin_app, case.cat, case.ref)
    assert MARKERS["identity"] in at_asg.get(f"/cases/{case.ref}").get_data(as_text=True)
    with database(app).session() as session:
        item_readers = set(
            session.scalars(select(ItemAccess.reviewer_id).where(ItemAccess.case_ref == case.ref))
        )
        case_readers = set(
            session.scalars(
                select(AccessStanza.reviewer_id).where(AccessStanza.case_ref == case.ref)
            )
        )
    assert unsigned.id not in item_readers | case_readers
